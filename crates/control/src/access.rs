//! The request path's registry look-up: identity, company, membership, whether the identity
//! has two-factor on and whether the token's browser session is still open, in one query.
//!
//! Reading them together keeps rule 4 simple (a suspension, removal or demotion acts on the next
//! request, also when another process made it) while costing one round trip instead of three.
//! Views are remembered, and a remembered view is used only when the registry's log of access
//! changes (`access_changes`, written by triggers in the committing transaction) names nothing it
//! depends on since it was read. A commit about one company (or an audit record, a queued mail)
//! thus leaves every other company's views in place, and a revocation still acts on the next
//! request:
//! - on SQLite the log is read only when the registry file's data version changed (a private
//!   connection asks for it, no query through the pool), so an unchanged registry costs nothing;
//! - on PostgreSQL every request reads the log after the last entry its server applied (one
//!   index range read, empty while nothing changed) before it uses a remembered view. Entries are
//!   numbered in commit order (migration 0015), so an empty answer means no change has committed
//!   since, in any process.

use crate::{Company, CompanyId, ControlError, ControlPlane, Identity, IdentityId};
use silo_roles::Role;
use silo_store::{CommitWatch, Db, LogRow, Row, params};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use uuid::Uuid;

/// Most views remembered at once; reaching it forgets them all (they are cheap to read again).
const CACHE_CAPACITY: usize = 65_536;

/// Most log entries read in one go; a cache further behind forgets every view.
const LOG_BATCH: i64 = 512;

/// Most log entries applied view by view; more forget every view (cheaper than matching each).
const SELECTIVE_UP_TO: usize = 64;

/// The registry's log of access changes after entry `$1`, at most `$2` (either backend).
const LOG_QUERY: &str = "SELECT seq, identity_id, company_id FROM access_changes
    WHERE seq > $1 ORDER BY seq LIMIT $2";

/// What the registry says about an identity and a company right now.
#[derive(Clone, Debug)]
pub struct AccessView {
    /// The identity, if it exists.
    pub identity: Option<Identity>,
    /// The company, if it exists.
    pub company: Option<Company>,
    /// The identity's role there, if it is a member.
    pub role: Option<Role>,
    /// Whether the identity has two-factor authentication on (checked against the company's
    /// `require_two_factor`).
    pub two_factor: bool,
    /// Whether the session the token was issued for has ended (logged out, replaced, reused,
    /// cleared): its access tokens are refused. `false` when no session was asked about.
    pub session_ended: bool,
}

/// Which view a request needs: the token's identity, company and session.
type AccessKey = (IdentityId, Option<CompanyId>, Option<Uuid>);

/// Renames prefixed columns so the row mappers of identities and companies can read them.
fn unprefixed(row: &Row, prefix: &str) -> Row {
    let (columns, values): (Vec<String>, Vec<silo_store::Value>) = row
        .columns()
        .iter()
        .zip(row.values())
        .filter_map(|(c, v)| {
            c.strip_prefix(prefix)
                .map(|name| (name.to_owned(), v.clone()))
        })
        .unzip();
    Row::from_parts(columns, values)
}

/// Where the cache learns that the registry changed.
#[derive(Debug)]
enum Source {
    /// SQLite: the file's data version, and the log read on the same private connection.
    File(CommitWatch),
    /// PostgreSQL: the log, read through the control plane's pool on every request.
    Log,
}

/// Access views, with what the registry's log has said about them so far.
#[derive(Debug)]
pub(crate) struct AccessCache {
    source: Source,
    state: Mutex<CacheState>,
    hits: AtomicU64,
}

#[derive(Debug, Default)]
struct CacheState {
    /// The point the views are known valid at: the file's data version on SQLite, the last log
    /// entry applied on PostgreSQL.
    version: i64,
    /// The last access-change log entry applied to the views.
    seq: i64,
    views: HashMap<AccessKey, AccessView>,
}

