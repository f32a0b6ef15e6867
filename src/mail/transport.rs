//! Where mail goes: the SMTP server of `[email] smtp_url` (TLS or STARTTLS through rustls, the system's
//! certificates), or, without one, an `.eml` file per message under `<data_dir>/mail`.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Settings;
use crate::mail::Mail;

/// How long one SMTP exchange may take before it counts as a failure (and is retried).
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

/// Why a message did not leave.
#[derive(Debug)]
pub enum Failure {
    /// The server refused it for good (5xx: an address that does not exist): not retried.
    Permanent(String),
    /// Anything else (4xx, a server down or slow, a connection dropped): retried later.
    Transient(String),
}

/// The SMTP transport of a URL, or why the URL cannot be used.
pub fn smtp(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    Ok(AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        // The URL holds the password: the message does not repeat it.
        .map_err(|e| format!("not an SMTP URL such as smtps://user:password@host:465 ({e})"))?
        .timeout(Some(SMTP_TIMEOUT))
        .build())
}

impl Transport {
    pub fn from_settings(settings: &Settings) -> Result<Transport, String> {
        if settings.email.smtp_url.is_empty() {
            Ok(Transport::Files(settings.server.data_dir.join("mail")))
        } else {
            smtp(&settings.email.smtp_url).map(Transport::Smtp)
        }
    }

    /// Where messages go, for the log and `email status` (never the credentials).
    pub fn describe(&self, settings: &Settings) -> String {
        match self {
            Transport::Smtp(_) => match url::Url::parse(&settings.email.smtp_url) {
                Ok(u) => format!(
                    "SMTP server {}:{}",
                    u.host_str().unwrap_or("?"),
                    u.port().map_or("default port".into(), |p| p.to_string())
                ),
                Err(_) => "SMTP server".into(),
            },
            Transport::Files(dir) => format!(
                "no SMTP server configured: messages are written as .eml files in {}",
                dir.display()
            ),
        }
    }

    /// Sends one message; with the files transport, returns the file written.
    pub async fn send(&self, settings: &Settings, mail: &Mail) -> Result<Option<PathBuf>, Failure> {
        let message = build(settings, mail).map_err(Failure::Permanent)?;
        match self {
            Transport::Smtp(smtp) => match smtp.send(message).await {
                Ok(_) => Ok(None),
                Err(e) if e.is_permanent() => Err(Failure::Permanent(e.to_string())),
                Err(e) => Err(Failure::Transient(e.to_string())),
            },
            Transport::Files(dir) => {
                let name = format!(
                    "{}-{}.eml",
                    chrono::Utc::now().format("%Y%m%dT%H%M%S%.6f"),
                    crate::civic::tokens::random_code(6)
                );
                let path = dir.join(name);
                let write = async {
                    tokio::fs::create_dir_all(dir).await?;
                    tokio::fs::write(&path, message.formatted()).await
                };
                write
                    .await
                    .map_err(|e| Failure::Transient(format!("{}: {e}", path.display())))?;
                Ok(Some(path))
            }
        }
    }
}

/// The message as it leaves: from the instance's sender, plain text and (when there is one) HTML
/// alternatives, in UTF-8; lettre encodes the headers.
fn build(settings: &Settings, mail: &Mail) -> Result<Message, String> {
    let from: Mailbox = settings
        .email
        .from
        .parse()
        .map_err(|e| format!("from: {e}"))?;
    let to: Mailbox = mail.to.parse().map_err(|e| format!("to: {e}"))?;
    let mut builder = Message::builder().from(from).to(to).subject(&mail.subject);
    if !settings.email.reply_to.is_empty() {
        let reply_to: Mailbox = settings
            .email
            .reply_to
            .parse()
            .map_err(|e| format!("reply-to: {e}"))?;
        builder = builder.reply_to(reply_to);
    }
    if let Some(url) = &mail.unsubscribe {
        // RFC 2369 and RFC 8058: mail clients offer "unsubscribe" and post to the link, no sign-in needed.
        use lettre::message::header::{HeaderName, HeaderValue};
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".into(),
            ));
    }
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(mail.text.clone());
    let message = match &mail.html {
        Some(html) => builder.multipart(
            MultiPart::alternative().singlepart(text).singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_HTML)
                    .body(html.clone()),
            ),
        ),
        None => builder.singlepart(text),
    };
    message.map_err(|e| e.to_string())
}
