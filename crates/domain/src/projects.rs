//! Projects: work for a client account (optionally from a won deal or a signed contract), how
//! it is billed, its budgets and rounding, and who works on it at which rate.

use crate::budgets::{self, Budget, BudgetPeriod, BudgetReport, Burn};
use crate::columns::enum_column;
use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::{Origin, emit};
use crate::input::{
    Choice, Date, Id, Input, Name, Notes, Optional, Patch, Problem, Sent, json_schema, no_such,
    take,
};
use crate::invoices::optional_cents;
use crate::list::ListParams;
use crate::money::{Cents, Currency};
use schemars::{JsonSchema, Schema};
use serde::{Deserialize, Serialize};
use serde_json::json;
use silo_contract::EventType;
use silo_contract::input::{Integer, WholeNumber};
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

silo_contract::string_enum! {
    /// Where a project stands.
    pub enum ProjectStatus {
        /// Agreed, not started.
        Planned = "planned",
        /// Work is going on.
        Active = "active",
        /// Paused.
        OnHold = "on_hold",
        /// Delivered.
        Done = "done",
        /// Stopped before it was done.
        Cancelled = "cancelled",
    }
}

silo_contract::string_enum! {
    /// How a project is billed.
    pub enum BillingType {
        /// Approved billable time is invoiced at its rates.
        TimeAndMaterials = "time_and_materials",
        /// The price (or parts of it, as milestones) is invoiced; time burns the budget.
        FixedPrice = "fixed_price",
        /// A fixed amount per calendar month; time shows over- and under-use.
        Retainer = "retainer",
        /// Nothing is invoiced (internal work, pitches).
        NonBillable = "non_billable",
    }
}

/// Minutes of an hour budget: 1 minute to 10 million hours.
pub type BudgetMinutes = Integer<1, 600_000_000>;

/// The increment billable minutes are rounded up to: 1, 5, 6, 10, 15, 30 or 60.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Rounding(i64);

impl Rounding {
    /// The increments a project may use.
    pub const ALLOWED: [i64; 7] = [1, 5, 6, 10, 15, 30, 60];

    /// The increment in minutes.
    pub fn minutes(self) -> i64 {
        self.0
    }

    /// The stored increment (checked again, so an odd stored value cannot divide by zero).
    pub(crate) fn stored(v: i64) -> Result<Rounding, StoreError> {
        Rounding::parse(WholeNumber(v)).map_err(|e| StoreError::Decode {
            column: "rounding_minutes".into(),
            reason: e.to_string(),
        })
    }
}

impl Input for Rounding {
    type Raw = WholeNumber;

    fn parse(raw: WholeNumber) -> Result<Self, Problem> {
        if Rounding::ALLOWED.contains(&raw.0) {
            Ok(Rounding(raw.0))
        } else {
            Err(Problem::not_allowed(
                &Rounding::ALLOWED.map(|m| m.to_string()),
            ))
        }
    }

    fn schema() -> Schema {
        json_schema(
            json!({"type": "integer", "minimum": 1, "maximum": 60, "enum": Rounding::ALLOWED}),
        )
    }
}

/// A person on a project.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ProjectMember {
    /// The person (identity id).
    pub person_id: Uuid,
    /// Their hourly rate on this project; the service's or project's rate applies when null.
    pub hourly_rate_cents: Option<Cents>,
}

/// A project as stored and sent.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Project {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// What the project is about.
    pub description: Option<String>,
    /// The client.
    pub account_id: Uuid,
    /// The client's name.
    pub account_name: String,
    /// The deal it came from.
    pub deal_id: Option<Uuid>,
    /// The contract it delivers.
    pub contract_id: Option<Uuid>,
    /// Status.
    pub status: ProjectStatus,
    /// How it is billed.
    pub billing_type: BillingType,
    /// Currency of its rates, budget and invoices.
    pub currency: Currency,
    /// Hour budget in minutes.
    pub budget_minutes: Option<i64>,
    /// Money budget in cents.
    pub budget_cents: Option<Cents>,
    /// Whether the budgets cover the whole project or each calendar month.
    pub budget_period: BudgetPeriod,
    /// Never invoice more than the money budget (per period).
    pub budget_cap: bool,
    /// Default hourly rate in cents.
    pub hourly_rate_cents: Option<Cents>,
    /// A fixed-price project's price in cents.
    pub fixed_price_cents: Option<Cents>,
    /// A retainer's amount per month in cents.
    pub retainer_cents: Option<Cents>,
    /// Billable minutes are rounded up to this increment.
    pub rounding_minutes: i64,
    /// Start date.
    pub start_date: Option<String>,
    /// End date.
    pub end_date: Option<String>,
    /// The people on it.
    pub members: Vec<ProjectMember>,
    /// Time and money against the budget in the current period.
    pub burn: Burn,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

