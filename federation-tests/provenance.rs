//! Attacks on provenance, from a hostile server on its own loopback address: planted documents, redirects,
//! actors whose key or inbox lie elsewhere, squatted key ids, floods of unknown keys, blocked accounts finding
//! another way in. Each one is refused, and what is stored is compared before and after.

use std::time::Duration;

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::federation::{account, eventually};
use crate::support::hostile::{
    ELSEWHERE, ELSEWHERE_IP, EVIL, EVIL_IP, Hostile, get_signed, keys, post_signed, reach,
};
use crate::support::web::WebClient;
use crate::support::{Backend, TestInstance, both_backends};
use parvis::model::Role;
use parvis::model::schema::{debates, follows, notes, remote_actors, remote_keys, reports};

/// What a lie could change: every stored remote actor (id, key id, key, inbox, shared inbox), the keys and
/// the follows.
type Stored = (
    Vec<(String, String, String, String, Option<String>)>,
    i64,
    i64,
);

async fn stored(alpha: &TestInstance) -> Stored {
    alpha
        .db
        .run(|c| {
            let actors = remote_actors::table
                .order(remote_actors::ap_id)
                .select((
                    remote_actors::ap_id,
                    remote_actors::key_id,
                    remote_actors::public_key_pem,
                    remote_actors::inbox,
                    remote_actors::shared_inbox,
                ))
                .load(c)?;
            let keys: i64 = remote_keys::table.count().get_result(c)?;
            let follows: i64 = follows::table.count().get_result(c)?;
            Ok((actors, keys, follows))
        })
        .await
        .unwrap()
}

async fn town(backend: Backend, tune: impl FnOnce(&mut parvis::config::Settings)) -> TestInstance {
    let alpha = TestInstance::start_with(backend, |s| {
        reach(s);
        tune(s);
    })
    .await;
    account(&alpha, "belleville", "marie", Role::Official).await;
    account(&alpha, "belleville", "paul", Role::Citizen).await;
    alpha
}

fn follow(id: &str, actor: &str, object: &str) -> Value {
    json!({"id": id, "type": "Follow", "actor": actor, "object": object})
}

fn undo(id: &str, actor: &str, follow_id: &str, object: &str) -> Value {
    json!({"id": id, "type": "Undo", "actor": actor,
           "object": {"id": follow_id, "type": "Follow", "actor": actor, "object": object}})
}

/// A town with a legitimate actor of the hostile server following marie, as the scene of each attack.
struct Scene {
    alpha: TestInstance,
    evil: Hostile,
    elsewhere: Hostile,
    victim: String,
    followed: String,
    before: Stored,
}

impl Scene {
    async fn new(backend: Backend) -> Scene {
        let alpha = town(backend, |_| {}).await;
        let evil = Hostile::start(EVIL, EVIL_IP).await;
        let elsewhere = Hostile::start(ELSEWHERE, ELSEWHERE_IP).await;
        let victim = evil.serve_actor("victim", &keys()[0]);
        let followed = evil.url("/activities/follow-1");
        let scene = Scene {
            before: (vec![], 0, 0),
            victim,
            followed,
            alpha,
            evil,
            elsewhere,
        };
        let (status, body) = scene
            .send(
                &follow(&scene.followed, &scene.victim, &scene.marie()),
                &format!("{}#main-key", scene.victim),
                0,
            )
            .await;
        assert_eq!(status, 202, "{body}");
        let before = stored(&scene.alpha).await;
        assert_eq!(before.2, 1);
        Scene { before, ..scene }
    }

    fn marie(&self) -> String {
        self.alpha.url("/users/marie")
    }

    /// Signs `activity` with key `key` (0: the victim's, 1: the attacker's) as `key_id`, from the hostile
    /// server's address, to alpha's shared inbox.
    async fn send(&self, activity: &Value, key_id: &str, key: usize) -> (u16, Value) {
        post_signed(
            &self.evil.client(),
            &self.alpha.url("/inbox"),
            activity,
            key_id,
            &keys()[key].signing(),
        )
        .await
    }

