//! Proposal pages: the list, the form to propose, the proposal's own part of its page (progress toward the
//! threshold, supports by kind, the official answers and their history, support/follow/answer buttons), the
//! CSV export and people's notifications. One file per job: the lists (`list`), the form to propose
//! (`new_proposal`), the proposal's part of a debate's page (`section`), supporting, following and answering
//! (`actions`), the CSV export (`csv_export`) and notifications (`notifications`); what several of them use
//! is here.

mod actions;
mod csv_export;
mod list;
mod new_proposal;
mod notifications;
mod section;

use crate::model::ProposalStatus;
use crate::web::i18n::Lang;

pub use actions::{ActionForm, OffQuery, answer, follow, support};
pub use csv_export::{csv, csv_field};
pub use list::{list, list_items};
pub use new_proposal::{ProposalForm, create, new_form};
pub use notifications::notifications;
pub use section::{load, section};

pub fn status_label(lang: Lang, status: ProposalStatus) -> String {
    lang.t(&format!("proposal-status-{}", status.as_str()))
}
