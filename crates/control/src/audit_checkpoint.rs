//! Signed audit checkpoints: the head of every audit chain at one moment, signed with the
//! deployment's Ed25519 signing key.
//!
//! The hash chains ([`crate::audit`]) show that records were changed, removed or reordered
//! *unless* whoever changed them also recomputed every later hash and the chain's head, which
//! anyone who can write the control database can do. A checkpoint closes that gap for the
//! records it covers: it holds each chain's `(chain, seq, hash)` head, serialised as canonical
//! JSON (the payload, stored as the exact bytes signed) and signed with the active key of the
//! [`KeySet`]. To rewrite a checkpointed record consistently, one would have to change the hash
//! at the checkpointed position too, and then the signed checkpoint no longer matches; making a
//! new checkpoint needs the signing key.
//!
//! What it does not prove: someone holding the signing key can rewrite the trail and sign new
//! checkpoints; records newer than the newest checkpoint are only as safe as the plain chain;
//! and someone who can write the database can delete checkpoints (keep exported copies, see
//! `silo audit checkpoints --json` and `silo audit verify --checkpoint FILE`).
//!
//! The payload, the exact bytes signed (no spaces, heads sorted by chain, bytewise):
//!
//! ```text
//! {"format":"silo.audit.checkpoint.v1","id":7,"at":"2026-01-05T10:00:00.000000Z",
//!  "kid":"<kid>","heads":[["-",42,"<hex sha256>"],["<company id>",17,"<hex sha256>"]]}
//! ```
//!
//! Checkpoints are numbered from 1 without gaps. A new one is made only when the trail still
//! holds the previous checkpoint's heads (each chain at least as long, the checkpointed record
//! unchanged), so a rewrite of checkpointed records is never signed over by a later checkpoint.

use crate::audit::{AuditRecord, RECORD_COLUMNS, chain_name};
use crate::{CompanyId, ControlError, ControlPlane};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use silo_auth::{KeySet, SignatureError};
use silo_store::{Row, StoreError, Timestamp, Tx, params};
use std::collections::HashMap;

/// The payload's `format`: what the signed bytes are, and the version of their layout.
pub const CHECKPOINT_FORMAT: &str = "silo.audit.checkpoint.v1";

/// One chain's head as a checkpoint holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    /// The chain: a company id, or `-` for records without a company.
    pub chain: String,
    /// Its newest record's position in the chain, from 1.
    pub seq: i64,
    /// That record's hash (hex SHA-256).
    pub hash: String,
}

/// The signed content, in the order its fields are written.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Payload {
    format: String,
    id: i64,
    at: String,
    kid: String,
    heads: Vec<(String, i64, String)>,
}

/// A stored checkpoint, as `silo audit checkpoints --json` exports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Its number, from 1 without gaps.
    pub id: i64,
    /// When it was made.
    pub at: String,
    /// The key that signed it.
    pub kid: String,
    /// How many chains it holds.
    pub chains: i64,
    /// The exact text signed (canonical JSON; see the module documentation).
    pub payload: String,
    /// The Ed25519 signature over the payload's bytes (base64url, no padding).
    pub signature: String,
}

/// A checkpoint without its payload, for listings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckpointSummary {
    /// Its number.
    pub id: i64,
    /// When it was made.
    pub at: String,
    /// The key that signed it.
    pub kid: String,
    /// How many chains it holds.
    pub chains: i64,
}

/// Why a checkpoint itself cannot be trusted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The signature does not verify with the key set (altered payload or signature, or a key
    /// that is not ours or was retired and deleted).
    #[error("checkpoint {id}: the signature does not verify: {reason}")]
    Signature {
        /// The checkpoint.
        id: i64,
        /// Why.
        reason: SignatureError,
    },
    /// The payload is not one this version wrote, or the fields beside it disagree with it.
    #[error("checkpoint {id}: {reason}")]
    Unreadable {
        /// The checkpoint.
        id: i64,
        /// Why.
        reason: String,
    },
}

/// How one chain compares with a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainAgainstCheckpoint {
    /// The chain.
    pub chain: String,
    /// The position the checkpoint holds for it.
    pub seq: i64,
    /// What is wrong, if anything: the chain is shorter, or its record at `seq` no longer has
    /// the checkpointed hash.
    pub problem: Option<String>,
}

