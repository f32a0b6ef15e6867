//! Reports of another server's commune, sent by a hostile server: its photos are fetched through the guarded
//! client and size-limited while streaming, and a report whose photo points to a private address, a huge
//! file or something that is not a picture is refused whole, storing nothing. An honest one is kept once,
//! with its photo, until its commune deletes it.

use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use super::*;
use crate::support::hostile::{EVIL, EVIL_IP, Hostile, keys, post_signed, reach};
use crate::support::{TestInstance, web::WebClient as Web};
use parvis::model::schema::{
    follows, notes, remote_actors, remote_problem_photos, remote_problems,
};

/// A report of the hostile server's commune, `n`, with one photo at `photo`.
fn report_of(evil: &Hostile, n: u32, photo: &str) -> Value {
    let commune = evil.url("/users/ville");
    let public = "https://www.w3.org/ns/activitystreams#Public";
    json!({
        "id": evil.url(&format!("/activities/create-{n}")),
        "type": "Create",
        "actor": commune,
        "to": [public],
        "cc": [format!("{commune}/followers")],
        "object": {
            "type": "Page",
            "id": evil.url(&format!("/problems/{n}")),
            "attributedTo": commune,
            "name": format!("Nid de poule {n}"),
            "summary": "Voirie · 3 rue des Écoles · new",
            "content": "<p>Profond.</p><script>alert(1)</script>",
            "url": evil.url(&format!("/problems/{n}")),
            "to": [public],
            "cc": [format!("{commune}/followers")],
            "location": {"type": "Place", "name": "3 rue des Écoles", "latitude": 45.76, "longitude": 4.83},
            "attachment": [{"type": "Image", "mediaType": "image/jpeg", "url": photo, "name": "Le trou"}],
            "tag": [{"type": "Hashtag", "name": "#Voirie"}],
            "problemStatus": "new",
            "supporters": 0,
            "published": "2026-12-01T10:00:00Z"
        }
    })
}

/// What the reports could have left: copies, their photos, the commune's posts, and photo files.
async fn left(alpha: &TestInstance) -> (i64, i64, i64, usize) {
    let files = std::fs::read_dir(alpha.data_dir().join("media/photos"))
        .map(|d| d.count())
        .unwrap_or(0);
    let (reports, photos, posts) = alpha
        .db
        .run(|c| {
            Ok((
                remote_problems::table.count().get_result::<i64>(c)?,
                remote_problem_photos::table.count().get_result::<i64>(c)?,
                notes::table
                    .filter(notes::remote_author_id.is_not_null())
                    .filter(notes::deleted.eq(false))
                    .count()
                    .get_result::<i64>(c)?,
            ))
        })
        .await
        .unwrap();
    (reports, photos, posts, files)
}

