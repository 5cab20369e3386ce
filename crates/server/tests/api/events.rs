#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! The outbox and the audit delivered from it: every business write carries its event in its
//! own transaction, the trail records each event exactly once even when the control plane
//! refuses for a while, a suspended company's work waits, and many workers over many companies
//! never cross companies.

use crate::common;

use common::*;
use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng};
use serde_json::json;
use silo_contract::EventType;
use silo_control::{CompanyId, CompanyStatus};
use silo_domain::events;
use silo_store::{Db, Dialect, Sql, TenantDb, Timestamp, params};
use silo_tenancy::PoolSettings;
use silo_worker::{Nudge, Worker, WorkerConfig, WorkerMetrics, webhook};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

async fn db_of(app: &TestApp, company: &str) -> TenantDb {
    app.tenant_db(company).await
}

async fn outbox(db: &TenantDb) -> Vec<events::OutboxEvent> {
    events::since(db, 0, 100_000).await.unwrap()
}

/// `(chain, event id)` of every audit record delivered from an outbox.
async fn audited(control: &Db) -> Vec<(String, String)> {
    control
        .fetch_all(
            "SELECT chain, event_id FROM audit_events WHERE event_id IS NOT NULL ORDER BY id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("chain").unwrap(), r.get("event_id").unwrap()))
        .collect()
}

async fn audited_in(control: &Db, company: &str) -> Vec<String> {
    audited(control)
        .await
        .into_iter()
        .filter(|(chain, _)| chain == company)
        .map(|(_, id)| id)
        .collect()
}

/// Makes the control plane refuse every audit record, as a control database that is down for
/// writes would; reads (the request path's registry) keep working.
async fn refuse_audit(control: &Db) {
    let sql = match control.dialect() {
        Dialect::Sqlite => {
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events \
             BEGIN SELECT RAISE(ABORT, 'control plane down'); END"
        }
        Dialect::Postgres => {
            "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'control plane down'; END $$; \
             CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events \
             FOR EACH ROW EXECUTE FUNCTION refuse_audit()"
        }
    };
    control.execute_raw(Sql::from(sql)).await.unwrap();
}

async fn accept_audit(control: &Db) {
    let sql = match control.dialect() {
        Dialect::Sqlite => "DROP TRIGGER refuse_audit",
        Dialect::Postgres => "DROP TRIGGER refuse_audit ON audit_events",
    };
    control.execute_raw(Sql::from(sql)).await.unwrap();
}

async fn every_business_write_has_its_event_and_exactly_one_audit_record() {
    let app = spawn_app().await;
    let (owner, company) = app.signup("Acme", "ann@acme.example").await;
    let account = app
        .post("/api/accounts", Some(&owner), json!({"name": "Client BV"}))
        .await;
    let account = account.body["id"].as_str().unwrap().to_owned();
    let contact = app
        .post(
            "/api/contacts",
            Some(&owner),
            json!({"name": "Bo", "account_id": account}),
        )
        .await;
    let contact = contact.body["id"].as_str().unwrap().to_owned();
    app.patch(
        &format!("/api/contacts/{contact}"),
        Some(&owner),
        json!({"phone": "+31 20 123 4567"}),
    )
    .await
    .expect(200, "");
    let deal = app
        .post(
            "/api/deals",
            Some(&owner),
            json!({"title": "Site", "value_cents": 100_000}),
        )
        .await;
    let deal = deal.body["id"].as_str().unwrap().to_owned();
    for stage in ["qualified", "won"] {
        app.patch(
            &format!("/api/deals/{deal}"),
            Some(&owner),
            json!({"stage": stage}),
        )
        .await
        .expect(200, "");
    }
    app.delete(&format!("/api/contacts/{contact}"), Some(&owner))
        .await
        .expect(204, "");
    // Refused writes change nothing, so they have no event.
    app.post("/api/contacts", Some(&owner), json!({"name": ""}))
        .await
        .expect(422, "invalid");
    app.patch(
        &format!("/api/deals/{deal}"),
        Some(&owner),
        json!({"stage": "lead"}),
    )
    .await
    .expect(409, "invalid_transition");

    let db = db_of(&app, &company).await;
    let events = outbox(&db).await;
    let types: Vec<EventType> = events.iter().map(|e| e.event_type).collect();
    assert_eq!(
        types,
        [
            EventType::AccountCreated,
            EventType::ContactCreated,
            EventType::ContactUpdated,
            EventType::DealCreated,
            EventType::DealStageChanged,
            EventType::DealWon,
            // The won deal's conversion (issue 22), in the deal's own transaction.
            EventType::ConversionRecorded,
            EventType::ContactDeleted,
        ]
    );
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=8).collect::<Vec<_>>(),
        "numbered in commit order"
    );
    let owner_id = payload(&owner)["sub"].as_str().unwrap().to_owned();
    assert!(
        events
            .iter()
            .all(|e| e.actor_id.map(|a| a.to_string()) == Some(owner_id.clone()))
    );
    assert_eq!(events[5].data["from_stage"], "qualified");

    // The trail holds one record per event, in order, delivered right after each commit.
    let control = app.storage.control_db().await;
    let ids: Vec<String> = events.iter().map(|e| e.id.to_string()).collect();
    assert_eq!(audited_in(&control, &company).await, ids);
    assert_eq!(events::unaudited_count(&db).await.unwrap(), 0);
    let page = app.get("/api/audit?limit=50", Some(&owner)).await;
    let actions: Vec<&str> = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"deal.update") && actions.contains(&"contact.delete"));

    // A delivery whose answer was lost is repeated: the trail records nothing twice.
    db.db()
        .execute("UPDATE outbox SET audited_at = NULL", &[])
        .await
        .unwrap();
    let company_id: CompanyId = company.parse().unwrap();
    let again = silo_worker::audit::deliver(app.tenancy.control(), company_id, &db)
        .await
        .unwrap();
    assert_eq!(again, 8);
    assert_eq!(audited_in(&control, &company).await, ids);
    let reports = app
        .tenancy
        .control()
        .verify_audit(Some(company_id))
        .await
        .unwrap();
    assert!(reports.iter().all(|r| r.first_broken.is_none()));
}

