#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
#![allow(dead_code)]
//! `spawn_app()`: a real server on a free port with storage of its own on the current test's
//! backend (SQLite, or PostgreSQL inside `silo_testkit::backend_tests!`) and a mail outbox of
//! its own, and helpers to drive it, to read the mail it sent and to forge tokens the way an
//! attacker would.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use reqwest::StatusCode;
use serde_json::{Value, json};
use silo_auth::{KeySet, TokenConfig, Tokens};
use silo_server::{
    LoginLimits, MetricsAccess, MetricsToken, Passwords, RequestLimits, Server, ServerConfig,
};
use silo_tenancy::{DataDir, PoolSettings, Tenancy};
use silo_testkit::TestStorage;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const PASSWORD: &str = "correct horse battery";

/// The bearer token that opens `/metrics` on the public port of every test server.
pub const METRICS_TOKEN: &str = "metrics-token-of-the-tests-0123";

pub struct TestApp {
    pub url: String,
    pub client: reqwest::Client,
    pub tenancy: Arc<Tenancy>,
    pub storage: TestStorage,
    /// The server's password work: its counts, and a way to hold every slot.
    pub passwords: Arc<Passwords>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    running: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_with(ServerConfig::default()).await
}

pub async fn spawn_with(config: ServerConfig) -> TestApp {
    spawn_on(TestStorage::new(), config).await
}

/// A server on storage the test set up itself (private clusters, several tenant servers).
/// Every test client comes from 127.0.0.1, so the per-address limits are raised out of the way.
pub async fn spawn_on(storage: TestStorage, config: ServerConfig) -> TestApp {
    let config = ServerConfig {
        login_limits: LoginLimits {
            per_email: 5,
            per_address: 1000,
            window: Duration::from_secs(600),
        },
        request_limits: RequestLimits {
            signups_per_address: 1000,
            resets_per_address: 1000,
            invitations_per_company: 1000,
            window: Duration::from_secs(600),
        },
        ..config
    };
    start(storage, config).await
}

/// A server with exactly the limits in `config` (only the port is chosen here).
pub async fn spawn_exact(config: ServerConfig) -> TestApp {
    start(TestStorage::new(), config).await
}

async fn start(storage: TestStorage, config: ServerConfig) -> TestApp {
    let tenancy = Arc::new(storage.open(PoolSettings::default()).await);
    let keys = KeySet::load_or_create(&DataDir::new(storage.dir.path()).keys_dir()).unwrap();
    let tokens = Tokens::new(keys, TokenConfig::default());
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        mail: silo_mail::MailSettings {
            dir: mail_dir(&storage),
            ..config.mail
        },
        worker: config.worker.map(quick),
        metrics: MetricsAccess {
            listen: config.metrics.listen,
            token: Some(MetricsToken::new(METRICS_TOKEN)),
        },
        ..config
    };
    let server = Server::build(config, tenancy.clone(), tokens)
        .await
        .unwrap();
    let url = format!("http://{}", server.local_addr().unwrap());
    let passwords = server.passwords();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(server.run_until_stopped(async {
        let _ = rx.await;
    }));
    TestApp {
        url,
        client: reqwest::Client::new(),
        tenancy,
        storage,
        passwords,
        shutdown: Some(tx),
        running: Some(running),
    }
}

impl TestApp {
    /// Stops the server as a shutdown signal would and waits until it has (requests finished,
    /// refused tokens recorded); the storage stays for the test to read.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(running) = self.running.take() {
            running.await.unwrap().unwrap();
        }
    }
}

/// A worker that retries within a test's patience: the delays shrink, the logic stays. A
/// recheck delay the test chose itself is kept. It keeps no provisioning pool: tests share the
/// PostgreSQL server, and the tenancy tests cover the pool.
pub fn quick(worker: silo_worker::WorkerConfig) -> silo_worker::WorkerConfig {
    let default = silo_worker::WorkerConfig::default();
    silo_worker::WorkerConfig {
        provisioning_pool: 0,
        poll: Duration::from_millis(200),
        retry_base: Duration::from_millis(50),
        retry_cap: Duration::from_secs(1),
        unavailable_recheck: if worker.unavailable_recheck == default.unavailable_recheck {
            Duration::from_millis(100)
        } else {
            worker.unavailable_recheck
        },
        ..worker
    }
}

