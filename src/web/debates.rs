//! Debate pages: the list, a debate with its thread and the count of each side, and the forms to open a
//! debate, comment, reply and close.

use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

use crate::civic::accounts::{speaks_for, speaks_for_commune};
use crate::civic::debates::{self, NewDebate};
use crate::db::debates::{Author, DebateSummary, Thread};
use crate::db::queries;
use crate::error::Error;
use crate::ids::{CommentId, DebateId};
use crate::model::{Comment, DebateStatus, Stance};
use crate::web::forms::{self, FormErrors, Input};
use crate::web::i18n::Lang;
use crate::web::pages::safe_href;
use crate::web::session::Visitor;
use crate::web::{page, page_status};

/// How many debates a list shows.
const LISTED: i64 = 100;
/// How deep replies are indented; deeper ones are shown at this depth.
const MAX_DEPTH: usize = 4;

fn status_label(lang: Lang, status: DebateStatus) -> String {
    lang.t(match status {
        DebateStatus::Open => "debate-status-open",
        DebateStatus::Closed => "debate-status-closed",
        DebateStatus::Archived => "debate-status-archived",
    })
}

fn may_open(v: &Visitor) -> bool {
    v.me.as_ref()
        .is_some_and(|me| speaks_for_commune(&me.account))
}

/// A short list of debates (the commune's home shows the newest ones).
pub fn debate_list(lang: Lang, items: &[DebateSummary]) -> Markup {
    html! {
        ul class="debates" {
            @for item in items {
                li {
                    a href=(format!("/debates/{}", item.debate.id)) { (item.debate.title) }
                    " "
                    span class="badge" { (status_label(lang, item.debate.status)) }
                    " "
                    span class="meta" { (lang.count("comments-count", item.comments)) }
                    p class="question" { (item.debate.question) }
                }
            }
        }
    }
}

/// `/debates`: the default commune's debates.
pub async fn list(v: Visitor) -> Response {
    let lang = v.lang;
    let found = v
        .ctx
        .db
        .run(|conn| {
            let Some(commune) = queries::default_commune(conn)? else {
                return Ok(None);
            };
            Ok(Some(crate::db::debates::list(conn, commune.id, LISTED)?))
        })
        .await;
    let items = match found {
        Ok(Some(items)) => items,
        Ok(None) => Vec::new(),
        Err(e) => return v.error(&e),
    };
    let title = lang.t("debates-title");
    let body = html! {
        h1 { (title) }
        @if may_open(&v) {
            p { a href="/debates/new" { (lang.t("debate-open")) } }
        }
        @if items.is_empty() {
            p { (lang.t("debates-none")) }
        } @else {
            (debate_list(lang, &items))
        }
    };
    page(&v, &title, body).await
}

#[derive(Deserialize, Default)]
pub struct DebateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    closes_on: String,
}

async fn new_page(
    v: &Visitor,
    form: &DebateForm,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let csrf = v.csrf().await;
    let title = lang.t("debate-open");
    let body = html! {
        h1 { (title) }
        form id="debate" method="post" action="/debates" novalidate {
            (errors.summary(lang))
            (forms::csrf(&csrf))
            (forms::input(lang, Input::text("title", lang.t("field-debate-title"), &form.title)
                .required().maxlength(debates::MAX_TITLE), errors))
            (forms::input(lang, Input::text("question", lang.t("field-debate-question"), &form.question)
                .required().maxlength(debates::MAX_QUESTION).hint(lang.t("hint-debate-question")), errors))
            (forms::textarea(lang, Input::text("body", lang.t("field-debate-body"), &form.body)
                .maxlength(debates::MAX_BODY).hint(lang.t("hint-markdown")), 10, errors))
            (forms::input(lang, Input::text("closes_on", lang.t("field-closes-on"), &form.closes_on)
                .kind("date").hint(lang.t("hint-closes-on")), errors))
            button type="submit" { (lang.t("debate-open-submit")) }
        }
    };
    page_status(v, &title, body, status).await
}

