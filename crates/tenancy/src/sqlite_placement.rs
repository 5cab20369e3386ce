//! Tenant databases as SQLite files: `<data>/tenants/<company-id>.sqlite3`.

use crate::{DataDir, TenancyError};
use silo_control::{Backend, Company, CompanyId, NewPlacement};
use silo_store::sqlite::{self, PoolLimits};
use silo_store::{Db, StoreError};
use std::collections::HashMap;
use std::os::unix::fs::MetadataExt as _;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// The first bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// A file modified more recently than this is checked in full on every request: file times
/// are coarse (a few milliseconds), so two writes that close together could leave the same
/// stamp behind.
const SETTLED: Duration = Duration::from_secs(1);

/// Places every company in a file of its own under the data directory.
#[derive(Debug)]
pub(crate) struct SqlitePlacement {
    pub(crate) data: DataDir,
    /// What each file looked like when its header last passed the check.
    checked: Mutex<HashMap<CompanyId, FileStamp>>,
}

/// The identity, size and change times of a file: any write, truncation, replacement or
/// removal changes at least one of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileStamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl FileStamp {
    fn of(meta: &std::fs::Metadata) -> Self {
        FileStamp {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }
}

/// Whether the file was last modified long enough ago for its stamp to be trusted.
fn settled(meta: &std::fs::Metadata) -> bool {
    meta.modified()
        .ok()
        .and_then(|m| SystemTime::now().duration_since(m).ok())
        .is_some_and(|age| age >= SETTLED)
}

impl SqlitePlacement {
    pub(crate) fn new(data: DataDir) -> Self {
        SqlitePlacement {
            data,
            checked: Mutex::default(),
        }
    }

    pub(crate) fn new_placement(&self, id: CompanyId) -> NewPlacement {
        NewPlacement {
            backend: Backend::Sqlite,
            server: "local".into(),
            database_name: format!("{id}.sqlite3"),
            credentials_ref: None,
        }
    }

    /// Creates the file, or opens it when an interrupted run made it already (it was
    /// registered before it was made, so it is this company's own).
    pub(crate) async fn create(
        &self,
        company: &Company,
        limits: PoolLimits,
    ) -> Result<Db, TenancyError> {
        let path = self.data.tenant_path(company.id);
        match sqlite::create_new(&path, limits).await {
            Ok(db) => Ok(db),
            Err(StoreError::Conflict { .. }) => Ok(sqlite::open_existing(&path, limits).await?),
            Err(e) => Err(e.into()),
        }
    }

    /// Whether the file is still there and still looks whole: one removed, truncated or
    /// overwritten under a running server must stop serving even through pools opened
    /// before, whose connections would otherwise keep answering from the unlinked file or
    /// their page cache, and even accept writes into the WAL.
    ///
    /// The header is read only when the file changed since it last passed (one `stat` per
    /// request otherwise).
    pub(crate) fn present(&self, company: &Company) -> bool {
        self.file_present(company.id)
    }

    fn file_present(&self, id: CompanyId) -> bool {
        let path = self.data.tenant_path(id);
        let Ok(meta) = std::fs::metadata(&path) else {
            self.forget(id);
            return false;
        };
        let stamp = FileStamp::of(&meta);
        if self.checked().get(&id) == Some(&stamp) {
            return true;
        }
        self.forget(id);
        let whole = looks_whole(&path);
        if whole && settled(&meta) {
            self.checked().insert(id, stamp);
        }
        whole
    }

    fn checked(&self) -> std::sync::MutexGuard<'_, HashMap<CompanyId, FileStamp>> {
        // Single inserts and removals cannot leave the map inconsistent: poison is ignored.
        self.checked.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn forget(&self, id: CompanyId) {
        self.checked().remove(&id);
    }

    /// Opens the existing file; a missing one is unavailable, never created.
    pub(crate) async fn open(
        &self,
        company: &Company,
        limits: PoolLimits,
    ) -> Result<Db, TenancyError> {
        Ok(sqlite::open_existing(&self.data.tenant_path(company.id), limits).await?)
    }

