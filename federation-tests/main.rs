//! The integration test binary: real Parvis instances on loopback, on both databases.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod actors;
mod addresses;
mod admin;
mod api;
mod apps;
mod authorized_fetch;
mod browser_journeys;
mod browser_selftest;
mod civic_statuses;
mod commitments;
mod council;
mod crash;
mod debates;
mod delivery;
mod discovery;
mod federation;
mod fedify;
mod inbox;
mod limits;
mod mail;
mod mastodon_py;
mod meetings;
mod moderation;
mod multikey;
mod newsletter;
mod notices;
mod oauth;
mod oidc;
mod peer_selftest;
mod pictures;
mod policy;
mod polls;
mod problems;
mod processes;
mod proposals;
mod provenance;
mod residency;
mod storage;
mod streaming;
mod timelines;
mod tls;
mod web;
