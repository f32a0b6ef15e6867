//! Debates a commune hosts and the comments people leave on them, each comment taking a side or not. One file
//! per job: opening a debate and managing it (`opening`), the commune's themes (`themes`), comments written
//! here (`comments`), agrees (`agrees`), comments from other servers (`remote_comments`), debates from other
//! servers (`remote_debates`), and the text people write (`text`); the limits and a debate's lookup are here.

mod agrees;
mod comments;
mod opening;
mod remote_comments;
mod remote_debates;
pub(crate) mod text;
mod themes;

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::DebateId;
use crate::model::Debate;
use crate::model::schema::debates;

pub use agrees::{agree, remote_agree, remote_disagree};
pub use comments::{
    Writer, comment, delete_comment, delete_comments_of_erased, edit_comment, erase_comments_of,
    hide_comment, restore_comment,
};
pub(crate) use opening::publish;
pub use opening::{NewDebate, may_open, open_debate, openers, set_openers, set_pinned, set_status};
pub use remote_comments::{
    Answered, RemoteComment, debate_of, delete_remote_comment, find_answered, hide_remote_comment,
    is_comment, remote_comment, unhide_remote_comment, update_remote_comment,
};
pub use remote_debates::{
    RemoteDebate, forget_remote_debate, remote_opened_debate, store_remote_debate,
};
pub(crate) use text::bounded;
pub use text::markdown_to_html;
pub use themes::{MAX_THEME, add_theme, remove_theme, themes_of};

pub const MAX_TITLE: usize = 200;
pub const MAX_QUESTION: usize = 500;
pub const MAX_BODY: usize = 20_000;
pub const MAX_COMMENT: usize = 5_000;

pub fn debate(conn: &mut AnyConnection, id: DebateId) -> Result<Debate> {
    debates::table
        .find(id)
        .select(Debate::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no debate {id}")))
}
