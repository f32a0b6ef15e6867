//! Snapshots of what every outbound kind sends: each civic change that federates is made through `civic`, and
//! the activity planned from what it recorded (its JSON and its recipients) is compared with a fixture in
//! `federation-tests/fixtures/outbound/`, ids of random activities, dates and keys normalised. A change to what
//! Parvis sends shows as a fixture diff; `PARVIS_BLESS=1 cargo test --lib outbound::snapshots` rewrites them.

mod scenario;

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::db::AnyConnection;
use crate::error::Result;
use crate::federation::outbound::{ForGroups, Planned, plan};
use crate::federation::urls::Urls;
use crate::model::schema::outbox_events;
use crate::model::{EventKind, Outbound, OutboxEvent};

const BASE: &str = "https://parvis.example";

/// Plans every event recorded since the last call (in order) and files each under its kind.
struct Recorder {
    urls: Urls,
    seen: BTreeMap<String, Vec<Value>>,
}

impl Recorder {
    fn drain(&mut self, conn: &mut AnyConnection) -> Result<()> {
        let events: Vec<OutboxEvent> = outbox_events::table
            .filter(outbox_events::expanded.eq(false))
            .order(outbox_events::id.asc())
            .select(OutboxEvent::as_select())
            .load(conn)?;
        for event in events {
            let what = event.outbound().map_err(crate::error::Error::internal)?;
            let planned = snapshot(plan(conn, &self.urls, event.actor_id, &what)?)?;
            // The same change, as the previous version queued it, is sent the same way after an upgrade.
            if let Some((kind, subject, target, payload)) = what.to_legacy(event.actor_id) {
                let read = Outbound::from_legacy(kind, subject, target, &payload)
                    .map_err(crate::error::Error::internal)?;
                assert_eq!(read, what, "{kind} {payload:?}");
                let replanned = snapshot(plan(conn, &self.urls, event.actor_id, &read)?)?;
                assert_eq!(replanned, planned, "{kind} {payload:?}");
            }
            self.seen
                .entry(event.kind.clone())
                .or_default()
                .push(planned);
            diesel::update(outbox_events::table.find(event.id))
                .set(outbox_events::expanded.eq(true))
                .execute(conn)?;
        }
        Ok(())
    }
}

/// An activity as planned, with its recipients, normalised.
fn snapshot(planned: Option<Planned>) -> Result<Value> {
    Ok(match planned {
        None => Value::Null,
        Some(Planned {
            activity,
            listed,
            note,
            inboxes,
            for_groups,
        }) => {
            let mut activity =
                serde_json::to_value(&activity).map_err(crate::error::Error::internal)?;
            normalise(&mut activity);
            let mut inboxes = inboxes;
            inboxes.sort();
            let mut snapshot = json!({
                "activity": activity,
                "listed": listed,
                "carries_post": note.is_some(),
                "inboxes": inboxes,
            });
            // What FEP-1b12 group software gets, when it is not the same.
            match for_groups {
                ForGroups::Same => {}
                ForGroups::Nothing => snapshot["for_group_software"] = Value::Null,
                ForGroups::Instead(instead) => {
                    let mut instead =
                        serde_json::to_value(&instead).map_err(crate::error::Error::internal)?;
                    normalise(&mut instead);
                    snapshot["for_group_software"] = instead;
                }
            }
            snapshot
        }
    })
}

/// Replaces what changes from one run to the next (dates, random activity ids, generated keys), and the
/// JSON-LD context every activity carries (pinned once, in `context.json`).
fn normalise(value: &mut Value) {
    if let Some(context) = value.get_mut("@context")
        && *context == crate::federation::context()
    {
        *context = Value::String("<context.json>".into());
    }
    match value {
        Value::String(s) => {
            if chrono::DateTime::parse_from_rfc3339(s).is_ok() {
                *s = "<date>".into();
            } else if s.contains("BEGIN PUBLIC KEY") {
                *s = "<public key>".into();
            } else if let Some((head, tail)) = s.split_once("/activities/")
                && tail.len() == 32
                && tail.chars().all(|c| c.is_ascii_hexdigit())
            {
                *s = format!("{head}/activities/<random>");
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalise),
        Value::Object(map) => map.values_mut().for_each(normalise),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_outbound_kind_sends_what_its_fixture_says() -> Result<()> {
    let seen = scenario::record_all().await?;
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("federation-tests/fixtures/outbound");
    let bless = std::env::var_os("PARVIS_BLESS").is_some();
    let missing: Vec<_> = EventKind::ALL
        .iter()
        .filter(|k| !seen.contains_key(k.as_str()))
        .collect();
    assert!(missing.is_empty(), "kinds no scenario makes: {missing:?}");
    let mut differ = vec![];
    let mut seen = seen;
    seen.insert("context".into(), vec![crate::federation::context()]);
    for (kind, snapshots) in &seen {
        let file = dir.join(format!("{kind}.json"));
        let text =
            serde_json::to_string_pretty(snapshots).map_err(crate::error::Error::internal)? + "\n";
        std::fs::create_dir_all(&dir).map_err(crate::error::Error::internal)?;
        if bless {
            std::fs::write(&file, &text).map_err(crate::error::Error::internal)?;
            continue;
        }
        let expected = std::fs::read_to_string(&file).unwrap_or_default();
        if expected != text {
            let got = file.with_extension("got.json");
            std::fs::write(&got, &text).map_err(crate::error::Error::internal)?;
            differ.push(format!("{} (now in {})", file.display(), got.display()));
        }
    }
    assert!(
        differ.is_empty(),
        "outbound activities changed:\n{}",
        differ.join("\n")
    );
    Ok(())
}
