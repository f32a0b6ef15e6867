//! The inbox against hand-made requests: every way a request can be wrong, with nothing stored, and the
//! ways it can be right (both signature schemes, a rotated key, duplicates at once).

use chrono::Utc;
use diesel::prelude::*;
use http::{HeaderMap, HeaderValue, Method};
use serde_json::{Value, json};
use url::Url;

use crate::federation::account;
use crate::support::network::{ALPHA, BETA, Network};
use crate::support::{TestInstance, both_backends};
use parvis::federation::signatures::{self, SigningKey};
use parvis::model::Role;
use parvis::model::schema::{actors, follows, received_activities, remote_actors};

/// Signs requests as beta's `karim`, whose key alpha can fetch from beta.
struct Sender {
    key: SigningKey,
    key_id: String,
    actor: String,
    beta_base: String,
}

async fn sender(beta: &TestInstance) -> Sender {
    sender_named(beta, "karim").await
}

async fn sender_named(beta: &TestInstance, user: &'static str) -> Sender {
    account(beta, "beta-ville", user, Role::Citizen).await;
    let pem: String = beta
        .db
        .run(move |conn| {
            Ok(actors::table
                .filter(actors::username.eq(user))
                .select(actors::private_key_pem)
                .first(conn)?)
        })
        .await
        .unwrap();
    let actor = beta.url(&format!("/users/{user}"));
    Sender {
        key: SigningKey::from_pkcs8_pem(&pem).unwrap(),
        key_id: format!("{actor}#main-key"),
        actor,
        beta_base: beta.base.clone(),
    }
}

impl Sender {
    fn follow(&self, target: &str, n: &str) -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/test-{n}", self.beta_base),
            "type": "Follow",
            "actor": self.actor,
            "object": target,
        })
    }

    /// An activity of this sender about `object`.
    fn activity(&self, kind: &str, n: &str, object: Value) -> Value {
        json!({
            "id": format!("{}/activities/{kind}-{n}", self.beta_base),
            "type": kind,
            "actor": self.actor,
            "object": object,
        })
    }

    /// Signs and posts an activity to alpha's shared inbox.
    async fn send(&self, alpha: &TestInstance, activity: &Value) -> u16 {
        let inbox = alpha.url("/inbox");
        let body = serde_json::to_vec(activity).unwrap();
        post(
            alpha,
            "/inbox",
            self.sign(&inbox, &body, Utc::now(), false),
            body,
        )
        .await
        .0
    }

    /// Headers signed for `body` at `inbox`, as of `now`.
    fn sign(
        &self,
        inbox: &str,
        body: &[u8],
        now: chrono::DateTime<Utc>,
        rfc9421: bool,
    ) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/activity+json"),
        );
        let url = Url::parse(inbox).unwrap();
        let sign = if rfc9421 {
            signatures::sign_rfc9421
        } else {
            signatures::sign_cavage
        };
        sign(
            &Method::POST,
            &url,
            &mut headers,
            Some(body),
            &self.key_id,
            &self.key,
            now,
        )
        .unwrap();
        headers
    }
}

