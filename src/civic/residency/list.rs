//! Verification against a list the town holds (its electoral list, a census): the list is imported as keyed
//! hashes only (HMAC-SHA-256 of each person's normalized name, birth date and address, with a secret kept in
//! the data folder and never in the database), so that the stored values cannot be reversed by trying names
//! without the secret; a person who gives the same name, birth date and address is verified, and what they
//! typed is not kept. The admin deletes the list when the campaign ends.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;

use hmac::{Hmac, Mac};

use super::*;
use crate::model::schema::residency_list_entries;

/// List lines a person may try per hour.
pub const LIST_ATTEMPTS_PER_HOUR: i64 = 5;
/// How long a verification against a list lasts.
pub const LIST_VERIFICATION_LIFE: Duration = Duration::days(365);

/// The server's secret for keyed hashes: `DATA_DIR/residency.key`, 32 random bytes made on first use
/// (readable by the server's user only).
pub fn secret(data_dir: &Path) -> Result<Vec<u8>> {
    let path = data_dir.join("residency.key");
    match std::fs::read(&path) {
        Ok(bytes) if bytes.len() == 32 => return Ok(bytes),
        Ok(_) => return Err(Error::internal(format!("{} is not a key", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::internal(e)),
    }
    let bytes = crate::civic::tokens::random_bytes(32);
    std::fs::create_dir_all(data_dir).map_err(Error::internal)?;
    std::fs::write(&path, &bytes).map_err(Error::internal)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .map_err(Error::internal)?;
    }
    Ok(bytes)
}

/// Text as compared: lower case, without accents, letters and digits only, one space between words.
fn normalized(text: &str) -> String {
    let folded: String = crate::civic::folding::fold(text)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A birth date as people and files write it: `14/07/1985`, `1985-07-14`.
fn birth_date(raw: &str) -> Option<chrono::NaiveDate> {
    let raw = raw.trim();
    chrono::NaiveDate::parse_from_str(raw, "%d/%m/%Y")
        .or_else(|_| chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d"))
        .ok()
}

/// The keyed hash of a person: their names, birth date and address, normalized.
fn key(secret: &[u8], family: &str, given: &str, born: chrono::NaiveDate, address: &str) -> String {
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| {
        // HMAC takes a key of any length.
        unreachable!()
    });
    let line = format!(
        "{}|{}|{}|{}",
        normalized(family),
        normalized(given),
        born,
        normalized(address)
    );
    mac.update(line.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What an import read.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ListRead {
    pub keys: HashSet<String>,
    pub lines: u64,
    pub broken: u64,
}

fn column(header: &str) -> Option<usize> {
    match normalized(header).as_str() {
        "nom" | "nom de naissance" | "nom d usage" | "family name" => Some(0),
        "prenom" | "prenoms" | "given name" => Some(1),
        "date de naissance" | "naissance" | "birth date" => Some(2),
        "adresse" | "address" => Some(3),
        _ => None,
    }
}

/// Reads a list (`;`-separated, a header naming `nom`, `prénom`, `date de naissance`, `adresse`; UTF-8 or
/// Windows-1252) into keyed hashes; nothing else of it is kept.
pub fn read(input: impl Read, secret: &[u8]) -> Result<ListRead> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .flexible(true)
        .from_reader(input);
    let text = |b: &[u8]| match std::str::from_utf8(b) {
        Ok(s) => s.trim().trim_start_matches('\u{feff}').to_string(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(b)
            .0
            .trim()
            .to_string(),
    };
    let headers = reader
        .byte_headers()
        .map_err(|e| Error::invalid("file", format!("the first line cannot be read: {e}")))?
        .clone();
    let mut at: HashMap<usize, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        if let Some(c) = column(&text(h)) {
            at.entry(c).or_insert(i);
        }
    }
    if at.len() < 4 {
        return Err(Error::invalid(
            "file",
            "the list needs the columns nom, prénom, date de naissance and adresse",
        ));
    }
    let mut out = ListRead::default();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(_) => {
                out.lines += 1;
                out.broken += 1;
                continue;
            }
        }
        out.lines += 1;
        let field = |c: usize| at.get(&c).and_then(|i| record.get(*i)).map(text);
        let (Some(family), Some(given), Some(born), Some(address)) = (
            field(0),
            field(1),
            field(2).as_deref().and_then(birth_date),
            field(3),
        ) else {
            out.broken += 1;
            continue;
        };
        if family.is_empty() || address.is_empty() {
            out.broken += 1;
            continue;
        }
        out.keys
            .insert(key(secret, &family, &given, born, &address));
    }
    Ok(out)
}

/// Stores a list read for a commune under `name` (a list of the same name is replaced); returns how many
/// people it holds.
pub fn store(
    conn: &mut AnyConnection,
    commune: ActorId,
    name: &str,
    read: &ListRead,
) -> Result<usize> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("name", "give the list a name"));
    }
    delete(conn, commune, name)?;
    let mut stored = 0;
    for key in &read.keys {
        stored +=
            crate::on_each_backend!(conn, |c| diesel::insert_into(residency_list_entries::table)
                .values((
                    residency_list_entries::commune_id.eq(commune),
                    residency_list_entries::list_name.eq(name),
                    residency_list_entries::key_hash.eq(key),
                ))
                .on_conflict_do_nothing()
                .execute(c))?;
    }
    Ok(stored)
}

