//! A debate's page: the debate, where its proposal stands, the count of each side, the thread of comments with
//! their history, the form to comment, reply or edit, and the buttons of those who manage the debate.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

use super::comments::CommentForm;
use super::{parse_id, stance_label, status_label};
use crate::civic::accounts::speaks_for;
use crate::civic::debates;
use crate::db::debates::{Author, Thread};
use crate::error::Error;
use crate::ids::{CommentId, DebateId};
use crate::model::{Comment, DebateStatus, Stance};
use crate::web::forms::{self, FormErrors, Input};
use crate::web::i18n::Lang;
use crate::web::page_status;
use crate::web::pages::safe_href;
use crate::web::session::Visitor;

/// How deep replies are indented; deeper ones are shown at this depth.
const MAX_DEPTH: usize = 4;

#[derive(Deserialize, Default)]
pub struct ThreadQuery {
    #[serde(default)]
    reply: Option<i64>,
    #[serde(default)]
    edit: Option<i64>,
}

fn author_link(author: &Author) -> Markup {
    let href = if author.link.starts_with('/') {
        Some(author.link.as_str())
    } else {
        safe_href(&author.link)
    };
    html! {
        @match href {
            Some(href) => a href=(href) class="author" { (author.name) },
            None => span class="author" { (author.name) },
        }
        " " span class="handle" { (author.handle) }
    }
}

/// What the viewer may do on a debate's page.
struct Viewer<'a> {
    me: Option<crate::ids::ActorId>,
    csrf: Option<&'a str>,
    /// Speaks for the commune hosting the debate (here).
    manages: bool,
    open: bool,
}

/// A small form with one button posting to `action`.
fn button_form(csrf: &str, action: &str, label: &str, class: &str) -> Markup {
    html! {
        form method="post" action=(action) class=(format!("inline {class}")) {
            (forms::csrf(csrf))
            button type="submit" class="link" { (label) }
        }
    }
}

/// One comment and, below it, its replies.
fn comment_tree(
    lang: Lang,
    thread: &Thread,
    parent: Option<CommentId>,
    depth: usize,
    viewer: &Viewer<'_>,
) -> Markup {
    let children: Vec<&(Comment, Author)> = thread
        .comments
        .iter()
        .filter(|(c, _)| c.parent_id == parent)
        .collect();
    html! {
        @if !children.is_empty() {
            ol class=(if depth == 0 { "thread" } else { "replies" }) {
                @for (c, author) in children {
                    li id=(format!("comment-{}", c.id)) {
                        (comment_body(lang, thread, c, author, viewer))
                        (comment_tree(lang, thread, Some(c.id), (depth + 1).min(MAX_DEPTH), viewer))
                    }
                }
            }
        }
    }
}

