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
pub const DEMO_ADMIN: &str = "admin";

const DEMO_CHARTER: &str = "Charte de participation de Belleville-sur-Loire\n\n\
Je m'exprime avec respect envers les autres participants, les élus et les agents.\n\n\
Je ne publie ni propos injurieux, ni contenu illégal, ni information personnelle sur autrui.\n\n\
Les modérateurs peuvent masquer un contenu contraire à cette charte.";

/// Seeds a commune, an official with her mandate and a first post, a citizen, an admin with a random password,
/// a charter and categories of problem reports, only if there is no commune and no person yet. Returns the admin's password if it seeded.
pub async fn seed_if_empty(db: &Database) -> Result<Option<String>> {
    let empty = db
        .run(|conn| {
            Ok(queries::count_actors(conn, ActorKind::Commune)? == 0
                && queries::count_actors(conn, ActorKind::Person)? == 0)
        })
        .await?;
    if !empty {
        return Ok(None);
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
    let password = crate::civic::tokens::random_code(12);
    let (_, admin) = create_account(
        db,
        NewAccount {
            username: DEMO_ADMIN.into(),
            role: Role::Admin,
            commune: None,
            display_name: Some("Mairie — administration".into()),
            password: Some(password.clone()),
        },
    )
    .await?;
    crate::civic::site::publish_charter(db, crate::civic::site::Operator::Console, DEMO_CHARTER)
        .await?;
    db.transaction(move |conn| {
        let (marie, _) = queries::account_by_username(conn, DEMO_OFFICIAL)?
            .ok_or_else(|| crate::error::Error::internal("the demo official is missing"))?;
        crate::civic::notes::publish(
            conn,
            marie.id,
            "Bienvenue sur le nouvel espace de participation de Belleville-sur-Loire !",
            crate::model::Visibility::Public,
            None,
        )?;
        // Categories of problem reports, so that a report can be made at once.
        for name in [
            "Voirie et trottoirs",
            "Éclairage public",
            "Propreté",
            "Espaces verts",
        ] {
            crate::civic::problems::add_category(conn, &admin, name)?;
        }
        Ok(())
    })
    .await?;
    Ok(Some(password))
}
