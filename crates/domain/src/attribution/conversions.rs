//! Conversions from CRM facts (issue 22): a lead from a tracked site's form, a deal won, an
//! invoice issued and an invoice paid. Each is recorded once per (kind, record) in the
//! transaction of the fact itself, with the attribution and consent snapshot of its contact's
//! touchpoints, appends one `conversion.recorded` event, and queues its deliveries to the ad
//! platforms ([`super::forwarding::queue`]) in the same transaction.
//!
//! The CRM facts arrive through [`on_event`], which [`crate::events::emit`] calls for every
//! event it appends (next to the webhook fan-out), so no write path can forget it.

use super::forwarding;
use super::{Attribution, Consent, ConversionKind};
use crate::columns::enum_column;
use crate::error::DomainResult;
use crate::events::{Origin, OutboxEvent, emit};
use crate::list::ListParams;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::json;
use silo_contract::EventType;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, Value, params};
use uuid::Uuid;

/// Source, medium and campaign of a touch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Touch {
    /// `utm_source` (or the referrer's host).
    pub source: Option<String>,
    /// `utm_medium`.
    pub medium: Option<String>,
    /// `utm_campaign`.
    pub campaign: Option<String>,
}

/// A conversion as the API shows it (never an e-mail address or phone number).
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Conversion {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// Which CRM fact.
    pub kind: ConversionKind,
    /// The contact (lead), deal (deal won) or invoice (issued, paid).
    pub subject_id: Uuid,
    /// The person it is attributed to.
    pub contact_id: Option<Uuid>,
    /// The client account.
    pub account_id: Option<Uuid>,
    /// The tracked site of the touch or form it is attributed to; its client's destinations
    /// receive it.
    pub site_id: Option<Uuid>,
    /// How it is attributed.
    pub attribution: Attribution,
    /// The first touch.
    pub first: Touch,
    /// The last (non-direct) touch.
    pub last: Touch,
    /// The dedup key sent to platforms: the invoice number for invoices, else the conversion's
    /// id.
    pub order_id: String,
    /// The value in cents (net amount for invoices, the deal's value for a won deal).
    pub value_cents: Option<i64>,
    /// The value's currency.
    pub currency: Option<String>,
    /// The consent it was collected under.
    pub consent: Consent,
    /// When the fact happened.
    pub occurred_at: Timestamp,
}

/// `GET /api/conversions` filters.
#[derive(Clone, Debug, Default)]
pub struct ConversionFilter {
    /// Only this kind (a wire name; another is a 422 on `kind`).
    pub kind: Option<String>,
    /// Only conversions attributed to this tracked site.
    pub site_id: Option<Uuid>,
}

pub(crate) const COLUMNS: &str = "id, kind, subject_id, contact_id, account_id, site_id, \
     first_touchpoint_id, last_touchpoint_id, attribution, first_source, first_medium, \
     first_campaign, last_source, last_medium, last_campaign, order_id, value_cents, currency, \
     analytics, ads, ad_user_data, ad_personalization, occurred_at";

pub(crate) fn from_row(row: &Row) -> Result<Conversion, StoreError> {
    Ok(Conversion {
        id: row.get("id")?,
        kind: enum_column(row, "kind")?,
        subject_id: row.get("subject_id")?,
        contact_id: row.get("contact_id")?,
        account_id: row.get("account_id")?,
        site_id: row.get("site_id")?,
        attribution: enum_column(row, "attribution")?,
        first: Touch {
            source: row.get("first_source")?,
            medium: row.get("first_medium")?,
            campaign: row.get("first_campaign")?,
        },
        last: Touch {
            source: row.get("last_source")?,
            medium: row.get("last_medium")?,
            campaign: row.get("last_campaign")?,
        },
        order_id: row.get("order_id")?,
        value_cents: row.get("value_cents")?,
        currency: row.get("currency")?,
        consent: super::consent::consent_of(row)?,
        occurred_at: row.get("occurred_at")?,
    })
}

