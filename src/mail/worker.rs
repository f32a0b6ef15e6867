//! The mail worker: sends what is due in the queue, oldest first, within `[email] per_minute`; a message
//! the server did not take waits `retry_base_secs`, doubled with each attempt (at most six hours); one it
//! refused for good is marked failed. A message is marked sent only once the server took it, so a crash
//! loses nothing (at worst the message being sent goes twice).

use std::time::Duration;

use diesel::prelude::*;

use crate::civic::now;
use crate::context::AppContext;
use crate::error::Result;
use crate::ids::MailId;
use crate::mail::Mail;
use crate::mail::transport::{Failure, Transport};
use crate::model::schema::mail_queue;

/// How often the queue is looked at when nothing wakes the worker (retries that came due).
const IDLE: Duration = Duration::from_secs(5);
/// How long a process's claim on the messages it sends holds (longer than sending them takes).
const MAIL_CLAIM_SECS: i64 = 300;
/// Longest wait between two attempts.
const MAX_BACKOFF_SECS: i64 = 6 * 3600;

pub fn spawn(ctx: AppContext) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let transport = match Transport::from_settings(&ctx.settings) {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(error = %e, "mail cannot be sent");
                return;
            }
        };
        match transport {
            Transport::Smtp(_) => tracing::info!("mail: {}", transport.describe(&ctx.settings)),
            // Nobody receives anything (confirmation links included) until an SMTP server is configured.
            Transport::Files(_) => tracing::warn!("mail: {}", transport.describe(&ctx.settings)),
        }
        loop {
            if let Err(e) = notices(&ctx, crate::civic::now()).await {
                tracing::warn!(error = %e, "cannot turn notifications into mail");
            }
            let more = match send_due(&ctx, &transport).await {
                Ok(more) => more,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the mail queue");
                    false
                }
            };
            if !more {
                let _ = tokio::time::timeout(IDLE, ctx.mail_wake.notified()).await;
            }
        }
    })
}

/// A queued message as read: id, address, subject, text, HTML, unsubscribe link, attempts.
type QueuedRow = (
    MailId,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i32,
);

/// Tells the voters of polls closed by `now`, reminds the people of tomorrow's meetings and schedules the
/// next occurrences of repeating office hours, then queues the mail of notifications not yet handled
/// (immediate ones, and digests that are due). Returns how many messages were queued.
pub async fn notices(ctx: &AppContext, now: chrono::NaiveDateTime) -> Result<usize> {
    use crate::civic::notifications::mailing;
    use crate::civic::polls::closing;
    // Looked at first without a transaction: an idle worker takes no write lock.
    if ctx
        .db
        .run(move |conn| closing::has_untold(conn, now))
        .await?
    {
        ctx.db
            .transaction(move |conn| {
                crate::db::take_turn(conn)?;
                closing::tell_closed(conn, now)
            })
            .await?;
    }
    if ctx
        .db
        .run(move |conn| crate::civic::meetings::has_due_reminders(conn, now))
        .await?
    {
        ctx.db
            .transaction(move |conn| {
                crate::db::take_turn(conn)?;
                crate::civic::meetings::remind(conn, now)
            })
            .await?;
    }
    // Residency verifications whose time is over stop counting.
    if ctx.db.run(crate::civic::residency::has_expired).await? {
        ctx.db
            .transaction(|conn| {
                crate::db::take_turn(conn)?;
                crate::civic::residency::end_expired(conn)
            })
            .await?;
    }
    // Repeating office hours: the next occurrences, as days go by.
    if ctx
        .db
        .run(crate::civic::meetings::series::has_due_extension)
        .await?
    {
        let made = ctx
            .db
            .transaction(|conn| {
                crate::db::take_turn(conn)?;
                crate::civic::meetings::series::extend(conn)
            })
            .await?;
        if made > 0 {
            ctx.wake.notify_one();
        }
    }
    if !ctx.db.run(move |conn| mailing::has_work(conn, now)).await? {
        return Ok(0);
    }
    let (base, defaults) = (ctx.urls.base().clone(), ctx.settings.instance.clone());
    ctx.db
        .transaction(move |conn| {
            crate::db::take_turn(conn)?;
            mailing::run(conn, &base, &defaults, now)
        })
        .await
}

