//! Consent as the browser sends it, the consent ledger (every decision with its source and
//! version, GDPR Art. 7(1)) and the staff's overview of it.
//!
//! A signal that is not sent counts as denied, and `Sec-GPC: 1` (or `gpc: true` from the
//! script, which reads `navigator.globalPrivacyControl`) turns the three ad signals off
//! whatever the page said.

use super::{Consent, ConsentSource};
use crate::error::DomainResult;
use crate::input::{Choice, Optional, Problems, Text};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use silo_contract::input::Sent;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

silo_contract::string_enum! {
    /// One Google Consent Mode v2 signal's state.
    pub enum Signal {
        /// Allowed.
        Granted = "granted",
        /// Refused (also what a signal that is not sent counts as).
        Denied = "denied",
    }
}

/// The version of the consent text a decision was made on.
pub type Version = Text<50>;
/// Most characters of a TCF consent string kept.
pub const TCF_MAX: usize = 4000;
/// An IAB TCF v2.2 consent string, kept in the ledger as evidence.
pub type TcfString = Text<TCF_MAX>;

/// The visitor's consent as the script sends it; every signal not sent is denied.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    analytics_storage: Option<Sent<Choice<Signal>>>,
    ad_storage: Option<Sent<Choice<Signal>>>,
    ad_user_data: Option<Sent<Choice<Signal>>>,
    ad_personalization: Option<Sent<Choice<Signal>>>,
    /// Where the decision came from (default "default": no decision yet).
    source: Option<Sent<Choice<ConsentSource>>>,
    /// The version of the consent text (the site's when not sent).
    #[serde(default)]
    version: Optional<Version>,
    /// The TCF string, with source "tcf".
    #[serde(default)]
    tcf: Optional<TcfString>,
}

/// A decision as the endpoint enforces it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The signals after GPC.
    pub consent: Consent,
    /// Where it came from.
    pub source: ConsentSource,
    /// The consent text's version.
    pub version: String,
    /// The TCF string, if any.
    pub tcf: Option<String>,
    /// Whether the browser sent Global Privacy Control.
    pub gpc: bool,
}

impl ConsentInput {
    /// Checks the fields (problems under `consent.*`) and applies GPC.
    pub fn parse(self, p: &mut Problems, gpc: bool, site_version: &str) -> Option<Decision> {
        let mut granted = |field: &str, sent: Option<Sent<Choice<Signal>>>| {
            p.take(&format!("consent.{field}"), sent)
                .map(|s| s.map(Choice::get) == Some(Signal::Granted))
        };
        let analytics = granted("analytics_storage", self.analytics_storage);
        let ads = granted("ad_storage", self.ad_storage);
        let ad_user_data = granted("ad_user_data", self.ad_user_data);
        let ad_personalization = granted("ad_personalization", self.ad_personalization);
        let source = p.take("consent.source", self.source);
        let version = p.take("consent.version", self.version);
        let tcf = p.take("consent.tcf", self.tcf);
        let consent = Consent {
            analytics: analytics?,
            ads: ads?,
            ad_user_data: ad_user_data?,
            ad_personalization: ad_personalization?,
        };
        Some(Decision {
            consent: if gpc { consent.without_ads() } else { consent },
            source: source?.map_or(ConsentSource::Default, Choice::get),
            version: version?.map_or_else(|| site_version.to_owned(), String::from),
            tcf: tcf?.map(String::from),
            gpc,
        })
    }
}

