//! The town in a Mastodon app: after following the commune, Mastodon.py reads its debate, proposal, poll,
//! report and meeting as statuses (boosted by the commune, with their cards and the poll), answers the debate
//! with a stance hashtag (a comment, shown with that stance on the web), supports the proposal with a
//! favourite and takes it back, says "me too" on the report, votes, is notified of the official answer as an
//! `update`, and hears a new comment over the streaming API.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::support::debates::{comment_html, comment_id, open_debate};
use crate::support::{TestInstance, both_backends};
use crate::web::signed_in;
use parvis::model::schema::comments;
use parvis::model::{ProposalStatus, Stance};

/// The number at the end of a path.
fn last(path: &str) -> i64 {
    path.rsplit('/').next().unwrap().parse().unwrap()
}

/// The town's five civic things: a debate and a poll by Marie, Karim's proposal and report, a meeting.
/// Returns their paths (the report's id).
pub(crate) struct Town {
    pub alpha: TestInstance,
    pub debate: String,
    pub proposal: String,
    pub poll: String,
    pub report: i64,
    pub meeting: String,
}

pub(crate) async fn town(backend: crate::support::Backend) -> Town {
    let (alpha, voirie) = crate::problems::town_with_a_category(backend).await;
    let mut marie = signed_in(&alpha, "marie").await;
    let debate = open_debate(
        &mut marie,
        "Piétonniser la place <script>alert(1)</script>",
        "Le **samedi** seulement.",
    )
    .await;
    let poll = crate::polls::ask(&mut marie, "Quel jour pour le marché ?", &[]).await;
    let page = crate::meetings::schedule(
        &mut marie,
        "Réunion publique sur la place",
        "",
        &crate::meetings::local(5, 18),
        &crate::meetings::local(5, 20),
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let meeting = page.location.unwrap();
    let mut karim = signed_in(&alpha, "karim").await;
    let proposal = crate::proposals::propose(&mut karim, "Des bancs sur la place").await;
    let karim_token = parvis::civic::tokens::create_token(&alpha.db, "karim")
        .await
        .unwrap();
    let (code, filed) = alpha
        .api_post(
            "/api/v1/parvis/problems",
            &karim_token,
            json!({
                "category_id": voirie.0,
                "description": "Lampadaire éteint devant l'école.",
                "address": "Rue de l'École",
                "latitude": 45.75,
                "longitude": 4.83,
            }),
        )
        .await;
    assert_eq!(code, 200, "{filed}");
    let report = match &filed["problem"]["problem"]["id"] {
        Value::String(id) => id.parse().unwrap(),
        other => other.as_i64().unwrap(),
    };
    Town {
        alpha,
        debate,
        proposal,
        poll,
        report,
        meeting,
    }
}

/// Runs a command of the Mastodon.py client.
async fn mastodon_py(args: Vec<String>) -> Value {
    tokio::task::spawn_blocking(move || crate::support::python::mastodon_py(&args))
        .await
        .unwrap()
}

both_backends!(
    mastodon_py_meets_the_town_and_takes_part,
    |backend| async move {
        let Town {
            alpha,
            debate,
            proposal,
            poll,
            report,
            meeting,
        } = town(backend).await;
        let lea = parvis::civic::tokens::create_token(&alpha.db, "lea")
            .await
            .unwrap();
        let seen = mastodon_py(vec![
            "civic".into(),
            alpha.base.clone(),
            lea.clone(),
            "ville".into(),
        ])
        .await;

        // In the home timeline after following the commune: what others wrote, boosted by the commune;
        // what the commune publishes, by the commune. Each with its card, linking to its page.
        let home = &seen["home"];
        for (kind, by, boosted, path) in [
            ("debate", "marie", true, debate.as_str()),
            ("proposal", "karim", true, proposal.as_str()),
            ("poll", "marie", true, poll.as_str()),
            ("report", "ville", false, &format!("/problems/{report}")),
            ("meeting", "ville", false, meeting.as_str()),
        ] {
            let status = &home[kind];
            assert_eq!(status["by"], by, "{kind}: {seen:#}");
            assert_eq!(
                status["boosted_by"],
                if boosted { json!("ville") } else { Value::Null },
                "{kind}: {seen:#}"
            );
            assert_eq!(status["card"]["url"], alpha.url(path), "{kind}: {seen:#}");
        }
        // Titles are text: markup in them is shown, not run.
        let content = home["debate"]["content"].as_str().unwrap();
        assert!(
            content.contains("&lt;script&gt;") && !content.contains("<script>"),
            "{content}"
        );
        assert_eq!(
            home["debate"]["card"]["title"],
            "Piétonniser la place <script>alert(1)</script>"
        );
        assert_eq!(
            home["poll"]["poll"]["options"],
            json!(["Samedi", "Dimanche"])
        );
        assert!(
            home["meeting"]["content"]
                .as_str()
                .unwrap()
                .contains(&format!("{}#meeting-register", alpha.url(&meeting))),
            "{seen:#}"
        );
        assert!(
            home["report"]["card"]["description"]
                .as_str()
                .unwrap()
                .contains("Rue de l'École"),
            "{seen:#}"
        );
        assert_eq!(
            seen["local"],
            json!(["debate", "meeting", "poll", "proposal", "report"]),
            "{seen:#}"
        );

        // The answer is a comment of the debate, with the stance its hashtag gave, as the web shows it.
        assert_eq!(seen["answer"]["in_reply_to_id"], home["debate"]["id"]);
        assert_eq!(seen["answer"]["tags"], json!(["for"]), "{seen:#}");
        let page = alpha.get(&debate, "text/html").await.text().await.unwrap();
        let comment = comment_id(&page, "La place sera plus calme");
        assert!(
            comment_html(&page, &comment).contains("stance-for"),
            "{page}"
        );
        // The favourite is Léa's support, counted as on the web; "me too" on the report; her vote.
        assert_eq!(
            seen["supported"],
            json!({"favourited": true, "favourites_count": 1})
        );
        assert_eq!(
            crate::proposals::supports(&crate::proposals::detail(&alpha, &proposal).await),
            (0, 1, 0)
        );
        assert_eq!(
            seen["too"],
            json!({"favourited": true, "favourites_count": 1})
        );
        let supporters: i64 = alpha
            .db
            .run(move |c| {
                Ok(parvis::civic::problems::problem(c, parvis::ids::ProblemId(report))?.supporters)
            })
            .await
            .unwrap();
        assert_eq!(supporters, 1);
        assert_eq!(seen["voted"]["own_votes"], json!([0]), "{seen:#}");
        let counted = crate::polls::poll_json(&alpha, &last(&poll).to_string()).await;
        assert_eq!(crate::polls::votes(&counted), [1, 0], "{counted}");

        // Marie answers the proposal on behalf of the town: Léa, who supports it, is told, in her app.
        let answered = last(&proposal);
        alpha
            .db
            .transaction(move |c| {
                let (_, marie) = parvis::db::queries::account_by_username(c, "marie")?.unwrap();
                parvis::civic::proposals::answer(
                    c,
                    &marie,
                    parvis::ids::DebateId(answered),
                    ProposalStatus::Accepted,
                    "Les bancs seront posés au printemps.",
                )
            })
            .await
            .unwrap();
        let debate_status = home["debate"]["id"].as_str().unwrap().to_string();
        let proposal_status = home["proposal"]["id"].as_str().unwrap().to_string();
        let lea_again = lea.clone();
        let after = mastodon_py(vec![
            "civic-after".into(),
            alpha.base.clone(),
            lea,
            proposal_status.clone(),
            debate_status,
        ])
        .await;
        let updates = after["updates"].as_array().unwrap();
        assert!(
            updates
                .iter()
                .any(|n| n["type"] == "update" && n["status"] == proposal_status.as_str()),
            "{after:#}"
        );
        // Taking the favourite back withdraws the support.
        assert_eq!(
            after["withdrawn"],
            json!({"favourited": false, "favourites_count": 0})
        );
        assert_eq!(
            crate::proposals::supports(&crate::proposals::detail(&alpha, &proposal).await),
            (0, 0, 0)
        );
        // The second answer came over the user stream, against; both are in the debate's thread.
        assert_eq!(after["streamed"]["tags"], json!(["against"]), "{after:#}");
        let descendants = after["descendants"].as_array().unwrap();
        assert!(
            descendants.len() >= 2 && descendants.contains(&seen["answer"]["id"]),
            "{after:#}"
        );
        let stances: Vec<Option<Stance>> = alpha
            .db
            .run(|c| {
                Ok(comments::table
                    .order(comments::id.asc())
                    .select(comments::stance)
                    .load(c)?)
            })
            .await
            .unwrap();
        assert_eq!(stances.first(), Some(&Some(Stance::For)), "{stances:?}");
        assert!(stances[1..].iter().all(|s| *s == Some(Stance::Against)));

        // The poll closes: Léa, who voted, is told with a `poll` notification carrying its status.
        let closed = parvis::ids::PollId(last(&poll));
        alpha
            .db
            .run(move |c| {
                use parvis::model::schema::polls as p;
                let past = chrono::Utc::now().naive_utc() - chrono::Duration::seconds(1);
                diesel::update(p::table.find(closed))
                    .set(p::closes_at.eq(past))
                    .execute(c)?;
                Ok(())
            })
            .await
            .unwrap();
        let told = crate::federation::eventually("the poll's closing told", WAIT, || async {
            let told = crate::apps::notifications(&alpha, &lea_again, "?types[]=poll").await;
            (!told.is_empty()).then_some(told)
        })
        .await;
        assert_eq!(told.len(), 1, "{told:#?}");
        assert_eq!(told[0]["status"]["id"], home["poll"]["id"], "{told:#?}");
        assert_eq!(told[0]["status"]["poll"]["expired"], true, "{told:#?}");
    }
);

const WAIT: std::time::Duration = std::time::Duration::from_secs(30);

both_backends!(
    an_answer_from_an_app_federates_as_a_comment_and_civic_posts_are_never_sent_as_posts,
    |backend| async move {
        use crate::support::mastodon::assert_status;
        use crate::support::network::{ALPHA, BETA, Network};
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        crate::support::debates::people(&alpha).await;
        let peer = crate::fedify::peer(&net);
        crate::proposals::commune_followed_from_beta_and_the_peer(&alpha, &beta, &peer).await;
        let mut marie = signed_in(&alpha, "marie").await;
        let debate = open_debate(&mut marie, "Le parking de la gare", "Faut-il l'agrandir ?").await;
        let debate_url = alpha.url(&debate);
        let copy = crate::support::web::link_before(
            &beta,
            "/debates?scope=elsewhere",
            "Le parking de la gare",
        )
        .await;

        // Léa follows the commune in her app and answers the debate's status.
        let lea = parvis::civic::tokens::create_token(&alpha.db, "lea")
            .await
            .unwrap();
        let marie_token = parvis::civic::tokens::create_token(&alpha.db, "marie")
            .await
            .unwrap();
        let (_, town) = alpha
            .api_get("/api/v1/accounts/lookup?acct=ville", &lea)
            .await;
        let (code, _) = alpha
            .api_post(
                &format!("/api/v1/accounts/{}/follow", town["id"].as_str().unwrap()),
                &lea,
                json!({}),
            )
            .await;
        assert_eq!(code, 200);
        // In her home timeline: the commune's boost of Marie's debate.
        let status =
            crate::federation::eventually("the debate in the home timeline", WAIT, || async {
                let (_, items) = alpha.api_get("/api/v1/timelines/home", &lea).await;
                items
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|s| s["reblog"]["uri"] == debate_url.as_str())
                    .cloned()
            })
            .await;
        let boosted = &status["reblog"];
        assert_status(&status, true);
        assert_eq!(status["account"]["acct"], "ville", "{status:#}");
        let id = boosted["id"].as_str().unwrap().to_string();
        let comments_now = || {
            let db = alpha.db.clone();
            async move {
                db.run(|c| Ok(comments::table.count().get_result::<i64>(c)?))
                    .await
                    .unwrap()
            }
        };

        // What a comment cannot be is refused, and writes nothing.
        for (body, field) in [
            (
                json!({"status": "Photo", "in_reply_to_id": id, "media_ids": ["1"]}),
                "media_ids",
            ),
            (
                json!({"status": "Entre nous", "in_reply_to_id": id, "visibility": "private"}),
                "visibility",
            ),
            (json!({"status": "", "in_reply_to_id": id}), "comment"),
        ] {
            let (code, error) = alpha.api_post("/api/v1/statuses", &lea, body).await;
            assert_eq!(code, 422, "{error}");
            assert!(
                error["error"].as_str().unwrap().starts_with(field),
                "{error}"
            );
        }
        assert_eq!(comments_now().await, 0);
        // The debate's status is changed on the web only.
        let edit = alpha
            .client()
            .put(alpha.url(&format!("/api/v1/statuses/{id}")))
            .bearer_auth(&lea)
            .json(&json!({"status": "Autre titre"}))
            .send()
            .await
            .unwrap();
        assert_eq!(edit.status(), 422);
        let code = alpha
            .api_delete(&format!("/api/v1/statuses/{id}"), &lea)
            .await;
        assert_eq!(code, 422);

        let (code, answer) = alpha
            .api_post(
                "/api/v1/statuses",
                &lea,
                json!({"status": "D'accord, mais avec des arbres #pour", "in_reply_to_id": id}),
            )
            .await;
        assert_eq!(code, 200, "{answer}");
        assert_status(&answer, true);
        assert_eq!(answer["in_reply_to_id"], id.as_str());
        assert_eq!(answer["uri"], alpha.url("/comments/1").as_str());
        // Marie, whose debate it answers, is told: a mention, with the comment's status.
        let told = crate::apps::notifications(&alpha, &marie_token, "?types[]=mention").await;
        assert_eq!(told.len(), 1, "{told:#?}");
        assert_eq!(told[0]["status"]["id"], answer["id"], "{told:#?}");
        // One's own comment is not agreed with.
        let (code, _) = alpha
            .api_post(
                &format!(
                    "/api/v1/statuses/{}/favourite",
                    answer["id"].as_str().unwrap()
                ),
                &lea,
                json!({}),
            )
            .await;
        assert_eq!(code, 422);

        // The commune relays it as a comment of its debate: to the peer, and to beta's copy.
        let relayed = peer
            .wait_for_inbox(
                |a| a["type"] == "Announce" && a.to_string().contains("avec des arbres"),
                WAIT,
            )
            .await;
        assert!(
            relayed.to_string().contains(debate_url.as_str()),
            "{relayed:#}"
        );
        crate::federation::eventually("the comment on beta", WAIT, || async {
            crate::support::web::WebClient::new(&beta)
                .get(&copy)
                .await
                .has("avec des arbres")
                .then_some(())
        })
        .await;

        // A later post of the commune reaches the peer: by then, no civic thing went out as a post.
        let (code, later) = alpha
            .api_post(
                "/api/v1/statuses",
                &marie_token,
                json!({"status": "Le marché est maintenu", "as_commune": true}),
            )
            .await;
        assert_eq!(code, 200, "{later}");
        peer.wait_for_inbox(
            |a| a["type"] == "Create" && a["object"]["id"] == later["uri"],
            WAIT,
        )
        .await;
        let posts: Vec<String> = peer
            .control_get("/inbox")
            .await
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["type"] == "Create" && a["object"]["type"] == "Note")
            .filter_map(|a| a["object"]["id"].as_str().map(str::to_string))
            .filter(|id| id.starts_with(&alpha.url("/notes/")))
            .collect();
        assert_eq!(posts, [later["uri"].as_str().unwrap()], "{posts:?}");

        // Deleting her comment's status deletes the comment, here and on beta.
        let code = alpha
            .api_delete(
                &format!("/api/v1/statuses/{}", answer["id"].as_str().unwrap()),
                &lea,
            )
            .await;
        assert_eq!(code, 200);
        let (code, _) = alpha
            .api_get(
                &format!("/api/v1/statuses/{}", answer["id"].as_str().unwrap()),
                &lea,
            )
            .await;
        assert_eq!(code, 404);
        let page = alpha.get(&debate, "text/html").await.text().await.unwrap();
        assert!(!page.contains("avec des arbres"));
        crate::federation::eventually("the comment gone from beta", WAIT, || async {
            (!crate::support::web::WebClient::new(&beta)
                .get(&copy)
                .await
                .has("avec des arbres"))
            .then_some(())
        })
        .await;
    }
);

