//! The commune's newsletter on the web: its page (the issues sent, the subscription form, and for its
//! writers the drafts and what became of each issue's messages), an issue's public page, the writing form
//! (save and preview, a test sent to oneself, send), and the pages the links in its mail open (confirm a
//! subscription, unsubscribe in one click).

use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use crate::civic::newsletter::{self, Draft, MAX_BODY, MAX_TITLE};
use crate::db::queries;
use crate::error::Error;
use crate::ids::NewsletterId;
use crate::mail::messages::Language;
use crate::model::{Actor, ActorKind, NewsletterIssue};
use crate::web::forms::{self, FormErrors, Input};
use crate::web::session::{Me, Visitor};
use crate::web::{OpenGraph, page_status, page_with};

fn mail_language(v: &Visitor) -> Language {
    Language::of(Some(v.lang.code()))
}

fn parse_issue(raw: &str) -> Result<NewsletterId, Error> {
    raw.parse()
        .map(NewsletterId)
        .map_err(|_| Error::NotFound("no such newsletter".into()))
}

fn list_path(commune: &Actor) -> String {
    format!("/communes/{}/newsletter", commune.username)
}

/// What the commune's newsletter page shows its writers.
struct ForWriters {
    drafts: Vec<NewsletterIssue>,
    readers: usize,
    counts: Vec<(NewsletterId, crate::mail::Counts)>,
}

/// `GET /communes/{name}/newsletter`: the issues sent, and how to receive the next ones.
pub async fn list(v: Visitor, Path(name): Path<String>) -> Response {
    list_page(&v, name, "", &FormErrors::new(), StatusCode::OK).await
}

async fn list_page(
    v: &Visitor,
    name: String,
    email: &str,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let me = v.me.as_ref().map(|m| m.account.clone());
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            let commune = queries::actor_of_kind(conn, ActorKind::Commune, &name)?
                .ok_or_else(|| Error::NotFound(format!("no commune {name}")))?;
            let issues = newsletter::sent_issues(conn, commune.id)?;
            let mut writers = None;
            let mut subscribed = None;
            if let Some(account) = &me {
                if account.commune_id == commune.id && newsletter::writes(account) {
                    let mut counts = vec![];
                    for issue in &issues {
                        counts.push((issue.id, newsletter::counts(conn, account, issue.id)?));
                    }
                    writers = Some(ForWriters {
                        drafts: newsletter::drafts(conn, account)?,
                        readers: newsletter::reader_count(conn, commune.id)?,
                        counts,
                    });
                }
                if account.commune_id == commune.id {
                    subscribed = Some(newsletter::is_subscribed(conn, account)?);
                }
            }
            Ok((commune, issues, writers, subscribed))
        })
        .await;
    let (commune, issues, writers, subscribed) = match loaded {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let csrf = v.csrf().await;
    let title = lang.ta(
        "newsletter-title",
        &[("commune", commune.display_name.clone().into())],
    );
    let body = html! {
        h1 { (title) }
        p { (lang.t("newsletter-intro")) }
        section id="newsletter-subscribe" {
            h2 { (lang.t("newsletter-receive")) }
            @match subscribed {
                Some(on) => {
                    form id="newsletter-mine" method="post" action="/settings/newsletter" {
                        (forms::csrf(&csrf))
                        input type="hidden" name="subscribed" value=(if on { "off" } else { "on" });
                        p { (lang.t(if on { "newsletter-you-receive" } else { "newsletter-you-do-not-receive" })) }
                        button type="submit" { (lang.t(if on { "newsletter-stop" } else { "newsletter-start" })) }
                    }
                }
                None => {
                    form id="newsletter-subscribe-form" method="post" action=(list_path(&commune)) novalidate {
                        (errors.summary(lang))
                        (forms::csrf(&csrf))
                        (forms::input(lang, Input::text("email", lang.t("field-email"), email)
                            .kind("email").required().autocomplete("email").maxlength(254)
                            .hint(lang.t("hint-newsletter-email")), errors))
                        button type="submit" { (lang.t("newsletter-subscribe")) }
                    }
                }
            }
        }
        @if let Some(w) = &writers {
            section id="newsletter-writers" {
                h2 { (lang.t("newsletter-writers")) }
                p { (lang.ta("newsletter-readers", &[("count", (w.readers as i64).into())])) }
                p { a href="/newsletters/new" class="button" { (lang.t("newsletter-write")) } }
                @if !w.drafts.is_empty() {
                    h3 { (lang.t("newsletter-drafts")) }
                    ul id="newsletter-drafts" {
                        @for d in &w.drafts {
                            li { a href=(format!("/newsletters/{}/edit", d.id)) { (d.title) } }
                        }
                    }
                }
            }
        }
        section id="newsletter-issues" {
            h2 { (lang.t("newsletter-issues")) }
            @if issues.is_empty() {
                p { (lang.t("newsletter-none")) }
            }
            ul {
                @for issue in &issues {
                    li {
                        a href=(newsletter::path(issue.id)) { (issue.title) }
                        @if let Some(at) = issue.sent_at { " · " (lang.datetime(at)) }
                        @if let Some(w) = &writers
                            && let Some((_, c)) = w.counts.iter().find(|(id, _)| *id == issue.id) {
                            " · "
                            span class="meta newsletter-counts" {
                                (lang.ta("newsletter-counts", &[
                                    ("sent", c.sent.into()),
                                    ("failed", c.failed.into()),
                                    ("waiting", c.waiting.into()),
                                ]))
                            }
                        }
                    }
                }
            }
        }
    };
    page_status(v, &title, body, status).await
}