/// Writes a ledger row when this decision differs from the last one of the same visitor (or,
/// without a visitor, of the same visit), or when there is none yet.
pub(crate) async fn record(
    tx: &mut Tx,
    site: Uuid,
    visitor: Option<Uuid>,
    visit_hash: &str,
    decision: &Decision,
    now: Timestamp,
    day: &str,
) -> DomainResult<()> {
    let last = match visitor {
        Some(v) => {
            tx.fetch_optional(
                "SELECT analytics, ads, ad_user_data, ad_personalization, source, version, gpc \
                 FROM consent_records WHERE visitor_id = $1 ORDER BY id DESC LIMIT 1",
                params![v],
            )
            .await?
        }
        None => {
            tx.fetch_optional(
                "SELECT analytics, ads, ad_user_data, ad_personalization, source, version, gpc \
                 FROM consent_records WHERE site_id = $1 AND visit_hash = $2 \
                 ORDER BY id DESC LIMIT 1",
                params![site, visit_hash],
            )
            .await?
        }
    };
    if let Some(last) = last
        && consent_of(&last)? == decision.consent
        && last.get::<String>("source")? == decision.source.as_str()
        && last.get::<Option<String>>("version")?.as_deref() == Some(decision.version.as_str())
        && last.get::<bool>("gpc")? == decision.gpc
    {
        return Ok(());
    }
    let c = decision.consent;
    tx.execute(
        "INSERT INTO consent_records (id, site_id, visitor_id, visit_hash, analytics, ads, \
         ad_user_data, ad_personalization, source, version, tcf_string, gpc, recorded_at, day) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        params![
            Uuid::now_v7(),
            site,
            visitor,
            visit_hash,
            c.analytics,
            c.ads,
            c.ad_user_data,
            c.ad_personalization,
            decision.source.as_str(),
            &decision.version,
            decision.tcf.clone(),
            decision.gpc,
            now,
            day
        ],
    )
    .await?;
    Ok(())
}

/// The four consent columns of a row.
pub(crate) fn consent_of(row: &Row) -> Result<Consent, StoreError> {
    Ok(Consent {
        analytics: row.get("analytics")?,
        ads: row.get("ads")?,
        ad_user_data: row.get("ad_user_data")?,
        ad_personalization: row.get("ad_personalization")?,
    })
}

/// The consent of a touchpoint row: its three ad columns (a touchpoint exists only with
/// analytics consent, so it has no column for that).
pub(crate) fn touch_consent_of(row: &Row) -> Result<Consent, StoreError> {
    Ok(Consent {
        analytics: true,
        ads: row.get("ads")?,
        ad_user_data: row.get("ad_user_data")?,
        ad_personalization: row.get("ad_personalization")?,
    })
}

/// One decision in the ledger as staff see it (no visit hash, no TCF string).
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ConsentRecord {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// The visitor, when analytics consent was given.
    pub visitor_id: Option<Uuid>,
    /// The decision.
    pub consent: Consent,
    /// Where it came from.
    pub source: ConsentSource,
    /// The consent text's version.
    pub version: Option<String>,
    /// Whether the browser sent Global Privacy Control.
    pub gpc: bool,
    /// When it was recorded.
    pub recorded_at: Timestamp,
}

/// A page of a site's ledger, newest first (`after`: the last id of the previous page).
pub async fn records(
    db: &TenantDb,
    site: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> DomainResult<Vec<ConsentRecord>> {
    let rows = db
        .db()
        .fetch_all(
            "SELECT id, visitor_id, analytics, ads, ad_user_data, ad_personalization, source, \
             version, gpc, recorded_at FROM consent_records \
             WHERE site_id = $1 AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
            params![site, after, limit.clamp(1, 1001)],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ConsentRecord {
                id: r.get("id")?,
                visitor_id: r.get("visitor_id")?,
                consent: consent_of(r)?,
                source: crate::columns::enum_column(r, "source")?,
                version: r.get("version")?,
                gpc: r.get("gpc")?,
                recorded_at: r.get("recorded_at")?,
            })
        })
        .collect()
}

/// Decisions per source.
#[derive(Clone, Copy, Debug, Default, Serialize, JsonSchema)]
pub struct BySource {
    /// No decision made (everything denied).
    pub default: i64,
    /// Silo's banner.
    pub banner: i64,
    /// Google Consent Mode.
    pub gcm: i64,
    /// IAB TCF.
    pub tcf: i64,
}

