//! A debate's life on one server: opened by an official, sides taken in comments, closed to comments, and
//! announced before it opens.

use crate::support::TestInstance;
use crate::support::both_backends;
use crate::support::debates::{open_debate, people};
use crate::web::signed_in;

both_backends!(
    an_official_opens_a_debate_and_people_take_sides,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        people(&alpha).await;
        let mut marie = signed_in(&alpha, "marie").await;
        let mut karim = signed_in(&alpha, "karim").await;
        let mut lea = signed_in(&alpha, "lea").await;

        // Citizens do not open debates here; bad input keeps what was typed.
        assert_eq!(karim.get("/debates/new").await.status, 403);
        let page = marie
            .submit(
                "/debates/new",
                "/debates",
                &[("title", ""), ("question", "Q ?"), ("body", "corps gardé")],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has("id=\"title-error\""));
        assert!(page.has("corps gardé"));
        let page = marie
            .submit(
                "/debates/new",
                "/debates",
                &[
                    ("title", "T"),
                    ("question", "Q ?"),
                    ("closes_on", "2001-01-01"),
                ],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has("id=\"closes_on-error\""), "{}", page.body);

        let path = open_debate(
        &mut marie,
        "La place du marché",
        "**Le samedi**, la place est *pleine*.\n\n<script>alert(1)</script>[lien](javascript:alert(1))",
    )
    .await;
        let page = karim.get(&path).await;
        assert_eq!(page.status, 200);
        assert!(page.has("<h1>La place du marché</h1>"));
        assert!(page.has("<strong>Le samedi</strong>"));
        // The script is gone; the link to a script is not a link (at most harmless text).
        assert!(
            !page.has("<script>alert") && !page.has("href=\"javascript"),
            "{}",
            page.body
        );
        // The commune's home and the list show it.
        assert!(karim.get("/").await.has("La place du marché"));
        assert!(karim.get("/debates").await.has("La place du marché"));

        // Comments with a side, a reply, an empty comment refused with the side kept.
        let page = karim
            .submit(
                &path,
                &format!("{path}/comments"),
                &[("comment", "Oui, enfin !"), ("stance", "for")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let first = page
            .location
            .unwrap()
            .rsplit("#comment-")
            .next()
            .unwrap()
            .to_string();
        let page = lea
            .submit(
                &path,
                &format!("{path}/comments"),
                &[("comment", "Et les livraisons ?"), ("stance", "against")],
            )
            .await;
        assert_eq!(page.status, 303);
        let page = lea
            .submit(
                &format!("{path}?reply={first}"),
                &format!("{path}/comments"),
                &[("comment", "Je réponds à Karim"), ("parent", &first)],
            )
            .await;
        assert_eq!(page.status, 303);
        let page = lea
            .submit(
                &path,
                &format!("{path}/comments"),
                &[("comment", "   "), ("stance", "neutral")],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has("id=\"comment-error\""));
        assert!(
            page.has("id=\"stance-neutral\" value=\"neutral\" checked"),
            "{}",
            page.body
        );
        // An unknown side or another debate's comment as parent: refused, nothing written.
        let csrf = lea.get(&path).await.csrf();
        let page = lea
            .post(
                &format!("{path}/comments"),
                &[("csrf", &csrf), ("comment", "x"), ("stance", "maybe")],
            )
            .await;
        assert_eq!(page.status, 422);
        let other = open_debate(&mut marie, "Autre débat", "").await;
        let page = lea
            .post(
                &format!("{other}/comments"),
                &[("csrf", &csrf), ("comment", "x"), ("parent", &first)],
            )
            .await;
        assert_eq!(page.status, 422);
        assert_eq!(lea.get("/debates/999999").await.status, 404);
        let page = lea
            .post(
                "/debates/999999/comments",
                &[("csrf", &csrf), ("comment", "x")],
            )
            .await;
        assert_eq!(page.status, 404);

        let page = marie.get(&path).await;
        assert!(page.has("3 commentaires"), "{}", page.body);
        assert!(page.has("Pour : <strong>1</strong>"), "{}", page.body);
        assert!(page.has("Contre : <strong>1</strong>"));
        assert!(page.has("Neutre : <strong>0</strong>"));
        // The reply sits under the comment it answers.
        let answered = page.body.find(&format!("id=\"comment-{first}\"")).unwrap();
        let replies = page.body[answered..].find("class=\"replies\"").unwrap();
        assert!(page.body[answered + replies..].contains("Je réponds à Karim"));
        assert!(page.has("id=\"debate-status\""), "marie manages it");
        assert!(!karim.get(&path).await.has("id=\"debate-status\""));
    }
);

both_backends!(
    a_closed_debate_accepts_no_comment_from_anyone,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        people(&alpha).await;
        let mut marie = signed_in(&alpha, "marie").await;
        let mut karim = signed_in(&alpha, "karim").await;
        let path = open_debate(&mut marie, "Le budget participatif", "").await;

        // A citizen cannot close it.
        let csrf = karim.get(&path).await.csrf();
        let page = karim
            .post(
                &format!("{path}/status"),
                &[("csrf", &csrf), ("status", "closed")],
            )
            .await;
        assert_eq!(page.status, 403);
        let page = marie
            .submit(&path, &format!("{path}/status"), &[("status", "closed")])
            .await;
        assert_eq!(page.status, 303);

        let page = karim.get(&path).await;
        assert!(page.has("Ce débat est clos"));
        assert!(!page.has("id=\"comment-form\""));
        let page = karim
            .post(
                &format!("{path}/comments"),
                &[
                    ("csrf", &csrf),
                    ("comment", "Trop tard ?"),
                    ("stance", "for"),
                ],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has("Ce débat est clos"), "{}", page.body);
        let page = marie
            .submit(
                &path,
                &format!("{path}/comments"),
                &[("comment", "Même moi")],
            )
            .await;
        assert_eq!(page.status, 422, "not even its author");
        assert!(!marie.get(&path).await.has("Trop tard"));

        // Archived: out of the list, still readable.
        marie
            .submit(&path, &format!("{path}/status"), &[("status", "archived")])
            .await;
        assert!(!karim.get("/debates").await.has("Le budget participatif"));
        assert_eq!(karim.get(&path).await.status, 200);
    }
);

