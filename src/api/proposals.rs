//! Proposals in JSON: the list, one proposal with its counts and history, supporting, proposing and
//! answering.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::auth::{CurrentAccount, ReadStatuses, WriteFavourites, WriteStatuses};
use crate::civic::proposals::{self, NewProposal};
use crate::context::AppContext;
use crate::db::proposals::{Filter, ProposalView, Sort};
use crate::db::queries;
use crate::error::{Error, Result};
use crate::ids::{DebateId, ThemeId};
use crate::model::{Debate, Proposal, ProposalStatus};

#[derive(Debug, Deserialize, IntoParams)]
pub struct ProposalListQuery {
    /// A theme id of the commune.
    pub theme: Option<i64>,
    /// published, under_review, accepted, rejected, already_planned, in_progress or done.
    pub status: Option<String>,
    /// supported (default), newest or closest (to the threshold).
    pub sort: Option<String>,
    /// `elsewhere`: proposals of other servers' communes kept here.
    pub scope: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupportCounts {
    pub residents: i64,
    pub local: i64,
    pub remote: i64,
    pub total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalDto {
    pub id: String,
    /// The ActivityPub id (the `Page`).
    pub uri: String,
    pub url: String,
    pub title: String,
    pub summary: String,
    /// Sanitized HTML.
    pub body: String,
    pub status: String,
    pub theme: Option<String>,
    pub place: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub supports: SupportCounts,
    /// Resident supports that put it under review.
    pub threshold: i64,
    pub created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusChangeDto {
    pub status: String,
    /// Sanitized HTML; none for publication and for the threshold being reached.
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub mandate: Option<String>,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalDetailDto {
    pub proposal: ProposalDto,
    /// Oldest first.
    pub history: Vec<StatusChangeDto>,
    /// Whether the caller supports it (false without a token).
    pub supported: bool,
}

fn dto(ctx: &AppContext, d: &Debate, p: &Proposal, theme: Option<String>) -> ProposalDto {
    let uri = ctx.urls.debate(d.id).to_string();
    ProposalDto {
        id: d.id.to_string(),
        uri: d.ap_id.clone().unwrap_or(uri),
        url: ctx.urls.proposal(d.id).to_string(),
        title: d.title.clone(),
        summary: d.question.clone(),
        body: d.body_html.clone(),
        status: p.status.as_str().into(),
        theme,
        place: p.place.clone(),
        latitude: p.latitude,
        longitude: p.longitude,
        supports: SupportCounts {
            residents: p.supports_residents,
            local: p.supports_local,
            remote: p.supports_remote,
            total: p.supports(),
        },
        threshold: p.threshold,
        created_at: d.created_at.and_utc().to_rfc3339(),
    }
}

/// The default commune's proposals, or those of neighbouring communes.
#[utoipa::path(get, path = "/api/v1/parvis/proposals", tag = "proposals", params(ProposalListQuery),
    responses((status = 200, body = Vec<ProposalDto>), (status = 422, body = crate::error::ErrorBody)))]
pub async fn list(
    State(ctx): State<AppContext>,
    Query(q): Query<ProposalListQuery>,
) -> Result<Json<Vec<ProposalDto>>> {
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            ProposalStatus::parse(s).ok_or_else(|| Error::invalid("status", "unknown status"))?,
        ),
    };
    let sort = match q.sort.as_deref() {
        None | Some("") => Sort::default(),
        Some(s) => Sort::parse(s)
            .ok_or_else(|| Error::invalid("sort", "must be supported, newest or closest"))?,
    };
    let elsewhere = q.scope.as_deref() == Some("elsewhere");
    let theme = q.theme.map(ThemeId);
    let items = ctx
        .db
        .run(move |conn| {
            let Some(commune) = queries::default_commune(conn)? else {
                return Ok(vec![]);
            };
            crate::db::proposals::list(
                conn,
                &Filter {
                    commune: (!elsewhere).then_some(commune.id),
                    theme,
                    status,
                    sort,
                    limit: 100,
                },
            )
        })
        .await?;
    let policy = ctx.policy().await;
    Ok(Json(
        items
            .iter()
            .filter(|i| policy.shows(*i))
            .map(|i| dto(&ctx, &i.debate, &i.proposal, i.theme.clone()))
            .collect(),
    ))
}

fn proposal_id(raw: &str) -> Result<DebateId> {
    raw.parse()
        .map(DebateId)
        .map_err(|_| Error::NotFound(format!("no proposal {raw}")))
}

