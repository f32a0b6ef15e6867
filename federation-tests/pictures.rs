//! Pictures of posts, as Mastodon apps send them: uploaded (`POST /api/v2/media`, multipart), attached with
//! `media_ids[]`, served from here as plain JPEGs, sent as `Document`s to followers' servers (another Parvis,
//! the Fedify peer, which reads them with its own vocabulary); pictures of posts from elsewhere are kept as
//! links only. Bad uploads and bad `media_ids` are refused with nothing written.

use std::io::Cursor;
use std::time::Duration;

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::apps::{TwoTowns, bob_follows_lea, in_home};
use crate::federation::{account, follow_and_wait};
use crate::fedify::peer_following;
use crate::support::mastodon::{assert_media, assert_status};
use crate::support::web::{FilePart, multipart_form};
use crate::support::{TestInstance, both_backends};
use parvis::model::Role;

const WAIT: Duration = Duration::from_secs(30);

/// A PNG of `width` × `height`, two colours so that it is a real picture.
pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            image::Rgb([200, 40, 40])
        } else {
            image::Rgb([40, 40, 200])
        }
    });
    let mut out = Vec::new();
    picture
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// A multipart body (reqwest here is built without multipart): text fields, then PNG files.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let files: Vec<FilePart<'_>> = files
        .iter()
        .map(|(field, bytes)| FilePart {
            field,
            filename: "photo.png".into(),
            content_type: "image/png",
            bytes,
        })
        .collect();
    let (body, boundary) = multipart_form(fields, &files);
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Sends a multipart body; the status and the JSON answer.
async fn send(
    on: &TestInstance,
    method: reqwest::Method,
    path: &str,
    token: &str,
    (kind, body): (String, Vec<u8>),
) -> (u16, Value) {
    let response = on
        .client()
        .request(method, on.url(path))
        .bearer_auth(token)
        .header("content-type", kind)
        .body(body)
        .send()
        .await
        .unwrap();
    let code = response.status().as_u16();
    (code, response.json().await.unwrap_or(Value::Null))
}

/// Uploads a picture with its alt text.
pub(crate) async fn upload(
    on: &TestInstance,
    token: &str,
    picture: &[u8],
    alt: &str,
) -> (u16, Value) {
    let body = multipart(&[("description", alt)], &[("file", picture)]);
    send(on, reqwest::Method::POST, "/api/v2/media", token, body).await
}

/// The picture files stored under the data directory.
fn stored_files(on: &TestInstance) -> usize {
    std::fs::read_dir(on.data_dir().join("media/attachments"))
        .map(|d| d.count())
        .unwrap_or(0)
}

async fn post_count(on: &TestInstance) -> i64 {
    use parvis::model::schema::notes;
    on.db
        .run(|c| Ok(notes::table.count().get_result(c)?))
        .await
        .unwrap()
}

