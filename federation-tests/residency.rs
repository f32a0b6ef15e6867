//! Verified residents: an agent verifies Léa in person until a time; her support is counted as a resident's,
//! then, once the verification has expired, her next support is not, and the first keeps its count. The
//! admin mails letter codes (a file for a mail merge; only hashes kept): a code verifies once, and guessing
//! is rate-limited. Verifications are shown to the person and the staff, not to others.

use diesel::prelude::*;

use crate::federation::eventually;
use crate::support::debates::people;
use crate::support::web::WebClient;
use crate::support::{TestInstance, both_backends};
use crate::web::{person, signed_in};
use parvis::model::Role;
use parvis::model::schema::{accounts, actors, proposal_supports, residency_letter_codes};

const WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The categories of Léa's supports, in order.
async fn lea_supports(alpha: &TestInstance) -> Vec<String> {
    alpha
        .db
        .run(|c| {
            Ok(proposal_supports::table
                .inner_join(
                    actors::table.on(actors::id.nullable().eq(proposal_supports::author_id)),
                )
                .filter(actors::username.eq("lea"))
                .order(proposal_supports::id.asc())
                .select(proposal_supports::category)
                .load(c)?)
        })
        .await
        .unwrap()
}

async fn is_resident(alpha: &TestInstance, who: &'static str) -> bool {
    alpha
        .db
        .run(move |c| {
            Ok(accounts::table
                .inner_join(actors::table.on(actors::id.eq(accounts::actor_id)))
                .filter(actors::username.eq(who))
                .select(accounts::resident)
                .first(c)?)
        })
        .await
        .unwrap()
}