/// Sends the messages that are due, within the cap. Returns whether more are due now.
pub async fn send_due(ctx: &AppContext, transport: &Transport) -> Result<bool> {
    let cap = i64::from(ctx.settings.email.per_minute);
    let due: Vec<(MailId, Mail, i32)> = ctx
        .db
        .run(move |conn| {
            let sent_last_minute: i64 = mail_queue::table
                .filter(mail_queue::sent_at.gt(now() - chrono::Duration::minutes(1)))
                .count()
                .get_result(conn)?;
            let room = (cap - sent_last_minute).clamp(0, 20);
            let rows: Vec<QueuedRow> = mail_queue::table
                .filter(mail_queue::sent_at.is_null())
                .filter(mail_queue::failed_at.is_null())
                .filter(mail_queue::not_before.le(now()))
                .order(mail_queue::id.asc())
                .limit(room)
                .select((
                    mail_queue::id,
                    mail_queue::to_address,
                    mail_queue::subject,
                    mail_queue::body_text,
                    mail_queue::body_html,
                    mail_queue::unsubscribe_url,
                    mail_queue::attempts,
                ))
                .load(conn)?;
            // Claimed by moving their time on: another process does not send them meanwhile, and if this one
            // dies before marking them sent, they are sent after the claim runs out.
            let ids: Vec<MailId> = rows.iter().map(|r| r.0).collect();
            let until = now() + chrono::Duration::seconds(MAIL_CLAIM_SECS);
            let claimed: Vec<MailId> = crate::on_each_backend!(conn, |c| diesel::update(
                mail_queue::table
                    .filter(mail_queue::id.eq_any(&ids))
                    .filter(mail_queue::sent_at.is_null())
                    .filter(mail_queue::failed_at.is_null())
                    .filter(mail_queue::not_before.le(now()))
            )
            .set(mail_queue::not_before.eq(until))
            .returning(mail_queue::id)
            .get_results(c))?;
            Ok(rows
                .into_iter()
                .filter(|r| claimed.contains(&r.0))
                .map(|(id, to, subject, text, html, unsubscribe, attempts)| {
                    (
                        id,
                        Mail {
                            to,
                            subject,
                            text,
                            html,
                            unsubscribe,
                        },
                        attempts,
                    )
                })
                .collect())
        })
        .await?;
    let full = due.len() == 20;
    let mut unsent: Vec<MailId> = due.iter().map(|d| d.0).collect();
    for (id, mail, attempts) in due {
        unsent.retain(|u| *u != id);
        let outcome = transport.send(&ctx.settings, &mail).await;
        // A server that is down or slow is not tried again for every message of the batch.
        let server_failing = matches!(outcome, Err(Failure::Transient(_)));
        let retry_base = ctx.settings.email.retry_base_secs as i64;
        match &outcome {
            Ok(Some(path)) => {
                tracing::info!(to = %mail.to, subject = %mail.subject, file = %path.display(), "mail written")
            }
            Ok(None) => tracing::debug!(to = %mail.to, "mail sent"),
            Err(Failure::Permanent(e)) => {
                tracing::warn!(to = %mail.to, error = %e, "mail refused for good")
            }
            Err(Failure::Transient(e)) => {
                tracing::info!(to = %mail.to, error = %e, attempts = attempts + 1, "mail not sent, will retry")
            }
        }
        ctx.db
            .run(move |conn| {
                let row = mail_queue::table.find(id);
                match outcome {
                    Ok(_) => diesel::update(row)
                        .set((
                            mail_queue::sent_at.eq(Some(now())),
                            mail_queue::last_error.eq(None::<String>),
                        ))
                        .execute(conn)?,
                    Err(Failure::Permanent(e)) => diesel::update(row)
                        .set((
                            mail_queue::failed_at.eq(Some(now())),
                            mail_queue::attempts.eq(attempts + 1),
                            mail_queue::last_error.eq(Some(e)),
                        ))
                        .execute(conn)?,
                    Err(Failure::Transient(e)) => {
                        let wait = (retry_base << attempts.clamp(0, 20)).min(MAX_BACKOFF_SECS);
                        diesel::update(row)
                            .set((
                                mail_queue::not_before.eq(now() + chrono::Duration::seconds(wait)),
                                mail_queue::attempts.eq(attempts + 1),
                                mail_queue::last_error.eq(Some(e)),
                            ))
                            .execute(conn)?
                    }
                };
                Ok(())
            })
            .await?;
        if server_failing {
            // The messages claimed and not tried go back to the queue as they were, not after the claim.
            ctx.db
                .run(move |conn| {
                    diesel::update(
                        mail_queue::table
                            .filter(mail_queue::id.eq_any(&unsent))
                            .filter(mail_queue::sent_at.is_null()),
                    )
                    .set(mail_queue::not_before.eq(now()))
                    .execute(conn)?;
                    Ok(())
                })
                .await?;
            return Ok(false);
        }
    }
    Ok(full)
}
