//! Test hosts: distinct names on distinct 127.x addresses, one test CA, each instance trusting the others.

use std::net::{IpAddr, Ipv4Addr};

use parvis::config::Settings;

use super::instance::{Backend, TestInstance};
use super::tls::{TestPki, make_pki};

pub const ALPHA: &str = "alpha.parvis.test";
pub const BETA: &str = "beta.parvis.test";
pub const PEER: &str = "peer.fedify.test";
pub const ALPHA_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
pub const BETA_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3));
pub const PEER_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 4));
pub const GONE: &str = "gone.parvis.test";
pub const GONE_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 99));

/// The test network: one CA, one certificate valid for every test host.
pub struct Network {
    pub pki: TestPki,
    dir: tempfile::TempDir,
}

impl Network {
    pub fn new() -> Network {
        let dir = tempfile::tempdir().expect("temp dir");
        let pki = make_pki(dir.path(), &[ALPHA, BETA, PEER]);
        Network { pki, dir }
    }

    /// Settings every test host gets: HTTPS with the test certificate, the other hosts reachable on loopback.
    pub fn configure(&self, settings: &mut Settings) {
        settings.server.tls_cert = Some(self.pki.server_cert.clone());
        settings.server.tls_key = Some(self.pki.server_key.clone());
        settings.federation.extra_ca_file = Some(self.pki.ca_cert.clone());
        settings.federation.allowed_hosts = vec![ALPHA.into(), BETA.into(), PEER.into()];
        // Names tests use for servers that are gone: nothing listens there, and no lookup leaves the machine.
        settings.federation.allowed_hosts.push(GONE.into());
        for (host, ip) in [
            (ALPHA, ALPHA_IP),
            (BETA, BETA_IP),
            (PEER, PEER_IP),
            (GONE, GONE_IP),
        ] {
            settings.federation.static_hosts.insert(host.into(), ip);
        }
        settings.federation.retry_base_secs = 1;
    }

    /// A Parvis instance on `host` (`ALPHA` or `BETA`).
    pub async fn instance(
        &self,
        backend: Backend,
        host: &str,
        tune: impl FnOnce(&mut Settings),
    ) -> TestInstance {
        let ip = if host == ALPHA { ALPHA_IP } else { BETA_IP };
        TestInstance::start_on(backend, ip, host, "https", |s| {
            self.configure(s);
            tune(s);
        })
        .await
    }

    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}
