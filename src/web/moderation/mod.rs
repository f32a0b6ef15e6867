//! Moderation pages: the report form, the moderators' queue with its actions, the audit log, and the public
//! transparency page. One file per job: reporting (`report`), the queue (`queue`), what moderators do from it
//! (`actions`), the audit log (`audit_log`), the transparency page (`transparency`) and the warnings shown to
//! the person warned (`warnings`); what several of them use is here.

mod actions;
mod audit_log;
mod queue;
mod report;
mod transparency;
mod warnings;

use crate::web::i18n::Lang;

pub use actions::{CsrfForm, lift, resolve, unblock};
pub use audit_log::audit_log;
pub use queue::{QueueQuery, queue};
pub use report::{ReportForm, ReportQuery, report, report_form};
pub use transparency::{TransparencyQuery, transparency};
pub use warnings::warnings_section;

pub fn reason_label(lang: Lang, reason: &str) -> String {
    lang.t(&format!("report-reason-{}", reason.replace('_', "-")))
}

fn action_label(lang: Lang, action: &str) -> String {
    lang.t(&format!("moderation-action-{action}"))
}
