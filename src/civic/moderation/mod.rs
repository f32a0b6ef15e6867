//! Reports and moderation. Anyone signed in reports a comment, a debate or an account, with a reason from the
//! charter and a comment; a report from another server (a `Flag`, as Mastodon sends it) lands in the same
//! queue. The commune's moderators (and officials and admins, who speak for it) dismiss a report, hide the
//! reported comment (announced to other servers like any hide), warn or suspend its local author, block its
//! remote author from the commune (or, for an admin, from the instance), and forward the report to the remote
//! author's server (a `Flag` from our instance actor, as Mastodon sends it). Every action goes to an audit
//! log; a public transparency page counts actions per month and reason.
//!
//! One file per job: reports and the queue (`reports`), acting on a report (`resolve`), suspensions
//! (`suspensions`), blocks of remote accounts (`blocks`), and the audit log with the transparency counts
//! (`audit`); what several of them use is here.

mod audit;
mod blocks;
mod reports;
mod resolve;
mod suspensions;

use crate::civic::accounts::speaks_for;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::ActorId;
use crate::model::Account;

pub use audit::{LoggedAction, audit_log, log_admin, transparency, warnings_of};
pub use blocks::{
    Block, blocks, commune_concerned, is_blocked, is_blocked_from_any, refuse_blocked, unblock,
};
pub use reports::{
    MAX_COMMENT, MAX_FLAG_TARGETS, QUEUE_PAGE, Report, Target, commune_of, find, queue,
    remote_author_of, remote_flag, report, reported_post_id, target_of,
};
pub use resolve::{Decision, resolve};
pub use suspensions::{MAX_SUSPENSION_DAYS, forever, lift, suspended};

pub const MAX_NOTE: usize = 2_000;

fn require_moderator(account: &Account, commune: ActorId) -> Result<()> {
    if speaks_for(account, commune) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only the commune's moderators, officials and admins moderate".into(),
        ))
    }
}

/// The instance actor, which speaks for the whole instance (blocks, forwarded reports).
fn instance_actor(conn: &mut AnyConnection) -> Result<ActorId> {
    Ok(crate::db::queries::instance_actor(conn)?
        .ok_or_else(|| Error::NotFound("no instance actor".into()))?
        .id)
}
