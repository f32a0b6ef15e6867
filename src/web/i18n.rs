//! Every visible string of the web interface goes through Fluent (`src/web/locales/{fr,en}/main.ftl`, compiled
//! into the binary). The language is the account's choice, else the visitor's cookie from the switch, else the
//! browser's `Accept-Language`, else French.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./src/web/locales",
        fallback_language: "fr",
        // Pages are HTML with `dir` set per language: Unicode isolation marks would only get in the way of
        // copying text and of tests.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A language of the interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Fr,
    En,
}

static FR: LanguageIdentifier = langid!("fr");
static EN: LanguageIdentifier = langid!("en");

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// The language's own name, as the switch shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Fr => "Français",
            Lang::En => "English",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The best of our languages for an `Accept-Language` header (RFC 9110 §12.5.4), French when none fits.
    pub fn negotiate(accept_language: Option<&str>) -> Lang {
        let Some(header) = accept_language else {
            return Lang::Fr;
        };
        let mut best: Option<(f32, usize, Lang)> = None;
        for (position, item) in header.split(',').enumerate() {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            let Some(lang) = Lang::parse(primary) else {
                continue;
            };
            if quality <= 0.0 {
                continue;
            }
            let better = match best {
                None => true,
                Some((q, p, _)) => quality > q || (quality == q && position < p),
            };
            if better {
                best = Some((quality, position, lang));
            }
        }
        best.map(|(_, _, l)| l).unwrap_or(Lang::Fr)
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }

    /// The text of a message.
    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(self.id(), key)
    }

    /// The text of a message, if it exists (to tell known form fields from others).
    pub fn try_t(self, key: &str) -> Option<String> {
        LOCALES.try_lookup(self.id(), key)
    }

    /// The text of a message with arguments: `lang.ta("post-by", &[("name", "Marie".into())])`.
    pub fn ta(self, key: &str, args: &[(&'static str, Arg)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(name, value)| {
                let v = match value {
                    Arg::Text(s) => FluentValue::from(s.clone()),
                    Arg::Number(n) => FluentValue::from(*n),
                };
                (Cow::Borrowed(*name), v)
            })
            .collect();
        LOCALES.lookup_with_args(self.id(), key, &map)
    }

    /// A counted thing: the message gets `$count` (for the plural rule) and `$shown` (the number formatted).
    pub fn count(self, key: &str, n: i64) -> String {
        self.ta(
            key,
            &[
                ("count", Arg::Number(n)),
                ("shown", Arg::Text(self.number(n))),
            ],
        )
    }

    /// A date as people of this language write it: « 22 novembre 2026 », "22 November 2026".
    pub fn date(self, date: NaiveDate) -> String {
        let month = self.t(&format!("month-{}", date.month()));
        format!("{} {month} {}", date.day(), date.year())
    }

    /// A date and time (UTC, as stored): « 22 novembre 2026 à 14:05 », "22 November 2026 at 14:05".
    pub fn datetime(self, at: NaiveDateTime) -> String {
        self.ta(
            "date-at-time",
            &[
                ("date", Arg::Text(self.date(at.date()))),
                ("time", Arg::Text(at.format("%H:%M").to_string())),
            ],
        )
    }

    /// A whole number with the language's digit grouping: « 12 345 » (narrow no-break space), "12,345".
    pub fn number(self, n: i64) -> String {
        let separator = match self {
            Lang::Fr => '\u{202f}',
            Lang::En => ',',
        };
        let digits = n.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(separator);
            }
            out.push(c);
        }
        if n < 0 { format!("-{out}") } else { out }
    }
}

/// An argument of a message.
#[derive(Clone, Debug)]
pub enum Arg {
    Text(String),
    Number(i64),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Text(s.to_string())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Text(s)
    }
}

