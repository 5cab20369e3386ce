//! Several servers: two `silo serve` processes behind HAProxy, on one PostgreSQL control plane
//! and two tenant servers (the local cluster named twice, as `127.0.0.1` and as `localhost`,
//! which Silo takes for two servers). What one server (or a command) changes, the other sees on
//! its next request: logout, member removal, suspension, key rotation and retirement. Login
//! limits are one allowance for both. Background work (webhook jobs, the mail queue) runs once
//! although both servers run a worker.
//!
//! Needs PostgreSQL (`SILO_TEST_POSTGRES_URL`) and HAProxy (Debian's `haproxy`; `.ci/run`
//! installs it). Without HAProxy the test skips, unless `SILO_TEST_PYTHON` is set (a full CI
//! environment), where it fails instead. The mail part needs aiosmtpd (`SILO_TEST_PYTHON`).

use crate::keys::ok;
use serde_json::{Value, json};
use silo_testkit::smtp::{SmtpServer, free_port};
use silo_testkit::{TestBackend, TestStorage};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const PASSWORD: &str = "correct horse battery";

/// Opens each server's `/metrics` on its public port.
const METRICS_TOKEN: &str = "metrics for the multi-server test";

/// Kills a child process when the test ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// HAProxy from the PATH or Debian's `/usr/sbin`; `None` after saying why the test skips.
fn haproxy() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/sbin")])
        .map(|dir| dir.join("haproxy"))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os(silo_testkit::smtp::PYTHON_VAR).is_none_or(|p| p.is_empty()),
            "haproxy is not installed, but SILO_TEST_PYTHON is set (a CI environment): \
             apt-get install -y --no-install-recommends haproxy"
        );
        eprintln!("skipped: haproxy is not installed, so no load balancer to test behind");
    }
    found
}

/// The `silo` binary on the test's PostgreSQL deployment (data directory shared: keys, secret).
fn command(storage: &TestStorage) -> Command {
    let pg = storage.pg.as_ref().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_silo"));
    cmd.arg("--data")
        .arg(storage.dir.path())
        .arg("--database-url")
        .arg(&pg.control_url);
    for server in &pg.servers {
        cmd.arg("--tenant-server").arg(server);
    }
    cmd.env_remove("SILO_DATABASE_URL")
        .env_remove("SILO_TENANT_SERVERS")
        .env_remove("SILO_TENANT_SECRET")
        .env_remove("SILO_SIGNING_KEY_FILE")
        .env_remove("SILO_KEY_RELOAD_INTERVAL")
        .env_remove("SILO_SMTP_URL")
        .env("SILO_OWNER_PASSWORD", PASSWORD);
    cmd
}

fn silo(storage: &TestStorage, args: &[&str]) -> String {
    ok(&command(storage).args(args).output().unwrap())
}

