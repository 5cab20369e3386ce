//! Delivery end to end: the outbox, and a real SMTP server (Python's aiosmtpd, from the
//! interpreter named by `SILO_TEST_PYTHON`; those tests are skipped with a printed reason when
//! it is unset or lacks aiosmtpd), including a server that is down when the message is sent
//! and a mailer that is dropped with a message still in its spool.
#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

use mailparse::{MailHeaderMap, ParsedMail};
use silo_mail::templates::{self, Lang};
use silo_mail::{Mail, MailSettings, Mailer};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const PYTHON_VAR: &str = "SILO_TEST_PYTHON";
const FROM: &str = "Silo <silo@example.org>";
const LINK: &str = "https://silo.example/reset-password?token=Zm9vYmFy-secret_42";
/// Bounds every wait, so a broken delivery fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(60);

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
    let id = mailer.send(mail_to("ann@example.com")).await.unwrap();

    let outbox = dir.path().join("mail/outbox");
    let path = outbox.join(format!("{id}.eml"));
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
    assert_eq!(mailer.pending(), 0);
    mailer.idle().await;
    assert!(
        mailer.send(mail_to("not an address")).await.is_err(),
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

    mailer.send(mail_to("bo@example.com")).await.unwrap();
    tokio::time::timeout(PATIENCE, mailer.idle()).await.unwrap();

    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].from, "silo@example.org");
    assert_eq!(received[0].to, ["bo@example.com"]);
    check_message(&received[0].message, "bo@example.com");
    assert!(files(&dir.path().join("mail/spool")).is_empty());
    assert_eq!(mailer.failed_attempts(), 0);
}

#[tokio::test]
async fn a_message_sent_while_the_server_is_down_arrives_once_it_is_up() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mailer = smtp_mailer(dir.path(), port);

    mailer.send(mail_to("cy@example.com")).await.unwrap();
    assert_eq!(mailer.pending(), 1);
    failed_once(&mailer).await;
    assert_eq!(mailer.pending(), 1, "still spooled after a failed attempt");
    assert_eq!(files(&dir.path().join("mail/spool")).len(), 1);

    let server = SmtpServer::start(&python, port, &dir.path().join("received")).await;
    tokio::time::timeout(PATIENCE, mailer.idle()).await.unwrap();
    let received = server.received();
    assert_eq!(received.len(), 1, "delivered exactly once");
    assert_eq!(received[0].to, ["cy@example.com"]);
    check_message(&received[0].message, "cy@example.com");
    assert!(files(&dir.path().join("mail/spool")).is_empty());
}

#[tokio::test]
async fn a_new_mailer_delivers_what_a_dropped_one_left_in_the_spool() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let first = smtp_mailer(dir.path(), port);
    first.send(mail_to("di@example.com")).await.unwrap();
    failed_once(&first).await;
    drop(first);
    assert_eq!(files(&dir.path().join("mail/spool")).len(), 1);

    let second = smtp_mailer(dir.path(), port);
    assert_eq!(second.pending(), 1, "found in the spool at start");
    let server = SmtpServer::start(&python, port, &dir.path().join("received")).await;
    tokio::time::timeout(PATIENCE, second.idle()).await.unwrap();
    let received = server.received();
    assert_eq!(received.len(), 1, "delivered exactly once");
    check_message(&received[0].message, "di@example.com");
    assert!(files(&dir.path().join("mail/spool")).is_empty());
}

fn smtp_mailer(dir: &Path, port: u16) -> Mailer {
    Mailer::start(MailSettings {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        from: FROM.into(),
        dir: dir.join("mail"),
    })
    .unwrap()
}

/// Waits (bounded) until a delivery attempt has failed.
async fn failed_once(mailer: &Mailer) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while mailer.failed_attempts() == 0 {
        assert!(tokio::time::Instant::now() < deadline, "no attempt failed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A port nothing listens on (bound, then released).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The interpreter from `SILO_TEST_PYTHON` if it has aiosmtpd; `None` after saying why not.
fn python() -> Option<PathBuf> {
    let Some(python) = std::env::var_os(PYTHON_VAR).filter(|p| !p.is_empty()) else {
        eprintln!("skipped: {PYTHON_VAR} is not set, so no SMTP server to test against");
        return None;
    };
    let has_aiosmtpd = Command::new(&python)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_aiosmtpd {
        eprintln!("skipped: {PYTHON_VAR} ({python:?}) cannot import aiosmtpd");
        return None;
    }
    Some(python.into())
}

/// Saves each message as `<n>.msg`: envelope lines (`from ...`, `to ...`), a blank line, the
/// message as received; written under a temporary name, then renamed.
const SERVER: &str = r#"
import os, sys, threading
from aiosmtpd.controller import Controller

port, out = int(sys.argv[1]), sys.argv[2]
count = 0

class Save:
    async def handle_DATA(self, server, session, envelope):
        global count
        count += 1
        base = os.path.join(out, "%06d" % count)
        with open(base + ".tmp", "wb") as f:
            f.write(("from %s\n" % envelope.mail_from).encode())
            for rcpt in envelope.rcpt_tos:
                f.write(("to %s\n" % rcpt).encode())
            f.write(b"\n")
            f.write(envelope.original_content)
        os.rename(base + ".tmp", base + ".msg")
        return "250 Message accepted for delivery"

controller = Controller(Save(), hostname="127.0.0.1", port=port)
controller.start()
print("ready", flush=True)
threading.Event().wait()
"#;

/// An aiosmtpd server on 127.0.0.1, killed when dropped.
struct SmtpServer {
    child: Child,
    out: PathBuf,
}

struct Received {
    from: String,
    to: Vec<String>,
    message: Vec<u8>,
}

impl SmtpServer {
    async fn start(python: &Path, port: u16, out: &Path) -> SmtpServer {
        std::fs::create_dir_all(out).unwrap();
        let mut child = Command::new(python)
            .args(["-c", SERVER, &port.to_string()])
            .arg(out)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        // The script prints "ready" once the server answers (aiosmtpd's Controller checks).
        let ready = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        });
        let line = tokio::time::timeout(PATIENCE, ready)
            .await
            .expect("the SMTP server did not start in time")
            .unwrap()
            .unwrap();
        let server = SmtpServer {
            child,
            out: out.to_owned(),
        };
        assert_eq!(line.trim(), "ready", "the SMTP server did not start");
        server
    }

    fn received(&self) -> Vec<Received> {
        files(&self.out)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "msg"))
            .map(|p| {
                let bytes = std::fs::read(p).unwrap();
                let split = bytes.windows(2).position(|w| w == b"\n\n").unwrap();
                let head = std::str::from_utf8(&bytes[..split]).unwrap();
                let mut received = Received {
                    from: String::new(),
                    to: Vec::new(),
                    message: bytes[split + 2..].to_vec(),
                };
                for line in head.lines() {
                    match line.split_once(' ').unwrap() {
                        ("from", a) => received.from = a.to_owned(),
                        ("to", a) => received.to.push(a.to_owned()),
                        _ => panic!("{line}"),
                    }
                }
                received
            })
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