/// Deletes a list (when the campaign ends); returns how many entries went.
pub fn delete(conn: &mut AnyConnection, commune: ActorId, name: &str) -> Result<usize> {
    Ok(diesel::delete(
        residency_list_entries::table
            .filter(residency_list_entries::commune_id.eq(commune))
            .filter(residency_list_entries::list_name.eq(name.trim())),
    )
    .execute(conn)?)
}

/// What a person gives to be found on the list (not kept).
#[derive(Clone, Debug)]
pub struct Identity {
    pub family_name: String,
    pub given_name: String,
    pub birth_date: String,
    pub address: String,
}

/// Counts a try against the list (in its own transaction, before [`by_list`]).
pub fn count_list_attempt(conn: &mut AnyConnection, account: &Account) -> Result<()> {
    crate::civic::tokens::count_code_attempt(
        conn,
        account,
        CodePurpose::ResidencyList,
        LIST_ATTEMPTS_PER_HOUR,
    )
}

/// The keyed hash of what a person gives (their line of a list hashes the same way).
pub fn keyed(secret: &[u8], who: &Identity) -> Result<String> {
    let born = birth_date(&who.birth_date)
        .ok_or_else(|| Error::invalid("birth_date", "a date as 14/07/1985"))?;
    Ok(key(
        secret,
        &who.family_name,
        &who.given_name,
        born,
        &who.address,
    ))
}

/// Someone is found on a list of their commune: their residency is verified for a year. What they typed is
/// compared and forgotten.
pub fn by_list(
    conn: &mut AnyConnection,
    account: &Account,
    secret: &[u8],
    who: &Identity,
) -> Result<()> {
    let key = keyed(secret, who)?;
    let found: Option<String> = residency_list_entries::table
        .filter(residency_list_entries::commune_id.eq(account.commune_id))
        .filter(residency_list_entries::key_hash.eq(&key))
        .select(residency_list_entries::list_name)
        .first(conn)
        .optional()?;
    let Some(list) = found else {
        return Err(Error::invalid(
            "identity",
            "not found on the commune's list as given",
        ));
    };
    record(
        conn,
        account.actor_id,
        ResidencyMethod::List,
        Some(now() + LIST_VERIFICATION_LIFE),
        None,
        &list,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_case_accents_and_spacing_and_need_the_secret() {
        let born = chrono::NaiveDate::from_ymd_opt(1985, 7, 14).unwrap_or_default();
        let one = key(b"secret-a", "Léger", "Hélène", born, "12, rue des Écoles");
        assert_eq!(
            one,
            key(b"secret-a", "LEGER", "helene", born, "12 rue des ecoles ")
        );
        assert_ne!(
            one,
            key(b"secret-b", "Léger", "Hélène", born, "12, rue des Écoles")
        );
        assert_ne!(
            one,
            key(b"secret-a", "Léger", "Hélène", born, "14 rue des Écoles")
        );
        // Without the secret, the plain hash of the same line is another value.
        use sha2::Digest;
        let plain: String = sha2::Sha256::digest(b"leger|helene|1985-07-14|12 rue des ecoles")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_ne!(one, plain);
    }

    #[test]
    fn a_list_is_read_by_header_names_and_broken_lines_counted() {
        let list = "\u{feff}Nom;Prénom;Date de naissance;Adresse\nLÉGER;Hélène;14/07/1985;12 rue des Écoles\nMARTIN;Paul;pas une date;3 place\n;;;\n";
        let read = read(list.as_bytes(), b"k").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read.lines, 3);
        assert_eq!(read.broken, 2);
        assert_eq!(read.keys.len(), 1);
        assert!(super::read("a;b\n1;2\n".as_bytes(), b"k").is_err());
    }
}
