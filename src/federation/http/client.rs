//! The guarded client: reqwest built with the guarding resolver, the TLS configuration, a redirect policy
//! that checks every hop, timeouts and user agent; and the [`GuardedClient`] every request goes through.

use std::time::Duration;

use url::Url;

use super::resolver::GuardResolver;
use super::tls::tls_config;
use super::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT, MAX_REDIRECTS, OutboundError,
    OutboundPolicy, check_url,
};

/// Builds the guarded [`reqwest::Client`]: TLS with the system and extra roots, the SSRF-guarding
/// resolver, a redirect policy that re-applies [`check_url`] on every hop (at most [`MAX_REDIRECTS`]),
/// the policy's timeouts and user agent.
///
/// Proxies from the environment (`HTTPS_PROXY`…) are ignored: with a proxy, the proxy resolves the target
/// name and the guard could not see the addresses.
pub fn build_client(policy: &OutboundPolicy) -> Result<reqwest::Client, OutboundError> {
    build(policy, true)
}

/// The client behind [`build_client`]; `follow_redirects: false` hands every 3xx back to the caller, who
/// decides on each hop (ActivityPub fetches check the federation policy and the origin there).
fn build(
    policy: &OutboundPolicy,
    follow_redirects: bool,
) -> Result<reqwest::Client, OutboundError> {
    let tls = tls_config(policy)?;
    let redirect_policy = if !follow_redirects {
        reqwest::redirect::Policy::none()
    } else {
        let policy = policy.clone();
        reqwest::redirect::Policy::custom(move |attempt| {
            // `previous()` starts with the original URL.
            if attempt.previous().len() > MAX_REDIRECTS {
                return attempt.error(OutboundError::TooManyRedirects { max: MAX_REDIRECTS });
            }
            match check_url(&policy, attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(err) => {
                    tracing::warn!(%err, "SSRF guard: refusing a redirect");
                    attempt.error(err)
                }
            }
        })
    };
    let timeout = if policy.timeout.is_zero() {
        DEFAULT_TIMEOUT
    } else {
        policy.timeout
    };
    let connect_timeout = if policy.connect_timeout.is_zero() {
        DEFAULT_CONNECT_TIMEOUT
    } else {
        policy.connect_timeout
    };
    let user_agent = if policy.user_agent.is_empty() {
        DEFAULT_USER_AGENT
    } else {
        policy.user_agent.as_str()
    };
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .dns_resolver(GuardResolver::new(policy))
        .redirect(redirect_policy)
        .referer(false)
        .no_proxy()
        .timeout(timeout)
        .connect_timeout(connect_timeout)
        // A fan-out contacts each server once: idle connections kept for long would hold one file per
        // server (thousands after a post by a popular account).
        .pool_idle_timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(4)
        .user_agent(user_agent)
        .build()
        .map_err(OutboundError::Build)
}

/// The guarded client together with its policy. Every outgoing request of Parvis goes through it, so
/// that a remote actor can never make us fetch a private address (see the module documentation).
#[derive(Clone, Debug)]
pub struct GuardedClient {
    client: reqwest::Client,
    /// The same client, following no redirect.
    single_hop: reqwest::Client,
    policy: OutboundPolicy,
}

impl GuardedClient {
    /// Builds the client (see [`build_client`]).
    pub fn new(policy: OutboundPolicy) -> Result<Self, OutboundError> {
        let client = build(&policy, true)?;
        let single_hop = build(&policy, false)?;
        Ok(Self {
            client,
            single_hop,
            policy,
        })
    }

    /// The underlying client, for building requests. Send them with [`GuardedClient::execute`] (or call
    /// [`check_url`] first): the resolver alone does not see hosts written as IP addresses.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The policy the client was built with.
    pub fn policy(&self) -> &OutboundPolicy {
        &self.policy
    }

    /// Checks `url` with [`check_url`], then GETs it with the given `Accept` header.
    pub async fn get(&self, url: &Url, accept: &str) -> Result<reqwest::Response, OutboundError> {
        check_url(&self.policy, url)?;
        let response = self
            .client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, accept)
            .send()
            .await?;
        Ok(response)
    }

    /// Checks the request's URL with [`check_url`], then sends it (for POSTs and anything built with
    /// [`GuardedClient::client`]).
    pub async fn execute(
        &self,
        request: reqwest::Request,
    ) -> Result<reqwest::Response, OutboundError> {
        check_url(&self.policy, request.url())?;
        Ok(self.client.execute(request).await?)
    }

    /// Like [`GuardedClient::execute`], but a redirect is returned as it is, not followed: the caller checks
    /// the next hop itself (and calls this again for it).
    pub async fn execute_single_hop(
        &self,
        request: reqwest::Request,
    ) -> Result<reqwest::Response, OutboundError> {
        check_url(&self.policy, request.url())?;
        Ok(self.single_hop.execute(request).await?)
    }
}
