#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Mail through the worker, with a real SMTP server (aiosmtpd via `SILO_TEST_PYTHON`; skipped
//! without it), on both backends: a reset mail queued while the SMTP server is down arrives
//! once, when it is up, and keeps no body; two servers on one control plane deliver every
//! message exactly once; mail an older version left in its spool is delivered after start; a
//! message the server never takes becomes a dead letter, which an operator can retry or drop;
//! a stopped worker finishes the message in flight and releases the rest.

use crate::common;

use common::*;
use serde_json::json;
use silo_auth::{KeySet, TokenConfig, Tokens};
use silo_control::{Email, MailState, NewIdentity};
use silo_mail::MailSettings;
use silo_server::{RequestLimits, Server, ServerConfig};
use silo_store::{Db, Timestamp, params};
use silo_tenancy::{DataDir, PoolSettings, Tenancy};
use silo_testkit::TestStorage;
use silo_testkit::smtp::{Received, SmtpServer, free_port, python};
use silo_worker::{Nudge, Worker, WorkerConfig, WorkerMetrics, webhook};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

const FROM: &str = "Silo <silo@example.org>";

fn smtp_url(port: u16) -> String {
    format!("smtp://127.0.0.1:{port}")
}

/// A server configuration that sends mail through the SMTP server on `port`.
fn with_smtp(port: u16, worker: Option<WorkerConfig>) -> ServerConfig {
    ServerConfig {
        mail: MailSettings {
            smtp_url: Some(smtp_url(port)),
            from: FROM.into(),
            ..MailSettings::default()
        },
        worker,
        ..ServerConfig::default()
    }
}

/// Where this test's SMTP server keeps what it received.
fn received_dir(app: &TestApp) -> PathBuf {
    app.storage.dir.path().join("smtp-received")
}

async fn identity(app: &TestApp, email: &str) {
    app.tenancy
        .control()
        .ensure_identity(&NewIdentity {
            email: Email::parse(email).unwrap(),
            name: String::new(),
            password_hash: None,
        })
        .await
        .unwrap();
}

async fn request_reset(client: reqwest::Client, url: String, email: String) {
    let r = client
        .post(format!("{url}/api/auth/password-reset"))
        .json(&json!({ "email": email }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 202, "{}", r.text().await.unwrap());
}

async fn reset(app: &TestApp, email: &str) {
    request_reset(app.client.clone(), app.url.clone(), email.to_owned()).await;
}

/// `(id, state, attempts, has body, locked by)` of every queued message, oldest first.
async fn queue_rows(control: &Db) -> Vec<(String, String, i64, bool, Option<String>)> {
    control
        .fetch_all(
            "SELECT id, state, attempts, message IS NOT NULL AS has_body, locked_by \
             FROM mail_queue ORDER BY id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let has_body: bool = r.get("has_body").unwrap();
            (
                r.get("id").unwrap(),
                r.get("state").unwrap(),
                r.get("attempts").unwrap(),
                has_body,
                r.get("locked_by").unwrap(),
            )
        })
        .collect()
}

fn message_id(received: &Received) -> String {
    received.header("Message-ID").unwrap()
}

/// Nothing more arrives over a few of the worker's polls.
async fn settled(server: &SmtpServer, expected: usize) {
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(server.received().len(), expected, "a message arrived twice");
}

