//! Questionnaires: several questions asked together, answered once per account; their free-text answers are
//! for those who speak for the commune.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::asking::{NewPoll, check_closing, insert_poll, require_asker};
use super::listing::{PollSummary, with_options};
use super::votes::cast;
use super::{MAX_INTRO, MAX_QUESTIONS, MAX_TEXT_ANSWER, MAX_TITLE};
use crate::civic::accounts::speaks_for;
use crate::civic::debates::{bounded, markdown_to_html};
use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, OptionId, PollId, QuestionnaireId};
use crate::model::schema::{poll_texts, polls, questionnaire_responses, questionnaires};
use crate::model::{Account, Eligibility, Poll, PollKind, Questionnaire};

/// One question of a questionnaire.
#[derive(Clone, Debug)]
pub struct NewQuestion {
    pub prompt: String,
    pub kind: PollKind,
    pub options: Vec<String>,
    /// A single or multiple choice question also published as a federated poll.
    pub federated: bool,
}

#[derive(Clone, Debug)]
pub struct NewQuestionnaire {
    pub title: String,
    /// Markdown.
    pub intro: String,
    pub closes_at: NaiveDateTime,
    pub eligibility: Eligibility,
    pub questions: Vec<NewQuestion>,
}

pub fn create_questionnaire(
    conn: &mut AnyConnection,
    account: &Account,
    new: &NewQuestionnaire,
) -> Result<QuestionnaireId> {
    require_asker(conn, account)?;
    let title = bounded("title", &new.title, MAX_TITLE, true)?;
    let intro = bounded("intro", &new.intro, MAX_INTRO, false)?;
    check_closing("closes_at", new.closes_at)?;
    if new.questions.is_empty() || new.questions.len() > MAX_QUESTIONS {
        return Err(Error::invalid(
            "questions",
            format!("give between 1 and {MAX_QUESTIONS} questions"),
        ));
    }
    let id: QuestionnaireId = diesel::insert_into(questionnaires::table)
        .values((
            questionnaires::commune_id.eq(account.commune_id),
            questionnaires::author_id.eq(Some(account.actor_id)),
            questionnaires::title.eq(&title),
            questionnaires::intro_html.eq(markdown_to_html(&intro)),
            questionnaires::closes_at.eq(new.closes_at),
            questionnaires::created_at.eq(now()),
        ))
        .returning(questionnaires::id)
        .get_result(conn)?;
    for q in &new.questions {
        let poll = NewPoll {
            question: q.prompt.clone(),
            kind: q.kind,
            options: q.options.clone(),
            closes_at: new.closes_at,
            eligibility: new.eligibility,
            live_results: false,
            federated: q.federated,
        };
        insert_poll(conn, account, &poll, Some(id))?;
    }
    Ok(id)
}

pub fn questionnaire(conn: &mut AnyConnection, id: QuestionnaireId) -> Result<Questionnaire> {
    questionnaires::table
        .find(id)
        .select(Questionnaire::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no questionnaire {id}")))
}

/// A questionnaire's questions in order, with their options.
pub fn questions(conn: &mut AnyConnection, id: QuestionnaireId) -> Result<Vec<PollSummary>> {
    let found: Vec<Poll> = polls::table
        .filter(polls::questionnaire_id.eq(id))
        .order(polls::id.asc())
        .select(Poll::as_select())
        .load(conn)?;
    with_options(conn, found)
}

/// Open questionnaires and the latest closed ones of a commune, newest first.
pub fn questionnaires_of(
    conn: &mut AnyConnection,
    commune: ActorId,
    limit: i64,
) -> Result<Vec<Questionnaire>> {
    Ok(questionnaires::table
        .filter(questionnaires::commune_id.eq(commune))
        .order(questionnaires::id.desc())
        .limit(limit)
        .select(Questionnaire::as_select())
        .load(conn)?)
}

/// An answer to one question.
#[derive(Clone, Debug)]
pub enum Answer {
    Choices(Vec<OptionId>),
    Text(String),
}

/// An account answers a questionnaire, once: every choice and scale question needs an answer, free text may
/// stay empty. All or nothing: one wrong answer stores none.
pub fn answer_questionnaire(
    conn: &mut AnyConnection,
    account: &Account,
    id: QuestionnaireId,
    answers: &[(PollId, Answer)],
) -> Result<()> {
    let q = questionnaire(conn, id)?;
    if q.is_closed(now()) {
        return Err(Error::invalid("answers", "this questionnaire is closed"));
    }
    let inserted: Option<i64> = crate::on_each_backend!(conn, |c| diesel::insert_into(
        questionnaire_responses::table
    )
    .values((
        questionnaire_responses::questionnaire_id.eq(id),
        questionnaire_responses::account_id.eq(Some(account.actor_id)),
        questionnaire_responses::created_at.eq(now()),
    ))
    .on_conflict_do_nothing()
    .returning(questionnaire_responses::id)
    .get_result(c)
    .optional())?;
    if inserted.is_none() {
        return Err(Error::Conflict(
            "you have already answered this questionnaire".into(),
        ));
    }
    for item in questions(conn, id)? {
        let given = answers
            .iter()
            .find(|(p, _)| *p == item.poll.id)
            .map(|(_, a)| a);
        match (item.poll.kind, given) {
            (PollKind::Text, Some(Answer::Text(text))) => {
                let text = bounded("answers", text, MAX_TEXT_ANSWER, false)?;
                if !text.is_empty() {
                    diesel::insert_into(poll_texts::table)
                        .values((
                            poll_texts::poll_id.eq(item.poll.id),
                            poll_texts::body.eq(text),
                        ))
                        .execute(conn)?;
                }
            }
            (PollKind::Text, None) => {}
            (_, Some(Answer::Choices(choices))) => {
                cast(conn, account, &item.poll, choices).map_err(|e| match e {
                    Error::Invalid { message, .. } => {
                        Error::invalid("answers", format!("{}: {message}", item.poll.question))
                    }
                    other => other,
                })?;
            }
            _ => {
                return Err(Error::invalid(
                    "answers",
                    format!("{}: answer this question", item.poll.question),
                ));
            }
        }
    }
    diesel::update(questionnaires::table.find(id))
        .set(questionnaires::responses.eq(questionnaires::responses + 1))
        .execute(conn)?;
    Ok(())
}

/// Whether an account answered a questionnaire.
pub fn answered(conn: &mut AnyConnection, who: ActorId, id: QuestionnaireId) -> Result<bool> {
    let n: i64 = questionnaire_responses::table
        .filter(questionnaire_responses::questionnaire_id.eq(id))
        .filter(questionnaire_responses::account_id.eq(who))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The free-text answers to a questionnaire, by question: for those who speak for its commune only.
pub fn texts(
    conn: &mut AnyConnection,
    viewer: &Account,
    id: QuestionnaireId,
) -> Result<Vec<(PollId, String)>> {
    let q = questionnaire(conn, id)?;
    if !speaks_for(viewer, q.commune_id) {
        return Err(Error::Forbidden(
            "free-text answers are for the commune's moderators".into(),
        ));
    }
    Ok(poll_texts::table
        .inner_join(polls::table)
        .filter(polls::questionnaire_id.eq(id))
        .order(poll_texts::id.asc())
        .select((poll_texts::poll_id, poll_texts::body))
        .load(conn)?)
}