/// A page of conversions, newest first; `q` matches the order id.
pub async fn list(
    db: &TenantDb,
    params: &ListParams,
    filter: &ConversionFilter,
) -> DomainResult<Vec<Conversion>> {
    let kind = match filter.kind.as_deref() {
        None | Some("") => None,
        Some(k) => Some(ConversionKind::parse(k).ok_or_else(|| {
            crate::DomainError::invalid(
                "kind",
                silo_contract::Problem::not_allowed(
                    &ConversionKind::ALL
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>(),
                ),
            )
        })?),
    };
    let [after, pattern, limit] = params.binds();
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {COLUMNS} FROM conversions WHERE ($1 IS NULL OR id < $1) \
         AND ($2 IS NULL OR LOWER(order_id) LIKE $2 ESCAPE '\\') \
         AND ($4 IS NULL OR kind = $4) AND ($5 IS NULL OR site_id = $5) \
         ORDER BY id DESC LIMIT $3"
    ));
    let rows = db
        .db()
        .fetch_all(
            sql,
            &[
                after,
                pattern,
                limit,
                Value::from(kind.map(|k| k.as_str())),
                Value::from(filter.site_id.map(|u| u.to_string())),
            ],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// One conversion.
pub async fn get(db: &TenantDb, id: Uuid) -> DomainResult<Conversion> {
    let sql =
        silo_store::Sql::assembled(format!("SELECT {COLUMNS} FROM conversions WHERE id = $1"));
    let row = db
        .db()
        .fetch_optional(sql, params![id])
        .await?
        .ok_or(crate::DomainError::NotFound)?;
    Ok(from_row(&row)?)
}

/// Where a conversion's attribution came from.
#[derive(Clone, Debug)]
struct Snapshot {
    attribution: Attribution,
    site_id: Option<Uuid>,
    first_touchpoint: Option<Uuid>,
    last_touchpoint: Option<Uuid>,
    first: Touch,
    last: Touch,
    consent: Consent,
}

impl Snapshot {
    fn unattributed(site_id: Option<Uuid>) -> Self {
        Snapshot {
            attribution: Attribution::Unattributed,
            site_id,
            first_touchpoint: None,
            last_touchpoint: None,
            first: Touch::default(),
            last: Touch::default(),
            consent: Consent::DENIED,
        }
    }
}

/// One touchpoint's campaign, site and ad consent.
async fn touchpoint(tx: &mut Tx, id: Uuid) -> DomainResult<Option<(Touch, Uuid, Consent)>> {
    let row = tx
        .fetch_optional(
            "SELECT source, medium, campaign, site_id, ads, ad_user_data, ad_personalization \
             FROM touchpoints WHERE id = $1",
            params![id],
        )
        .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some((
        Touch {
            source: row.get("source")?,
            medium: row.get("medium")?,
            campaign: row.get("campaign")?,
        },
        row.get("site_id")?,
        super::consent::touch_consent_of(&row)?,
    )))
}

/// The first and last touchpoints of a contact: the ones the contact names, else its earliest
/// and latest.
async fn touchpoints_of(tx: &mut Tx, contact: Uuid) -> DomainResult<Option<(Uuid, Uuid)>> {
    let row = tx
        .fetch_optional(
            "SELECT first_touchpoint_id, last_touchpoint_id FROM contacts WHERE id = $1",
            params![contact],
        )
        .await?;
    let Some(row) = row else { return Ok(None) };
    let named: (Option<Uuid>, Option<Uuid>) = (
        row.get("first_touchpoint_id")?,
        row.get("last_touchpoint_id")?,
    );
    let ordered = tx
        .fetch_all(
            "SELECT id FROM touchpoints WHERE contact_id = $1 ORDER BY occurred_at, id",
            params![contact],
        )
        .await?;
    let earliest: Option<Uuid> = ordered.first().map(|r| r.get("id")).transpose()?;
    let latest: Option<Uuid> = ordered.last().map(|r| r.get("id")).transpose()?;
    Ok(match (named.0.or(earliest), named.1.or(latest)) {
        (Some(first), Some(last)) => Some((first, last)),
        (Some(one), None) | (None, Some(one)) => Some((one, one)),
        (None, None) => None,
    })
}

/// The attribution of a conversion of `contact` (the contract's rules): its touchpoints; else
/// a lead of it without analytics consent; else unattributed (with the lead's site, if any).
async fn attribute(tx: &mut Tx, contact: Option<Uuid>) -> DomainResult<Snapshot> {
    let Some(contact) = contact else {
        return Ok(Snapshot::unattributed(None));
    };
    if let Some((first_id, last_id)) = touchpoints_of(tx, contact).await?
        && let (Some(first), Some(last)) = (
            touchpoint(tx, first_id).await?,
            touchpoint(tx, last_id).await?,
        )
    {
        return Ok(Snapshot {
            attribution: Attribution::Attributed,
            site_id: Some(last.1),
            first_touchpoint: Some(first_id),
            last_touchpoint: Some(last_id),
            first: first.0,
            last: last.0,
            consent: last.2,
        });
    }
    let lead = tx
        .fetch_optional(
            "SELECT attribution, site_id, analytics, ads, ad_user_data, ad_personalization \
             FROM conversions WHERE kind = 'lead' AND contact_id = $1",
            params![contact],
        )
        .await?;
    let Some(lead) = lead else {
        return Ok(Snapshot::unattributed(None));
    };
    let site: Option<Uuid> = lead.get("site_id")?;
    if enum_column::<Attribution>(&lead, "attribution")? == Attribution::NoConsent {
        return Ok(Snapshot {
            attribution: Attribution::NoConsent,
            consent: Consent {
                analytics: lead.get("analytics")?,
                ads: lead.get("ads")?,
                ad_user_data: lead.get("ad_user_data")?,
                ad_personalization: lead.get("ad_personalization")?,
            },
            ..Snapshot::unattributed(site)
        });
    }
    Ok(Snapshot::unattributed(site))
}

