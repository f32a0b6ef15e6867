//! The warnings moderators gave an account, as its notifications page shows them.

use maud::{Markup, html};

use crate::web::i18n::Lang;

/// The warnings an account was given, for its notifications page.
pub fn warnings_section(lang: Lang, warnings: &[(String, chrono::NaiveDateTime)]) -> Markup {
    html! {
        @if !warnings.is_empty() {
            section class="warnings" aria-labelledby="warnings-heading" {
                h2 id="warnings-heading" { (lang.t("warnings-title")) }
                ul {
                    @for (note, at) in warnings {
                        li {
                            time datetime=(at.and_utc().to_rfc3339()) { (lang.datetime(*at)) }
                            " — " (note)
                        }
                    }
                }
            }
        }
    }
}
