//! `GET /api/v2/search`: accounts (here, known here, or, with `resolve` and a token, found on their server
//! by handle or URL), posts (by their words, or by their URL) the reader may read, and hashtags by the
//! start of their name.

use axum::Json;
use axum::extract::{Query, State};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::accounts::{AccountDto, entity};
use crate::api::auth::{CurrentAccount, ReadSearch};
use crate::api::body::flexible;
use crate::api::statuses::StatusDto;
use crate::api::statuses::entity::Statuses;
use crate::civic::debates::Writer;
use crate::civic::notes::interactions::visible_to;
use crate::context::AppContext;
use crate::error::{Error, Result};
use crate::ids::{ActorId, RemoteActorId};
use crate::model::schema::{actors, notes, remote_actors};
use crate::model::{ActorKind, Note};

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words, a handle (`name`, `@name@host`) or a URL.
    pub q: String,
    /// `accounts`, `statuses` or `hashtags`; all when absent.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Look the handle or URL up on its server (needs a token).
    #[serde(default, deserialize_with = "flexible::bool")]
    pub resolve: bool,
    /// At most 40; 20 when absent.
    #[serde(default)]
    pub limit: Option<String>,
    #[serde(default)]
    pub offset: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SearchDto {
    pub accounts: Vec<AccountDto>,
    pub statuses: Vec<StatusDto>,
    pub hashtags: Vec<crate::api::statuses::entity::TagDto>,
}

/// The words of a query (letters and digits only: nothing in them is a pattern), at most eight.
fn words(q: &str) -> Vec<String> {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(str::to_lowercase)
        .collect()
}

fn number(field: &'static str, raw: &Option<String>, default: i64) -> Result<i64> {
    match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(raw) => raw
            .parse::<i64>()
            .map_err(|_| Error::invalid(field, format!("'{raw}' is not a number"))),
    }
}

