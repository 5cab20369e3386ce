//! A [`Mail`] as an RFC 5322 message: multipart/alternative (plain text, then HTML), with
//! `Message-ID` and `Date`.

use crate::{Mail, MailError, MailId};
use lettre::Address;
use lettre::address::Envelope;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, Message, MultiPart, SinglePart};

/// A message ready to be written: its bytes and the SMTP envelope.
pub(crate) struct Built {
    pub(crate) envelope: Envelope,
    pub(crate) bytes: Vec<u8>,
}

pub(crate) fn build(from: &Mailbox, id: MailId, mail: Mail) -> Result<Built, MailError> {
    let to: Address = mail.to.trim().parse().map_err(MailError::Recipient)?;
    let message = Message::builder()
        .message_id(Some(format!("<{id}@{}>", from.email.domain())))
        .date_now()
        .from(from.clone())
        .to(Mailbox::new(None, to))
        .subject(one_line(&mail.subject))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(body(mail.text)),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(body(mail.html)),
                ),
        )
        .map_err(MailError::Build)?;
    Ok(Built {
        envelope: message.envelope().clone(),
        bytes: message.formatted(),
    })
}

/// UTF-8 as it is (8bit) when the lines allow, so links stay readable in the raw message;
/// otherwise whatever lettre finds best (quoted-printable or base64).
fn body(text: String) -> Body {
    match Body::new_with_encoding(text, ContentTransferEncoding::EightBit) {
        Ok(body) => body,
        Err(bytes) => Body::new(String::from_utf8_lossy(&bytes).into_owned()),
    }
}

/// A subject never spans lines.
fn one_line(subject: &str) -> String {
    subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(text: &str) -> Mail {
        Mail {
            to: "bo@example.com".into(),
            subject: "Hi\r\nBcc: eve@example.com".into(),
            text: text.into(),
            html: "<p>Hé</p>".into(),
        }
    }

    #[test]
    fn headers_and_parts() {
        let from: Mailbox = "Silo <silo@example.org>".parse().unwrap();
        let id = MailId::new();
        let built = build(&from, id, mail("Visit https://x.example/a?token=abc\n")).unwrap();
        let raw = String::from_utf8(built.bytes).unwrap();
        assert!(raw.contains(&format!("Message-ID: <{id}@example.org>")), "{raw}");
        assert!(raw.contains("Date: "), "{raw}");
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("https://x.example/a?token=abc"), "{raw}");
        assert!(raw.contains("<p>Hé</p>"), "8bit keeps UTF-8 readable: {raw}");
        assert!(!raw.contains("\r\nBcc:"), "no header injection: {raw}");
        assert_eq!(built.envelope.to(), ["bo@example.com".parse().unwrap()]);
    }

    #[test]
    fn a_bad_recipient_is_refused() {
        let from: Mailbox = "silo@example.org".parse().unwrap();
        let mut m = mail("x");
        m.to = "not-an-address".into();
        assert!(matches!(
            build(&from, MailId::new(), m),
            Err(MailError::Recipient(_))
        ));
    }

    #[test]
    fn overlong_lines_fall_back_to_an_encoding() {
        let from: Mailbox = "silo@example.org".parse().unwrap();
        let built = build(&from, MailId::new(), mail(&"x".repeat(2000))).unwrap();
        let raw = String::from_utf8(built.bytes).unwrap();
        assert!(raw.lines().all(|l| l.len() <= 998));
    }
}
