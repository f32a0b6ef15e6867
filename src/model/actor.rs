//! Local actors and what hangs off them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::prelude::*;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use serde::Serialize;

use crate::ids::{ActorId, MandateId};
use crate::model::schema::{accounts, actors, mandates};
use crate::model::username::Username;

/// Stores an enum as its lower-case name in a Text column, on any backend.
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, AsExpression, FromSqlRow, Serialize)]
        #[diesel(sql_type = Text)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(raw: &str) -> Option<$name> {
                match raw { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $name
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB: Backend> FromSql<Text, DB> for $name
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let text = String::from_sql(bytes)?;
                $name::parse(&text).ok_or_else(|| format!("unknown {} '{text}'", stringify!($name)).into())
            }
        }
    };
}

text_enum!(
    /// Which ActivityStreams actor type a local actor is.
    ActorKind {
        Application => "application",
        Commune => "commune",
        Person => "person",
    }
);

text_enum!(
    /// What a person may do on the instance.
    Role {
        Citizen => "citizen",
        Official => "official",
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
