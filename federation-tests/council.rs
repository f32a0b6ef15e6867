//! The council, for real: the admin imports the register of elected officials (a synthetic sample in its real
//! layout) with the commune's INSEE code; broken lines are reported and the rest imported; a second import of
//! the same file changes nothing; the admin confirms one councillor's account and makes a claim code for
//! another, who claims their profile (a code is used once, and guessing is rate-limited); the Fedify peer,
//! following the official, gets the `Update` that carries the mandate; a later register without one
//! councillor ends their mandate; mandates and roles are changed on the web, each in the audit log.

use diesel::prelude::*;

use crate::federation::eventually;
use crate::support::both_backends;
use crate::support::debates::people;
use crate::support::network::{ALPHA, Network};
use crate::support::web::WebClient;
use crate::web::{person, signed_in};
use parvis::model::Role;
use parvis::model::schema::{council_members, mandates, moderation_actions};

const WAIT: std::time::Duration = std::time::Duration::from_secs(30);

pub(crate) fn sample(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("federation-tests/fixtures/rne")
        .join(name)
        .display()
        .to_string()
}

/// The claim code a page shows once.
fn shown_code(page: &crate::support::web::Page) -> String {
    page.body
        .split("<code>")
        .nth(1)
        .and_then(|s| s.split("</code>").next())
        .expect("a code on the page")
        .to_string()
}

