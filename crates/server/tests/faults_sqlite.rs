#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Faults in one company's SQLite file under a running server: deleted, truncated, corrupted,
//! made read-only, locked by another process. Each answers 503 `tenant_unavailable` for that
//! company only (another company keeps answering 200 during the fault), serves nothing from
//! anywhere else, never recreates the file, heals by itself when the fault ends, and loses no
//! write that was answered 2xx before it.
//!
//! Not simulated: a read-only file. Tests run as root, whom file modes do not stop, and
//! `chattr +i` does not simulate it faithfully: on the `-shm` file it makes SQLite's write to
//! its shared-memory mapping kill the whole process with SIGBUS, and on the database and WAL
//! it refuses only new opens, so a running pool keeps writing through its open descriptors.

mod common;

use common::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// Two companies with some accounts each; `a` is the one the faults hit.
struct Setup {
    app: TestApp,
    a: String,
    b: String,
    a_path: PathBuf,
    written: Vec<String>,
}

async fn setup() -> Setup {
    let app = spawn_app().await;
    let (a, a_id) = app.signup("Alpha", "ann@alpha.example").await;
    let (b, _) = app.signup("Beta", "bob@beta.example").await;
    let mut written = Vec::new();
    for i in 0..5 {
        let r = app
            .post(
                "/api/accounts",
                Some(&a),
                json!({"name": format!("alpha {i}")}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        written.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let a_path = app
        .tenancy
        .data_dir()
        .unwrap()
        .tenant_path(a_id.parse().unwrap());
    Setup {
        app,
        a,
        b,
        a_path,
        written,
    }
}

impl Setup {
    /// During a fault: `a` answers 503 on reads and writes, `b` keeps working, identity routes
    /// keep working, and nothing of `b` leaks into `a`'s answers.
    async fn assert_fault_is_contained(&self, writes_only: bool) {
        let app = &self.app;
        let read = app.get("/api/accounts", Some(&self.a)).await;
        if writes_only {
            assert_eq!(read.status, 200, "reads still work: {}", read.body);
            assert_eq!(
                read.body["items"].as_array().unwrap().len(),
                self.written.len()
            );
        } else {
            read.expect(503, "tenant_unavailable");
        }
        app.post("/api/accounts", Some(&self.a), json!({"name": "during"}))
            .await
            .expect(503, "tenant_unavailable");
        let b_read = app.get("/api/accounts", Some(&self.b)).await;
        assert_eq!(b_read.status, 200, "{}", b_read.body);
        let b_write = app
            .post(
                "/api/accounts",
                Some(&self.b),
                json!({"name": "beta during"}),
            )
            .await;
        assert_eq!(b_write.status, 201, "{}", b_write.body);
        assert_eq!(app.get("/api/me", Some(&self.a)).await.status, 200);
    }

    /// After the fault: `a` answers again within a bounded number of polls, holding every
    /// write answered 2xx before the fault and nothing written during it.
    async fn assert_recovers(&self) {
        let items = eventually_ok(&self.app, &self.a, "/api/accounts").await;
        let ids: Vec<&str> = items.iter().filter_map(|i| i["id"].as_str()).collect();
        for id in &self.written {
            assert!(ids.contains(&id.as_str()), "committed write {id} lost");
        }
        assert_eq!(ids.len(), self.written.len(), "{items:?}");
        let r = self
            .app
            .post("/api/accounts", Some(&self.a), json!({"name": "after"}))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
}

/// Polls `path` until it answers 200 (at most 100 tries, a few seconds); returns its items.
async fn eventually_ok(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let mut last = None;
    for _ in 0..100 {
        let r = app.get(path, Some(token)).await;
        if r.status == 200 {
            return r.body["items"].as_array().unwrap().clone();
        }
        assert!(r.status.as_u16() != 500, "{}", r.body);
        last = Some(r.body);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("never recovered: {last:?}");
}

fn sidecars(path: &Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|s| PathBuf::from(format!("{}{s}", path.display())))
        .collect()
}

/// Copies the file with its WAL and shared memory, to put back when the fault ends.
fn backup(path: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    sidecars(path)
        .into_iter()
        .filter(|p| p.exists())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

fn restore(saved: &[(PathBuf, Vec<u8>)]) {
    for (p, bytes) in saved {
        std::fs::write(p, bytes).unwrap();
    }
}

#[tokio::test]
async fn a_deleted_file_is_503_for_its_company_only_and_heals_when_restored() {
    let s = setup().await;
    let moved: Vec<(PathBuf, PathBuf)> = sidecars(&s.a_path)
        .into_iter()
        .filter(|p| p.exists())
        .map(|p| (p.clone(), PathBuf::from(format!("{}.away", p.display()))))
        .collect();
    for (from, to) in &moved {
        std::fs::rename(from, to).unwrap();
    }
    s.assert_fault_is_contained(false).await;
    assert!(!s.a_path.exists(), "a missing database is never recreated");
    for (from, to) in &moved {
        std::fs::rename(to, from).unwrap();
    }
    s.assert_recovers().await;
}

#[tokio::test]
async fn a_truncated_file_is_503_for_its_company_only_and_heals_when_restored() {
    for keep in [0, 50, 4096] {
        let s = setup().await;
        let saved = backup(&s.a_path);
        for p in sidecars(&s.a_path).iter().skip(1).filter(|p| p.exists()) {
            std::fs::remove_file(p).unwrap();
        }
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(&s.a_path)
            .unwrap();
        file.set_len(keep).unwrap();
        drop(file);
        s.assert_fault_is_contained(false).await;
        restore(&saved);
        s.assert_recovers().await;
    }
}

#[tokio::test]
async fn a_corrupted_file_is_503_for_its_company_only_and_heals_when_restored() {
    let s = setup().await;
    let saved = backup(&s.a_path);
    for p in sidecars(&s.a_path).iter().skip(1).filter(|p| p.exists()) {
        std::fs::remove_file(p).unwrap();
    }
    let mut bytes = std::fs::read(&s.a_path).unwrap();
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(31) ^ 0x5a;
    }
    std::fs::write(&s.a_path, &bytes).unwrap();
    s.assert_fault_is_contained(false).await;
    restore(&saved);
    s.assert_recovers().await;
}

#[tokio::test]
async fn a_write_locked_file_refuses_writes_with_503_and_heals_when_released() {
    use sqlx::{Connection, Executor};
    let s = setup().await;
    let url = format!("sqlite://{}", s.a_path.display());
    let mut other = sqlx::SqliteConnection::connect(&url).await.unwrap();
    other.execute("BEGIN EXCLUSIVE").await.unwrap();
    // WAL readers are not blocked by a writer, so reads keep working; writes wait out the
    // busy timeout and answer 503 instead of hanging.
    s.assert_fault_is_contained(true).await;
    other.execute("COMMIT").await.unwrap();
    other.close().await.unwrap();
    s.assert_recovers().await;
}
