//! The commune's Open311 client apps, for its admin: each app's API key (shown once, when it is created),
//! and its revocation.

use super::*;
use crate::ids::Open311ClientId;

/// `GET /admin/open311`: the commune's apps and the form that gives one a key.
pub async fn open311_page(v: Visitor) -> Response {
    open311_page_with(&v, None, &FormErrors::new(), StatusCode::OK).await
}

async fn open311_page_with(
    v: &Visitor,
    new_key: Option<(String, String)>,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let me = match v.require_admin() {
        Ok(me) => me.clone(),
        Err(r) => return r,
    };
    let lang = v.lang;
    let commune = me.account.commune_id;
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            Ok((
                crate::civic::open311::clients(conn, commune)?,
                queries::actor_by_id(conn, commune)?,
            ))
        })
        .await;
    let (clients, commune) = match loaded {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let csrf = v.csrf().await;
    let endpoint = v
        .ctx
        .urls
        .base()
        .join("/open311/v2/")
        .map(|u| u.to_string())
        .unwrap_or_default();
    let title = lang.t("admin-open311");
    let body = html! {
        h1 { (title) }
        p { (lang.t("admin-open311-text")) " " code { (endpoint) } " · jurisdiction_id " code { (commune.username) } }
        (errors.summary(lang))
        @if let Some((name, key)) = &new_key {
            div class="notice" id="open311-new-key" role="status" {
                p { (lang.t("admin-open311-key-once")) " " strong { (name) } }
                p { code { (key) } }
            }
        }
        @if !clients.is_empty() {
            ul id="open311-clients" {
                @for c in &clients {
                    li {
                        (c.name) " · " (lang.datetime(c.created_at))
                        @if c.revoked_at.is_some() {
                            " " span class="badge" { (lang.t("admin-open311-revoked")) }
                        } @else {
                            form method="post" action=(format!("/admin/open311/{}/revoke", c.id)) class="inline" {
                                (forms::csrf(&csrf))
                                button type="submit" class="link" { (lang.t("admin-open311-revoke")) }
                            }
                        }
                    }
                }
            }
        }
        form id="open311-create" method="post" action="/admin/open311" novalidate {
            (forms::csrf(&csrf))
            (forms::input(lang, Input::text("name", lang.t("field-open311-app"), "")
                .required().maxlength(crate::civic::open311::MAX_NAME), errors))
            button type="submit" { (lang.t("admin-open311-create")) }
        }
    };
    page_status(v, &title, body, status).await
}

#[derive(Deserialize, Default)]
pub struct Open311Form {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

/// `POST /admin/open311`: a key for a new app, shown once on the answered page.
pub async fn open311_create(v: Visitor, Form(form): Form<Open311Form>) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let account = me.account.clone();
    let name = form.name.clone();
    match v
        .ctx
        .db
        .transaction(move |conn| crate::civic::open311::create_client(conn, &account, &name))
        .await
    {
        Ok((_, key)) => {
            open311_page_with(
                &v,
                Some((form.name.trim().to_string(), key)),
                &FormErrors::new(),
                StatusCode::OK,
            )
            .await
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &["name"]);
            open311_page_with(&v, None, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => v.error(&e),
    }
}

#[derive(Deserialize, Default)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /admin/open311/{id}/revoke`: the app's key stops working.
pub async fn open311_revoke(
    v: Visitor,
    Path(raw): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let Ok(id) = raw.parse().map(Open311ClientId) else {
        return v.error(&Error::NotFound("no such key".into()));
    };
    let account = me.account.clone();
    match v
        .ctx
        .db
        .transaction(move |conn| crate::civic::open311::revoke_client(conn, &account, id))
        .await
    {
        Ok(()) => Redirect::to("/admin/open311").into_response(),
        Err(e) => v.error(&e),
    }
}