async fn post(alpha: &TestInstance, path: &str, headers: HeaderMap, body: Vec<u8>) -> (u16, Value) {
    let response = alpha
        .client()
        .post(alpha.url(path))
        .headers(headers)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn stored(alpha: &TestInstance) -> (i64, i64) {
    alpha
        .db
        .run(|conn| {
            let received: i64 = received_activities::table.count().get_result(conn)?;
            let follows: i64 = follows::table.count().get_result(conn)?;
            Ok((received, follows))
        })
        .await
        .unwrap()
}

both_backends!(
    bad_requests_are_refused_and_store_nothing,
    |backend| async move {
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        account(&alpha, "alpha-ville", "marie", Role::Official).await;
        let s = sender(&beta).await;
        let marie = alpha.url("/users/marie");
        let inbox = alpha.url("/inbox");
        let body = serde_json::to_vec(&s.follow(&marie, "1")).unwrap();
        let now = Utc::now();

        let mut cases: Vec<(&str, HeaderMap, Vec<u8>, u16)> = Vec::new();
        let mut unsigned = HeaderMap::new();
        unsigned.insert(
            "content-type",
            HeaderValue::from_static("application/activity+json"),
        );
        cases.push(("unsigned", unsigned, body.clone(), 401));
        let mut bearer = s.sign(&inbox, &body, now, false);
        bearer.remove("signature");
        bearer.insert("authorization", HeaderValue::from_static("Bearer abc"));
        cases.push(("unknown scheme", bearer, body.clone(), 401));
        let tampered = serde_json::to_vec(&s.follow(&alpha.url("/users/nobody"), "1")).unwrap();
        cases.push((
            "tampered body",
            s.sign(&inbox, &body, now, false),
            tampered,
            401,
        ));
        let mut digest = s.sign(&inbox, &body, now, false);
        digest.insert(
            "digest",
            HeaderValue::from_static("SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
        );
        cases.push(("wrong digest", digest, body.clone(), 401));
        let old = now - chrono::Duration::hours(13);
        cases.push((
            "expired date",
            s.sign(&inbox, &body, old, false),
            body.clone(),
            401,
        ));
        let future = now + chrono::Duration::hours(2);
        cases.push((
            "date in the future",
            s.sign(&inbox, &body, future, false),
            body.clone(),
            401,
        ));
        let mut other_host = s.sign(&beta.url("/inbox"), &body, now, false);
        other_host.insert(
            "host",
            HeaderValue::from_str(beta.base.trim_start_matches("https://")).unwrap(),
        );
        cases.push(("signed for another server", other_host, body.clone(), 401));
        let other_path = alpha.url("/users/marie/inbox");
        cases.push((
            "signed for another path",
            s.sign(&other_path, &body, now, false),
            body.clone(),
            401,
        ));
        let garbage = b"{\"id\": ".to_vec();
        cases.push((
            "malformed JSON",
            s.sign(&inbox, &garbage, now, false),
            garbage,
            400,
        ));
        let mut spoofed = s.follow(&marie, "2");
        spoofed["id"] = json!("https://elsewhere.example/activities/1");
        let spoofed = serde_json::to_vec(&spoofed).unwrap();
        cases.push((
            "spoofed id host",
            s.sign(&inbox, &spoofed, now, false),
            spoofed,
            400,
        ));
        let mut impostor = s.follow(&marie, "3");
        impostor["actor"] = json!(beta.url("/users/someone-else"));
        let impostor = serde_json::to_vec(&impostor).unwrap();
        cases.push((
            "actor is not the signer",
            s.sign(&inbox, &impostor, now, false),
            impostor,
            401,
        ));
        let mut unknown = s.follow(&marie, "4");
        unknown["type"] = json!("Frobnicate");
        let unknown = serde_json::to_vec(&unknown).unwrap();
        cases.push((
            "unknown type",
            s.sign(&inbox, &unknown, now, false),
            unknown,
            400,
        ));
        let nobody = serde_json::to_vec(&s.follow(&alpha.url("/users/nobody"), "5")).unwrap();
        cases.push((
            "follow of an unknown actor",
            s.sign(&inbox, &nobody, now, false),
            nobody,
            404,
        ));
        let mut huge = s.follow(&marie, "6");
        huge["padding"] = json!("x".repeat(2 * 1024 * 1024));
        let huge = serde_json::to_vec(&huge).unwrap();
        cases.push((
            "oversized body",
            s.sign(&inbox, &huge, now, false),
            huge,
            413,
        ));

        for (what, headers, body, expected) in cases {
            if expected == 413 {
                // The server answers 413 as soon as it sees the length and may close the connection while the
                // client is still writing: a broken pipe is then the client's view of that same refusal. A client
                // of its own, so that the closed connection is not reused by the requests after it.
                let own = crate::support::instance::client_for(&alpha.settings, ALPHA, alpha.addr);
                let sent = own
                    .post(alpha.url("/inbox"))
                    .headers(headers)
                    .body(body)
                    .send()
                    .await;
                match sent {
                    Ok(response) => assert_eq!(response.status(), 413, "{what}"),
                    Err(e) => assert!(
                        format!("{e:?}").contains("BrokenPipe")
                            || format!("{e:?}").contains("reset"),
                        "{what}: {e:?}"
                    ),
                }
                continue;
            }
            let (status, answer) = post(&alpha, "/inbox", headers, body).await;
            assert_eq!(status, expected, "{what}: {answer}");
            if expected != 413 {
                assert!(
                    answer["message"].as_str().is_some_and(|m| !m.is_empty()),
                    "{what}: {answer}"
                );
            }
        }
        assert_eq!(
            stored(&alpha).await,
            (0, 0),
            "refused requests stored nothing"
        );
        // A refused signature asks for a signature.
        let response = alpha
            .client()
            .post(alpha.url("/inbox"))
            .header("content-type", "application/activity+json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["www-authenticate"], "Signature");
        // An inbox of nobody is 404.
        let (status, _) = post(
            &alpha,
            "/users/nobody/inbox",
            s.sign(&alpha.url("/users/nobody/inbox"), &body, now, false),
            body.clone(),
        )
        .await;
        assert_eq!(status, 404);

        // The same activity, correctly signed, is accepted with either scheme.
        let (status, answer) = post(
            &alpha,
            "/inbox",
            s.sign(&inbox, &body, now, false),
            body.clone(),
        )
        .await;
        assert_eq!(status, 202, "{answer}");
        let second =
            serde_json::to_vec(&s.follow(&alpha.url("/communes/alpha-ville"), "7")).unwrap();
        let (status, answer) =
            post(&alpha, "/inbox", s.sign(&inbox, &second, now, true), second).await;
        assert_eq!(status, 202, "RFC 9421: {answer}");
        assert_eq!(stored(&alpha).await, (2, 2));
    }
);

both_backends!(
    duplicates_sent_at_once_have_one_effect,
    |backend| async move {
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        account(&alpha, "alpha-ville", "marie", Role::Official).await;
        let s = sender(&beta).await;
        let inbox = alpha.url("/inbox");
        let body = serde_json::to_vec(&s.follow(&alpha.url("/users/marie"), "dup")).unwrap();
        // Warm the key cache so the copies race on the write, not on the fetch.
        let warm =
            serde_json::to_vec(&s.follow(&alpha.url("/communes/alpha-ville"), "warm")).unwrap();
        post(
            &alpha,
            "/inbox",
            s.sign(&inbox, &warm, Utc::now(), false),
            warm,
        )
        .await;
        let copies: Vec<_> = (0..10)
            .map(|_| {
                let headers = s.sign(&inbox, &body, Utc::now(), false);
                let client = alpha.client();
                let url = inbox.clone();
                let body = body.clone();
                tokio::spawn(async move {
                    client
                        .post(url)
                        .headers(headers)
                        .body(body)
                        .send()
                        .await
                        .unwrap()
                        .status()
                        .as_u16()
                })
            })
            .collect();
        for copy in copies {
            assert_eq!(copy.await.unwrap(), 202);
        }
        let (received, follows) = stored(&alpha).await;
        assert_eq!((received, follows), (2, 2));
        let accepts: i64 = alpha
            .db
            .run(|conn| {
                use parvis::model::schema::outbox_events;
                Ok(outbox_events::table
                    .filter(outbox_events::kind.eq(parvis::model::EventKind::FollowAccepted))
                    .count()
                    .get_result(conn)?)
            })
            .await
            .unwrap();
        assert_eq!(accepts, 2, "one Accept per Follow, not per copy");
    }
);

both_backends!(a_rotated_key_is_fetched_again_once, |backend| async move {
    let net = Network::new();
    let alpha = net.instance(backend, ALPHA, |_| {}).await;
    let beta = net.instance(backend, BETA, |_| {}).await;
    account(&alpha, "alpha-ville", "marie", Role::Official).await;
    let s = sender(&beta).await;
    let inbox = alpha.url("/inbox");
    let first = serde_json::to_vec(&s.follow(&alpha.url("/users/marie"), "before")).unwrap();
    let (status, _) = post(
        &alpha,
        "/inbox",
        s.sign(&inbox, &first, Utc::now(), false),
        first,
    )
    .await;
    assert_eq!(status, 202);

    // beta's karim gets a new key; alpha still has the old one, fetched a while ago.
    let pair = parvis::civic::keys::generate().unwrap();
    let (public, private) = (pair.public_pem.clone(), pair.private_pem.clone());
    beta.db
        .run(move |conn| {
            diesel::update(actors::table.filter(actors::username.eq("karim")))
                .set((
                    actors::public_key_pem.eq(public),
                    actors::private_key_pem.eq(private),
                ))
                .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    alpha
        .db
        .run(|conn| {
            let an_hour_ago = Utc::now().naive_utc() - chrono::Duration::hours(1);
            diesel::update(remote_actors::table)
                .set(remote_actors::fetched_at.eq(an_hour_ago))
                .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    let rotated = Sender {
        key: SigningKey::from_pkcs8_pem(&pair.private_pem).unwrap(),
        ..s
    };
    let second =
        serde_json::to_vec(&rotated.follow(&alpha.url("/communes/alpha-ville"), "after")).unwrap();
    let (status, answer) = post(
        &alpha,
        "/inbox",
        rotated.sign(&inbox, &second, Utc::now(), false),
        second,
    )
    .await;
    assert_eq!(status, 202, "{answer}");
    // A key that is simply wrong is still refused, after that one fetch.
    let forged = Sender {
        key: SigningKey::from_pkcs8_pem(&parvis::civic::keys::generate().unwrap().private_pem)
            .unwrap(),
        ..rotated
    };
    let third = serde_json::to_vec(&forged.follow(&alpha.url("/users/marie"), "forged")).unwrap();
    let (status, _) = post(
        &alpha,
        "/inbox",
        forged.sign(&inbox, &third, Utc::now(), false),
        third,
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(stored(&alpha).await, (2, 2));
});

both_backends!(
    blocked_servers_are_refused_and_never_fetched,
    |backend| async move {
        let net = Network::new();
        let beta = net.instance(backend, BETA, |_| {}).await;
        let alpha = net
            .instance(backend, ALPHA, |s| {
                s.federation.blocked_domains = vec![BETA.into()]
            })
            .await;
        account(&alpha, "alpha-ville", "marie", Role::Official).await;
        let s = sender(&beta).await;
        let inbox = alpha.url("/inbox");
        let body = serde_json::to_vec(&s.follow(&alpha.url("/users/marie"), "blocked")).unwrap();
        let (status, answer) = post(
            &alpha,
            "/inbox",
            s.sign(&inbox, &body, Utc::now(), false),
            body,
        )
        .await;
        assert_eq!(status, 403, "{answer}");
        let known: i64 = alpha
            .db
            .run(|conn| Ok(remote_actors::table.count().get_result(conn)?))
            .await
            .unwrap();
        assert_eq!(known, 0, "nothing was fetched from the blocked server");
        assert_eq!(stored(&alpha).await, (0, 0));
        // Nor can a local account look it up.
        let token = account(&alpha, "alpha-ville", "zoe", Role::Citizen).await;
        let (status, _) = alpha
            .api_get(
                &format!(
                    "/api/v1/accounts/lookup?acct={}",
                    url::form_urlencoded::byte_serialize(beta.url("/users/karim").as_bytes())
                        .collect::<String>()
                ),
                &token,
            )
            .await;
        assert_eq!(status, 403);
    }
);

both_backends!(
    deletes_of_unknown_actors_cost_no_fetch,
    |backend| async move {
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let inbox = alpha.url("/inbox");
        // An actor on a server that does not exist: any fetch would fail, and be visible as a refusal.
        let gone = "https://gone.parvis.test/users/ghost";
        let delete = serde_json::to_vec(&json!({
            "id": format!("{gone}#delete"), "type": "Delete", "actor": gone, "object": gone
        }))
        .unwrap();
        let key = SigningKey::from_pkcs8_pem(&parvis::civic::keys::generate().unwrap().private_pem)
            .unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/activity+json"),
        );
        signatures::sign_cavage(
            &Method::POST,
            &Url::parse(&inbox).unwrap(),
            &mut headers,
            Some(&delete),
            &format!("{gone}#main-key"),
            &key,
            Utc::now(),
        )
        .unwrap();
        let (status, answer) = post(&alpha, "/inbox", headers, delete.clone()).await;
        assert_eq!(status, 202, "{answer}");
        // Unsigned, it is still refused.
        let mut unsigned = HeaderMap::new();
        unsigned.insert(
            "content-type",
            HeaderValue::from_static("application/activity+json"),
        );
        let (status, _) = post(&alpha, "/inbox", unsigned, delete).await;
        assert_eq!(status, 401);
        assert_eq!(stored(&alpha).await, (0, 0));
    }
);

both_backends!(
    only_the_author_edits_or_deletes_a_post,
    |backend| async move {
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        account(&alpha, "alpha-ville", "marie", Role::Official).await;
        let karim = sender(&beta).await;
        let zoe = sender_named(&beta, "zoe").await;
        let marie = alpha.url("/users/marie");
        let note_id = format!("{}/notes/900", beta.base);
        let note = |content: &str| {
            json!({"id": note_id, "type": "Note", "attributedTo": karim.actor, "content": content,
               "to": [marie], "cc": [], "published": "2026-11-22T10:00:00Z"})
        };
        let content = || {
            let id = note_id.clone();
            let db = alpha.db.clone();
            async move {
                db.run(move |conn| {
                    use parvis::model::schema::notes;
                    Ok(notes::table
                        .filter(notes::ap_id.eq(id))
                        .select((notes::content, notes::deleted))
                        .first::<(String, bool)>(conn)?)
                })
                .await
                .unwrap()
            }
        };
        // A post addressed to marie, with markup to clean.
        let status = karim
            .send(
                &alpha,
                &karim.activity(
                    "Create",
                    "1",
                    note("<p>Bonjour <script>x()</script><b>Marie</b></p>"),
                ),
            )
            .await;
        assert_eq!(status, 202);
        assert_eq!(
            content().await,
            ("<p>Bonjour <b>Marie</b></p>".to_string(), false)
        );
        // A Create claiming someone else wrote it is refused.
        let mut forged = note("<p>pas de moi</p>");
        forged["id"] = json!(format!("{}/notes/901", beta.base));
        forged["attributedTo"] = json!(zoe.actor);
        assert_eq!(
            karim
                .send(&alpha, &karim.activity("Create", "2", forged))
                .await,
            400
        );
        // zoe may neither edit nor delete karim's post.
        assert_eq!(
            zoe.send(&alpha, &zoe.activity("Delete", "3", json!(note_id)))
                .await,
            403
        );
        let mut hijack = note("<p>modifié</p>");
        hijack["attributedTo"] = json!(zoe.actor);
        assert_eq!(
            zoe.send(&alpha, &zoe.activity("Update", "4", hijack)).await,
            403
        );
        assert_eq!(content().await.0, "<p>Bonjour <b>Marie</b></p>");
        // karim edits, then deletes: a tombstone stays.
        assert_eq!(
            karim
                .send(
                    &alpha,
                    &karim.activity("Update", "5", note("<p>Bonsoir</p>"))
                )
                .await,
            202
        );
        assert_eq!(content().await, ("<p>Bonsoir</p>".to_string(), false));
        assert_eq!(
            karim
                .send(
                    &alpha,
                    &karim.activity("Delete", "6", json!({"id": note_id, "type": "Tombstone"}))
                )
                .await,
            202
        );
        assert_eq!(content().await, (String::new(), true));
    }
);

both_backends!(
    refused_activities_are_counted_per_server_and_reason,
    |backend| async move {
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        account(&alpha, "alpha-ville", "marie", Role::Official).await;
        let mut json = HeaderMap::new();
        json.insert(
            "content-type",
            HeaderValue::from_static("application/activity+json"),
        );
        // Twice an unsigned Follow naming a Lemmy user; once a body that is not JSON, signed (badly) with a
        // key of another server.
        let follow = json!({
            "id": "https://lemmy.example/activities/follow/1",
            "type": "Follow",
            "actor": "https://lemmy.example/u/bob",
            "object": alpha.url("/users/marie"),
        });
        for _ in 0..2 {
            let (status, _) = post(
                &alpha,
                "/inbox",
                json.clone(),
                serde_json::to_vec(&follow).unwrap(),
            )
            .await;
            assert_eq!(status, 401);
        }
        let mut signed = json.clone();
        signed.insert(
            "signature",
            HeaderValue::from_static(
                r#"keyId="https://gts.example/users/carol/main-key",algorithm="hs2019",headers="(request-target) host date",signature="eA==""#,
            ),
        );
        let (status, _) = post(&alpha, "/inbox", signed, b"{not json".to_vec()).await;
        assert_eq!(status, 400);
        // Written by the delivery worker; read as the status command shows them.
        let rows = crate::federation::eventually(
            "the refusals written",
            std::time::Duration::from_secs(10),
            || async {
                let rows = alpha
                    .db
                    .run(|conn| parvis::federation::refusals::recent(conn, 50))
                    .await
                    .unwrap();
                (rows.iter().map(|r| r.count).sum::<i64>() == 3).then_some(rows)
            },
        )
        .await;
        let mut found: Vec<(String, String, i64)> = rows
            .iter()
            .map(|r| (r.domain.clone(), r.reason.clone(), r.count))
            .collect();
        found.sort();
        assert_eq!(
            found,
            vec![
                ("gts.example".into(), "malformed or unknown".into(), 1),
                ("lemmy.example".into(), "signature".into(), 2),
            ]
        );
        assert!(rows.iter().all(|r| !r.last_message.is_empty()));
        // What the admin command prints.
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("parvis.toml");
        std::fs::write(
            &config,
            format!(
                "[server]\ndata_dir = {:?}\n[database]\nurl = {:?}\n",
                alpha.dir.path().display().to_string(),
                alpha.settings.database.url
            ),
        )
        .unwrap();
        let cli = <parvis::cli::Cli as clap::Parser>::try_parse_from([
            "parvis",
            "admin",
            "--config",
            &config.display().to_string(),
            "federation",
            "status",
        ])
        .unwrap();
        let mut out = Vec::new();
        parvis::cli::run(cli, &mut out).await.unwrap();
        let out = String::from_utf8(out).unwrap();
        let line = out
            .lines()
            .find(|l| l.starts_with("lemmy.example"))
            .unwrap_or_else(|| panic!("{out}"));
        assert!(line.contains(" 2  signature  last "), "{line}");
    }
);
