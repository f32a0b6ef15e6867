//! The language switch: a cookie for visitors, the account's setting for signed-in people.

use axum::Form;
use axum::extract::Query;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::civic::profile;
use crate::error::Error;
use crate::web::i18n::Lang;
use crate::web::session::{LANG_COOKIE, Visitor, safe_next};

#[derive(Deserialize, Default)]
pub struct LanguageChoice {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    next: Option<String>,
}

pub(super) fn with_lang_cookie(lang: Lang, next: Option<&str>) -> Response {
    let mut response = Redirect::to(&safe_next(next)).into_response();
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
        lang.code()
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The switch for visitors: a link that sets a cookie and comes back.
pub async fn language_link(v: Visitor, Query(choice): Query<LanguageChoice>) -> Response {
    match Lang::parse(&choice.lang) {
        Some(lang) => with_lang_cookie(lang, choice.next.as_deref()),
        None => v.error(&Error::invalid("lang", "must be fr or en")),
    }
}

/// The switch for signed-in people: saved in the account.
pub async fn language_form(v: Visitor, Form(choice): Form<LanguageChoice>) -> Response {
    if let Err(refused) = v.check_csrf(&choice.csrf).await {
        return refused;
    }
    let Some(lang) = Lang::parse(&choice.lang) else {
        return v.error(&Error::invalid("lang", "must be fr or en"));
    };
    if let Some(me) = &v.me
        && let Err(e) = profile::set_language(&v.ctx.db, me.actor.id, lang.code()).await
    {
        return v.error(&e);
    }
    with_lang_cookie(lang, choice.next.as_deref())
}
