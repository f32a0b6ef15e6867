//! Moderation pages: the report form, the moderators' queue with its actions, the audit log, and the public
//! transparency page.

use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use diesel::prelude::*;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

use crate::civic::moderation::{self, Report, Target};
use crate::db::queries;
use crate::error::Error;
use crate::ids::{CommentId, DebateId, NoteId};
use crate::model::{ModerationAction, ReportReason};
use crate::web::forms::{self, FormErrors, Input};
use crate::web::i18n::Lang;
use crate::web::session::Visitor;
use crate::web::{page, page_status};

pub fn reason_label(lang: Lang, reason: &str) -> String {
    lang.t(&format!("report-reason-{}", reason.replace('_', "-")))
}

fn action_label(lang: Lang, action: &str) -> String {
    lang.t(&format!("moderation-action-{action}"))
}

#[derive(Deserialize, Default, Clone)]
pub struct ReportQuery {
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    debate: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    account: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ReportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    comment_id: String,
    #[serde(default)]
    debate_id: String,
    #[serde(default)]
    note_id: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    comment: String,
}

impl ReportForm {
    fn about(&self) -> ReportQuery {
        ReportQuery {
            comment: Some(self.comment_id.clone()),
            debate: Some(self.debate_id.clone()),
            note: Some(self.note_id.clone()),
            account: Some(self.account.clone()),
        }
    }
}

/// What a report form is about, and where to go back to.
async fn target(v: &Visitor, about: &ReportQuery) -> Result<(Target, String), Error> {
    let bad = || Error::NotFound("nothing to report".into());
    let given = |field: &Option<String>| field.clone().filter(|f| !f.is_empty());
    let post = match (
        given(&about.comment),
        given(&about.debate),
        given(&about.note),
    ) {
        (Some(c), _, _) => Some(Target::Comment(CommentId(c.parse().map_err(|_| bad())?))),
        (None, Some(d), _) => Some(Target::Debate(DebateId(d.parse().map_err(|_| bad())?))),
        (None, None, Some(n)) => Some(Target::Note(NoteId(n.parse().map_err(|_| bad())?))),
        _ => None,
    };
    if let Some(post) = post {
        v.ctx
            .db
            .run(move |conn| moderation::commune_of(conn, post))
            .await?;
        let back = match post {
            Target::Comment(id) => format!("/comments/{id}"),
            Target::Debate(id) => format!("/debates/{id}"),
            Target::Note(id) => format!("/notes/{id}"),
            Target::Account(_) => String::new(),
        };
        return Ok((post, back));
    }
    let name = given(&about.account)
        .ok_or_else(bad)?
        .trim_start_matches('@')
        .to_string();
    let found = v
        .ctx
        .db
        .run(move |conn| queries::account_by_username(conn, &name))
        .await?
        .ok_or_else(bad)?;
    Ok((Target::Account(found.0.id), found.0.path()))
}

fn reasons(lang: Lang) -> Vec<(&'static str, String)> {
    ReportReason::ALL
        .iter()
        .map(|r| (r.as_str(), reason_label(lang, r.as_str())))
        .collect()
}

async fn report_page(
    v: &Visitor,
    form: &ReportForm,
    back: &str,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let lang = v.lang;
    let csrf = v.csrf().await;
    let title = lang.t("report-title");
    let body = html! {
        h1 { (title) }
        p { (lang.t("report-intro")) " " a href=(back) { (back) } }
        form id="report" method="post" action="/report" novalidate {
            (errors.summary(lang))
            (forms::csrf(&csrf))
            input type="hidden" name="comment_id" value=(form.comment_id);
            input type="hidden" name="debate_id" value=(form.debate_id);
            input type="hidden" name="note_id" value=(form.note_id);
            input type="hidden" name="account" value=(form.account);
            (forms::select(lang, "reason", &lang.t("field-report-reason"), &reasons(lang), &form.reason, errors))
            (forms::textarea(lang, Input::text("comment", lang.t("field-report-comment"), &form.comment)
                .maxlength(moderation::MAX_COMMENT), 4, errors))
            button type="submit" { (lang.t("report-submit")) }
        }
    };
    page_status(v, &title, body, status).await
}

