//! Poll and questionnaire pages: the list, the forms to ask, a poll's page (vote, results as a bar chart drawn
//! on the server in SVG, other voices apart), a questionnaire's form, its results and their CSV export. One
//! file per job: the lists (`list`), the forms to ask (`create`), a poll's page and vote (`poll`), the charts
//! (`chart`), a questionnaire and its answers (`questionnaire`), its results (`results`); what several of
//! them use is here.

mod chart;
mod create;
mod list;
mod poll;
mod questionnaire;
mod results;

use crate::model::{Eligibility, PollKind};
use crate::web::i18n::Lang;

pub use chart::chart;
pub use create::{create, create_questionnaire, new_form, new_questionnaire_form};
pub use list::{list, poll_items, questionnaire_items};
pub use poll::{show, vote};
pub use questionnaire::{answer, questionnaire};
pub use results::{questionnaire_csv, questionnaire_results};

type Pairs = Vec<(String, String)>;

fn field<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn values<'a>(pairs: &'a Pairs, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    pairs
        .iter()
        .filter(move |(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn eligibility_label(lang: Lang, e: Eligibility) -> String {
    lang.t(&format!("poll-eligibility-{}", e.as_str()))
}

fn kind_label(lang: Lang, k: PollKind) -> String {
    lang.t(&format!("poll-kind-{}", k.as_str()))
}
