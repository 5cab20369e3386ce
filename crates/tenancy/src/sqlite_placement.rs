//! Tenant databases as SQLite files: `<data>/tenants/<company-id>.sqlite3`.

use crate::{DataDir, TenancyError};
use silo_control::{Backend, Company, CompanyId, NewPlacement};
use silo_store::sqlite::{self, PoolLimits};
use silo_store::{Db, StoreError};

/// The first bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Places every company in a file of its own under the data directory.
#[derive(Debug)]
pub(crate) struct SqlitePlacement {
    pub(crate) data: DataDir,
}

impl SqlitePlacement {
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
    pub(crate) fn present(&self, company: &Company) -> bool {
        looks_whole(&self.data.tenant_path(company.id))
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
    use super::looks_whole;

    #[test]
    fn only_whole_sqlite_files_look_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.sqlite3");
        assert!(!looks_whole(&path), "missing");
        std::fs::write(&path, b"").expect("write");
        assert!(!looks_whole(&path), "empty");
        let mut header = vec![0u8; 100];
        header[..16].copy_from_slice(b"SQLite format 3\0");
        header[16..18].copy_from_slice(&4096u16.to_be_bytes());
        header[28..32].copy_from_slice(&3u32.to_be_bytes());
        let mut file = header.clone();
        file.resize(3 * 4096, 0);
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