    /// A document that says it is the victim, with the attacker's key (named `key_id`) and inbox.
    fn lie(&self, key_id: &str) -> Value {
        json!({
            "id": self.victim, "type": "Person", "preferredUsername": "victim",
            "inbox": self.evil.url("/uploads/inbox"),
            "publicKey": {"id": key_id, "owner": self.victim, "publicKeyPem": keys()[1].public_pem},
        })
    }

    /// Undoes the victim's follow, signed with the attacker's key as `key_id`: refused, nothing changed.
    async fn undo_is_refused(&self, key_id: &str, what: &str) {
        let undone = undo(
            &self.evil.url(&format!("/undo/{}", self.before.0.len())),
            &self.victim,
            &self.followed,
            &self.marie(),
        );
        let (status, body) = self.send(&undone, key_id, 1).await;
        assert_eq!(status, 401, "{what}: {body}");
        assert_eq!(stored(&self.alpha).await, self.before, "{what}");
    }

    /// Looks `url` up through the API as paul.
    async fn lookup(&self, url: &str) -> (u16, Value) {
        let token = parvis::civic::tokens::create_token(&self.alpha.db, "paul")
            .await
            .unwrap();
        self.alpha
            .api_get(
                &format!("/api/v1/accounts/lookup?acct={}", urlencode(url)),
                &token,
            )
            .await
    }
}

both_backends!(
    a_document_planted_as_a_download_does_not_replace_an_actor,
    |backend| async move {
        let scene = Scene::new(backend).await;
        let key_id = format!("{}#key", scene.evil.url("/uploads/a.json"));
        scene.evil.plant(
            "/uploads/a.json",
            "application/octet-stream",
            &scene.lie(&key_id),
        );
        scene.undo_is_refused(&key_id, "an upload").await;
    }
);

both_backends!(
    a_document_planted_as_activity_json_does_not_replace_an_actor,
    |backend| async move {
        let scene = Scene::new(backend).await;
        let key_id = format!("{}#key", scene.evil.url("/uploads/b.json"));
        scene.evil.serve("/uploads/b.json", &scene.lie(&key_id));
        scene
            .undo_is_refused(&key_id, "a document whose id is not its URL")
            .await;
    }
);

both_backends!(
    a_redirect_to_another_server_does_not_replace_an_actor,
    |backend| async move {
        let scene = Scene::new(backend).await;
        let key_id = format!("{}#key", scene.evil.url("/go/away"));
        scene.elsewhere.serve("/lie.json", &scene.lie(&key_id));
        scene
            .evil
            .redirect("/go/away", &scene.elsewhere.url("/lie.json"));
        scene.undo_is_refused(&key_id, "an open redirect").await;
        assert!(
            scene.elsewhere.gets().is_empty(),
            "the other server was never asked: {:?}",
            scene.elsewhere.gets()
        );
    }
);

both_backends!(
    an_actor_whose_inbox_is_elsewhere_is_refused_and_sent_nothing,
    |backend| async move {
        let scene = Scene::new(backend).await;
        let (evil, elsewhere) = (&scene.evil, &scene.elsewhere);
        let mut liar = evil.actor("liar", &keys()[1]);
        liar["inbox"] = json!(elsewhere.url("/users/liar/inbox"));
        liar["endpoints"] = json!({"sharedInbox": elsewhere.url("/inbox")});
        evil.serve("/users/liar", &liar);
        let liar_id = evil.url("/users/liar");
        let (status, body) = scene
            .send(
                &follow(&evil.url("/activities/liar"), &liar_id, &scene.marie()),
                &format!("{liar_id}#main-key"),
                1,
            )
            .await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(stored(&scene.alpha).await, scene.before);
        // The victim then follows paul: both Accepts (marie's and paul's) reach it, so the queue has dealt
        // with what came before, and nothing went to the liar's inbox elsewhere.
        let (status, _) = scene
            .send(
                &follow(
                    &evil.url("/activities/follow-2"),
                    &scene.victim,
                    &scene.alpha.url("/users/paul"),
                ),
                &format!("{}#main-key", scene.victim),
                0,
            )
            .await;
        assert_eq!(status, 202);
        eventually("the Accepts to the victim", Duration::from_secs(30), || {
            let posts = evil.posts();
            async move {
                (posts.iter().filter(|p| *p == "/users/victim/inbox").count() == 2).then_some(())
            }
        })
        .await;
        assert!(elsewhere.posts().is_empty(), "{:?}", elsewhere.posts());
    }
);

