//! The audit trail: append-only records of who did what where, never business content.
//!
//! Records form one hash chain per company (records without a company form the chain `-`).
//! Each record stores `hash = SHA-256(canonical JSON of [seq, prev_hash, at, company, actor,
//! action, target, outcome, client_ip, request_id])`, and `audit_heads` keeps each chain's
//! newest sequence number and hash. Changing a record changes its hash; removing or reordering
//! records breaks the `seq`/`prev_hash` links; removing the newest ones no longer matches the
//! head. [`ControlPlane::verify_audit`] recomputes every link.

use crate::{CompanyId, ControlError, ControlPlane, IdentityId};
use schemars::JsonSchema;
use serde::Serialize;
use sha2::{Digest, Sha256};
pub use silo_contract::AuditAction;
use silo_store::{Row, Timestamp, Tx, params};
use std::fmt::Write;

silo_contract::string_enum! {
    /// Whether the audited action went through.
    pub enum Outcome {
        /// It was done.
        Success = "success",
        /// It was refused or failed.
        Failure = "failure",
    }
}

/// Who did an audited thing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A person with an identity (staff): recorded as the identity id.
    Identity(IdentityId),
    /// One of a company's portal users (the agency's clients): recorded as `portal:<id>`.
    PortalUser(uuid::Uuid),
}

impl From<IdentityId> for Actor {
    fn from(id: IdentityId) -> Self {
        Actor::Identity(id)
    }
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::Identity(id) => write!(f, "{id}"),
            Actor::PortalUser(id) => write!(f, "portal:{id}"),
        }
    }
}

/// One audit record to append.
#[derive(Clone, Debug)]
pub struct AuditEvent {
    /// The company it concerns, if any.
    pub company: Option<CompanyId>,
    /// Who did it, if known.
    pub actor: Option<Actor>,
    /// What was done, like `company.create` or `contact.update`.
    pub action: AuditAction,
    /// The id of what it was done to; never a name or content.
    pub target: Option<String>,
    /// Whether it went through.
    pub outcome: Outcome,
    /// The client's address, for requests.
    pub client_ip: Option<String>,
    /// The request id, for requests.
    pub request_id: Option<String>,
    /// The outbox event it records, for business writes: a second delivery of the same event
    /// records nothing.
    pub event_id: Option<uuid::Uuid>,
}

impl AuditEvent {
    /// An event done by an operator at the command line (no actor, no address).
    pub fn operator(company: CompanyId, action: AuditAction) -> Self {
        AuditEvent {
            company: Some(company),
            actor: None,
            action,
            target: Some(company.to_string()),
            outcome: Outcome::Success,
            client_ip: None,
            request_id: None,
            event_id: None,
        }
    }
}

/// A stored audit record, as listed to a company's auditors.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct AuditRecord {
    /// Its position in the whole table: for the operator only (its size is the platform's
    /// volume), never in a company's answers.
    #[serde(skip)]
    pub id: i64,
    /// Its position in its company's chain, from 1 (the list cursor).
    pub seq: i64,
    /// When.
    pub at: String,
    /// Who.
    pub actor: Option<String>,
    /// What: an [`AuditAction`]'s name (kept as stored, which the hash covers).
    pub action: String,
    /// On which id.
    pub target: Option<String>,
    /// Whether it went through.
    pub outcome: String,
    /// From where.
    pub client_ip: Option<String>,
    /// Which request.
    pub request_id: Option<String>,
    #[serde(skip)]
    company: Option<String>,
    #[serde(skip)]
    prev_hash: Option<String>,
    #[serde(skip)]
    hash: Option<String>,
}

/// Filters for listing a company's audit records, newest first.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    /// Only actions starting with this (e.g. `contact.`).
    pub action_prefix: Option<String>,
    /// Only this actor.
    pub actor: Option<IdentityId>,
    /// Only at or after this time.
    pub from: Option<Timestamp>,
    /// Only before this time.
    pub to: Option<Timestamp>,
    /// Only records before this position in the chain (the previous page's cursor).
    pub before_seq: Option<i64>,
    /// Page size.
    pub limit: i64,
}

/// The result of checking one chain.
#[derive(Clone, Debug)]
pub struct ChainReport {
    /// The chain: a company id, or `-`.
    pub chain: String,
    /// Records checked.
    pub records: i64,
    /// The first record that does not verify, with the reason.
    pub first_broken: Option<(i64, String)>,
}