impl CacheState {
    /// Forgets the views named by log entries `rows`, read as the entries after `from` (which is
    /// at most `self.seq`: another request may have applied some of them already). Forgets
    /// every view when entries are missing (pruned before this cache saw them) or too many to
    /// go through one by one.
    fn apply(&mut self, from: i64, rows: &[LogRow]) {
        let gap = rows.first().is_some_and(|r| r.seq != from + 1);
        let fresh: Vec<&LogRow> = rows.iter().filter(|r| r.seq > self.seq).collect();
        if gap || fresh.len() > SELECTIVE_UP_TO {
            self.views.clear();
        } else if !fresh.is_empty() {
            // Each entry names an identity, a company, or both (a membership: only that
            // person's view of that company). An id that does not parse is read as naming
            // everyone, which only forgets more than needed.
            let changed: Vec<(Option<IdentityId>, Option<CompanyId>)> = fresh
                .iter()
                .map(|r| {
                    let id = |i: usize| r.values.get(i).cloned().flatten();
                    (
                        id(0).and_then(|v| v.parse().ok()),
                        id(1).and_then(|v| v.parse().ok()),
                    )
                })
                .collect();
            self.views.retain(|(identity, company, _), _| {
                !changed.iter().any(|(i, c)| {
                    i.is_none_or(|i| i == *identity) && c.is_none_or(|c| Some(c) == *company)
                })
            });
        }
        if let Some(last) = rows.last() {
            self.seq = self.seq.max(last.seq);
        }
    }

    /// Forgets every view, for a log that could not be read: nothing cached can be trusted.
    fn forget_all(&mut self) {
        self.views.clear();
    }

    /// Brings the views up to the registry file's data version `version`, reading the log on
    /// the watch's connection until it is drained (SQLite).
    fn catch_up(&mut self, watch: &CommitWatch, version: i64) {
        loop {
            let Some(rows) = watch.log_after(self.seq, LOG_BATCH) else {
                // Unreadable now: `seq` is kept, and the version is not taken as seen, so the
                // next request tries again from the same place.
                self.forget_all();
                self.version = version.wrapping_add(1);
                return;
            };
            self.apply(self.seq, &rows);
            if (rows.len() as i64) < LOG_BATCH {
                self.version = version;
                return;
            }
        }
    }
}

impl AccessCache {
    /// A cache over a SQLite registry's `watch`, starting after log entry `seq` (the newest
    /// when it was opened).
    pub(crate) fn sqlite(watch: CommitWatch, seq: i64) -> Result<Self, ControlError> {
        Ok(Self::with_source(
            Source::File(watch.with_log(LOG_QUERY)?),
            seq,
        ))
    }

    /// A cache over a PostgreSQL registry, starting after log entry `seq`.
    pub(crate) fn postgres(seq: i64) -> Self {
        Self::with_source(Source::Log, seq)
    }

