//! The notification centre, in Mastodon's `Notification` shape. What Mastodon has a type for is given that
//! type (`follow`, `mention`, `favourite`, `reblog`, with the post); civic notifications (an answer to a
//! proposal, a report's new status, a meeting…) have types of their own, `parvis.<kind>`, which Mastodon
//! apps pass over as they pass over types they do not know; their sentence and link are in `parvis`.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::accounts::{AccountDto, entity, who};
use crate::api::auth::{CurrentAccount, ReadNotifications, WriteNotifications};
use crate::api::pagination::{Page, PageQuery, Paginated, link};
use crate::api::statuses::StatusDto;
use crate::api::statuses::entity::Statuses;
use crate::civic::debates::Writer;
use crate::civic::notes::interactions::visible_to;
use crate::civic::notifications::{self as centre, Kind};
use crate::context::AppContext;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, NoteId, RemoteActorId};
use crate::mail::messages::{Language, notice_line};
use crate::model::schema::{accounts, notifications};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NotificationDto {
    pub id: String,
    /// `follow`, `mention`, `favourite`, `reblog`, or `parvis.<kind>` for civic notifications.
    #[serde(rename = "type")]
    pub kind: String,
    pub created_at: String,
    /// Who caused it; the commune for what the commune tells.
    pub account: AccountDto,
    /// The post it is about (mentions, favourites, boosts).
    pub status: Option<StatusDto>,
    pub group_key: String,
    /// Parvis: the sentence the web shows and where it leads.
    pub parvis: ParvisDetail,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ParvisDetail {
    pub kind: String,
    pub text: String,
    pub url: String,
}

/// The Mastodon type of a notification: its own for what Mastodon has, and for a civic notification about
/// a civic thing's post, the type apps show with that post: a comment answering one's own is a `mention`,
/// a poll one voted in closing is `poll`, a meeting's reminder is a `status`, and what changed on a thing one
/// follows (a proposal's answer or status, a report's status, a meeting's change) is an `update`. Without a
/// post, a civic notification is `parvis.<kind>`.
fn mastodon_type(kind: Kind, has_post: bool) -> String {
    let civic = match kind {
        Kind::Follower => return "follow".into(),
        Kind::Favourite => return "favourite".into(),
        Kind::Reblog => return "reblog".into(),
        Kind::Mention | Kind::Reply => "mention",
        Kind::PollClosed => "poll",
        Kind::MeetingReminder => "status",
        Kind::ProposalThreshold
        | Kind::ProposalStatus
        | Kind::ProposalAnswered
        | Kind::ProblemUpdate
        | Kind::MeetingChange
        | Kind::MeetingSeat
        | Kind::MeetingMinutes
        | Kind::CommitmentProgress => "update",
        Kind::Moderation | Kind::MeetingRefused => return format!("parvis.{}", kind.as_str()),
    };
    if has_post {
        civic.into()
    } else {
        format!("parvis.{}", kind.as_str())
    }
}

/// Every type a list may name: the type of each kind with a post and without.
fn all_types() -> Vec<(String, Kind, bool)> {
    let mut types = vec![];
    for kind in Kind::ALL {
        for has_post in [true, false] {
            types.push((mastodon_type(kind, has_post), kind, has_post));
        }
    }
    types
}

/// What a list asks for: `types[]`, `exclude_types[]`, `account_id`, and the page.
#[derive(Debug, Default)]
struct ListQuery {
    types: Vec<String>,
    exclude: Vec<String>,
    account_id: Option<String>,
    page: PageQuery,
}

impl ListQuery {
    fn read(raw: &str) -> ListQuery {
        let mut query = ListQuery::default();
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            let value = value.into_owned();
            match key.as_ref() {
                "types[]" | "types" => query.types.push(value),
                "exclude_types[]" | "exclude_types" => query.exclude.push(value),
                "account_id" => query.account_id = Some(value),
                "max_id" => query.page.max_id = Some(value),
                "since_id" => query.page.since_id = Some(value),
                "min_id" => query.page.min_id = Some(value),
                "limit" => query.page.limit = Some(value),
                _ => {}
            }
        }
        query
    }

    /// The kinds asked for: those wanted with a post, and those wanted without. Types Parvis does not have
    /// are none of them.
    fn kinds(&self) -> (BTreeSet<&'static str>, BTreeSet<&'static str>) {
        let wanted = |name: &str| {
            (self.types.is_empty() || self.types.iter().any(|t| t == name))
                && !self.exclude.iter().any(|t| t == name)
        };
        let mut with_post = BTreeSet::new();
        let mut without_post = BTreeSet::new();
        for (name, kind, has_post) in all_types() {
            if wanted(&name) {
                if has_post {
                    with_post.insert(kind.as_str());
                } else {
                    without_post.insert(kind.as_str());
                }
            }
        }
        (with_post, without_post)
    }
}

