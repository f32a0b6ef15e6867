//! What the command line takes: its commands and their arguments (clap), and the parsers of roles and dates.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};

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
    /// Keys of the apps that file problem reports through Open311.
    Open311 {
        #[command(subcommand)]
        command: Open311Command,
    },
    /// Lists of residents a town holds (electoral list, census), kept as keyed hashes for verification.
    Residents {
        #[command(subcommand)]
        command: ResidentsCommand,
    },
    /// The communes' councils, from the national register of elected officials (RNE).
    Officials {
        #[command(subcommand)]
        command: OfficialsCommand,
    },
    /// Copy this (stopped) SQLite instance into an empty PostgreSQL database: every table, the actors' keys,
    /// media references; checked by counting each table on both sides. Then set `database.url` to it.
    CopyDatabase {
        /// The PostgreSQL database to fill, e.g. `postgres://parvis@localhost/parvis`.
        #[arg(long)]
        to: String,
    },
    /// Write a backup (database with the actors' keys, and every file of the data directory) to a new file,
    /// while the server runs. PostgreSQL is copied with `pg_dump`.
    Backup {
        /// The file to write (it must not exist): e.g. `/var/backups/parvis/2026-12-07.tar.gz`.
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Restore a backup into an empty data directory (and, for PostgreSQL, an empty database), then apply
    /// this version's migrations. The server must not be running.
    Restore {
        /// The backup file written by `parvis admin backup`.
        #[arg(long)]
        from: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ResidentsCommand {
    /// Import a list (`;`-separated, with the columns nom, prénom, date de naissance, adresse): only keyed
    /// hashes of each line are kept, under the list's name (a list of that name is replaced).
    ListImport {
        #[arg(long)]
        file: std::path::PathBuf,
        /// The list's name, e.g. "Liste électorale 2027".
        #[arg(long)]
        name: String,
        /// The commune's slug (the default commune when absent).
        #[arg(long)]
        commune: Option<String>,
    },
    /// Delete a list when its campaign ends (verifications already made stay until they expire).
    ListDelete {
        #[arg(long)]
        name: String,
        #[arg(long)]
        commune: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum OfficialsCommand {
    /// Read the register's file of municipal councillors (`elus-conseillers-municipaux-cm.csv` on
    /// data.gouv.fr) and keep the councils of the communes hosted here: new councillors are added as
    /// profiles their officials claim, changed functions updated, councillors no longer listed have their
    /// mandate ended today.
    Import {
        /// The file (the whole national file, or a part of it).
        #[arg(long)]
        file: std::path::PathBuf,
        /// Set this commune's INSEE code first (with --insee).
        #[arg(long, requires = "insee")]
        commune: Option<String>,
        /// The INSEE code of --commune (e.g. 69123), or of the default commune.
        #[arg(long)]
        insee: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum Open311Command {
    /// Create a key for an app and print it (shown once).
    Create {
        /// The app's name, as the admin page lists it.
        #[arg(long)]
        name: String,
        /// The commune it files reports in (the default commune when absent).
        #[arg(long)]
        commune: Option<String>,
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
