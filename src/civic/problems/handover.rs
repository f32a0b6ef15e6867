//! Handing a report to the authority that can fix it: the staff of the commune where it was filed offer it,
//! with a message, to another commune here or to a commune of a partner's server; that commune's staff
//! accept or decline it (with a message). Accepted, the receiving commune manages its status from then on,
//! and the commune where it was filed still publishes every change to its followers; declined, it stays
//! where it was filed, with the reason. Only the commune where a report was filed hands it over, once at a
//! time, and never to itself: a report cannot go round in a loop.

use super::lifecycle::tell_followers;
use super::*;
use crate::ids::{HandoverId, RemoteActorId, RemoteProblemId};
use crate::model::schema::{actors, federation_rules, problem_handovers, remote_actors};
use crate::model::{ActorKind, Handing, Handover, HandoverRow, HandoverState, RemoteActor};

/// Longest message of a hand-over or of its answer.
pub const MAX_HANDOVER_MESSAGE: usize = 2_000;

/// Who manages a report filed here now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// The commune where it was filed.
    Origin,
    /// Another commune here, which accepted it.
    Commune(ActorId),
    /// A commune of another server, which accepted it.
    Remote(RemoteActorId),
}

/// Who a report is offered to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandTo {
    Commune(ActorId),
    Remote(RemoteActorId),
}

fn read_rows(rows: Vec<HandoverRow>) -> Vec<Handover> {
    rows.into_iter().filter_map(HandoverRow::read).collect()
}

/// A hand-over, by its id.
pub fn handover(conn: &mut AnyConnection, id: HandoverId) -> Result<Handover> {
    problem_handovers::table
        .find(id)
        .select(HandoverRow::as_select())
        .first(conn)
        .optional()?
        .and_then(HandoverRow::read)
        .ok_or_else(|| Error::NotFound("no such hand-over".into()))
}

/// The hand-overs of a report filed here, oldest first.
pub fn handovers(conn: &mut AnyConnection, id: ProblemId) -> Result<Vec<Handover>> {
    Ok(read_rows(
        problem_handovers::table
            .filter(problem_handovers::problem_id.eq(id))
            .order(problem_handovers::id.asc())
            .select(HandoverRow::as_select())
            .load(conn)?,
    ))
}

/// The offers of a report of another server made to communes here, oldest first.
pub fn offers(conn: &mut AnyConnection, id: RemoteProblemId) -> Result<Vec<Handover>> {
    Ok(read_rows(
        problem_handovers::table
            .filter(problem_handovers::remote_problem_id.eq(id))
            .order(problem_handovers::id.asc())
            .select(HandoverRow::as_select())
            .load(conn)?,
    ))
}

/// What was handed to a commune here and still waits for its answer, or was accepted (its staff's share of
/// the work queue), newest first.
pub fn handed_to(conn: &mut AnyConnection, commune: ActorId) -> Result<Vec<Handover>> {
    Ok(read_rows(
        problem_handovers::table
            .filter(problem_handovers::to_commune_id.eq(commune))
            .filter(problem_handovers::state.ne(HandoverState::Declined))
            .order(problem_handovers::id.desc())
            .limit(200)
            .select(HandoverRow::as_select())
            .load(conn)?,
    ))
}

/// Whether the report of another server `ap_id` was offered to a commune here (and not declined): its
/// commune's updates are then kept even if nobody here follows it.
pub fn is_offered_here(conn: &mut AnyConnection, ap_id: &str) -> Result<bool> {
    use crate::model::schema::remote_problems;
    use diesel::dsl::exists;
    Ok(diesel::select(exists(
        problem_handovers::table
            .inner_join(
                remote_problems::table.on(remote_problems::id
                    .nullable()
                    .eq(problem_handovers::remote_problem_id)),
            )
            .filter(remote_problems::ap_id.eq(ap_id))
            .filter(problem_handovers::state.ne(HandoverState::Declined)),
    ))
    .get_result(conn)?)
}

/// Who manages a report filed here: the commune that accepted it, else the commune where it was filed.
pub fn owner(conn: &mut AnyConnection, id: ProblemId) -> Result<Owner> {
    Ok(owner_of(&handovers(conn, id)?))
}

/// The same, from the report's hand-overs already read.
pub fn owner_of(handovers: &[Handover]) -> Owner {
    let accepted = handovers
        .iter()
        .rfind(|h| h.state == HandoverState::Accepted);
    match accepted.map(|h| &h.handing) {
        Some(Handing::Local { to, .. }) => Owner::Commune(*to),
        Some(Handing::Outgoing { to, .. }) => Owner::Remote(*to),
        _ => Owner::Origin,
    }
}

