//! Debate pages: the list, a debate with its thread and the count of each side, and the forms to open a
//! debate, comment, reply and close.

use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

use crate::civic::accounts::speaks_for;
use crate::civic::debates::{self, NewDebate};
use crate::db::debates::{Author, DebateSummary, Filter, Sort, Thread};
use crate::db::queries;
use crate::error::Error;
use crate::ids::{CommentId, DebateId, ThemeId};
use crate::model::{Comment, DebateStatus, Stance, Theme};
use crate::web::forms::{self, FormErrors, Input};
use crate::web::i18n::Lang;
use crate::web::pages::safe_href;
use crate::web::session::Visitor;
use crate::web::{page, page_status};

/// How many debates a list shows.
const LISTED: i64 = 100;
/// How deep replies are indented; deeper ones are shown at this depth.
const MAX_DEPTH: usize = 4;

fn status_label(lang: Lang, status: DebateStatus) -> String {
    lang.t(match status {
        DebateStatus::Open => "debate-status-open",
        DebateStatus::Closed => "debate-status-closed",
        DebateStatus::Archived => "debate-status-archived",
    })
}

/// A short list of debates (the commune's home shows the newest ones).
pub fn debate_list(lang: Lang, items: &[DebateSummary]) -> Markup {
    html! {
        ul class="debates" {
            @for item in items {
                li {
                    a href=(format!("/debates/{}", item.debate.id)) { (item.debate.title) }
                    " "
                    @if item.debate.pinned { span class="badge" { (lang.t("debate-pinned")) } " " }
                    span class="badge" { (status_label(lang, item.debate.status)) }
                    " "
                    span class="meta" { (lang.count("comments-count", item.comments)) }
                    @for theme in &item.themes { " " span class="theme" { (theme) } }
                    p class="question" { (item.debate.question) }
                }
            }
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub(crate) theme: Option<String>,
    #[serde(default)]
    pub(crate) status: Option<String>,
    #[serde(default)]
    pub(crate) sort: Option<String>,
    /// `elsewhere`: what other servers' communes followed from here hold.
    #[serde(default)]
    pub(crate) scope: Option<String>,
}

/// `/debates`: the default commune's debates, by theme and status, newest or most active first; or the
/// debates of neighbouring communes followed from here.
pub async fn list(v: Visitor, Query(q): Query<ListQuery>) -> Response {
    let lang = v.lang;
    let elsewhere = q.scope.as_deref() == Some("elsewhere");
    let theme = q.theme.as_deref().and_then(|t| t.parse().ok()).map(ThemeId);
    let status = q.status.as_deref().and_then(DebateStatus::parse);
    let sort = match q.sort.as_deref() {
        Some("active") => Sort::MostActive,
        _ => Sort::Newest,
    };
    let me = v.me.as_ref().map(|m| m.account.clone());
    let found = v
        .ctx
        .db
        .run(move |conn| {
            let Some(commune) = queries::default_commune(conn)? else {
                return Ok(None);
            };
            let filter = Filter {
                commune: (!elsewhere).then_some(commune.id),
                theme,
                status,
                sort,
                limit: LISTED,
            };
            let openers = debates::openers(conn, commune.id)?;
            Ok(Some((
                crate::db::debates::list(conn, &filter)?,
                debates::themes_of(conn, commune.id)?,
                me.is_some_and(|a| debates::may_open(&a, openers)),
                Some(commune.path()),
            )))
        })
        .await;
    let (mut items, themes, may_open, commune_path) = match found {
        Ok(Some(found)) => found,
        Ok(None) => (Vec::new(), Vec::new(), false, None),
        Err(e) => return v.error(&e),
    };
    let policy = v.ctx.policy().await;
    items.retain(|s| policy.shows(s.debate.ap_id.as_deref()));
    let title = lang.t("debates-title");
    let body = html! {
        h1 { (title) }
        nav class="tabs" aria-label=(lang.t("debates-scope")) {
            a href="/debates" aria-current=[(!elsewhere).then_some("page")] { (lang.t("debates-here")) }
            " · "
            a href="/debates?scope=elsewhere" aria-current=[elsewhere.then_some("page")] { (lang.t("debates-elsewhere")) }
        }
        @if may_open && !elsewhere {
            p { a href="/debates/new" { (lang.t("debate-open")) } }
        }
        form method="get" action="/search" role="search" class="filters" {
            div class="field" {
                label for="q" { (lang.t("field-search")) }
                input type="search" id="q" name="q" maxlength="200";
            }
            button type="submit" { (lang.t("search-submit")) }
        }
        form method="get" action="/debates" class="filters" {
            @if elsewhere { input type="hidden" name="scope" value="elsewhere"; }
            @if !elsewhere && !themes.is_empty() {
                div class="field" {
                    label for="theme" { (lang.t("field-theme")) }
                    select id="theme" name="theme" {
                        option value="" { (lang.t("filter-all")) }
                        @for t in &themes {
                            option value=(t.id) selected[theme == Some(t.id)] { (t.name) }
                        }
                    }
                }
            }
            div class="field" {
                label for="status" { (lang.t("field-status")) }
                select id="status" name="status" {
                    option value="" { (lang.t("filter-current")) }
                    @for s in [DebateStatus::Open, DebateStatus::Closed, DebateStatus::Archived] {
                        option value=(s.as_str()) selected[status == Some(s)] { (status_label(lang, s)) }
                    }
                }
            }
            div class="field" {
                label for="sort" { (lang.t("field-sort")) }
                select id="sort" name="sort" {
                    option value="newest" { (lang.t("sort-newest")) }
                    option value="active" selected[sort == Sort::MostActive] { (lang.t("sort-active")) }
                }
            }
            button type="submit" { (lang.t("filter-submit")) }
        }
        @if items.is_empty() {
            p { (lang.t("debates-none")) }
        } @else {
            (debate_list(lang, &items))
        }
        @if let (Some(path), false) = (&commune_path, elsewhere) {
            p { a href=(format!("{path}/debates.atom")) type="application/atom+xml" { (lang.t("feed-link")) } }
        }
    };
    page(&v, &title, body).await
}

#[derive(Default)]
pub struct DebateForm {
    csrf: String,
    title: String,
    question: String,
    body: String,
    opens_on: String,
    closes_on: String,
    /// Theme ids (several checkboxes of one name).
    theme: Vec<String>,
}

/// Whether the visitor may open a debate, and the commune's themes to choose from.
async fn opening(v: &Visitor) -> crate::error::Result<(bool, Vec<Theme>)> {
    let Some(account) = v.me.as_ref().map(|m| m.account.clone()) else {
        return Ok((false, vec![]));
    };
    v.ctx
        .db
        .run(move |conn| {
            let openers = debates::openers(conn, account.commune_id)?;
            Ok((
                debates::may_open(&account, openers),
                debates::themes_of(conn, account.commune_id)?,
            ))
        })
        .await
}

async fn new_page(
    v: &Visitor,
    form: &DebateForm,
    themes: &[Theme],
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let csrf = v.csrf().await;
    let title = lang.t("debate-open");
    let body = html! {
        h1 { (title) }
        form id="debate" method="post" action="/debates" novalidate {
            (errors.summary(lang))
            (forms::csrf(&csrf))
            (forms::input(lang, Input::text("title", lang.t("field-debate-title"), &form.title)
                .required().maxlength(debates::MAX_TITLE), errors))
            (forms::input(lang, Input::text("question", lang.t("field-debate-question"), &form.question)
                .required().maxlength(debates::MAX_QUESTION).hint(lang.t("hint-debate-question")), errors))
            (forms::textarea(lang, Input::text("body", lang.t("field-debate-body"), &form.body)
                .maxlength(debates::MAX_BODY).hint(lang.t("hint-markdown")), 10, errors))
            @if !themes.is_empty() {
                fieldset id="themes" {
                    legend { (lang.t("field-themes")) }
                    @for t in themes {
                        div class="field checkbox" {
                            input type="checkbox" name="theme" id=(format!("theme-{}", t.id)) value=(t.id)
                                checked[form.theme.iter().any(|x| *x == t.id.to_string())];
                            " "
                            label for=(format!("theme-{}", t.id)) { (t.name) }
                        }
                    }
                }
            }
            (forms::input(lang, Input::text("opens_on", lang.t("field-opens-on"), &form.opens_on)
                .kind("date").hint(lang.t("hint-opens-on")), errors))
            (forms::input(lang, Input::text("closes_on", lang.t("field-closes-on"), &form.closes_on)
                .kind("date").hint(lang.t("hint-closes-on")), errors))
            button type="submit" { (lang.t("debate-open-submit")) }
        }
    };
    page_status(v, &title, body, status).await
}

fn open_refused(v: &Visitor) -> Response {
    crate::web::refusal_page(
        v.lang,
        Some(v),
        &Error::Forbidden("officials only".into()),
        Some(v.lang.t("debate-open-forbidden")),
    )
}

pub async fn new_form(v: Visitor) -> Response {
    if let Err(r) = v.require_login() {
        return r;
    }
    match opening(&v).await {
        Ok((true, themes)) => {
            new_page(
                &v,
                &DebateForm::default(),
                &themes,
                &FormErrors::new(),
                StatusCode::OK,
            )
            .await
        }
        Ok((false, _)) => open_refused(&v),
        Err(e) => v.error(&e),
    }
}

impl DebateForm {
    /// Read from the posted pairs (checkboxes send `theme` several times, which a struct cannot take).
    fn from_pairs(pairs: Vec<(String, String)>) -> DebateForm {
        let mut form = DebateForm::default();
        for (key, value) in pairs {
            match key.as_str() {
                "csrf" => form.csrf = value,
                "title" => form.title = value,
                "question" => form.question = value,
                "body" => form.body = value,
                "opens_on" => form.opens_on = value,
                "closes_on" => form.closes_on = value,
                "theme" => form.theme.push(value),
                _ => {}
            }
        }
        form
    }
}

pub async fn create(v: Visitor, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let form = DebateForm::from_pairs(pairs);
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let themes = match opening(&v).await {
        Ok((true, themes)) => themes,
        Ok((false, _)) => return open_refused(&v),
        Err(e) => return v.error(&e),
    };
    let invalid = |e: Error| {
        FormErrors::from_error(
            v.lang,
            &e,
            &[
                "title",
                "question",
                "body",
                "themes",
                "opens_on",
                "closes_on",
            ],
        )
    };
    // A day typed in the form: the start of the day it opens, the end of the day it closes.
    let day = |raw: &str, field: &'static str, h: u32, m: u32, sec: u32| match raw.trim() {
        "" => Ok(None),
        day => NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .map(|d| d.and_hms_opt(h, m, sec))
            .map_err(|_| Error::invalid(field, "not a date")),
    };
    let dates = day(&form.opens_on, "opens_on", 0, 0, 0)
        .and_then(|o| Ok((o, day(&form.closes_on, "closes_on", 23, 59, 59)?)));
    let (opens_at, closes_at) = match dates {
        Ok(dates) => dates,
        Err(e) => {
            let errors = invalid(e);
            return new_page(
                &v,
                &form,
                &themes,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let Ok(chosen) = form
        .theme
        .iter()
        .map(|t| t.parse().map(ThemeId))
        .collect::<Result<Vec<_>, _>>()
    else {
        let errors = invalid(Error::invalid("themes", "unknown"));
        return new_page(
            &v,
            &form,
            &themes,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let new = NewDebate {
        title: form.title.clone(),
        question: form.question.clone(),
        body: form.body.clone(),
        opens_at,
        closes_at,
        themes: chosen,
    };
    let account = me.account.clone();
    let result = v
        .ctx
        .db
        .transaction(move |conn| debates::open_debate(conn, &account, new))
        .await;
    match result {
        Ok(debate) => {
            v.flash("flash-debate-opened").await;
            Redirect::to(&format!("/debates/{}", debate.id)).into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let e = match e {
                Error::Invalid {
                    field: "closes_at",
                    message,
                } => Error::Invalid {
                    field: "closes_on",
                    message,
                },
                other => other,
            };
            new_page(
                &v,
                &form,
                &themes,
                &invalid(e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}

#[derive(Deserialize, Default)]
pub struct ThreadQuery {
    #[serde(default)]
    reply: Option<i64>,
    #[serde(default)]
    edit: Option<i64>,
}

#[derive(Deserialize, Default)]
pub struct CommentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    stance: String,
    #[serde(default)]
    parent: Option<String>,
}

fn author_link(author: &Author) -> Markup {
    let href = if author.link.starts_with('/') {
        Some(author.link.as_str())
    } else {
        safe_href(&author.link)
    };
    html! {
        @match href {
            Some(href) => a href=(href) class="author" { (author.name) },
            None => span class="author" { (author.name) },
        }
        " " span class="handle" { (author.handle) }
    }
}

fn stance_label(lang: Lang, stance: Stance) -> String {
    lang.t(match stance {
        Stance::For => "stance-for",
        Stance::Against => "stance-against",
        Stance::Neutral => "stance-neutral",
    })
}

/// What the viewer may do on a debate's page.
struct Viewer<'a> {
    me: Option<crate::ids::ActorId>,
    csrf: Option<&'a str>,
    /// Speaks for the commune hosting the debate (here).
    manages: bool,
    open: bool,
}

/// A small form with one button posting to `action`.
fn button_form(csrf: &str, action: &str, label: &str, class: &str) -> Markup {
    html! {
        form method="post" action=(action) class=(format!("inline {class}")) {
            (forms::csrf(csrf))
            button type="submit" class="link" { (label) }
        }
    }
}

/// One comment and, below it, its replies.
fn comment_tree(
    lang: Lang,
    thread: &Thread,
    parent: Option<CommentId>,
    depth: usize,
    viewer: &Viewer<'_>,
) -> Markup {
    let children: Vec<&(Comment, Author)> = thread
        .comments
        .iter()
        .filter(|(c, _)| c.parent_id == parent)
        .collect();
    html! {
        @if !children.is_empty() {
            ol class=(if depth == 0 { "thread" } else { "replies" }) {
                @for (c, author) in children {
                    li id=(format!("comment-{}", c.id)) {
                        (comment_body(lang, thread, c, author, viewer))
                        (comment_tree(lang, thread, Some(c.id), (depth + 1).min(MAX_DEPTH), viewer))
                    }
                }
            }
        }
    }
}

fn comment_body(
    lang: Lang,
    thread: &Thread,
    c: &Comment,
    author: &Author,
    viewer: &Viewer<'_>,
) -> Markup {
    let agrees = thread.agrees.get(&c.id).copied().unwrap_or(0);
    let mine = viewer.me.is_some() && c.author_id == viewer.me;
    let agreed = thread.agreed.contains(&c.id);
    let history = thread.revisions.get(&c.id);
    html! {
        article class="comment" {
            header {
                @if !author.name.is_empty() && c.visible() { (author_link(author)) }
                @if let (Some(stance), true) = (c.stance, c.visible()) {
                    " " span class=(format!("stance stance-{stance}")) { (stance_label(lang, stance)) }
                }
            }
            @if c.deleted {
                p class="meta" { (lang.t("comment-deleted")) }
            } @else if c.hidden_at.is_some() {
                p class="meta" { (lang.t("comment-hidden")) }
            } @else {
                div class="content" { (PreEscaped(&c.content_html)) }
            }
            footer {
                time datetime=(c.created_at.and_utc().to_rfc3339()) { (lang.datetime(c.created_at)) }
                @if let (Some(edited), true) = (c.edited_at, c.visible()) {
                    " · " (lang.ta("comment-edited", &[("date", lang.datetime(edited).into())]))
                }
                @if c.visible() {
                    " · " span class="agrees" { (lang.count("agrees-count", agrees)) }
                    @if let Some(csrf) = viewer.csrf {
                        @if !mine {
                            " "
                            @if agreed {
                                (button_form(csrf, &format!("/comments/{}/agree?off=1", c.id), &lang.t("comment-agree-withdraw"), "agree"))
                            } @else {
                                (button_form(csrf, &format!("/comments/{}/agree", c.id), &lang.t("comment-agree"), "agree"))
                            }
                        }
                        @if viewer.open {
                            " · "
                            a href=(format!("/debates/{}?reply={}#comment-form", thread.debate.id, c.id)) {
                                (lang.t("comment-reply"))
                            }
                        }
                        @if mine && viewer.open {
                            " · "
                            a href=(format!("/debates/{}?edit={}#comment-form", thread.debate.id, c.id)) { (lang.t("comment-edit")) }
                        }
                        @if mine {
                            " " (button_form(csrf, &format!("/comments/{}/delete", c.id), &lang.t("comment-delete"), "delete"))
                        }
                        @if viewer.manages && !mine {
                            " " (button_form(csrf, &format!("/comments/{}/hide", c.id), &lang.t("comment-hide"), "hide"))
                        }
                        @if !mine {
                            " · " a class="report" href=(format!("/report?comment={}", c.id)) { (lang.t("comment-report")) }
                        }
                    }
                }
            }
            @if let (Some(history), true) = (history, c.visible()) {
                details class="history" {
                    summary { (lang.count("comment-versions", history.len() as i64)) }
                    ol {
                        @for r in history.iter().rev() {
                            li {
                                time datetime=(r.written_at.and_utc().to_rfc3339()) { (lang.datetime(r.written_at)) }
                                @if let Some(stance) = r.stance { " · " (stance_label(lang, stance)) }
                                div class="content" { (PreEscaped(&r.content_html)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Which comment form the page shows: a new comment, a reply, or an edit.
#[derive(Clone, Copy)]
enum Writing {
    New,
    Reply(CommentId),
    Edit(CommentId),
}

async fn debate_page(
    v: &Visitor,
    id: DebateId,
    writing: Writing,
    form: Option<&CommentForm>,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let me = v.me.as_ref().map(|m| m.actor.id);
    let policy = v.ctx.policy().await;
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            crate::db::debates::thread(conn, id, me)?.hide_servers(|id| policy.shows(id))
        })
        .await;
    let thread = match loaded {
        Ok(t) => t,
        Err(e) => return v.error(&e),
    };
    let d = &thread.debate;
    let proposal = match crate::web::proposals::load(v, id).await {
        Ok(p) => p,
        Err(e) => return v.error(&e),
    };
    let open = d.accepts_comments(Utc::now().naive_utc());
    let csrf = v.csrf_if_signed_in().await;
    let manages =
        v.me.as_ref()
            .is_some_and(|me| d.commune_id.is_some_and(|c| speaks_for(&me.account, c)));
    let viewer = Viewer {
        me,
        csrf: csrf.as_deref(),
        manages,
        open,
    };
    let find = |id: CommentId| {
        thread
            .comments
            .iter()
            .find(|(c, _)| c.id == id && c.visible())
    };
    let (replying, editing) = match writing {
        Writing::New => (None, None),
        Writing::Reply(r) => (find(r), None),
        Writing::Edit(e) => (
            None,
            find(e).filter(|(c, _)| me.is_some() && c.author_id == me),
        ),
    };
    let prefilled;
    let form = match (form, editing) {
        (Some(f), _) => f,
        (None, Some((c, _))) => {
            prefilled = CommentForm {
                comment: crate::civic::notes::html_to_text(&c.content_html),
                stance: c.stance.map(|s| s.as_str().to_string()).unwrap_or_default(),
                ..CommentForm::default()
            };
            &prefilled
        }
        (None, None) => {
            prefilled = CommentForm::default();
            &prefilled
        }
    };
    let action = match editing {
        Some((c, _)) => format!("/comments/{}/edit", c.id),
        None => format!("/debates/{}/comments", d.id),
    };
    let stances = [Stance::For, Stance::Against, Stance::Neutral];
    let body = html! {
        article class="debate" {
            h1 { (d.title) }
            p {
                @if d.pinned { span class="badge" { (lang.t("debate-pinned")) } " " }
                // A proposal shows where it stands below; its comments' state shows at the comment form.
                @if proposal.is_none() { span class="badge" { (status_label(lang, d.status)) } }
                @if let Some(author) = &thread.author { " " (lang.t("debate-by")) " " (author_link(author)) }
                " · " time datetime=(d.created_at.and_utc().to_rfc3339()) { (lang.date(d.created_at.date())) }
                @if let (Some(opens), true) = (d.opens_at, d.not_open_yet(Utc::now().naive_utc())) {
                    " · " (lang.ta("debate-opens", &[("date", lang.date(opens.date()).into())]))
                }
                @if let Some(closes) = d.closes_at {
                    " · " (lang.ta("debate-closes", &[("date", lang.date(closes.date()).into())]))
                }
                @for theme in &thread.themes { " " span class="theme" { (theme) } }
            }
            @if let Some(host) = &thread.remote_host {
                p class="notice" {
                    (lang.t("debate-hosted-by")) " " (author_link(host))
                    @if let Some(href) = d.ap_id.as_deref().and_then(safe_href) {
                        " · " a href=(href) { (lang.t("debate-original")) }
                    }
                }
            }
            p class="question" { strong { (d.question) } }
            div class="content" { (PreEscaped(&d.body_html)) }
        }
        @if let Some(view) = &proposal {
            (crate::web::proposals::section(lang, d.id, view, csrf.as_deref(), manages))
        }
        section aria-labelledby="stances-heading" {
            h2 id="stances-heading" { (lang.t("stances-title")) }
            ul class="stances" {
                @for stance in stances {
                    li class=(format!("stance-{stance}")) {
                        (stance_label(lang, stance)) " : " strong { (lang.number(thread.stance_count(stance) as i64)) }
                    }
                }
            }
        }
        section aria-labelledby="comments-heading" {
            h2 id="comments-heading" { (lang.count("comments-count", thread.comments.iter().filter(|(c, _)| c.visible()).count() as i64)) }
            (comment_tree(lang, &thread, None, 0, &viewer))
            p { a href=(format!("/debates/{}/comments.atom", d.id)) type="application/atom+xml" { (lang.t("feed-comments-link")) } }
            @if d.not_open_yet(Utc::now().naive_utc()) {
                p class="notice" { (lang.t("debate-not-open-notice")) }
            } @else if !open {
                p class="notice" { (lang.t("debate-closed-notice")) }
            } @else if let Some(csrf) = &csrf {
                form id="comment-form" method="post" action=(action) novalidate {
                    (errors.summary(lang))
                    (forms::csrf(csrf))
                    @if let Some((c, author)) = replying {
                        input type="hidden" name="parent" value=(c.id);
                        p { (lang.ta("comment-replying-to", &[("name", author.name.clone().into())])) }
                    }
                    @if editing.is_some() {
                        p { (lang.t("comment-editing")) }
                    }
                    (forms::textarea(lang, Input::text("comment", lang.t("field-comment"), &form.comment)
                        .required().maxlength(debates::MAX_COMMENT), 5, errors))
                    fieldset {
                        legend { (lang.t("field-stance")) }
                        @for (value, text) in [("", lang.t("stance-none")), ("for", stance_label(lang, Stance::For)),
                            ("against", stance_label(lang, Stance::Against)), ("neutral", stance_label(lang, Stance::Neutral))] {
                            div class="field checkbox" {
                                input type="radio" name="stance" id=(format!("stance-{}", if value.is_empty() { "none" } else { value }))
                                    value=(value) checked[form.stance == value];
                                " "
                                label for=(format!("stance-{}", if value.is_empty() { "none" } else { value })) { (text) }
                            }
                        }
                    }
                    button type="submit" {
                        (lang.t(if editing.is_some() { "comment-edit-submit" } else { "comment-submit" }))
                    }
                }
            } @else {
                p { a href=(format!("/login?next=/debates/{}", d.id)) { (lang.t("comment-login")) } }
            }
        }
        @if let (true, Some(csrf)) = (manages, &csrf) {
            section aria-labelledby="manage-heading" {
                h2 id="manage-heading" { (lang.t("debate-manage")) }
                form id="debate-status" method="post" action=(format!("/debates/{}/status", d.id)) {
                    (forms::csrf(csrf))
                    @for status in [DebateStatus::Open, DebateStatus::Closed, DebateStatus::Archived] {
                        @if status != d.status {
                            button type="submit" name="status" value=(status.as_str()) { (lang.t(&format!("debate-set-{}", status.as_str()))) }
                            " "
                        }
                    }
                }
                @if proposal.is_some() {
                } @else if d.pinned {
                    (button_form(csrf, &format!("/debates/{}/pin?off=1", d.id), &lang.t("debate-unpin"), "pin"))
                } @else {
                    (button_form(csrf, &format!("/debates/{}/pin", d.id), &lang.t("debate-pin"), "pin"))
                }
            }
        }
    };
    page_status(v, &d.title.clone(), body, status).await
}

fn parse_id(raw: &str) -> Option<DebateId> {
    raw.parse().ok().map(DebateId)
}

pub async fn show(v: Visitor, Path(id): Path<String>, Query(q): Query<ThreadQuery>) -> Response {
    let Some(id) = parse_id(&id) else {
        return v.error(&Error::NotFound("no such debate".into()));
    };
    let writing = match (q.edit, q.reply) {
        (Some(e), _) => Writing::Edit(CommentId(e)),
        (None, Some(r)) => Writing::Reply(CommentId(r)),
        (None, None) => Writing::New,
    };
    debate_page(&v, id, writing, None, &FormErrors::new(), StatusCode::OK).await
}

/// The debate a comment belongs to.
async fn debate_of(v: &Visitor, id: CommentId) -> crate::error::Result<DebateId> {
    v.ctx
        .db
        .run(move |conn| {
            use diesel::prelude::*;
            crate::model::schema::comments::table
                .find(id)
                .select(crate::model::schema::comments::debate_id)
                .first::<DebateId>(conn)
                .optional()?
                .ok_or_else(|| Error::NotFound("no such comment".into()))
        })
        .await
}

fn parse_comment(raw: &str) -> Option<CommentId> {
    raw.parse().ok().map(CommentId)
}

/// A comment's URL, in a browser: the comment in its debate.
pub async fn comment_page(v: Visitor, Path(id): Path<String>) -> Response {
    let Some(id) = parse_comment(&id) else {
        return v.error(&Error::NotFound("no such comment".into()));
    };
    match debate_of(&v, id).await {
        Ok(debate) => Redirect::to(&format!("/debates/{debate}#comment-{id}")).into_response(),
        Err(e) => v.error(&e),
    }
}

fn parse_stance(raw: &str) -> Result<Option<Stance>, Error> {
    match raw {
        "" => Ok(None),
        other => Stance::parse(other)
            .map(Some)
            .ok_or_else(|| Error::invalid("stance", "unknown")),
    }
}

pub async fn add_comment(
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<CommentForm>,
) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&id) else {
        return v.error(&Error::NotFound("no such debate".into()));
    };
    let stance = match parse_stance(&form.stance) {
        Ok(s) => s,
        Err(e) => return v.error(&e),
    };
    let parent = match form.parent.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => match parse_comment(p) {
            Some(c) => Some(c),
            None => return v.error(&Error::invalid("parent", "not a comment")),
        },
        None => None,
    };
    let text = form.comment.clone();
    let author = me.actor.id;
    let result = v
        .ctx
        .db
        .transaction(move |conn| debates::comment(conn, author, id, parent, &text, stance))
        .await;
    match result {
        Ok(c) => {
            v.flash("flash-commented").await;
            Redirect::to(&format!("/debates/{id}#comment-{}", c.id)).into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &["comment"]);
            let writing = parent.map_or(Writing::New, Writing::Reply);
            debate_page(
                &v,
                id,
                writing,
                Some(&form),
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => v.error(&e),
    }
}

pub async fn edit_comment(
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<CommentForm>,
) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let Some(id) = parse_comment(&id) else {
        return v.error(&Error::NotFound("no such comment".into()));
    };
    let stance = match parse_stance(&form.stance) {
        Ok(s) => s,
        Err(e) => return v.error(&e),
    };
    let text = form.comment.clone();
    let author = me.actor.id;
    let result = v
        .ctx
        .db
        .transaction(move |conn| debates::edit_comment(conn, author, id, &text, stance))
        .await;
    match result {
        Ok(c) => {
            v.flash("flash-comment-edited").await;
            Redirect::to(&format!("/debates/{}#comment-{id}", c.debate_id)).into_response()
        }
        Err(e @ Error::Invalid { .. }) => match debate_of(&v, id).await {
            Ok(debate) => {
                let errors = FormErrors::from_error(v.lang, &e, &["comment"]);
                debate_page(
                    &v,
                    debate,
                    Writing::Edit(id),
                    Some(&form),
                    &errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Err(e) => v.error(&e),
        },
        Err(e) => v.error(&e),
    }
}

#[derive(Deserialize, Default)]
pub struct ButtonForm {
    #[serde(default)]
    csrf: String,
}

#[derive(Deserialize, Default)]
pub struct OffQuery {
    #[serde(default)]
    off: Option<String>,
}

/// What one of a comment's buttons does.
#[derive(Clone, Copy)]
enum CommentAction {
    Delete,
    Hide,
    Agree(bool),
}

async fn comment_action(v: Visitor, raw: String, csrf: String, action: CommentAction) -> Response {
    let me = match v.form_poster(&csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let Some(id) = parse_comment(&raw) else {
        return v.error(&Error::NotFound("no such comment".into()));
    };
    let debate = match debate_of(&v, id).await {
        Ok(d) => d,
        Err(e) => return v.error(&e),
    };
    let account = me.account.clone();
    let result = v
        .ctx
        .db
        .transaction(move |conn| match action {
            CommentAction::Delete => debates::delete_comment(conn, account.actor_id, id),
            CommentAction::Hide => debates::hide_comment(conn, &account, id),
            CommentAction::Agree(on) => debates::agree(conn, account.actor_id, id, on),
        })
        .await;
    match result {
        Ok(()) => {
            v.flash(match action {
                CommentAction::Delete => "flash-comment-deleted",
                CommentAction::Hide => "flash-comment-hidden",
                CommentAction::Agree(true) => "flash-agreed",
                CommentAction::Agree(false) => "flash-agree-withdrawn",
            })
            .await;
            Redirect::to(&format!("/debates/{debate}#comment-{id}")).into_response()
        }
        Err(e) => v.error(&e),
    }
}

pub async fn delete_comment(
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<ButtonForm>,
) -> Response {
    comment_action(v, id, form.csrf, CommentAction::Delete).await
}

pub async fn hide_comment(
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<ButtonForm>,
) -> Response {
    comment_action(v, id, form.csrf, CommentAction::Hide).await
}

pub async fn agree(
    v: Visitor,
    Path(id): Path<String>,
    Query(q): Query<OffQuery>,
    Form(form): Form<ButtonForm>,
) -> Response {
    comment_action(v, id, form.csrf, CommentAction::Agree(q.off.is_none())).await
}

#[derive(Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
}

pub async fn change_status(
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let (Some(id), Some(status)) = (parse_id(&id), DebateStatus::parse(&form.status)) else {
        return v.error(&Error::invalid("status", "unknown"));
    };
    let account = me.account.clone();
    match v
        .ctx
        .db
        .transaction(move |conn| debates::set_status(conn, &account, id, status))
        .await
    {
        Ok(_) => {
            v.flash("flash-debate-status").await;
            Redirect::to(&format!("/debates/{id}")).into_response()
        }
        Err(e) => v.error(&e),
    }
}

pub async fn pin(
    v: Visitor,
    Path(id): Path<String>,
    Query(q): Query<OffQuery>,
    Form(form): Form<ButtonForm>,
) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&id) else {
        return v.error(&Error::NotFound("no such debate".into()));
    };
    let (account, on) = (me.account.clone(), q.off.is_none());
    match v
        .ctx
        .db
        .transaction(move |conn| debates::set_pinned(conn, &account, id, on))
        .await
    {
        Ok(()) => {
            v.flash(if on {
                "flash-debate-pinned"
            } else {
                "flash-debate-unpinned"
            })
            .await;
            Redirect::to(&format!("/debates/{id}")).into_response()
        }
        Err(e) => v.error(&e),
    }
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// How many debates and comments a search shows.
const FOUND: i64 = 50;

/// `/search?q=`: debates and comments matching every word.
pub async fn search(v: Visitor, Query(q): Query<SearchQuery>) -> Response {
    let lang = v.lang;
    let text: String = q.q.chars().take(200).collect();
    let query = text.clone();
    let found = match v
        .ctx
        .db
        .run(move |conn| crate::db::search::search(conn, &query, FOUND))
        .await
    {
        Ok(mut f) => {
            // Nothing from a blocked or silenced server.
            let policy = v.ctx.policy().await;
            f.debates.retain(|d| policy.shows(d.ap_id.as_deref()));
            f.comments.retain(|(c, d)| {
                policy.shows(c.ap_id.as_deref()) && policy.shows(d.ap_id.as_deref())
            });
            f
        }
        Err(e) => return v.error(&e),
    };
    let title = lang.t("search-title");
    let body = html! {
        h1 { (title) }
        form method="get" action="/search" role="search" class="filters" {
            div class="field" {
                label for="q" { (lang.t("field-search")) }
                input type="search" id="q" name="q" maxlength="200" value=(text);
            }
            button type="submit" { (lang.t("search-submit")) }
        }
        @if !text.trim().is_empty() {
            @if found.debates.is_empty() && found.comments.is_empty() {
                p { (lang.t("search-none")) }
            }
            @if !found.debates.is_empty() {
                h2 { (lang.t("debates-title")) }
                ul class="debates" {
                    @for d in &found.debates {
                        li {
                            a href=(format!("/debates/{}", d.id)) { (d.title) }
                            " " span class="badge" { (status_label(lang, d.status)) }
                            p class="question" { (d.question) }
                        }
                    }
                }
            }
            @if !found.comments.is_empty() {
                h2 { (lang.t("search-comments")) }
                ul class="debates" {
                    @for (c, d) in &found.comments {
                        li {
                            a href=(format!("/debates/{}#comment-{}", d.id, c.id)) { (d.title) }
                            div class="content" { (PreEscaped(&c.content_html)) }
                        }
                    }
                }
            }
        }
    };
    page(&v, &title, body).await
}

/// An Atom document from its entries (maud escapes text the way XML wants it).
fn atom(
    id: &str,
    title: &str,
    alternate: &str,
    updated: chrono::NaiveDateTime,
    entries: Markup,
) -> Response {
    let body = html! {
        (PreEscaped("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"))
        feed xmlns="http://www.w3.org/2005/Atom" {
            id { (id) }
            title { (title) }
            updated { (updated.and_utc().to_rfc3339()) }
            link rel="self" href=(id) {}
            link rel="alternate" type="text/html" href=(alternate) {}
            (entries)
        }
    };
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/atom+xml; charset=utf-8",
        )],
        body.into_string(),
    )
        .into_response()
}

/// `/communes/{name}/debates.atom`: a commune's latest debates.
pub async fn commune_feed(v: Visitor, Path(name): Path<String>) -> Response {
    let name = name.trim_end_matches(".atom").to_string();
    let loaded = v
        .ctx
        .db
        .run(move |conn| {
            let commune = queries::actor_of_kind(conn, crate::model::ActorKind::Commune, &name)?
                .ok_or_else(|| Error::NotFound("no such commune".into()))?;
            let items = crate::db::debates::list(
                conn,
                &Filter {
                    commune: Some(commune.id),
                    limit: 50,
                    ..Default::default()
                },
            )?;
            Ok((commune, items))
        })
        .await;
    let (commune, mut items) = match loaded {
        Ok(l) => l,
        Err(e) => return v.error(&e),
    };
    items.sort_by_key(|i| std::cmp::Reverse(i.debate.id.0));
    let urls = &v.ctx.urls;
    let self_url = urls
        .base()
        .join(&format!("{}/debates.atom", commune.path()))
        .map(|u| u.to_string())
        .unwrap_or_default();
    let updated = items
        .iter()
        .map(|i| i.debate.updated_at)
        .max()
        .unwrap_or(commune.updated_at);
    let entries = html! {
        @for item in &items {
            @let d = &item.debate;
            @let url = urls.debate(d.id).to_string();
            entry {
                id { (url) }
                title { (d.title) }
                link rel="alternate" type="text/html" href=(url) {}
                published { (d.created_at.and_utc().to_rfc3339()) }
                updated { (d.updated_at.and_utc().to_rfc3339()) }
                author { name { (commune.display_name) } }
                @for theme in &item.themes { category term=(theme) {} }
                summary { (d.question) }
                content type="html" { (d.body_html) }
            }
        }
    };
    let title = format!("{} — {}", commune.display_name, v.lang.t("debates-title"));
    atom(
        &self_url,
        &title,
        urls.base()
            .join("/debates")
            .map(|u| u.to_string())
            .unwrap_or_default()
            .as_str(),
        updated,
        entries,
    )
}

/// `/debates/{id}/comments.atom`: a debate's latest comments.
pub async fn debate_feed(v: Visitor, Path(id): Path<String>) -> Response {
    let Some(id) = parse_id(&id) else {
        return v.error(&Error::NotFound("no such debate".into()));
    };
    let policy = v.ctx.policy().await;
    let thread = match v
        .ctx
        .db
        .run(move |conn| {
            crate::db::debates::thread(conn, id, None)?.hide_servers(|id| policy.shows(id))
        })
        .await
    {
        Ok(t) => t,
        Err(e) => return v.error(&e),
    };
    let urls = &v.ctx.urls;
    let page = urls.debate(id).to_string();
    let mut shown: Vec<&(Comment, Author)> = thread
        .comments
        .iter()
        .filter(|(c, _)| c.visible())
        .collect();
    shown.sort_by_key(|(c, _)| std::cmp::Reverse(c.id.0));
    shown.truncate(100);
    let updated = shown
        .iter()
        .map(|(c, _)| c.edited_at.unwrap_or(c.created_at))
        .max()
        .unwrap_or(thread.debate.updated_at);
    let entries = html! {
        @for (c, author) in &shown {
            @let url = format!("{page}#comment-{}", c.id);
            entry {
                id { (c.ap_id.clone().unwrap_or_else(|| urls.comment(c.id).to_string())) }
                title { (author.name) @if let Some(s) = c.stance { " — " (stance_label(v.lang, s)) } }
                link rel="alternate" type="text/html" href=(url) {}
                published { (c.created_at.and_utc().to_rfc3339()) }
                updated { (c.edited_at.unwrap_or(c.created_at).and_utc().to_rfc3339()) }
                author { name { (author.name) } }
                content type="html" { (c.content_html) }
            }
        }
    };
    atom(
        &format!("{page}/comments.atom"),
        &thread.debate.title,
        &page,
        updated,
        entries,
    )
}
