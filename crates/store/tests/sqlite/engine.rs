#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! The SQLite layer's own risks: statements of every open database share a few worker threads,
//! so transactions must keep their connection across awaits, a dropped or cancelled
//! transaction must roll back before its connection is used again, and many open databases
//! must not mean many threads.

use silo_store::sqlite::{self, PoolLimits};
use silo_store::{Db, Migration, MigrationSet, StoreError, migrate, params};
use std::path::Path;

static SET: MigrationSet = MigrationSet {
    plane: "test",
    sqlite: &[Migration {
        version: 1,
        name: "0001_things",
        sql: "CREATE TABLE things (id TEXT PRIMARY KEY, n BIGINT NOT NULL);",
    }],
    postgres: &[],
};

/// One connection per database, as tenant pools have.
fn single() -> PoolLimits {
    PoolLimits {
        max_connections: 1,
        ..PoolLimits::default()
    }
}

async fn company(dir: &Path, name: &str) -> Db {
    let db = sqlite::create_new(&dir.join(format!("{name}.sqlite3")), single())
        .await
        .unwrap();
    migrate(&db, &SET).await.unwrap();
    db
}

async fn count(db: &Db) -> i64 {
    db.fetch_one("SELECT COUNT(*) AS c FROM things", &[])
        .await
        .unwrap()
        .get("c")
        .unwrap()
}

/// Threads of this process whose name starts with `prefix` (from /proc, the kernel's count).
fn threads_named(prefix: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.unwrap().path().join("comm")).ok())
        .filter(|name| name.starts_with(prefix))
        .count()
}

fn all_threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_holds_its_connection_across_awaits_while_other_databases_run() {
    let dir = tempfile::tempdir().unwrap();
    let a = company(dir.path(), "a").await;
    let mut others = Vec::new();
    for i in 0..20 {
        others.push(company(dir.path(), &format!("o{i}")).await);
    }
    let mut tx = a.begin().await.unwrap();
    tx.execute(
        "INSERT INTO things (id, n) VALUES ($1, $2)",
        params!["x", 1],
    )
    .await
    .unwrap();
    // Many statements on other databases run (and finish) while the transaction is open.
    let mut writes = tokio::task::JoinSet::new();
    for (i, db) in others.iter().enumerate() {
        let db = db.clone();
        writes.spawn(async move {
            for j in 0..10 {
                db.execute(
                    "INSERT INTO things (id, n) VALUES ($1, $2)",
                    params![format!("{i}-{j}"), j],
                )
                .await
                .unwrap();
            }
        });
    }
    writes.join_all().await;
    for db in &others {
        assert_eq!(count(db).await, 10);
    }
    // The transaction still sees its own uncommitted write on its own connection.
    let seen = tx
        .fetch_one("SELECT COUNT(*) AS c FROM things", &[])
        .await
        .unwrap();
    assert_eq!(seen.get::<i64>("c").unwrap(), 1);
    tx.commit().await.unwrap();
    assert_eq!(count(&a).await, 1);
}

