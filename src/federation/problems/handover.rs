//! Reports handed between authorities' servers.
//!
//! - The commune where a report was filed offers it to a partner's commune: `Offer` by the commune, its
//!   `object` the report's `Page` (embedded), its `target` and `to` the receiving commune, its `content` the
//!   reason. Its id is `https://HOST/handovers/{n}`.
//! - The receiving commune answers with `Accept` or `Reject` whose `object` is the `Offer`'s id, `content`
//!   its message (the reason of a refusal).
//! - Once it accepted, each status it sets goes to the commune where the report was filed as `Update` of a
//!   partial `Page` (`id`, `problemStatus`, `statusMessage`); that commune applies it (only when the signer
//!   is the commune the report was handed to), tells the reporter and supporters, and publishes its own
//!   `Update(Page)`, with `handledBy` naming the receiving commune, to its followers and to that commune.
//!
//! What a sender could lie about: an `Offer` is taken only from a partner's server, from a commune, of a
//! report of its own (the `Page`'s id on its server, attributed to it), to one of our communes; an `Offer`
//! of one of our own reports is a loop and refused; an answer counts only from the commune the report was
//! offered to; a status only from the commune that accepted the report.

use serde::Serialize;

use super::*;
use crate::civic::inbox as received;
use crate::error::Error;
use crate::ids::HandoverId;
use crate::model::{Handing, ProblemStatus, RemoteActor};

/// A status set by the commune a report was handed to, as it tells the commune where it was filed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HandedStatus {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: Url,
    /// `parvis:problemStatus`.
    pub problem_status: ProblemStatus,
    /// `parvis:statusMessage`: the public message of the change.
    pub status_message: String,
}

fn paragraph(text: &str) -> String {
    format!("<p>{}</p>", escape_html(text))
}

fn remote_of(conn: &mut AnyConnection, id: crate::ids::RemoteActorId) -> Result<RemoteActor> {
    crate::civic::remote::remote_actor(conn, id)
}

/// A report offered to another server's commune: the `Offer` of its `Page`.
pub fn offered(conn: &mut AnyConnection, s: &Sender, id: HandoverId) -> Result<Planned> {
    let handover = problems::handover(conn, id)?;
    let Handing::Outgoing { problem, to, .. } = handover.handing else {
        return Err(Error::internal("only an offer to another server is sent"));
    };
    let to = remote_of(conn, to)?;
    let report = problems::problem(conn, problem)?;
    let object = page(conn, s.urls, s.url.clone(), &report)?;
    let mut activity = s.activity(
        ApType::Offer,
        s.urls.handover(id),
        ObjectOut::Problem(Box::new(object)),
        vec![to.ap_id.clone()],
        vec![],
    );
    activity.target = Url::parse(&to.ap_id).ok();
    activity.content = Some(paragraph(&handover.message));
    Ok(Planned::unlisted(
        activity,
        [to.delivery_inbox().to_string()],
    ))
}

/// A commune here answers another server's offer: `Accept` or `Reject` of the `Offer`.
pub fn offer_answered(conn: &mut AnyConnection, s: &Sender, id: HandoverId) -> Result<Planned> {
    let handover = problems::handover(conn, id)?;
    let Handing::Incoming { from, offer, .. } = handover.handing else {
        return Err(Error::internal(
            "only an offer from another server is answered",
        ));
    };
    let from = remote_of(conn, from)?;
    let kind = match handover.state {
        crate::model::HandoverState::Accepted => ApType::Accept,
        crate::model::HandoverState::Declined => ApType::Reject,
        crate::model::HandoverState::Offered => {
            return Err(Error::internal("an offer not answered yet"));
        }
    };
    let offer = Url::parse(&offer).map_err(Error::internal)?;
    let mut activity = s.activity(
        kind,
        s.urls.handover_answer(id),
        ObjectOut::Link(offer),
        vec![from.ap_id.clone()],
        vec![],
    );
    if !handover.answer.is_empty() {
        activity.content = Some(paragraph(&handover.answer));
    }
    Ok(Planned::unlisted(
        activity,
        [from.delivery_inbox().to_string()],
    ))
}

