//! Tenant databases as SQLite files: `<data>/tenants/<company-id>.sqlite3`.

use crate::{DataDir, TenancyError};
use silo_control::{Backend, Company, CompanyId, NewPlacement};
use silo_store::sqlite::{self, PoolLimits};
use silo_store::{Db, StoreError};
use std::collections::HashMap;
use std::os::unix::fs::MetadataExt as _;
use std::path::Path;
use std::sync::{Arc, Mutex};
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
    /// What the checks know of each company's file.
    files: Mutex<HashMap<CompanyId, FileState>>,
}

/// What the per-request check knows of one company's file.
#[derive(Debug)]
struct FileState {
    /// The file's path, built once rather than on every request.
    path: Arc<Path>,
    /// The file (device and inode) the company's pool was opened on: a path that names
    /// another file since was replaced or moved, and the pool would go on answering from (and
    /// writing into) the old one.
    opened: Option<FileId>,
    /// What the file looked like when its header last passed the check.
    checked: Option<FileStamp>,
}

/// A file's identity on its file system.
type FileId = (u64, u64);

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
            files: Mutex::default(),
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

    /// Whether the file is still there, is the one the pool was opened on, and still looks
    /// whole: one removed, replaced, truncated or overwritten under a running server must stop
    /// serving even through pools opened before, whose connections would otherwise keep
    /// answering from the unlinked file or their page cache, and even accept writes into the
    /// WAL.
    ///
    /// The header is read only when the file changed since it last passed (one `stat` per
    /// request otherwise).
    pub(crate) fn present(&self, company: &Company) -> bool {
        self.file_present(company.id)
    }

    fn file_present(&self, id: CompanyId) -> bool {
        let (path, opened, checked) = {
            let mut files = lock(&self.files);
            let file = self.state(&mut files, id);
            (file.path.clone(), file.opened, file.checked)
        };
        let Ok(meta) = std::fs::metadata(&path) else {
            self.forget(id);
            return false;
        };
        let stamp = FileStamp::of(&meta);
        if opened.is_some_and(|opened| opened != (stamp.dev, stamp.ino)) {
            self.forget(id);
            return false;
        }
        if checked == Some(stamp) {
            return true;
        }
        let whole = looks_whole(&path);
        let passed = (whole && settled(&meta)).then_some(stamp);
        if let Some(file) = lock(&self.files).get_mut(&id) {
            file.checked = passed;
        }
        whole
    }

    /// The company's entry, made when there is none.
    fn state<'a>(
        &self,
        files: &'a mut HashMap<CompanyId, FileState>,
        id: CompanyId,
    ) -> &'a mut FileState {
        files.entry(id).or_insert_with(|| FileState {
            path: self.data.tenant_path(id).into(),
            opened: None,
            checked: None,
        })
    }

    /// Forgets what the checks learnt of a company's file: its pool is going away.
    fn forget(&self, id: CompanyId) {
        lock(&self.files).remove(&id);
    }

    /// Opens the existing file; a missing one is unavailable, never created.
    pub(crate) async fn open(
        &self,
        company: &Company,
        limits: PoolLimits,
    ) -> Result<Db, TenancyError> {
        let path = self.data.tenant_path(company.id);
        // Taken before the pool opens: a file replaced in between makes the next check fail
        // and the pool reopen, never the other way round.
        let file = std::fs::metadata(&path).map(|m| (m.dev(), m.ino()));
        let db = sqlite::open_existing(&path, limits).await?;
        let mut files = lock(&self.files);
        let state = self.state(&mut files, company.id);
        state.checked = None;
        state.opened = file.ok();
        Ok(db)
    }

    /// Removes the file with its WAL and shared-memory companions.
    pub(crate) fn drop_storage(&self, company: &Company) -> Result<(), TenancyError> {
        self.forget(company.id);
        Ok(sqlite::remove_files(&self.data.tenant_path(company.id))?)
    }
}

/// A single-insert map's lock; poison is ignored, since no operation on it can be left half
/// done.
fn lock<T>(map: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    map.lock().unwrap_or_else(|p| p.into_inner())
}

/// How often a file that is shorter than its header says is read again before it counts as
/// damaged (see [`looks_whole`]).
const REREADS: usize = 3;

