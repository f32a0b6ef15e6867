//! The commune's categories of reports and its area, for its admin.

use super::*;

/// `GET /admin/problems`: the commune's categories and area, for its admin.
pub async fn admin_page(v: Visitor) -> Response {
    admin_page_with(&v, &FormErrors::new(), StatusCode::OK).await
}

async fn admin_page_with(v: &Visitor, errors: &FormErrors, status: StatusCode) -> Response {
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
                problems::categories(conn, commune)?,
                problems::area(conn, commune)?,
                problems::outline(conn, commune)?,
            ))
        })
        .await;
    let (categories, area, outline) = match loaded {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let csrf = v.csrf().await;
    let edge =
        |f: fn(&problems::Area) -> f64| area.as_ref().map(|a| f(a).to_string()).unwrap_or_default();
    let (south, west, north, east) = (
        edge(|a| a.south),
        edge(|a| a.west),
        edge(|a| a.north),
        edge(|a| a.east),
    );
    let title = lang.t("admin-problems");
    let body = html! {
        h1 { (title) }
        (errors.summary(lang))
        h2 { (lang.t("admin-problem-categories")) }
        ul id="problem-categories" {
            @for c in &categories {
                li {
                    (c.name)
                    @if c.archived { " " span class="badge" { (lang.t("problem-category-archived")) } }
                    @else {
                        form method="post" action=(format!("/admin/problems/categories/{}/archive", c.id)) class="inline" {
                            (forms::csrf(&csrf))
                            button type="submit" class="link" { (lang.t("problem-category-archive")) }
                        }
                    }
                }
            }
        }
        form id="problem-category-add" method="post" action="/admin/problems/categories" novalidate {
            (forms::csrf(&csrf))
            (forms::input(lang, Input::text("category", lang.t("field-category"), "")
                .required().maxlength(problems::MAX_CATEGORY), errors))
            button type="submit" { (lang.t("problem-category-add")) }
        }
        h2 { (lang.t("admin-problem-area")) }
        p { (lang.t("admin-problem-area-text")) }
        form id="problem-area" method="post" action="/admin/problems/area" novalidate {
            (forms::csrf(&csrf))
            (forms::input(lang, Input::text("south", lang.t("field-area-south"), &south), errors))
            (forms::input(lang, Input::text("west", lang.t("field-area-west"), &west), errors))
            (forms::input(lang, Input::text("north", lang.t("field-area-north"), &north), errors))
            (forms::input(lang, Input::text("east", lang.t("field-area-east"), &east), errors))
            button type="submit" { (lang.t("settings-save")) }
        }
        h3 { (lang.t("admin-problem-outline")) }
        form id="problem-outline" method="post" action="/admin/problems/outline" novalidate {
            (forms::csrf(&csrf))
            (forms::textarea(lang, Input::text("outline", lang.t("field-area-outline"), outline.as_deref().unwrap_or_default())
                .hint(lang.t("hint-area-outline")), 6, errors))
            button type="submit" { (lang.t("settings-save")) }
        }
    };
    page_status(v, &title, body, status).await
}

#[derive(Deserialize, Default)]
pub struct AdminForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    south: String,
    #[serde(default)]
    west: String,
    #[serde(default)]
    north: String,
    #[serde(default)]
    east: String,
    #[serde(default)]
    outline: String,
}

/// What the admin forms change.
enum AdminChange {
    AddCategory,
    Archive(CategoryId),
    Area,
    Outline,
}

async fn admin_change(v: Visitor, form: AdminForm, what: AdminChange) -> Response {
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
            AdminChange::AddCategory => {
                problems::add_category(conn, &account, &form.category).map(|_| ())
            }
            AdminChange::Archive(id) => problems::archive_category(conn, &account, id),
            AdminChange::Area => {
                let edges = [&form.south, &form.west, &form.north, &form.east];
                let area = if edges.iter().all(|e| e.trim().is_empty()) {
                    None
                } else {
                    Some(problems::Area {
                        south: degrees("south", &form.south)?,
                        west: degrees("west", &form.west)?,
                        north: degrees("north", &form.north)?,
                        east: degrees("east", &form.east)?,
                    })
                };
                problems::set_area(conn, &account, area)
            }
            AdminChange::Outline => problems::set_outline(conn, &account, Some(&form.outline)),
        })
        .await;
    match result {
        Ok(()) => {
            v.flash("flash-settings-saved").await;
            Redirect::to("/admin/problems").into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(
                v.lang,
                &e,
                &["category", "south", "west", "north", "east", "outline"],
            );
            admin_page_with(&v, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => v.error(&e),
    }
}

pub async fn admin_add_category(v: Visitor, Form(form): Form<AdminForm>) -> Response {
    admin_change(v, form, AdminChange::AddCategory).await
}

pub async fn admin_archive_category(
    v: Visitor,
    Path(id): Path<i64>,
    Form(form): Form<AdminForm>,
) -> Response {
    admin_change(v, form, AdminChange::Archive(CategoryId(id))).await
}

pub async fn admin_area(v: Visitor, Form(form): Form<AdminForm>) -> Response {
    admin_change(v, form, AdminChange::Area).await
}

/// `POST /admin/problems/outline`: the commune's outline as GeoJSON (empty: the box alone).
pub async fn admin_outline(v: Visitor, Form(form): Form<AdminForm>) -> Response {
    admin_change(v, form, AdminChange::Outline).await
}