both_backends!(
    an_actor_whose_key_is_on_another_server_is_refused,
    |backend| async move {
        let scene = Scene::new(backend).await;
        let mut keyless = scene.evil.actor("keyless", &keys()[1]);
        keyless["publicKey"]["id"] = json!(scene.elsewhere.url("/keys/1"));
        scene.evil.serve("/users/keyless", &keyless);
        let (status, body) = scene.lookup(&scene.evil.url("/users/keyless")).await;
        assert_eq!(status, 502, "{body}");
        assert_eq!(stored(&scene.alpha).await, scene.before);
    }
);

both_backends!(
    a_squatted_key_id_does_not_lock_its_owner_out,
    |backend| async move {
        let scene = Scene::new(backend).await;
        let evil = &scene.evil;
        let owner = evil.serve_actor("owner", &keys()[0]);
        let mut squatter = evil.actor("squatter", &keys()[1]);
        squatter["publicKey"]["id"] = json!(format!("{owner}#main-key"));
        evil.serve("/users/squatter", &squatter);
        let (status, body) = scene.lookup(&evil.url("/users/squatter")).await;
        assert_eq!(status, 502, "{body}");
        assert_eq!(stored(&scene.alpha).await, scene.before);
        let (status, body) = scene
            .send(
                &follow(&evil.url("/activities/owner"), &owner, &scene.marie()),
                &format!("{owner}#main-key"),
                0,
            )
            .await;
        assert_eq!(status, 202, "the owner of the key id: {body}");
    }
);

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

both_backends!(
    unknown_keys_cost_a_bounded_number_of_fetches,
    |backend| async move {
        let alpha = town(backend, |s| s.federation.key_fetches_per_minute = 5).await;
        let evil = Hostile::start(EVIL, EVIL_IP).await;
        let elsewhere = Hostile::start(ELSEWHERE, ELSEWHERE_IP).await;
        let [real, forged] = keys();
        let inbox = alpha.url("/inbox");
        let marie = alpha.url("/users/marie");

        // One address, a fresh key id each time (none can be fetched): five fetches, then 429.
        let mut statuses = vec![];
        for i in 0..12 {
            let actor = evil.url(&format!("/k/{i}"));
            let (status, _) = post_signed(
                &evil.client(),
                &inbox,
                &follow(&format!("{actor}/follow"), &actor, &marie),
                &format!("{actor}#key"),
                &forged.signing(),
            )
            .await;
            statuses.push(status);
        }
        assert_eq!(statuses[..5], [401; 5], "{statuses:?}");
        assert_eq!(statuses[5..], [429; 7], "{statuses:?}");
        assert_eq!(evil.gets().len(), 5, "{:?}", evil.gets());

        // A key that could not be fetched is not fetched again soon, whoever names it.
        let actor = evil.url("/k/0");
        let (status, _) = post_signed(
            &elsewhere.client(),
            &inbox,
            &follow(&format!("{actor}/follow-again"), &actor, &marie),
            &format!("{actor}#key"),
            &forged.signing(),
        )
        .await;
        assert_eq!(status, 401);
        assert_eq!(evil.gets().len(), 5, "{:?}", evil.gets());

        // Another address is not held back by the first one's flood.
        let victim = evil.serve_actor("victim", real);
        let (status, body) = post_signed(
            &elsewhere.client(),
            &inbox,
            &follow(&evil.url("/activities/f"), &victim, &marie),
            &format!("{victim}#main-key"),
            &real.signing(),
        )
        .await;
        assert_eq!(status, 202, "{body}");
    }
);

