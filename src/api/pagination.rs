//! Mastodon's pagination: `max_id` (older than), `since_id` (newer than, newest first), `min_id` (newer
//! than, the page right after it) and `limit`, over row ids; the answer is always newest first, and its
//! `Link` header names the next (older) and previous (newer) pages, as apps follow them.

use axum::http::{HeaderValue, Uri};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{Error, Result};
use crate::federation::urls::Urls;

/// The query parameters, as sent (ids are strings in Mastodon's API).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Only what is older than this id.
    pub max_id: Option<String>,
    /// Only what is newer than this id (the newest page).
    pub since_id: Option<String>,
    /// Only what is newer than this id (the page right after it).
    pub min_id: Option<String>,
    /// How many, 20 unless said, at most 40.
    pub limit: Option<String>,
}

/// The bounds read from a [`PageQuery`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub max_id: Option<i64>,
    pub since_id: Option<i64>,
    pub min_id: Option<i64>,
    pub limit: i64,
}

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 40;

/// An id of the page's bounds: a number, or (for accounts of other servers) `r` and a number. An id that
/// names nothing is a bound all the same, as in Mastodon; one that is not an id is refused.
fn bound(field: &'static str, raw: &Option<String>) -> Result<Option<i64>> {
    match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(raw) => raw
            .strip_prefix('r')
            .unwrap_or(raw)
            .parse::<i64>()
            .map(Some)
            .map_err(|_| Error::invalid(field, format!("'{raw}' is not an id"))),
    }
}

impl Page {
    pub fn read(query: &PageQuery) -> Result<Page> {
        let limit = match query.limit.as_deref().map(str::trim) {
            None | Some("") => DEFAULT_LIMIT,
            Some(raw) => raw
                .parse::<i64>()
                .map_err(|_| Error::invalid("limit", format!("'{raw}' is not a number")))?
                .clamp(1, MAX_LIMIT),
        };
        Ok(Page {
            max_id: bound("max_id", &query.max_id)?,
            since_id: bound("since_id", &query.since_id)?,
            min_id: bound("min_id", &query.min_id)?,
            limit,
        })
    }

    /// The exclusive lower bound (`min_id` wins over `since_id`, as in Mastodon).
    pub fn lower(&self) -> Option<i64> {
        self.min_id.or(self.since_id)
    }

    /// Whether rows are read oldest first (the page right after `min_id`), to be turned newest first.
    pub fn ascending(&self) -> bool {
        self.min_id.is_some()
    }

    /// Rows read in the query's order, newest first.
    pub fn finish<T>(&self, mut rows: Vec<T>) -> Vec<T> {
        if self.ascending() {
            rows.reverse();
        }
        rows
    }
}

/// Filters and orders a boxed query on its id column `$col` for a page, and limits it.
#[macro_export]
macro_rules! paginate {
    ($query:expr, $col:expr, $page:expr) => {{
        let page: &$crate::api::pagination::Page = &$page;
        let mut query = $query;
        if let Some(max) = page.max_id {
            query = query.filter($col.lt(max));
        }
        if let Some(min) = page.lower() {
            query = query.filter($col.gt(min));
        }
        if page.ascending() {
            query = query.order($col.asc());
        } else {
            query = query.order($col.desc());
        }
        query.limit(page.limit)
    }};
}

/// The `Link` header of a page whose rows run from `newest` to `oldest` (their pagination ids): `next` asks
/// for what is older, `prev` for what is newer; the request's other parameters are kept.
pub fn link(
    urls: &Urls,
    uri: &Uri,
    newest: Option<i64>,
    oldest: Option<i64>,
) -> Option<HeaderValue> {
    let (newest, oldest) = (newest?, oldest?);
    let kept: Vec<(String, String)> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .filter(|(k, _)| !matches!(k.as_ref(), "max_id" | "min_id" | "since_id"))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    let at = |name: &str, id: i64| {
        let mut url = urls.join(uri.path());
        {
            let mut query = url.query_pairs_mut();
            for (k, v) in &kept {
                query.append_pair(k, v);
            }
            query.append_pair(name, &id.to_string());
        }
        url
    };
    HeaderValue::from_str(&format!(
        "<{}>; rel=\"next\", <{}>; rel=\"prev\"",
        at("max_id", oldest),
        at("min_id", newest)
    ))
    .ok()
}

/// A page of entities with its `Link` header.
pub struct Paginated<T>(pub Option<HeaderValue>, pub Vec<T>);

impl<T: serde::Serialize> axum::response::IntoResponse for Paginated<T> {
    fn into_response(self) -> axum::response::Response {
        let mut response = axum::Json(self.1).into_response();
        if let Some(link) = self.0 {
            response
                .headers_mut()
                .insert(axum::http::header::LINK, link);
        }
        response
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn query(
        max: Option<&str>,
        since: Option<&str>,
        min: Option<&str>,
        limit: Option<&str>,
    ) -> PageQuery {
        PageQuery {
            max_id: max.map(String::from),
            since_id: since.map(String::from),
            min_id: min.map(String::from),
            limit: limit.map(String::from),
        }
    }

    #[test]
    fn bounds_are_read_and_bad_ones_refused() {
        let page = Page::read(&query(Some("90"), Some("r5"), None, Some("100"))).unwrap();
        assert_eq!(
            page,
            Page {
                max_id: Some(90),
                since_id: Some(5),
                min_id: None,
                limit: MAX_LIMIT
            }
        );
        assert_eq!(page.lower(), Some(5));
        assert!(!page.ascending());
        let page = Page::read(&query(None, Some("5"), Some("7"), Some("0"))).unwrap();
        assert_eq!(
            (page.lower(), page.limit, page.ascending()),
            (Some(7), 1, true)
        );
        assert_eq!(page.finish(vec![8, 9]), vec![9, 8]);
        assert_eq!(
            Page::read(&PageQuery::default()).unwrap().limit,
            DEFAULT_LIMIT
        );
        for bad in [
            query(Some("abc"), None, None, None),
            query(None, Some("1;drop"), None, None),
            query(None, None, Some("r"), None),
            query(None, None, None, Some("lots")),
        ] {
            assert!(
                matches!(Page::read(&bad), Err(Error::Invalid { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_link_header_keeps_the_other_parameters() {
        let urls = Urls::new(url::Url::parse("https://ville.example").unwrap());
        let uri: Uri = "/api/v1/timelines/public?local=true&max_id=50&types%5B%5D=mention"
            .parse()
            .unwrap();
        let link = link(&urls, &uri, Some(40), Some(31)).unwrap();
        assert_eq!(
            link.to_str().unwrap(),
            "<https://ville.example/api/v1/timelines/public?local=true&types%5B%5D=mention&max_id=31>; \
             rel=\"next\", <https://ville.example/api/v1/timelines/public?local=true&types%5B%5D=mention&min_id=40>; \
             rel=\"prev\""
        );
        assert!(super::link(&urls, &uri, None, None).is_none());
    }
}