impl Checkpoint {
    fn from_row(row: &Row) -> Result<Self, ControlError> {
        Ok(Checkpoint {
            id: row.get("id")?,
            at: row.get("at")?,
            kid: row.get("kid")?,
            chains: row.get("chains")?,
            payload: row.get("payload")?,
            signature: row.get("signature")?,
        })
    }

    /// Checks the Ed25519 signature over the payload with `keys` (the active key or any older
    /// one still kept), and that the payload names this checkpoint's number and key.
    pub fn verify_signature(&self, keys: &KeySet) -> Result<(), CheckpointError> {
        let signature =
            URL_SAFE_NO_PAD
                .decode(&self.signature)
                .map_err(|_| CheckpointError::Signature {
                    id: self.id,
                    reason: SignatureError::Malformed,
                })?;
        keys.verify(&self.kid, self.payload.as_bytes(), &signature)
            .map_err(|reason| CheckpointError::Signature {
                id: self.id,
                reason,
            })?;
        self.payload().map(drop)
    }

    fn payload(&self) -> Result<Payload, CheckpointError> {
        let unreadable = |reason: String| CheckpointError::Unreadable {
            id: self.id,
            reason,
        };
        let payload: Payload = serde_json::from_str(&self.payload)
            .map_err(|e| unreadable(format!("the payload is not a checkpoint: {e}")))?;
        if payload.format != CHECKPOINT_FORMAT {
            return Err(unreadable(format!(
                "unknown format {:?} (this version reads {CHECKPOINT_FORMAT})",
                payload.format
            )));
        }
        if payload.id != self.id || payload.kid != self.kid || payload.at != self.at {
            return Err(unreadable(
                "its number, time or key differ from what its signed payload says".into(),
            ));
        }
        if i64::try_from(payload.heads.len()) != Ok(self.chains) {
            return Err(unreadable(
                "its chain count differs from its signed payload".into(),
            ));
        }
        Ok(payload)
    }

    /// The heads it holds, from the signed payload, sorted by chain.
    pub fn heads(&self) -> Result<Vec<ChainHead>, CheckpointError> {
        Ok(self
            .payload()?
            .heads
            .into_iter()
            .map(|(chain, seq, hash)| ChainHead { chain, seq, hash })
            .collect())
    }

    /// The summary, without the payload.
    pub fn summary(&self) -> CheckpointSummary {
        CheckpointSummary {
            id: self.id,
            at: self.at.clone(),
            kid: self.kid.clone(),
            chains: self.chains,
        }
    }
}

/// The payload text for these heads (sorted here).
fn canonical(id: i64, at: &str, kid: &str, heads: &[ChainHead]) -> Result<String, ControlError> {
    let payload = Payload {
        format: CHECKPOINT_FORMAT.to_owned(),
        id,
        at: at.to_owned(),
        kid: kid.to_owned(),
        heads: heads
            .iter()
            .map(|h| (h.chain.clone(), h.seq, h.hash.clone()))
            .collect(),
    };
    serde_json::to_string(&payload).map_err(|e| ControlError::Corrupt(e.to_string()))
}

const CHECKPOINT_COLUMNS: &str = "id, at, kid, chains, payload, signature";

/// When to make a checkpoint.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Always, if the trail still holds the previous checkpoint's heads.
    Always,
    /// Only if a head moved or the active key changed since the previous one.
    IfChanged,
    /// Always, without comparing with the previous one.
    Force,
}

/// Every chain's head now, sorted by chain (bytewise, whatever the database's collation).
async fn current_heads(tx: &mut Tx) -> Result<Vec<ChainHead>, ControlError> {
    let rows = tx
        .fetch_all(
            "SELECT chain, seq, hash FROM audit_heads WHERE seq > 0",
            &[],
        )
        .await?;
    let mut heads = rows
        .iter()
        .map(|r| {
            Ok(ChainHead {
                chain: r.get("chain")?,
                seq: r.get("seq")?,
                hash: r.get("hash")?,
            })
        })
        .collect::<Result<Vec<_>, ControlError>>()?;
    heads.sort_by(|a, b| a.chain.as_bytes().cmp(b.chain.as_bytes()));
    Ok(heads)
}

