//! Mail: messages are queued in the database in the same transaction as what caused them (`enqueue`), and
//! the mail worker (`worker`) sends them through the configured transport (`transport`: SMTP, or `.eml`
//! files without one), within a per-minute cap, retrying what the server did not take.

pub mod messages;
pub mod transport;
pub mod worker;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::civic::now;
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{MailId, NewsletterId};
use crate::model::schema::mail_queue;

/// Longest subject, in characters.
pub const MAX_SUBJECT: usize = 200;

/// A message to one person: plain text, and the same as HTML when there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    /// The one-click unsubscribe link (RFC 8058) of a message people did not ask for one by one.
    pub unsubscribe: Option<String>,
}

impl Mail {
    /// Checks what goes into headers: an address lettre can write, a subject on one line (a new line in a
    /// header would let its text add headers of its own).
    pub fn check(&self) -> Result<()> {
        self.to
            .parse::<lettre::Address>()
            .map_err(|e| Error::invalid("email", format!("is not an email address: {e}")))?;
        if self.subject.trim().is_empty() {
            return Err(Error::invalid("subject", "must not be empty"));
        }
        if self.subject.chars().any(char::is_control) {
            return Err(Error::invalid(
                "subject",
                "must be one line, without control characters",
            ));
        }
        if self.subject.chars().count() > MAX_SUBJECT {
            return Err(Error::invalid(
                "subject",
                format!("must have at most {MAX_SUBJECT} characters"),
            ));
        }
        Ok(())
    }
}

/// Queues a message; it leaves when the transaction commits and the worker's cap allows. Call
/// `ctx.mail_wake.notify_one()` after the commit to send it at once.
pub fn enqueue(conn: &mut AnyConnection, mail: &Mail) -> Result<MailId> {
    mail.check()?;
    let at = now();
    crate::on_each_backend!(conn, |c| diesel::insert_into(mail_queue::table)
        .values((
            mail_queue::to_address.eq(&mail.to),
            mail_queue::subject.eq(mail.subject.trim()),
            mail_queue::body_text.eq(&mail.text),
            mail_queue::body_html.eq(&mail.html),
            mail_queue::unsubscribe_url.eq(&mail.unsubscribe),
            mail_queue::created_at.eq(at),
            mail_queue::not_before.eq(at),
        ))
        .returning(mail_queue::id)
        .get_result::<MailId>(c))
    .map_err(Into::into)
}

/// Queues an issue of a newsletter, one message per reader, in batches (a town's list may hold tens of
/// thousands); each row names the issue, for its counts of sent and failed.
pub fn enqueue_newsletter(
    conn: &mut AnyConnection,
    newsletter: NewsletterId,
    mails: &[Mail],
) -> Result<()> {
    let at = now();
    for chunk in mails.chunks(500) {
        for mail in chunk {
            mail.check()?;
        }
        let rows: Vec<_> = chunk
            .iter()
            .map(|mail| {
                (
                    mail_queue::to_address.eq(&mail.to),
                    mail_queue::subject.eq(mail.subject.trim()),
                    mail_queue::body_text.eq(&mail.text),
                    mail_queue::body_html.eq(&mail.html),
                    mail_queue::unsubscribe_url.eq(&mail.unsubscribe),
                    mail_queue::created_at.eq(at),
                    mail_queue::not_before.eq(at),
                    mail_queue::newsletter_id.eq(Some(newsletter)),
                )
            })
            .collect();
        crate::on_each_backend!(conn, |c| diesel::insert_into(mail_queue::table)
            .values(&rows)
            .execute(c))?;
    }
    Ok(())
}

/// What became of an issue's messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub sent: i64,
    /// Refused for good (an address that does not exist).
    pub failed: i64,
    /// Not sent yet, retries included.
    pub waiting: i64,
}

pub fn newsletter_counts(conn: &mut AnyConnection, newsletter: NewsletterId) -> Result<Counts> {
    let of_issue = || mail_queue::table.filter(mail_queue::newsletter_id.eq(newsletter));
    let total: i64 = of_issue().count().get_result(conn)?;
    let sent: i64 = of_issue()
        .filter(mail_queue::sent_at.is_not_null())
        .count()
        .get_result(conn)?;
    let failed: i64 = of_issue()
        .filter(mail_queue::sent_at.is_null())
        .filter(mail_queue::failed_at.is_not_null())
        .count()
        .get_result(conn)?;
    Ok(Counts {
        sent,
        failed,
        waiting: total - sent - failed,
    })
}

/// What the queue holds, for `parvis admin email status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Waiting to be sent, retries included.
    pub queued: i64,
    /// Of those, waiting for a retry after a failure.
    pub retrying: i64,
    pub oldest_queued: Option<NaiveDateTime>,
    pub sent_last_day: i64,
    /// Refused for good by the server (an address that does not exist).
    pub failed: i64,
    /// The latest errors: address, attempts, error.
    pub errors: Vec<(String, i32, String)>,
}

pub fn status(conn: &mut AnyConnection) -> Result<Status> {
    let waiting = || {
        mail_queue::table
            .filter(mail_queue::sent_at.is_null())
            .filter(mail_queue::failed_at.is_null())
    };
    let queued: i64 = waiting().count().get_result(conn)?;
    let retrying: i64 = waiting()
        .filter(mail_queue::attempts.gt(0))
        .count()
        .get_result(conn)?;
    let oldest_queued: Option<NaiveDateTime> = waiting()
        .select(diesel::dsl::min(mail_queue::created_at))
        .first(conn)?;
    let sent_last_day: i64 = mail_queue::table
        .filter(mail_queue::sent_at.gt(now() - chrono::Duration::days(1)))
        .count()
        .get_result(conn)?;
    let failed: i64 = mail_queue::table
        .filter(mail_queue::failed_at.is_not_null())
        .count()
        .get_result(conn)?;
    let errors = mail_queue::table
        .filter(mail_queue::sent_at.is_null())
        .filter(mail_queue::last_error.is_not_null())
        .order(mail_queue::id.desc())
        .limit(10)
        .select((
            mail_queue::to_address,
            mail_queue::attempts,
            mail_queue::last_error.assume_not_null(),
        ))
        .load(conn)?;
    Ok(Status {
        queued,
        retrying,
        oldest_queued,
        sent_last_day,
        failed,
        errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(to: &str, subject: &str) -> Mail {
        Mail {
            to: to.into(),
            subject: subject.into(),
            text: "Bonjour".into(),
            html: None,
            unsubscribe: None,
        }
    }

    #[test]
    fn headers_are_safe_or_refused() {
        assert!(mail("lea@ville.example", "Votre compte").check().is_ok());
        for bad in [
            "lea",
            "lea@",
            "Léa <lea@ville.example>\r\nBcc: x@y.example",
            "",
        ] {
            assert!(mail(bad, "Sujet").check().is_err(), "{bad:?}");
        }
        for bad in [
            "Sujet\r\nBcc: tous@ville.example",
            "Sujet\nX",
            "",
            "   ",
            &"a".repeat(201),
        ] {
            assert!(mail("lea@ville.example", bad).check().is_err(), "{bad:?}");
        }
    }
}