both_backends!(
    the_inbox_limits_a_sending_address_whatever_keys_it_claims,
    |backend| async move {
        let alpha = town(backend, |s| s.federation.inbox_per_minute = 10).await;
        let evil = Hostile::start(EVIL, EVIL_IP).await;
        let elsewhere = Hostile::start(ELSEWHERE, ELSEWHERE_IP).await;
        let [_, forged] = keys();
        let inbox = alpha.url("/inbox");
        let mut statuses = vec![];
        for i in 0..12 {
            // A claimed key on a different host each time: no fresh quota for it.
            let actor = format!("http://host-{i}.hostile.test/users/a");
            let (status, _) = post_signed(
                &evil.client(),
                &inbox,
                &follow(&format!("{actor}/f"), &actor, &alpha.url("/users/marie")),
                &format!("{actor}#key"),
                &forged.signing(),
            )
            .await;
            statuses.push(status);
        }
        assert!(statuses[..10].iter().all(|s| *s != 429), "{statuses:?}");
        assert_eq!(statuses[10..], [429; 2], "{statuses:?}");
        let (status, _) = post_signed(
            &elsewhere.client(),
            &inbox,
            &follow(
                "http://x.hostile.test/f",
                "http://x.hostile.test/a",
                &alpha.url("/users/marie"),
            ),
            "http://x.hostile.test/a#key",
            &forged.signing(),
        )
        .await;
        assert_ne!(status, 429, "another address has its own quota");
    }
);

