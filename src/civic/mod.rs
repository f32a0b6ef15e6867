//! The rules of Parvis. Every write goes through here, whoever asks: the command line, the API, a web form or
//! an incoming activity.

pub mod account_data;
pub mod accounts;
pub(crate) mod actors;
pub mod addresses;
pub mod communes;
pub mod council;
pub mod debates;
pub mod demo;
pub mod folding;
pub mod follows;
pub mod identities;
pub mod inbox;
pub mod instance;
pub mod keys;
pub mod maintenance;
pub mod markers;
pub mod media;
pub mod meetings;
pub mod moderation;
pub mod newsletter;
pub mod notes;
pub mod notifications;
pub mod oauth;
pub mod open311;
pub mod outbox;
pub mod polls;
pub mod problems;
pub mod profile;
pub mod proposals;
pub mod remote;
pub mod residency;
pub mod servers;
pub mod sessions;
pub mod site;
pub mod tokens;

/// How civic recognises its own things in an ActivityPub id (a URL of this instance). The federation layer,
/// which builds those URLs, implements it (`federation::urls::Urls`): civic does not depend on federation.
pub trait LocalIds {
    /// The debate this id names, if it is one of ours.
    fn debate(&self, id: &str) -> Option<crate::ids::DebateId>;
    /// The comment this id names, if it is one of ours.
    fn comment(&self, id: &str) -> Option<crate::ids::CommentId>;
    /// The poll this id names, if it is one of ours.
    fn poll(&self, id: &str) -> Option<crate::ids::PollId>;
    /// The local actor (its kind and name) this id names, if it is one of ours.
    fn actor(&self, id: &str) -> Option<(crate::model::ActorKind, String)>;
    /// The post this id names, if it is one of ours.
    fn note(&self, id: &str) -> Option<crate::ids::NoteId>;
    /// The id of one of our posts.
    fn note_id(&self, note: crate::ids::NoteId) -> String;
    /// The id on the wire of a civic thing hosted here (what its post stands for).
    fn civic_id(&self, what: crate::model::CivicRef) -> String;
    /// The civic thing hosted here this id names, if it is one (a proposal's page names its debate).
    fn civic(&self, id: &str) -> Option<crate::model::CivicRef>;
}

/// Now, in UTC, as stored.
pub(crate) fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}