async fn a_write_while_the_trail_refuses_is_recorded_later_exactly_once() {
    let app = spawn_app().await;
    let (owner, company) = app.signup("Acme", "ann@acme.example").await;
    let control = app.storage.control_db().await;
    refuse_audit(&control).await;
    // The change and its event commit together; the answer does not depend on the trail.
    let created = app
        .post("/api/contacts", Some(&owner), json!({"name": "Bo"}))
        .await;
    created.expect(201, "");
    let db = db_of(&app, &company).await;
    let event = outbox(&db).await.pop().unwrap();
    assert_eq!(event.event_type, EventType::ContactCreated);
    assert_eq!(
        event.subject_id.to_string(),
        created.body["id"].as_str().unwrap()
    );
    assert_eq!(events::unaudited_count(&db).await.unwrap(), 1);
    assert!(audited_in(&control, &company).await.is_empty());

    accept_audit(&control).await;
    eventually("the worker delivers the audit record", || async {
        events::unaudited_count(&db).await.unwrap() == 0
    })
    .await;
    assert_eq!(audited_in(&control, &company).await, [event.id.to_string()]);
}

/// Waits until the worker has looked at `company` after `since` and put it off because it does
/// not serve: a deferral that far ahead comes only from the (long) recheck delay, not from a
/// retry, and the pass that made it held the company's claim, so no earlier pass is still busy.
async fn deferred_as_unavailable(control: &Db, company: &str, since: Timestamp) {
    let threshold = Timestamp::from_datetime(since.datetime() + std::time::Duration::from_secs(2));
    eventually("the worker defers the suspended company", || async {
        let row = control
            .fetch_optional(
                "SELECT due_at, claimed_by FROM work_queue WHERE company_id = $1",
                params![company],
            )
            .await
            .unwrap();
        row.is_some_and(|r| {
            r.get::<Option<String>>("claimed_by").unwrap().is_none()
                && r.get::<Timestamp>("due_at").unwrap() > threshold
        })
    })
    .await;
}

