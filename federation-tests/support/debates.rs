//! What the debate tests share: their people, opening a debate from the web, finding a comment on its page.

use super::TestInstance;
use super::web::WebClient;
use crate::web::person;
use parvis::model::Role;

pub(crate) async fn people(instance: &TestInstance) {
    for (user, role) in [
        ("marie", Role::Official),
        ("karim", Role::Citizen),
        ("lea", Role::Citizen),
    ] {
        person(instance, user, role).await;
    }
}

/// Opens a debate as marie; returns its path.
pub(crate) async fn open_debate(marie: &mut WebClient, title: &str, body: &str) -> String {
    let page = marie
        .submit(
            "/debates/new",
            "/debates",
            &[
                ("title", title),
                ("question", "Faut-il piétonniser la place ?"),
                ("body", body),
                ("closes_on", ""),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    page.location.unwrap()
}

/// The id of the comment whose text contains `text` on a debate page.
pub(crate) fn comment_id(html: &str, text: &str) -> String {
    let at = html
        .find(text)
        .unwrap_or_else(|| panic!("{text} not on the page"));
    html[..at]
        .rsplit("id=\"comment-")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

/// The part of a debate page showing one comment.
pub(crate) fn comment_html(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("id=\"comment-{id}\""))
        .unwrap_or_else(|| panic!("comment {id} not on the page"));
    let rest = &html[start..];
    let end = rest.find("</article>").unwrap_or(rest.len());
    rest[..end].to_string()
}
