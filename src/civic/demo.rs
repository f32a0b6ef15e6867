//! The demo commune `parvis serve --demo` seeds into an empty database, so a newcomer sees a living town.

use chrono::NaiveDate;

use crate::civic::accounts::{NewAccount, NewMandate, add_mandate, create_account};
use crate::civic::communes::create_commune;
use crate::db::{Database, queries};
use crate::error::Result;
use crate::model::{ActorKind, Role};

/// The names the demo creates, for the log line and the README.
pub const DEMO_COMMUNE: &str = "belleville";
pub const DEMO_OFFICIAL: &str = "marie";
pub const DEMO_CITIZEN: &str = "karim";

/// Seeds a commune, an official with her mandate and a citizen, only if there is no commune and no person yet.
/// Returns whether it seeded anything.
pub async fn seed_if_empty(db: &Database) -> Result<bool> {
    let empty = db
        .run(|conn| {
            Ok(queries::count_actors(conn, ActorKind::Commune)? == 0
                && queries::count_actors(conn, ActorKind::Person)? == 0)
        })
        .await?;
    if !empty {
        return Ok(false);
    }
    create_commune(db, DEMO_COMMUNE, "Belleville-sur-Loire").await?;
    create_account(
        db,
        NewAccount {
            username: DEMO_OFFICIAL.into(),
            role: Role::Official,
            commune: None,
            display_name: Some("Marie Durand".into()),
            password: None,
        },
    )
    .await?;
    add_mandate(
        db,
        NewMandate {
            username: DEMO_OFFICIAL.into(),
            office: "Maire".into(),
            governing_body: "Conseil municipal de Belleville-sur-Loire".into(),
            since: NaiveDate::from_ymd_opt(2026, 3, 22).unwrap_or_default(),
            until: None,
        },
    )
    .await?;
    create_account(
        db,
        NewAccount {
            username: DEMO_CITIZEN.into(),
            role: Role::Citizen,
            commune: None,
            display_name: Some("Karim Benali".into()),
            password: None,
        },
    )
    .await?;
    Ok(true)
}
