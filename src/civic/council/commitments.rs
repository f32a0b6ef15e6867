//! Commitments (the council's action plan): an official publishes what they commit to, with milestones and
//! dates, possibly answering a proposal of the commune; they move it on (status, progress, milestones done)
//! and the people who follow it are told. Each is the official's `Page` for other servers, sent again on
//! every change.

use super::*;
use crate::civic::notifications::{Kind, Notice, notify};
use crate::ids::{CommitmentId, DebateId};
use crate::model::schema::{
    commitment_followers, commitment_milestones, commitments, debates, proposals,
};
use crate::model::{Commitment, CommitmentStatus, Milestone};

pub const MAX_TITLE: usize = 200;
pub const MAX_DESCRIPTION: usize = 20_000;
pub const MAX_MILESTONES: usize = 30;

/// What an official commits to.
#[derive(Clone, Debug)]
pub struct NewCommitment {
    pub title: String,
    pub description: String,
    pub due_on: Option<NaiveDate>,
    /// The proposal of the commune it answers.
    pub proposal: Option<DebateId>,
    /// Its milestones, in order: a title and a date.
    pub milestones: Vec<(String, Option<NaiveDate>)>,
}

/// How it has come on.
#[derive(Clone, Debug)]
pub struct Progress {
    pub status: CommitmentStatus,
    pub progress: i32,
    /// The milestones done (their ids); the others are not.
    pub done: Vec<i64>,
}

fn require_official(account: &Account) -> Result<()> {
    if account.role == Role::Official {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only officials publish commitments".into(),
        ))
    }
}

fn one_line(field: &'static str, raw: &str, max: usize) -> Result<String> {
    let text = crate::civic::debates::text::bounded(field, raw, max, true)?;
    if text.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must be one line"));
    }
    Ok(text)
}

/// An official publishes a commitment.
pub fn publish(
    conn: &mut AnyConnection,
    official: &Account,
    new: &NewCommitment,
) -> Result<CommitmentId> {
    require_official(official)?;
    let title = one_line("title", &new.title, MAX_TITLE)?;
    let description = crate::civic::debates::text::bounded(
        "description",
        &new.description,
        MAX_DESCRIPTION,
        false,
    )?;
    if new.milestones.len() > MAX_MILESTONES {
        return Err(Error::invalid(
            "milestones",
            format!("at most {MAX_MILESTONES} milestones"),
        ));
    }
    let milestones = new
        .milestones
        .iter()
        .map(|(t, d)| Ok((one_line("milestones", t, MAX_TITLE)?, *d)))
        .collect::<Result<Vec<_>>>()?;
    if let Some(proposal) = new.proposal {
        let of: Option<Option<ActorId>> = proposals::table
            .inner_join(debates::table)
            .filter(proposals::debate_id.eq(proposal))
            .select(debates::commune_id)
            .first(conn)
            .optional()?;
        if of.flatten() != Some(official.commune_id) {
            return Err(Error::invalid("proposal", "not a proposal of this commune"));
        }
    }
    let id: CommitmentId =
        crate::on_each_backend!(conn, |c| diesel::insert_into(commitments::table)
            .values((
                commitments::commune_id.eq(official.commune_id),
                commitments::official_id.eq(official.actor_id),
                commitments::title.eq(&title),
                commitments::description.eq(&description),
                commitments::status.eq(CommitmentStatus::Planned),
                commitments::progress.eq(0),
                commitments::due_on.eq(new.due_on),
                commitments::proposal_id.eq(new.proposal),
                commitments::created_at.eq(now()),
                commitments::updated_at.eq(now()),
            ))
            .returning(commitments::id)
            .get_result(c))?;
    for (position, (title, due)) in milestones.iter().enumerate() {
        diesel::insert_into(commitment_milestones::table)
            .values((
                commitment_milestones::commitment_id.eq(id),
                commitment_milestones::position.eq(position as i32),
                commitment_milestones::title.eq(title),
                commitment_milestones::due_on.eq(*due),
            ))
            .execute(conn)?;
    }
    outbox::record(
        conn,
        official.actor_id,
        Outbound::CommitmentPublished { commitment: id },
    )?;
    Ok(id)
}

