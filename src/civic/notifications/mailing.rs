//! Notifications into mail (the rule; the mail worker runs it), as each person chose per topic: at once (one message each), in a digest the
//! next morning (07:00 UTC, one message for the day), or never; only to a confirmed address. Every message
//! carries a one-click unsubscribe link for its topic (RFC 8058; the digest's stops the daily digest).

use std::collections::BTreeMap;

use chrono::{NaiveDateTime, NaiveTime};
use diesel::prelude::*;
use url::Url;

use super::{self as centre, Mode, Notification, Topic};
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

/// The accounts whose digest is due: from 07:00 on, those with something waiting since before today and
/// no digest today.
fn digests_due(conn: &mut AnyConnection, now: NaiveDateTime) -> Result<Vec<ActorId>> {
    if now.time() < DIGEST_AT {
        return Ok(vec![]);
    }
    centre::with_digest(conn, now.date().and_time(NaiveTime::MIN))
}

/// Whether there is anything to turn into mail at `now` (read only, so that an idle worker writes nothing).
pub fn has_work(conn: &mut AnyConnection, now: NaiveDateTime) -> Result<bool> {
    Ok(!centre::unmailed(conn, 1)?.is_empty() || !digests_due(conn, now)?.is_empty())
}

/// Where an account's mail goes, and in which language: its confirmed address, if it has one.
fn recipient(
    conn: &mut AnyConnection,
    account: ActorId,
) -> Result<Option<(String, Language, Option<NaiveDateTime>)>> {
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
    Ok(email
        .filter(|_| confirmed.is_some())
        .map(|address| (address, Language::of(language.as_deref()), last_digest)))
}

/// What a notification says, and where its link goes.
fn line_and_link(base: &Url, lang: Language, n: &Notification) -> (String, String) {
    (
        messages::notice_line(
            lang,
            n.kind,
            n.by.as_deref(),
            n.debate.as_ref().map(|(_, t)| t.as_str()),
        ),
        link(base, n.link.as_deref().unwrap_or("/notifications")),
    )
}

/// Turns notifications into mail as of `now` (call it when [`has_work`] says so): each one not looked at yet is mailed at once, put aside for
/// the digest, or done with, as its person chose; then the digests that are due go. Returns how many
/// messages were queued.
pub fn run(
    conn: &mut AnyConnection,
    base: &Url,
    defaults: &crate::config::InstanceSettings,
    now: NaiveDateTime,
) -> Result<usize> {
    let site = crate::civic::site::load(conn, defaults)?.name;
    let site = site.as_str();
    let mut by_account: BTreeMap<ActorId, Vec<Notification>> = BTreeMap::new();
    for (account, n) in centre::unmailed(conn, 1_000)? {
        by_account.entry(account).or_default().push(n);
    }
    let settings = link(base, "/settings#notifications");
    let mut queued = 0;
    for (account, items) in by_account {
        let Some((address, lang, _)) = recipient(conn, account)? else {
            // Nowhere to write: the notifications page keeps them.
            centre::mark_mailed(conn, &items.iter().map(|n| n.id).collect::<Vec<_>>())?;
            continue;
        };
        let prefs = centre::preferences(conn, account)?;
        let mode_of = |topic: Topic| {
            prefs
                .iter()
                .find(|(t, _)| *t == topic)
                .map_or(topic.default_mode(), |(_, m)| *m)
        };
        let token = centre::unsubscribe_token(conn, account)?;
        let (mut done, mut later) = (vec![], vec![]);
        for n in items {
            match mode_of(n.kind.topic()) {
                Mode::Never => done.push(n.id),
                Mode::Daily => later.push(n.id),
                Mode::Immediate => {
                    let (line, target) = line_and_link(base, lang, &n);
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
                    done.push(n.id);
                }
            }
        }
        centre::mark_mailed(conn, &done)?;
        centre::put_in_digest(conn, &later)?;
    }
    for account in digests_due(conn, now)? {
        let waiting = centre::in_digest(conn, account)?;
        let ids: Vec<i64> = waiting.iter().map(|n| n.id).collect();
        let Some((address, lang, last_digest)) = recipient(conn, account)? else {
            centre::mark_mailed(conn, &ids)?;
            continue;
        };
        let Some(oldest) = waiting.iter().map(|n| n.created_at).min() else {
            continue;
        };
        if !digest_due(now, oldest, last_digest) {
            continue;
        }
        let lines: Vec<(String, String)> = waiting
            .iter()
            .map(|n| line_and_link(base, lang, n))
            .collect();
        let token = centre::unsubscribe_token(conn, account)?;
        let unsubscribe = unsubscribe_link(base, &token, Scope::Digest);
        enqueue(
            conn,
            &messages::digest(lang, site, &address, &lines, &settings, &unsubscribe),
        )?;
        queued += 1;
        centre::mark_mailed(conn, &ids)?;
        diesel::update(accounts::table.find(account))
            .set(accounts::last_digest_at.eq(Some(now)))
            .execute(conn)?;
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
