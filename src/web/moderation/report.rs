//! Reporting to the moderators: the form for a comment, debate, post or account, and its submission.

use axum::Form;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use crate::civic::moderation::{self, Target};
use crate::db::queries;
use crate::error::Error;
use crate::ids::{CommentId, DebateId, NoteId};
use crate::model::ReportReason;
use crate::web::forms::{self, FormErrors, Input};
use crate::web::i18n::Lang;
use crate::web::page_status;
use crate::web::session::Visitor;

use super::reason_label;

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
