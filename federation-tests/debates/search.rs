//! Search: debates and comments found by their words, in French and in English.

use crate::support::TestInstance;
use crate::support::both_backends;
use crate::support::debates::{comment_id, open_debate, people};
use crate::support::web::WebClient;
use crate::web::signed_in;

both_backends!(
    search_finds_debates_and_comments_in_french_and_english,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        people(&alpha).await;
        let mut marie = signed_in(&alpha, "marie").await;
        let mut karim = signed_in(&alpha, "karim").await;
        let mut visitor = WebClient::new(&alpha);
        let school = open_debate(
            &mut marie,
            "Le centre-ville",
            "Les écoles ferment trop tôt en juillet.",
        )
        .await;
        let market = open_debate(
            &mut marie,
            "Market square",
            "Should the schools open on Saturday?",
        )
        .await;
        for (path, text) in [
            (&school, "La cantine est trop chère"),
            (&market, "Parking everywhere"),
        ] {
            let csrf = karim.get(path).await.csrf();
            let page = karim
                .post(
                    &format!("{path}/comments"),
                    &[("csrf", &csrf), ("comment", text)],
                )
                .await;
            assert_eq!(page.status, 303);
        }
        let page = visitor.get("/search?q=%C3%A9cole").await;
        assert_eq!(page.status, 200);
        assert!(
            page.has("Le centre-ville") && !page.has("Market square"),
            "{}",
            page.body
        );
        let page = visitor.get("/search?q=school").await;
        assert!(
            page.has("Market square") && !page.has("Le centre-ville"),
            "{}",
            page.body
        );
        let page = visitor.get("/search?q=cantine").await;
        assert!(page.has("La cantine est trop chère"), "{}", page.body);
        assert!(page.has(&format!("href=\"{school}#comment-")));
        // Every word must match.
        let page = visitor.get("/search?q=cantine+parking").await;
        assert!(page.has("Rien ne correspond"), "{}", page.body);
        // Search syntax and markup in a query are only words.
        for q in [
            "%22%20OR%20*",
            "NEAR(",
            "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
            "",
            "%27%3B--",
        ] {
            let page = visitor.get(&format!("/search?q={q}")).await;
            assert_eq!(page.status, 200, "{q}: {}", page.body);
            assert!(!page.has("<script>alert"));
        }
        // A deleted comment and an edited-away word are found no more; the new words are.
        let page = karim.get(&school).await;
        let id = comment_id(&page.body, "La cantine est trop chère");
        let page = karim
            .post(
                &format!("/comments/{id}/edit"),
                &[
                    ("csrf", &page.csrf()),
                    ("comment", "Le réfectoire est trop cher"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert!(
            visitor
                .get("/search?q=cantine")
                .await
                .has("Rien ne correspond")
        );
        assert!(
            visitor
                .get("/search?q=r%C3%A9fectoire")
                .await
                .has("Le réfectoire est trop cher")
        );
        let page = karim.get(&school).await;
        karim
            .post(&format!("/comments/{id}/delete"), &[("csrf", &page.csrf())])
            .await;
        assert!(
            visitor
                .get("/search?q=r%C3%A9fectoire")
                .await
                .has("Rien ne correspond")
        );
    }
);
