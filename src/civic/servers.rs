//! The servers we federate with: the mode and the rules an admin sets (open, allowlist or closed; allow,
//! silence or block a server). The web form and the command line both write through here; running servers
//! read the result through `federation::policy`, whose cache the web form invalidates after a change.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::model::schema::{federation_rules, site_settings};
use crate::model::{Account, FederationMode, Role, ServerRule};

/// Who changes the federation policy: an admin, signed in, or the operator at the command line (who holds
/// the database already).
#[derive(Clone, Debug)]
pub enum Changer {
    Admin(Account),
    Operator,
}

impl Changer {
    /// Only admins (and the operator) change with whom the instance federates.
    pub fn check(&self) -> Result<()> {
        match self {
            Changer::Admin(account) if account.role != Role::Admin => Err(Error::Forbidden(
                "only admins choose the servers we federate with".into(),
            )),
            _ => Ok(()),
        }
    }
}

/// A domain as an admin types it: a host name (`neighbour.example`), lower case, without scheme, path or port.
pub fn normalize_domain(raw: &str) -> Result<String> {
    let raw = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let host = raw
        .strip_prefix("https://")
        .or_else(|| raw.strip_prefix("http://"))
        .unwrap_or(&raw)
        .split(['/', ':'])
        .next()
        .unwrap_or_default()
        .to_string();
    let valid = !host.is_empty()
        && host.len() <= 253
        && host.contains('.')
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if valid {
        Ok(host)
    } else {
        Err(Error::invalid(
            "domain",
            format!("'{}' is not a server's host name", raw),
        ))
    }
}

/// Sets the mode.
pub fn set_mode(conn: &mut AnyConnection, by: &Changer, mode: FederationMode) -> Result<()> {
    by.check()?;
    let at = super::now();
    crate::on_each_backend!(conn, |c| diesel::insert_into(site_settings::table)
        .values((
            site_settings::key.eq("federation_mode"),
            site_settings::value.eq(mode.as_str()),
            site_settings::updated_at.eq(at),
        ))
        .on_conflict(site_settings::key)
        .do_update()
        .set((
            site_settings::value.eq(mode.as_str()),
            site_settings::updated_at.eq(at),
        ))
        .execute(c))?;
    Ok(())
}

/// Allows or blocks a server (replacing its former rule), or, with `None`, removes its rule.
pub fn set_rule(
    conn: &mut AnyConnection,
    by: &Changer,
    domain: &str,
    rule: Option<ServerRule>,
) -> Result<String> {
    by.check()?;
    let domain = normalize_domain(domain)?;
    diesel::delete(federation_rules::table.find(&domain)).execute(conn)?;
    if let Some(rule) = rule {
        diesel::insert_into(federation_rules::table)
            .values((
                federation_rules::domain.eq(&domain),
                federation_rules::rule.eq(rule.as_str()),
                federation_rules::created_at.eq(super::now()),
            ))
            .execute(conn)?;
    }
    Ok(domain)
}

/// The web form's change of mode, with the residents-only setting beside it. An instance without a commune
/// yet has nothing to keep private: only turning it on is refused then.
pub fn set_mode_and_privacy(
    conn: &mut AnyConnection,
    by: &Changer,
    mode: FederationMode,
    residents_only: bool,
) -> Result<()> {
    set_mode(conn, by, mode)?;
    if residents_only || crate::civic::communes::residents_only(conn)? {
        crate::civic::communes::set_residents_only(conn, residents_only)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(role: Role) -> Account {
        Account::for_tests(2, 1, role)
    }

    #[test]
    fn only_admins_and_the_operator_change_the_policy() {
        assert!(Changer::Operator.check().is_ok());
        assert!(Changer::Admin(account(Role::Admin)).check().is_ok());
        for role in [Role::Citizen, Role::Official, Role::Moderator] {
            assert!(matches!(
                Changer::Admin(account(role)).check(),
                Err(Error::Forbidden(_))
            ));
        }
    }
}