/// A site's consent over the last [`OVERVIEW_DAYS`] days.
#[derive(Clone, Copy, Debug, Serialize, JsonSchema)]
pub struct ConsentOverview {
    /// The period, in days.
    pub days: i64,
    /// Decisions recorded in the ledger.
    pub decisions: i64,
    /// Of those, granting analytics.
    pub analytics: i64,
    /// Granting ad storage.
    pub ads: i64,
    /// Granting ad user data.
    pub ad_user_data: i64,
    /// Granting ad personalisation.
    pub ad_personalization: i64,
    /// Decisions per source.
    pub by_source: BySource,
    /// Decisions sent with Global Privacy Control.
    pub gpc: i64,
    /// Events received with analytics consent.
    pub events_with_consent: i64,
    /// Events received without it.
    pub events_without_consent: i64,
}

/// The period of the overview.
pub const OVERVIEW_DAYS: i64 = 30;

/// A site's consent overview: ledger counts and event counts (from the daily aggregates, so
/// it outlives raw events) since [`OVERVIEW_DAYS`] days ago.
pub async fn overview(db: &TenantDb, site: Uuid) -> DomainResult<ConsentOverview> {
    let since = (time::OffsetDateTime::now_utc() - time::Duration::days(OVERVIEW_DAYS - 1))
        .date()
        .to_string();
    let db = db.db();
    let row = db
        .fetch_one(
            "SELECT COUNT(*) AS decisions, \
             COALESCE(SUM(CASE WHEN analytics THEN 1 ELSE 0 END), 0) AS analytics, \
             COALESCE(SUM(CASE WHEN ads THEN 1 ELSE 0 END), 0) AS ads, \
             COALESCE(SUM(CASE WHEN ad_user_data THEN 1 ELSE 0 END), 0) AS ad_user_data, \
             COALESCE(SUM(CASE WHEN ad_personalization THEN 1 ELSE 0 END), 0) AS ad_personalization, \
             COALESCE(SUM(CASE WHEN gpc THEN 1 ELSE 0 END), 0) AS gpc, \
             COALESCE(SUM(CASE WHEN source = 'default' THEN 1 ELSE 0 END), 0) AS s_default, \
             COALESCE(SUM(CASE WHEN source = 'banner' THEN 1 ELSE 0 END), 0) AS s_banner, \
             COALESCE(SUM(CASE WHEN source = 'gcm' THEN 1 ELSE 0 END), 0) AS s_gcm, \
             COALESCE(SUM(CASE WHEN source = 'tcf' THEN 1 ELSE 0 END), 0) AS s_tcf \
             FROM consent_records WHERE site_id = $1 AND day >= $2",
            params![site, &since],
        )
        .await?;
    let events = db
        .fetch_one(
            "SELECT CAST(COALESCE(SUM(CASE WHEN consented THEN events ELSE 0 END), 0) AS BIGINT) \
             AS with_consent, \
             CAST(COALESCE(SUM(CASE WHEN consented THEN 0 ELSE events END), 0) AS BIGINT) \
             AS without_consent \
             FROM event_daily WHERE site_id = $1 AND day >= $2",
            params![site, &since],
        )
        .await?;
    Ok(ConsentOverview {
        days: OVERVIEW_DAYS,
        decisions: row.get("decisions")?,
        analytics: row.get("analytics")?,
        ads: row.get("ads")?,
        ad_user_data: row.get("ad_user_data")?,
        ad_personalization: row.get("ad_personalization")?,
        by_source: BySource {
            default: row.get("s_default")?,
            banner: row.get("s_banner")?,
            gcm: row.get("s_gcm")?,
            tcf: row.get("s_tcf")?,
        },
        gpc: row.get("gpc")?,
        events_with_consent: events.get("with_consent")?,
        events_without_consent: events.get("without_consent")?,
    })
}