#[derive(Deserialize, Default)]
pub struct SubscribeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// `POST /communes/{name}/newsletter`: a visitor subscribes; a confirmation link goes to the address.
pub async fn subscribe(
    v: Visitor,
    Path(name): Path<String>,
    Form(form): Form<SubscribeForm>,
) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let (base, lang, email, lookup) = (
        v.ctx.urls.base().clone(),
        mail_language(&v),
        form.email.clone(),
        name.clone(),
    );
    let result = v
        .ctx
        .db
        .transaction(move |conn| {
            let commune = queries::actor_of_kind(conn, ActorKind::Commune, &lookup)?
                .ok_or_else(|| Error::NotFound(format!("no commune {lookup}")))?;
            newsletter::subscribe(conn, &base, commune.id, &email, lang)
        })
        .await;
    match result {
        Ok(()) => {
            v.ctx.mail_wake.notify_one();
            v.flash("flash-newsletter-check-mail").await;
            Redirect::to(&format!("/communes/{name}/newsletter")).into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &["email"]);
            list_page(
                &v,
                name,
                &form.email,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}

#[derive(Deserialize, Default)]
pub struct MineForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    subscribed: String,
}

/// `POST /settings/newsletter`: an account receives its commune's newsletter, or stops.
pub async fn set_mine(v: Visitor, Form(form): Form<MineForm>) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let on = form.subscribed == "on";
    let account = me.account.clone();
    let result = v
        .ctx
        .db
        .transaction(move |conn| {
            newsletter::set_subscribed(conn, &account, on)?;
            queries::actor_by_id(conn, account.commune_id)
        })
        .await;
    match result {
        Ok(commune) => {
            v.flash("flash-settings-saved").await;
            Redirect::to(&list_path(&commune)).into_response()
        }
        Err(e) => v.error(&e),
    }
}

/// `GET /newsletters/{id}` in a browser: a sent issue.
pub async fn show(v: Visitor, Path(raw): Path<String>) -> Response {
    let lang = v.lang;
    let id = match parse_issue(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let found = v
        .ctx
        .db
        .run(move |conn| {
            let issue = newsletter::published(conn, id)?;
            let commune = queries::actor_by_id(conn, issue.commune_id)?;
            Ok((issue, commune))
        })
        .await;
    let (issue, commune) = match found {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let html = newsletter::html(&issue);
    let description = crate::civic::notes::html_to_text(&html)
        .chars()
        .take(200)
        .collect::<String>();
    let url = v.ctx.urls.newsletter(issue.id).to_string();
    let body = html! {
        article class="newsletter-issue" {
            h1 { (issue.title) }
            p class="meta" {
                a href=(list_path(&commune)) { (lang.ta("newsletter-title", &[("commune", commune.display_name.clone().into())])) }
                @if let Some(at) = issue.sent_at { " · " (lang.datetime(at)) }
            }
            div class="body" { (maud::PreEscaped(html)) }
        }
        p { a href=(list_path(&commune)) { (lang.t("newsletter-receive")) } }
    };
    let og = OpenGraph {
        title: &issue.title,
        description: &description,
        url: &url,
        kind: "article",
        image: None,
        activity_json: Some(&url),
    };
    page_with(&v, &issue.title, Some(&og), body, StatusCode::OK).await
}

#[derive(Deserialize, Default, Clone)]
pub struct IssueForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default, rename = "text")]
    body: String,
    /// `save` (and preview), `test`, or `send`.
    #[serde(default)]
    action: String,
}

