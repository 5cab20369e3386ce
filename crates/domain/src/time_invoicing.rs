//! Invoicing a project's work: approved billable time of a client's time-and-materials
//! projects becomes a draft invoice whose lines group by project × service × rate (or one line
//! per entry), quantities in hours; a fixed-price project invoices its price or a part of it (a
//! milestone), a retainer its amount for a month.
//!
//! Every entry is linked to its invoice line in the transaction that creates the draft, and the
//! link is made only where the entry is still approved and uninvoiced: of two concurrent
//! requests for the same time, one gets it and the other answers `409` with nothing written.
//! Deleting the draft releases the time and charges (see [`crate::invoices::delete`]); issuing
//! keeps them invoiced for good. A capped budget is never exceeded (`409 budget_cap`).

use crate::budgets::{self, BudgetPeriod, cents_of_x60};
use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::Origin;
use crate::input::{
    Choice, Date, Id, LineDescription, Month, Notes, Optional, Problem, Sent, no_such, take,
};
use crate::invoices::{self, DraftHeader, Invoice, Line};
use crate::money::{self, Cents, Currency, Quantity, Totals, VatRate};
use crate::parties::Language;
use crate::projects::{self, BillingType, Project};
use crate::time_entries::{self, TimeEntry, columns};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use silo_contract::EventType;
use silo_store::{Sql, TenantDb, Timestamp, Tx, Value, params};
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use uuid::Uuid;

silo_contract::string_enum! {
    /// How time becomes invoice lines.
    pub enum Grouping {
        /// One line per project, service and rate.
        ProjectServiceRate = "project_service_rate",
        /// One line per time entry.
        Entry = "entry",
    }
}

/// Most projects one request names.
pub const MAX_PROJECTS: usize = 100;

/// `POST /api/invoices/from-time[/preview]` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct FromTime {
    account_id: Sent<Id>,
    /// Only these projects of the client (all its time-and-materials projects when empty).
    #[serde(default)]
    #[schemars(length(max = MAX_PROJECTS))]
    project_ids: Vec<Sent<Id>>,
    /// Only work on or after this date.
    #[serde(default)]
    from: Optional<Date>,
    /// Only work on or before this date.
    #[serde(default)]
    to: Optional<Date>,
    /// `project_service_rate` when left out.
    grouping: Option<Sent<Choice<Grouping>>>,
    #[serde(default)]
    due_date: Optional<Date>,
    #[serde(default)]
    notes: Optional<Notes>,
    /// The client's language when left out.
    #[serde(default)]
    language: Optional<Choice<Language>>,
    /// False when left out; true bills every line at 0 % VAT.
    reverse_charge: Option<bool>,
}

/// A line the time would make.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PreviewLine {
    /// The line as it would be on the invoice.
    #[serde(flatten)]
    pub line: Line,
    /// The project it bills.
    pub project_id: Uuid,
    /// The entries it bills.
    pub entry_ids: Vec<Uuid>,
}

/// A capped project this would take beyond its budget.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct CapExceeded {
    /// The project.
    pub project_id: Uuid,
    /// Its name.
    pub project_name: String,
    /// The period whose budget it is (`total` or `YYYY-MM`).
    pub period: String,
    /// What is left of that budget to invoice, in cents.
    pub left_cents: i64,
    /// What this invoice would bill in that period, in cents.
    pub asked_cents: i64,
}

/// What invoicing the time would make.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct FromTimePreview {
    /// The client.
    pub account_id: Uuid,
    /// The currency of the projects (and so of the invoice).
    pub currency: Currency,
    /// The approved, billable, uninvoiced entries it takes.
    pub entries: Vec<TimeEntry>,
    /// The lines they make.
    pub lines: Vec<PreviewLine>,
    /// The lines' totals.
    pub subtotal_cents: Cents,
    /// VAT.
    pub vat_cents: Cents,
    /// Total.
    pub total_cents: Cents,
    /// Capped budgets it would exceed (creating the invoice then answers `409 budget_cap`).
    pub cap_exceeded: Vec<CapExceeded>,
}

struct Request {
    account: Uuid,
    projects: Vec<Uuid>,
    from: Option<Date>,
    to: Option<Date>,
    grouping: Grouping,
    header: DraftHeader,
}

