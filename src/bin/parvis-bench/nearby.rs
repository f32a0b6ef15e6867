//! B13: the near-duplicate lookup made before every new problem report (the open reports of the same
//! category within 50 m), timed in process on a database holding many reports: SQLite by default, or
//! PostgreSQL. Reports are spread over a town-sized box in a few categories, a share of them closed; each
//! lookup is at a random point of the box.

use std::fmt::Write as _;
use std::time::Instant;

use diesel::prelude::*;
use rand::{Rng, SeedableRng};

use crate::common::{Instance, Options, Res, Workspace, fail, fresh_database, pe, verdict};
use crate::report;

/// The target: one lookup within this, at 100,000 reports.
const TARGET_MS: f64 = 5.0;

#[derive(Debug, clap::Args)]
pub struct NearbyArgs {
    /// Reports in the database.
    #[arg(long, default_value_t = 100_000)]
    reports: usize,
    /// Lookups timed.
    #[arg(long, default_value_t = 2_000)]
    lookups: usize,
    /// Use PostgreSQL (a URL of a cluster in which this program may CREATE DATABASE).
    #[arg(long)]
    postgres: Option<String>,
    /// B14: GeoJSON exports timed, each of a box holding about a tenth of the reports.
    #[arg(long, default_value_t = 30)]
    exports: usize,
}

/// B14's target: the GeoJSON of 10,000 reports in a box.
const EXPORT_TARGET_MS: f64 = 200.0;

pub async fn run(options: &Options, args: &NearbyArgs) -> Res<()> {
    if args.lookups == 0 {
        return Err(fail("lookups must be at least 1"));
    }
    let ws = Workspace::new(options, "b13")?;
    let database = fresh_database(&ws, args.postgres.as_deref(), "b13")?;
    let instance = Instance::prepare(&ws, database).await?;
    let (db, reports) = (instance.db.clone(), args.reports);
    let admin = {
        let db = db.clone();
        parvis::civic::accounts::create_account(
            &db,
            parvis::civic::accounts::NewAccount {
                username: "admin".into(),
                role: parvis::model::Role::Admin,
                commune: None,
                display_name: None,
                password: None,
            },
        )
        .await
        .map_err(pe)?
        .1
    };
    let filling = Instant::now();
    let (commune, categories) = db
        .transaction(move |conn| {
            use parvis::model::schema::problems;
            let mut categories = vec![];
            for name in [
                "Voirie",
                "Éclairage",
                "Propreté",
                "Espaces verts",
                "Mobilier urbain",
            ] {
                categories.push(parvis::civic::problems::add_category(conn, &admin, name)?);
            }
            let mut rng = rand::rngs::StdRng::seed_from_u64(13);
            let now = chrono::Utc::now().naive_utc();
            let statuses = [
                "new",
                "acknowledged",
                "in_progress",
                "resolved",
                "resolved",
                "rejected",
            ];
            let mut batch = Vec::with_capacity(1000);
            for n in 0..reports {
                batch.push((
                    problems::commune_id.eq(admin.commune_id),
                    problems::category_id.eq(categories[n % categories.len()]),
                    problems::description.eq("Un problème"),
                    problems::address.eq(""),
                    problems::latitude.eq(45.70 + rng.gen_range(0.0..0.10)),
                    problems::longitude.eq(4.80 + rng.gen_range(0.0..0.10)),
                    problems::status.eq(statuses[n % statuses.len()]),
                    problems::created_at.eq(now),
                    problems::updated_at.eq(now),
                ));
                if batch.len() == 1000 || n + 1 == reports {
                    parvis::on_each_backend!(conn, |c| diesel::insert_into(problems::table)
                        .values(&batch)
                        .execute(c))?;
                    batch.clear();
                }
            }
            Ok((admin.commune_id, categories))
        })
        .await
        .map_err(pe)?;
    eprintln!(
        "{reports} reports written in {:.1} s",
        filling.elapsed().as_secs_f64()
    );
    let lookups = args.lookups;
    let (mut times, found) = db
        .run(move |conn| {
            let mut rng = rand::rngs::StdRng::seed_from_u64(31);
            let mut times = Vec::with_capacity(lookups);
            let mut found = 0usize;
            for _ in 0..lookups {
                let (lat, lon) = (
                    45.70 + rng.gen_range(0.0..0.10),
                    4.80 + rng.gen_range(0.0..0.10),
                );
                let category = categories[rng.gen_range(0..categories.len())];
                let start = Instant::now();
                let near = parvis::civic::problems::nearby(conn, commune, category, lat, lon)?;
                times.push(start.elapsed().as_secs_f64() * 1000.0);
                found += near.len();
            }
            Ok((times, found))
        })
        .await
        .map_err(pe)?;
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let (p50, p99, max) = (at(0.5), at(0.99), times[times.len() - 1]);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    let backend = if args.postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let mut md = String::new();
    writeln!(md, "### B13: reports nearby before filing ({backend})\n")?;
    // Timed in this process: nothing is pinned, whatever the options say of a server.
    md.push_str(&report::preamble(options).replace(options.placement(), "in process, not pinned"));
    writeln!(
        md,
        "- {reports} reports over a box of about 11 × 8 km, 5 categories, half of them closed; {lookups} lookups at random points, in process (one connection)\n"
    )?;
    writeln!(md, "| measure | value | target |")?;
    writeln!(md, "|---|---|---|")?;
    writeln!(md, "| p50 per lookup | {p50:.3} ms | |")?;
    writeln!(
        md,
        "| p99 per lookup | {p99:.3} ms | ≤ {TARGET_MS} ms: {} |",
        verdict(p99 <= TARGET_MS)
    )?;
    writeln!(md, "| mean / max | {mean:.3} / {max:.3} ms | |")?;
    writeln!(
        md,
        "| open reports found within 50 m, per lookup | {:.2} | |",
        found as f64 / lookups as f64
    )?;
    let key = if args.postgres.is_some() {
        "b13-postgres"
    } else {
        "b13"
    };
    report::publish(options, key, &md)?;
    exports(options, args, &instance, commune, backend).await
}

