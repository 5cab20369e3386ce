//! A bounded cache of open tenant pools.
//!
//! Pools open lazily on a company's first request, at most `max_pools` stay open (the least
//! recently used is dropped first), and pools unused for `idle_timeout` are dropped, so the
//! number of open tenant connections stays under `max_pools * connections_per_pool` however
//! many companies exist. A pool dropped from the cache closes once the requests still using it
//! finish.

use crate::TenancyError;
use silo_control::CompanyId;
use silo_store::Db;
use silo_store::sqlite::PoolLimits;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

/// Bounds on open tenant pools and connections.
#[derive(Clone, Copy, Debug)]
pub struct PoolSettings {
    /// Most tenant pools open at once.
    pub max_pools: usize,
    /// Most connections in one tenant pool.
    pub connections_per_pool: u32,
    /// A pool unused this long is closed.
    pub idle_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_pools: 256,
            connections_per_pool: 4,
            idle_timeout: Duration::from_secs(300),
        }
    }
}

impl PoolSettings {
    /// Limits for one SQLite tenant pool.
    pub fn sqlite_limits(&self) -> PoolLimits {
        PoolLimits {
            max_connections: self.connections_per_pool.max(1),
            idle_timeout: self.idle_timeout,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

#[derive(Debug)]
struct Entry {
    cell: Arc<OnceCell<Db>>,
    last_used: Instant,
}

#[derive(Debug)]
pub(crate) struct PoolCache {
    settings: PoolSettings,
    entries: Mutex<HashMap<CompanyId, Entry>>,
}

impl PoolCache {
    pub(crate) fn new(settings: PoolSettings) -> Self {
        PoolCache {
            settings,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn settings(&self) -> PoolSettings {
        self.settings
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<CompanyId, Entry>> {
        // A panic while holding this lock cannot leave the map half-updated in a way that
        // matters (every operation is a single insert or remove), so poison is ignored.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The company's pool, opening it with `open` if none is cached. Concurrent first requests
    /// for one company share a single open; a failed open is not cached, so the next request
    /// tries again (a fault that ends heals by itself).
    pub(crate) async fn get_or_open<F, Fut>(
        &self,
        id: CompanyId,
        open: F,
    ) -> Result<Db, TenancyError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Db, TenancyError>>,
    {
        let cell = {
            let mut entries = self.lock();
            let now = Instant::now();
            let entry = entries.entry(id).or_insert_with(|| Entry {
                cell: Arc::new(OnceCell::new()),
                last_used: now,
            });
            entry.last_used = now;
            entry.cell.clone()
        };
        match cell.get_or_try_init(open).await {
            Ok(db) => {
                let db = db.clone();
                self.shrink();
                Ok(db)
            }
            Err(e) => {
                let mut entries = self.lock();
                if entries
                    .get(&id)
                    .is_some_and(|e| Arc::ptr_eq(&e.cell, &cell))
                {
                    entries.remove(&id);
                }
                Err(e)
            }
        }
    }

    /// Drops idle pools, then the least recently used ones until the bound holds.
    fn shrink(&self) {
        let mut entries = self.lock();
        let idle = self.settings.idle_timeout;
        entries.retain(|_, e| e.last_used.elapsed() < idle || !e.cell.initialized());
        while entries.len() > self.settings.max_pools.max(1) {
            let oldest = entries
                .iter()
                .filter(|(_, e)| e.cell.initialized())
                .min_by_key(|(_, e)| e.last_used)
                .map(|(id, _)| *id);
            match oldest {
                Some(id) => {
                    entries.remove(&id);
                }
                None => break,
            }
        }
    }

    /// Forgets a company's pool (its file vanished, it was suspended or erased).
    pub(crate) async fn evict(&self, id: CompanyId) {
        let removed = self.lock().remove(&id);
        if let Some(db) = removed.and_then(|e| e.cell.get().cloned()) {
            db.close().await;
        }
    }

    pub(crate) async fn close_all(&self) {
        let drained: Vec<Entry> = self.lock().drain().map(|(_, e)| e).collect();
        for entry in drained {
            if let Some(db) = entry.cell.get() {
                db.close().await;
            }
        }
    }

    pub(crate) async fn len(&self) -> usize {
        self.lock().len()
    }
}