/// Runs `parvis admin officials import` against the instance; its output, or its error.
pub(crate) async fn import(
    alpha: &crate::support::TestInstance,
    extra: &[&str],
) -> Result<String, String> {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("parvis.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\ndata_dir = {:?}\npublic_url = {:?}\n[database]\nurl = {:?}\n",
            alpha.settings.server.data_dir.display().to_string(),
            alpha.settings.server.public_url,
            alpha.settings.database.url
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let mut args = vec![
        "parvis",
        "admin",
        "--config",
        &config,
        "officials",
        "import",
    ];
    args.extend_from_slice(extra);
    let cli = <parvis::cli::Cli as clap::Parser>::try_parse_from(args).unwrap();
    let mut out = Vec::new();
    match parvis::cli::run(cli, &mut out).await {
        Ok(()) => Ok(String::from_utf8(out).unwrap()),
        Err(e) => Err(e.to_string()),
    }
}

/// The audit log's actions, oldest first.
async fn audited(alpha: &crate::support::TestInstance) -> Vec<String> {
    alpha
        .db
        .run(|c| {
            Ok(moderation_actions::table
                .order(moderation_actions::id.asc())
                .select(moderation_actions::action)
                .load(c)?)
        })
        .await
        .unwrap()
}

both_backends!(
    the_register_is_imported_claimed_and_kept_up_to_date,
    |backend| async move {
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        people(&alpha).await;
        person(&alpha, "admin", Role::Admin).await;
        person(&alpha, "aline", Role::Citizen).await;
        person(&alpha, "bruno", Role::Citizen).await;
        let peer = crate::fedify::peer_following(&net, &alpha, "bruno").await;

        // Bad input: a file that is not the register; an INSEE code that is not one.
        let other = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(other.path(), "id;name;email\n1;x;y\n").unwrap();
        let refused = import(
            &alpha,
            &["--file", other.path().to_str().unwrap(), "--insee", "69999"],
        )
        .await;
        assert!(
            refused.as_ref().is_err_and(|e| e.contains("Nom de l'élu")),
            "{refused:?}"
        );
        let bad_code = import(
            &alpha,
            &[
                "--file",
                &sample("conseillers-municipaux-sample.csv"),
                "--insee",
                "6999X",
            ],
        )
        .await;
        assert!(bad_code.is_err(), "{bad_code:?}");

        // The sample: four councillors of the commune, two broken lines reported, the rest imported.
        let out = import(
            &alpha,
            &[
                "--file",
                &sample("conseillers-municipaux-sample.csv"),
                "--commune",
                "ville",
                "--insee",
                "69999",
            ],
        )
        .await
        .unwrap();
        assert!(
            out.contains("4 added, 0 updated, 0 unchanged, 0 ended"),
            "{out}"
        );
        assert!(out.contains("2 lines could not be read"), "{out}");
        assert!(out.contains("line 6: no date"), "{out}");
        // Again: nothing changes.
        let again = import(
            &alpha,
            &["--file", &sample("conseillers-municipaux-sample.csv")],
        )
        .await
        .unwrap();
        assert!(
            again.contains("0 added, 0 updated, 4 unchanged, 0 ended"),
            "{again}"
        );
        let home = WebClient::new(&alpha).get("/").await;
        for name in [
            "Aline DUPONTEXEMPLE",
            "Bruno MARTINEXEMPLE",
            "Chloé PETITEXEMPLE",
            "Damien ROUXEXEMPLE",
        ] {
            assert!(home.has(name), "{name}: {}", home.body);
        }
        assert!(
            !home.has("AUTREEXEMPLE") && !home.has("1970"),
            "nothing else kept"
        );
        assert!(home.has("pas encore sur Parvis"));

        // The admin confirms Bruno's account: he becomes an official carrying his mandate; the peer hears it.
        let mut admin = signed_in(&alpha, "admin").await;
        let page = admin.get("/admin/council").await;
        assert_eq!(page.status, 200, "{}", page.body);
        let member = |name: &'static str| {
            let db = alpha.db.clone();
            async move {
                db.run(move |c| {
                    Ok(council_members::table
                        .filter(council_members::given_name.eq(name))
                        .select(council_members::id)
                        .first::<i64>(c)?)
                })
                .await
                .unwrap()
            }
        };
        let bruno = member("Bruno").await;
        let confirmed = admin
            .submit(
                "/admin/council",
                &format!("/admin/council/{bruno}/confirm"),
                &[("username", "bruno")],
            )
            .await;
        assert_eq!(confirmed.status, 303, "{}", confirmed.body);
        assert!(
            WebClient::new(&alpha)
                .get("/users/bruno")
                .await
                .has("1er adjoint au Maire")
        );
        let update = peer
            .wait_for_inbox(
                |a| {
                    a["type"] == "Update"
                        && a["actor"]
                            .as_str()
                            .is_some_and(|x| x.ends_with("/users/bruno"))
                },
                WAIT,
            )
            .await;
        assert!(
            update["raw"].to_string().contains("1er adjoint au Maire"),
            "{update}"
        );
        // A second claim of the same profile is refused.
        let twice = admin
            .submit(
                "/admin/council",
                &format!("/admin/council/{bruno}/confirm"),
                &[("username", "lea")],
            )
            .await;
        assert_eq!(twice.status, 409, "{}", twice.body);

        // A claim code for Aline, shown once; guessed codes are refused, then rate-limited.
        let aline = member("Aline").await;
        let made = admin
            .submit(
                "/admin/council",
                &format!("/admin/council/{aline}/code"),
                &[],
            )
            .await;
        assert_eq!(made.status, 200, "{}", made.body);
        let code = shown_code(&made);
        assert_eq!(code.len(), 11, "{code}");
        let mut lea = signed_in(&alpha, "lea").await;
        for _ in 0..5 {
            let guess = lea
                .submit("/claim", "/claim", &[("code", "AAAAA-BBBBB")])
                .await;
            assert_eq!(guess.status, 422, "{}", guess.body);
        }
        let limited = lea.submit("/claim", "/claim", &[("code", &code)]).await;
        assert_eq!(
            limited.status, 429,
            "even the right code, past the limit: {}",
            limited.body
        );
        let mut aline_web = signed_in(&alpha, "aline").await;
        let claimed = aline_web
            .submit("/claim", "/claim", &[("code", &code.to_lowercase())])
            .await;
        assert_eq!(claimed.status, 303, "{}", claimed.body);
        assert!(
            WebClient::new(&alpha)
                .get("/users/aline")
                .await
                .has("Maire")
        );
        let mut karim = signed_in(&alpha, "karim").await;
        let used = karim.submit("/claim", "/claim", &[("code", &code)]).await;
        assert_eq!(used.status, 422, "a code is used once: {}", used.body);

        // A code past its time is refused, though right: Damien's, expired, then made valid again.
        let damien = member("Damien").await;
        let made = admin
            .submit(
                "/admin/council",
                &format!("/admin/council/{damien}/code"),
                &[],
            )
            .await;
        let damien_code = shown_code(&made);
        let expire_at = |at: chrono::NaiveDateTime| {
            let db = alpha.db.clone();
            async move {
                db.run(move |c| {
                    Ok(diesel::update(council_members::table.find(damien))
                        .set(council_members::claim_code_expires.eq(Some(at)))
                        .execute(c)?)
                })
                .await
                .unwrap()
            }
        };
        let now = chrono::Utc::now().naive_utc();
        expire_at(now - chrono::Duration::minutes(1)).await;
        let expired = karim
            .submit("/claim", "/claim", &[("code", &damien_code)])
            .await;
        assert_eq!(expired.status, 422, "an expired code: {}", expired.body);
        expire_at(now + chrono::Duration::days(1)).await;
        let valid = karim
            .submit("/claim", "/claim", &[("code", &damien_code)])
            .await;
        assert_eq!(valid.status, 303, "the same code in time: {}", valid.body);

        // Later: Bruno is no longer listed (his mandate ends today), Chloé is a deputy now.
        let later = import(
            &alpha,
            &["--file", &sample("conseillers-municipaux-later.csv")],
        )
        .await
        .unwrap();
        assert!(
            later.contains("0 added, 1 updated, 2 unchanged, 1 ended"),
            "{later}"
        );
        let ended: Vec<Option<chrono::NaiveDate>> = alpha
            .db
            .run(|c| {
                Ok(mandates::table
                    .order(mandates::id.asc())
                    .select(mandates::until)
                    .load(c)?)
            })
            .await
            .unwrap();
        assert_eq!(
            ended,
            vec![Some(chrono::Utc::now().date_naive()), None, None],
            "Bruno's ended, Aline's and Damien's held"
        );
        let home = WebClient::new(&alpha).get("/").await;
        assert!(
            !home.has("Bruno MARTINEXEMPLE") && home.has("2ème adjoint au Maire"),
            "{}",
            home.body
        );
        // A code that matches nothing in the file: reported, nothing of the commune changed.
        let nowhere = import(
            &alpha,
            &[
                "--file",
                &sample("conseillers-municipaux-later.csv"),
                "--insee",
                "12345",
            ],
        )
        .await
        .unwrap();
        assert!(
            nowhere.contains("lists no councillor of 12345"),
            "{nowhere}"
        );
        assert!(
            WebClient::new(&alpha)
                .get("/")
                .await
                .has("Aline DUPONTEXEMPLE")
        );

        // Mandates and roles on the web, each in the audit log.
        let added = admin
            .submit(
                "/admin/council",
                "/admin/mandates",
                &[
                    ("username", "aline"),
                    ("office", "Présidente du CCAS"),
                    ("body", "CCAS de Ville"),
                    ("since", "2026-04-01"),
                    ("until", ""),
                ],
            )
            .await;
        assert_eq!(added.status, 303, "{}", added.body);
        let backwards = admin
            .submit(
                "/admin/council",
                "/admin/mandates",
                &[
                    ("username", "aline"),
                    ("office", "Trésorière"),
                    ("body", "CCAS"),
                    ("since", "2026-04-01"),
                    ("until", "2026-01-01"),
                ],
            )
            .await;
        assert_eq!(backwards.status, 422, "{}", backwards.body);
        let citizen = admin
            .submit(
                "/admin/council",
                "/admin/mandates",
                &[
                    ("username", "lea"),
                    ("office", "Maire"),
                    ("body", "Conseil"),
                    ("since", "2026-04-01"),
                ],
            )
            .await;
        assert_eq!(
            citizen.status, 422,
            "a citizen holds no mandate: {}",
            citizen.body
        );
        let ccas: i64 = alpha
            .db
            .run(|c| {
                Ok(mandates::table
                    .filter(mandates::office.eq("Présidente du CCAS"))
                    .select(mandates::id)
                    .first(c)?)
            })
            .await
            .unwrap();
        let ended = admin
            .submit(
                "/admin/council",
                &format!("/admin/mandates/{ccas}"),
                &[
                    ("office", "Présidente du CCAS"),
                    ("body", "CCAS de Ville"),
                    ("since", "2026-04-01"),
                    ("until", "2026-11-30"),
                ],
            )
            .await;
        assert_eq!(ended.status, 303, "{}", ended.body);
        let role = admin
            .submit(
                "/admin",
                "/admin/roles",
                &[("username", "lea"), ("role", "moderator")],
            )
            .await;
        assert_eq!(role.status, 303, "{}", role.body);
        // Not an admin: refused.
        assert_eq!(lea.get("/admin/council").await.status, 403);
        eventually("the audit log", WAIT, || async {
            let log = audited(&alpha).await;
            (log == vec![
                "council_claim",
                "council_claim",
                "council_claim",
                "mandate_change",
                "mandate_change",
                "role_change",
            ])
            .then_some(())
        })
        .await;
    }
);