/// A status set here on a report handed to us: `Update` of the report, to the commune where it was filed.
pub fn handed_status(
    conn: &mut AnyConnection,
    s: &Sender,
    id: HandoverId,
    status: ProblemStatus,
    message: &str,
) -> Result<Planned> {
    let handover = problems::handover(conn, id)?;
    let Handing::Incoming { problem, from, .. } = handover.handing else {
        return Err(Error::internal(
            "only a report handed to us gets our status",
        ));
    };
    let from = remote_of(conn, from)?;
    let (copy, _) = problems::remote_problem(conn, problem)?;
    let object = HandedStatus {
        kind: "Page",
        id: Url::parse(&copy.ap_id).map_err(Error::internal)?,
        problem_status: status,
        status_message: message.to_string(),
    };
    Ok(Planned::unlisted(
        s.activity(
            ApType::Update,
            s.urls.activity(),
            ObjectOut::HandedStatus(Box::new(object)),
            vec![from.ap_id.clone()],
            vec![],
        ),
        [from.delivery_inbox().to_string()],
    ))
}

/// The text of an activity's `content`, as plain text.
fn message_of(content: Option<&Value>) -> String {
    content
        .and_then(Value::as_str)
        .map(crate::civic::notes::html_to_text)
        .unwrap_or_default()
}

/// An `Offer` of a report to one of our communes.
pub async fn receive_offer(
    ctx: &AppContext,
    signer: RemoteActor,
    activity_id: String,
    page: &Value,
    target: Option<Url>,
    content: Option<&Value>,
) -> Result<()> {
    let to = target
        .as_ref()
        .and_then(|t| ctx.urls.parse_actor(t))
        .filter(|(kind, _)| *kind == ActorKind::Commune)
        .ok_or_else(|| Error::NotFound("an Offer's target must be one of our communes".into()))?;
    if crate::federation::activities::id_of(page)
        .and_then(|id| ctx.urls.parse_problem(id))
        .is_some()
    {
        return Err(Error::Conflict(
            "this report was filed here: it cannot be handed back (a loop)".into(),
        ));
    }
    let (report, links) = read_report(page, &signer)?;
    let signer_id = signer.ap_id.clone();
    let (partner, stored) = {
        let ap_id = report.ap_id.clone();
        ctx.db
            .run(move |conn| {
                Ok((
                    problems::is_partner(conn, &signer_id)?,
                    problems::remote_photo_sources(conn, &ap_id)?,
                ))
            })
            .await?
    };
    if !partner {
        return Err(Error::Forbidden(format!(
            "{} is not a partner of this server: reports are handed between partners",
            signer.domain
        )));
    }
    let message = message_of(content);
    let (name, offer, from) = (to.1, activity_id.clone(), signer.id);
    let kept = Kept {
        report,
        links,
        stored,
        post: None,
    };
    keep_report(ctx, &signer, activity_id, kept, move |conn, copy| {
        let commune = queries::actor_of_kind(conn, ActorKind::Commune, &name)?
            .ok_or_else(|| Error::NotFound("no such commune".into()))?;
        problems::receive_offer(conn, copy, from, commune.id, &offer, &message)?;
        Ok(())
    })
    .await
}

/// `Accept` or `Reject` of a report we offered: only the commune it was offered to answers.
pub async fn receive_answer(
    ctx: &AppContext,
    signer: RemoteActor,
    activity_id: String,
    handover: HandoverId,
    accepted: bool,
    content: Option<&Value>,
) -> Result<()> {
    let answer = message_of(content);
    ctx.db
        .transaction(move |conn| {
            if !received::first_time(conn, &activity_id)? {
                return Ok(());
            }
            problems::remote_answer(conn, signer.id, handover, accepted, &answer)?;
            Ok(())
        })
        .await?;
    ctx.wake.notify_one();
    Ok(())
}

/// `Update` of one of our reports by the commune it was handed to: its new status.
pub async fn receive_owner_status(
    ctx: &AppContext,
    signer: RemoteActor,
    activity_id: String,
    problem: crate::ids::ProblemId,
    page: &Value,
) -> Result<()> {
    let status = page
        .get("problemStatus")
        .and_then(Value::as_str)
        .and_then(ProblemStatus::parse)
        .ok_or_else(|| Error::BadRequest("the Update needs a known problemStatus".into()))?;
    let message = page
        .get("statusMessage")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    ctx.db
        .transaction(move |conn| {
            if !received::first_time(conn, &activity_id)? {
                return Ok(());
            }
            problems::remote_owner_status(conn, signer.id, problem, status, &message)
        })
        .await?;
    ctx.wake.notify_one();
    ctx.mail_wake.notify_one();
    Ok(())
}
