//! The commune's newsletter: a visitor subscribes and confirms by the link in the mail (double opt-in), an
//! account ticks the box, the mayor writes an issue (previewed, sent to herself as a test, then sent); the
//! subscribers get it by mail (MailDev) with a one-click unsubscribe, the peer and a follower on beta get the
//! commune's `Article`; and an issue to 1,000 subscribers survives the SMTP server going down half-way.

use std::collections::BTreeMap;
use std::time::Duration;

use diesel::prelude::*;
use serde_json::Value;

use crate::addresses::link_in;
use crate::federation::eventually;
use crate::notices::confirmed;
use crate::support::both_backends;
use crate::support::debates::people;
use crate::support::instance::TestInstance;
use crate::support::maildev::MailDev;
use crate::support::peer::assert_signed_by;
use crate::support::web::WebClient;
use crate::web::signed_in;
use parvis::model::schema::{mail_queue, newsletter_subscribers};

const WAIT: Duration = Duration::from_secs(30);
const LIST: &str = "/communes/ville/newsletter";

fn to(address: &str) -> impl Fn(&Value) -> bool + '_ {
    move |m: &Value| m["envelope"]["to"][0]["address"] == address
}

fn subject_has<'a>(address: &'a str, words: &'a str) -> impl Fn(&Value) -> bool + 'a {
    move |m: &Value| to(address)(m) && m["subject"].as_str().unwrap_or("").contains(words)
}

