//! Email addresses and passwords, against a real SMTP server (MailDev): registration confirmed by the link
//! found in the mail (until then the account reads but does not write), "forgot your password?" (the same
//! answer for an unknown address, links single-use and expiring, at most three an hour), a new password
//! ending the other sessions and API tokens, an address changed (the old one told), the admin's
//! `account create --email`, and an erased account's address gone.

use std::time::Duration;

use diesel::prelude::*;
use serde_json::Value;

use crate::support::both_backends;
use crate::support::instance::TestInstance;
use crate::support::maildev::MailDev;
use crate::support::web::WebClient;
use crate::web::PASSWORD;
use parvis::config::RegistrationMode;
use parvis::model::schema::{accounts, email_tokens, mail_queue};

const WAIT: Duration = Duration::from_secs(30);

/// The link to `path` in a message, as its reader would click it: a path and query on the instance.
pub(crate) fn link_in(message: &Value, path: &str) -> String {
    let text = message["text"].as_str().unwrap_or_default();
    let at = text
        .find(&format!("{path}?"))
        .unwrap_or_else(|| panic!("no {path} link in {message}"));
    text[at..].split_whitespace().next().unwrap().to_string()
}

fn to(address: &'static str) -> impl Fn(&Value) -> bool {
    move |m: &Value| m["envelope"]["to"][0]["address"] == address
}

async fn start(backend: crate::support::Backend, maildev: &MailDev) -> TestInstance {
    let url = maildev.smtp_url();
    let alpha = TestInstance::start_with(backend, |s| {
        s.email.smtp_url = url;
        s.email.from = "Mairie <mairie@ville.example>".into();
        s.instance.registration = RegistrationMode::Open;
    })
    .await;
    parvis::civic::communes::create_commune(&alpha.db, "ville", "Ville")
        .await
        .unwrap();
    alpha
}

