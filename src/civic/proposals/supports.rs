//! Supports: given or withdrawn here or from another server, counted, and a proposal put under review when its
//! resident supports reach the threshold.

use crate::civic::notifications::Kind;
use diesel::prelude::*;

use super::answers::record_change;
use super::follows::{add_follower, add_remote_follower};
use super::notifications::{notify, notify_followers};
use super::proposal;
use crate::civic::debates::debate;
use crate::civic::{now, outbox};
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::SupportId;
use crate::ids::{ActorId, DebateId, RemoteActorId};
use crate::model::Outbound;
use crate::model::schema::{notifications, proposal_followers, proposal_supports, proposals};
use crate::model::{Account, Debate, Proposal, ProposalStatus, SupportCategory};

/// A local account supports a proposal (one click), or withdraws its support. Supporting twice has no second
/// effect, also when two requests race: the unique index decides. On a proposal hosted here the support is
/// counted at once (as a resident's when the account is a resident of the commune); on one hosted elsewhere
/// it is sent as a `Like` and counted there.
pub fn support(conn: &mut AnyConnection, account: &Account, id: DebateId, on: bool) -> Result<()> {
    let found = proposal(conn, id)?;
    let d = debate(conn, id)?;
    let who = account.actor_id;
    if !on {
        let removed: Option<(i64, SupportCategory)> =
            crate::on_each_backend!(conn, |c| diesel::delete(
                proposal_supports::table
                    .filter(proposal_supports::debate_id.eq(id))
                    .filter(proposal_supports::author_id.eq(who))
            )
            .returning((proposal_supports::id, proposal_supports::category))
            .get_result(c)
            .optional())?;
        if let Some((support, category)) = removed {
            if d.is_local() {
                count(conn, id, category, -1)?;
                supports_changed(conn, &d)?;
            } else {
                tell_withdrawn(conn, who, id, support)?;
            }
        }
        return Ok(());
    }
    if !found.takes_supports() {
        return Err(Error::invalid(
            "proposal",
            "has been answered: it takes no more supports",
        ));
    }
    let category = match d.commune_id {
        Some(commune) if account.commune_id == commune && account.resident => {
            SupportCategory::Resident
        }
        Some(_) => SupportCategory::Local,
        None => SupportCategory::Remote,
    };
    let inserted: Option<i64> =
        crate::on_each_backend!(conn, |c| diesel::insert_into(proposal_supports::table)
            .values((
                proposal_supports::debate_id.eq(id),
                proposal_supports::author_id.eq(Some(who)),
                proposal_supports::category.eq(category),
                proposal_supports::created_at.eq(now()),
            ))
            .on_conflict_do_nothing()
            .returning(proposal_supports::id)
            .get_result(c)
            .optional())?;
    let Some(support) = inserted else {
        return Ok(());
    };
    add_follower(conn, who, id)?;
    if d.is_local() {
        count(conn, id, category, 1)?;
        review_if_reached(conn, &d)?;
        supports_changed(conn, &d)
    } else {
        outbox::record(
            conn,
            who,
            Outbound::ProposalSupported {
                proposal: id,
                support: SupportId(support),
            },
        )
    }
}

/// A support from another server: a `Like` of the proposal's `Page` (a Mastodon favourite). Counted once per
/// person; the supporter then follows the proposal's answers. The Like of a debate that is not a proposal has
/// no effect.
pub fn remote_support(
    conn: &mut AnyConnection,
    who: RemoteActorId,
    like_ap_id: &str,
    id: DebateId,
) -> Result<()> {
    let Some(found): Option<Proposal> = proposals::table
        .find(id)
        .select(Proposal::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(());
    };
    let d = debate(conn, id)?;
    if !d.is_local() {
        // A copy of a proposal hosted elsewhere: its commune counts the supports.
        return Ok(());
    }
    if !found.takes_supports() {
        return Err(Error::Forbidden(
            "this proposal has been answered: it takes no more supports".into(),
        ));
    }
    let inserted: Option<i64> =
        crate::on_each_backend!(conn, |c| diesel::insert_into(proposal_supports::table)
            .values((
                proposal_supports::debate_id.eq(id),
                proposal_supports::remote_author_id.eq(Some(who)),
                proposal_supports::ap_id.eq(Some(like_ap_id)),
                proposal_supports::category.eq(SupportCategory::Remote),
                proposal_supports::created_at.eq(now()),
            ))
            .on_conflict_do_nothing()
            .returning(proposal_supports::id)
            .get_result(c)
            .optional())?;
    if inserted.is_some() {
        count(conn, id, SupportCategory::Remote, 1)?;
        add_remote_follower(conn, who, id)?;
        supports_changed(conn, &d)?;
    }
    Ok(())
}

/// `Undo(Like)` of a support from another server. `false` when the `Like` was not a support we know.
pub fn remote_unsupport(
    conn: &mut AnyConnection,
    who: RemoteActorId,
    like_ap_id: &str,
) -> Result<bool> {
    let removed: Option<(DebateId, SupportCategory)> =
        crate::on_each_backend!(conn, |c| diesel::delete(
            proposal_supports::table
                .filter(proposal_supports::ap_id.eq(like_ap_id))
                .filter(proposal_supports::remote_author_id.eq(who))
        )
        .returning((proposal_supports::debate_id, proposal_supports::category))
        .get_result(c)
        .optional())?;
    let Some((id, category)) = removed else {
        return Ok(false);
    };
    let d = debate(conn, id)?;
    count(conn, id, category, -1)?;
    supports_changed(conn, &d)?;
    Ok(true)
}

