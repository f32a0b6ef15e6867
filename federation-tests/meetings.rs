//! Meetings: an official schedules one (bad times and capacities refused), people register until it is
//! full, then wait, and the waiting list moves up by itself; a cancellation tells everyone. The Fedify peer
//! joins and leaves in Mobilizon's shape and hears of the cancellation; concurrent registrations for the
//! last seats take exactly the capacity, on both databases.

use std::time::Duration;

use serde_json::json;

use crate::support::debates::people;
use crate::support::peer::assert_signed_by;
use crate::support::web::WebClient;
use crate::support::{both_backends, told};
use crate::web::{person, signed_in};
use parvis::model::Role;

mod calendars;
mod minutes;
mod nearby;
mod series;

const WAIT: Duration = Duration::from_secs(30);

/// A local time `days` from now on the commune's clocks, as the form takes it.
pub(crate) fn local(days: i64, hour: u32) -> String {
    let day = (chrono::Utc::now() + chrono::Duration::days(days)).date_naive();
    format!("{} {hour:02}:30", day.format("%Y-%m-%d"))
}

/// Schedules a meeting as `who`; returns the page answered.
pub(crate) async fn schedule(
    who: &mut WebClient,
    title: &str,
    capacity: &str,
    starts: &str,
    ends: &str,
) -> crate::support::web::Page {
    schedule_with(
        who,
        title,
        capacity,
        starts,
        ends,
        "Accueil\nQuestions diverses",
    )
    .await
}

/// [`schedule`] with an agenda, one item per line.
async fn schedule_with(
    who: &mut WebClient,
    title: &str,
    capacity: &str,
    starts: &str,
    ends: &str,
    agenda: &str,
) -> crate::support::web::Page {
    who.submit(
        "/meetings/new",
        "/meetings",
        &[
            ("title", title),
            ("category", "public_meeting"),
            ("starts", starts),
            ("ends", ends),
            ("address", "Salle des fêtes"),
            ("capacity", capacity),
            ("description", "Venez nombreux."),
            ("agenda", agenda),
        ],
    )
    .await
}

