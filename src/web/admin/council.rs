//! The council on the web: for the commune's admin, its INSEE code, the councillors the register lists (who
//! claimed their profile; confirm an account, or make a one-time claim code), and the officials' mandates
//! (add, change, end); for an official, the page where they enter their claim code. Every change is in the
//! audit log, and the official's actor is sent again.

use axum::extract::Path;

use super::*;
use crate::civic::council::{self, offices::MandateFields};
use crate::ids::{CouncilMemberId, MandateId};

#[derive(Deserialize, Default)]
pub struct CouncilForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    insee: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    office: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    code: String,
}

fn day(field: &'static str, raw: &str) -> Result<Option<chrono::NaiveDate>, Error> {
    match raw.trim() {
        "" => Ok(None),
        raw => chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| Error::invalid(field, "a date as 2026-03-22")),
    }
}

fn fields(form: &CouncilForm) -> Result<MandateFields, Error> {
    Ok(MandateFields {
        office: form.office.clone(),
        governing_body: form.body.clone(),
        since: day("since", &form.since)?
            .ok_or_else(|| Error::invalid("since", "a date as 2026-03-22"))?,
        until: day("mandate_until", &form.until)?,
    })
}

/// `GET /admin/council`: the council and the mandates, for the commune's admin. `code`: a claim code just
/// made, shown once, and for whom.
async fn council_page(v: &Visitor, code: Option<(String, String)>, status: StatusCode) -> Response {
    let me = match v.require_admin() {
        Ok(me) => me.account.clone(),
        Err(r) => return r,
    };
    let lang = v.lang;
    let commune = me.commune_id;
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            Ok((
                council::insee_code(conn, commune)?,
                council::council(conn, commune)?,
                council::offices::of_commune(conn, commune)?,
            ))
        })
        .await;
    let (insee, members, held) = match loaded {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let csrf = v.csrf().await;
    let none = FormErrors::new();
    let title = lang.t("council-admin-title");
    let body = html! {
        h1 { (title) }
        @if let Some((name, code)) = &code {
            div class="notice" id="claim-code" role="status" {
                p { (lang.ta("council-code-made", &[("name", name.clone().into())])) }
                p { strong { code { (code) } } }
            }
        }
        section id="council-insee" {
            h2 { (lang.t("council-insee")) }
            p { (lang.t("council-insee-text")) }
            form id="insee-form" method="post" action="/admin/council/insee" novalidate {
                (forms::csrf(&csrf))
                (forms::input(lang, Input::text("insee", lang.t("field-insee"), insee.as_deref().unwrap_or_default()).required(), &none))
                button type="submit" { (lang.t("settings-save")) }
            }
        }
        section id="council-members" {
            h2 { (lang.t("council-members")) }
            @if members.is_empty() {
                p { (lang.t("council-empty")) }
            } @else {
                table {
                    thead { tr { th scope="col" { (lang.t("council-name")) } th scope="col" { (lang.t("council-function")) } th scope="col" { (lang.t("council-account")) } } }
                    tbody {
                        @for (m, username) in &members {
                            tr {
                                td { (m.full_name()) }
                                td { (function_label(lang, &m.function)) }
                                td {
                                    @match username {
                                        Some(u) => { a href=(format!("/users/{u}")) { "@" (u) } }
                                        None => {
                                            form method="post" action=(format!("/admin/council/{}/confirm", m.id)) class="inline" {
                                                (forms::csrf(&csrf))
                                                label for=(format!("username-{}", m.id)) { (lang.t("council-confirm-label")) }
                                                input type="text" id=(format!("username-{}", m.id)) name="username" autocomplete="off";
                                                button type="submit" { (lang.t("council-confirm")) }
                                            }
                                            form method="post" action=(format!("/admin/council/{}/code", m.id)) class="inline" {
                                                (forms::csrf(&csrf))
                                                button type="submit" class="secondary" { (lang.t("council-make-code")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section id="council-mandates" {
            h2 { (lang.t("council-mandates")) }
            @for (m, username) in &held {
                @let ids = ["office", "body", "since", "until"].map(|f| format!("{f}-{}", m.id));
                form method="post" action=(format!("/admin/mandates/{}", m.id)) class="mandate" novalidate {
                    (forms::csrf(&csrf))
                    fieldset {
                        legend { "@" (username) " · " (m.office) }
                        (forms::input(lang, Input::text(&ids[0], lang.t("field-office"), &m.office).named("office").required(), &none))
                        (forms::input(lang, Input::text(&ids[1], lang.t("field-governing-body"), &m.governing_body).named("body").required(), &none))
                        (forms::input(lang, Input::text(&ids[2], lang.t("field-since"), &m.since.to_string()).named("since").required(), &none))
                        (forms::input(lang, Input::text(&ids[3], lang.t("field-until"), &m.until.map(|u| u.to_string()).unwrap_or_default()).named("until").hint(lang.t("hint-mandate-until")), &none))
                        button type="submit" { (lang.t("council-mandate-save")) }
                    }
                }
            }
            form id="mandate-add" method="post" action="/admin/mandates" novalidate {
                (forms::csrf(&csrf))
                h3 { (lang.t("council-mandate-add")) }
                (forms::input(lang, Input::text("username", lang.t("field-username"), "").required(), &none))
                (forms::input(lang, Input::text("office", lang.t("field-office"), "").required(), &none))
                (forms::input(lang, Input::text("body", lang.t("field-governing-body"), "").required(), &none))
                (forms::input(lang, Input::text("since", lang.t("field-since"), "").required().hint(lang.t("hint-date")), &none))
                (forms::input(lang, Input::text("until", lang.t("field-until"), "").hint(lang.t("hint-mandate-until")), &none))
                button type="submit" { (lang.t("council-mandate-add")) }
            }
        }
    };
    page_status(v, &title, body, status).await
}

/// A function as the register writes it, or the plain councillor's.
pub fn function_label(lang: crate::web::i18n::Lang, function: &str) -> String {
    if function.is_empty() {
        lang.t("council-councillor")
    } else {
        function.to_string()
    }
}

pub async fn council(v: Visitor) -> Response {
    council_page(&v, None, StatusCode::OK).await
}

/// What a council form does.
enum Act {
    Insee,
    Confirm(CouncilMemberId),
    Code(CouncilMemberId),
    AddMandate,
    ChangeMandate(MandateId),
}

async fn act(v: Visitor, form: CouncilForm, act: Act) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_admin() {
        Ok(me) => me.account.clone(),
        Err(r) => return r,
    };
    let made = v
        .ctx
        .db
        .transaction(move |conn| {
            Ok(match act {
                Act::Insee => {
                    council::set_insee(conn, me.commune_id, &form.insee)?;
                    None
                }
                Act::Confirm(id) => {
                    council::confirm_claim(conn, &me, id, &form.username)?;
                    None
                }
                Act::Code(id) => {
                    let code = council::issue_claim_code(conn, &me, id)?;
                    Some((council::member(conn, id)?.full_name(), code))
                }
                Act::AddMandate => {
                    council::offices::add(
                        conn,
                        site::Operator::Admin(&me),
                        &form.username,
                        &fields(&form)?,
                    )?;
                    None
                }
                Act::ChangeMandate(id) => {
                    council::offices::change(conn, &me, id, &fields(&form)?)?;
                    None
                }
            })
        })
        .await;
    match made {
        Ok(Some(code)) => council_page(&v, Some(code), StatusCode::OK).await,
        Ok(None) => {
            v.ctx.wake.notify_one();
            v.flash("flash-settings-saved").await;
            Redirect::to("/admin/council").into_response()
        }
        Err(e) => v.error(&e),
    }
}

pub async fn save_insee(v: Visitor, Form(f): Form<CouncilForm>) -> Response {
    act(v, f, Act::Insee).await
}

pub async fn confirm(v: Visitor, Path(id): Path<i64>, Form(f): Form<CouncilForm>) -> Response {
    act(v, f, Act::Confirm(CouncilMemberId(id))).await
}

pub async fn make_code(v: Visitor, Path(id): Path<i64>, Form(f): Form<CouncilForm>) -> Response {
    act(v, f, Act::Code(CouncilMemberId(id))).await
}

pub async fn add_mandate(v: Visitor, Form(f): Form<CouncilForm>) -> Response {
    act(v, f, Act::AddMandate).await
}

pub async fn change_mandate(
    v: Visitor,
    Path(id): Path<i64>,
    Form(f): Form<CouncilForm>,
) -> Response {
    act(v, f, Act::ChangeMandate(MandateId(id))).await
}

/// `GET /claim`: where an official enters the claim code their commune gave them.
pub async fn claim_form(v: Visitor) -> Response {
    claim_page(&v, &FormErrors::new(), StatusCode::OK).await
}

async fn claim_page(v: &Visitor, errors: &FormErrors, status: StatusCode) -> Response {
    if let Err(r) = v.require_login() {
        return r;
    }
    let lang = v.lang;
    let csrf = v.csrf().await;
    let title = lang.t("claim-title");
    let body = html! {
        h1 { (title) }
        p { (lang.t("claim-text")) }
        (errors.summary(lang))
        form id="claim" method="post" action="/claim" novalidate {
            (forms::csrf(&csrf))
            (forms::input(lang, Input::text("code", lang.t("field-claim-code"), "").required().autocomplete("off"), errors))
            button type="submit" { (lang.t("claim-submit")) }
        }
    };
    page_status(v, &title, body, status).await
}

/// `POST /claim`: the code links the councillor's profile to the visitor's account.
pub async fn claim(v: Visitor, Form(form): Form<CouncilForm>) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me.account.clone(),
        Err(r) => return r,
    };
    let code = form.code.clone();
    let counted = me.clone();
    let done = match v
        .ctx
        .db
        .transaction(move |conn| council::count_claim_attempt(conn, &counted))
        .await
    {
        Ok(()) => {
            v.ctx
                .db
                .transaction(move |conn| council::claim_with_code(conn, &me, &code))
                .await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(_) => {
            v.ctx.wake.notify_one();
            v.flash("flash-claimed").await;
            let home = v.me.as_ref().map_or("/".to_string(), |m| m.actor.path());
            Redirect::to(&home).into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &["code"]);
            claim_page(&v, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => v.error(&e),
    }
}