/// Blocks `actor` from the commune `belleville` in the database, and restarts so the policy is read again.
async fn block_from_commune(alpha: &mut TestInstance, actor: &str) {
    let actor = actor.to_string();
    alpha
        .db
        .run(move |c| {
            use parvis::model::schema::{actors, remote_blocks};
            let commune: i64 = actors::table
                .filter(actors::username.eq("belleville"))
                .select(actors::id)
                .first(c)?;
            diesel::insert_into(remote_blocks::table)
                .values((
                    remote_blocks::actor_ap_id.eq(actor),
                    remote_blocks::commune_id.eq(Some(commune)),
                    remote_blocks::created_at.eq(chrono::Utc::now().naive_utc()),
                ))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    alpha.restart().await;
}

both_backends!(
    the_policy_applies_to_the_signer_and_every_way_into_a_commune,
    |backend| async move {
        let mut alpha = town(backend, |s| {
            s.federation.authorized_fetch = true;
            s.federation.blocked_domains = vec![EVIL.into()];
        })
        .await;
        let evil = Hostile::start(EVIL, EVIL_IP).await;
        let elsewhere = Hostile::start(ELSEWHERE, ELSEWHERE_IP).await;
        let [real, forged] = keys();

        // An actor of a blocked server, stored (before the block) with its key id on an allowed server, reads
        // nothing: the policy applies to the signer's server, not only to the key's.
        let blocked_actor = evil.url("/users/reader");
        let key_id = elsewhere.url("/keys/reader");
        let (actor, key) = (blocked_actor.clone(), key_id.clone());
        let pem = forged.public_pem.clone();
        let domain = evil.base.trim_start_matches("http://").to_string();
        alpha
            .db
            .run(move |c| {
                diesel::insert_into(remote_actors::table)
                    .values((
                        remote_actors::ap_id.eq(&actor),
                        remote_actors::kind.eq("Person"),
                        remote_actors::domain.eq(domain),
                        remote_actors::username.eq("reader"),
                        remote_actors::display_name.eq("reader"),
                        remote_actors::inbox.eq(format!("{actor}/inbox")),
                        remote_actors::key_id.eq(key),
                        remote_actors::public_key_pem.eq(pem),
                        remote_actors::manually_approves_followers.eq(false),
                        remote_actors::fetched_at.eq(chrono::Utc::now().naive_utc()),
                    ))
                    .execute(c)?;
                Ok(())
            })
            .await
            .unwrap();
        let client = elsewhere.client();
        let marie = alpha.url("/users/marie");
        let status = get_signed(&client, &marie, &key_id, &forged.signing()).await;
        assert!(
            status == 401 || status == 403,
            "a blocked server's actor read marie: {status}"
        );

        // A blocked account opens no debate in the commune by addressing it (audience, to, cc).
        alpha
            .db
            .run(|c| {
                use parvis::model::schema::{actors, communes};
                let commune: i64 = actors::table
                    .filter(actors::username.eq("belleville"))
                    .select(actors::id)
                    .first(c)?;
                diesel::update(communes::table.filter(communes::actor_id.eq(commune)))
                    .set(communes::debate_openers.eq("everyone"))
                    .execute(c)?;
                Ok(())
            })
            .await
            .unwrap();
        let bob = elsewhere.serve_actor("bob", real);
        let commune = alpha.url("/communes/belleville");
        let inbox = alpha.url("/inbox");
        let page = |n: u32, field: &str| {
            let mut page = json!({
                "id": elsewhere.url(&format!("/pages/{n}")), "type": "Page", "attributedTo": bob,
                "name": "Un débat", "content": "<p>Ouvert par quelqu'un de bloqué</p>",
            });
            page[field] = json!(commune);
            json!({"id": elsewhere.url(&format!("/create/{n}")), "type": "Create", "actor": bob,
                   "to": ["https://www.w3.org/ns/activitystreams#Public"], "object": page})
        };
        // Before the block, bob may (the same activity is accepted): the refusal below is the block's.
        let (status, body) = post_signed(
            &client,
            &inbox,
            &page(0, "audience"),
            &format!("{bob}#main-key"),
            &real.signing(),
        )
        .await;
        assert_eq!(status, 202, "{body}");
        let debates_before = count(&alpha, "debates").await;
        assert_eq!(debates_before, 1);
        block_from_commune(&mut alpha, &bob).await;
        for (n, field) in [(1, "audience"), (2, "to"), (3, "cc")] {
            let (status, body) = post_signed(
                &client,
                &inbox,
                &page(n, field),
                &format!("{bob}#main-key"),
                &real.signing(),
            )
            .await;
            assert_eq!(status, 403, "{field}: {body}");
        }
        assert_eq!(count(&alpha, "debates").await, debates_before);
        let (status, _) = post_signed(
            &client,
            &inbox,
            &follow(&elsewhere.url("/f/1"), &bob, &commune),
            &format!("{bob}#main-key"),
            &real.signing(),
        )
        .await;
        assert_eq!(status, 403, "a follow of the commune");
    }
);

async fn count(alpha: &TestInstance, table: &'static str) -> i64 {
    alpha
        .db
        .run(move |c| {
            Ok(match table {
                "debates" => debates::table.count().get_result(c)?,
                "reports" => reports::table.count().get_result(c)?,
                _ => unreachable!(),
            })
        })
        .await
        .unwrap()
}

both_backends!(
    a_flag_opens_reports_on_public_posts_only,
    |backend| async move {
        let alpha = town(backend, |_| {}).await;
        let evil = Hostile::start(EVIL, EVIL_IP).await;
        let [real, _] = keys();
        let token = parvis::civic::tokens::create_token(&alpha.db, "marie")
            .await
            .unwrap();
        let mut posts = vec![];
        for visibility in ["public", "unlisted", "private"] {
            let (status, body) = alpha
                .api_post(
                    "/api/v1/statuses",
                    &token,
                    json!({"status": format!("Un message {visibility}"), "visibility": visibility}),
                )
                .await;
            assert_eq!(status, 200, "{body}");
            posts.push(body["uri"].as_str().unwrap().to_string());
        }
        let reporter = evil.serve_actor("mod", real);
        let mut object = vec![json!(alpha.url("/users/marie"))];
        object.extend(posts.iter().map(|p| json!(p)));
        let (status, body) = post_signed(
            &evil.client(),
            &alpha.url("/inbox"),
            &json!({"id": evil.url("/flags/1"), "type": "Flag", "actor": reporter,
                    "content": "Spam", "object": object}),
            &format!("{reporter}#main-key"),
            &real.signing(),
        )
        .await;
        assert_eq!(status, 202, "{body}");
        let reported: Vec<Option<String>> = alpha
            .db
            .run(|c| {
                Ok(reports::table
                    .left_join(notes::table.on(reports::note_id.eq(notes::id.nullable())))
                    .select(notes::content.nullable())
                    .load(c)?)
            })
            .await
            .unwrap();
        let texts: Vec<String> = reported.into_iter().flatten().collect();
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(
            texts.iter().any(|t| t.contains("public"))
                && texts.iter().any(|t| t.contains("unlisted")),
            "{texts:?}"
        );
    }
);

both_backends!(
    a_post_that_does_not_sign_its_host_is_refused,
    |backend| async move {
        use base64::Engine;
        use rsa::pkcs8::DecodePrivateKey;
        use rsa::signature::{SignatureEncoding, Signer};
        let alpha = town(backend, |_| {}).await;
        let evil = Hostile::start(EVIL, EVIL_IP).await;
        let [real, _] = keys();
        let victim = evil.serve_actor("victim", real);
        let inbox = alpha.url("/inbox");
        let body = serde_json::to_vec(&follow(
            &evil.url("/f/nohost"),
            &victim,
            &alpha.url("/users/marie"),
        ))
        .unwrap();
        let date = httpdate::fmt_http_date(std::time::SystemTime::now());
        let digest = format!(
            "SHA-256={}",
            base64::engine::general_purpose::STANDARD
                .encode(<sha2::Sha256 as sha2::Digest>::digest(&body))
        );
        let signed = format!("(request-target): post /inbox\ndate: {date}\ndigest: {digest}");
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(&real.private_pem).unwrap();
        let signature = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key).sign(signed.as_bytes());
        let header = format!(
            "keyId=\"{victim}#main-key\",algorithm=\"rsa-sha256\",headers=\"(request-target) date digest\",signature=\"{}\"",
            base64::engine::general_purpose::STANDARD.encode(signature.to_bytes())
        );
        let response = evil
            .client()
            .post(&inbox)
            .header("content-type", "application/activity+json")
            .header("date", date)
            .header("digest", digest)
            .header("signature", header)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        let answer: Value = response.json().await.unwrap();
        assert!(
            answer["message"].as_str().unwrap().contains("`host`"),
            "{answer}"
        );
        assert_eq!(stored(&alpha).await.2, 0);
    }
);

both_backends!(
    a_stranger_cannot_lock_an_owner_out_of_login,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        crate::web::person(&alpha, "marie", Role::Official).await;
        let home: std::net::IpAddr = [127, 0, 0, 40].into();
        let stranger: std::net::IpAddr = [127, 0, 0, 41].into();
        let another: std::net::IpAddr = [127, 0, 0, 42].into();
        WebClient::from_address(&alpha, home)
            .login("marie", crate::web::PASSWORD)
            .await;
        // A stranger guesses until held back.
        let mut guesser = WebClient::from_address(&alpha, stranger);
        let mut statuses = vec![];
        for _ in 0..15 {
            let page = guesser
                .submit(
                    "/login",
                    "/login",
                    &[("username", "marie"), ("password", "wrong guess")],
                )
                .await;
            statuses.push(page.status);
        }
        // Ten tries for the account in all, marie's own sign-in being the first.
        assert_eq!(statuses[..9], [401; 9], "{statuses:?}");
        assert_eq!(statuses[9..], [429; 6], "{statuses:?}");
        // A second stranger is held by the account's limit at once…
        let page = WebClient::from_address(&alpha, another)
            .submit(
                "/login",
                "/login",
                &[("username", "marie"), ("password", "wrong guess")],
            )
            .await;
        assert_eq!(page.status, 429);
        // … but marie, where she signed in before, still gets in.
        WebClient::from_address(&alpha, home)
            .login("marie", crate::web::PASSWORD)
            .await;
    }
);

