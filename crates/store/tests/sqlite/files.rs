#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! The SQLite backend's promises, on real files.

use silo_store::sqlite::{self, PoolLimits};
use silo_store::{Migration, MigrationSet, StoreError, migrate, params};

static SET: MigrationSet = MigrationSet {
    plane: "test",
    sqlite: &[
        Migration {
            version: 1,
            name: "0001_things",
            sql: "CREATE TABLE things (id TEXT PRIMARY KEY, n BIGINT NOT NULL);",
        },
        Migration {
            version: 2,
            name: "0002_more",
            sql: "ALTER TABLE things ADD COLUMN note TEXT; CREATE INDEX things_n ON things (n);",
        },
    ],
    postgres: &[],
};

#[tokio::test]
async fn opening_a_missing_file_never_creates_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.sqlite3");
    let err = sqlite::open_existing(&path, PoolLimits::default())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(!path.exists());
}

#[tokio::test]
async fn create_new_refuses_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.sqlite3");
    let db = sqlite::create_new(&path, PoolLimits::default())
        .await
        .unwrap();
    migrate(&db, &SET).await.unwrap();
    db.execute(
        "INSERT INTO things (id, n) VALUES ($1, $2)",
        params!["a", 1],
    )
    .await
    .unwrap();
    db.close().await;
    let err = sqlite::create_new(&path, PoolLimits::default())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    let db = sqlite::open_existing(&path, PoolLimits::default())
        .await
        .unwrap();
    let row = db
        .fetch_one("SELECT COUNT(*) AS c FROM things", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<i64>("c").unwrap(), 1, "existing data survives");
}

#[tokio::test]
async fn attach_is_refused_on_every_connection() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.sqlite3");
    let db = sqlite::create_new(&victim, PoolLimits::default())
        .await
        .unwrap();
    migrate(&db, &SET).await.unwrap();
    let own = sqlite::create_new(&dir.path().join("own.sqlite3"), PoolLimits::default())
        .await
        .unwrap();
    let sql = format!("ATTACH DATABASE '{}' AS other", victim.display());
    for _ in 0..3 {
        let err = own
            .execute(silo_store::Sql::assembled(sql.clone()), &[])
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("too many attached databases"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn migrations_are_idempotent_and_refuse_newer_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite::create_new(&dir.path().join("m.sqlite3"), PoolLimits::default())
        .await
        .unwrap();
    assert_eq!(silo_store::applied_version(&db).await.unwrap(), None);
    assert_eq!(migrate(&db, &SET).await.unwrap(), 2);
    assert_eq!(migrate(&db, &SET).await.unwrap(), 2);
    assert_eq!(silo_store::applied_version(&db).await.unwrap(), Some(2));
    db.execute(
        "INSERT INTO silo_schema (version, name, applied_at) VALUES (3, 'future', 'x')",
        &[],
    )
    .await
    .unwrap();
    let err = migrate(&db, &SET).await.unwrap_err();
    assert!(matches!(err, StoreError::Schema(_)), "{err:?}");
}

#[tokio::test]
async fn unique_violations_are_conflicts_naming_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite::create_new(&dir.path().join("u.sqlite3"), PoolLimits::default())
        .await
        .unwrap();
    migrate(&db, &SET).await.unwrap();
    db.execute(
        "INSERT INTO things (id, n) VALUES ($1, $2)",
        params!["a", 1],
    )
    .await
    .unwrap();
    let err = db
        .execute(
            "INSERT INTO things (id, n) VALUES ($1, $2)",
            params!["a", 2],
        )
        .await
        .unwrap_err();
    assert!(err.is_conflict_on("things.id"), "{err:?}");
}

/// Branches number migrations ahead of one another: a database that applied 1 and 3 takes 2
/// when it arrives and never applies 3 twice.
#[tokio::test]
async fn migrations_are_found_missing_by_number_not_by_count() {
    static AHEAD: MigrationSet = MigrationSet {
        plane: "test",
        sqlite: &[
            Migration {
                version: 1,
                name: "0001_a",
                sql: "CREATE TABLE a (id TEXT);",
            },
            Migration {
                version: 3,
                name: "0003_c",
                sql: "CREATE TABLE c (id TEXT);",
            },
        ],
        postgres: &[],
    };
    static ALL: MigrationSet = MigrationSet {
        plane: "test",
        sqlite: &[
            Migration {
                version: 1,
                name: "0001_a",
                sql: "CREATE TABLE a (id TEXT);",
            },
            Migration {
                version: 2,
                name: "0002_b",
                sql: "CREATE TABLE b (id TEXT);",
            },
            Migration {
                version: 3,
                name: "0003_c",
                sql: "CREATE TABLE c (id TEXT);",
            },
        ],
        postgres: &[],
    };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite::open_or_create(&dir.path().join("m.sqlite3"), PoolLimits::default())
        .await
        .unwrap();
    assert_eq!(migrate(&db, &AHEAD).await.unwrap(), 3);
    assert_eq!(
        migrate(&db, &AHEAD).await.unwrap(),
        3,
        "3 is not applied twice"
    );
    assert_eq!(migrate(&db, &ALL).await.unwrap(), 3);
    db.fetch_one("SELECT COUNT(*) AS n FROM b", &[])
        .await
        .unwrap();
    let versions = db
        .fetch_all("SELECT version FROM silo_schema ORDER BY version", &[])
        .await
        .unwrap();
    assert_eq!(versions.len(), 3);
}