both_backends!(
    a_picture_goes_with_its_post_to_parvis_and_fedify_and_theirs_come_as_links,
    |backend| async move {
        let TwoTowns {
            net,
            alpha,
            beta,
            lea,
            bob,
        } = bob_follows_lea(backend).await;
        let peer = peer_following(&net, &alpha, "lea").await;

        // Léa's app uploads a photo with its alt text, then posts with it.
        let (code, media) = upload(&alpha, &lea, &png(800, 600), "Le banc cassé, vu de face").await;
        assert_eq!(code, 200, "{media}");
        assert_media(&media);
        assert_eq!(media["type"], "image", "{media}");
        assert_eq!(media["description"], "Le banc cassé, vu de face");
        assert_eq!(media["meta"]["original"]["width"], 800, "{media}");
        assert_eq!(media["meta"]["small"]["width"], 400, "{media}");
        let picture = media["url"].as_str().unwrap().to_string();
        assert!(
            picture.starts_with(&alpha.url("/media/attachments/")),
            "{media}"
        );
        // Served as nothing but a picture: a JPEG (re-encoded), never sniffed, never run.
        let served = alpha.get(&picture[alpha.base.len()..], "image/*").await;
        assert_eq!(served.status(), 200);
        assert_eq!(served.headers()["content-type"], "image/jpeg");
        assert_eq!(served.headers()["x-content-type-options"], "nosniff");
        assert!(
            served.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("sandbox")
        );
        let bytes = served.bytes().await.unwrap();
        let decoded =
            image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (800, 600));

        let (code, post) = alpha
            .api_post(
                "/api/v1/statuses",
                &lea,
                json!({"status": "Le banc de la place", "media_ids": [media["id"]]}),
            )
            .await;
        assert_eq!(code, 200, "{post}");
        assert_status(&post, true);
        assert_eq!(post["media_attachments"][0]["id"], media["id"], "{post}");
        let uri = post["uri"].as_str().unwrap().to_string();

        // `only_media` lists hold the posts with pictures only.
        let (code, plain) = alpha
            .api_post("/api/v1/statuses", &lea, json!({"status": "Sans photo"}))
            .await;
        assert_eq!(code, 200, "{plain}");
        let by_lea = format!(
            "/api/v1/accounts/{}/statuses?only_media=true",
            post["account"]["id"].as_str().unwrap()
        );
        for path in ["/api/v1/timelines/public?only_media=true", by_lea.as_str()] {
            let (code, list) = alpha.api_get(path, &lea).await;
            assert_eq!(code, 200, "{list}");
            let ids: Vec<&Value> = list.as_array().unwrap().iter().map(|s| &s["id"]).collect();
            assert_eq!(ids, [&post["id"]], "{path}: {list}");
        }

        // Fedify read the Note's attachment with its own vocabulary: a Document, its type, link and alt text.
        let create = peer
            .wait_for_inbox(
                |a| a["type"] == "Create" && a["raw"]["object"]["id"] == uri.as_str(),
                WAIT,
            )
            .await;
        assert_eq!(
            create["attachments"],
            json!([{"type": "Document", "mediaType": "image/jpeg", "url": picture,
                "name": "Le banc cassé, vu de face", "width": 800, "height": 600}]),
            "{create}"
        );
        // The Note served at its id says the same.
        let fetched = peer
            .control_get(&format!("/fetch?url={}", crate::fedify::urlencode(&uri)))
            .await;
        assert_eq!(
            fetched["json"]["attachment"][0]["url"],
            picture.as_str(),
            "{fetched}"
        );

        // Bob's server keeps the link, not the file: his app shows it as a link to Léa's server.
        let seen = in_home(&beta, &bob, &uri).await;
        assert_status(&seen, true);
        assert_eq!(
            (
                &seen["media_attachments"][0]["type"],
                &seen["media_attachments"][0]["remote_url"],
                &seen["media_attachments"][0]["description"]
            ),
            (
                &json!("unknown"),
                &json!(picture),
                &json!("Le banc cassé, vu de face")
            ),
            "{seen}"
        );
        assert_eq!(stored_files(&beta), 0, "nothing fetched on beta");
        let (_, list) = beta
            .api_get("/api/v1/timelines/public?only_media=true", &bob)
            .await;
        assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
        assert_eq!(list[0]["id"], seen["id"], "{list}");

        // The post's page on the web shows the picture with its alt text.
        let page = alpha
            .get(
                &format!("/notes/{}", post["id"].as_str().unwrap()),
                "text/html",
            )
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("alt=\"Le banc cassé, vu de face\""), "{page}");

        // A post of the peer with pictures: the image's link is kept; a page, a `javascript:` link and markup
        // in the alt text are not.
        follow_and_wait(&alpha, &lea, &peer.handle()).await;
        let sent = peer
            .control_post(
                "/note",
                json!({"content": "<p>Le lavoir</p>", "to": ["public"], "cc": ["followers"],
                "attachments": [
                    {"mediaType": "image/png", "url": "https://peer.example/files/lavoir.png",
                        "name": "<b>Le lavoir</b><script>alert(1)</script>"},
                    {"mediaType": "text/html", "url": "https://peer.example/page"},
                    {"mediaType": "image/png", "url": "javascript:alert(1)"}
                ]}),
            )
            .await;
        assert_eq!(sent["ok"], true, "{sent}");
        let theirs = in_home(&alpha, &lea, sent["id"].as_str().unwrap()).await;
        assert_status(&theirs, true);
        assert_eq!(
            theirs["media_attachments"],
            json!([{"id": theirs["media_attachments"][0]["id"], "type": "unknown",
                "url": "https://peer.example/files/lavoir.png", "preview_url": null,
                "remote_url": "https://peer.example/files/lavoir.png", "preview_remote_url": null,
                "text_url": null, "meta": {}, "description": "Le lavoir", "blurhash": null}]),
            "{theirs}"
        );
    }
);

