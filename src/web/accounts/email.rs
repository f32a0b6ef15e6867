//! An address given, changed or confirmed: the settings form (which also sends the link again), the page a
//! confirmation link opens (a button, so that mail scanners following links confirm nothing), and the
//! request for an address at sign-in, which can be dismissed.

use axum::Form;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::settings::{SettingsPart, settings_page};
use crate::civic::addresses;
use crate::error::Error;
use crate::web::forms::{self, FormErrors, Input};
use crate::web::page_status;
use crate::web::session::{Visitor, safe_next};

#[derive(Deserialize, Default)]
pub struct EmailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    /// Where to go afterwards (from the request at sign-in).
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct TokenQuery {
    #[serde(default)]
    pub(super) token: String,
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
}

/// The page for a link that is not (or no longer) valid.
pub(crate) fn link_error(v: &Visitor, e: &Error) -> Response {
    let detail = match e {
        Error::NotFound(_) => v.lang.t("email-link-unknown"),
        Error::Gone(m) if m.contains("used") => v.lang.t("email-link-used"),
        Error::Gone(_) => v.lang.t("email-link-expired"),
        _ => return v.error(e),
    };
    crate::web::refusal_page(v.lang, Some(v), e, Some(detail))
}

/// Gives or changes the address (a link goes there), or sends the link again.
pub async fn change_email(v: Visitor, Form(form): Form<EmailForm>) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let (base, site, email) = (
        v.ctx.urls.base().clone(),
        v.site.name.clone(),
        form.email.clone(),
    );
    let result = v
        .ctx
        .db
        .transaction(move |conn| {
            addresses::request_confirmation(conn, &base, &site, &me.account, &email)
        })
        .await;
    match result {
        Ok(()) => {
            v.ctx.mail_wake.notify_one();
            v.flash("flash-email-sent").await;
            match &form.next {
                Some(next) => Redirect::to(&safe_next(Some(next))).into_response(),
                None => Redirect::to("/settings#email").into_response(),
            }
        }
        Err(e @ Error::Invalid { .. }) if form.next.is_some() => {
            let errors = FormErrors::from_error(v.lang, &e, &["email"]);
            ask_page(&v, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &["email"]);
            settings_page(
                &v,
                None,
                (SettingsPart::Email, &errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}

/// What a confirmation link opens: the address to confirm, and a button.
pub async fn confirm_form(v: Visitor, Query(q): Query<TokenQuery>) -> Response {
    let lang = v.lang;
    let csrf = v.csrf().await;
    let title = lang.t("confirm-email-title");
    let body = html! {
        h1 { (title) }
        p { (lang.t("confirm-email-text")) }
        form id="confirm-email-form" method="post" action="/email/confirm" {
            (forms::csrf(&csrf))
            input type="hidden" name="token" value=(q.token);
            button type="submit" { (lang.t("confirm-email-submit")) }
        }
    };
    page_status(&v, &title, body, StatusCode::OK).await
}

pub async fn confirm(v: Visitor, Form(form): Form<TokenForm>) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let (site, token) = (v.site.name.clone(), form.token.clone());
    match v
        .ctx
        .db
        .transaction(move |conn| addresses::confirm(conn, &site, &token))
        .await
    {
        Ok(_) => {
            v.ctx.mail_wake.notify_one();
            v.flash("flash-email-confirmed").await;
            Redirect::to("/").into_response()
        }
        Err(e) => link_error(&v, &e),
    }
}

async fn ask_page(
    v: &Visitor,
    form: &EmailForm,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let csrf = v.csrf().await;
    let next = safe_next(form.next.as_deref());
    let title = lang.t("ask-email-title");
    let body = html! {
        h1 { (title) }
        p { (lang.t("ask-email-text")) }
        form id="ask-email" method="post" action="/settings/email" novalidate {
            (errors.summary(lang))
            (forms::csrf(&csrf))
            input type="hidden" name="next" value=(next);
            (forms::input(lang, Input::text("email", lang.t("field-email"), &form.email)
                .kind("email").required().autocomplete("email").maxlength(254).hint(lang.t("hint-email")), errors))
            button type="submit" { (lang.t("ask-email-submit")) }
        }
        form id="dismiss-email" method="post" action="/email/dismiss" {
            (forms::csrf(&csrf))
            input type="hidden" name="next" value=(next);
            button type="submit" class="secondary" { (lang.t("ask-email-dismiss")) }
        }
    };
    page_status(v, &title, body, status).await
}

/// Asked once signed in, of an account without an address.
pub async fn ask(v: Visitor, Query(q): Query<TokenQuery>) -> Response {
    if let Err(r) = v.require_login() {
        return r;
    }
    let form = EmailForm {
        next: Some(safe_next(q.next.as_deref())),
        ..EmailForm::default()
    };
    ask_page(&v, &form, &FormErrors::new(), StatusCode::OK).await
}

/// "Not now": the account is not asked again.
pub async fn dismiss(v: Visitor, Form(form): Form<EmailForm>) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_login() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let id = me.actor.id;
    match v
        .ctx
        .db
        .transaction(move |conn| addresses::dismiss_prompt(conn, id))
        .await
    {
        Ok(()) => Redirect::to(&safe_next(form.next.as_deref())).into_response(),
        Err(e) => v.error(&e),
    }
}

#[derive(Deserialize, Default)]
pub struct UnsubscribeQuery {
    #[serde(default)]
    token: String,
    #[serde(default)]
    topic: String,
}

// The refusal is the page itself, returned by the handler at once.
#[allow(clippy::result_large_err)]
fn unsubscribe_scope(
    v: &Visitor,
    topic: &str,
) -> Result<crate::civic::notifications::mailing::Scope, Response> {
    crate::civic::notifications::mailing::Scope::parse(topic).ok_or_else(|| {
        link_error(
            v,
            &Error::NotFound("this unsubscribe link is not valid".into()),
        )
    })
}

/// What an unsubscribe link opens in a browser: what it stops, and a button.
pub async fn unsubscribe_form(v: Visitor, Query(q): Query<UnsubscribeQuery>) -> Response {
    let scope = match unsubscribe_scope(&v, &q.topic) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let lang = v.lang;
    let title = lang.t("unsubscribe-title");
    let action = format!(
        "/email/unsubscribe?token={}&topic={}",
        crate::web::session::encode(&q.token),
        scope.as_str()
    );
    let body = html! {
        h1 { (title) }
        p { (lang.t(&format!("unsubscribe-{}", scope.as_str()))) }
        form id="unsubscribe" method="post" action=(action) {
            button type="submit" { (lang.t("unsubscribe-submit")) }
        }
    };
    page_status(&v, &title, body, StatusCode::OK).await
}

/// The one-click unsubscribe (RFC 8058: a mail client posts `List-Unsubscribe=One-Click` to the link), or
/// the button above. No sign-in and no CSRF token: the link's secret says whose mail stops, and stopping
/// mail is all it can do.
pub async fn unsubscribe(v: Visitor, Query(q): Query<UnsubscribeQuery>) -> Response {
    let scope = match unsubscribe_scope(&v, &q.topic) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let token = q.token.clone();
    match v
        .ctx
        .db
        .transaction(move |conn| {
            crate::civic::notifications::mailing::unsubscribe(conn, &token, scope)
        })
        .await
    {
        Ok(_) => {
            let lang = v.lang;
            let title = lang.t("unsubscribe-title");
            let body = html! {
                h1 { (title) }
                p id="unsubscribed" { (lang.t("unsubscribe-done")) }
            };
            page_status(&v, &title, body, StatusCode::OK).await
        }
        Err(e) => link_error(&v, &e),
    }
}

#[derive(Deserialize, Default)]
pub struct NotificationChoices {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    replies: String,
    #[serde(default)]
    followers: String,
    #[serde(default)]
    proposals: String,
    #[serde(default)]
    polls: String,
    #[serde(default)]
    problems: String,
    #[serde(default)]
    meetings: String,
    #[serde(default)]
    moderation: String,
}

/// The settings' choices of mail per topic.
pub async fn save_notification_choices(
    v: Visitor,
    Form(form): Form<NotificationChoices>,
) -> Response {
    use crate::civic::notifications::{Mode, Topic};
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_login() {
        Ok(me) => me.actor.id,
        Err(r) => return r,
    };
    let mut choices = vec![];
    for (topic, value) in [
        (Topic::Replies, &form.replies),
        (Topic::Followers, &form.followers),
        (Topic::Proposals, &form.proposals),
        (Topic::Polls, &form.polls),
        (Topic::Problems, &form.problems),
        (Topic::Meetings, &form.meetings),
        (Topic::Moderation, &form.moderation),
    ] {
        // A topic the form did not send (a page from before it existed) keeps its choice.
        if value.is_empty() {
            continue;
        }
        match Mode::parse(value) {
            Some(mode) => choices.push((topic, mode)),
            None => {
                return v.error(&Error::invalid(
                    "notifications",
                    "each choice is immediate, daily or never",
                ));
            }
        }
    }
    match v
        .ctx
        .db
        .transaction(move |conn| {
            for (topic, mode) in choices {
                crate::civic::notifications::set_preference(conn, me, topic, mode)?;
            }
            Ok(())
        })
        .await
    {
        Ok(()) => {
            v.flash("flash-settings-saved").await;
            Redirect::to("/settings#notifications").into_response()
        }
        Err(e) => v.error(&e),
    }
}
