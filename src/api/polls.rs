//! Polls and questionnaires in JSON. A poll has Mastodon's shape (`GET /api/v1/polls/{id}`, `POST
//! /api/v1/polls/{id}/votes` with option indexes), so fediverse clients can show and vote in it; Parvis adds
//! the question, who forms the official result and the other voices. Creating polls and questionnaires and
//! answering questionnaires are under `/api/v1/parvis/`.

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::auth::{CurrentAccount, ReadStatuses, WriteStatuses};
use crate::civic::now;
use crate::civic::polls::{self, Answer, NewPoll, NewQuestion, NewQuestionnaire};
use crate::context::AppContext;
use crate::error::{Error, Result};
use crate::ids::{ActorId, OptionId, PollId, QuestionnaireId};
use crate::model::{Eligibility, Poll, PollKind, PollOption};

#[derive(Debug, Serialize, ToSchema)]
pub struct PollOptionDto {
    pub title: String,
    /// Official votes; null while results are hidden.
    pub votes_count: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OtherVoicesDto {
    pub voters_count: i64,
    /// Per option, in the options' order.
    pub votes: Vec<i64>,
}

/// A poll, as Mastodon's API shows one, with Parvis's additions.
#[derive(Debug, Serialize, ToSchema)]
pub struct PollDto {
    pub id: String,
    /// The `Question`'s ActivityPub id.
    pub uri: String,
    pub url: String,
    pub question: String,
    /// single, multiple or scale.
    pub kind: String,
    pub expires_at: String,
    pub expired: bool,
    pub multiple: bool,
    /// Official votes (all options together: the turnout, public even while results are hidden, as on
    /// Mastodon).
    pub votes_count: i64,
    /// Null while results are hidden.
    pub voters_count: Option<i64>,
    pub options: Vec<PollOptionDto>,
    /// anyone, local or residents: whose votes form the official result.
    pub eligibility: String,
    /// Votes from outside the official result (restricted polls, once results are shown).
    pub other_voices: Option<OtherVoicesDto>,
    pub voted: bool,
    /// Indexes of the caller's choices.
    pub own_votes: Vec<usize>,
    pub emojis: Vec<String>,
}

pub(crate) fn dto(
    ctx: &AppContext,
    poll: &Poll,
    options: &[PollOption],
    mine: Option<&[OptionId]>,
) -> PollDto {
    let now = now();
    let shown = poll.shows_results(now);
    let restricted = poll.eligibility != Eligibility::Anyone;
    let url = ctx.urls.poll(poll.id).to_string();
    PollDto {
        id: poll.id.to_string(),
        uri: poll.ap_id.clone().unwrap_or_else(|| url.clone()),
        url,
        question: poll.question.clone(),
        kind: poll.kind.as_str().into(),
        expires_at: poll.closes_at.and_utc().to_rfc3339(),
        expired: poll.is_closed(now),
        multiple: poll.kind.is_multiple(),
        votes_count: options.iter().map(|o| o.votes).sum(),
        voters_count: shown.then_some(poll.voters),
        options: options
            .iter()
            .map(|o| PollOptionDto {
                title: o.name.clone(),
                votes_count: shown.then_some(o.votes),
            })
            .collect(),
        eligibility: poll.eligibility.as_str().into(),
        other_voices: (shown && restricted).then(|| OtherVoicesDto {
            voters_count: poll.other_voters,
            votes: options.iter().map(|o| o.other_votes).collect(),
        }),
        voted: mine.is_some(),
        own_votes: mine
            .map(|chosen| {
                options
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| chosen.contains(&o.id))
                    .map(|(i, _)| i)
                    .collect()
            })
            .unwrap_or_default(),
        emojis: vec![],
    }
}

fn poll_id(raw: &str) -> Result<PollId> {
    raw.parse()
        .map(PollId)
        .map_err(|_| Error::NotFound(format!("no poll {raw}")))
}

