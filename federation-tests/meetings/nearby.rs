//! Events of other servers: bob, on beta, follows alpha's commune and the Fedify peer. Alpha's meeting and the
//! peer's Mobilizon-shaped event are listed on beta as "nearby"; bob registers for both from home (a `Join`
//! from his account), alpha gives him a seat and the peer accepts in Mobilizon's way (an `Accept` embedding
//! the `Join`); alpha's cancellation and the peer's change (an `Update` under the `Create`'s own id, as
//! Mobilizon sends it) reach him. Events with a hostile description are cleaned; a location that is not a
//! Place, dates backwards or years away, an event of another server, and an answer from a server that does
//! not hold the event are refused, storing nothing.

use diesel::prelude::*;
use serde_json::Value;

use super::*;
use crate::federation::eventually;
use crate::support::network::{ALPHA, BETA, Network};
use parvis::model::schema::{remote_event_participations, remote_events};

/// What beta keeps: events of other servers, and bob's registrations by state.
async fn kept(beta: &crate::support::TestInstance) -> (i64, Vec<String>) {
    beta.db
        .run(|c| {
            Ok((
                remote_events::table.count().get_result(c)?,
                remote_event_participations::table
                    .order(remote_event_participations::id.asc())
                    .select(remote_event_participations::state)
                    .load(c)?,
            ))
        })
        .await
        .unwrap()
}

/// The peer's event `n` (its own, in Mobilizon's shape), wrapped in `kind`; the activity's id is the same
/// for its Create and every Update, as Mobilizon does.
fn peer_event(peer: &crate::support::peer::Peer, n: u32, kind: &str, start: &str) -> Value {
    let event = format!("{}/events/{n}", peer.base);
    json!({
        "@context": ["https://www.w3.org/ns/activitystreams", {"ical": "http://www.w3.org/2002/12/cal/ical#", "mz": "https://joinmobilizon.org/ns#"}],
        "id": format!("{event}/activity"),
        "type": kind,
        "actor": peer.actor_id,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "type": "Event",
            "id": event,
            "url": event,
            "actor": peer.actor_id,
            "attributedTo": peer.actor_id,
            "name": format!("Atelier vélo {n}"),
            "content": "<p>Réparez votre vélo.</p><script>alert(1)</script><img src=x onerror=alert(2)>",
            "mediaType": "text/html",
            "startTime": start,
            "endTime": null,
            "timezone": "Europe/Paris",
            "location": {
                "type": "Place", "name": "Maison des associations",
                "address": {"type": "PostalAddress", "streetAddress": "2 place du Marché", "postalCode": "69001", "addressLocality": "Lyon"},
                "latitude": 45.76, "longitude": 4.83
            },
            "joinMode": "restricted",
            "maximumAttendeeCapacity": 20,
            "status": "CONFIRMED",
            "ical:status": "CONFIRMED",
            "to": ["https://www.w3.org/ns/activitystreams#Public"]
        }
    })
}

/// The answer to a page's form at `action`, posted by `who`.
async fn press(who: &mut WebClient, page: &str, action: &str) -> crate::support::web::Page {
    who.submit(page, action, &[]).await
}

