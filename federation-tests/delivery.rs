//! How deliveries treat remote servers: one request per shared inbox, 429 and Retry-After, final refusals,
//! failing servers marked unreachable and brought back.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use diesel::prelude::*;
use serde_json::json;

use crate::federation::{account, eventually};
use crate::support::{TestInstance, both_backends, sink};
use parvis::model::Role;
use parvis::model::schema::{deliveries, remote_hosts};

const SINK_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 10));

/// An instance whose official `marie` is followed from `hosts` (all on one sink answering `status`).
async fn setup(
    backend: crate::support::Backend,
    status: u16,
    hosts: &[&str],
) -> (TestInstance, String, sink::Sink) {
    let sink = sink::start(SINK_IP, Duration::ZERO, status).await;
    let names: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
    let instance = TestInstance::start_with(backend, |s| {
        s.federation.allowed_hosts = names.clone();
        for name in &names {
            s.federation.static_hosts.insert(name.clone(), SINK_IP);
        }
        s.federation.retry_base_secs = 1;
    })
    .await;
    let token = account(&instance, "ville", "marie", Role::Official).await;
    sink::followers_on_sink(&instance.db, "marie", &names, sink.addr.port()).await;
    (instance, token, sink)
}

async fn post(instance: &TestInstance, token: &str) {
    let (status, body) = instance
        .api_post(
            "/api/v1/statuses",
            token,
            json!({"status": "Réunion publique"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn delivery_rows(instance: &TestInstance) -> Vec<(String, i32, Option<String>)> {
    instance
        .db
        .run(|conn| {
            Ok(deliveries::table
                .order(deliveries::id.asc())
                .select((
                    deliveries::state,
                    deliveries::attempts,
                    deliveries::last_error,
                ))
                .load(conn)?)
        })
        .await
        .unwrap()
}

both_backends!(one_request_per_shared_inbox, |backend| async move {
    let (instance, token, sink) = setup(backend, 202, &["a.sink.test", "b.sink.test"]).await;
    // Two more followers on a.sink.test: still one delivery there.
    let more = vec![
        ("a.sink.test".to_string(), "b".to_string()),
        ("a.sink.test".to_string(), "c".to_string()),
    ];
    sink::followers_at(&instance.db, "marie", more, sink.addr.port()).await;
    post(&instance, &token).await;
    // Every event expanded and every delivery done: nothing more can be sent.
    eventually("both servers served", Duration::from_secs(20), || async {
        (sink.received.all().len() >= 2
            && instance.recorded_events().await.1 == 0
            && delivery_rows(&instance).await.is_empty())
        .then_some(())
    })
    .await;
    let received = sink.received.all();
    assert_eq!(received.len(), 2, "{received:?}");
    let mut hosts: Vec<&str> = received
        .iter()
        .map(|(h, _)| h.split(':').next().unwrap())
        .collect();
    hosts.sort();
    assert_eq!(hosts, ["a.sink.test", "b.sink.test"]);
});

both_backends!(
    too_many_requests_waits_for_retry_after,
    |backend| async move {
        let (instance, token, sink) = setup(backend, 429, &["busy.sink.test"]).await;
        let before = chrono::Utc::now().naive_utc();
        post(&instance, &token).await;
        // Retry-After: 2 — the answer is recorded with the next attempt set two seconds after it, not counted
        // as a failed attempt.
        let next = eventually("the 429 recorded", Duration::from_secs(20), || async {
            let rows = delivery_rows(&instance).await;
            (rows == vec![("queued".to_string(), 0, Some("HTTP 429".to_string()))]).then_some(())?;
            instance
                .db
                .run(|conn| {
                    Ok(deliveries::table
                        .select(deliveries::next_attempt_at)
                        .first::<chrono::NaiveDateTime>(conn)?)
                })
                .await
                .ok()
        })
        .await;
        assert_eq!(sink.received.all().len(), 1);
        assert!(
            next >= before + chrono::Duration::milliseconds(1900),
            "next attempt at {next}, asked at {before}"
        );
        eventually(
            "the retry after two seconds",
            Duration::from_secs(20),
            || async { (sink.received.all().len() >= 2).then_some(()) },
        )
        .await;
        // Asking us to slow down does not count against the server.
        let failures: i32 = instance
            .db
            .run(|conn| {
                Ok(remote_hosts::table
                    .select(remote_hosts::consecutive_failures)
                    .first(conn)?)
            })
            .await
            .unwrap();
        assert_eq!(failures, 0);
    }
);

both_backends!(
    a_final_refusal_is_recorded_as_failed_not_delivered,
    |backend| async move {
        let (instance, token, sink) = setup(backend, 403, &["refusing.sink.test"]).await;
        post(&instance, &token).await;
        let rows = eventually("the refusal recorded", Duration::from_secs(20), || async {
            let rows = delivery_rows(&instance).await;
            (rows.first().is_some_and(|r| r.0 == "failed")).then_some(rows)
        })
        .await;
        assert_eq!(
            rows,
            vec![("failed".to_string(), 1, Some("HTTP 403".to_string()))]
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(sink.received.all().len(), 1, "never retried");
        let status = instance
            .db
            .run(parvis::db::queries::federation_status)
            .await
            .unwrap();
        assert_eq!((status[0].failed, status[0].delivered), (1, 0));
    }
);

both_backends!(
    a_server_failing_for_a_day_is_marked_unreachable_then_recovers,
    |backend| async move {
        let (instance, token, sink) = setup(backend, 503, &["flaky.sink.test"]).await;
        let domain = format!("flaky.sink.test:{}", sink.addr.port());
        // The server has been failing since yesterday.
        let since = chrono::Utc::now().naive_utc() - chrono::Duration::hours(25);
        {
            let domain = domain.clone();
            instance
                .db
                .run(move |conn| {
                    diesel::insert_into(remote_hosts::table)
                        .values((
                            remote_hosts::domain.eq(domain),
                            remote_hosts::consecutive_failures.eq(9),
                            remote_hosts::failing_since.eq(Some(since)),
                        ))
                        .execute(conn)?;
                    Ok(())
                })
                .await
                .unwrap();
        }
        post(&instance, &token).await;
        let next = eventually("the failure recorded", Duration::from_secs(20), || async {
            let d = domain.clone();
            instance
                .db
                .run(move |conn| {
                    let unreachable: bool = remote_hosts::table
                        .find(d)
                        .select(remote_hosts::unreachable)
                        .first(conn)?;
                    let next: Option<chrono::NaiveDateTime> = deliveries::table
                        .filter(deliveries::attempts.ge(1))
                        .select(deliveries::next_attempt_at)
                        .first(conn)
                        .optional()?;
                    Ok(next.filter(|_| unreachable))
                })
                .await
                .unwrap()
        })
        .await;
        let wait = next - chrono::Utc::now().naive_utc();
        assert!(
            wait > chrono::Duration::hours(5),
            "an unreachable server is tried rarely: {wait}"
        );
        let status = instance
            .db
            .run(parvis::db::queries::federation_status)
            .await
            .unwrap();
        assert!(status[0].unreachable && status[0].queued == 1, "{status:?}");
        let _ = sink;
    }
);

both_backends!(
    blocked_servers_and_broken_events_do_not_stop_the_queue,
    |backend| async move {
        let sink = sink::start(SINK_IP, Duration::ZERO, 202).await;
        let names = vec![
            "open.sink.test".to_string(),
            "blocked.sink.test".to_string(),
        ];
        let instance = TestInstance::start_with(backend, |s| {
            s.federation.allowed_hosts = names.clone();
            for name in &names {
                s.federation.static_hosts.insert(name.clone(), SINK_IP);
            }
            // Blocked after it followed marie.
            s.federation.blocked_domains = vec!["blocked.sink.test".into()];
        })
        .await;
        let token = account(&instance, "ville", "marie", Role::Official).await;
        sink::followers_on_sink(&instance.db, "marie", &names, sink.addr.port()).await;
        // An event whose post does not exist comes first in the outbox.
        instance
            .db
            .run(|conn| {
                let marie = parvis::db::queries::actor_by_username(conn, "marie")?
                    .unwrap()
                    .id;
                parvis::civic::outbox::record(
                    conn,
                    marie,
                    parvis::model::Outbound::NotePublished {
                        note: parvis::ids::NoteId(999_999),
                    },
                )
            })
            .await
            .unwrap();
        post(&instance, &token).await;
        // Every event expanded (the broken one set aside) and every delivery done: nothing more can be sent.
        eventually(
            "the post at the open server",
            Duration::from_secs(20),
            || async {
                (!sink.received.all().is_empty()
                    && instance.recorded_events().await.1 == 0
                    && delivery_rows(&instance).await.is_empty())
                .then_some(())
            },
        )
        .await;
        let hosts: Vec<String> = sink.received.all().into_iter().map(|(h, _)| h).collect();
        assert_eq!(hosts.len(), 1, "{hosts:?}");
        assert!(hosts[0].starts_with("open.sink.test"), "{hosts:?}");
        let pending: i64 = instance
            .db
            .run(|conn| {
                use parvis::model::schema::outbox_events;
                Ok(outbox_events::table
                    .filter(outbox_events::expanded.eq(false))
                    .count()
                    .get_result(conn)?)
            })
            .await
            .unwrap();
        assert_eq!(pending, 0, "the broken event was set aside");
    }
);

both_backends!(
    deliveries_queued_before_a_block_are_not_sent,
    |backend| async move {
        let (mut instance, token, sink) = setup(backend, 503, &["soon-blocked.sink.test"]).await;
        post(&instance, &token).await;
        eventually(
            "a first failed attempt",
            Duration::from_secs(20),
            || async {
                let rows = delivery_rows(&instance).await;
                rows.first().is_some_and(|r| r.1 >= 1).then_some(())
            },
        )
        .await;
        // The admin blocks the server and restarts.
        instance.stop().await;
        instance.settings.federation.blocked_domains = vec!["soon-blocked.sink.test".into()];
        let attempts_before = sink.received.all().len();
        instance.restart().await;
        let rows = eventually(
            "the queued delivery given up",
            Duration::from_secs(30),
            || async {
                let rows = delivery_rows(&instance).await;
                rows.first()
                    .is_some_and(|r| r.0 == "failed")
                    .then_some(rows)
            },
        )
        .await;
        assert_eq!(rows[0].2.as_deref(), Some("the server is blocked here"));
        assert_eq!(
            sink.received.all().len(),
            attempts_before,
            "nothing more was sent"
        );
    }
);

both_backends!(
    rows_queued_by_the_previous_version_are_delivered_after_an_upgrade,
    |backend| async move {
        use parvis::model::schema::{notes, outbox_events, outgoing_activities, remote_actors};
        let hosts = ["a.sink.test", "b.sink.test"];
        let (instance, token, sink) = setup(backend, 202, &hosts).await;
        post(&instance, &token).await;
        eventually(
            "the post at both servers",
            Duration::from_secs(20),
            || async {
                (sink.received.all().len() == 2 && instance.recorded_events().await.1 == 0)
                    .then_some(())
            },
        )
        .await;
        let port = sink.addr.port();
        // Rows as the previous version wrote them: a kind, a bare subject, a target and a string payload, and
        // no typed value.
        let follow = format!("http://a.sink.test:{port}/follows/1");
        let inboxes =
            format!("http://a.sink.test:{port}/inbox\n\nhttp://b.sink.test:{port}/inbox\n");
        let sent_follow = follow.clone();
        let first_new = instance
            .db
            .run(move |conn| {
                let marie = parvis::db::queries::actor_by_username(conn, "marie")?
                    .unwrap()
                    .id;
                let note: parvis::ids::NoteId = notes::table.select(notes::id).first(conn)?;
                let follower: parvis::ids::RemoteActorId = remote_actors::table
                    .filter(remote_actors::domain.eq(format!("a.sink.test:{port}")))
                    .select(remote_actors::id)
                    .first(conn)?;
                // The sink answers at its shared inbox only: the Accept goes to the follower's own inbox.
                diesel::update(remote_actors::table.find(follower))
                    .set(remote_actors::inbox.eq(format!("http://a.sink.test:{port}/inbox")))
                    .execute(conn)?;
                let first_new: i64 = outgoing_activities::table
                    .select(diesel::dsl::max(outgoing_activities::id))
                    .first::<Option<i64>>(conn)?
                    .unwrap_or(0);
                let now = chrono::Utc::now().naive_utc();
                for (kind, subject, target, payload) in [
                    ("note_published", note.0, None, String::new()),
                    ("follow_accepted", 7, Some(follower), follow.clone()),
                    ("actor_deleted", marie.0, None, inboxes.clone()),
                ] {
                    diesel::insert_into(outbox_events::table)
                        .values((
                            outbox_events::kind.eq(parvis::model::EventKind::parse(kind).unwrap()),
                            outbox_events::actor_id.eq(marie),
                            outbox_events::subject_id.eq(subject),
                            outbox_events::target_remote_id.eq(target),
                            outbox_events::payload.eq(payload),
                            outbox_events::created_at.eq(now),
                        ))
                        .execute(conn)?;
                }
                Ok(first_new)
            })
            .await
            .unwrap();
        // The post again to both servers, the Accept to the follower's, the Delete to the two listed inboxes.
        eventually(
            "the old rows delivered",
            Duration::from_secs(20),
            || async {
                (sink.received.all().len() == 7
                    && instance.recorded_events().await.1 == 0
                    && delivery_rows(&instance).await.is_empty())
                .then_some(())
            },
        )
        .await;
        let sent: Vec<serde_json::Value> = instance
            .db
            .run(move |conn| {
                Ok(outgoing_activities::table
                    .filter(outgoing_activities::id.gt(first_new))
                    .order(outgoing_activities::id.asc())
                    .select(outgoing_activities::body)
                    .load::<String>(conn)?)
            })
            .await
            .unwrap()
            .iter()
            .map(|b| serde_json::from_str(b).unwrap())
            .collect();
        let marie_url = format!("{}/users/marie", instance.base);
        assert_eq!(sent.len(), 3, "{sent:#?}");
        assert_eq!(sent[0]["type"], "Create");
        assert_eq!(sent[0]["object"]["content"], "<p>Réunion publique</p>");
        assert_eq!(sent[1]["type"], "Accept");
        assert_eq!(sent[1]["object"]["id"], sent_follow);
        assert_eq!(sent[1]["object"]["object"], marie_url);
        assert_eq!(sent[2]["type"], "Delete");
        assert_eq!(sent[2]["object"], marie_url);
        let hosts_of = |id: &serde_json::Value| -> Vec<String> {
            let mut hosts: Vec<String> = sink
                .received
                .all()
                .into_iter()
                .filter(|(_, sent)| sent == id.as_str().unwrap())
                .map(|(host, _)| host)
                .collect();
            hosts.sort();
            hosts
        };
        let both = vec![format!("a.sink.test:{port}"), format!("b.sink.test:{port}")];
        assert_eq!(hosts_of(&sent[0]["id"]), both);
        assert_eq!(hosts_of(&sent[1]["id"]), vec![both[0].clone()]);
        assert_eq!(hosts_of(&sent[2]["id"]), both);
    }
);
