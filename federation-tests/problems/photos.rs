//! Photos of reports: stripped of their metadata, seen by the reporter and staff until staff accept them,
//! federated once accepted, and kept by beta, whose people follow the commune, as its own copies.

use super::*;

/// A multipart body as the report form sends it: text fields, then files (name, bytes).
pub(crate) fn multipart(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> (Vec<u8>, String) {
    let files: Vec<crate::support::web::FilePart<'_>> = files
        .iter()
        .map(|(name, bytes)| crate::support::web::FilePart {
            field: name,
            filename: format!("{name}.jpg"),
            content_type: "image/jpeg",
            bytes,
        })
        .collect();
    crate::support::web::multipart_form(fields, &files)
}

/// A JPEG photo carrying an EXIF block with a GPS tag (what a phone writes).
fn phone_photo(seed: u8) -> Vec<u8> {
    use std::io::Cursor;
    let picture = image::RgbImage::from_fn(640, 480, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, seed])
    });
    let mut plain = Vec::new();
    picture
        .write_to(&mut Cursor::new(&mut plain), image::ImageFormat::Jpeg)
        .unwrap();
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08\x00\x01".to_vec();
    tiff.extend_from_slice(&[
        0x88, 0x25, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1a,
    ]);
    tiff.extend_from_slice(&[0x00, 0x00, 0x00, 0x00, 0x00, 0x01]);
    tiff.extend_from_slice(&[
        0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, b'N', 0x00, 0x00, 0x00,
    ]);
    tiff.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]);
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&plain[2..]);
    out
}