fn parse(body: FromTime) -> DomainResult<Request> {
    let mut p = Problems::new();
    if body.project_ids.len() > MAX_PROJECTS {
        p.add("project_ids", Problem::too_many(MAX_PROJECTS));
    }
    let mut projects = Vec::new();
    for (i, id) in body.project_ids.into_iter().enumerate() {
        if let Some(id) = p.take(&format!("project_ids[{i}]"), id)
            && !projects.contains(&id.get())
        {
            projects.push(id.get());
        }
    }
    let reverse_charge = body.reverse_charge.unwrap_or(false);
    let fields = take!(p, body => account_id, from, to, grouping, due_date, notes, language);
    let (account, from, to, grouping, due, notes, language) = p.done(fields)?;
    if let (Some(f), Some(t)) = (from, to)
        && t.get() < f.get()
    {
        return Err(DomainError::invalid(
            "to",
            Problem::rule("must not be before from"),
        ));
    }
    Ok(Request {
        account: account.get(),
        projects,
        from,
        to,
        grouping: grouping.map_or(Grouping::ProjectServiceRate, Choice::get),
        header: DraftHeader {
            currency: Currency::EUR,
            account: Some(account.get()),
            deal: None,
            notes: notes.map(String::from),
            due_date: due,
            language: language.map(Choice::get),
            supply_date: None,
            reverse_charge,
        },
    })
}

/// Hours with three decimals from minutes, rounded half up (0.001 h is 3.6 s).
fn hours(minutes: i64) -> Result<Quantity, Problem> {
    Quantity::from_milli((minutes * 1000 + 30) / 60)
}

