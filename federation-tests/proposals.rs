//! Citizen proposals: proposed on the web, supported from here, from another Parvis instance and from the
//! Fedify peer (each counted in its category), put under review at the threshold exactly once, answered by an
//! official with a public answer that reaches beta and the peer.

use std::time::Duration;

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::federation::eventually;
use crate::support::web::WebClient;
use crate::support::{TestInstance, both_backends};
use crate::web::{PASSWORD, person, signed_in};
use parvis::civic::accounts::{NewMandate, add_mandate};
use parvis::db::queries;
use parvis::ids::DebateId;
use parvis::model::{ProposalStatus, Role};

const WAIT: Duration = Duration::from_secs(30);

type Fields<'a> = Vec<(&'a str, &'a str)>;

/// The commune's people: an admin, an official with a mandate, citizens of whom `residents` are residents.
pub(crate) async fn town(alpha: &TestInstance, residents: &[&str], threshold: &str) -> WebClient {
    person(alpha, "admin", Role::Admin).await;
    person(alpha, "marie", Role::Official).await;
    add_mandate(
        &alpha.db,
        NewMandate {
            username: "marie".into(),
            office: "Maire".into(),
            governing_body: "Conseil municipal".into(),
            since: chrono::NaiveDate::from_ymd_opt(2026, 3, 20).unwrap(),
            until: None,
        },
    )
    .await
    .unwrap();
    person(alpha, "karim", Role::Citizen).await;
    let mut admin = signed_in(alpha, "admin").await;
    for name in residents {
        person(alpha, name, Role::Citizen).await;
        let page = admin
            .submit(
                "/admin",
                "/admin/residents",
                &[("username", name), ("resident", "yes")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
    }
    let page = admin
        .submit("/admin", "/admin/proposals", &[("threshold", threshold)])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    admin
}

/// Karim proposes; returns the proposal's path.
pub(crate) async fn propose(karim: &mut WebClient, title: &str) -> String {
    let page = karim
        .submit(
            "/proposals/new",
            "/proposals",
            &[
                ("title", title),
                ("summary", "Des bancs à l'ombre pour les anciens"),
                ("body", "Sur la **place** du marché."),
                ("place", "Place du Marché"),
                ("latitude", "45.7640"),
                ("longitude", "4,8357"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    page.location.unwrap()
}

pub(crate) async fn detail(instance: &TestInstance, path: &str) -> Value {
    let id = path.rsplit('/').next().unwrap();
    let (status, body) = instance
        .get_json(
            &format!("/api/v1/parvis/proposals/{id}"),
            "application/json",
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The peer and bob (a citizen of beta) follow alpha's commune; returns its handle and bob's client.
pub(crate) async fn commune_followed_from_beta_and_the_peer(
    alpha: &TestInstance,
    beta: &TestInstance,
    peer: &crate::support::peer::Peer,
) -> (String, WebClient) {
    person(beta, "bob", Role::Citizen).await;
    let alpha_host = alpha.base.trim_start_matches("https://").to_string();
    let handle = format!("@ville@{alpha_host}");
    let answer = peer
        .control_post("/follow", json!({ "handle": handle }))
        .await;
    assert_eq!(answer["ok"], true, "{answer}");
    peer.wait_for_inbox(|a| a["type"] == "Accept", WAIT).await;
    let mut bob = signed_in(beta, "bob").await;
    assert_eq!(bob.follow_handle(&handle).await.status, 303);
    eventually("beta's follow accepted", WAIT, || async {
        let list = WebClient::new(beta).get("/users/bob/following").await;
        list.has(&handle).then_some(())
    })
    .await;
    (handle, bob)
}

/// The path on `instance` of the copy of another server's proposal whose title starts with `title`, once it
/// is listed among the neighbours' proposals.
async fn copy_on(instance: &TestInstance, title: &str) -> String {
    crate::support::web::link_before(instance, "/proposals?scope=elsewhere", title).await
}

/// Waits until a proposal's counts (residents, local, remote) are these.
async fn counts_become(instance: &TestInstance, path: &str, expected: (i64, i64, i64), what: &str) {
    eventually(what, WAIT, || async {
        (supports(&detail(instance, path).await) == expected).then_some(())
    })
    .await;
}

pub(crate) fn supports(detail: &Value) -> (i64, i64, i64) {
    let s = &detail["proposal"]["supports"];
    (
        s["residents"].as_i64().unwrap(),
        s["local"].as_i64().unwrap(),
        s["remote"].as_i64().unwrap(),
    )
}

both_backends!(
    a_proposal_on_alpha_is_supported_from_beta_and_the_peer_and_answered_everywhere,
    |backend| async move {
        use crate::support::network::{ALPHA, BETA, Network};
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        town(&alpha, &["lea"], "2").await;
        let peer = crate::fedify::peer(&net);
        let peer_actor = peer.control_get("/health").await["actor"]
            .as_str()
            .unwrap()
            .to_string();
        let (_, mut bob) = commune_followed_from_beta_and_the_peer(&alpha, &beta, &peer).await;

        // Karim proposes; the Page reaches the peer with its parvis: terms and place.
        let mut karim = signed_in(&alpha, "karim").await;
        let path = propose(&mut karim, "Des bancs <script>x()</script> sur la place").await;
        let id = path.rsplit('/').next().unwrap().to_string();
        let page_id = alpha.url(&format!("/debates/{id}"));
        let page = karim.get(&path).await;
        assert!(page.has("Place du Marché"), "{}", page.body);
        assert!(page.has("<strong>place</strong>"));
        assert!(!page.has("<script>x()"), "the title is escaped");
        let announced = peer
            .wait_for_inbox(
                |a| a["type"] == "Announce" && a["object"]["id"] == page_id.as_str(),
                WAIT,
            )
            .await;
        let sent = &announced["object"];
        assert_eq!(sent["proposalStatus"], "published", "{sent}");
        assert_eq!(sent["supportThreshold"], 2);
        assert_eq!(sent["supportsResidents"], 0);
        assert_eq!(sent["url"], alpha.url(&path).as_str());
        assert_eq!(sent["location"]["type"], "Place");
        assert_eq!(sent["location"]["name"], "Place du Marché");
        assert_eq!(sent["location"]["longitude"], 4.8357);

        // It shows on beta, among the neighbours' proposals.
        let copy = copy_on(&beta, "Des bancs").await;
        assert!(
            !WebClient::new(&beta)
                .get("/proposals")
                .await
                .has("Des bancs")
        );
        assert_eq!(
            detail(&beta, &copy).await["proposal"]["place"],
            "Place du Marché"
        );

        // Lea (a resident) and the official support on alpha, each in their category; twice is once.
        let mut lea = signed_in(&alpha, "lea").await;
        for _ in 0..2 {
            let page = lea.submit(&path, &format!("{path}/support"), &[]).await;
            assert_eq!(page.status, 303, "{}", page.body);
        }
        let mut marie = signed_in(&alpha, "marie").await;
        marie.submit(&path, &format!("{path}/support"), &[]).await;
        assert_eq!(supports(&detail(&alpha, &path).await), (1, 1, 0));

        // Bob supports from beta (twice: one Like); the peer likes the Page like a Mastodon favourite.
        for _ in 0..2 {
            let page = bob.submit(&copy, &format!("{copy}/support"), &[]).await;
            assert_eq!(page.status, 303, "{}", page.body);
        }
        let liked = peer
            .control_post("/like", json!({ "object": page_id }))
            .await;
        assert_eq!(liked["ok"], true, "{liked}");
        let counted = tokio::time::timeout(WAIT, async {
            while supports(&detail(&alpha, &path).await) != (1, 1, 2) {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
        .await;
        assert!(
            counted.is_ok(),
            "two remote supports on alpha: {:?}; peer errors {}",
            supports(&detail(&alpha, &path).await),
            peer.control_get("/errors").await
        );

        // The counts reach beta with the commune's Update.
        counts_become(&beta, &copy, (1, 1, 2), "the counts on beta").await;
        let bob_token = parvis::civic::tokens::create_token(&beta.db, "bob")
            .await
            .unwrap();
        let copy_id = copy.rsplit('/').next().unwrap().to_string();
        let (_, mine) = beta
            .api_get(&format!("/api/v1/parvis/proposals/{copy_id}"), &bob_token)
            .await;
        assert_eq!(mine["supported"], true, "{mine}");
        assert_eq!(detail(&beta, &copy).await["supported"], false, "no token");
        // The peer withdraws (Undo(Like)).
        let undone = peer
            .control_post("/undo-like", json!({ "object": page_id }))
            .await;
        assert_eq!(undone["ok"], true, "{undone}");
        counts_become(&alpha, &path, (1, 1, 1), "the peer's support withdrawn").await;

        // Bob withdraws from beta (an Undo of his Like), then supports again.
        let page = bob
            .submit(&copy, &format!("{copy}/support?off=1"), &[])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        counts_become(&alpha, &path, (1, 1, 0), "bob's support withdrawn on alpha").await;
        bob.submit(&copy, &format!("{copy}/support"), &[]).await;
        counts_become(&alpha, &path, (1, 1, 1), "bob's support again on alpha").await;

        // The peer follows the proposal itself, as an object: the commune accepts.
        let peer_base = peer_actor.rsplit_once("/users/").unwrap().0.to_string();
        let follow_id = format!("{peer_base}/follows/proposal-{id}");
        let sent = peer
            .control_post(
                "/send-raw",
                json!({
                    "inbox": alpha.url("/inbox"),
                    "activity": {
                        "@context": "https://www.w3.org/ns/activitystreams",
                        "id": follow_id, "type": "Follow", "actor": peer_actor, "object": page_id,
                    },
                }),
            )
            .await;
        assert!(sent["status"].as_u64().is_some_and(|s| s < 300), "{sent}");
        peer.wait_for_inbox(
            |a| {
                a["type"] == "Accept"
                    && a["raw"]["object"]["id"] == follow_id.as_str()
                    && a["raw"]["object"]["object"] == page_id.as_str()
            },
            WAIT,
        )
        .await;

        // A citizen cannot answer; an answer is required; the lifecycle is followed.
        let token = parvis::civic::tokens::create_token(&alpha.db, "karim")
            .await
            .unwrap();
        let answer_path = format!("/api/v1/parvis/proposals/{id}/answer");
        let (status, body) = alpha
            .api_post(
                &answer_path,
                &token,
                json!({"status": "accepted", "answer": "Oui"}),
            )
            .await;
        assert_eq!(status, 403, "{body}");
        let official = parvis::civic::tokens::create_token(&alpha.db, "marie")
            .await
            .unwrap();
        let (status, body) = alpha
            .api_post(
                &answer_path,
                &official,
                json!({"status": "accepted", "answer": "  "}),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        let (status, body) = alpha
            .api_post(
                &answer_path,
                &official,
                json!({"status": "done", "answer": "Fait"}),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        let page = marie
            .submit(
                &path,
                &format!("{path}/answer"),
                &[("status", "accepted"), ("answer", "")],
            )
            .await;
        assert_eq!(page.status, 422, "{}", page.body);
        assert_eq!(
            detail(&alpha, &path).await["proposal"]["status"],
            "published"
        );

        // Marie answers: accepted, with a public answer under her name and mandate.
        let page = marie
            .submit(
                &path,
                &format!("{path}/answer"),
                &[
                    ("status", "accepted"),
                    (
                        "answer",
                        "Le conseil a voté **trois bancs**. <img src=x onerror=alert(1)>",
                    ),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let page = karim.get(&path).await;
        assert!(page.has("<strong>trois bancs</strong>"), "{}", page.body);
        assert!(
            page.has("marie Test, Maire, Conseil municipal"),
            "{}",
            page.body
        );
        assert!(!page.has("onerror"));
        let history = detail(&alpha, &path).await["history"].clone();
        let statuses: Vec<&str> = history
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["published", "accepted"]);
        // Karim (its author, who follows it) is told; Marie, who answered, is not.
        assert!(karim.get("/notifications").await.has("a reçu une réponse"));
        assert!(!marie.get("/notifications").await.has("a reçu une réponse"));
        // No more supports once answered, from here or elsewhere.
        let mut ana = signed_in(&alpha, "admin").await;
        let page = ana.submit(&path, &format!("{path}/support"), &[]).await;
        assert_eq!(page.status, 422, "{}", page.body);

        // The peer sees the answer as a Note replying to the Page, and the Page's new status.
        let note = peer
            .wait_for_inbox(
                |a| a["type"] == "Create" && a["object"]["inReplyTo"] == page_id.as_str(),
                WAIT,
            )
            .await;
        let content = note["object"]["content"].as_str().unwrap();
        assert!(content.contains("Acceptée"), "{content}");
        assert!(content.contains("trois bancs"), "{content}");
        assert!(content.contains("Maire, Conseil municipal"), "{content}");
        // The peer follows the proposal, not just the commune: it is addressed and mentioned, as Mastodon
        // needs to keep the post.
        assert!(
            note["object"]["cc"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == peer_actor.as_str()),
            "{note}"
        );
        assert!(
            note["object"]["tag"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["type"] == "Mention" && t["href"] == peer_actor.as_str()),
            "{note}"
        );
        let fetched = peer
            .control_get(&format!(
                "/fetch?url={}",
                note["object"]["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(
            fetched["status"], 200,
            "the answer Note is served: {fetched}"
        );
        let updated = peer
            .wait_for_inbox(
                |a| a["type"] == "Update" && a["object"]["proposalStatus"] == "accepted",
                WAIT,
            )
            .await;
        assert_eq!(
            updated["object"]["officialAnswer"]["answererName"],
            "marie Test"
        );
        // Beta shows the new status with the answer; the peer's later Like is refused, nothing counted.
        eventually("the answer on beta", WAIT, || async {
            let page = WebClient::new(&beta).get(&copy).await;
            (page.has("Acceptée")
                && page.has("trois bancs")
                && page.has("Maire, Conseil municipal"))
            .then_some(())
        })
        .await;
        let liked = peer
            .control_post("/like", json!({ "object": page_id }))
            .await;
        assert_ne!(liked["ok"], true, "a support after the answer is refused");
        assert_eq!(supports(&detail(&alpha, &path).await), (1, 1, 1));

        // A late Update with an earlier status changes the copy's counts, not its status or history.
        let copy_debate = DebateId(copy_id.parse().unwrap());
        beta.db
            .transaction(move |c| {
                parvis::civic::proposals::store_remote_proposal(
                    c,
                    copy_debate,
                    parvis::civic::proposals::RemoteProposal {
                        status: ProposalStatus::UnderReview,
                        theme: None,
                        place: Some("Place du Marché".into()),
                        coordinates: None,
                        supports_residents: 1,
                        supports_local: 1,
                        supports_remote: 2,
                        threshold: 2,
                        answer: None,
                    },
                )
            })
            .await
            .unwrap();
        let late = detail(&beta, &copy).await;
        assert_eq!(late["proposal"]["status"], "accepted");
        assert_eq!(supports(&late), (1, 1, 2));
        let statuses: Vec<&str> = late["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["published", "accepted"]);
        // The answer Note is not kept as a comment on the copy (the history has it).
        let (_, thread) = beta
            .get_json(
                &format!("/api/v1/parvis/debates/{copy_id}"),
                "application/json",
            )
            .await;
        assert_eq!(thread["comments"], json!([]), "{thread}");
    }
);

both_backends!(
    concurrent_supports_cross_the_threshold_once,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        let residents: Vec<String> = (0..8).map(|i| format!("habitant{i}")).collect();
        let names: Vec<&str> = residents.iter().map(String::as_str).collect();
        town(&alpha, &names, "5").await;
        let mut karim = signed_in(&alpha, "karim").await;
        let path = propose(&mut karim, "Un composteur collectif").await;
        let id = DebateId(path.rsplit('/').next().unwrap().parse().unwrap());
        // The official follows it too: still one notification when it reaches the threshold.
        let mut marie = signed_in(&alpha, "marie").await;
        let page = marie.submit(&path, &format!("{path}/follow"), &[]).await;
        assert_eq!(page.status, 303, "{}", page.body);

        // Eight residents, plus the first one three more times, all at once.
        let mut tasks = vec![];
        for name in names.iter().chain(std::iter::repeat_n(&names[0], 3)) {
            let (db, name) = (alpha.db.clone(), name.to_string());
            tasks.push(tokio::spawn(async move {
                db.transaction(move |conn| {
                    let (_, account) = queries::account_by_username(conn, &name)?.unwrap();
                    parvis::civic::proposals::support(conn, &account, id, true)
                })
                .await
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let found = detail(&alpha, &path).await;
        assert_eq!(supports(&found), (8, 0, 0));
        assert_eq!(found["proposal"]["status"], "under_review");
        let reviews = found["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["status"] == "under_review")
            .count();
        assert_eq!(reviews, 1, "one transition");
        let marie_id = alpha
            .db
            .run(|c| Ok(queries::account_by_username(c, "marie")?.unwrap().0.id))
            .await
            .unwrap();
        let told: i64 = alpha
            .db
            .run(move |c| {
                use parvis::model::schema::notifications as n;
                Ok(n::table
                    .filter(n::account_id.eq(marie_id))
                    .count()
                    .get_result(c)?)
            })
            .await
            .unwrap();
        assert_eq!(told, 1, "one notification to the official");

        let page = marie.get("/notifications").await;
        assert_eq!(page.body.matches("atteint son seuil").count(), 1);
        // Read once, they are no longer new.
        assert!(!marie.get("/notifications").await.has("class=\"unread\""));

        // Withdrawals count down; the status stays (review is not undone).
        let (db, who) = (alpha.db.clone(), names[1].to_string());
        db.transaction(move |conn| {
            let (_, account) = queries::account_by_username(conn, &who)?.unwrap();
            parvis::civic::proposals::support(conn, &account, id, false)?;
            parvis::civic::proposals::support(conn, &account, id, false)
        })
        .await
        .unwrap();
        let found = detail(&alpha, &path).await;
        assert_eq!(supports(&found), (7, 0, 0));
        assert_eq!(found["proposal"]["status"], "under_review");
        let status: ProposalStatus = alpha
            .db
            .run(move |c| Ok(parvis::civic::proposals::proposal(c, id)?.status))
            .await
            .unwrap();
        assert_eq!(status, ProposalStatus::UnderReview);
    }
);

both_backends!(
    proposals_are_listed_filtered_exported_and_refused_when_malformed,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        let mut admin = town(&alpha, &["lea"], "3").await;
        let page = admin
            .submit("/admin", "/admin/themes", &[("theme", "Mobilité")])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        // Bad thresholds are refused, the setting kept.
        for bad in ["0", "-4", "abc", "99999999999"] {
            let page = admin
                .submit("/admin", "/admin/proposals", &[("threshold", bad)])
                .await;
            assert_eq!(page.status, 422, "{bad}: {}", page.body);
        }
        let mut karim = signed_in(&alpha, "karim").await;

        // Malformed forms keep what was typed and say what is wrong; nothing is stored.
        let form = karim.get("/proposals/new").await;
        let theme = form
            .body
            .split("<option value=\"")
            .nth(2)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        for (fields, wrong) in [
            (vec![("title", ""), ("summary", "s")], "title"),
            (vec![("title", "T"), ("summary", "")], "summary"),
            (
                vec![
                    ("title", "T"),
                    ("summary", "s"),
                    ("latitude", "95"),
                    ("longitude", "3"),
                ],
                "latitude",
            ),
            (
                vec![("title", "T"), ("summary", "s"), ("latitude", "45")],
                "latitude",
            ),
            (
                vec![("title", "T"), ("summary", "s"), ("theme", "999999")],
                "theme",
            ),
        ] {
            let page = karim.submit("/proposals/new", "/proposals", &fields).await;
            assert_eq!(page.status, 422, "{fields:?}: {}", page.body);
            assert!(
                page.has(&format!("id=\"{wrong}-error\"")),
                "{wrong}: {}",
                page.body
            );
        }
        let (_, listed) = alpha
            .get_json("/api/v1/parvis/proposals", "application/json")
            .await;
        assert_eq!(listed, json!([]));

        // Three proposals, one under a theme; supports make an order.
        let a = propose(&mut karim, "Proposition A").await;
        let b = karim
            .submit(
                "/proposals/new",
                "/proposals",
                &[
                    ("title", "=HYPERLINK(\"http://x\")"),
                    ("summary", "B, \"citée\""),
                    ("theme", &theme),
                ],
            )
            .await
            .location
            .unwrap();
        let c = propose(&mut karim, "Proposition C").await;
        let mut lea = signed_in(&alpha, "lea").await;
        lea.submit(&b, &format!("{b}/support"), &[]).await;
        lea.submit(&c, &format!("{c}/support"), &[]).await;
        let mut marie = signed_in(&alpha, "marie").await;
        marie.submit(&c, &format!("{c}/support"), &[]).await;
        let titles = |v: &Value| -> Vec<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|p| p["title"].as_str().unwrap().to_string())
                .collect()
        };
        let (_, most) = alpha
            .get_json("/api/v1/parvis/proposals", "application/json")
            .await;
        assert_eq!(titles(&most)[0], "Proposition C", "{most}");
        let (_, newest) = alpha
            .get_json("/api/v1/parvis/proposals?sort=newest", "application/json")
            .await;
        assert_eq!(
            titles(&newest),
            ["Proposition C", "=HYPERLINK(\"http://x\")", "Proposition A"]
        );
        let (_, closest) = alpha
            .get_json("/api/v1/parvis/proposals?sort=closest", "application/json")
            .await;
        assert_eq!(titles(&closest)[2], "Proposition A", "{closest}");
        let (_, themed) = alpha
            .get_json(
                &format!("/api/v1/parvis/proposals?theme={theme}"),
                "application/json",
            )
            .await;
        assert_eq!(titles(&themed), ["=HYPERLINK(\"http://x\")"]);
        assert_eq!(themed[0]["theme"], "Mobilité");
        let (status, _) = alpha
            .get_json("/api/v1/parvis/proposals?status=nope", "application/json")
            .await;
        assert_eq!(status, 422);
        let page = WebClient::new(&alpha)
            .get("/proposals?status=published&sort=closest")
            .await;
        assert!(page.has("Proposition A") && page.has("Proposition C"));
        // Debates and proposals have their own lists.
        assert!(
            !WebClient::new(&alpha)
                .get("/debates")
                .await
                .has("Proposition A")
        );

        // Every proposal form refuses a missing or forged CSRF token, and nothing changes.
        let before = detail(&alpha, &a).await;
        let forms: Vec<(&str, String, Fields)> = vec![
            (
                "karim",
                "/proposals".into(),
                vec![("title", "CSRF"), ("summary", "s")],
            ),
            ("karim", format!("{a}/support"), vec![]),
            ("karim", format!("{a}/follow?off=1"), vec![]),
            (
                "marie",
                format!("{a}/answer"),
                vec![("status", "rejected"), ("answer", "Non")],
            ),
            ("admin", "/admin/proposals".into(), vec![("threshold", "1")]),
        ];
        for (who, path, fields) in forms {
            let web = match who {
                "karim" => &mut karim,
                "marie" => &mut marie,
                _ => &mut admin,
            };
            for token in [None, Some("forged-token")] {
                let mut all = fields.clone();
                if let Some(token) = token {
                    all.push(("csrf", token));
                }
                let page = web.post(&path, &all).await;
                assert_eq!(
                    page.status, 403,
                    "{path} with token {token:?}: {}",
                    page.body
                );
            }
        }
        let after = detail(&alpha, &a).await;
        assert_eq!(before, after, "nothing changed");
        assert!(karim.get(&a).await.has("Ne plus suivre"), "still following");
        let (_, listed) = alpha
            .get_json("/api/v1/parvis/proposals", "application/json")
            .await;
        assert_eq!(listed.as_array().unwrap().len(), 3);
        let page = WebClient::new(&alpha).get("/admin").await;
        assert_ne!(page.status, 200, "the admin page needs a login");
        assert!(
            admin.get("/admin").await.has("value=\"3\""),
            "threshold kept"
        );

        // The open-data export: every proposal with its counts; formulas defused, quotes doubled.
        let response = alpha.get("/communes/ville/proposals.csv", "text/csv").await;
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let csv = response.text().await.unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 4, "{csv}");
        assert!(lines[0].starts_with("id,url,title,summary,theme,status"));
        assert!(csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{csv}");
        assert!(
            csv.contains("\"B, \"\"citée\"\"\",\"Mobilité\",\"published\""),
            "{csv}"
        );
        assert!(
            csv.contains("\"Place du Marché\",\"45.764\",\"4.8357\""),
            "{csv}"
        );
        assert_eq!(
            alpha
                .get("/communes/nowhere/proposals.csv", "text/csv")
                .await
                .status(),
            404
        );

        // The JSON API: propose, support (twice is once), withdraw; errors are clear.
        let token = parvis::civic::tokens::create_token(&alpha.db, "lea")
            .await
            .unwrap();
        let (status, body) = alpha
            .api_post(
                "/api/v1/parvis/proposals",
                &token,
                json!({"title": "Par l'API", "summary": "s", "latitude": 1.0}),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        let (status, body) = alpha
            .api_post(
                "/api/v1/parvis/proposals",
                &token,
                json!({"title": "Par l'API", "summary": "Via un client"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let new_id = body["proposal"]["id"].as_str().unwrap().to_string();
        let support = format!(
            "/api/v1/parvis/proposals/{}/support",
            a.rsplit('/').next().unwrap()
        );
        for _ in 0..2 {
            let (status, body) = alpha.api_post(&support, &token, json!({})).await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(body["supported"], true);
            assert_eq!(body["proposal"]["supports"]["residents"], 1);
        }
        let (_, body) = alpha
            .api_post(&support, &token, json!({"support": false}))
            .await;
        assert_eq!(body["proposal"]["supports"]["residents"], 0);
        let (status, _) = alpha.api_post(&support, "wrong", json!({})).await;
        assert_eq!(status, 401);
        let (status, _) = alpha
            .api_post("/api/v1/parvis/proposals/999999/support", &token, json!({}))
            .await;
        assert_eq!(status, 404);
        let (status, _) = alpha
            .get_json(
                &format!("/api/v1/parvis/proposals/{new_id}"),
                "application/json",
            )
            .await;
        assert_eq!(status, 200);
        // A deleted account's supports are withdrawn with it.
        let (_, before) = alpha
            .get_json(
                &format!("/api/v1/parvis/proposals/{}", c.rsplit('/').next().unwrap()),
                "application/json",
            )
            .await;
        assert_eq!(supports(&before), (1, 1, 0));
        let page = lea
            .submit(
                "/settings",
                "/settings/delete",
                &[("delete_password", PASSWORD), ("delete_confirm", "yes")],
            )
            .await;
        assert!(page.has("Compte supprimé"), "{}", page.body);
        let (_, after) = alpha
            .get_json(
                &format!("/api/v1/parvis/proposals/{}", c.rsplit('/').next().unwrap()),
                "application/json",
            )
            .await;
        assert_eq!(supports(&after), (0, 1, 0));

        // A debate is not a proposal.
        let debate = parvis::civic::debates::NewDebate {
            title: "Un débat".into(),
            question: "Q ?".into(),
            ..Default::default()
        };
        let debate_id = alpha
            .db
            .transaction(move |c| {
                let (_, marie) = queries::account_by_username(c, "marie")?.unwrap();
                Ok(parvis::civic::debates::open_debate(c, &marie, debate)?.id)
            })
            .await
            .unwrap();
        let (status, _) = alpha
            .get_json(
                &format!("/api/v1/parvis/proposals/{debate_id}"),
                "application/json",
            )
            .await;
        assert_eq!(status, 404);
        let karim_token = parvis::civic::tokens::create_token(&alpha.db, "karim")
            .await
            .unwrap();
        let (status, _) = alpha
            .api_post(
                &format!("/api/v1/parvis/proposals/{debate_id}/support"),
                &karim_token,
                json!({}),
            )
            .await;
        assert_eq!(status, 404);
        let page = karim
            .submit(
                &format!("/debates/{debate_id}"),
                &format!("/proposals/{debate_id}/follow"),
                &[],
            )
            .await;
        assert_eq!(page.status, 404, "a debate is not followed as a proposal");
    }
);

both_backends!(
    an_erased_account_is_erased_on_every_server_that_holds_something_of_it,
    |backend| async move {
        use crate::support::network::{ALPHA, BETA, Network};
        use parvis::model::schema::{comments, remote_actors};
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        town(&alpha, &[], "5").await;

        // Carl on beta follows alpha's commune, so beta gets the proposal; bob, who follows nobody on alpha,
        // supports and comments on it from beta.
        person(&beta, "carl", Role::Citizen).await;
        let handle = format!("@ville@{}", alpha.base.trim_start_matches("https://"));
        let mut carl = signed_in(&beta, "carl").await;
        assert_eq!(carl.follow_handle(&handle).await.status, 303);
        eventually("carl's follow accepted", WAIT, || async {
            let list = WebClient::new(&beta).get("/users/carl/following").await;
            list.has(&handle).then_some(())
        })
        .await;
        let mut karim = signed_in(&alpha, "karim").await;
        let path = propose(&mut karim, "Un abri pour le marché").await;
        let copy = copy_on(&beta, "Un abri").await;
        person(&beta, "bob", Role::Citizen).await;
        let mut bob = signed_in(&beta, "bob").await;
        bob.submit(&copy, &format!("{copy}/support"), &[]).await;
        // A proposal is a debate: its comments are posted where the debate's are.
        let debate = copy.replace("/proposals/", "/debates/");
        let page = bob
            .submit(
                &debate,
                &format!("{debate}/comments"),
                &[("comment", "Bob est pour l'abri"), ("stance", "for")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        counts_become(&alpha, &path, (0, 0, 1), "bob's support on alpha").await;
        let bob_on_alpha = |alpha: &TestInstance| {
            let db = alpha.db.clone();
            async move {
                db.run(|c| {
                    let text: Vec<String> = comments::table
                        .filter(comments::deleted.eq(false))
                        .select(comments::content_html)
                        .load(c)?;
                    let bob: i64 = remote_actors::table
                        .filter(remote_actors::username.eq("bob"))
                        .count()
                        .get_result(c)?;
                    Ok((text.iter().any(|t| t.contains("Bob est pour")), bob))
                })
                .await
                .unwrap()
            }
        };
        eventually("bob's comment on alpha", WAIT, || async {
            (bob_on_alpha(&alpha).await == (true, 1)).then_some(())
        })
        .await;

        // Bob erases his account: alpha, which he never followed, hears of it all.
        let page = bob
            .submit(
                "/settings",
                "/settings/delete",
                &[("delete_password", PASSWORD), ("delete_confirm", "yes")],
            )
            .await;
        assert!(page.has("Compte supprimé"), "{}", page.body);
        eventually("bob erased on alpha", WAIT, || async {
            (bob_on_alpha(&alpha).await == (false, 0)).then_some(())
        })
        .await;
        counts_become(&alpha, &path, (0, 0, 0), "bob's support withdrawn on alpha").await;
    }
);
