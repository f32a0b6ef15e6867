//! A commune's newsletter on the wire: each sent issue is an `Article` by the commune, created for its
//! followers and the public. Mastodon shows an `Article` as its `name`, its `summary` and a link to its `url`
//! (it ignores `content`), so the summary is the issue's opening lines in plain text; `content` carries the
//! whole issue as HTML and `source` its Markdown, for software that shows articles in full.
//!
//! Read the other way: an `Article` (or a `Page`) that is in no commune's `audience` — another commune's
//! newsletter, a blog post — is shown as Mastodon shows it: a post of its author with its title, summary
//! and link (`converted`). What is in a commune's `audience` is a debate (`federation::debates`).

use crate::civic::notes::escape_html;
use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use crate::civic::newsletter;
use crate::context::AppContext;
use crate::db::{AnyConnection, queries};
use crate::error::{Error, Result};
use crate::federation::activities::{NoteObject, ObjectOut, PUBLIC};
use crate::federation::actors::Source;
use crate::federation::outbound::{ForGroups, Planned, Sender, audience};
use crate::federation::urls::Urls;
use crate::ids::NewsletterId;
use crate::model::{ActorKind, NewsletterIssue};

/// Characters of the summary Mastodon shows under the title.
const SUMMARY_CHARS: usize = 300;

/// An issue as we send it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArticleObject {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: Url,
    pub attributed_to: Url,
    pub name: String,
    pub summary: String,
    pub content: String,
    pub media_type: &'static str,
    pub source: Source,
    pub url: Url,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub published: DateTime<Utc>,
}

/// The first lines of a text, cut at a word.
fn excerpt(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(at) if at > max / 2 => &cut[..at],
        _ => cut.as_str(),
    };
    format!("{cut}…")
}

/// The `Article` of a sent issue.
pub fn article(urls: &Urls, commune: Url, issue: &NewsletterIssue) -> ArticleObject {
    let html = newsletter::html(issue);
    let summary = excerpt(&crate::civic::notes::html_to_text(&html), SUMMARY_CHARS);
    let followers = urls.followers(&commune).to_string();
    ArticleObject {
        kind: "Article",
        id: urls.newsletter(issue.id),
        attributed_to: commune,
        name: issue.title.clone(),
        summary,
        content: html,
        media_type: "text/html",
        source: Source {
            content: issue.body.clone(),
            media_type: "text/markdown".into(),
        },
        url: urls.newsletter(issue.id),
        to: vec![PUBLIC.to_string()],
        cc: vec![followers],
        published: issue.sent_at.unwrap_or(issue.updated_at).and_utc(),
    }
}

/// An issue sent: the commune's `Create(Article)`, listed in its outbox, to its followers' servers. Group
/// software (Lemmy…) takes posts from people only, not from the community itself: it gets nothing.
pub fn sent(conn: &mut AnyConnection, s: &Sender, id: NewsletterId) -> Result<Planned> {
    let issue = newsletter::published(conn, id)?;
    let object = article(s.urls, s.url.clone(), &issue);
    let (to, cc) = (object.to.clone(), object.cc.clone());
    let create = s.activity(
        crate::federation::activities::ApType::Create,
        s.urls.newsletter_create(id),
        ObjectOut::Article(Box::new(object)),
        to,
        cc,
    );
    let mut planned = Planned::listed(create, audience::follower_inboxes(conn, s.id)?);
    planned.for_groups = ForGroups::Nothing;
    Ok(planned)
}

/// `GET /newsletters/{id}` asked by a server: the `Article` of a sent issue.
pub async fn article_document(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response> {
    crate::federation::object_document(
        &ctx,
        &uri,
        &headers,
        &id,
        "newsletter",
        NewsletterId,
        |conn, urls, id| {
            let issue = newsletter::published(conn, id)?;
            let commune = queries::actor_by_id(conn, issue.commune_id)?;
            Ok(article(
                urls,
                urls.actor(ActorKind::Commune, &commune.username),
                &issue,
            ))
        },
    )
    .await
}

/// An article as another server sends it, read for what Mastodon shows of it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArticleIn {
    id: Url,
    #[serde(deserialize_with = "crate::federation::activities::first_id")]
    attributed_to: Url,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::federation::activities::optional_id"
    )]
    url: Option<Url>,
    #[serde(
        default,
        deserialize_with = "crate::federation::activities::one_or_many_ids"
    )]
    to: Vec<String>,
    #[serde(
        default,
        deserialize_with = "crate::federation::activities::one_or_many_ids"
    )]
    cc: Vec<String>,
    #[serde(default)]
    published: Option<DateTime<Utc>>,
}

