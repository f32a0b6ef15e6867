//! A report handed from alpha's commune to the intercommunality on beta, partners: declined and returned
//! with its reason, offered again, accepted; from then on beta's staff set its status, and alpha's page, the
//! reporter and beta's copy follow every step, while alpha's own staff can no longer change it. A loop
//! (beta offering alpha's report back), an offer from a server that is not a partner and a status from a
//! server that does not manage the report are refused, changing nothing.

use serde_json::{Value, json};

use super::*;
use crate::support::hostile::{EVIL, EVIL_IP, Hostile, keys, post_signed, reach};
use crate::support::network::{ALPHA, BETA, Network};
use parvis::civic::servers::Changer;
use parvis::model::schema::problem_handovers;

/// The value of the first option of a commune of another server in the hand-over form.
fn remote_option(page: &str) -> String {
    page.split("<option value=\"")
        .find(|s| s.starts_with('r'))
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no commune of another server offered: {page}"))
        .to_string()
}

/// Waits until a page of `instance` seen by `who` shows `text`; returns it.
async fn shows(who: &mut WebClient, path: &str, text: &str) -> crate::support::web::Page {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let page = who.get(path).await;
        if page.has(text) {
            return page;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{path} never showed {text}: {}",
            page.body
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A signed activity of a commune of `instance`, posted to `to`'s shared inbox; the status answered.
async fn as_commune(
    from: &crate::support::TestInstance,
    to: &crate::support::TestInstance,
    activity: &Value,
) -> u16 {
    let pem: String = from
        .db
        .run(|c| {
            Ok(actors::table
                .filter(actors::username.eq("ville"))
                .select(actors::private_key_pem)
                .first::<String>(c)?)
        })
        .await
        .unwrap();
    let key = parvis::federation::signatures::SigningKey::from_pkcs8_pem(&pem).unwrap();
    let actor = from.url("/communes/ville");
    post_signed(
        &to.client(),
        to.url("/inbox").as_str(),
        activity,
        &format!("{actor}#main-key"),
        &key,
    )
    .await
    .0
}

both_backends!(
    a_report_is_handed_to_the_partner_declined_then_accepted_and_managed_there,
    |backend| async move {
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, reach).await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        people(&alpha).await;
        person(&alpha, "admin", Role::Admin).await;
        person(&alpha, "agathe", Role::Agent).await;
        person(&beta, "bruno", Role::Agent).await;
        for (here, there) in [(&alpha, &beta), (&beta, &alpha)] {
            let ctx = parvis::app::context(here.settings.clone(), here.db.clone()).unwrap();
            parvis::federation::policy::partner_add(&ctx, &Changer::Operator, &there.base)
                .await
                .unwrap();
        }
        let mut admin = signed_in(&alpha, "admin").await;
        admin
            .submit(
                "/admin/problems",
                "/admin/problems/categories",
                &[("category", "Voirie")],
            )
            .await;
        let mut lea = signed_in(&alpha, "lea").await;
        let voirie = category_id(&lea.get("/problems/new").await.body, "Voirie");
        let filed = report(
            &mut lea,
            &voirie,
            "Nid de poule sur la route intercommunale.",
            ("45.76", "4.84"),
            &[],
        )
        .await;
        assert_eq!(filed.status, 303, "{}", filed.body);
        let path = filed.location.unwrap();
        let report_url = alpha.url(&path).to_string();

        // Léa cannot hand it over; Agathe, staff of the commune, offers it to beta's commune.
        let mut agathe = signed_in(&alpha, "agathe").await;
        let form = agathe.get(&path).await;
        assert!(!lea.get(&path).await.has("problem-handover-form"));
        let to = remote_option(&form.body);
        let page = agathe
            .submit(
                &path,
                &format!("{path}/handover"),
                &[
                    ("to", &to),
                    ("message", "La route relève de l'intercommunalité."),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        // A second offer while the first waits is refused.
        let again = agathe
            .submit(
                &path,
                &format!("{path}/handover"),
                &[("to", &to), ("message", "Encore")],
            )
            .await;
        assert_eq!(again.status, 409, "{}", again.body);

        // Beta's agent finds it in the work queue, and declines it with a reason.
        let mut bruno = signed_in(&beta, "bruno").await;
        let queue = shows(&mut bruno, "/problems/queue", "La route relève de l").await;
        let copy = queue
            .body
            .split("href=\"")
            .find(|s| s.starts_with("/problems/elsewhere/"))
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string();
        let offered = bruno.get(&copy).await;
        assert!(
            offered.has("Nid de poule sur la route intercommunale."),
            "{}",
            offered.body
        );
        let answer_path = |page: &str| {
            page.split("action=\"")
                .find(|s| s.starts_with("/problems/handovers/"))
                .and_then(|s| s.split('"').next())
                .unwrap()
                .to_string()
        };
        let answer = answer_path(&offered.body);
        // Declining needs a reason.
        let page = bruno
            .submit(&copy, &answer, &[("decision", "decline"), ("answer", "")])
            .await;
        assert_eq!(page.status, 422, "{}", page.body);
        let page = bruno
            .submit(
                &copy,
                &answer,
                &[
                    ("decision", "decline"),
                    ("answer", "Cette portion est communale."),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        shows(&mut agathe, &path, "Cette portion est communale.").await;
        assert!(agathe.get(&path).await.has("Refusée"));

        // Offered again (the form is back), and accepted.
        let form = agathe.get(&path).await;
        let page = agathe
            .submit(
                &path,
                &format!("{path}/handover"),
                &[
                    ("to", &remote_option(&form.body)),
                    ("message", "Le panneau dit le contraire."),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let offered = shows(&mut bruno, &copy, "Le panneau dit le contraire.").await;
        let page = bruno
            .submit(
                &copy,
                &answer_path(&offered.body),
                &[("decision", "accept"), ("answer", "")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        shows(&mut agathe, &path, "Pris en charge par").await;
        assert!(
            told(&alpha, "problem_update")
                .await
                .contains(&"lea".to_string())
        );

        // Alpha's staff no longer set its status; beta's agent does, and every party sees each step.
        let page = agathe
            .submit(
                &path,
                &format!("{path}/status"),
                &[("status", "in_progress"), ("message", "Nous y allons")],
            )
            .await;
        assert_eq!(page.status, 403, "{}", page.body);
        let page = bruno
            .submit(
                &copy,
                &format!("{copy}/status"),
                &[("status", "in_progress"), ("message", "Travaux lundi.")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let shown = shows(&mut lea, &path, "Travaux lundi.").await;
        assert!(shown.has("En cours"), "{}", shown.body);
        let page = bruno
            .submit(
                &copy,
                &format!("{copy}/status"),
                &[("status", "resolved"), ("message", "Rebouché.")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        shows(&mut lea, &path, "Rebouché.").await;
        // Beta's copy follows alpha's publication.
        shows(&mut bruno, &copy, "Résolu").await;
        let stored: i64 = alpha
            .db
            .run(|c| Ok(problem_handovers::table.count().get_result(c)?))
            .await
            .unwrap();
        assert_eq!(stored, 2);

        // Beta offering alpha's own report back to alpha: a loop, refused.
        let page_json: Value = alpha
            .get(&path, "application/activity+json")
            .await
            .json()
            .await
            .unwrap();
        let beta_commune = beta.url("/communes/ville").to_string();
        let loop_offer = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": beta.url("/handovers/99").as_str(),
            "type": "Offer",
            "actor": beta_commune,
            "object": page_json,
            "target": alpha.url("/communes/ville").as_str(),
        });
        assert_eq!(as_commune(&beta, &alpha, &loop_offer).await, 409);

        // A server that is not a partner offers a report, and says a status of alpha's report: refused.
        let evil = Hostile::start(EVIL, EVIL_IP).await;
        let mut group = evil.actor("ville", &keys()[0]);
        group["type"] = json!("Group");
        evil.serve("/users/ville", &group);
        let commune = evil.url("/users/ville");
        let offer = json!({
            "id": evil.url("/offers/1"),
            "type": "Offer",
            "actor": commune,
            "target": alpha.url("/communes/ville").as_str(),
            "object": {
                "type": "Page", "id": evil.url("/problems/1"), "attributedTo": commune,
                "name": "Faux", "content": "<p>Faux</p>",
                "location": {"type": "Place", "latitude": 45.76, "longitude": 4.84},
                "problemStatus": "new"
            }
        });
        let key_id = format!("{commune}#main-key");
        let (status, body) = post_signed(
            &alpha.client(),
            alpha.url("/inbox").as_str(),
            &offer,
            &key_id,
            &keys()[0].signing(),
        )
        .await;
        assert_eq!(status, 403, "{body}");
        assert!(body.to_string().contains("not a partner"), "{body}");
        let status_update = json!({
            "id": evil.url("/updates/1"),
            "type": "Update",
            "actor": commune,
            "object": {"type": "Page", "id": report_url, "problemStatus": "acknowledged", "statusMessage": "Pris"}
        });
        let (status, body) = post_signed(
            &alpha.client(),
            alpha.url("/inbox").as_str(),
            &status_update,
            &key_id,
            &keys()[0].signing(),
        )
        .await;
        assert_eq!(status, 403, "{body}");
        let after = WebClient::new(&alpha).get(&path).await;
        assert!(
            after.has("Résolu") && !after.has(">Pris<"),
            "{}",
            after.body
        );
        let stored: i64 = alpha
            .db
            .run(|c| Ok(problem_handovers::table.count().get_result(c)?))
            .await
            .unwrap();
        assert_eq!(stored, 2, "nothing stored");
    }
);

both_backends!(
    a_report_is_handed_to_another_commune_of_the_same_instance,
    |backend| async move {
        let (alpha, voirie) = town_with_a_category(backend).await;
        person(&alpha, "agathe", Role::Agent).await;
        metropole_with(&alpha, "maxime", Role::Agent).await;
        let mut lea = signed_in(&alpha, "lea").await;
        let filed = report(
            &mut lea,
            &voirie.0.to_string(),
            "Abribus cassé.",
            ("45.76", "4.84"),
            &[],
        )
        .await;
        assert_eq!(filed.status, 303, "{}", filed.body);
        let path = filed.location.unwrap();

        let mut agathe = signed_in(&alpha, "agathe").await;
        let form = agathe.get(&path).await;
        let to = form
            .body
            .split("<option value=\"")
            .find(|s| s.starts_with('c'))
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string();
        // Not to itself.
        let commune_id = alpha
            .db
            .run(|c| {
                Ok(actors::table
                    .filter(actors::username.eq("ville"))
                    .select(actors::id)
                    .first::<parvis::ids::ActorId>(c)?)
            })
            .await
            .unwrap();
        let page = agathe
            .submit(
                &path,
                &format!("{path}/handover"),
                &[("to", &format!("c{commune_id}")), ("message", "À nous")],
            )
            .await;
        assert_eq!(page.status, 422, "{}", page.body);
        // Offered, then withdrawn with a reason (a mistake), then offered again.
        let page = agathe
            .submit(
                &path,
                &format!("{path}/handover"),
                &[("to", &to), ("message", "Erreur de commune")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let shown = agathe.get(&path).await;
        let withdraw = shown
            .body
            .split("action=\"")
            .find(|s| s.contains("/withdraw"))
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string();
        assert_eq!(
            lea.submit(&path, &withdraw, &[("answer", "Non")])
                .await
                .status,
            403
        );
        let page = agathe
            .submit(&path, &withdraw, &[("answer", "Mauvaise adresse.")])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert!(agathe.get(&path).await.has("Mauvaise adresse."));
        let page = agathe
            .submit(
                &path,
                &format!("{path}/handover"),
                &[("to", &to), ("message", "Les abribus sont à la métropole.")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);

        // Maxime, agent of the métropole, sees it in his queue and accepts it; Léa may not answer.
        let mut maxime = signed_in(&alpha, "maxime").await;
        let queue = maxime.get("/problems/queue").await;
        assert!(
            queue.has("Les abribus sont à la métropole."),
            "{}",
            queue.body
        );
        let shown = maxime.get(&path).await;
        let answer = shown
            .body
            .split("action=\"")
            .find(|s| s.starts_with("/problems/handovers/"))
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string();
        let page = lea
            .submit(&path, &answer, &[("decision", "accept"), ("answer", "")])
            .await;
        assert_eq!(page.status, 403, "{}", page.body);
        let page = maxime
            .submit(&path, &answer, &[("decision", "accept"), ("answer", "")])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let shown = lea.get(&path).await;
        assert!(
            shown.has("Pris en charge par") && shown.has("Commune metropole"),
            "{}",
            shown.body
        );

        // The métropole sets the status now; the commune where it was filed does not.
        let page = agathe
            .submit(
                &path,
                &format!("{path}/status"),
                &[("status", "acknowledged"), ("message", "Vu")],
            )
            .await;
        assert_eq!(page.status, 403, "{}", page.body);
        let page = maxime
            .submit(
                &path,
                &format!("{path}/status"),
                &[("status", "resolved"), ("message", "Vitre remplacée.")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let shown = lea.get(&path).await;
        assert!(
            shown.has("Vitre remplacée.") && shown.has("Résolu"),
            "{}",
            shown.body
        );
        assert!(
            told(&alpha, "problem_update")
                .await
                .contains(&"lea".to_string())
        );
    }
);

both_backends!(
    a_report_filed_in_another_communes_outline_is_offered_to_it_and_one_outside_every_area_refused,
    |backend| async move {
        let (alpha, voirie) = town_with_a_category(backend).await;
        metropole_with(&alpha, "madmin", Role::Admin).await;
        // The town's outline, pasted by its admin: a triangle; the métropole's, a square east of it.
        let mut admin = signed_in(&alpha, "admin").await;
        let page = admin
            .submit(
                "/admin/problems",
                "/admin/problems/outline",
                &[(
                    "outline",
                    r#"{"type": "Point", "coordinates": [4.8, 45.7]}"#,
                )],
            )
            .await;
        assert_eq!(page.status, 422, "{}", page.body);
        let page = admin
            .submit(
                "/admin/problems",
                "/admin/problems/outline",
                &[(
                    "outline",
                    r#"{"type": "Feature", "properties": {"nom": "Ville"}, "geometry": {"type": "Polygon",
                        "coordinates": [[[4.80, 45.70], [4.90, 45.70], [4.80, 45.80], [4.80, 45.70]]]}}"#,
                )],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let mut madmin = signed_in(&alpha, "madmin").await;
        let page = madmin
            .submit(
                "/admin/problems",
                "/admin/problems/outline",
                &[(
                    "outline",
                    r#"{"type": "Polygon", "coordinates": [[[4.90, 45.70], [5.00, 45.70], [5.00, 45.80], [4.90, 45.80], [4.90, 45.70]]]}"#,
                )],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);

        let mut lea = signed_in(&alpha, "lea").await;
        let category = voirie.0.to_string();
        // Inside the triangle's box but outside the triangle, and in no other area: refused.
        let page = report(
            &mut lea,
            &category,
            "Trou hors zone.",
            ("45.79", "4.89"),
            &[],
        )
        .await;
        assert_eq!(page.status, 422, "{}", page.body);
        assert!(
            page.has("aucune autre commune") || page.has("no other commune"),
            "{}",
            page.body
        );
        // Inside the triangle: the town's.
        let page = report(
            &mut lea,
            &category,
            "Trou en ville.",
            ("45.72", "4.82"),
            &[],
        )
        .await;
        assert_eq!(page.status, 303, "{}", page.body);
        // Inside the métropole's square: filed, and offered to the métropole at once.
        let page = report(
            &mut lea,
            &category,
            "Trou à la métropole.",
            ("45.75", "4.95"),
            &[],
        )
        .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let path = page.location.unwrap();
        let queue = madmin.get("/problems/queue").await;
        assert!(queue.has(&format!("href=\"{path}\"")), "{}", queue.body);
        let shown = madmin.get(&path).await;
        assert!(
            shown.has("En attente de réponse") && shown.has("handover-answer"),
            "{}",
            shown.body
        );
    }
);