both_backends!(
    a_meeting_fills_its_seats_then_its_waiting_list_moves_up_and_its_cancellation_tells_everyone,
    |backend| async move {
        let alpha = crate::support::TestInstance::start(backend).await;
        people(&alpha).await;
        person(&alpha, "bob", Role::Citizen).await;
        let mut marie = signed_in(&alpha, "marie").await;
        let mut lea = signed_in(&alpha, "lea").await;
        // A citizen does not schedule meetings.
        assert_eq!(lea.get("/meetings/new").await.status, 403);
        // Bad input: refused with a clear message, nothing stored.
        for (starts, ends, capacity, says) in [
            (local(3, 18), local(3, 17), "2", "Fin"),
            (local(3, 18), local(4, 20), "0", "Places"),
            (local(3, 18), local(3, 20), "-4", "Places"),
            (local(900, 18), local(900, 20), "2", "Début"),
            ("demain".to_string(), local(3, 20), "2", "Début"),
        ] {
            let page = schedule(&mut marie, "Mauvaise", capacity, &starts, &ends).await;
            assert_eq!(
                page.status, 422,
                "{starts} {ends} {capacity}: {}",
                page.body
            );
            assert!(page.has(says), "{says}: {}", page.body);
        }
        // An agenda item links a debate of the commune, not one that does not exist.
        let page = schedule_with(
            &mut marie,
            "Mauvais ordre du jour",
            "2",
            &local(3, 18),
            &local(3, 20),
            "Le marché | /debates/999999",
        )
        .await;
        assert_eq!(page.status, 422, "{}", page.body);
        let debate = crate::support::debates::open_debate(
            &mut marie,
            "Un marché le dimanche ?",
            "Qu'en pensez-vous ?",
        )
        .await;
        let page = schedule_with(
            &mut marie,
            "Réunion publique : le marché",
            "2",
            &local(3, 18),
            &local(3, 20),
            &format!("Accueil\nLe marché du dimanche | {debate}\nQuestions diverses"),
        )
        .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let path = page.location.unwrap();
        let shown = WebClient::new(&alpha).get(&path).await;
        assert!(
            shown.has("Salle des fêtes") && shown.has("Ordre du jour"),
            "{}",
            shown.body
        );
        assert!(
            shown.has(&format!("href=\"{debate}\">Le marché du dimanche")),
            "{}",
            shown.body
        );
        assert!(
            shown.has("18:30–20:30"),
            "the commune's clocks: {}",
            shown.body
        );
        assert!(
            WebClient::new(&alpha)
                .get("/meetings")
                .await
                .has("Réunion publique : le marché")
        );

        // Two seats: Léa and Karim; Bob waits.
        let mut karim = signed_in(&alpha, "karim").await;
        let mut bob = signed_in(&alpha, "bob").await;
        for who in [&mut lea, &mut karim] {
            let page = who.submit(&path, &format!("{path}/register"), &[]).await;
            assert_eq!(page.status, 303, "{}", page.body);
        }
        let again = lea.submit(&path, &format!("{path}/register"), &[]).await;
        assert_eq!(again.status, 409, "registered twice: {}", again.body);
        let full = bob.get(&path).await;
        assert!(full.has("liste d'attente"), "{}", full.body);
        let page = bob.submit(&path, &format!("{path}/register"), &[]).await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert!(bob.get(&path).await.has("Vous êtes en liste d'attente"));
        assert!(
            WebClient::new(&alpha)
                .get(&path)
                .await
                .has("Places prises : 2 sur 2")
        );

        // Léa cancels: Bob has her seat, and is told.
        let page = lea.submit(&path, &format!("{path}/unregister"), &[]).await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert!(bob.get(&path).await.has("Vous êtes inscrit·e."));
        assert_eq!(told(&alpha, "meeting_seat").await, ["bob"]);
        // Someone not registered cannot cancel a registration.
        assert_eq!(
            lea.submit(&path, &format!("{path}/unregister"), &[])
                .await
                .status,
            404
        );

        // Moved an hour later: the form holds the meeting as it is; everyone registered is told.
        let edit = format!("{path}/edit");
        assert_eq!(lea.get(&edit).await.status, 403);
        let form = marie.get(&edit).await;
        assert!(
            form.has("Réunion publique : le marché")
                && form.has(&format!("Le marché du dimanche | {debate}")),
            "{}",
            form.body
        );
        let agenda = format!("Accueil\nLe marché du dimanche | {debate}\nQuestions diverses");
        let page = marie
            .submit(
                &edit,
                &edit,
                &[
                    ("title", "Réunion publique : le marché"),
                    ("category", "public_meeting"),
                    ("starts", &local(3, 19)),
                    ("ends", &local(3, 21)),
                    ("address", "Salle des fêtes"),
                    ("capacity", "2"),
                    ("description", "Venez nombreux."),
                    ("agenda", &agenda),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert!(WebClient::new(&alpha).get(&path).await.has("19:30–21:30"));
        assert_eq!(told(&alpha, "meeting_change").await, ["bob", "karim"]);

        // Cancelled: everyone registered is told, and nobody registers any more.
        assert_eq!(
            lea.submit(&path, &format!("{path}/cancel"), &[])
                .await
                .status,
            403
        );
        let page = marie.submit(&path, &format!("{path}/cancel"), &[]).await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(
            told(&alpha, "meeting_change").await,
            ["bob", "bob", "karim", "karim"]
        );
        assert_eq!(
            lea.submit(&path, &format!("{path}/register"), &[])
                .await
                .status,
            409
        );
        assert!(WebClient::new(&alpha).get(&path).await.has("Annulée"));
    }
);

both_backends!(
    concurrent_registrations_for_the_last_seats_take_exactly_the_capacity,
    |backend| async move {
        let alpha = crate::support::TestInstance::start(backend).await;
        person(&alpha, "marie", Role::Official).await;
        let mut names = vec![];
        for n in 0..12 {
            let name = format!("habitant{n}");
            person(&alpha, &name, Role::Citizen).await;
            names.push(name);
        }
        let marie = alpha
            .db
            .run(|c| {
                Ok(parvis::db::queries::account_by_username(c, "marie")?
                    .unwrap()
                    .1)
            })
            .await
            .unwrap();
        let starts = chrono::Utc::now().naive_utc() + chrono::Duration::days(5);
        let id = alpha
            .db
            .transaction(move |c| {
                parvis::civic::meetings::create(
                    c,
                    &marie,
                    &parvis::civic::meetings::NewMeeting {
                        title: "Atelier".into(),
                        description: String::new(),
                        category: parvis::model::MeetingCategory::Workshop,
                        starts,
                        ends: starts + chrono::Duration::hours(2),
                        address: "Médiathèque".into(),
                        coordinates: None,
                        online_url: None,
                        capacity: Some(3),
                        registration_required: true,
                        agenda: vec![],
                    },
                )
            })
            .await
            .unwrap();
        let mut tasks = vec![];
        for name in names {
            let db = alpha.db.clone();
            tasks.push(tokio::spawn(async move {
                let account = db
                    .run(move |c| {
                        Ok(parvis::db::queries::account_by_username(c, &name)?
                            .unwrap()
                            .1)
                    })
                    .await
                    .unwrap();
                db.transaction(move |c| parvis::civic::meetings::register(c, &account, id))
                    .await
                    .unwrap()
            }));
        }
        let mut going = 0;
        for task in tasks {
            if task.await.unwrap() == parvis::model::Attendance::Going {
                going += 1;
            }
        }
        assert_eq!(going, 3, "exactly the capacity has a seat");
        let counted = alpha
            .db
            .run(move |c| parvis::civic::meetings::counts(c, id))
            .await
            .unwrap();
        assert_eq!(counted, (3, 9));
    }
);

both_backends!(
    the_peer_joins_waits_gets_its_seat_leaves_and_hears_of_the_cancellation,
    |backend| async move {
        use crate::support::network::{ALPHA, Network};
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        people(&alpha).await;
        let peer = crate::fedify::peer_following(&net, &alpha, "ville").await;

        let mut marie = signed_in(&alpha, "marie").await;
        let page = schedule(
            &mut marie,
            "Permanence du maire",
            "1",
            &local(4, 9),
            &local(4, 11),
        )
        .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let path = page.location.unwrap();
        let event = alpha.url(&path);
        let commune = alpha.url("/communes/ville");
        // The peer gets the Event, in Mobilizon's shape, with the date and place in its summary.
        let created = peer
            .wait_for_inbox(
                |a| a["type"] == "Create" && a["object"]["type"] == "Event",
                WAIT,
            )
            .await;
        assert_signed_by(&created, commune.as_str());
        let object = &created["object"];
        assert_eq!(object["id"], event.as_str());
        assert_eq!(object["maximumAttendeeCapacity"], 1);
        assert_eq!(object["remainingAttendeeCapacity"], 1);
        assert_eq!(object["ical:status"], "CONFIRMED");
        assert_eq!(object["timezone"], "Europe/Paris");
        assert_eq!(object["location"]["name"], "Salle des fêtes");
        assert!(
            object["summary"]
                .as_str()
                .unwrap()
                .contains("09:30–11:30 · Salle des fêtes"),
            "{object}"
        );

        // Léa takes the only seat; the peer's Join waits, then gets its Accept when she cancels.
        let mut lea = signed_in(&alpha, "lea").await;
        assert_eq!(
            lea.submit(&path, &format!("{path}/register"), &[])
                .await
                .status,
            303
        );
        let join_id = format!("{}/joins/1", peer.base);
        let join = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": join_id, "type": "Join", "actor": peer.actor_id, "object": event.as_str(),
            "participationMessage": "J'y serai",
        });
        assert_eq!(
            crate::policy::send_raw(&peer, &alpha, join.clone()).await,
            202
        );
        // Twice: nothing more.
        assert_eq!(crate::policy::send_raw(&peer, &alpha, join).await, 202);
        assert!(
            WebClient::new(&alpha)
                .get(&path)
                .await
                .has("1 personne en liste d'attente")
        );
        assert_eq!(
            lea.submit(&path, &format!("{path}/unregister"), &[])
                .await
                .status,
            303
        );
        let accepted = peer
            .wait_for_inbox(
                |a| a["type"] == "Accept" && a["object"] == join_id.as_str(),
                WAIT,
            )
            .await;
        assert_signed_by(&accepted, commune.as_str());
        assert!(
            WebClient::new(&alpha)
                .get(&path)
                .await
                .has("Places prises : 1 sur 1")
        );

        // The peer leaves: its seat is free; a second Leave finds no registration of its own (404).
        let leave = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/leaves/1", peer.base), "type": "Leave", "actor": peer.actor_id,
            "object": event.as_str(),
        });
        assert_eq!(crate::policy::send_raw(&peer, &alpha, leave).await, 202);
        assert!(
            WebClient::new(&alpha)
                .get(&path)
                .await
                .has("Places prises : 0 sur 1")
        );
        let leave_again = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/leaves/2", peer.base), "type": "Leave", "actor": peer.actor_id,
            "object": event.as_str(),
        });
        assert_eq!(
            crate::policy::send_raw(&peer, &alpha, leave_again).await,
            404
        );

        // Cancelled: the peer gets the Update with ical:status CANCELLED, and a later Join is rejected.
        assert_eq!(
            marie
                .submit(&path, &format!("{path}/cancel"), &[])
                .await
                .status,
            303
        );
        let cancelled = peer
            .wait_for_inbox(
                |a| a["type"] == "Update" && a["object"]["ical:status"] == "CANCELLED",
                WAIT,
            )
            .await;
        assert_eq!(cancelled["object"]["id"], event.as_str());
        let late = format!("{}/joins/2", peer.base);
        let join = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": late, "type": "Join", "actor": peer.actor_id, "object": event.as_str(),
        });
        assert_eq!(crate::policy::send_raw(&peer, &alpha, join).await, 202);
        peer.wait_for_inbox(
            |a| a["type"] == "Reject" && a["object"] == late.as_str(),
            WAIT,
        )
        .await;
        // A Join of something that is no meeting of ours is nothing.
        let other = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/joins/3", peer.base), "type": "Join", "actor": peer.actor_id,
            "object": "https://elsewhere.example/groups/chess",
        });
        assert_eq!(crate::policy::send_raw(&peer, &alpha, other).await, 202);
    }
);