/// An `Article` or `Page` in no commune's `audience`, as the post Mastodon makes of it: its title in bold,
/// its summary (as text), and a link to its page. `None` when it belongs to a commune (a debate).
pub fn converted(value: &Value) -> Result<Option<NoteObject>> {
    if value.get("audience").is_some_and(|a| !a.is_null()) {
        return Ok(None);
    }
    let article: ArticleIn = serde_json::from_value(value.clone())
        .map_err(|e| Error::BadRequest(format!("the Article is malformed: {e}")))?;
    let mut content = String::new();
    if let Some(name) = article.name.as_deref().filter(|n| !n.trim().is_empty()) {
        content.push_str(&format!(
            "<p><strong>{}</strong></p>",
            escape_html(name.trim())
        ));
    }
    if let Some(summary) = article.summary.as_deref() {
        let text = crate::civic::notes::html_to_text(summary);
        if !text.is_empty() {
            content.push_str(&format!("<p>{}</p>", escape_html(&text)));
        }
    }
    let link = article
        .url
        .clone()
        .filter(|u| matches!(u.scheme(), "https" | "http"))
        .unwrap_or_else(|| article.id.clone());
    content.push_str(&format!(
        "<p><a href=\"{0}\">{0}</a></p>",
        escape_html(link.as_str())
    ));
    Ok(Some(NoteObject {
        kind: "Note".into(),
        id: article.id,
        attributed_to: article.attributed_to,
        content,
        name: None,
        published: article.published,
        in_reply_to: None,
        to: article.to,
        cc: article.cc,
        url: Some(link),
        stance: None,
        tag: vec![],
        updated: None,
        attachment: vec![],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_is_cut_at_a_word() {
        assert_eq!(
            excerpt("Les  travaux\nde la place", 100),
            "Les travaux de la place"
        );
        assert_eq!(excerpt("Les travaux de la place", 14), "Les travaux…");
    }

    #[test]
    fn an_article_outside_a_commune_reads_as_a_post_and_its_text_stays_text() {
        let value = serde_json::json!({
            "type": "Article",
            "id": "https://voisine.example/newsletters/3",
            "attributedTo": "https://voisine.example/communes/voisine",
            "name": "Lettre de <b>juin</b>",
            "summary": "<p>Les travaux <script>alert(1)</script>de la place.</p>",
            "content": "<p>Tout le texte.</p>",
            "url": "javascript:alert(1)",
            "to": "https://www.w3.org/ns/activitystreams#Public",
        });
        let Ok(Some(note)) = converted(&value) else {
            panic!("not read as a post: {value}");
        };
        assert_eq!(note.id.as_str(), "https://voisine.example/newsletters/3");
        assert!(
            note.content
                .starts_with("<p><strong>Lettre de &lt;b&gt;juin&lt;/b&gt;</strong></p>"),
            "{}",
            note.content
        );
        assert!(!note.content.contains("<script"), "{}", note.content);
        // A link that is not a web page is replaced by the article's id.
        assert!(
            note.content
                .contains("href=\"https://voisine.example/newsletters/3\""),
            "{}",
            note.content
        );
        assert_eq!(note.to, vec![PUBLIC.to_string()]);

        let debate = serde_json::json!({
            "type": "Page",
            "id": "https://voisine.example/debates/1",
            "attributedTo": "https://voisine.example/users/lea",
            "audience": "https://voisine.example/communes/voisine",
        });
        assert!(matches!(converted(&debate), Ok(None)));
    }
}