/// The posts of civic things (kind, id, author, deleted) and the commune's boosts of them (booster, kind,
/// id), sorted.
type CivicPosts = (
    Vec<(String, i64, Option<i64>, bool)>,
    Vec<(Option<i64>, String, i64)>,
);

async fn civic_posts(on: &TestInstance) -> CivicPosts {
    on.db
        .run(|c| {
            let mut posts: Vec<(String, i64, Option<i64>, bool)> = diesel::sql_query(
                "SELECT civic_kind, civic_id, author_id, deleted FROM notes WHERE civic_kind IS NOT NULL",
            )
            .load::<CivicRow>(c)?
            .into_iter()
            .map(|r| (r.civic_kind, r.civic_id, r.author_id, r.deleted))
            .collect();
            posts.sort();
            let mut boosts: Vec<(Option<i64>, String, i64)> = diesel::sql_query(
                "SELECT b.author_id, n.civic_kind, n.civic_id FROM notes b \
                 JOIN notes n ON n.id = b.reblog_of_id WHERE n.civic_kind IS NOT NULL",
            )
            .load::<BoostRow>(c)?
            .into_iter()
            .map(|r| (r.author_id, r.civic_kind, r.civic_id))
            .collect();
            boosts.sort();
            Ok((posts, boosts))
        })
        .await
        .unwrap()
}

