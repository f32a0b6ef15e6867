//! What every benchmark shares: errors, options, throwaway working directories and databases, a prepared
//! instance (commune, official, token) and its configuration file, statistics.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use parvis::config::Settings;
use parvis::db::Database;
use parvis::federation::signatures::SigningKey;
use parvis::ids::ActorId;
use parvis::model::{Role, Visibility};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
pub type Res<T> = Result<T, BoxError>;

/// An error with a message.
pub fn fail(message: impl Into<String>) -> BoxError {
    message.into().into()
}

/// A Parvis error with its internal detail (its `Display` alone hides causes from clients).
pub fn pe(e: parvis::error::Error) -> BoxError {
    match e.log_detail() {
        Some(detail) => fail(format!("{e}: {detail}")),
        None => fail(e.to_string()),
    }
}

/// Settings shared by every subcommand.
pub struct Options {
    pub parvis: PathBuf,
    pub pin: bool,
    pub doc: Option<PathBuf>,
    pub keep: bool,
    /// Clock ticks per second of /proc/<pid>/stat (`getconf CLK_TCK`).
    pub clk_tck: u64,
}

impl Options {
    pub fn new(
        parvis: Option<PathBuf>,
        pin: bool,
        doc: Option<PathBuf>,
        keep: bool,
    ) -> Res<Options> {
        let parvis = match parvis {
            Some(p) => p,
            None => std::env::current_exe()?
                .parent()
                .ok_or_else(|| fail("this program has no directory"))?
                .join("parvis"),
        };
        if !parvis.is_file() {
            return Err(fail(format!(
                "{} does not exist: build it with `cargo build --release --bins`",
                parvis.display()
            )));
        }
        let clk_tck = command_output("getconf", &["CLK_TCK"])?
            .parse()
            .map_err(|e| fail(format!("getconf CLK_TCK: {e}")))?;
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let pin = pin && cpus >= 2;
        Ok(Options {
            parvis,
            pin,
            doc,
            keep,
            clk_tck,
        })
    }

    pub fn ticks_to_ms(&self, ticks: u64) -> f64 {
        ticks as f64 * 1000.0 / self.clk_tck as f64
    }

    /// How the CPUs were shared, for the results.
    pub fn placement(&self) -> &'static str {
        if self.pin {
            "server pinned to CPU 0, load generator to CPU 1"
        } else {
            "server and load generator share both CPUs"
        }
    }
}

