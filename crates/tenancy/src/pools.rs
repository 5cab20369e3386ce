//! A bounded cache of open tenant pools under one connection budget.
//!
//! Pools open lazily on a company's first request. Every open pool holds
//! `connections_per_pool` permits of its server's budget (a semaphore per tenant server; one for
//! all SQLite files), so the tenant connections open on a server at any moment never exceed its
//! budget, however many companies exist. A server keeps at most `budget / connections_per_pool`
//! pools, and the cache at most `max_pools`: opening one more drops the least recently used one
//! (on that server, when the server is full), and pools unused for `idle_timeout` are dropped.
//! A dropped pool closes, and gives its permits back, once the requests still using it finish.

use crate::TenancyError;
use silo_control::CompanyId;
use silo_store::Db;
use silo_store::sqlite::PoolLimits;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{OnceCell, OwnedSemaphorePermit, Semaphore};

/// Bounds on open tenant pools and connections.
#[derive(Clone, Copy, Debug)]
pub struct PoolSettings {
    /// Most tenant pools open at once.
    pub max_pools: usize,
    /// Most connections in one tenant pool.
    pub connections_per_pool: u32,
    /// Most tenant connections open at once, over all pools.
    pub connection_budget: u32,
    /// A pool unused this long is closed.
    pub idle_timeout: Duration,
    /// How long opening a pool waits for budget that pools dropped from the cache give back
    /// once their last requests finish. Short on purpose: when the budget stays taken, the
    /// request is refused with 503 `busy` (and `Retry-After`) at once rather than queued, so a
    /// burst of companies cannot make every other company's requests wait.
    pub budget_wait: Duration,
    /// When a server's budget is full, its least recently used pool opened at least this long
    /// ago closes (the least recently used of all when every pool is younger). Zero is plain
    /// LRU, the default; BENCHMARKS.md compares the two.
    pub min_pool_age: Duration,
}

impl PoolSettings {
    /// Defaults for the embedded deployment: SQLite connections are file handles, so many
    /// pools stay open and a busy fleet does not reopen files on every request. One
    /// connection each: a second one per company doubled memory for little gain (WAL
    /// readers do not block, and one company's requests queue on its connection instead of
    /// contending for the file's write lock).
    pub fn sqlite_default() -> Self {
        PoolSettings {
            max_pools: 1024,
            connections_per_pool: 1,
            connection_budget: 2048,
            ..PoolSettings::default()
        }
    }
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_pools: 256,
            // One connection per company: a budget of connections then keeps that many
            // companies' databases open, where two per company would halve it.
            connections_per_pool: 1,
            // An upper bound only: on PostgreSQL each tenant server's budget is its own
            // `max_connections` less a reserve (read at start), unless this is lower.
            connection_budget: 10_000,
            idle_timeout: Duration::from_secs(300),
            budget_wait: Duration::from_millis(250),
            min_pool_age: Duration::ZERO,
        }
    }
}

impl PoolSettings {
    /// Limits for one tenant pool.
    pub fn pool_limits(&self) -> PoolLimits {
        PoolLimits {
            max_connections: self.per_pool(),
            idle_timeout: self.idle_timeout,
            acquire_timeout: Duration::from_secs(5),
        }
    }

    fn per_pool(&self) -> u32 {
        self.connections_per_pool
            .clamp(1, self.connection_budget.max(1))
    }
}

/// An open pool and its share of the budget. Dropped when the cache has let go of it and the
/// last request using it has finished; then the pool closes and the permits return.
#[derive(Debug)]
pub(crate) struct Lease {
    pub(crate) db: Db,
    permit: Option<OwnedSemaphorePermit>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        let db = self.db.clone();
        let permit = self.permit.take();
        // Close waits for connections still checked out (an open transaction, say), so the
        // permits come back only when the connections are really gone.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                db.close().await;
                drop(permit);
            });
        }
    }
}