impl Project {
    pub(crate) fn budget(&self) -> Budget {
        Budget {
            period: self.budget_period,
            minutes: self.budget_minutes,
            cents: self.budget_cents.map(Cents::get),
        }
    }
}

/// `POST /api/projects` body. With `deal_id` or `contract_id`, the name, client (and from a
/// deal, currency and money budget) default to theirs.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewProject {
    #[serde(default)]
    name: Optional<Name>,
    #[serde(default)]
    description: Optional<Notes>,
    #[serde(default)]
    account_id: Optional<Id>,
    #[serde(default)]
    deal_id: Optional<Id>,
    #[serde(default)]
    contract_id: Optional<Id>,
    /// `planned` when left out.
    status: Option<Sent<Choice<ProjectStatus>>>,
    billing_type: Sent<Choice<BillingType>>,
    /// EUR (or the deal's) when left out.
    currency: Option<Sent<Currency>>,
    #[serde(default)]
    budget_minutes: Optional<BudgetMinutes>,
    #[serde(default)]
    budget_cents: Optional<Cents>,
    /// `total` when left out (`monthly` for a retainer).
    budget_period: Option<Sent<Choice<BudgetPeriod>>>,
    /// False when left out.
    budget_cap: Option<bool>,
    #[serde(default)]
    hourly_rate_cents: Optional<Cents>,
    #[serde(default)]
    fixed_price_cents: Optional<Cents>,
    #[serde(default)]
    retainer_cents: Optional<Cents>,
    /// 1 when left out.
    rounding_minutes: Option<Sent<Rounding>>,
    #[serde(default)]
    start_date: Optional<Date>,
    #[serde(default)]
    end_date: Optional<Date>,
}

/// `PATCH /api/projects/{id}` body: only the fields present change; null clears.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ProjectPatch {
    name: Option<Sent<Name>>,
    #[serde(default)]
    description: Patch<Sent<Notes>>,
    account_id: Option<Sent<Id>>,
    #[serde(default)]
    deal_id: Patch<Sent<Id>>,
    #[serde(default)]
    contract_id: Patch<Sent<Id>>,
    status: Option<Sent<Choice<ProjectStatus>>>,
    billing_type: Option<Sent<Choice<BillingType>>>,
    currency: Option<Sent<Currency>>,
    #[serde(default)]
    budget_minutes: Patch<Sent<BudgetMinutes>>,
    #[serde(default)]
    budget_cents: Patch<Sent<Cents>>,
    budget_period: Option<Sent<Choice<BudgetPeriod>>>,
    budget_cap: Option<bool>,
    #[serde(default)]
    hourly_rate_cents: Patch<Sent<Cents>>,
    #[serde(default)]
    fixed_price_cents: Patch<Sent<Cents>>,
    #[serde(default)]
    retainer_cents: Patch<Sent<Cents>>,
    rounding_minutes: Option<Sent<Rounding>>,
    #[serde(default)]
    start_date: Patch<Sent<Date>>,
    #[serde(default)]
    end_date: Patch<Sent<Date>>,
}

/// `PUT /api/projects/{id}/members/{person_id}` body.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct MemberRate {
    #[serde(default)]
    hourly_rate_cents: Optional<Cents>,
}

/// `GET /api/projects` filters besides the page.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProjectFilter {
    /// Only projects in this status.
    pub status: Option<ProjectStatus>,
    /// Only this client's projects.
    pub account_id: Option<Uuid>,
}

