//! Reading the national register of elected officials (RNE): the file of municipal councillors the Ministry
//! of the Interior publishes (`;`-separated, one councillor per line, about half a million lines for all of
//! France). Columns are found by their header's name, not their place (the layout changed over the years),
//! and each field is read as UTF-8 or, failing that, as Windows-1252 (the encoding of older files). The file
//! is read as a stream and only the lines of the communes asked for are kept, so memory does not grow with
//! the file. Of each line only the name, the function and the dates are kept: never the birth date, sex,
//! profession or nationality the register also carries.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use chrono::NaiveDate;

use crate::error::{Error, Result};

/// A councillor as the register lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisterRow {
    pub insee: String,
    pub family_name: String,
    pub given_name: String,
    /// Empty for a councillor without another function.
    pub function: String,
    pub mandate_since: NaiveDate,
    pub function_since: Option<NaiveDate>,
}

/// A line that could not be read: its number (the header is line 1) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenLine {
    pub line: u64,
    pub why: String,
}

/// What was read of a file: the rows of the communes asked for (by INSEE code), and the lines that could
/// not be read (at most [`MAX_BROKEN_KEPT`] kept, all counted).
#[derive(Debug, Default)]
pub struct RegisterRead {
    pub rows: HashMap<String, Vec<RegisterRow>>,
    pub lines: u64,
    pub broken: u64,
    pub broken_examples: Vec<BrokenLine>,
}

/// How many broken lines are kept to show (all are counted).
pub const MAX_BROKEN_KEPT: usize = 20;

/// The columns Parvis reads, as they are named in the files published since 2018.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Column {
    Department,
    Insee,
    FamilyName,
    GivenName,
    Function,
    MandateSince,
    FunctionSince,
}

impl Column {
    /// Whether a header (normalized by [`normalize`]) names this column.
    fn of(header: &str) -> Option<Column> {
        Some(match header {
            "code du departement" => Column::Department,
            "code de la commune" | "code insee de la commune" | "code commune" => Column::Insee,
            "nom de l'elu" | "nom de l elu" | "nom" => Column::FamilyName,
            "prenom de l'elu" | "prenom de l elu" | "prenom" => Column::GivenName,
            "libelle de la fonction" | "libelle de fonction" | "libelle fonction" => {
                Column::Function
            }
            "date de debut du mandat" | "date debut mandat" => Column::MandateSince,
            "date de debut de la fonction" | "date debut fonction" => Column::FunctionSince,
            _ => return None,
        })
    }

    const REQUIRED: [Column; 4] = [
        Column::Insee,
        Column::FamilyName,
        Column::GivenName,
        Column::MandateSince,
    ];

    fn name(self) -> &'static str {
        match self {
            Column::Department => "Code du département",
            Column::Insee => "Code de la commune",
            Column::FamilyName => "Nom de l'élu",
            Column::GivenName => "Prénom de l'élu",
            Column::Function => "Libellé de la fonction",
            Column::MandateSince => "Date de début du mandat",
            Column::FunctionSince => "Date de début de la fonction",
        }
    }
}

/// A header as compared: lower case, without accents, typographic apostrophes made straight, spaces
/// collapsed, and anything in parentheses dropped ("Code du département (Maire)").
fn normalize(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    let mut depth = 0u32;
    for c in crate::civic::folding::fold(header.trim_start_matches('\u{feff}')).chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            '’' | '‘' | '`' => out.push('\''),
            c => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A field's text: UTF-8, else Windows-1252 (which maps every byte).
fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.trim().to_string(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .trim()
            .to_string(),
    }
}

/// A date as the register has written it: `22/03/2026` (`4/3/1951` in 2019), `2026-03-22` (2026, once
/// with a time after it), `22/03/26`.
fn date(raw: &str) -> Option<NaiveDate> {
    let raw = raw.trim();
    if raw.len() >= 10 && raw.as_bytes()[4] == b'-' {
        return NaiveDate::parse_from_str(&raw[..10], "%Y-%m-%d").ok();
    }
    let parts: Vec<&str> = raw.split('/').collect();
    match parts.as_slice() {
        [_, _, y] if y.len() == 4 => NaiveDate::parse_from_str(raw, "%d/%m/%Y").ok(),
        [_, _, y] if y.len() == 2 => NaiveDate::parse_from_str(raw, "%d/%m/%y").ok(),
        _ => None,
    }
}

