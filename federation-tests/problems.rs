//! Problem reports (signalements) across alpha, beta and the Fedify peer: the admin makes an agent on the web
//! and sets the categories and the area; residents report (bad places refused, reports nearby offered
//! first, "I have this problem too", a name kept private); the agent moves a report on with a public
//! message, and the people who follow it are told; the peer gets the commune's Page and its Update and likes
//! it (a supporter); bob on beta, who follows the commune, sees it.

use std::time::Duration;

use diesel::prelude::*;

use crate::federation::eventually;
use crate::support::debates::people;
use crate::support::peer::assert_signed_by;
use crate::support::web::WebClient;
use crate::support::{both_backends, told};
use crate::web::{person, signed_in};
use parvis::model::Role;
use parvis::model::schema::actors;

mod elsewhere;
mod handover;
mod open311;
mod photos;

use photos::multipart;

const WAIT: Duration = Duration::from_secs(30);

/// Files a report as `who`; returns the page answered (a 303 to the report when filed).
async fn report(
    who: &mut WebClient,
    category: &str,
    description: &str,
    place: (&str, &str),
    extra: &[(&str, &str)],
) -> crate::support::web::Page {
    let mut fields = vec![
        ("category", category),
        ("report", description),
        ("address", "12 rue des Écoles"),
        ("latitude", place.0),
        ("longitude", place.1),
    ];
    fields.extend_from_slice(extra);
    who.submit("/problems/new", "/problems", &fields).await
}

/// The value of the option named `name` in a page's `category` select.
fn category_id(page: &str, name: &str) -> String {
    let at = page
        .find(&format!(">{name}</option>"))
        .unwrap_or_else(|| panic!("no category {name}: {page}"));
    page[..at]
        .rsplit("value=\"")
        .next()
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string()
}

