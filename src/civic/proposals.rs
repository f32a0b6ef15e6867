//! Citizen proposals: people suggest something to their town, others support it; past the commune's
//! threshold of resident supports the town must answer, and every change of status after that comes with a
//! public answer by an official. A proposal is a debate (title, summary, text, comment thread) with a
//! `proposals` row beside it.

use diesel::prelude::*;

use crate::civic::accounts::speaks_for;
use crate::civic::debates::{NewDebate, bounded, debate, markdown_to_html, publish};
use crate::civic::{now, outbox};
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, DebateId, RemoteActorId, ThemeId};
use crate::ids::{ApUrl, StatusChangeId, SupportId};
use crate::model::Outbound;
use crate::model::schema::{
    actors, communes, notifications, proposal_followers, proposal_history, proposal_supports,
    proposals, themes,
};
use crate::model::{Account, Debate, Proposal, ProposalStatus, Role, SupportCategory};

pub const MAX_PLACE: usize = 200;
pub const MAX_ANSWER: usize = 10_000;
/// A threshold no town needs to go past (a large city's petition threshold is in the tens of thousands).
pub const MAX_THRESHOLD: i64 = 1_000_000;

/// What a person proposes.
#[derive(Clone, Debug, Default)]
pub struct NewProposal {
    pub title: String,
    /// One or two sentences: what Mastodon users see under the title.
    pub summary: String,
    /// Markdown.
    pub body: String,
    pub theme: Option<ThemeId>,
    /// An address or a place name.
    pub place: Option<String>,
    /// Latitude and longitude, both or neither.
    pub coordinates: Option<(f64, f64)>,
}

/// Resident supports a new proposal of the commune needs to be put under review.
pub fn threshold(conn: &mut AnyConnection, commune: ActorId) -> Result<i64> {
    Ok(communes::table
        .find(commune)
        .select(communes::proposal_threshold)
        .first(conn)?)
}

/// An admin sets the threshold of the account's commune; proposals already published keep theirs.
pub fn set_threshold(conn: &mut AnyConnection, admin: &Account, value: i64) -> Result<()> {
    if admin.role != Role::Admin {
        return Err(Error::Forbidden(
            "only an admin sets the proposal threshold".into(),
        ));
    }
    if !(1..=MAX_THRESHOLD).contains(&value) {
        return Err(Error::invalid(
            "threshold",
            format!("must be between 1 and {MAX_THRESHOLD}"),
        ));
    }
    diesel::update(communes::table.find(admin.commune_id))
        .set(communes::proposal_threshold.eq(value))
        .execute(conn)?;
    Ok(())
}

/// Any account of the commune proposes; its commune announces the proposal like a debate.
pub fn propose(conn: &mut AnyConnection, account: &Account, new: NewProposal) -> Result<DebateId> {
    let place = match new.place.as_deref().map(str::trim) {
        Some(p) if !p.is_empty() => Some(bounded("place", p, MAX_PLACE, false)?),
        _ => None,
    };
    if let Some((lat, lon)) = new.coordinates
        && !((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon))
    {
        return Err(Error::invalid(
            "coordinates",
            "latitude must be between -90 and 90, longitude between -180 and 180",
        ));
    }
    if let Some(theme) = new.theme {
        let known: i64 = themes::table
            .filter(themes::id.eq(theme))
            .filter(themes::commune_id.eq(account.commune_id))
            .count()
            .get_result(conn)?;
        if known == 0 {
            return Err(Error::invalid("theme", "is not a theme of this commune"));
        }
    }
    let threshold = threshold(conn, account.commune_id)?;
    let debate = NewDebate {
        title: new.title,
        question: new.summary,
        body: new.body,
        themes: new.theme.into_iter().collect(),
        ..NewDebate::default()
    };
    let id = publish(conn, account, &debate)?;
    diesel::insert_into(proposals::table)
        .values((
            proposals::debate_id.eq(id),
            proposals::status.eq(ProposalStatus::Published),
            proposals::theme_id.eq(new.theme),
            proposals::place.eq(place),
            proposals::latitude.eq(new.coordinates.map(|c| c.0)),
            proposals::longitude.eq(new.coordinates.map(|c| c.1)),
            proposals::threshold.eq(threshold),
        ))
        .execute(conn)?;
    record_change(conn, id, ProposalStatus::Published, None)?;
    add_follower(conn, account.actor_id, id)?;
    Ok(id)
}