fn comment_body(
    lang: Lang,
    thread: &Thread,
    c: &Comment,
    author: &Author,
    viewer: &Viewer<'_>,
) -> Markup {
    let agrees = thread.agrees.get(&c.id).copied().unwrap_or(0);
    let mine = viewer.me.is_some() && c.author_id == viewer.me;
    let agreed = thread.agreed.contains(&c.id);
    let history = thread.revisions.get(&c.id);
    html! {
        article class="comment" {
            header {
                @if !author.name.is_empty() && c.visible() { (author_link(author)) }
                @if let (Some(stance), true) = (c.stance, c.visible()) {
                    " " span class=(format!("stance stance-{stance}")) { (stance_label(lang, stance)) }
                }
            }
            @if c.deleted {
                p class="meta" { (lang.t("comment-deleted")) }
            } @else if c.hidden_at.is_some() {
                p class="meta" { (lang.t("comment-hidden")) }
            } @else {
                div class="content" { (PreEscaped(&c.content_html)) }
            }
            footer {
                time datetime=(c.created_at.and_utc().to_rfc3339()) { (lang.datetime(c.created_at)) }
                @if let (Some(edited), true) = (c.edited_at, c.visible()) {
                    " · " (lang.ta("comment-edited", &[("date", lang.datetime(edited).into())]))
                }
                // A hide made here can be undone by those who moderate the commune.
                @if let (Some(csrf), true) = (viewer.csrf, viewer.manages && !c.deleted && c.hidden_by.is_some()) {
                    " " (button_form(csrf, &format!("/comments/{}/restore", c.id), &lang.t("comment-restore"), "restore"))
                }
                @if c.visible() {
                    " · " span class="agrees" { (lang.count("agrees-count", agrees)) }
                    @if let Some(csrf) = viewer.csrf {
                        @if !mine {
                            " "
                            @if agreed {
                                (button_form(csrf, &format!("/comments/{}/agree?off=1", c.id), &lang.t("comment-agree-withdraw"), "agree"))
                            } @else {
                                (button_form(csrf, &format!("/comments/{}/agree", c.id), &lang.t("comment-agree"), "agree"))
                            }
                        }
                        @if viewer.open {
                            " · "
                            a href=(format!("/debates/{}?reply={}#comment-form", thread.debate.id, c.id)) {
                                (lang.t("comment-reply"))
                            }
                        }
                        @if mine && viewer.open {
                            " · "
                            a href=(format!("/debates/{}?edit={}#comment-form", thread.debate.id, c.id)) { (lang.t("comment-edit")) }
                        }
                        @if mine {
                            " " (button_form(csrf, &format!("/comments/{}/delete", c.id), &lang.t("comment-delete"), "delete"))
                        }
                        @if viewer.manages && !mine {
                            " " (button_form(csrf, &format!("/comments/{}/hide", c.id), &lang.t("comment-hide"), "hide"))
                        }
                        @if !mine {
                            " · " a class="report" href=(format!("/report?comment={}", c.id)) { (lang.t("comment-report")) }
                        }
                    }
                }
            }
            @if let (Some(history), true) = (history, c.visible()) {
                details class="history" {
                    summary { (lang.count("comment-versions", history.len() as i64)) }
                    ol {
                        @for r in history.iter().rev() {
                            li {
                                time datetime=(r.written_at.and_utc().to_rfc3339()) { (lang.datetime(r.written_at)) }
                                @if let Some(stance) = r.stance { " · " (stance_label(lang, stance)) }
                                div class="content" { (PreEscaped(&r.content_html)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Which comment form the page shows: a new comment, a reply, or an edit.
#[derive(Clone, Copy)]
pub(super) enum Writing {
    New,
    Reply(CommentId),
    Edit(CommentId),
}

pub(super) async fn debate_page(
    v: &Visitor,
    id: DebateId,
    writing: Writing,
    form: Option<&CommentForm>,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let me = v.me.as_ref().map(|m| m.actor.id);
    let policy = v.ctx.policy().await;
    let loaded = v
        .ctx
        .db
        .run(move |conn| policy.thread(crate::db::debates::thread(conn, id, me)?))
        .await;
    let thread = match loaded {
        Ok(t) => t,
        Err(e) => return v.error(&e),
    };
    let d = &thread.debate;
    let proposal = match crate::web::proposals::load(v, id).await {
        Ok(p) => p,
        Err(e) => return v.error(&e),
    };
    let open = d.accepts_comments(Utc::now().naive_utc());
    let csrf = v.csrf_if_signed_in().await;
    let manages =
        v.me.as_ref()
            .is_some_and(|me| d.commune_id.is_some_and(|c| speaks_for(&me.account, c)));
    let viewer = Viewer {
        me,
        csrf: csrf.as_deref(),
        manages,
        open,
    };
    let find = |id: CommentId| {
        thread
            .comments
            .iter()
            .find(|(c, _)| c.id == id && c.visible())
    };
    let (replying, editing) = match writing {
        Writing::New => (None, None),
        Writing::Reply(r) => (find(r), None),
        Writing::Edit(e) => (
            None,
            find(e).filter(|(c, _)| me.is_some() && c.author_id == me),
        ),
    };
    let prefilled;
    let form = match (form, editing) {
        (Some(f), _) => f,
        (None, Some((c, _))) => {
            prefilled = CommentForm {
                comment: crate::civic::notes::html_to_text(&c.content_html),
                stance: c.stance.map(|s| s.as_str().to_string()).unwrap_or_default(),
                ..CommentForm::default()
            };
            &prefilled
        }
        (None, None) => {
            prefilled = CommentForm::default();
            &prefilled
        }
    };
    let action = match editing {
        Some((c, _)) => format!("/comments/{}/edit", c.id),
        None => format!("/debates/{}/comments", d.id),
    };
    let stances = [Stance::For, Stance::Against, Stance::Neutral];
    let body = html! {
        article class="debate" {
            h1 { (d.title) }
            p {
                @if d.pinned { span class="badge" { (lang.t("debate-pinned")) } " " }
                // A proposal shows where it stands below; its comments' state shows at the comment form.
                @if proposal.is_none() { span class="badge" { (status_label(lang, d.status)) } }
                @if let Some(author) = &thread.author { " " (lang.t("debate-by")) " " (author_link(author)) }
                " · " time datetime=(d.created_at.and_utc().to_rfc3339()) { (lang.date(d.created_at.date())) }
                @if let (Some(opens), true) = (d.opens_at, d.not_open_yet(Utc::now().naive_utc())) {
                    " · " (lang.ta("debate-opens", &[("date", lang.date(opens.date()).into())]))
                }
                @if let Some(closes) = d.closes_at {
                    " · " (lang.ta("debate-closes", &[("date", lang.date(closes.date()).into())]))
                }
                @for theme in &thread.themes { " " span class="theme" { (theme) } }
            }
            @if let Some(host) = &thread.remote_host {
                p class="notice" {
                    (lang.t("debate-hosted-by")) " " (author_link(host))
                    @if let Some(href) = d.ap_id.as_deref().and_then(safe_href) {
                        " · " a href=(href) { (lang.t("debate-original")) }
                    }
                }
            }
            p class="question" { strong { (d.question) } }
            div class="content" { (PreEscaped(&d.body_html)) }
        }
        @if let Some(view) = &proposal {
            (crate::web::proposals::section(lang, d.id, view, csrf.as_deref(), manages))
        }
        section aria-labelledby="stances-heading" {
            h2 id="stances-heading" { (lang.t("stances-title")) }
            ul class="stances" {
                @for stance in stances {
                    li class=(format!("stance-{stance}")) {
                        (stance_label(lang, stance)) " : " strong { (lang.number(thread.stance_count(stance) as i64)) }
                    }
                }
            }
        }
        section aria-labelledby="comments-heading" {
            h2 id="comments-heading" { (lang.count("comments-count", thread.comments.iter().filter(|(c, _)| c.visible()).count() as i64)) }
            (comment_tree(lang, &thread, None, 0, &viewer))
            p { a href=(format!("/debates/{}/comments.atom", d.id)) type="application/atom+xml" { (lang.t("feed-comments-link")) } }
            @if d.not_open_yet(Utc::now().naive_utc()) {
                p class="notice" { (lang.t("debate-not-open-notice")) }
            } @else if !open {
                p class="notice" { (lang.t("debate-closed-notice")) }
            } @else if let Some(csrf) = &csrf {
                form id="comment-form" method="post" action=(action) novalidate {
                    (errors.summary(lang))
                    (forms::csrf(csrf))
                    @if let Some((c, author)) = replying {
                        input type="hidden" name="parent" value=(c.id);
                        p { (lang.ta("comment-replying-to", &[("name", author.name.clone().into())])) }
                    }
                    @if editing.is_some() {
                        p { (lang.t("comment-editing")) }
                    }
                    (forms::textarea(lang, Input::text("comment", lang.t("field-comment"), &form.comment)
                        .required().maxlength(debates::MAX_COMMENT), 5, errors))
                    fieldset {
                        legend { (lang.t("field-stance")) }
                        @for (value, text) in [("", lang.t("stance-none")), ("for", stance_label(lang, Stance::For)),
                            ("against", stance_label(lang, Stance::Against)), ("neutral", stance_label(lang, Stance::Neutral))] {
                            div class="field checkbox" {
                                input type="radio" name="stance" id=(format!("stance-{}", if value.is_empty() { "none" } else { value }))
                                    value=(value) checked[form.stance == value];
                                " "
                                label for=(format!("stance-{}", if value.is_empty() { "none" } else { value })) { (text) }
                            }
                        }
                    }
                    button type="submit" {
                        (lang.t(if editing.is_some() { "comment-edit-submit" } else { "comment-submit" }))
                    }
                }
            } @else {
                p { a href=(format!("/login?next=/debates/{}", d.id)) { (lang.t("comment-login")) } }
            }
        }
        @if let (true, Some(csrf)) = (manages, &csrf) {
            section aria-labelledby="manage-heading" {
                h2 id="manage-heading" { (lang.t("debate-manage")) }
                form id="debate-status" method="post" action=(format!("/debates/{}/status", d.id)) {
                    (forms::csrf(csrf))
                    @for status in [DebateStatus::Open, DebateStatus::Closed, DebateStatus::Archived] {
                        @if status != d.status {
                            button type="submit" name="status" value=(status.as_str()) { (lang.t(&format!("debate-set-{}", status.as_str()))) }
                            " "
                        }
                    }
                }
                @if proposal.is_some() {
                } @else if d.pinned {
                    (button_form(csrf, &format!("/debates/{}/pin?off=1", d.id), &lang.t("debate-unpin"), "pin"))
                } @else {
                    (button_form(csrf, &format!("/debates/{}/pin", d.id), &lang.t("debate-pin"), "pin"))
                }
            }
        }
    };
    page_status(v, &d.title.clone(), body, status).await
}

pub async fn show(v: Visitor, Path(id): Path<String>, Query(q): Query<ThreadQuery>) -> Response {
    let Some(id) = parse_id(&id) else {
        return v.error(&Error::NotFound("no such debate".into()));
    };
    let writing = match (q.edit, q.reply) {
        (Some(e), _) => Writing::Edit(CommentId(e)),
        (None, Some(r)) => Writing::Reply(CommentId(r)),
        (None, None) => Writing::New,
    };
    debate_page(&v, id, writing, None, &FormErrors::new(), StatusCode::OK).await
}