both_backends!(
    a_report_with_an_unsafe_photo_is_refused_whole_and_an_honest_one_kept_once,
    |backend| async move {
        let alpha = TestInstance::start_with(backend, reach).await;
        people(&alpha).await;
        let evil = Hostile::start(EVIL, EVIL_IP).await;
        let mut commune = evil.actor("ville", &keys()[0]);
        commune["type"] = json!("Group");
        evil.serve("/users/ville", &commune);
        let commune = commune["id"].as_str().unwrap().to_string();
        let key_id = format!("{commune}#main-key");
        let send = |activity: Value| {
            let (client, inbox) = (evil.client(), alpha.url("/inbox"));
            let key_id = key_id.clone();
            async move { post_signed(&client, &inbox, &activity, &key_id, &keys()[0].signing()).await }
        };
        let mut jpeg = Vec::new();
        image::RgbImage::from_fn(800, 600, |x, y| image::Rgb([x as u8, y as u8, 90]))
            .write_to(
                &mut std::io::Cursor::new(&mut jpeg),
                image::ImageFormat::Jpeg,
            )
            .unwrap();
        evil.plant_bytes("/media/ok.jpg", "image/jpeg", jpeg);

        // Nobody here follows the commune yet: its report is taken (202) and nothing is kept or fetched.
        let (status, body) = send(report_of(&evil, 1, &evil.url("/media/ok.jpg"))).await;
        assert_eq!(status, 202, "{body}");
        assert_eq!(left(&alpha).await, (0, 0, 0, 0));
        assert!(!evil.gets().contains(&"/media/ok.jpg".to_string()));

        // Léa follows it.
        alpha
            .db
            .transaction(move |c| {
                let lea = parvis::db::queries::account_by_username(c, "lea")?
                    .unwrap()
                    .0
                    .id;
                let remote: parvis::ids::RemoteActorId = remote_actors::table
                    .filter(remote_actors::ap_id.eq(&commune))
                    .select(remote_actors::id)
                    .first(c)?;
                parvis::civic::follows::follow(
                    c,
                    lea,
                    parvis::civic::follows::Target::Remote(remote),
                )?;
                diesel::update(follows::table.filter(follows::target_remote_id.eq(remote)))
                    .set(follows::accepted.eq(true))
                    .execute(c)?;
                Ok(())
            })
            .await
            .unwrap();

        // Photos it must not fetch or keep: behind a redirect to the cloud metadata address, on a private
        // address, 50 MB with or without an announced length, not a picture. Each refuses the report.
        evil.redirect(
            "/media/metadata.jpg",
            "http://169.254.169.254/latest/meta-data/photo.jpg",
        );
        evil.plant_bytes(
            "/media/page.jpg",
            "image/jpeg",
            b"<html>not a picture</html>".to_vec(),
        );
        let announced = evil.huge_image(50 * 1024 * 1024, true).await;
        let streamed = evil.huge_image(50 * 1024 * 1024, false).await;
        let cases = [
            (evil.url("/media/metadata.jpg"), "not allowed"),
            ("http://10.1.2.3/photo.jpg".to_string(), "not allowed"),
            (format!("{}/big.jpg", announced.base), "larger than"),
            (format!("{}/big.jpg", streamed.base), "larger than"),
            (evil.url("/media/page.jpg"), "JPEG, PNG"),
        ];
        for (n, (photo, why)) in cases.iter().enumerate() {
            let (status, body) = send(report_of(&evil, 10 + n as u32, photo)).await;
            assert_eq!(status, 400, "{photo}: {body}");
            let said = body.to_string();
            assert!(
                said.contains(photo.as_str()) && said.contains(why),
                "{photo}: {said}"
            );
            assert_eq!(left(&alpha).await, (0, 0, 0, 0), "{photo}: nothing kept");
        }
        // The huge pictures were not read to their end.
        for huge in [&announced, &streamed] {
            eventually("the huge picture's connection closed", WAIT, || async {
                huge.ended.load(Ordering::SeqCst).then_some(())
            })
            .await;
            let written = huge.written.load(Ordering::SeqCst);
            assert!(written < 32 * 1024 * 1024, "{written} bytes sent of 50 MB");
        }

        // Someone else's report, or one about another server, is refused.
        let mut spoofed = report_of(&evil, 20, &evil.url("/media/ok.jpg"));
        spoofed["object"]["attributedTo"] = json!(alpha.url("/communes/ville"));
        let (status, body) = send(spoofed).await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(left(&alpha).await, (0, 0, 0, 0));

        // An honest report: kept with its photo, cleaned, once.
        let honest = report_of(&evil, 2, &evil.url("/media/ok.jpg"));
        let (status, body) = send(honest.clone()).await;
        assert_eq!(status, 202, "{body}");
        assert_eq!(left(&alpha).await, (1, 1, 1, 2));
        let (status, body) = send(honest).await;
        assert_eq!(status, 202, "the replay: {body}");
        assert_eq!(left(&alpha).await, (1, 1, 1, 2));
        let fetched = evil.gets().iter().filter(|p| *p == "/media/ok.jpg").count();
        assert_eq!(fetched, 1, "the photo is fetched once");
        let list = Web::new(&alpha).get("/problems/elsewhere").await;
        let at = list.body.find(">Nid de poule 2<").unwrap();
        let copy = list.body[..at]
            .rsplit("href=\"")
            .next()
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string();
        let shown = Web::new(&alpha).get(&copy).await;
        assert!(
            shown.has("Profond.") && shown.has("Le trou"),
            "{}",
            shown.body
        );
        assert!(!shown.has("<script>alert(1)"), "{}", shown.body);

        // Its server silenced by the admin: the copy is shown to nobody (still kept).
        person(&alpha, "admin", Role::Admin).await;
        let mut admin = signed_in(&alpha, "admin").await;
        let page = admin
            .submit(
                "/admin",
                "/admin/federation/rules",
                &[("domain", EVIL), ("rule", "silence")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert!(
            !Web::new(&alpha)
                .get("/problems/elsewhere")
                .await
                .has("Nid de poule 2")
        );
        assert_eq!(Web::new(&alpha).get(&copy).await.status, 404);
        assert_eq!(left(&alpha).await, (1, 1, 1, 2));

        // Its commune deletes it: the copy, its post and its photo files go.
        let delete = json!({
            "id": evil.url("/activities/delete-2"),
            "type": "Delete",
            "actor": evil.url("/users/ville"),
            "object": {"type": "Tombstone", "id": evil.url("/problems/2")},
        });
        let (status, body) = send(delete).await;
        assert_eq!(status, 202, "{body}");
        assert_eq!(left(&alpha).await, (0, 0, 0, 0));
        assert_eq!(Web::new(&alpha).get(&copy).await.status, 404);
    }
);
