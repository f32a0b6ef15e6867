//! Commitments: an official publishes one with milestones; people follow it and are told when it moves on;
//! the Fedify peer and bob on beta (following the official) get its Page, then its Update with the new
//! status and progress. Refused, changing nothing: a citizen publishing, someone else moving it on, a
//! progress out of range, a proposal of nowhere.

use diesel::prelude::*;

use crate::federation::eventually;
use crate::support::debates::people;
use crate::support::network::{ALPHA, BETA, Network};
use crate::support::peer::assert_signed_by;
use crate::support::web::WebClient;
use crate::support::{both_backends, told};
use crate::web::{person, signed_in};
use parvis::model::Role;
use parvis::model::schema::{commitments, notes};

const WAIT: std::time::Duration = std::time::Duration::from_secs(30);

both_backends!(
    an_officials_commitment_moves_on_and_reaches_its_followers_here_and_elsewhere,
    |backend| async move {
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        people(&alpha).await;
        person(&beta, "bob", Role::Citizen).await;
        let peer = crate::fedify::peer_following(&net, &alpha, "marie").await;
        let marie_handle = format!("@marie@{}", alpha.base.trim_start_matches("https://"));
        let mut bob = signed_in(&beta, "bob").await;
        assert_eq!(bob.follow_handle(&marie_handle).await.status, 303);
        eventually("bob follows marie", WAIT, || async {
            let list = WebClient::new(&beta).get("/users/bob/following").await;
            list.has(&marie_handle).then_some(())
        })
        .await;

        // A citizen publishes none; a proposal of nowhere is refused.
        let mut karim = signed_in(&alpha, "karim").await;
        assert_eq!(karim.get("/commitments/new").await.status, 403);
        let mut marie = signed_in(&alpha, "marie").await;
        let fields = |proposal: &'static str| {
            vec![
                ("title", "Trois pistes cyclables d'ici 2028"),
                ("description", "Entre la gare, le lycée et le marché."),
                ("due_on", "2028-06-30"),
                ("proposal", proposal),
                (
                    "milestones",
                    "Concertation | 2027-03-01\nTravaux de la première piste | 2027-09-30\nLes deux autres",
                ),
            ]
        };
        let nowhere = marie
            .submit("/commitments/new", "/commitments", &fields("999999"))
            .await;
        assert_eq!(nowhere.status, 422, "{}", nowhere.body);
        let done = marie
            .submit("/commitments/new", "/commitments", &fields(""))
            .await;
        assert_eq!(done.status, 303, "{}", done.body);
        let path = done.location.unwrap();
        let page = WebClient::new(&alpha).get(&path).await;
        assert!(
            page.has("Concertation") && page.has("Prévu"),
            "{}",
            page.body
        );
        assert!(WebClient::new(&alpha).get("/").await.has("0 tenus sur 1"));

        // The peer gets the official's Page, in Mastodon's reading (summary) and with the parvis: terms.
        let url = alpha.url(&path);
        let created = peer
            .wait_for_inbox(
                |a| a["type"] == "Create" && a["object"]["id"] == url.as_str(),
                WAIT,
            )
            .await;
        assert_signed_by(&created, alpha.url("/users/marie").as_str());
        assert_eq!(created["raw"]["object"]["commitmentStatus"], "planned");
        assert_eq!(created["raw"]["object"]["progress"], 0);
        assert!(
            created["raw"]["object"]["summary"]
                .as_str()
                .unwrap()
                .contains("30/06/2028")
        );

        // Léa follows it; Marie moves it on; Léa is told, the peer gets the Update.
        let mut lea = signed_in(&alpha, "lea").await;
        assert_eq!(
            lea.submit(&path, &format!("{path}/follow"), &[])
                .await
                .status,
            303
        );
        let form = marie.get(&path).await;
        let first = form
            .body
            .split("name=\"done-")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string();
        let field = format!("done-{first}");
        // Out of range, or by someone else: refused, nothing changed.
        let out = marie
            .submit(
                &path,
                &format!("{path}/progress"),
                &[("status", "in_progress"), ("progress", "150")],
            )
            .await;
        assert_eq!(out.status, 422, "{}", out.body);
        let other = lea
            .submit(
                &path,
                &format!("{path}/progress"),
                &[("status", "done"), ("progress", "100")],
            )
            .await;
        assert_eq!(other.status, 403, "{}", other.body);
        let moved = marie
            .submit(
                &path,
                &format!("{path}/progress"),
                &[
                    ("status", "in_progress"),
                    ("progress", "40"),
                    (&field, "on"),
                ],
            )
            .await;
        assert_eq!(moved.status, 303, "{}", moved.body);
        let status: Vec<(String, i32)> = alpha
            .db
            .run(|c| {
                Ok(commitments::table
                    .select((commitments::status, commitments::progress))
                    .load(c)?)
            })
            .await
            .unwrap();
        assert_eq!(status, vec![("in_progress".to_string(), 40)]);
        assert!(
            WebClient::new(&alpha)
                .get(&path)
                .await
                .has("✔ Concertation")
        );
        assert_eq!(told(&alpha, "commitment_progress").await, vec!["lea"]);
        let updated = peer
            .wait_for_inbox(
                |a| a["type"] == "Update" && a["object"]["id"] == url.as_str(),
                WAIT,
            )
            .await;
        assert_eq!(updated["raw"]["object"]["commitmentStatus"], "in_progress");
        assert_eq!(updated["raw"]["object"]["progress"], 40);

        // Bob, on beta, has it in his timeline as marie's post.
        eventually("the commitment on beta", WAIT, || async {
            let found: i64 = beta
                .db
                .run(|c| {
                    Ok(notes::table
                        .filter(notes::remote_author_id.is_not_null())
                        .filter(notes::content.like("%Trois pistes cyclables%"))
                        .count()
                        .get_result(c)?)
                })
                .await
                .unwrap();
            (found == 1).then_some(())
        })
        .await;
    }
);