both_backends!(
    the_people_with_a_seat_are_reminded_once_the_day_before,
    |backend| async move {
        let alpha = crate::support::TestInstance::start(backend).await;
        people(&alpha).await;
        person(&alpha, "bob", Role::Citizen).await;
        let t0 = chrono::Utc::now().naive_utc();
        // The first look only sets the mark.
        let reminded = alpha
            .db
            .transaction(move |c| parvis::civic::meetings::remind(c, t0))
            .await
            .unwrap();
        assert_eq!(reminded, 0);
        let mut marie = signed_in(&alpha, "marie").await;
        let starts = chrono::Utc::now() + chrono::Duration::hours(25);
        let fmt = |t: chrono::DateTime<chrono::Utc>| {
            t.with_timezone(&chrono_tz::Europe::Paris)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        };
        let page = schedule(
            &mut marie,
            "Atelier compost",
            "1",
            &fmt(starts + chrono::Duration::minutes(1)),
            &fmt(starts + chrono::Duration::hours(2)),
        )
        .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let path = page.location.unwrap();
        // Léa has the seat, Bob waits: only Léa is reminded.
        let mut lea = signed_in(&alpha, "lea").await;
        let mut bob = signed_in(&alpha, "bob").await;
        assert_eq!(
            lea.submit(&path, &format!("{path}/register"), &[])
                .await
                .status,
            303
        );
        assert_eq!(
            bob.submit(&path, &format!("{path}/register"), &[])
                .await
                .status,
            303
        );
        let early = t0 + chrono::Duration::minutes(30);
        let reminded = alpha
            .db
            .transaction(move |c| parvis::civic::meetings::remind(c, early))
            .await
            .unwrap();
        assert_eq!(reminded, 0, "not a day before yet");
        let due = t0 + chrono::Duration::hours(2);
        let reminded = alpha
            .db
            .transaction(move |c| parvis::civic::meetings::remind(c, due))
            .await
            .unwrap();
        assert_eq!(reminded, 1);
        assert_eq!(told(&alpha, "meeting_reminder").await, ["lea"]);
        let later = t0 + chrono::Duration::hours(3);
        let reminded = alpha
            .db
            .transaction(move |c| parvis::civic::meetings::remind(c, later))
            .await
            .unwrap();
        assert_eq!(reminded, 0, "once");
    }
);

