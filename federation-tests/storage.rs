//! Storage: migrations, the demo seed, and names claimed twice at once.

use crate::support::both_backends;
use crate::support::instance::database;
use parvis::civic::{communes, demo};
use parvis::db::queries;
use parvis::model::ActorKind;

#[test]
fn both_migration_trees_list_the_same_migrations() {
    let list = |engine: &str| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(engine);
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert!(!list("sqlite").is_empty());
    assert_eq!(list("sqlite"), list("postgres"));
}

both_backends!(
    migrations_are_idempotent_and_the_instance_actor_unique,
    |backend| async move {
        let (db, settings, _dir) = database(backend);
        assert_eq!(db.migrate().unwrap(), 0);
        let again = parvis::app::open_database(&settings).unwrap();
        let count = again
            .run(|c| queries::count_actors(c, ActorKind::Application))
            .await
            .unwrap();
        assert_eq!(count, 1);
    }
);

both_backends!(demo_seeds_an_empty_database_once, |backend| async move {
    let (db, _settings, _dir) = database(backend);
    assert!(demo::seed_if_empty(&db).await.unwrap().is_some());
    assert!(demo::seed_if_empty(&db).await.unwrap().is_none());
    let commune = db.run(queries::default_commune).await.unwrap().unwrap();
    assert_eq!(commune.username.as_str(), demo::DEMO_COMMUNE);
    let officials = db
        .run(move |c| queries::officials_of(c, commune.id))
        .await
        .unwrap();
    assert_eq!(officials.len(), 1);
    assert_eq!(officials[0].0.username.as_str(), demo::DEMO_OFFICIAL);
    assert_eq!(officials[0].1[0].office, "Maire");
    let people = db
        .run(|c| queries::count_actors(c, ActorKind::Person))
        .await
        .unwrap();
    // The official, the citizen and the admin.
    assert_eq!(people, 3);
    // Categories of problem reports, so that a newcomer can report one at once.
    let categories = db
        .run(move |c| parvis::civic::problems::categories(c, commune.id))
        .await
        .unwrap();
    assert_eq!(categories.len(), 4);
});

both_backends!(
    a_name_claimed_twice_at_once_goes_to_one,
    |backend| async move {
        let (db, _settings, _dir) = database(backend);
        let attempts: Vec<_> = (0..6)
            .map(|i| {
                let db = db.clone();
                tokio::spawn(async move {
                    communes::create_commune(&db, "belleville", &format!("Belleville {i}")).await
                })
            })
            .collect();
        let mut created = 0;
        for attempt in attempts {
            match attempt.await.unwrap() {
                Ok(_) => created += 1,
                Err(parvis::error::Error::Conflict(message)) => {
                    assert!(message.contains("already taken"))
                }
                // SQLite may also answer "database is locked" past its busy timeout; that is not this test's case.
                Err(other) => panic!("unexpected error: {other}"),
            }
        }
        assert_eq!(created, 1);
        let communes = db.run(queries::communes).await.unwrap();
        assert_eq!(communes.len(), 1);
        assert!(communes[0].1, "the only commune is the default one");
    }
);

both_backends!(
    communes_created_at_once_make_one_default,
    |backend| async move {
        let (db, _settings, _dir) = database(backend);
        let attempts: Vec<_> = (0..4)
            .map(|i| {
                let db = db.clone();
                tokio::spawn(async move {
                    communes::create_commune(&db, &format!("commune-{i}"), "Commune").await
                })
            })
            .collect();
        for attempt in attempts {
            match attempt.await.unwrap() {
                Ok(_) | Err(parvis::error::Error::Conflict(_)) => {}
                Err(other) => panic!("unexpected error: {other}"),
            }
        }
        let communes = db.run(queries::communes).await.unwrap();
        assert!(!communes.is_empty());
        assert_eq!(communes.iter().filter(|(_, default)| *default).count(), 1);
    }
);

