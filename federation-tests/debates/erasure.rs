//! A deleted account's traces in debates: tombstones in the thread, its comments in its export.

use crate::support::TestInstance;
use crate::support::both_backends;
use crate::support::debates::{comment_html, comment_id, open_debate, people};
use crate::web::{PASSWORD, signed_in};

both_backends!(
    a_deleted_account_leaves_tombstones_and_its_comments_in_its_export,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        people(&alpha).await;
        let mut marie = signed_in(&alpha, "marie").await;
        let mut karim = signed_in(&alpha, "karim").await;
        let mut lea = signed_in(&alpha, "lea").await;
        let path = open_debate(&mut marie, "Le pont", "Le refaire ?").await;
        let csrf = lea.get(&path).await.csrf();
        lea.post(
            &format!("{path}/comments"),
            &[("csrf", &csrf), ("comment", "Avis de Léa")],
        )
        .await;
        let page = karim.get(&path).await;
        let leas = comment_id(&page.body, "Avis de Léa");
        karim
            .post(
                &format!("/comments/{leas}/agree"),
                &[("csrf", &page.csrf())],
            )
            .await;
        let page = karim
            .post(
                &format!("{path}/comments"),
                &[
                    ("csrf", &page.csrf()),
                    ("comment", "Première idée"),
                    ("stance", "for"),
                ],
            )
            .await;
        let karims = page
            .location
            .unwrap()
            .rsplit("#comment-")
            .next()
            .unwrap()
            .to_string();
        let csrf = karim.get(&path).await.csrf();
        karim
            .post(
                &format!("/comments/{karims}/edit"),
                &[
                    ("csrf", &csrf),
                    ("comment", "Seconde idée"),
                    ("stance", "for"),
                ],
            )
            .await;
        let page = marie.get(&path).await;
        assert!(
            page.has("1 version précédente")
                && comment_html(&page.body, &leas).contains("1 d’accord")
        );

        let export = karim.get("/settings/export").await;
        assert!(
            export.has("\"comments\"") && export.has("Seconde idée") && export.has("Le pont"),
            "{}",
            export.body
        );
        let page = karim
            .submit(
                "/settings",
                "/settings/delete",
                &[("delete_password", PASSWORD), ("delete_confirm", "yes")],
            )
            .await;
        assert!(page.has("Compte supprimé"), "{}", page.body);
        let page = marie.get(&path).await;
        assert!(
            !page.has("Seconde idée") && !page.has("Première idée"),
            "history gone too: {}",
            page.body
        );
        assert!(page.has("Commentaire supprimé."));
        assert!(page.has("Pour : <strong>0</strong>"));
        assert!(
            comment_html(&page.body, &leas).contains("0 d’accord"),
            "{}",
            page.body
        );
    }
);