/// `/report?comment=…` (or `debate=`, `account=`): the form to report something to the moderators.
pub async fn report_form(v: Visitor, Query(q): Query<ReportQuery>) -> Response {
    if let Err(r) = v.require_login() {
        return r;
    }
    let back = match target(&v, &q).await {
        Ok((_, back)) => back,
        Err(e) => return v.error(&e),
    };
    let form = ReportForm {
        comment_id: q.comment.unwrap_or_default(),
        debate_id: q.debate.unwrap_or_default(),
        note_id: q.note.unwrap_or_default(),
        account: q.account.unwrap_or_default(),
        reason: "insult".into(),
        ..ReportForm::default()
    };
    report_page(&v, &form, &back, &FormErrors::new(), StatusCode::OK).await
}

pub async fn report(v: Visitor, Form(form): Form<ReportForm>) -> Response {
    let me = match v.form_poster(&form.csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let (what, back) = match target(&v, &form.about()).await {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let Some(reason) = ReportReason::parse(&form.reason) else {
        let mut errors = FormErrors::new();
        errors.add("reason", v.lang.t("report-reason-missing"));
        return report_page(&v, &form, &back, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let (account, comment) = (me.account.clone(), form.comment.clone());
    let result = v
        .ctx
        .db
        .transaction(move |conn| moderation::report(conn, &account, what, reason, &comment))
        .await;
    match result {
        Ok(_) => {
            v.flash("flash-reported").await;
            Redirect::to(&back).into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let errors = FormErrors::from_error(v.lang, &e, &["reason", "comment"]);
            report_page(&v, &form, &back, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => v.error(&e),
    }
}

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    /// The last report of the previous page.
    #[serde(default)]
    after: Option<i64>,
}

/// A report with what the queue shows of it.
struct QueueItem {
    report: Report,
    target: String,
    /// The reported comment's text (sanitized HTML), when it is one.
    excerpt: Option<String>,
    /// Who reported: a name here, or the other server.
    by: String,
    /// The reported author is on another server: they can be blocked, and the report forwarded.
    remote: Option<String>,
}

/// How long a suspension lasts, as offered on the queue: days, or for good.
const SUSPENSIONS: [&str; 5] = ["1", "7", "30", "365", "forever"];

/// `/moderation`: open reports of the moderator's commune, with what was reported and the actions.
pub async fn queue(v: Visitor, Query(q): Query<QueueQuery>) -> Response {
    let lang = v.lang;
    let account = match v.require_login() {
        Ok(me) => me.account.clone(),
        Err(r) => return r,
    };
    let found = v
        .ctx
        .db
        .run(move |conn| {
            let mut items = vec![];
            let suspended = moderation::suspended(conn, &account)?;
            let blocks = moderation::blocks(conn, &account)?;
            let (reports, next) = moderation::queue(conn, &account, q.after)?;
            for report in reports {
                let target = moderation::target_of(conn, &report)?;
                let excerpt = match (report.comment_id, report.note_id) {
                    (Some(c), _) => crate::model::schema::comments::table
                        .find(c)
                        .select(crate::model::schema::comments::content_html)
                        .first::<String>(conn)
                        .optional()?,
                    // Posts are kept sanitized (ours are escaped text, others' cleaned HTML).
                    (None, Some(n)) => Some(crate::civic::notes::note(conn, n)?.content),
                    _ => None,
                };
                let by = match (report.reporter_id, report.remote_reporter_id) {
                    (Some(a), _) => queries::actor_by_id(conn, a)?.display_name,
                    (None, Some(r)) => crate::civic::remote::remote_actor(conn, r)?.domain,
                    _ => String::new(),
                };
                let remote = match moderation::remote_author_of(conn, &report)? {
                    Some(r) => Some(crate::civic::remote::remote_actor(conn, r)?.domain),
                    None => None,
                };
                items.push(QueueItem {
                    report,
                    target,
                    excerpt,
                    by,
                    remote,
                });
            }
            Ok((items, suspended, next, blocks))
        })
        .await;
    let (items, suspended, next, blocks) = match found {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let admin = v.me.as_ref().is_some_and(|m| m.is_admin());
    let csrf = v.csrf().await;
    let title = lang.t("moderation-title");
    let actions = |remote: bool| -> Vec<(&str, String)> {
        ModerationAction::ALL
            .iter()
            .filter(|a| match a {
                ModerationAction::Lift | ModerationAction::Forward => false,
                ModerationAction::Block => remote,
                ModerationAction::BlockInstance => remote && admin,
                ModerationAction::Warn | ModerationAction::Suspend => !remote,
                ModerationAction::Dismiss | ModerationAction::Hide => true,
            })
            .map(|a| (a.as_str(), action_label(lang, a.as_str())))
            .collect()
    };
    let durations: Vec<(&str, String)> = SUSPENSIONS
        .iter()
        .map(|d| (*d, lang.t(&format!("suspension-{d}"))))
        .collect();
    let body = html! {
        h1 { (title) }
        p { a href="/moderation/log" { (lang.t("moderation-log-title")) } " · " a href="/transparency" { (lang.t("transparency-title")) } }
        @if items.is_empty() {
            p { (lang.t("moderation-none")) }
        }
        @for item in &items {
            @let r = &item.report;
            article class="report" id=(format!("report-{}", r.id)) {
                h2 { (reason_label(lang, &r.reason)) " — " a href=(item.target) { (item.target) } }
                p class="meta" {
                    (lang.ta("report-by", &[("name", item.by.clone().into()), ("date", lang.datetime(r.created_at).into())]))
                }
                @if !r.comment.is_empty() { blockquote { (r.comment) } }
                @if let Some(excerpt) = &item.excerpt { div class="content reported" { (PreEscaped(excerpt)) } }
                form id=(format!("resolve-{}", r.id)) method="post" action=(format!("/moderation/reports/{}", r.id)) {
                    (forms::csrf(&csrf))
                    (forms::select(lang, &format!("action-{}", r.id), &lang.t("field-moderation-action"), &actions(item.remote.is_some()), "dismiss", &FormErrors::new()))
                    @if item.remote.is_none() {
                        (forms::select(lang, &format!("days-{}", r.id), &lang.t("field-suspension"), &durations, "7", &FormErrors::new()))
                    }
                    (forms::textarea(lang, Input::text(&format!("note-{}", r.id), lang.t("field-moderation-note"), "")
                        .maxlength(moderation::MAX_NOTE).hint(lang.t("hint-moderation-note")), 2, &FormErrors::new()))
                    @if let Some(server) = &item.remote {
                        (forms::checkbox(lang, &format!("forward-{}", r.id), &lang.ta("field-forward", &[("site", server.clone().into())]), "on", false, &FormErrors::new()))
                    }
                    button type="submit" { (lang.t("moderation-submit")) }
                }
            }
        }
        @if let Some(next) = next {
            p { a rel="next" href=(format!("/moderation?after={next}")) { (lang.t("moderation-next")) } }
        }
        @if !blocks.is_empty() {
            h2 id="blocked" { (lang.t("moderation-blocked")) }
            ul {
                @for b in &blocks {
                    li {
                        (b.actor_ap_id) " — "
                        @if b.commune_id.is_some() { (lang.t("moderation-action-block")) } @else { (lang.t("moderation-action-block_instance")) }
                        " (" (lang.datetime(b.created_at)) ")"
                        @if b.commune_id.is_some() || admin {
                            form method="post" action=(format!("/moderation/blocks/{}", b.id)) class="inline" {
                                (forms::csrf(&csrf))
                                button type="submit" class="link" { (lang.t("moderation-unblock")) }
                            }
                        }
                    }
                }
            }
        }
        @if !suspended.is_empty() {
            h2 id="suspended" { (lang.t("moderation-suspended")) }
            ul {
                @for (username, until) in &suspended {
                    li {
                        a href=(format!("/users/{username}")) { "@" (username) } " — "
                        @if *until >= moderation::forever() {
                            (lang.t("suspension-forever"))
                        } @else {
                            (lang.ta("suspended-until", &[("date", lang.datetime(*until).into())]))
                        }
                        form method="post" action=(format!("/moderation/suspensions/{username}")) class="inline" {
                            (forms::csrf(&csrf))
                            button type="submit" class="link" { (lang.ta("moderation-lift", &[("name", username.clone().into())])) }
                        }
                    }
                }
            }
        }
    };
    page(&v, &title, body).await
}

pub async fn resolve(
    v: Visitor,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let field = |name: String| {
        form.iter()
            .find(|(k, _)| *k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let csrf = field("csrf".into()).to_string();
    // A form that cannot be read is answered once the sender is known to be allowed to send it.
    let decision = decision_of(id, field);
    moderate(v, &csrf, "/moderation", move |conn, me| {
        moderation::resolve(conn, me, id, &decision?)
    })
    .await
}

/// The decision the queue's form sends about report `id`.
fn decision_of<'a>(
    id: i64,
    field: impl Fn(String) -> &'a str,
) -> crate::error::Result<moderation::Decision> {
    let action = ModerationAction::parse(field(format!("action-{id}")))
        .ok_or_else(|| Error::invalid("action", "choose an action"))?;
    let days = match field(format!("days-{id}")) {
        "" | "forever" => None,
        n => Some(
            n.parse::<i64>()
                .map_err(|_| Error::invalid("days", "a number of days, or forever"))?,
        ),
    };
    Ok(moderation::Decision {
        action,
        note: field(format!("note-{id}")).to_string(),
        days,
        forward: field(format!("forward-{id}")) == "on",
    })
}

/// Lifts a suspension before its end (`POST /moderation/suspensions/{username}`).
pub async fn lift(
    v: Visitor,
    Path(username): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    moderate(v, &form.csrf, "/moderation#suspended", move |conn, me| {
        moderation::lift(conn, me, &username, "")
    })
    .await
}

/// Lifts a block of a remote account (`POST /moderation/blocks/{id}`).
pub async fn unblock(v: Visitor, Path(id): Path<i64>, Form(form): Form<CsrfForm>) -> Response {
    moderate(v, &form.csrf, "/moderation#blocked", move |conn, me| {
        moderation::unblock(conn, me, id)
    })
    .await
}

#[derive(Deserialize, Default)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// A moderator's form: checked, carried out in one transaction, then back to the queue. What it changes may
/// be a block (part of the cached policy) or something to tell other servers.
async fn moderate(
    v: Visitor,
    csrf: &str,
    back: &str,
    work: impl FnOnce(&mut crate::db::AnyConnection, &crate::model::Account) -> crate::error::Result<()>
    + Send
    + 'static,
) -> Response {
    let me = match v.form_poster(csrf).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    let account = me.account.clone();
    let result = v.ctx.db.transaction(move |conn| work(conn, &account)).await;
    match result {
        Ok(()) => {
            v.ctx.policy.invalidate();
            v.ctx.wake.notify_one();
            v.flash("flash-moderated").await;
            Redirect::to(back).into_response()
        }
        Err(e) => v.error(&e),
    }
}

/// `/moderation/log`: every action, who took it, on what, when and why.
pub async fn audit_log(v: Visitor) -> Response {
    let lang = v.lang;
    let account = match v.require_login() {
        Ok(me) => me.account.clone(),
        Err(r) => return r,
    };
    let found = v
        .ctx
        .db
        .run(move |conn| moderation::audit_log(conn, &account))
        .await;
    let items = match found {
        Ok(items) => items,
        Err(e) => return v.error(&e),
    };
    let title = lang.t("moderation-log-title");
    let body = html! {
        h1 { (title) }
        @if items.is_empty() { p { (lang.t("moderation-log-none")) } }
        @else {
            table class="log" {
                thead { tr {
                    th scope="col" { (lang.t("log-when")) }
                    th scope="col" { (lang.t("log-who")) }
                    th scope="col" { (lang.t("log-what")) }
                    th scope="col" { (lang.t("log-target")) }
                    th scope="col" { (lang.t("log-why")) }
                } }
                tbody {
                    @for a in &items {
                        tr {
                            td { time datetime=(a.at.and_utc().to_rfc3339()) { (lang.datetime(a.at)) } }
                            td { (a.moderator_name) }
                            td { (action_label(lang, &a.action)) }
                            td { a href=(a.target) { (a.target) } }
                            td { (reason_label(lang, &a.reason)) @if !a.note.is_empty() { " — " (a.note) } }
                        }
                    }
                }
            }
        }
    };
    page(&v, &title, body).await
}

#[derive(Deserialize, Default)]
pub struct TransparencyQuery {
    #[serde(default)]
    commune: Option<String>,
}

/// `/transparency`: public counts of moderation actions per month, reason and action, for one commune
/// (`?commune=name`; the instance's default one otherwise), with links to the others.
pub async fn transparency(v: Visitor, Query(q): Query<TransparencyQuery>) -> Response {
    let lang = v.lang;
    let found = v
        .ctx
        .db
        .run(move |conn| {
            let communes = queries::communes(conn)?;
            // The commune asked for (`?commune=name`), else the instance's default one.
            let shown = match q.commune.as_deref() {
                Some(name) => communes
                    .iter()
                    .find(|(c, _)| c.username.as_str() == name)
                    .ok_or_else(|| Error::NotFound(format!("no commune {name} here")))?,
                None => match communes.iter().find(|(_, default)| *default) {
                    Some(found) => found,
                    None => return Ok((vec![], None, vec![])),
                },
            };
            let rows = moderation::transparency(conn, shown.0.id)?;
            let others: Vec<(String, String)> = communes
                .iter()
                .filter(|(c, _)| c.id != shown.0.id)
                .map(|(c, _)| (c.username.to_string(), c.display_name.clone()))
                .collect();
            Ok((rows, Some(shown.0.display_name.clone()), others))
        })
        .await;
    let (rows, commune, others) = match found {
        Ok(found) => found,
        Err(e) => return v.error(&e),
    };
    let title = lang.t("transparency-title");
    let body = html! {
        h1 { (title) }
        @if let Some(commune) = &commune { p class="meta" { (commune) } }
        p { (lang.t("transparency-intro")) }
        @if !others.is_empty() {
            nav aria-label=(lang.t("transparency-communes")) {
                ul class="inline" {
                    @for (name, shown) in &others {
                        li { a href=(format!("/transparency?commune={name}")) { (shown) } }
                    }
                }
            }
        }
        @if rows.is_empty() { p { (lang.t("moderation-log-none")) } }
        @else {
            table class="transparency" {
                thead { tr {
                    th scope="col" { (lang.t("transparency-month")) }
                    th scope="col" { (lang.t("log-why")) }
                    th scope="col" { (lang.t("log-what")) }
                    th scope="col" { (lang.t("transparency-count")) }
                } }
                tbody {
                    @for (month, reason, action, n) in &rows {
                        tr {
                            td { (month) }
                            td { (reason_label(lang, reason)) }
                            td { (action_label(lang, action)) }
                            td { (lang.number(*n)) }
                        }
                    }
                }
            }
        }
    };
    page(&v, &title, body).await
}

/// The warnings an account was given, for its notifications page.
pub fn warnings_section(lang: Lang, warnings: &[(String, chrono::NaiveDateTime)]) -> Markup {
    html! {
        @if !warnings.is_empty() {
            section class="warnings" aria-labelledby="warnings-heading" {
                h2 id="warnings-heading" { (lang.t("warnings-title")) }
                ul {
                    @for (note, at) in warnings {
                        li {
                            time datetime=(at.and_utc().to_rfc3339()) { (lang.datetime(*at)) }
                            " — " (note)
                        }
                    }
                }
            }
        }
    }
}