async fn a_suspended_companys_work_waits_and_runs_once_it_is_resumed() {
    let app = spawn_with(silo_server::ServerConfig {
        worker: Some(WorkerConfig {
            unavailable_recheck: std::time::Duration::from_secs(5),
            ..WorkerConfig::default()
        }),
        ..silo_server::ServerConfig::default()
    })
    .await;
    let (owner, company) = app.signup("Acme", "ann@acme.example").await;
    let control = app.storage.control_db().await;
    refuse_audit(&control).await;
    app.post("/api/contacts", Some(&owner), json!({"name": "Bo"}))
        .await
        .expect(201, "");
    let db = db_of(&app, &company).await;
    let event = outbox(&db).await.pop().unwrap();
    let id: CompanyId = company.parse().unwrap();
    app.tenancy
        .control()
        .set_status(id, CompanyStatus::Suspended)
        .await
        .unwrap();
    let since = Timestamp::now();
    app.tenancy.control().wake(id, since).await.unwrap();
    deferred_as_unavailable(&control, &company, since).await;
    // The trail accepts again, and the worker looks again: the suspended company's work waits.
    accept_audit(&control).await;
    let since = Timestamp::now();
    app.tenancy.control().wake(id, since).await.unwrap();
    deferred_as_unavailable(&control, &company, since).await;
    assert!(audited_in(&control, &company).await.is_empty());
    assert_eq!(
        events::unaudited_count(&db).await.unwrap(),
        1,
        "kept, not lost"
    );

    app.tenancy
        .control()
        .set_status(id, CompanyStatus::Active)
        .await
        .unwrap();
    app.tenancy
        .control()
        .wake(id, Timestamp::now())
        .await
        .unwrap();
    eventually("the resumed company's audit record arrives", || async {
        !audited_in(&control, &company).await.is_empty()
    })
    .await;
    assert_eq!(audited_in(&control, &company).await, [event.id.to_string()]);
}

/// An erased company's work went with its database: the queue forgets it, and a worker that
/// finds it anyway (a row written by a wake racing the erasure) drops it.
async fn an_erased_companys_work_is_dropped_with_it() {
    let app = spawn_with(silo_server::ServerConfig {
        worker: None,
        ..silo_server::ServerConfig::default()
    })
    .await;
    let (owner, company) = app.signup("Acme", "ann@acme.example").await;
    app.post("/api/contacts", Some(&owner), json!({"name": "Bo"}))
        .await
        .expect(201, "");
    let id: CompanyId = company.parse().unwrap();
    let control = app.storage.control_db().await;
    let queued = || async {
        control
            .fetch_optional(
                "SELECT 1 AS one FROM work_queue WHERE company_id = $1",
                params![company.as_str()],
            )
            .await
            .unwrap()
            .is_some()
    };
    app.tenancy
        .control()
        .wake(id, Timestamp::now())
        .await
        .unwrap();
    assert!(queued().await);
    let acme = app.tenancy.control().company(id).await.unwrap().unwrap();
    app.tenancy
        .erase(&acme, silo_control::Eraser::Operator)
        .await
        .unwrap();
    assert!(!queued().await, "erasure forgets the company's queue row");

    app.tenancy
        .control()
        .wake(id, Timestamp::now())
        .await
        .unwrap();
    let worker = Arc::new(Worker::new(
        app.tenancy.clone(),
        quick(WorkerConfig::default()),
        Nudge::default(),
        Arc::new(WorkerMetrics::unregistered()),
        webhook::Sender::new(webhook::WebhookSettings::default()),
    ));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run(async {
        let _ = stopped.await;
    }));
    eventually("the worker drops the erased company's row", || async {
        !queued().await
    })
    .await;
    let _ = stop.send(());
    running.await.unwrap();
}

