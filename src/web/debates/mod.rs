//! Debate pages: the list, a debate with its thread and the count of each side, and the forms to open a
//! debate, comment, reply and close. One file per job: the list (`list`), opening a debate (`new_debate`), a
//! debate's page (`thread`), comments (`comments`), what those who speak for the commune do to a debate
//! (`manage`), search (`search`) and the Atom feeds (`feed`); what several of them use is here.

mod comments;
mod feed;
mod list;
mod manage;
mod new_debate;
mod search;
mod thread;

use serde::Deserialize;

use crate::ids::DebateId;
use crate::model::{DebateStatus, Stance};
use crate::web::i18n::Lang;

pub use comments::{
    CommentForm, add_comment, agree, comment_page, delete_comment, edit_comment, hide_comment,
    restore_comment,
};
pub use feed::{commune_feed, debate_feed};
pub use list::{ListQuery, debate_list, list};
pub use manage::{StatusForm, change_status, pin};
pub use new_debate::{DebateForm, create, new_form};
pub use search::{SearchQuery, search};
pub use thread::{ThreadQuery, show};

fn status_label(lang: Lang, status: DebateStatus) -> String {
    lang.t(match status {
        DebateStatus::Open => "debate-status-open",
        DebateStatus::Closed => "debate-status-closed",
        DebateStatus::Archived => "debate-status-archived",
    })
}

fn stance_label(lang: Lang, stance: Stance) -> String {
    lang.t(match stance {
        Stance::For => "stance-for",
        Stance::Against => "stance-against",
        Stance::Neutral => "stance-neutral",
    })
}

fn parse_id(raw: &str) -> Option<DebateId> {
    raw.parse().ok().map(DebateId)
}

#[derive(Deserialize, Default)]
pub struct ButtonForm {
    #[serde(default)]
    csrf: String,
}

#[derive(Deserialize, Default)]
pub struct OffQuery {
    #[serde(default)]
    off: Option<String>,
}
