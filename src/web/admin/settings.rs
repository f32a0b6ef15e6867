//! The admin's settings of the commune's participation: who opens debates, themes, the proposals'
//! threshold, citizens' polls, residents and roles.

use super::*;

#[derive(Deserialize, Default)]
pub struct DebateSettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    openers: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    resident: String,
    #[serde(default)]
    threshold: String,
    #[serde(default)]
    citizen_polls: String,
    #[serde(default)]
    role: String,
}

/// What the debate settings forms change.
enum DebateSetting {
    Openers,
    AddTheme,
    RemoveTheme(crate::ids::ThemeId),
    Resident,
    Threshold,
    CitizenPolls,
    Role,
}

async fn debate_setting(v: Visitor, form: DebateSettingsForm, what: DebateSetting) -> Response {
    if let Err(refused) = v.check_csrf(&form.csrf).await {
        return refused;
    }
    let me = match v.require_admin() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let account = me.account.clone();
    let result = v
        .ctx
        .db
        .transaction(move |conn| match what {
            DebateSetting::Openers => {
                let openers = crate::model::DebateOpeners::parse(&form.openers)
                    .ok_or_else(|| Error::invalid("openers", "unknown"))?;
                debates::set_openers(conn, &account, openers)
            }
            DebateSetting::AddTheme => debates::add_theme(conn, &account, &form.theme).map(|_| ()),
            DebateSetting::RemoveTheme(id) => debates::remove_theme(conn, &account, id),
            DebateSetting::Threshold => {
                let value = form
                    .threshold
                    .trim()
                    .parse()
                    .map_err(|_| Error::invalid("threshold", "must be a whole number"))?;
                crate::civic::proposals::set_threshold(conn, &account, value)
            }
            DebateSetting::CitizenPolls => {
                crate::civic::polls::set_citizen_polls(conn, &account, form.citizen_polls == "on")
            }
            DebateSetting::Resident => {
                let on = form.resident != "no";
                crate::civic::accounts::set_resident(conn, &account, form.username.trim(), on)
            }
            DebateSetting::Role => {
                let role = crate::model::Role::parse(&form.role)
                    .ok_or_else(|| Error::invalid("role", "unknown"))?;
                crate::civic::council::offices::set_role(conn, &account, &form.username, role)
            }
        })
        .await;
    match result {
        Ok(()) => {
            v.flash("flash-settings-saved").await;
            Redirect::to("/admin#debates").into_response()
        }
        Err(e) => v.error(&e),
    }
}

pub async fn save_openers(v: Visitor, Form(form): Form<DebateSettingsForm>) -> Response {
    debate_setting(v, form, DebateSetting::Openers).await
}

pub async fn add_theme(v: Visitor, Form(form): Form<DebateSettingsForm>) -> Response {
    debate_setting(v, form, DebateSetting::AddTheme).await
}

pub async fn remove_theme(
    v: Visitor,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Form(form): Form<DebateSettingsForm>,
) -> Response {
    debate_setting(v, form, DebateSetting::RemoveTheme(crate::ids::ThemeId(id))).await
}

pub async fn save_threshold(v: Visitor, Form(form): Form<DebateSettingsForm>) -> Response {
    debate_setting(v, form, DebateSetting::Threshold).await
}

pub async fn save_citizen_polls(v: Visitor, Form(form): Form<DebateSettingsForm>) -> Response {
    debate_setting(v, form, DebateSetting::CitizenPolls).await
}

pub async fn set_resident(v: Visitor, Form(form): Form<DebateSettingsForm>) -> Response {
    debate_setting(v, form, DebateSetting::Resident).await
}

pub async fn set_role(v: Visitor, Form(form): Form<DebateSettingsForm>) -> Response {
    debate_setting(v, form, DebateSetting::Role).await
}