fn chain_of(company: Option<CompanyId>) -> String {
    company.map_or_else(|| "-".to_owned(), |c| c.to_string())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The record's hash over its fields and its predecessor's hash.
#[allow(
    clippy::too_many_arguments,
    reason = "one argument per hashed field keeps the order visible"
)]
fn record_hash(
    seq: i64,
    prev_hash: &str,
    at: &str,
    company: Option<&str>,
    actor: Option<&str>,
    action: &str,
    target: Option<&str>,
    outcome: &str,
    client_ip: Option<&str>,
    request_id: Option<&str>,
) -> String {
    let canonical = serde_json::json!([
        seq, prev_hash, at, company, actor, action, target, outcome, client_ip, request_id
    ]);
    hex(&Sha256::digest(canonical.to_string().as_bytes()))
}

const GENESIS: &str = "";
const COLUMNS: &str = "id, seq, at, company_id, identity_id, action, target, outcome, client_ip, request_id, prev_hash, hash";

impl AuditRecord {
    fn from_row(row: &Row) -> Result<Self, ControlError> {
        Ok(AuditRecord {
            id: row.get("id")?,
            seq: row.get("seq")?,
            at: row.get("at")?,
            company: row.get("company_id")?,
            actor: row.get("identity_id")?,
            action: row.get("action")?,
            target: row.get("target")?,
            outcome: row.get("outcome")?,
            client_ip: row.get("client_ip")?,
            request_id: row.get("request_id")?,
            prev_hash: row.get("prev_hash")?,
            hash: row.get("hash")?,
        })
    }

    fn expected_hash(&self) -> String {
        record_hash(
            self.seq,
            self.prev_hash.as_deref().unwrap_or(GENESIS),
            &self.at,
            self.company.as_deref(),
            self.actor.as_deref(),
            &self.action,
            self.target.as_deref(),
            &self.outcome,
            self.client_ip.as_deref(),
            self.request_id.as_deref(),
        )
    }
}

async fn append(tx: &mut Tx, event: &AuditEvent) -> Result<(), ControlError> {
    let chain = chain_of(event.company);
    tx.execute(
        "INSERT INTO audit_heads (chain, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (chain) DO NOTHING",
        params![chain.as_str(), GENESIS],
    )
    .await?;
    // Taking the head's lock first (a no-op UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE
    // holds the write lock already) makes the check below race-free against a concurrent
    // delivery of the same event.
    tx.execute(
        "UPDATE audit_heads SET seq = seq WHERE chain = $1",
        params![chain.as_str()],
    )
    .await?;
    if let Some(id) = event.event_id {
        let seen = tx
            .fetch_optional(
                "SELECT 1 AS one FROM audit_events WHERE event_id = $1",
                params![id],
            )
            .await?;
        if seen.is_some() {
            return Ok(());
        }
    }
    let head = tx
        .fetch_one(
            "UPDATE audit_heads SET seq = seq + 1 WHERE chain = $1 RETURNING seq, hash",
            params![chain.as_str()],
        )
        .await?;
    let seq: i64 = head.get("seq")?;
    let prev: String = head.get("hash")?;
    let at = Timestamp::now().to_string();
    let company = event.company.map(|c| c.to_string());
    let actor = event.actor.map(|a| a.to_string());
    let hash = record_hash(
        seq,
        &prev,
        &at,
        company.as_deref(),
        actor.as_deref(),
        event.action.as_str(),
        event.target.as_deref(),
        event.outcome.as_str(),
        event.client_ip.as_deref(),
        event.request_id.as_deref(),
    );
    tx.execute(
        "INSERT INTO audit_events (chain, seq, at, company_id, identity_id, action, target, outcome, client_ip, request_id, prev_hash, hash, event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        params![
            chain.as_str(),
            seq,
            at,
            company,
            actor,
            event.action.as_str(),
            event.target.clone(),
            event.outcome.as_str(),
            event.client_ip.clone(),
            event.request_id.clone(),
            prev,
            hash.as_str(),
            event.event_id
        ],
    )
    .await?;
    tx.execute(
        "UPDATE audit_heads SET hash = $1 WHERE chain = $2",
        params![hash, chain],
    )
    .await?;
    Ok(())
}