/// An INSEE commune code as written: five characters, digits (Corsica: `2A`, `2B` then digits); a code
/// written without its leading zero (`1001` for `01001`) is completed.
fn insee(raw: &str) -> Option<String> {
    let code = raw.trim().to_ascii_uppercase();
    let code = if code.len() == 4 && code.chars().all(|c| c.is_ascii_digit()) {
        format!("0{code}")
    } else {
        code
    };
    let ok = code.len() == 5
        && (code.chars().all(|c| c.is_ascii_digit())
            || (matches!(&code[..2], "2A" | "2B")
                && code[2..].chars().all(|c| c.is_ascii_digit())));
    ok.then_some(code)
}

/// Checks an INSEE code given by an admin.
pub fn check_insee(raw: &str) -> Result<String> {
    insee(raw).ok_or_else(|| {
        Error::invalid(
            "insee",
            "an INSEE commune code has five characters, as 69123 or 2A004",
        )
    })
}

/// The separator of a header line: `;` in most published files, a tab in 2019–2022, `,` once in 2023.
fn separator(line: &[u8]) -> u8 {
    let count = |b: u8| line.iter().filter(|c| **c == b).count();
    [b';', b'\t', b',']
        .into_iter()
        .max_by_key(|b| count(*b))
        .unwrap_or(b';')
}

/// Where each column is, if `record` is the header line (it names every column Parvis needs).
fn header(
    record: &csv::ByteRecord,
) -> std::result::Result<HashMap<Column, usize>, Vec<&'static str>> {
    let mut at = HashMap::new();
    for (i, raw) in record.iter().enumerate() {
        if let Some(column) = Column::of(&normalize(&text(raw))) {
            at.entry(column).or_insert(i);
        }
    }
    let missing: Vec<&'static str> = Column::REQUIRED
        .iter()
        .filter(|c| !at.contains_key(c))
        .map(|c| c.name())
        .collect();
    if missing.is_empty() {
        Ok(at)
    } else {
        Err(missing)
    }
}

/// Reads a register file, keeping the rows of the communes in `wanted` (INSEE codes). The header is found by
/// its names among the first lines (older files open with a title line). Refused whole when a column Parvis
/// needs is missing (saying which, and what the first line holds); a line that cannot be read is counted
/// and skipped.
pub fn read(input: impl Read, wanted: &HashSet<String>) -> Result<RegisterRead> {
    let mut input = std::io::BufReader::with_capacity(1 << 16, input);
    let delimiter = {
        use std::io::BufRead;
        let first = input.fill_buf().map_err(Error::internal)?;
        // The header, or the title line before it: the busiest separator of the first two lines.
        let head: Vec<u8> = first
            .split(|b| *b == b'\n')
            .take(2)
            .flat_map(|l| l.iter().copied())
            .collect();
        separator(&head)
    };
    // The files quote nothing (a name may hold a quote mark): quotes are read as text.
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .quoting(false)
        .flexible(true)
        .has_headers(false)
        .from_reader(input);
    let mut record = csv::ByteRecord::new();
    let mut at = None;
    let mut first_line = String::new();
    let mut lines_before = 0;
    while at.is_none() && lines_before < 5 {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(Error::invalid(
                    "file",
                    format!("the file's first lines cannot be read: {e}"),
                ));
            }
        }
        lines_before += 1;
        match header(&record) {
            Ok(found) => at = Some(found),
            Err(missing) => {
                if first_line.is_empty() {
                    first_line = record.iter().map(text).collect::<Vec<_>>().join(" | ");
                    first_line = format!(
                        "no column {} (the first line holds: {})",
                        missing.join(", "),
                        first_line.chars().take(300).collect::<String>()
                    );
                }
            }
        }
    }
    let Some(at) = at else {
        return Err(Error::invalid(
            "file",
            format!("this is not the register of municipal councillors: {first_line}"),
        ));
    };
    let mut read = RegisterRead::default();
    let mut line = lines_before;
    loop {
        // Nothing is quoted: one record per line (blank lines aside, which the reader skips).
        line += 1;
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                read.lines += 1;
                broken(&mut read, line, format!("unreadable: {e}"));
                continue;
            }
        }
        read.lines += 1;
        let field = |c: Column| at.get(&c).and_then(|i| record.get(*i));
        let Some(code) = field(Column::Insee).map(text) else {
            broken(&mut read, line, "too few fields".into());
            continue;
        };
        // 2019's files split the code: the department's, and the commune's three digits.
        let code = match field(Column::Department).map(text) {
            Some(dep) if code.len() <= 3 && !dep.is_empty() => format!("{dep:0>2}{code:0>3}"),
            _ => code,
        };
        let Some(code) = insee(&code) else {
            broken(&mut read, line, format!("'{code}' is not a commune code"));
            continue;
        };
        if !wanted.contains(&code) {
            continue;
        }
        let (Some(family), Some(given)) = (
            field(Column::FamilyName).map(text),
            field(Column::GivenName).map(text),
        ) else {
            broken(&mut read, line, "too few fields".into());
            continue;
        };
        if family.is_empty() || given.is_empty() {
            broken(&mut read, line, "no name".into());
            continue;
        }
        let Some(since) = field(Column::MandateSince)
            .map(text)
            .as_deref()
            .and_then(date)
        else {
            broken(&mut read, line, "no date of the mandate's start".into());
            continue;
        };
        let function = field(Column::Function).map(text).unwrap_or_default();
        let function_since = field(Column::FunctionSince)
            .map(text)
            .as_deref()
            .and_then(date);
        read.rows
            .entry(code.clone())
            .or_default()
            .push(RegisterRow {
                insee: code,
                family_name: family.chars().take(100).collect(),
                given_name: given.chars().take(100).collect(),
                function: function.chars().take(100).collect(),
                mandate_since: since,
                function_since,
            });
    }
    Ok(read)
}