    /// Removes the file with its WAL and shared-memory companions.
    pub(crate) fn drop_storage(&self, company: &Company) -> Result<(), TenancyError> {
        self.forget(company.id);
        Ok(sqlite::remove_files(&self.data.tenant_path(company.id))?)
    }
}

/// The file starts with a SQLite header and is at least as long as the header says: a cheap
/// check (one read of 100 bytes), run on every request, that catches a deleted, truncated or
/// overwritten file. Damage further in is left to SQLite, which reports it as corrupt.
fn looks_whole(path: &std::path::Path) -> bool {
    use std::io::Read as _;
    let mut header = [0u8; 100];
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let (Ok(()), Ok(meta)) = (file.read_exact(&mut header), file.metadata()) else {
        return false;
    };
    if header[..16] != SQLITE_MAGIC[..] {
        return false;
    }
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        n => u64::from(n),
    };
    let pages = u64::from(u32::from_be_bytes([
        header[28], header[29], header[30], header[31],
    ]));
    // The page count is only meaningful when the change counter matches "version valid for"
    // (SQLite file format, section 1.3.7).
    let count_valid = header[24..28] == header[92..96];
    !count_valid || meta.len() >= pages.saturating_mul(page_size)
}

#[cfg(test)]
mod tests {
    use super::{SqlitePlacement, looks_whole};
    use crate::DataDir;
    use silo_control::CompanyId;
    use std::time::{Duration, SystemTime};

    /// A file of three 4 KiB pages whose header says so.
    fn whole_file() -> Vec<u8> {
        let mut file = vec![0u8; 3 * 4096];
        file[..16].copy_from_slice(b"SQLite format 3\0");
        file[16..18].copy_from_slice(&4096u16.to_be_bytes());
        file[28..32].copy_from_slice(&3u32.to_be_bytes());
        file
    }

    fn age(path: &std::path::Path) {
        let past = SystemTime::now() - Duration::from_secs(60);
        let file = std::fs::File::options()
            .write(true)
            .open(path)
            .expect("open");
        file.set_modified(past).expect("set mtime");
    }

    #[test]
    fn a_settled_file_is_trusted_only_until_it_changes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let placement = SqlitePlacement::new(DataDir::new(dir.path()));
        let id = CompanyId::generate();
        let path = placement.data.tenant_path(id);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        let mut file = whole_file();
        std::fs::write(&path, &file).expect("write");
        age(&path);
        assert!(placement.file_present(id), "whole and settled");
        assert!(placement.checked().contains_key(&id), "stamp kept");
        assert!(placement.file_present(id), "unchanged");

        // Overwritten in place at the same size and aged again: the stamp still differs, so
        // the header is read again.
        file[0] = b'X';
        std::fs::write(&path, &file).expect("overwrite");
        age(&path);
        assert!(!placement.file_present(id), "overwritten");

        std::fs::write(&path, whole_file()).expect("restore");
        assert!(placement.file_present(id), "whole again");
        assert!(
            !placement.checked().contains_key(&id),
            "a file modified just now is not trusted by its stamp"
        );
        age(&path);
        assert!(placement.file_present(id));
        std::fs::remove_file(&path).expect("remove");
        assert!(!placement.file_present(id), "removed");
    }

    #[test]
    fn only_whole_sqlite_files_look_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.sqlite3");
        assert!(!looks_whole(&path), "missing");
        std::fs::write(&path, b"").expect("write");
        assert!(!looks_whole(&path), "empty");
        let mut file = whole_file();
        std::fs::write(&path, &file).expect("write");
        assert!(looks_whole(&path), "whole");
        std::fs::write(&path, &file[..4096]).expect("write");
        assert!(!looks_whole(&path), "truncated");
        std::fs::write(&path, &file[..50]).expect("write");
        assert!(!looks_whole(&path), "shorter than a header");
        file[0] = b'X';
        std::fs::write(&path, &file).expect("write");
        assert!(!looks_whole(&path), "overwritten");
    }
}
