//! From outbox events to delivery rows: each event is planned (`federation::outbound`) and written as one
//! signed-to-be activity and one delivery per inbox, in one transaction; an event that cannot be planned is set
//! aside so that it does not hold the queue.

use std::collections::{BTreeSet, HashSet};

use diesel::prelude::*;
use url::Url;

use super::Queue;
use super::outcome::UNREACHABLE_RETRY;
use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::federation::activities::ActivityOut;
use crate::federation::domain_of;
use crate::federation::outbound::ForGroups;
use crate::ids::{ActorId, NoteId, OutgoingId};
use crate::model::OutboxEvent;
use crate::model::schema::{
    delivered_servers, deliveries, outbox_events, outgoing_activities, remote_actors, remote_hosts,
};

impl Queue {
    /// Turns pending outbox events into activities and delivery rows. Returns whether more may be pending.
    pub(super) async fn expand_events(&self) -> Result<bool> {
        const BATCH: i64 = 50;
        let events: Vec<OutboxEvent> = self
            .ctx
            .db
            .run(|conn| {
                Ok(outbox_events::table
                    .filter(outbox_events::expanded.eq(false))
                    .filter(
                        outbox_events::not_before
                            .is_null()
                            .or(outbox_events::not_before.le(now())),
                    )
                    .order(outbox_events::id.asc())
                    .limit(BATCH)
                    .select(OutboxEvent::as_select())
                    .load(conn)?)
            })
            .await?;
        let count = events.len() as i64;
        for event in events {
            let id = event.id;
            if let Err(e) = self.expand(event).await {
                if e.is_transient() {
                    // A database hiccup: the event stays pending and is tried again.
                    tracing::warn!(error = %e, detail = e.log_detail(), event = %id, "outbox event postponed");
                    return Ok(false);
                }
                // An event that cannot be planned (its subject vanished, a bad stored id) must not block the
                // ones after it: it is logged and set aside.
                tracing::warn!(error = %e, event = %id, "outbox event set aside");
                self.ctx
                    .db
                    .run(move |conn| {
                        diesel::update(outbox_events::table.find(id))
                            .set(outbox_events::expanded.eq(true))
                            .execute(conn)?;
                        Ok(())
                    })
                    .await?;
            }
        }
        Ok(count == BATCH)
    }

    /// Expands one event into its activity and delivery rows, in one transaction.
    async fn expand(&self, event: OutboxEvent) -> Result<()> {
        let urls = self.ctx.urls.clone();
        let policy = self.ctx.policy().await;
        let unreachable_delay = chrono::Duration::from_std(UNREACHABLE_RETRY).unwrap_or_default();
        self.ctx
            .db
            .transaction(move |conn| {
                // Another process took it: it is theirs to expand.
                if !super::leases::claim_event(conn, event.id)? {
                    return Ok(());
                }
                let what = event.outbound().map_err(Error::internal)?;
                let planned =
                    crate::federation::outbound::plan(conn, &urls, event.actor_id, &what)?;
                if let Some(crate::federation::outbound::Planned {
                    activity,
                    listed,
                    note,
                    inboxes,
                    for_groups,
                }) = planned
                {
                    // One delivery per inbox, however many of the people concerned share it (a duplicate
                    // would break the unique index and hold the queue).
                    let inboxes: BTreeSet<Url> = inboxes
                        .iter()
                        .filter_map(|inbox| Url::parse(inbox).ok())
                        .collect();
                    let untrusted = untrusted_inboxes(conn)?;
                    // A server blocked since it followed us gets nothing more, nor an inbox that only actors
                    // waiting to be fetched again (their documents broke a provenance rule) gave.
                    let kept: Vec<Url> = inboxes
                        .into_iter()
                        .filter(|url| !policy.refuses(url) && !untrusted.contains(url.as_str()))
                        .collect();
                    let (groups, others): (Vec<Url>, Vec<Url>) = match &for_groups {
                        ForGroups::Same => (vec![], kept),
                        ForGroups::Instead(_) | ForGroups::Nothing => {
                            let group_hosts = group_software_hosts(conn, &kept)?;
                            kept.into_iter()
                                .partition(|url| group_hosts.contains(&domain_of(url)))
                        }
                    };
                    let sender = event.actor_id;
                    let written = Written {
                        sender,
                        private: policy.private,
                        unreachable_delay,
                    };
                    written.activity(conn, &activity, listed, note, &others)?;
                    if let ForGroups::Instead(instead) = &for_groups
                        && !groups.is_empty()
                    {
                        written.activity(conn, instead, false, None, &groups)?;
                    }
                }
                Ok(())
            })
            .await
    }
}

/// The software that takes a commune's relays only as `Announce` of an activity (FEP-1b12 group software), by
/// the NodeInfo `software.name` it gives.
pub const GROUP_SOFTWARE: &[&str] = &["lemmy", "mbin", "kbin", "piefed", "lotide"];

