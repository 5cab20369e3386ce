#![allow(clippy::unwrap_used, reason = "tests fail loudly")]
//! Webhooks over HTTP, end to end: a real receiver (an axum server in the test) records what
//! the worker sends. Deliveries arrive signed and verify with the reference implementation of
//! Standard Webhooks (the `standardwebhooks` package, run with `SILO_TEST_PYTHON`); a receiver
//! that is down for a while gets its deliveries later, in order; `410 Gone` disables the
//! endpoint; addresses on internal networks are refused when saved and again when connecting;
//! another company and a role without `webhooks.manage` get nothing; secrets are shown once.

use crate::common;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::*;
use serde_json::{Value, json};
use silo_roles::Role;
use silo_server::ServerConfig;
use silo_worker::WorkerConfig;
use silo_worker::webhook::{Sender, WebhookSettings};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

#[derive(Default)]
struct ReceiverState {
    log: Mutex<Vec<Received>>,
    /// Statuses to answer, in turn; 200 once they run out.
    answers: Mutex<VecDeque<u16>>,
}

/// A webhook receiver on 127.0.0.1: records every request and answers as told.
struct Receiver {
    url: String,
    state: Arc<ReceiverState>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn hook(
    State(state): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    state.log.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body: String::from_utf8(body.to_vec()).unwrap(),
    });
    let status = state.answers.lock().unwrap().pop_front().unwrap_or(200);
    (StatusCode::from_u16(status).unwrap(), "thanks")
}

impl Receiver {
    async fn start() -> Receiver {
        let state = Arc::new(ReceiverState::default());
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(hook))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Receiver {
            url,
            state,
            _stop: stop,
        }
    }

    fn port(&self) -> u16 {
        self.url
            .rsplit(':')
            .next()
            .unwrap()
            .trim_end_matches("/hook")
            .parse()
            .unwrap()
    }

    fn answer(&self, statuses: &[u16]) {
        self.state.answers.lock().unwrap().extend(statuses);
    }

    fn received(&self) -> Vec<Received> {
        self.state.log.lock().unwrap().clone()
    }

    /// Waits (bounded) until at least `n` requests arrived.
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        let got = eventually(|| async {
            let log = self.received();
            (log.len() >= n).then_some(log)
        })
        .await;
        got.unwrap_or_else(|| panic!("{n} requests expected, got {:?}", self.received()))
    }
}