both_backends!(
    registration_is_confirmed_by_the_link_in_the_mail_and_a_forgotten_password_is_reset,
    |backend| async move {
        let maildev = MailDev::start();
        let alpha = start(backend, &maildev).await;

        // Registration needs an address.
        let mut lea = WebClient::new(&alpha);
        let page = lea
            .submit(
                "/register",
                "/register",
                &[("username", "lea"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has("id=\"email-error\""), "{}", page.body);
        let page = lea
            .submit(
                "/register",
                "/register",
                &[
                    ("username", "lea"),
                    ("email", " Lea@Ville.Example "),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        // Signed in, told to confirm; reading works, writing does not, and the page says why.
        let home = lea.get("/").await;
        assert!(home.has("id=\"confirm-email\""), "{}", home.body);
        assert!(home.has("lea@ville.example"));
        let refused = lea
            .submit(
                "/post",
                "/post",
                &[("content", "Bonjour"), ("visibility", "public")],
            )
            .await;
        assert_eq!(refused.status, 403, "{}", refused.body);
        assert!(
            refused.has("Confirmez d’abord votre adresse"),
            "{}",
            refused.body
        );
        let token = parvis::civic::tokens::create_token(&alpha.db, "lea")
            .await
            .unwrap();
        let (status, _) = alpha
            .api_post(
                "/api/v1/statuses",
                &token,
                serde_json::json!({ "status": "Bonjour" }),
            )
            .await;
        assert_eq!(status, 403);
        let (status, _) = alpha
            .api_get("/api/v1/accounts/verify_credentials", &token)
            .await;
        assert_eq!(status, 200, "reading works");

        // The link in the mail confirms the address; a mail scanner opening it confirms nothing.
        let mail = maildev.wait_for(1, WAIT, to("lea@ville.example")).await;
        let confirm = link_in(&mail[0], "/email/confirm");
        let page = WebClient::new(&alpha).get(&confirm).await;
        assert_eq!(page.status, 200);
        assert!(
            lea.get("/").await.has("id=\"confirm-email\""),
            "not confirmed by a GET"
        );
        let page = lea.get(&confirm).await;
        let token_value = confirm.rsplit("token=").next().unwrap().to_string();
        let page = lea
            .post(
                "/email/confirm",
                &[("csrf", &page.csrf()), ("token", &token_value)],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert!(!lea.get("/").await.has("id=\"confirm-email\""));
        let posted = lea
            .submit(
                "/post",
                "/post",
                &[("content", "Bonjour"), ("visibility", "public")],
            )
            .await;
        assert_eq!(posted.status, 303, "{}", posted.body);
        // Used once.
        let again = lea.get(&confirm).await;
        let again = lea
            .post(
                "/email/confirm",
                &[("csrf", &again.csrf()), ("token", &token_value)],
            )
            .await;
        assert_eq!(again.status, 410);
        assert!(again.has("Ce lien a déjà servi"), "{}", again.body);
        // A forged one is told so.
        let page = lea.get(&confirm).await;
        let forged = lea
            .post(
                "/email/confirm",
                &[("csrf", &page.csrf()), ("token", "forged")],
            )
            .await;
        assert_eq!(forged.status, 404);
        assert!(forged.has("Ce lien n’est pas valable"), "{}", forged.body);

        // Forgot password: the same answer for an unknown address (and no mail), a link for Léa's.
        let mut stranger = WebClient::new(&alpha);
        let unknown = stranger
            .submit(
                "/password/forgot",
                "/password/forgot",
                &[("email", "personne@ville.example")],
            )
            .await;
        assert_eq!(unknown.status, 200);
        let known = stranger
            .submit(
                "/password/forgot",
                "/password/forgot",
                &[("email", "LEA@ville.example")],
            )
            .await;
        assert_eq!(known.status, 200);
        let main = |p: &crate::support::web::Page| {
            p.body[p.body.find("<main").unwrap()..p.body.find("</main>").unwrap()].to_string()
        };
        assert_eq!(main(&unknown), main(&known), "the answer tells nothing");
        let mails = maildev
            .wait_for(1, WAIT, |m| {
                to("lea@ville.example")(m)
                    && m["text"].as_str().unwrap_or("").contains("/password/reset")
            })
            .await;
        // Léa's mail came after the request for the unknown address: that one sent nothing.
        assert!(
            maildev
                .emails()
                .await
                .iter()
                .all(|m| !to("personne@ville.example")(m)),
            "a message to an unknown address"
        );
        let reset = link_in(&mails[0], "/password/reset");
        // A forged token, and the real one.
        let forged = stranger.get("/password/reset?token=forged").await;
        assert_eq!(forged.status, 404);
        assert!(forged.has("Ce lien n’est pas valable"), "{}", forged.body);
        let form = stranger.get(&reset).await;
        assert_eq!(form.status, 200, "{}", form.body);
        let reset_token = reset.rsplit("token=").next().unwrap().to_string();
        let short = stranger
            .post(
                "/password/reset",
                &[
                    ("csrf", &form.csrf()),
                    ("token", &reset_token),
                    ("password", "court"),
                ],
            )
            .await;
        assert_eq!(short.status, 422);
        let done = stranger
            .post(
                "/password/reset",
                &[
                    ("csrf", &form.csrf()),
                    ("token", &reset_token),
                    ("password", "un tout nouveau secret"),
                ],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(done.location.as_deref(), Some("/login"));
        // Léa's other session and her token ended; the old password no longer works, the new one does.
        let settings = lea.get("/settings").await;
        assert_eq!(settings.status, 303, "the old session ended");
        let (status, _) = alpha
            .api_get("/api/v1/accounts/verify_credentials", &token)
            .await;
        assert_eq!(status, 401, "the token was revoked");
        let old = WebClient::new(&alpha)
            .submit(
                "/login",
                "/login",
                &[("username", "lea"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(old.status, 401);
        let mut lea = WebClient::new(&alpha);
        lea.login("lea", "un tout nouveau secret").await;
        // The link served once.
        let used = stranger.get(&reset).await;
        assert_eq!(used.status, 410);

        // At most three links an hour: more requests answer the same and send nothing.
        for _ in 0..4 {
            let page = stranger
                .submit(
                    "/password/forgot",
                    "/password/forgot",
                    &[("email", "lea@ville.example")],
                )
                .await;
            assert_eq!(page.status, 200);
        }
        let links: i64 = alpha
            .db
            .run(|c| {
                Ok(email_tokens::table
                    .filter(email_tokens::purpose.eq("reset"))
                    .count()
                    .get_result(c)?)
            })
            .await
            .unwrap();
        assert_eq!(links, parvis::civic::addresses::LINKS_PER_HOUR);
        // An expired link is told so.
        alpha
            .db
            .run(|c| {
                parvis::on_each_backend!(c, |c| diesel::update(
                    email_tokens::table.filter(email_tokens::used_at.is_null())
                )
                .set(
                    email_tokens::expires_at
                        .eq(chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1))
                )
                .execute(c))?;
                Ok(())
            })
            .await
            .unwrap();
        let latest = maildev
            .wait_for(3, WAIT, |m| {
                to("lea@ville.example")(m)
                    && m["text"].as_str().unwrap_or("").contains("/password/reset")
            })
            .await;
        let expired = stranger
            .get(&link_in(latest.last().unwrap(), "/password/reset"))
            .await;
        assert_eq!(expired.status, 410);
        assert!(expired.has("Ce lien a expiré"), "{}", expired.body);
    }
);

both_backends!(
    addresses_change_passwords_change_and_admins_send_a_first_password_link,
    |backend| async move {
        let maildev = MailDev::start();
        let alpha = start(backend, &maildev).await;
        let mut lea = WebClient::new(&alpha);
        lea.submit(
            "/register",
            "/register",
            &[
                ("username", "lea"),
                ("email", "lea@ville.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
        let mail = maildev.wait_for(1, WAIT, to("lea@ville.example")).await;
        let confirm = link_in(&mail[0], "/email/confirm");
        let page = lea.get(&confirm).await;
        let token = confirm.rsplit("token=").next().unwrap().to_string();
        lea.post(
            "/email/confirm",
            &[("csrf", &page.csrf()), ("token", &token)],
        )
        .await;

        // A new address: confirmed by its own link; the old one stays until then, and is told after.
        let page = lea
            .submit(
                "/settings",
                "/settings/email",
                &[("email", "pas une adresse")],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has("id=\"email-error\""), "{}", page.body);
        let page = lea
            .submit(
                "/settings",
                "/settings/email",
                &[("email", "lea.martin@ville.example")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let settings = lea.get("/settings").await;
        assert!(
            settings.has("lea@ville.example (confirmée)"),
            "{}",
            settings.body
        );
        let mail = maildev
            .wait_for(1, WAIT, to("lea.martin@ville.example"))
            .await;
        let confirm = link_in(&mail[0], "/email/confirm");
        let page = lea.get(&confirm).await;
        let token = confirm.rsplit("token=").next().unwrap().to_string();
        let page = lea
            .post(
                "/email/confirm",
                &[("csrf", &page.csrf()), ("token", &token)],
            )
            .await;
        assert_eq!(page.status, 303);
        assert!(
            lea.get("/settings")
                .await
                .has("lea.martin@ville.example (confirmée)")
        );
        let told = maildev
            .wait_for(1, WAIT, |m| {
                to("lea@ville.example")(m)
                    && m["subject"]
                        .as_str()
                        .unwrap_or("")
                        .contains("adresse a changé")
            })
            .await;
        assert!(
            told[0]["text"]
                .as_str()
                .unwrap()
                .contains("lea.martin@ville.example")
        );

        // The password changed in the settings: the current one is asked; the other session ends, this
        // one stays.
        let mut phone = WebClient::new(&alpha);
        phone.login("lea", PASSWORD).await;
        let wrong = lea
            .submit(
                "/settings",
                "/settings/password",
                &[
                    ("current_password", "pas le bon"),
                    ("new_password", "encore un autre secret"),
                ],
            )
            .await;
        assert_eq!(wrong.status, 422);
        assert!(wrong.has("id=\"current_password-error\""), "{}", wrong.body);
        let done = lea
            .submit(
                "/settings",
                "/settings/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", "encore un autre secret"),
                ],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(lea.get("/settings").await.status, 200, "this session stays");
        assert_eq!(
            phone.get("/settings").await.status,
            303,
            "the other one ended"
        );

        // An admin creates an account with an address: a link to choose its password, which also confirms it.
        let (_dir, config) = alpha.cli_config();
        let cli = <parvis::cli::Cli as clap::Parser>::try_parse_from([
            "parvis",
            "admin",
            "--config",
            &config,
            "account",
            "create",
            "--username",
            "karim",
            "--role",
            "official",
            "--email",
            "karim@ville.example",
        ])
        .unwrap();
        let mut out = Vec::new();
        parvis::cli::run(cli, &mut out).await.unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("karim@ville.example"), "{out}");
        // Queued by the command; the running server sends it.
        let mail = maildev.wait_for(1, WAIT, to("karim@ville.example")).await;
        let link = link_in(&mail[0], "/password/reset");
        let mut karim = WebClient::new(&alpha);
        let form = karim.get(&link).await;
        assert_eq!(form.status, 200, "{}", form.body);
        let token = link.rsplit("token=").next().unwrap().to_string();
        let page = karim
            .post(
                "/password/reset",
                &[
                    ("csrf", &form.csrf()),
                    ("token", &token),
                    ("password", "le secret de karim"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        karim.login("karim", "le secret de karim").await;
        assert!(
            !karim.get("/").await.has("id=\"confirm-email\""),
            "confirmed by the link"
        );

        // An admin invites by mail: the message carries the link that registers with the code.
        crate::web::person(&alpha, "admin", parvis::model::Role::Admin).await;
        let mut admin = crate::web::signed_in(&alpha, "admin").await;
        let bad = admin
            .submit("/admin", "/admin/invites", &[("email", "pas une adresse")])
            .await;
        assert_eq!(bad.status, 422, "{}", bad.body);
        let sent = admin
            .submit(
                "/admin",
                "/admin/invites",
                &[("email", "zoe@ville.example")],
            )
            .await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        let mail = maildev.wait_for(1, WAIT, to("zoe@ville.example")).await;
        let link = link_in(&mail[0], "/register");
        let code = link.rsplit("invite=").next().unwrap().to_string();
        let open = alpha
            .db
            .run(parvis::civic::site::open_invites)
            .await
            .unwrap();
        assert!(
            open.iter().any(|i| i.code == code),
            "the code is one of the open invitations"
        );
        // On an instance that registers by invitation, the link fills the code in.
        let page = admin
            .submit(
                "/admin",
                "/admin",
                &[
                    ("name", "Ville de Test"),
                    ("description", ""),
                    ("registration", "invite"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let form = WebClient::new(&alpha).get(&link).await;
        assert!(form.has(&format!("value=\"{code}\"")), "{}", form.body);

        // Léa's export holds her address; her deletion takes it, with what waits for it.
        let export = lea.get("/settings/export").await;
        assert!(export.has("lea.martin@ville.example"), "{}", export.body);
        let csrf = lea.get("/settings").await.csrf();
        let deleted = lea
            .post(
                "/settings/delete",
                &[
                    ("csrf", &csrf),
                    ("delete_confirm", "yes"),
                    ("delete_password", "encore un autre secret"),
                ],
            )
            .await;
        assert!(deleted.status < 400, "{}", deleted.body);
        let (email, queued): (Option<String>, i64) = alpha
            .db
            .run(|c| {
                let email = accounts::table
                    .inner_join(
                        parvis::model::schema::actors::table
                            .on(parvis::model::schema::actors::id.eq(accounts::actor_id)),
                    )
                    .filter(parvis::model::schema::actors::username.eq("lea"))
                    .select(accounts::email)
                    .first(c)?;
                let queued = mail_queue::table
                    .filter(mail_queue::to_address.eq("lea.martin@ville.example"))
                    .filter(mail_queue::sent_at.is_null())
                    .count()
                    .get_result(c)?;
                Ok((email, queued))
            })
            .await
            .unwrap();
        assert_eq!((email, queued), (None, 0));
    }
);