/// Random writes in many companies while the trail refuses, then four workers (the server's
/// and three more on storage handles of their own, as separate processes would have) racing to
/// deliver: every company's trail holds exactly its own events, each once.
async fn many_workers_over_many_companies_never_cross_companies() {
    let seed: u64 = rand::rng().random();
    eprintln!("seed {seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let app = spawn_app().await;
    let mut companies = Vec::new();
    for i in 0..6 {
        companies.push(
            app.signup(&format!("Co {i}"), &format!("owner{i}@co{i}.example"))
                .await,
        );
    }
    let control = app.storage.control_db().await;
    refuse_audit(&control).await;
    let mut requests = Vec::new();
    for _ in 0..60 {
        let (token, _) = &companies[rng.random_range(0..companies.len())];
        let n: u32 = rng.random();
        requests.push(match rng.random_range(0..3) {
            0 => app.post_request("/api/accounts", token, json!({"name": format!("A{n}")})),
            1 => app.post_request("/api/contacts", token, json!({"name": format!("C{n}")})),
            _ => app.post_request(
                "/api/deals",
                token,
                json!({"title": format!("D{n}"), "stage": "won"}),
            ),
        });
    }
    for reply in send_all(requests).await {
        reply.expect(201, "");
    }

    let mut stops = Vec::new();
    let mut handles = Vec::new();
    for _ in 0..3 {
        let tenancy = Arc::new(app.storage.open(PoolSettings::default()).await);
        let worker = Arc::new(Worker::new(
            tenancy,
            quick(WorkerConfig {
                concurrency: 2,
                ..WorkerConfig::default()
            }),
            Nudge::default(),
            Arc::new(WorkerMetrics::unregistered()),
            webhook::Sender::new(webhook::WebhookSettings::default()),
        ));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        stops.push(stop);
        handles.push(tokio::spawn(worker.run(async {
            let _ = stopped.await;
        })));
    }
    accept_audit(&control).await;
    let mut outboxes = BTreeMap::new();
    for (_, company) in &companies {
        let db = db_of(&app, company).await;
        eventually("every company's events are audited", || async {
            events::unaudited_count(&db).await.unwrap() == 0
        })
        .await;
        let ids: BTreeSet<String> = outbox(&db).await.iter().map(|e| e.id.to_string()).collect();
        outboxes.insert(company.clone(), ids);
    }
    let records = audited(&control).await;
    let distinct: BTreeSet<&String> = records.iter().map(|(_, id)| id).collect();
    assert_eq!(distinct.len(), records.len(), "an event was recorded twice");
    for (company, ids) in &outboxes {
        let in_chain: BTreeSet<String> = records
            .iter()
            .filter(|(chain, _)| chain == company)
            .map(|(_, id)| id.clone())
            .collect();
        assert_eq!(&in_chain, ids, "{company}'s trail differs from its outbox");
    }
    let events: usize = outboxes.values().map(BTreeSet::len).sum();
    assert_eq!(events, 60, "one event per write");
    let reports = app.tenancy.control().verify_audit(None).await.unwrap();
    assert!(reports.iter().all(|r| r.first_broken.is_none()));
    for stop in stops {
        let _ = stop.send(());
    }
    for handle in handles {
        handle.await.unwrap();
    }
}

silo_testkit::backend_tests!(
    every_business_write_has_its_event_and_exactly_one_audit_record,
    a_write_while_the_trail_refuses_is_recorded_later_exactly_once,
    a_suspended_companys_work_waits_and_runs_once_it_is_resumed,
    many_workers_over_many_companies_never_cross_companies,
    an_erased_companys_work_is_dropped_with_it,
);
