//! The configuration's tests: defaults, files, the environment, and every key's checks.

use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn load_err(file: Option<&Path>, pairs: &[(&str, &str)]) -> String {
    Settings::load_from(file, env(pairs))
        .unwrap_err()
        .to_string()
}

#[test]
fn defaults_are_valid() {
    let s = Settings::load_from(None, env(&[])).unwrap();
    assert_eq!(s, Settings::default());
    assert_eq!(s.database_backend().unwrap(), Backend::Sqlite);
    assert_eq!(s.database_url(), "sqlite://data/parvis.sqlite3");
}

#[test]
fn a_map_needs_a_tile_url_with_its_placeholders_and_photos_a_sane_size() {
    let e = load_err(
        None,
        &[("PARVIS_MAP__TILE_URL", "tiles.example/{z}/{x}/{y}.png")],
    );
    assert!(e.contains("map.tile_url"), "{e}");
    let e = load_err(
        None,
        &[("PARVIS_MAP__TILE_URL", "https://tiles.example/{z}.png")],
    );
    assert!(e.contains("map.tile_url"), "{e}");
    let s = Settings::load_from(
        None,
        env(&[(
            "PARVIS_MAP__TILE_URL",
            "http://127.0.0.1:9000/{z}/{x}/{y}.png",
        )]),
    )
    .unwrap();
    assert_eq!(
        s.map.tile_origin().as_deref(),
        Some("http://127.0.0.1:9000")
    );
    let off = Settings::load_from(None, env(&[("PARVIS_MAP__TILE_URL", "")])).unwrap();
    assert!(off.map.tile_url.is_empty());
    let e = load_err(None, &[("PARVIS_SERVER__MAX_PHOTO_BYTES", "100")]);
    assert!(e.contains("server.max_photo_bytes"), "{e}");
}

#[test]
fn environment_overrides_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parvis.toml");
    std::fs::write(
        &path,
        "[server]\npublic_url = \"https://a.example\"\n[database]\npool_size = 3\n",
    )
    .unwrap();
    let s = Settings::load_from(
        Some(&path),
        env(&[
            ("PARVIS_DATABASE__URL", "postgres://u@localhost/parvis"),
            ("PARVIS_DATABASE__POOL_SIZE", "5"),
            (
                "PARVIS_FEDERATION__ALLOWED_HOSTS",
                "[alpha.test, beta.test]",
            ),
            ("PARVIS_INSTANCE__NAME", "Ville de Test"),
            ("OTHER_VAR", "ignored"),
        ]),
    )
    .unwrap();
    assert_eq!(s.server.public_url, "https://a.example");
    assert_eq!(s.database.pool_size, 5);
    assert_eq!(s.database_backend().unwrap(), Backend::Postgres);
    assert_eq!(s.federation.allowed_hosts, vec!["alpha.test", "beta.test"]);
    assert_eq!(s.instance.name, "Ville de Test");
}

#[test]
fn bad_values_name_their_key() {
    let cases: &[(&str, &str, &str)] = &[
        ("PARVIS_DATABASE__POOL_SIZE", "many", "database.pool_size"),
        ("PARVIS_DATABASE__POOL_SIZE", "0", "database.pool_size"),
        ("PARVIS_DATABASE__URL", "mysql://x", "database.url"),
        ("PARVIS_SERVER__BIND", "localhost", "server.bind"),
        ("PARVIS_EMAIL__FROM", "mairie", "email.from"),
        (
            "PARVIS_EMAIL__FROM",
            "\"Mairie\nBcc: x@y.example\" <m@ville.example>",
            "email.from",
        ),
        ("PARVIS_EMAIL__REPLY_TO", "accueil@", "email.reply_to"),
        (
            "PARVIS_EMAIL__SMTP_URL",
            "ftp://mail.example",
            "email.smtp_url",
        ),
        ("PARVIS_EMAIL__PER_MINUTE", "0", "email.per_minute"),
        (
            "PARVIS_SERVER__PUBLIC_URL",
            "ftp://x.example",
            "server.public_url",
        ),
        (
            "PARVIS_SERVER__PUBLIC_URL",
            "https://x.example/sub",
            "server.public_url",
        ),
        ("PARVIS_SERVER__TLS_CERT", "/nonexistent.pem", "server.tls"),
        (
            "PARVIS_INSTANCE__REGISTRATION",
            "sometimes",
            "instance.registration",
        ),
        (
            "PARVIS_INSTANCE__LANGUAGES",
            "[french]",
            "instance.languages",
        ),
        (
            "PARVIS_INSTANCE__CONTACT_EMAIL",
            "nobody",
            "instance.contact_email",
        ),
        (
            "PARVIS_FEDERATION__ALLOWED_HOSTS",
            "[\"http://x\"]",
            "federation.allowed_hosts",
        ),
        (
            "PARVIS_FEDERATION__REQUEST_TIMEOUT_SECS",
            "0",
            "federation.request_timeout_secs",
        ),
        // A claim on a delivery that could end before the attempt does would let a second process send it.
        (
            "PARVIS_FEDERATION__DELIVERY_LEASE_SECS",
            "10",
            "federation.delivery_lease_secs",
        ),
        ("PARVIS_LOG__LEVEL", "[[[", "log.level"),
        ("PARVIS_LOG__FORMAT", "xml", "log.format"),
        ("PARVIS_METRICS__TOKEN", "too-short", "metrics.token"),
        (
            "PARVIS_METRICS__TOKEN",
            "with a space inside it",
            "metrics.token",
        ),
        ("PARVIS_METRICS__BIND", "nowhere", "metrics.bind"),
        // acme on a plain http URL, and without a contact address.
        ("PARVIS_SERVER__ACME", "true", "server.acme_email"),
    ];
    for (var, value, key) in cases {
        let message = load_err(None, &[(var, value)]);
        assert!(message.contains(key), "{var}={value}: {message}");
    }
    // A wrong SMTP URL is named, its password is not repeated (the error goes to logs and terminals).
    let message = load_err(
        None,
        &[(
            "PARVIS_EMAIL__SMTP_URL",
            "smtpz://mairie:s3cr3t-pass@mail.example:465",
        )],
    );
    assert!(message.contains("email.smtp_url"), "{message}");
    assert!(!message.contains("s3cr3t-pass"), "{message}");
}

