//! The handle business code receives: one company's own database, and nothing else.

use crate::Db;
use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// A handle on one company's tenant database. Business code is given this by the request path
/// after the company was resolved from a verified token; it carries no company id to choose or
/// change, and the database it opens is the company.
#[derive(Clone)]
pub struct TenantDb {
    db: Db,
    /// Held while the handle lives: the tenancy layer's share of the connection budget,
    /// returned only once nobody uses the pool any more.
    _lease: Option<Arc<dyn Any + Send + Sync>>,
}

impl fmt::Debug for TenantDb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantDb").field("db", &self.db).finish()
    }
}

impl TenantDb {
    /// Wraps a pool on a tenant database. Only the tenancy layer, which resolved the company
    /// and opened its database, should call this.
    #[doc(hidden)]
    pub fn from_resolved(db: Db) -> Self {
        TenantDb { db, _lease: None }
    }

    /// Like [`TenantDb::from_resolved`], keeping `lease` alive as long as any clone lives.
    #[doc(hidden)]
    pub fn from_resolved_leased(db: Db, lease: Arc<dyn Any + Send + Sync>) -> Self {
        TenantDb {
            db,
            _lease: Some(lease),
        }
    }

    /// The same database, also keeping `guard` alive as long as any clone lives (a request's
    /// slot, say, so it is held exactly as long as the request can reach the database).
    pub fn holding(self, guard: impl Any + Send + Sync) -> Self {
        let lease: Arc<dyn Any + Send + Sync> = Arc::new((self._lease, guard));
        TenantDb {
            db: self.db,
            _lease: Some(lease),
        }
    }

    /// The database, for queries.
    pub fn db(&self) -> &Db {
        &self.db
    }
}
