//! Residency from what an OpenID Connect provider says: the claim of `[oidc] residency_claim` must hold one
//! of `residency_values` (the commune's postal codes, its INSEE code). The identity is linked to the account
//! in the same transaction, so one identity verifies one account; nothing of the claims is kept but the
//! provider's name as the verification's source.

use chrono::Duration;

use super::record;
use crate::civic::identities;
use crate::config::OidcSettings;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::ActorId;
use crate::model::ResidencyMethod;

/// What the provider said of a person, as the rules need it.
#[derive(Clone, Debug)]
pub struct ProviderSays {
    pub issuer: String,
    pub subject: String,
    /// The value of the residency claim, if the provider gave it.
    pub residency: Option<String>,
}

/// Whether the provider's claim makes the person a resident here; the refusal says why not.
pub fn proves_residency(settings: &OidcSettings, said: &ProviderSays) -> Result<()> {
    let Some(value) = said.residency.as_deref().map(str::trim) else {
        return Err(Error::Forbidden(format!(
            "{} did not say '{}', which residency here rests on",
            settings.name, settings.residency_claim
        )));
    };
    if settings
        .residency_values
        .iter()
        .any(|v| v.trim().eq_ignore_ascii_case(value))
    {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "{} says '{}' is '{value}', which is not this commune's",
            settings.name, settings.residency_claim
        )))
    }
}

/// Links the identity to the account and records the verification (run in one transaction: either both
/// are written or neither).
pub fn by_provider(
    conn: &mut AnyConnection,
    settings: &OidcSettings,
    account: ActorId,
    said: &ProviderSays,
) -> Result<()> {
    proves_residency(settings, said)?;
    identities::link(conn, account, &said.issuer, &said.subject)?;
    record(
        conn,
        account,
        ResidencyMethod::Oidc,
        Some(crate::civic::now() + Duration::days(i64::from(settings.residency_days))),
        None,
        &settings.name,
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn settings() -> OidcSettings {
        OidcSettings {
            issuer: "https://sso.ville.example".into(),
            client_id: "parvis".into(),
            residency_claim: "address.postal_code".into(),
            residency_values: vec!["38000".into(), " 38100 ".into()],
            ..OidcSettings::default()
        }
    }

    fn says(value: Option<&str>) -> ProviderSays {
        ProviderSays {
            issuer: "https://sso.ville.example".into(),
            subject: "lea".into(),
            residency: value.map(str::to_string),
        }
    }

    #[test]
    fn a_listed_value_proves_residency_and_others_say_why_not() {
        assert!(proves_residency(&settings(), &says(Some("38100"))).is_ok());
        assert!(proves_residency(&settings(), &says(Some(" 38000"))).is_ok());
        let other = proves_residency(&settings(), &says(Some("75001")))
            .unwrap_err()
            .to_string();
        assert!(
            other.contains("75001") && other.contains("not this commune's"),
            "{other}"
        );
        let missing = proves_residency(&settings(), &says(None))
            .unwrap_err()
            .to_string();
        assert!(
            missing.contains("did not say 'address.postal_code'"),
            "{missing}"
        );
    }
}
