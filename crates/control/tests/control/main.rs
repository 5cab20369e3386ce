#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Control-plane tests (access cache, audit chain and checkpoints), in one binary.

mod access_cache;
mod audit_chain;
mod audit_checkpoint;
mod sessions;

use silo_control::ControlPlane;
use silo_testkit::TestStorage;

/// The control plane of `storage`, on its backend (a new handle each call, as another process
/// would open it).
pub(crate) async fn open(storage: &TestStorage) -> ControlPlane {
    match &storage.pg {
        None => ControlPlane::open_sqlite(&storage.dir.path().join("control.sqlite3"))
            .await
            .unwrap(),
        Some(pg) => ControlPlane::open_postgres(&pg.control_url).await.unwrap(),
    }
}
