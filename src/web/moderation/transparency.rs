//! `/transparency`: the public counts of moderation actions of a commune, per month, reason and action.

use axum::extract::Query;
use axum::response::Response;
use maud::html;
use serde::Deserialize;

use crate::civic::moderation;
use crate::db::queries;
use crate::error::Error;
use crate::web::page;
use crate::web::session::Visitor;

use super::{action_label, reason_label};

#[derive(Deserialize, Default)]
pub struct TransparencyQuery {
    #[serde(default)]
    commune: Option<String>,
}

/// `/transparency`: public counts of moderation actions per month, reason and action, for one commune
/// (`?commune=name`; the instance's default one otherwise), with links to the others.
pub async fn transparency(v: Visitor, Query(q): Query<TransparencyQuery>) -> Response {
    let lang = v.lang;
    let found = v
        .ctx
        .db
        .run(move |conn| {
            let communes = queries::communes(conn)?;
            // The commune asked for (`?commune=name`), else the instance's default one.
            let shown = match q.commune.as_deref() {
                Some(name) => communes
                    .iter()
                    .find(|(c, _)| c.username.as_str() == name)
                    .ok_or_else(|| Error::NotFound(format!("no commune {name} here")))?,
                None => match communes.iter().find(|(_, default)| *default) {
                    Some(found) => found,
                    None => return Ok((vec![], None, vec![])),
                },
            };
            let rows = moderation::transparency(conn, shown.0.id)?;
            let others: Vec<(String, String)> = communes
                .iter()
                .filter(|(c, _)| c.id != shown.0.id)
                .map(|(c, _)| (c.username.to_string(), c.display_name.clone()))
                .collect();
            Ok((rows, Some(shown.0.display_name.clone()), others))
        })
        .await;
    let (rows, commune, others) = match found {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let title = lang.t("transparency-title");
    let body = html! {
        h1 { (title) }
        @if let Some(commune) = &commune { p class="meta" { (commune) } }
        p { (lang.t("transparency-intro")) }
        @if !others.is_empty() {
            nav aria-label=(lang.t("transparency-communes")) {
                ul class="inline" {
                    @for (name, shown) in &others {
                        li { a href=(format!("/transparency?commune={name}")) { (shown) } }
                    }
                }
            }
        }
        @if rows.is_empty() { p { (lang.t("moderation-log-none")) } }
        @else {
            table class="transparency" {
                thead { tr {
                    th scope="col" { (lang.t("transparency-month")) }
                    th scope="col" { (lang.t("log-why")) }
                    th scope="col" { (lang.t("log-what")) }
                    th scope="col" { (lang.t("transparency-count")) }
                } }
                tbody {
                    @for (month, reason, action, n) in &rows {
                        tr {
                            td { (month) }
                            td { (reason_label(lang, reason)) }
                            td { (action_label(lang, action)) }
                            td { (lang.number(*n)) }
                        }
                    }
                }
            }
        }
    };
    page(&v, &title, body).await
}