/// The entries the request takes, by project, service, rate and date.
async fn entries(tx: &mut Tx, r: &Request) -> DomainResult<Vec<TimeEntry>> {
    let mut binds: Vec<Value> = vec![
        r.account.into(),
        r.from.map(|d| d.to_string()).into(),
        r.to.map(|d| d.to_string()).into(),
    ];
    let mut only = String::new();
    if !r.projects.is_empty() {
        let first = binds.len() + 1;
        binds.extend(r.projects.iter().map(|p| Value::from(*p)));
        let list = (first..first + r.projects.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        only = format!(" AND e.project_id IN ({list})");
    }
    let sql = format!(
        "SELECT {} WHERE p.account_id = $1 AND p.billing_type = 'time_and_materials' \
         AND e.status = 'approved' AND e.invoice_id IS NULL AND e.billable \
         AND e.billable_minutes > 0 AND ($2 IS NULL OR e.work_date >= $2) \
         AND ($3 IS NULL OR e.work_date <= $3){only} \
         ORDER BY e.project_id, COALESCE(e.service_id, ''), e.rate_cents, e.work_date, e.id",
        columns!()
    );
    let rows = tx.fetch_all(Sql::assembled(sql), &binds).await?;
    Ok(rows
        .iter()
        .map(time_entries::from_row)
        .collect::<Result<_, _>>()?)
}

/// Groups the entries into lines; `Err` names what is too large.
fn lines(
    entries: &[TimeEntry],
    grouping: Grouping,
    rate: VatRate,
) -> DomainResult<(Vec<PreviewLine>, Totals)> {
    // Entries arrive ordered by project, service and rate, so a group is a run of them.
    let mut groups: Vec<(String, Vec<&TimeEntry>)> = Vec::new();
    for e in entries {
        let key = match grouping {
            Grouping::ProjectServiceRate => format!(
                "{}|{}|{}",
                e.project_id,
                e.service_id.map(|s| s.to_string()).unwrap_or_default(),
                e.rate_cents.get()
            ),
            Grouping::Entry => e.id.to_string(),
        };
        match groups.last_mut() {
            Some((k, g)) if *k == key => g.push(e),
            _ => groups.push((key, vec![e])),
        }
    }
    let mut out = Vec::with_capacity(groups.len());
    for (_, group) in groups {
        let Some(first) = group.first() else { continue };
        let minutes: i64 = group.iter().map(|e| e.billable_minutes).sum();
        let quantity = hours(minutes).map_err(|p| DomainError::invalid("entries", p))?;
        let description = match grouping {
            Grouping::ProjectServiceRate => {
                let (start, end) = (
                    group.iter().map(|e| &e.work_date).min(),
                    group.iter().map(|e| &e.work_date).max(),
                );
                let what = first.service_name.as_deref().unwrap_or("Work");
                match (start, end) {
                    (Some(s), Some(e)) if s != e => {
                        format!("{}: {what} ({s} – {e})", first.project_name)
                    }
                    (Some(s), _) => format!("{}: {what} ({s})", first.project_name),
                    _ => format!("{}: {what}", first.project_name),
                }
            }
            Grouping::Entry => {
                let what = first
                    .description
                    .as_deref()
                    .or(first.task_title.as_deref())
                    .or(first.service_name.as_deref())
                    .unwrap_or("Work");
                format!("{} {}: {what}", first.work_date, first.project_name)
            }
        };
        let amounts = money::line_amounts(quantity, first.rate_cents, rate).ok_or_else(|| {
            DomainError::invalid(
                "entries",
                Problem::total_too_large(money::MAX_CENTS).worded("a line amount is too large"),
            )
        })?;
        out.push(PreviewLine {
            line: Line {
                description: description.chars().take(1000).collect(),
                quantity,
                unit_cents: first.rate_cents,
                vat_rate_bp: rate,
                net_cents: amounts.net,
                vat_cents: amounts.vat,
            },
            project_id: first.project_id,
            entry_ids: group.iter().map(|e| e.id).collect(),
        });
    }
    let totals = money::totals(out.iter().map(|l| money::LineAmounts {
        net: l.line.net_cents,
        vat: l.line.vat_cents,
    }))
    .ok_or_else(|| {
        DomainError::invalid(
            "entries",
            Problem::total_too_large(money::MAX_CENTS).worded("the invoice total is too large"),
        )
    })?;
    Ok((out, totals))
}

/// The capped budgets the entries would exceed, per project and period.
async fn caps(
    tx: &mut Tx,
    projects: &BTreeMap<Uuid, Project>,
    entries: &[TimeEntry],
) -> DomainResult<Vec<CapExceeded>> {
    let mut asked: BTreeMap<(Uuid, Option<String>), i64> = BTreeMap::new();
    for e in entries {
        let Some(p) = projects.get(&e.project_id) else {
            continue;
        };
        if !p.budget_cap {
            continue;
        }
        let period = match p.budget_period {
            BudgetPeriod::Total => None,
            BudgetPeriod::Monthly => e.work_date.get(..7).map(str::to_owned),
        };
        *asked.entry((p.id, period)).or_default() += e.billable_minutes * e.rate_cents.get();
    }
    let mut out = Vec::new();
    for ((project, period), x60) in asked {
        let Some(p) = projects.get(&project) else {
            continue;
        };
        let Some(left) =
            budgets::invoiceable_x60(tx, project, p.budget(), period.as_deref()).await?
        else {
            continue;
        };
        if x60 > left {
            out.push(CapExceeded {
                project_id: project,
                project_name: p.name.clone(),
                period: period.unwrap_or_else(|| "total".into()),
                left_cents: cents_of_x60(left.max(0)),
                asked_cents: cents_of_x60(x60),
            });
        }
    }
    Ok(out)
}

async fn prepare(
    tx: &mut Tx,
    r: &mut Request,
) -> DomainResult<(FromTimePreview, BTreeMap<Uuid, Project>)> {
    if !crate::accounts::exists(tx, r.account).await? {
        return Err(DomainError::invalid("account_id", no_such("account")));
    }
    let mut p = Problems::new();
    for (i, id) in r.projects.iter().enumerate() {
        match projects::load_row(tx, *id).await {
            Ok(project) if project.account_id == r.account => {}
            Ok(_) => p.add(
                format!("project_ids[{i}]"),
                Problem::rule("the project belongs to another client"),
            ),
            Err(DomainError::NotFound) => p.add(format!("project_ids[{i}]"), no_such("project")),
            Err(e) => return Err(e),
        }
    }
    p.finish()?;
    let found = entries(tx, r).await?;
    let mut projects: BTreeMap<Uuid, Project> = BTreeMap::new();
    for e in &found {
        if let Entry::Vacant(slot) = projects.entry(e.project_id) {
            slot.insert(projects::load_row(tx, e.project_id).await?);
        }
    }
    let currencies: Vec<Currency> = {
        let mut c: Vec<Currency> = projects.values().map(|p| p.currency).collect();
        c.dedup();
        c
    };
    if currencies.len() > 1 {
        return Err(DomainError::invalid(
            "project_ids",
            Problem::rule("the projects bill in different currencies: invoice them one by one"),
        ));
    }
    r.header.currency = currencies.first().copied().unwrap_or(Currency::EUR);
    let rate = invoices::default_rate(r.header.reverse_charge);
    let (lines, totals) = lines(&found, r.grouping, rate)?;
    let cap_exceeded = caps(tx, &projects, &found).await?;
    Ok((
        FromTimePreview {
            account_id: r.account,
            currency: r.header.currency,
            entries: found,
            lines,
            subtotal_cents: totals.subtotal,
            vat_cents: totals.vat,
            total_cents: totals.total,
            cap_exceeded,
        },
        projects,
    ))
}

/// What invoicing the client's time would make, without writing anything. Cost rates are left
/// out (the caller may not see them).
pub async fn preview(db: &TenantDb, body: FromTime) -> DomainResult<FromTimePreview> {
    let mut r = parse(body)?;
    let mut tx = db.db().begin().await?;
    let (mut preview, _) = prepare(&mut tx, &mut r).await?;
    tx.commit().await?;
    for e in &mut preview.entries {
        e.cost_rate_cents = None;
    }
    Ok(preview)
}

/// Makes the draft invoice and links each entry to its line, all in one transaction.
pub async fn create(db: &TenantDb, body: FromTime, origin: &Origin) -> DomainResult<Invoice> {
    let mut r = parse(body)?;
    let mut tx = db.db().begin().await?;
    let (preview, _) = prepare(&mut tx, &mut r).await?;
    if preview.entries.is_empty() {
        return Err(DomainError::conflict(
            ErrorCode::NothingToInvoice,
            "the client has no approved, billable, uninvoiced time on time-and-materials \
             projects in that period",
        ));
    }
    if let Some(c) = preview.cap_exceeded.first() {
        return Err(DomainError::conflict(
            ErrorCode::BudgetCap,
            format!(
                "{} would be invoiced beyond its capped budget ({}): {} cents asked, {} left",
                c.project_name, c.period, c.asked_cents, c.left_cents
            ),
        ));
    }
    let lines: Vec<Line> = preview.lines.iter().map(|l| l.line.clone()).collect();
    let totals = Totals {
        subtotal: preview.subtotal_cents,
        vat: preview.vat_cents,
        total: preview.total_cents,
    };
    let id = invoices::insert_draft(&mut tx, &r.header, &lines, totals).await?;
    let now = Timestamp::now();
    for (position, line) in (1_i64..).zip(&preview.lines) {
        for entry in &line.entry_ids {
            let linked = tx
                .execute(
                    "UPDATE time_entries SET status = 'invoiced', invoice_id = $2, \
                     invoice_line = $3, updated_at = $4 \
                     WHERE id = $1 AND status = 'approved' AND invoice_id IS NULL",
                    params![*entry, id, position, now],
                )
                .await?;
            if linked == 0 {
                return Err(DomainError::conflict(
                    ErrorCode::Conflict,
                    "some of the time was invoiced or changed at the same moment; preview again",
                ));
            }
        }
    }
    let invoice = invoices::load(&mut tx, id).await?;
    invoices::announce(&mut tx, origin, EventType::InvoiceCreated, &invoice).await?;
    tx.commit().await?;
    Ok(invoice)
}

/// `POST /api/projects/{id}/invoice` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ProjectInvoice {
    /// A retainer's month (this month when left out).
    #[serde(default)]
    month: Optional<Month>,
    /// A fixed-price project's part to invoice (a milestone); what is left of the price
    /// when left out.
    #[serde(default)]
    amount_cents: Optional<Cents>,
    /// The line's text (the project's name, and the month for a retainer, when left out).
    #[serde(default)]
    description: Optional<LineDescription>,
    #[serde(default)]
    due_date: Optional<Date>,
    #[serde(default)]
    notes: Optional<Notes>,
    #[serde(default)]
    language: Optional<Choice<Language>>,
    /// False when left out.
    reverse_charge: Option<bool>,
}