type Row = (
    i64,
    String,
    chrono::NaiveDateTime,
    Option<String>,
    Option<String>,
    Option<NoteId>,
    Option<ActorId>,
    Option<RemoteActorId>,
);

/// The entities of notification rows, for their account (who reads them in `lang`).
fn entities(
    ctx: &AppContext,
    conn: &mut AnyConnection,
    me: ActorId,
    rows: Vec<Row>,
) -> Result<Vec<NotificationDto>> {
    let (language, commune): (Option<String>, ActorId) = accounts::table
        .find(me)
        .select((accounts::language, accounts::commune_id))
        .first(conn)?;
    let lang = Language::of(language.as_deref());
    let mut statuses = Statuses::new(ctx, Some(me));
    let mut found = vec![];
    for (id, kind, created_at, link, by, note, by_actor, by_remote) in rows {
        let Some(kind) = Kind::parse(&kind) else {
            continue;
        };
        let from = match (by_actor, by_remote) {
            (Some(local), _) => Writer::Local(local),
            (None, Some(remote)) => Writer::Remote(remote),
            (None, None) => Writer::Local(commune),
        };
        // A notification about a post the reader can no longer read (deleted since, or no longer visible to
        // them) is left out, as Mastodon does: apps expect the post of a mention, favourite or boost.
        let post = match note {
            Some(note) => {
                let post = crate::civic::notes::note(conn, note)?;
                if post.deleted || !visible_to(conn, Some(me), &post)? {
                    continue;
                }
                Some(post)
            }
            None => None,
        };
        let status = match &post {
            Some(post) => Some(statuses.status(conn, post)?),
            None => None,
        };
        found.push(NotificationDto {
            id: id.to_string(),
            kind: mastodon_type(kind, note.is_some()),
            created_at: created_at.and_utc().to_rfc3339(),
            account: entity(ctx, conn, from)?,
            status,
            group_key: format!("ungrouped-{id}"),
            parvis: ParvisDetail {
                kind: kind.as_str().to_string(),
                text: notice_line(lang, kind, by.as_deref(), None),
                url: ctx
                    .urls
                    .join(link.as_deref().unwrap_or("/notifications"))
                    .to_string(),
            },
        });
    }
    Ok(found)
}

/// One notification of `me`, as apps get it (`None` when it is gone, or about a post they can no longer
/// read).
pub(crate) fn one(
    ctx: &AppContext,
    conn: &mut AnyConnection,
    me: ActorId,
    id: i64,
) -> Result<Option<NotificationDto>> {
    let rows: Vec<Row> = notifications::table
        .filter(notifications::id.eq(id))
        .filter(notifications::account_id.eq(me))
        .select(columns())
        .load(conn)?;
    Ok(entities(ctx, conn, me, rows)?.pop())
}

fn columns() -> (
    notifications::id,
    notifications::kind,
    notifications::created_at,
    notifications::link,
    notifications::by_name,
    notifications::note_id,
    notifications::by_actor_id,
    notifications::by_remote_id,
) {
    (
        notifications::id,
        notifications::kind,
        notifications::created_at,
        notifications::link,
        notifications::by_name,
        notifications::note_id,
        notifications::by_actor_id,
        notifications::by_remote_id,
    )
}

