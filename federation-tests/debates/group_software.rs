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
        use serde_json::json;
        use std::time::Duration;
        const WAIT: Duration = Duration::from_secs(30);

        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        people(&alpha).await;
        let peer = crate::fedify::peer(&net);
        let handle = format!("@ville@{}", alpha.base.trim_start_matches("https://"));
        let answer = peer
            .control_post("/follow", json!({ "handle": handle }))
            .await;
        assert_eq!(answer["ok"], true, "{answer}");
        peer.wait_for_inbox(|a| a["type"] == "Accept", WAIT).await;
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
        let objects: Vec<String> = announces
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
        assert_eq!(objects, vec!["Create(Page)", "Create(Note)"], "{inbox:#}");
    }
);
