//! Problem reports in JSON: the categories, the list (with filters), one report with its history and
//! accepted photos, filing one (the near-duplicates are answered first unless `anyway`), "I have this
//! problem too", and the staff's change of status. Photos are added on the web form.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::auth::{CurrentAccount, ReadStatuses, WriteFavourites, WriteStatuses};
use crate::civic::problems::{self, Filter, NewProblem};
use crate::context::AppContext;
use crate::db::queries;
use crate::error::{Error, Result};
use crate::ids::{ActorId, CategoryId, ProblemId};
use crate::model::{Account, Problem, ProblemStatus};

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryDto {
    pub id: String,
    pub name: String,
    /// No longer offered for new reports.
    pub archived: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PhotoDto {
    pub url: String,
    pub thumbnail: String,
    pub description: String,
    pub width: i32,
    pub height: i32,
    /// Accepted by staff (public); false ones are seen by the reporter and staff only.
    pub accepted: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDto {
    pub id: String,
    /// The ActivityPub id (the commune's `Page`), also its web page.
    pub uri: String,
    pub category_id: String,
    pub description: String,
    pub address: String,
    pub latitude: f64,
    pub longitude: f64,
    /// new, acknowledged, in_progress, resolved, rejected or duplicate.
    pub status: String,
    pub duplicate_of: Option<String>,
    /// People who have it too.
    pub supporters: i64,
    /// The reporter's username, unless they kept their name private (staff still see it).
    pub reporter: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepDto {
    pub status: String,
    /// The public message (empty for the filing).
    pub message: String,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDetailDto {
    pub problem: ProblemDto,
    /// Oldest first.
    pub history: Vec<StepDto>,
    pub photos: Vec<PhotoDto>,
    /// Whether the caller has it too (false without a token).
    pub supported: bool,
}

fn dto(
    conn: &mut crate::db::AnyConnection,
    ctx: &AppContext,
    p: &Problem,
    viewer: Option<&Account>,
) -> Result<ProblemDto> {
    let reporter = match p.author_id {
        Some(a) if problems::shows_reporter(p, viewer) => {
            Some(queries::actor_by_id(conn, a)?.username.to_string())
        }
        _ => None,
    };
    Ok(ProblemDto {
        id: p.id.to_string(),
        uri: ctx.urls.problem(p.id).to_string(),
        category_id: p.category_id.to_string(),
        description: p.description.clone(),
        address: p.address.clone(),
        latitude: p.latitude,
        longitude: p.longitude,
        status: p.status.as_str().into(),
        duplicate_of: p.duplicate_of.map(|d| d.to_string()),
        supporters: p.supporters,
        reporter,
        created_at: p.created_at.and_utc().to_rfc3339(),
        updated_at: p.updated_at.and_utc().to_rfc3339(),
    })
}

async fn commune_of(ctx: &AppContext, caller: Option<&Account>) -> Result<ActorId> {
    if let Some(a) = caller {
        return Ok(a.commune_id);
    }
    ctx.db
        .run(queries::default_commune)
        .await?
        .map(|c| c.id)
        .ok_or_else(|| Error::NotFound("no commune here yet".into()))
}

/// The categories reports are filed in (the caller's commune, else the default one).
#[utoipa::path(get, path = "/api/v1/parvis/problems/categories", tag = "problems",
    responses((status = 200, body = Vec<CategoryDto>)))]
pub async fn categories(
    State(ctx): State<AppContext>,
    current: Option<CurrentAccount<ReadStatuses>>,
) -> Result<Json<Vec<CategoryDto>>> {
    let commune = commune_of(&ctx, current.as_ref().map(|c| &c.account)).await?;
    let all = ctx
        .db
        .run(move |conn| problems::categories(conn, commune))
        .await?;
    Ok(Json(
        all.into_iter()
            .map(|c| CategoryDto {
                id: c.id.to_string(),
                name: c.name,
                archived: c.archived,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ProblemListQuery {
    pub category: Option<i64>,
    /// new, acknowledged, in_progress, resolved, rejected or duplicate.
    pub status: Option<String>,
    /// true: only the open ones (new, acknowledged, in progress), oldest first.
    pub open: Option<bool>,
}

/// The commune's reports, newest first (or the open ones, oldest first).
#[utoipa::path(get, path = "/api/v1/parvis/problems", tag = "problems", params(ProblemListQuery),
    responses((status = 200, body = Vec<ProblemDto>), (status = 422, body = crate::error::ErrorBody)))]
pub async fn list(
    State(ctx): State<AppContext>,
    current: Option<CurrentAccount<ReadStatuses>>,
    Query(q): Query<ProblemListQuery>,
) -> Result<Json<Vec<ProblemDto>>> {
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            ProblemStatus::parse(s).ok_or_else(|| Error::invalid("status", "unknown status"))?,
        ),
    };
    let viewer = current.map(|c| c.account);
    let commune = commune_of(&ctx, viewer.as_ref()).await?;
    let open = q.open.unwrap_or(false);
    let ctx2 = ctx.clone();
    let items = ctx
        .db
        .run(move |conn| {
            let found = problems::list(
                conn,
                &Filter {
                    commune: Some(commune),
                    category: q.category.map(CategoryId),
                    status,
                    open,
                    oldest_first: open,
                    limit: 200,
                    ..Default::default()
                },
            )?;
            found
                .iter()
                .map(|p| dto(conn, &ctx2, p, viewer.as_ref()))
                .collect::<Result<Vec<_>>>()
        })
        .await?;
    Ok(Json(items))
}

fn problem_id(raw: &str) -> Result<ProblemId> {
    raw.parse()
        .map(ProblemId)
        .map_err(|_| Error::NotFound("no such problem report".into()))
}

async fn detail(
    ctx: &AppContext,
    id: ProblemId,
    viewer: Option<Account>,
) -> Result<ProblemDetailDto> {
    let ctx2 = ctx.clone();
    ctx.db
        .run(move |conn| {
            let p = problems::problem(conn, id)?;
            let history = problems::history(conn, id)?
                .into_iter()
                .map(|s| StepDto {
                    status: s.status.as_str().into(),
                    message: s.message,
                    at: s.created_at.and_utc().to_rfc3339(),
                })
                .collect();
            let photos = problems::photos(conn, &p, viewer.as_ref())?
                .into_iter()
                .map(|ph| {
                    let url = ctx2.urls.problem_photo(id, ph.id);
                    PhotoDto {
                        thumbnail: format!("{url}/thumb"),
                        url: url.to_string(),
                        description: ph.alt,
                        width: ph.width,
                        height: ph.height,
                        accepted: ph.accepted_at.is_some(),
                    }
                })
                .collect();
            let supported = match &viewer {
                Some(v) => problems::supports(conn, v.actor_id, id)?,
                None => false,
            };
            Ok(ProblemDetailDto {
                problem: dto(conn, &ctx2, &p, viewer.as_ref())?,
                history,
                photos,
                supported,
            })
        })
        .await
}

/// One report, with its history and the photos the caller may see.
#[utoipa::path(get, path = "/api/v1/parvis/problems/{id}", tag = "problems",
    params(("id" = String, Path, description = "report id")),
    responses((status = 200, body = ProblemDetailDto), (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    State(ctx): State<AppContext>,
    current: Option<CurrentAccount<ReadStatuses>>,
    Path(id): Path<String>,
) -> Result<Json<ProblemDetailDto>> {
    let id = problem_id(&id)?;
    Ok(Json(detail(&ctx, id, current.map(|c| c.account)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewProblemBody {
    pub category_id: i64,
    pub description: String,
    #[serde(default)]
    pub address: String,
    pub latitude: f64,
    pub longitude: f64,
    #[serde(default)]
    pub name_private: bool,
    /// File it even when open reports of the same category are within 50 m.
    #[serde(default)]
    pub anyway: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FiledDto {
    /// The report filed; none when reports nearby came first.
    pub problem: Option<ProblemDetailDto>,
    /// Open reports of the same category within 50 m: support one, or file again with `anyway`.
    pub nearby: Vec<ProblemDto>,
}

/// Reports a problem in the caller's commune (photos are added on the web form).
#[utoipa::path(post, path = "/api/v1/parvis/problems", tag = "problems", security(("bearer" = [])),
    request_body = NewProblemBody,
    responses((status = 200, body = FiledDto), (status = 401, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn create(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteStatuses>,
    Json(body): Json<NewProblemBody>,
) -> Result<Json<FiledDto>> {
    let account = current.account.clone();
    let new = NewProblem {
        category: CategoryId(body.category_id),
        description: body.description,
        address: body.address,
        latitude: body.latitude,
        longitude: body.longitude,
        name_private: body.name_private,
    };
    let anyway = body.anyway;
    let ctx2 = ctx.clone();
    let viewer = account.clone();
    let (filed, nearby) = ctx
        .db
        .transaction(move |conn| {
            if !anyway {
                let near = problems::nearby(
                    conn,
                    account.commune_id,
                    new.category,
                    new.latitude,
                    new.longitude,
                )?;
                if !near.is_empty() {
                    let near = near
                        .iter()
                        .map(|p| dto(conn, &ctx2, p, Some(&account)))
                        .collect::<Result<Vec<_>>>()?;
                    return Ok((None, near));
                }
            }
            Ok((Some(problems::file(conn, &account, &new)?), vec![]))
        })
        .await?;
    let problem = match filed {
        Some(id) => {
            ctx.wake.notify_one();
            Some(detail(&ctx, id, Some(viewer)).await?)
        }
        None => None,
    };
    Ok(Json(FiledDto { problem, nearby }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MeTooBody {
    /// false: no longer.
    #[serde(default = "yes")]
    pub support: bool,
}

fn yes() -> bool {
    true
}

/// "I have this problem too", or no longer.
#[utoipa::path(post, path = "/api/v1/parvis/problems/{id}/support", tag = "problems", security(("bearer" = [])),
    params(("id" = String, Path, description = "report id")), request_body = MeTooBody,
    responses((status = 200, body = ProblemDetailDto), (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn support(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteFavourites>,
    Path(id): Path<String>,
    Json(body): Json<MeTooBody>,
) -> Result<Json<ProblemDetailDto>> {
    let id = problem_id(&id)?;
    let account = current.account.clone();
    ctx.db
        .transaction(move |conn| problems::support(conn, &account, id, body.support))
        .await?;
    ctx.wake.notify_one();
    Ok(Json(detail(&ctx, id, Some(current.account)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusBody {
    pub status: String,
    /// The public message, required.
    pub message: String,
    /// For a duplicate: the report it repeats.
    pub duplicate_of: Option<i64>,
}

/// The commune's staff move a report to a new status, with a public message.
#[utoipa::path(post, path = "/api/v1/parvis/problems/{id}/status", tag = "problems", security(("bearer" = [])),
    params(("id" = String, Path, description = "report id")), request_body = StatusBody,
    responses((status = 200, body = ProblemDetailDto), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn change_status(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteStatuses>,
    Path(id): Path<String>,
    Json(body): Json<StatusBody>,
) -> Result<Json<ProblemDetailDto>> {
    let id = problem_id(&id)?;
    let status = ProblemStatus::parse(&body.status)
        .ok_or_else(|| Error::invalid("status", "unknown status"))?;
    let account = current.account.clone();
    ctx.db
        .transaction(move |conn| {
            problems::change_status(
                conn,
                &account,
                id,
                status,
                &body.message,
                body.duplicate_of.map(ProblemId),
            )
        })
        .await?;
    ctx.wake.notify_one();
    ctx.mail_wake.notify_one();
    Ok(Json(detail(&ctx, id, Some(current.account)).await?))
}
