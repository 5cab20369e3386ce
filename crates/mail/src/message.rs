//! A [`Mail`] as an RFC 5322 message: multipart/alternative (plain text, then HTML), inside a
//! multipart/mixed with the attachments when there are any, with `Message-ID` and `Date`.

use crate::{Mail, MailError, MailId, Outgoing};
use lettre::Address;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment, Body, Mailbox, Message, MultiPart, SinglePart};

pub(crate) fn build(from: &Mailbox, id: MailId, mail: Mail) -> Result<Outgoing, MailError> {
    let to: Address = mail.to.trim().parse().map_err(MailError::Recipient)?;
    let message = Message::builder()
        .message_id(Some(format!("<{id}@{}>", from.email.domain())))
        .date_now()
        .from(from.clone())
        .to(Mailbox::new(None, to))
        .subject(one_line(&mail.subject));
    let alternative = MultiPart::alternative()
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(body(mail.text)),
        )
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .body(body(mail.html)),
        );
    let message = if mail.attachments.is_empty() {
        message.multipart(alternative)
    } else {
        let mut mixed = MultiPart::mixed().multipart(alternative);
        for file in mail.attachments {
            let kind = ContentType::parse(&file.content_type)
                .map_err(|_| MailError::Attachment(file.content_type.clone()))?;
            mixed =
                mixed.singlepart(Attachment::new(one_line(&file.filename)).body(file.bytes, kind));
        }
        message.multipart(mixed)
    }
    .map_err(MailError::Build)?;
    let envelope = message.envelope();
    Ok(Outgoing {
        id,
        sender: envelope.from().map(ToString::to_string),
        recipients: envelope.to().iter().map(ToString::to_string).collect(),
        message: message.formatted(),
    })
}

/// The text as it is (7bit for ASCII, else 8bit UTF-8), so links stay whole and readable in
/// the raw message. lettre would switch to quoted-printable past 76 characters a line (a
/// recommendation); the limit 8bit must keep is 998 octets a line (RFC 5322). Longer lines,
/// which our templates never make, get lettre's choice.
fn body(text: String) -> Body {
    let crlf = text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\n', "\r\n");
    let fits = !crlf.contains('\0') && crlf.split("\r\n").all(|line| line.len() <= 998);
    if !fits {
        return Body::new(text);
    }
    let encoding = if crlf.is_ascii() {
        ContentTransferEncoding::SevenBit
    } else {
        ContentTransferEncoding::EightBit
    };
    Body::dangerous_pre_encoded(crlf.into_bytes(), encoding)
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
            attachments: Vec::new(),
        }
    }

    #[test]
    fn headers_and_parts() {
        let from: Mailbox = "Silo <silo@example.org>".parse().unwrap();
        let id = MailId::new();
        let link = format!("https://x.example/reset-password?token={}", "a".repeat(80));
        let built = build(&from, id, mail(&format!("Visit\n{link}\n"))).unwrap();
        assert_eq!(built.id, id);
        assert_eq!(built.sender.as_deref(), Some("silo@example.org"));
        assert_eq!(built.recipients, ["bo@example.com"]);
        let raw = String::from_utf8(built.message).unwrap();
        assert!(
            raw.contains(&format!("Message-ID: <{id}@example.org>")),
            "{raw}"
        );
        assert!(raw.contains("Date: "), "{raw}");
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(
            raw.contains(&format!("\r\n{link}\r\n")),
            "a long link stays whole: {raw}"
        );
        assert!(raw.contains("Content-Transfer-Encoding: 7bit"), "{raw}");
        assert!(raw.contains("Content-Transfer-Encoding: 8bit"), "{raw}");
        assert!(
            raw.contains("<p>Hé</p>"),
            "8bit keeps UTF-8 readable: {raw}"
        );
        assert!(!raw.contains("\r\nBcc:"), "no header injection: {raw}");
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
        let raw = String::from_utf8(built.message).unwrap();
        assert!(raw.lines().all(|l| l.len() <= 998));
    }
}
