//! How a commune presents itself: its description (Markdown) and icon, set by an admin on the admin page,
//! shown on its page and sent with its `Group` (`summary` in HTML, `source` in Markdown, `icon`), and an
//! `Update(Group)` to its followers' servers when they change.

use crate::support::both_backends;
use crate::support::debates::people;
use crate::support::web::multipart_file;
use crate::web::{person, png, signed_in};
use parvis::model::Role;

both_backends!(
    an_admin_describes_the_commune_and_its_followers_hear_of_it,
    |backend| async move {
        use crate::support::network::{ALPHA, Network};
        use std::time::Duration;
        const WAIT: Duration = Duration::from_secs(30);

        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        people(&alpha).await;
        person(&alpha, "admin", Role::Admin).await;
        let commune = alpha.url("/communes/ville");
        let peer = crate::fedify::peer_following(&net, &alpha, "ville").await;
        let mut admin = signed_in(&alpha, "admin").await;
        let mut lea = signed_in(&alpha, "lea").await;

        // A citizen cannot describe the commune.
        let refused = lea
            .submit(
                "/debates",
                "/admin/commune",
                &[("description", "Prise de contrôle")],
            )
            .await;
        assert_eq!(refused.status, 403);
        // Too long: refused on the form, nothing changed.
        let long = "a".repeat(parvis::civic::communes::MAX_DESCRIPTION + 1);
        let page = admin
            .submit("/admin", "/admin/commune", &[("description", &long)])
            .await;
        assert_eq!(page.status, 422, "{}", page.body);
        assert!(page.has("id=\"description-error\""), "{}", page.body);
        let (_, group) = alpha
            .get_json("/communes/ville", "application/activity+json")
            .await;
        assert!(group.get("summary").is_none(), "{group}");

        // Markdown, with a script that must not survive.
        let markdown = "La commune de **Ville**, 2 000 habitants, [mairie](https://mairie.example).\n\n<script>alert(1)</script>";
        let page = admin
            .submit("/admin", "/admin/commune", &[("description", markdown)])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let update = peer
            .wait_for_inbox(
                |a| {
                    a["type"] == "Update"
                        && a["raw"]["object"]["id"] == commune.as_str()
                        && a["raw"]["object"]["source"]["content"].is_string()
                },
                WAIT,
            )
            .await;
        let group = &update["raw"]["object"];
        assert_eq!(update["actor"], commune.as_str());
        assert_eq!(group["source"]["content"], markdown);
        assert_eq!(group["source"]["mediaType"], "text/markdown");
        let summary = group["summary"].as_str().unwrap();
        assert!(summary.contains("<strong>Ville</strong>"), "{summary}");
        assert!(
            summary.contains("href=\"https://mairie.example\""),
            "{summary}"
        );
        assert!(!summary.contains("<script"), "{summary}");
        // The commune's page shows it, cleaned the same way.
        let page = lea.get("/communes/ville").await;
        assert!(page.has("<strong>Ville</strong>"), "{}", page.body);
        assert!(!page.body.contains("<script>alert(1)"), "{}", page.body);
        // The admin page shows the Markdown to edit.
        assert!(
            admin
                .get("/admin")
                .await
                .has("2 000 habitants, [mairie](https://mairie.example).")
        );

        // An icon: not a picture is refused; a picture is resized and sent in the Group.
        let csrf = admin.get("/admin").await.csrf();
        let (body, boundary) = multipart_file(&csrf, "icon", "x.svg", "image/svg+xml", b"<svg/>");
        let page = admin
            .post_multipart("/admin/commune/icon", body, &boundary)
            .await;
        assert_eq!(page.status, 422, "{}", page.body);
        let lea_csrf = lea.get("/settings").await.csrf();
        let (body, boundary) =
            multipart_file(&lea_csrf, "icon", "i.png", "image/png", &png(64, 64));
        assert_eq!(
            lea.post_multipart("/admin/commune/icon", body, &boundary)
                .await
                .status,
            403
        );
        let (body, boundary) = multipart_file(&csrf, "icon", "i.png", "image/png", &png(800, 800));
        let page = admin
            .post_multipart("/admin/commune/icon", body, &boundary)
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let update = peer
            .wait_for_inbox(
                |a| {
                    a["type"] == "Update"
                        && a["raw"]["object"]["id"] == commune.as_str()
                        && a["raw"]["object"]["icon"]["url"].is_string()
                },
                WAIT,
            )
            .await;
        let icon = update["raw"]["object"]["icon"]["url"].as_str().unwrap();
        let path = icon.trim_start_matches(&alpha.base).to_string();
        let response = alpha.get(&path, "image/*").await;
        assert_eq!(response.status(), 200);
        let served = image::load_from_memory(&response.bytes().await.unwrap()).unwrap();
        assert_eq!((served.width(), served.height()), (400, 400));
        // The description went along unchanged.
        assert_eq!(update["raw"]["object"]["source"]["content"], markdown);
    }
);