/// A conversion about to be recorded.
struct Fact {
    kind: ConversionKind,
    subject_id: Uuid,
    contact_id: Option<Uuid>,
    account_id: Option<Uuid>,
    order_id: Option<String>,
    value_cents: Option<i64>,
    currency: Option<String>,
}

/// Records a conversion unless one of its kind exists for its record, then appends its event and
/// queues its deliveries. A repeated fact (an invoice paid again after a reversal) records
/// nothing new.
async fn record(tx: &mut Tx, origin: &Origin, fact: Fact, snap: Snapshot) -> DomainResult<()> {
    let id = Uuid::now_v7();
    let now = Timestamp::now();
    let order_id = fact.order_id.unwrap_or_else(|| id.to_string());
    let n = tx
        .execute(
            "INSERT INTO conversions (id, kind, subject_id, contact_id, account_id, site_id, \
             first_touchpoint_id, last_touchpoint_id, attribution, first_source, first_medium, \
             first_campaign, last_source, last_medium, last_campaign, order_id, value_cents, \
             currency, analytics, ads, ad_user_data, ad_personalization, occurred_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18, $19, $20, $21, $22, $23, $23) ON CONFLICT (kind, subject_id) DO NOTHING",
            params![
                id,
                fact.kind.as_str(),
                fact.subject_id,
                fact.contact_id,
                fact.account_id,
                snap.site_id,
                snap.first_touchpoint,
                snap.last_touchpoint,
                snap.attribution.as_str(),
                snap.first.source.clone(),
                snap.first.medium.clone(),
                snap.first.campaign.clone(),
                snap.last.source.clone(),
                snap.last.medium.clone(),
                snap.last.campaign.clone(),
                &order_id,
                fact.value_cents,
                fact.currency.clone(),
                snap.consent.analytics,
                snap.consent.ads,
                snap.consent.ad_user_data,
                snap.consent.ad_personalization,
                now
            ],
        )
        .await?;
    if n == 0 {
        return Ok(());
    }
    let conversion = Conversion {
        id,
        kind: fact.kind,
        subject_id: fact.subject_id,
        contact_id: fact.contact_id,
        account_id: fact.account_id,
        site_id: snap.site_id,
        attribution: snap.attribution,
        first: snap.first,
        last: snap.last,
        order_id,
        value_cents: fact.value_cents,
        currency: fact.currency,
        consent: snap.consent,
        occurred_at: now,
    };
    // Thin data: ids, kind, value; never the person's details.
    let data = json!({
        "id": id,
        "kind": conversion.kind,
        "subject_id": conversion.subject_id,
        "contact_id": conversion.contact_id,
        "site_id": conversion.site_id,
        "attribution": conversion.attribution,
        "value_cents": conversion.value_cents,
        "currency": conversion.currency,
    });
    emit(tx, origin, EventType::ConversionRecorded, id, data).await?;
    forwarding::queue(tx, &conversion).await
}

/// Records the lead conversion of a contact created or updated from a form on `site`, inside
/// the form's transaction, with the consent the form was sent under: attributed when its
/// visitor was linked (the contact has touchpoints), `no_consent` without analytics consent,
/// else unattributed.
pub async fn record_lead(
    tx: &mut Tx,
    contact: Uuid,
    site: Uuid,
    consent: Consent,
    origin: &Origin,
) -> DomainResult<()> {
    let account: Option<Uuid> = tx
        .fetch_optional(
            "SELECT account_id FROM contacts WHERE id = $1",
            params![contact],
        )
        .await?
        .map(|r| r.get("account_id"))
        .transpose()?
        .flatten();
    let linked = if consent.analytics {
        touchpoints_of(tx, contact).await?
    } else {
        None
    };
    let snap = match linked {
        Some((first_id, last_id)) => match (
            touchpoint(tx, first_id).await?,
            touchpoint(tx, last_id).await?,
        ) {
            (Some(first), Some(last)) => Snapshot {
                attribution: Attribution::Attributed,
                site_id: Some(site),
                first_touchpoint: Some(first_id),
                last_touchpoint: Some(last_id),
                first: first.0,
                last: last.0,
                consent,
            },
            _ => Snapshot {
                consent,
                ..Snapshot::unattributed(Some(site))
            },
        },
        None if !consent.analytics => Snapshot {
            attribution: Attribution::NoConsent,
            consent,
            ..Snapshot::unattributed(Some(site))
        },
        None => Snapshot {
            consent,
            ..Snapshot::unattributed(Some(site))
        },
    };
    let fact = Fact {
        kind: ConversionKind::Lead,
        subject_id: contact,
        contact_id: Some(contact),
        account_id: account,
        order_id: None,
        value_cents: None,
        currency: None,
    };
    record(tx, origin, fact, snap).await
}

