//! The command line: `parvis serve | migrate | admin …`.

use std::io::Read;

use crate::app::{Application, open_database, open_database_counting};
use crate::civic::accounts::{NewAccount, NewMandate, add_mandate, create_account};
use crate::civic::{communes, demo, site, tokens};
use crate::config::Settings;
use crate::error::{Error, Result};

mod args;
mod backup;
mod copy;

pub use args::*;

/// Loads the settings, then starts logging at their level (so a config file's `[log] level` is honoured).
fn load(config: &ConfigArg) -> Result<Settings> {
    let settings = Settings::load(config.config.as_deref()).map_err(|e| Error::Invalid {
        field: "configuration",
        message: e.to_string(),
    })?;
    crate::ops::start_logging(&settings.log);
    Ok(settings)
}

/// Runs a parsed command line; what it prints on success goes to `out`.
pub async fn run(cli: Cli, out: &mut impl std::io::Write) -> Result<()> {
    match cli.command {
        Command::Serve { config, demo } => serve(load(&config)?, demo).await,
        Command::Migrate { config } => {
            let settings = load(&config)?;
            let (_, applied) =
                tokio::task::spawn_blocking(move || open_database_counting(&settings))
                    .await
                    .map_err(Error::internal)??;
            writeln!(
                out,
                "applied {applied} migration(s); the database is up to date"
            )
            .map_err(Error::internal)
        }
        // Before anything opens (and migrates, or creates) the database.
        Command::Admin {
            config,
            command: AdminCommand::Restore { from },
        } => backup::restore(load(&config)?, &from, out).await,
        Command::Admin {
            config,
            command: AdminCommand::Backup { to },
        } => backup::backup(load(&config)?, &to, out).await,
        Command::Admin { config, command } => {
            let settings = load(&config)?;
            let settings_for_context = settings.clone();
            let db = tokio::task::spawn_blocking(move || open_database(&settings))
                .await
                .map_err(Error::internal)??;
            admin(&db, &settings_for_context, command, out).await
        }
    }
}

/// Sets or removes the rule on a server; says what was done.
async fn server_rule(
    db: &crate::db::Database,
    domain: String,
    rule: Option<crate::model::ServerRule>,
) -> Result<String> {
    let domain = db
        .transaction(move |conn| {
            crate::civic::servers::set_rule(
                conn,
                &crate::civic::servers::Changer::Operator,
                &domain,
                rule,
            )
        })
        .await?;
    Ok(match rule {
        Some(rule) => format!("{rule} {domain} (running servers apply it within seconds)"),
        None => format!("no rule on {domain} any more"),
    })
}