/// Where the trail no longer holds the previous checkpoint's heads.
/// Whether the checkpointed record was removed by the company's audit retention: at or before
/// where its chain was pruned, and the very hash the pruning recorded when it is the last one
/// removed.
async fn removed_by_retention(tx: &mut Tx, head: &ChainHead) -> Result<bool, ControlError> {
    let row = tx
        .fetch_optional(
            "SELECT through_seq, through_hash FROM audit_prunes WHERE chain = $1",
            params![head.chain.as_str()],
        )
        .await?;
    let Some(row) = row else {
        return Ok(false);
    };
    let (seq, hash): (i64, String) = (row.get("through_seq")?, row.get("through_hash")?);
    Ok(head.seq < seq || (head.seq == seq && head.hash == hash))
}

async fn departures(
    tx: &mut Tx,
    previous: &Checkpoint,
    before: &[ChainHead],
    now: &[ChainHead],
) -> Result<Vec<String>, ControlError> {
    let now: HashMap<&str, &ChainHead> = now.iter().map(|h| (h.chain.as_str(), h)).collect();
    let mut problems = Vec::new();
    for head in before {
        match now.get(head.chain.as_str()) {
            None => problems.push(format!(
                "chain {} is gone (checkpoint {} holds it at record {})",
                head.chain, previous.id, head.seq
            )),
            Some(current) if current.seq < head.seq => problems.push(format!(
                "chain {} ends at record {} but checkpoint {} holds record {}",
                head.chain, current.seq, previous.id, head.seq
            )),
            Some(current) if current.seq == head.seq && current.hash == head.hash => {}
            Some(_) if removed_by_retention(tx, head).await? => {}
            Some(_) => {
                let stored = tx
                    .fetch_optional(
                        "SELECT hash FROM audit_events WHERE chain = $1 AND seq = $2",
                        params![head.chain.as_str(), head.seq],
                    )
                    .await?
                    .map(|r| r.get::<Option<String>>("hash"))
                    .transpose()?
                    .flatten();
                if stored.as_deref() != Some(head.hash.as_str()) {
                    problems.push(format!(
                        "chain {}: record {} no longer has the hash checkpoint {} signed",
                        head.chain, head.seq, previous.id
                    ));
                }
            }
        }
    }
    Ok(problems)
}

impl ControlPlane {
    /// Signs every chain's head now with `keys`' active key and stores the checkpoint. Refused
    /// ([`ControlError::CheckpointMismatch`]) when the trail no longer holds the previous
    /// checkpoint's heads, unless `force` (after a deliberate restore, say).
    pub async fn create_checkpoint(
        &self,
        keys: &KeySet,
        force: bool,
    ) -> Result<Checkpoint, ControlError> {
        let mode = if force { Mode::Force } else { Mode::Always };
        self.make_checkpoint(keys, mode)
            .await?
            .ok_or_else(|| ControlError::Corrupt("no checkpoint was made".into()))
    }

    /// Like [`ControlPlane::create_checkpoint`], but only when a head moved since the newest
    /// checkpoint or that one was signed by another key than the active one (after a key
    /// rotation, so retiring the old key later keeps the newest checkpoint verifiable); `None`
    /// when nothing changed, when there is no record yet, or when another server made one at the
    /// same moment. `silo serve` runs it periodically.
    pub async fn checkpoint_if_changed(
        &self,
        keys: &KeySet,
    ) -> Result<Option<Checkpoint>, ControlError> {
        self.make_checkpoint(keys, Mode::IfChanged).await
    }