pub fn commitment(
    conn: &mut AnyConnection,
    id: CommitmentId,
) -> Result<(Commitment, Vec<Milestone>)> {
    let found = commitments::table
        .find(id)
        .select(Commitment::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound("no such commitment".into()))?;
    let milestones = commitment_milestones::table
        .filter(commitment_milestones::commitment_id.eq(id))
        .order(commitment_milestones::position.asc())
        .select(Milestone::as_select())
        .load(conn)?;
    Ok((found, milestones))
}

/// Its official moves it on: status, progress (0-100) and the milestones done. The people who follow it
/// are told; other servers get the `Update`.
pub fn move_on(
    conn: &mut AnyConnection,
    official: &Account,
    id: CommitmentId,
    progress: &Progress,
) -> Result<()> {
    let (found, milestones) = commitment(conn, id)?;
    if found.official_id != official.actor_id {
        return Err(Error::Forbidden(
            "only its official moves a commitment on".into(),
        ));
    }
    if !(0..=100).contains(&progress.progress) {
        return Err(Error::invalid("progress", "between 0 and 100"));
    }
    let progress_value = if progress.status == CommitmentStatus::Done {
        100
    } else {
        progress.progress
    };
    diesel::update(commitments::table.find(id))
        .set((
            commitments::status.eq(progress.status),
            commitments::progress.eq(progress_value),
            commitments::updated_at.eq(now()),
        ))
        .execute(conn)?;
    for m in &milestones {
        let done = progress.done.contains(&m.id);
        if done != m.done {
            diesel::update(commitment_milestones::table.find(m.id))
                .set(commitment_milestones::done.eq(done))
                .execute(conn)?;
        }
    }
    let people: Vec<ActorId> = commitment_followers::table
        .filter(commitment_followers::commitment_id.eq(id))
        .select(commitment_followers::account_id)
        .load(conn)?;
    for person in people.into_iter().filter(|p| *p != official.actor_id) {
        notify(
            conn,
            person,
            Notice {
                kind: Kind::CommitmentProgress,
                debate: None,
                link: Some(format!("/commitments/{id}")),
                about: None,
                by: None,
                note: None,
                from: None,
            },
        )?;
    }
    outbox::record(
        conn,
        official.actor_id,
        Outbound::CommitmentUpdated { commitment: id },
    )
}

/// Someone follows a commitment (`true`), or stops (`false`).
pub fn set_following(
    conn: &mut AnyConnection,
    account: &Account,
    id: CommitmentId,
    follow: bool,
) -> Result<()> {
    commitment(conn, id)?;
    if follow {
        crate::on_each_backend!(conn, |c| diesel::insert_into(commitment_followers::table)
            .values((
                commitment_followers::commitment_id.eq(id),
                commitment_followers::account_id.eq(account.actor_id),
            ))
            .on_conflict_do_nothing()
            .execute(c))?;
    } else {
        diesel::delete(
            commitment_followers::table
                .filter(commitment_followers::commitment_id.eq(id))
                .filter(commitment_followers::account_id.eq(account.actor_id)),
        )
        .execute(conn)?;
    }
    Ok(())
}

pub fn follows(conn: &mut AnyConnection, account: ActorId, id: CommitmentId) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        commitment_followers::table
            .filter(commitment_followers::commitment_id.eq(id))
            .filter(commitment_followers::account_id.eq(account)),
    ))
    .get_result(conn)?)
}

/// The council's commitments, latest first, with their official's username and display name.
pub fn of_commune(
    conn: &mut AnyConnection,
    commune: ActorId,
) -> Result<Vec<(Commitment, String, String)>> {
    Ok(commitments::table
        .inner_join(actors::table.on(actors::id.eq(commitments::official_id)))
        .filter(commitments::commune_id.eq(commune))
        .order(commitments::id.desc())
        .limit(500)
        .select((
            Commitment::as_select(),
            actors::username,
            actors::display_name,
        ))
        .load(conn)?)
}

/// How many of the council's commitments are done, of how many (abandoned ones counted).
pub fn tally(conn: &mut AnyConnection, commune: ActorId) -> Result<(i64, i64)> {
    let rows: Vec<CommitmentStatus> = commitments::table
        .filter(commitments::commune_id.eq(commune))
        .select(commitments::status)
        .load(conn)?;
    let done = rows
        .iter()
        .filter(|s| **s == CommitmentStatus::Done)
        .count() as i64;
    Ok((done, rows.len() as i64))
}