#[test]
fn unknown_keys_and_missing_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parvis.toml");
    std::fs::write(&path, "[server]\nbindd = \"1.2.3.4:5\"\n").unwrap();
    let message = load_err(Some(&path), &[]);
    assert!(message.contains("bindd"), "{message}");
    let message = load_err(Some(&dir.path().join("missing.toml")), &[]);
    assert!(message.contains("no such file"), "{message}");
    std::fs::write(&path, "[server\n").unwrap();
    let message = load_err(Some(&path), &[]);
    assert!(message.contains("parvis.toml"), "{message}");
}

#[test]
fn hosts_may_be_ip_addresses_and_the_config_variable_is_not_a_key() {
    let s = Settings::load_from(
        None,
        env(&[
            (
                "PARVIS_FEDERATION__ALLOWED_HOSTS",
                "[\"::1\", \"[::1]\", \"127.0.0.1\"]",
            ),
            ("PARVIS_CONFIG", "/etc/parvis.toml"),
        ]),
    )
    .unwrap();
    assert_eq!(s.federation.allowed_hosts.len(), 3);
}

#[test]
fn tls_needs_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    std::fs::write(&cert, "x").unwrap();
    let message = load_err(None, &[("PARVIS_SERVER__TLS_CERT", cert.to_str().unwrap())]);
    assert!(message.contains("server.tls_key"), "{message}");
}

#[test]
fn example_file_is_complete_and_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/parvis.example.toml");
    let s = Settings::load_from(Some(&path), env(&[])).unwrap();
    assert_eq!(s.database_backend().unwrap(), Backend::Sqlite);
}

#[test]
fn an_oidc_provider_is_checked_before_start() {
    let message = load_err(
        None,
        &[
            ("PARVIS_OIDC__ISSUER", "http://sso.ville.example"),
            ("PARVIS_OIDC__CLIENT_ID", "parvis"),
        ],
    );
    assert!(
        message.contains("oidc.issuer") && message.contains("https"),
        "{message}"
    );
    let message = load_err(
        None,
        &[("PARVIS_OIDC__ISSUER", "https://sso.ville.example")],
    );
    assert!(message.contains("oidc.client_id"), "{message}");
    let message = load_err(
        None,
        &[
            ("PARVIS_OIDC__ISSUER", "https://sso.ville.example"),
            ("PARVIS_OIDC__CLIENT_ID", "parvis"),
            ("PARVIS_OIDC__RESIDENCY_CLAIM", "address.postal_code"),
        ],
    );
    assert!(message.contains("oidc.residency_values"), "{message}");
    let s = Settings::load_from(
        None,
        env(&[
            ("PARVIS_OIDC__ISSUER", "http://127.0.0.1:9000"),
            ("PARVIS_OIDC__CLIENT_ID", "parvis"),
            ("PARVIS_OIDC__RESIDENCY_CLAIM", "address.postal_code"),
            ("PARVIS_OIDC__RESIDENCY_VALUES", "[\"38000\"]"),
        ]),
    )
    .unwrap();
    assert!(s.oidc.verifies_residency());
}