/// Invoices a fixed-price project's price (or a part of it) or a retainer's month as a draft
/// with one line; what was invoiced is recorded so it is never billed twice.
pub async fn invoice_project(
    db: &TenantDb,
    project: Uuid,
    body: ProjectInvoice,
    origin: &Origin,
) -> DomainResult<Invoice> {
    let mut p = Problems::new();
    let reverse_charge = body.reverse_charge.unwrap_or(false);
    let fields = take!(p, body => month, amount_cents, description, due_date, notes, language);
    let (month, amount, description, due, notes, language) = p.done(fields)?;
    let mut tx = db.db().begin().await?;
    let project = projects::load_row(&mut tx, project).await?;
    let (kind, month, amount, text) = match project.billing_type {
        BillingType::FixedPrice => {
            let price = project.fixed_price_cents.map_or(0, Cents::get);
            let charged: i64 = tx
                .fetch_one(
                    "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) AS charged FROM project_charges \
                     WHERE project_id = $1 AND kind = 'fixed_price'",
                    params![project.id],
                )
                .await?
                .get("charged")?;
            let left = price - charged;
            if left <= 0 {
                return Err(DomainError::conflict(
                    ErrorCode::NothingToInvoice,
                    "the project's price is invoiced in full",
                ));
            }
            let amount = amount.map_or(left, Cents::get);
            if amount > left {
                return Err(DomainError::invalid(
                    "amount_cents",
                    Problem::out_of_range(Some(1), Some(left))
                        .worded(format!("at most {left} cents of the price is left")),
                ));
            }
            ("fixed_price", None, amount, project.name.clone())
        }
        BillingType::Retainer => {
            if amount.is_some() {
                return Err(DomainError::invalid(
                    "amount_cents",
                    Problem::rule("a retainer invoices its monthly amount"),
                ));
            }
            let month = month.unwrap_or_else(|| Date::today().month()).to_string();
            let done = tx
                .fetch_optional(
                    "SELECT id FROM project_charges WHERE project_id = $1 AND month = $2",
                    params![project.id, month.clone()],
                )
                .await?;
            if done.is_some() {
                return Err(DomainError::conflict(
                    ErrorCode::NothingToInvoice,
                    format!("the retainer for {month} is invoiced already"),
                ));
            }
            let amount = project.retainer_cents.map_or(0, Cents::get);
            let text = format!("{}: retainer {month}", project.name);
            ("retainer", Some(month), amount, text)
        }
        BillingType::TimeAndMaterials | BillingType::NonBillable => {
            return Err(DomainError::conflict(
                ErrorCode::InvalidTransition,
                "only fixed-price projects and retainers are invoiced by amount; \
                 invoice time-and-materials work from its time",
            ));
        }
    };
    if project.budget_cap
        && let Some(left) =
            budgets::invoiceable_x60(&mut tx, project.id, project.budget(), month.as_deref())
                .await?
        && amount * 60 > left
    {
        return Err(DomainError::conflict(
            ErrorCode::BudgetCap,
            format!(
                "{} would be invoiced beyond its capped budget: {amount} cents asked, {} left",
                project.name,
                cents_of_x60(left.max(0))
            ),
        ));
    }
    let rate = invoices::default_rate(reverse_charge);
    let unit = Cents::new(amount).map_err(|e| DomainError::invalid("amount_cents", e))?;
    let amounts = money::line_amounts(Quantity::ONE, unit, rate).ok_or_else(|| {
        DomainError::invalid("amount_cents", Problem::total_too_large(money::MAX_CENTS))
    })?;
    let line = Line {
        description: description.map(String::from).unwrap_or(text),
        quantity: Quantity::ONE,
        unit_cents: unit,
        vat_rate_bp: rate,
        net_cents: amounts.net,
        vat_cents: amounts.vat,
    };
    let totals = money::totals([amounts]).ok_or_else(|| {
        DomainError::invalid("amount_cents", Problem::total_too_large(money::MAX_CENTS))
    })?;
    let header = DraftHeader {
        currency: project.currency,
        account: Some(project.account_id),
        deal: project.deal_id,
        notes: notes.map(String::from),
        due_date: due,
        language: language.map(Choice::get),
        supply_date: None,
        reverse_charge,
    };
    let id = invoices::insert_draft(&mut tx, &header, std::slice::from_ref(&line), totals).await?;
    tx.execute(
        "INSERT INTO project_charges (id, project_id, invoice_id, invoice_line, kind, month, \
         description, amount_cents, created_at) VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8)",
        params![
            Uuid::now_v7(),
            project.id,
            id,
            kind,
            month,
            line.description.clone(),
            amount,
            Timestamp::now()
        ],
    )
    .await?;
    let invoice = invoices::load(&mut tx, id).await?;
    invoices::announce(&mut tx, origin, EventType::InvoiceCreated, &invoice).await?;
    tx.commit().await?;
    Ok(invoice)
}