async fn a_reset_mail_queued_while_smtp_is_down_arrives_once_when_it_is_up() {
    let Some(python) = python() else { return };
    let port = free_port();
    let app = spawn_with(with_smtp(
        port,
        Some(WorkerConfig {
            max_attempts: 1000,
            ..WorkerConfig::default()
        }),
    ))
    .await;
    let control = app.storage.control_db().await;
    identity(&app, "ann@example.com").await;
    reset(&app, "ann@example.com").await;

    eventually(
        "an attempt failed while the SMTP server is down",
        || async {
            let listed = app.tenancy.control().list_mail(None, 10).await.unwrap();
            listed.len() == 1 && listed[0].last_error.is_some()
        },
    )
    .await;
    let rows = queue_rows(&control).await;
    assert_eq!((rows[0].1.as_str(), rows[0].3), ("pending", true));
    assert!(
        app.mails_to("ann@example.com").is_empty(),
        "with SMTP nothing goes to the outbox"
    );

    let server = SmtpServer::start(&python, port, &received_dir(&app)).await;
    eventually("the message arrives", || async {
        server.received().len() == 1
    })
    .await;
    eventually("the message is marked sent", || async {
        queue_rows(&control).await[0].1 == "sent"
    })
    .await;
    settled(&server, 1).await;

    let received = &server.received()[0];
    assert_eq!(received.from, "silo@example.org");
    assert_eq!(received.to, ["ann@example.com"]);
    let id = &queue_rows(&control).await[0].0;
    assert_eq!(message_id(received), format!("<{id}@example.org>"));
    // The link works: the message is the one the request queued.
    let token = link_in(&received.text(), "/reset-password")
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    let r = app
        .post(
            "/api/auth/password-reset/confirm",
            None,
            json!({ "token": token, "password": "a new password, long enough" }),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);

    // Sent: the metadata stays, the body (a live secret link) does not.
    let rows = queue_rows(&control).await;
    assert!(!rows[0].3, "a sent message keeps no body");
    let record = app
        .tenancy
        .control()
        .mail(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.state, MailState::Sent);
    assert!(record.sent_at.is_some() && record.attempts >= 2 && !record.has_body);
    let stored: Option<Vec<u8>> = control
        .fetch_one(
            "SELECT message FROM mail_queue WHERE id = $1",
            params![id.as_str()],
        )
        .await
        .unwrap()
        .get("message")
        .unwrap();
    assert_eq!(stored, None);
}

/// Another `silo serve` on the same storage with a control-plane connection of its own, as
/// another machine has; serves until the sender is dropped.
async fn another_machine(
    app: &TestApp,
    config: ServerConfig,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    let tenancy = Arc::new(app.storage.open(PoolSettings::default()).await);
    let keys = KeySet::load_or_create(&DataDir::new(app.storage.dir.path()).keys_dir()).unwrap();
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        request_limits: RequestLimits {
            resets_per_address: 1000,
            ..RequestLimits::default()
        },
        mail: MailSettings {
            dir: app.storage.dir.path().join("mail"),
            ..config.mail
        },
        worker: config.worker.map(quick),
        ..config
    };
    let server = Server::build(config, tenancy, Tokens::new(keys, TokenConfig::default()))
        .await
        .unwrap();
    let url = format!("http://{}", server.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run_until_stopped(async {
        let _ = stopped.await;
    }));
    (url, stop)
}

async fn two_servers_on_one_control_plane_deliver_every_message_exactly_once() {
    let Some(python) = python() else { return };
    let port = free_port();
    let app = spawn_with(with_smtp(port, Some(WorkerConfig::default()))).await;
    let server = SmtpServer::start(&python, port, &received_dir(&app)).await;
    let (other_url, _other) = another_machine(
        &app,
        with_smtp(
            port,
            Some(WorkerConfig {
                batch: 3,
                ..WorkerConfig::default()
            }),
        ),
    )
    .await;
    let control = app.storage.control_db().await;

    const N: usize = 24;
    let emails: Vec<String> = (0..N).map(|i| format!("p{i}@example.com")).collect();
    for email in &emails {
        identity(&app, email).await;
    }
    // All at once, half to each server: both workers are woken and claim side by side.
    let requests: Vec<_> = emails
        .iter()
        .enumerate()
        .map(|(i, email)| {
            let url = if i % 2 == 0 { &app.url } else { &other_url };
            tokio::spawn(request_reset(
                app.client.clone(),
                url.clone(),
                email.clone(),
            ))
        })
        .collect();
    for request in requests {
        request.await.unwrap();
    }

    eventually("every message arrives", || async {
        server.received().len() >= N
    })
    .await;
    eventually("every message is marked sent", || async {
        queue_rows(&control).await.iter().all(|r| r.1 == "sent")
    })
    .await;
    settled(&server, N).await;
    let received = server.received();
    let ids: BTreeSet<String> = received.iter().map(message_id).collect();
    assert_eq!(ids.len(), N, "each message once");
    let to: BTreeSet<String> = received.iter().flat_map(|r| r.to.clone()).collect();
    assert_eq!(to, emails.iter().cloned().collect::<BTreeSet<_>>());
    let rows = queue_rows(&control).await;
    assert_eq!(rows.len(), N);
    assert!(rows.iter().all(|r| !r.3), "no sent message keeps its body");
    let counts = app.tenancy.control().mail_counts().await.unwrap();
    assert_eq!(counts.sent, N as i64);
}

