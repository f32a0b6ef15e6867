//! Mail: queued in the database, sent by the worker to a real SMTP server (MailDev), kept while the server is
//! down and sent when it is back, given up on an address the server refuses for good, held to the per-minute
//! cap, written as `.eml` files without a server; and the `admin email` commands.

use std::time::Duration;

use diesel::prelude::*;
use parvis::mail::transport::Transport;
use parvis::mail::{Mail, enqueue, status, worker::send_due};
use parvis::model::schema::mail_queue;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::support::instance::{TestInstance, database};
use crate::support::maildev::MailDev;
use crate::support::{Backend, both_backends};

const WAIT: Duration = Duration::from_secs(30);

fn mail(to: &str, subject: &str) -> Mail {
    Mail {
        to: to.into(),
        subject: subject.into(),
        text: format!("Bonjour,\n\n{subject}.\n"),
        html: Some(format!("<p>Bonjour,</p><p>{subject}.</p>")),
        unsubscribe: None,
    }
}

async fn queue(db: &parvis::db::Database, mails: Vec<Mail>) {
    db.transaction(move |conn| {
        for m in &mails {
            enqueue(conn, m)?;
        }
        Ok(())
    })
    .await
    .unwrap();
}

type Row = (
    String,
    i32,
    Option<chrono::NaiveDateTime>,
    Option<chrono::NaiveDateTime>,
    Option<String>,
);

/// The queue's rows: address, attempts, sent, failed, last error.
async fn rows(db: &parvis::db::Database) -> Vec<(String, i32, bool, bool, Option<String>)> {
    db.run(|conn| {
        let rows: Vec<Row> = mail_queue::table
            .order(mail_queue::id.asc())
            .select((
                mail_queue::to_address,
                mail_queue::attempts,
                mail_queue::sent_at,
                mail_queue::failed_at,
                mail_queue::last_error,
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(to, attempts, sent, failed, error)| {
                (to, attempts, sent.is_some(), failed.is_some(), error)
            })
            .collect())
    })
    .await
    .unwrap()
}

both_backends!(
    queued_mail_reaches_a_real_smtp_server_and_waits_while_it_is_down,
    |backend| async move {
        let mut maildev = MailDev::start();
        let url = maildev.smtp_url();
        let alpha = TestInstance::start_with(backend, |s| {
            s.email.smtp_url = url;
            s.email.from = "Mairie de Test <mairie@ville.example>".into();
            s.email.reply_to = "accueil@ville.example".into();
            s.email.retry_base_secs = 1;
        })
        .await;
        queue(
            &alpha.db,
            (1..=3)
                .map(|n| {
                    mail(
                        &format!("habitant{n}@ville.example"),
                        &format!("Message {n}"),
                    )
                })
                .collect(),
        )
        .await;
        let received = maildev
            .wait_for(3, WAIT, |m| {
                m["subject"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("Message "))
            })
            .await;
        for n in 1..=3 {
            let m = received
                .iter()
                .find(|m| m["subject"] == format!("Message {n}"))
                .unwrap_or_else(|| panic!("message {n}: {received:?}"));
            assert_eq!(
                m["envelope"]["to"][0]["address"],
                format!("habitant{n}@ville.example"),
                "{m}"
            );
            assert_eq!(m["from"][0]["address"], "mairie@ville.example", "{m}");
            assert_eq!(m["from"][0]["name"], "Mairie de Test", "{m}");
            let source = maildev.source(m).await;
            assert!(
                source.contains("Reply-To: accueil@ville.example\r\n"),
                "{source}"
            );
            // Plain text and HTML alternatives.
            assert!(
                m["text"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("Message {n}.")),
                "{m}"
            );
            assert!(
                m["html"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("<p>Message {n}.</p>")),
                "{m}"
            );
        }
        let st = alpha.db.run(status).await.unwrap();
        assert_eq!(
            (st.queued, st.sent_last_day, st.failed),
            (0, 3, 0),
            "{st:?}"
        );

        // A subject that would add a header is refused, and nothing is queued.
        let injected = mail(
            "habitant1@ville.example",
            "Bonjour\r\nBcc: tous@ville.example",
        );
        let refused = alpha
            .db
            .transaction(move |conn| enqueue(conn, &injected))
            .await;
        assert!(
            matches!(refused, Err(parvis::error::Error::Invalid { .. })),
            "{refused:?}"
        );
        assert_eq!(rows(&alpha.db).await.len(), 3);

        // The server goes down: the message waits (its failed attempt is recorded), then leaves once it is back.
        maildev.stop();
        queue(
            &alpha.db,
            vec![mail("habitant4@ville.example", "Pendant la panne")],
        )
        .await;
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let all = rows(&alpha.db).await;
            let (_, attempts, sent, failed, error) = &all[3];
            assert!(!sent && !failed, "{all:?}");
            if *attempts > 0 {
                assert!(error.is_some(), "{all:?}");
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no attempt recorded: {all:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let st = alpha.db.run(status).await.unwrap();
        assert_eq!((st.queued, st.retrying), (1, 1), "{st:?}");
        assert_eq!(st.errors.len(), 1, "{st:?}");
        maildev.resume();
        maildev
            .wait_for(1, WAIT, |m| m["subject"] == "Pendant la panne")
            .await;
        let all = rows(&alpha.db).await;
        assert!(all.iter().all(|r| r.2), "every message sent: {all:?}");
    }
);

/// A scripted SMTP server that answers `rcpt_answer` to `RCPT TO` and counts the messages it accepted; with
/// `drop_after_data`, it hangs up once a message's data is in, without answering.
async fn scripted_smtp(
    rcpt_answer: &'static str,
    drop_after_data: bool,
) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 scripted ESMTP\r\n").await.ok();
                let mut in_data = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            if drop_after_data {
                                break;
                            }
                            in_data = false;
                            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            write.write_all(b"250 2.0.0 queued\r\n").await.ok();
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let answer: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 scripted\r\n",
                        "MAIL" => b"250 2.1.0 ok\r\n",
                        "RCPT" => rcpt_answer.as_bytes(),
                        "DATA" => {
                            in_data = true;
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.ok();
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(answer).await.ok();
                }
            });
        }
    });
    (port, accepted)
}