/// Adds `delta` to one of the counts. The row update takes the row's lock, so concurrent supports of one
/// proposal are counted one after the other (on PostgreSQL as on SQLite) and the threshold check that follows
/// sees every support committed before it.
fn count(
    conn: &mut AnyConnection,
    id: DebateId,
    category: SupportCategory,
    delta: i64,
) -> Result<()> {
    // A support is counted only while the proposal takes them: an answer committed meanwhile wins.
    let open = [ProposalStatus::Published, ProposalStatus::UnderReview];
    let allowed: &[ProposalStatus] = if delta > 0 {
        &open
    } else {
        ProposalStatus::ALL
    };
    let target = proposals::table
        .find(id)
        .filter(proposals::status.eq_any(allowed));
    let changed = match category {
        SupportCategory::Resident => diesel::update(target)
            .set(proposals::supports_residents.eq(proposals::supports_residents + delta))
            .execute(conn)?,
        SupportCategory::Local => diesel::update(target)
            .set(proposals::supports_local.eq(proposals::supports_local + delta))
            .execute(conn)?,
        SupportCategory::Remote => diesel::update(target)
            .set(proposals::supports_remote.eq(proposals::supports_remote + delta))
            .execute(conn)?,
    };
    if changed == 0 {
        return Err(Error::Conflict(
            "this proposal has been answered: it takes no more supports".into(),
        ));
    }
    Ok(())
}

/// Puts a published proposal under review once its resident supports reach its threshold: exactly once,
/// since only the update that finds it still `published` changes it. Its commune's officials are told.
fn review_if_reached(conn: &mut AnyConnection, d: &Debate) -> Result<()> {
    let changed = diesel::update(
        proposals::table
            .find(d.id)
            .filter(proposals::status.eq(ProposalStatus::Published))
            .filter(proposals::supports_residents.ge(proposals::threshold)),
    )
    .set(proposals::status.eq(ProposalStatus::UnderReview))
    .execute(conn)?;
    if changed == 0 {
        return Ok(());
    }
    record_change(conn, d.id, ProposalStatus::UnderReview, None)?;
    let mut officials: Vec<ActorId> = vec![];
    if let Some(commune) = d.commune_id {
        officials = crate::db::queries::officials_of(conn, commune)?
            .into_iter()
            .map(|(a, _)| a.id)
            .collect();
        for official in &officials {
            notify(conn, *official, d.id, Kind::ProposalThreshold)?;
        }
    }
    // Officials who also follow it were told once, above.
    notify_followers(conn, d.id, Kind::ProposalStatus, &officials)
}

/// How long a change of counts waits before its `Update` goes out.
const COUNTS_DELAY: chrono::Duration = chrono::Duration::seconds(2);

/// The counts of a proposal hosted here changed: its `Page` is sent again a moment later, with at most one
/// `Update` waiting at a time (a burst of supports makes one update, not one per support).
fn supports_changed(conn: &mut AnyConnection, d: &Debate) -> Result<()> {
    let Some(commune) = d.commune_id else {
        return Ok(());
    };
    outbox::record_coalesced(
        conn,
        commune,
        Outbound::ProposalUpdated { proposal: d.id },
        COUNTS_DELAY,
    )
}

/// The proposal's server is told that a support given from here is withdrawn (an `Undo(Like)`).
fn tell_withdrawn(
    conn: &mut AnyConnection,
    who: ActorId,
    id: DebateId,
    support: i64,
) -> Result<()> {
    outbox::record(
        conn,
        who,
        Outbound::ProposalUnsupported {
            proposal: id,
            support: SupportId(support),
        },
    )
}

/// A deleted account's or forgotten remote actor's supports are withdrawn, the counts with them; it no longer
/// follows proposals, and a deleted account's notifications go.
pub fn withdraw_supports_of(
    conn: &mut AnyConnection,
    writer: crate::civic::debates::Writer,
) -> Result<()> {
    use crate::civic::debates::Writer;
    let mut query = proposal_supports::table
        .select((
            proposal_supports::id,
            proposal_supports::debate_id,
            proposal_supports::category,
        ))
        .into_boxed();
    query = match writer {
        Writer::Local(id) => query.filter(proposal_supports::author_id.eq(id)),
        Writer::Remote(id) => query.filter(proposal_supports::remote_author_id.eq(id)),
    };
    let found: Vec<(i64, DebateId, SupportCategory)> = query.load(conn)?;
    match writer {
        Writer::Local(id) => {
            diesel::delete(proposal_followers::table.filter(proposal_followers::account_id.eq(id)))
                .execute(conn)?;
            diesel::delete(notifications::table.filter(notifications::account_id.eq(id)))
                .execute(conn)?;
        }
        Writer::Remote(id) => {
            diesel::delete(
                proposal_followers::table.filter(proposal_followers::remote_actor_id.eq(id)),
            )
            .execute(conn)?;
        }
    }
    for (support, id, category) in found {
        // Counted only if it is this transaction that removes it: an `Undo(Like)` of the same support may have
        // removed it (and its count) meanwhile, as when a remote account's Undo and Delete arrive together.
        if diesel::delete(proposal_supports::table.find(support)).execute(conn)? == 0 {
            continue;
        }
        let d = debate(conn, id)?;
        if d.is_local() {
            count(conn, id, category, -1)?;
            supports_changed(conn, &d)?;
        } else if let Writer::Local(who) = writer {
            // A support given to another server's proposal is taken back there, as when its author
            // withdraws it.
            tell_withdrawn(conn, who, id, support)?;
        }
    }
    Ok(())
}
