#![allow(clippy::unwrap_used, reason = "tests fail loudly")]
//! One company cannot take the server from the others: its requests in flight are bounded, the
//! excess is refused at once with 503 `busy` and `Retry-After` (never queued), other companies
//! are served meanwhile, and the refusals reach the audit trail counted, not one by one.

use crate::audit_inputs::control_db;
use crate::common::*;
use serde_json::Value;
use silo_roles::Role;
use silo_server::ServerConfig;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// A request to create an account whose body is announced but not yet sent: the server has
/// bound it to its company (and taken a slot) and waits for the body.
struct Held {
    stream: TcpStream,
}

/// The body the held requests finish with, and its length as announced.
const BODY: &str = r#"{"name": "Held Client"}"#;

impl Held {
    async fn start(app: &TestApp, token: &str) -> Held {
        let host = app.url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(host).await.unwrap();
        let head = format!(
            "POST /api/accounts HTTP/1.1\r\nhost: {host}\r\nauthorization: Bearer {token}\r\n\
             content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            BODY.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&BODY.as_bytes()[..1]).await.unwrap();
        stream.flush().await.unwrap();
        Held { stream }
    }

    /// Whether the server has answered already (refused it: a request it took waits for its
    /// body). Reading consumes what it reads; an answered request is only dropped.
    fn answered(&self) -> bool {
        let mut byte = [0u8; 1];
        !matches!(
            self.stream.try_read(&mut byte),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock
        )
    }

    /// Sends the rest of the body and reads the answer's status line.
    async fn finish(mut self) -> String {
        self.stream.write_all(&BODY.as_bytes()[1..]).await.unwrap();
        let mut answer = String::new();
        self.stream.read_to_string(&mut answer).await.unwrap();
        answer.lines().next().unwrap_or_default().to_owned()
    }
}

/// The `access.refusals` records of a company: (actor, target as JSON).
async fn counted_refusals(app: &TestApp, company: &str) -> Vec<(Option<String>, Value)> {
    let db = control_db(app).await;
    let rows = db
        .fetch_all(
            "SELECT identity_id, target FROM audit_events
             WHERE action = 'access.refusals' AND chain = $1 ORDER BY id",
            silo_store::params![company],
        )
        .await
        .unwrap();
    db.close().await;
    rows.iter()
        .map(|r| {
            let target: String = r.get("target").unwrap();
            (
                r.get("identity_id").unwrap(),
                serde_json::from_str(&target).unwrap(),
            )
        })
        .collect()
}

async fn a_company_at_its_bound_is_refused_at_once_and_the_others_are_served() {
    let mut app = spawn_with(ServerConfig {
        company_concurrency: 2,
        ..ServerConfig::default()
    })
    .await;
    let (acme, acme_id) = app.signup("Acme", "ann@acme.example").await;
    let (beta, _) = app.signup("Beta", "bea@beta.example").await;

    let mut held = vec![
        Held::start(&app, &acme).await,
        Held::start(&app, &acme).await,
    ];
    // The held requests take their slots when the server reads their headers; until then a
    // probe may still get in, and a held request that arrives while a probe runs is the one
    // refused: it is sent again, until both hold their slots and the probe is refused.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let refused = loop {
        for request in &mut held {
            if request.answered() {
                *request = Held::start(&app, &acme).await;
            }
        }
        let reply = app.get("/api/accounts", Some(&acme)).await;
        if reply.status == 503 {
            break reply;
        }
        reply.expect(200, "");
        assert!(std::time::Instant::now() < deadline, "never refused");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    refused.expect(503, "busy");
    assert_eq!(refused.headers["retry-after"], "1");

    // Another company is served while acme is at its bound.
    app.get("/api/accounts", Some(&beta)).await.expect(200, "");

    // The held requests complete normally, and their slots come back with them.
    for request in held {
        let status = request.finish().await;
        assert!(status.contains(" 201 "), "{status}");
    }
    let accounts = app.get("/api/accounts", Some(&acme)).await;
    accounts.expect(200, "");
    assert_eq!(accounts.body["items"].as_array().unwrap().len(), 2);

    let metrics = app.get("/metrics", Some(METRICS_TOKEN)).await;
    let busy: u64 = metrics
        .body
        .as_str()
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("silo_company_busy_total "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(busy >= 1, "{busy}");

    // Counted for the audit trail, written when the minute is over (here: at shutdown).
    app.stop().await;
    let records = counted_refusals(&app, &acme_id).await;
    let counted: u64 = records
        .iter()
        .map(|(_, t)| t["kinds"]["busy"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(counted, busy, "every busy refusal is counted once");
}

async fn repeated_refusals_are_counted_not_written_one_by_one() {
    let mut app = spawn_app().await;
    let (_, acme_id) = app.signup("Acme", "ann@acme.example").await;
    let viewer = app
        .member_token("acme", "vic@acme.example", Role::Viewer)
        .await;
    let viewer_id = payload(&viewer)["sub"].as_str().unwrap().to_owned();
    for _ in 0..40 {
        app.post(
            "/api/accounts",
            Some(&viewer),
            serde_json::json!({"name": "Nope"}),
        )
        .await
        .expect(403, "forbidden");
    }
    let db = control_db(&app).await;
    let single = db
        .fetch_all(
            "SELECT target, client_ip FROM audit_events
             WHERE action = 'access.forbidden' AND chain = $1",
            silo_store::params![acme_id.as_str()],
        )
        .await
        .unwrap();
    db.close().await;
    // The first one at once with its route (two if the requests straddled a minute).
    assert!((1..=2).contains(&single.len()), "{}", single.len());
    assert_eq!(
        single[0].get::<String>("target").unwrap(),
        "POST /api/accounts"
    );
    app.stop().await;
    let records = counted_refusals(&app, &acme_id).await;
    let counted: u64 = records
        .iter()
        .map(|(actor, t)| {
            assert_eq!(actor.as_deref(), Some(viewer_id.as_str()));
            t["kinds"]["access.forbidden"].as_u64().unwrap()
        })
        .sum();
    assert_eq!(
        counted + single.len() as u64,
        40,
        "every refusal is accounted for exactly once"
    );
    let reports = app.tenancy.control().verify_audit(None).await.unwrap();
    assert!(reports.iter().all(|r| r.first_broken.is_none()));
}

silo_testkit::backend_tests!(
    a_company_at_its_bound_is_refused_at_once_and_the_others_are_served,
    repeated_refusals_are_counted_not_written_one_by_one,
);