/// The trimmed standard output of a command that must succeed.
pub fn command_output(program: &str, args: &[&str]) -> Res<String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| fail(format!("cannot run {program}: {e}")))?;
    if !out.status.success() {
        return Err(fail(format!(
            "{program} {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// A directory for one run's database, configuration and server log; removed on drop unless `--keep`.
pub struct Workspace {
    pub dir: PathBuf,
    keep: bool,
}

impl Workspace {
    pub fn new(options: &Options, name: &str) -> Res<Workspace> {
        let dir = std::env::temp_dir().join(format!(
            "parvis-bench-{name}-{}-{}",
            std::process::id(),
            unique()
        ));
        std::fs::create_dir_all(&dir)?;
        Ok(Workspace {
            dir,
            keep: options.keep,
        })
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        if self.keep {
            eprintln!("kept {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Nanoseconds since the epoch, to name things uniquely.
pub fn unique() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// A loopback port free at the time of asking.
pub fn free_port() -> Res<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A fresh database: a SQLite file in `ws`, or a new database in the PostgreSQL cluster that `admin_url`
/// reaches (any database of it, e.g. `postgres://parvis@127.0.0.1:5433/postgres`).
pub fn fresh_database(ws: &Workspace, postgres: Option<&str>, tag: &str) -> Res<String> {
    let Some(admin_url) = postgres else {
        return Ok(format!(
            "sqlite://{}",
            ws.dir.join("parvis.sqlite3").display()
        ));
    };
    let name = format!("bench_{tag}_{}", unique() % 1_000_000_000);
    let mut conn = diesel::PgConnection::establish(admin_url)
        .map_err(|e| fail(format!("cannot connect to {admin_url}: {e}")))?;
    conn.batch_execute(&format!("CREATE DATABASE {name}"))?;
    let mut url = url::Url::parse(admin_url)?;
    url.set_path(&format!("/{name}"));
    Ok(url.to_string())
}

/// A configured, migrated instance with a commune, an official (`marie`) and her API token.
pub struct Instance {
    pub settings: Settings,
    pub db: Database,
    pub port: u16,
    pub base: String,
    pub marie: ActorId,
    pub token: String,
    pub config: PathBuf,
}

impl Instance {
    pub async fn prepare(ws: &Workspace, database_url: String) -> Res<Instance> {
        let settings = base_settings(ws, database_url)?;
        let port = settings.bind_addr().port();
        let base = settings.server.public_url.clone();
        let db = {
            let settings = settings.clone();
            tokio::task::spawn_blocking(move || parvis::app::open_database(&settings))
                .await?
                .map_err(pe)?
        };
        parvis::civic::communes::create_commune(&db, "ville", "Ville")
            .await
            .map_err(pe)?;
        let (marie, _) = parvis::civic::accounts::create_account(
            &db,
            parvis::civic::accounts::NewAccount {
                username: "marie".into(),
                role: Role::Official,
                commune: None,
                display_name: Some("Marie".into()),
                password: None,
            },
        )
        .await
        .map_err(pe)?;
        let token = parvis::civic::tokens::create_token(&db, "marie")
            .await
            .map_err(pe)?;
        Ok(Instance {
            settings,
            db,
            port,
            base,
            marie: marie.id,
            token,
            config: ws.dir.join("parvis.toml"),
        })
    }

    /// A post by marie, written directly (no follower yet: nothing is delivered). Returns its URL.
    pub async fn local_post(&self, text: &str) -> Res<String> {
        let marie = self.marie;
        let text = text.to_string();
        let note = self
            .db
            .transaction(move |conn| {
                parvis::civic::notes::publish(conn, marie, &text, Visibility::Public, None)
            })
            .await
            .map_err(pe)?;
        Ok(format!("{}/notes/{}", self.base, note.id))
    }

    /// `n` proposals by marie, by their `Page` ids.
    pub async fn local_proposals(&self, n: usize) -> Res<Vec<String>> {
        let marie = self.marie;
        let ids = self
            .db
            .transaction(move |conn| {
                let (_, account) = parvis::db::queries::account_by_id(conn, marie)?
                    .ok_or_else(|| parvis::error::Error::internal("marie has no account"))?;
                (0..n)
                    .map(|i| {
                        parvis::civic::proposals::propose(
                            conn,
                            &account,
                            parvis::civic::proposals::NewProposal {
                                title: format!("Proposition {i} : un jardin partagé"),
                                summary: "Derrière la médiathèque, arrosé par le quartier.".into(),
                                ..Default::default()
                            },
                        )
                    })
                    .collect::<parvis::error::Result<Vec<_>>>()
            })
            .await
            .map_err(pe)?;
        Ok(ids
            .into_iter()
            .map(|id| format!("{}/debates/{id}", self.base))
            .collect())
    }

    /// `n` polls asked by marie (Oui / Non, open for a month, published to other servers); their URLs.
    pub async fn local_polls(&self, n: usize) -> Res<Vec<String>> {
        let marie = self.marie;
        let ids = self
            .db
            .transaction(move |conn| {
                let (_, account) = parvis::db::queries::account_by_id(conn, marie)?
                    .ok_or_else(|| parvis::error::Error::internal("marie has no account"))?;
                (0..n)
                    .map(|i| {
                        parvis::civic::polls::create(
                            conn,
                            &account,
                            &parvis::civic::polls::NewPoll {
                                question: format!("Sondage {i} : un jardin partagé ?"),
                                kind: parvis::model::PollKind::Single,
                                options: vec!["Oui".into(), "Non".into()],
                                closes_at: chrono::Utc::now().naive_utc()
                                    + chrono::Duration::days(30),
                                eligibility: parvis::model::Eligibility::Anyone,
                                live_results: true,
                                federated: true,
                            },
                        )
                    })
                    .collect::<parvis::error::Result<Vec<_>>>()
            })
            .await
            .map_err(pe)?;
        Ok(ids
            .into_iter()
            .map(|id| format!("{}/polls/{id}", self.base))
            .collect())
    }

    /// marie's private key, ready to sign (for [`calibrate`]).
    pub async fn marie_key(&self) -> Res<SigningKey> {
        let marie = self.marie;
        let actor = self
            .db
            .run(move |conn| parvis::db::queries::actor_by_id(conn, marie))
            .await
            .map_err(pe)?;
        Ok(SigningKey::from_pkcs8_pem(&actor.private_key_pem)?)
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Writes the configuration file the server is started with (see [`write_config`]).
    pub fn write_config(&self, federation: &str, static_hosts: &str) -> Res<()> {
        write_config(&self.settings, &self.config, federation, static_hosts)
    }

    /// One count(*) query, for checks after a run.
    pub async fn count(&self, sql_table: &'static str, filter: &'static str) -> Res<i64> {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let query = format!("SELECT count(*) AS n FROM {sql_table} {filter}");
        let found: Count = self
            .db
            .run(move |conn| {
                use diesel::RunQueryDsl;
                Ok(diesel::sql_query(query).get_result::<Count>(conn)?)
            })
            .await
            .map_err(pe)?;
        Ok(found.n)
    }
}

/// Writes a configuration file for `settings`. `federation` holds extra `key = value` lines of
/// `[federation]`; `static_hosts` the lines of `[federation.static_hosts]`. The server logs warnings only.
/// Rate limits are off: one load generator on one address (and one remote host for B1) stands for many
/// servers and people, and would be refused with `429` long before the server's own limits show.
pub fn write_config(
    settings: &Settings,
    path: &Path,
    federation: &str,
    static_hosts: &str,
) -> Res<()> {
    let s = settings;
    let text = format!(
        "[server]\nbind = {:?}\npublic_url = {:?}\ndata_dir = {:?}\nwrites_per_minute = 0\n\n\
         [database]\nurl = {:?}\npool_size = {}\n\n\
         [instance]\nname = {:?}\n\n\
         [federation]\ninbox_per_minute = 0\n{federation}\n\n[federation.static_hosts]\n{static_hosts}\n\n\
         [log]\nlevel = \"warn\"\n",
        s.server.bind,
        s.server.public_url,
        s.server.data_dir.display().to_string(),
        s.database.url,
        s.database.pool_size,
        s.instance.name,
    );
    std::fs::write(path, text)?;
    Ok(())
}

/// Settings for a server on a free loopback port with its data in `ws`.
pub fn base_settings(ws: &Workspace, database_url: String) -> Res<Settings> {
    let port = free_port()?;
    let mut settings = Settings::default();
    settings.server.bind = format!("127.0.0.1:{port}");
    settings.server.public_url = format!("http://127.0.0.1:{port}");
    settings.server.data_dir = ws.dir.clone();
    settings.database.url = database_url;
    settings.instance.name = "Parvis bench".into();
    Ok(settings)
}

/// The median of some values (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// The `p`-th percentile (nearest rank) of sorted values.
pub fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

/// A pass/miss mark for a figure against its target.
pub fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "**missed**" }
}

/// The load average, to tell whether someone else was using the machine.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| {
            let f: Vec<&str> = l.split_whitespace().take(3).collect();
            (f.len() == 3).then(|| f.join(" "))
        })
        .unwrap_or_else(|| "?".into())
}