both_backends!(
    api_errors_name_the_problem_without_internal_detail,
    |backend| async move {
        let alpha = TestInstance::start_with(backend, |s| {
            s.federation
                .allowed_hosts
                .push(crate::support::network::GONE.into());
            s.federation.static_hosts.insert(
                crate::support::network::GONE.into(),
                crate::support::network::GONE_IP,
            );
        })
        .await;
        let token = account(&alpha, "belleville", "paul", Role::Citizen).await;
        for (acct, expected) in [
            ("https://127.0.0.9/users/x", "the address is not allowed"),
            ("@x@127.0.0.9", "the address is not allowed"),
            (
                "https://gone.parvis.test/users/x",
                "the remote server could not be reached",
            ),
        ] {
            let (status, body) = alpha
                .api_get(
                    &format!("/api/v1/accounts/lookup?acct={}", urlencode(acct)),
                    &token,
                )
                .await;
            assert_eq!(status, 502, "{acct}: {body}");
            // Mastodon's shape: the sentence is `error`.
            assert_eq!(body["error"], expected, "{acct}: {body}");
            assert_eq!(body["code"], "bad_gateway", "{acct}: {body}");
        }
    }
);

/// A remote actor row as an older version stored it.
fn old_row(ap_id: &str, key_id: &str, inbox: &str) -> String {
    let domain = url::Url::parse(ap_id).unwrap();
    let domain = match domain.port() {
        Some(p) => format!("{}:{p}", domain.host_str().unwrap()),
        None => domain.host_str().unwrap().to_string(),
    };
    format!(
        "INSERT INTO remote_actors (ap_id, kind, domain, username, display_name, inbox, key_id, \
         public_key_pem, manually_approves_followers, fetched_at) VALUES ('{ap_id}', 'Person', '{domain}', 'x', \
         'x', '{inbox}', '{key_id}', 'PEM', FALSE, '2026-11-30 10:00:00')"
    )
}