both_backends!(
    refusals_the_cap_and_files_without_a_server,
    |backend| async move {
        // An address the server refuses for good (5xx at RCPT): marked failed, not retried.
        let (db, mut settings, _dir) = database(backend);
        let (port, accepted) = scripted_smtp("550 5.1.1 no such mailbox\r\n", false).await;
        settings.email.smtp_url = format!("smtp://127.0.0.1:{port}");
        let ctx = parvis::app::context(settings.clone(), db.clone()).unwrap();
        let transport = Transport::from_settings(&settings).unwrap();
        queue(&db, vec![mail("personne@ville.example", "Inconnu")]).await;
        send_due(&ctx, &transport).await.unwrap();
        let all = rows(&db).await;
        assert_eq!(all.len(), 1);
        let (_, attempts, sent, failed, error) = &all[0];
        assert!(!sent && *failed && *attempts == 1, "{all:?}");
        assert!(
            error.as_deref().unwrap().contains("no such mailbox"),
            "{all:?}"
        );
        send_due(&ctx, &transport).await.unwrap();
        assert_eq!(
            rows(&db).await[0].1,
            1,
            "a message refused for good is not tried again"
        );
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 0);
        let st = db.run(status).await.unwrap();
        assert_eq!((st.queued, st.failed), (0, 1), "{st:?}");

        // A server that asks to come back later (4xx): the message waits for its retry.
        let (db, mut settings, _dir) = database(backend);
        let (port, _) = scripted_smtp("451 4.3.0 try again later\r\n", false).await;
        settings.email.smtp_url = format!("smtp://127.0.0.1:{port}");
        let ctx = parvis::app::context(settings.clone(), db.clone()).unwrap();
        let transport = Transport::from_settings(&settings).unwrap();
        queue(&db, vec![mail("lea@ville.example", "Plus tard")]).await;
        send_due(&ctx, &transport).await.unwrap();
        send_due(&ctx, &transport).await.unwrap();
        let all = rows(&db).await;
        let (_, attempts, sent, failed, error) = &all[0];
        assert!(
            !sent && !failed && *attempts == 1,
            "not due again before its retry: {all:?}"
        );
        assert!(
            error.as_deref().unwrap().contains("try again later"),
            "{all:?}"
        );

        // A server that hangs up after the message's data, without an answer: not sent, tried again later.
        let (db, mut settings, _dir) = database(backend);
        let (port, accepted) = scripted_smtp("250 2.1.5 ok\r\n", true).await;
        settings.email.smtp_url = format!("smtp://127.0.0.1:{port}");
        let ctx = parvis::app::context(settings.clone(), db.clone()).unwrap();
        let transport = Transport::from_settings(&settings).unwrap();
        queue(&db, vec![mail("lea@ville.example", "Coupure")]).await;
        send_due(&ctx, &transport).await.unwrap();
        let all = rows(&db).await;
        let (_, attempts, sent, failed, error) = &all[0];
        assert!(!sent && !failed && *attempts == 1, "{all:?}");
        assert!(error.is_some(), "{all:?}");
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 0);

        // The cap: with 2 a minute, 2 of 5 leave now and the others wait.
        let (db, mut settings, _dir) = database(backend);
        let (port, accepted) = scripted_smtp("250 2.1.5 ok\r\n", false).await;
        settings.email.smtp_url = format!("smtp://127.0.0.1:{port}");
        settings.email.per_minute = 2;
        let ctx = parvis::app::context(settings.clone(), db.clone()).unwrap();
        let transport = Transport::from_settings(&settings).unwrap();
        queue(
            &db,
            (1..=5)
                .map(|n| mail(&format!("h{n}@ville.example"), "Lettre"))
                .collect(),
        )
        .await;
        send_due(&ctx, &transport).await.unwrap();
        send_due(&ctx, &transport).await.unwrap();
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 2);
        let st = db.run(status).await.unwrap();
        assert_eq!((st.queued, st.sent_last_day), (3, 2), "{st:?}");

        // Without an SMTP server, each message is written as an .eml file under the data directory.
        let (db, settings, dir) = database(backend);
        let ctx = parvis::app::context(settings.clone(), db.clone()).unwrap();
        let transport = Transport::from_settings(&settings).unwrap();
        assert!(transport.describe(&settings).contains(".eml"));
        queue(&db, vec![mail("lea@ville.example", "Réunion publique")]).await;
        send_due(&ctx, &transport).await.unwrap();
        let files: Vec<_> = std::fs::read_dir(dir.path().join("mail"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        assert!(files[0].extension().is_some_and(|e| e == "eml"));
        let eml = std::fs::read_to_string(&files[0]).unwrap();
        assert!(eml.contains("To: lea@ville.example"), "{eml}");
        // A non-ASCII subject is encoded (RFC 2047), the text is in the body.
        assert!(eml.contains("Subject: =?utf-8?"), "{eml}");
        assert!(eml.contains("multipart/alternative"), "{eml}");
        assert!(rows(&db).await[0].2, "marked sent");
    }
);

