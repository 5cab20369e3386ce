//! Deals and their pipeline: `lead -> qualified -> proposal -> won | lost`.
//!
//! An open deal (lead, qualified, proposal) may move to any other stage, backwards included,
//! because pipelines are worked by people; a closed deal (won or lost) is final and refuses
//! stage changes with `409 invalid_transition` until it is reopened. Every stage a deal enters
//! is recorded with its time and who moved it.

use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::{Origin, emit};
use crate::input::{Choice, Date, Id, Name, Optional, Patch, Problem, Sent, Source, no_such, take};
use crate::list::ListParams;
use crate::money::{Cents, Currency};
pub use crate::pipeline::{OpenStage, Stage, StageChange};
use crate::{accounts, contacts};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use silo_contract::EventType;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

/// A deal as stored and sent.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Deal {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// Value in cents.
    pub value_cents: Cents,
    /// Currency of the value.
    pub currency: Currency,
    /// Stage.
    pub stage: Stage,
    /// The channel the lead came from (referral, website, ...).
    pub source: Option<String>,
    /// The client account.
    pub account_id: Option<Uuid>,
    /// The client contact.
    pub contact_id: Option<Uuid>,
    /// The identity that owns the deal.
    pub owner_id: Option<Uuid>,
    /// Expected close date, `YYYY-MM-DD`.
    pub expected_close_date: Option<String>,
    /// When it was won or lost.
    pub closed_at: Option<Timestamp>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
    /// Stages entered, oldest first (only on single-deal answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage_history: Option<Vec<StageChange>>,
}

/// `POST /api/deals` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewDeal {
    title: Sent<Name>,
    /// 0 when left out.
    value_cents: Option<Sent<Cents>>,
    /// EUR when left out.
    currency: Option<Sent<Currency>>,
    /// `lead` when left out.
    stage: Option<Sent<Choice<Stage>>>,
    #[serde(default)]
    source: Optional<Source>,
    #[serde(default)]
    account_id: Optional<Id>,
    #[serde(default)]
    contact_id: Optional<Id>,
    /// The caller when left out.
    #[serde(default)]
    owner_id: Optional<Id>,
    #[serde(default)]
    expected_close_date: Optional<Date>,
}

/// `PATCH /api/deals/{id}` body: only the fields present change; null clears.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DealPatch {
    title: Option<Sent<Name>>,
    value_cents: Option<Sent<Cents>>,
    currency: Option<Sent<Currency>>,
    stage: Option<Sent<Choice<Stage>>>,
    #[serde(default)]
    source: Patch<Sent<Source>>,
    #[serde(default)]
    account_id: Patch<Sent<Id>>,
    #[serde(default)]
    contact_id: Patch<Sent<Id>>,
    #[serde(default)]
    owner_id: Patch<Sent<Id>>,
    #[serde(default)]
    expected_close_date: Patch<Sent<Date>>,
}

/// `POST /api/deals/{id}/reopen` body (may be empty).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct Reopen {
    /// The open stage it goes back to; `proposal` when left out.
    #[serde(default)]
    stage: Optional<Choice<OpenStage>>,
}

/// `GET /api/deals` and `GET /api/pipeline` filters besides the page.
#[derive(Clone, Copy, Debug, Default)]
pub struct DealFilter {
    /// Only deals in this stage.
    pub stage: Option<Stage>,
    /// Only this client's deals.
    pub account_id: Option<Uuid>,
    /// Only deals with this contact.
    pub contact_id: Option<Uuid>,
    /// Only deals this identity owns.
    pub owner_id: Option<Uuid>,
}

impl DealFilter {
    /// The values of [`filtered`]'s four parameters.
    fn binds(&self) -> [silo_store::Value; 4] {
        [
            self.stage.map(Stage::as_str).into(),
            self.account_id.map(|u| u.to_string()).into(),
            self.contact_id.map(|u| u.to_string()).into(),
            self.owner_id.map(|u| u.to_string()).into(),
        ]
    }
}

/// The filter's conditions on the parameters `$first` to `$first + 3`.
fn filtered(first: usize) -> String {
    let [a, b, c, d] = [first, first + 1, first + 2, first + 3];
    format!(
        "(${a} IS NULL OR stage = ${a}) AND (${b} IS NULL OR account_id = ${b}) \
         AND (${c} IS NULL OR contact_id = ${c}) AND (${d} IS NULL OR owner_id = ${d})"
    )
}

/// The search condition of the deals list on `$n`.
fn searched(n: usize) -> String {
    format!(
        "(${n} IS NULL OR LOWER(title) LIKE ${n} ESCAPE '\\' OR LOWER(source) LIKE ${n} ESCAPE '\\')"
    )
}