both_backends!(
    the_provenance_migration_cleans_poisoned_rows,
    |backend| async move {
        let (db, _settings, _dir) = crate::support::instance::database(backend);
        let reverted = db.revert_through("2026-12-06-000012_provenance").unwrap();
        let h = "https://h.example";
        db.run(move |c| {
            for row in [
                old_row(&format!("{h}/users/clean"), &format!("{h}/users/clean#main-key"), &format!("{h}/users/clean/inbox")),
                // Two actors claiming one key id (one squatting the other's).
                old_row(&format!("{h}/users/owner"), &format!("{h}/users/owner#main-key"), &format!("{h}/users/owner/inbox")),
                old_row(&format!("{h}/users/squatter"), &format!("{h}/users/owner#main-key"), &format!("{h}/users/squatter/inbox")),
                // A planted key, an inbox on another server.
                old_row(&format!("{h}/users/planted"), &format!("{h}/uploads/x.json#key"), &format!("{h}/users/planted/inbox")),
                old_row(&format!("{h}/users/liar"), &format!("{h}/users/liar#main-key"), "https://elsewhere.example/inbox"),
            ] {
                diesel::sql_query(row).execute(c)?;
            }
            diesel::sql_query(format!(
                "INSERT INTO remote_keys (key_id, remote_actor_id, public_key_multibase) \
                 SELECT '{h}/users/liar#ed', id, 'z' FROM remote_actors WHERE ap_id = '{h}/users/liar'"
            ))
            .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(
            db.migrate().unwrap(),
            reverted,
            "the migration runs on duplicates"
        );
        let rows: Vec<(String, String, bool)> = db
            .run(|c| {
                Ok(remote_actors::table
                    .order(remote_actors::ap_id)
                    .select((
                        remote_actors::ap_id,
                        remote_actors::key_id,
                        remote_actors::needs_refetch,
                    ))
                    .load(c)?)
            })
            .await
            .unwrap();
        let flagged: Vec<&str> = rows
            .iter()
            .filter(|(_, _, f)| *f)
            .map(|(a, _, _)| a.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(
            flagged,
            ["liar", "owner", "planted", "squatter"],
            "{rows:?}"
        );
        for (ap_id, key_id, flagged) in &rows {
            if *flagged {
                assert!(
                    key_id.starts_with("urn:parvis:detached:"),
                    "{ap_id}: {key_id}"
                );
            } else {
                assert_eq!(key_id, &format!("{ap_id}#main-key"));
            }
        }
        let keys: i64 = db
            .run(|c| Ok(remote_keys::table.count().get_result(c)?))
            .await
            .unwrap();
        assert_eq!(keys, 0, "the flagged actor's other keys are detached too");
    }
);

both_backends!(
    flagged_actors_are_fetched_again_before_they_are_trusted,
    |backend| async move {
        let mut alpha = town(backend, |_| {}).await;
        let evil = Hostile::start(EVIL, EVIL_IP).await;
        let [real, forged] = keys();
        let honest = evil.serve_actor("honest", real);
        let gone = evil.url("/users/gone");
        let mut liar = evil.actor("liar", forged);
        liar["inbox"] = json!("https://elsewhere.example/inbox");
        evil.serve("/users/liar", &liar);
        let liar_id = evil.url("/users/liar");
        let (a, b, c) = (honest.clone(), gone.clone(), liar_id.clone());
        let domain = evil.base.trim_start_matches("http://").to_string();
        alpha
            .db
            .run(move |conn| {
                for (i, ap_id) in [a, b, c].iter().enumerate() {
                    diesel::insert_into(remote_actors::table)
                        .values((
                            remote_actors::ap_id.eq(ap_id),
                            remote_actors::kind.eq("Person"),
                            remote_actors::domain.eq(&domain),
                            remote_actors::username.eq("x"),
                            remote_actors::display_name.eq("x"),
                            remote_actors::inbox.eq("https://elsewhere.example/inbox"),
                            remote_actors::key_id.eq(format!("urn:parvis:detached:{i}")),
                            remote_actors::public_key_pem.eq(""),
                            remote_actors::manually_approves_followers.eq(false),
                            remote_actors::fetched_at.eq(chrono::Utc::now().naive_utc()),
                            remote_actors::needs_refetch.eq(true),
                        ))
                        .execute(conn)?;
                }
                Ok(())
            })
            .await
            .unwrap();
        // Fetched again when the server starts.
        alpha.restart().await;
        let left = eventually(
            "the flagged actors fetched again",
            Duration::from_secs(30),
            || {
                let db = alpha.db.clone();
                async move {
                    let rows: Vec<(String, bool, String)> = db
                        .run(|c| {
                            Ok(remote_actors::table
                                .order(remote_actors::ap_id)
                                .select((
                                    remote_actors::ap_id,
                                    remote_actors::needs_refetch,
                                    remote_actors::inbox,
                                ))
                                .load(c)?)
                        })
                        .await
                        .unwrap();
                    (rows.len() == 2 && rows.iter().any(|(_, flagged, _)| !flagged)).then_some(rows)
                }
            },
        )
        .await;
        assert_eq!(
            left,
            vec![
                (honest.clone(), false, format!("{honest}/inbox")),
                (liar_id, true, "https://elsewhere.example/inbox".to_string()),
            ],
            "the honest one is trusted again with its own inbox, the gone one forgotten, the liar still not"
        );
        assert!(!left.iter().any(|(a, _, _)| a == &gone));
    }
);
