//! The notification centre by mail (MailDev): a reply is mailed at once with a one-click unsubscribe link
//! (RFC 8058) that works without signing in; a new follower waits for the next morning's digest (a simulated
//! clock); the settings choose per topic; the notifications page shows everything.

use std::time::Duration;

use diesel::prelude::*;
use serde_json::Value;

use crate::support::both_backends;
use crate::support::debates::{comment_id, open_debate, people};
use crate::support::instance::TestInstance;
use crate::support::maildev::MailDev;
use crate::web::signed_in;
use parvis::model::schema::{accounts, actors};

const WAIT: Duration = Duration::from_secs(30);

/// Gives an account a confirmed address (the confirmation itself is tested in `addresses`).
pub(crate) async fn confirmed(alpha: &TestInstance, user: &'static str) {
    alpha
        .db
        .run(move |c| {
            let id: parvis::ids::ActorId = actors::table
                .filter(actors::username.eq(user))
                .select(actors::id)
                .first(c)?;
            diesel::update(accounts::table.find(id))
                .set((
                    accounts::email.eq(Some(format!("{user}@ville.example"))),
                    accounts::email_confirmed_at.eq(Some(chrono::Utc::now().naive_utc())),
                ))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
}

fn to(user: &'static str) -> impl Fn(&Value) -> bool {
    move |m: &Value| m["envelope"]["to"][0]["address"] == format!("{user}@ville.example")
}

fn about(user: &'static str, words: &'static str) -> impl Fn(&Value) -> bool {
    move |m: &Value| to(user)(m) && m["subject"].as_str().unwrap_or("").contains(words)
}

both_backends!(
    replies_are_mailed_at_once_followers_next_morning_and_unsubscribing_needs_no_sign_in,
    |backend| async move {
        let maildev = MailDev::start();
        let url = maildev.smtp_url();
        let alpha = TestInstance::start_with(backend, |s| {
            s.email.smtp_url = url;
            s.email.from = "Mairie <mairie@ville.example>".into();
        })
        .await;
        people(&alpha).await;
        for user in ["marie", "lea"] {
            confirmed(&alpha, user).await;
        }
        let mut marie = signed_in(&alpha, "marie").await;
        let mut lea = signed_in(&alpha, "lea").await;
        let mut karim = signed_in(&alpha, "karim").await;
        let lea_handle = format!(
            "@lea@{}",
            alpha
                .base
                .trim_start_matches("http://")
                .trim_start_matches("https://")
        );
        let path = open_debate(&mut marie, "La place du marché", "Une idée.").await;
        lea.submit(
            &path,
            &format!("{path}/comments"),
            &[("comment", "Des arbres !"), ("stance", "for")],
        )
        .await;
        // Léa's comment answers Marie's debate: Marie is told at once (the default for replies).
        let mail = maildev
            .wait_for(1, WAIT, about("marie", "vous a répondu"))
            .await;
        assert!(
            mail[0]["subject"].as_str().unwrap().contains("Léa")
                || mail[0]["subject"].as_str().unwrap().contains("lea"),
            "{}",
            mail[0]
        );
        // Karim answers Léa's comment: Léa is told at once, with a link to the comment.
        let page = karim.get(&path).await;
        let leas = comment_id(&page.body, "Des arbres !");
        karim
            .submit(
                &path,
                &format!("{path}/comments"),
                &[("comment", "Et des bancs."), ("parent", &leas)],
            )
            .await;
        let mail = maildev
            .wait_for(1, WAIT, about("lea", "vous a répondu"))
            .await;
        let text = mail[0]["text"].as_str().unwrap();
        assert!(
            text.contains(&format!("{}{path}#comment-", alpha.base)),
            "{text}"
        );
        let source = maildev.source(&mail[0]).await;
        let unsubscribe = source
            .split("\nList-Unsubscribe: <")
            .nth(1)
            .and_then(|rest| rest.split('>').next())
            .unwrap_or_else(|| panic!("no List-Unsubscribe: {source}"))
            .to_string();
        assert!(
            source.contains("\nList-Unsubscribe-Post: List-Unsubscribe=One-Click"),
            "{source}"
        );
        assert!(
            unsubscribe.starts_with(&format!("{}/email/unsubscribe?", alpha.base)),
            "{unsubscribe}"
        );

        // Karim follows Léa: that waits for tomorrow's digest (the default for followers).
        let page = karim.follow_handle(&lea_handle).await;
        assert!(page.status < 400, "{}", page.body);
        // A later notification is mailed; the follower's was not.
        marie
            .submit(
                &path,
                &format!("{path}/comments"),
                &[("comment", "Merci Léa."), ("parent", &leas)],
            )
            .await;
        maildev
            .wait_for(2, WAIT, about("lea", "vous a répondu"))
            .await;
        assert!(
            maildev
                .emails()
                .await
                .iter()
                .all(|m| !about("lea", "vous suit")(m)),
            "a follower is not mailed at once"
        );
        // The next morning, the digest.
        let ctx = parvis::app::context(alpha.settings.clone(), alpha.db.clone()).unwrap();
        let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1))
            .date_naive()
            .and_hms_opt(7, 30, 0)
            .unwrap();
        let queued = parvis::mail::worker::notices(&ctx, tomorrow).await.unwrap();
        assert_eq!(queued, 1, "one digest");
        let digest = maildev
            .wait_for(1, WAIT, about("lea", "notifications du jour"))
            .await;
        assert!(
            digest[0]["text"]
                .as_str()
                .unwrap()
                .contains("vous suit désormais"),
            "{}",
            digest[0]
        );
        // Not twice.
        assert_eq!(
            parvis::mail::worker::notices(&ctx, tomorrow).await.unwrap(),
            0
        );

        // One click from the mail client, without a session: no more replies by mail.
        let response = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .build()
            .unwrap()
            .post(&unsubscribe)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        // A forged link changes nothing.
        let forged = unsubscribe.replace("token=", "token=x");
        let response = reqwest::Client::new().post(&forged).send().await.unwrap();
        assert_eq!(response.status(), 404);
        // So does a topic that does not exist.
        let unknown = unsubscribe.replace("topic=replies", "topic=everything");
        assert_ne!(unknown, unsubscribe);
        let response = reqwest::Client::new().post(&unknown).send().await.unwrap();
        assert_eq!(response.status(), 404);
        karim
            .submit(
                &path,
                &format!("{path}/comments"),
                &[("comment", "Encore moi."), ("parent", &leas)],
            )
            .await;
        // Marie, who did not unsubscribe, is told of Léa's new comment; by then Léa's reply was handled.
        lea.submit(
            &path,
            &format!("{path}/comments"),
            &[("comment", "Oui, des bancs.")],
        )
        .await;
        maildev
            .wait_for(2, WAIT, about("marie", "vous a répondu"))
            .await;
        let replies_to_lea = maildev
            .emails()
            .await
            .into_iter()
            .filter(about("lea", "vous a répondu"))
            .count();
        assert_eq!(replies_to_lea, 2, "no mail after unsubscribing");
        let settings = lea.get("/settings").await;
        assert!(
            settings.has("value=\"never\" selected"),
            "{}",
            settings.body
        );

        // The settings choose: followers at once. Marie follows Léa: mailed now.
        let page = lea
            .submit(
                "/settings",
                "/settings/notifications",
                &[
                    ("replies", "never"),
                    ("followers", "immediate"),
                    ("proposals", "immediate"),
                    ("polls", "daily"),
                    ("problems", "immediate"),
                    ("moderation", "immediate"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        marie.follow_handle(&lea_handle).await;
        maildev.wait_for(1, WAIT, about("lea", "vous suit")).await;
        let bad = lea
            .submit(
                "/settings",
                "/settings/notifications",
                &[("replies", "sometimes")],
            )
            .await;
        assert_eq!(bad.status, 422);

        // The notifications page shows everything, mailed or not.
        let page = lea.get("/notifications").await;
        assert!(page.has("vous suit désormais"), "{}", page.body);
        assert!(page.has("vous a répondu"), "{}", page.body);
    }
);

both_backends!(
    a_mention_from_another_server_is_mailed_with_a_link_to_the_post,
    |backend| async move {
        use crate::support::network::{ALPHA, Network};
        use serde_json::json;

        let maildev = MailDev::start();
        let url = maildev.smtp_url();
        let net = Network::new();
        let alpha = net
            .instance(backend, ALPHA, move |s| {
                s.email.smtp_url = url;
            })
            .await;
        people(&alpha).await;
        confirmed(&alpha, "lea").await;
        let peer = crate::fedify::peer(&net);
        let lea = alpha.url("/users/lea");
        let karim = alpha.url("/users/karim");
        let note_id = format!("{}/notes/mention-1", peer.base);
        let create = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/mention-1", peer.base),
            "type": "Create",
            "actor": peer.actor_id,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [lea, karim],
            "object": {
                "id": note_id, "type": "Note", "attributedTo": peer.actor_id,
                "content": "<p>@lea @karim que pensez-vous du marché ?</p>",
                // A link that is no web page is not kept: the post's id is.
                "url": "javascript:alert(1)",
                "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [lea, karim],
                "tag": [
                    {"type": "Mention", "href": lea, "name": "@lea"},
                    {"type": "Mention", "href": karim, "name": "@karim"},
                ],
            }
        });
        let inbox = alpha.url("/inbox");
        let sent = peer
            .control_post(
                "/send-raw",
                json!({ "inbox": inbox, "activity": create.clone() }),
            )
            .await;
        assert!(sent["status"].as_u64().unwrap() < 300, "{sent}");
        let mail = maildev
            .wait_for(1, WAIT, about("lea", "vous a mentionné"))
            .await;
        assert!(
            mail[0]["text"].as_str().unwrap().contains(&note_id),
            "{}",
            mail[0]
        );
        assert!(
            !mail[0]["text"].as_str().unwrap().contains("javascript"),
            "{}",
            mail[0]
        );
        // The same activity again (a retry) tells nobody twice.
        let again = peer
            .control_post("/send-raw", json!({ "inbox": inbox, "activity": create }))
            .await;
        assert!(again["status"].as_u64().unwrap() < 300, "{again}");
        let mut karim_web = signed_in(&alpha, "karim").await;
        let page = karim_web.get("/notifications").await;
        assert!(page.has("vous a mentionné"), "{}", page.body);
        assert!(page.has(&format!("href=\"{note_id}\"")), "{}", page.body);
        let mut lea_web = signed_in(&alpha, "lea").await;
        let page = lea_web.get("/notifications").await;
        assert_eq!(
            page.body.matches("vous a mentionné").count(),
            1,
            "{}",
            page.body
        );
    }
);

both_backends!(
    mentions_in_posts_and_comments_and_a_poll_closing_are_notified,
    |backend| async move {
        use parvis::model::schema::{notifications, polls};
        let maildev = MailDev::start();
        let url = maildev.smtp_url();
        let alpha = TestInstance::start_with(backend, |s| {
            s.email.smtp_url = url;
            s.email.from = "Mairie <mairie@ville.example>".into();
        })
        .await;
        people(&alpha).await;
        for user in ["lea", "karim"] {
            confirmed(&alpha, user).await;
        }
        let mut karim = signed_in(&alpha, "karim").await;
        let mut marie = signed_in(&alpha, "marie").await;

        // Karim mentions Léa (and a name nobody has, and someone elsewhere) in a post: Léa is told at once.
        let page = karim
            .submit(
                "/post",
                "/post",
                &[
                    (
                        "content",
                        "Bonjour @lea, @personne et @bob@ailleurs.example !",
                    ),
                    ("visibility", "public"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let mail = maildev
            .wait_for(1, WAIT, about("lea", "vous a mentionné"))
            .await;
        assert!(
            mail[0]["text"]
                .as_str()
                .unwrap()
                .contains(&format!("{}/notes/", alpha.base)),
            "{}",
            mail[0]
        );
        // And in a comment, with a link to it.
        let path = open_debate(&mut marie, "Le marché", "Une idée.").await;
        karim
            .submit(
                &path,
                &format!("{path}/comments"),
                &[
                    ("comment", "Comme le dit @lea, le samedi."),
                    ("stance", "for"),
                ],
            )
            .await;
        let mail = maildev
            .wait_for(2, WAIT, about("lea", "vous a mentionné"))
            .await;
        assert!(
            mail.iter().any(|m| m["text"]
                .as_str()
                .unwrap()
                .contains(&format!("{}{path}#comment-", alpha.base))),
            "{mail:?}"
        );

        // Marie asks a poll, Karim votes; once it closes, Karim (who voted) and Marie (who asked) are told.
        let closes = (chrono::Utc::now() + chrono::Duration::days(3))
            .format("%Y-%m-%d")
            .to_string();
        let page = marie
            .submit(
                "/polls/new",
                "/polls",
                &[
                    ("question", "Quel jour ?"),
                    ("kind", "single"),
                    ("options", "Samedi\nDimanche"),
                    ("closes_on", &closes),
                    ("eligibility", "anyone"),
                    ("live_results", "on"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let poll = page.location.unwrap();
        let form = karim.get(&poll).await;
        let samedi = form
            .body
            .split("name=\"choice\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no choice: {}", form.body))
            .to_string();
        let page = karim
            .submit(&poll, &format!("{poll}/vote"), &[("choice", &samedi)])
            .await;
        assert!(page.status < 400, "{}", page.body);
        let id: i64 = poll.rsplit('/').next().unwrap().parse().unwrap();
        alpha
            .db
            .run(move |c| {
                diesel::update(polls::table.find(id))
                    .set(polls::closes_at.eq(chrono::Utc::now().naive_utc()))
                    .execute(c)?;
                Ok(())
            })
            .await
            .unwrap();
        let mail = maildev
            .wait_for(
                1,
                WAIT,
                about("karim", "sondage auquel vous avez participé est clos"),
            )
            .await;
        assert!(
            mail[0]["text"]
                .as_str()
                .unwrap()
                .contains(&format!("{}{poll}", alpha.base)),
            "{}",
            mail[0]
        );
        // Told in one pass: Karim and Marie, not Léa (who did not vote), and once.
        let told: Vec<String> = alpha
            .db
            .run(|c| {
                Ok(notifications::table
                    .inner_join(actors::table.on(actors::id.eq(notifications::account_id)))
                    .filter(notifications::kind.eq("poll_closed"))
                    .select(actors::username)
                    .order(actors::username.asc())
                    .load(c)?)
            })
            .await
            .unwrap();
        assert_eq!(told, ["karim", "marie"]);
    }
);