/// The spool file format of the versions that delivered mail themselves.
fn spool_file(id: uuid::Uuid, to: &str) -> String {
    format!(
        "silo-spool 1\nfrom silo@example.org\nto {to}\n\nMessage-ID: <{id}@example.org>\r\n\
         From: Silo <silo@example.org>\r\nTo: {to}\r\nSubject: Left behind\r\n\r\n\
         https://silo.example/reset-password?token=left-behind\r\n"
    )
}

async fn mail_an_older_version_left_in_its_spool_is_delivered_after_start() {
    let Some(python) = python() else { return };
    let storage = TestStorage::new();
    let spool = storage.dir.path().join("mail/spool");
    std::fs::create_dir_all(&spool).unwrap();
    let left = uuid::Uuid::now_v7();
    std::fs::write(
        spool.join(format!("{left}.msg")),
        spool_file(left, "old@example.com"),
    )
    .unwrap();
    let damaged = uuid::Uuid::now_v7();
    std::fs::write(spool.join(format!("{damaged}.msg")), "not a spool file").unwrap();

    let port = free_port();
    let received_at = storage.dir.path().join("smtp-received");
    let server = SmtpServer::start(&python, port, &received_at).await;
    let app = spawn_on(storage, with_smtp(port, Some(WorkerConfig::default()))).await;
    let control = app.storage.control_db().await;

    eventually("the spooled message arrives", || async {
        server.received().len() == 1
    })
    .await;
    eventually("the spooled message is marked sent", || async {
        queue_rows(&control).await.iter().any(|r| r.1 == "sent")
    })
    .await;
    settled(&server, 1).await;
    let received = &server.received()[0];
    assert_eq!(received.to, ["old@example.com"]);
    assert_eq!(message_id(received), format!("<{left}@example.org>"));
    assert!(received.text().contains("token=left-behind"));
    let rows = queue_rows(&control).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, left.to_string());
    assert!(!rows[0].3);
    // The file is gone; the damaged one is kept aside, not sent.
    let mut files: Vec<String> = std::fs::read_dir(&spool)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, [format!("{damaged}.bad")]);

    // A restart (another process on the same storage) takes nothing over again.
    let (_url, _stop) = another_machine(&app, with_smtp(port, Some(WorkerConfig::default()))).await;
    settled(&server, 1).await;
    assert_eq!(queue_rows(&control).await.len(), 1);
}

async fn a_message_the_server_never_takes_becomes_a_dead_letter_to_retry_or_drop() {
    let Some(python) = python() else { return };
    let port = free_port();
    let app = spawn_with(with_smtp(
        port,
        Some(WorkerConfig {
            max_attempts: 3,
            ..WorkerConfig::default()
        }),
    ))
    .await;
    let control = app.storage.control_db().await;
    let plane = app.tenancy.control();
    identity(&app, "dee@example.com").await;
    for _ in 0..3 {
        reset(&app, "dee@example.com").await;
    }
    eventually("every message is a dead letter", || async {
        let rows = queue_rows(&control).await;
        rows.len() == 3 && rows.iter().all(|r| r.1 == "dead")
    })
    .await;
    let rows = queue_rows(&control).await;
    assert!(
        rows.iter().all(|r| r.2 == 3 && r.3 && r.4.is_none()),
        "three attempts each, the body kept for a retry, no lease: {rows:?}"
    );
    let dead = plane.list_mail(Some(MailState::Dead), 10).await.unwrap();
    assert!(dead.iter().all(|m| m.last_error.is_some()));
    let metrics = app.get("/metrics", Some(common::METRICS_TOKEN)).await.body;
    let metrics = metrics.as_str().unwrap();
    assert!(
        metrics.contains(r#"silo_mail_total{outcome="dead"} 3"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"silo_mail_total{outcome="retry"} 6"#),
        "{metrics}"
    );

    let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.0.parse().unwrap()).collect();
    // Drop one: kept, without its body, never sent.
    let dropped = plane.drop_mail(ids[1]).await.unwrap();
    assert_eq!(dropped.state, MailState::Dropped);
    assert!(!dropped.has_body);
    // An old dead letter loses its body and can no longer be retried.
    let later = Timestamp::from_datetime(Timestamp::now().datetime() + Duration::from_secs(1));
    assert_eq!(plane.clear_dead_mail(later).await.unwrap(), 2);
    assert!(plane.retry_mail(ids[2]).await.is_err());
    // Retrying needs the body: put one back as a fresh dead letter to retry.
    assert!(plane.retry_mail(ids[0]).await.is_err());
    reset(&app, "dee@example.com").await;
    eventually("the new message is a dead letter", || async {
        plane.mail_counts().await.unwrap().dead == 3
    })
    .await;
    let fresh = plane.list_mail(Some(MailState::Dead), 1).await.unwrap()[0].id;
    assert!(fresh > ids[2]);
    let server = SmtpServer::start(&python, port, &received_dir(&app)).await;
    settled(&server, 0).await;
    let retried = plane.retry_mail(fresh).await.unwrap();
    assert_eq!((retried.state, retried.attempts), (MailState::Pending, 0));
    eventually("the retried message arrives", || async {
        server.received().len() == 1
    })
    .await;
    settled(&server, 1).await;
    assert_eq!(
        message_id(&server.received()[0]),
        format!("<{fresh}@example.org>")
    );
    let counts = plane.mail_counts().await.unwrap();
    assert_eq!(
        (counts.pending, counts.sent, counts.dead, counts.dropped),
        (0, 1, 2, 1)
    );
}

