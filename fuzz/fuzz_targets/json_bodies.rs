//! Request bodies on arbitrary bytes through the handlers' entry points: deserialize as each
//! request type, then the domain's create on a real SQLite tenant file. A body must fail to
//! parse (400) or be accepted or refused by the domain (2xx/4xx); a storage error (500) or a
//! panic is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use silo_schema::TENANT_MIGRATIONS;
use silo_domain::{DomainError, DomainResult, Origin, accounts, contacts, deals, invoices};
use silo_store::TenantDb;
use std::sync::LazyLock;

struct Env {
    rt: tokio::runtime::Runtime,
    db: TenantDb,
    _dir: tempfile::TempDir,
}

static ENV: LazyLock<Env> = LazyLock::new(|| {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = rt.block_on(async {
        let db = silo_store::sqlite::create_new(&dir.path().join("t.sqlite3"), Default::default())
            .await
            .expect("create");
        silo_store::migrate(&db, &TENANT_MIGRATIONS).await.expect("migrate");
        TenantDb::from_resolved(db)
    });
    Env { rt, db, _dir: dir }
});

fn check<T>(result: DomainResult<T>) {
    if let Err(DomainError::Store(e)) = result {
        panic!("a request body reached storage as an error: {e}");
    }
}

fuzz_target!(|data: &[u8]| {
    let env = &*ENV;
    env.rt.block_on(async {
        if let Ok(new) = serde_json::from_slice(data) {
            check(accounts::create(&env.db, new, &Origin::system()).await);
        }
        if let Ok(new) = serde_json::from_slice(data) {
            check(contacts::create(&env.db, new, Some(1_000_000), &Origin::system()).await);
        }
        if let Ok(new) = serde_json::from_slice(data) {
            check(deals::create(&env.db, new, &Origin::system()).await);
        }
        if let Ok(new) = serde_json::from_slice(data) {
            check(invoices::create(&env.db, new, &Origin::system()).await);
        }
    });
});