#[derive(Debug)]
struct Entry {
    cell: Arc<OnceCell<Arc<Lease>>>,
    last_used: Instant,
    /// The budget (tenant server) the pool counts against, once known.
    shard: Option<usize>,
    /// When the entry was made (its pool opened just after).
    opened: Instant,
}

/// One tenant server's budget: its semaphore and how many pools fit in it.
#[derive(Debug)]
struct Budget {
    permits: Arc<Semaphore>,
    pools: usize,
}

#[derive(Debug)]
pub(crate) struct PoolCache {
    settings: PoolSettings,
    budgets: Vec<Budget>,
    entries: Mutex<HashMap<CompanyId, Entry>>,
    /// When idle pools were last swept; the sweep walks every entry, so it is not done on
    /// every request.
    last_sweep: Mutex<Instant>,
    /// Opens refused because the budget stayed taken for `budget_wait`.
    budget_refusals: AtomicU64,
}

impl PoolCache {
    /// A cache with one budget of `settings.connection_budget`.
    pub(crate) fn new(settings: PoolSettings) -> Self {
        Self::with_budgets(settings, &[settings.connection_budget])
    }

    /// A cache with a budget per tenant server (each at least one pool's connections).
    pub(crate) fn with_budgets(settings: PoolSettings, budgets: &[u32]) -> Self {
        let per_pool = settings.per_pool();
        let budgets = budgets
            .iter()
            .map(|&b| {
                let b = b.max(per_pool);
                Budget {
                    permits: Arc::new(Semaphore::new(b as usize)),
                    pools: (b / per_pool) as usize,
                }
            })
            .collect();
        PoolCache {
            settings,
            budgets,
            entries: Mutex::new(HashMap::new()),
            last_sweep: Mutex::new(Instant::now()),
            budget_refusals: AtomicU64::new(0),
        }
    }

    /// Opens refused since start because the budget stayed taken.
    pub(crate) fn budget_refusals(&self) -> u64 {
        self.budget_refusals.load(Ordering::Relaxed)
    }

    pub(crate) fn settings(&self) -> PoolSettings {
        self.settings
    }