/// One stage's deals in one currency, for the pipeline's totals.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct StageTotal {
    /// The stage.
    pub stage: Stage,
    /// The currency of the amounts.
    pub currency: String,
    /// How many deals.
    pub count: i64,
    /// Their value.
    pub value_cents: i64,
    /// Their value weighted by the stage's probability (rounded down per stage).
    pub weighted_cents: i64,
    /// The stage's probability, in basis points.
    pub probability_bp: i64,
}

fn from_row(row: &Row) -> Result<Deal, StoreError> {
    let decode = |column: &str, reason: &str| StoreError::Decode {
        column: column.into(),
        reason: reason.into(),
    };
    let stage: String = row.get("stage")?;
    let currency: String = row.get("currency")?;
    Ok(Deal {
        id: row.get("id")?,
        title: row.get("title")?,
        value_cents: Cents::new(row.get("value_cents")?)
            .map_err(|e| decode("value_cents", &e.message))?,
        currency: Currency::parse(&currency).map_err(|e| decode("currency", &e.message))?,
        stage: stage
            .parse()
            .map_err(|e: silo_contract::UnknownValue| decode("stage", &e.to_string()))?,
        source: row.get("source")?,
        account_id: row.get("account_id")?,
        contact_id: row.get("contact_id")?,
        owner_id: row.get("owner_id")?,
        expected_close_date: row.get("expected_close_date")?,
        closed_at: row.get("closed_at")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
        stage_history: None,
    })
}

/// The deal's client and contact exist, and the contact (if it works for a client) works for
/// the deal's client.
async fn check_refs(tx: &mut Tx, account: Option<Uuid>, contact: Option<Uuid>) -> DomainResult<()> {
    let mut p = Problems::new();
    if let Some(id) = account
        && !accounts::exists(tx, id).await?
    {
        p.add("account_id", no_such("account"));
    }
    if let Some(id) = contact {
        match contacts::account_of(tx, id).await? {
            None => p.add("contact_id", no_such("contact")),
            Some(Some(of)) if account.is_some_and(|a| a != of) => p.add(
                "contact_id",
                Problem::rule("works for another client than the deal's"),
            ),
            Some(_) => {}
        }
    }
    Ok(p.finish()?)
}

async fn record_stage(
    tx: &mut Tx,
    deal: Uuid,
    from: Option<Stage>,
    to: Stage,
    at: Timestamp,
    by: Option<Uuid>,
) -> DomainResult<()> {
    tx.execute(
        "INSERT INTO deal_stage_changes (id, deal_id, from_stage, to_stage, changed_at, changed_by) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        params![Uuid::now_v7(), deal, from.map(Stage::as_str), to.as_str(), at, by],
    )
    .await?;
    Ok(())
}

const SELECT: &str = "SELECT id, title, value_cents, currency, stage, source, account_id, \
    contact_id, owner_id, expected_close_date, closed_at, created_at, updated_at FROM deals";

/// The create rules applied to a stored row (an imported one): see [`crate::imports`].
pub(crate) fn check_stored(row: serde_json::Value) -> DomainResult<()> {
    let new: NewDeal = crate::imports::body(row)?;
    let mut p = Problems::new();
    let fields = take!(p, new => title, value_cents, currency, stage, source,
        expected_close_date);
    p.done(fields)?;
    Ok(())
}

/// Creates a deal; `owner` is the default owner (the caller) when the body names none.
pub async fn create(db: &TenantDb, new: NewDeal, origin: &Origin) -> DomainResult<Deal> {
    let actor = origin.actor;
    let mut p = Problems::new();
    let fields = take!(p, new => title, value_cents, currency, stage, source, account_id,
        contact_id, owner_id, expected_close_date);
    let (title, value, currency, stage, source, account, contact, owner, close) = p.done(fields)?;
    let stage = stage.map_or(Stage::Lead, Choice::get);
    let now = Timestamp::now();
    let deal = Deal {
        id: Uuid::now_v7(),
        title: title.into(),
        value_cents: value.unwrap_or(Cents::ZERO),
        currency: currency.unwrap_or(Currency::EUR),
        stage,
        source: source.map(String::from),
        account_id: account.map(Id::get),
        contact_id: contact.map(Id::get),
        owner_id: owner.map(Id::get).or(actor),
        expected_close_date: close.map(|d| d.to_string()),
        closed_at: stage.is_closed().then_some(now),
        created_at: now,
        updated_at: now,
        stage_history: None,
    };
    let mut tx = db.db().begin().await?;
    check_refs(&mut tx, deal.account_id, deal.contact_id).await?;
    write(&mut tx, &deal, true).await?;
    record_stage(&mut tx, deal.id, None, stage, now, actor).await?;
    let data = json!({ "id": deal.id, "stage": stage, "account_id": deal.account_id,
        "contact_id": deal.contact_id });
    emit(&mut tx, origin, EventType::DealCreated, deal.id, data).await?;
    tx.commit().await?;
    get(db, deal.id).await
}

