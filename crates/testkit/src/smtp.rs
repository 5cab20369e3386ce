//! A real SMTP server for mail tests: Python's aiosmtpd, run by the interpreter named by
//! `SILO_TEST_PYTHON`. Tests that need it skip, with a printed reason, when that is unset or
//! cannot import aiosmtpd (`.ci/run` always provides it).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The environment variable naming the Python interpreter for tests.
pub const PYTHON_VAR: &str = "SILO_TEST_PYTHON";

/// Bounds the wait for the server to start.
const PATIENCE: Duration = Duration::from_secs(60);

/// The interpreter from `SILO_TEST_PYTHON` if it has aiosmtpd; `None` after saying why not.
pub fn python() -> Option<PathBuf> {
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

/// A port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Saves each message as `<n>.msg`: envelope lines (`from ...`, `to ...`), a blank line, the
/// message as received; written under a temporary name, then renamed. With a delay, it first
/// creates `receiving` and waits that long before accepting each message.
const SERVER: &str = r#"
import asyncio, os, sys, threading
from aiosmtpd.controller import Controller

port, out, delay = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
count = len([n for n in os.listdir(out) if n.endswith(".msg")])
lock = threading.Lock()

class Save:
    async def handle_DATA(self, server, session, envelope):
        global count
        if delay > 0:
            open(os.path.join(out, "receiving"), "w").close()
            await asyncio.sleep(delay)
        with lock:
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

/// An aiosmtpd server on 127.0.0.1 that keeps every message it accepts in a directory; killed
/// when dropped. A server started again on the same directory keeps counting.
pub struct SmtpServer {
    child: Child,
    out: PathBuf,
}

/// A message as the server received it.
#[derive(Clone, Debug)]
pub struct Received {
    /// The envelope sender.
    pub from: String,
    /// The envelope recipients.
    pub to: Vec<String>,
    /// The message.
    pub message: Vec<u8>,
}

impl Received {
    /// The message as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.message).into_owned()
    }

    /// The value of the first header `name` (case-insensitive), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let text = self.text();
        let head = text.split("\r\n\r\n").next().unwrap_or_default();
        let mut lines = head.split("\r\n").peekable();
        while let Some(line) = lines.next() {
            if let Some((key, value)) = line.split_once(':')
                && key.eq_ignore_ascii_case(name)
            {
                let mut value = value.trim().to_owned();
                while let Some(next) = lines.next_if(|l| l.starts_with([' ', '\t'])) {
                    value.push(' ');
                    value.push_str(next.trim());
                }
                return Some(value);
            }
        }
        None
    }
}

impl SmtpServer {
    /// Starts a server on `port`, saving messages under `out`; returns once it answers.
    pub async fn start(python: &Path, port: u16, out: &Path) -> SmtpServer {
        Self::start_slow(python, port, out, Duration::ZERO).await
    }

    /// A server that takes `delay` over each message, creating `<out>/receiving` when the
    /// first one is being received (to stop a sender while a message is in flight).
    pub async fn start_slow(python: &Path, port: u16, out: &Path, delay: Duration) -> SmtpServer {
        std::fs::create_dir_all(out).unwrap();
        let mut child = Command::new(python)
            .args(["-c", SERVER, &port.to_string()])
            .arg(out)
            .arg(delay.as_secs_f64().to_string())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        // The script prints "ready" once the server answers (aiosmtpd's Controller checks).
        let ready = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        });
        let server = SmtpServer {
            child,
            out: out.to_owned(),
        };
        let line = tokio::time::timeout(PATIENCE, ready)
            .await
            .expect("the SMTP server did not start in time")
            .unwrap()
            .unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP server did not start");
        server
    }

    /// Every message received so far (by this server or an earlier one on its directory),
    /// in order.
    pub fn received(&self) -> Vec<Received> {
        received_in(&self.out)
    }

    /// Whether a slow server has begun receiving a message.
    pub fn receiving(&self) -> bool {
        self.out.join("receiving").exists()
    }
}

/// The messages saved in `out`, in order.
pub fn received_in(out: &Path) -> Vec<Received> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(out) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
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

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