/// The communes a report may be handed to.
#[derive(Clone, Debug, Default)]
pub struct Partners {
    /// The other communes here: id and name.
    pub local: Vec<(ActorId, String)>,
    /// The communes of partners' servers that this instance knows.
    pub remote: Vec<RemoteActor>,
}

/// The communes a report of `commune` may be handed to: the other communes here, and the communes of
/// partners' servers that this instance knows.
pub fn partners(conn: &mut AnyConnection, commune: ActorId) -> Result<Partners> {
    let local: Vec<(ActorId, String)> = actors::table
        .filter(actors::kind.eq(ActorKind::Commune))
        .filter(actors::id.ne(commune))
        .filter(actors::deleted_at.is_null())
        .order(actors::display_name.asc())
        .select((actors::id, actors::display_name))
        .load(conn)?;
    let hosts: Vec<String> = federation_rules::table
        .filter(federation_rules::partner.eq(true))
        .select(federation_rules::domain)
        .load(conn)?;
    let mut remote: Vec<RemoteActor> = remote_actors::table
        .filter(remote_actors::kind.eq("Group"))
        .order(remote_actors::display_name.asc())
        .select(RemoteActor::as_select())
        .load(conn)?;
    remote.retain(|r| host_of(&r.ap_id).is_some_and(|h| hosts.contains(&h)));
    Ok(Partners { local, remote })
}

/// The host of an actor's id, as partnership rules name it (no port, lower case, no final dot).
fn host_of(ap_id: &str) -> Option<String> {
    let url = url::Url::parse(ap_id).ok()?;
    Some(url.host_str()?.trim_end_matches('.').to_ascii_lowercase())
}

/// Whether an actor is on a server the admin partnered with.
pub fn is_partner(conn: &mut AnyConnection, ap_id: &str) -> Result<bool> {
    use diesel::dsl::exists;
    let Some(host) = host_of(ap_id) else {
        return Ok(false);
    };
    Ok(diesel::select(exists(
        federation_rules::table
            .filter(federation_rules::domain.eq(host))
            .filter(federation_rules::partner.eq(true)),
    ))
    .get_result(conn)?)
}

/// A second hand-over of the same report inserted at the same time (the partial unique index of migration
/// 25): the losing request is told, as if it had seen the first.
fn unique_as_conflict(e: diesel::result::Error) -> Error {
    match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => Error::Conflict("this report is already offered: wait for the answer".into()),
        other => other.into(),
    }
}

/// Refuses a second hand-over while one waits for its answer or was accepted.
fn require_not_handed(existing: &[Handover]) -> Result<()> {
    match existing.iter().find(|h| h.state != HandoverState::Declined) {
        Some(h) if h.state == HandoverState::Offered => Err(Error::Conflict(
            "this report is already offered: wait for the answer".into(),
        )),
        Some(_) => Err(Error::Conflict(
            "this report was already handed over".into(),
        )),
        None => Ok(()),
    }
}

/// The staff of the commune where a report was filed offer it to another commune, with a message saying
/// why. A commune here sees it in its work queue; a commune of a partner's server is sent an `Offer`.
pub fn hand_over(
    conn: &mut AnyConnection,
    staff: &Account,
    id: ProblemId,
    to: HandTo,
    message: &str,
) -> Result<HandoverId> {
    let found = problem(conn, id)?;
    require_staff(staff, found.commune_id)?;
    require_not_handed(&handovers(conn, id)?)?;
    if !found.status.is_open() {
        return Err(Error::Conflict(
            "a closed report is not handed over: take it up again first".into(),
        ));
    }
    let message = bounded("message", message, MAX_HANDOVER_MESSAGE, true)?;
    let (local, remote) = match to {
        HandTo::Commune(commune) => {
            if commune == found.commune_id {
                return Err(Error::invalid(
                    "to",
                    "a report is handed to another commune",
                ));
            }
            let receiver = crate::db::queries::actor_by_id(conn, commune)
                .ok()
                .filter(|a| a.kind == ActorKind::Commune && a.deleted_at.is_none());
            if receiver.is_none() {
                return Err(Error::invalid("to", "choose one of the partner communes"));
            }
            (Some(commune), None)
        }
        HandTo::Remote(commune) => {
            let receiver = crate::civic::remote::remote_actor(conn, commune)?;
            if receiver.kind != "Group" || !is_partner(conn, &receiver.ap_id)? {
                return Err(Error::invalid(
                    "to",
                    "a report is handed to a commune of a partner's server only",
                ));
            }
            (None, Some(commune))
        }
    };
    let handover: HandoverId = diesel::insert_into(problem_handovers::table)
        .values((
            problem_handovers::problem_id.eq(Some(id)),
            problem_handovers::from_commune_id.eq(Some(found.commune_id)),
            problem_handovers::to_commune_id.eq(local),
            problem_handovers::to_remote_id.eq(remote),
            problem_handovers::state.eq(HandoverState::Offered),
            problem_handovers::message.eq(&message),
            problem_handovers::offered_by.eq(Some(staff.actor_id)),
            problem_handovers::created_at.eq(now()),
        ))
        .returning(problem_handovers::id)
        .get_result(conn)
        .map_err(unique_as_conflict)?;
    if remote.is_some() {
        outbox::record(
            conn,
            found.commune_id,
            Outbound::ProblemOffered { handover },
        )?;
    }
    Ok(handover)
}