both_backends!(
    meetings_are_open_data_in_the_api_and_as_csv,
    |backend| async move {
        let alpha = crate::support::TestInstance::start(backend).await;
        people(&alpha).await;
        let mut marie = signed_in(&alpha, "marie").await;
        let page = schedule(
            &mut marie,
            "Conseil, budget",
            "30",
            &local(6, 19),
            &local(6, 21),
        )
        .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let path = page.location.unwrap();
        let mut lea = signed_in(&alpha, "lea").await;
        assert_eq!(
            lea.submit(&path, &format!("{path}/register"), &[])
                .await
                .status,
            303
        );
        let token = parvis::civic::tokens::create_token(&alpha.db, "lea")
            .await
            .unwrap();
        let (status, list) = alpha.api_get("/api/v1/parvis/meetings", &token).await;
        assert_eq!(status, 200, "{list}");
        let meeting = &list[0];
        assert_eq!(meeting["title"], "Conseil, budget");
        assert_eq!(meeting["capacity"], 30);
        assert_eq!(meeting["going"], 1);
        assert_eq!(meeting["attendance"], "going");
        assert_eq!(meeting["timezone"], "Europe/Paris");
        let id = meeting["id"].as_str().unwrap().to_string();
        let (status, one) = alpha
            .api_get(&format!("/api/v1/parvis/meetings/{id}"), &token)
            .await;
        assert_eq!(
            (status, &one["uri"]),
            (200, &json!(alpha.url(&path).as_str()))
        );
        let (status, _) = alpha
            .api_get("/api/v1/parvis/meetings/999999", &token)
            .await;
        assert_eq!(status, 404);
        let csv = alpha
            .client()
            .get(alpha.url("/communes/ville/meetings.csv"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2, "{csv}");
        assert!(
            lines[1].contains("\"Conseil, budget\"") && lines[1].contains("\"1\""),
            "{csv}"
        );
        let (_, document) = alpha.api_get("/api/openapi.json", &token).await;
        assert!(document["paths"]["/api/v1/parvis/meetings"].is_object());
        assert!(document["paths"]["/communes/{name}/meetings.csv"].is_object());
    }
);
