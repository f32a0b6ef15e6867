//! The name of a local actor, as it appears in `@name@host` and in URLs.

use std::fmt;

use serde::Serialize;

/// A validated local actor name: 1–30 characters among `a-z 0-9 _ -`, starting with a letter or digit and not
/// ending with `-`. Lower case only, so that `acct:Marie@host` and `acct:marie@host` are the same actor (Mastodon
/// compares handles case-insensitively). Communes and people share this name space.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Username(String);

/// Names kept for the instance itself.
const RESERVED: &[&str] = &["instance"];

impl Username {
    /// Parses a name typed by a person (surrounding spaces and a leading `@` are tolerated; case is folded).
    pub fn parse(raw: &str) -> Result<Username, String> {
        let name = raw.trim().trim_start_matches('@').to_ascii_lowercase();
        if name.is_empty() || name.chars().count() > 30 {
            return Err(format!("'{raw}' must have between 1 and 30 characters"));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        {
            return Err(format!(
                "'{raw}' may contain only letters a-z, digits, '_' and '-'"
            ));
        }
        if name.starts_with(['-', '_']) || name.ends_with('-') {
            return Err(format!(
                "'{raw}' must start with a letter or digit and not end with '-'"
            ));
        }
        if RESERVED.contains(&name.as_str()) {
            return Err(format!("'{raw}' is reserved"));
        }
        Ok(Username(name))
    }

    /// The instance actor's name (reserved, so never produced by [`Username::parse`]).
    pub fn instance() -> Username {
        Username(RESERVED[0].to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A name read back from the database, where only valid names are ever written.
impl From<String> for Username {
    fn from(stored: String) -> Username {
        Username(stored)
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::Username;

    #[test]
    fn accepts_and_folds() {
        assert_eq!(Username::parse("@Marie_D").unwrap().as_str(), "marie_d");
        assert_eq!(
            Username::parse("saint-martin-2").unwrap().as_str(),
            "saint-martin-2"
        );
    }

    #[test]
    fn refuses_bad_names() {
        for bad in [
            "",
            "a b",
            "é",
            "-x",
            "_x",
            "x-",
            "a/b",
            "a@b",
            "instance",
            "<script>",
            &"x".repeat(31),
        ] {
            assert!(Username::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