/// The proposal part of a debate; `NotFound` for a debate that is not a proposal.
pub fn proposal(conn: &mut AnyConnection, id: DebateId) -> Result<Proposal> {
    proposals::table
        .find(id)
        .select(Proposal::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no proposal {id}")))
}

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
            notify(conn, *official, d.id, "threshold")?;
        }
    }
    // Officials who also follow it were told once, above.
    notify_followers(conn, d.id, "status", &officials)
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

/// A public answer as the history keeps it: sanitized HTML, who gave it (an account here, when known), and
/// their name and mandate as they were then.
struct Answer<'a> {
    html: &'a str,
    by: Option<ActorId>,
    name: &'a str,
    mandate: &'a str,
}

fn record_change(
    conn: &mut AnyConnection,
    id: DebateId,
    status: ProposalStatus,
    answer: Option<Answer<'_>>,
) -> Result<i64> {
    Ok(diesel::insert_into(proposal_history::table)
        .values((
            proposal_history::debate_id.eq(id),
            proposal_history::status.eq(status),
            proposal_history::answer_html.eq(answer.as_ref().map(|a| a.html)),
            proposal_history::answered_by.eq(answer.as_ref().and_then(|a| a.by)),
            proposal_history::answerer_name.eq(answer.as_ref().map_or("", |a| a.name)),
            proposal_history::answerer_mandate.eq(answer.as_ref().map_or("", |a| a.mandate)),
            proposal_history::at.eq(now()),
        ))
        .returning(proposal_history::id)
        .get_result(conn)?)
}

/// The mandate shown under an answer: the answerer's current one, as the town wrote it; empty for a moderator
/// or admin acting for the commune without a mandate (their name is shown alone).
fn mandate_of(conn: &mut AnyConnection, account: &Account) -> Result<String> {
    let today = chrono::Utc::now().date_naive();
    Ok(crate::db::queries::mandates_of(conn, account.actor_id)?
        .into_iter()
        .find(|m| m.is_current(today))
        .map(|m| format!("{}, {}", m.office, m.governing_body))
        .unwrap_or_default())
}

/// An official (or a moderator or admin acting for the commune) moves a proposal to a new status with a
/// public answer. The answer is required, the move must follow the lifecycle, and a proposal answered by
/// someone else meanwhile is not overwritten. Followers are told; the commune sends the new `Page` and the
/// answer as a `Note` replying to it (Mastodon shows the Note, not the Page's content).
pub fn answer(
    conn: &mut AnyConnection,
    account: &Account,
    id: DebateId,
    status: ProposalStatus,
    text: &str,
) -> Result<()> {
    let found = proposal(conn, id)?;
    let d = debate(conn, id)?;
    let commune = match d.commune_id {
        Some(c) if speaks_for(account, c) => c,
        Some(_) => {
            return Err(Error::Forbidden(
                "only the commune's officials, moderators and admins answer its proposals".into(),
            ));
        }
        None => {
            return Err(Error::Forbidden(
                "this proposal is hosted on another server: its commune answers it there".into(),
            ));
        }
    };
    if !found.status.next().contains(&status) {
        return Err(Error::invalid(
            "status",
            format!(
                "a proposal {} cannot become {}",
                found.status.as_str(),
                status.as_str()
            ),
        ));
    }
    let text = bounded("answer", text, MAX_ANSWER, true)?;
    let changed = diesel::update(
        proposals::table
            .find(id)
            .filter(proposals::status.eq(found.status)),
    )
    .set(proposals::status.eq(status))
    .execute(conn)?;
    if changed == 0 {
        return Err(Error::Conflict(
            "this proposal was answered meanwhile: read the new answer first".into(),
        ));
    }
    let name: String = actors::table
        .find(account.actor_id)
        .select(actors::display_name)
        .first(conn)?;
    let mandate = mandate_of(conn, account)?;
    let html = markdown_to_html(&text);
    let change = record_change(
        conn,
        id,
        status,
        Some(Answer {
            html: &html,
            by: Some(account.actor_id),
            name: &name,
            mandate: &mandate,
        }),
    )?;
    notify_followers(conn, id, "answered", &[account.actor_id])?;
    outbox::record(conn, commune, Outbound::ProposalUpdated { proposal: id })?;
    outbox::record(
        conn,
        commune,
        Outbound::ProposalAnswered {
            change: StatusChangeId(change),
        },
    )
}