both_backends!(
    residency_is_verified_expires_and_is_verified_again_by_letter,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        people(&alpha).await;
        person(&alpha, "agathe", Role::Agent).await;
        person(&alpha, "admin", Role::Admin).await;

        // Not staff: no residents' page.
        let mut karim = signed_in(&alpha, "karim").await;
        assert_eq!(karim.get("/residents").await.status, 403);
        // Agathe verifies Léa seen in person, for a few seconds (as if her proof were about to lapse).
        let agathe = alpha
            .db
            .run(|c| {
                Ok(parvis::db::queries::account_by_username(c, "agathe")?
                    .unwrap()
                    .1)
            })
            .await
            .unwrap();
        alpha
            .db
            .transaction(move |c| {
                parvis::civic::residency::by_staff(
                    c,
                    &agathe,
                    "lea",
                    true,
                    Some(chrono::Utc::now().naive_utc() + chrono::Duration::seconds(4)),
                )
            })
            .await
            .unwrap();
        let mut lea = signed_in(&alpha, "lea").await;
        assert!(lea.get("/residency").await.has("vue en personne"));
        let mut agathe_web = signed_in(&alpha, "agathe").await;
        assert!(agathe_web.get("/residents").await.has("@lea"));

        // Her support is a resident's.
        let first = crate::proposals::propose(&mut karim, "Des bancs place du Marché").await;
        assert_eq!(
            lea.submit(&first, &format!("{first}/support"), &[])
                .await
                .status,
            303
        );
        assert_eq!(lea_supports(&alpha).await, vec!["resident"]);
        // She votes in a poll of the residents (an official vote), which then closes.
        let mut official = signed_in(&alpha, "marie").await;
        let poll = crate::polls::ask(
            &mut official,
            "Quel jour pour le marché ?",
            &[("eligibility", "residents"), ("federated", "")],
        )
        .await;
        let samedi = crate::polls::value_of(&lea.get(&poll).await.body, "Samedi");
        let voted = lea
            .submit(&poll, &format!("{poll}/vote"), &[("choice", &samedi)])
            .await;
        assert_eq!(voted.status, 303, "{}", voted.body);
        let poll_id: i64 = poll.rsplit('/').next().unwrap().parse().unwrap();
        alpha
            .db
            .run(move |c| {
                use parvis::model::schema::polls;
                diesel::update(polls::table.find(poll_id))
                    .set(
                        polls::closes_at
                            .eq(chrono::Utc::now().naive_utc() - chrono::Duration::seconds(1)),
                    )
                    .execute(c)?;
                Ok(())
            })
            .await
            .unwrap();
        let closed = crate::polls::poll_json(&alpha, &poll_id.to_string()).await;
        assert_eq!(crate::polls::votes(&closed), vec![1, 0], "{closed}");
        // Expired: her next support is not; the first keeps its count, and the closed poll its result.
        eventually("the verification expires", WAIT, || async {
            (!is_resident(&alpha, "lea").await).then_some(())
        })
        .await;
        assert!(lea.get("/residency").await.has("n'est pas vérifiée"));
        let second = crate::proposals::propose(&mut karim, "Des arbres rue Neuve").await;
        assert_eq!(
            lea.submit(&second, &format!("{second}/support"), &[])
                .await
                .status,
            303
        );
        assert_eq!(lea_supports(&alpha).await, vec!["resident", "local"]);
        let after = crate::polls::poll_json(&alpha, &poll_id.to_string()).await;
        assert_eq!(
            crate::polls::votes(&after),
            crate::polls::votes(&closed),
            "{after}"
        );
        // The pages say so.
        assert!(
            lea.get(&poll)
                .await
                .has("ne change ni le vote ni le résultat d’une consultation close")
        );
        assert!(
            lea.get(&first)
                .await
                .has("ne le retire pas, ni un seuil déjà franchi")
        );

        // The admin mails two letters: a file for the mail merge; only the codes' hashes are kept.
        let mut admin = signed_in(&alpha, "admin").await;
        let csrf = admin.get("/residents").await.csrf();
        let file = admin
            .post(
                "/residents/letters",
                &[
                    ("csrf", &csrf),
                    (
                        "addresses",
                        "12 rue des Écoles\n3 place du Marché; bât. B\n",
                    ),
                ],
            )
            .await;
        assert_eq!(file.status, 200, "{}", file.body);
        let lines: Vec<&str> = file.body.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines.len(), 3, "{}", file.body);
        assert!(lines[1].starts_with("12 rue des Écoles;"), "{}", file.body);
        assert!(
            lines[2].starts_with("3 place du Marché, bât. B;"),
            "the separator is not in an address"
        );
        let code = lines[1].rsplit(';').next().unwrap().to_string();
        let stored: Vec<String> = alpha
            .db
            .run(|c| {
                Ok(residency_letter_codes::table
                    .select(residency_letter_codes::code_hash)
                    .load(c)?)
            })
            .await
            .unwrap();
        assert_eq!(stored.len(), 2);
        assert!(
            stored.iter().all(|h| h.len() == 64 && !h.contains(&code)),
            "hashes only"
        );

        // Guessing is refused, then rate-limited (even the right code, past the limit).
        for _ in 0..5 {
            let guess = karim
                .submit(
                    "/residency",
                    "/residency/letter",
                    &[("code", "AAAAA-BBBBB")],
                )
                .await;
            assert_eq!(guess.status, 422, "{}", guess.body);
        }
        let limited = karim
            .submit("/residency", "/residency/letter", &[("code", &code)])
            .await;
        assert_eq!(limited.status, 429, "{}", limited.body);
        assert!(!is_resident(&alpha, "karim").await);
        // Léa types hers: verified by letter; the code works once.
        let typed = lea
            .submit(
                "/residency",
                "/residency/letter",
                &[("code", &code.to_lowercase())],
            )
            .await;
        assert_eq!(typed.status, 303, "{}", typed.body);
        assert!(is_resident(&alpha, "lea").await);
        assert!(lea.get("/residency").await.has("par le code d'un courrier"));
        // Her copy of her data lists her verifications, the ended one too.
        let export = lea.get("/settings/export").await;
        let data: serde_json::Value = serde_json::from_str(&export.body).unwrap();
        let methods: Vec<&str> = data["residency"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["method"].as_str().unwrap())
            .collect();
        assert_eq!(methods, vec!["staff", "letter"], "{}", data["residency"]);
        assert!(data["residency"][0]["ended_at"].is_string());
        let mut marie = signed_in(&alpha, "marie").await;
        let again = marie
            .submit("/residency", "/residency/letter", &[("code", &code)])
            .await;
        assert_eq!(again.status, 422, "{}", again.body);
        assert!(!is_resident(&alpha, "marie").await);

        // The second letter, made for another commune of the instance, does not verify Marie here; made for
        // hers again, the same code does.
        let other_code = lines[2].rsplit(';').next().unwrap().to_string();
        let autre = parvis::civic::communes::create_commune(&alpha.db, "autre", "Autre")
            .await
            .unwrap()
            .id;
        let ville = alpha
            .db
            .run(|c| Ok(parvis::db::queries::default_commune(c)?.unwrap().id))
            .await
            .unwrap();
        let letters_of = |commune: parvis::ids::ActorId| {
            let db = alpha.db.clone();
            async move {
                db.run(move |c| {
                    Ok(diesel::update(residency_letter_codes::table)
                        .set(residency_letter_codes::commune_id.eq(commune))
                        .execute(c)?)
                })
                .await
                .unwrap()
            }
        };
        letters_of(autre).await;
        let elsewhere = marie
            .submit("/residency", "/residency/letter", &[("code", &other_code)])
            .await;
        assert_eq!(elsewhere.status, 422, "{}", elsewhere.body);
        assert!(!is_resident(&alpha, "marie").await);
        letters_of(ville).await;
        let here = marie
            .submit("/residency", "/residency/letter", &[("code", &other_code)])
            .await;
        assert_eq!(here.status, 303, "{}", here.body);
        assert!(is_resident(&alpha, "marie").await);

        // Withdrawn by staff: it stops counting from now on.
        let withdrawn = agathe_web
            .submit(
                "/residents",
                "/residents",
                &[("username", "lea"), ("resident", "no")],
            )
            .await;
        assert_eq!(withdrawn.status, 303, "{}", withdrawn.body);
        assert!(!is_resident(&alpha, "lea").await);
        assert!(
            !WebClient::new(&alpha)
                .get("/users/lea")
                .await
                .has("courrier"),
            "never public"
        );
    }
);