macro_rules! columns {
    () => {
        "p.id, p.name, p.description, p.account_id, a.name AS account_name, p.deal_id, \
         p.contract_id, p.status, p.billing_type, p.currency, p.budget_minutes, p.budget_cents, \
         p.budget_period, p.budget_cap, p.hourly_rate_cents, p.fixed_price_cents, \
         p.retainer_cents, p.rounding_minutes, p.start_date, p.end_date, p.created_at, \
         p.updated_at FROM projects p JOIN accounts a ON a.id = p.account_id"
    };
}

fn from_row(row: &Row) -> Result<Project, StoreError> {
    let currency: String = row.get("currency")?;
    let budget_period = enum_column(row, "budget_period")?;
    Ok(Project {
        id: row.get("id")?,
        name: row.get("name")?,
        description: row.get("description")?,
        account_id: row.get("account_id")?,
        account_name: row.get("account_name")?,
        deal_id: row.get("deal_id")?,
        contract_id: row.get("contract_id")?,
        status: enum_column(row, "status")?,
        billing_type: enum_column(row, "billing_type")?,
        currency: Currency::parse(&currency).map_err(|e| StoreError::Decode {
            column: "currency".into(),
            reason: e.to_string(),
        })?,
        budget_minutes: row.get("budget_minutes")?,
        budget_cents: optional_cents(row, "budget_cents")?,
        budget_period,
        budget_cap: row.get("budget_cap")?,
        hourly_rate_cents: optional_cents(row, "hourly_rate_cents")?,
        fixed_price_cents: optional_cents(row, "fixed_price_cents")?,
        retainer_cents: optional_cents(row, "retainer_cents")?,
        rounding_minutes: Rounding::stored(row.get("rounding_minutes")?)?.minutes(),
        start_date: row.get("start_date")?,
        end_date: row.get("end_date")?,
        members: Vec::new(),
        burn: empty_burn(budget_period),
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

fn empty_burn(period: BudgetPeriod) -> Burn {
    Burn {
        period: period.as_str().into(),
        minutes: 0,
        billable_minutes: 0,
        value_cents: 0,
        invoiced_cents: 0,
        budget_minutes: None,
        budget_cents: None,
        minutes_used_bp: None,
        money_used_bp: None,
        minutes_left: None,
        level: budgets::BudgetLevel::Ok,
    }
}

/// The project's row without members or burn, inside a transaction.
pub(crate) async fn load_row(tx: &mut Tx, id: Uuid) -> DomainResult<Project> {
    let row = tx
        .fetch_optional(
            concat!("SELECT ", columns!(), " WHERE p.id = $1"),
            params![id],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(from_row(&row)?)
}

/// The project named by an entry or task: an unknown id is a problem on `field`.
pub(crate) async fn named(tx: &mut Tx, id: Uuid, field: &str) -> DomainResult<Project> {
    match load_row(tx, id).await {
        Err(DomainError::NotFound) => Err(DomainError::invalid(field, no_such("project"))),
        other => other,
    }
}

async fn members(tx: &mut Tx, id: Uuid) -> DomainResult<Vec<ProjectMember>> {
    let rows = tx
        .fetch_all(
            "SELECT person_id, hourly_rate_cents FROM project_members WHERE project_id = $1 \
             ORDER BY added_at, person_id",
            params![id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(ProjectMember {
                person_id: r.get("person_id")?,
                hourly_rate_cents: optional_cents(r, "hourly_rate_cents")?,
            })
        })
        .collect::<Result<_, StoreError>>()?)
}

/// The project with members and burn, inside a transaction.
pub(crate) async fn load(tx: &mut Tx, id: Uuid) -> DomainResult<Project> {
    let mut p = load_row(tx, id).await?;
    p.members = members(tx, id).await?;
    if let Some(burn) = budgets::current(tx, &[(id, p.budget())]).await?.remove(&id) {
        p.burn = burn;
    }
    Ok(p)
}

/// The rules that join fields: each billing type's amount, a cap needs a money budget, dates in
/// order.
fn check_shape(p: &mut Problems, project: &Project) {
    match project.billing_type {
        BillingType::TimeAndMaterials if project.hourly_rate_cents.is_none() => p.add(
            "hourly_rate_cents",
            Problem::rule("a time-and-materials project needs an hourly rate"),
        ),
        BillingType::FixedPrice if project.fixed_price_cents.is_none() => p.add(
            "fixed_price_cents",
            Problem::rule("a fixed-price project needs its price"),
        ),
        BillingType::Retainer if project.retainer_cents.is_none() => p.add(
            "retainer_cents",
            Problem::rule("a retainer needs its amount per month"),
        ),
        _ => {}
    }
    if project.budget_cap && project.budget_cents.is_none() {
        p.add(
            "budget_cap",
            Problem::rule("a cap needs a money budget (budget_cents)"),
        );
    }
    if let (Some(start), Some(end)) = (&project.start_date, &project.end_date)
        && end < start
    {
        p.add("end_date", Problem::rule("must not be before start_date"));
    }
}

/// What a deal or contract gives a new project: its title, client and (a deal's) value.
struct Origins {
    name: Option<String>,
    account: Option<Uuid>,
    currency: Option<Currency>,
    value: Option<i64>,
}

async fn origins(tx: &mut Tx, deal: Option<Uuid>, contract: Option<Uuid>) -> DomainResult<Origins> {
    let mut p = Problems::new();
    let mut out = Origins {
        name: None,
        account: None,
        currency: None,
        value: None,
    };
    if let Some(id) = contract {
        match tx
            .fetch_optional(
                "SELECT title, account_id FROM contracts WHERE id = $1",
                params![id],
            )
            .await?
        {
            Some(r) => {
                out.name = r.get("title")?;
                out.account = r.get("account_id")?;
            }
            None => p.add("contract_id", no_such("contract")),
        }
    }
    if let Some(id) = deal {
        match tx
            .fetch_optional(
                "SELECT title, account_id, currency, value_cents FROM deals WHERE id = $1",
                params![id],
            )
            .await?
        {
            Some(r) => {
                out.name = r.get("title")?;
                out.account = r.get::<Option<Uuid>>("account_id")?.or(out.account);
                let currency: String = r.get("currency")?;
                out.currency = Currency::parse(&currency).ok();
                out.value = Some(r.get::<i64>("value_cents")?).filter(|v| *v > 0);
            }
            None => p.add("deal_id", no_such("deal")),
        }
    }
    p.finish()?;
    Ok(out)
}

async fn check_account(tx: &mut Tx, id: Uuid) -> DomainResult<()> {
    if crate::accounts::exists(tx, id).await? {
        Ok(())
    } else {
        Err(DomainError::invalid("account_id", no_such("account")))
    }
}

fn announce(p: &Project) -> serde_json::Value {
    json!({
        "id": p.id,
        "name": p.name,
        "account_id": p.account_id,
        "status": p.status,
        "billing_type": p.billing_type,
        "budget_minutes": p.budget_minutes,
        "budget_cents": p.budget_cents,
        "members": p.members.iter().map(|m| m.person_id).collect::<Vec<_>>(),
    })
}

async fn write(tx: &mut Tx, p: &Project, insert: bool) -> DomainResult<()> {
    let sql = if insert {
        "INSERT INTO projects (id, name, description, account_id, deal_id, contract_id, status, \
         billing_type, currency, budget_minutes, budget_cents, budget_period, budget_cap, \
         hourly_rate_cents, fixed_price_cents, retainer_cents, rounding_minutes, start_date, \
         end_date, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
         $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20)"
    } else {
        "UPDATE projects SET name = $2, description = $3, account_id = $4, deal_id = $5, \
         contract_id = $6, status = $7, billing_type = $8, currency = $9, budget_minutes = $10, \
         budget_cents = $11, budget_period = $12, budget_cap = $13, hourly_rate_cents = $14, \
         fixed_price_cents = $15, retainer_cents = $16, rounding_minutes = $17, \
         start_date = $18, end_date = $19, updated_at = $20 WHERE id = $1"
    };
    tx.execute(
        sql,
        params![
            p.id,
            p.name.clone(),
            p.description.clone(),
            p.account_id,
            p.deal_id,
            p.contract_id,
            p.status.as_str(),
            p.billing_type.as_str(),
            p.currency.as_str(),
            p.budget_minutes,
            p.budget_cents.map(Cents::get),
            p.budget_period.as_str(),
            p.budget_cap,
            p.hourly_rate_cents.map(Cents::get),
            p.fixed_price_cents.map(Cents::get),
            p.retainer_cents.map(Cents::get),
            p.rounding_minutes,
            p.start_date.clone(),
            p.end_date.clone(),
            Timestamp::now(),
        ],
    )
    .await?;
    Ok(())
}

/// The create rules applied to a stored row (an imported one): see [`crate::imports`].
pub(crate) fn check_stored(row: serde_json::Value) -> DomainResult<()> {
    let new: NewProject = crate::imports::body(row)?;
    let mut p = Problems::new();
    let fields = take!(p, new => name, description, status, billing_type, currency,
        budget_minutes, budget_cents, budget_period, hourly_rate_cents, fixed_price_cents,
        retainer_cents, rounding_minutes, start_date, end_date);
    p.done(fields)?;
    Ok(())
}

/// Creates a project.
pub async fn create(db: &TenantDb, new: NewProject, origin: &Origin) -> DomainResult<Project> {
    let mut p = Problems::new();
    let budget_cap = new.budget_cap.unwrap_or(false);
    let fields = take!(p, new => name, description, account_id, deal_id, contract_id, status,
        billing_type, currency, budget_minutes, budget_cents, budget_period, hourly_rate_cents,
        fixed_price_cents, retainer_cents, rounding_minutes, start_date, end_date);
    let (
        name,
        description,
        account,
        deal,
        contract,
        status,
        billing_type,
        currency,
        budget_minutes,
        budget_cents,
        budget_period,
        rate,
        fixed,
        retainer,
        rounding,
        start,
        end,
    ) = p.done(fields)?;
    let (deal, contract) = (deal.map(Id::get), contract.map(Id::get));
    let mut tx = db.db().begin().await?;
    let from = origins(&mut tx, deal, contract).await?;
    let mut p = Problems::new();
    let name = name.map(String::from).or(from.name);
    if name.is_none() {
        p.add(
            "name",
            Problem::rule("required unless a deal or contract names the project"),
        );
    }
    let account = account.map(Id::get).or(from.account);
    if account.is_none() {
        p.add(
            "account_id",
            Problem::rule("required unless the deal or contract has a client"),
        );
    }
    let billing_type = billing_type.get();
    let (Some(name), Some(account)) = (name, account) else {
        p.finish()?;
        return Err(DomainError::NotFound);
    };
    check_account(&mut tx, account).await?;
    let budget_period = budget_period
        .map(Choice::get)
        .unwrap_or(match billing_type {
            BillingType::Retainer => BudgetPeriod::Monthly,
            _ => BudgetPeriod::Total,
        });
    let mut project = Project {
        id: Uuid::now_v7(),
        name,
        description: description.map(String::from),
        account_id: account,
        account_name: String::new(),
        deal_id: deal,
        contract_id: contract,
        status: status.map(Choice::get).unwrap_or(ProjectStatus::Planned),
        billing_type,
        currency: currency.or(from.currency).unwrap_or(Currency::EUR),
        budget_minutes: budget_minutes.map(BudgetMinutes::get),
        budget_cents: budget_cents.or_else(|| from.value.and_then(|v| Cents::new(v).ok())),
        budget_period,
        budget_cap,
        hourly_rate_cents: rate,
        fixed_price_cents: fixed,
        retainer_cents: retainer,
        rounding_minutes: rounding.map_or(1, Rounding::minutes),
        start_date: start.map(|d| d.to_string()),
        end_date: end.map(|d| d.to_string()),
        members: Vec::new(),
        burn: empty_burn(budget_period),
        created_at: Timestamp::now(),
        updated_at: Timestamp::now(),
    };
    check_shape(&mut p, &project);
    p.finish()?;
    write(&mut tx, &project, true).await?;
    project = load(&mut tx, project.id).await?;
    emit(
        &mut tx,
        origin,
        EventType::ProjectCreated,
        project.id,
        announce(&project),
    )
    .await?;
    tx.commit().await?;
    Ok(project)
}

/// One project with members and burn.
pub async fn get(db: &TenantDb, id: Uuid) -> DomainResult<Project> {
    let mut tx = db.db().begin().await?;
    let p = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(p)
}

/// A page of projects with their burn (members only on single projects); `q` matches the
/// name.
pub async fn list(
    db: &TenantDb,
    params: &ListParams,
    filter: ProjectFilter,
) -> DomainResult<Vec<Project>> {
    let [after, pattern, limit] = params.binds();
    let mut tx = db.db().begin().await?;
    let rows = tx
        .fetch_all(
            concat!(
                "SELECT ",
                columns!(),
                " WHERE ($1 IS NULL OR p.id > $1) \
                 AND ($2 IS NULL OR LOWER(p.name) LIKE $2 ESCAPE '\\') \
                 AND ($4 IS NULL OR p.status = $4) AND ($5 IS NULL OR p.account_id = $5) \
                 ORDER BY p.id LIMIT $3"
            ),
            &[
                after,
                pattern,
                limit,
                filter.status.map(|s| s.as_str()).into(),
                filter.account_id.into(),
            ],
        )
        .await?;
    let mut projects: Vec<Project> = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    let budgets: Vec<(Uuid, Budget)> = projects.iter().map(|p| (p.id, p.budget())).collect();
    let mut burns = budgets::current(&mut tx, &budgets).await?;
    tx.commit().await?;
    for p in &mut projects {
        if let Some(b) = burns.remove(&p.id) {
            p.burn = b;
        }
    }
    Ok(projects)
}

/// Changes a project; entries already approved keep the rates and rounding they were approved
/// with.
pub async fn update(
    db: &TenantDb,
    id: Uuid,
    patch: ProjectPatch,
    origin: &Origin,
) -> DomainResult<Project> {
    let mut p = Problems::new();
    let budget_cap = patch.budget_cap;
    let fields = take!(p, patch => name, description, account_id, deal_id, contract_id, status,
        billing_type, currency, budget_minutes, budget_cents, budget_period, hourly_rate_cents,
        fixed_price_cents, retainer_cents, rounding_minutes, start_date, end_date);
    let (
        name,
        description,
        account,
        deal,
        contract,
        status,
        billing_type,
        currency,
        budget_minutes,
        budget_cents,
        budget_period,
        rate,
        fixed,
        retainer,
        rounding,
        start,
        end,
    ) = p.done(fields)?;
    let mut tx = db.db().begin().await?;
    let mut project = load_row(&mut tx, id).await?;
    if let Some(a) = account {
        check_account(&mut tx, a.get()).await?;
        project.account_id = a.get();
    }
    origins(
        &mut tx,
        deal.set().map(|d| d.get()),
        contract.set().map(|c| c.get()),
    )
    .await?;
    if let Some(n) = name {
        project.name = n.into();
    }
    description.apply(&mut project.description);
    deal.map(Id::get).apply(&mut project.deal_id);
    contract.map(Id::get).apply(&mut project.contract_id);
    if let Some(s) = status {
        project.status = s.get();
    }
    if let Some(b) = billing_type {
        project.billing_type = b.get();
    }
    if let Some(c) = currency {
        project.currency = c;
    }
    budget_minutes
        .map(BudgetMinutes::get)
        .apply(&mut project.budget_minutes);
    budget_cents.apply(&mut project.budget_cents);
    if let Some(b) = budget_period {
        project.budget_period = b.get();
    }
    if let Some(c) = budget_cap {
        project.budget_cap = c;
    }
    rate.apply(&mut project.hourly_rate_cents);
    fixed.apply(&mut project.fixed_price_cents);
    retainer.apply(&mut project.retainer_cents);
    if let Some(r) = rounding {
        project.rounding_minutes = r.minutes();
    }
    start.map(|d| d.to_string()).apply(&mut project.start_date);
    end.map(|d| d.to_string()).apply(&mut project.end_date);
    let mut p = Problems::new();
    check_shape(&mut p, &project);
    p.finish()?;
    write(&mut tx, &project, false).await?;
    let project = load(&mut tx, id).await?;
    emit(
        &mut tx,
        origin,
        EventType::ProjectUpdated,
        id,
        announce(&project),
    )
    .await?;
    tx.commit().await?;
    Ok(project)
}

/// Deletes a project with no time and nothing invoiced (its tasks go with it); one with time
/// answers `409 has_time` (set it to cancelled instead).
pub async fn delete(db: &TenantDb, id: Uuid, origin: &Origin) -> DomainResult<()> {
    let mut tx = db.db().begin().await?;
    let project = load_row(&mut tx, id).await?;
    let used = tx
        .fetch_optional(
            "SELECT 1 AS x FROM time_entries WHERE project_id = $1 \
             UNION ALL SELECT 1 AS x FROM project_charges WHERE project_id = $1 LIMIT 1",
            params![id],
        )
        .await?;
    if used.is_some() {
        return Err(DomainError::conflict(
            ErrorCode::HasTime,
            "the project has time or invoices; set its status to cancelled instead",
        ));
    }
    tx.execute("DELETE FROM timers WHERE project_id = $1", params![id])
        .await?;
    tx.execute("DELETE FROM tasks WHERE project_id = $1", params![id])
        .await?;
    tx.execute(
        "DELETE FROM project_members WHERE project_id = $1",
        params![id],
    )
    .await?;
    tx.execute(
        "DELETE FROM budget_alerts WHERE project_id = $1",
        params![id],
    )
    .await?;
    tx.execute("DELETE FROM projects WHERE id = $1", params![id])
        .await?;
    emit(
        &mut tx,
        origin,
        EventType::ProjectDeleted,
        id,
        announce(&project),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Puts a person on the project (or changes their rate there). The caller has checked the
/// person is a member of the company.
pub async fn set_member(
    db: &TenantDb,
    id: Uuid,
    person: Uuid,
    body: MemberRate,
    origin: &Origin,
) -> DomainResult<Project> {
    let rate = body
        .hourly_rate_cents
        .parse()
        .map_err(|e| DomainError::invalid("hourly_rate_cents", e))?;
    let mut tx = db.db().begin().await?;
    load_row(&mut tx, id).await?;
    tx.execute(
        "INSERT INTO project_members (project_id, person_id, hourly_rate_cents, added_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (project_id, person_id) \
         DO UPDATE SET hourly_rate_cents = $3",
        params![id, person, rate.map(Cents::get), Timestamp::now()],
    )
    .await?;
    let project = load(&mut tx, id).await?;
    emit(
        &mut tx,
        origin,
        EventType::ProjectUpdated,
        id,
        announce(&project),
    )
    .await?;
    tx.commit().await?;
    Ok(project)
}

/// Takes a person off the project (their time stays).
pub async fn remove_member(
    db: &TenantDb,
    id: Uuid,
    person: Uuid,
    origin: &Origin,
) -> DomainResult<Project> {
    let mut tx = db.db().begin().await?;
    load_row(&mut tx, id).await?;
    let removed = tx
        .execute(
            "DELETE FROM project_members WHERE project_id = $1 AND person_id = $2",
            params![id, person],
        )
        .await?;
    if removed == 0 {
        return Err(DomainError::NotFound);
    }
    let project = load(&mut tx, id).await?;
    emit(
        &mut tx,
        origin,
        EventType::ProjectUpdated,
        id,
        announce(&project),
    )
    .await?;
    tx.commit().await?;
    Ok(project)
}

/// The project's budget over time.
pub async fn budget(db: &TenantDb, id: Uuid) -> DomainResult<BudgetReport> {
    let mut tx = db.db().begin().await?;
    let project = load_row(&mut tx, id).await?;
    let report = budgets::report(&mut tx, id, project.budget(), project.budget_cap).await?;
    tx.commit().await?;
    Ok(report)
}