both_backends!(
    bad_pictures_and_bad_media_ids_are_refused_with_nothing_written,
    |backend| async move {
        let alpha = TestInstance::start_with(backend, |s| s.server.max_photo_bytes = 200_000).await;
        let lea = account(&alpha, "alpha-ville", "lea", Role::Citizen).await;
        let bob = account(&alpha, "alpha-ville", "bob", Role::Citizen).await;

        // Not a picture, no file, too large for the photo limit, too large for the body, alt text too long.
        let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>";
        let (code, refused) = upload(&alpha, &lea, svg, "").await;
        assert_eq!(code, 422, "{refused}");
        assert!(
            refused["error"]
                .as_str()
                .unwrap()
                .contains("JPEG, PNG or WebP"),
            "{refused}"
        );
        let body = multipart(&[("description", "sans fichier")], &[]);
        let (code, refused) =
            send(&alpha, reqwest::Method::POST, "/api/v2/media", &lea, body).await;
        assert_eq!(code, 422, "{refused}");
        let noise: Vec<u8> = (0..230_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let mut big = png(4, 4);
        big.extend_from_slice(&noise);
        let (code, refused) = upload(&alpha, &lea, &big, "").await;
        assert_eq!(code, 422, "{refused}");
        assert!(
            refused["error"].as_str().unwrap().contains("at most"),
            "{refused}"
        );
        let mut huge = png(4, 4);
        huge.extend(std::iter::repeat_n(7u8, 400_000));
        let (code, refused) = upload(&alpha, &lea, &huge, "").await;
        assert_eq!(code, 413, "{refused}");
        let (code, refused) = upload(&alpha, &lea, &png(10, 10), &"a".repeat(1501)).await;
        assert_eq!(code, 422, "{refused}");
        assert!(
            refused["error"].as_str().unwrap().contains("1500"),
            "{refused}"
        );
        assert_eq!(stored_files(&alpha), 0, "a refused upload leaves no file");

        // Five pictures, someone else's, an id that is none: refused, no post written, the pictures free.
        let mut mine = vec![];
        for n in 0..5 {
            let (code, m) = upload(&alpha, &lea, &png(20, 10), &format!("photo {n}")).await;
            assert_eq!(code, 200, "{m}");
            mine.push(m["id"].as_str().unwrap().to_string());
        }
        let (_, bobs) = upload(&alpha, &bob, &png(20, 10), "celle de Bob").await;
        let bobs = bobs["id"].as_str().unwrap().to_string();
        let before = post_count(&alpha).await;
        for (ids, says) in [
            (json!(mine), "at most 4"),
            (json!([mine[0], bobs]), "not one of yours"),
            (json!(["abc"]), "not a picture id"),
            (json!(["999999"]), "not one of yours"),
        ] {
            let (code, refused) = alpha
                .api_post(
                    "/api/v1/statuses",
                    &lea,
                    json!({"status": "Mes photos", "media_ids": ids}),
                )
                .await;
            assert_eq!(code, 422, "{ids}: {refused}");
            assert!(
                refused["error"].as_str().unwrap().contains(says),
                "{ids}: {refused}"
            );
        }
        assert_eq!(post_count(&alpha).await, before, "no post written");
        // Bob cannot read or change Léa's picture.
        let (code, _) = alpha
            .api_get(&format!("/api/v1/media/{}", mine[0]), &bob)
            .await;
        assert_eq!(code, 404);

        // Léa posts four (a picture named twice counts once), with no text: a picture is enough.
        let (code, post) = alpha
            .api_post(
                "/api/v1/statuses",
                &lea,
                json!({"status": "", "media_ids": [mine[0], mine[1], mine[0], mine[2], mine[3]]}),
            )
            .await;
        assert_eq!(code, 200, "{post}");
        let order: Vec<&str> = post["media_attachments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap())
            .collect();
        assert_eq!(order, [&mine[0], &mine[1], &mine[2], &mine[3]]);
        // A picture in a post is not taken again, nor described apart from its post.
        let (code, refused) = alpha
            .api_post(
                "/api/v1/statuses",
                &lea,
                json!({"status": "Encore", "media_ids": [mine[1]]}),
            )
            .await;
        assert_eq!(code, 422, "{refused}");
        let body = multipart(&[("description", "autre")], &[]);
        let path = format!("/api/v1/media/{}", mine[1]);
        let (code, _) = send(&alpha, reqwest::Method::PUT, &path, &lea, body).await;
        assert_eq!(code, 404);
        // The fifth, still free, is described again.
        let body = multipart(&[("description", "la cinquième")], &[]);
        let path = format!("/api/v1/media/{}", mine[4]);
        let (code, changed) = send(&alpha, reqwest::Method::PUT, &path, &lea, body).await;
        assert_eq!(code, 200, "{changed}");
        assert_media(&changed);
        assert_eq!(changed["description"], "la cinquième");

        // The sweep: a day later the pictures no post took are gone; once the post is deleted, its pictures
        // go too.
        let first = post["media_attachments"][0]["url"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            stored_files(&alpha),
            12,
            "six pictures and their thumbnails"
        );
        let later = chrono::Utc::now().naive_utc() + chrono::Duration::days(2);
        let files = alpha
            .db
            .transaction(move |c| parvis::civic::notes::media::sweep(c, later))
            .await
            .unwrap();
        assert_eq!(
            files.len(),
            4,
            "Léa's fifth and Bob's, with thumbnails: {files:?}"
        );
        let code = alpha
            .api_delete(
                &format!("/api/v1/statuses/{}", post["id"].as_str().unwrap()),
                &lea,
            )
            .await;
        assert_eq!(code, 200);
        // At once: the pictures of a deleted post stop being served when it is deleted.
        let gone = alpha.get(&first[alpha.base.len()..], "image/*").await;
        assert_eq!(gone.status(), 404);
        let (code, _) = alpha
            .api_get(&format!("/api/v1/media/{}", mine[0]), &lea)
            .await;
        assert_eq!(code, 404);

        // A new avatar from an app; a file that is no picture changes nothing, the name included.
        let credentials = |body| {
            send(
                &alpha,
                reqwest::Method::PATCH,
                "/api/v1/accounts/update_credentials",
                &lea,
                body,
            )
        };
        let body = multipart(&[("display_name", "Léa M.")], &[("avatar", svg)]);
        let (code, refused) = credentials(body).await;
        assert_eq!(code, 422, "{refused}");
        let (_, me) = alpha
            .api_get("/api/v1/accounts/verify_credentials", &lea)
            .await;
        assert_ne!(me["display_name"], "Léa M.", "{me}");
        let body = multipart(&[("display_name", "Léa M.")], &[("avatar", &png(600, 300))]);
        let (code, me) = credentials(body).await;
        assert_eq!(code, 200, "{me}");
        assert_eq!(me["display_name"], "Léa M.");
        let avatar = me["avatar"].as_str().unwrap();
        let served = alpha.get(&avatar[alpha.base.len()..], "image/*").await;
        assert_eq!(served.headers()["content-type"], "image/png");
        let decoded = image::load_from_memory(&served.bytes().await.unwrap()).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (400, 200));
    }
);