    async fn make_checkpoint(
        &self,
        keys: &KeySet,
        mode: Mode,
    ) -> Result<Option<Checkpoint>, ControlError> {
        // Two servers (PostgreSQL) may take the same number at once; the loser tries again.
        for _ in 0..3 {
            let mut tx = self.db.begin().await?;
            let sql = silo_store::Sql::assembled(format!(
                "SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY id DESC LIMIT 1"
            ));
            let previous = tx
                .fetch_optional(sql, &[])
                .await?
                .as_ref()
                .map(Checkpoint::from_row)
                .transpose()?;
            let heads = current_heads(&mut tx).await?;
            match &previous {
                Some(previous) if mode != Mode::Force => {
                    let before = previous
                        .heads()
                        .map_err(|e| ControlError::CheckpointMismatch(e.to_string()))?;
                    if mode == Mode::IfChanged
                        && before == heads
                        && previous.kid == keys.active_kid()
                    {
                        return Ok(None);
                    }
                    let problems = departures(&mut tx, previous, &before, &heads).await?;
                    if !problems.is_empty() {
                        return Err(ControlError::CheckpointMismatch(summarise(&problems)));
                    }
                }
                None if mode == Mode::IfChanged && heads.is_empty() => return Ok(None),
                _ => {}
            }
            let id = previous.as_ref().map_or(1, |p| p.id + 1);
            let at = Timestamp::now().to_string();
            let payload = canonical(id, &at, keys.active_kid(), &heads)?;
            let signature = keys.sign(payload.as_bytes());
            let checkpoint = Checkpoint {
                id,
                at,
                kid: signature.kid,
                chains: i64::try_from(heads.len()).unwrap_or(i64::MAX),
                payload,
                signature: URL_SAFE_NO_PAD.encode(signature.bytes),
            };
            let inserted = tx
                .execute(
                    "INSERT INTO audit_checkpoints (id, at, kid, chains, payload, signature)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    params![
                        checkpoint.id,
                        checkpoint.at.as_str(),
                        checkpoint.kid.as_str(),
                        checkpoint.chains,
                        checkpoint.payload.as_str(),
                        checkpoint.signature.as_str()
                    ],
                )
                .await;
            match inserted {
                Ok(_) => {}
                Err(StoreError::Conflict { .. }) if mode == Mode::IfChanged => return Ok(None),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
            tx.commit().await?;
            return Ok(Some(checkpoint));
        }
        Err(ControlError::Changed)
    }

    /// Every checkpoint, oldest first, without payloads.
    pub async fn checkpoints(&self) -> Result<Vec<CheckpointSummary>, ControlError> {
        let rows = self
            .db
            .fetch_all(
                "SELECT id, at, kid, chains FROM audit_checkpoints ORDER BY id",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(CheckpointSummary {
                    id: r.get("id")?,
                    at: r.get("at")?,
                    kid: r.get("kid")?,
                    chains: r.get("chains")?,
                })
            })
            .collect()
    }

    /// The checkpoint numbered `id`.
    pub async fn checkpoint(&self, id: i64) -> Result<Option<Checkpoint>, ControlError> {
        let sql = silo_store::Sql::assembled(format!(
            "SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints WHERE id = $1"
        ));
        let row = self.db.fetch_optional(sql, params![id]).await?;
        row.as_ref().map(Checkpoint::from_row).transpose()
    }

    /// The newest checkpoint.
    pub async fn latest_checkpoint(&self) -> Result<Option<Checkpoint>, ControlError> {
        let sql = silo_store::Sql::assembled(format!(
            "SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY id DESC LIMIT 1"
        ));
        let row = self.db.fetch_optional(sql, &[]).await?;
        row.as_ref().map(Checkpoint::from_row).transpose()
    }

    /// Compares the chains with `checkpoint` (all it holds, or only `company`'s): each chain
    /// must still hold a record at the checkpointed position with the checkpointed hash. Check
    /// the checkpoint's signature first ([`Checkpoint::verify_signature`]) and the chains
    /// themselves ([`ControlPlane::verify_audit`]): together they show that every record up
    /// to the checkpoint is as it was when the checkpoint was signed.
    pub async fn compare_with_checkpoint(
        &self,
        checkpoint: &Checkpoint,
        company: Option<CompanyId>,
    ) -> Result<Vec<ChainAgainstCheckpoint>, CompareError> {
        let only = company.map(|c| chain_name(Some(c)));
        let mut out = Vec::new();
        for head in checkpoint.heads()? {
            if only.as_ref().is_some_and(|c| *c != head.chain) {
                continue;
            }
            let stored = self
                .db
                .fetch_optional(
                    "SELECT id, hash FROM audit_events WHERE chain = $1 AND seq = $2",
                    params![head.chain.as_str(), head.seq],
                )
                .await
                .map_err(ControlError::from)?;
            let pruned = crate::audit::pruned(&self.db, &head.chain).await?;
            let problem = match stored {
                // Removed by the company's audit retention: the pruning kept the last removed
                // record's hash, which must be the one signed when the checkpoint holds it.
                None if pruned.as_ref().is_some_and(|p| {
                    head.seq < p.seq || (head.seq == p.seq && head.hash == p.hash)
                }) =>
                {
                    None
                }
                None => {
                    let end = self
                        .db
                        .fetch_one(
                            "SELECT COALESCE(MAX(seq), 0) AS seq FROM audit_events WHERE chain = $1",
                            params![head.chain.as_str()],
                        )
                        .await
                        .map_err(ControlError::from)?
                        .get::<i64>("seq")
                        .map_err(ControlError::from)?;
                    Some(format!(
                        "the chain is shorter than checkpoint {} says: it ends at record {end}, \
                         the checkpoint holds record {} (records were removed)",
                        checkpoint.id, head.seq
                    ))
                }
                Some(row) => {
                    let hash: Option<String> = row.get("hash").map_err(ControlError::from)?;
                    let id: i64 = row.get("id").map_err(ControlError::from)?;
                    (hash.as_deref() != Some(head.hash.as_str())).then(|| {
                        format!(
                            "record {} (id {id}) does not have the hash checkpoint {} signed: \
                             it or a record before it was rewritten after the checkpoint",
                            head.seq, checkpoint.id
                        )
                    })
                }
            };
            out.push(ChainAgainstCheckpoint {
                chain: head.chain,
                seq: head.seq,
                problem,
            });
        }
        Ok(out)
    }
}

