//! B15: reading the national register of elected officials. A file the size of the national one (about
//! 520,000 councillors of 35,000 communes, in the register's layout, names and dates generated) is written
//! once, then read as `parvis admin officials import` reads it, keeping the councils of a handful of communes:
//! the time to read it all, and the peak memory of the process (which must not grow with the file).

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Instant;

use rand::{Rng, SeedableRng};

use crate::common::{Options, Res, Workspace, verdict};
use crate::report;

/// The target: the whole national file read within this.
const TARGET_SECS: f64 = 30.0;
/// Memory the read may add, whatever the file's size.
const MEMORY_TARGET_MB: f64 = 64.0;

#[derive(Debug, clap::Args)]
pub struct RegisterArgs {
    /// Councillors in the generated file.
    #[arg(long, default_value_t = 520_000)]
    rows: usize,
    /// Communes hosted (whose councils are kept).
    #[arg(long, default_value_t = 10)]
    hosted: usize,
}

const HEADER: &str = "Code du département;Libellé du département;Code de la collectivité à statut particulier;Libellé de la collectivité à statut particulier;Code de la commune;Libellé de la commune;Nom de l'élu;Prénom de l'élu;Code sexe;Date de naissance;Code de la catégorie socio-professionnelle;Libellé de la catégorie socio-professionnelle;Date de début du mandat;Libellé de la fonction;Date de début de la fonction;Code nationalité";

/// The process's peak resident memory so far (VmHWM), in MB.
fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

pub async fn run(options: &Options, args: &RegisterArgs) -> Res<()> {
    let ws = Workspace::new(options, "b15")?;
    let path = ws.dir.join("elus-conseillers-municipaux-cm.csv");
    let mut rng = rand::rngs::StdRng::seed_from_u64(15);
    let communes = 35_000usize;
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
        write!(out, "{HEADER}\r\n")?;
        for i in 0..args.rows {
            let commune = i % communes;
            let code = format!("{:02}{:03}", 1 + commune / 1000, commune % 1000);
            let function = match i % 15 {
                0 => "Maire".to_string(),
                1..=4 => format!("{}ème adjoint au Maire", i % 15),
                _ => String::new(),
            };
            write!(
                out,
                "{dep};Département {dep};;;{code};Commune {commune};NOM{i}EXEMPLE;Prénom{};{};{:02}/{:02}/19{};{};Catégorie;15/03/2026;{function};{};FR\r\n",
                rng.gen_range(0..1000),
                if i % 2 == 0 { "F" } else { "M" },
                rng.gen_range(1..29),
                rng.gen_range(1..13),
                rng.gen_range(40..99),
                rng.gen_range(10..90),
                if function.is_empty() {
                    ""
                } else {
                    "22/03/2026"
                },
                dep = 1 + commune / 1000,
            )?;
        }
    }
    let bytes = std::fs::metadata(&path)?.len();
    let wanted: std::collections::HashSet<String> = (0..args.hosted)
        .map(|n| {
            let commune = n * 3_001 % communes;
            format!("{:02}{:03}", 1 + commune / 1000, commune % 1000)
        })
        .collect();
    let before = peak_mb();
    let started = Instant::now();
    let file = std::fs::File::open(&path)?;
    let read =
        tokio::task::spawn_blocking(move || parvis::civic::council::register::read(file, &wanted))
            .await??;
    let secs = started.elapsed().as_secs_f64();
    let grown = (peak_mb() - before).max(0.0);
    let kept: usize = read.rows.values().map(Vec::len).sum();

    let mut md = String::new();
    writeln!(
        md,
        "### B15: reading the national register of elected officials\n"
    )?;
    md.push_str(&report::preamble(options).replace(options.placement(), "in process, not pinned"));
    writeln!(
        md,
        "- a generated file in the register's layout: {} lines, {:.0} MB; {} communes hosted\n",
        read.lines,
        bytes as f64 / 1_048_576.0,
        args.hosted
    )?;
    writeln!(md, "| measure | value | target |")?;
    writeln!(md, "|---|---|---|")?;
    writeln!(md, "| councillors kept | {kept} | |")?;
    writeln!(md, "| broken lines | {} | 0 |", read.broken)?;
    writeln!(
        md,
        "| time to read the whole file | {secs:.2} s | ≤ {TARGET_SECS:.0} s: {} |",
        verdict(secs <= TARGET_SECS)
    )?;
    writeln!(
        md,
        "| peak memory added while reading | {grown:.1} MB | ≤ {MEMORY_TARGET_MB:.0} MB, not growing with the file: {} |",
        verdict(grown <= MEMORY_TARGET_MB)
    )?;
    report::publish(options, "b15", &md)?;
    Ok(())
}
