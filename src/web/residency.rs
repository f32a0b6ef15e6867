//! Residency on the web: the person's own page (whether and how they are verified, and where to type the
//! code of a letter), and the staff's page (verify someone seen in person, withdraw it, the current
//! verifications; for the admin, a mailing of letter codes as a file for a mail merge).

use axum::Form;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::civic::residency;
use crate::error::Error;
use crate::model::{Role, Verification};
use crate::web::forms::{self, FormErrors, Input};
use crate::web::i18n::Lang;
use crate::web::page_status;
use crate::web::session::Visitor;

fn method_label(lang: Lang, v: &Verification) -> String {
    lang.t(&format!("residency-method-{}", v.method.as_str()))
}

fn described(lang: Lang, v: &Verification) -> Markup {
    html! {
        (lang.ta("residency-verified", &[
            ("method", method_label(lang, v).into()),
            ("date", lang.datetime(v.verified_at).into()),
        ]))
        @if let Some(until) = v.expires_at { " " (lang.ta("residency-until", &[("date", lang.datetime(until).into())])) }
    }
}

#[derive(Deserialize, Default)]
pub struct ResidencyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    expires: String,
    #[serde(default)]
    resident: String,
    #[serde(default)]
    addresses: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    address: String,
}

/// `GET /residency`: whether the visitor is verified, and the letter form.
pub async fn mine(v: Visitor) -> Response {
    own_page(&v, &FormErrors::new(), StatusCode::OK).await
}

async fn own_page(v: &Visitor, errors: &FormErrors, status: StatusCode) -> Response {
    let me = match v.require_login() {
        Ok(me) => me.account.actor_id,
        Err(r) => return r,
    };
    let lang = v.lang;
    let found = match v
        .ctx
        .db
        .run(move |conn| {
            Ok((
                residency::current(conn, me)?,
                crate::civic::identities::of_account(conn, me)?,
            ))
        })
        .await
    {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let (found, identities) = found;
    let oidc = &v.ctx.settings.oidc;
    let linked = identities
        .iter()
        .find(|(issuer, _)| *issuer == oidc.issuer)
        .map(|(_, at)| *at);
    let csrf = v.csrf().await;
    let title = lang.t("residency-title");
    let body = html! {
        h1 { (title) }
        p id="residency-state" {
            @match &found {
                Some(verified) => { (described(lang, verified)) }
                None => { (lang.t("residency-none")) }
            }
        }
        p { (lang.t("residency-what")) }
        p { (lang.t("residency-counts-kept")) }
        @if v.ctx.oidc.is_some() && oidc.verifies_residency() {
            h2 { (lang.ta("residency-provider", &[("provider", oidc.name.clone().into())])) }
            p { (lang.ta("residency-provider-text", &[("provider", oidc.name.clone().into())])) }
            p { a id="residency-provider" class="button" href="/oidc/start?for=verify" {
                (lang.ta("residency-provider-submit", &[("provider", oidc.name.clone().into())]))
            } }
        }
        @if let Some(at) = linked {
            p id="residency-linked" { (lang.ta("residency-provider-linked", &[("provider", oidc.name.clone().into()), ("date", lang.datetime(at).into())])) }
            form id="oidc-unlink" method="post" action="/oidc/unlink" {
                (forms::csrf(&csrf))
                button type="submit" class="link" { (lang.t("residency-provider-unlink")) }
            }
        }
        h2 { (lang.t("residency-letter")) }
        (errors.summary(lang))
        form id="residency-letter" method="post" action="/residency/letter" novalidate {
            (forms::csrf(&csrf))
            (forms::input(lang, Input::text("code", lang.t("field-letter-code"), "").required().autocomplete("off"), errors))
            button type="submit" { (lang.t("residency-letter-submit")) }
        }
        h2 { (lang.t("residency-list")) }
        p { (lang.t("residency-list-text")) }
        form id="residency-list" method="post" action="/residency/list" novalidate {
            (forms::csrf(&csrf))
            (forms::input(lang, Input::text("family_name", lang.t("field-family-name"), "").required().autocomplete("family-name"), errors))
            (forms::input(lang, Input::text("given_name", lang.t("field-given-name"), "").required().autocomplete("given-name"), errors))
            (forms::input(lang, Input::text("birth_date", lang.t("field-birth-date"), "").required().hint(lang.t("hint-birth-date")).autocomplete("bday"), errors))
            (forms::input(lang, Input::text("address", lang.t("field-postal-address"), "").required().autocomplete("street-address"), errors))
            button type="submit" { (lang.t("residency-list-submit")) }
        }
    };
    page_status(v, &title, body, status).await
}

/// `POST /residency/letter`: the code of the letter received.
pub async fn letter(v: Visitor, Form(form): Form<ResidencyForm>) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me.account.clone(),
        Err(r) => return r,
    };
    let counted = me.clone();
    let code = form.code.clone();
    let done = match v
        .ctx
        .db
        .transaction(move |conn| residency::count_letter_attempt(conn, &counted))
        .await
    {
        Ok(()) => {
            v.ctx
                .db
                .transaction(move |conn| residency::by_letter(conn, &me, &code))
                .await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Redirect::to("/residency").into_response(),
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &["code"]);
            own_page(&v, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => v.error(&e),
    }
}

