//! The web interface in a real browser: headless Chromium walks the citizen's journey on alpha (following an
//! account on beta), with axe-core on every page. Run on SQLite: the same pages are tested over HTTP on both
//! databases in `web.rs`.

use chrono::NaiveDate;
use serde_json::json;

use crate::federation::account;
use crate::support::browser::run_journey_async;
use crate::support::network::{ALPHA, ALPHA_IP, BETA, BETA_IP, Network};
use crate::support::{Backend, TestInstance};
use parvis::civic::accounts::{NewAccount, NewMandate, add_mandate, create_account};
use parvis::civic::communes::create_commune;
use parvis::civic::site::{self, Operator};
use parvis::config::RegistrationMode;
use parvis::db::queries;
use parvis::model::Role;

const PASSWORD: &str = "un mot de passe solide";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_registers_posts_follows_and_accepts_a_new_charter() {
    let net = Network::new();
    let alpha = net
        .instance(Backend::Sqlite, ALPHA, |s| {
            s.instance.registration = RegistrationMode::Invite;
        })
        .await;
    let beta = net.instance(Backend::Sqlite, BETA, |_| {}).await;
    create_commune(&alpha.db, "belleville", "Belleville-sur-Loire")
        .await
        .unwrap();
    for (username, role, name) in [
        ("admin", Role::Admin, "Mairie"),
        ("marie", Role::Official, "Marie Durand"),
    ] {
        create_account(
            &alpha.db,
            NewAccount {
                username: username.into(),
                role,
                commune: None,
                display_name: Some(name.into()),
                password: Some(PASSWORD.into()),
            },
        )
        .await
        .unwrap();
    }
    add_mandate(
        &alpha.db,
        NewMandate {
            username: "marie".into(),
            office: "Maire".into(),
            governing_body: "Conseil municipal".into(),
            since: NaiveDate::from_ymd_opt(2026, 3, 22).unwrap(),
            until: None,
        },
    )
    .await
    .unwrap();
    site::publish_charter(
        &alpha.db,
        Operator::Console,
        "Je respecte les autres participants.",
    )
    .await
    .unwrap();
    let invite = site::create_invite(&alpha.db, Operator::Console)
        .await
        .unwrap();
    account(&beta, "voisine", "lea", Role::Official).await;
    let remote = format!("@lea@{}", beta.base.trim_start_matches("https://"));

    let report = run_journey_async(
        "citizen.mjs",
        json!({
            "hosts": { ALPHA: ALPHA_IP.to_string(), BETA: BETA_IP.to_string() },
            "locale": "fr-FR",
            "base": alpha.base,
            "invite": invite,
            "password": PASSWORD,
            "admin": "admin",
            "remote": remote,
            "mailDir": alpha.data_dir().join("mail"),
            "newPassword": "un nouveau mot de passe",
        }),
    )
    .await;
    report.assert_clean();
    assert!(
        report.pages.len() >= 15,
        "{} pages checked",
        report.pages.len()
    );

    // What the pages did is what the database holds.
    let (_, camille) = alpha
        .db
        .run(|c| queries::account_by_username(c, "camille"))
        .await
        .unwrap()
        .expect("camille registered");
    assert_eq!(camille.language.as_deref(), Some("en"));
    assert_eq!(camille.charter_version, Some(2));
    let following = alpha
        .db
        .run(move |c| queries::follow_items(c, camille.actor_id, false, true, 10))
        .await
        .unwrap();
    assert_eq!(following.len(), 1);
    assert!(following[0].accepted);
    assert_eq!(following[0].handle, remote);
    let open = alpha.db.run(site::open_invites).await.unwrap();
    assert!(open.is_empty(), "the invitation was used");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_official_opens_a_debate_and_a_citizen_takes_a_side() {
    let net = Network::new();
    let alpha = net.instance(Backend::Sqlite, ALPHA, |_| {}).await;
    create_commune(&alpha.db, "belleville", "Belleville-sur-Loire")
        .await
        .unwrap();
    for (username, role) in [("marie", Role::Official), ("karim", Role::Citizen)] {
        create_account(
            &alpha.db,
            NewAccount {
                username: username.into(),
                role,
                commune: None,
                display_name: None,
                password: Some(PASSWORD.into()),
            },
        )
        .await
        .unwrap();
    }
    let report = run_journey_async(
        "debate.mjs",
        json!({
            "hosts": { ALPHA: ALPHA_IP.to_string() },
            "locale": "fr-FR",
            "base": alpha.base,
            "password": PASSWORD,
        }),
    )
    .await;
    report.assert_clean();
    assert!(
        report.pages.len() >= 10,
        "{} pages checked",
        report.pages.len()
    );
}

/// A commune with an official (marie), a citizen (karim) and a verified resident (lea).
async fn town(alpha: &TestInstance) {
    create_commune(&alpha.db, "belleville", "Belleville-sur-Loire")
        .await
        .unwrap();
    for (username, role) in [
        ("marie", Role::Official),
        ("karim", Role::Citizen),
        ("lea", Role::Citizen),
    ] {
        create_account(
            &alpha.db,
            NewAccount {
                username: username.into(),
                role,
                commune: None,
                display_name: None,
                password: Some(PASSWORD.into()),
            },
        )
        .await
        .unwrap();
    }
    alpha
        .db
        .run(|c| {
            use diesel::prelude::*;
            use parvis::model::schema::{accounts, actors};
            let lea: parvis::ids::ActorId = actors::table
                .filter(actors::username.eq("lea"))
                .select(actors::id)
                .first(c)?;
            diesel::update(accounts::table.find(lea))
                .set(accounts::resident.eq(true))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
}

/// Runs a journey in French on a town on alpha (SQLite) and checks it was clean over at least `pages` pages.
async fn journey_in_town(script: &str, pages: usize) {
    let net = Network::new();
    let alpha = net.instance(Backend::Sqlite, ALPHA, |_| {}).await;
    town(&alpha).await;
    let report = run_journey_async(
        script,
        json!({
            "hosts": { ALPHA: ALPHA_IP.to_string() },
            "locale": "fr-FR",
            "base": alpha.base,
            "password": PASSWORD,
        }),
    )
    .await;
    report.assert_clean();
    assert!(
        report.pages.len() >= pages,
        "{} pages checked",
        report.pages.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_proposes_a_resident_supports_and_the_official_answers() {
    journey_in_town("proposal.mjs", 9).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_official_asks_a_poll_and_a_questionnaire_and_a_resident_answers_both() {
    journey_in_town("poll.mjs", 10).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_reports_a_comment_and_the_official_hides_it_with_a_logged_reason() {
    journey_in_town("moderation.mjs", 6).await;
}

/// The tile stub's host name (the browser resolves only the hosts a journey names).
const TILES: &str = "tiles.parvis.test";

/// A tile server on loopback, over HTTPS as tile servers are (a page served over HTTPS loads no plain-HTTP
/// picture): the same small PNG for every tile, so that the map loads without the network.
async fn tile_stub(net: &Network) -> String {
    use std::io::Cursor;
    let tile = image::RgbImage::from_pixel(256, 256, image::Rgb([230, 230, 220]));
    let mut png = Vec::new();
    tile.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let app = axum::Router::new().route(
        "/{z}/{x}/{y}",
        axum::routing::get(move || {
            let png = png.clone();
            async move { ([(axum::http::header::CONTENT_TYPE, "image/png")], png) }
        }),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tls, _) = parvis::app::server_tls(&net.pki.server_cert, &net.pki.server_key).unwrap();
    tokio::spawn(async move {
        axum_server::from_tcp_rustls(listener, tls)
            .serve(app.into_make_service())
            .await
    });
    format!("https://{TILES}:{port}/{{z}}/{{x}}/{{y}}.png")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_reports_a_problem_with_a_photo_and_the_agent_acknowledges_it() {
    let net = Network::new();
    let tiles = tile_stub(&net).await;
    let alpha = net
        .instance(Backend::Sqlite, ALPHA, move |s| s.map.tile_url = tiles)
        .await;
    create_commune(&alpha.db, "belleville", "Belleville-sur-Loire")
        .await
        .unwrap();
    let mut accounts = vec![];
    for (username, role) in [
        ("admin", Role::Admin),
        ("lea", Role::Citizen),
        ("agathe", Role::Agent),
    ] {
        let (_, account) = create_account(
            &alpha.db,
            NewAccount {
                username: username.into(),
                role,
                commune: None,
                display_name: None,
                password: Some(PASSWORD.into()),
            },
        )
        .await
        .unwrap();
        accounts.push(account);
    }
    let admin = accounts[0].clone();
    alpha
        .db
        .transaction(move |c| {
            use parvis::civic::problems as p;
            p::add_category(c, &admin, "Voirie")?;
            p::add_category(c, &admin, "Éclairage public")?;
            p::set_area(
                c,
                &admin,
                Some(p::Area {
                    south: 45.70,
                    west: 4.80,
                    north: 45.80,
                    east: 4.90,
                }),
            )
        })
        .await
        .unwrap();
    let photo = tempfile::Builder::new().suffix(".png").tempfile().unwrap();
    image::RgbImage::from_fn(800, 600, |x, y| {
        image::Rgb([(x % 200) as u8, (y % 200) as u8, 90])
    })
    .save_with_format(photo.path(), image::ImageFormat::Png)
    .unwrap();
    let report = run_journey_async(
        "problem.mjs",
        json!({
            "hosts": { ALPHA: ALPHA_IP.to_string(), TILES: "127.0.0.1" },
            "locale": "fr-FR",
            "base": alpha.base,
            "password": PASSWORD,
            "photo": photo.path(),
        }),
    )
    .await;
    report.assert_clean();
    assert!(
        report.pages.len() >= 6,
        "{} pages checked",
        report.pages.len()
    );
    // What the pages did is what the database holds.
    let list = alpha
        .db
        .run(|c| {
            parvis::civic::problems::list(
                c,
                &parvis::civic::problems::Filter {
                    limit: 10,
                    ..Default::default()
                },
            )
        })
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].status, parvis::model::ProblemStatus::Acknowledged);
    assert_eq!((list[0].latitude, list[0].longitude), (45.7578, 4.832));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_official_schedules_a_meeting_a_citizen_registers_and_takes_it_to_a_calendar() {
    let net = Network::new();
    let alpha = net.instance(Backend::Sqlite, ALPHA, |_| {}).await;
    town(&alpha).await;
    let report = run_journey_async(
        "meeting.mjs",
        json!({
            "hosts": { ALPHA: ALPHA_IP.to_string() },
            "locale": "fr-FR",
            "base": alpha.base,
            "password": PASSWORD,
        }),
    )
    .await;
    report.assert_clean();
    assert!(
        report.pages.len() >= 6,
        "{} pages checked",
        report.pages.len()
    );
    // The file the browser downloaded, read by an independent parser.
    assert!(
        report.data["icsName"]
            .as_str()
            .is_some_and(|n| n.ends_with(".ics")),
        "{}",
        report.data
    );
    let ics = report.data["ics"].as_str().expect("the downloaded file");
    let read = crate::support::python::read_ics(ics);
    let event = &read["events"][0];
    assert_eq!(event["summary"], "Réunion publique : le marché", "{read}");
    assert_eq!(event["location"], "Salle des fêtes, place de la Mairie");
    assert_eq!(event["dtstart_tzid"], "Europe/Paris");
    assert_eq!(event["status"], "CONFIRMED");
    // What the pages did is what the database holds: karim has the seat, lea waits.
    let states: Vec<(String, String)> = alpha
        .db
        .run(|c| {
            use diesel::prelude::*;
            use parvis::model::schema::{actors, meeting_participants};
            Ok(meeting_participants::table
                .inner_join(
                    actors::table.on(actors::id.nullable().eq(meeting_participants::account_id)),
                )
                .order(meeting_participants::id.asc())
                .select((actors::username, meeting_participants::state))
                .load(c)?)
        })
        .await
        .unwrap();
    assert_eq!(
        states,
        vec![
            ("karim".to_string(), "going".to_string()),
            ("lea".to_string(), "waiting".to_string())
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_sets_up_the_council_and_an_official_claims_their_profile() {
    let net = Network::new();
    let alpha = net.instance(Backend::Sqlite, ALPHA, |_| {}).await;
    town(&alpha).await;
    for (username, role) in [
        ("admin", Role::Admin),
        ("aline", Role::Citizen),
        ("bruno", Role::Citizen),
    ] {
        create_account(
            &alpha.db,
            NewAccount {
                username: username.into(),
                role,
                commune: None,
                display_name: None,
                password: Some(PASSWORD.into()),
            },
        )
        .await
        .unwrap();
    }
    let out = crate::council::import(
        &alpha,
        &[
            "--file",
            &crate::council::sample("conseillers-municipaux-sample.csv"),
            "--insee",
            "69999",
        ],
    )
    .await
    .unwrap();
    assert!(out.contains("4 added"), "{out}");
    let report = run_journey_async(
        "council.mjs",
        json!({
            "hosts": { ALPHA: ALPHA_IP.to_string() },
            "locale": "fr-FR",
            "base": alpha.base,
            "password": PASSWORD,
        }),
    )
    .await;
    report.assert_clean();
    assert!(
        report.pages.len() >= 7,
        "{} pages checked",
        report.pages.len()
    );
    // What the pages did is what the database holds.
    let held: Vec<(String, String)> = alpha
        .db
        .run(|c| {
            use diesel::prelude::*;
            use parvis::model::schema::{actors, mandates};
            Ok(mandates::table
                .inner_join(actors::table.on(actors::id.eq(mandates::account_id)))
                .order(mandates::id.asc())
                .select((actors::username, mandates::office))
                .load(c)?)
        })
        .await
        .unwrap();
    assert_eq!(
        held,
        vec![
            ("bruno".to_string(), "1er adjoint au Maire".to_string()),
            ("bruno".to_string(), "Délégué aux mobilités".to_string()),
            ("aline".to_string(), "Maire".to_string()),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_asks_for_access_on_the_consent_page_and_loses_it_in_settings() {
    use crate::oauth::{authorize_path, challenge_of, decide, get, param, post};
    let net = Network::new();
    let alpha = net.instance(Backend::Sqlite, ALPHA, |_| {}).await;
    // The app's own site, on another origin.
    let beta = net.instance(Backend::Sqlite, BETA, |_| {}).await;
    town(&alpha).await;
    let app_url = beta.url("/");
    let (status, app) = post(
        &alpha,
        "/api/v1/apps",
        None,
        &[
            ("client_name", "Carnet de quartier"),
            ("redirect_uris", &app_url),
            ("scopes", "read write:statuses"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{app}");
    let client_id = app["client_id"].as_str().unwrap().to_string();
    let secret = app["client_secret"].as_str().unwrap().to_string();
    let verifier = "a-verifier-for-the-journey-long-enough-for-pkce-0123456789";
    let path = authorize_path(
        &client_id,
        "read write:statuses",
        &app_url,
        &challenge_of(verifier),
    );

    // Léa gave the app access once before: it holds a token.
    let mut lea = crate::support::web::WebClient::new(&alpha);
    lea.login("lea", PASSWORD).await;
    let approved = decide(&mut lea, &path, "approve").await;
    let code = param(&approved.location.unwrap(), "code").unwrap();
    let (status, granted) =
        crate::oauth::exchange_at(&alpha, (&client_id, &secret), &code, &app_url, verifier).await;
    assert_eq!(status, 200, "{granted}");
    let token = granted["access_token"].as_str().unwrap().to_string();

    let report = run_journey_async(
        "oauth.mjs",
        json!({
            "hosts": { ALPHA: ALPHA_IP.to_string(), BETA: BETA_IP.to_string() },
            "locale": "fr-FR",
            "base": alpha.base,
            "password": PASSWORD,
            "authorize": path,
            "app": app_url,
        }),
    )
    .await;
    report.assert_clean();
    assert!(
        report.pages.len() >= 4,
        "{} pages checked",
        report.pages.len()
    );
    // The browser brought a new code to the app; the access Léa took back is gone.
    let waiting: i64 = alpha
        .db
        .run(|c| {
            use diesel::prelude::*;
            use parvis::model::schema::oauth_codes;
            Ok(oauth_codes::table
                .filter(oauth_codes::used_at.is_null())
                .count()
                .get_result(c)?)
        })
        .await
        .unwrap();
    assert_eq!(waiting, 1);
    let (status, _) = get(&alpha, "/api/v1/accounts/verify_credentials", Some(&token)).await;
    assert_eq!(status, 401);
}
