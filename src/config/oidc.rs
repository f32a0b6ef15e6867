//! `[oidc]`: one OpenID Connect provider (FranceConnect, a town's single sign-on, Keycloak) to sign in with
//! and to verify residency from what it says of a person.

use serde::{Deserialize, Serialize};
use url::Url;

use super::{ConfigError, key_error};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct OidcSettings {
    /// The provider's issuer URL (its discovery document is at `<issuer>/.well-known/openid-configuration`).
    /// Empty: no OpenID Connect.
    pub issuer: String,
    /// The client id the provider gave this instance (its redirect URI is `<public_url>/oidc/callback`).
    pub client_id: String,
    /// The client secret (better set with `PARVIS_OIDC__CLIENT_SECRET` than written in the file).
    pub client_secret: String,
    /// The provider's name on the buttons: "FranceConnect", "Compte citoyen".
    pub name: String,
    /// Scopes asked for, besides `openid` (always asked).
    pub scopes: Vec<String>,
    /// Sends a PKCE challenge (RFC 7636). Leave on unless the provider refuses it.
    pub pkce: bool,
    /// `acr_values` asked of the provider, if it needs them (FranceConnect: `eidas1`). Empty: none.
    pub acr_values: String,
    /// Offers "Sign in with <name>" on the sign-in page.
    pub sign_in: bool,
    /// Someone whose identity is linked to no account gets one at their first sign-in (the provider is then
    /// the gate to the instance). Off: they are asked to sign in with a password and link it from /residency.
    pub create_accounts: bool,
    /// The claim that proves residency, as a path into the claims: `address.postal_code`, `cog`. Empty: the
    /// provider verifies no residency.
    pub residency_claim: String,
    /// The values of that claim that make someone a resident (the commune's postal codes, its INSEE code),
    /// compared without case or surrounding spaces.
    pub residency_values: Vec<String>,
    /// How long a verification by the provider counts, in days (each sign-in through it renews it).
    pub residency_days: u32,
}

impl Default for OidcSettings {
    fn default() -> Self {
        OidcSettings {
            issuer: String::new(),
            client_id: String::new(),
            client_secret: String::new(),
            name: "OpenID Connect".into(),
            scopes: vec!["profile".into(), "email".into()],
            pkce: true,
            acr_values: String::new(),
            sign_in: true,
            create_accounts: false,
            residency_claim: String::new(),
            residency_values: Vec::new(),
            residency_days: 365,
        }
    }
}

impl OidcSettings {
    /// A provider is configured.
    pub fn enabled(&self) -> bool {
        !self.issuer.is_empty()
    }

    /// The provider verifies residency.
    pub fn verifies_residency(&self) -> bool {
        self.enabled() && !self.residency_claim.is_empty()
    }

    /// The issuer's host, which the outgoing client may reach even on a private network (the admin chose it).
    pub fn issuer_host(&self) -> Option<String> {
        Url::parse(&self.issuer)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if !self.enabled() {
            return Ok(());
        }
        let issuer = Url::parse(&self.issuer).map_err(|e| {
            key_error(
                "oidc.issuer",
                format!("'{}' is not a URL: {e}", self.issuer),
            )
        })?;
        let loopback = match issuer.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => false,
        };
        if !(issuer.scheme() == "https" || issuer.scheme() == "http" && loopback)
            || issuer.query().is_some()
            || issuer.fragment().is_some()
        {
            return Err(key_error(
                "oidc.issuer",
                format!(
                    "'{}' must be an https URL without query (http only on this machine)",
                    self.issuer
                ),
            ));
        }
        if self.client_id.trim().is_empty() {
            return Err(key_error("oidc.client_id", "is needed with oidc.issuer"));
        }
        if self.name.trim().is_empty() || self.name.chars().any(char::is_control) {
            return Err(key_error("oidc.name", "must be one non-empty line"));
        }
        if let Some(bad) = self
            .scopes
            .iter()
            .find(|s| s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            return Err(key_error(
                "oidc.scopes",
                format!("'{bad}' is not a scope (one word each)"),
            ));
        }
        if self.acr_values.chars().any(char::is_control) {
            return Err(key_error("oidc.acr_values", "must be one line"));
        }
        if !self.residency_claim.is_empty() {
            if self.residency_claim.split('.').any(str::is_empty) {
                return Err(key_error(
                    "oidc.residency_claim",
                    format!(
                        "'{}' is not a claim path such as address.postal_code",
                        self.residency_claim
                    ),
                ));
            }
            if self.residency_values.iter().all(|v| v.trim().is_empty()) {
                return Err(key_error(
                    "oidc.residency_values",
                    "list the values that prove residency (the commune's postal codes…)",
                ));
            }
            if self.residency_days == 0 {
                return Err(key_error("oidc.residency_days", "must be at least 1"));
            }
        }
        Ok(())
    }
}