impl ControlPlane {
    /// Appends an audit record to its company's chain, durably, before returning.
    pub async fn record(&self, event: AuditEvent) -> Result<(), ControlError> {
        let mut tx = self.db.begin().await?;
        append(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Appends several records in one transaction: all or none. Records carrying an event id
    /// already in the trail are skipped, so delivering the same events again is harmless.
    pub async fn record_all(&self, events: &[AuditEvent]) -> Result<(), ControlError> {
        let mut tx = self.db.begin().await?;
        for event in events {
            append(&mut tx, event).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A page of a company's audit records, newest first.
    pub async fn audit_records(
        &self,
        company: CompanyId,
        q: &AuditQuery,
    ) -> Result<Vec<AuditRecord>, ControlError> {
        let prefix = q.action_prefix.as_ref().map(|p| {
            let escaped = p
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("{escaped}%")
        });
        let sql = silo_store::Sql::assembled(format!(
            "SELECT {COLUMNS} FROM audit_events
             WHERE chain = $1
               AND ($2 IS NULL OR action LIKE $2 ESCAPE '\\')
               AND ($3 IS NULL OR identity_id = $3)
               AND ($4 IS NULL OR at >= $4)
               AND ($5 IS NULL OR at < $5)
               AND ($6 IS NULL OR seq < $6)
             ORDER BY seq DESC LIMIT $7"
        ));
        let rows = self
            .db
            .fetch_all(
                sql,
                params![
                    chain_of(Some(company)),
                    prefix,
                    q.actor.map(|a| a.as_uuid()),
                    q.from.map(|t| t.to_string()),
                    q.to.map(|t| t.to_string()),
                    q.before_seq,
                    q.limit
                ],
            )
            .await?;
        rows.iter().map(AuditRecord::from_row).collect()
    }

    /// Checks every chain, or only `company`'s; one report per chain.
    pub async fn verify_audit(
        &self,
        company: Option<CompanyId>,
    ) -> Result<Vec<ChainReport>, ControlError> {
        let chains: Vec<String> = match company {
            Some(c) => vec![chain_of(Some(c))],
            None => {
                let rows = self
                    .db
                    .fetch_all(
                        "SELECT chain FROM audit_heads UNION SELECT DISTINCT chain FROM audit_events ORDER BY chain",
                        &[],
                    )
                    .await?;
                rows.iter()
                    .map(|r| r.get("chain"))
                    .collect::<Result<_, _>>()?
            }
        };
        let mut reports = Vec::with_capacity(chains.len());
        for chain in chains {
            reports.push(self.verify_chain(chain).await?);
        }
        Ok(reports)
    }

    async fn verify_chain(&self, chain: String) -> Result<ChainReport, ControlError> {
        let sql = silo_store::Sql::assembled(format!(
            "SELECT {COLUMNS} FROM audit_events WHERE chain = $1 ORDER BY seq, id"
        ));
        let rows = self.db.fetch_all(sql, params![chain.as_str()]).await?;
        let head = self
            .db
            .fetch_optional(
                "SELECT seq, hash FROM audit_heads WHERE chain = $1",
                params![chain.as_str()],
            )
            .await?;
        let start = pruned(&self.db, &chain).await?;
        let mut report = ChainReport {
            chain,
            records: rows.len() as i64,
            first_broken: None,
        };
        // A pruned chain starts after its removed records, linked to the last one's hash.
        let (mut prev, mut expected_seq) = match start {
            Some(p) => (p.hash, p.seq + 1),
            None => (GENESIS.to_owned(), 1),
        };
        for row in &rows {
            let record = AuditRecord::from_row(row)?;
            let problem = if record.seq != expected_seq {
                Some(format!(
                    "sequence {} where {expected_seq} was expected (a record was removed or reordered)",
                    record.seq
                ))
            } else if record.prev_hash.as_deref().unwrap_or(GENESIS) != prev {
                Some("does not link to the record before it".to_owned())
            } else if record.hash.as_deref() != Some(record.expected_hash().as_str()) {
                Some("its fields do not match its hash (the record was changed)".to_owned())
            } else {
                None
            };
            if let Some(problem) = problem {
                report.first_broken = Some((record.id, problem));
                return Ok(report);
            }
            prev = record.hash.unwrap_or_default();
            expected_seq += 1;
        }
        if let Some(head) = head {
            let (seq, hash): (i64, String) = (head.get("seq")?, head.get("hash")?);
            if seq != expected_seq - 1 || hash != prev {
                let last = rows
                    .last()
                    .map(|r| r.get::<i64>("id"))
                    .transpose()?
                    .unwrap_or(0);
                report.first_broken = Some((
                    last,
                    format!(
                        "the chain ends at {} but its head says {seq} (newest records removed)",
                        expected_seq - 1
                    ),
                ));
            }
        }
        Ok(report)
    }
}

// For `audit_checkpoint`: the chain a company's records go to, the stored records of a chain as
// the verifier reads them, and relinking one (what its test helper does, as an attacker would).
pub(crate) fn chain_name(company: Option<CompanyId>) -> String {
    chain_of(company)
}

pub(crate) const RECORD_COLUMNS: &str = COLUMNS;

impl AuditRecord {
    pub(crate) fn read(row: &Row) -> Result<Self, ControlError> {
        Self::from_row(row)
    }

    /// Points the record at `prev_hash` and gives it the hash its fields and that link have
    /// now; answers the new hash.
    pub(crate) fn relink(&mut self, prev_hash: &str) -> String {
        self.prev_hash = Some(prev_hash.to_owned());
        let hash = self.expected_hash();
        self.hash = Some(hash.clone());
        hash
    }

    pub(crate) fn stored_hash(&self) -> Option<&str> {
        self.hash.as_deref()
    }
}

/// Where a pruned chain now starts: its last removed record's position and hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pruned {
    pub seq: i64,
    pub hash: String,
}

/// The chain's pruning marker, if records were ever removed from its start.
pub(crate) async fn pruned(
    db: &silo_store::Db,
    chain: &str,
) -> Result<Option<Pruned>, ControlError> {
    let row = db
        .fetch_optional(
            "SELECT through_seq, through_hash FROM audit_prunes WHERE chain = $1",
            params![chain],
        )
        .await?;
    Ok(match row {
        Some(r) => Some(Pruned {
            seq: r.get("through_seq")?,
            hash: r.get("through_hash")?,
        }),
        None => None,
    })
}

impl ControlPlane {
    /// Audit retention: removes a company's records made before `before` from the start of its
    /// chain, in one transaction, and appends an `audit.prune` record saying how many went. The
    /// chain's newest record always stays, so the chain and its head keep linking; the marker
    /// in `audit_prunes` lets verification and checkpoints start after the removed records.
    /// Answers how many records were removed.
    pub async fn prune_audit(
        &self,
        company: CompanyId,
        before: Timestamp,
    ) -> Result<u64, ControlError> {
        let chain = chain_of(Some(company));
        let mut tx = self.db.begin().await?;
        // The head's lock first, as appending takes it: no record is added meanwhile.
        let head = tx
            .fetch_optional(
                "UPDATE audit_heads SET seq = seq WHERE chain = $1 RETURNING seq",
                params![chain.as_str()],
            )
            .await?;
        let Some(head) = head else {
            return Ok(0);
        };
        let head_seq: i64 = head.get("seq")?;
        let last = tx
            .fetch_optional(
                "SELECT seq, hash FROM audit_events WHERE chain = $1 AND at < $2 AND seq < $3 \
                 ORDER BY seq DESC LIMIT 1",
                params![chain.as_str(), before.to_string(), head_seq],
            )
            .await?;
        let Some(last) = last else {
            return Ok(0);
        };
        let through: i64 = last.get("seq")?;
        let hash: Option<String> = last.get("hash")?;
        let removed = tx
            .execute(
                "DELETE FROM audit_events WHERE chain = $1 AND seq <= $2",
                params![chain.as_str(), through],
            )
            .await?;
        tx.execute(
            "INSERT INTO audit_prunes (chain, through_seq, through_hash, pruned_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (chain) \
             DO UPDATE SET through_seq = $2, through_hash = $3, pruned_at = $4",
            params![
                chain.as_str(),
                through,
                hash.unwrap_or_default(),
                Timestamp::now()
            ],
        )
        .await?;
        let target = serde_json::json!({ "through_seq": through, "records": removed }).to_string();
        append(
            &mut tx,
            &AuditEvent {
                company: Some(company),
                actor: None,
                action: AuditAction::AuditPrune,
                target: Some(target),
                outcome: Outcome::Success,
                client_ip: None,
                request_id: None,
                event_id: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(removed)
    }
}