async fn admin(
    db: &crate::db::Database,
    settings: &crate::config::Settings,
    command: AdminCommand,
    out: &mut impl std::io::Write,
) -> Result<()> {
    let line = match command {
        AdminCommand::Commune {
            command: CommuneCommand::Create { slug, name },
        } => {
            let commune = communes::create_commune(db, &slug, &name).await?;
            format!(
                "created commune {} ({})",
                commune.username, commune.display_name
            )
        }
        AdminCommand::Commune {
            command: CommuneCommand::ResidentsOnly { state },
        } => {
            let on = state == "on";
            db.run(move |conn| communes::set_residents_only(conn, on))
                .await?;
            if on {
                "the commune is kept for its residents: only allowed servers federate".to_string()
            } else {
                "the commune is open to everyone again".to_string()
            }
        }
        AdminCommand::Account {
            command:
                AccountCommand::Create {
                    username,
                    role,
                    commune,
                    display_name,
                    password_stdin,
                    email,
                },
        } => {
            let password = if password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let email = email
                .map(|e| crate::civic::addresses::normalize(&e))
                .transpose()?;
            let with_password = password.is_some();
            let (actor, account) = create_account(
                db,
                NewAccount {
                    username,
                    role,
                    commune,
                    display_name,
                    password,
                },
            )
            .await?;
            match email {
                None => format!("created {role} account {}", actor.username),
                Some(address) => {
                    let base = settings
                        .public_url()
                        .map_err(|e| Error::invalid("server.public_url", e.to_string()))?;
                    let defaults = settings.instance.clone();
                    let to = address.clone();
                    db.transaction(move |conn| {
                        let site = site::load(conn, &defaults)?;
                        if with_password {
                            crate::civic::addresses::request_confirmation(
                                conn, &base, &site.name, &account, &to,
                            )
                        } else {
                            crate::civic::addresses::send_set_password(
                                conn,
                                &base,
                                &site.name,
                                account.actor_id,
                                &to,
                            )
                        }
                    })
                    .await?;
                    let link = if with_password {
                        "a link to confirm the address"
                    } else {
                        "a link to choose a password (valid 7 days)"
                    };
                    format!(
                        "created {role} account {}; {link} is queued for {address} (the running server sends it)",
                        actor.username
                    )
                }
            }
        }
        AdminCommand::Account {
            command:
                AccountCommand::Mandate {
                    username,
                    office,
                    body,
                    since,
                    until,
                },
        } => {
            let mandate = add_mandate(
                db,
                NewMandate {
                    username: username.clone(),
                    office,
                    governing_body: body,
                    since,
                    until,
                },
            )
            .await?;
            format!("recorded mandate of {username}: {}", mandate.label())
        }
        AdminCommand::Account {
            command: AccountCommand::Role { username, role },
        } => {
            let name = username.clone();
            db.transaction(move |conn| {
                crate::civic::accounts::set_role(
                    conn,
                    crate::civic::site::Operator::Console,
                    &name,
                    role,
                )
            })
            .await?;
            format!("{username} is now {role}")
        }
        AdminCommand::Token {
            command: TokenCommand::Create { username },
        } => tokens::create_token(db, &username).await?,
        AdminCommand::Invite {
            command: InviteCommand::Create,
        } => site::create_invite(db, site::Operator::Console).await?,
        AdminCommand::Open311 {
            command: Open311Command::Create { name, commune },
        } => {
            let app = name.clone();
            let key = db
                .transaction(move |conn| {
                    let commune = match commune {
                        Some(slug) => crate::db::queries::actor_of_kind(
                            conn,
                            crate::model::ActorKind::Commune,
                            &slug.to_ascii_lowercase(),
                        )?
                        .ok_or_else(|| Error::NotFound(format!("no commune named '{slug}'")))?,
                        None => crate::db::queries::default_commune(conn)?
                            .ok_or_else(|| Error::NotFound("no commune yet".into()))?,
                    };
                    crate::civic::open311::create_client_for(conn, commune.id, &name)
                })
                .await?
                .1;
            format!("Open311 key for {app} (shown once): {key}")
        }
        AdminCommand::Residents { command } => residents_list(db, settings, command).await?,
        AdminCommand::Officials {
            command:
                OfficialsCommand::Import {
                    file,
                    commune,
                    insee,
                },
        } => import_officials(db, &file, commune, insee).await?,
        AdminCommand::CopyDatabase { to } => copy::copy_database(db, settings, to).await?,
        AdminCommand::Backup { .. } | AdminCommand::Restore { .. } => {
            return Err(Error::internal(
                "backup and restore run before the database is opened (see `run`)",
            ));
        }
        AdminCommand::Charter {
            command: CharterCommand::Publish { file },
        } => {
            let body = std::fs::read_to_string(&file).map_err(|e| {
                Error::invalid("file", format!("cannot read {}: {e}", file.display()))
            })?;
            let charter = site::publish_charter(db, site::Operator::Console, &body).await?;
            format!("published version {} of the charter", charter.version)
        }
        AdminCommand::Email {
            command: EmailCommand::Status,
        } => {
            let transport = crate::mail::transport::Transport::from_settings(settings)
                .map_err(|e| Error::invalid("email.smtp_url", e))?;
            let st = db.run(crate::mail::status).await?;
            let mut lines = vec![
                transport.describe(settings),
                format!(
                    "queued: {} ({} waiting for a retry){}",
                    st.queued,
                    st.retrying,
                    st.oldest_queued
                        .map(|at| format!(
                            ", the oldest since {} UTC",
                            at.format("%Y-%m-%d %H:%M:%S")
                        ))
                        .unwrap_or_default()
                ),
                format!("sent in the last 24 hours: {}", st.sent_last_day),
                format!("refused for good (not retried): {}", st.failed),
            ];
            for (to, attempts, error) in &st.errors {
                lines.push(format!("  {to} (attempt {attempts}): {error}"));
            }
            lines.join("\n")
        }
        AdminCommand::Email {
            command: EmailCommand::Test { to },
        } => {
            let transport = crate::mail::transport::Transport::from_settings(settings)
                .map_err(|e| Error::invalid("email.smtp_url", e))?;
            let mail = crate::mail::Mail {
                to: to.clone(),
                subject: format!("{}: test message", settings.instance.name),
                text: format!(
                    "This message was sent by `parvis admin email test` from {}.\n\nCe message a été envoyé par `parvis admin email test` depuis {}.\n",
                    settings.server.public_url, settings.server.public_url
                ),
                html: None,
                unsubscribe: None,
            };
            mail.check()?;
            match transport.send(settings, &mail).await {
                Ok(Some(path)) => format!(
                    "{}\nwritten to {}",
                    transport.describe(settings),
                    path.display()
                ),
                Ok(None) => format!(
                    "{}: the server took the message for {to}",
                    transport.describe(settings)
                ),
                Err(crate::mail::transport::Failure::Permanent(e)) => {
                    return Err(Error::BadGateway(format!(
                        "the server refused the message for good: {e}"
                    )));
                }
                Err(crate::mail::transport::Failure::Transient(e)) => {
                    return Err(Error::BadGateway(format!(
                        "the message could not be sent: {e}"
                    )));
                }
            }
        }
        AdminCommand::Federation {
            command: FederationCommand::Policy,
        } => {
            let policy = db
                .run(|conn| crate::federation::policy::Policy::load(conn, &[]))
                .await?;
            let partners = db.run(crate::federation::policy::partner_hosts).await?;
            let mut lines = vec![format!("mode: {}", policy.mode)];
            if policy.private {
                lines.push("residents only: only the allowed servers are members".into());
            }
            for (domain, rule) in &policy.rules {
                if partners.contains(domain) {
                    lines.push(format!("{rule} {domain} (partner)"));
                } else {
                    lines.push(format!("{rule} {domain}"));
                }
            }
            lines.join("\n")
        }
        AdminCommand::Federation {
            command: FederationCommand::Mode { mode },
        } => {
            let parsed = crate::model::FederationMode::parse(&mode)
                .ok_or_else(|| Error::invalid("mode", "open, allowlist or closed"))?;
            db.transaction(move |conn| {
                crate::civic::servers::set_mode(
                    conn,
                    &crate::civic::servers::Changer::Operator,
                    parsed,
                )
            })
            .await?;
            format!("federation mode: {mode} (running servers apply it within seconds)")
        }
        AdminCommand::Federation {
            command: FederationCommand::Partner { command },
        } => {
            // Partnering fetches the other server's NodeInfo and communes, as the running server would.
            let ctx = crate::app::context(settings.clone(), db.clone())?;
            match command {
                PartnerCommand::Add { server } => {
                    let handles = crate::federation::policy::partner_add(
                        &ctx,
                        &crate::civic::servers::Changer::Operator,
                        &server,
                    )
                    .await?;
                    format!(
                        "partnered with {server}: the commune follows {} (deliveries go out from the running server)",
                        handles.join(", ")
                    )
                }
                PartnerCommand::Remove { server } => {
                    let ended = crate::federation::policy::partner_remove(
                        &ctx,
                        &crate::civic::servers::Changer::Operator,
                        &server,
                    )
                    .await?;
                    format!(
                        "partnership with {server} ended ({ended} commune(s) no longer followed)"
                    )
                }
            }
        }
        AdminCommand::Federation {
            command: FederationCommand::Allow { domain },
        } => server_rule(db, domain, Some(crate::model::ServerRule::Allow)).await?,
        AdminCommand::Federation {
            command: FederationCommand::Silence { domain },
        } => server_rule(db, domain, Some(crate::model::ServerRule::Silence)).await?,
        AdminCommand::Federation {
            command: FederationCommand::Block { domain },
        } => server_rule(db, domain, Some(crate::model::ServerRule::Block)).await?,
        AdminCommand::Federation {
            command: FederationCommand::Forget { domain },
        } => server_rule(db, domain, None).await?,
        AdminCommand::Federation {
            command: FederationCommand::Status,
        } => {
            let hosts = db.run(crate::db::queries::federation_status).await?;
            let mut lines = vec![format!(
                "{:<40} {:>8} {:>8} {:>10}  {}",
                "server", "queued", "failed", "delivered", "state"
            )];
            for h in &hosts {
                lines.push(format!(
                    "{:<40} {:>8} {:>8} {:>10}  {}",
                    h.domain,
                    h.queued,
                    h.failed,
                    h.delivered,
                    if h.unreachable { "unreachable" } else { "ok" }
                ));
            }
            if hosts.is_empty() {
                lines.push("(no remote server contacted yet)".into());
            }
            let refused = db
                .run(|conn| crate::federation::refusals::recent(conn, 50))
                .await?;
            lines.push(String::new());
            lines.push(
                "refused at our inboxes (server as the request names it), newest first:".into(),
            );
            for r in &refused {
                lines.push(format!(
                    "{:<40} {:>8}  {}  last {}: {}",
                    r.domain,
                    r.count,
                    r.reason,
                    r.last_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    r.last_message
                ));
            }
            if refused.is_empty() {
                lines.push("(nothing refused)".into());
            }
            lines.join("\n")
        }
    };
    writeln!(out, "{line}").map_err(Error::internal)
}