#[tokio::test]
async fn a_dropped_transaction_rolls_back_before_its_connection_is_reused() {
    let dir = tempfile::tempdir().unwrap();
    let db = company(dir.path(), "d").await;
    let mut tx = db.begin().await.unwrap();
    tx.execute(
        "INSERT INTO things (id, n) VALUES ($1, $2)",
        params!["gone", 1],
    )
    .await
    .unwrap();
    drop(tx);
    // The pool has one connection: this statement gets the very connection the transaction
    // had, which must be out of its transaction (or BEGIN would fail) and hold no write.
    assert_eq!(count(&db).await, 0);
    let mut tx = db.begin().await.unwrap();
    tx.execute(
        "INSERT INTO things (id, n) VALUES ($1, $2)",
        params!["kept", 2],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(count(&db).await, 1);
}

#[tokio::test]
async fn a_transaction_cancelled_mid_statement_rolls_back_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = company(dir.path(), "c").await;
    let mut tx = db.begin().await.unwrap();
    tx.execute(
        "INSERT INTO things (id, n) VALUES ($1, $2)",
        params!["early", 1],
    )
    .await
    .unwrap();
    // A statement that takes a while on its worker, cancelled after its first poll.
    let slow = "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 3000000) \
                SELECT COUNT(*) AS c FROM r";
    let cancelled = tokio::select! {
        biased;
        _ = tx.fetch_one(slow, &[]) => false,
        _ = std::future::ready(()) => true,
    };
    assert!(cancelled, "the slow statement answered at its first poll");
    let err = tx
        .execute(
            "INSERT INTO things (id, n) VALUES ($1, $2)",
            params!["late", 2],
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    drop(tx);
    // The lone connection comes back rolled back once the slow statement ends.
    assert_eq!(count(&db).await, 0);
    db.begin().await.unwrap().commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_open_databases_share_a_fixed_number_of_threads() {
    const DATABASES: usize = 200;
    let dir = tempfile::tempdir().unwrap();
    let before = all_threads();
    let mut dbs = Vec::new();
    for i in 0..DATABASES {
        dbs.push(company(dir.path(), &format!("t{i}")).await);
    }
    // Every database has its connection open and is queried concurrently.
    let mut reads = tokio::task::JoinSet::new();
    for db in &dbs {
        let db = db.clone();
        reads.spawn(async move { count(&db).await });
    }
    assert!(reads.join_all().await.iter().all(|&n| n == 0));
    let open: u32 = dbs.iter().map(Db::open_connections).sum();
    assert_eq!(
        open as usize, DATABASES,
        "each database keeps its connection"
    );
    let workers = threads_named(silo_store::SQLITE_THREAD_NAME);
    assert!(workers >= 1, "statements ran on the worker threads");
    assert!(
        workers <= silo_store::sqlite_thread_count(),
        "{workers} worker threads"
    );
    // Loose, since tests running beside this one start threads of their own; a thread per
    // connection would add two hundred.
    let grown = all_threads().saturating_sub(before);
    assert!(
        grown < DATABASES / 4,
        "{grown} threads more for {DATABASES} open databases"
    );
}

#[tokio::test]
async fn attach_is_refused_in_transactions_and_scripts_too() {
    let dir = tempfile::tempdir().unwrap();
    let victim = company(dir.path(), "victim").await;
    victim.close().await;
    let own = company(dir.path(), "own").await;
    let sql = format!(
        "ATTACH DATABASE '{}' AS other",
        dir.path().join("victim.sqlite3").display()
    );
    let mut tx = own.begin().await.unwrap();
    let err = tx
        .execute(silo_store::Sql::assembled(sql.clone()), &[])
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("too many attached databases"),
        "{err}"
    );
    drop(tx);
    let err = own
        .execute_raw(silo_store::Sql::assembled(sql))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("too many attached databases"),
        "{err}"
    );
}

#[tokio::test]
async fn a_file_removed_after_opening_is_unavailable_and_never_recreated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.sqlite3");
    company(dir.path(), "r").await.close().await;
    let db = sqlite::open_existing(&path, single()).await.unwrap();
    sqlite::remove_files(&path).unwrap();
    let err = db.fetch_optional("SELECT 1 AS one", &[]).await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(!path.exists());
}

#[tokio::test]
async fn numbered_placeholders_bind_by_number_not_by_position() {
    let dir = tempfile::tempdir().unwrap();
    let db = company(dir.path(), "p").await;
    let row = db
        .fetch_one(
            "SELECT $2 AS second, $1 AS first, $2 || $1 AS both",
            params!["one", "two"],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<String>("first").unwrap(), "one");
    assert_eq!(row.get::<String>("second").unwrap(), "two");
    assert_eq!(row.get::<String>("both").unwrap(), "twoone");
    let err = db
        .fetch_one("SELECT $3 AS x", params!["one"])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Sqlite(_)), "{err:?}");
}

#[tokio::test]
async fn a_closed_database_refuses_statements_and_closes_its_connections() {
    let dir = tempfile::tempdir().unwrap();
    let db = company(dir.path(), "z").await;
    assert_eq!(db.open_connections(), 1);
    db.close().await;
    assert_eq!(db.open_connections(), 0);
    let err = db.fetch_optional("SELECT 1 AS one", &[]).await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
}