both_backends!(
    events_elsewhere_are_listed_joined_from_home_and_their_changes_reach_the_people_registered,
    |backend| async move {
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        people(&alpha).await;
        person(&beta, "bob", Role::Citizen).await;
        let peer = crate::fedify::peer(&net);
        let mut bob = signed_in(&beta, "bob").await;
        let commune = format!("@ville@{}", alpha.base.trim_start_matches("https://"));
        for handle in [commune.clone(), peer.handle()] {
            assert_eq!(bob.follow_handle(&handle).await.status, 303);
            eventually("bob's follow accepted", WAIT, || {
                let (beta, handle) = (&beta, handle.clone());
                async move {
                    let list = WebClient::new(beta).get("/users/bob/following").await;
                    list.has(&handle).then_some(())
                }
            })
            .await;
        }

        // Marie schedules a meeting on alpha: beta lists it among the events nearby.
        let mut marie = signed_in(&alpha, "marie").await;
        let page = schedule(
            &mut marie,
            "Conseil de quartier",
            "1",
            &local(5, 18),
            &local(5, 20),
        )
        .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let meeting = page.location.unwrap();
        let copy = eventually("alpha's meeting nearby on beta", WAIT, || {
            let beta = &beta;
            async move {
                let list = WebClient::new(beta).get("/meetings").await;
                let at = list.body.find(">Conseil de quartier<")?;
                list.body[..at]
                    .rsplit("href=\"")
                    .next()?
                    .split('"')
                    .next()
                    .map(str::to_string)
            }
        })
        .await;
        assert!(copy.starts_with("/meetings/nearby/"), "{copy}");

        // Bob registers from home: alpha gives him the seat, beta hears it.
        assert_eq!(
            press(&mut bob, &copy, &format!("{copy}/join")).await.status,
            303
        );
        assert_eq!(
            press(&mut bob, &copy, &format!("{copy}/join")).await.status,
            409,
            "a second registration"
        );
        eventually("bob's seat on alpha", WAIT, || async {
            let page = WebClient::new(&alpha).get(&meeting).await;
            page.has("Places prises : 1 sur 1").then_some(())
        })
        .await;
        eventually("alpha's Accept on beta", WAIT, || async {
            (kept(&beta).await.1 == vec!["going"]).then_some(())
        })
        .await;
        assert!(bob.get(&copy).await.has("Vous êtes inscrit·e."));
        assert_eq!(told(&beta, "meeting_seat").await, vec!["bob"]);

        // Marie cancels it: bob, registered from beta, is told, and beta shows it cancelled.
        assert_eq!(
            marie
                .submit(&meeting, &format!("{meeting}/cancel"), &[])
                .await
                .status,
            303
        );
        eventually("the cancellation on beta", WAIT, || async {
            (told(&beta, "meeting_change").await == vec!["bob"]).then_some(())
        })
        .await;
        assert!(bob.get(&copy).await.has("meeting-cancelled"));

        // The peer's own event, in Mobilizon's shape: kept, its description cleaned.
        let start = (chrono::Utc::now() + chrono::Duration::days(9)).to_rfc3339();
        let created = peer_event(&peer, 1, "Create", &start);
        assert_eq!(
            crate::policy::send_raw(&peer, &beta, created.clone()).await,
            202
        );
        assert_eq!(
            crate::policy::send_raw(&peer, &beta, created).await,
            202,
            "a replay"
        );
        assert_eq!(kept(&beta).await.0, 2);
        // Hostile ones: refused with a clear error, nothing stored.
        let mut hostile = vec![];
        let mut not_a_place = peer_event(&peer, 2, "Create", &start);
        not_a_place["object"]["location"] = json!({"type": "Note", "content": "x"});
        hostile.push((not_a_place, 400));
        let mut backwards = peer_event(&peer, 3, "Create", &start);
        backwards["object"]["endTime"] = json!("2020-01-01T10:00:00Z");
        hostile.push((backwards, 400));
        let far = peer_event(&peer, 4, "Create", "2045-01-01T10:00:00Z");
        hostile.push((far, 400));
        let mut spoofed = peer_event(&peer, 5, "Create", &start);
        spoofed["object"]["id"] = json!(alpha.url("/meetings/999").as_str());
        hostile.push((spoofed, 403));
        let mut not_an_event = peer_event(&peer, 6, "Create", &start);
        not_an_event["object"]["startTime"] = json!("tomorrow");
        hostile.push((not_an_event, 400));
        for (activity, status) in hostile {
            let sent = peer
                .control_post(
                    "/send-raw",
                    json!({ "inbox": beta.url("/inbox"), "activity": activity }),
                )
                .await;
            assert_eq!(sent["status"], status, "{sent}");
            assert!(
                sent["body"].as_str().unwrap().len() > 10,
                "a clear error: {sent}"
            );
        }
        assert_eq!(kept(&beta).await.0, 2, "nothing more kept");
        let list = bob.get("/meetings").await;
        let at = list
            .body
            .find(">Atelier vélo 1<")
            .expect("the peer's event listed");
        let event_page = list.body[..at]
            .rsplit("href=\"")
            .next()
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let shown = bob.get(&event_page).await;
        assert!(
            shown.has("Réparez votre vélo.") && shown.has("69001 Lyon"),
            "{}",
            shown.body
        );
        assert!(
            !shown.has("<script>alert(1)") && !shown.has("onerror"),
            "{}",
            shown.body
        );

        // Beta's admin silences the peer's server: its event is listed to nobody and its page is gone; the
        // rule lifted, it is back (it was kept).
        person(&beta, "admin", Role::Admin).await;
        let mut admin = signed_in(&beta, "admin").await;
        let silenced = crate::policy::server_rule(&mut admin, "peer.fedify.test", "silence").await;
        assert_eq!(silenced.status, 303, "{}", silenced.body);
        assert!(!bob.get("/meetings").await.has(">Atelier vélo 1<"));
        assert!(bob.get("/meetings").await.has(">Conseil de quartier<"));
        assert_eq!(bob.get(&event_page).await.status, 404);
        crate::policy::server_rule(&mut admin, "peer.fedify.test", "none").await;
        assert!(bob.get("/meetings").await.has(">Atelier vélo 1<"));
        assert_eq!(bob.get(&event_page).await.status, 200);

        // The peer relays an event of its own as a Mobilizon group does (an `Announce` embedding it): listed.
        // Its relay of alpha's meeting under another name is refused (an event is believed only from its own
        // server), and that name is shown nowhere.
        let mut relayed = peer_event(&peer, 7, "Create", &start)["object"].clone();
        relayed["name"] = json!("Atelier vélo 7");
        let announce = |n: u32, object: Value| {
            json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{}/announces/{n}", peer.base),
                "type": "Announce",
                "actor": peer.actor_id,
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "object": object,
            })
        };
        assert_eq!(
            crate::policy::send_raw(&peer, &beta, announce(7, relayed)).await,
            202
        );
        assert!(bob.get("/meetings").await.has(">Atelier vélo 7<"));
        let forged = json!({
            "type": "Event",
            "id": alpha.url(&meeting),
            "attributedTo": alpha.url("/communes/ville"),
            "name": "Conseil annulé",
            "startTime": start,
        });
        assert_eq!(
            crate::policy::send_raw(&peer, &beta, announce(8, forged)).await,
            403
        );
        let list = bob.get("/meetings").await;
        assert!(
            list.has(">Conseil de quartier<") && !list.has("Conseil annulé"),
            "{}",
            list.body
        );

        // Bob registers: the peer gets his Join, signed by him, naming its event.
        assert_eq!(
            press(&mut bob, &event_page, &format!("{event_page}/join"))
                .await
                .status,
            303
        );
        let bob_id = beta.url("/users/bob");
        let event_id = format!("{}/events/1", peer.base);
        let join = peer
            .wait_for_inbox(
                |a| a["type"] == "Join" && a["object"] == event_id.as_str(),
                WAIT,
            )
            .await;
        assert_signed_by(&join, bob_id.as_str());
        let join_id = join["id"].as_str().unwrap().to_string();
        assert!(bob.get(&event_page).await.has("en attente de la réponse"));
        // Alpha holds no such event: it does not answer for the peer (nor the peer for alpha).
        let foreign = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/accepts/0", peer.base), "type": "Accept", "actor": peer.actor_id,
            "object": format!("{}/joins/1", beta.base),
        });
        assert_eq!(crate::policy::send_raw(&peer, &beta, foreign).await, 403);
        assert_eq!(kept(&beta).await.1, vec!["going", "pending"]);
        // The peer accepts as Mobilizon does: its Accept embeds the Join.
        let accept = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/accept/join/1", peer.base), "type": "Accept", "actor": peer.actor_id,
            "object": {"type": "Join", "id": join_id, "actor": bob_id.as_str(), "object": event_id},
        });
        assert_eq!(crate::policy::send_raw(&peer, &beta, accept).await, 202);
        assert_eq!(kept(&beta).await.1, vec!["going", "going"]);

        // The peer moves its event: an Update under the Create's own id is a change, not a replay.
        let later = (chrono::Utc::now() + chrono::Duration::days(10)).to_rfc3339();
        let moved = peer_event(&peer, 1, "Update", &later);
        assert_eq!(crate::policy::send_raw(&peer, &beta, moved).await, 202);
        assert_eq!(told(&beta, "meeting_change").await, vec!["bob", "bob"]);

        // Bob cancels: the peer gets his Leave, naming the event (as Mobilizon expects).
        assert_eq!(
            press(&mut bob, &event_page, &format!("{event_page}/leave"))
                .await
                .status,
            303
        );
        let leave = peer
            .wait_for_inbox(
                |a| a["type"] == "Leave" && a["object"] == event_id.as_str(),
                WAIT,
            )
            .await;
        assert_signed_by(&leave, bob_id.as_str());
        assert_eq!(kept(&beta).await.1, vec!["going", "left"]);

        // The peer deletes it: the copy goes.
        let delete = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{event_id}/delete"), "type": "Delete", "actor": peer.actor_id,
            "object": {"type": "Tombstone", "id": event_id},
        });
        assert_eq!(crate::policy::send_raw(&peer, &beta, delete).await, 202);
        assert_eq!(
            kept(&beta).await.0,
            2,
            "alpha's meeting and the relayed event stay"
        );
    }
);
