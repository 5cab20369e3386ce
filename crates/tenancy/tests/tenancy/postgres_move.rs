#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Moving a company's database to a second PostgreSQL cluster under write traffic: every
//! acknowledged write survives, none lands after its database was read, and the old database
//! is gone. Skipped without `SILO_TEST_POSTGRES_URL` or when no second cluster can start.

use silo_control::{Email, NewCompany, NewIdentity, Slug};
use silo_store::params;
use silo_store::postgres::PgServer;
use silo_tenancy::{PoolSettings, Tenancy, TenancyError};
use silo_testkit::{Cluster, TestBackend, TestStorage};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Inserts one account through the request path (company re-read, like every request);
/// `Ok(false)` when the company refused to serve.
async fn write(t: &Tenancy, id: silo_control::CompanyId, n: usize) -> Result<bool, String> {
    let company = t.control().company(id).await.unwrap().unwrap();
    let db = match t.tenant_db(&company).await {
        Ok(db) => db,
        Err(TenancyError::Unavailable(_)) => return Ok(false),
        Err(e) => return Err(e.to_string()),
    };
    let done = db
        .db()
        .execute(
            "INSERT INTO accounts (id, name, created_at, updated_at) VALUES ($1, 'x', 'now', 'now')",
            params![format!("acc-{n}")],
        )
        .await;
    // A session ended by the fence is a failed request, never an acknowledged write.
    Ok(done.is_ok())
}

#[tokio::test]
async fn a_move_under_traffic_loses_nothing() {
    let Some(TestBackend::Postgres(url)) = TestBackend::postgres() else {
        eprintln!("skipped: SILO_TEST_POSTGRES_URL is not set");
        return;
    };
    let second = match Cluster::start() {
        Ok(c) => c,
        Err(reason) => {
            eprintln!("skipped: cannot start a second PostgreSQL cluster: {reason}");
            return;
        }
    };
    let storage = TestStorage::postgres_servers(&url, vec![url.clone(), second.url.clone()]);
    let t = Arc::new(storage.open(PoolSettings::default()).await);
    let from = PgServer::parse(&url).unwrap().id().to_owned();
    let to = PgServer::parse(&second.url).unwrap().id().to_owned();
    let company = t
        .provision(
            NewCompany {
                name: "Acme".into(),
                slug: Slug::parse("acme").unwrap(),
            },
            NewIdentity {
                email: Email::parse("ann@acme.nl").unwrap(),
                name: String::new(),
                password_hash: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        t.control()
            .placement(company.id)
            .await
            .unwrap()
            .unwrap()
            .server,
        from
    );
    let mut acknowledged = Vec::new();
    for n in 0..20 {
        assert!(write(&t, company.id, n).await.unwrap());
        acknowledged.push(n);
    }

    let stop = Arc::new(AtomicBool::new(false));
    let traffic = {
        let (t, stop, id) = (t.clone(), stop.clone(), company.id);
        tokio::spawn(async move {
            let mut ok = Vec::new();
            let mut n = 20;
            while !stop.load(Ordering::SeqCst) {
                if write(&t, id, n).await.unwrap() {
                    ok.push(n);
                }
                n += 1;
            }
            ok
        })
    };
    let rows = t.move_company(&company, &to).await.unwrap();
    stop.store(true, Ordering::SeqCst);
    acknowledged.extend(traffic.await.unwrap());
    assert!(rows >= 20);

    let placement = t.control().placement(company.id).await.unwrap().unwrap();
    assert_eq!(placement.server, to);
    assert!(
        !t.control()
            .company(company.id)
            .await
            .unwrap()
            .unwrap()
            .moving
    );
    // Every acknowledged write is in the moved database.
    let company = t.control().company(company.id).await.unwrap().unwrap();
    let db = t.tenant_db(&company).await.unwrap();
    for n in &acknowledged {
        let found = db
            .db()
            .fetch_optional(
                "SELECT id FROM accounts WHERE id = $1",
                params![format!("acc-{n}")],
            )
            .await
            .unwrap();
        assert!(found.is_some(), "acknowledged write acc-{n} was lost");
    }
    // Writes go on against the new server, and the old database is gone.
    assert!(write(&t, company.id, 100_000).await.unwrap());
    let old = storage.pg.as_ref().unwrap().admin_for(&from).await;
    let left = old
        .fetch_optional(
            "SELECT 1 AS one FROM pg_database WHERE datname = $1",
            params![placement.database_name],
        )
        .await
        .unwrap();
    assert!(left.is_none());
    old.close().await;
    // Moving to where it is already is refused, as is a server not configured.
    assert!(t.move_company(&company, &to).await.is_err());
    assert!(t.move_company(&company, "nowhere:1").await.is_err());
    drop(db);
    t.close().await;
    drop(storage);
    drop(second);
}