pub async fn new_form(v: Visitor) -> Response {
    if let Err(r) = v.require_login() {
        return r;
    }
    if !may_open(&v) {
        return crate::web::refusal_page(
            v.lang,
            Some(&v),
            &Error::Forbidden("officials only".into()),
            Some(v.lang.t("debate-open-forbidden")),
        );
    }
    new_page(
        &v,
        &DebateForm::default(),
        &FormErrors::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn create(v: Visitor, Form(form): Form<DebateForm>) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let closes_at = match form.closes_on.trim() {
        "" => None,
        day => match NaiveDate::parse_from_str(day, "%Y-%m-%d") {
            // The end of the chosen day.
            Ok(d) => d.and_hms_opt(23, 59, 59),
            Err(_) => {
                let errors = FormErrors::from_error(
                    v.lang,
                    &Error::invalid("closes_at", "not a date"),
                    &["closes_on"],
                );
                return new_page(&v, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
            }
        },
    };
    let new = NewDebate {
        title: form.title.clone(),
        question: form.question.clone(),
        body: form.body.clone(),
        closes_at,
    };
    let account = me.account.clone();
    let result = v
        .ctx
        .db
        .transaction(move |conn| debates::open_debate(conn, &account, new))
        .await;
    match result {
        Ok(debate) => {
            v.flash("flash-debate-opened").await;
            Redirect::to(&format!("/debates/{}", debate.id)).into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let e = match e {
                Error::Invalid {
                    field: "closes_at",
                    message,
                } => Error::Invalid {
                    field: "closes_on",
                    message,
                },
                other => other,
            };
            let errors =
                FormErrors::from_error(v.lang, &e, &["title", "question", "body", "closes_on"]);
            new_page(&v, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => v.error(&e),
    }
}

#[derive(Deserialize, Default)]
pub struct ReplyQuery {
    #[serde(default)]
    reply: Option<i64>,
}

#[derive(Deserialize, Default)]
pub struct CommentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    stance: String,
    #[serde(default)]
    parent: Option<String>,
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

fn stance_label(lang: Lang, stance: Stance) -> String {
    lang.t(match stance {
        Stance::For => "stance-for",
        Stance::Against => "stance-against",
        Stance::Neutral => "stance-neutral",
    })
}

/// One comment and, below it, its replies.
fn comment_tree(
    lang: Lang,
    thread: &Thread,
    parent: Option<CommentId>,
    depth: usize,
    open: bool,
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
                        article class="comment" {
                            header {
                                @if !author.name.is_empty() { (author_link(author)) }
                                @if let (Some(stance), false) = (c.stance, c.deleted) {
                                    " " span class=(format!("stance stance-{stance}")) { (stance_label(lang, stance)) }
                                }
                            }
                            @if c.deleted {
                                p class="meta" { (lang.t("comment-deleted")) }
                            } @else {
                                div class="content" { (PreEscaped(&c.content_html)) }
                            }
                            footer {
                                time datetime=(c.created_at.and_utc().to_rfc3339()) { (lang.datetime(c.created_at)) }
                                @if open && !c.deleted {
                                    " · "
                                    a href=(format!("/debates/{}?reply={}#comment-form", thread.debate.id, c.id)) {
                                        (lang.t("comment-reply"))
                                    }
                                }
                            }
                        }
                        (comment_tree(lang, thread, Some(c.id), (depth + 1).min(MAX_DEPTH), open))
                    }
                }
            }
        }
    }
}