async fn a_stopped_worker_finishes_the_message_in_flight_and_releases_the_rest() {
    let Some(python) = python() else { return };
    let port = free_port();
    // The server queues; only the worker below delivers.
    let app = spawn_with(with_smtp(port, None)).await;
    let control = app.storage.control_db().await;
    identity(&app, "eve@example.com").await;
    for _ in 0..4 {
        reset(&app, "eve@example.com").await;
    }
    assert_eq!(
        app.tenancy.control().mail_counts().await.unwrap().pending,
        4
    );

    let server =
        SmtpServer::start_slow(&python, port, &received_dir(&app), Duration::from_secs(2)).await;
    let tenancy: Arc<Tenancy> = Arc::new(app.storage.open(PoolSettings::default()).await);
    let worker = Arc::new(
        Worker::new(
            tenancy,
            quick(WorkerConfig::default()),
            Nudge::default(),
            Arc::new(WorkerMetrics::unregistered()),
            webhook::Sender::new(webhook::WebhookSettings::default()),
        )
        .with_mailer(
            silo_mail::Mailer::start(MailSettings {
                smtp_url: Some(smtp_url(port)),
                from: FROM.into(),
                dir: app.storage.dir.path().join("worker-mail"),
            })
            .unwrap(),
        ),
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run(async {
        let _ = stopped.await;
    }));
    eventually("a message is in flight", || async { server.receiving() }).await;
    let rows = queue_rows(&control).await;
    assert!(
        rows.iter().all(|r| r.4.is_some() && r.2 == 1),
        "the batch is claimed: {rows:?}"
    );
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), running)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(server.received().len(), 1, "the message in flight finished");
    let rows = queue_rows(&control).await;
    let sent: Vec<_> = rows.iter().filter(|r| r.1 == "sent").collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        message_id(&server.received()[0]),
        format!("<{}@example.org>", sent[0].0)
    );
    let rest: Vec<_> = rows.iter().filter(|r| r.1 != "sent").collect();
    assert_eq!(rest.len(), 3);
    assert!(
        rest.iter()
            .all(|r| r.1 == "pending" && r.2 == 0 && r.3 && r.4.is_none()),
        "released, their attempt not counted: {rest:?}"
    );
}

silo_testkit::backend_tests!(
    a_reset_mail_queued_while_smtp_is_down_arrives_once_when_it_is_up,
    two_servers_on_one_control_plane_deliver_every_message_exactly_once,
    mail_an_older_version_left_in_its_spool_is_delivered_after_start,
    a_message_the_server_never_takes_becomes_a_dead_letter_to_retry_or_drop,
    a_stopped_worker_finishes_the_message_in_flight_and_releases_the_rest,
);