/// Why a comparison with a checkpoint could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// The checkpoint cannot be read.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// Reading the trail failed.
    #[error(transparent)]
    Control(#[from] ControlError),
}

/// The first few problems in one line.
fn summarise(problems: &[String]) -> String {
    let mut text = problems
        .iter()
        .take(3)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if problems.len() > 3 {
        text.push_str(&format!("; and {} more", problems.len() - 3));
    }
    text
}

/// Test support: what someone who can write the control database, but does not hold the
/// signing key, can do to the audit trail. Not for anything else.
#[doc(hidden)]
pub mod tamper {
    use super::*;

    /// Changes record `seq` of `chain` with `change`, then recomputes its hash and every later
    /// record's link and hash exactly as the verifier computes them, and moves the chain's head
    /// to match: plain chain verification can no longer tell.
    pub async fn rewrite_record(
        plane: &ControlPlane,
        chain: &str,
        seq: i64,
        change: impl FnOnce(&mut AuditRecord),
    ) -> Result<(), ControlError> {
        let mut tx = plane.db.begin().await?;
        let sql = silo_store::Sql::assembled(format!(
            "SELECT {RECORD_COLUMNS} FROM audit_events WHERE chain = $1 ORDER BY seq"
        ));
        let rows = tx.fetch_all(sql, params![chain]).await?;
        let mut change = Some(change);
        let mut prev = String::new();
        for row in &rows {
            let mut record = AuditRecord::read(row)?;
            if record.seq == seq
                && let Some(change) = change.take()
            {
                change(&mut record);
            }
            if record.seq >= seq {
                let hash = record.relink(&prev);
                tx.execute(
                    "UPDATE audit_events SET at = $1, identity_id = $2, action = $3, target = $4,
                     outcome = $5, client_ip = $6, request_id = $7, prev_hash = $8, hash = $9
                     WHERE id = $10",
                    params![
                        record.at.as_str(),
                        record.actor.clone(),
                        record.action.as_str(),
                        record.target.clone(),
                        record.outcome.as_str(),
                        record.client_ip.clone(),
                        record.request_id.clone(),
                        prev.as_str(),
                        hash.as_str(),
                        record.id
                    ],
                )
                .await?;
            }
            prev = record.stored_hash().unwrap_or_default().to_owned();
        }
        set_head(&mut tx, chain).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes `chain`'s records from `seq` on and moves its head back to the record before.
    pub async fn truncate_chain(
        plane: &ControlPlane,
        chain: &str,
        seq: i64,
    ) -> Result<(), ControlError> {
        let mut tx = plane.db.begin().await?;
        tx.execute(
            "DELETE FROM audit_events WHERE chain = $1 AND seq >= $2",
            params![chain, seq],
        )
        .await?;
        set_head(&mut tx, chain).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Points the chain's head at its newest remaining record.
    async fn set_head(tx: &mut Tx, chain: &str) -> Result<(), ControlError> {
        let last = tx
            .fetch_optional(
                "SELECT seq, hash FROM audit_events WHERE chain = $1 ORDER BY seq DESC LIMIT 1",
                params![chain],
            )
            .await?;
        let (seq, hash): (i64, String) = match last {
            Some(row) => (row.get("seq")?, row.get("hash")?),
            None => (0, String::new()),
        };
        tx.execute(
            "UPDATE audit_heads SET seq = $1, hash = $2 WHERE chain = $3",
            params![seq, hash, chain],
        )
        .await?;
        Ok(())
    }
}