/// Polls `check` until it gives a value, for at most 30 seconds.
async fn eventually<T, F, Fut>(mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(v) = check().await {
            return Some(v);
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A server that may send to the test's own receiver (allow_private) with a fast worker.
fn fast_config() -> ServerConfig {
    ServerConfig {
        webhooks: WebhookSettings {
            allow_private: true,
            timeout: Duration::from_secs(5),
        },
        worker: Some(WorkerConfig {
            retry_base: Duration::from_millis(50),
            poll: Duration::from_millis(20),
            ..Default::default()
        }),
        ..ServerConfig::default()
    }
}

async fn create_endpoint(
    app: &TestApp,
    token: &str,
    url: &str,
    events: &[&str],
) -> (String, String) {
    let r = app
        .post(
            "/api/webhooks",
            Some(token),
            json!({"url": url, "event_types": events, "description": "CRM sync"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let secret = r.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    (
        r.body["endpoint"]["id"].as_str().unwrap().to_owned(),
        secret,
    )
}

async fn deliveries(app: &TestApp, token: &str, endpoint: &str) -> Vec<Value> {
    let r = app
        .get(&format!("/api/webhooks/{endpoint}/deliveries"), Some(token))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

/// Waits until every delivery of the endpoint is in `state`, and there are `n` of them.
async fn deliveries_in(
    app: &TestApp,
    token: &str,
    endpoint: &str,
    n: usize,
    state: &str,
) -> Vec<Value> {
    eventually(|| async {
        let list = deliveries(app, token, endpoint).await;
        (list.len() == n && list.iter().all(|d| d["state"] == state)).then_some(list)
    })
    .await
    .unwrap_or_else(|| {
        panic!("{n} deliveries {state} expected");
    })
}

/// Verifies each (secret, request) with the reference implementation of Standard Webhooks;
/// `false` (after saying why) where no interpreter is configured.
fn verify_with_reference(cases: &[(&str, &Received)]) -> bool {
    let Ok(python) = std::env::var("SILO_TEST_PYTHON") else {
        eprintln!(
            "webhooks: SILO_TEST_PYTHON is not set; signatures were not checked with the reference implementation"
        );
        return false;
    };
    let input: Vec<Value> = cases
        .iter()
        .map(|(secret, r)| {
            json!({
                "secret": secret,
                "body": r.body,
                "headers": {
                    "webhook-id": r.id,
                    "webhook-timestamp": r.timestamp,
                    "webhook-signature": r.signature,
                },
            })
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases.json");
    std::fs::write(&path, json!(input).to_string()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/verify_webhooks.py");
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the reference implementation refused a delivery (pip install standardwebhooks into SILO_TEST_PYTHON's venv if it is missing):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdicts.len(), cases.len());
    for (verdict, (_, r)) in verdicts.iter().zip(cases) {
        assert_eq!(verdict, "ok", "{r:?}");
    }
    true
}

async fn deliveries_arrive_signed_and_verify() {
    let app = spawn_with(fast_config()).await;
    let receiver = Receiver::start().await;
    let quiet = Receiver::start().await;
    let (owner, _) = app.signup("Acme", "ann@acme.example").await;
    let t = owner.as_str();
    let (endpoint, secret) =
        create_endpoint(&app, t, &receiver.url, &["contact.created", "deal.won"]).await;
    let (_, _) = create_endpoint(&app, t, &quiet.url, &["invoice.paid"]).await;

    // A subscribed event arrives, signed; an event nobody subscribed to goes nowhere.
    app.post("/api/accounts", Some(t), json!({"name": "Beta"}))
        .await
        .expect(201, "");
    let contact = app
        .post("/api/contacts", Some(t), json!({"name": "Bo"}))
        .await;
    assert_eq!(contact.status, 201);
    let contact_id = contact.body["id"].as_str().unwrap();
    let got = receiver.wait_for(1).await;
    let first = &got[0];
    let payload = first.json();
    assert_eq!(payload["type"], "contact.created");
    assert_eq!(payload["data"]["id"], contact_id);
    assert!(payload["timestamp"].as_str().unwrap().ends_with('Z'));
    assert!(first.signature.starts_with("v1,"), "{}", first.signature);
    assert!(
        (first.timestamp.parse::<i64>().unwrap() - now()).abs() < 60,
        "{}",
        first.timestamp
    );
    let log = deliveries_in(&app, t, &endpoint, 1, "delivered").await;
    assert_eq!(
        log[0]["event_id"],
        first.id.as_str(),
        "webhook-id is the event id"
    );
    assert_eq!(log[0]["event_type"], "contact.created");
    assert_eq!(log[0]["attempts"], 1);
    assert_eq!(log[0]["last_status"], 200);
    assert_eq!(log[0]["attempt_log"][0]["status"], 200);
    assert_eq!(log[0]["attempt_log"][0]["response"], "thanks");

    // A test event goes to the endpoint asked only.
    let test = app
        .post(
            &format!("/api/webhooks/{endpoint}/test"),
            Some(t),
            json!({}),
        )
        .await;
    assert_eq!(test.status, 202, "{}", test.body);
    assert_eq!(test.body["event_type"], "webhook.test");
    let got = receiver.wait_for(2).await;
    assert_eq!(got[1].json()["type"], "webhook.test");
    assert_eq!(got[1].json()["data"]["id"], endpoint.as_str());

    // After a rotation both secrets sign, for a while.
    let rotated = app
        .post(
            &format!("/api/webhooks/{endpoint}/rotate-secret"),
            Some(t),
            json!({}),
        )
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let new_secret = rotated.body["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    assert!(rotated.body["endpoint"]["previous_secret_expires_at"].is_string());
    app.post("/api/contacts", Some(t), json!({"name": "Cy"}))
        .await
        .expect(201, "");
    let got = receiver.wait_for(3).await;
    let third = &got[2];
    assert_eq!(third.signature.split(' ').count(), 2, "{}", third.signature);

    let checked = verify_with_reference(&[
        (&secret, &got[0]),
        (&secret, &got[1]),
        (&secret, third),
        (&new_secret, third),
    ]);
    if !checked {
        // Still check the signatures against our own signer, so the test means something.
        let sig = silo_domain::webhooks::signature::sign(
            &secret,
            &first.id,
            first.timestamp.parse().unwrap(),
            first.body.as_bytes(),
        )
        .unwrap();
        assert_eq!(sig, first.signature);
    }
    assert!(quiet.received().is_empty(), "{:?}", quiet.received());

    // Secrets are never in reads, the audit trail or the outbox's events.
    let list = app.get("/api/webhooks", Some(t)).await;
    let one = app.get(&format!("/api/webhooks/{endpoint}"), Some(t)).await;
    let audit = app.get("/api/audit?limit=200", Some(t)).await;
    let log = app
        .get(&format!("/api/webhooks/{endpoint}/deliveries"), Some(t))
        .await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        one.body["event_types"],
        json!(["contact.created", "deal.won"])
    );
    for answer in [&list.body, &one.body, &audit.body, &log.body] {
        let text = answer.to_string();
        for s in [&secret, &new_secret] {
            let key = s.trim_start_matches("whsec_");
            assert!(!text.contains(key), "a secret in {text}");
        }
        assert!(!text.contains("\"secret\""), "{text}");
    }
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["action"].as_str())
        .collect();
    for action in ["webhook.create", "webhook.test", "webhook.rotate_secret"] {
        assert!(actions.contains(&action), "{action} not in {actions:?}");
    }
}

async fn a_receiver_that_was_down_gets_everything_in_order() {
    let app = spawn_with(fast_config()).await;
    let receiver = Receiver::start().await;
    let (owner, _) = app.signup("Acme", "ann@acme.example").await;
    let t = owner.as_str();
    let (endpoint, _) = create_endpoint(&app, t, &receiver.url, &["contact.created"]).await;
    // Down for the first four attempts (two kinds of failure), then up.
    receiver.answer(&[503, 500, 503, 302]);
    let mut contacts = Vec::new();
    for name in ["A", "B", "C", "D", "E"] {
        let r = app
            .post("/api/contacts", Some(t), json!({"name": name}))
            .await;
        assert_eq!(r.status, 201);
        contacts.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let log = deliveries_in(&app, t, &endpoint, 5, "delivered").await;
    let got = receiver.received();
    assert_eq!(got.len(), 4 + contacts.len(), "{got:?}");
    // Strictly in order: the first contact's delivery until it got through, then the others,
    // each once.
    let order: Vec<String> = got
        .iter()
        .map(|r| r.json()["data"]["id"].as_str().unwrap().to_owned())
        .collect();
    let mut expected = vec![contacts[0].clone(); 5];
    expected.extend(contacts[1..].iter().cloned());
    assert_eq!(order, expected);
    // The same message id on every attempt of one delivery.
    assert!(got[..5].iter().all(|r| r.id == got[0].id));
    // The log, newest first: the first delivery has every attempt.
    let first = log.last().unwrap();
    assert_eq!(first["attempts"], 5);
    let statuses: Vec<i64> = first["attempt_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_i64().unwrap())
        .collect();
    assert_eq!(statuses, [200, 302, 503, 500, 503]);
    assert_eq!(first["attempt_log"][1]["error"], "answered 302 Found");
    assert!(log[..4].iter().all(|d| d["attempts"] == 1));
}

async fn gone_disables_the_endpoint_and_failed_deliveries_can_be_sent_again() {
    let app = spawn_with(fast_config()).await;
    let receiver = Receiver::start().await;
    let (owner, _) = app.signup("Acme", "ann@acme.example").await;
    let t = owner.as_str();
    let (endpoint, _) = create_endpoint(&app, t, &receiver.url, &["contact.created"]).await;
    receiver.answer(&[410]);
    app.post("/api/contacts", Some(t), json!({"name": "A"}))
        .await
        .expect(201, "");
    let log = deliveries_in(&app, t, &endpoint, 1, "failed").await;
    assert_eq!(log[0]["attempts"], 1, "410 is not retried");
    assert_eq!(log[0]["last_status"], 410);
    let e = app.get(&format!("/api/webhooks/{endpoint}"), Some(t)).await;
    assert_eq!(e.body["enabled"], false, "{}", e.body);
    assert_eq!(e.body["disabled_reason"], "gone");
    assert!(e.body["disabled_at"].is_string());

    // Nothing more is queued for a disabled endpoint; a test event is refused.
    app.post("/api/contacts", Some(t), json!({"name": "B"}))
        .await
        .expect(201, "");
    assert_eq!(deliveries(&app, t, &endpoint).await.len(), 1);
    app.post(
        &format!("/api/webhooks/{endpoint}/test"),
        Some(t),
        json!({}),
    )
    .await
    .expect(409, "invalid_transition");
    let delivery = log[0]["id"].as_str().unwrap();
    let redeliver = format!("/api/webhooks/{endpoint}/deliveries/{delivery}/redeliver");
    app.post(&redeliver, Some(t), json!({}))
        .await
        .expect(409, "invalid_transition");

    // Turned on again, the failed delivery can be sent again: once.
    let on = app
        .patch(
            &format!("/api/webhooks/{endpoint}"),
            Some(t),
            json!({"enabled": true}),
        )
        .await;
    assert_eq!(on.status, 200, "{}", on.body);
    assert_eq!(on.body["disabled_reason"], Value::Null);
    let again = app.post(&redeliver, Some(t), json!({})).await;
    assert_eq!(again.status, 202, "{}", again.body);
    let log = deliveries_in(&app, t, &endpoint, 1, "delivered").await;
    assert_eq!(log[0]["attempts"], 2);
    app.post(&redeliver, Some(t), json!({}))
        .await
        .expect(409, "invalid_transition");
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].id, got[1].id, "a redelivery is the same message");
    let audit = app.get("/api/audit?action=webhook.", Some(t)).await;
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["action"].as_str())
        .collect();
    // The 410 (by Silo itself) and the person's change, and the redelivery.
    assert_eq!(
        actions.iter().filter(|a| **a == "webhook.update").count(),
        2,
        "{actions:?}"
    );
    assert!(actions.contains(&"webhook.redeliver"), "{actions:?}");
}

/// A host name of this machine that resolves to a loopback or private address, if any.
fn own_name_resolving_privately() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()?
        .trim()
        .to_owned();
    if name.is_empty() || name.contains("localhost") {
        return None;
    }
    use std::net::ToSocketAddrs;
    let addrs: Vec<_> = (name.as_str(), 443).to_socket_addrs().ok()?.collect();
    (!addrs.is_empty()
        && addrs
            .iter()
            .all(|a| silo_domain::webhooks::address::forbidden(a.ip()).is_some()))
    .then_some(name)
}

async fn addresses_on_internal_networks_are_refused() {
    // The default: private addresses not allowed.
    let app = spawn_app().await;
    let (owner, _) = app.signup("Acme", "ann@acme.example").await;
    let t = Some(owner.as_str());
    let mut refused = vec![
        "https://127.0.0.1/hook".to_owned(),
        "https://127.1.2.3:8443/hook".to_owned(),
        "https://10.0.0.1/hook".to_owned(),
        "https://10.200.3.4/hook".to_owned(),
        "https://172.20.0.1/hook".to_owned(),
        "https://192.168.1.10/hook".to_owned(),
        "https://100.100.0.1/hook".to_owned(),
        "https://169.254.169.254/latest/meta-data/".to_owned(),
        "https://[::1]/hook".to_owned(),
        "https://[::ffff:127.0.0.1]/hook".to_owned(),
        "https://[::ffff:a9fe:a9fe]/hook".to_owned(),
        "https://[fd00::1]/hook".to_owned(),
        "https://[fe80::1]/hook".to_owned(),
        "https://0x7f.0.0.1/hook".to_owned(),
        "https://2130706433/hook".to_owned(),
        "https://localhost/hook".to_owned(),
        "https://localhost./hook".to_owned(),
        "https://api.localhost:8080/hook".to_owned(),
    ];
    if let Some(name) = own_name_resolving_privately() {
        refused.push(format!("https://{name}/hook"));
    } else {
        eprintln!(
            "webhooks: this machine's name does not resolve to a private address; that case is not checked"
        );
    }
    for url in &refused {
        let r = app
            .post(
                "/api/webhooks",
                t,
                json!({"url": url, "event_types": ["contact.created"]}),
            )
            .await;
        r.expect(422, "invalid");
        assert_eq!(
            r.body["error"]["problems"]["url"]["code"], "private_address",
            "{url}: {}",
            r.body
        );
    }
    let r = app
        .post(
            "/api/webhooks",
            t,
            json!({"url": "http://93.184.215.14/hook", "event_types": ["contact.created"]}),
        )
        .await;
    assert_eq!(
        r.body["error"]["problems"]["url"]["code"], "not_https",
        "{}",
        r.body
    );
    // Public addresses are fine (an IP address: nothing to resolve in the test).
    let (endpoint, _) =
        create_endpoint(&app, &owner, "https://93.184.215.14/hook", &["deal.won"]).await;
    let r = app
        .patch(
            &format!("/api/webhooks/{endpoint}"),
            t,
            json!({"url": "https://169.254.169.254/"}),
        )
        .await;
    assert_eq!(
        r.body["error"]["problems"]["url"]["code"],
        "private_address"
    );
    // At most 20 endpoints per company.
    for i in 1..20 {
        create_endpoint(
            &app,
            &owner,
            &format!("https://93.184.215.14/hook/{i}"),
            &["deal.won"],
        )
        .await;
    }
    app.post(
        "/api/webhooks",
        t,
        json!({"url": "https://93.184.215.14/one-too-many", "event_types": ["deal.won"]}),
    )
    .await
    .expect(403, "plan_limit");
    // Bad shapes and event types.
    for (body, field, code) in [
        (
            json!({"url": "ftp://a.example/", "event_types": ["deal.won"]}),
            "url",
            "not_url",
        ),
        (
            json!({"url": "https://u:p@a.example/", "event_types": ["deal.won"]}),
            "url",
            "not_url",
        ),
        (
            json!({"url": "https://", "event_types": ["deal.won"]}),
            "url",
            "not_url",
        ),
        (
            json!({"url": "https://a.example/", "event_types": []}),
            "event_types",
            "too_few",
        ),
        (
            json!({"url": "https://a.example/", "event_types": ["deal.wonn"]}),
            "event_types[0]",
            "not_allowed",
        ),
        (
            json!({"url": "https://a.example/", "event_types": ["deal.won", "webhook.test"]}),
            "event_types[1]",
            "not_allowed",
        ),
    ] {
        let r = app.post("/api/webhooks", t, body.clone()).await;
        r.expect(422, "invalid");
        assert_eq!(
            r.body["error"]["problems"][field]["code"], code,
            "{body}: {}",
            r.body
        );
    }
}

async fn the_sender_checks_the_address_again_when_connecting() {
    // Saved while private addresses were allowed, sent by a worker that does not allow them
    // (an operator changed the setting, or a name now resolves elsewhere).
    let app = spawn_with(ServerConfig {
        worker: None,
        ..fast_config()
    })
    .await;
    let receiver = Receiver::start().await;
    let (owner, company) = app.signup("Acme", "ann@acme.example").await;
    let t = owner.as_str();
    let port = receiver.port();
    let mut urls = vec![
        format!("https://127.0.0.1:{port}/hook"),
        format!("https://[::ffff:7f00:1]:{port}/hook"),
    ];
    if let Some(name) = own_name_resolving_privately() {
        urls.push(format!("https://{name}:{port}/hook"));
    }
    let db = app.tenant_db(&company).await;
    let strict = Sender::new(WebhookSettings::default());
    for url in &urls {
        let (endpoint, _) = create_endpoint(&app, t, url, &["contact.created"]).await;
        app.post(
            &format!("/api/webhooks/{endpoint}/test"),
            Some(t),
            json!({}),
        )
        .await
        .expect(202, "");
        let job = silo_domain::jobs::claim(&db, Duration::from_secs(60), 10)
            .await
            .unwrap()
            .pop()
            .unwrap();
        let outcome = strict.deliver(&db, &job).await;
        assert!(
            matches!(
                outcome,
                silo_worker::JobOutcome::Dead(_) | silo_worker::JobOutcome::Retry(_)
            ),
            "{url}: {outcome:?}"
        );
        silo_domain::jobs::fail(&db, job.id, "test", None)
            .await
            .unwrap();
        let log = deliveries(&app, t, &endpoint).await;
        let error = log[0]["attempt_log"][0]["error"]
            .as_str()
            .unwrap_or_default();
        assert!(error.contains("refused"), "{url}: {}", log[0]);
        assert_eq!(log[0]["attempt_log"][0]["status"], Value::Null);
    }
    assert!(receiver.received().is_empty(), "{:?}", receiver.received());
}

async fn other_companies_and_roles_get_nothing() {
    let app = spawn_with(fast_config()).await;
    let receiver = Receiver::start().await;
    let (acme, acme_id) = app.signup("Acme", "ann@acme.example").await;
    let (beta, _) = app.signup("Beta", "bob@beta.example").await;
    let (endpoint, _) = create_endpoint(&app, &acme, &receiver.url, &["contact.created"]).await;
    let test = app
        .post(
            &format!("/api/webhooks/{endpoint}/test"),
            Some(&acme),
            json!({}),
        )
        .await;
    let delivery = test.body["id"].as_str().unwrap().to_owned();
    receiver.wait_for(1).await;

    let b = Some(beta.as_str());
    assert_eq!(
        app.get("/api/webhooks", b).await.body["items"],
        json!([]),
        "another company lists nothing"
    );
    let base = format!("/api/webhooks/{endpoint}");
    app.get(&base, b).await.expect(404, "not_found");
    app.patch(&base, b, json!({"enabled": false}))
        .await
        .expect(404, "not_found");
    app.post(&format!("{base}/rotate-secret"), b, json!({}))
        .await
        .expect(404, "not_found");
    app.post(&format!("{base}/test"), b, json!({}))
        .await
        .expect(404, "not_found");
    app.get(&format!("{base}/deliveries"), b)
        .await
        .expect(404, "not_found");
    app.post(
        &format!("{base}/deliveries/{delivery}/redeliver"),
        b,
        json!({}),
    )
    .await
    .expect(404, "not_found");
    app.delete(&base, b).await.expect(404, "not_found");
    // Beta's own endpoint cannot reach Acme's delivery either.
    let (own, _) = create_endpoint(&app, &beta, &receiver.url, &["deal.won"]).await;
    app.post(
        &format!("/api/webhooks/{own}/deliveries/{delivery}/redeliver"),
        b,
        json!({}),
    )
    .await
    .expect(404, "not_found");

    // Roles without webhooks.manage.
    for (role, email) in [
        (Role::Sales, "sam@acme.example"),
        (Role::Finance, "fin@acme.example"),
        (Role::Viewer, "vi@acme.example"),
    ] {
        let token = app.member_token(&acme_id, email, role).await;
        let m = Some(token.as_str());
        app.get("/api/webhooks", m).await.expect(403, "forbidden");
        app.get(&base, m).await.expect(403, "forbidden");
        app.post(
            "/api/webhooks",
            m,
            json!({"url": receiver.url, "event_types": ["deal.won"]}),
        )
        .await
        .expect(403, "forbidden");
        app.post(&format!("{base}/test"), m, json!({}))
            .await
            .expect(403, "forbidden");
    }
    // An admin may.
    let admin = app
        .member_token(&acme_id, "ad@acme.example", Role::Admin)
        .await;
    assert_eq!(app.get(&base, Some(&admin)).await.status, 200);

    // Deleting keeps the log in the company's database; the API no longer shows either.
    let a = Some(acme.as_str());
    assert_eq!(app.delete(&base, a).await.status, 204);
    app.get(&base, a).await.expect(404, "not_found");
    app.get(&format!("{base}/deliveries"), a)
        .await
        .expect(404, "not_found");
    assert_eq!(app.get("/api/webhooks", a).await.body["items"], json!([]));
}

/// A worker that dies holding a claimed job (here: claims it and never runs it) leaves it to
/// another once its lease is over; the receiver gets the delivery once.
async fn a_job_whose_worker_died_runs_again_once_its_lease_is_over() {
    let app = spawn_with(ServerConfig {
        worker: None,
        ..fast_config()
    })
    .await;
    let receiver = Receiver::start().await;
    let (owner, company) = app.signup("Acme", "ann@acme.example").await;
    let t = owner.as_str();
    let (endpoint, _) = create_endpoint(&app, t, &receiver.url, &["contact.created"]).await;
    app.post("/api/contacts", Some(t), json!({"name": "Bo"}))
        .await
        .expect(201, "");
    let acme = app
        .tenancy
        .control()
        .company(company.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let db = app.tenancy.tenant_db(&acme).await.unwrap();
    let lease = Duration::from_millis(400);
    let claimed = silo_domain::jobs::claim(&db, lease, 10).await.unwrap();
    assert_eq!(claimed.len(), 1, "the dying worker holds the delivery");
    let worker = Arc::new(silo_worker::Worker::new(
        app.tenancy.clone(),
        quick(WorkerConfig::default()),
        silo_worker::Nudge::default(),
        Arc::new(silo_worker::WorkerMetrics::unregistered()),
        Sender::new(fast_config().webhooks),
    ));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run(async {
        let _ = stopped.await;
    }));
    let log = deliveries_in(&app, t, &endpoint, 1, "delivered").await;
    assert_eq!(receiver.received().len(), 1, "delivered once");
    let job = silo_domain::jobs::get(&db, claimed[0].id).await.unwrap();
    assert_eq!(job.state, silo_contract::JobState::Done);
    assert_eq!(job.attempts, 2, "the lost attempt counts");
    assert_eq!(log[0]["attempts"], 1, "one request was made");
    let _ = stop.send(());
    running.await.unwrap();
}

/// Random writes in several companies, each with an endpoint on a receiver of its own, and
/// four workers (the server's and three on storage handles of their own) racing: each
/// receiver gets exactly its company's events, each once, and nothing else.
async fn deliveries_of_many_companies_never_cross() {
    use rand::{RngExt as _, SeedableRng};
    let seed: u64 = rand::rng().random();
    eprintln!("seed {seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let app = spawn_with(fast_config()).await;
    let mut companies = Vec::new();
    for i in 0..5 {
        let (token, company) = app
            .signup(&format!("Co {i}"), &format!("owner{i}@co{i}.example"))
            .await;
        let receiver = Receiver::start().await;
        create_endpoint(
            &app,
            &token,
            &receiver.url,
            &["account.created", "contact.created", "deal.created"],
        )
        .await;
        companies.push((token, company, receiver));
    }
    let mut workers = Vec::new();
    for _ in 0..3 {
        let tenancy = Arc::new(
            app.storage
                .open(silo_tenancy::PoolSettings::default())
                .await,
        );
        let worker = Arc::new(silo_worker::Worker::new(
            tenancy,
            quick(WorkerConfig {
                concurrency: 2,
                ..WorkerConfig::default()
            }),
            silo_worker::Nudge::default(),
            Arc::new(silo_worker::WorkerMetrics::unregistered()),
            Sender::new(fast_config().webhooks),
        ));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        workers.push((
            stop,
            tokio::spawn(worker.run(async {
                let _ = stopped.await;
            })),
        ));
    }
    let mut requests = Vec::new();
    let mut expected = vec![0usize; companies.len()];
    for _ in 0..50 {
        let c = rng.random_range(0..companies.len());
        expected[c] += 1;
        let token = &companies[c].0;
        let n: u32 = rng.random();
        requests.push(match rng.random_range(0..3) {
            0 => app.post_request("/api/accounts", token, json!({"name": format!("A{n}")})),
            1 => app.post_request("/api/contacts", token, json!({"name": format!("C{n}")})),
            _ => app.post_request("/api/deals", token, json!({"title": format!("D{n}")})),
        });
    }
    for reply in send_all(requests).await {
        reply.expect(201, "");
    }
    for (i, (_, company, receiver)) in companies.iter().enumerate() {
        let got = receiver.wait_for(expected[i]).await;
        let acme = app
            .tenancy
            .control()
            .company(company.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        let db = app.tenancy.tenant_db(&acme).await.unwrap();
        let own: std::collections::BTreeSet<String> = silo_domain::events::since(&db, 0, 10_000)
            .await
            .unwrap()
            .iter()
            .filter(|e| {
                e.event_type.subscribable() && !e.event_type.as_str().starts_with("webhook")
            })
            .map(|e| e.id.to_string())
            .collect();
        let ids: std::collections::BTreeSet<String> = got.iter().map(|r| r.id.clone()).collect();
        assert_eq!(ids.len(), got.len(), "a delivery arrived twice");
        assert_eq!(
            ids, own,
            "{company}'s receiver got other events than its own"
        );
    }
    for (stop, handle) in workers {
        let _ = stop.send(());
        handle.await.unwrap();
    }
}

silo_testkit::backend_tests!(
    a_job_whose_worker_died_runs_again_once_its_lease_is_over,
    deliveries_of_many_companies_never_cross,
    deliveries_arrive_signed_and_verify,
    a_receiver_that_was_down_gets_everything_in_order,
    gone_disables_the_endpoint_and_failed_deliveries_can_be_sent_again,
    addresses_on_internal_networks_are_refused,
    the_sender_checks_the_address_again_when_connecting,
    other_companies_and_roles_get_nothing,
);