/// Records the conversion of a CRM fact an event announces (deal won, invoice issued, invoice
/// paid), inside the event's transaction; other events are left alone.
pub async fn on_event(tx: &mut Tx, origin: &Origin, event: &OutboxEvent) -> DomainResult<()> {
    match event.event_type {
        EventType::DealCreated | EventType::DealUpdated | EventType::DealReopened => {
            open_deal_touches(tx, event.subject_id).await
        }
        EventType::DealWon => deal_won(tx, origin, event.subject_id).await,
        EventType::InvoiceIssued => {
            invoice(tx, origin, event.subject_id, ConversionKind::InvoiceIssued).await
        }
        EventType::InvoicePaid => {
            invoice(tx, origin, event.subject_id, ConversionKind::InvoicePaid).await
        }
        _ => Ok(()),
    }
}

/// An open deal carries its contact's first and last touch as they stand when it is created or
/// changed (a won or lost deal keeps the ones it was closed with).
async fn open_deal_touches(tx: &mut Tx, deal: Uuid) -> DomainResult<()> {
    tx.execute(
        "UPDATE deals SET \
         first_touchpoint_id = (SELECT c.first_touchpoint_id FROM contacts c WHERE c.id = deals.contact_id), \
         last_touchpoint_id = (SELECT c.last_touchpoint_id FROM contacts c WHERE c.id = deals.contact_id) \
         WHERE id = $1 AND stage NOT IN ('won', 'lost')",
        params![deal],
    )
    .await?;
    Ok(())
}

async fn deal_won(tx: &mut Tx, origin: &Origin, deal: Uuid) -> DomainResult<()> {
    let Some(row) = tx
        .fetch_optional(
            "SELECT contact_id, account_id, value_cents, currency FROM deals WHERE id = $1",
            params![deal],
        )
        .await?
    else {
        return Ok(());
    };
    let contact: Option<Uuid> = row.get("contact_id")?;
    let snap = attribute(tx, contact).await?;
    // The deal keeps its contact's first and last touch.
    tx.execute(
        "UPDATE deals SET first_touchpoint_id = $2, last_touchpoint_id = $3 WHERE id = $1",
        params![deal, snap.first_touchpoint, snap.last_touchpoint],
    )
    .await?;
    let fact = Fact {
        kind: ConversionKind::DealWon,
        subject_id: deal,
        contact_id: contact,
        account_id: row.get("account_id")?,
        order_id: None,
        value_cents: Some(row.get("value_cents")?),
        currency: Some(row.get("currency")?),
    };
    record(tx, origin, fact, snap).await
}

async fn invoice(
    tx: &mut Tx,
    origin: &Origin,
    invoice: Uuid,
    kind: ConversionKind,
) -> DomainResult<()> {
    let Some(row) = tx
        .fetch_optional(
            "SELECT i.number, i.subtotal_cents, i.currency, i.account_id, d.contact_id \
             FROM invoices i LEFT JOIN deals d ON d.id = i.deal_id WHERE i.id = $1",
            params![invoice],
        )
        .await?
    else {
        return Ok(());
    };
    let account: Option<Uuid> = row.get("account_id")?;
    let mut contact: Option<Uuid> = row.get("contact_id")?;
    if contact.is_none()
        && let Some(account) = account
    {
        // The contact of its account with the latest lead.
        contact = tx
            .fetch_optional(
                "SELECT c.contact_id FROM conversions c JOIN contacts k ON k.id = c.contact_id \
                 WHERE c.kind = 'lead' AND k.account_id = $1 \
                 ORDER BY c.occurred_at DESC, c.id DESC LIMIT 1",
                params![account],
            )
            .await?
            .map(|r| r.get("contact_id"))
            .transpose()?;
    }
    let snap = attribute(tx, contact).await?;
    let number: Option<String> = row.get("number")?;
    let fact = Fact {
        kind,
        subject_id: invoice,
        contact_id: contact,
        account_id: account,
        order_id: number,
        value_cents: Some(row.get("subtotal_cents")?),
        currency: Some(row.get("currency")?),
    };
    record(tx, origin, fact, snap).await
}