async fn debate_page(
    v: &Visitor,
    id: DebateId,
    reply_to: Option<CommentId>,
    form: Option<&CommentForm>,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let loaded = v
        .ctx
        .db
        .run(move |conn| crate::db::debates::thread(conn, id))
        .await;
    let thread = match loaded {
        Ok(t) => t,
        Err(e) => return v.error(&e),
    };
    let d = &thread.debate;
    let open = d.accepts_comments(Utc::now().naive_utc());
    let csrf = v.csrf_if_signed_in().await;
    let replying = reply_to.and_then(|r| thread.comments.iter().find(|(c, _)| c.id == r));
    let empty = CommentForm::default();
    let form = form.unwrap_or(&empty);
    let speaks =
        v.me.as_ref()
            .is_some_and(|me| speaks_for(&me.account, d.commune_id));
    let stances = [Stance::For, Stance::Against, Stance::Neutral];
    let body = html! {
        article class="debate" {
            h1 { (d.title) }
            p {
                span class="badge" { (status_label(lang, d.status)) }
                @if let Some(author) = &thread.author { " " (lang.t("debate-by")) " " (author_link(author)) }
                " · " time datetime=(d.created_at.and_utc().to_rfc3339()) { (lang.date(d.created_at.date())) }
                @if let Some(closes) = d.closes_at {
                    " · " (lang.ta("debate-closes", &[("date", lang.date(closes.date()).into())]))
                }
            }
            p class="question" { strong { (d.question) } }
            div class="content" { (PreEscaped(&d.body_html)) }
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
            h2 id="comments-heading" { (lang.count("comments-count", thread.comments.iter().filter(|(c, _)| !c.deleted).count() as i64)) }
            (comment_tree(lang, &thread, None, 0, open))
            @if !open {
                p class="notice" { (lang.t("debate-closed-notice")) }
            } @else if let Some(csrf) = &csrf {
                form id="comment-form" method="post" action=(format!("/debates/{}/comments", d.id)) novalidate {
                    (errors.summary(lang))
                    (forms::csrf(csrf))
                    @if let Some((c, author)) = replying {
                        input type="hidden" name="parent" value=(c.id);
                        p { (lang.ta("comment-replying-to", &[("name", author.name.clone().into())])) }
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
                    button type="submit" { (lang.t("comment-submit")) }
                }
            } @else {
                p { a href=(format!("/login?next=/debates/{}", d.id)) { (lang.t("comment-login")) } }
            }
        }
        @if let (true, Some(csrf)) = (speaks, &csrf) {
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
            }
        }
    };
    page_status(v, &d.title.clone(), body, status).await
}

fn parse_id(raw: &str) -> Option<DebateId> {
    raw.parse().ok().map(DebateId)
}

pub async fn show(v: Visitor, Path(id): Path<String>, Query(q): Query<ReplyQuery>) -> Response {
    let Some(id) = parse_id(&id) else {
        return v.error(&Error::NotFound("no such debate".into()));
    };
    debate_page(
        &v,
        id,
        q.reply.map(CommentId),
        None,
        &FormErrors::new(),
        StatusCode::OK,
    )
    .await
}

/// A comment's URL, in a browser: the comment in its debate.
pub async fn comment_page(v: Visitor, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return v.error(&Error::NotFound("no such comment".into()));
    };
    let found = v
        .ctx
        .db
        .run(move |conn| {
            use diesel::prelude::*;
            Ok(crate::model::schema::comments::table
                .find(CommentId(id))
                .select(crate::model::schema::comments::debate_id)
                .first::<DebateId>(conn)
                .optional()?)
        })
        .await;
    match found {
        Ok(Some(debate)) => {
            Redirect::to(&format!("/debates/{debate}#comment-{id}")).into_response()
        }
        Ok(None) => v.error(&Error::NotFound("no such comment".into())),
        Err(e) => v.error(&e),
    }
}

pub async fn add_comment(
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<CommentForm>,
) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let Some(id) = parse_id(&id) else {
        return v.error(&Error::NotFound("no such debate".into()));
    };
    let stance = match form.stance.as_str() {
        "" => None,
        other => match Stance::parse(other) {
            Some(s) => Some(s),
            None => return v.error(&Error::invalid("stance", "unknown")),
        },
    };
    let parent = match form.parent.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => match p.parse() {
            Ok(n) => Some(CommentId(n)),
            Err(_) => return v.error(&Error::invalid("parent", "not a comment")),
        },
        None => None,
    };
    let text = form.comment.clone();
    let author = me.actor.id;
    let result = v
        .ctx
        .db
        .transaction(move |conn| debates::comment(conn, author, id, parent, &text, stance))
        .await;
    match result {
        Ok(c) => {
            v.flash("flash-commented").await;
            Redirect::to(&format!("/debates/{id}#comment-{}", c.id)).into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &["comment"]);
            debate_page(
                &v,
                id,
                parent,
                Some(&form),
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}

#[derive(Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
}

pub async fn change_status(
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let (Some(id), Some(status)) = (parse_id(&id), DebateStatus::parse(&form.status)) else {
        return v.error(&Error::invalid("status", "unknown"));
    };
    let account = me.account.clone();
    match v
        .ctx
        .db
        .transaction(move |conn| debates::set_status(conn, &account, id, status))
        .await
    {
        Ok(_) => {
            v.flash("flash-debate-status").await;
            Redirect::to(&format!("/debates/{id}")).into_response()
        }
        Err(e) => v.error(&e),
    }
}