/// Which of the hosts of `inboxes` are known to run group software.
fn group_software_hosts(conn: &mut AnyConnection, inboxes: &[Url]) -> Result<HashSet<String>> {
    let domains: BTreeSet<String> = inboxes.iter().map(domain_of).collect();
    Ok(remote_hosts::table
        .filter(remote_hosts::domain.eq_any(&domains))
        .filter(remote_hosts::software.eq_any(GROUP_SOFTWARE))
        .select(remote_hosts::domain)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// How an event's activities are written: by whom, whether the public is left out, when unreachable servers
/// are tried.
struct Written {
    sender: ActorId,
    private: bool,
    unreachable_delay: chrono::Duration,
}

impl Written {
    /// One activity and its deliveries to `inboxes`.
    fn activity(
        &self,
        conn: &mut AnyConnection,
        activity: &ActivityOut,
        listed: bool,
        note: Option<NoteId>,
        inboxes: &[Url],
    ) -> Result<()> {
        // A commune kept for its residents addresses nothing to the public (its outbox is read by members
        // only).
        let mut value = serde_json::to_value(activity).map_err(Error::internal)?;
        if self.private {
            crate::federation::activities::without_public(&mut value);
        }
        let body = serde_json::to_string(&value).map_err(Error::internal)?;
        let outgoing: OutgoingId = diesel::insert_into(outgoing_activities::table)
            .values((
                outgoing_activities::ap_id.eq(activity.id.as_str()),
                outgoing_activities::signer_id.eq(self.sender),
                outgoing_activities::body.eq(&body),
                outgoing_activities::public.eq(listed),
                outgoing_activities::note_id.eq(note),
                outgoing_activities::created_at.eq(now()),
            ))
            .returning(outgoing_activities::id)
            .get_result(conn)?;
        let unreachable: HashSet<String> = remote_hosts::table
            .filter(remote_hosts::unreachable.eq(true))
            .select(remote_hosts::domain)
            .load::<String>(conn)?
            .into_iter()
            .collect();
        let now = now();
        let rows: Vec<_> = inboxes
            .iter()
            .map(|url| {
                let domain = domain_of(url);
                let at = if unreachable.contains(&domain) {
                    now + self.unreachable_delay
                } else {
                    now
                };
                (
                    deliveries::activity_id.eq(outgoing),
                    deliveries::inbox.eq(url.to_string()),
                    deliveries::domain.eq(domain),
                    deliveries::state.eq("queued"),
                    deliveries::next_attempt_at.eq(at),
                    deliveries::created_at.eq(now),
                )
            })
            .collect();
        // Where this actor's Delete must go if its account is erased (delivery rows do not last).
        let servers: Vec<_> = inboxes
            .iter()
            .map(|url| {
                (
                    delivered_servers::actor_id.eq(self.sender),
                    delivered_servers::inbox.eq(url.to_string()),
                )
            })
            .collect();
        // Multi-row inserts are written per backend (the multi-backend connection has none).
        for chunk in rows.chunks(500) {
            crate::on_each_backend!(&mut *conn, |c| diesel::insert_into(deliveries::table)
                .values(chunk.to_vec())
                .execute(c))?;
        }
        for chunk in servers.chunks(500) {
            crate::on_each_backend!(&mut *conn, |c| diesel::insert_into(
                delivered_servers::table
            )
            .values(chunk.to_vec())
            .on_conflict_do_nothing()
            .execute(c))?;
        }
        Ok(())
    }
}

/// The inboxes that only actors waiting to be fetched again gave (a shared inbox that a trusted actor of the
/// same server also gave stays). Usually none: the flagged actors are read through their index first.
fn untrusted_inboxes(conn: &mut AnyConnection) -> Result<HashSet<String>> {
    let flagged: Vec<(String, Option<String>)> = remote_actors::table
        .filter(remote_actors::needs_refetch.eq(true))
        .select((remote_actors::inbox, remote_actors::shared_inbox))
        .load(conn)?;
    if flagged.is_empty() {
        return Ok(HashSet::new());
    }
    let candidates: Vec<String> = flagged
        .into_iter()
        .flat_map(|(inbox, shared)| std::iter::once(inbox).chain(shared))
        .collect();
    let vouched: HashSet<String> = remote_actors::table
        .filter(remote_actors::needs_refetch.eq(false))
        .filter(
            remote_actors::inbox
                .eq_any(&candidates)
                .or(remote_actors::shared_inbox.eq_any(&candidates)),
        )
        .select((remote_actors::inbox, remote_actors::shared_inbox))
        .load::<(String, Option<String>)>(conn)?
        .into_iter()
        .flat_map(|(inbox, shared)| std::iter::once(inbox).chain(shared))
        .collect();
    Ok(candidates
        .into_iter()
        .filter(|c| !vouched.contains(c))
        .collect())
}
