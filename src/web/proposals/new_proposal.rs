//! Proposing: the form (title, summary, text, theme, place and coordinates) and its submission.

use axum::Form;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use crate::civic::proposals::{self, NewProposal};
use crate::error::Error;
use crate::ids::ThemeId;
use crate::model::Theme;
use crate::web::forms::{self, FormErrors, Input};
use crate::web::page_status;
use crate::web::session::Visitor;

#[derive(Deserialize, Default)]
pub struct ProposalForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    latitude: String,
    #[serde(default)]
    longitude: String,
}

async fn themes(v: &Visitor) -> crate::error::Result<Vec<Theme>> {
    let Some(commune) = v.me.as_ref().map(|m| m.account.commune_id) else {
        return Ok(vec![]);
    };
    v.ctx
        .db
        .run(move |conn| crate::civic::debates::themes_of(conn, commune))
        .await
}

async fn new_page(
    v: &Visitor,
    form: &ProposalForm,
    themes: &[Theme],
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let csrf = v.csrf().await;
    let title = lang.t("proposal-new");
    let mut theme_options = vec![(String::new(), lang.t("theme-none"))];
    theme_options.extend(themes.iter().map(|t| (t.id.to_string(), t.name.clone())));
    let options: Vec<(&str, String)> = theme_options
        .iter()
        .map(|(id, name)| (id.as_str(), name.clone()))
        .collect();
    let body = html! {
        h1 { (title) }
        form id="proposal" method="post" action="/proposals" novalidate {
            (errors.summary(lang))
            (forms::csrf(&csrf))
            (forms::input(lang, Input::text("title", lang.t("field-proposal-title"), &form.title)
                .required().maxlength(crate::civic::debates::MAX_TITLE), errors))
            (forms::input(lang, Input::text("summary", lang.t("field-proposal-summary"), &form.summary)
                .required().maxlength(crate::civic::debates::MAX_QUESTION).hint(lang.t("hint-proposal-summary")), errors))
            (forms::textarea(lang, Input::text("body", lang.t("field-proposal-body"), &form.body)
                .maxlength(crate::civic::debates::MAX_BODY).hint(lang.t("hint-markdown")), 10, errors))
            @if !themes.is_empty() {
                (forms::select(lang, "theme", &lang.t("field-theme"), &options, &form.theme, errors))
            }
            (forms::input(lang, Input::text("place", lang.t("field-place"), &form.place)
                .maxlength(proposals::MAX_PLACE).hint(lang.t("hint-place")), errors))
            fieldset id="coordinates" {
                legend { (lang.t("field-coordinates")) }
                (forms::input(lang, Input::text("latitude", lang.t("field-latitude"), &form.latitude), errors))
                (forms::input(lang, Input::text("longitude", lang.t("field-longitude"), &form.longitude), errors))
            }
            button type="submit" { (lang.t("proposal-submit")) }
        }
    };
    page_status(v, &title, body, status).await
}

pub async fn new_form(v: Visitor) -> Response {
    if let Err(r) = v.require_login() {
        return r;
    }
    match themes(&v).await {
        Ok(themes) => {
            new_page(
                &v,
                &ProposalForm::default(),
                &themes,
                &FormErrors::new(),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}

/// Coordinates typed in the form: both or neither.
fn coordinates(form: &ProposalForm) -> Result<Option<(f64, f64)>, Error> {
    let parse = |raw: &str| raw.trim().replace(',', ".").parse::<f64>().ok();
    match (form.latitude.trim(), form.longitude.trim()) {
        ("", "") => Ok(None),
        (lat, lon) => match (parse(lat), parse(lon)) {
            (Some(lat), Some(lon)) if lat.is_finite() && lon.is_finite() => Ok(Some((lat, lon))),
            _ => Err(Error::invalid(
                "coordinates",
                "give both a latitude and a longitude, as decimal numbers",
            )),
        },
    }
}

pub async fn create(v: Visitor, Form(form): Form<ProposalForm>) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let themes = match themes(&v).await {
        Ok(t) => t,
        Err(e) => return v.error(&e),
    };
    let fields = [
        "title",
        "summary",
        "body",
        "theme",
        "place",
        "latitude",
        "longitude",
    ];
    let new = coordinates(&form).and_then(|coordinates| {
        let theme = match form.theme.trim() {
            "" => None,
            t => Some(ThemeId(t.parse().map_err(|_| {
                Error::invalid("theme", "is not a theme of this commune")
            })?)),
        };
        Ok(NewProposal {
            title: form.title.clone(),
            summary: form.summary.clone(),
            body: form.body.clone(),
            theme,
            place: Some(form.place.clone()),
            coordinates,
        })
    });
    let result = match new {
        Ok(new) => {
            let account = me.account.clone();
            v.ctx
                .db
                .transaction(move |conn| proposals::propose(conn, &account, new))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => {
            v.ctx.wake.notify_one();
            v.flash("flash-proposal-published").await;
            Redirect::to(&format!("/proposals/{id}")).into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let e = match e {
                // The two coordinates are one fieldset; the error is shown on the latitude.
                Error::Invalid {
                    field: "coordinates",
                    message,
                } => Error::Invalid {
                    field: "latitude",
                    message,
                },
                Error::Invalid {
                    field: "question",
                    message,
                } => Error::Invalid {
                    field: "summary",
                    message,
                },
                other => other,
            };
            let errors = FormErrors::from_error(v.lang, &e, &fields);
            new_page(
                &v,
                &form,
                &themes,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}