/// Starts `silo serve` with a worker, mail to `smtp_port`, private webhook targets allowed and
/// the balancer (and the test, on 127.0.0.1) trusted to name the client address.
fn serve(storage: &TestStorage, smtp_port: u16) -> (Killed, String) {
    let mut child = command(storage)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--audit-checkpoint-interval",
            "0",
            "--key-reload-interval",
            "1",
            "--webhook-allow-private",
            "true",
            "--trusted-proxy",
            "127.0.0.1",
            "--smtp-url",
            &format!("smtp://127.0.0.1:{smtp_port}"),
            "--metrics-token",
            METRICS_TOKEN,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let child = Killed(child);
    let url = crate::address_after(&mut lines, "listening on ", |_| {});
    // The server logs to a pipe nobody reads otherwise; keep it drained.
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

/// HAProxy's configuration: round robin over `backends` (name, `host:port`), the client address
/// in `X-Forwarded-For`, and the name of the server that answered in `X-Served-By`.
fn haproxy_config(listen: &str, backends: &[(&str, &str)]) -> String {
    let mut config = format!(
        "global\n    maxconn 4096\n\
         defaults\n    mode http\n    timeout connect 5s\n    timeout client 60s\n    \
         timeout server 60s\n    option forwardfor\n\
         frontend silo\n    bind {listen}\n    default_backend servers\n\
         backend servers\n    balance roundrobin\n    \
         http-response set-header X-Served-By %s\n"
    );
    for (name, addr) in backends {
        config.push_str(&format!("    server {name} {addr}\n"));
    }
    config
}

/// Starts HAProxy in front of the servers; answers once its port accepts connections.
async fn balance(bin: &Path, dir: &Path, servers: &[&str]) -> (Killed, String) {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let names = ["a", "b", "c", "d"];
    let backends: Vec<(&str, &str)> = servers
        .iter()
        .zip(names)
        .map(|(url, name)| (name, url.trim_start_matches("http://")))
        .collect();
    let config = dir.join("haproxy.cfg");
    std::fs::write(&config, haproxy_config(&listen, &backends)).unwrap();
    let child = Killed(
        Command::new(bin)
            .arg("-db")
            .arg("-f")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(&listen).await.is_err() {
        assert!(Instant::now() < deadline, "haproxy did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (child, format!("http://{listen}"))
}

/// Waits (at most 30 s) until `check` holds.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The `kid` in a token's header.
fn kid_of(token: &str) -> String {
    use base64::Engine as _;
    let header = token.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap(),
    )
    .unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

/// The two servers and the balancer in front of them.
struct Cluster {
    client: reqwest::Client,
    a: String,
    b: String,
    lb: String,
}

/// An answer: status, body, the refresh cookie if one was set, and which server answered
/// through the balancer.
struct Reply {
    status: u16,
    body: Value,
    cookie: Option<String>,
    served_by: Option<String>,
}

impl Cluster {
    async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let res = request.send().await.unwrap();
        let status = res.status().as_u16();
        let cookie = res
            .headers()
            .get("set-cookie")
            .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_owned());
        let served_by = res
            .headers()
            .get("x-served-by")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            body,
            cookie,
            served_by,
        }
    }

    async fn post(&self, base: &str, path: &str, token: Option<&str>, body: Value) -> Reply {
        let mut req = self.client.post(format!("{base}{path}")).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    async fn login(&self, base: &str, email: &str) -> (String, String) {
        let r = self
            .post(
                base,
                "/api/auth/login",
                None,
                json!({"email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        (
            r.body["token"].as_str().unwrap().to_owned(),
            r.cookie.unwrap(),
        )
    }

    /// A login attempt from `address` (the test is a trusted proxy); answers the status.
    async fn guess(&self, base: &str, email: &str, address: &str, password: &str) -> u16 {
        let req = self
            .client
            .post(format!("{base}/api/auth/login"))
            .header("x-forwarded-for", address)
            .json(&json!({"email": email, "password": password}));
        self.send(req).await.status
    }

    /// The status of `GET path` with `token` on each server directly and through the balancer
    /// until both servers answered there (round robin: two or three requests).
    async fn statuses(&self, path: &str, token: &str) -> BTreeMap<String, u16> {
        let mut seen = BTreeMap::new();
        for (name, base) in [("a", &self.a), ("b", &self.b)] {
            let r = self
                .send(self.client.get(format!("{base}{path}")).bearer_auth(token))
                .await;
            seen.insert(format!("direct {name}"), r.status);
        }
        for _ in 0..6 {
            let r = self
                .send(
                    self.client
                        .get(format!("{}{path}", self.lb))
                        .bearer_auth(token),
                )
                .await;
            let by = r.served_by.expect("haproxy names the server");
            seen.insert(format!("balanced {by}"), r.status);
            if seen.len() == 4 {
                break;
            }
        }
        assert_eq!(seen.len(), 4, "the balancer used both servers: {seen:?}");
        seen
    }

    /// Asserts that `token` gets `status` for `GET path` everywhere.
    /// How many access views the server at `base` has answered from memory since it started.
    async fn cache_hits(&self, base: &str) -> u64 {
        let text = self
            .client
            .get(format!("{base}/metrics"))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix("silo_registry_cache_hits_total "))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no silo_registry_cache_hits_total in {text}"))
    }

    /// Asks `path` with `token` on each server directly and checks that each answered from a
    /// remembered access view: what the registry changes next must still act on both.
    async fn remembered_on_both(&self, path: &str, token: &str) {
        for base in [&self.a, &self.b] {
            let hits = self.cache_hits(base).await;
            for _ in 0..2 {
                let r = self
                    .send(self.client.get(format!("{base}{path}")).bearer_auth(token))
                    .await;
                assert_eq!(r.status, 200, "{base}: {}", r.body);
            }
            assert!(
                self.cache_hits(base).await > hits,
                "{base} answered from a remembered view"
            );
        }
    }

    async fn everywhere(&self, what: &str, path: &str, token: &str, status: u16) {
        let seen = self.statuses(path, token).await;
        assert!(seen.values().all(|s| *s == status), "{what}: {seen:?}");
    }
}

/// A webhook receiver: answers 200 to every request and keeps each `webhook-id` and body.
async fn receiver() -> (String, Arc<Mutex<Vec<(String, Value)>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let keep = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let keep = keep.clone();
            tokio::spawn(async move {
                let mut data = Vec::new();
                let mut buf = [0u8; 4096];
                // Headers, then as many body bytes as Content-Length says.
                let (head, length) = loop {
                    let Ok(n) = socket.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    data.extend_from_slice(&buf[..n]);
                    if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&data[..end]).to_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break (end + 4, length);
                    }
                };
                while data.len() < head + length {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => data.extend_from_slice(&buf[..n]),
                    }
                }
                let headers = String::from_utf8_lossy(&data[..head]).to_lowercase();
                let id = headers
                    .lines()
                    .find_map(|l| l.strip_prefix("webhook-id:"))
                    .map(|v| v.trim().to_owned())
                    .unwrap_or_default();
                let body =
                    serde_json::from_slice(&data[head..head + length]).unwrap_or(Value::Null);
                keep.lock().unwrap().push((id, body));
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    (url, got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_behind_haproxy_share_revocation_keys_limits_and_background_work() {
    let Some(backend) = TestBackend::postgres() else {
        return;
    };
    let Some(haproxy) = haproxy() else {
        return;
    };
    let TestBackend::Postgres(url) = &backend else {
        unreachable!()
    };
    // One cluster under two names: two tenant servers as far as placement is concerned.
    let second = url.replacen("127.0.0.1", "localhost", 1);
    assert_ne!(&second, url, "SILO_TEST_POSTGRES_URL names 127.0.0.1");
    let storage = TestStorage::postgres_servers(url, vec![url.clone(), second]);
    silo(
        &storage,
        &[
            "company",
            "create",
            "--name",
            "Acme",
            "--slug",
            "acme",
            "--owner-email",
            "ann@acme.example",
        ],
    );
    silo(
        &storage,
        &[
            "company",
            "create",
            "--name",
            "Bolt",
            "--slug",
            "bolt",
            "--owner-email",
            "bea@bolt.example",
        ],
    );
    let list: Value =
        serde_json::from_str(&silo(&storage, &["company", "list", "--json"])).unwrap();
    let servers: BTreeSet<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["placement"]["server"].as_str().unwrap())
        .collect();
    assert_eq!(
        servers.len(),
        2,
        "one company on each tenant server: {list}"
    );
    silo(
        &storage,
        &[
            "member",
            "add",
            "acme",
            "bob@acme.example",
            "sales",
            "--password",
            PASSWORD,
        ],
    );

    let python = silo_testkit::smtp::python();
    let smtp_port = free_port();
    let mail_dir = storage.dir.path().join("smtp");
    let smtp = match &python {
        Some(python) => Some(SmtpServer::start(python, smtp_port, &mail_dir).await),
        None => None,
    };
    let (_a, a) = serve(&storage, smtp_port);
    let (_b, b) = serve(&storage, smtp_port);
    let (_lb, lb) = balance(&haproxy, storage.dir.path(), &[&a, &b]).await;
    silo_worker::webhook::install_crypto_provider();
    let c = Cluster {
        client: reqwest::Client::new(),
        a: a.clone(),
        b: b.clone(),
        lb: lb.clone(),
    };

    // Sessions from one server work on the other and through the balancer.
    let (ann, _) = c.login(&lb, "ann@acme.example").await;
    let (bob, _) = c.login(&a, "bob@acme.example").await;
    let (bea, bea_cookie) = c.login(&b, "bea@bolt.example").await;
    for token in [&ann, &bob, &bea] {
        c.everywhere("a fresh session", "/api/company", token, 200)
            .await;
    }

    // Each server remembers the access views it read (the PostgreSQL registry is not joined
    // again while its log of access changes is unchanged); every change below must still act on
    // the very next request to either.
    c.remembered_on_both("/api/company", &bea).await;

    // Logout on one server ends the session's access tokens on both.
    let r = c
        .send(
            c.client
                .post(format!("{a}/api/auth/logout"))
                .header("x-silo-refresh", "1")
                .header("cookie", &bea_cookie),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    c.everywhere("after logout on a", "/api/company", &bea, 401)
        .await;

    // Removing a member on one server refuses their token on both.
    c.remembered_on_both("/api/company", &bob).await;
    let members = c
        .send(c.client.get(format!("{b}/api/members")).bearer_auth(&ann))
        .await;
    let bob_id = members.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == "bob@acme.example")
        .map(|m| m["identity_id"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("bob is listed: {}", members.body));
    let r = c
        .send(
            c.client
                .delete(format!("{b}/api/members/{bob_id}"))
                .bearer_auth(&ann),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let seen = c.statuses("/api/company", &bob).await;
    assert!(
        seen.values().all(|s| *s == 401 || *s == 403),
        "after removal on b: {seen:?}"
    );

    // Suspension by the operator's command acts on both; so does resuming.
    c.remembered_on_both("/api/company", &ann).await;
    silo(&storage, &["company", "suspend", "acme"]);
    let seen = c.statuses("/api/company", &ann).await;
    assert!(
        seen.values().all(|s| *s == 403 || *s == 401 || *s == 423),
        "suspended: {seen:?}"
    );
    silo(&storage, &["company", "resume", "acme"]);
    c.everywhere("resumed", "/api/company", &ann, 200).await;

    // Key rotation: both servers sign with the new key within their reload interval; after
    // retirement both refuse tokens signed with the old one.
    let old_kid = kid_of(&ann);
    let rotated = silo(&storage, &["keys", "rotate"]);
    let new_kid = rotated
        .split_whitespace()
        .nth(3)
        .unwrap()
        .trim_end_matches(';')
        .to_owned();
    assert_ne!(new_kid, old_kid);
    for base in [&a, &b] {
        eventually("each server signs with the rotated key", || async {
            kid_of(&c.login(base, "ann@acme.example").await.0) == new_kid
        })
        .await;
    }
    let (fresh, _) = c.login(&lb, "ann@acme.example").await;
    c.everywhere("a token of the new key", "/api/company", &fresh, 200)
        .await;
    c.everywhere("not retired yet", "/api/company", &ann, 200)
        .await;
    silo(&storage, &["keys", "retire", &old_kid]);
    for base in [&a, &b] {
        eventually("each server refuses the retired key", || async {
            c.send(
                c.client
                    .get(format!("{base}/api/company"))
                    .bearer_auth(&ann),
            )
            .await
            .status
                == 401
        })
        .await;
    }
    c.everywhere("retired", "/api/company", &ann, 401).await;
    c.everywhere("the new key", "/api/company", &fresh, 200)
        .await;

    // Jobs run once: each contact's webhook is delivered once, though both servers run a
    // worker over the same work queue.
    let (hook_url, got) = receiver().await;
    let r = c
        .post(
            &lb,
            "/api/webhooks",
            Some(&fresh),
            json!({"url": hook_url, "event_types": ["contact.created"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let endpoint = r.body["endpoint"]["id"].as_str().unwrap().to_owned();
    const CONTACTS: usize = 6;
    for n in 0..CONTACTS {
        let base = [&a, &b, &lb][n % 3];
        let r = c
            .post(
                base,
                "/api/contacts",
                Some(&fresh),
                json!({"name": format!("Contact {n}")}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    eventually("every delivery is recorded as delivered", || async {
        let body = c
            .send(
                c.client
                    .get(format!("{a}/api/webhooks/{endpoint}/deliveries?limit=100"))
                    .bearer_auth(&fresh),
            )
            .await
            .body;
        let items = body["items"].as_array().cloned().unwrap_or_default();
        items.len() == CONTACTS && items.iter().all(|d| d["state"] == "delivered")
    })
    .await;
    let received = got.lock().unwrap().clone();
    let ids: BTreeSet<&str> = received.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        (received.len(), ids.len()),
        (CONTACTS, CONTACTS),
        "each event delivered once: {received:?}"
    );

    // Mail runs once: invitations queued through either server are each sent once.
    if let Some(smtp) = &smtp {
        const INVITES: usize = 6;
        for n in 0..INVITES {
            let base = [&a, &b, &lb][n % 3];
            let r = c
                .post(
                    base,
                    "/api/members",
                    Some(&fresh),
                    json!({"email": format!("guest{n}@acme.example"), "role": "viewer"}),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
        }
        eventually("the mail queue has sent every invitation", || async {
            let json: Value =
                serde_json::from_str(&silo(&storage, &["jobs", "list", "--mail", "--json"]))
                    .unwrap();
            let counts = &json["mail_queue"]["counts"];
            counts["sent"] == INVITES && counts["pending"] == 0
        })
        .await;
        let mut recipients: Vec<String> =
            smtp.received().iter().flat_map(|m| m.to.clone()).collect();
        recipients.sort();
        let expected: Vec<String> = (0..INVITES)
            .map(|n| format!("guest{n}@acme.example"))
            .collect();
        assert_eq!(recipients, expected, "each invitation sent once");
    }

    // Login limits are one allowance: five guesses at one email spread over both servers, and
    // the sixth is refused on either, the right password included.
    for n in 0..5 {
        let base = [&a, &b, &lb][n % 3];
        assert_eq!(
            c.guess(base, "ann@acme.example", "203.0.113.7", "wrong guess")
                .await,
            401
        );
    }
    for base in [&a, &b, &lb] {
        assert_eq!(
            c.guess(base, "ann@acme.example", "203.0.113.8", PASSWORD)
                .await,
            429,
            "{base}"
        );
    }
    // Per client address: 20 failed attempts at different emails, spread, and the 21st is
    // refused on both.
    for n in 0..20 {
        let base = [&a, &b, &lb][n % 3];
        assert_eq!(
            c.guess(base, &format!("x{n}@acme.example"), "198.51.100.9", "wrong")
                .await,
            401,
            "attempt {n}"
        );
    }
    for base in [&a, &b, &lb] {
        assert_eq!(
            c.guess(base, "bea@bolt.example", "198.51.100.9", PASSWORD)
                .await,
            429,
            "{base}"
        );
    }
    assert_eq!(
        c.guess(&b, "bea@bolt.example", "198.51.100.10", PASSWORD)
            .await,
        200,
        "another address is not limited"
    );
}
