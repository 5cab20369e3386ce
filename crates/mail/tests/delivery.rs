//! Messages end to end: the outbox, and one send over SMTP to a real server (Python's aiosmtpd,
//! from the interpreter named by `SILO_TEST_PYTHON`; those tests are skipped with a printed
//! reason when it is unset or lacks aiosmtpd), and to one that is down. Queueing, retries and
//! dead letters are the worker's (`crates/server/tests/api/mail_queue.rs`).
#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

use mailparse::{MailHeaderMap, ParsedMail};
use silo_mail::templates::{self, Lang};
use silo_mail::{Mail, MailSettings, Mailer, Transport};
use silo_testkit::smtp::{SmtpServer, free_port, python};
use std::path::{Path, PathBuf};

const FROM: &str = "Silo <silo@example.org>";
const LINK: &str = "https://silo.example/reset-password?token=Zm9vYmFy-secret_42";

fn mail_to(to: &str) -> Mail {
    Mail::new(to, templates::password_reset(Lang::Nl, LINK))
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

/// Checks a raw message as the Dutch password reset to `to`.
fn check_message(raw: &[u8], to: &str) {
    let text = std::str::from_utf8(raw).expect("8bit UTF-8, not base64");
    assert!(
        text.contains(LINK),
        "the link is plain in the raw message:\n{text}"
    );
    let parsed = mailparse::parse_mail(raw).unwrap();
    let header = |name: &str| parsed.headers.get_first_value(name).unwrap_or_default();
    assert_eq!(header("From"), FROM);
    assert_eq!(header("To"), to);
    assert_eq!(header("Subject"), "Stel een nieuw wachtwoord in voor Silo");
    assert!(
        header("Message-ID").ends_with("@example.org>"),
        "{}",
        header("Message-ID")
    );
    assert!(!header("Date").is_empty());
    assert_eq!(parsed.ctype.mimetype, "multipart/alternative");
    let [plain, html]: &[ParsedMail; 2] = parsed.subparts.as_slice().try_into().unwrap();
    assert_eq!(plain.ctype.mimetype, "text/plain");
    assert_eq!(html.ctype.mimetype, "text/html");
    let plain = plain.get_body().unwrap();
    let html = html.get_body().unwrap();
    assert!(
        plain.contains(LINK) && plain.contains("1 uur geldig"),
        "{plain}"
    );
    assert!(html.contains(&format!("href=\"{LINK}\"")), "{html}");
}

#[tokio::test]
async fn without_smtp_the_message_is_an_eml_file_in_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let mailer = Mailer::start(MailSettings {
        smtp_url: None,
        from: FROM.into(),
        dir: dir.path().join("mail"),
    })
    .unwrap();
    assert!(mailer.smtp().is_none());
    let built = mailer.build(mail_to("ann@example.com")).unwrap();
    let id = built.id;
    let path = mailer.write_outbox(built).await.unwrap();

    let outbox = dir.path().join("mail/outbox");
    assert_eq!(path, outbox.join(format!("{id}.eml")));
    assert_eq!(
        files(&outbox),
        vec![path.clone()],
        "one file, no temporary left"
    );
    let raw = std::fs::read(&path).unwrap();
    check_message(&raw, "ann@example.com");
    let parsed = mailparse::parse_mail(&raw).unwrap();
    let message_id = parsed.headers.get_first_value("Message-ID").unwrap();
    assert_eq!(message_id, format!("<{id}@example.org>"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "owner-only: the file holds a secret link");
    }
    assert!(
        mailer.build(mail_to("not an address")).is_err(),
        "a bad recipient is refused"
    );
}

#[tokio::test]
async fn smtp_delivers_with_the_right_envelope_and_content() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = SmtpServer::start(&python, port, &dir.path().join("received")).await;
    let mailer = smtp_mailer(dir.path(), port);
    let transport = mailer.smtp().unwrap();

    let built = mailer.build(mail_to("bo@example.com")).unwrap();
    assert_eq!(built.sender.as_deref(), Some("silo@example.org"));
    assert_eq!(built.recipients, ["bo@example.com"]);
    transport.send(&built).await.unwrap();

    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].from, "silo@example.org");
    assert_eq!(received[0].to, ["bo@example.com"]);
    check_message(&received[0].message, "bo@example.com");
    assert!(
        files(&dir.path().join("mail")).is_empty(),
        "with SMTP nothing is written to disk"
    );
}

#[tokio::test]
async fn a_send_to_a_server_that_is_down_fails_for_now_and_names_no_recipient() {
    let dir = tempfile::tempdir().unwrap();
    let mailer = smtp_mailer(dir.path(), free_port());
    let built = mailer.build(mail_to("cy@example.com")).unwrap();
    let err = Transport::send(mailer.smtp().unwrap(), &built)
        .await
        .unwrap_err();
    assert!(!err.permanent, "a server that is down may come up: {err}");
    assert!(!err.reason.contains("cy@"), "{err}");
}

fn smtp_mailer(dir: &Path, port: u16) -> Mailer {
    Mailer::start(MailSettings {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        from: FROM.into(),
        dir: dir.join("mail"),
    })
    .unwrap()
}
