//! The audit log of moderation actions, the public transparency counts, and an account's warnings.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::require_moderator;
use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::Result;
use crate::ids::ActorId;
use crate::model::schema::{actors, moderation_actions, warnings};
use crate::model::{Account, ModerationAction as Action};

/// Writes an action to the audit log, under the moderator's name as it is now.
#[allow(clippy::too_many_arguments)]
pub(super) fn log(
    conn: &mut AnyConnection,
    moderator: &Account,
    commune: ActorId,
    action: Action,
    report: Option<i64>,
    target: &str,
    reason: &str,
    note: &str,
) -> Result<i64> {
    // The display name can change and repeat: the username, which cannot, goes with it.
    let (display, username): (String, String) = actors::table
        .find(moderator.actor_id)
        .select((actors::display_name, actors::username))
        .first(conn)?;
    let name = format!("{display} (@{username})");
    Ok(diesel::insert_into(moderation_actions::table)
        .values((
            moderation_actions::commune_id.eq(commune),
            moderation_actions::moderator_id.eq(Some(moderator.actor_id)),
            moderation_actions::moderator_name.eq(name),
            moderation_actions::action.eq(action.as_str()),
            moderation_actions::report_id.eq(report),
            moderation_actions::target.eq(target),
            moderation_actions::reason.eq(reason),
            moderation_actions::note.eq(note),
            moderation_actions::at.eq(now()),
        ))
        .returning(moderation_actions::id)
        .get_result(conn)?)
}

/// The admin actions the audit log also keeps (roles, mandates, claimed council profiles): not moderation,
/// so not counted on the transparency page.
const ADMIN_ACTIONS: [Action; 3] = [
    Action::RoleChange,
    Action::MandateChange,
    Action::CouncilClaim,
];

/// Writes an admin's action on roles, mandates or the council to the commune's audit log.
pub fn log_admin(
    conn: &mut AnyConnection,
    admin: &Account,
    action: Action,
    target: &str,
    note: &str,
) -> Result<i64> {
    debug_assert!(ADMIN_ACTIONS.contains(&action));
    log(
        conn,
        admin,
        admin.commune_id,
        action,
        None,
        target,
        "",
        note,
    )
}

/// One line of the audit log.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = moderation_actions)]
pub struct LoggedAction {
    pub id: i64,
    pub moderator_name: String,
    pub action: String,
    pub report_id: Option<i64>,
    pub target: String,
    pub reason: String,
    pub note: String,
    pub at: NaiveDateTime,
}

/// The audit log of the moderator's commune, newest first (for those who speak for it).
pub fn audit_log(conn: &mut AnyConnection, moderator: &Account) -> Result<Vec<LoggedAction>> {
    require_moderator(moderator, moderator.commune_id)?;
    Ok(moderation_actions::table
        .filter(moderation_actions::commune_id.eq(moderator.commune_id))
        .order(moderation_actions::id.desc())
        .limit(500)
        .select(LoggedAction::as_select())
        .load(conn)?)
}

/// Public counts: for each month (`YYYY-MM`), reason and action, how many actions were taken.
pub fn transparency(
    conn: &mut AnyConnection,
    commune: ActorId,
) -> Result<Vec<(String, String, String, i64)>> {
    let rows: Vec<(NaiveDateTime, String, String)> = moderation_actions::table
        .filter(moderation_actions::commune_id.eq(commune))
        .filter(moderation_actions::action.ne_all(ADMIN_ACTIONS.map(|a| a.as_str())))
        .select((
            moderation_actions::at,
            moderation_actions::reason,
            moderation_actions::action,
        ))
        .load(conn)?;
    let mut counts: std::collections::BTreeMap<(String, String, String), i64> =
        std::collections::BTreeMap::new();
    for (at, reason, action) in rows {
        *counts
            .entry((at.format("%Y-%m").to_string(), reason, action))
            .or_insert(0) += 1;
    }
    let mut out: Vec<_> = counts
        .into_iter()
        .map(|((month, reason, action), n)| (month, reason, action, n))
        .collect();
    out.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    Ok(out)
}

/// The warnings an account was given, newest first: the moderator's note and when.
pub fn warnings_of(
    conn: &mut AnyConnection,
    account: ActorId,
) -> Result<Vec<(String, NaiveDateTime)>> {
    Ok(warnings::table
        .inner_join(moderation_actions::table)
        .filter(warnings::account_id.eq(account))
        .order(warnings::id.desc())
        .select((moderation_actions::note, warnings::created_at))
        .load(conn)?)
}