/// The `List-Unsubscribe` link of a message, read from its source.
async fn unsubscribe_link(maildev: &MailDev, message: &Value) -> String {
    let source = maildev.source(message).await;
    assert!(
        source.contains("\nList-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{source}"
    );
    source
        .split("\nList-Unsubscribe: <")
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .unwrap_or_else(|| panic!("no List-Unsubscribe: {source}"))
        .to_string()
}

/// Waits until the page at `path`, as `client` sees it, shows `text`.
async fn until_shown(client: &mut WebClient, path: &str, text: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let page = client.get(path).await;
        if page.has(text) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{path} never showed {text:?}: {}",
            page.body
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Writes (and saves) an issue as `writer`; returns its edit path.
async fn write(writer: &mut WebClient, title: &str, body: &str) -> String {
    let page = writer
        .submit(
            "/newsletters/new",
            "/newsletters/new",
            &[("title", title), ("text", body), ("action", "save")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    page.location.unwrap()
}

both_backends!(
    a_newsletter_goes_to_confirmed_subscribers_by_mail_and_to_the_communes_followers_as_an_article,
    |backend| async move {
        use crate::support::network::{ALPHA, BETA, Network};
        let maildev = MailDev::start();
        let smtp = maildev.smtp_url();
        let net = Network::new();
        let alpha = net
            .instance(backend, ALPHA, move |s| {
                s.email.smtp_url = smtp;
                s.email.from = "Mairie <mairie@ville.example>".into();
            })
            .await;
        let beta = net.instance(backend, BETA, |_| {}).await;
        people(&alpha).await;
        for user in ["marie", "karim"] {
            confirmed(&alpha, user).await;
        }
        let peer = crate::fedify::peer(&net);
        let (_, _bob) =
            crate::proposals::commune_followed_from_beta_and_the_peer(&alpha, &beta, &peer).await;

        // A visitor subscribes: a malformed address is refused on the form, a good one gets a link.
        let mut visitor = WebClient::new(&alpha);
        let page = visitor
            .submit(LIST, LIST, &[("email", "pas une adresse")])
            .await;
        assert_eq!(page.status, 422, "{}", page.body);
        assert!(page.has("field-error"), "{}", page.body);
        let reader = "lecteur@exemple.org";
        let page = visitor.submit(LIST, LIST, &[("email", reader)]).await;
        assert_eq!(page.status, 303, "{}", page.body);
        // Asking again within the hour is answered the same, and sends nothing more (counted below).
        let page = visitor
            .submit(LIST, LIST, &[("email", "  LECTEUR@exemple.org ")])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let asked = maildev
            .wait_for(1, WAIT, subject_has(reader, "confirmez votre abonnement"))
            .await;
        let confirm = link_in(&asked[0], "/newsletter/confirm");
        // A forged link gets a clear page; the real one shows a button (mail scanners confirm nothing).
        let forged = visitor.get("/newsletter/confirm?token=forged").await;
        assert_eq!(forged.status, 200, "the page with its button");
        let page = visitor
            .submit(
                "/newsletter/confirm?token=forged",
                "/newsletter/confirm",
                &[("token", "forged")],
            )
            .await;
        assert_eq!(page.status, 404, "{}", page.body);
        let path = confirm.trim_start_matches(&alpha.base);
        let token = path.split("token=").nth(1).unwrap().to_string();
        let page = visitor
            .submit(path, "/newsletter/confirm", &[("token", &token)])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(page.location.as_deref(), Some(LIST));
        // Someone else gives an address and never confirms it: nothing but the link goes there.
        let unconfirmed = "distrait@exemple.org";
        let page = WebClient::new(&alpha)
            .submit(LIST, LIST, &[("email", unconfirmed)])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);

        // Karim (a confirmed address) ticks the box; Léa ticks it too, but has no address: nothing for her.
        let mut karim = signed_in(&alpha, "karim").await;
        let page = karim
            .submit(LIST, "/settings/newsletter", &[("subscribed", "on")])
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert!(karim.get(LIST).await.has("Vous recevez la lettre"));
        let mut lea = signed_in(&alpha, "lea").await;
        lea.submit(LIST, "/settings/newsletter", &[("subscribed", "on")])
            .await;
        // A citizen does not write the newsletter.
        assert_eq!(karim.get("/newsletters/new").await.status, 403);
        let csrf = karim.get(LIST).await.csrf();
        let page = karim
            .post(
                "/newsletters/new",
                &[
                    ("csrf", &csrf),
                    ("title", "Faux"),
                    ("text", "Faux"),
                    ("action", "send"),
                ],
            )
            .await;
        assert_eq!(page.status, 403, "{}", page.body);

        // The mayor writes: a title on two lines is refused; HTML in the text is not kept.
        let mut marie = signed_in(&alpha, "marie").await;
        let form = marie.get("/newsletters/new").await;
        assert!(form.has("Envoyer à 2 abonnés"), "{}", form.body);
        let page = marie
            .post(
                "/newsletters/new",
                &[
                    ("csrf", &form.csrf()),
                    ("title", "Juin\r\nBcc: tous@exemple.org"),
                    ("text", "x"),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(page.status, 422, "{}", page.body);
        let edit = write(
            &mut marie,
            "Lettre de juin <script>x()</script>",
            "Les travaux de la **place** commencent lundi.\n\n<script>alert(1)</script>",
        )
        .await;
        let id = edit.split('/').nth(2).unwrap().to_string();
        let public = format!("/newsletters/{id}");
        let preview = marie.get(&edit).await;
        assert!(preview.has("<strong>place</strong>"), "{}", preview.body);
        assert!(
            !preview.has("<script>alert") && !preview.has("<script>x()"),
            "{}",
            preview.body
        );
        // A draft is nobody else's business.
        assert_eq!(WebClient::new(&alpha).get(&public).await.status, 404);
        assert_eq!(karim.get(&edit).await.status, 403);
        let fetched = peer
            .control_get(&format!("/fetch?url={}", alpha.url(&public)))
            .await;
        assert_eq!(fetched["status"], 404, "{fetched}");

        // A test goes to the mayor alone.
        let page = marie
            .submit(
                &edit,
                &edit,
                &[
                    ("title", "Lettre de juin <script>x()</script>"),
                    ("text", "Les travaux de la **place** commencent lundi."),
                    ("action", "test"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let test = maildev
            .wait_for(
                1,
                WAIT,
                subject_has("marie@ville.example", "[Test] Lettre de juin"),
            )
            .await;
        // It says it is a test, and ends no subscription.
        assert!(
            test[0]["text"]
                .as_str()
                .unwrap()
                .contains("Ceci est un essai"),
            "{}",
            test[0]
        );
        assert!(!maildev.source(&test[0]).await.contains("List-Unsubscribe"));

        // Sent: to the confirmed visitor and to Karim, once each.
        let page = marie
            .submit(
                &edit,
                &edit,
                &[
                    ("title", "Lettre de juin <script>x()</script>"),
                    ("text", "Les travaux de la **place** commencent lundi."),
                    ("action", "send"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let letters = maildev
            .wait_for(2, WAIT, |m| {
                m["subject"] == "Lettre de juin <script>x()</script>"
            })
            .await;
        let mut addressed: Vec<&str> = letters
            .iter()
            .map(|m| m["envelope"]["to"][0]["address"].as_str().unwrap())
            .collect();
        addressed.sort();
        assert_eq!(addressed, ["karim@ville.example", reader]);
        let letter = letters.iter().find(|m| to(reader)(m)).unwrap();
        let html = letter["html"].as_str().unwrap();
        assert!(html.contains("<strong>place</strong>"), "{html}");
        assert!(
            html.contains("Lettre de juin &lt;script&gt;") && !html.contains("<script>"),
            "{html}"
        );
        assert!(
            letter["text"]
                .as_str()
                .unwrap()
                .contains(&alpha.url(&public)),
            "{letter}"
        );
        // The visitor's confirmation was mailed once, though the form was used twice.
        let confirmations = maildev
            .emails()
            .await
            .into_iter()
            .filter(subject_has(reader, "confirmez"))
            .count();
        assert_eq!(confirmations, 1);

        // The issue is public, and the mayor sees what became of its messages.
        let page = WebClient::new(&alpha).get(&public).await;
        assert_eq!(page.status, 200);
        assert!(page.has("Lettre de juin &lt;script&gt;"), "{}", page.body);
        assert!(page.has("og:title"), "{}", page.body);
        until_shown(
            &mut marie,
            LIST,
            "envoyés : 2, en échec : 0, en attente : 0",
        )
        .await;
        // It is sent once, and not changed afterwards.
        let page = marie
            .submit(
                LIST,
                &edit,
                &[("title", "Autre"), ("text", "Autre"), ("action", "send")],
            )
            .await;
        assert_eq!(page.status, 409, "{}", page.body);

        // The peer gets the commune's Create(Article), signed by the commune, and can fetch it at its id.
        let commune = alpha.url("/communes/ville");
        let created = peer
            .wait_for_inbox(
                |a| a["type"] == "Create" && a["object"]["type"] == "Article",
                WAIT,
            )
            .await;
        assert_signed_by(&created, commune.as_str());
        let article = &created["object"];
        assert_eq!(article["id"], alpha.url(&public).as_str());
        assert_eq!(article["attributedTo"], commune.as_str());
        assert_eq!(article["name"], "Lettre de juin <script>x()</script>");
        assert_eq!(
            article["summary"],
            "Les travaux de la place commencent lundi."
        );
        assert_eq!(article["url"], alpha.url(&public).as_str());
        let fetched = peer
            .control_get(&format!("/fetch?url={}", alpha.url(&public)))
            .await;
        assert_eq!(fetched["status"], 200, "{fetched}");
        assert_eq!(fetched["json"]["type"], "Article", "{fetched}");
        assert_eq!(
            fetched["json"]["source"]["content"],
            "Les travaux de la **place** commencent lundi."
        );

        // On beta, Bob follows the commune: the issue is among his posts, as Mastodon shows an article.
        let token = parvis::civic::tokens::create_token(&beta.db, "bob")
            .await
            .unwrap();
        let post = eventually("the issue in bob's home timeline on beta", WAIT, || async {
            let (status, timeline) = beta.api_get("/api/v1/timelines/home", &token).await;
            assert_eq!(status, 200, "{timeline}");
            timeline
                .as_array()?
                .iter()
                .find(|s| s["uri"] == alpha.url(&public).as_str())
                .cloned()
        })
        .await;
        let content = post["content"].as_str().unwrap();
        assert!(
            content.contains("<strong>Lettre de juin &lt;script&gt;x()&lt;/script&gt;</strong>")
                && content.contains("Les travaux de la place commencent lundi.")
                && content.contains(&format!("href=\"{}\"", alpha.url(&public))),
            "{content}"
        );

        // One click unsubscribes without signing in (RFC 8058); the link works once; a forged one is refused.
        let link = unsubscribe_link(&maildev, letter).await;
        assert!(
            link.starts_with(&alpha.url("/newsletter/unsubscribe?")),
            "{link}"
        );
        let client = alpha.client();
        let click = || {
            client
                .post(&link)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("List-Unsubscribe=One-Click")
                .send()
        };
        assert_eq!(click().await.unwrap().status(), 200);
        assert_eq!(click().await.unwrap().status(), 404);
        let forged = client
            .post(alpha.url("/newsletter/unsubscribe?token=forged"))
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 404);
        let kept: i64 = alpha
            .db
            .run(move |c| {
                Ok(newsletter_subscribers::table
                    .filter(newsletter_subscribers::email.eq(reader))
                    .count()
                    .get_result(c)?)
            })
            .await
            .unwrap();
        assert_eq!(kept, 0, "the visitor's address is gone");

        // The next issue goes to Karim alone.
        let edit = write(&mut marie, "Lettre de juillet", "Le marché revient.").await;
        let page = marie
            .submit(
                &edit,
                &edit,
                &[
                    ("title", "Lettre de juillet"),
                    ("text", "Le marché revient."),
                    ("action", "send"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert!(marie.get(&edit).await.has("Envoyé à une adresse"));
        maildev
            .wait_for(
                1,
                WAIT,
                subject_has("karim@ville.example", "Lettre de juillet"),
            )
            .await;
        // By then both issues have left: the address never confirmed got neither.
        let to_unconfirmed: Vec<Value> = maildev
            .emails()
            .await
            .into_iter()
            .filter(to(unconfirmed))
            .collect();
        assert_eq!(
            to_unconfirmed.len(),
            1,
            "the link alone: {to_unconfirmed:?}"
        );
    }
);

both_backends!(
    an_issue_to_a_thousand_subscribers_reaches_each_once_though_the_smtp_server_stops_half_way,
    |backend| async move {
        const READERS: usize = 1000;
        let mut maildev = MailDev::start();
        let smtp = maildev.smtp_url();
        let alpha = TestInstance::start_with(backend, move |s| {
            s.email.smtp_url = smtp;
            s.email.from = "Mairie <mairie@ville.example>".into();
            s.email.per_minute = 100_000;
            s.email.retry_base_secs = 1;
        })
        .await;
        people(&alpha).await;
        let commune = alpha
            .db
            .run(|c| {
                Ok(parvis::db::queries::actor_of_kind(
                    c,
                    parvis::model::ActorKind::Commune,
                    "ville",
                )?
                .unwrap()
                .id)
            })
            .await
            .unwrap();
        alpha
            .db
            .transaction(move |c| {
                let at = chrono::Utc::now().naive_utc();
                for n in 0..READERS {
                    diesel::insert_into(newsletter_subscribers::table)
                        .values((
                            newsletter_subscribers::commune_id.eq(commune),
                            newsletter_subscribers::email.eq(Some(format!("h{n}@ville.example"))),
                            newsletter_subscribers::language.eq("fr"),
                            newsletter_subscribers::token.eq(format!("token-{n}")),
                            newsletter_subscribers::created_at.eq(at),
                            newsletter_subscribers::asked_at.eq(at),
                            newsletter_subscribers::confirmed_at.eq(Some(at)),
                        ))
                        .execute(c)?;
                }
                Ok(())
            })
            .await
            .unwrap();
        let mut marie = signed_in(&alpha, "marie").await;
        let edit = write(&mut marie, "Grande lettre", "Pour tout le monde.").await;
        let page = marie
            .submit(
                &edit,
                &edit,
                &[
                    ("title", "Grande lettre"),
                    ("text", "Pour tout le monde."),
                    ("action", "send"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);

        // Stopped once part of the issue is out (counted in the queue: polling MailDev's list would slow it).
        let sent = |db: parvis::db::Database| async move {
            db.run(|c| {
                Ok(mail_queue::table
                    .filter(mail_queue::newsletter_id.is_not_null())
                    .filter(mail_queue::sent_at.is_not_null())
                    .count()
                    .get_result::<i64>(c)?)
            })
            .await
            .unwrap()
        };
        let started = std::time::Instant::now();
        eventually("a quarter of the issue sent", WAIT, || async {
            (sent(alpha.db.clone()).await >= READERS as i64 / 4).then_some(())
        })
        .await;
        maildev.stop();
        eprintln!(
            "{} sent in {:?}",
            sent(alpha.db.clone()).await,
            started.elapsed()
        );
        // The queue sees the server down: the failed attempt is recorded, nothing is given up.
        eventually("a failed attempt recorded", WAIT, || async {
            let (errors, failed): (i64, i64) = alpha
                .db
                .run(|c| {
                    let errors = mail_queue::table
                        .filter(mail_queue::newsletter_id.is_not_null())
                        .filter(mail_queue::sent_at.is_null())
                        .filter(mail_queue::last_error.is_not_null())
                        .count()
                        .get_result(c)?;
                    let failed = mail_queue::table
                        .filter(mail_queue::failed_at.is_not_null())
                        .count()
                        .get_result(c)?;
                    Ok((errors, failed))
                })
                .await
                .unwrap();
            assert_eq!(failed, 0, "nothing is given up while the server is down");
            (errors > 0).then_some(())
        })
        .await;
        let sent_before = sent(alpha.db.clone()).await;
        assert!(
            (1..READERS as i64).contains(&sent_before),
            "stopped half-way: {sent_before} sent"
        );
        maildev.resume();
        eventually("the whole issue sent", Duration::from_secs(120), || async {
            (sent(alpha.db.clone()).await == READERS as i64).then_some(())
        })
        .await;
        eprintln!("all sent in {:?}", started.elapsed());

        // Every subscriber gets it; a message the server took as it stopped may come twice, no more.
        let all = maildev
            .wait_for(READERS, WAIT, |m| m["subject"] == "Grande lettre")
            .await;
        let mut per_reader: BTreeMap<String, usize> = BTreeMap::new();
        for m in &all {
            *per_reader
                .entry(
                    m["envelope"]["to"][0]["address"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                )
                .or_default() += 1;
        }
        assert_eq!(per_reader.len(), READERS, "every subscriber");
        let duplicates: usize = per_reader.values().map(|n| n - 1).sum();
        assert!(duplicates <= 1, "{duplicates} duplicates");
        until_shown(
            &mut marie,
            LIST,
            "envoyés : 1000, en échec : 0, en attente : 0",
        )
        .await;
    }
);
