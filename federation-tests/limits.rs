//! Rate limits: writes on the forms and the API per address and per account, activities per remote server
//! on the inbox, each answered `429` with `Retry-After` past the limit, before any work.

use serde_json::json;

use crate::support::both_backends;
use crate::support::web::WebClient;
use crate::web::{PASSWORD, person};
use parvis::model::Role;

both_backends!(
    writes_and_inbox_deliveries_past_the_limit_get_429_with_retry_after,
    |backend| async move {
        use crate::support::network::{ALPHA, Network};
        let net = Network::new();
        let alpha = net
            .instance(backend, ALPHA, |s| {
                s.server.writes_per_minute = 4;
                s.federation.inbox_per_minute = 3;
            })
            .await;
        person(&alpha, "karim", Role::Citizen).await;
        let peer = crate::fedify::peer(&net);

        // The peer's activities: three accepted, the fourth refused with Retry-After, nothing stored.
        let mut statuses = vec![];
        for n in 0..4 {
            statuses.push(crate::policy::peer_follows(&peer, &alpha, 100 + n).await);
        }
        assert_eq!(statuses, [202, 202, 202, 429]);
        let response = alpha
            .client()
            .post(alpha.url("/users/karim/inbox"))
            .header(
                "Signature",
                format!("keyId=\"{}#main-key\",signature=\"x\"", peer.actor_id),
            )
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 429, "a personal inbox counts too");
        let wait: u64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&wait), "{wait}");

        // Writes from one address (the login is one): four, then 429; reading is not limited.
        let mut web = WebClient::new(&alpha);
        web.login("karim", PASSWORD).await;
        let token = parvis::civic::tokens::create_token(&alpha.db, "karim")
            .await
            .unwrap();
        let mut statuses = vec![];
        for n in 0..4 {
            let (status, _) = alpha
                .api_post(
                    "/api/v1/statuses",
                    &token,
                    json!({ "status": format!("Message {n}") }),
                )
                .await;
            statuses.push(status);
        }
        assert_eq!(statuses, [200, 200, 200, 429]);
        assert_eq!(web.get("/debates").await.status, 200);
        let page = web.post("/post", &[("content", "encore")]).await;
        assert_eq!(page.status, 429);
        let posts: i64 = alpha
            .db
            .run(|c| {
                use diesel::prelude::*;
                use parvis::model::schema::notes;
                Ok(notes::table.count().get_result(c)?)
            })
            .await
            .unwrap();
        assert_eq!(posts, 3, "nothing past the limit was stored");
    }
);

both_backends!(
    one_account_writing_from_many_addresses_is_limited_by_its_token,
    |backend| async move {
        use crate::support::network::{ALPHA, Network};
        let net = Network::new();
        let alpha = net
            .instance(backend, ALPHA, |s| {
                s.server.writes_per_minute = 3;
                // Behind a proxy: the address is the one it forwards.
                s.server.trust_forwarded_for = true;
            })
            .await;
        person(&alpha, "karim", Role::Citizen).await;
        person(&alpha, "lea", Role::Citizen).await;
        let karim = parvis::civic::tokens::create_token(&alpha.db, "karim")
            .await
            .unwrap();
        let lea = parvis::civic::tokens::create_token(&alpha.db, "lea")
            .await
            .unwrap();
        let post = |token: &str, from: String, n: u32| {
            let request = alpha
                .client()
                .post(alpha.url("/api/v1/statuses"))
                .bearer_auth(token)
                .header("X-Forwarded-For", from)
                .json(&json!({ "status": format!("Message {n}") }));
            async move { request.send().await.unwrap().status().as_u16() }
        };
        // Karim changes address at each request: his token is what is counted.
        let mut statuses = vec![];
        for n in 0..4 {
            statuses.push(post(&karim, format!("203.0.113.{}", 10 + n), n).await);
        }
        assert_eq!(statuses, [200, 200, 200, 429]);
        // Lea, from an address karim used, is not held back by his limit.
        assert_eq!(post(&lea, "203.0.113.11".into(), 9).await, 200);
    }
);