/// Accounts here and known here whose name or display name starts with the query (without its `@host`
/// when that host is given, which must then match).
fn known_accounts(
    conn: &mut crate::db::AnyConnection,
    q: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<Writer>> {
    let q = q.trim().trim_start_matches('@').to_lowercase();
    let (name, host) = match q.split_once('@') {
        Some((name, host)) => (name.to_string(), Some(host.to_string())),
        None => (q.clone(), None),
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || "_-.".contains(c))
    {
        return Ok(vec![]);
    }
    // `_` is a letter of names and a wildcard of LIKE: escaped.
    let prefix = format!("{}%", name.replace('_', "\\_"));
    let mut found: Vec<Writer> = vec![];
    if host.is_none() {
        let local: Vec<ActorId> = actors::table
            .filter(actors::kind.ne(ActorKind::Application))
            .filter(actors::deleted_at.is_null())
            .filter(
                lower(actors::username)
                    .like(&prefix)
                    .escape('\\')
                    .or(lower(actors::display_name).like(&prefix).escape('\\')),
            )
            .order(actors::id.asc())
            .limit(limit + offset)
            .select(actors::id)
            .load(conn)?;
        found.extend(local.into_iter().map(Writer::Local));
    }
    let mut remote = remote_actors::table
        .filter(
            lower(remote_actors::username)
                .like(&prefix)
                .escape('\\')
                .or(lower(remote_actors::display_name)
                    .like(&prefix)
                    .escape('\\')),
        )
        .select(remote_actors::id)
        .order(remote_actors::id.asc())
        .limit(limit + offset)
        .into_boxed();
    if let Some(host) = host {
        remote = remote.filter(lower(remote_actors::domain).eq(host));
    }
    let remote: Vec<RemoteActorId> = remote.load(conn)?;
    found.extend(remote.into_iter().map(Writer::Remote));
    Ok(found
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .collect())
}

/// Whether a query names one account on its server (`@name@host`, or an http(s) URL).
fn is_handle_or_url(q: &str) -> bool {
    let q = q.trim();
    q.starts_with("https://")
        || q.starts_with("http://")
        || q.trim_start_matches('@')
            .split_once('@')
            .is_some_and(|(n, h)| !n.is_empty() && h.contains('.'))
}

/// Searches accounts and posts.
#[utoipa::path(get, path = "/api/v2/search", tag = "search", params(SearchQuery),
    responses((status = 200, body = SearchDto), (status = 401, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn search(
    State(ctx): State<AppContext>,
    current: Option<CurrentAccount<ReadSearch>>,
    Query(query): Query<SearchQuery>,
) -> Result<Json<SearchDto>> {
    let limit = number("limit", &query.limit, 20)?.clamp(1, 40);
    let offset = number("offset", &query.offset, 0)?.clamp(0, 10_000);
    let kind = query.kind.as_deref().unwrap_or("");
    if !matches!(kind, "" | "accounts" | "statuses" | "hashtags") {
        return Err(Error::invalid(
            "type",
            format!("'{kind}' is not accounts, statuses or hashtags"),
        ));
    }
    let viewer = current.as_ref().map(|c| c.actor.id);
    let q = query.q.trim().to_string();
    let mut accounts: Vec<AccountDto> = vec![];
    if matches!(kind, "" | "accounts") && !q.is_empty() {
        // A handle or URL, looked up on its server when asked (a token is needed to make us fetch).
        if query.resolve && is_handle_or_url(&q) && offset == 0 {
            match crate::federation::fetch::resolve(&ctx, &q, viewer.is_some()).await {
                Ok(crate::federation::fetch::Resolved::Local(actor)) => {
                    accounts.push(crate::api::accounts::load(&ctx, actor).await?)
                }
                Ok(crate::federation::fetch::Resolved::Remote(remote)) => {
                    accounts.push(crate::api::accounts::load_remote(&ctx, remote).await?)
                }
                Err(Error::Unauthorized(e)) => return Err(Error::Unauthorized(e)),
                // Not found, or its server did not answer: the search finds nothing there.
                Err(_) => {}
            }
        }
        if accounts.is_empty() {
            let view = ctx.clone();
            let q = q.clone();
            accounts = ctx
                .db
                .run(move |conn| {
                    known_accounts(conn, &q, limit, offset)?
                        .into_iter()
                        .map(|who| entity(&view, conn, who))
                        .collect()
                })
                .await?;
        }
    }
    let mut statuses = vec![];
    let words = words(&q);
    if matches!(kind, "" | "statuses") && !words.is_empty() {
        let policy = ctx.policy().await;
        let view = ctx.clone();
        let exact = q.clone();
        statuses = ctx
            .db
            .run(move |conn| {
                let mut found: Vec<Note> = vec![];
                // A post's URL: that post, if we hold it.
                found.extend(
                    crate::civic::notes::by_uri(conn, &view.urls, &exact)?
                        .filter(|n| n.reblog_of_id.is_none()),
                );
                if found.is_empty() {
                    let mut by_words = notes::table
                        .filter(notes::deleted.eq(false))
                        .filter(notes::reblog_of_id.is_null())
                        .select(Note::as_select())
                        .into_boxed();
                    for word in &words {
                        by_words = by_words.filter(lower(notes::content).like(format!("%{word}%")));
                    }
                    // A few more than asked: some may not be readable.
                    found = by_words
                        .order(notes::id.desc())
                        .offset(offset)
                        .limit(limit * 2)
                        .load(conn)?;
                }
                let mut shown = vec![];
                for note in found {
                    if shown.len() as i64 >= limit {
                        break;
                    }
                    if policy.shows(&note) && visible_to(conn, viewer, &note)? {
                        shown.push(note);
                    }
                }
                Statuses::new(&view, viewer).all(conn, &shown)
            })
            .await?;
    }
    let mut hashtags = vec![];
    let wanted = crate::civic::notes::tags::normalize(&q);
    if matches!(kind, "" | "hashtags")
        && let Some(wanted) = wanted
    {
        use crate::model::schema::note_tags;
        // `_` is a letter of hashtags and a wildcard of LIKE: escaped.
        let prefix = format!("{}%", wanted.replace('_', "\\_"));
        let names: Vec<String> = ctx
            .db
            .run(move |conn| {
                Ok(note_tags::table
                    .filter(note_tags::name.like(prefix).escape('\\'))
                    .select(note_tags::name)
                    .distinct()
                    .order(note_tags::name.asc())
                    .offset(offset)
                    .limit(limit)
                    .load(conn)?)
            })
            .await?;
        hashtags = names
            .into_iter()
            .map(|name| crate::api::statuses::entity::TagDto {
                url: ctx.urls.tag(&name).to_string(),
                name,
            })
            .collect();
    }
    Ok(Json(SearchDto {
        accounts,
        statuses,
        hashtags,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_read_as_words_handles_or_urls() {
        assert_eq!(
            words("Le marché, samedi ! 100%"),
            ["le", "marché", "samedi", "100"]
        );
        assert!(words("%_*").is_empty());
        assert!(is_handle_or_url("@lea@ville.example"));
        assert!(is_handle_or_url("lea@ville.example"));
        assert!(is_handle_or_url("https://ville.example/users/lea"));
        assert!(!is_handle_or_url("lea"));
        assert!(!is_handle_or_url("@lea"));
        assert!(!is_handle_or_url("a@b"));
    }
}