impl From<i64> for Arg {
    fn from(n: i64) -> Arg {
        Arg::Number(n)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn message_ids(ftl: &str) -> std::collections::BTreeSet<String> {
        ftl.lines()
            .filter(|l| !l.starts_with([' ', '#', '\t']) && l.contains(" ="))
            .filter_map(|l| l.split(" =").next())
            .map(|id| id.trim().to_string())
            .collect()
    }

    #[test]
    fn both_languages_have_the_same_messages() {
        let fr = message_ids(include_str!("locales/fr/main.ftl"));
        let en = message_ids(include_str!("locales/en/main.ftl"));
        let only_fr: Vec<_> = fr.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&fr).collect();
        assert!(only_fr.is_empty(), "missing in English: {only_fr:?}");
        assert!(only_en.is_empty(), "missing in French: {only_en:?}");
        assert!(fr.len() > 50, "{}", fr.len());
        // Every message resolves in both languages with the arguments the pages give.
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> = [
            "shown",
            "version",
            "date",
            "time",
            "name",
            "office",
            "since",
            "until",
            "site",
            "threshold",
            "n",
            "mean",
            "address",
            "commune",
            "sent",
            "failed",
            "waiting",
            "minutes",
            "mb",
            "going",
            "capacity",
            "pending",
            "until",
            "done",
            "total",
            "method",
            "provider",
        ]
        .into_iter()
        .map(|k| (Cow::Borrowed(k), FluentValue::from("x")))
        .chain(std::iter::once((
            Cow::Borrowed("count"),
            FluentValue::from(2),
        )))
        .collect();
        for id in &fr {
            for lang in Lang::ALL {
                let text = LOCALES.try_lookup_with_args(lang.id(), id, &args);
                assert!(
                    text.is_some_and(|t| !t.is_empty()),
                    "{id} does not resolve in {lang:?}"
                );
            }
        }
    }

    #[test]
    fn every_part_of_an_account_an_app_may_ask_for_has_its_name() {
        for lang in Lang::ALL {
            for r in crate::civic::oauth::Resource::ALL {
                let key = format!("oauth-resource-{}", r.as_str());
                assert!(
                    LOCALES.try_lookup(lang.id(), &key).is_some(),
                    "{key} in {lang:?}"
                );
            }
        }
    }

    #[test]
    fn every_kind_of_notification_and_mail_topic_has_its_words() {
        use crate::civic::notifications::{Kind, Topic};
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> =
            HashMap::from([(Cow::Borrowed("name"), FluentValue::from("x"))]);
        for lang in Lang::ALL {
            for kind in Kind::ALL {
                let key = format!("notification-{}", kind.as_str());
                assert!(
                    LOCALES
                        .try_lookup_with_args(lang.id(), &key, &args)
                        .is_some(),
                    "{key} in {lang:?}"
                );
            }
            for topic in Topic::ALL {
                for key in [
                    format!("notifications-topic-{}", topic.as_str()),
                    format!("unsubscribe-{}", topic.as_str()),
                ] {
                    assert!(
                        LOCALES.try_lookup(lang.id(), &key).is_some(),
                        "{key} in {lang:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn accept_language_picks_the_preferred_supported_language() {
        assert_eq!(Lang::negotiate(None), Lang::Fr);
        assert_eq!(Lang::negotiate(Some("en-GB,en;q=0.9")), Lang::En);
        assert_eq!(Lang::negotiate(Some("de-DE,en;q=0.5,fr;q=0.8")), Lang::Fr);
        assert_eq!(Lang::negotiate(Some("de, es")), Lang::Fr);
        assert_eq!(Lang::negotiate(Some("fr;q=0, en;q=0.1")), Lang::En);
        assert_eq!(Lang::negotiate(Some("EN-us")), Lang::En);
    }

    #[test]
    fn dates_and_numbers_follow_the_language() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        assert_eq!(Lang::Fr.date(date), "22 novembre 2026");
        assert_eq!(Lang::En.date(date), "22 November 2026");
        let at = date.and_hms_opt(14, 5, 0).unwrap();
        assert_eq!(Lang::Fr.datetime(at), "22 novembre 2026 à 14:05");
        assert_eq!(Lang::En.datetime(at), "22 November 2026 at 14:05");
        assert_eq!(Lang::Fr.number(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(Lang::En.number(1_234_567), "1,234,567");
        assert_eq!(Lang::En.number(-12), "-12");
        assert_eq!(Lang::Fr.number(999), "999");
    }

    #[test]
    fn plurals_follow_each_language() {
        assert_eq!(Lang::Fr.count("followers-count", 0), "0 abonné");
        assert_eq!(Lang::Fr.count("followers-count", 2), "2 abonnés");
        assert_eq!(
            Lang::Fr.count("followers-count", 1500),
            "1\u{202f}500 abonnés"
        );
        assert_eq!(Lang::En.count("followers-count", 1), "1 follower");
        assert_eq!(Lang::En.count("followers-count", 0), "0 followers");
    }
}
