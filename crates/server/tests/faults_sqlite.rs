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

#[path = "api/common/mod.rs"]
mod common;

use common::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

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
    let s = setup().await;
    let other = rusqlite::Connection::open(&s.a_path).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    // WAL readers are not blocked by a writer, so reads keep working; writes wait out the
    // busy timeout and answer 503 instead of hanging.
    s.assert_fault_is_contained(true).await;
    other.execute_batch("COMMIT").unwrap();
    drop(other);
    s.assert_recovers().await;
}

/// A forced checkpoint of one company's file from a connection that is not Silo's, as an
/// operator's `sqlite3` shell or a backup tool would run it. Blocking: run it on a thread of
/// its own.
fn force_checkpoints(path: PathBuf, stop: Arc<AtomicBool>) -> u64 {
    let conn = rusqlite::Connection::open(&path).unwrap();
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    let mut moved = 0;
    while !stop.load(Ordering::Relaxed) {
        let pending = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        // (busy, frames in the WAL, frames checkpointed): TRUNCATE answers zero frames once it
        // has emptied the WAL, so whether it moved pages is told by the WAL's size before.
        let busy: i64 = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))
            .unwrap();
        if busy == 0 && pending > 0 {
            moved += 1;
        }
        std::thread::yield_now();
    }
    moved
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn healthy_files_under_concurrent_writes_and_checkpoints_never_answer_503() {
    const COMPANIES: usize = 4;
    const CLIENTS: usize = 8;
    const REQUESTS_PER_CLIENT: usize = 600;
    let app = Arc::new(spawn_app().await);
    let unlimited = silo_control::PlanLimits {
        max_seats: None,
        max_contacts: None,
    };
    app.tenancy
        .control()
        .set_plan_limits(silo_control::Plan::Starter, unlimited)
        .await
        .unwrap();
    let mut companies = Vec::new();
    for i in 0..COMPANIES {
        let (token, id) = app
            .signup(&format!("Busy {i}"), &format!("owner{i}@busy{i}.example"))
            .await;
        let path = app
            .tenancy
            .data_dir()
            .unwrap()
            .tenant_path(id.parse().unwrap());
        companies.push((token, path));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let checkpointers: Vec<_> = companies
        .iter()
        .map(|(_, path)| {
            let (path, stop) = (path.clone(), stop.clone());
            tokio::task::spawn_blocking(move || force_checkpoints(path, stop))
        })
        .collect();

    let tokens: Arc<Vec<String>> = Arc::new(companies.iter().map(|(t, _)| t.clone()).collect());
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (app, tokens) = (app.clone(), tokens.clone());
            tokio::spawn(async move {
                // (status, code) of every answer that was not a success; ids written per company.
                let mut failures = Vec::new();
                let mut written = vec![0usize; COMPANIES];
                for n in 0..REQUESTS_PER_CLIENT {
                    let company = (client + n) % COMPANIES;
                    let token = Some(tokens[company].as_str());
                    // 45% writes: rows long enough that the file grows by pages, so that
                    // checkpoints extend it.
                    let reply = if n % 20 < 9 {
                        let name = format!("{client}-{n} {}", "x".repeat(180));
                        let r = app
                            .post(
                                "/api/contacts",
                                token,
                                json!({"name": name, "phone": "+31 20 123 4567"}),
                            )
                            .await;
                        if r.status == 201 {
                            written[company] += 1;
                        }
                        r
                    } else {
                        app.get("/api/contacts?limit=200", token).await
                    };
                    if !reply.status.is_success() {
                        failures.push((reply.status.as_u16(), reply.code().to_owned()));
                    }
                }
                (failures, written)
            })
        })
        .collect();
    let mut failures = Vec::new();
    let mut written = vec![0usize; COMPANIES];
    for client in clients {
        let (f, w) = client.await.unwrap();
        failures.extend(f);
        for (total, n) in written.iter_mut().zip(w) {
            *total += n;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let mut checkpoints = 0;
    for c in checkpointers {
        checkpoints += c.await.unwrap();
    }
    eprintln!(
        "{checkpoints} forced checkpoints moved pages; {} failed answers",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failed answers: {failures:?}",
        failures.len()
    );
    // Many checkpoints that moved pages into the files ran while the requests did.
    assert!(
        checkpoints >= 50,
        "only {checkpoints} checkpoints moved pages"
    );
    for ((token, _), expected) in companies.iter().zip(written) {
        let mut seen = 0;
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/contacts?limit=200&cursor={c}"),
                None => "/api/contacts?limit=200".to_owned(),
            };
            let page = app.get(&path, Some(token)).await;
            assert_eq!(page.status, 200, "{}", page.body);
            seen += page.body["items"].as_array().unwrap().len();
            match page.body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen, expected, "every contact answered 201 is there");
    }
}
