//! The rules of Parvis. Every write goes through here, whoever asks: the command line, the API, a web form or
//! an incoming activity.

pub mod account_data;
pub mod accounts;
pub(crate) mod actors;
pub mod communes;
pub mod debates;
pub mod demo;
pub mod follows;
pub mod inbox;
pub mod instance;
pub mod keys;
pub mod maintenance;
pub mod media;
pub mod moderation;
pub mod notes;
pub mod outbox;
pub mod polls;
pub mod profile;
pub mod proposals;
pub mod remote;
pub mod sessions;
pub mod site;
pub mod tokens;

/// Now, in UTC, as stored.
pub(crate) fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}
