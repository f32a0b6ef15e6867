//! Polls and questionnaires: a poll on alpha voted on from the web, from beta and from the Fedify peer (as
//! Mastodon votes), residents' votes forming the official result and the others kept apart, tallies sent as
//! coalesced `Update(Question)`s; a Parvis user voting in the peer's poll; every refused vote storing
//! nothing; 1,000 concurrent votes counted exactly; questionnaires answered once, with charts and CSV.

use std::time::Duration;

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::federation::eventually;
use crate::support::web::WebClient;
use crate::support::{TestInstance, both_backends};
use crate::web::{PASSWORD, person, signed_in};
use parvis::civic::polls;
use parvis::ids::PollId;
use parvis::model::Role;

const WAIT: Duration = Duration::from_secs(30);

/// The commune's people: an admin, an official, a citizen (karim) and a verified resident (lea).
async fn town(alpha: &TestInstance) {
    person(alpha, "admin", Role::Admin).await;
    person(alpha, "marie", Role::Official).await;
    person(alpha, "karim", Role::Citizen).await;
    person(alpha, "lea", Role::Citizen).await;
    let mut admin = signed_in(alpha, "admin").await;
    let page = admin
        .submit(
            "/admin",
            "/admin/residents",
            &[("username", "lea"), ("resident", "yes")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
}

fn in_days(n: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(n))
        .format("%Y-%m-%d")
        .to_string()
}

/// The official asks a poll on the web; returns its path.
pub(crate) async fn ask(marie: &mut WebClient, question: &str, fields: &[(&str, &str)]) -> String {
    let closes = in_days(3);
    let mut all = vec![
        ("question", question),
        ("kind", "single"),
        ("options", "Samedi\nDimanche"),
        ("closes_on", closes.as_str()),
        ("eligibility", "anyone"),
        ("live_results", "on"),
        ("federated", "on"),
    ];
    for (k, v) in fields {
        all.retain(|(name, _)| name != k);
        if !v.is_empty() {
            all.push((k, v));
        }
    }
    let page = marie.submit("/polls/new", "/polls", &all).await;
    assert_eq!(page.status, 303, "{}", page.body);
    page.location.unwrap()
}

pub(crate) async fn poll_json(instance: &TestInstance, id: &str) -> Value {
    let (status, body) = instance
        .get_json(&format!("/api/v1/polls/{id}"), "application/json")
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

pub(crate) fn votes(poll: &Value) -> Vec<i64> {
    poll["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["votes_count"].as_i64().unwrap_or(-1))
        .collect()
}

fn other_votes(poll: &Value) -> Vec<i64> {
    poll["other_voices"]["votes"]
        .as_array()
        .map(|v| v.iter().map(|n| n.as_i64().unwrap()).collect())
        .unwrap_or_default()
}

/// The path of a poll from another server, once it is listed among polls from elsewhere.
async fn elsewhere(instance: &TestInstance, question: &str) -> String {
    crate::support::web::link_before(instance, "/polls?scope=elsewhere", question).await
}

/// The `value` of the input labelled `label` on a page (an option's id).
pub(crate) fn value_of(body: &str, label: &str) -> String {
    let at = body
        .find(&format!(">{label}<"))
        .unwrap_or_else(|| panic!("no {label}: {body}"));
    body[..at]
        .rsplit("value=\"")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

/// Votes, voters and other voices of a poll, straight from the database: what a refusal must leave alone.
async fn stored(instance: &TestInstance, id: PollId) -> (i64, i64, i64) {
    instance
        .db
        .run(move |c| {
            use parvis::model::schema::{poll_voters, poll_votes};
            let voters: i64 = poll_voters::table
                .filter(poll_voters::poll_id.eq(id))
                .count()
                .get_result(c)?;
            let votes: i64 = poll_votes::table
                .inner_join(poll_voters::table)
                .filter(poll_voters::poll_id.eq(id))
                .count()
                .get_result(c)?;
            let poll = polls::poll(c, id)?;
            Ok((voters, votes, poll.voters + poll.other_voters))
        })
        .await
        .unwrap()
}

both_backends!(
    a_poll_on_alpha_is_voted_from_the_web_beta_and_the_peer_with_residents_forming_the_result,
    |backend| async move {
        use crate::support::network::{ALPHA, BETA, Network};
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        town(&alpha).await;
        let peer = crate::fedify::peer(&net);
        let (_, mut bob) =
            crate::proposals::commune_followed_from_beta_and_the_peer(&alpha, &beta, &peer).await;

        // A citizen may not ask (the commune did not allow it); the official asks, residents form the result.
        let mut karim = signed_in(&alpha, "karim").await;
        let page = karim
            .submit(
                "/polls/new",
                "/polls",
                &[
                    ("question", "Un sondage ?"),
                    ("kind", "single"),
                    ("options", "a\nb"),
                    ("closes_on", &in_days(2)),
                ],
            )
            .await;
        assert_eq!(page.status, 403, "{}", page.body);
        let mut marie = signed_in(&alpha, "marie").await;
        // Bad input keeps the form and says why: one option only, a closing day in the past.
        for (field, value) in [("options", "Samedi"), ("closes_on", "2020-01-01")] {
            let page = marie
                .submit(
                    "/polls/new",
                    "/polls",
                    &[
                        ("question", "Quel jour ?"),
                        ("kind", "single"),
                        ("options", if field == "options" { value } else { "a\nb" }),
                        (
                            "closes_on",
                            if field == "closes_on" {
                                value
                            } else {
                                "2099-01-01"
                            },
                        ),
                    ],
                )
                .await;
            assert_eq!(page.status, 422, "{field}: {}", page.body);
            assert!(page.has("field-error"), "{}", page.body);
        }
        let path = ask(
            &mut marie,
            "Quel jour pour le marché <script>x()</script> ?",
            &[("eligibility", "residents")],
        )
        .await;
        let id = path.rsplit('/').next().unwrap().to_string();
        let poll_id = PollId(id.parse().unwrap());
        let question_id = alpha.url(&path);
        let page = karim.get(&path).await;
        assert_eq!(page.status, 200);
        assert!(
            page.has("marché &lt;script&gt;x()") && !page.has("<script>x()"),
            "{}",
            page.body
        );
        assert!(
            WebClient::new(&alpha)
                .get("/")
                .await
                .has("Quel jour pour le marché")
        );

        // The peer gets a Question as Mastodon reads one, created by marie and announced by the commune.
        let created = peer
            .wait_for_inbox(
                |a| a["type"] == "Create" && a["object"]["id"] == question_id.as_str(),
                WAIT,
            )
            .await;
        let q = &created["object"];
        assert_eq!(q["type"], "Question", "{q}");
        assert_eq!(q["attributedTo"], alpha.url("/users/marie").as_str());
        assert_eq!(q["oneOf"][0]["name"], "Samedi");
        assert_eq!(q["oneOf"][0]["replies"]["totalItems"], 0);
        assert_eq!(q["eligibility"], "residents");
        assert!(q["endTime"].is_string() && q["closed"].is_null(), "{q}");
        peer.wait_for_inbox(
            |a| a["type"] == "Announce" && a["object"]["id"] == question_id.as_str(),
            WAIT,
        )
        .await;

        // It shows on beta, among polls from elsewhere.
        let copy = elsewhere(&beta, "Quel jour pour le march").await;
        let copy_id = copy.rsplit('/').next().unwrap().to_string();

        // Lea (a resident) votes: official. Karim (not a resident) votes: another voice. Twice is refused.
        let mut lea = signed_in(&alpha, "lea").await;
        let samedi = value_of(&lea.get(&path).await.body, "Samedi");
        let page = lea
            .submit(&path, &format!("{path}/vote"), &[("choice", &samedi)])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let page = karim
            .submit(&path, &format!("{path}/vote"), &[("choice", &samedi)])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let before = stored(&alpha, poll_id).await;
        let page = karim
            .submit(&path, &format!("{path}/vote"), &[("choice", &samedi)])
            .await;
        assert_eq!(page.status, 409, "{}", page.body);
        assert_eq!(stored(&alpha, poll_id).await, before);
        assert!(karim.get(&path).await.has("Vous avez voté"));

        // Bob votes on beta (a Note to marie); the peer votes like Mastodon. Both are other voices.
        let bob_page = bob.get(&copy).await;
        let dimanche = value_of(&bob_page.body, "Dimanche");
        let page = bob
            .submit(&copy, &format!("{copy}/vote"), &[("choice", &dimanche)])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let voted = peer
            .control_post(
                "/vote",
                json!({ "question": question_id, "choices": ["Samedi"] }),
            )
            .await;
        assert_eq!(voted["ok"], true, "{voted}");
        let counted = eventually("four votes on alpha", WAIT, || async {
            let p = poll_json(&alpha, &id).await;
            (votes(&p) == [1, 0] && other_votes(&p) == [2, 1]).then_some(p)
        })
        .await;
        assert_eq!(counted["voters_count"], 1);
        assert_eq!(counted["other_voices"]["voters_count"], 3);
        assert_eq!(counted["eligibility"], "residents");

        // Refused, nothing stored: a second vote from the peer, an unknown option, a changed vote, a vote by
        // someone else's Note, a vote on a poll not published to other servers.
        let before = stored(&alpha, poll_id).await;
        let vote_note = |n: &str, name: &str, kind: &str| {
            json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{}/activities/vote-{n}", peer.base), "type": kind, "actor": peer.actor_id,
                "object": {
                    "id": format!("{}/notes/vote-{n}", peer.base), "type": "Note",
                    "attributedTo": peer.actor_id, "name": name, "inReplyTo": question_id,
                    "to": alpha.url("/users/marie"),
                },
            })
        };
        let inbox = alpha.url("/users/marie/inbox");
        for (n, name, kind, status) in [
            ("0", "Dimanche", "Create", 409),
            ("1", "Lundi", "Create", 422),
            ("2", "<b>Samedi</b>", "Create", 422),
            ("3", "Dimanche", "Update", 403),
        ] {
            let sent = peer
                .control_post(
                    "/send-raw",
                    json!({ "inbox": inbox, "activity": vote_note(n, name, kind) }),
                )
                .await;
            assert_eq!(sent["status"], status, "{name}: {sent}");
        }
        let mut spoofed = vote_note("4", "Dimanche", "Create");
        spoofed["object"]["attributedTo"] = json!(alpha.url("/users/karim"));
        let sent = peer
            .control_post("/send-raw", json!({ "inbox": inbox, "activity": spoofed }))
            .await;
        assert_eq!(sent["status"], 400, "{sent}");
        let unsigned = peer
            .control_post(
                "/send-raw",
                json!({ "inbox": inbox, "activity": vote_note("5", "Dimanche", "Create"), "sign": false }),
            )
            .await;
        assert_eq!(unsigned["status"], 401, "{unsigned}");
        let local_only = ask(&mut marie, "Entre nous ?", &[("federated", "")]).await;
        let mut elsewhere = vote_note("6", "Samedi", "Create");
        elsewhere["object"]["inReplyTo"] = json!(alpha.url(&local_only));
        let sent = peer
            .control_post(
                "/send-raw",
                json!({ "inbox": inbox, "activity": elsewhere }),
            )
            .await;
        assert_eq!(sent["status"], 404, "{sent}");
        let (status, _) = alpha
            .get_json(&local_only, "application/activity+json")
            .await;
        assert_eq!(status, 404, "a poll kept here has no Question");
        assert_eq!(stored(&alpha, poll_id).await, before);

        // The tallies reach the peer as an Update(Question), and beta.
        let updated = peer
            .wait_for_inbox(
                |a| {
                    a["type"] == "Update"
                        && a["object"]["id"] == question_id.as_str()
                        && a["object"]["otherVotersCount"] == 3
                },
                WAIT,
            )
            .await;
        assert_eq!(updated["object"]["oneOf"][0]["replies"]["totalItems"], 1);
        assert_eq!(updated["object"]["oneOf"][0]["otherVotes"], 2);
        assert_eq!(updated["object"]["votersCount"], 1);
        eventually("the tallies on beta", WAIT, || async {
            let p = poll_json(&beta, &copy_id).await;
            (votes(&p) == [1, 0] && other_votes(&p) == [2, 1]).then_some(())
        })
        .await;
        let fetched = peer.control_get(&format!("/fetch?url={question_id}")).await;
        assert_eq!(fetched["json"]["oneOf"][1]["otherVotes"], 1, "{fetched}");
        let page = WebClient::new(&beta).get(&copy).await;
        assert!(page.has("Autres voix") && page.has("<svg"), "{}", page.body);

        // The vote closes: the final Update says so, and later votes are refused with nothing stored.
        alpha
            .db
            .run(move |c| {
                use parvis::model::schema::{outbox_events, polls as p};
                let past = chrono::Utc::now().naive_utc() - chrono::Duration::seconds(1);
                diesel::update(p::table.find(poll_id))
                    .set(p::closes_at.eq(past))
                    .execute(c)?;
                diesel::update(
                    outbox_events::table
                        .filter(outbox_events::kind.eq(parvis::model::EventKind::PollClosed))
                        .filter(outbox_events::subject_id.eq(poll_id.0)),
                )
                .set(outbox_events::not_before.eq(Some(past)))
                .execute(c)?;
                Ok(())
            })
            .await
            .unwrap();
        peer.wait_for_inbox(
            |a| {
                a["type"] == "Update"
                    && a["object"]["id"] == question_id.as_str()
                    && a["object"]["closed"].is_string()
            },
            WAIT,
        )
        .await;
        let before = stored(&alpha, poll_id).await;
        let sent = peer
            .control_post(
                "/send-raw",
                json!({ "inbox": inbox, "activity": vote_note("7", "Dimanche", "Create") }),
            )
            .await;
        assert_eq!(sent["status"], 422, "{sent}");
        let marie_token = parvis::civic::tokens::create_token(&alpha.db, "marie")
            .await
            .unwrap();
        let (status, body) = alpha
            .api_post(
                &format!("/api/v1/polls/{id}/votes"),
                &marie_token,
                json!({ "choices": [0] }),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(stored(&alpha, poll_id).await, before);
        eventually("closed on beta", WAIT, || async {
            (poll_json(&beta, &copy_id).await["expired"] == true).then_some(())
        })
        .await;
    }
);

both_backends!(
    a_parvis_user_votes_in_the_peers_poll,
    |backend| async move {
        use crate::support::network::{ALPHA, Network};
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        person(&alpha, "karim", Role::Citizen).await;
        let peer = crate::fedify::peer(&net);
        let mut karim = signed_in(&alpha, "karim").await;
        let page = karim.follow_handle(&peer.handle()).await;
        assert_eq!(page.status, 303, "{}", page.body);
        eventually("karim follows the peer", WAIT, || async {
            let list = WebClient::new(&alpha).get("/users/karim/following").await;
            list.has(&peer.handle()).then_some(())
        })
        .await;
        let asked = peer
            .control_post(
                "/question",
                json!({
                    "content": "<p>Quels <b>arbres</b> planter&nbsp;?</p><script>x()</script>",
                    "choices": ["Tilleuls", "Platanes", "Érables"],
                    "multiple": true,
                }),
            )
            .await;
        assert_eq!(asked["ok"], true, "{asked}");
        let question = asked["id"].as_str().unwrap().to_string();
        let copy = elsewhere(&alpha, "Quels arbres planter").await;
        let page = karim.get(&copy).await;
        assert!(!page.has("<script>x()"), "{}", page.body);
        assert!(page.has("type=\"checkbox\""), "anyOf: several choices");
        let id = copy.rsplit('/').next().unwrap().to_string();
        let token = parvis::civic::tokens::create_token(&alpha.db, "karim")
            .await
            .unwrap();
        // Karim votes for two trees (by the API, as a Mastodon client would): two Notes reach the peer.
        let (status, body) = alpha
            .api_post(
                &format!("/api/v1/polls/{id}/votes"),
                &token,
                json!({ "choices": ["0", 2] }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["voted"], true);
        assert_eq!(body["own_votes"], json!([0, 2]));
        let karim_url = alpha.url("/users/karim");
        for name in ["Tilleuls", "Érables"] {
            let vote = peer
                .wait_for_inbox(
                    |a| {
                        a["type"] == "Create"
                            && a["object"]["name"] == name
                            && a["object"]["inReplyTo"] == question.as_str()
                    },
                    WAIT,
                )
                .await;
            assert_eq!(vote["actor"], karim_url.as_str());
            assert_eq!(vote["object"]["attributedTo"], karim_url.as_str());
            assert_eq!(
                vote["object"]["to"],
                json!([peer.actor_id]),
                "to the author only"
            );
        }
        // Twice, or an option that does not exist: refused, nothing recorded to send.
        let (recorded, _) = alpha.recorded_events().await;
        let (status, _) = alpha
            .api_post(
                &format!("/api/v1/polls/{id}/votes"),
                &token,
                json!({ "choices": [1] }),
            )
            .await;
        assert_eq!(status, 409);
        let (status, _) = alpha
            .api_post(
                &format!("/api/v1/polls/{id}/votes"),
                &token,
                json!({ "choices": [7] }),
            )
            .await;
        assert_eq!(status, 422);
        assert_eq!(alpha.recorded_events().await.0, recorded);
        let sent = peer
            .control_get("/inbox")
            .await
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["type"] == "Create" && a["object"]["inReplyTo"] == question.as_str())
            .count();
        assert_eq!(sent, 2);
        // A Question claiming an id on alpha's server is refused.
        let forged = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/forged-question", peer.base), "type": "Update", "actor": peer.actor_id,
            "object": {
                "id": alpha.url("/polls/999"), "type": "Question", "attributedTo": peer.actor_id,
                "content": "x", "oneOf": [{"name": "a"}, {"name": "b"}],
            },
        });
        let sent = peer
            .control_post(
                "/send-raw",
                json!({ "inbox": alpha.url("/inbox"), "activity": forged }),
            )
            .await;
        assert_eq!(
            sent["status"], 400,
            "a Question with an id on another server: {sent}"
        );
        let (status, _) = alpha
            .get_json("/api/v1/polls/999", "application/json")
            .await;
        assert_eq!(status, 404);
    }
);

both_backends!(
    a_thousand_concurrent_votes_are_counted_exactly,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        person(&alpha, "marie", Role::Official).await;
        let token = parvis::civic::tokens::create_token(&alpha.db, "marie")
            .await
            .unwrap();
        let closes = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
        let (status, poll) = alpha
            .api_post(
                "/api/v1/parvis/polls",
                &token,
                json!({
                    "question": "Quels équipements ?", "kind": "multiple",
                    "options": ["Bancs", "Fontaine", "Abri"], "closes_at": closes,
                }),
            )
            .await;
        assert_eq!(status, 200, "{poll}");
        let id = PollId(poll["id"].as_str().unwrap().parse().unwrap());
        let voters = alpha
            .db
            .transaction(|c| {
                (0..1000)
                    .map(|i| {
                        let data = parvis::civic::remote::RemoteActorData {
                            ap_id: format!("https://voters.example/users/v{i}"),
                            kind: "Person".into(),
                            domain: "voters.example".into(),
                            username: format!("v{i}"),
                            display_name: String::new(),
                            inbox: format!("https://voters.example/users/v{i}/inbox"),
                            shared_inbox: None,
                            url: None,
                            key_id: format!("https://voters.example/users/v{i}#main-key"),
                            public_key_pem: String::new(),
                            manually_approves_followers: false,
                            multikeys: vec![],
                        };
                        Ok(parvis::civic::remote::upsert_remote_actor(c, &data)?.id)
                    })
                    .collect::<parvis::error::Result<Vec<_>>>()
            })
            .await
            .unwrap();
        // Everyone votes "Bancs"; every other voter also "Fontaine" (a second Note, as Mastodon sends); the
        // first hundred send their "Bancs" again under another Note id. All at once.
        let mut tasks = vec![];
        for (i, who) in voters.iter().enumerate() {
            let mut ballots = vec![("Bancs", format!("a{i}"))];
            if i % 2 == 0 {
                ballots.push(("Fontaine", format!("b{i}")));
            }
            if i < 100 {
                ballots.push(("Bancs", format!("c{i}")));
            }
            for (name, note) in ballots {
                let (db, who) = (alpha.db.clone(), *who);
                tasks.push(tokio::spawn(async move {
                    db.transaction(move |c| {
                        polls::remote_vote(
                            c,
                            who,
                            &format!("https://voters.example/users/v{i}"),
                            id,
                            name,
                            &format!("https://voters.example/notes/{note}"),
                        )
                    })
                    .await
                }));
            }
        }
        let (mut accepted, mut refused) = (0, 0);
        for task in tasks {
            match task.await.unwrap() {
                Ok(()) => accepted += 1,
                Err(parvis::error::Error::Conflict(_)) => refused += 1,
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!((accepted, refused), (1500, 100));
        let p = poll_json(&alpha, &id.to_string()).await;
        assert_eq!(votes(&p), [1000, 500, 0]);
        assert_eq!(p["voters_count"], 1000);
        assert_eq!(stored(&alpha, id).await, (1000, 1500, 1000));
        // A voter deleted and fetched again (a new row, the same actor id) is still the same person.
        let first = voters[1];
        let again = alpha
            .db
            .transaction(move |c| {
                let actor = parvis::civic::remote::remote_actor(c, first)?;
                parvis::civic::remote::forget_actor(c, first)?;
                let data = parvis::civic::remote::RemoteActorData {
                    ap_id: actor.ap_id,
                    kind: actor.kind,
                    domain: actor.domain,
                    username: actor.username,
                    display_name: actor.display_name,
                    inbox: actor.inbox,
                    shared_inbox: actor.shared_inbox,
                    url: actor.url,
                    key_id: actor.key_id,
                    public_key_pem: actor.public_key_pem,
                    manually_approves_followers: false,
                    multikeys: vec![],
                };
                let back = parvis::civic::remote::upsert_remote_actor(c, &data)?;
                assert_ne!(back.id, first);
                polls::remote_vote(
                    c,
                    back.id,
                    &back.ap_id,
                    id,
                    "Bancs",
                    "https://voters.example/notes/d1",
                )
            })
            .await;
        assert!(
            matches!(again, Err(parvis::error::Error::Conflict(_))),
            "{again:?}"
        );
        assert_eq!(stored(&alpha, id).await, (1000, 1500, 1000));
        // One Update waits for the whole burst (coalesced), not one per vote.
        let waiting: i64 = alpha
            .db
            .run(move |c| {
                use parvis::model::schema::outbox_events as o;
                Ok(o::table
                    .filter(o::kind.eq(parvis::model::EventKind::PollUpdated))
                    .filter(o::subject_id.eq(id.0))
                    .count()
                    .get_result(c)?)
            })
            .await
            .unwrap();
        assert!(waiting < 50, "{waiting} updates for 1,500 votes");
    }
);

both_backends!(
    a_questionnaire_is_answered_once_and_its_results_charted_and_exported,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        town(&alpha).await;
        let mut marie = signed_in(&alpha, "marie").await;
        let closes = in_days(5);
        let page = marie
            .submit(
                "/questionnaires/new",
                "/questionnaires",
                &[
                    ("title", "Consultation sur la place"),
                    ("intro", "Donnez votre **avis**."),
                    ("closes_on", closes.as_str()),
                    ("eligibility", "anyone"),
                    ("q1_prompt", "Faut-il piétonniser ?"),
                    ("q1_kind", "single"),
                    ("q1_options", "Oui\nNon"),
                    ("q1_federated", "on"),
                    ("q2_prompt", "Quels usages ?"),
                    ("q2_kind", "multiple"),
                    ("q2_options", "Marché\nJeux\nTerrasses"),
                    ("q3_prompt", "Votre satisfaction actuelle"),
                    ("q3_kind", "scale"),
                    ("q4_prompt", "Une idée ?"),
                    ("q4_kind", "text"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let path = page.location.unwrap();
        let id = path.rsplit('/').next().unwrap().to_string();
        let (status, q) = alpha
            .get_json(
                &format!("/api/v1/parvis/questionnaires/{id}"),
                "application/json",
            )
            .await;
        assert_eq!(status, 200, "{q}");
        let questions: Vec<String> = q["questions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(questions.len(), 4);
        assert_eq!(
            q["questions"][2]["options"],
            json!(["1", "2", "3", "4", "5"])
        );
        assert_eq!(q["intro"], "<p>Donnez votre <strong>avis</strong>.</p>\n");

        // Karim answers on the web; a missing answer stores nothing; a second answer is refused.
        let mut karim = signed_in(&alpha, "karim").await;
        let form = karim.get(&path).await;
        let (oui, jeux, terrasses, four) = (
            value_of(&form.body, "Oui"),
            value_of(&form.body, "Jeux"),
            value_of(&form.body, "Terrasses"),
            value_of(&form.body, "4"),
        );
        let (q1, q2, q3, q4) = (
            format!("q{}", questions[0]),
            format!("q{}", questions[1]),
            format!("q{}", questions[2]),
            format!("q{}", questions[3]),
        );
        let page = karim
            .submit(&path, &format!("{path}/answer"), &[(&q1, &oui)])
            .await;
        assert_eq!(page.status, 422, "{}", page.body);
        let idea = "Des arbres <script>alert(1)</script>";
        let answers = [
            (q1.as_str(), oui.as_str()),
            (q2.as_str(), jeux.as_str()),
            (q2.as_str(), terrasses.as_str()),
            (q3.as_str(), four.as_str()),
            (q4.as_str(), idea),
        ];
        let page = karim
            .submit(&path, &format!("{path}/answer"), &answers)
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let page = karim
            .submit(&path, &format!("{path}/answer"), &answers)
            .await;
        assert_eq!(page.status, 409, "{}", page.body);
        assert!(karim.get(&path).await.has("Vous avez répondu"));
        // Lea answers by the API, leaving the free text empty.
        let lea_token = parvis::civic::tokens::create_token(&alpha.db, "lea")
            .await
            .unwrap();
        let (status, body) = alpha
            .api_post(
                &format!("/api/v1/parvis/questionnaires/{id}/responses"),
                &lea_token,
                json!({ "answers": [
                    {"question": questions[0], "choices": [1]},
                    {"question": questions[1], "choices": [1]},
                    {"question": questions[2], "choices": [4]},
                ]}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["responses"], 2);
        assert_eq!(body["answered"], true);

        // Results: hidden from citizens until the closing, charted for the official, free text escaped.
        let page = karim.get(&format!("{path}/results")).await;
        assert_eq!(page.status, 403, "{}", page.body);
        let page = marie.get(&format!("{path}/results")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(page.body.matches("<svg").count(), 3, "{}", page.body);
        assert!(
            page.has("moyenne 4.5 sur 5"),
            "karim 4, lea 5: {}",
            page.body
        );
        assert!(page.has("Des arbres &lt;script&gt;"), "{}", page.body);
        assert!(!page.has("<script>alert"));
        let csv = marie.get(&format!("{path}/results.csv")).await;
        assert_eq!(csv.status, 200);
        assert!(
            csv.has("\"Quels usages ?\",\"multiple\",\"Jeux\",2,0"),
            "{}",
            csv.body
        );
        assert!(
            csv.has("\"Faut-il piétonniser ?\",\"single\",\"Oui\",1,0"),
            "{}",
            csv.body
        );
        assert!(
            csv.has("\"Votre satisfaction actuelle\",\"scale\",\"5\",1,0"),
            "{}",
            csv.body
        );
        assert!(
            csv.has("Des arbres <script>alert(1)</script>"),
            "CSV keeps the text as written"
        );
        // Karim's export lists his votes; once his account is deleted they stay counted, linked to no one.
        let export = karim.get("/settings/export").await;
        assert!(
            export.has("\"votes\"")
                && export.has("Faut-il piétonniser ?")
                && export.has("Terrasses"),
            "{}",
            export.body
        );
        let page = karim
            .submit(
                "/settings",
                "/settings/delete",
                &[("delete_password", PASSWORD), ("delete_confirm", "yes")],
            )
            .await;
        assert!(page.has("Compte supprimé"), "{}", page.body);
        let linked: i64 = alpha
            .db
            .run(|c| {
                use parvis::model::schema::{poll_voters, questionnaire_responses as r};
                let voters: i64 = poll_voters::table
                    .filter(poll_voters::account_id.is_not_null())
                    .count()
                    .get_result(c)?;
                let responses: i64 = r::table
                    .filter(r::account_id.is_not_null())
                    .count()
                    .get_result(c)?;
                Ok(voters + responses)
            })
            .await
            .unwrap();
        assert_eq!(
            linked, 4,
            "only lea's three votes and her response remain linked"
        );
        let csv = marie.get(&format!("{path}/results.csv")).await;
        assert!(
            csv.has("\"Quels usages ?\",\"multiple\",\"Jeux\",2,0"),
            "{}",
            csv.body
        );
        // The first question was also published as a poll; the others were not.
        let federated: Vec<bool> = alpha
            .db
            .run(|c| {
                use parvis::model::schema::polls as p;
                Ok(p::table
                    .filter(p::questionnaire_id.is_not_null())
                    .order(p::id.asc())
                    .select(p::federated)
                    .load(c)?)
            })
            .await
            .unwrap();
        assert_eq!(federated, [true, false, false, false]);
        // A questionnaire without questions is refused.
        let marie_token = parvis::civic::tokens::create_token(&alpha.db, "marie")
            .await
            .unwrap();
        let (status, body) = alpha
            .api_post(
                "/api/v1/parvis/questionnaires",
                &marie_token,
                json!({ "title": "Vide", "closes_at": (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339(), "questions": [] }),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        // A citizen may ask once the admin allows it.
        let karim_token = parvis::civic::tokens::create_token(&alpha.db, "karim")
            .await
            .unwrap();
        let new_poll = json!({
            "question": "Un vide-grenier ?", "options": ["Oui", "Non"],
            "closes_at": (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339(),
        });
        let (status, _) = alpha
            .api_post("/api/v1/parvis/polls", &karim_token, new_poll.clone())
            .await;
        assert_eq!(status, 403);
        let mut admin = signed_in(&alpha, "admin").await;
        let page = admin
            .submit("/admin", "/admin/polls", &[("citizen_polls", "on")])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let (status, body) = alpha
            .api_post("/api/v1/parvis/polls", &karim_token, new_poll)
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["votes_count"], 0);
        // Lea votes in it as some Mastodon clients do, with a form; a questionnaire's question alone is refused.
        let form = alpha
            .client()
            .post(alpha.url(&format!(
                "/api/v1/polls/{}/votes",
                body["id"].as_str().unwrap()
            )))
            .bearer_auth(&lea_token)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("choices%5B%5D=1")
            .send()
            .await
            .unwrap();
        assert_eq!(form.status(), 200);
        let voted: Value = form.json().await.unwrap();
        assert_eq!(voted["own_votes"], json!([1]), "{voted}");
        assert_eq!(voted["options"][1]["votes_count"], 1);
        let (status, body) = alpha
            .api_post(
                &format!("/api/v1/polls/{}/votes", questions[0]),
                &lea_token,
                json!({ "choices": [0] }),
            )
            .await;
        assert_eq!(status, 409, "{body}");
    }
);