/// `parvis admin email test` and `status`, against MailDev, through a configuration file.
async fn email_commands(backend: Backend) {
    let maildev = MailDev::start();
    let (_db, settings, dir) = database(backend);
    let config = dir.path().join("parvis.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\ndata_dir = {:?}\n[database]\nurl = {:?}\n[email]\nsmtp_url = {:?}\nfrom = \"Mairie <mairie@ville.example>\"\n",
            dir.path().display().to_string(),
            settings.database.url,
            maildev.smtp_url()
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let admin = |args: &'static [&'static str]| {
        let config = config.clone();
        async move { crate::support::admin_command(&config, args).await }
    };
    let out = admin(&["email", "test", "--to", "admin@ville.example"])
        .await
        .unwrap();
    assert!(
        out.contains("the server took the message for admin@ville.example"),
        "{out}"
    );
    let got = maildev
        .wait_for(1, WAIT, |m| {
            m["envelope"]["to"][0]["address"] == "admin@ville.example"
        })
        .await;
    assert!(
        got[0]["subject"].as_str().unwrap().contains("test message"),
        "{got:?}"
    );
    let err = admin(&["email", "test", "--to", "pas-une-adresse"])
        .await
        .unwrap_err();
    assert!(err.contains("email"), "{err}");
    let out = admin(&["email", "status"]).await.unwrap();
    assert!(
        out.contains(&format!("SMTP server 127.0.0.1:{}", maildev.smtp_port)),
        "{out}"
    );
    assert!(out.contains("queued: 0"), "{out}");
    // Never the credentials.
    assert!(!out.contains("smtp://"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_email_commands_send_a_test_and_tell_the_queue() {
    email_commands(Backend::Sqlite).await;
    email_commands(Backend::Postgres).await;
}
