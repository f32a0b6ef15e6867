//! The web interface over HTTP: registration modes, the charter, sessions and CSRF, login limits, languages,
//! forms that keep input, avatars, data export, and account deletion told to another instance.

use std::time::Duration;

use serde_json::Value;

use crate::federation::{account, eventually, follow_and_wait};
use crate::support::network::{ALPHA, BETA, Network};
use crate::support::web::{WebClient, multipart_file};
use crate::support::{TestInstance, both_backends};
use parvis::civic::accounts::{NewAccount, create_account};
use parvis::civic::communes::create_commune;
use parvis::civic::site::{self, Operator};
use parvis::config::RegistrationMode;
use parvis::db::queries;
use parvis::model::Role;

pub const PASSWORD: &str = "correct horse battery";

/// A commune and an account with a password.
/// A web client signed in as `user` (created with [`person`]).
pub async fn signed_in(instance: &TestInstance, user: &str) -> WebClient {
    let mut web = WebClient::new(instance);
    web.login(user, PASSWORD).await;
    web
}

pub async fn person(instance: &TestInstance, user: &str, role: Role) {
    let _ = create_commune(&instance.db, "ville", "Ville de Test").await;
    create_account(
        &instance.db,
        NewAccount {
            username: user.into(),
            role,
            commune: None,
            display_name: Some(format!("{user} Test")),
            password: Some(PASSWORD.into()),
        },
    )
    .await
    .unwrap();
}

async fn count_people(instance: &TestInstance) -> i64 {
    instance
        .db
        .run(|c| queries::count_actors(c, parvis::model::ActorKind::Person))
        .await
        .unwrap()
}