/// Waits (at most 30 s) until `check` holds; fails the test otherwise.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Another server process on the same storage (a restart, or a second node), serving until
/// dropped.
pub struct Extra {
    pub url: String,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl TestApp {
    /// Starts another server on this app's storage with the key set as it is on disk now (a
    /// restart after a key rotation, say).
    pub async fn another_server(&self) -> Extra {
        let keys =
            KeySet::load_or_create(&DataDir::new(self.storage.dir.path()).keys_dir()).unwrap();
        let tokens = Tokens::new(keys, TokenConfig::default());
        let config = ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            mail: silo_mail::MailSettings {
                dir: mail_dir(&self.storage),
                ..silo_mail::MailSettings::default()
            },
            ..ServerConfig::default()
        };
        let server = Server::build(config, self.tenancy.clone(), tokens)
            .await
            .unwrap();
        let url = format!("http://{}", server.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(server.run_until_stopped(async {
            let _ = rx.await;
        }));
        Extra { url, _shutdown: tx }
    }
}

/// This test's mail directory: without SMTP, sent mail lands in its `outbox/`.
fn mail_dir(storage: &TestStorage) -> std::path::PathBuf {
    storage.dir.path().join("mail")
}

impl TestApp {
    /// The database of the company with id `company`, as the server opens it.
    pub async fn tenant_db(&self, company: &str) -> silo_store::TenantDb {
        let company = self
            .tenancy
            .control()
            .company(company.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        self.tenancy.tenant_db(&company).await.unwrap()
    }

    /// The raw messages (RFC 5322 text) in this app's outbox addressed to `email`, oldest
    /// first.
    pub fn mails_to(&self, email: &str) -> Vec<String> {
        let outbox = mail_dir(&self.storage).join("outbox");
        let mut paths: Vec<_> = match std::fs::read_dir(&outbox) {
            Ok(entries) => entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "eml"))
                .collect(),
            Err(_) => Vec::new(),
        };
        // File names are time-ordered ids (UUID v7).
        paths.sort();
        paths
            .into_iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .filter(|mail| {
                let head = mail.split("\r\n\r\n").next().unwrap_or_default();
                head.lines().any(|line| {
                    line.strip_prefix("To: ")
                        .is_some_and(|to| to.trim().eq_ignore_ascii_case(email))
                })
            })
            .collect()
    }
}

/// The first `http(s)://.../{path}?token=...` link in a raw message (the text parts are
/// 7bit/8bit, so links are plain), e.g. `link_in(&mail, "/verify-email")`.
pub fn link_in(mail: &str, path: &str) -> String {
    let needle = format!("/{}?token=", path.trim_start_matches('/'));
    mail.match_indices("http")
        .map(|(at, _)| {
            let rest = &mail[at..];
            let end = rest
                .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .find(|url| {
            (url.starts_with("http://") || url.starts_with("https://")) && url.contains(&needle)
        })
        .unwrap_or_else(|| panic!("no link to {path} in the mail:\n{mail}"))
        .to_owned()
}

/// A response's status and JSON body.
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    #[track_caller]
    pub fn expect(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status.as_u16(), self.code()),
            (status, code),
            "body: {}",
            self.body
        );
    }
}

