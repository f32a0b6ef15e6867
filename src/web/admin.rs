//! The admin page: the instance's name, description and registration mode, the charter, invitation codes.

use crate::civic::servers::{self, Changer};
use axum::Form;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use crate::civic::debates;
use crate::civic::site::{self, Site};
use crate::error::Error;
use crate::web::forms::{self, FormErrors, Input};
use crate::web::page_status;
use crate::web::session::Visitor;

pub mod council;
mod settings;

pub use settings::{
    DebateSettingsForm, add_theme, remove_theme, save_citizen_polls, save_openers, save_threshold,
    set_resident, set_role,
};

#[derive(Deserialize, Default)]
pub struct InstanceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    registration: String,
}

#[derive(Deserialize, Default)]
pub struct CharterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    charter: String,
}

#[derive(Deserialize, Default)]
pub struct CommuneForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    description: String,
}

/// The commune's clocks and the language it speaks to other servers in.
#[derive(Deserialize, Default)]
pub struct ClockForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    timezone: String,
    #[serde(default)]
    language: String,
}

#[derive(Deserialize, Default)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    /// Where to send the invitation; empty: the code is only shown here.
    #[serde(default)]
    email: String,
}

/// Which form the errors (and kept input) belong to.
enum Submitted<'a> {
    Nothing,
    Instance(&'a InstanceForm, FormErrors),
    Charter(&'a CharterForm, FormErrors),
    Commune(&'a CommuneForm, FormErrors),
    Clock(&'a ClockForm, FormErrors),
}

async fn admin_page(v: &Visitor, submitted: Submitted<'_>, status: StatusCode) -> Response {
    let lang = v.lang;
    let none = FormErrors::new();
    let commune = v.me.as_ref().map(|m| m.account.commune_id);
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            let invites = site::open_invites(conn)?;
            let debate_settings = match commune {
                Some(c) => Some((
                    debates::openers(conn, c)?,
                    debates::themes_of(conn, c)?,
                    crate::civic::proposals::threshold(conn, c)?,
                    crate::civic::polls::citizen_polls(conn, c)?,
                )),
                None => None,
            };
            let policy = crate::federation::policy::Policy::load(conn, &[])?;
            let presentation = match commune {
                Some(c) => Some((
                    crate::db::queries::actor_by_id(conn, c)?,
                    crate::civic::meetings::timezone(conn, c)?,
                    crate::civic::meetings::language(conn, c)?,
                )),
                None => None,
            };
            Ok((invites, debate_settings, policy, presentation))
        })
        .await;
    let (invites, debate_settings, policy, presentation) = match loaded {
        Ok(i) => i,
        Err(e) => return v.error(&e),
    };
    let current = InstanceForm {
        csrf: String::new(),
        name: v.site.name.clone(),
        description: v.site.description.clone(),
        registration: site::registration_name(v.site.registration).to_string(),
    };
    let current_charter = CharterForm {
        csrf: String::new(),
        charter: v
            .charter
            .as_ref()
            .map(|c| c.body.clone())
            .unwrap_or_default(),
    };
    let (instance, instance_errors) = match &submitted {
        Submitted::Instance(form, errors) => (*form, errors),
        _ => (&current, &none),
    };
    let (charter, charter_errors) = match &submitted {
        Submitted::Charter(form, errors) => (*form, errors),
        _ => (&current_charter, &none),
    };
    let current_commune = CommuneForm {
        csrf: String::new(),
        description: presentation
            .as_ref()
            .map(|(c, _, _)| c.summary.clone())
            .unwrap_or_default(),
    };
    let current_clock = ClockForm {
        csrf: String::new(),
        timezone: presentation
            .as_ref()
            .map(|(_, tz, _)| tz.name().to_string())
            .unwrap_or_default(),
        language: presentation
            .as_ref()
            .map(|(_, _, l)| l.as_str().to_string())
            .unwrap_or_default(),
    };
    let (clock, clock_errors) = match &submitted {
        Submitted::Clock(form, errors) => (*form, errors),
        _ => (&current_clock, &none),
    };
    let presentation = presentation.map(|(c, _, _)| c);
    let languages = [
        ("fr", "Français".to_string()),
        ("en", "English".to_string()),
    ];
    let (commune_form, commune_errors) = match &submitted {
        Submitted::Commune(form, errors) => (*form, errors),
        _ => (&current_commune, &none),
    };
    let modes = [
        ("open", lang.t("registration-open")),
        ("invite", lang.t("registration-invite")),
        ("closed", lang.t("registration-closed")),
    ];
    let csrf = v.csrf().await;
    let title = lang.t("admin-title");
    let body = html! {
        h1 { (title) }
        section aria-labelledby="instance-heading" {
            h2 id="instance-heading" { (lang.t("admin-instance")) }
            form id="instance" method="post" action="/admin" novalidate {
                (instance_errors.summary(lang))
                (forms::csrf(&csrf))
                (forms::input(lang, Input::text("name", lang.t("field-instance-name"), &instance.name)
                    .required().maxlength(100), instance_errors))
                (forms::textarea(lang, Input::text("description", lang.t("field-instance-description"), &instance.description)
                    .maxlength(2000), 3, instance_errors))
                (forms::select(lang, "registration", &lang.t("field-registration"), &modes, &instance.registration, instance_errors))
                button type="submit" { (lang.t("settings-save")) }
            }
        }
        @if let Some(commune) = &presentation {
            section aria-labelledby="commune-admin-heading" id="commune" {
                h2 id="commune-admin-heading" { (lang.ta("admin-commune", &[("name", commune.display_name.clone().into())])) }
                p { (lang.t("admin-commune-text")) }
                p { a href="/admin/council" id="council-link" { (lang.t("council-admin-title")) } }
                form id="commune-description" method="post" action="/admin/commune" novalidate {
                    (commune_errors.summary(lang))
                    (forms::csrf(&csrf))
                    (forms::textarea(lang, Input::text("description", lang.t("field-commune-description"), &commune_form.description)
                        .maxlength(crate::civic::communes::MAX_DESCRIPTION).hint(lang.t("hint-markdown")), 6, commune_errors))
                    button type="submit" { (lang.t("settings-save")) }
                }
                @if let Some(icon) = &commune.icon_url {
                    img class="avatar" src=(icon) alt=(lang.t("admin-commune-icon-current")) width="96" height="96";
                }
                form id="commune-clock" method="post" action="/admin/commune/clock" novalidate {
                    (clock_errors.summary(lang))
                    (forms::csrf(&csrf))
                    (forms::input(lang, Input::text("timezone", lang.t("field-commune-timezone"), &clock.timezone)
                        .required().hint(lang.t("hint-commune-timezone")), clock_errors))
                    (forms::select(lang, "language", &lang.t("field-commune-language"), &languages, &clock.language, clock_errors))
                    button type="submit" { (lang.t("settings-save")) }
                }
                form id="commune-icon" method="post" action="/admin/commune/icon" enctype="multipart/form-data" novalidate {
                    (forms::csrf(&csrf))
                    label for="icon" { (lang.t("field-commune-icon")) }
                    input type="file" id="icon" name="icon" accept="image/jpeg,image/png,image/webp" required;
                    p class="hint" { (lang.t("hint-commune-icon")) }
                    button type="submit" { (lang.t("admin-commune-icon-submit")) }
                }
            }
        }
        section aria-labelledby="charter-admin-heading" {
            h2 id="charter-admin-heading" { (lang.t("admin-charter")) }
            @if let Some(c) = &v.charter {
                p { (lang.ta("charter-version", &[("version", c.version.into()), ("date", lang.date(c.created_at.date()).into())])) }
            }
            p { (lang.t("admin-charter-text")) }
            form id="charter-edit" method="post" action="/admin/charter" novalidate {
                (charter_errors.summary(lang))
                (forms::csrf(&csrf))
                (forms::textarea(lang, Input::text("charter", lang.t("field-charter"), &charter.charter)
                    .required().maxlength(site::MAX_CHARTER), 12, charter_errors))
                button type="submit" { (lang.t("admin-charter-submit")) }
            }
        }
        section aria-labelledby="federation-admin-heading" id="federation" {
            h2 id="federation-admin-heading" { (lang.t("admin-federation")) }
            form id="federation-mode" method="post" action="/admin/federation/mode" {
                (forms::csrf(&csrf))
                (forms::select(lang, "mode", &lang.t("field-federation-mode"), &[
                    ("open", lang.t("federation-mode-open")),
                    ("allowlist", lang.t("federation-mode-allowlist")),
                    ("closed", lang.t("federation-mode-closed")),
                ], policy.mode.as_str(), &none))
                (forms::checkbox(lang, "residents_only", &lang.t("field-private-space"), "on", policy.private, &none))
                p class="hint" { (lang.t("hint-private-space")) }
                button type="submit" { (lang.t("settings-save")) }
            }
            @if !policy.rules.is_empty() {
                ul class="rules" {
                    @for (domain, rule) in &policy.rules {
                        li {
                            (lang.t(&format!("federation-rule-{rule}"))) " : " strong { (domain) } " "
                            form method="post" action="/admin/federation/rules" class="inline" {
                                (forms::csrf(&csrf))
                                input type="hidden" name="domain" value=(domain);
                                input type="hidden" name="rule" value="none";
                                button type="submit" class="link" { (lang.ta("federation-rule-remove", &[("name", domain.clone().into())])) }
                            }
                        }
                    }
                }
            }
            form id="federation-rule" method="post" action="/admin/federation/rules" {
                (forms::csrf(&csrf))
                (forms::input(lang, Input::text("domain", lang.t("field-domain"), "").hint(lang.t("hint-domain")), &none))
                (forms::select(lang, "rule", &lang.t("field-rule"), &[
                    ("allow", lang.t("federation-rule-allow")),
                    ("silence", lang.t("federation-rule-silence")),
                    ("block", lang.t("federation-rule-block")),
                ], "block", &none))
                button type="submit" { (lang.t("federation-rule-add")) }
            }
            form id="federation-partner" method="post" action="/admin/federation/partners" {
                (forms::csrf(&csrf))
                (forms::input(lang, Input::text("domain", lang.t("field-partner"), "").hint(lang.t("hint-partner")), &none))
                button type="submit" name="rule" value="add" { (lang.t("partner-add")) }
                " "
                button type="submit" name="rule" value="remove" class="secondary" { (lang.t("partner-remove")) }
            }
        }
        @if let Some((openers, themes, threshold, citizen_polls)) = &debate_settings {
            section aria-labelledby="debates-admin-heading" id="debates" {
                h2 id="debates-admin-heading" { (lang.t("admin-debates")) }
                form id="openers" method="post" action="/admin/debates" {
                    (forms::csrf(&csrf))
                    (forms::select(lang, "openers", &lang.t("field-openers"), &[
                        ("officials", lang.t("openers-officials")),
                        ("residents", lang.t("openers-residents")),
                        ("accounts", lang.t("openers-accounts")),
                        ("everyone", lang.t("openers-everyone")),
                    ], openers.as_str(), &none))
                    button type="submit" { (lang.t("settings-save")) }
                }
                form id="threshold" method="post" action="/admin/proposals" {
                    (forms::csrf(&csrf))
                    (forms::input(lang, Input::text("threshold", lang.t("field-threshold"), &threshold.to_string())
                        .kind("number").hint(lang.t("hint-threshold")), &none))
                    button type="submit" { (lang.t("settings-save")) }
                }
                form id="citizen-polls" method="post" action="/admin/polls" {
                    (forms::csrf(&csrf))
                    (forms::checkbox(lang, "citizen_polls", &lang.t("field-citizen-polls"), "on", *citizen_polls, &none))
                    button type="submit" { (lang.t("settings-save")) }
                }
                h3 { (lang.t("field-themes")) }
                @if !themes.is_empty() {
                    ul class="themes" {
                        @for t in themes {
                            li {
                                (t.name) " "
                                form method="post" action=(format!("/admin/themes/{}/delete", t.id)) class="inline" {
                                    (forms::csrf(&csrf))
                                    button type="submit" class="link" { (lang.ta("admin-theme-remove", &[("name", t.name.clone().into())])) }
                                }
                            }
                        }
                    }
                }
                form id="theme-add" method="post" action="/admin/themes" novalidate {
                    (forms::csrf(&csrf))
                    (forms::input(lang, Input::text("theme", lang.t("field-theme-new"), "")
                        .maxlength(debates::MAX_THEME), &none))
                    button type="submit" { (lang.t("admin-theme-add")) }
                }
                h3 { (lang.t("admin-residents")) }
                p { (lang.t("admin-residents-text")) " " a href="/residents" id="residents-link" { (lang.t("residents-title")) } }
                form id="resident" method="post" action="/admin/residents" novalidate {
                    (forms::csrf(&csrf))
                    (forms::input(lang, Input::text("username", lang.t("field-username"), ""), &none))
                    (forms::select(lang, "resident", &lang.t("field-resident"), &[
                        ("yes", lang.t("resident-yes")),
                        ("no", lang.t("resident-no")),
                    ], "yes", &none))
                    button type="submit" { (lang.t("settings-save")) }
                }
                h3 { (lang.t("admin-roles")) }
                p { (lang.t("admin-roles-text")) }
                form id="role" method="post" action="/admin/roles" novalidate {
                    (forms::csrf(&csrf))
                    (forms::input(lang, Input::text("username", lang.t("field-username"), ""), &none))
                    (forms::select(lang, "role", &lang.t("field-role"),
                        &crate::model::Role::ALL.iter().map(|r| (r.as_str(), lang.t(&format!("role-{}", r.as_str())))).collect::<Vec<_>>(),
                        "agent", &none))
                    button type="submit" { (lang.t("settings-save")) }
                }
            }
        }
        section aria-labelledby="invites-heading" id="invites" {
            h2 id="invites-heading" { (lang.t("admin-invites")) }
            form id="invite" method="post" action="/admin/invites" novalidate {
                (forms::csrf(&csrf))
                (forms::input(lang, Input::text("email", lang.t("field-invite-email"), "")
                    .kind("email").autocomplete("off").maxlength(254).hint(lang.t("hint-invite-email")), &none))
                button type="submit" { (lang.t("admin-invite-submit")) }
            }
            @if invites.is_empty() {
                p { (lang.t("admin-invites-none")) }
            } @else {
                ul class="invites" {
                    @for invite in &invites {
                        li {
                            code class="invite-code" { (invite.code) }
                            " — "
                            (lang.ta("admin-invite-expires", &[("date", lang.date(invite.expires_at.date()).into())]))
                            " — "
                            a href=(format!("/register?invite={}", invite.code)) { (lang.t("admin-invite-link")) }
                        }
                    }
                }
            }
        }
    };
    page_status(v, &title, body, status).await
}

pub async fn page(v: Visitor) -> Response {
    if let Err(r) = v.require_admin() {
        return r;
    }
    admin_page(&v, Submitted::Nothing, StatusCode::OK).await
}

pub async fn save_settings(v: Visitor, Form(form): Form<InstanceForm>) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_admin() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let result = match site::parse_registration(&form.registration) {
        Some(registration) => {
            let new = Site {
                name: form.name.clone(),
                description: form.description.clone(),
                registration,
            };
            site::update(&v.ctx.db, &me.account, new).await
        }
        None => Err(Error::invalid(
            "registration",
            "must be open, invite or closed",
        )),
    };
    match result {
        Ok(()) => {
            v.flash("flash-settings-saved").await;
            Redirect::to("/admin").into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors =
                FormErrors::from_error(v.lang, &e, &["name", "description", "registration"]);
            admin_page(
                &v,
                Submitted::Instance(&form, errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}

pub async fn save_charter(v: Visitor, Form(form): Form<CharterForm>) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_admin() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    match site::publish_charter(&v.ctx.db, site::Operator::Admin(&me.account), &form.charter).await
    {
        Ok(_) => {
            v.flash("flash-charter-published").await;
            Redirect::to("/admin").into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &["charter"]);
            admin_page(
                &v,
                Submitted::Charter(&form, errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}

pub async fn create_invite(v: Visitor, Form(form): Form<InviteForm>) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_admin() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let result = if form.email.trim().is_empty() {
        site::create_invite(&v.ctx.db, site::Operator::Admin(&me.account)).await
    } else {
        let language = v.ctx.settings.instance.languages.first().cloned();
        site::send_invite(
            &v.ctx.db,
            site::Operator::Admin(&me.account),
            v.ctx.urls.base(),
            &v.site.name,
            language.as_deref(),
            &form.email,
        )
        .await
    };
    match result {
        Ok(_) if form.email.trim().is_empty() => {
            v.flash("flash-invite-created").await;
            Redirect::to("/admin#invites").into_response()
        }
        Ok(_) => {
            v.ctx.mail_wake.notify_one();
            v.flash("flash-invite-sent").await;
            Redirect::to("/admin#invites").into_response()
        }
        Err(e) => v.error(&e),
    }
}

#[derive(Deserialize, Default)]
pub struct FederationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    domain: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    residents_only: String,
}

/// The admin changes the federation mode, or a rule on a server (`rule=none` removes it).
async fn federation_change(v: Visitor, form: FederationForm, mode: bool) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let by = match v.require_admin() {
        Ok(me) => Changer::Admin(me.account.clone()),
        Err(r) => return r,
    };
    let result = v
        .ctx
        .db
        .transaction(move |conn| {
            if mode {
                let mode = crate::model::FederationMode::parse(&form.mode)
                    .ok_or_else(|| Error::invalid("mode", "open, allowlist or closed"))?;
                servers::set_mode_and_privacy(conn, &by, mode, form.residents_only == "on")
            } else {
                let rule = match form.rule.as_str() {
                    "none" => None,
                    other => Some(
                        crate::model::ServerRule::parse(other)
                            .ok_or_else(|| Error::invalid("rule", "allow, silence or block"))?,
                    ),
                };
                servers::set_rule(conn, &by, &form.domain, rule).map(|_| ())
            }
        })
        .await;
    match result {
        Ok(()) => {
            v.ctx.policy.invalidate();
            v.flash("flash-settings-saved").await;
            Redirect::to("/admin#federation").into_response()
        }
        Err(e) => v.error(&e),
    }
}

/// Partners with a neighbouring commune's server (`rule=add`), or ends it (`rule=remove`).
pub async fn save_partner(v: Visitor, Form(form): Form<FederationForm>) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let by = match v.require_admin() {
        Ok(me) => Changer::Admin(me.account.clone()),
        Err(r) => return r,
    };
    let result = if form.rule == "remove" {
        crate::federation::policy::partner_remove(&v.ctx, &by, &form.domain)
            .await
            .map(|_| ())
    } else {
        crate::federation::policy::partner_add(&v.ctx, &by, &form.domain)
            .await
            .map(|_| ())
    };
    match result {
        Ok(()) => {
            v.flash("flash-settings-saved").await;
            Redirect::to("/admin#federation").into_response()
        }
        Err(e) => v.error(&e),
    }
}

pub async fn save_federation_mode(v: Visitor, Form(form): Form<FederationForm>) -> Response {
    federation_change(v, form, true).await
}

pub async fn save_federation_rule(v: Visitor, Form(form): Form<FederationForm>) -> Response {
    federation_change(v, form, false).await
}

/// The commune's description, shown on its page and sent with its `Group`.
pub async fn save_commune(v: Visitor, Form(form): Form<CommuneForm>) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_admin() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let account = me.account.clone();
    let description = form.description.clone();
    let result = v
        .ctx
        .db
        .transaction(move |conn| {
            crate::civic::communes::set_description(conn, &account, &description)
        })
        .await;
    match result {
        Ok(()) => {
            v.ctx.wake.notify_one();
            v.flash("flash-settings-saved").await;
            Redirect::to("/admin#commune").into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &["description"]);
            admin_page(
                &v,
                Submitted::Commune(&form, errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}

/// `POST /admin/commune/clock`: the commune's time zone and the language it speaks to other servers in.
pub async fn save_clock(v: Visitor, Form(form): Form<ClockForm>) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_admin() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let account = me.account.clone();
    let (zone, language) = (form.timezone.clone(), form.language.clone());
    let result = v
        .ctx
        .db
        .transaction(move |conn| {
            crate::civic::meetings::set_clock(conn, &account, &zone, &language)
        })
        .await;
    match result {
        Ok(()) => {
            v.flash("flash-settings-saved").await;
            Redirect::to("/admin#commune").into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &["timezone", "language"]);
            admin_page(
                &v,
                Submitted::Clock(&form, errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}

/// The commune's icon (`icon` of its `Group`): a PNG or JPEG, made into a PNG of at most 400 pixels a side.
pub async fn upload_icon(v: Visitor, multipart: axum::extract::Multipart) -> Response {
    let (csrf, bytes) = match crate::web::accounts::read_picture(multipart, "icon").await {
        Ok(read) => read,
        Err(e) => return v.error(&e),
    };
    if let Err(refused) = v.check_csrf(&csrf).await {
        return refused;
    }
    let me = match v.require_admin() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let (db, account) = (v.ctx.db.clone(), me.account.clone());
    let result = crate::web::accounts::store_picture(&v, bytes, move |url| async move {
        db.transaction(move |conn| crate::civic::communes::set_icon(conn, &account, Some(&url)))
            .await
    })
    .await;
    match result {
        Ok(()) => {
            v.ctx.wake.notify_one();
            v.flash("flash-settings-saved").await;
            Redirect::to("/admin#commune").into_response()
        }
        Err(e) => v.error(&e),
    }
}