/// `POST /residency/list`: found on the town's list (what was typed is compared, then forgotten).
pub async fn list(v: Visitor, Form(form): Form<ResidencyForm>) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me.account.clone(),
        Err(r) => return r,
    };
    let secret = match residency::list::secret(&v.ctx.settings.server.data_dir) {
        Ok(secret) => secret,
        Err(e) => return v.error(&e),
    };
    let who = residency::list::Identity {
        family_name: form.family_name.clone(),
        given_name: form.given_name.clone(),
        birth_date: form.birth_date.clone(),
        address: form.address.clone(),
    };
    let counted = me.clone();
    let done = match v
        .ctx
        .db
        .transaction(move |conn| residency::list::count_list_attempt(conn, &counted))
        .await
    {
        Ok(()) => {
            v.ctx
                .db
                .transaction(move |conn| residency::list::by_list(conn, &me, &secret, &who))
                .await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Redirect::to("/residency").into_response(),
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &["birth_date", "identity"]);
            own_page(&v, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => v.error(&e),
    }
}

/// `GET /residents`: for the commune's staff.
pub async fn staff(v: Visitor) -> Response {
    let me = match v.require_login() {
        Ok(me) => me.account.clone(),
        Err(r) => return r,
    };
    let lang = v.lang;
    let admin = me.role == Role::Admin;
    let list = match v
        .ctx
        .db
        .run(move |conn| residency::of_commune(conn, &me))
        .await
    {
        Ok(list) => list,
        Err(e) => return v.error(&e),
    };
    let csrf = v.csrf().await;
    let none = FormErrors::new();
    let title = lang.t("residents-title");
    let body = html! {
        h1 { (title) }
        p { (lang.t("residents-text")) }
        form id="residents-verify" method="post" action="/residents" novalidate {
            (forms::csrf(&csrf))
            (forms::input(lang, Input::text("username", lang.t("field-username"), "").required(), &none))
            (forms::input(lang, Input::text("expires", lang.t("field-residency-expires"), "").hint(lang.t("hint-residency-expires")), &none))
            (forms::select(lang, "resident", &lang.t("field-residency-decision"), &[("yes", lang.t("residency-verify")), ("no", lang.t("residency-withdraw"))], "yes", &none))
            button type="submit" { (lang.t("settings-save")) }
        }
        h2 { (lang.t("residents-current")) }
        @if list.is_empty() {
            p { (lang.t("residents-none")) }
        } @else {
            ul id="residents" {
                @for (verified, username) in &list {
                    li { "@" (username) " · " (described(lang, verified)) }
                }
            }
        }
        @if admin {
            h2 { (lang.t("residents-letters")) }
            p { (lang.t("residents-letters-text")) }
            form id="residents-letters" method="post" action="/residents/letters" novalidate {
                (forms::csrf(&csrf))
                (forms::textarea(lang, Input::text("addresses", lang.t("field-addresses"), "").required(), 8, &none))
                button type="submit" { (lang.t("residents-letters-make")) }
            }
        }
    };
    page_status(&v, &title, body, StatusCode::OK).await
}

/// `POST /residents`: a staff member verifies someone seen in person (until a date, if given), or
/// withdraws it.
pub async fn verify(v: Visitor, Form(form): Form<ResidencyForm>) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me.account.clone(),
        Err(r) => return r,
    };
    let expires = match form.expires.trim() {
        "" => Ok(None),
        raw => chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map(|d| d.and_hms_opt(23, 59, 59))
            .map_err(|_| Error::invalid("expires", "a date as 2027-06-30")),
    };
    let resident = form.resident != "no";
    let username = form.username.clone();
    let done = match expires {
        Ok(expires) => {
            v.ctx
                .db
                .transaction(move |conn| {
                    residency::by_staff(conn, &me, &username, resident, expires)
                })
                .await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Redirect::to("/residents").into_response(),
        Err(e) => v.error(&e),
    }
}

/// `POST /residents/letters`: one code per address, as a file for a mail merge
/// (`address;code`, UTF-8 with a BOM so that spreadsheets read its accents).
pub async fn letters(v: Visitor, Form(form): Form<ResidencyForm>) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me.account.clone(),
        Err(r) => return r,
    };
    let addresses: Vec<String> = form
        .addresses
        .lines()
        .map(|l| l.replace(';', ","))
        .collect();
    let made = v
        .ctx
        .db
        .transaction(move |conn| residency::letter_codes(conn, &me, &addresses))
        .await;
    match made {
        Ok(pairs) => {
            let mut csv = String::from("\u{feff}adresse;code\r\n");
            for (address, code) in pairs {
                csv.push_str(&format!("{address};{code}\r\n"));
            }
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"residency-letters.csv\"",
                    ),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                csv,
            )
                .into_response()
        }
        Err(e) => v.error(&e),
    }
}
