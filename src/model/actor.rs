//! Local actors and what hangs off them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::ids::{ActorId, MandateId};
use crate::model::schema::{accounts, actors, mandates};
use crate::model::username::Username;

text_enum!(
    /// Which ActivityStreams actor type a local actor is.
    ActorKind {
        Application => "application",
        Commune => "commune",
        Person => "person",
    }
);

text_enum!(
    /// What a person may do on the instance. An agent is the commune's staff (handles problem reports, and
    /// later meetings and residency checks) without being elected.
    Role {
        Citizen => "citizen",
        Official => "official",
        Agent => "agent",
        Moderator => "moderator",
        Admin => "admin",
    }
);

/// A local actor with its key pair.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = actors)]
pub struct Actor {
    pub id: ActorId,
    pub kind: ActorKind,
    #[diesel(deserialize_as = String)]
    pub username: Username,
    pub display_name: String,
    pub summary: String,
    pub icon_url: Option<String>,
    pub public_key_pem: String,
    pub private_key_pem: String,
    pub manually_approves_followers: bool,
    pub discoverable: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// When the account behind it was deleted; the row stays so that the name is never reused.
    pub deleted_at: Option<NaiveDateTime>,
}

impl Actor {
    /// The path of the actor's id on this instance, which is also its page (`urls::Urls::actor` prefixes
    /// the instance's address).
    pub fn path(&self) -> String {
        actor_path(self.kind, self.username.as_str())
    }
}

/// The path of a local actor's id: `/actor`, `/communes/{name}` or `/users/{name}`.
pub fn actor_path(kind: ActorKind, username: &str) -> String {
    match kind {
        ActorKind::Application => "/actor".into(),
        ActorKind::Commune => format!("/communes/{username}"),
        ActorKind::Person => format!("/users/{username}"),
    }
}

/// A new local actor, keys included.
#[derive(Debug, Insertable)]
#[diesel(table_name = actors)]
pub struct NewActor<'a> {
    pub kind: ActorKind,
    pub username: &'a str,
    pub display_name: &'a str,
    pub summary: &'a str,
    pub public_key_pem: &'a str,
    pub private_key_pem: &'a str,
    pub manually_approves_followers: bool,
    pub discoverable: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A person's account on this instance.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct Account {
    pub actor_id: ActorId,
    pub commune_id: ActorId,
    pub role: Role,
    pub password_hash: Option<String>,
    /// The language chosen for the web interface; the browser's when absent.
    pub language: Option<String>,
    /// The version of the charter last accepted.
    pub charter_version: Option<i64>,
    /// Marked as a resident of the commune by an admin (resident verification comes later).
    pub resident: bool,
    /// Suspended by a moderator until this time (the year 9999: for good).
    pub suspended_until: Option<chrono::NaiveDateTime>,
    /// The person's email address (lowercase), if they gave one.
    pub email: Option<String>,
    /// When they confirmed it by the link sent there; until then the account reads but does not write.
    pub email_confirmed_at: Option<chrono::NaiveDateTime>,
    /// They chose not to give an address when asked at sign-in.
    pub email_prompt_dismissed: bool,
    /// When the password last changed: sessions opened before are ended.
    pub credentials_changed_at: Option<chrono::NaiveDateTime>,
}

impl Account {
    /// An account as the tests of rules need it: no password, not suspended, not a resident.
    #[cfg(test)]
    pub(crate) fn for_tests(id: i64, commune: i64, role: Role) -> Account {
        Account {
            actor_id: ActorId(id),
            commune_id: ActorId(commune),
            role,
            password_hash: None,
            language: None,
            charter_version: None,
            resident: false,
            suspended_until: None,
            email: None,
            email_confirmed_at: None,
            email_prompt_dismissed: false,
            credentials_changed_at: None,
        }
    }

    /// Until when the account is suspended, if it is now.
    pub fn suspended(&self) -> Option<chrono::NaiveDateTime> {
        self.suspended_until
            .filter(|until| *until > chrono::Utc::now().naive_utc())
    }
}

/// An elected office held by an official: "Maire" of "Conseil municipal de …" since a date.
#[derive(Clone, Debug, Queryable, Selectable, Serialize)]
#[diesel(table_name = mandates)]
pub struct Mandate {
    pub id: MandateId,
    pub account_id: ActorId,
    pub office: String,
    pub governing_body: String,
    pub since: NaiveDate,
    pub until: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
}

impl Mandate {
    /// Whether the mandate is held on `today` (the end date is the last day held).
    pub fn is_current(&self, today: NaiveDate) -> bool {
        self.since <= today && self.until.is_none_or(|until| today <= until)
    }

    /// "Maire — Conseil municipal de Belleville", the line shown on profiles.
    pub fn label(&self) -> String {
        format!("{} — {}", self.office, self.governing_body)
    }
}