impl TestApp {
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        reply(req).await
    }

    /// A POST request with a JSON body and a token, to send later (see [`send_all`]).
    pub fn post_request(&self, path: &str, token: &str, body: Value) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}{path}", self.url))
            .bearer_auth(token)
            .json(&body)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut req = self.client.get(format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        let mut req = self.client.post(format!("{}{path}", self.url)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        let mut req = self.client.patch(format!("{}{path}", self.url)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        let mut req = self.client.put(format!("{}{path}", self.url)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        let mut req = self.client.delete(format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    /// A member of `company` in `role`, logged in; returns a token bound to the company.
    pub async fn member_token(&self, company: &str, email: &str, role: silo_roles::Role) -> String {
        self.add_member(company, email, role).await;
        let r = self.login(email, Some(company)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["token"].as_str().unwrap().to_owned()
    }

    /// Signs up a company and verifies its address through the mailed link; returns (token,
    /// company id).
    pub async fn signup(&self, company: &str, email: &str) -> (String, String) {
        let r = self
            .post(
                "/api/signup",
                None,
                json!({"company_name": company, "email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(r.status, 202, "{}", r.body);
        let token = self.mailed_token(email, "verify-email");
        let r = self
            .post("/api/auth/verify-email", None, json!({ "token": token }))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        (
            r.body["token"].as_str().unwrap().to_owned(),
            r.body["company"]["id"].as_str().unwrap().to_owned(),
        )
    }

    /// The token of the link to `path` in the newest mail to `email` that has one.
    pub fn mailed_token(&self, email: &str, path: &str) -> String {
        let needle = format!("/{path}?token=");
        let mail = self
            .mails_to(email)
            .into_iter()
            .rev()
            .find(|m| m.contains(&needle))
            .unwrap_or_else(|| panic!("no mail with a {path} link to {email}"));
        let link = link_in(&mail, path);
        link.rsplit_once("token=").unwrap().1.to_owned()
    }

    /// The operator moves company `id` (as signup answers it) to `plan`, as `silo company plan`
    /// does: owners cannot choose a paid plan themselves.
    pub async fn operator_plan(&self, id: &str, plan: silo_control::Plan) {
        self.tenancy
            .control()
            .set_plan(id.parse().unwrap(), plan)
            .await
            .unwrap();
    }

    /// The slug of the company a test calls `name`: signup gives every company a random
    /// suffix (`acme-k3xq7z`), so `acme` finds the one company whose slug is `acme` plus a
    /// suffix. An id, an exact slug or a name matching none is returned as given.
    pub async fn slug(&self, name: &str) -> String {
        let companies = self.tenancy.control().list_companies().await.unwrap();
        let matching: Vec<String> = companies
            .iter()
            .map(|(c, _)| c.slug.as_str().to_owned())
            .filter(|slug| {
                slug == name
                    || slug
                        .strip_prefix(name)
                        .and_then(|rest| rest.strip_prefix('-'))
                        .is_some_and(|suffix| suffix.len() == 6)
            })
            .collect();
        match matching.as_slice() {
            [one] => one.clone(),
            [] => name.to_owned(),
            many => panic!("{name} names several companies: {many:?}"),
        }
    }

    pub async fn login(&self, email: &str, company: Option<&str>) -> Reply {
        let mut body = json!({"email": email, "password": PASSWORD});
        if let Some(c) = company {
            body["company"] = json!(self.slug(c).await);
        }
        self.post("/api/auth/login", None, body).await
    }

    /// Adds an identity with a password to a company in a role, as the CLI does.
    pub async fn add_member(&self, company: &str, email: &str, role: silo_roles::Role) {
        let control = self.tenancy.control();
        let company = control
            .find_company(&self.slug(company).await)
            .await
            .unwrap()
            .unwrap();
        let identity = control
            .ensure_identity(&silo_control::NewIdentity {
                email: silo_control::Email::parse(email).unwrap(),
                name: String::new(),
                password_hash: Some(
                    silo_auth::password::hash(&silo_auth::password::Password::new(PASSWORD))
                        .unwrap(),
                ),
            })
            .await
            .unwrap();
        control
            .add_membership(identity, company.id, role)
            .await
            .unwrap();
    }

    /// The PEM of the active signing key, read from the data directory like a thief would.
    pub fn signing_pem(&self) -> (String, String) {
        let keys = self.storage.dir.path().join("keys");
        let kid = std::fs::read_to_string(keys.join("active"))
            .unwrap()
            .trim()
            .to_owned();
        let pem = std::fs::read_to_string(keys.join(format!("{kid}.pem"))).unwrap();
        (kid, pem)
    }
}

async fn reply(req: reqwest::RequestBuilder) -> Reply {
    let res = req.send().await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply {
        status,
        headers,
        body,
    }
}

/// Sends every request at once, each on its own task, and returns the replies in order.
pub async fn send_all(requests: Vec<reqwest::RequestBuilder>) -> Vec<Reply> {
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|r| tokio::spawn(reply(r)))
        .collect();
    let mut replies = Vec::with_capacity(tasks.len());
    for t in tasks {
        replies.push(t.await.unwrap());
    }
    replies
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Claims like ours, for `sub` and `company_id`, valid now.
pub fn claims(sub: &str, company: Option<&str>) -> Value {
    let mut c = json!({
        "iss": "silo", "aud": "silo-api", "sub": sub,
        "iat": now(), "nbf": now(), "exp": now() + 600,
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    if let Some(company) = company {
        c["company_id"] = json!(company);
    }
    c
}

/// A compact JWS over arbitrary header and claims, signed with `key` as `alg` (or unsigned).
pub fn forge(
    header: &Value,
    claims: &Value,
    key: Option<(&jsonwebtoken::EncodingKey, jsonwebtoken::Algorithm)>,
) -> String {
    let message = format!(
        "{}.{}",
        B64.encode(serde_json::to_vec(header).unwrap()),
        B64.encode(serde_json::to_vec(claims).unwrap())
    );
    let signature = match key {
        Some((k, alg)) => jsonwebtoken::crypto::sign(message.as_bytes(), k, alg).unwrap(),
        None => String::new(),
    };
    format!("{message}.{signature}")
}

/// The payload of a token, decoded without checks.
pub fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&B64.decode(part).unwrap()).unwrap()
}