fn broken(read: &mut RegisterRead, line: u64, why: String) {
    read.broken += 1;
    if read.broken_examples.len() < MAX_BROKEN_KEPT {
        read.broken_examples.push(BrokenLine { line, why });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CURRENT: &str = "Code du département;Libellé du département;Code de la collectivité à statut particulier;Libellé de la collectivité à statut particulier;Code de la commune;Libellé de la commune;Nom de l'élu;Prénom de l'élu;Code sexe;Date de naissance;Code de la catégorie socio-professionnelle;Libellé de la catégorie socio-professionnelle;Date de début du mandat;Libellé de la fonction;Date de début de la fonction;Code nationalité\n\
69;Rhône;;;69999;Villefictive;DUPONT-TEST;Aline;F;01/01/1970;33;Cadre;15/03/2026;Maire;22/03/2026;FR\n\
69;Rhône;;;69999;Villefictive;MARTIN-TEST;Bruno;M;02/02/1980;48;Employé;15/03/2026;1er adjoint au maire;22/03/2026;FR\n\
69;Rhône;;;69999;Villefictive;PETIT-TEST;Chloé;F;03/03/1990;31;Libéral;15/03/2026;;;FR\n\
75;Paris;;;75056;Paris;AUTRE-TEST;Denis;M;04/04/1960;23;Chef;15/03/2026;;;FR\n";

    fn wanted(codes: &[&str]) -> HashSet<String> {
        codes.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn the_current_layout_is_read_by_header_names_keeping_the_communes_asked() {
        let read = read(CURRENT.as_bytes(), &wanted(&["69999"])).unwrap_or_else(|e| panic!("{e}"));
        let rows = &read.rows["69999"];
        assert_eq!(rows.len(), 3);
        assert_eq!(read.lines, 4);
        assert_eq!(read.broken, 0);
        assert_eq!(rows[0].family_name, "DUPONT-TEST");
        assert_eq!(rows[0].given_name, "Aline");
        assert_eq!(rows[0].function, "Maire");
        assert_eq!(
            rows[0].mandate_since,
            NaiveDate::from_ymd_opt(2026, 3, 15).unwrap_or_default()
        );
        assert_eq!(rows[2].function, "");
        assert_eq!(rows[2].function_since, None);
        assert!(
            !read.rows.contains_key("75056"),
            "a commune not asked for is not kept"
        );
    }

    #[test]
    fn the_2019_layout_in_latin_1_with_a_title_line_and_tabs_is_read_the_same() {
        let old = "Titre du rapport\r\n\
Code du département (Maire)\tLibellé de département (Maires)\tCode Insee de la commune\tLibellé de la commune\tNom de l’élu\tPrénom de l’élu\tCode sexe\tDate de naissance\tCode profession\tLibellé de la profession\tDate de début du mandat\tLibellé de fonction\tDate de début de la fonction\tNationalité de l’élu\r\n\
1\tAin\t999\tVilletest\tLÉGER-TEST\tHélène\tF\t5/5/1975\t54\tEmployée\t23/3/2020\tMaire\t3/7/2020\tFrançaise\r\n";
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(old);
        let read = read(&bytes[..], &wanted(&["01999"])).unwrap_or_else(|e| panic!("{e}"));
        let row = &read.rows["01999"][0];
        assert_eq!(row.family_name, "LÉGER-TEST");
        assert_eq!(row.given_name, "Hélène");
        assert_eq!(row.function, "Maire");
        assert_eq!(
            row.mandate_since,
            NaiveDate::from_ymd_opt(2020, 3, 23).unwrap_or_default()
        );
        assert_eq!(row.function_since, NaiveDate::from_ymd_opt(2020, 7, 3));
    }

    #[test]
    fn the_2026_layout_with_iso_dates_and_a_code_without_its_zero() {
        let new = "\u{feff}Code du département;Libellé du département;Code de la collectivité à statut particulier;Libellé de la collectivité à statut particulier;Code de la commune;Libellé de la commune;Nom de l'élu;Prénom de l'élu;Code sexe;Date de naissance;Code de la catégorie socio-professionnelle;Libellé de la catégorie socio-professionnelle;Date de début du mandat;Libellé de la fonction;Date de début de la fonction;Code nationalité\r\n\
1;Ain;;;1999;Villetest;O'BRIEN-TEST;\"Jo\";M;1970-01-01;33;Cadre, dirigeant;2026-03-22;2ème adjoint au Maire;2026-03-29 00:00:00+00;FR\r\n";
        let read = read(new.as_bytes(), &wanted(&["01999"])).unwrap_or_else(|e| panic!("{e}"));
        let row = &read.rows["01999"][0];
        assert_eq!(row.family_name, "O'BRIEN-TEST");
        assert_eq!(row.given_name, "\"Jo\"", "no quoting in these files");
        assert_eq!(row.function, "2ème adjoint au Maire");
        assert_eq!(row.function_since, NaiveDate::from_ymd_opt(2026, 3, 29));
    }

    #[test]
    fn a_file_without_the_columns_is_refused_and_broken_lines_are_counted() {
        let other = "id;name;email\n1;x;y\n";
        match read(other.as_bytes(), &wanted(&["69999"])) {
            Err(e) => assert!(e.to_string().contains("Nom de l'élu"), "{e}"),
            Ok(r) => panic!("{r:?}"),
        }
        let mut broken = CURRENT.to_string();
        broken.push_str("69;Rhône;;;69999;Villefictive;SANS-DATE;Eve;F;;;;demain;;;FR\n");
        broken.push_str("69;Rhône\n");
        broken.push_str("69;Rhône;;;6999X;Villefictive;X;Y;F;;;;15/03/2026;;;FR\n");
        let read = read(broken.as_bytes(), &wanted(&["69999"])).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read.rows["69999"].len(), 3);
        assert_eq!(read.broken, 3);
        let lines: Vec<u64> = read.broken_examples.iter().map(|b| b.line).collect();
        assert_eq!(lines, vec![6, 7, 8]);
    }

    #[test]
    fn insee_codes_are_checked_and_completed() {
        assert_eq!(insee("69123").as_deref(), Some("69123"));
        assert_eq!(insee("2a004").as_deref(), Some("2A004"));
        assert_eq!(insee("1001").as_deref(), Some("01001"));
        assert_eq!(insee("691234"), None);
        assert_eq!(insee("ABCDE"), None);
        assert!(check_insee("x").is_err());
    }
}