async fn detail(ctx: &AppContext, id: PollId, viewer: Option<ActorId>) -> Result<PollDto> {
    let (poll, options, mine) = ctx
        .db
        .run(move |conn| {
            let poll = polls::poll(conn, id)?;
            let options = polls::options(conn, id)?;
            let mine = match viewer {
                Some(v) => polls::choices_of(conn, v, id)?,
                None => None,
            };
            Ok((poll, options, mine))
        })
        .await?;
    if !ctx.policy().await.shows(&poll) {
        return Err(Error::NotFound(format!("no poll {id}")));
    }
    Ok(dto(ctx, &poll, &options, mine.as_deref()))
}

/// A poll (here, or copied from another server).
#[utoipa::path(get, path = "/api/v1/polls/{id}", tag = "polls",
    params(("id" = String, Path, description = "poll id")),
    responses((status = 200, body = PollDto), (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    State(ctx): State<AppContext>,
    current: Option<CurrentAccount<ReadStatuses>>,
    Path(id): Path<String>,
) -> Result<Json<PollDto>> {
    let id = poll_id(&id)?;
    Ok(Json(detail(&ctx, id, current.map(|c| c.actor.id)).await?))
}

/// Option indexes, as Mastodon clients send them: JSON (numbers or strings), or a form (`choices[]=0`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct VoteBody {
    /// The options' indexes (numbers, or text in a form: `choices[]=0&choices[]=2`).
    #[serde(default, deserialize_with = "crate::api::body::flexible::strings")]
    #[schema(value_type = Vec<String>)]
    pub choices: Vec<String>,
}

/// The option indexes of a vote.
fn vote_indexes(body: VoteBody) -> Result<Vec<u64>> {
    body.choices
        .iter()
        .map(|c| {
            c.parse()
                .map_err(|_| Error::invalid("choices", "give option indexes"))
        })
        .collect()
}