both_backends!(
    a_debate_is_announced_before_it_opens,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        people(&alpha).await;
        let mut marie = signed_in(&alpha, "marie").await;
        let mut karim = signed_in(&alpha, "karim").await;
        let today = chrono::Utc::now().date_naive();
        let tomorrow = (today + chrono::Duration::days(1))
            .format("%Y-%m-%d")
            .to_string();
        let later = (today + chrono::Duration::days(30))
            .format("%Y-%m-%d")
            .to_string();
        // Ending before it opens is refused.
        let page = marie
            .submit(
                "/debates/new",
                "/debates",
                &[
                    ("title", "Le budget"),
                    ("question", "Q ?"),
                    ("opens_on", &later),
                    ("closes_on", &tomorrow),
                ],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has("id=\"closes_on-error\""), "{}", page.body);
        let page = marie
            .submit(
                "/debates/new",
                "/debates",
                &[
                    ("title", "Le budget"),
                    ("question", "Q ?"),
                    ("opens_on", &tomorrow),
                    ("closes_on", &later),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let path = page.location.unwrap();
        let page = karim.get(&path).await;
        assert!(
            page.has("s’ouvre le") && page.has("pas encore ouvert"),
            "{}",
            page.body
        );
        assert!(!page.has("id=\"comment-form\""));
        let csrf = page.csrf();
        let page = karim
            .post(
                &format!("{path}/comments"),
                &[("csrf", &csrf), ("comment", "Trop tôt")],
            )
            .await;
        assert_eq!(page.status, 422, "{}", page.body);
        assert!(page.has("pas encore ouvert"), "{}", page.body);
        let (status, json) = alpha.get_json(&path, "application/activity+json").await;
        assert_eq!(status, 200);
        assert!(
            json["startTime"].as_str().unwrap().starts_with(&tomorrow),
            "{json}"
        );
        assert_eq!(json["commentsEnabled"], true);
    }
);
