//! Sending one built message over SMTP. Retrying, leases and dead letters are the caller's
//! (the background worker's); this only makes one attempt and says whether another can help.

use crate::{MailError, Outgoing};
use lettre::Address;
use lettre::address::Envelope;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::fmt;
use std::time::Duration;

/// The longest wait for the SMTP server on one step (connecting, each command, the data), so a
/// server that stops answering cannot hold a message beyond a worker's lease.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// An SMTP server to send through: `smtp://` (plain), `smtps://` (TLS from the start) or
/// `smtp://...?tls=required` (STARTTLS), optionally with `user:password@`. Certificates are
/// checked against the Mozilla roots built in. Cheap to clone; `Debug` hides the URL (it may
/// hold a password).
#[derive(Clone)]
pub struct Transport {
    inner: AsyncSmtpTransport<Tokio1Executor>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport").finish_non_exhaustive()
    }
}

/// Why one attempt to send failed. Its text names the kind of failure and the SMTP reply code,
/// never the server's reply text (which may quote the recipient), the recipient or the message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct SendError {
    /// Retrying cannot help: the server refused the message for good (a 5xx reply), or the
    /// message's envelope is unusable.
    pub permanent: bool,
    /// What went wrong, fit for logs.
    pub reason: String,
}

impl Transport {
    /// The transport for `url`; errors name the problem, never the URL (it may hold a
    /// password).
    pub fn from_url(url: &str) -> Result<Transport, MailError> {
        let parsed =
            url::Url::parse(url).map_err(|e| MailError::Settings(format!("SMTP URL: {e}")))?;
        if !matches!(parsed.scheme(), "smtp" | "smtps") {
            return Err(MailError::Settings(format!(
                "SMTP URL: the scheme must be smtp or smtps, not {:?}",
                parsed.scheme()
            )));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(MailError::Settings("SMTP URL: no host".into()));
        }
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::Settings(format!("SMTP URL: {e}")))?;
        Ok(Transport {
            inner: builder.timeout(Some(STEP_TIMEOUT)).build(),
        })
    }

    /// One attempt to hand `mail` to the SMTP server. `Ok` means the server accepted it.
    pub async fn send(&self, mail: &Outgoing) -> Result<(), SendError> {
        let envelope = envelope(mail)?;
        self.inner
            .send_raw(&envelope, &mail.message)
            .await
            .map(drop)
            .map_err(|e| describe(&e))
    }
}

fn envelope(mail: &Outgoing) -> Result<Envelope, SendError> {
    let unusable = |what: &str| SendError {
        permanent: true,
        reason: format!("the message's envelope is unusable: {what}"),
    };
    let sender = mail
        .sender
        .as_deref()
        .map(str::parse::<Address>)
        .transpose()
        .map_err(|_| unusable("the sender is not an address"))?;
    let recipients = mail
        .recipients
        .iter()
        .map(|r| r.parse::<Address>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| unusable("a recipient is not an address"))?;
    Envelope::new(sender, recipients).map_err(|_| unusable("no recipient"))
}

/// The failure without anything the server said beyond its reply code.
fn describe(error: &lettre::transport::smtp::Error) -> SendError {
    if let Some(code) = error.status() {
        let permanent = error.is_permanent();
        let kind = if permanent { "refused" } else { "deferred" };
        return SendError {
            permanent,
            reason: format!("the SMTP server {kind} the message (reply {code})"),
        };
    }
    let reason = if error.is_response() {
        "the SMTP server's answer could not be read".to_owned()
    } else if error.is_client() {
        "the SMTP client failed".to_owned()
    } else {
        // Connection, network and TLS failures: their causes are about the server, not the
        // message.
        error.to_string()
    };
    SendError {
        permanent: false,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MailId;

    #[test]
    fn smtp_urls() {
        for ok in [
            "smtp://127.0.0.1:2525",
            "smtps://user:pass@smtp.example.com",
            "smtp://user:pass@smtp.example.com:587?tls=required",
        ] {
            assert!(Transport::from_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "https://smtp.example.com",
            "smtp://",
            "smtp://h?tls=sometimes",
        ] {
            assert!(Transport::from_url(bad).is_err(), "{bad}");
        }
        let shown = format!(
            "{:?}",
            Transport::from_url("smtps://user:hunter2@smtp.example.com").unwrap()
        );
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn an_unusable_envelope_is_a_permanent_failure_that_names_no_address() {
        let mail = Outgoing {
            id: MailId::new(),
            sender: Some("silo@example.org".into()),
            recipients: vec!["ann at example.com".into()],
            message: b"x".to_vec(),
        };
        let err = envelope(&mail).unwrap_err();
        assert!(err.permanent);
        assert!(!err.reason.contains("ann"), "{err}");
    }
}