#[derive(diesel::QueryableByName)]
struct CivicRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    civic_kind: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    civic_id: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    author_id: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    deleted: bool,
}

#[derive(diesel::QueryableByName)]
struct BoostRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    author_id: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    civic_kind: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    civic_id: i64,
}

both_backends!(
    an_upgrade_gives_the_town_s_civic_things_the_statuses_they_would_have_had,
    |backend| async move {
        let Town { alpha, debate, .. } = town(backend).await;
        // Two comments of Léa's; she deletes one.
        let debate_id = parvis::ids::DebateId(last(&debate));
        alpha
            .db
            .transaction(move |c| {
                let (lea, _) = parvis::db::queries::account_by_username(c, "lea")?.unwrap();
                parvis::civic::debates::comment(c, lea.id, debate_id, None, "Oui", None)?;
                let gone =
                    parvis::civic::debates::comment(c, lea.id, debate_id, None, "Non", None)?;
                parvis::civic::debates::delete_comment(c, lea.id, gone.id)
            })
            .await
            .unwrap();
        let written = civic_posts(&alpha).await;
        assert_eq!(written.0.len(), 7, "{written:?}");
        assert_eq!(
            written.1.len(),
            3,
            "the debate, the proposal and the poll: {written:?}"
        );
        assert_eq!(written.0.iter().filter(|p| p.3).count(), 1, "{written:?}");

        // Back to the version before: the posts go. Up again: each thing has the post and boost it would
        // have had, had it been written with this version.
        alpha
            .db
            .revert_through("2026-12-07-000043_civic_statuses")
            .unwrap();
        alpha.db.migrate().unwrap();
        assert_eq!(civic_posts(&alpha).await, written);
    }
);