both_backends!(
    photos_are_stripped_and_shown_and_federated_only_once_staff_accept_them,
    |backend| async move {
        use crate::support::network::{ALPHA, BETA, Network};
        let net = Network::new();
        let alpha = net
            .instance(backend, ALPHA, |s| s.server.max_photo_bytes = 200 * 1024)
            .await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        people(&alpha).await;
        person(&alpha, "admin", Role::Admin).await;
        person(&alpha, "agathe", Role::Agent).await;
        let peer = crate::fedify::peer(&net);
        crate::proposals::commune_followed_from_beta_and_the_peer(&alpha, &beta, &peer).await;
        let mut admin = signed_in(&alpha, "admin").await;
        admin
            .submit(
                "/admin/problems",
                "/admin/problems/categories",
                &[("category", "Propreté")],
            )
            .await;
        let mut lea = signed_in(&alpha, "lea").await;
        let form = lea.get("/problems/new").await;
        assert!(form.has("enctype=\"multipart/form-data\""), "{}", form.body);
        let category = category_id(&form.body, "Propreté");
        let fields = |csrf: &str| {
            vec![
                ("csrf".to_string(), csrf.to_string()),
                ("category".into(), category.clone()),
                ("report".into(), "Dépôt sauvage rue du Four.".into()),
                ("address".into(), "3 rue du Four".into()),
                ("latitude".into(), "45.76".into()),
                ("longitude".into(), "4.84".into()),
                ("alt1".into(), "Des sacs entassés contre un mur".into()),
                ("alt2".into(), "Vue de la rue".into()),
            ]
        };
        let count = || async {
            alpha
                .db
                .run(|c| {
                    Ok(parvis::model::schema::problems::table
                        .count()
                        .get_result::<i64>(c)?)
                })
                .await
                .unwrap()
        };
        let stored_files = || {
            std::fs::read_dir(alpha.data_dir().join("media/photos"))
                .map(|d| d.count())
                .unwrap_or(0)
        };
        let send = |csrf: String, files: Vec<(&'static str, Vec<u8>)>| {
            let owned = fields(&csrf);
            let text: Vec<(&str, &str)> = owned
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let files: Vec<(&str, &[u8])> = files.iter().map(|(k, v)| (*k, v.as_slice())).collect();
            multipart(&text, &files)
        };

        // Not a picture, or too large: refused on the form, nothing stored.
        for (file, what) in [
            (b"<svg onload=alert(1)></svg>".to_vec(), "JPEG, PNG ou WebP"),
            (vec![0xFF; 300 * 1024], "JPEG, PNG ou WebP"),
        ] {
            let csrf = lea.get("/problems/new").await.csrf();
            let (body, boundary) = send(csrf, vec![("photo1", phone_photo(1)), ("photo2", file)]);
            let page = lea.post_multipart("/problems", body, &boundary).await;
            assert_eq!(page.status, 422, "{}", page.body);
            assert!(page.has(what), "{}", page.body);
        }
        // A photo without its description is refused too.
        let csrf = lea.get("/problems/new").await.csrf();
        let owned: Vec<(String, String)> = fields(&csrf)
            .into_iter()
            .filter(|(k, _)| k != "alt1")
            .collect();
        let text: Vec<(&str, &str)> = owned
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (body, boundary) = multipart(&text, &[("photo1", &phone_photo(1))]);
        let page = lea.post_multipart("/problems", body, &boundary).await;
        assert_eq!(page.status, 422, "{}", page.body);
        assert_eq!(count().await, 0);
        assert_eq!(stored_files(), 0, "nothing stored");

        // Two photos: stored without their metadata, seen by Léa and staff only.
        let csrf = lea.get("/problems/new").await.csrf();
        let (body, boundary) = send(
            csrf,
            vec![("photo1", phone_photo(1)), ("photo2", phone_photo(2))],
        );
        let page = lea.post_multipart("/problems", body, &boundary).await;
        assert_eq!(page.status, 303, "{}", page.body);
        let path = page.location.unwrap();
        let shown = lea.get(&path).await;
        assert!(
            shown.has("Des sacs entassés contre un mur"),
            "{}",
            shown.body
        );
        let photo = shown
            .body
            .split("href=\"")
            .find(|s| s.starts_with(&format!("{path}/photos/")))
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string();
        let client = alpha.client();
        let anonymous = client.get(alpha.url(&photo)).send().await.unwrap();
        assert_eq!(anonymous.status(), 404, "not before staff accept it");
        let mine = lea.get(&photo).await;
        assert_eq!(mine.status, 200);
        assert_eq!(mine.headers["content-type"], "image/jpeg");
        assert_eq!(mine.headers["x-content-type-options"], "nosniff");
        assert_eq!(mine.headers["cache-control"], "private, no-store");
        let bytes = lea.get_bytes(&photo).await;
        assert!(!bytes.windows(4).any(|w| w == b"Exif"), "metadata kept");
        let created = peer
            .wait_for_inbox(
                |a| a["type"] == "Create" && a["object"]["id"] == alpha.url(&path).as_str(),
                WAIT,
            )
            .await;
        assert!(created["object"].get("attachment").is_none(), "{created}");

        // The agent accepts the first and refuses the second.
        let mut agathe = signed_in(&alpha, "agathe").await;
        let page = agathe
            .submit(&path, &format!("{photo}/review"), &[("decision", "accept")])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let second = photo
            .rsplit_once('/')
            .map(|(base, n)| format!("{base}/{}", n.parse::<i64>().unwrap() + 1))
            .unwrap();
        let page = agathe
            .submit(
                &path,
                &format!("{second}/review"),
                &[("decision", "refuse")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        // Léa may not review.
        let page = lea
            .submit(&path, &format!("{photo}/review"), &[("decision", "refuse")])
            .await;
        assert_eq!(page.status, 403, "{}", page.body);
        let public = client.get(alpha.url(&photo)).send().await.unwrap();
        assert_eq!(public.status(), 200);
        assert_eq!(
            lea.get(&second).await.status,
            404,
            "the refused photo is gone"
        );
        assert_eq!(stored_files(), 2, "the accepted photo and its thumbnail");
        let updated = peer
            .wait_for_inbox(
                |a| a["type"] == "Update" && a["object"]["attachment"].is_array(),
                WAIT,
            )
            .await;
        let attachment = &updated["object"]["attachment"];
        assert_eq!(attachment.as_array().unwrap().len(), 1, "{attachment}");
        assert_eq!(attachment[0]["type"], "Image");
        assert_eq!(attachment[0]["name"], "Des sacs entassés contre un mur");
        assert_eq!(attachment[0]["url"], alpha.url(&photo).as_str());

        // Beta, where bob follows the commune, keeps the report and the accepted photo as its own copy.
        let copy = eventually("the report's copy on beta", WAIT, || async {
            let list = WebClient::new(&beta).get("/problems/elsewhere").await;
            let at = list.body.find(">Dépôt sauvage rue du Four.<")?;
            let href = list.body[..at]
                .rsplit("href=\"")
                .next()?
                .split('"')
                .next()?;
            Some(href.to_string())
        })
        .await;
        assert!(copy.starts_with("/problems/elsewhere/"), "{copy}");
        let beta_photo = eventually("the photo of beta's copy", WAIT, || async {
            let shown = WebClient::new(&beta).get(&copy).await;
            shown
                .body
                .split("src=\"")
                .find(|s| s.starts_with(&format!("{copy}/photos/")))
                .and_then(|s| s.split('"').next())
                .map(str::to_string)
        })
        .await;
        let shown = WebClient::new(&beta).get(&copy).await;
        assert!(
            shown.has("Des sacs entassés contre un mur")
                && shown.has("3 rue du Four")
                && shown.has("Propreté")
                && shown.has(&alpha.url(&path).to_string()),
            "{}",
            shown.body
        );
        let served = beta
            .client()
            .get(beta.url(&beta_photo))
            .send()
            .await
            .unwrap();
        assert_eq!(served.status(), 200);
        assert_eq!(served.headers()["content-type"], "image/jpeg");
        let thumb = image::load_from_memory(&served.bytes().await.unwrap()).unwrap();
        assert!(thumb.width() <= 400 && thumb.height() <= 400, "a thumbnail");
        let beta_files = || {
            std::fs::read_dir(beta.data_dir().join("media/photos"))
                .map(|d| d.count())
                .unwrap_or(0)
        };
        assert_eq!(beta_files(), 2, "the photo and its thumbnail, once");

        // A new status reaches beta's copy; the photo it already has is not fetched again.
        let page = agathe
            .submit(
                &path,
                &format!("{path}/status"),
                &[("status", "resolved"), ("message", "Enlevé ce matin.")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        eventually("the new status on beta", WAIT, || async {
            WebClient::new(&beta)
                .get(&copy)
                .await
                .has("Résolu")
                .then_some(())
        })
        .await;
        assert_eq!(beta_files(), 2);
    }
);
