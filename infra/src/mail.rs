//! Email over SMTP (`lettre`): one message with a text and an HTML part, inline images and
//! attachments, sent on a connection of its own with a deterministic Message-ID.
//!
//! Sending is split in stages so a failure says whether the message can have been delivered:
//! everything up to and including the server's answer to `DATA` (connect, TLS, login, sender,
//! recipient) either fails before any of the message left us, or is refused by the server with a
//! 4xx / 5xx reply: a [`SendError::Definite`] failure, safe to try again. Once the message body
//! is on the wire, a timeout or a dropped connection before the server's final reply leaves the
//! outcome unknown ([`SendError::Ambiguous`]): the server may have queued it. Callers must not
//! resend those (at most once).

use crate::config::{NotifySettings, SmtpTls};
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment as MimeAttachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};
use std::future::Future;
use std::time::Duration;

/// One file carried by a message.
#[derive(Clone, Debug)]
pub struct Attachment {
    /// The file's name as the reader sees it.
    pub filename: String,
    /// Its MIME type, e.g. `image/png`.
    pub content_type: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// `Some(cid)`: shown inside the HTML part as `<img src="cid:{cid}">`, not as a download.
    pub inline_cid: Option<String>,
}

/// A message ready to send.
#[derive(Clone, Debug)]
pub struct OutgoingEmail {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
    /// The Message-ID's local part (e.g. `confirmation.{booking_id}`), the same on every
    /// attempt so a reader (or a deduplicating relay) sees one message.
    pub message_key: String,
    /// Inline images and attachments.
    pub attachments: Vec<Attachment>,
}

/// Why a message was not sent, and whether it may have been.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Not delivered: nothing was accepted by the server. Safe to send again.
    #[error("not sent: {0}")]
    Definite(String),
    /// Maybe delivered: the body was sent but the server's verdict never came. Never resend.
    #[error("outcome unknown: {0}")]
    Ambiguous(String),
}

/// An SMTP client for one server and sender.
#[derive(Clone, Debug)]
pub struct Mailer {
    host: String,
    port: u16,
    tls: SmtpTls,
    credentials: Option<(String, String)>,
    timeout: Duration,
    from: Mailbox,
}

impl Mailer {
    /// A client for the configured server; checks the sender address.
    pub fn new(settings: &NotifySettings) -> anyhow::Result<Self> {
        let from: Mailbox = settings
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("MTBP_MAIL_FROM is not a mailbox: {e}"))?;
        Ok(Self {
            host: settings.smtp_host.clone(),
            port: settings.smtp_port,
            tls: settings.smtp_tls,
            credentials: settings.smtp_credentials.clone(),
            timeout: settings.smtp_timeout,
            from,
        })
    }

    /// The Message-ID that `message_key` gets: `<{key}@{sender's domain}>`.
    pub fn message_id(&self, message_key: &str) -> String {
        format!("<{message_key}@{}>", self.from.email.domain())
    }

    /// Sends one message; answers the server's reply to the body (its queue id, when it gives
    /// one), or the Message-ID when the reply is empty.
    pub async fn send(&self, email: &OutgoingEmail) -> Result<String, SendError> {
        let message = self.build(email)?;
        let envelope = message.envelope().clone();
        let bytes = message.formatted();
        let mut conn = self.connect().await?;
        let mut options = Vec::new();
        if !bytes.is_ascii() {
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let t = self.timeout;
        stage(
            t,
            conn.command(Mail::new(envelope.from().cloned(), options)),
        )
        .await?;
        for to in envelope.to() {
            stage(t, conn.command(Rcpt::new(to.clone(), vec![]))).await?;
        }
        stage(t, conn.command(Data)).await?;
        // From here on the server may hold the message: only a refusal is definite.
        let reply = match tokio::time::timeout(t, conn.message(&bytes)).await {
            Ok(Ok(reply)) => reply,
            Ok(Err(e)) if e.is_transient() || e.is_permanent() => {
                return Err(SendError::Definite(format!("message refused: {e}")));
            }
            Ok(Err(e)) => return Err(SendError::Ambiguous(format!("after DATA: {e}"))),
            Err(_) => return Err(SendError::Ambiguous("timed out after DATA".into())),
        };
        // The message is accepted; a failed QUIT changes nothing.
        let _ = tokio::time::timeout(t, conn.quit()).await;
        let queued = reply.message().collect::<Vec<_>>().join(" ");
        Ok(if queued.trim().is_empty() {
            self.message_id(&email.message_key)
        } else {
            queued
        })
    }

    /// Connects, secures and logs in: every failure here is definite.
    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let definite = |e: lettre::transport::smtp::Error| SendError::Definite(e.to_string());
        let tls = || TlsParameters::new(self.host.clone()).map_err(definite);
        let hello = ClientId::default();
        let wrapped = match self.tls {
            SmtpTls::Tls => Some(tls()?),
            _ => None,
        };
        let t = Some(self.timeout);
        let connect = AsyncSmtpConnection::connect_tokio1(
            (self.host.as_str(), self.port),
            t,
            &hello,
            wrapped,
            None,
        );
        let mut conn = stage(self.timeout, connect).await?;
        if self.tls == SmtpTls::StartTls {
            stage(self.timeout, conn.starttls(tls()?, &hello)).await?;
        }
        if let Some((user, password)) = &self.credentials {
            let creds = Credentials::new(user.clone(), password.clone());
            let login = conn.auth(&[Mechanism::Plain, Mechanism::Login], &creds);
            stage(self.timeout, login).await?;
        }
        Ok(conn)
    }

    /// Builds the MIME message: mixed[related[alternative[text, html], inline…], files…].
    fn build(&self, email: &OutgoingEmail) -> Result<Message, SendError> {
        let invalid = |what: &str, e: &dyn std::fmt::Display| {
            SendError::Definite(format!("invalid {what}: {e}"))
        };
        let to: Mailbox = email.to.parse().map_err(|e| invalid("recipient", &e))?;
        let mut related = MultiPart::related().multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ));
        let mut files = Vec::new();
        for a in &email.attachments {
            let kind = ContentType::parse(&a.content_type).map_err(|e| invalid("type", &e))?;
            match &a.inline_cid {
                Some(cid) => {
                    let part =
                        MimeAttachment::new_inline_with_name(cid.clone(), a.filename.clone());
                    related = related.singlepart(part.body(a.bytes.clone(), kind));
                }
                None => {
                    files.push(MimeAttachment::new(a.filename.clone()).body(a.bytes.clone(), kind))
                }
            }
        }
        let body = files
            .into_iter()
            .fold(MultiPart::mixed().multipart(related), |m, f: SinglePart| {
                m.singlepart(f)
            });
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(self.message_id(&email.message_key)))
            .multipart(body)
            .map_err(|e| invalid("message", &e))
    }
}

/// Runs a step that comes before the message body: a timeout or an error is definite.
async fn stage<T>(
    timeout: Duration,
    step: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
) -> Result<T, SendError> {
    match tokio::time::timeout(timeout, step).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(SendError::Definite(e.to_string())),
        Err(_) => Err(SendError::Definite("timed out before DATA".into())),
    }
}
