//! Writing a post: the form (text, visibility, and for those who speak for the commune, in its name) and what
//! it posts.

use axum::Form;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use crate::civic::notes;
use crate::error::Error;
use crate::model::Visibility;
use crate::web::forms::{self, FormErrors, Input};
use crate::web::page_status;
use crate::web::session::Visitor;

#[derive(Deserialize, Default)]
pub struct PostForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    visibility: String,
    #[serde(default)]
    as_commune: Option<String>,
}

async fn post_page(
    v: &Visitor,
    form: &PostForm,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let Some(me) = &v.me else {
        return Redirect::to("/login?next=/post").into_response();
    };
    let csrf = v.csrf().await;
    let title = lang.t("post-title");
    let visibilities = [
        ("public", lang.t("visibility-public")),
        ("unlisted", lang.t("visibility-unlisted")),
        ("private", lang.t("visibility-private")),
    ];
    let speaks_for_commune = crate::civic::accounts::speaks_for_commune(&me.account);
    let selected = if form.visibility.is_empty() {
        "public"
    } else {
        form.visibility.as_str()
    };
    let body = html! {
        h1 { (title) }
        form id="post" method="post" action="/post" novalidate {
            (errors.summary(lang))
            (forms::csrf(&csrf))
            (forms::textarea(lang, Input::text("content", lang.t("field-content"), &form.content)
                .required().maxlength(notes::MAX_CHARS).hint(lang.t("hint-content")), 6, errors))
            (forms::select(lang, "visibility", &lang.t("field-visibility"), &visibilities, selected, errors))
            @if speaks_for_commune {
                (forms::checkbox(lang, "as_commune", &lang.t("field-as-commune"), "yes", form.as_commune.is_some(), errors))
            }
            button type="submit" { (lang.t("post-submit")) }
        }
    };
    page_status(v, &title, body, status).await
}

pub async fn post_form(v: Visitor) -> Response {
    if let Err(r) = v.require_login() {
        return r;
    }
    post_page(&v, &PostForm::default(), &FormErrors::new(), StatusCode::OK).await
}

pub async fn post(v: Visitor, Form(form): Form<PostForm>) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let visibility = match form.visibility.as_str() {
        "" | "public" => Visibility::Public,
        "unlisted" => Visibility::Unlisted,
        "private" => Visibility::Private,
        _ => {
            let errors = FormErrors::from_error(
                v.lang,
                &Error::invalid("visibility", "unknown"),
                &["visibility"],
            );
            return post_page(&v, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let text = form.content.clone();
    let as_commune = form.as_commune.is_some();
    let account = me.account.clone();
    let result = v
        .ctx
        .db
        .transaction(move |conn| {
            let author = notes::voice(&account, as_commune)?;
            notes::publish(conn, author, &text, visibility, None)
        })
        .await;
    match result {
        Ok(note) => {
            v.ctx.wake.notify_one();
            v.flash("flash-posted").await;
            Redirect::to(&format!("/notes/{}", note.id)).into_response()
        }
        Err(e @ (Error::Invalid { .. } | Error::Forbidden(_))) => {
            let e = match e {
                Error::Invalid {
                    field: "status",
                    message,
                } => Error::Invalid {
                    field: "content",
                    message,
                },
                other => other,
            };
            let errors = FormErrors::from_error(v.lang, &e, &["content", "visibility"]);
            post_page(&v, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => v.error(&e),
    }
}