/// B14: the open data's GeoJSON of the reports in a box holding about a tenth of them (10,000 of 100,000),
/// read and serialized in process, as `/communes/{name}/problems.geojson?bbox=…` does.
async fn exports(
    options: &Options,
    args: &NearbyArgs,
    instance: &Instance,
    commune: parvis::ids::ActorId,
    backend: &str,
) -> Res<()> {
    let runs = args.exports.max(1);
    let urls = parvis::federation::urls::Urls::new(url::Url::parse(&instance.base)?);
    // A square of side 0.1 × √0.1 degrees inside the 0.1° box: a tenth of its reports.
    let side = 0.1 * 0.1f64.sqrt();
    let (times, sizes) = instance
        .db
        .run(move |conn| {
            let mut rng = rand::rngs::StdRng::seed_from_u64(14);
            let categories = parvis::civic::problems::categories(conn, commune)?;
            let (mut times, mut sizes) = (vec![], vec![]);
            for _ in 0..runs {
                let (south, west) = (
                    45.70 + rng.gen_range(0.0..0.1 - side),
                    4.80 + rng.gen_range(0.0..0.1 - side),
                );
                let filter = parvis::civic::problems::Filter {
                    commune: Some(commune),
                    within: Some(parvis::civic::problems::Area {
                        south,
                        west,
                        north: south + side,
                        east: west + side,
                    }),
                    limit: parvis::civic::problems::MAX_LIST,
                    ..Default::default()
                };
                let start = Instant::now();
                let list = parvis::civic::problems::list(conn, &filter)?;
                let body = parvis::api::open_data::feature_collection(&urls, &categories, &list)
                    .to_string();
                times.push(start.elapsed().as_secs_f64() * 1000.0);
                sizes.push((list.len(), body.len()));
            }
            Ok((times, sizes))
        })
        .await
        .map_err(pe)?;
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    let features = sizes.iter().map(|s| s.0).sum::<usize>() as f64 / sizes.len() as f64;
    let bytes = sizes.iter().map(|s| s.1).sum::<usize>() as f64 / sizes.len() as f64;
    let mut md = String::new();
    writeln!(md, "### B14: GeoJSON of the reports in a box ({backend})\n")?;
    md.push_str(&report::preamble(options).replace(options.placement(), "in process, not pinned"));
    writeln!(
        md,
        "- {} reports in the database (as B13); {runs} exports of a box holding about a tenth of them, read and serialized in process (what `/communes/{{name}}/problems.geojson?bbox=…` does before HTTP)\n",
        args.reports
    )?;
    writeln!(md, "| measure | value | target |")?;
    writeln!(md, "|---|---|---|")?;
    writeln!(md, "| features per export (mean) | {features:.0} | |")?;
    writeln!(md, "| GeoJSON size (mean) | {:.1} MB | |", bytes / 1e6)?;
    writeln!(md, "| p50 per export | {:.1} ms | |", at(0.5))?;
    writeln!(
        md,
        "| max per export | {:.1} ms | ≤ {EXPORT_TARGET_MS} ms for 10,000: {} |",
        at(1.0),
        verdict(at(1.0) <= EXPORT_TARGET_MS * features.max(1.0) / 10_000.0)
    )?;
    let key = if args.postgres.is_some() {
        "b14-postgres"
    } else {
        "b14"
    };
    report::publish(options, key, &md)
}
