//! Reports, in Mastodon's shape: `POST /api/v1/reports`, as Mastodon apps send them.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::accounts::{AccountDto, entity};
use crate::api::auth::{CurrentAccount, WriteReports};
use crate::civic::debates::Writer;
use crate::civic::moderation::{self, Target};
use crate::context::AppContext;
use crate::db::queries;
use crate::error::{Error, Result};
use crate::ids::{ActorId, NoteId, RemoteActorId};
use crate::model::ReportReason;

/// Posts one report may name.
const MAX_STATUSES: usize = 20;

/// What `POST /api/v1/reports` takes (Mastodon's names).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewReport {
    /// The reported account: a local id, or `r…` for someone on another server.
    pub account_id: String,
    /// Posts of that account (at most 20); required for someone on another server.
    #[serde(default)]
    pub status_ids: Vec<String>,
    /// Why, in the reporter's words (at most 5,000 characters).
    #[serde(default)]
    pub comment: String,
    /// Mastodon's wish to forward the report to the remote server: here the moderators decide (ignored).
    #[serde(default)]
    pub forward: bool,
    /// Mastodon's category: spam, legal, violation or other.
    #[serde(default)]
    pub category: Option<String>,
    /// Parvis: a reason from the charter (spam, insult, hate, misinformation, off_topic, privacy, illegal,
    /// other), more precise than the category.
    #[serde(default)]
    pub reason: Option<String>,
}

/// A report, as Mastodon returns it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportDto {
    pub id: String,
    pub action_taken: bool,
    pub category: String,
    pub comment: String,
    pub forwarded: bool,
    pub created_at: String,
    pub status_ids: Vec<String>,
    pub rule_ids: Vec<String>,
    pub target_account: AccountDto,
}

fn reason_of(new: &NewReport) -> Result<ReportReason> {
    if let Some(reason) = new.reason.as_deref().filter(|r| !r.is_empty()) {
        return ReportReason::parse(reason).ok_or_else(|| {
            Error::invalid("reason", format!("'{reason}' is not a charter reason"))
        });
    }
    Ok(match new.category.as_deref().unwrap_or("other") {
        "spam" => ReportReason::Spam,
        "legal" => ReportReason::Illegal,
        "violation" | "other" => ReportReason::Other,
        other => {
            return Err(Error::invalid(
                "category",
                format!("'{other}' is not spam, legal, violation or other"),
            ));
        }
    })
}

/// Reports an account here, or posts of an account here or elsewhere, to the moderators (those of the
/// commune concerned): one report per post, or one about the account.
#[utoipa::path(post, path = "/api/v1/reports", tag = "moderation", security(("bearer" = [])),
    request_body = NewReport,
    responses((status = 200, body = ReportDto), (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteReports>,
    Json(new): Json<NewReport>,
) -> Result<Json<ReportDto>> {
    let reason = reason_of(&new)?;
    if new.status_ids.len() > MAX_STATUSES {
        return Err(Error::invalid(
            "status_ids",
            format!("at most {MAX_STATUSES} posts"),
        ));
    }
    let not_found = |id: &str| Error::NotFound(format!("no account with id '{id}'"));
    let remote = match new.account_id.strip_prefix('r') {
        Some(n) => Some(RemoteActorId(
            n.parse().map_err(|_| not_found(&new.account_id))?,
        )),
        None => None,
    };
    let local = match remote {
        Some(_) => None,
        None => Some(ActorId(
            new.account_id
                .parse()
                .map_err(|_| not_found(&new.account_id))?,
        )),
    };
    let statuses: Vec<NoteId> = new
        .status_ids
        .iter()
        .map(|s| {
            s.parse()
                .map(NoteId)
                .map_err(|_| Error::NotFound(format!("no post {s}")))
        })
        .collect::<Result<_>>()?;
    if remote.is_some() && statuses.is_empty() {
        return Err(Error::invalid(
            "status_ids",
            "someone on another server is reported through their posts",
        ));
    }
    let (account, comment) = (current.account.clone(), new.comment.clone());
    let wanted = statuses.clone();
    let (first, created_at) = ctx
        .db
        .transaction(move |conn| {
            let mut targets = vec![];
            for id in &wanted {
                let note = crate::civic::notes::note(conn, *id)?;
                let theirs = match (local, remote) {
                    (Some(a), _) => note.author_id == Some(a),
                    (None, Some(r)) => note.remote_author_id == Some(r),
                    _ => false,
                };
                if !theirs || note.deleted {
                    return Err(Error::invalid(
                        "status_ids",
                        format!("post {id} is not one of this account's"),
                    ));
                }
                targets.push(Target::Note(*id));
            }
            if let (true, Some(a)) = (targets.is_empty(), local) {
                queries::account_by_id(conn, a)?
                    .ok_or_else(|| Error::NotFound(format!("no account with id '{a}'")))?;
                targets.push(Target::Account(a));
            }
            let mut first = None;
            let mut conflict = None;
            for target in targets {
                match moderation::report(conn, &account, target, reason, &comment) {
                    Ok(id) => first = first.or(Some(id)),
                    // Already reported by this person: the others still go in.
                    Err(e @ Error::Conflict(_)) => conflict = Some(e),
                    Err(e) => return Err(e),
                }
            }
            match (first, conflict) {
                (Some(id), _) => Ok((id, moderation::find(conn, id)?.created_at)),
                (None, Some(e)) => Err(e),
                (None, None) => Err(Error::invalid("account_id", "nothing to report")),
            }
        })
        .await?;
    let who = match (remote, local) {
        (Some(r), _) => Writer::Remote(r),
        (None, Some(id)) => Writer::Local(id),
        (None, None) => return Err(not_found(&new.account_id)),
    };
    let view = ctx.clone();
    let target_account = ctx.db.run(move |conn| entity(&view, conn, who)).await?;
    Ok(Json(ReportDto {
        id: first.to_string(),
        action_taken: false,
        category: new.category.unwrap_or_else(|| "other".into()),
        comment: new.comment,
        forwarded: false,
        created_at: created_at.and_utc().to_rfc3339(),
        status_ids: statuses.iter().map(ToString::to_string).collect(),
        rule_ids: vec![],
        target_account,
    }))
}