/// The current account's notifications, newest first: `types[]` keeps only those types, `exclude_types[]`
/// leaves some out, `account_id` keeps those caused by one account.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", security(("bearer" = [])),
    params(PageQuery,
        ("types[]" = Option<Vec<String>>, Query, description = "only these types"),
        ("exclude_types[]" = Option<Vec<String>>, Query, description = "not these types"),
        ("account_id" = Option<String>, Query, description = "only those caused by this account")),
    responses((status = 200, body = Vec<NotificationDto>), (status = 401, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn list(
    State(ctx): State<AppContext>,
    current: CurrentAccount<ReadNotifications>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Paginated<NotificationDto>> {
    let query = ListQuery::read(raw.as_deref().unwrap_or(""));
    let page = Page::read(&query.page)?;
    let me = current.actor.id;
    let view = ctx.clone();
    let (ids, found) = ctx
        .db
        .run(move |conn| {
            let (with_post, without_post) = query.kinds();
            let mut q = notifications::table
                .filter(notifications::account_id.eq(me))
                .filter(
                    (notifications::kind
                        .eq_any(with_post)
                        .and(notifications::note_id.is_not_null()))
                    .or(notifications::kind
                        .eq_any(without_post)
                        .and(notifications::note_id.is_null())),
                )
                .select(columns())
                .into_boxed();
            if let Some(account) = &query.account_id {
                q = match who(conn, account)? {
                    Writer::Local(id) => q.filter(notifications::by_actor_id.eq(id)),
                    Writer::Remote(id) => q.filter(notifications::by_remote_id.eq(id)),
                };
            }
            let rows: Vec<Row> = crate::paginate!(q, notifications::id, page).load(conn)?;
            let rows = page.finish(rows);
            let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
            Ok((ids, entities(&view, conn, me, rows)?))
        })
        .await?;
    let header = link(&ctx.urls, &uri, ids.first().copied(), ids.last().copied());
    Ok(Paginated(header, found))
}

fn notification_id(raw: &str) -> Result<i64> {
    raw.parse()
        .map_err(|_| Error::NotFound(format!("no notification {raw}")))
}

/// One notification of the current account.
#[utoipa::path(get, path = "/api/v1/notifications/{id}", tag = "notifications", security(("bearer" = [])),
    params(("id" = String, Path, description = "notification id")),
    responses((status = 200, body = NotificationDto), (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    State(ctx): State<AppContext>,
    current: CurrentAccount<ReadNotifications>,
    Path(id): Path<String>,
) -> Result<Json<NotificationDto>> {
    let id = notification_id(&id)?;
    let me = current.actor.id;
    let view = ctx.clone();
    ctx.db
        .run(move |conn| {
            one(&view, conn, me, id)?
                .ok_or_else(|| Error::NotFound(format!("no notification {id}")))
        })
        .await
        .map(Json)
}

/// Dismisses one notification (it goes from the web's notifications too).
#[utoipa::path(post, path = "/api/v1/notifications/{id}/dismiss", tag = "notifications",
    security(("bearer" = [])), params(("id" = String, Path, description = "notification id")),
    responses((status = 200, body = Object), (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn dismiss(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteNotifications>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>> {
    let id = notification_id(&id)?;
    let me = current.actor.id;
    ctx.db
        .transaction(move |conn| centre::dismiss(conn, me, id))
        .await?;
    Ok(Json(serde_json::json!({})))
}

/// Clears every notification of the current account.
#[utoipa::path(post, path = "/api/v1/notifications/clear", tag = "notifications",
    security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = crate::error::ErrorBody)))]
pub async fn clear(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteNotifications>,
) -> Result<Json<serde_json::Value>> {
    let me = current.actor.id;
    ctx.db
        .transaction(move |conn| centre::clear(conn, me))
        .await?;
    Ok(Json(serde_json::json!({})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_exclusions_choose_kinds() {
        let q = ListQuery::read("types%5B%5D=mention&types%5B%5D=favourite&limit=5");
        let (with_post, without_post) = q.kinds();
        // A comment answering one's own, with its post, is a mention too.
        assert_eq!(with_post, BTreeSet::from(["favourite", "mention", "reply"]));
        assert_eq!(without_post, BTreeSet::from(["favourite"]));
        assert_eq!(q.page.limit.as_deref(), Some("5"));
        let q = ListQuery::read("exclude_types[]=follow&exclude_types[]=mention");
        let (with_post, without_post) = q.kinds();
        assert!(!with_post.contains("follower") && !without_post.contains("follower"));
        assert!(!with_post.contains("mention"));
        assert!(without_post.contains("mention"), "civic mentions stay");
        assert!(with_post.contains("poll_closed") && without_post.contains("poll_closed"));
        // `update` is what changed on a civic thing one follows, with its post.
        let (with_post, without_post) = ListQuery::read("types[]=update").kinds();
        assert!(with_post.contains("status") && with_post.contains("problem_update"));
        assert!(without_post.is_empty());
        let (with_post, _) = ListQuery::read("types[]=poll").kinds();
        assert_eq!(with_post, BTreeSet::from(["poll_closed"]));
        // A type Parvis has none of chooses nothing.
        let (with_post, without_post) = ListQuery::read("types[]=admin.sign_up").kinds();
        assert!(with_post.is_empty() && without_post.is_empty());
        let (with_post, without_post) = ListQuery::read("").kinds();
        assert_eq!(with_post.len(), Kind::ALL.len());
        assert_eq!(without_post.len(), Kind::ALL.len());
    }
}
