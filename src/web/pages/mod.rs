//! Public pages (the commune's home, profiles, follow lists, posts) and what a signed-in person does from
//! them: write a post, look up and follow an account here or elsewhere. One file per job: the commune's home
//! (`home`), profiles (`profile`), follow lists (`follow_lists`), posts shown (`posts`) and written
//! (`compose`), looking up and following an account (`follow`); what several of them use is here.

mod compose;
mod follow;
mod follow_lists;
mod home;
mod posts;
mod profile;

use serde::Deserialize;

use crate::model::Mandate;
use crate::web::i18n::Lang;

pub use compose::{PostForm, post, post_form};
pub use follow::{FollowForm, LookupQuery, follow, lookup, unfollow};
pub use follow_lists::{
    commune_followers, commune_following, follow_list, person_followers, person_following,
};
pub use home::{commune_home, home};
pub use posts::{note, note_page, post_card, tag};
pub use profile::{actor_or_gone, actor_page, commune, gone_page, instance, person};

/// Posts shown on a home page or a profile.
const POSTS_SHOWN: i64 = 20;

/// Only web links are made clickable: a remote server could send `javascript:` as a profile URL.
pub fn safe_href(url: &str) -> Option<&str> {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(url)
}

fn mandate_line(lang: Lang, m: &Mandate) -> String {
    match m.until {
        Some(until) => lang.ta(
            "mandate-from-to",
            &[
                ("office", m.label().into()),
                ("since", lang.date(m.since).into()),
                ("until", lang.date(until).into()),
            ],
        ),
        None => lang.ta(
            "mandate-since",
            &[
                ("office", m.label().into()),
                ("since", lang.date(m.since).into()),
            ],
        ),
    }
}

/// Path parameters of actor sub-pages.
#[derive(Deserialize)]
pub struct NamePath {
    pub name: String,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn only_web_links_are_clickable() {
        assert_eq!(
            safe_href("https://a.example/@x"),
            Some("https://a.example/@x")
        );
        assert_eq!(safe_href("javascript:alert(1)"), None);
        assert_eq!(safe_href("JAVASCRIPT:alert(1)"), None);
        assert_eq!(safe_href("data:text/html,x"), None);
    }
}