async fn write(tx: &mut Tx, d: &Deal, insert: bool) -> DomainResult<()> {
    let closed_month = d
        .closed_at
        .map(|t| Date::from_time(t.datetime().date()).month().to_string());
    let values = params![
        d.id,
        &d.title,
        d.value_cents.get(),
        d.currency.as_str(),
        d.stage.as_str(),
        d.source.clone(),
        d.account_id,
        d.contact_id,
        d.owner_id,
        d.expected_close_date.clone(),
        d.closed_at.map(|t| t.to_string()),
        closed_month,
        d.created_at,
        d.updated_at,
    ];
    let sql = if insert {
        "INSERT INTO deals (id, title, value_cents, currency, stage, source, account_id, \
         contact_id, owner_id, expected_close_date, closed_at, closed_month, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    } else {
        "UPDATE deals SET title = $2, value_cents = $3, currency = $4, stage = $5, source = $6, \
         account_id = $7, contact_id = $8, owner_id = $9, expected_close_date = $10, \
         closed_at = $11, closed_month = $12, created_at = $13, updated_at = $14 WHERE id = $1"
    };
    tx.execute(sql, values).await?;
    Ok(())
}

/// One deal with its stage history.
pub async fn get(db: &TenantDb, id: Uuid) -> DomainResult<Deal> {
    let row = db
        .db()
        .fetch_optional(
            silo_store::Sql::assembled(format!("{SELECT} WHERE id = $1")),
            params![id],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    let mut deal = from_row(&row)?;
    let history = db
        .db()
        .fetch_all(
            "SELECT from_stage, to_stage, changed_at, changed_by FROM deal_stage_changes \
             WHERE deal_id = $1 ORDER BY id",
            params![id],
        )
        .await?;
    deal.stage_history = Some(
        history
            .iter()
            .map(|r| {
                Ok(StageChange {
                    from: r.get("from_stage")?,
                    to: r.get("to_stage")?,
                    at: r.get("changed_at")?,
                    by: r.get("changed_by")?,
                })
            })
            .collect::<Result<_, StoreError>>()?,
    );
    Ok(deal)
}

/// A page of deals; `q` matches the title or source.
pub async fn list(
    db: &TenantDb,
    params: &ListParams,
    filter: DealFilter,
) -> DomainResult<Vec<Deal>> {
    let binds: Vec<silo_store::Value> = params.binds().into_iter().chain(filter.binds()).collect();
    let rows = db
        .db()
        .fetch_all(
            silo_store::Sql::assembled(format!(
                "{SELECT} WHERE ($1 IS NULL OR id > $1) AND {} AND {} ORDER BY id LIMIT $3",
                searched(2),
                filtered(4)
            )),
            &binds,
        )
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// The pipeline's totals: per stage (in pipeline order) and currency, the deals' count, value
/// and weighted value; `q` and the filter as on the deals list.
pub async fn pipeline(
    db: &TenantDb,
    q: Option<String>,
    filter: DealFilter,
) -> DomainResult<Vec<StageTotal>> {
    let [_, pattern, _] = ListParams {
        after: None,
        limit: 1,
        q,
    }
    .binds();
    let binds: Vec<silo_store::Value> = std::iter::once(pattern).chain(filter.binds()).collect();
    let rows = db
        .db()
        .fetch_all(
            silo_store::Sql::assembled(format!(
                "SELECT stage, currency, COUNT(*) AS n, CAST(SUM(value_cents) AS BIGINT) AS cents \
                 FROM deals WHERE {} AND {} GROUP BY stage, currency",
                searched(1),
                filtered(2)
            )),
            &binds,
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let stage: Stage = crate::columns::enum_column(row, "stage")?;
        let value: i64 = row.get("cents")?;
        out.push(StageTotal {
            stage,
            currency: row.get("currency")?,
            count: row.get("n")?,
            value_cents: value,
            weighted_cents: value.saturating_mul(stage.probability_bp()) / 10_000,
            probability_bp: stage.probability_bp(),
        });
    }
    out.sort_by(|a, b| (a.stage, &a.currency).cmp(&(b.stage, &b.currency)));
    Ok(out)
}

/// Reopens a won or lost deal in an open stage (`proposal` unless `reopen` names another).
pub async fn reopen(
    db: &TenantDb,
    id: Uuid,
    reopen: Reopen,
    origin: &Origin,
) -> DomainResult<Deal> {
    let mut p = Problems::new();
    let fields = take!(p, reopen => stage);
    let (stage,) = p.done(fields)?;
    let to: Stage = stage.map_or(OpenStage::Proposal, Choice::get).into();
    let mut tx = db.db().begin().await?;
    let row = tx
        .fetch_optional(
            silo_store::Sql::assembled(format!("{SELECT} WHERE id = $1")),
            params![id],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    let mut d = from_row(&row)?;
    if !d.stage.is_closed() {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            format!("a {} deal is open already", d.stage.as_str()),
        ));
    }
    let now = Timestamp::now();
    record_stage(&mut tx, id, Some(d.stage), to, now, origin.actor).await?;
    let from = d.stage;
    d.stage = to;
    d.closed_at = None;
    d.updated_at = now;
    write(&mut tx, &d, false).await?;
    let data = json!({ "id": id, "stage": to, "from_stage": from,
        "account_id": d.account_id, "contact_id": d.contact_id });
    emit(&mut tx, origin, EventType::DealReopened, id, data).await?;
    tx.commit().await?;
    get(db, id).await
}

/// Changes the fields present in `patch`; a stage change is checked and recorded.
pub async fn update(
    db: &TenantDb,
    id: Uuid,
    patch: DealPatch,
    origin: &Origin,
) -> DomainResult<Deal> {
    let actor = origin.actor;
    let mut p = Problems::new();
    let fields = take!(p, patch => title, value_cents, currency, stage, source, account_id,
        contact_id, owner_id, expected_close_date);
    let (title, value, currency, stage, source, account, contact, owner, close) = p.done(fields)?;

    let mut tx = db.db().begin().await?;
    let row = tx
        .fetch_optional(
            silo_store::Sql::assembled(format!("{SELECT} WHERE id = $1")),
            params![id],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    let mut d = from_row(&row)?;
    let now = Timestamp::now();
    if let Some(v) = title {
        d.title = v.into();
    }
    if let Some(v) = value {
        d.value_cents = v;
    }
    if let Some(v) = currency {
        d.currency = v;
    }
    source.apply(&mut d.source);
    account.apply(&mut d.account_id);
    contact.apply(&mut d.contact_id);
    check_refs(&mut tx, d.account_id, d.contact_id).await?;
    owner.apply(&mut d.owner_id);
    close
        .map(|c| c.to_string())
        .apply(&mut d.expected_close_date);
    let mut moved = None;
    if let Some(Choice(to)) = stage
        && to != d.stage
    {
        if !d.stage.may_move_to(to) {
            return Err(DomainError::conflict(
                ErrorCode::InvalidTransition,
                format!("a {} deal cannot move to {}", d.stage.as_str(), to.as_str()),
            ));
        }
        record_stage(&mut tx, id, Some(d.stage), to, now, actor).await?;
        moved = Some(d.stage);
        d.stage = to;
        d.closed_at = to.is_closed().then_some(now);
    }
    d.updated_at = now;
    write(&mut tx, &d, false).await?;
    let event = match (moved, d.stage) {
        (None, _) => EventType::DealUpdated,
        (Some(_), Stage::Won) => EventType::DealWon,
        (Some(_), Stage::Lost) => EventType::DealLost,
        (Some(_), _) => EventType::DealStageChanged,
    };
    let data = json!({ "id": id, "stage": d.stage, "from_stage": moved,
        "account_id": d.account_id, "contact_id": d.contact_id });
    emit(&mut tx, origin, event, id, data).await?;
    tx.commit().await?;
    get(db, id).await
}

/// Deletes a deal with its history; contracts and invoices that named it stay, unlinked.
pub async fn delete(db: &TenantDb, id: Uuid, origin: &Origin) -> DomainResult<()> {
    let mut tx = db.db().begin().await?;
    let n = tx
        .execute("DELETE FROM deals WHERE id = $1", params![id])
        .await?;
    if n == 0 {
        return Err(DomainError::NotFound);
    }
    emit(
        &mut tx,
        origin,
        EventType::DealDeleted,
        id,
        json!({ "id": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether a deal exists.
pub(crate) async fn exists(tx: &mut Tx, id: Uuid) -> DomainResult<bool> {
    Ok(tx
        .fetch_optional("SELECT 1 AS one FROM deals WHERE id = $1", params![id])
        .await?
        .is_some())
}