    /// Whether a tenth of the idle timeout has passed since the last sweep (then it is due and
    /// the clock restarts). Pools thus close between `idle_timeout` and 1.1 × `idle_timeout`.
    fn sweep_due(&self, now: Instant) -> bool {
        let mut last = self.last_sweep.lock().unwrap_or_else(|p| p.into_inner());
        if now.duration_since(*last) >= self.settings.idle_timeout / 10 {
            *last = now;
            true
        } else {
            false
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<CompanyId, Entry>> {
        // A panic while holding this lock cannot leave the map half-updated in a way that
        // matters (every operation is a single insert or remove), so poison is ignored.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Connections the budgets allow in all, over every tenant server.
    pub(crate) fn total_budget(&self) -> u64 {
        self.budgets
            .iter()
            .map(|b| (b.pools as u64) * u64::from(self.settings.per_pool()))
            .sum()
    }

    /// The company's pool, opening it with `open` if none is cached; `locate` says which
    /// budget (tenant server) a new pool counts against. Concurrent first requests for one
    /// company share a single open; a failed open is not cached, so the next request tries
    /// again (a fault that ends heals by itself).
    pub(crate) async fn get_or_open<L, LFut, F, Fut>(
        &self,
        id: CompanyId,
        locate: L,
        open: F,
    ) -> Result<Arc<Lease>, TenancyError>
    where
        L: FnOnce() -> LFut,
        LFut: Future<Output = Result<usize, TenancyError>>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Db, TenancyError>>,
    {
        let cell = {
            let mut entries = self.lock();
            let now = Instant::now();
            let idle = self.settings.idle_timeout;
            if self.sweep_due(now) {
                entries.retain(|_, e| e.last_used.elapsed() < idle || !e.cell.initialized());
            }
            // `max_pools` over all servers here; each server's budget when the pool opens
            // (`make_room_on`), so a full server never closes another server's pools.
            if !entries.contains_key(&id) {
                make_room(&mut entries, self.settings.max_pools.max(1) - 1);
            }
            let entry = entries.entry(id).or_insert_with(|| Entry {
                cell: Arc::new(OnceCell::new()),
                last_used: now,
                shard: None,
                opened: now,
            });
            entry.last_used = now;
            entry.cell.clone()
        };
        let opened = cell
            .get_or_try_init(|| async {
                let shard = locate().await?;
                let budget = self.budgets.get(shard).ok_or_else(|| {
                    TenancyError::Unavailable("no connection budget for its server".into())
                })?;
                self.make_room_on(id, shard, budget.pools);
                let permits = self.settings.per_pool();
                let permit = tokio::time::timeout(
                    self.settings.budget_wait,
                    budget.permits.clone().acquire_many_owned(permits),
                )
                .await
                .map_err(|_| {
                    self.budget_refusals.fetch_add(1, Ordering::Relaxed);
                    TenancyError::Busy
                })?
                .map_err(|_| TenancyError::Unavailable("tenant pools are closed".into()))?;
                let db = open().await?;
                Ok(Arc::new(Lease {
                    db,
                    permit: Some(permit),
                }))
            })
            .await;
        match opened {
            Ok(lease) => Ok(lease.clone()),
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

    /// Counts the pool of `id` against budget `shard`, first dropping that server's least
    /// recently used open pools while `fit` pools are open or opening there already.
    fn make_room_on(&self, id: CompanyId, shard: usize, fit: usize) {
        let mut entries = self.lock();
        if let Some(entry) = entries.get_mut(&id) {
            entry.shard = Some(shard);
        }
        let min_age = self.settings.min_pool_age;
        let open_here = |entries: &HashMap<CompanyId, Entry>| {
            let candidates = || {
                entries.iter().filter(|(other, e)| {
                    **other != id && e.shard == Some(shard) && e.cell.initialized()
                })
            };
            candidates()
                .filter(|(_, e)| e.opened.elapsed() >= min_age)
                .min_by_key(|(_, e)| e.last_used)
                .or_else(|| candidates().min_by_key(|(_, e)| e.last_used))
                .map(|(other, _)| *other)
        };
        // Pools still opening count too: each will hold permits, and one that found room
        // uncounted would wait for permits nobody frees.
        while entries
            .iter()
            .filter(|(other, e)| **other != id && e.shard == Some(shard))
            .count()
            >= fit
        {
            match open_here(&entries) {
                Some(oldest) => {
                    entries.remove(&oldest);
                }
                None => break,
            }
        }
    }

    /// Forgets a company's pool without closing it under the requests still using it: they
    /// finish on it (or fail on their own queries), and it closes when the last one is done.
    /// The next request opens a new pool.
    pub(crate) fn forget(&self, id: CompanyId) {
        self.lock().remove(&id);
    }

    /// Forgets a company's pool and closes it now, failing requests that still wait for one of
    /// its connections (its storage is about to be moved or erased).
    pub(crate) async fn evict(&self, id: CompanyId) {
        let removed = self.lock().remove(&id);
        if let Some(lease) = removed.and_then(|e| e.cell.get().cloned()) {
            lease.db.close().await;
        }
    }

    pub(crate) async fn close_all(&self) {
        let drained: Vec<Entry> = self.lock().drain().map(|(_, e)| e).collect();
        for entry in drained {
            if let Some(lease) = entry.cell.get() {
                lease.db.close().await;
            }
        }
        for budget in &self.budgets {
            budget.permits.close();
        }
    }

    /// Connections open in the cached pools (idle and in use).
    pub(crate) fn open_connections(&self) -> u64 {
        self.lock()
            .values()
            .filter_map(|e| e.cell.get())
            .map(|lease| u64::from(lease.db.open_connections()))
            .sum()
    }

    pub(crate) async fn len(&self) -> usize {
        self.lock().len()
    }
}

/// Drops the least recently used open pools until at most `keep` entries remain.
fn make_room(entries: &mut HashMap<CompanyId, Entry>, keep: usize) {
    while entries.len() > keep {
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