/// The staff of the commune where a report was filed withdraw an offer still waiting for its answer (the
/// other commune does not answer, or it was a mistake): the report can be offered again. Withdrawn, it
/// reads as declined, with the reason given. An offer to another server is withdrawn here only: that server
/// may still accept it, and is then told it is too late (`409`).
pub fn withdraw_handover(
    conn: &mut AnyConnection,
    staff: &Account,
    id: HandoverId,
    reason: &str,
) -> Result<()> {
    let found = handover(conn, id)?;
    let from = match found.handing {
        Handing::Local { from, .. } | Handing::Outgoing { from, .. } => from,
        Handing::Incoming { .. } => {
            return Err(Error::Forbidden(
                "an offer from another server is answered, not withdrawn".into(),
            ));
        }
    };
    require_staff(staff, from)?;
    let reason = answer_text(false, reason)?;
    answered(conn, id, false, &reason, Some(staff.actor_id))
}

/// A report filed at a place in another commune's area here: offered to it at once, for its staff to accept.
pub(super) fn offer_to_area(
    conn: &mut AnyConnection,
    id: ProblemId,
    from: ActorId,
    to: ActorId,
) -> Result<HandoverId> {
    Ok(diesel::insert_into(problem_handovers::table)
        .values((
            problem_handovers::problem_id.eq(Some(id)),
            problem_handovers::from_commune_id.eq(Some(from)),
            problem_handovers::to_commune_id.eq(Some(to)),
            problem_handovers::state.eq(HandoverState::Offered),
            problem_handovers::message.eq(
                "Filed at a place inside this commune's area, outside the area of the commune where it was \
                 filed.",
            ),
            problem_handovers::created_at.eq(now()),
        ))
        .returning(problem_handovers::id)
        .get_result(conn)?)
}

