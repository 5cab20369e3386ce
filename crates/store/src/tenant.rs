//! The handle business code receives: one company's own database, and nothing else.

use crate::Db;

/// A handle on one company's tenant database. Business code is given this by the request path
/// after the company was resolved from a verified token; it carries no company id to choose or
/// change, and the database it opens is the company.
#[derive(Clone, Debug)]
pub struct TenantDb(Db);

impl TenantDb {
    /// Wraps a pool on a tenant database. Only the tenancy layer, which resolved the company
    /// and opened its database, should call this.
    #[doc(hidden)]
    pub fn from_resolved(db: Db) -> Self {
        TenantDb(db)
    }

    /// The database, for queries.
    pub fn db(&self) -> &Db {
        &self.0
    }
}
