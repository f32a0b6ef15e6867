//! "I have this problem too": people here, and `Like`s from other servers.

use super::*;

fn recount(conn: &mut AnyConnection, id: ProblemId) -> Result<()> {
    let n: i64 = problem_supporters::table
        .filter(problem_supporters::problem_id.eq(id))
        .count()
        .get_result(conn)?;
    diesel::update(problems::table.find(id))
        .set(problems::supporters.eq(n))
        .execute(conn)?;
    Ok(())
}

/// "I have this problem too" (or no longer): a supporter, not a new report. Not by its reporter.
pub fn support(conn: &mut AnyConnection, account: &Account, id: ProblemId, on: bool) -> Result<()> {
    crate::civic::addresses::may_write(account)?;
    let found = problem(conn, id)?;
    if found.author_id == Some(account.actor_id) {
        return Err(Error::invalid(
            "support",
            "you reported this problem yourself",
        ));
    }
    let mine = problem_supporters::table
        .filter(problem_supporters::problem_id.eq(id))
        .filter(problem_supporters::account_id.eq(account.actor_id));
    let changed = if on {
        crate::on_each_backend!(conn, |c| diesel::insert_into(problem_supporters::table)
            .values((
                problem_supporters::problem_id.eq(id),
                problem_supporters::account_id.eq(Some(account.actor_id)),
                problem_supporters::created_at.eq(now()),
            ))
            .on_conflict_do_nothing()
            .execute(c))?
    } else {
        diesel::delete(mine).execute(conn)?
    };
    if changed > 0 {
        recount(conn, id)?;
        outbox::record_coalesced(
            conn,
            found.commune_id,
            Outbound::ProblemUpdated { problem: id },
            SUPPORT_DELAY,
        )?;
    }
    Ok(())
}

/// Whether an account said it has this problem too.
pub fn supports(conn: &mut AnyConnection, account: ActorId, id: ProblemId) -> Result<bool> {
    Ok(problem_supporters::table
        .filter(problem_supporters::problem_id.eq(id))
        .filter(problem_supporters::account_id.eq(account))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// A `Like` of a report from another server (a Mastodon favourite): a supporter, once per person.
pub fn remote_support(
    conn: &mut AnyConnection,
    liker: crate::ids::RemoteActorId,
    like: &str,
    id: ProblemId,
) -> Result<()> {
    let found = problem(conn, id)?;
    let inserted =
        crate::on_each_backend!(conn, |c| diesel::insert_into(problem_supporters::table)
            .values((
                problem_supporters::problem_id.eq(id),
                problem_supporters::remote_actor_id.eq(Some(liker)),
                problem_supporters::like_ap_id.eq(Some(like)),
                problem_supporters::created_at.eq(now()),
            ))
            .on_conflict_do_nothing()
            .execute(c))?;
    if inserted > 0 {
        recount(conn, id)?;
        outbox::record_coalesced(
            conn,
            found.commune_id,
            Outbound::ProblemUpdated { problem: id },
            SUPPORT_DELAY,
        )?;
    }
    Ok(())
}

/// The people of other servers who have this problem too (they hear of its changes).
pub fn remote_supporters(
    conn: &mut AnyConnection,
    id: ProblemId,
) -> Result<Vec<crate::ids::RemoteActorId>> {
    Ok(problem_supporters::table
        .filter(problem_supporters::problem_id.eq(id))
        .filter(problem_supporters::remote_actor_id.is_not_null())
        .select(problem_supporters::remote_actor_id.assume_not_null())
        .load(conn)?)
}

/// An `Undo(Like)` of a report, by the one who liked it. Returns whether it was one.
pub fn remote_unsupport(
    conn: &mut AnyConnection,
    liker: crate::ids::RemoteActorId,
    like: &str,
) -> Result<bool> {
    let found: Option<(i64, ProblemId)> = problem_supporters::table
        .filter(problem_supporters::like_ap_id.eq(like))
        .filter(problem_supporters::remote_actor_id.eq(liker))
        .select((problem_supporters::id, problem_supporters::problem_id))
        .first(conn)
        .optional()?;
    let Some((row, id)) = found else {
        return Ok(false);
    };
    diesel::delete(problem_supporters::table.find(row)).execute(conn)?;
    recount(conn, id)?;
    let commune = problem(conn, id)?.commune_id;
    outbox::record_coalesced(
        conn,
        commune,
        Outbound::ProblemUpdated { problem: id },
        SUPPORT_DELAY,
    )?;
    Ok(true)
}