/// Votes, once: on a poll here it is counted at once; on another server's poll it is sent there.
#[utoipa::path(post, path = "/api/v1/polls/{id}/votes", tag = "polls", security(("bearer" = [])),
    params(("id" = String, Path, description = "poll id")), request_body = VoteBody,
    responses((status = 200, body = PollDto), (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn vote(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteStatuses>,
    Path(id): Path<String>,
    crate::api::body::Body(body): crate::api::body::Body<VoteBody>,
) -> Result<Json<PollDto>> {
    let id = poll_id(&id)?;
    let indexes = vote_indexes(body)?;
    let account = current.account.clone();
    ctx.db
        .transaction(move |conn| {
            let options = polls::options(conn, id)?;
            let choices = indexes
                .iter()
                .map(|i| {
                    options
                        .get(*i as usize)
                        .map(|o| o.id)
                        .ok_or_else(|| Error::invalid("choices", format!("no option {i}")))
                })
                .collect::<Result<Vec<_>>>()?;
            polls::vote(conn, &account, id, &choices)
        })
        .await?;
    ctx.wake.notify_one();
    Ok(Json(detail(&ctx, id, Some(current.actor.id)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPollBody {
    pub question: String,
    /// single (default) or multiple.
    #[serde(default)]
    pub kind: Option<String>,
    pub options: Vec<String>,
    pub closes_at: DateTime<Utc>,
    /// anyone (default), local or residents.
    #[serde(default)]
    pub eligibility: Option<String>,
    /// Counts shown while the vote runs (default true).
    #[serde(default)]
    pub live_results: Option<bool>,
    /// Published as a `Question` to other servers (default true).
    #[serde(default)]
    pub federated: Option<bool>,
}

fn eligibility(raw: Option<&str>) -> Result<Eligibility> {
    match raw {
        None | Some("") => Ok(Eligibility::Anyone),
        Some(e) => Eligibility::parse(e)
            .ok_or_else(|| Error::invalid("eligibility", "must be anyone, local or residents")),
    }
}

fn kind(raw: Option<&str>, default: PollKind) -> Result<PollKind> {
    match raw {
        None | Some("") => Ok(default),
        Some(k) => PollKind::parse(k)
            .ok_or_else(|| Error::invalid("kind", "must be single, multiple, scale or text")),
    }
}

/// Asks the caller's commune a question.
#[utoipa::path(post, path = "/api/v1/parvis/polls", tag = "polls", security(("bearer" = [])),
    request_body = NewPollBody,
    responses((status = 200, body = PollDto), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteStatuses>,
    Json(body): Json<NewPollBody>,
) -> Result<Json<PollDto>> {
    let new = NewPoll {
        question: body.question,
        kind: kind(body.kind.as_deref(), PollKind::Single)?,
        options: body.options,
        closes_at: body.closes_at.naive_utc(),
        eligibility: eligibility(body.eligibility.as_deref())?,
        live_results: body.live_results.unwrap_or(true),
        federated: body.federated.unwrap_or(true),
    };
    let account = current.account.clone();
    let id = ctx
        .db
        .transaction(move |conn| polls::create(conn, &account, &new))
        .await?;
    ctx.wake.notify_one();
    Ok(Json(detail(&ctx, id, Some(current.actor.id)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewQuestionBody {
    pub prompt: String,
    /// single, multiple, scale or text.
    pub kind: String,
    #[serde(default)]
    pub options: Vec<String>,
    /// Also published as a federated poll (single and multiple choice).
    #[serde(default)]
    pub federated: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewQuestionnaireBody {
    pub title: String,
    /// Markdown.
    #[serde(default)]
    pub intro: String,
    pub closes_at: DateTime<Utc>,
    #[serde(default)]
    pub eligibility: Option<String>,
    pub questions: Vec<NewQuestionBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionDto {
    /// The question's poll id: answers name it.
    pub id: String,
    pub prompt: String,
    pub kind: String,
    pub options: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionnaireDto {
    pub id: String,
    pub url: String,
    pub title: String,
    /// Sanitized HTML.
    pub intro: String,
    pub closes_at: String,
    pub closed: bool,
    pub responses: i64,
    pub answered: bool,
    pub questions: Vec<QuestionDto>,
}

async fn questionnaire_detail(
    ctx: &AppContext,
    id: QuestionnaireId,
    viewer: Option<ActorId>,
) -> Result<QuestionnaireDto> {
    let (q, items, answered) = ctx
        .db
        .run(move |conn| {
            let q = polls::questionnaire(conn, id)?;
            let items = polls::questions(conn, id)?;
            let answered = match viewer {
                Some(v) => polls::answered(conn, v, id)?,
                None => false,
            };
            Ok((q, items, answered))
        })
        .await?;
    Ok(QuestionnaireDto {
        id: q.id.to_string(),
        url: ctx.urls.questionnaire(q.id).to_string(),
        title: q.title.clone(),
        intro: q.intro_html.clone(),
        closes_at: q.closes_at.and_utc().to_rfc3339(),
        closed: q.is_closed(now()),
        responses: q.responses,
        answered,
        questions: items
            .iter()
            .map(|s| QuestionDto {
                id: s.poll.id.to_string(),
                prompt: s.poll.question.clone(),
                kind: s.poll.kind.as_str().into(),
                options: s.options.iter().map(|o| o.name.clone()).collect(),
            })
            .collect(),
    })
}

/// Creates a questionnaire for the caller's commune.
#[utoipa::path(post, path = "/api/v1/parvis/questionnaires", tag = "polls", security(("bearer" = [])),
    request_body = NewQuestionnaireBody,
    responses((status = 200, body = QuestionnaireDto), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_questionnaire(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteStatuses>,
    Json(body): Json<NewQuestionnaireBody>,
) -> Result<Json<QuestionnaireDto>> {
    let questions = body
        .questions
        .into_iter()
        .map(|q| {
            Ok(NewQuestion {
                prompt: q.prompt,
                kind: kind(Some(&q.kind), PollKind::Single)?,
                options: q.options,
                federated: q.federated,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let new = NewQuestionnaire {
        title: body.title,
        intro: body.intro,
        closes_at: body.closes_at.naive_utc(),
        eligibility: eligibility(body.eligibility.as_deref())?,
        questions,
    };
    let account = current.account.clone();
    let id = ctx
        .db
        .transaction(move |conn| polls::create_questionnaire(conn, &account, &new))
        .await?;
    ctx.wake.notify_one();
    Ok(Json(
        questionnaire_detail(&ctx, id, Some(current.actor.id)).await?,
    ))
}

fn questionnaire_id(raw: &str) -> Result<QuestionnaireId> {
    raw.parse()
        .map(QuestionnaireId)
        .map_err(|_| Error::NotFound(format!("no questionnaire {raw}")))
}

/// A questionnaire and its questions.
#[utoipa::path(get, path = "/api/v1/parvis/questionnaires/{id}", tag = "polls",
    params(("id" = String, Path, description = "questionnaire id")),
    responses((status = 200, body = QuestionnaireDto), (status = 404, body = crate::error::ErrorBody)))]
pub async fn questionnaire(
    State(ctx): State<AppContext>,
    current: Option<CurrentAccount<ReadStatuses>>,
    Path(id): Path<String>,
) -> Result<Json<QuestionnaireDto>> {
    let id = questionnaire_id(&id)?;
    Ok(Json(
        questionnaire_detail(&ctx, id, current.map(|c| c.actor.id)).await?,
    ))
}

/// One answer: option indexes for a choice or scale question, a text for a free-text one.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AnswerBody {
    /// The question's id.
    pub question: String,
    #[serde(default)]
    pub choices: Vec<usize>,
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResponseBody {
    pub answers: Vec<AnswerBody>,
}

/// Answers a questionnaire, once.
#[utoipa::path(post, path = "/api/v1/parvis/questionnaires/{id}/responses", tag = "polls",
    security(("bearer" = [])), params(("id" = String, Path, description = "questionnaire id")),
    request_body = ResponseBody,
    responses((status = 200, body = QuestionnaireDto), (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn respond(
    State(ctx): State<AppContext>,
    current: CurrentAccount<WriteStatuses>,
    Path(id): Path<String>,
    Json(body): Json<ResponseBody>,
) -> Result<Json<QuestionnaireDto>> {
    let id = questionnaire_id(&id)?;
    let account = current.account.clone();
    ctx.db
        .transaction(move |conn| {
            let items = polls::questions(conn, id)?;
            let mut answers = vec![];
            for a in body.answers {
                let item = items
                    .iter()
                    .find(|s| s.poll.id.to_string() == a.question)
                    .ok_or_else(|| {
                        Error::invalid("answers", format!("no question {}", a.question))
                    })?;
                let answer = match (&a.text, item.poll.kind) {
                    (Some(text), PollKind::Text) => Answer::Text(text.clone()),
                    (None, kind) if kind.has_options() => Answer::Choices(
                        a.choices
                            .iter()
                            .map(|i| {
                                item.options.get(*i).map(|o| o.id).ok_or_else(|| {
                                    Error::invalid("answers", format!("no option {i}"))
                                })
                            })
                            .collect::<Result<_>>()?,
                    ),
                    _ => {
                        return Err(Error::invalid(
                            "answers",
                            "a free-text question takes a text, the others choices",
                        ));
                    }
                };
                answers.push((item.poll.id, answer));
            }
            polls::answer_questionnaire(conn, &account, id, &answers)
        })
        .await?;
    ctx.wake.notify_one();
    Ok(Json(
        questionnaire_detail(&ctx, id, Some(current.actor.id)).await?,
    ))
}