fn answered(
    conn: &mut AnyConnection,
    id: HandoverId,
    accept: bool,
    answer: &str,
    by: Option<ActorId>,
) -> Result<()> {
    let state = if accept {
        HandoverState::Accepted
    } else {
        HandoverState::Declined
    };
    let changed = diesel::update(
        problem_handovers::table
            .find(id)
            .filter(problem_handovers::state.eq(HandoverState::Offered)),
    )
    .set((
        problem_handovers::state.eq(state),
        problem_handovers::answer.eq(answer),
        problem_handovers::answered_by.eq(by),
        problem_handovers::answered_at.eq(Some(now())),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(Error::Conflict(
            "this hand-over was already answered".into(),
        ));
    }
    Ok(())
}

/// The answer's message: needed to decline (the commune where it was filed reads why).
fn answer_text(accept: bool, answer: &str) -> Result<String> {
    bounded("answer", answer, MAX_HANDOVER_MESSAGE, !accept)
}

/// The staff of the commune a report was offered to accept or decline it. A report filed here: the
/// commune where it was filed federates its new manager, and the reporter and supporters are told. A report
/// of another server: its commune is sent `Accept` or `Reject`.
pub fn answer_handover(
    conn: &mut AnyConnection,
    staff: &Account,
    id: HandoverId,
    accept: bool,
    answer: &str,
) -> Result<()> {
    let found = handover(conn, id)?;
    let answer = answer_text(accept, answer)?;
    match found.handing {
        Handing::Local {
            problem: p,
            from,
            to,
        } => {
            require_staff(staff, to)?;
            answered(conn, id, accept, &answer, Some(staff.actor_id))?;
            let report = problem(conn, p)?;
            tell_followers(conn, &report, Some(staff.actor_id))?;
            outbox::record(conn, from, Outbound::ProblemUpdated { problem: p })
        }
        Handing::Incoming { to, .. } => {
            require_staff(staff, to)?;
            answered(conn, id, accept, &answer, Some(staff.actor_id))?;
            outbox::record(conn, to, Outbound::ProblemOfferAnswered { handover: id })
        }
        Handing::Outgoing { .. } => Err(Error::Forbidden(
            "the commune of the other server answers this offer".into(),
        )),
    }
}

/// The answer of another server's commune to a report offered to it: only that commune answers, once.
/// Returns `false` for a repeated answer (nothing changed).
pub fn remote_answer(
    conn: &mut AnyConnection,
    commune: RemoteActorId,
    id: HandoverId,
    accept: bool,
    answer: &str,
) -> Result<bool> {
    let found = handover(conn, id)?;
    let Handing::Outgoing {
        problem: p,
        from,
        to,
    } = found.handing
    else {
        return Err(Error::Forbidden(
            "this hand-over is not an offer to another server".into(),
        ));
    };
    if to != commune {
        return Err(Error::Forbidden(
            "only the commune the report was offered to answers".into(),
        ));
    }
    let wanted = if accept {
        HandoverState::Accepted
    } else {
        HandoverState::Declined
    };
    if found.state == wanted {
        return Ok(false);
    }
    let answer: String = answer.trim().chars().take(MAX_HANDOVER_MESSAGE).collect();
    answered(conn, id, accept, &answer, None)?;
    let report = problem(conn, p)?;
    tell_followers(conn, &report, None)?;
    outbox::record(conn, from, Outbound::ProblemUpdated { problem: p })?;
    Ok(true)
}

/// A report of another server's commune offered to a commune here (its copy already kept): recorded for
/// that commune's staff to answer. A second offer of the same report while one waits or was accepted is
/// refused.
pub fn receive_offer(
    conn: &mut AnyConnection,
    report: RemoteProblemId,
    from: RemoteActorId,
    to: ActorId,
    offer: &str,
    message: &str,
) -> Result<HandoverId> {
    require_not_handed(&offers(conn, report)?)?;
    let message: String = message.trim().chars().take(MAX_HANDOVER_MESSAGE).collect();
    diesel::insert_into(problem_handovers::table)
        .values((
            problem_handovers::remote_problem_id.eq(Some(report)),
            problem_handovers::from_remote_id.eq(Some(from)),
            problem_handovers::to_commune_id.eq(Some(to)),
            problem_handovers::offer_ap_id.eq(Some(offer)),
            problem_handovers::state.eq(HandoverState::Offered),
            problem_handovers::message.eq(message),
            problem_handovers::created_at.eq(now()),
        ))
        .returning(problem_handovers::id)
        .get_result(conn)
        .map_err(unique_as_conflict)
}

/// The staff of a commune here that accepted another server's report set its status: the change goes to
/// the report's commune, which publishes it and sends it back to us.
pub fn change_handed_status(
    conn: &mut AnyConnection,
    staff: &Account,
    report: RemoteProblemId,
    status: ProblemStatus,
    message: &str,
) -> Result<()> {
    let accepted = offers(conn, report)?
        .into_iter()
        .rfind(|h| h.state == HandoverState::Accepted)
        .ok_or_else(|| Error::Forbidden("this report was not handed to a commune here".into()))?;
    let Handing::Incoming { to, .. } = accepted.handing else {
        return Err(Error::internal("an offer of a copy is incoming"));
    };
    require_staff(staff, to)?;
    let (copy, _) = remote_problem(conn, report)?;
    if status == ProblemStatus::Duplicate || !copy.status.next().contains(&status) {
        return Err(Error::invalid(
            "status",
            format!(
                "a report {} cannot become {}",
                copy.status.as_str(),
                status.as_str()
            ),
        ));
    }
    let message = bounded("message", message, MAX_MESSAGE, true)?;
    // The copy changes when the report's commune publishes the change (its `Update(Page)`): it is the
    // report's word, and may refuse a change its own status no longer allows.
    outbox::record(
        conn,
        to,
        Outbound::HandedStatusChanged {
            handover: accepted.id,
            status,
            message,
        },
    )
}