both_backends!(
    registration_by_invitation_requires_the_code_and_the_charter,
    |backend| async move {
        let alpha = TestInstance::start_with(backend, |s| {
            s.instance.registration = RegistrationMode::Invite;
        })
        .await;
        let _ = create_commune(&alpha.db, "ville", "Ville de Test").await;
        let charter = site::publish_charter(
            &alpha.db,
            Operator::Console,
            "Soyez courtois.\n\nRespectez la loi.",
        )
        .await
        .unwrap();
        let code = site::create_invite(&alpha.db, Operator::Console)
            .await
            .unwrap();
        let mut web = WebClient::new(&alpha);
        let form = web.get(&format!("/register?invite={code}")).await;
        assert_eq!(form.status, 200);
        assert!(
            form.has("Soyez courtois."),
            "the charter is shown: {}",
            form.body
        );
        assert!(
            form.has(&format!("value=\"{code}\"")),
            "the code from the link is filled in"
        );
        let csrf = form.csrf();
        let version = charter.version.to_string();

        // No CSRF token, or a forged one: 403 and nothing written.
        for token in ["", "forged-token"] {
            let page = web
                .post(
                    "/register",
                    &[
                        ("csrf", token),
                        ("invite", &code),
                        ("username", "alice"),
                        ("email", "alice@ville.example"),
                        ("password", PASSWORD),
                        ("accept_charter", &version),
                    ],
                )
                .await;
            assert_eq!(page.status, 403, "{}", page.body);
        }
        assert_eq!(count_people(&alpha).await, 0);

        // A wrong code: the error next to the field, the input kept.
        let page = web
            .post(
                "/register",
                &[
                    ("csrf", &csrf),
                    ("invite", "nope"),
                    ("username", "alice"),
                    ("email", "alice@ville.example"),
                    ("display_name", "Alice <b>A</b>"),
                    ("password", PASSWORD),
                    ("accept_charter", &version),
                ],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has("id=\"invite-error\""), "{}", page.body);
        assert!(
            page.has("Ce code d’invitation est inconnu"),
            "{}",
            page.body
        );
        assert!(page.has("value=\"alice\""), "username kept");
        assert!(
            page.has("value=\"Alice &lt;b&gt;A&lt;/b&gt;\""),
            "display name kept, escaped"
        );
        assert!(!page.has(PASSWORD), "a password is never sent back");

        // The charter not accepted.
        let page = web
            .post(
                "/register",
                &[
                    ("csrf", &csrf),
                    ("invite", &code),
                    ("username", "alice"),
                    ("email", "alice@ville.example"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has("id=\"accept_charter-error\""), "{}", page.body);
        // A password too short, in English for an English browser.
        web.accept_language = "en-GB,en;q=0.8".into();
        let page = web
            .post(
                "/register",
                &[
                    ("csrf", &csrf),
                    ("invite", &code),
                    ("username", "alice"),
                    ("email", "alice@ville.example"),
                    ("password", "short"),
                    ("accept_charter", &version),
                ],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(
            page.has("The password must have at least 10 characters."),
            "{}",
            page.body
        );
        assert_eq!(count_people(&alpha).await, 0);

        // Everything right: an account, signed in, the charter version and the language recorded.
        let page = web
            .post(
                "/register",
                &[
                    ("csrf", &csrf),
                    ("invite", &code),
                    ("username", "Alice"),
                    ("email", "alice@ville.example"),
                    ("display_name", "Alice"),
                    ("password", PASSWORD),
                    ("accept_charter", &version),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(page.location.as_deref(), Some("/"));
        let home = web.get("/").await;
        assert!(
            home.has("Welcome! Your account is created."),
            "{}",
            home.body
        );
        assert!(home.has("id=\"logout\""));
        let (_, account) = alpha
            .db
            .run(|c| queries::account_by_username(c, "alice"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(account.charter_version, Some(charter.version));
        assert_eq!(account.language.as_deref(), Some("en"));
        assert_eq!(account.role, Role::Citizen);

        // The code is spent.
        let mut other = WebClient::new(&alpha);
        let page = other
            .submit(
                "/register",
                "/register",
                &[
                    ("invite", &code),
                    ("username", "bob"),
                    ("email", "bob@ville.example"),
                    ("password", PASSWORD),
                    ("accept_charter", &version),
                ],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has("id=\"invite-error\""));
        assert_eq!(count_people(&alpha).await, 1);
    }
);

both_backends!(
    closed_and_open_registration_follow_the_admin_setting,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        person(&alpha, "admin", Role::Admin).await;
        person(&alpha, "karim", Role::Citizen).await;
        // A citizen cannot reach the admin page.
        let mut citizen = WebClient::new(&alpha);
        citizen.login("karim", PASSWORD).await;
        assert_eq!(citizen.get("/admin").await.status, 403);
        let csrf = citizen.get("/settings").await.csrf();
        let page = citizen
            .post(
                "/admin",
                &[
                    ("csrf", &csrf),
                    ("name", "Pirate"),
                    ("description", ""),
                    ("registration", "open"),
                ],
            )
            .await;
        assert_eq!(page.status, 403);

        let mut admin = WebClient::new(&alpha);
        admin.login("admin", PASSWORD).await;
        // Bad input keeps what was typed.
        let page = admin
            .submit(
                "/admin",
                "/admin",
                &[
                    ("name", ""),
                    ("description", "Notre ville"),
                    ("registration", "closed"),
                ],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has("id=\"name-error\""), "{}", page.body);
        assert!(page.has("Notre ville"));
        let page = admin
            .submit(
                "/admin",
                "/admin",
                &[
                    ("name", "Ville <Test>"),
                    ("description", "Notre ville"),
                    ("registration", "closed"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let home = WebClient::new(&alpha).get("/").await;
        assert!(home.has("Ville &lt;Test&gt;"), "name shown, escaped");
        let closed = WebClient::new(&alpha).get("/register").await;
        assert_eq!(closed.status, 403);
        assert!(closed.has("Les inscriptions sont fermées"));
        let (_, nodeinfo) = alpha.get_json("/nodeinfo/2.1", "application/json").await;
        assert_eq!(nodeinfo["openRegistrations"], false);
        assert_eq!(nodeinfo["metadata"]["nodeName"], "Ville <Test>");

        admin
            .submit(
                "/admin",
                "/admin",
                &[
                    ("name", "Ville"),
                    ("description", ""),
                    ("registration", "open"),
                ],
            )
            .await;
        let mut visitor = WebClient::new(&alpha);
        let page = visitor
            .submit(
                "/register",
                "/register",
                &[
                    ("username", "zoe"),
                    ("email", "zoe@ville.example"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            page.status, 303,
            "no charter yet, no code needed: {}",
            page.body
        );
        let (_, nodeinfo) = alpha.get_json("/nodeinfo/2.1", "application/json").await;
        assert_eq!(nodeinfo["openRegistrations"], true);
    }
);

both_backends!(
    a_new_charter_version_is_asked_again_before_anything_else,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        person(&alpha, "admin", Role::Admin).await;
        person(&alpha, "karim", Role::Citizen).await;
        let mut admin = WebClient::new(&alpha);
        admin.login("admin", PASSWORD).await;
        let page = admin
            .submit("/admin", "/admin/charter", &[("charter", "Version un.")])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let mut karim = WebClient::new(&alpha);
        karim.login("karim", PASSWORD).await;
        // Every page leads to the charter until it is accepted; POSTs are refused the same way.
        let page = karim.get("/settings").await;
        assert_eq!(page.status, 303);
        assert_eq!(page.location.as_deref(), Some("/charter?next=%2Fsettings"));
        let charter = karim.get("/charter?next=%2Fsettings").await;
        assert!(charter.has("Version un."));
        let csrf = charter.csrf();
        let page = karim
            .post("/post", &[("csrf", &csrf), ("content", "sans charte")])
            .await;
        assert_eq!(page.status, 303);
        assert!(page.location.unwrap().starts_with("/charter"));
        let (_, posts) = alpha
            .get_json("/users/karim/outbox", "application/activity+json")
            .await;
        assert_eq!(posts["totalItems"], 0, "the refused post was not written");
        // Not ticked: an error, in place.
        let page = karim
            .post("/charter", &[("csrf", &csrf), ("next", "/settings")])
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has("id=\"accept_charter-error\""));
        let page = karim
            .post(
                "/charter",
                &[
                    ("csrf", &csrf),
                    ("next", "/settings"),
                    ("accept_charter", "1"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(page.location.as_deref(), Some("/settings"));
        assert_eq!(karim.get("/settings").await.status, 200);

        // The admin publishes version 2: asked again, and an old version cannot be accepted.
        let page = admin
            .submit("/admin", "/admin/charter", &[("charter", "Version deux.")])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(karim.get("/settings").await.status, 303);
        let page = karim.get("/charter").await;
        assert!(page.has("Version deux."));
        assert!(page.has("La charte a changé."));
        let csrf = page.csrf();
        let page = karim
            .post("/charter", &[("csrf", &csrf), ("accept_charter", "1")])
            .await;
        assert_eq!(page.status, 422);
        // Refusing it leaves a way out: the data and deleting the account stay reachable.
        assert!(page.has("id=\"delete\""));
        assert_eq!(karim.get("/settings/export").await.status, 200);
        let refused = karim
            .post(
                "/settings/delete",
                &[("csrf", &csrf), ("delete_password", "not it at all")],
            )
            .await;
        assert_eq!(refused.status, 422, "the form answers, not a redirect");
        let page = karim
            .post("/charter", &[("csrf", &csrf), ("accept_charter", "2")])
            .await;
        assert_eq!(page.status, 303);
        assert_eq!(karim.get("/settings").await.status, 200);
        assert_eq!(
            admin.get("/admin").await.status,
            200,
            "who wrote it has accepted it"
        );
    }
);

both_backends!(
    logins_are_limited_per_account_and_sessions_end_at_logout,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        person(&alpha, "karim", Role::Citizen).await;
        let mut web = WebClient::new(&alpha);
        let page = web
            .submit(
                "/login",
                "/login",
                &[("username", "karim"), ("password", "wrong password")],
            )
            .await;
        assert_eq!(page.status, 401);
        assert!(page.has("Nom d’utilisateur ou mot de passe incorrect."));
        assert!(page.has("value=\"karim\""), "username kept");
        // An unknown account gets the same answer.
        let unknown = web
            .submit(
                "/login",
                "/login",
                &[("username", "nobody"), ("password", "wrong password")],
            )
            .await;
        assert_eq!(unknown.status, 401);
        assert!(unknown.has("Nom d’utilisateur ou mot de passe incorrect."));
        for _ in 0..9 {
            web.submit(
                "/login",
                "/login",
                &[("username", "karim"), ("password", "wrong password")],
            )
            .await;
        }
        // Over the limit, even the right password waits.
        let page = web
            .submit(
                "/login",
                "/login",
                &[("username", "karim"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(page.status, 429, "{}", page.body);
        assert!(page.headers.contains_key("retry-after"));
        assert!(
            page.has("Trop de tentatives de connexion."),
            "{}",
            page.body
        );

        person(&alpha, "zoe", Role::Citizen).await;
        let mut zoe = WebClient::new(&alpha);
        zoe.login("zoe", PASSWORD).await;
        assert!(zoe.has_session());
        let settings = zoe.get("/settings").await;
        assert_eq!(settings.status, 200);
        // Logging out needs the token too, then the session is gone for good.
        assert_eq!(zoe.post("/logout", &[("csrf", "forged")]).await.status, 403);
        assert_eq!(zoe.get("/settings").await.status, 200);
        let page = zoe.post("/logout", &[("csrf", &settings.csrf())]).await;
        assert_eq!(page.status, 303);
        let page = zoe.get("/settings").await;
        assert_eq!(page.status, 303);
        assert_eq!(page.location.as_deref(), Some("/login?next=%2Fsettings"));
        // A redirect after login stays on this site.
        let page = zoe
            .submit(
                "/login",
                "/login",
                &[
                    ("username", "zoe"),
                    ("password", PASSWORD),
                    ("next", "//evil.example/"),
                ],
            )
            .await;
        // Zoe has no address: she is asked for one first, then goes on to the (safe) page.
        assert_eq!(page.location.as_deref(), Some("/email/ask?next=%2F"));
        let ask = zoe.get("/email/ask?next=%2F%2Fevil.example%2F").await;
        assert_eq!(ask.status, 200);
        assert!(ask.has("name=\"next\" value=\"/\""), "{}", ask.body);
        // "Not now": not asked again.
        let page = zoe
            .post("/email/dismiss", &[("csrf", &ask.csrf()), ("next", "/")])
            .await;
        assert_eq!(page.location.as_deref(), Some("/"));
        let page = WebClient::new(&alpha)
            .submit(
                "/login",
                "/login",
                &[("username", "zoe"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(page.location.as_deref(), Some("/"));
    }
);

both_backends!(
    the_language_follows_the_account_else_the_switch_else_the_browser,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        person(&alpha, "karim", Role::Citizen).await;
        let mut web = WebClient::new(&alpha);
        web.accept_language = "en-US,en;q=0.9".into();
        let page = web.get("/").await;
        assert!(page.has("<html lang=\"en\">"));
        assert!(page.has("Skip to content"));
        // The switch on every page, then a cookie.
        assert!(page.has("data-lang-switch=\"fr\""));
        let page = web.get("/language?lang=fr&next=%2Flogin").await;
        assert_eq!(page.status, 303);
        assert_eq!(page.location.as_deref(), Some("/login"));
        let page = web.get("/login").await;
        assert!(page.has("<html lang=\"fr\">"), "{}", page.body);
        // An unknown language is a clear error, nothing set.
        assert_eq!(web.get("/language?lang=xx").await.status, 422);
        // The account's setting wins over the browser and the cookie.
        web.login("karim", PASSWORD).await;
        let page = web
            .submit(
                "/settings",
                "/settings",
                &[("display_name", "Karim"), ("bio", ""), ("language", "en")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        web.accept_language = "fr".into();
        let page = web.get("/settings").await;
        assert!(page.has("<html lang=\"en\">"));
        assert!(page.has("Changes saved."));
        // A page that does not exist is a page too, for browsers.
        let missing = web.get("/no/such/page").await;
        assert_eq!(missing.status, 404);
        assert!(missing.has("Page not found"), "{}", missing.body);
        // Dates follow the language.
        let page = web
            .submit(
                "/post",
                "/post",
                &[("content", "Hello"), ("visibility", "public")],
            )
            .await;
        assert_eq!(page.status, 303);
        let post = web.get(page.location.as_deref().unwrap()).await;
        let month = chrono::Utc::now().format("%B").to_string();
        assert!(post.has(&month), "English month {month} in {}", post.body);
    }
);

both_backends!(
    forms_keep_input_and_escape_what_people_type,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        person(&alpha, "karim", Role::Citizen).await;
        let mut web = WebClient::new(&alpha);
        web.login("karim", PASSWORD).await;
        let long = "é".repeat(501);
        let page = web
            .submit(
                "/post",
                "/post",
                &[("content", &long), ("visibility", "public")],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has(&long), "the text is kept");
        assert!(page.has("id=\"content-error\""));
        assert!(page.has("aria-invalid=\"true\""));
        let page = web
            .submit(
                "/post",
                "/post",
                &[("content", "hi"), ("visibility", "secret")],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has("id=\"visibility-error\""));
        // Script in a post and a profile is shown as text.
        let page = web
            .submit(
                "/post",
                "/post",
                &[
                    ("content", "<script>alert(1)</script>"),
                    ("visibility", "public"),
                ],
            )
            .await;
        assert_eq!(page.status, 303);
        let page = web
            .submit(
                "/settings",
                "/settings",
                &[
                    ("display_name", "<img src=x onerror=alert(1)>"),
                    ("bio", "<style>body{display:none}</style>"),
                    ("language", ""),
                ],
            )
            .await;
        assert_eq!(page.status, 303);
        let profile = web.get("/users/karim").await;
        assert!(!profile.has("<script>alert"), "{}", profile.body);
        assert!(!profile.has("<img src=x"), "{}", profile.body);
        assert!(!profile.has("<style>body"), "{}", profile.body);
        assert!(profile.has("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(profile.has("&lt;img src=x onerror=alert(1)&gt;"));
        let csp = profile.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
        // A bad bio keeps the other fields.
        let long_bio = "b".repeat(501);
        let page = web
            .submit(
                "/settings",
                "/settings",
                &[
                    ("display_name", "Karim B."),
                    ("bio", &long_bio),
                    ("language", ""),
                ],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has("value=\"Karim B.\""));
        assert!(page.has("id=\"bio-error\""));
    }
);

/// Alpha with karim (a password), beta with lea (a token) who follows karim. Returns lea's token and the id
/// karim has in beta's API.
async fn karim_followed_from_beta(
    backend: crate::support::Backend,
) -> (Network, TestInstance, TestInstance, String, String) {
    let net = Network::new();
    let alpha = net.instance(backend, ALPHA, |_| {}).await;
    let beta = net.instance(backend, BETA, |_| {}).await;
    person(&alpha, "karim", Role::Citizen).await;
    let reader = account(&beta, "beta-ville", "lea", Role::Citizen).await;
    let handle = format!("@karim@{}", alpha.base.trim_start_matches("https://"));
    let id = follow_and_wait(&beta, &reader, &handle).await;
    (net, alpha, beta, reader, id)
}

pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_pixel(width, height, image::Rgb([200, 30, 30]));
    let mut out = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

both_backends!(
    avatars_are_checked_resized_and_served,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        person(&alpha, "karim", Role::Citizen).await;
        let mut web = WebClient::new(&alpha);
        web.login("karim", PASSWORD).await;
        let csrf = web.get("/settings").await.csrf();
        // Not a picture.
        let (body, boundary) = multipart_file(
            &csrf,
            "avatar",
            "x.svg",
            "image/svg+xml",
            b"<svg onload=alert(1)/>",
        );
        let page = web
            .post_multipart("/settings/avatar", body, &boundary)
            .await;
        assert_eq!(page.status, 422, "{}", page.body);
        assert!(page.has("id=\"avatar-error\""));
        // Too large (a valid header, then padding past 2 MB).
        let mut big = png(10, 10);
        big.resize(3 * 1024 * 1024, 0);
        let (body, boundary) = multipart_file(&csrf, "avatar", "big.png", "image/png", &big);
        let page = web
            .post_multipart("/settings/avatar", body, &boundary)
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has("2 Mo au plus"), "{}", page.body);
        // A forged token: nothing stored.
        let (body, boundary) =
            multipart_file("forged", "avatar", "a.png", "image/png", &png(50, 50));
        assert_eq!(
            web.post_multipart("/settings/avatar", body, &boundary)
                .await
                .status,
            403
        );
        let media = alpha.data_dir().join("media");
        assert!(!media.exists() || std::fs::read_dir(&media).unwrap().count() == 0);
        // A real picture: resized, served as PNG, in the actor document.
        let (body, boundary) =
            multipart_file(&csrf, "avatar", "me.png", "image/png", &png(1000, 500));
        let page = web
            .post_multipart("/settings/avatar", body, &boundary)
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let (_, actor) = alpha
            .get_json("/users/karim", "application/activity+json")
            .await;
        let icon = actor["icon"]["url"].as_str().expect("icon").to_string();
        let path = icon.trim_start_matches(&alpha.base).to_string();
        let response = alpha.get(&path, "image/*").await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "image/png");
        let served = image::load_from_memory(&response.bytes().await.unwrap()).unwrap();
        assert_eq!((served.width(), served.height()), (400, 200));
        // A second picture replaces the first file.
        let (body, boundary) =
            multipart_file(&csrf, "avatar", "me2.png", "image/png", &png(20, 20));
        assert_eq!(
            web.post_multipart("/settings/avatar", body, &boundary)
                .await
                .status,
            303
        );
        assert_eq!(std::fs::read_dir(&media).unwrap().count(), 1);
        assert_eq!(alpha.get(&path, "image/*").await.status(), 404);
        // Nothing else is served from the media folder.
        assert_eq!(
            alpha
                .get("/media/..%2Fparvis.sqlite3", "*/*")
                .await
                .status(),
            404
        );
    }
);

both_backends!(
    an_account_is_exported_then_deleted_everywhere,
    |backend| async move {
        let (_net, alpha, beta, reader, _) = karim_followed_from_beta(backend).await;
        let mut web = WebClient::new(&alpha);
        web.login("karim", PASSWORD).await;
        let page = web
            .submit(
                "/post",
                "/post",
                &[("content", "Mon premier message"), ("visibility", "public")],
            )
            .await;
        assert_eq!(page.status, 303);
        let note_path = page.location.clone().unwrap();
        // The post reaches beta.
        eventually("the post on beta", Duration::from_secs(30), || async {
            let (_, items) = beta.api_get("/api/v1/timelines/home", &reader).await;
            items.as_array().and_then(|a| {
                a.iter()
                    .find(|s| s["content"].as_str().unwrap_or("").contains("Mon premier"))
                    .cloned()
            })
        })
        .await;

        let export = web.get("/settings/export").await;
        assert_eq!(export.status, 200);
        assert!(
            export.headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        let data: Value = serde_json::from_str(&export.body).unwrap();
        assert_eq!(data["profile"]["username"], "karim");
        assert_eq!(data["posts"][0]["content"], "<p>Mon premier message</p>");
        assert!(
            data["followers"][0]
                .as_str()
                .unwrap()
                .contains("/users/lea"),
            "{data}"
        );
        assert_eq!(
            WebClient::new(&alpha).get("/settings/export").await.status,
            303,
            "login needed"
        );

        // A wrong password or no confirmation: nothing deleted.
        let page = web
            .submit(
                "/settings",
                "/settings/delete",
                &[
                    ("delete_password", "wrong one!!"),
                    ("delete_confirm", "yes"),
                ],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has("id=\"delete_password-error\""));
        let page = web
            .submit(
                "/settings",
                "/settings/delete",
                &[("delete_password", PASSWORD)],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has("id=\"delete_confirm-error\""));
        assert_eq!(
            alpha
                .get("/users/karim", "application/activity+json")
                .await
                .status(),
            200
        );

        let page = web
            .submit(
                "/settings",
                "/settings/delete",
                &[("delete_password", PASSWORD), ("delete_confirm", "yes")],
            )
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.has("Compte supprimé"));
        // Signed out, cannot log in again, the name stays taken, the profile and posts are gone.
        assert_eq!(web.get("/settings").await.status, 303);
        let again = WebClient::new(&alpha)
            .submit(
                "/login",
                "/login",
                &[("username", "karim"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(again.status, 401);
        assert_eq!(
            alpha
                .get("/users/karim", "application/activity+json")
                .await
                .status(),
            410
        );
        assert_eq!(WebClient::new(&alpha).get("/users/karim").await.status, 410);
        let (_, tombstone) = alpha
            .get_json("/users/karim", "application/activity+json")
            .await;
        assert_eq!(tombstone["type"], "Tombstone");
        assert_eq!(tombstone["formerType"], "Person");
        assert_eq!(tombstone["id"], alpha.url("/users/karim").as_str());
        assert_eq!(
            alpha
                .get(&note_path, "application/activity+json")
                .await
                .status(),
            404
        );
        let (status, _) = alpha
            .get_json(
                "/.well-known/webfinger?resource=acct:karim@alpha.parvis.test",
                "application/jrd+json",
            )
            .await;
        assert_eq!(status, 404);
        // Beta is told: the account and its post disappear there.
        eventually("the Delete on beta", Duration::from_secs(30), || async {
            let (_, items) = beta.api_get("/api/v1/timelines/home", &reader).await;
            let gone = items.as_array().is_some_and(|a| {
                a.iter()
                    .all(|s| !s["content"].as_str().unwrap_or("").contains("Mon premier"))
            });
            gone.then_some(())
        })
        .await;
    }
);

both_backends!(
    a_profile_change_is_sent_to_followers_servers,
    |backend| async move {
        let (_net, alpha, beta, reader, id) = karim_followed_from_beta(backend).await;
        let mut web = WebClient::new(&alpha);
        web.login("karim", PASSWORD).await;
        let page = web
            .submit(
                "/settings",
                "/settings",
                &[
                    ("display_name", "Karim, adjoint"),
                    ("bio", "Vélo et jardins"),
                    ("language", ""),
                ],
            )
            .await;
        assert_eq!(page.status, 303);
        eventually("the Update on beta", Duration::from_secs(30), || async {
            let (_, acct) = beta
                .api_get(&format!("/api/v1/accounts/{id}"), &reader)
                .await;
            (acct["display_name"] == "Karim, adjoint").then_some(())
        })
        .await;
    }
);

both_backends!(
    pages_share_urls_with_activitypub_and_follow_remote_accounts,
    |backend| async move {
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        person(&alpha, "karim", Role::Citizen).await;
        account(&beta, "beta-ville", "lea", Role::Official).await;
        let mut web = WebClient::new(&alpha);
        web.login("karim", PASSWORD).await;
        // Unknown, malformed and unreachable handles: a clear error in the form.
        let page = web.get("/follow?handle=%40nobody%40beta.parvis.test").await;
        assert_eq!(page.status, 422);
        assert!(page.has("id=\"handle-error\""), "{}", page.body);
        let page = web.get("/follow?handle=%40x%40gone.parvis.test").await;
        assert_eq!(page.status, 422);
        assert!(page.has("id=\"handle-error\""), "{}", page.body);
        let handle = format!("@lea@{}", beta.base.trim_start_matches("https://"));
        let page = web
            .get(&format!(
                "/follow?handle={}",
                url::form_urlencoded::byte_serialize(handle.as_bytes()).collect::<String>()
            ))
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.has("id=\"follow-form\""));
        let target = page
            .body
            .split("name=\"target\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let page = web
            .post("/follow", &[("csrf", &page.csrf()), ("target", &target)])
            .await;
        assert_eq!(page.status, 303);
        assert_eq!(page.location.as_deref(), Some("/users/karim/following"));
        eventually("the follow accepted", Duration::from_secs(30), || async {
            let list = WebClient::new(&alpha).get("/users/karim/following").await;
            list.has(&handle).then_some(())
        })
        .await;
        // The same URL answers servers with JSON and browsers with HTML.
        let json = alpha
            .get("/users/karim/following", "application/activity+json")
            .await;
        assert!(
            json.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("activity+json")
        );
        let html = alpha.get("/users/karim/following", "text/html").await;
        assert!(
            html.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("text/html")
        );
        assert_eq!(html.headers()["vary"], "Accept");
        // Lea's profile on beta lists karim as a follower, with his handle.
        let followers = WebClient::new(&beta).get("/users/lea/followers").await;
        assert!(
            followers.has("@karim@alpha.parvis.test"),
            "{}",
            followers.body
        );
    }
);

/// What a refused form must not have changed.
async fn snapshot(instance: &TestInstance) -> Vec<i64> {
    use diesel::prelude::*;
    use parvis::model::schema::{
        actors, charters, follows, invites, notes, sessions, site_settings,
    };
    instance
        .db
        .run(|c| {
            Ok(vec![
                notes::table.count().get_result(c)?,
                follows::table.count().get_result(c)?,
                charters::table.count().get_result(c)?,
                invites::table.count().get_result(c)?,
                site_settings::table.count().get_result(c)?,
                actors::table
                    .filter(actors::deleted_at.is_not_null())
                    .count()
                    .get_result(c)?,
                actors::table
                    .filter(actors::display_name.like("%hacked%"))
                    .count()
                    .get_result(c)?,
                sessions::table.count().get_result(c)?,
            ])
        })
        .await
        .unwrap()
}

both_backends!(
    every_form_refuses_a_missing_or_forged_csrf_token,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        person(&alpha, "admin", Role::Admin).await;
        person(&alpha, "karim", Role::Citizen).await;
        let karim = alpha
            .db
            .run(|c| queries::account_by_username(c, "karim"))
            .await
            .unwrap()
            .unwrap()
            .0
            .id
            .to_string();
        let mut web = WebClient::new(&alpha);
        web.login("admin", PASSWORD).await;
        web.get("/settings").await;
        let before = snapshot(&alpha).await;
        let forms: Vec<(&str, Vec<(&str, &str)>)> = vec![
            (
                "/post",
                vec![("content", "hacked"), ("visibility", "public")],
            ),
            (
                "/settings",
                vec![("display_name", "hacked"), ("bio", ""), ("language", "en")],
            ),
            ("/follow", vec![("target", &karim)]),
            ("/unfollow", vec![("target", &karim)]),
            ("/charter", vec![("accept_charter", "1")]),
            ("/language", vec![("lang", "en"), ("next", "/")]),
            (
                "/settings/delete",
                vec![("delete_password", PASSWORD), ("delete_confirm", "yes")],
            ),
            (
                "/admin",
                vec![
                    ("name", "hacked"),
                    ("description", ""),
                    ("registration", "open"),
                ],
            ),
            ("/admin/charter", vec![("charter", "hacked")]),
            ("/admin/invites", vec![]),
            ("/logout", vec![]),
        ];
        for (path, fields) in &forms {
            for token in [None, Some("forged-token")] {
                let mut all: Vec<(&str, &str)> = fields.clone();
                if let Some(token) = token {
                    all.push(("csrf", token));
                }
                let page = web.post(path, &all).await;
                assert_eq!(
                    page.status, 403,
                    "{path} with token {token:?}: {}",
                    page.body
                );
                assert!(page.has("Le formulaire a expiré"), "{path}: {}", page.body);
            }
        }
        assert_eq!(snapshot(&alpha).await, before, "nothing written");
        // Still signed in, still French, still the same admin.
        let page = web.get("/admin").await;
        assert_eq!(page.status, 200);
        assert!(page.has("<html lang=\"fr\">"));
    }
);

both_backends!(
    limits_hold_per_address_and_redirects_stay_home,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        person(&alpha, "karim", Role::Citizen).await;
        let mut web = WebClient::new(&alpha);
        // Twenty attempts on twenty names from one address, then the address waits.
        for i in 0..20 {
            let name = format!("nobody{i}");
            let page = web
                .submit(
                    "/login",
                    "/login",
                    &[("username", &name), ("password", "wrong password")],
                )
                .await;
            assert_eq!(page.status, 401, "attempt {i}");
        }
        let page = web
            .submit(
                "/login",
                "/login",
                &[("username", "karim"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(page.status, 429);
        // Registering counts too.
        let page = web
            .submit(
                "/register",
                "/register",
                &[("username", "zoe"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(page.status, 429, "{}", page.body);
        assert_eq!(count_people(&alpha).await, 1);
        // A path a browser would read as another site is not followed.
        for next in [
            "/%09/evil.example",
            "/%0A/evil.example",
            "/%5Cevil.example",
            "//evil.example",
        ] {
            let page = web.get(&format!("/language?lang=en&next={next}")).await;
            assert_eq!(page.status, 303);
            assert_eq!(page.location.as_deref(), Some("/"), "{next}");
        }
    }
);