    fn with_source(source: Source, seq: i64) -> Self {
        AccessCache {
            source,
            state: Mutex::new(CacheState {
                seq,
                version: seq,
                ..CacheState::default()
            }),
            hits: AtomicU64::new(0),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, CacheState> {
        // Every update below leaves the state consistent, so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The remembered view, if nothing the registry logged since it was read names it, and the
    /// point the cache was valid at when asked (for [`AccessCache::put`]). `None` for the point
    /// when the registry could not say whether anything changed: nothing may be remembered.
    async fn get(&self, db: &Db, key: AccessKey) -> (Option<AccessView>, Option<i64>) {
        let at = match &self.source {
            Source::File(watch) => {
                let Some(version) = watch.version() else {
                    return (None, None);
                };
                let mut state = self.state();
                if state.version != version {
                    state.catch_up(watch, version);
                }
                (state.version == version).then_some(version)
            }
            Source::Log => {
                let mut from = self.state().seq;
                loop {
                    let rows = log_after(db, from).await;
                    let mut state = self.state();
                    let Some((rows, all)) = rows else {
                        state.forget_all();
                        break None;
                    };
                    state.apply(from, &rows);
                    state.version = state.seq;
                    if all {
                        break Some(state.seq);
                    }
                    from = state.seq;
                }
            }
        };
        let Some(at) = at else {
            return (None, None);
        };
        let view = self.state().views.get(&key).cloned();
        if view.is_some() {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        (view, Some(at))
    }

    /// Remembers a view read after the cache was valid at `at`. A newer point reached meanwhile
    /// by another request means this view may already be stale, so it is not kept.
    fn put(&self, at: i64, key: AccessKey, view: &AccessView) {
        let mut state = self.state();
        if state.version != at {
            return;
        }
        if state.views.len() >= CACHE_CAPACITY {
            state.views.clear();
        }
        state.views.insert(key, view.clone());
    }
}

/// The log entries after `from` through the pool (PostgreSQL), at most [`LOG_BATCH`], and
/// whether that was all of them (a full batch may be followed by more). `None` when the
/// registry did not answer.
async fn log_after(db: &Db, from: i64) -> Option<(Vec<LogRow>, bool)> {
    let rows = db
        .fetch_all(LOG_QUERY, params![from, LOG_BATCH])
        .await
        .ok()?;
    let log = rows
        .iter()
        .map(|row| {
            Some(LogRow {
                seq: row.get("seq").ok()?,
                values: vec![
                    row.get::<Option<String>>("identity_id").ok()?,
                    row.get::<Option<String>>("company_id").ok()?,
                ],
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let all = (log.len() as i64) < LOG_BATCH;
    Some((log, all))
}

impl ControlPlane {
    /// The identity, the company and the identity's role in it as of now: one query, or none
    /// when the registry is unchanged since the same view was last read.
    pub async fn access_view(
        &self,
        identity: IdentityId,
        company: CompanyId,
    ) -> Result<AccessView, ControlError> {
        self.token_access(identity, Some(company), None).await
    }

    /// What the request path checks of an access token, as of now: its identity, its company
    /// (if bound) with the identity's role there, and whether its browser session (`sid`, if
    /// any) has ended. One query; while nothing it depends on changed since the same view was
    /// read, none on SQLite and a read of the (empty) change log on PostgreSQL.
    pub async fn token_access(
        &self,
        identity: IdentityId,
        company: Option<CompanyId>,
        session: Option<Uuid>,
    ) -> Result<AccessView, ControlError> {
        let key = (identity, company, session);
        // The cache's point of validity is taken before the query: a commit landing in between
        // makes the next request see a newer point and read again, never keep a stale view.
        let at = match self.access_cache.as_deref() {
            Some(cache) => match cache.get(&self.db, key).await {
                (Some(view), _) => return Ok(view),
                (None, at) => at.map(|at| (cache, at)),
            },
            None => None,
        };
        let view = self.read_access_view(identity, company, session).await?;
        if let Some((cache, at)) = at {
            cache.put(at, key, &view);
        }
        Ok(view)
    }

    /// Registry reads the request path answered from memory since start.
    pub fn access_cache_hits(&self) -> u64 {
        self.access_cache
            .as_deref()
            .map_or(0, |cache| cache.hits.load(Ordering::Relaxed))
    }

    async fn read_access_view(
        &self,
        identity: IdentityId,
        company: Option<CompanyId>,
        session: Option<Uuid>,
    ) -> Result<AccessView, ControlError> {
        // Absent parts are asked for as the empty string, which names no row: one statement
        // (and one round trip) whatever the token carries.
        let company_param = company.map(|c| c.to_string()).unwrap_or_default();
        let session_param = session.map(|s| s.to_string()).unwrap_or_default();
        let row = self
            .db
            .fetch_optional(
                "SELECT i.id AS i_id, i.email AS i_email, i.name AS i_name, i.status AS i_status,
                        i.password_hash AS i_password_hash, i.email_verified_at AS i_email_verified_at,
                        i.tokens_valid_after AS i_tokens_valid_after,
                        c.id AS c_id, c.slug AS c_slug, c.name AS c_name, c.plan AS c_plan,
                        c.status AS c_status, c.created_at AS c_created_at, c.updated_at AS c_updated_at,
                        c.erased_at AS c_erased_at, c.erased_by AS c_erased_by,
                        c.require_two_factor AS c_require_two_factor,
                        (p.moving_to IS NOT NULL) AS c_moving,
                        m.role AS m_role,
                        (tf.identity_id IS NOT NULL) AS t_two_factor,
                        (s.id IS NOT NULL) AS s_open
                 FROM identities i
                 LEFT JOIN companies c ON c.id = $2
                 LEFT JOIN placements p ON p.company_id = c.id
                 LEFT JOIN memberships m ON m.identity_id = i.id AND m.company_id = c.id
                 LEFT JOIN two_factor tf ON tf.identity_id = i.id AND tf.confirmed_at IS NOT NULL
                 LEFT JOIN sessions s ON s.id = $3 AND s.identity_id = i.id AND s.revoked_at IS NULL
                 WHERE i.id = $1",
                params![identity, company_param, session_param],
            )
            .await?;
        let Some(row) = row else {
            return Ok(AccessView {
                identity: None,
                company: None,
                role: None,
                two_factor: false,
                session_ended: session.is_some(),
            });
        };
        let identity = Identity::from_row(&unprefixed(&row, "i_"))?;
        let company = match row.get::<Option<String>>("c_id")? {
            Some(_) => Some(Company::from_row(&unprefixed(&row, "c_"))?),
            None => None,
        };
        let role = row
            .get::<Option<String>>("m_role")?
            .map(|r| {
                r.parse::<Role>()
                    .map_err(|e| ControlError::Corrupt(e.to_string()))
            })
            .transpose()?;
        Ok(AccessView {
            identity: Some(identity),
            company,
            role,
            two_factor: row.get("t_two_factor")?,
            session_ended: session.is_some() && !row.get::<bool>("s_open")?,
        })
    }
}