fn read_password() -> Result<String> {
    let mut input = String::new();
    std::io::stdin()
        .take(4096)
        .read_to_string(&mut input)
        .map_err(|e| Error::invalid("password", format!("cannot read standard input: {e}")))?;
    let password = input.lines().next().unwrap_or("").to_string();
    if password.is_empty() {
        return Err(Error::invalid(
            "password",
            "standard input held no password",
        ));
    }
    Ok(password)
}

async fn serve(settings: Settings, seed_demo: bool) -> Result<()> {
    let public_url = settings.server.public_url.clone();
    let backend = settings.database_backend().map_err(|e| Error::Invalid {
        field: "configuration",
        message: e.to_string(),
    })?;
    // Held until the server stops.
    let _one_server = crate::db::ServeLock::take(&settings.database_url(), backend)?;
    let app = Application::build(settings).await?;
    if seed_demo {
        // The database was opened by build(); seeding goes through the same civic functions as everything else.
        if let Some(password) = demo::seed_if_empty(app.database()).await? {
            tracing::info!(
                "seeded the demo commune @{}@…, official @{} and citizen @{}",
                demo::DEMO_COMMUNE,
                demo::DEMO_OFFICIAL,
                demo::DEMO_CITIZEN
            );
            // Shown once, on the terminal rather than in the log (logs are kept and shipped): the demo admin's
            // password is random, never a default anyone could guess.
            println!(
                "demo admin: log in at {public_url}/login as '{}' with password '{password}'",
                demo::DEMO_ADMIN
            );
        }
    }
    tracing::info!(address = %app.local_addr(), %public_url, "Parvis is listening");
    app.run_until(shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// `parvis admin officials import`: sets the INSEE code asked for, reads the register's file as a stream
/// (keeping the lines of the communes hosted here), applies it, and says what it did.
async fn import_officials(
    db: &crate::db::Database,
    file: &std::path::Path,
    commune: Option<String>,
    insee: Option<String>,
) -> Result<String> {
    if let Some(code) = insee {
        db.transaction(move |conn| {
            let target = match commune {
                Some(slug) => crate::db::queries::actor_of_kind(
                    conn,
                    crate::model::ActorKind::Commune,
                    &slug.to_ascii_lowercase(),
                )?
                .ok_or_else(|| Error::NotFound(format!("no commune named '{slug}'")))?,
                None => crate::db::queries::default_commune(conn)?
                    .ok_or_else(|| Error::NotFound("no commune yet".into()))?,
            };
            crate::civic::council::set_insee(conn, target.id, &code)
        })
        .await?;
    }
    let codes = db.run(crate::civic::council::hosted_codes).await?;
    if codes.is_empty() {
        return Err(Error::invalid(
            "insee",
            "no commune here has an INSEE code: give one with --insee (and --commune)",
        ));
    }
    let path = file.to_path_buf();
    let wanted: std::collections::HashSet<String> = codes.keys().cloned().collect();
    let read = tokio::task::spawn_blocking(move || {
        let input = std::fs::File::open(&path)
            .map_err(|e| Error::invalid("file", format!("cannot open {}: {e}", path.display())))?;
        crate::civic::council::register::read(input, &wanted)
    })
    .await
    .map_err(Error::internal)??;
    let examples = read.broken_examples.clone();
    let today = crate::civic::now().date();
    let report = db
        .transaction(move |conn| crate::civic::council::import(conn, &read, &codes, today))
        .await?;
    let mut out = format!(
        "{} lines read; councillors: {} added, {} updated, {} unchanged, {} ended",
        report.lines, report.created, report.updated, report.unchanged, report.ended
    );
    if report.broken > 0 {
        out.push_str(&format!(
            "\n{} lines could not be read and were skipped:",
            report.broken
        ));
        for b in &examples {
            out.push_str(&format!("\n  line {}: {}", b.line, b.why));
        }
        if report.broken as usize > examples.len() {
            out.push_str("\n  …");
        }
    }
    for code in &report.unmatched {
        out.push_str(&format!(
            "\nthe file lists no councillor of {code} (INSEE code): nothing of that commune was changed"
        ));
    }
    Ok(out)
}

/// The commune a command names, or the default one.
fn commune_named(
    conn: &mut crate::db::AnyConnection,
    slug: Option<&str>,
) -> Result<crate::model::Actor> {
    match slug {
        Some(slug) => crate::db::queries::actor_of_kind(
            conn,
            crate::model::ActorKind::Commune,
            &slug.to_ascii_lowercase(),
        )?
        .ok_or_else(|| Error::NotFound(format!("no commune named '{slug}'"))),
        None => crate::db::queries::default_commune(conn)?
            .ok_or_else(|| Error::NotFound("no commune yet".into())),
    }
}

/// `parvis admin residents list-import` and `list-delete`.
async fn residents_list(
    db: &crate::db::Database,
    settings: &Settings,
    command: ResidentsCommand,
) -> Result<String> {
    use crate::civic::residency::list;
    match command {
        ResidentsCommand::ListImport {
            file,
            name,
            commune,
        } => {
            let secret = list::secret(&settings.server.data_dir)?;
            let read = tokio::task::spawn_blocking(move || {
                let input = std::fs::File::open(&file).map_err(|e| {
                    Error::invalid("file", format!("cannot open {}: {e}", file.display()))
                })?;
                list::read(input, &secret)
            })
            .await
            .map_err(Error::internal)??;
            let (lines, broken) = (read.lines, read.broken);
            let stored = db
                .transaction(move |conn| {
                    let commune = commune_named(conn, commune.as_deref())?;
                    list::store(conn, commune.id, &name, &read)
                })
                .await?;
            Ok(format!(
                "{lines} lines read, {broken} could not be read; {stored} people kept as keyed hashes"
            ))
        }
        ResidentsCommand::ListDelete { name, commune } => {
            let gone = db
                .transaction(move |conn| {
                    let commune = commune_named(conn, commune.as_deref())?;
                    list::delete(conn, commune.id, &name)
                })
                .await?;
            Ok(format!("{gone} entries deleted"))
        }
    }
}