both_backends!(
    residency_is_verified_against_the_towns_list_kept_as_keyed_hashes_then_deleted,
    |backend| async move {
        use parvis::civic::residency::list::{Identity, keyed};
        use parvis::model::schema::residency_list_entries;
        let alpha = TestInstance::start(backend).await;
        people(&alpha).await;
        let (_dir, config) = alpha.cli_config();
        let list = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(
            list.path(),
            "Nom;Prénom;Date de naissance;Adresse\r\nLÉGER-TEST;Léa;14/07/1985;12, rue des Écoles\r\nDURAND-TEST;Marie;01/02/1970;3 place du Marché\r\nBROKEN;Line;not a date;nowhere\r\n",
        )
        .unwrap();
        let run = |args: Vec<String>| async move {
            let mut all = vec!["parvis".to_string(), "admin".into(), "--config".into()];
            all.extend(args);
            let cli = <parvis::cli::Cli as clap::Parser>::try_parse_from(all).unwrap();
            let mut out = Vec::new();
            parvis::cli::run(cli, &mut out)
                .await
                .map(|_| String::from_utf8(out).unwrap())
        };
        let out = run(vec![
            config.clone(),
            "residents".into(),
            "list-import".into(),
            "--file".into(),
            list.path().display().to_string(),
            "--name".into(),
            "Liste électorale 2027".into(),
        ])
        .await
        .unwrap();
        assert!(
            out.contains("3 lines read, 1 could not be read; 2 people kept"),
            "{out}"
        );

        // Only keyed hashes: no name, date or address, and a hash that only the server's secret gives.
        let stored: Vec<String> = alpha
            .db
            .run(|c| {
                Ok(residency_list_entries::table
                    .select(residency_list_entries::key_hash)
                    .load(c)?)
            })
            .await
            .unwrap();
        assert_eq!(stored.len(), 2);
        assert!(
            stored
                .iter()
                .all(|h| h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit()))
        );
        let lea_line = Identity {
            family_name: "Léger-Test".into(),
            given_name: "LÉA".into(),
            birth_date: "1985-07-14".into(),
            address: "12 rue des ecoles".into(),
        };
        let secret = std::fs::read(alpha.data_dir().join("residency.key")).unwrap();
        assert!(stored.contains(&keyed(&secret, &lea_line).unwrap()));
        assert!(
            !stored.contains(&keyed(b"someone else's secret, trying names", &lea_line).unwrap())
        );

        // Léa gives her line (other spelling of the same words): verified against the list.
        let mut lea = signed_in(&alpha, "lea").await;
        let fields = [
            ("family_name", "Léger-Test"),
            ("given_name", "LÉA"),
            ("birth_date", "14/07/1985"),
            ("address", "12 rue des ecoles"),
        ];
        let found = lea.submit("/residency", "/residency/list", &fields).await;
        assert_eq!(found.status, 303, "{}", found.body);
        assert!(is_resident(&alpha, "lea").await);
        assert!(
            lea.get("/residency")
                .await
                .has("sur la liste de la commune")
        );
        // Karim, not on it (or with a wrong date): refused.
        let mut karim = signed_in(&alpha, "karim").await;
        let wrong = karim
            .submit(
                "/residency",
                "/residency/list",
                &[
                    ("family_name", "Léger-Test"),
                    ("given_name", "Léa"),
                    ("birth_date", "15/07/1985"),
                    ("address", "12 rue des Écoles"),
                ],
            )
            .await;
        assert_eq!(wrong.status, 422, "{}", wrong.body);
        assert!(!is_resident(&alpha, "karim").await);

        // The campaign ends: the list is deleted; Marie, who was on it, is not found any more.
        let out = run(vec![
            config.clone(),
            "residents".into(),
            "list-delete".into(),
            "--name".into(),
            "Liste électorale 2027".into(),
        ])
        .await
        .unwrap();
        assert!(out.contains("2 entries deleted"), "{out}");
        let mut marie = signed_in(&alpha, "marie").await;
        let gone = marie
            .submit(
                "/residency",
                "/residency/list",
                &[
                    ("family_name", "Durand-Test"),
                    ("given_name", "Marie"),
                    ("birth_date", "01/02/1970"),
                    ("address", "3 place du Marché"),
                ],
            )
            .await;
        assert_eq!(gone.status, 422, "{}", gone.body);
        assert!(
            is_resident(&alpha, "lea").await,
            "verifications made stay until they expire"
        );
    }
);