/// The writing form, with the preview of what is saved and, once sent, its counts.
async fn editor(
    v: &Visitor,
    me: &Me,
    saved: Option<NewsletterIssue>,
    form: &IssueForm,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let csrf = v.csrf().await;
    let account = me.account.clone();
    let saved_id = saved.as_ref().map(|s| s.id);
    let extra = v
        .ctx
        .db
        .run(move |conn| {
            let readers = newsletter::reader_count(conn, account.commune_id)?;
            let counts = match saved_id {
                Some(id) => Some(newsletter::counts(conn, &account, id)?),
                None => None,
            };
            Ok((readers, counts))
        })
        .await;
    let (readers, counts) = match extra {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let action = match &saved {
        Some(s) => format!("/newsletters/{}/edit", s.id),
        None => "/newsletters/new".into(),
    };
    let title = lang.t("newsletter-write");
    let body = html! {
        h1 { (title) }
        @if let Some(issue) = saved.as_ref().filter(|s| s.is_sent()) {
            p id="newsletter-sent" {
                (lang.ta("newsletter-sent-to", &[("count", issue.recipients.into())])) " "
                a href=(newsletter::path(issue.id)) { (lang.t("newsletter-public-page")) }
            }
            @if let Some(c) = counts {
                p class="newsletter-counts" {
                    (lang.ta("newsletter-counts", &[
                        ("sent", c.sent.into()),
                        ("failed", c.failed.into()),
                        ("waiting", c.waiting.into()),
                    ]))
                }
            }
        } @else {
            form id="newsletter-editor" method="post" action=(action) novalidate {
                (errors.summary(lang))
                (forms::csrf(&csrf))
                (forms::input(lang, Input::text("title", lang.t("field-newsletter-title"), &form.title)
                    .required().maxlength(MAX_TITLE), errors))
                (forms::textarea(lang, Input::text("text", lang.t("field-newsletter-body"), &form.body)
                    .required().maxlength(MAX_BODY).hint(lang.t("hint-markdown")), 16, errors))
                div class="actions" {
                    button type="submit" name="action" value="save" { (lang.t("newsletter-save")) }
                    " "
                    button type="submit" name="action" value="test" class="secondary" { (lang.t("newsletter-test")) }
                    " "
                    button type="submit" name="action" value="send" {
                        (lang.ta("newsletter-send", &[("count", (readers as i64).into())]))
                    }
                }
            }
        }
        @if let Some(issue) = &saved {
            section id="newsletter-preview" {
                h2 { (lang.t("newsletter-preview")) }
                article class="newsletter-issue" {
                    h1 { (issue.title) }
                    div class="body" { (maud::PreEscaped(newsletter::html(issue))) }
                }
            }
        }
    };
    page_status(v, &title, body, status).await
}

/// `GET /newsletters/new`.
pub async fn new_form(v: Visitor) -> Response {
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    if !newsletter::writes(&me.account) {
        return v.error(&Error::Forbidden(
            "only the commune's officials, agents, moderators and admins write its newsletter"
                .into(),
        ));
    }
    editor(
        &v,
        &me,
        None,
        &IssueForm::default(),
        &FormErrors::new(),
        StatusCode::OK,
    )
    .await
}

/// `GET /newsletters/{id}/edit`.
pub async fn edit_form(v: Visitor, Path(raw): Path<String>) -> Response {
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let id = match parse_issue(&raw) {
        Ok(id) => id,
        Err(e) => return v.error(&e),
    };
    let account = me.account.clone();
    let found = v
        .ctx
        .db
        .run(move |conn| newsletter::editable(conn, &account, id))
        .await;
    match found {
        Ok(issue) => {
            let form = IssueForm {
                title: issue.title.clone(),
                body: issue.body.clone(),
                ..IssueForm::default()
            };
            editor(
                &v,
                &me,
                Some(issue),
                &form,
                &FormErrors::new(),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}

/// `POST /newsletters/new`: a draft saved, then the action asked.
pub async fn create(v: Visitor, Form(form): Form<IssueForm>) -> Response {
    submit(v, None, form).await
}

/// `POST /newsletters/{id}/edit`.
pub async fn edit(v: Visitor, Path(raw): Path<String>, Form(form): Form<IssueForm>) -> Response {
    match parse_issue(&raw) {
        Ok(id) => submit(v, Some(id), form).await,
        Err(e) => v.error(&e),
    }
}

/// What a submit came to.
enum Done {
    Saved(NewsletterId),
    Tested(NewsletterId),
    Sent(NewsletterId),
}

async fn submit(v: Visitor, id: Option<NewsletterId>, form: IssueForm) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let (base, account, draft, action) = (
        v.ctx.urls.base().clone(),
        me.account.clone(),
        Draft {
            title: form.title.clone(),
            body: form.body.clone(),
        },
        form.action.clone(),
    );
    let result = v
        .ctx
        .db
        .transaction(move |conn| {
            let id = match id {
                Some(id) => {
                    newsletter::update(conn, &account, id, &draft)?;
                    id
                }
                None => newsletter::create(conn, &account, &draft)?,
            };
            Ok(match action.as_str() {
                "test" => {
                    newsletter::send_test(conn, &base, &account, id)?;
                    Done::Tested(id)
                }
                "send" => {
                    newsletter::send(conn, &base, &account, id)?;
                    Done::Sent(id)
                }
                _ => Done::Saved(id),
            })
        })
        .await;
    match result {
        Ok(done) => {
            let (flash, id) = match done {
                Done::Saved(id) => ("flash-newsletter-saved", id),
                Done::Tested(id) => ("flash-newsletter-tested", id),
                Done::Sent(id) => ("flash-newsletter-sent", id),
            };
            v.ctx.mail_wake.notify_one();
            v.ctx.wake.notify_one();
            v.flash(flash).await;
            Redirect::to(&format!("/newsletters/{id}/edit")).into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &["title", "text", "email"]);
            let saved = match id {
                Some(id) => {
                    let account = me.account.clone();
                    v.ctx
                        .db
                        .run(move |conn| newsletter::editable(conn, &account, id))
                        .await
                        .ok()
                }
                None => None,
            };
            editor(
                &v,
                &me,
                saved,
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}

#[derive(Deserialize, Default)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Deserialize, Default)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
}

/// What a confirmation link opens: a button (mail scanners that follow links confirm nothing).
pub async fn confirm_form(v: Visitor, Query(q): Query<TokenQuery>) -> Response {
    let lang = v.lang;
    let csrf = v.csrf().await;
    let title = lang.t("newsletter-confirm-title");
    let body = html! {
        h1 { (title) }
        form id="newsletter-confirm" method="post" action="/newsletter/confirm" {
            (forms::csrf(&csrf))
            input type="hidden" name="token" value=(q.token);
            button type="submit" { (lang.t("newsletter-confirm-submit")) }
        }
    };
    page_status(&v, &title, body, StatusCode::OK).await
}

pub async fn confirm(v: Visitor, Form(form): Form<TokenForm>) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let token = form.token.clone();
    match v
        .ctx
        .db
        .transaction(move |conn| {
            let commune = newsletter::confirm(conn, &token)?;
            queries::actor_by_id(conn, commune)
        })
        .await
    {
        Ok(commune) => {
            v.flash("flash-newsletter-confirmed").await;
            Redirect::to(&list_path(&commune)).into_response()
        }
        Err(e) => crate::web::accounts::link_error(&v, &e),
    }
}

/// What an unsubscribe link opens in a browser: a button.
pub async fn unsubscribe_form(v: Visitor, Query(q): Query<TokenQuery>) -> Response {
    let lang = v.lang;
    let title = lang.t("unsubscribe-title");
    let action = format!(
        "/newsletter/unsubscribe?token={}",
        crate::web::session::encode(&q.token)
    );
    let body = html! {
        h1 { (title) }
        p { (lang.t("unsubscribe-newsletter")) }
        form id="unsubscribe" method="post" action=(action) {
            button type="submit" { (lang.t("unsubscribe-submit")) }
        }
    };
    page_status(&v, &title, body, StatusCode::OK).await
}

/// The one-click unsubscribe (RFC 8058), or the button above: no sign-in and no CSRF token, the link's
/// secret says whose subscription ends, and ending it is all it can do.
pub async fn unsubscribe(v: Visitor, Query(q): Query<TokenQuery>) -> Response {
    let token = q.token.clone();
    match v
        .ctx
        .db
        .transaction(move |conn| newsletter::unsubscribe(conn, &token))
        .await
    {
        Ok(_) => {
            let lang = v.lang;
            let title = lang.t("unsubscribe-title");
            let body = html! {
                h1 { (title) }
                p id="unsubscribed" { (lang.t("unsubscribe-newsletter-done")) }
            };
            page_status(&v, &title, body, StatusCode::OK).await
        }
        Err(e) => crate::web::accounts::link_error(&v, &e),
    }
}
