//! Who opens debates (officials, residents or every citizen, as the commune chooses) and the themes they are
//! filed under.

use crate::support::both_backends;
use crate::support::debates::{open_debate, people};
use crate::web::{person, signed_in};
use parvis::model::Role;

both_backends!(
    the_commune_chooses_who_opens_debates_and_files_them_under_themes,
    |backend| async move {
        use crate::support::network::{ALPHA, Network};
        use serde_json::json;
        use std::time::Duration;
        const WAIT: Duration = Duration::from_secs(30);

        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        people(&alpha).await;
        person(&alpha, "admin", Role::Admin).await;
        let mut admin = signed_in(&alpha, "admin").await;
        let mut karim = signed_in(&alpha, "karim").await;
        let mut lea = signed_in(&alpha, "lea").await;
        let mut marie = signed_in(&alpha, "marie").await;
        assert_eq!(karim.get("/debates/new").await.status, 403);

        // The admin adds themes, lets residents open debates and marks Karim as one.
        for theme in ["Mobilité", "Écoles"] {
            let page = admin
                .submit("/admin", "/admin/themes", &[("theme", theme)])
                .await;
            assert_eq!(page.status, 303, "{}", page.body);
        }
        let page = admin
            .submit("/admin", "/admin/themes", &[("theme", "Mobilité")])
            .await;
        assert_eq!(page.status, 422, "a theme twice: {}", page.body);
        let page = admin
            .submit("/admin", "/admin/debates", &[("openers", "residents")])
            .await;
        assert_eq!(page.status, 303);
        let page = admin
            .submit(
                "/admin",
                "/admin/residents",
                &[("username", "karim"), ("resident", "yes")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        // Citizens cannot change these settings.
        assert_eq!(
            lea.submit("/debates", "/admin/debates", &[("openers", "accounts")])
                .await
                .status,
            403
        );
        assert_eq!(lea.get("/debates/new").await.status, 403);

        let form = karim.get("/debates/new").await;
        assert_eq!(form.status, 200);
        let theme_id = |name: &str| {
            let at = form.body.find(&format!(">{name}</label>")).unwrap();
            form.body[..at]
                .rsplit("for=\"theme-")
                .next()
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .to_string()
        };
        let mobility = theme_id("Mobilité");
        let page = karim
            .post(
                "/debates",
                &[
                    ("csrf", &form.csrf()),
                    ("title", "Des pistes cyclables"),
                    ("question", "Où en faut-il ?"),
                    ("theme", &mobility),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let cycling = page.location.unwrap();
        // An unknown theme is refused, with the input kept.
        let page = karim
            .post(
                "/debates",
                &[
                    ("csrf", &form.csrf()),
                    ("title", "Autre"),
                    ("question", "Q ?"),
                    ("theme", "999999"),
                ],
            )
            .await;
        assert_eq!(page.status, 422, "{}", page.body);
        assert!(page.has("value=\"Autre\""));
        let school = open_debate(&mut marie, "La cantine", "Bio ou local ?").await;

        // Filters: by theme, by status; sort by activity; pinning.
        let page = lea.get(&format!("/debates?theme={mobility}")).await;
        assert!(
            page.has("Des pistes cyclables") && !page.has("La cantine"),
            "{}",
            page.body
        );
        let csrf = lea.get(&school).await.csrf();
        lea.post(
            &format!("{school}/comments"),
            &[("csrf", &csrf), ("comment", "Local !")],
        )
        .await;
        let page = lea.get("/debates?sort=active").await;
        assert!(
            page.body.find("La cantine").unwrap() < page.body.find("Des pistes cyclables").unwrap()
        );
        let page = lea.get("/debates").await;
        assert!(
            page.body.find("Des pistes cyclables").unwrap() > page.body.find("La cantine").unwrap()
        );
        let page = marie.submit(&cycling, &format!("{cycling}/pin"), &[]).await;
        assert_eq!(page.status, 303);
        let page = lea.get("/debates").await;
        assert!(
            page.body.find("Des pistes cyclables").unwrap() < page.body.find("La cantine").unwrap()
        );
        assert!(page.has("Épinglé"));
        assert_eq!(
            karim
                .submit(&school, &format!("{school}/pin"), &[])
                .await
                .status,
            403
        );
        marie
            .submit(
                &school,
                &format!("{school}/status"),
                &[("status", "closed")],
            )
            .await;
        let page = lea.get("/debates?status=closed").await;
        assert!(page.has("La cantine") && !page.has("Des pistes cyclables"));

        // A person from another server opens a debate here only when the commune takes everyone's.
        let peer = crate::fedify::peer(&net);
        let commune = alpha.url("/communes/ville");
        let answer = peer
            .control_post("/follow", json!({ "handle": format!("@ville@{}", alpha.base.trim_start_matches("https://")) }))
            .await;
        assert_eq!(answer["ok"], true);
        let page_id = format!("{}/pages/1", peer.base);
        let create = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/open-1", peer.base),
            "type": "Create",
            "actor": peer.actor_id,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [commune],
            "object": {
                "id": page_id, "type": "Page", "attributedTo": peer.actor_id,
                "name": "Un marché de nuit", "summary": "<p>Pourquoi pas l’été ?</p>",
                "content": "<p>Idée <script>alert(1)</script></p>", "audience": commune,
                "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [commune],
            }
        });
        let inbox = alpha.url("/communes/ville/inbox");
        let sent = peer
            .control_post("/send-raw", json!({ "inbox": inbox, "activity": create }))
            .await;
        assert_eq!(sent["status"], 403, "{sent}");
        assert!(!lea.get("/debates").await.has("Un marché de nuit"));
        // The Group says so in Lemmy's term, so that Lemmy's client does not offer to post.
        let (_, group) = alpha
            .get_json("/communes/ville", "application/activity+json")
            .await;
        assert_eq!(group["postingRestrictedToMods"], true, "{group}");
        admin
            .submit("/admin", "/admin/debates", &[("openers", "everyone")])
            .await;
        // Followers' servers are told of the change.
        let update = peer
            .wait_for_inbox(
                |a| {
                    a["type"] == "Update"
                        && a["raw"]["object"]["id"] == commune.as_str()
                        && a["raw"]["object"]["postingRestrictedToMods"] == false
                },
                WAIT,
            )
            .await;
        assert_eq!(update["actor"], commune.as_str());
        let (_, group) = alpha
            .get_json("/communes/ville", "application/activity+json")
            .await;
        assert_eq!(group["postingRestrictedToMods"], false, "{group}");
        let mut again = create.clone();
        again["id"] = json!(format!("{}/activities/open-2", peer.base));
        let sent = peer
            .control_post("/send-raw", json!({ "inbox": inbox, "activity": again }))
            .await;
        assert!(sent["status"].as_u64().unwrap() < 300, "{sent}");
        let page = lea.get("/debates").await;
        assert!(page.has("Un marché de nuit"), "{}", page.body);
        let relayed = peer
            .wait_for_inbox(
                |a| a["type"] == "Announce" && a["raw"]["object"] == page_id.as_str(),
                WAIT,
            )
            .await;
        assert_eq!(relayed["actor"], commune.as_str());
        let at = page.body.find("Un marché de nuit").unwrap();
        let path = page.body[..at]
            .rsplit("href=\"")
            .next()
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let page = lea.get(&path).await;
        assert!(
            page.has("Pourquoi pas l’été ?") && !page.has("<script>alert"),
            "{}",
            page.body
        );
    }
);
