//! Notifications into mail, as each person chose per topic: at once (one message each), in a digest the
//! next morning (07:00 UTC, one message for the day), or never; only to a confirmed address. Every message
//! carries a one-click unsubscribe link for its topic (RFC 8058; the digest's stops the daily digest).

use std::collections::BTreeMap;

use chrono::{NaiveDateTime, NaiveTime};
use diesel::prelude::*;
use url::Url;

use crate::civic::notifications::{self as centre, Mode, Notification, Topic};
use crate::db::AnyConnection;
use crate::error::Result;
use crate::ids::ActorId;
use crate::mail::enqueue;
use crate::mail::messages::{self, Language};
use crate::model::schema::accounts;

/// When the daily digest goes, in UTC (8 or 9 in the morning in France).
pub const DIGEST_AT: NaiveTime = match NaiveTime::from_hms_opt(7, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// What an unsubscribe link stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Topic(Topic),
    /// Every topic sent in the daily digest.
    Digest,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Topic(t) => t.as_str(),
            Scope::Digest => "digest",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "digest" => Some(Scope::Digest),
            other => Topic::parse(other).map(Scope::Topic),
        }
    }
}

fn link(base: &Url, path: &str) -> String {
    base.join(path)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| base.to_string())
}

fn unsubscribe_link(base: &Url, token: &str, scope: Scope) -> String {
    let mut url = base.clone();
    url.set_path("/email/unsubscribe");
    url.query_pairs_mut()
        .append_pair("token", token)
        .append_pair("topic", scope.as_str());
    url.to_string()
}

/// Stops mail for a scope, by the link's secret (no sign-in).
pub fn unsubscribe(conn: &mut AnyConnection, token: &str, scope: Scope) -> Result<ActorId> {
    match scope {
        Scope::Topic(topic) => centre::unsubscribe(conn, token, topic),
        Scope::Digest => {
            // The first topic proves the token; then every daily one stops.
            let account = centre::unsubscribe(conn, token, Topic::Followers)?;
            for (topic, mode) in centre::preferences(conn, account)? {
                if mode == Mode::Daily {
                    centre::set_preference(conn, account, topic, Mode::Never)?;
                }
            }
            Ok(account)
        }
    }
}

/// Whether a digest is due at `now` for notifications pending since `oldest`, the last one sent at `last`.
fn digest_due(now: NaiveDateTime, oldest: NaiveDateTime, last: Option<NaiveDateTime>) -> bool {
    now.date() > oldest.date()
        && now.time() >= DIGEST_AT
        && last.is_none_or(|l| l.date() < now.date())
}

/// Turns the notifications not yet handled into mail, as of `now`. Returns how many messages were queued.
pub fn run(conn: &mut AnyConnection, base: &Url, site: &str, now: NaiveDateTime) -> Result<usize> {
    let pending = centre::unmailed(conn, 1_000)?;
    let mut by_account: BTreeMap<ActorId, Vec<Notification>> = BTreeMap::new();
    for (account, n) in pending {
        by_account.entry(account).or_default().push(n);
    }
    let settings = link(base, "/settings#notifications");
    let mut queued = 0;
    for (account, items) in by_account {
        let (email, confirmed, language, last_digest): (
            Option<String>,
            Option<NaiveDateTime>,
            Option<String>,
            Option<NaiveDateTime>,
        ) = accounts::table
            .find(account)
            .select((
                accounts::email,
                accounts::email_confirmed_at,
                accounts::language,
                accounts::last_digest_at,
            ))
            .first(conn)?;
        let Some(address) = email.filter(|_| confirmed.is_some()) else {
            // Nowhere to write: the notifications page keeps them.
            centre::mark_mailed(conn, &items.iter().map(|n| n.id).collect::<Vec<_>>())?;
            continue;
        };
        let lang = Language::of(language.as_deref());
        let prefs = centre::preferences(conn, account)?;
        let mode_of = |topic: Topic| {
            prefs
                .iter()
                .find(|(t, _)| *t == topic)
                .map_or(topic.default_mode(), |(_, m)| *m)
        };
        let token = centre::unsubscribe_token(conn, account)?;
        let mut handled = vec![];
        let mut daily = vec![];
        for n in items {
            let line = messages::notice_line(
                lang,
                n.kind,
                n.by.as_deref(),
                n.debate.as_ref().map(|(_, t)| t.as_str()),
            );
            let target = link(base, n.link.as_deref().unwrap_or("/notifications"));
            match mode_of(n.kind.topic()) {
                Mode::Never => handled.push(n.id),
                Mode::Immediate => {
                    let unsubscribe = unsubscribe_link(base, &token, Scope::Topic(n.kind.topic()));
                    enqueue(
                        conn,
                        &messages::notice(
                            lang,
                            site,
                            &address,
                            &line,
                            &target,
                            &settings,
                            &unsubscribe,
                        ),
                    )?;
                    queued += 1;
                    handled.push(n.id);
                }
                Mode::Daily => daily.push((n.id, n.created_at, line, target)),
            }
        }
        if let Some(oldest) = daily.iter().map(|d| d.1).min()
            && digest_due(now, oldest, last_digest)
        {
            let lines: Vec<(String, String)> = daily
                .iter()
                .map(|(_, _, line, target)| (line.clone(), target.clone()))
                .collect();
            let unsubscribe = unsubscribe_link(base, &token, Scope::Digest);
            enqueue(
                conn,
                &messages::digest(lang, site, &address, &lines, &settings, &unsubscribe),
            )?;
            queued += 1;
            handled.extend(daily.iter().map(|d| d.0));
            diesel::update(accounts::table.find(account))
                .set(accounts::last_digest_at.eq(Some(now)))
                .execute(conn)?;
        }
        centre::mark_mailed(conn, &handled)?;
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap_or_default()
    }

    #[test]
    fn the_digest_goes_the_next_morning_once() {
        let written = at("2026-12-06 15:00");
        assert!(
            !digest_due(at("2026-12-06 23:59"), written, None),
            "not the same day"
        );
        assert!(
            !digest_due(at("2026-12-07 06:59"), written, None),
            "not before 07:00"
        );
        assert!(digest_due(at("2026-12-07 07:00"), written, None));
        assert!(
            !digest_due(
                at("2026-12-07 18:00"),
                written,
                Some(at("2026-12-07 07:00"))
            ),
            "once a day"
        );
        assert!(digest_due(
            at("2026-12-08 07:30"),
            written,
            Some(at("2026-12-07 07:00"))
        ));
        for scope in [Scope::Digest, Scope::Topic(Topic::Replies)] {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
    }
}