/// Follows a proposal's answers, or stops.
pub fn follow(conn: &mut AnyConnection, who: ActorId, id: DebateId, on: bool) -> Result<()> {
    proposal(conn, id)?;
    if on {
        add_follower(conn, who, id)?;
    } else {
        diesel::delete(
            proposal_followers::table
                .filter(proposal_followers::debate_id.eq(id))
                .filter(proposal_followers::account_id.eq(who)),
        )
        .execute(conn)?;
    }
    Ok(())
}

/// An account follows a proposal (its author and supporters do, without asking).
fn add_follower(conn: &mut AnyConnection, who: ActorId, id: DebateId) -> Result<()> {
    crate::on_each_backend!(conn, |c| diesel::insert_into(proposal_followers::table)
        .values((
            proposal_followers::debate_id.eq(id),
            proposal_followers::account_id.eq(Some(who)),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

/// A remote actor follows a proposal hosted here as an object (a `Follow` of its `Page`, accepted at once
/// by its commune when `follow` names that activity), or stops.
pub fn remote_follow(
    conn: &mut AnyConnection,
    who: RemoteActorId,
    id: DebateId,
    on: bool,
    follow: Option<&str>,
) -> Result<()> {
    if on {
        let Some(commune) = debate(conn, id)?.commune_id else {
            return Err(Error::NotFound(format!(
                "proposal {id} is followed on its own server"
            )));
        };
        proposal(conn, id)?;
        if let Some(follow) = follow {
            // A Follow without a usable id cannot be answered (nothing would name it).
            if let Ok(follow) = ApUrl::parse(follow) {
                outbox::record(
                    conn,
                    commune,
                    Outbound::ProposalFollowAccepted {
                        proposal: id,
                        follower: who,
                        follow,
                    },
                )?;
            }
        }
        add_remote_follower(conn, who, id)?;
    } else {
        diesel::delete(
            proposal_followers::table
                .filter(proposal_followers::debate_id.eq(id))
                .filter(proposal_followers::remote_actor_id.eq(who)),
        )
        .execute(conn)?;
    }
    Ok(())
}

fn add_remote_follower(conn: &mut AnyConnection, who: RemoteActorId, id: DebateId) -> Result<()> {
    crate::on_each_backend!(conn, |c| diesel::insert_into(proposal_followers::table)
        .values((
            proposal_followers::debate_id.eq(id),
            proposal_followers::remote_actor_id.eq(Some(who)),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

/// The remote actors following a proposal.
pub fn remote_followers(conn: &mut AnyConnection, id: DebateId) -> Result<Vec<RemoteActorId>> {
    Ok(proposal_followers::table
        .filter(proposal_followers::debate_id.eq(id))
        .filter(proposal_followers::remote_actor_id.is_not_null())
        .select(proposal_followers::remote_actor_id.assume_not_null())
        .load(conn)?)
}

fn notify(conn: &mut AnyConnection, account: ActorId, id: DebateId, kind: &str) -> Result<()> {
    diesel::insert_into(notifications::table)
        .values((
            notifications::account_id.eq(account),
            notifications::debate_id.eq(Some(id)),
            notifications::kind.eq(kind),
            notifications::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Tells the local followers of a proposal, but the one who caused it.
fn notify_followers(
    conn: &mut AnyConnection,
    id: DebateId,
    kind: &str,
    except: &[ActorId],
) -> Result<()> {
    let followers: Vec<ActorId> = proposal_followers::table
        .filter(proposal_followers::debate_id.eq(id))
        .filter(proposal_followers::account_id.is_not_null())
        .select(proposal_followers::account_id.assume_not_null())
        .load(conn)?;
    for follower in followers.into_iter().filter(|f| !except.contains(f)) {
        notify(conn, follower, id, kind)?;
    }
    Ok(())
}

/// What a proposal hosted elsewhere says of itself in its `Page`.
#[derive(Clone, Debug)]
pub struct RemoteProposal {
    pub status: ProposalStatus,
    pub theme: Option<String>,
    pub place: Option<String>,
    pub coordinates: Option<(f64, f64)>,
    pub supports_residents: i64,
    pub supports_local: i64,
    pub supports_remote: i64,
    pub threshold: i64,
    /// The latest official answer: its HTML (cleaned here), the official's name and mandate.
    pub answer: Option<(String, String, String)>,
}

/// Keeps the proposal part of a copy of a debate hosted elsewhere. A new status is added to the copy's
/// history with the answer that came with it, and the copy's local followers are told.
pub fn store_remote_proposal(
    conn: &mut AnyConnection,
    id: DebateId,
    remote: RemoteProposal,
) -> Result<()> {
    let clamp = |n: i64| n.clamp(0, i64::from(i32::MAX));
    let place = remote
        .place
        .map(|p| p.trim().chars().take(MAX_PLACE).collect::<String>())
        .filter(|p| !p.is_empty());
    let theme = remote
        .theme
        .map(|t| t.trim().chars().take(100).collect::<String>())
        .filter(|t| !t.is_empty());
    let coordinates = remote
        .coordinates
        .filter(|(lat, lon)| (-90.0..=90.0).contains(lat) && (-180.0..=180.0).contains(lon));
    let previous: Option<ProposalStatus> = proposals::table
        .find(id)
        .select(proposals::status)
        .first(conn)
        .optional()?;
    // Statuses only move forward: an Update delivered late (or a commune going back and forth) changes
    // the counts, not the status, and adds nothing to the history.
    let status = match previous {
        Some(prev)
            if prev != remote.status
                && !prev.next().contains(&remote.status)
                && !(prev == ProposalStatus::Published
                    && remote.status == ProposalStatus::UnderReview) =>
        {
            prev
        }
        _ => remote.status,
    };
    let values = (
        proposals::status.eq(status),
        proposals::remote_theme.eq(theme),
        proposals::place.eq(place),
        proposals::latitude.eq(coordinates.map(|c| c.0)),
        proposals::longitude.eq(coordinates.map(|c| c.1)),
        proposals::supports_residents.eq(clamp(remote.supports_residents)),
        proposals::supports_local.eq(clamp(remote.supports_local)),
        proposals::supports_remote.eq(clamp(remote.supports_remote)),
        proposals::threshold.eq(clamp(remote.threshold).max(1)),
    );
    match previous {
        Some(_) => {
            diesel::update(proposals::table.find(id))
                .set(values)
                .execute(conn)?;
        }
        None => {
            diesel::insert_into(proposals::table)
                .values((proposals::debate_id.eq(id), values))
                .execute(conn)?;
        }
    }
    if previous != Some(status) {
        let answer = remote.answer.map(|(html, name, mandate)| {
            let html: String = html.chars().take(MAX_ANSWER * 4).collect();
            (
                crate::civic::notes::sanitize_remote_html(&html),
                name.chars().take(200).collect::<String>(),
                mandate.chars().take(200).collect::<String>(),
            )
        });
        record_change(
            conn,
            id,
            status,
            answer.as_ref().map(|(html, name, mandate)| Answer {
                html,
                by: None,
                name,
                mandate,
            }),
        )?;
        if previous.is_some() {
            notify_followers(conn, id, "status", &[])?;
        }
    }
    Ok(())
}

/// A notification, with the title of the proposal it is about.
#[derive(Clone, Debug)]
pub struct Notification {
    pub id: i64,
    pub debate: Option<(DebateId, String)>,
    pub kind: String,
    pub created_at: chrono::NaiveDateTime,
    pub read: bool,
}

type NotificationRow = (
    i64,
    Option<DebateId>,
    Option<String>,
    String,
    chrono::NaiveDateTime,
    Option<chrono::NaiveDateTime>,
);

/// An account's notifications, the latest first, marked read as they are shown.
pub fn take_notifications(conn: &mut AnyConnection, account: ActorId) -> Result<Vec<Notification>> {
    use crate::model::schema::debates;
    let rows: Vec<NotificationRow> = notifications::table
        .left_join(debates::table)
        .filter(notifications::account_id.eq(account))
        .order(notifications::id.desc())
        .limit(100)
        .select((
            notifications::id,
            notifications::debate_id,
            debates::title.nullable(),
            notifications::kind,
            notifications::created_at,
            notifications::read_at,
        ))
        .load(conn)?;
    diesel::update(
        notifications::table
            .filter(notifications::account_id.eq(account))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(Some(now())))
    .execute(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, debate, title, kind, created_at, read_at)| Notification {
                id,
                debate: debate.zip(title),
                kind,
                created_at,
                read: read_at.is_some(),
            },
        )
        .collect())
}

/// How many notifications an account has not read.
pub fn unread(conn: &mut AnyConnection, account: ActorId) -> Result<i64> {
    Ok(notifications::table
        .filter(notifications::account_id.eq(account))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)?)
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