both_backends!(
    a_problem_is_reported_handled_by_an_agent_and_followed_from_beta_and_the_peer,
    |backend| async move {
        use crate::support::network::{ALPHA, BETA, Network};
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        people(&alpha).await;
        person(&alpha, "admin", Role::Admin).await;
        person(&alpha, "agathe", Role::Citizen).await;
        let peer = crate::fedify::peer(&net);
        let peer_actor = peer.control_get("/health").await["actor"]
            .as_str()
            .unwrap()
            .to_string();
        crate::proposals::commune_followed_from_beta_and_the_peer(&alpha, &beta, &peer).await;

        // The admin makes Agathe the commune's agent, adds categories and sets the area.
        let mut admin = signed_in(&alpha, "admin").await;
        let page = admin
            .submit(
                "/admin",
                "/admin/roles",
                &[("username", "agathe"), ("role", "agent")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        for name in ["Voirie", "Éclairage public"] {
            let page = admin
                .submit(
                    "/admin/problems",
                    "/admin/problems/categories",
                    &[("category", name)],
                )
                .await;
            assert_eq!(page.status, 303, "{}", page.body);
        }
        let upside_down = admin
            .submit(
                "/admin/problems",
                "/admin/problems/area",
                &[
                    ("south", "45.80"),
                    ("west", "4.80"),
                    ("north", "45.70"),
                    ("east", "4.90"),
                ],
            )
            .await;
        assert_eq!(upside_down.status, 422, "{}", upside_down.body);
        let page = admin
            .submit(
                "/admin/problems",
                "/admin/problems/area",
                &[
                    ("south", "45.70"),
                    ("west", "4.80"),
                    ("north", "45.80"),
                    ("east", "4.90"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        // A citizen does neither.
        let mut karim = signed_in(&alpha, "karim").await;
        let refused = karim
            .submit(
                "/problems/new",
                "/admin/problems/categories",
                &[("category", "Pirate")],
            )
            .await;
        assert_eq!(refused.status, 403, "{}", refused.body);

        // Léa reports: a place that is not a number, or outside the commune, is refused on the form.
        let mut lea = signed_in(&alpha, "lea").await;
        let form = lea.get("/problems/new").await;
        // The map, centred on the commune's area, with Leaflet served by the instance itself.
        assert!(form.has("id=\"problem-map\""), "{}", form.body);
        assert!(
            form.has("data-center=\"45.750000,4.850000\""),
            "{}",
            form.body
        );
        assert!(
            form.has("src=\"/static/leaflet/leaflet.js\""),
            "{}",
            form.body
        );
        let client = alpha.client();
        let leaflet = client
            .get(alpha.url("/static/leaflet/leaflet.js"))
            .send()
            .await
            .unwrap();
        assert_eq!(leaflet.status(), 200);
        assert!(
            leaflet.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/javascript")
        );
        for path in [
            "/static/leaflet/../../Cargo.toml",
            "/static/leaflet/nothing.js",
        ] {
            let response = client.get(alpha.url(path)).send().await.unwrap();
            assert_eq!(response.status(), 404, "{path}");
        }
        let voirie = category_id(&form.body, "Voirie");
        let page = report(
            &mut lea,
            &voirie,
            "Un trou.",
            ("quarante-cinq", "4.83"),
            &[],
        )
        .await;
        assert_eq!(page.status, 422, "{}", page.body);
        assert!(page.has("field-error"), "{}", page.body);
        let page = report(&mut lea, &voirie, "Un trou.", ("48.8566", "2.3522"), &[]).await;
        assert_eq!(page.status, 422, "{}", page.body);
        assert!(
            page.has("hors du territoire de la commune"),
            "{}",
            page.body
        );
        let page = report(
            &mut lea,
            &voirie,
            "Un nid-de-poule <script>x()</script> devant l'école.",
            ("45.7578", "4.8320"),
            &[],
        )
        .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let first = page.location.unwrap();
        let shown = lea.get(&first).await;
        assert!(
            shown.has("nid-de-poule &lt;script&gt;") && !shown.has("<script>x()"),
            "{}",
            shown.body
        );
        assert!(shown.has("lea Test"), "{}", shown.body);

        // Karim, 20 m away in the same category: Léa's report is offered first; he has it too.
        let page = report(
            &mut karim,
            &voirie,
            "Trou dans la chaussée.",
            ("45.75798", "4.8320"),
            &[],
        )
        .await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.has("id=\"problems-nearby\""), "{}", page.body);
        assert!(page.has(&format!("href=\"{first}\"")), "{}", page.body);
        let page = karim
            .submit(&first, &format!("{first}/support"), &[("on", "on")])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert!(
            karim
                .get(&first)
                .await
                .has("1 personne constate aussi ce problème")
        );
        // Léa cannot support her own report.
        let page = lea
            .submit(&first, &format!("{first}/support"), &[("on", "on")])
            .await;
        assert_eq!(page.status, 422, "{}", page.body);
        // Another problem at the same place, his name kept private.
        let page = report(
            &mut karim,
            &voirie,
            "Le trottoir d'en face est défoncé.",
            ("45.75798", "4.8320"),
            &[("anyway", "on"), ("name_private", "on")],
        )
        .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let second = page.location.unwrap();
        let public = WebClient::new(&alpha).get(&second).await;
        assert!(
            public.has("Signalé par un·e habitant·e") && !public.has("karim Test"),
            "{}",
            public.body
        );
        let mut agathe = signed_in(&alpha, "agathe").await;
        assert!(agathe.get(&second).await.has("karim Test"));

        // The peer got the commune's Page: what Mastodon shows is in its summary.
        let first_url = alpha.url(&first);
        let commune = alpha.url("/communes/ville");
        let created = peer
            .wait_for_inbox(
                |a| a["type"] == "Create" && a["object"]["id"] == first_url.as_str(),
                WAIT,
            )
            .await;
        assert_signed_by(&created, commune.as_str());
        let p = &created["object"];
        assert_eq!(p["type"], "Page", "{p}");
        assert_eq!(p["attributedTo"], commune.as_str());
        assert!(
            p["summary"]
                .as_str()
                .unwrap()
                .starts_with("Voirie · 12 rue des Écoles · new"),
            "{p}"
        );
        assert_eq!(p["location"]["latitude"], 45.7578);
        assert_eq!(p["problemStatus"], "new");
        assert_eq!(p["tag"][0]["name"], "#Voirie");
        assert!(p.get("audience").is_none(), "{p}");

        // Staff only: a citizen cannot move it; a move the lifecycle does not allow is refused.
        let refused = lea
            .submit(
                &first,
                &format!("{first}/status"),
                &[("status", "resolved"), ("message", "Fini")],
            )
            .await;
        assert_eq!(refused.status, 403, "{}", refused.body);
        let refused = agathe
            .submit(
                &first,
                &format!("{first}/status"),
                &[("status", "new"), ("message", "Retour")],
            )
            .await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        let page = agathe
            .submit(
                &first,
                &format!("{first}/status"),
                &[
                    ("status", "acknowledged"),
                    ("message", "Les services passent jeudi <b>matin</b>."),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let shown = WebClient::new(&alpha).get(&first).await;
        assert!(
            shown.has("Pris en compte") && shown.has("jeudi &lt;b&gt;matin"),
            "{}",
            shown.body
        );
        // The reporter and the supporter are told; the agent is not.
        assert_eq!(told(&alpha, "problem_update").await, ["karim", "lea"]);
        let updated = peer
            .wait_for_inbox(
                |a| {
                    a["type"] == "Update"
                        && a["object"]["id"] == first_url.as_str()
                        && a["object"]["problemStatus"] == "acknowledged"
                },
                WAIT,
            )
            .await;
        assert_signed_by(&updated, commune.as_str());
        // A duplicate names the report it repeats.
        let refused = agathe
            .submit(
                &second,
                &format!("{second}/status"),
                &[("status", "duplicate"), ("message", "Doublon")],
            )
            .await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        let id = first.rsplit('/').next().unwrap();
        let page = agathe
            .submit(
                &second,
                &format!("{second}/status"),
                &[
                    ("status", "duplicate"),
                    ("message", "Même trou."),
                    ("duplicate_of", &format!("#{id}")),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert!(agathe.get(&second).await.has(&format!("href=\"{first}\"")));

        // The peer has it too: a Like is a supporter.
        let liked = peer
            .control_post("/like", serde_json::json!({ "object": first_url.as_str() }))
            .await;
        assert_eq!(liked["ok"], true, "{liked}");
        eventually("the peer counted as a supporter", WAIT, || async {
            WebClient::new(&alpha)
                .get(&first)
                .await
                .has("2 personnes constatent aussi ce problème")
                .then_some(())
        })
        .await;
        let with_two = peer
            .wait_for_inbox(
                |a| a["type"] == "Update" && a["object"]["supporters"] == 2,
                WAIT,
            )
            .await;
        assert_eq!(with_two["object"]["id"], first_url.as_str());
        let _ = peer_actor;

        // Bob, on beta, follows the commune: the report is among his posts.
        let token = parvis::civic::tokens::create_token(&beta.db, "bob")
            .await
            .unwrap();
        eventually(
            "the report in bob's home timeline on beta",
            WAIT,
            || async {
                let (status, timeline) = beta.api_get("/api/v1/timelines/home", &token).await;
                assert_eq!(status, 200, "{timeline}");
                timeline
                    .as_array()?
                    .iter()
                    .find(|s| s["uri"] == first_url.as_str())
                    .map(|s| s["content"].as_str().unwrap_or_default().to_string())
            },
        )
        .await;

        // The queue is the staff's; the commune's page counts reports by category and status.
        let queue = agathe.get("/problems/queue").await;
        assert_eq!(queue.status, 200);
        assert!(queue.has(&format!("href=\"{first}\"")), "{}", queue.body);
        assert_eq!(lea.get("/problems/queue").await.status, 403);
        let home = WebClient::new(&alpha).get("/").await;
        assert!(home.has("problem-counts"), "{}", home.body);

        // Ten reports a minute is a flood: after five in ten minutes, a clear refusal.
        let mut last = 0;
        for n in 0..5 {
            let page = report(
                &mut lea,
                &voirie,
                &format!("Problème {n}"),
                ("45.71", &format!("4.8{n}")),
                &[],
            )
            .await;
            last = page.status;
            if page.status == 429 {
                assert!(
                    page.has("Au plus 5 signalements en 10 minutes"),
                    "{}",
                    page.body
                );
                break;
            }
            assert_eq!(page.status, 303, "report {n}: {}", page.body);
        }
        assert_eq!(last, 429, "the sixth report in ten minutes is refused");
    }
);

/// A second commune of the instance, "metropole" ("Commune metropole"), with one account of `role`
/// (password [`crate::web::PASSWORD`]).
pub(crate) async fn metropole_with(
    instance: &crate::support::TestInstance,
    user: &str,
    role: Role,
) {
    // The commune may exist already.
    let _ = parvis::civic::communes::create_commune(&instance.db, "metropole", "Commune metropole")
        .await;
    parvis::civic::accounts::create_account(
        &instance.db,
        parvis::civic::accounts::NewAccount {
            username: user.into(),
            role,
            commune: Some("metropole".into()),
            display_name: None,
            password: Some(crate::web::PASSWORD.into()),
        },
    )
    .await
    .unwrap();
}

/// An instance with the usual people, an admin, and one category of reports (Voirie).
pub(crate) async fn town_with_a_category(
    backend: crate::support::Backend,
) -> (crate::support::TestInstance, parvis::ids::CategoryId) {
    let alpha = crate::support::TestInstance::start(backend).await;
    people(&alpha).await;
    person(&alpha, "admin", Role::Admin).await;
    let admin = alpha
        .db
        .run(|c| {
            Ok(parvis::db::queries::account_by_username(c, "admin")?
                .unwrap()
                .1)
        })
        .await
        .unwrap();
    let voirie = alpha
        .db
        .transaction(move |c| parvis::civic::problems::add_category(c, &admin, "Voirie"))
        .await
        .unwrap();
    (alpha, voirie)
}

both_backends!(
    problems_are_filed_supported_and_handled_through_the_api,
    |backend| async move {
        use serde_json::json;
        let (alpha, voirie) = town_with_a_category(backend).await;
        person(&alpha, "agathe", Role::Agent).await;
        let token = |who: &'static str| {
            let db = alpha.db.clone();
            async move { parvis::civic::tokens::create_token(&db, who).await.unwrap() }
        };
        let (lea, karim, agathe) = (
            token("lea").await,
            token("karim").await,
            token("agathe").await,
        );

        let (status, categories) = alpha
            .api_get("/api/v1/parvis/problems/categories", &lea)
            .await;
        assert_eq!(status, 200, "{categories}");
        assert_eq!(categories[0]["name"], "Voirie");
        let body = |lat: f64| {
            json!({
                "category_id": voirie.0,
                "description": "Lampadaire éteint depuis une semaine.",
                "address": "Place de la Mairie",
                "latitude": lat,
                "longitude": 4.83,
            })
        };
        // Without a token, with a place out of range, with a category of nobody: refused, nothing filed.
        let anonymous = alpha
            .client()
            .post(alpha.url("/api/v1/parvis/problems"))
            .json(&body(45.75))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), 401);
        let (status, error) = alpha
            .api_post("/api/v1/parvis/problems", &lea, body(95.0))
            .await;
        assert_eq!(
            (status, error["error"].as_str()),
            (422, Some("invalid")),
            "{error}"
        );
        let mut other = body(45.75);
        other["category_id"] = json!(9999);
        let (status, _) = alpha.api_post("/api/v1/parvis/problems", &lea, other).await;
        assert_eq!(status, 422);
        let (status, list) = alpha.api_get("/api/v1/parvis/problems", &lea).await;
        assert_eq!((status, list.as_array().unwrap().len()), (200, 0));

        // Filed; then Karim, 10 m away, is answered with it first, and has it too.
        let (status, filed) = alpha
            .api_post("/api/v1/parvis/problems", &lea, body(45.75))
            .await;
        assert_eq!(status, 200, "{filed}");
        let id = filed["problem"]["problem"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(filed["problem"]["problem"]["status"], "new");
        assert_eq!(filed["problem"]["problem"]["reporter"], "lea");
        let (status, near) = alpha
            .api_post("/api/v1/parvis/problems", &karim, body(45.75009))
            .await;
        assert_eq!(status, 200, "{near}");
        assert!(near["problem"].is_null(), "{near}");
        assert_eq!(near["nearby"][0]["id"], id.as_str());
        let (status, supported) = alpha
            .api_post(
                &format!("/api/v1/parvis/problems/{id}/support"),
                &karim,
                json!({}),
            )
            .await;
        assert_eq!(status, 200, "{supported}");
        assert_eq!(supported["problem"]["supporters"], 1);
        assert_eq!(supported["supported"], true);

        // Staff only move it on.
        let change = json!({ "status": "resolved", "message": "Ampoule changée." });
        let (status, _) = alpha
            .api_post(
                &format!("/api/v1/parvis/problems/{id}/status"),
                &karim,
                change.clone(),
            )
            .await;
        assert_eq!(status, 403);
        let (status, done) = alpha
            .api_post(
                &format!("/api/v1/parvis/problems/{id}/status"),
                &agathe,
                change,
            )
            .await;
        assert_eq!(status, 200, "{done}");
        assert_eq!(done["problem"]["status"], "resolved");
        assert_eq!(done["history"][1]["message"], "Ampoule changée.");
        let (status, open) = alpha
            .api_get("/api/v1/parvis/problems?open=true", &lea)
            .await;
        assert_eq!((status, open.as_array().unwrap().len()), (200, 0), "{open}");
        assert_eq!(told(&alpha, "problem_update").await, ["karim", "lea"]);

        // Léa's data export holds her report; once her account is deleted, the report stays, nameless.
        let lea_id = alpha
            .db
            .run(|c| {
                Ok(parvis::db::queries::account_by_username(c, "lea")?
                    .unwrap()
                    .0
                    .id)
            })
            .await
            .unwrap();
        let export = parvis::civic::account_data::export(&alpha.db, lea_id)
            .await
            .unwrap();
        assert_eq!(export.problem_reports.len(), 1);
        assert_eq!(export.problem_reports[0].status, "resolved");
        parvis::civic::account_data::delete_account(&alpha.db, lea_id)
            .await
            .unwrap();
        let (status, kept) = alpha
            .api_get(&format!("/api/v1/parvis/problems/{id}"), &karim)
            .await;
        assert_eq!(status, 200, "{kept}");
        assert!(kept["problem"]["reporter"].is_null(), "{kept}");
    }
);

both_backends!(
    a_photo_larger_than_the_usual_request_limit_is_taken,
    |backend| async move {
        let (alpha, voirie) = town_with_a_category(backend).await;
        // A 3 MB photo: three times the 1 MB that other requests may carry, within the photos' 8 MB.
        let noise: Vec<u8> = (0..1200u32 * 900 * 3)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let picture = image::RgbImage::from_raw(1200, 900, noise).unwrap();
        let mut png = Vec::new();
        picture
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert!(png.len() > 2 * 1024 * 1024, "{} bytes", png.len());
        assert_eq!(
            alpha.settings.server.max_body_bytes,
            1024 * 1024,
            "the usual limit"
        );
        let mut lea = signed_in(&alpha, "lea").await;
        let csrf = lea.get("/problems/new").await.csrf();
        let category = voirie.0.to_string();
        let (body, boundary) = multipart(
            &[
                ("csrf", &csrf),
                ("category", &category),
                ("report", "Un arbre tombé."),
                ("latitude", "45.76"),
                ("longitude", "4.84"),
                ("alt1", "L'arbre en travers du trottoir"),
            ],
            &[("photo1", &png)],
        );
        let page = lea.post_multipart("/problems", body, &boundary).await;
        assert_eq!(page.status, 303, "{}", page.body);
    }
);
