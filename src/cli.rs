//! The command line: `parvis serve | migrate | admin …`.

use std::io::Read;
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};

use crate::app::{Application, open_database, open_database_counting};
use crate::civic::accounts::{NewAccount, NewMandate, add_mandate, create_account};
use crate::civic::{communes, demo, site, tokens};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::model::Role;

/// Parvis: a federated civic server for towns, their officials and their citizens.
#[derive(Debug, Parser)]
#[command(name = "parvis", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct ConfigArg {
    /// Configuration file (TOML); every key can also be set with PARVIS_<SECTION>__<KEY>.
    #[arg(long, short, global = true, env = "PARVIS_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the instance (applies pending migrations first).
    Serve {
        #[command(flatten)]
        config: ConfigArg,
        /// Seed a demo commune with an official and a citizen if the database is empty.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Administration: communes, accounts, tokens.
    Admin {
        #[command(flatten)]
        config: ConfigArg,
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Communes hosted by this instance.
    Commune {
        #[command(subcommand)]
        command: CommuneCommand,
    },
    /// People's accounts.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Access tokens for the JSON API.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Invitation codes, for registration in `invite` mode.
    Invite {
        #[command(subcommand)]
        command: InviteCommand,
    },
    /// The charter every account accepts.
    Charter {
        #[command(subcommand)]
        command: CharterCommand,
    },
    /// Federation with other servers.
    Federation {
        #[command(subcommand)]
        command: FederationCommand,
    },
    /// Mail: the queue, and a test message.
    Email {
        #[command(subcommand)]
        command: EmailCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum EmailCommand {
    /// Where mail goes, what waits in the queue, what was sent in the last day and what failed.
    Status,
    /// Send a test message now through the configured SMTP server (or write it as an .eml file without
    /// one) and say what the server answered.
    Test {
        /// The address to write to.
        #[arg(long)]
        to: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum InviteCommand {
    /// Create a single-use invitation code (valid 14 days) and print it.
    Create,
}

#[derive(Debug, Subcommand)]
pub enum CharterCommand {
    /// Publish a new version of the charter from a text file; every account is asked to accept it again.
    Publish {
        /// A UTF-8 text file; blank lines separate paragraphs.
        #[arg(long)]
        file: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum FederationCommand {
    /// Deliveries queued and failed, and servers marked unreachable, per remote server.
    Status,
    /// The federation policy: the mode and the rules on servers.
    Policy,
    /// With whom to federate: open (everyone but blocked servers), allowlist (allowed servers only) or closed.
    Mode {
        #[arg(value_parser = ["open", "allowlist", "closed"])]
        mode: String,
    },
    /// Allow a server (and its subdomains): the ones that federate in allowlist mode.
    Allow { domain: String },
    /// Silence a server (and its subdomains): its activities are accepted, but its posts are shown to nobody.
    Silence { domain: String },
    /// Block a server (and its subdomains): nothing sent to it, accepted from it or fetched from it, and what
    /// it published here before is hidden.
    Block { domain: String },
    /// Remove the rule on a server.
    Forget { domain: String },
    /// Partner with a neighbouring commune's Parvis server (run it on each side), or end it.
    Partner {
        #[command(subcommand)]
        command: PartnerCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum PartnerCommand {
    /// Allow the server and make the commune follow the communes it lists.
    Add { server: String },
    /// Stop following its communes and remove its rule.
    Remove { server: String },
}

#[derive(Debug, Subcommand)]
pub enum CommuneCommand {
    /// Create a commune; the first one becomes the instance's default.
    Create {
        /// Short name used in addresses: @SLUG@host (a-z, 0-9, '-', '_').
        #[arg(long)]
        slug: String,
        /// Full name, e.g. "Belleville-sur-Loire".
        #[arg(long)]
        name: String,
    },
    /// Keep the commune for its residents (`on`): pages need an account here, its content is not
    /// public, and only servers allowed with `federation allow` (or partners) federate; `off` opens it again.
    ResidentsOnly {
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account.
    Create {
        /// Name used in addresses: @USERNAME@host (a-z, 0-9, '-', '_').
        #[arg(long)]
        username: String,
        /// citizen, official, agent (the commune's staff), moderator or admin.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The commune's slug (default: the instance's default commune).
        #[arg(long)]
        commune: Option<String>,
        /// The name shown on profiles (default: the username).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (first line).
        #[arg(long)]
        password_stdin: bool,
        /// The person's email address: a link to set their password goes there (to confirm it, with
        /// --password-stdin). The running server's mail worker sends it.
        #[arg(long)]
        email: Option<String>,
    },
    /// Give an account another role (citizen, official, agent, moderator or admin).
    Role {
        /// The account's username.
        #[arg(long)]
        username: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// Record an elected office held by an official.
    Mandate {
        /// The official's username.
        #[arg(long)]
        username: String,
        /// The office, e.g. "Maire" or "Adjointe à l'urbanisme".
        #[arg(long)]
        office: String,
        /// The elected body, e.g. "Conseil municipal de Belleville".
        #[arg(long)]
        body: String,
        /// First day of the mandate (YYYY-MM-DD).
        #[arg(long, value_parser = parse_date)]
        since: NaiveDate,
        /// Last day of the mandate (YYYY-MM-DD), if it has ended or has a known end.
        #[arg(long, value_parser = parse_date)]
        until: Option<NaiveDate>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API bearer token for an account and print it (it is shown only once).
    Create {
        /// The account's username.
        #[arg(long)]
        username: String,
    },
}

fn parse_role(raw: &str) -> std::result::Result<Role, String> {
    Role::parse(raw).ok_or_else(|| {
        let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        format!("'{raw}' is not a role: use one of {}", names.join(", "))
    })
}

fn parse_date(raw: &str) -> std::result::Result<NaiveDate, String> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| format!("'{raw}' is not a date of the form YYYY-MM-DD"))
}

/// Loads the settings, then starts logging at their level (so a config file's `[log] level` is honoured).
fn load(config: &ConfigArg) -> Result<Settings> {
    let settings = Settings::load(config.config.as_deref()).map_err(|e| Error::Invalid {
        field: "configuration",
        message: e.to_string(),
    })?;
    let filter = tracing_subscriber::EnvFilter::try_new(&settings.log.level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second call (tests running several commands in one process) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
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
