//! Debates in JSON: the list, a debate with its thread and stance counts, and commenting.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::auth::{CurrentAccount, WriteStatuses};
use crate::civic::debates;
use crate::context::AppContext;
use crate::db::debates::{Filter, Sort, Thread};
use crate::db::queries;
use crate::error::{Error, Result};
use crate::ids::{CommentId, DebateId, ThemeId};
use crate::model::{Debate, DebateStatus, Stance};

#[derive(Debug, Deserialize, IntoParams)]
pub struct DebateListQuery {
    /// A theme id of the commune.
    pub theme: Option<i64>,
    /// open, closed or archived (default: open and closed).
    pub status: Option<String>,
    /// newest (default) or active.
    pub sort: Option<String>,
    /// `elsewhere`: debates of other servers' communes kept here.
    pub scope: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DebateDto {
    pub id: String,
    /// The ActivityPub id (the `Page`).
    pub uri: String,
    pub url: String,
    pub title: String,
    pub question: String,
    /// Sanitized HTML.
    pub body: String,
    pub status: String,
    pub pinned: bool,
    /// Before this time it takes no comments yet.
    pub opens_at: Option<String>,
    pub closes_at: Option<String>,
    pub created_at: String,
    pub themes: Vec<String>,
    pub comments_count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentDto {
    pub id: String,
    pub in_reply_to_id: Option<String>,
    /// Sanitized HTML; empty when deleted or hidden.
    pub content: String,
    pub stance: Option<String>,
    pub author_name: String,
    /// `@name` here, `@name@server` for a remote author.
    pub author_handle: String,
    pub created_at: String,
    pub edited_at: Option<String>,
    pub deleted: bool,
    pub hidden: bool,
    pub agrees: i64,
    /// How many earlier versions it has.
    pub versions: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StanceCounts {
    #[serde(rename = "for")]
    pub for_: usize,
    pub against: usize,
    pub neutral: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ThreadDto {
    pub debate: DebateDto,
    pub stances: StanceCounts,
    /// Oldest first; `in_reply_to_id` gives the tree.
    pub comments: Vec<CommentDto>,
}

fn debate_dto(ctx: &AppContext, d: &Debate, themes: Vec<String>, comments: i64) -> DebateDto {
    let here = ctx.urls.debate(d.id).to_string();
    DebateDto {
        id: d.id.to_string(),
        uri: d.ap_id.clone().unwrap_or_else(|| here.clone()),
        url: here,
        title: d.title.clone(),
        question: d.question.clone(),
        body: d.body_html.clone(),
        status: d.status.as_str().into(),
        pinned: d.pinned,
        opens_at: d.opens_at.map(|o| o.and_utc().to_rfc3339()),
        closes_at: d.closes_at.map(|c| c.and_utc().to_rfc3339()),
        created_at: d.created_at.and_utc().to_rfc3339(),
        themes,
        comments_count: comments,
    }
}

/// The default commune's debates, or those of neighbouring communes.
#[utoipa::path(get, path = "/api/v1/parvis/debates", tag = "debates", params(DebateListQuery),
    responses((status = 200, body = Vec<DebateDto>)))]
pub async fn list(
    State(ctx): State<AppContext>,
    Query(q): Query<DebateListQuery>,
) -> Result<Json<Vec<DebateDto>>> {
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            DebateStatus::parse(s)
                .ok_or_else(|| Error::invalid("status", "must be open, closed or archived"))?,
        ),
    };
    let sort = match q.sort.as_deref() {
        None | Some("" | "newest") => Sort::Newest,
        Some("active") => Sort::MostActive,
        Some(_) => return Err(Error::invalid("sort", "must be newest or active")),
    };
    let elsewhere = q.scope.as_deref() == Some("elsewhere");
    let theme = q.theme.map(ThemeId);
    let items = ctx
        .db
        .run(move |conn| {
            let Some(commune) = queries::default_commune(conn)? else {
                return Ok(vec![]);
            };
            crate::db::debates::list(
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
            .into_iter()
            .filter(|i| policy.shows(&i.debate))
            .map(|i| debate_dto(&ctx, &i.debate, i.themes, i.comments))
            .collect(),
    ))
}

fn thread_dto(ctx: &AppContext, t: Thread) -> ThreadDto {
    let stances = StanceCounts {
        for_: t.stance_count(Stance::For),
        against: t.stance_count(Stance::Against),
        neutral: t.stance_count(Stance::Neutral),
    };
    let visible = t.comments.iter().filter(|(c, _)| c.visible()).count() as i64;
    let comments = t
        .comments
        .iter()
        .map(|(c, author)| {
            let shown = c.visible();
            CommentDto {
                id: c.id.to_string(),
                in_reply_to_id: c.parent_id.map(|p| p.to_string()),
                content: if shown {
                    c.content_html.clone()
                } else {
                    String::new()
                },
                stance: c.stance.filter(|_| shown).map(|s| s.as_str().into()),
                author_name: if shown {
                    author.name.clone()
                } else {
                    String::new()
                },
                author_handle: if shown {
                    author.handle.clone()
                } else {
                    String::new()
                },
                created_at: c.created_at.and_utc().to_rfc3339(),
                edited_at: c.edited_at.map(|e| e.and_utc().to_rfc3339()),
                deleted: c.deleted,
                hidden: c.hidden_at.is_some(),
                agrees: t.agrees.get(&c.id).copied().unwrap_or(0),
                versions: t.revisions.get(&c.id).map_or(0, Vec::len),
            }
        })
        .collect();
    ThreadDto {
        debate: debate_dto(ctx, &t.debate, t.themes.clone(), visible),
        stances,
        comments,
    }
}

fn debate_id(raw: &str) -> Result<DebateId> {
    raw.parse()
        .map(DebateId)
        .map_err(|_| Error::NotFound(format!("no debate {raw}")))
}

/// A debate with its thread and the count of each side.
#[utoipa::path(get, path = "/api/v1/parvis/debates/{id}", tag = "debates",
    params(("id" = String, Path, description = "debate id")),
    responses((status = 200, body = ThreadDto), (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
) -> Result<Json<ThreadDto>> {
    let id = debate_id(&id)?;
    let policy = ctx.policy().await;
    let thread = ctx
        .db
        .run(move |conn| policy.thread(crate::db::debates::thread(conn, id, None)?))
        .await?;
    Ok(Json(thread_dto(&ctx, thread)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewComment {
    /// Plain text, at most 5,000 characters.
    pub text: String,
    /// for, against or neutral.
    #[serde(default)]
    pub stance: Option<String>,
    /// The id of the comment answered.
    #[serde(default)]
    pub in_reply_to_id: Option<String>,
}

/// Comments on a debate (here or hosted elsewhere); a closed debate refuses with 422.
#[utoipa::path(post, path = "/api/v1/parvis/debates/{id}/comments", tag = "debates", security(("bearer" = [])),
    params(("id" = String, Path, description = "debate id")), request_body = NewComment,
    responses((status = 200, body = ThreadDto), (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn comment(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteStatuses>,
    Path(id): Path<String>,
    Json(new): Json<NewComment>,
) -> Result<Json<ThreadDto>> {
    let id = debate_id(&id)?;
    let stance = match new.stance.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            Stance::parse(s)
                .ok_or_else(|| Error::invalid("stance", "must be for, against or neutral"))?,
        ),
    };
    let parent = match new.in_reply_to_id.as_deref() {
        None | Some("") => None,
        Some(p) => Some(CommentId(
            p.parse()
                .map_err(|_| Error::invalid("parent", "not a comment"))?,
        )),
    };
    let author = current.actor.id;
    let policy = ctx.policy().await;
    let thread = ctx
        .db
        .transaction(move |conn| {
            debates::comment(conn, author, id, parent, &new.text, stance)?;
            policy.thread(crate::db::debates::thread(conn, id, Some(author))?)
        })
        .await?;
    Ok(Json(thread_dto(&ctx, thread)))
}