async fn detail(
    ctx: &AppContext,
    id: DebateId,
    viewer: Option<crate::ids::ActorId>,
) -> Result<ProposalDetailDto> {
    let (debate, view): (Debate, ProposalView) = ctx
        .db
        .run(move |conn| {
            let view = crate::db::proposals::view(conn, id, viewer)?
                .ok_or_else(|| Error::NotFound(format!("no proposal {id}")))?;
            Ok((crate::civic::debates::debate(conn, id)?, view))
        })
        .await?;
    if !ctx.policy().await.shows(&debate) {
        return Err(Error::NotFound(format!("no proposal {id}")));
    }
    Ok(ProposalDetailDto {
        proposal: dto(ctx, &debate, &view.proposal, view.theme.clone()),
        history: view
            .history
            .iter()
            .map(|c| StatusChangeDto {
                status: c.status.as_str().into(),
                answer: c.answer_html.clone(),
                answered_by: Some(c.answerer_name.clone()).filter(|n| !n.is_empty()),
                mandate: Some(c.answerer_mandate.clone()).filter(|m| !m.is_empty()),
                at: c.at.and_utc().to_rfc3339(),
            })
            .collect(),
        supported: view.supported,
    })
}

/// A proposal with its counts and the history of its statuses and answers.
#[utoipa::path(get, path = "/api/v1/parvis/proposals/{id}", tag = "proposals",
    params(("id" = String, Path, description = "proposal id")),
    responses((status = 200, body = ProposalDetailDto), (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    State(ctx): State<AppContext>,
    current: Option<CurrentAccount<ReadStatuses>>,
    Path(id): Path<String>,
) -> Result<Json<ProposalDetailDto>> {
    let id = proposal_id(&id)?;
    let viewer = current.map(|c| c.actor.id);
    Ok(Json(detail(&ctx, id, viewer).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewProposalBody {
    pub title: String,
    /// One or two sentences.
    pub summary: String,
    /// Markdown.
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub theme_id: Option<i64>,
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
}

/// Proposes something to the caller's commune.
#[utoipa::path(post, path = "/api/v1/parvis/proposals", tag = "proposals", security(("bearer" = [])),
    request_body = NewProposalBody,
    responses((status = 200, body = ProposalDetailDto), (status = 401, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteStatuses>,
    Json(new): Json<NewProposalBody>,
) -> Result<Json<ProposalDetailDto>> {
    let coordinates = match (new.latitude, new.longitude) {
        (None, None) => None,
        (Some(lat), Some(lon)) => Some((lat, lon)),
        _ => {
            return Err(Error::invalid(
                "coordinates",
                "give both a latitude and a longitude",
            ));
        }
    };
    let account = current.account.clone();
    let id = ctx
        .db
        .transaction(move |conn| {
            proposals::propose(
                conn,
                &account,
                NewProposal {
                    title: new.title,
                    summary: new.summary,
                    body: new.body,
                    theme: new.theme_id.map(ThemeId),
                    place: new.place,
                    coordinates,
                },
            )
        })
        .await?;
    ctx.wake.notify_one();
    Ok(Json(detail(&ctx, id, Some(current.actor.id)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SupportBody {
    /// false withdraws the support.
    #[serde(default = "yes")]
    pub support: bool,
}

fn yes() -> bool {
    true
}

/// Supports a proposal (here or hosted elsewhere), or withdraws the support; twice is once.
#[utoipa::path(post, path = "/api/v1/parvis/proposals/{id}/support", tag = "proposals", security(("bearer" = [])),
    params(("id" = String, Path, description = "proposal id")), request_body = SupportBody,
    responses((status = 200, body = ProposalDetailDto), (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn support(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteFavourites>,
    Path(id): Path<String>,
    Json(body): Json<SupportBody>,
) -> Result<Json<ProposalDetailDto>> {
    let id = proposal_id(&id)?;
    let account = current.account.clone();
    ctx.db
        .transaction(move |conn| proposals::support(conn, &account, id, body.support))
        .await?;
    ctx.wake.notify_one();
    Ok(Json(detail(&ctx, id, Some(current.actor.id)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AnswerBody {
    /// The new status.
    pub status: String,
    /// The public answer (Markdown), required.
    pub answer: String,
}

/// An official answers a proposal of their commune with a new status.
#[utoipa::path(post, path = "/api/v1/parvis/proposals/{id}/answer", tag = "proposals", security(("bearer" = [])),
    params(("id" = String, Path, description = "proposal id")), request_body = AnswerBody,
    responses((status = 200, body = ProposalDetailDto), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn answer(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteStatuses>,
    Path(id): Path<String>,
    Json(body): Json<AnswerBody>,
) -> Result<Json<ProposalDetailDto>> {
    let id = proposal_id(&id)?;
    let status = ProposalStatus::parse(&body.status)
        .ok_or_else(|| Error::invalid("status", "unknown status"))?;
    let account = current.account.clone();
    ctx.db
        .transaction(move |conn| proposals::answer(conn, &account, id, status, &body.answer))
        .await?;
    ctx.wake.notify_one();
    Ok(Json(detail(&ctx, id, Some(current.actor.id)).await?))
}
