//! A commune relays to a follower's server in the form it takes: FEP-1b12 group software (Lemmy, Mbin,
//! PieFed) answers `400` to an `Announce` of an object and reads only `Announce` of an activity.

use crate::support::both_backends;
use crate::support::debates::{open_debate, people};
use crate::web::signed_in;

both_backends!(
    a_commune_relays_to_group_software_only_announces_of_activities,
    |backend| async move {
        use crate::support::network::{ALPHA, Network};
        use diesel::prelude::*;
        use parvis::model::schema::remote_hosts;
        use std::time::Duration;
        const WAIT: Duration = Duration::from_secs(30);

        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        people(&alpha).await;
        let peer = crate::fedify::peer_following(&net, &alpha, "ville").await;
        // The peer's server runs Lemmy, as its NodeInfo would say.
        let host = parvis::federation::domain_of(&url::Url::parse(&peer.actor_id).unwrap());
        alpha
            .db
            .run(move |conn| {
                parvis::on_each_backend!(conn, |c| diesel::insert_into(remote_hosts::table)
                    .values((
                        remote_hosts::domain.eq(&host),
                        remote_hosts::software.eq("lemmy")
                    ))
                    .on_conflict(remote_hosts::domain)
                    .do_update()
                    .set(remote_hosts::software.eq("lemmy"))
                    .execute(c))?;
                Ok(())
            })
            .await
            .unwrap();

        let mut marie = signed_in(&alpha, "marie").await;
        let path = open_debate(&mut marie, "Le marché du soir", "Une idée.").await;
        let mut lea = signed_in(&alpha, "lea").await;
        let page = lea
            .submit(
                &path,
                &format!("{path}/comments"),
                &[("comment", "Oui, en été."), ("stance", "for")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        // The comment arrives as the commune's Announce of lea's Create.
        let relayed = peer
            .wait_for_inbox(
                |a| {
                    a["type"] == "Announce"
                        && a["raw"]["object"]["type"] == "Create"
                        && a["raw"]["object"]["object"]["type"] == "Note"
                },
                WAIT,
            )
            .await;
        crate::support::peer::assert_signed_by(&relayed, &alpha.url("/communes/ville"));
        assert_eq!(
            relayed["raw"]["object"]["actor"],
            alpha.url("/users/lea").as_str()
        );
        assert_eq!(
            relayed["raw"]["object"]["object"]["content"],
            "<p>Oui, en été.</p>"
        );
        // Once everything is expanded and delivered, nothing in a form Lemmy refuses was sent: no Announce of
        // a Page or of a Note, and the debate came as the Announce of its Create.
        crate::federation::eventually("every delivery done", WAIT, || async {
            let pending = alpha.recorded_events().await.1;
            let queued: i64 = alpha
                .db
                .run(|conn| {
                    use parvis::model::schema::deliveries;
                    Ok(deliveries::table.count().get_result(conn)?)
                })
                .await
                .unwrap();
            (pending == 0 && queued == 0).then_some(())
        })
        .await;
        let inbox = peer.control_get("/inbox").await;
        let announces: Vec<&serde_json::Value> = inbox
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["type"] == "Announce")
            .collect();
        // In any order: deliveries run concurrently.
        let mut objects: Vec<String> = announces
            .iter()
            .map(|a| {
                let object = &a["raw"]["object"];
                format!(
                    "{}({})",
                    object["type"].as_str().unwrap_or("link"),
                    object["object"]["type"].as_str().unwrap_or("")
                )
            })
            .collect();
        objects.sort();
        assert_eq!(objects, vec!["Create(Note)", "Create(Page)"], "{inbox:#}");
    }
);

both_backends!(
    a_followers_software_is_learned_from_its_nodeinfo,
    |backend| async move {
        use crate::support::hostile::{EVIL, EVIL_IP, Hostile, keys, post_signed, reach};
        use diesel::prelude::*;
        use parvis::model::schema::remote_hosts;
        use serde_json::json;
        use std::time::Duration;

        let alpha = crate::support::TestInstance::start_with(backend, reach).await;
        crate::federation::account(&alpha, "belleville", "marie", parvis::model::Role::Official)
            .await;
        let lemmy = Hostile::start(EVIL, EVIL_IP).await;
        lemmy.plant(
            "/.well-known/nodeinfo",
            "application/json",
            &json!({"links": [{
                "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
                "href": lemmy.url("/nodeinfo/2.0"),
            }]}),
        );
        lemmy.plant(
            "/nodeinfo/2.0",
            "application/json",
            &json!({"version": "2.0", "software": {"name": "Lemmy", "version": "0.19.9"},
                    "protocols": ["activitypub"], "openRegistrations": true}),
        );
        let bob = lemmy.serve_actor("bob", &keys()[0]);
        let follow = json!({
            "id": lemmy.url("/activities/follow/1"),
            "type": "Follow",
            "actor": bob,
            "object": alpha.url("/communes/belleville"),
        });
        let (status, body) = post_signed(
            &lemmy.client(),
            &alpha.url("/inbox"),
            &follow,
            &format!("{bob}#main-key"),
            &keys()[0].signing(),
        )
        .await;
        assert_eq!(status, 202, "{body}");
        let domain = parvis::federation::domain_of(&url::Url::parse(&bob).unwrap());
        let software = crate::federation::eventually(
            "the follower's software learned",
            Duration::from_secs(10),
            || {
                let domain = domain.clone();
                let db = alpha.db.clone();
                async move {
                    db.run(move |conn| {
                        Ok(remote_hosts::table
                            .find(&domain)
                            .select(remote_hosts::software)
                            .first::<Option<String>>(conn)
                            .optional()?
                            .flatten())
                    })
                    .await
                    .unwrap()
                }
            },
        )
        .await;
        assert_eq!(software, "lemmy");
        assert!(
            lemmy.gets().contains(&"/nodeinfo/2.0".to_string()),
            "{:?}",
            lemmy.gets()
        );
    }
);
