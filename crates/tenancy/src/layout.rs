//! The data directory of the embedded deployment.
//!
//! ```text
//! <data>/control.sqlite3             the registry
//! <data>/tenants/<company-id>.sqlite3 one file per company
//! <data>/keys/                       token signing keys
//! ```

use silo_control::CompanyId;
use std::path::{Path, PathBuf};

/// The root of an embedded deployment's files.
#[derive(Clone, Debug)]
pub struct DataDir(PathBuf);

impl DataDir {
    /// Uses `root` (created on first use).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DataDir(root.into())
    }

    /// The root.
    pub fn root(&self) -> &Path {
        &self.0
    }

    /// The control-plane database.
    pub fn control_path(&self) -> PathBuf {
        self.0.join("control.sqlite3")
    }

    /// The folder of tenant databases.
    pub fn tenants_dir(&self) -> PathBuf {
        self.0.join("tenants")
    }

    /// A company's database file. Built from the id alone, never from input, so no name can
    /// point outside `tenants/`.
    pub fn tenant_path(&self, company: CompanyId) -> PathBuf {
        self.tenants_dir().join(format!("{company}.sqlite3"))
    }

    /// The token key folder.
    pub fn keys_dir(&self) -> PathBuf {
        self.0.join("keys")
    }

    /// Creates the directories, owner-only.
    pub fn ensure(&self) -> std::io::Result<()> {
        silo_store::sqlite::create_private_dir(&self.tenants_dir())
    }
}