both_backends!(old_federation_records_are_pruned, |backend| async move {
    use diesel::prelude::*;
    use parvis::civic::maintenance::{Pruned, prune};
    use parvis::model::schema::received_activities;
    let (db, _settings, _dir) = database(backend);
    let now = chrono::Utc::now().naive_utc();
    db.run(move |conn| {
        for (id, age) in [("https://a.example/1", 20), ("https://a.example/2", 1)] {
            diesel::insert_into(received_activities::table)
                .values((
                    received_activities::ap_id.eq(id),
                    received_activities::received_at.eq(now - chrono::Duration::days(age)),
                ))
                .execute(conn)?;
        }
        // A refusal that did not recur for 40 days goes; one of yesterday stays.
        for (domain, age) in [("old.example", 40), ("recent.example", 1)] {
            use parvis::model::schema::inbox_refusals as r;
            diesel::insert_into(r::table)
                .values((
                    r::domain.eq(domain),
                    r::reason.eq("signature"),
                    r::count.eq(3),
                    r::last_message.eq("no signature"),
                    r::last_at.eq(now - chrono::Duration::days(age)),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
    .await
    .unwrap();
    let pruned = db.transaction(move |conn| prune(conn, now)).await.unwrap();
    assert_eq!(
        pruned,
        Pruned {
            received: 1,
            events: 0,
            failed_deliveries: 0,
            sessions: 0,
            refusals: 1,
            unconfirmed_subscriptions: 0,
            oauth_codes: 0,
        }
    );
    // The recent id is still remembered: a copy of it has no second effect.
    let first = db
        .transaction(|conn| parvis::civic::inbox::first_time(conn, "https://a.example/2"))
        .await
        .unwrap();
    assert!(!first);
});

both_backends!(
    the_moderation_migration_keeps_the_audit_log_and_warnings,
    |backend| async move {
        use diesel::prelude::*;
        use parvis::model::schema::{moderation_actions as m, warnings as w};
        let (db, _settings, _dir) = database(backend);
        let commune = communes::create_commune(&db, "belleville", "Belleville")
            .await
            .unwrap()
            .id;
        // Down to the audit log as migration 10 left it (11 and later are reverted), with a warning pointing at
        // one of its actions.
        let reverted = db
            .revert_through("2026-11-22-000011_moderation_actions")
            .unwrap();
        db.run(move |c| {
            diesel::sql_query(format!(
                "INSERT INTO moderation_actions (commune_id, moderator_name, action, target, reason, note, at) \
                 VALUES ({}, 'modo', 'warn', '/users/x', 'insult', 'Restez courtois', '2026-11-30 10:00:00')",
                commune.0
            ))
            .execute(c)?;
            diesel::sql_query(format!(
                "INSERT INTO warnings (account_id, action_id, created_at) \
                 SELECT {}, id, at FROM moderation_actions",
                commune.0
            ))
            .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(db.migrate().unwrap(), reverted);
        let (note, warned): (String, i64) = db
            .run(|c| {
                Ok(w::table
                    .inner_join(m::table)
                    .select((m::note, w::account_id))
                    .first(c)?)
            })
            .await
            .unwrap();
        assert_eq!((note.as_str(), warned), ("Restez courtois", commune.0));
        // The new actions are accepted; deleting the action still takes its warning with it.
        db.run(move |c| {
            diesel::sql_query(format!(
                "INSERT INTO moderation_actions (commune_id, moderator_name, action, target, reason, note, at) \
                 VALUES ({}, 'modo', 'suspend', '/users/x', 'insult', '', '2026-11-30 10:00:00')",
                commune.0
            ))
            .execute(c)?;
            diesel::delete(m::table.filter(m::action.eq("warn"))).execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
        let left: i64 = db
            .run(|c| Ok(w::table.count().get_result(c)?))
            .await
            .unwrap();
        assert_eq!(left, 0);
    }
);