/// The file starts with a SQLite header and is as long as the header says, or the missing
/// tail can be in the WAL: a cheap check (one read of 100 bytes and two `stat`s), run on
/// every request to a file that changed, that catches a deleted, truncated or overwritten
/// file. Damage further in is left to SQLite, which reports it as corrupt.
///
/// A checkpoint copies the WAL's pages into the file in page order, page 1 (with the header
/// and its new page count) first, so while one runs a healthy file is briefly shorter than its
/// header says. It is then never shorter than the WAL can fill, which is the test SQLite's own
/// checkpoint applies (`walCheckpoint`: the file, the WAL and the 64 KiB lock-byte page must
/// cover the database). The WAL is read after the file, and a checkpoint may empty it
/// (`wal_checkpoint(TRUNCATE)`) in between; it empties it only after the file is whole, so the
/// file is read again before it is given up on.
fn looks_whole(path: &std::path::Path) -> bool {
    for _ in 0..REREADS {
        match shape(path) {
            Shape::Damaged => return false,
            Shape::Whole => return true,
            Shape::Short { missing } => match wal_len(path) {
                // No WAL, no checkpoint under way: the file alone must be whole.
                0 => {}
                wal if wal + LOCK_BYTE_PAGE_SLACK >= missing => return true,
                _ => {}
            },
        }
    }
    false
}

/// What SQLite's checkpoint allows for the lock-byte page, which is never written.
const LOCK_BYTE_PAGE_SLACK: u64 = 65_536;

/// What the main file looks like by itself.
#[derive(Debug, PartialEq, Eq)]
enum Shape {
    /// A SQLite header, and at least as many bytes as it announces.
    Whole,
    /// A SQLite header announcing `missing` more bytes than the file holds.
    Short { missing: u64 },
    /// Missing, unreadable, shorter than a header, or not a SQLite header: no checkpoint
    /// ever leaves a file like that.
    Damaged,
}

fn shape(path: &std::path::Path) -> Shape {
    use std::io::Read as _;
    let mut header = [0u8; 100];
    let Ok(mut file) = std::fs::File::open(path) else {
        return Shape::Damaged;
    };
    let (Ok(()), Ok(meta)) = (file.read_exact(&mut header), file.metadata()) else {
        return Shape::Damaged;
    };
    if header[..16] != SQLITE_MAGIC[..] {
        return Shape::Damaged;
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
    if header[24..28] != header[92..96] {
        return Shape::Whole;
    }
    match pages.saturating_mul(page_size).checked_sub(meta.len()) {
        None | Some(0) => Shape::Whole,
        Some(missing) => Shape::Short { missing },
    }
}

/// The size of the file's WAL; none is zero.
fn wal_len(path: &std::path::Path) -> u64 {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(wal).map_or(0, |m| m.len())
}

#[cfg(test)]
mod tests {
    use super::{SqlitePlacement, lock, looks_whole};
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

    /// Whether the file's stamp is kept as passed.
    fn checked(placement: &SqlitePlacement, id: CompanyId) -> bool {
        lock(&placement.files)
            .get(&id)
            .is_some_and(|f| f.checked.is_some())
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
        assert!(checked(&placement, id), "stamp kept");
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
            !checked(&placement, id),
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

    #[test]
    fn a_file_short_of_its_header_is_whole_only_while_its_wal_can_fill_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.sqlite3");
        let wal = dir.path().join("t.sqlite3-wal");
        // Page 1 announces 40 pages; a checkpoint has written 2 of them so far.
        let mut file = whole_file();
        file[28..32].copy_from_slice(&40u32.to_be_bytes());
        std::fs::write(&path, &file[..2 * 4096]).expect("write");
        assert!(!looks_whole(&path), "no WAL: nothing can fill the gap");
        std::fs::write(&wal, vec![0u8; 38 * (4096 + 24) + 32]).expect("wal");
        assert!(looks_whole(&path), "the WAL holds the missing pages");
        std::fs::write(&wal, vec![0u8; 4096 + 24 + 32]).expect("wal");
        assert!(!looks_whole(&path), "a WAL of one page cannot fill 38");
    }

    #[test]
    fn a_replaced_file_is_not_the_one_the_pool_opened() {
        use std::os::unix::fs::MetadataExt as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let placement = SqlitePlacement::new(DataDir::new(dir.path()));
        let id = CompanyId::generate();
        let path = placement.data.tenant_path(id);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, whole_file()).expect("write");
        let meta = std::fs::metadata(&path).expect("stat");
        {
            let mut files = lock(&placement.files);
            placement.state(&mut files, id).opened = Some((meta.dev(), meta.ino()));
        }
        assert!(placement.file_present(id), "the file the pool opened");

        // A whole file moved into its place: a different inode.
        let other = dir.path().join("other.sqlite3");
        std::fs::write(&other, whole_file()).expect("write");
        std::fs::rename(&other, &path).expect("rename");
        assert!(!placement.file_present(id), "replaced");
        assert!(
            lock(&placement.files).get(&id).is_none(),
            "forgotten until a pool opens the new file"
        );
    }
}
