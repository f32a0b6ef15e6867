//! The command line: every admin command, its success and its error paths, on both databases.

use crate::support::instance::settings_for;
use crate::support::{Backend, both_backends};

/// A configuration file pointing at a fresh database of `backend`.
struct Setup {
    dir: tempfile::TempDir,
    config: String,
}

fn setup(backend: Backend) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let settings = settings_for(backend, dir.path());
    let config = dir.path().join("parvis.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\ndata_dir = {:?}\n[database]\nurl = {:?}\n",
            dir.path().display().to_string(),
            settings.database.url
        ),
    )
    .unwrap();
    Setup {
        config: config.display().to_string(),
        dir,
    }
}

impl Setup {
    /// Runs `parvis admin …` in this process; returns what it printed, or the error message.
    async fn admin(&self, args: &[&str]) -> Result<String, String> {
        crate::support::admin_command(&self.config, args).await
    }
}

both_backends!(admin_commands_work, |backend| async move {
    let s = setup(backend);
    let out = s
        .admin(&[
            "commune",
            "create",
            "--slug",
            "belleville",
            "--name",
            "Belleville-sur-Loire",
        ])
        .await
        .unwrap();
    assert_eq!(out, "created commune belleville (Belleville-sur-Loire)\n");
    s.admin(&[
        "commune",
        "create",
        "--slug",
        "tilleuls",
        "--name",
        "Les Tilleuls",
    ])
    .await
    .unwrap();
    let out = s
        .admin(&[
            "account",
            "create",
            "--username",
            "Marie",
            "--role",
            "official",
            "--display-name",
            "Marie Durand",
        ])
        .await
        .unwrap();
    assert_eq!(out, "created official account marie\n");
    s.admin(&[
        "account",
        "create",
        "--username",
        "karim",
        "--role",
        "citizen",
        "--commune",
        "tilleuls",
    ])
    .await
    .unwrap();
    let out = s
        .admin(&[
            "account",
            "mandate",
            "--username",
            "marie",
            "--office",
            "Maire",
            "--body",
            "Conseil municipal de Belleville-sur-Loire",
            "--since",
            "2020-07-04",
        ])
        .await
        .unwrap();
    assert_eq!(
        out,
        "recorded mandate of marie: Maire — Conseil municipal de Belleville-sur-Loire\n"
    );
    let token = s
        .admin(&["token", "create", "--username", "karim"])
        .await
        .unwrap();
    let token = token.trim();
    assert!(token.len() >= 43, "{token}");

    // What the commands wrote is what the instance serves.
    let settings =
        parvis::config::Settings::load_from(Some(std::path::Path::new(&s.config)), Vec::new())
            .unwrap();
    let db = parvis::app::open_database(&settings).unwrap();
    let (actor, account, scopes) = parvis::civic::tokens::authenticate(&db, token)
        .await
        .unwrap();
    assert_eq!(actor.username.as_str(), "karim");
    // A token made at the console carries every scope.
    assert_eq!(scopes, parvis::civic::oauth::Scopes::all());
    let tilleuls = db
        .run(|c| parvis::db::queries::actor_by_username(c, "tilleuls"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.commune_id, tilleuls.id);
    let (marie, marie_account) = db
        .run(|c| parvis::db::queries::account_by_username(c, "marie"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(marie.display_name, "Marie Durand");
    let belleville = db
        .run(parvis::db::queries::default_commune)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(belleville.username.as_str(), "belleville");
    assert_eq!(marie_account.commune_id, belleville.id);
    let officials = db
        .run(move |c| parvis::db::queries::officials_of(c, belleville.id))
        .await
        .unwrap();
    assert_eq!(officials.len(), 1);
    assert_eq!(officials[0].1[0].office, "Maire");

    // Karim becomes the commune's staff (an agent); a role that does not exist, or an unknown account, is
    // one clear line.
    let out = s
        .admin(&["account", "role", "--username", "karim", "--role", "agent"])
        .await
        .unwrap();
    assert_eq!(out, "karim is now agent\n");
    let (_, karim) = db
        .run(|c| parvis::db::queries::account_by_username(c, "karim"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(karim.role, parvis::model::Role::Agent);
    let err = s
        .admin(&["account", "role", "--username", "karim", "--role", "mayor"])
        .await
        .unwrap_err();
    assert!(err.contains("'mayor' is not a role"), "{err}");
    let err = s
        .admin(&["account", "role", "--username", "nobody", "--role", "agent"])
        .await
        .unwrap_err();
    assert!(err.contains("no account nobody"), "{err}");
    drop(s.dir);
});

both_backends!(admin_mistakes_are_one_clear_line, |backend| async move {
    let s = setup(backend);
    let err = s
        .admin(&[
            "account",
            "create",
            "--username",
            "marie",
            "--role",
            "official",
        ])
        .await
        .unwrap_err();
    assert!(err.contains("no commune yet"), "{err}");
    s.admin(&[
        "commune",
        "create",
        "--slug",
        "belleville",
        "--name",
        "Belleville",
    ])
    .await
    .unwrap();
    s.admin(&[
        "account",
        "create",
        "--username",
        "karim",
        "--role",
        "citizen",
    ])
    .await
    .unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "commune",
                "create",
                "--slug",
                "belleville",
                "--name",
                "Again",
            ],
            "already taken",
        ),
        (
            &[
                "commune",
                "create",
                "--slug",
                "karim",
                "--name",
                "Name of a person",
            ],
            "already taken",
        ),
        (
            &["commune", "create", "--slug", "Saint Martin", "--name", "x"],
            "slug",
        ),
        (
            &["commune", "create", "--slug", "-x", "--name", "x"],
            "slug",
        ),
        (
            &["commune", "create", "--slug", "ok", "--name", "   "],
            "name: must not be empty",
        ),
        (
            &[
                "account",
                "create",
                "--username",
                "karim",
                "--role",
                "citizen",
            ],
            "already taken",
        ),
        (
            &[
                "account",
                "create",
                "--username",
                "KARIM",
                "--role",
                "citizen",
            ],
            "already taken",
        ),
        (
            &[
                "account",
                "create",
                "--username",
                "instance",
                "--role",
                "citizen",
            ],
            "reserved",
        ),
        (
            &[
                "account",
                "create",
                "--username",
                "a/b",
                "--role",
                "citizen",
            ],
            "username",
        ),
        (
            &["account", "create", "--username", "zoe", "--role", "mayor"],
            "'mayor' is not a role",
        ),
        (
            &[
                "account",
                "create",
                "--username",
                "zoe",
                "--role",
                "citizen",
                "--commune",
                "nowhere",
            ],
            "no commune named 'nowhere'",
        ),
        (
            &[
                "account",
                "mandate",
                "--username",
                "nobody",
                "--office",
                "Maire",
                "--body",
                "C",
                "--since",
                "2020-01-01",
            ],
            "no account named 'nobody'",
        ),
        (
            &[
                "account",
                "mandate",
                "--username",
                "karim",
                "--office",
                "Maire",
                "--body",
                "C",
                "--since",
                "2020-01-01",
            ],
            "only officials hold mandates",
        ),
        (
            &[
                "account",
                "mandate",
                "--username",
                "karim",
                "--office",
                "Maire",
                "--body",
                "C",
                "--since",
                "01/02/2020",
            ],
            "YYYY-MM-DD",
        ),
        (
            &["token", "create", "--username", "nobody"],
            "no account named 'nobody'",
        ),
        (&["commune", "delete"], "unrecognized subcommand"),
    ];
    for (args, expected) in cases {
        let err = s.admin(args).await.unwrap_err();
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    // A mandate that ends before it starts, for a real official.
    s.admin(&[
        "account",
        "create",
        "--username",
        "marie",
        "--role",
        "official",
    ])
    .await
    .unwrap();
    let err = s
        .admin(&[
            "account",
            "mandate",
            "--username",
            "marie",
            "--office",
            "Maire",
            "--body",
            "C",
            "--since",
            "2020-01-01",
            "--until",
            "2019-01-01",
        ])
        .await
        .unwrap_err();
    assert!(err.contains("until"), "{err}");
    // Nothing half-written: the refused commands left exactly the accounts created above.
    let settings =
        parvis::config::Settings::load_from(Some(std::path::Path::new(&s.config)), Vec::new())
            .unwrap();
    let db = parvis::app::open_database(&settings).unwrap();
    let people = db
        .run(|c| parvis::db::queries::count_actors(c, parvis::model::ActorKind::Person))
        .await
        .unwrap();
    assert_eq!(people, 2);
    let communes = db.run(parvis::db::queries::communes).await.unwrap();
    assert_eq!(communes.len(), 1);
});

/// The real binary: exit status, one line on stderr, nothing on stdout; and a bad configuration stops it.
#[test]
fn the_binary_reports_errors_on_one_line() {
    let s = setup(Backend::Sqlite);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_parvis"))
        .args([
            "admin",
            "--config",
            &s.config,
            "token",
            "create",
            "--username",
            "nobody",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr, "error: no account named 'nobody'\n");

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_parvis"))
        .args(["migrate", "--config", &s.config])
        .env("PARVIS_DATABASE__POOL_SIZE", "zero")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("error: configuration: key database.pool_size:"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_parvis"))
        .args(["migrate", "--config", &s.config])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    // The failed token command above already migrated the database.
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "applied 0 migration(s); the database is up to date\n"
    );
}

/// `--password-stdin` reads the first line of standard input and stores only a hash.
#[test]
fn passwords_come_from_stdin_and_are_hashed() {
    use std::io::Write;
    let s = setup(Backend::Sqlite);
    let parvis = env!("CARGO_BIN_EXE_parvis");
    let ok = std::process::Command::new(parvis)
        .args([
            "admin", "--config", &s.config, "commune", "create", "--slug", "b", "--name", "B",
        ])
        .output()
        .unwrap();
    assert!(ok.status.success(), "{ok:?}");
    let create = |username: &str, input: &str| {
        let mut child = std::process::Command::new(parvis)
            .args([
                "admin",
                "--config",
                &s.config,
                "account",
                "create",
                "--username",
                username,
                "--role",
                "admin",
                "--password-stdin",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let short = create("zoe", "short\n");
    assert!(!short.status.success());
    assert!(
        String::from_utf8_lossy(&short.stderr)
            .contains("password: must have at least 10 characters")
    );
    let empty = create("zoe", "");
    assert!(String::from_utf8_lossy(&empty.stderr).contains("no password"));
    let good = create("zoe", "correct horse battery staple\nignored\n");
    assert!(good.status.success(), "{good:?}");

    let settings =
        parvis::config::Settings::load_from(Some(std::path::Path::new(&s.config)), Vec::new())
            .unwrap();
    let db = parvis::app::open_database(&settings).unwrap();
    let (_, account) = db
        .run_blocking(|c| parvis::db::queries::account_by_username(c, "zoe"))
        .unwrap()
        .unwrap();
    let hash = account.password_hash.unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("horse"));
    use argon2::PasswordVerifier;
    let parsed = argon2::PasswordHash::new(&hash).unwrap();
    assert!(
        argon2::Argon2::default()
            .verify_password(b"correct horse battery staple", &parsed)
            .is_ok()
    );
}

both_backends!(
    the_federation_policy_is_set_from_the_command_line,
    |backend| async move {
        let s = setup(backend);
        assert_eq!(
            s.admin(&["federation", "policy"]).await.unwrap(),
            "mode: open\n"
        );
        let out = s.admin(&["federation", "mode", "allowlist"]).await.unwrap();
        assert!(out.starts_with("federation mode: allowlist"), "{out}");
        let out = s
            .admin(&["federation", "allow", "https://Parvis.Neighbour.example/"])
            .await
            .unwrap();
        assert!(out.starts_with("allow parvis.neighbour.example"), "{out}");
        s.admin(&["federation", "block", "spam.example"])
            .await
            .unwrap();
        let out = s
            .admin(&["federation", "silence", "loud.example"])
            .await
            .unwrap();
        assert!(out.starts_with("silence loud.example"), "{out}");
        // A second rule on a server replaces the first.
        s.admin(&["federation", "block", "parvis.neighbour.example"])
            .await
            .unwrap();
        s.admin(&["federation", "allow", "parvis.neighbour.example"])
            .await
            .unwrap();
        let out = s.admin(&["federation", "policy"]).await.unwrap();
        assert!(out.starts_with("mode: allowlist\n"), "{out}");
        assert!(out.contains("allow parvis.neighbour.example\n"), "{out}");
        assert!(out.contains("block spam.example\n"), "{out}");
        assert!(out.contains("silence loud.example\n"), "{out}");
        assert_eq!(out.lines().count(), 4, "{out}");
        let out = s
            .admin(&["federation", "forget", "spam.example"])
            .await
            .unwrap();
        assert_eq!(out, "no rule on spam.example any more\n");
        assert!(
            !s.admin(&["federation", "policy"])
                .await
                .unwrap()
                .contains("spam")
        );
        let err = s
            .admin(&["federation", "block", "not a host"])
            .await
            .unwrap_err();
        assert!(err.contains("not a server's host name"), "{err}");
        let err = s
            .admin(&["federation", "mode", "nowhere"])
            .await
            .unwrap_err();
        assert!(err.contains("open") && err.contains("allowlist"), "{err}");

        // The private space: for the commune's residents, and the member servers only.
        let err = s
            .admin(&["commune", "residents-only", "on"])
            .await
            .unwrap_err();
        assert!(err.contains("no commune"), "{err}");
        s.admin(&["commune", "create", "--slug", "ville", "--name", "Ville"])
            .await
            .unwrap();
        let out = s.admin(&["commune", "residents-only", "on"]).await.unwrap();
        assert!(out.contains("kept for its residents"), "{out}");
        let policy = s.admin(&["federation", "policy"]).await.unwrap();
        assert!(policy.contains("residents only"), "{policy}");
        s.admin(&["commune", "residents-only", "off"])
            .await
            .unwrap();
        let policy = s.admin(&["federation", "policy"]).await.unwrap();
        assert!(!policy.contains("residents only"), "{policy}");
        assert!(
            s.admin(&["commune", "residents-only", "maybe"])
                .await
                .is_err()
        );
    }
);
