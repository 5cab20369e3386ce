//! Collecting one event from a tracked site, with consent enforced here, where the data
//! arrives (see the module rules in [`super`]):
//!
//! - always: name, times, day, the page without query and fragment, the referrer's host, the
//!   consent, GPC and the day's visit hash (no address, not even truncated);
//! - with `analytics`: the visitor (the server's first-party cookie), UTMs, the full page
//!   minus click-id parameters, touchpoints;
//! - with `ads`: click ids.
//!
//! Events are idempotent per (site, `event_id`): a repeat stores nothing and answers the same.

use super::Consent;
use super::consent::{self, ConsentInput, Decision};
use super::sites::ActiveSite;
use super::touchpoints::{self, Campaign};
use crate::contracts::sha256_hex;
use crate::error::{DomainResult, Problems};
use crate::input::{Id, Input, Optional, Problem, ProblemCode, Sent, Text, take};
use rand::Rng as _;
use schemars::{JsonSchema, Schema};
use serde::Deserialize;
use serde_json::{Map, Value as Json};
use silo_store::{TenantDb, Timestamp, Tx, params};
use std::net::IpAddr;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// The largest request body the collection endpoints take.
pub const BODY_LIMIT: usize = 64 * 1024;
/// Most characters of a page or referrer address.
pub const URL_MAX: usize = 2000;
/// Most characters of an event name.
pub const NAME_MAX: usize = 100;
/// How far ahead of the server's clock an event's time may be.
pub const FUTURE_SKEW: time::Duration = time::Duration::minutes(10);
/// How old an event may be (a browser may send queued events late).
pub const MAX_AGE: time::Duration = time::Duration::days(7);

/// An event's name: 1 to 100 letters, digits, `_`, `-`, `.` or `:` (`page_view`, `signup`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventName(String);

const NAME_PATTERN: &str = "^[A-Za-z0-9_.:-]{1,100}$";

impl Input for EventName {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        if raw.is_empty() {
            return Err(ProblemCode::Empty.into());
        }
        if raw.chars().count() > NAME_MAX {
            return Err(Problem::too_long(NAME_MAX));
        }
        if !raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
        {
            return Err(Problem::rule("letters, digits, _ - . and : only"));
        }
        Ok(EventName(raw))
    }

    fn schema() -> Schema {
        schemars::json_schema!({"type": "string", "pattern": NAME_PATTERN, "maxLength": NAME_MAX})
    }
}

/// When an event happened: RFC 3339, at most 10 minutes ahead of the server and at most 7 days
/// old.
#[derive(Clone, Copy, Debug)]
pub struct EventTime(OffsetDateTime);

impl Input for EventTime {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        let t = OffsetDateTime::parse(&raw, &Rfc3339).map_err(|_| {
            Problem::new(ProblemCode::NotTime).worded("an RFC 3339 time (2026-01-31T12:00:00Z)")
        })?;
        let now = OffsetDateTime::now_utc();
        if t > now + FUTURE_SKEW {
            return Err(Problem::rule("more than 10 minutes in the future"));
        }
        if t < now - MAX_AGE {
            return Err(Problem::rule("more than 7 days old"));
        }
        Ok(EventTime(t))
    }

    fn schema() -> Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date-time",
            "maxLength": 40,
            "description": "RFC 3339; at most 10 minutes ahead of the server, at most 7 days old (default: when it arrives).",
        })
    }
}

/// A page or referrer address: an absolute `http://` or `https://` URL.
#[derive(Clone, Debug)]
pub struct PageUrl(url::Url);

impl Input for PageUrl {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        if raw.chars().count() > URL_MAX {
            return Err(Problem::too_long(URL_MAX));
        }
        let url = url::Url::parse(&raw).map_err(|_| ProblemCode::NotUrl)?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(ProblemCode::NotUrl.into());
        }
        Ok(PageUrl(url))
    }

    fn schema() -> Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "uri",
            "maxLength": URL_MAX,
            "pattern": "^https?://",
        })
    }

    silo_contract::empty_means_none!();
}

/// A UTM value.
pub type UtmValue = Text<200>;
/// A click id's value.
pub type ClickIdValue = Text<500>;

/// Campaign parameters; any not sent are read from the page's query string.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UtmInput {
    #[serde(default)]
    source: Optional<UtmValue>,
    #[serde(default)]
    medium: Optional<UtmValue>,
    #[serde(default)]
    campaign: Optional<UtmValue>,
    #[serde(default)]
    term: Optional<UtmValue>,
    #[serde(default)]
    content: Optional<UtmValue>,
}

/// The click ids Silo keeps (with ad consent only), in the order they are stored.
pub const CLICK_IDS: [&str; 9] = [
    "gclid",
    "gbraid",
    "wbraid",
    "fbclid",
    "fbc",
    "_fbp",
    "ttclid",
    "li_fat_id",
    "msclkid",
];

/// Click ids; any not sent are read from the page's query string. `fbclid` is kept as Meta's
/// `fbc` (`fb.1.<ms>.<fbclid>`); `_fbp` is the value of Meta's browser cookie.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClickIdInput {
    #[serde(default)]
    gclid: Optional<ClickIdValue>,
    #[serde(default)]
    gbraid: Optional<ClickIdValue>,
    #[serde(default)]
    wbraid: Optional<ClickIdValue>,
    #[serde(default)]
    fbclid: Optional<ClickIdValue>,
    #[serde(default)]
    fbc: Optional<ClickIdValue>,
    #[serde(default, rename = "_fbp")]
    fbp: Optional<ClickIdValue>,
    #[serde(default)]
    ttclid: Optional<ClickIdValue>,
    #[serde(default)]
    li_fat_id: Optional<ClickIdValue>,
    #[serde(default)]
    msclkid: Optional<ClickIdValue>,
}

/// `POST /e/{site_key}` body: one event.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    /// A UUID the browser made for this event (`crypto.randomUUID()`): a repeat is stored
    /// once. Hand the same id to a browser pixel to deduplicate.
    pub(crate) event_id: Sent<Id>,
    pub(crate) name: Sent<EventName>,
    pub(crate) time: Option<Sent<EventTime>>,
    #[serde(default)]
    pub(crate) page: Optional<PageUrl>,
    #[serde(default)]
    pub(crate) referrer: Optional<PageUrl>,
    pub(crate) utm: Option<UtmInput>,
    pub(crate) click_ids: Option<ClickIdInput>,
    /// The visitor's consent; without it everything is denied.
    pub(crate) consent: Option<ConsentInput>,
    /// `navigator.globalPrivacyControl` (like `Sec-GPC: 1`: ads off).
    pub(crate) gpc: Option<bool>,
}

/// What the request itself tells about the visitor (never stored as such).
#[derive(Clone, Debug)]
pub struct Visit {
    /// The client's address (only its /24 or /48 enters the day's visit hash).
    pub ip: Option<IpAddr>,
    /// The `User-Agent`.
    pub user_agent: String,
    /// `Sec-GPC: 1` was sent.
    pub gpc: bool,
    /// The `silo_vid` cookie, if one came.
    pub visitor_cookie: Option<Uuid>,
}

/// What the endpoint answers about the visitor cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cookie {
    /// Set (or refresh) `silo_vid` to this visitor.
    Set(Uuid),
    /// Clear the cookie that came (no analytics consent).
    Clear,
    /// Leave cookies alone.
    None,
}

/// The outcome of collecting one event.
#[derive(Clone, Copy, Debug)]
pub struct Collected {
    /// The event's row (`None` for a repeat).
    pub row: Option<Uuid>,
    /// The visitor it was stored under (with analytics consent).
    pub visitor: Option<Uuid>,
    /// The enforced consent.
    pub consent: Consent,
    /// What to do with the cookie.
    pub cookie: Cookie,
}

/// An event after its fields were checked, ready to store.
pub(crate) struct Checked {
    event_id: Uuid,
    name: String,
    time: Option<OffsetDateTime>,
    page: Option<url::Url>,
    referrer: Option<url::Url>,
    utm: [Option<String>; 5],
    click_ids: Vec<(&'static str, String)>,
    pub(crate) decision: Decision,
}

fn text<const N: usize>(p: &mut Problems, field: String, v: Optional<Text<N>>) -> Option<String> {
    p.take(&field, v).flatten().map(String::from)
}

/// Checks the fields (problems under their names, `consent.*`, `utm.*`, `click_ids.*`).
pub(crate) fn check(
    p: &mut Problems,
    input: EventInput,
    gpc_header: bool,
    site_version: &str,
) -> Option<Checked> {
    let gpc = gpc_header || input.gpc.unwrap_or(false);
    let decision = input
        .consent
        .unwrap_or_default()
        .parse(p, gpc, site_version);
    let u = input.utm.unwrap_or_default();
    let utm = [
        text(p, "utm.source".into(), u.source),
        text(p, "utm.medium".into(), u.medium),
        text(p, "utm.campaign".into(), u.campaign),
        text(p, "utm.term".into(), u.term),
        text(p, "utm.content".into(), u.content),
    ];
    let c = input.click_ids.unwrap_or_default();
    let clicks = [
        c.gclid,
        c.gbraid,
        c.wbraid,
        c.fbclid,
        c.fbc,
        c.fbp,
        c.ttclid,
        c.li_fat_id,
        c.msclkid,
    ];
    let click_ids: Vec<(&'static str, String)> = CLICK_IDS
        .iter()
        .zip(clicks)
        .filter_map(|(n, v)| text(p, format!("click_ids.{n}"), v).map(|v| (*n, v)))
        .collect();
    let time = p.take("time", input.time);
    let fields = take!(*p, input => event_id, name, page, referrer);
    let (event_id, name, page, referrer) = fields?;
    Some(Checked {
        event_id: event_id.get(),
        name: name.0,
        time: time?.map(|t| t.0),
        page: page.map(|p| p.0),
        referrer: referrer.map(|r| r.0),
        utm,
        click_ids,
        decision: decision?,
    })
}

/// The query parameters that carry UTMs, in the order of [`Checked::utm`].
const UTM_PARAMS: [&str; 5] = [
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
];

/// Query parameters that carry click ids (`fbclid` becomes `fbc`).
const CLICK_PARAMS: [&str; 7] = [
    "gclid",
    "gbraid",
    "wbraid",
    "fbclid",
    "ttclid",
    "li_fat_id",
    "msclkid",
];

fn bounded(v: &str, max: usize) -> String {
    v.chars().take(max).collect()
}

/// The page as stored without analytics consent: no query string, no fragment.
fn bare_page(url: &url::Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

/// The page as stored with analytics consent: without its click-id parameters and fragment.
fn page_without_click_ids(url: &url::Url) -> String {
    let mut u = url.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !CLICK_PARAMS.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        u.set_query(None);
    } else {
        u.query_pairs_mut().clear().extend_pairs(kept);
    }
    u.set_fragment(None);
    u.to_string()
}

/// The day's salt, made (and older ones deleted) by the first event of the day.
async fn day_salt(tx: &mut Tx, day: &str) -> DomainResult<String> {
    if let Some(row) = tx
        .fetch_optional("SELECT salt FROM visit_salts WHERE day = $1", params![day])
        .await?
    {
        return Ok(row.get("salt")?);
    }
    let mut salt = [0u8; 32];
    rand::rng().fill_bytes(&mut salt);
    tx.execute("DELETE FROM visit_salts WHERE day <> $1", params![day])
        .await?;
    tx.execute(
        "INSERT INTO visit_salts (day, salt) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING",
        params![day, sha256_hex(salt)],
    )
    .await?;
    Ok(tx
        .fetch_one("SELECT salt FROM visit_salts WHERE day = $1", params![day])
        .await?
        .get("salt")?)
}

/// The address as the visit hash uses it: its /24 (IPv4) or /48 (IPv6) network.
fn truncated(ip: Option<IpAddr>) -> String {
    match ip.map(|ip| ip.to_canonical()) {
        Some(IpAddr::V4(v4)) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        Some(IpAddr::V6(v6)) => format!("{:x}/48", v6.to_bits() >> 80),
        None => String::new(),
    }
}

/// SHA-256 over the day's salt, the site, the truncated address and the user agent.
fn visit_hash(salt: &str, site: Uuid, ip: Option<IpAddr>, user_agent: &str) -> String {
    sha256_hex(format!("{salt}\n{site}\n{}\n{user_agent}", truncated(ip)))
}

/// A visitor row for the cookie that came, or a new one; with the previous `last_seen_at`.
async fn visitor(
    tx: &mut Tx,
    site: Uuid,
    cookie: Option<Uuid>,
    now: Timestamp,
) -> DomainResult<(Uuid, Option<Timestamp>, Option<Uuid>)> {
    if let Some(id) = cookie
        && let Some(row) = tx
            .fetch_optional(
                "SELECT last_seen_at, contact_id FROM visitors WHERE id = $1 AND site_id = $2",
                params![id, site],
            )
            .await?
    {
        tx.execute(
            "UPDATE visitors SET last_seen_at = $2 WHERE id = $1",
            params![id, now],
        )
        .await?;
        return Ok((id, Some(row.get("last_seen_at")?), row.get("contact_id")?));
    }
    // Random (v4), not time-ordered: the id is the cookie and must not be guessable.
    let id = Uuid::new_v4();
    tx.execute(
        "INSERT INTO visitors (id, site_id, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $3)",
        params![id, site, now],
    )
    .await?;
    Ok((id, None, None))
}

fn millis(t: OffsetDateTime) -> i128 {
    t.unix_timestamp_nanos() / 1_000_000
}

/// Stores a checked event inside `tx`. `Ok(None)` for a repeat of the same `event_id`
/// (nothing written; the caller drops `tx`).
pub(crate) async fn store(
    tx: &mut Tx,
    site: &ActiveSite,
    ev: &Checked,
    visit: &Visit,
) -> DomainResult<Collected> {
    let consent = ev.decision.consent;
    let now_dt = OffsetDateTime::now_utc();
    let now = Timestamp::from_datetime(now_dt);
    let day = now_dt.date().to_string();
    if let Some(row) = tx
        .fetch_optional(
            "SELECT visitor_id FROM tracking_events WHERE site_id = $1 AND event_id = $2",
            params![site.id, ev.event_id],
        )
        .await?
    {
        return Ok(repeat(row.get("visitor_id")?, consent, visit));
    }
    let salt = day_salt(tx, &day).await?;
    let hash = visit_hash(&salt, site.id, visit.ip, &visit.user_agent);
    let (visitor_id, previous_seen, contact) = if consent.analytics {
        let (id, seen, contact) = visitor(tx, site.id, visit.visitor_cookie, now).await?;
        (Some(id), seen, contact)
    } else {
        (None, None, None)
    };
    let query = |name: &str| {
        ev.page.as_ref().and_then(|u| {
            u.query_pairs()
                .find(|(k, v)| k == name && !v.is_empty())
                .map(|(_, v)| v.into_owned())
        })
    };
    let utm: [Option<String>; 5] = if consent.analytics {
        let mut out: [Option<String>; 5] = Default::default();
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = ev.utm[i]
                .clone()
                .or_else(|| query(UTM_PARAMS[i]).map(|v| bounded(&v, 200)));
        }
        out
    } else {
        Default::default()
    };
    let click_ids: Map<String, Json> = if consent.ads {
        let mut m = Map::new();
        for (name, value) in &ev.click_ids {
            m.insert((*name).to_owned(), Json::String(value.clone()));
        }
        for param in CLICK_PARAMS {
            let key = if param == "fbclid" { "fbc" } else { param };
            if !m.contains_key(param)
                && !m.contains_key(key)
                && let Some(v) = query(param)
            {
                m.insert(param.to_owned(), Json::String(bounded(&v, 500)));
            }
        }
        // Meta's click id is sent as `fbc`: fb.1.<first seen, ms>.<fbclid>.
        if let Some(Json::String(fbclid)) = m.remove("fbclid")
            && !m.contains_key("fbc")
        {
            m.insert(
                "fbc".to_owned(),
                Json::String(format!("fb.1.{}.{fbclid}", millis(now_dt))),
            );
        }
        m
    } else {
        Map::new()
    };
    let page = ev.page.as_ref().map(|u| {
        if consent.analytics {
            page_without_click_ids(u)
        } else {
            bare_page(u)
        }
    });
    let referrer_host = ev
        .referrer
        .as_ref()
        .and_then(|u| u.host_str().map(str::to_owned));
    let occurred = ev.time.map_or(now, Timestamp::from_datetime);
    let row = Uuid::now_v7();
    let click_json = (!click_ids.is_empty()).then(|| Json::Object(click_ids.clone()).to_string());
    let inserted = tx
        .execute(
            "INSERT INTO tracking_events (id, site_id, event_id, name, occurred_at, received_at, \
             day, page, referrer_host, utm_source, utm_medium, utm_campaign, utm_term, \
             utm_content, click_ids, analytics, ads, ad_user_data, ad_personalization, \
             consent_source, gpc, visit_hash, visitor_id, contact_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18, $19, $20, $21, $22, $23, $24) ON CONFLICT (site_id, event_id) DO NOTHING",
            params![
                row,
                site.id,
                ev.event_id,
                &ev.name,
                occurred,
                now,
                &day,
                page,
                referrer_host.clone(),
                utm[0].clone(),
                utm[1].clone(),
                utm[2].clone(),
                utm[3].clone(),
                utm[4].clone(),
                click_json,
                consent.analytics,
                consent.ads,
                consent.ad_user_data,
                consent.ad_personalization,
                ev.decision.source.as_str(),
                ev.decision.gpc,
                &hash,
                visitor_id,
                contact
            ],
        )
        .await?;
    if inserted == 0 {
        // Sent twice at once: the other request stored it.
        return Ok(repeat(visitor_id, consent, visit));
    }
    tx.execute(
        "INSERT INTO event_daily (site_id, day, name, source, medium, campaign, consented, events) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1) \
         ON CONFLICT (site_id, day, name, source, medium, campaign, consented) \
         DO UPDATE SET events = event_daily.events + 1",
        params![
            site.id,
            &day,
            &ev.name,
            utm[0].clone().unwrap_or_default(),
            utm[1].clone().unwrap_or_default(),
            utm[2].clone().unwrap_or_default(),
            consent.analytics
        ],
    )
    .await?;
    consent::record(tx, site.id, visitor_id, &hash, &ev.decision, now, &day).await?;
    if let Some(visitor_id) = visitor_id {
        let campaign = Campaign {
            utm,
            referrer_host: referrer_host.filter(|h| !site.is_own_host(h)),
            click_ids: click_ids.keys().cloned().collect(),
            click_json: (!click_ids.is_empty()).then(|| Json::Object(click_ids).to_string()),
        };
        touchpoints::on_event(
            tx,
            site.id,
            visitor_id,
            contact,
            row,
            occurred,
            previous_seen,
            campaign,
            consent,
        )
        .await?;
    }
    Ok(Collected {
        row: Some(row),
        visitor: visitor_id,
        consent,
        cookie: cookie_for(visitor_id, visit),
    })
}

fn cookie_for(visitor: Option<Uuid>, visit: &Visit) -> Cookie {
    match visitor {
        Some(v) => Cookie::Set(v),
        None if visit.visitor_cookie.is_some() => Cookie::Clear,
        None => Cookie::None,
    }
}

/// The answer to a repeated event: what the first one answered, nothing stored.
fn repeat(visitor: Option<Uuid>, consent: Consent, visit: &Visit) -> Collected {
    Collected {
        row: None,
        visitor,
        consent,
        cookie: cookie_for(visitor, visit),
    }
}

/// Collects one event (checks, then stores in one transaction).
pub async fn collect(
    db: &TenantDb,
    site: &ActiveSite,
    input: EventInput,
    visit: &Visit,
) -> DomainResult<Collected> {
    let mut p = Problems::new();
    let checked = check(&mut p, input, visit.gpc, &site.consent_version);
    let checked = p.done(checked)?;
    let mut tx = db.db().begin().await?;
    let out = store(&mut tx, site, &checked, visit).await?;
    if out.row.is_some() {
        tx.commit().await?;
    }
    Ok(out)
}

/// One stored event as staff see it.
#[derive(Clone, Debug, serde::Serialize, JsonSchema)]
pub struct TrackedEvent {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// The browser's event id.
    pub event_id: Uuid,
    /// The event's name.
    pub name: String,
    /// When it happened (the browser's clock).
    pub occurred_at: Timestamp,
    /// When it arrived.
    pub received_at: Timestamp,
    /// The page: without query string unless analytics consent was given.
    pub page: Option<String>,
    /// The referrer's host.
    pub referrer_host: Option<String>,
    /// utm_source (analytics consent only).
    pub utm_source: Option<String>,
    /// utm_medium.
    pub utm_medium: Option<String>,
    /// utm_campaign.
    pub utm_campaign: Option<String>,
    /// utm_term.
    pub utm_term: Option<String>,
    /// utm_content.
    pub utm_content: Option<String>,
    /// Click ids by name (ad consent only).
    pub click_ids: Option<std::collections::BTreeMap<String, String>>,
    /// The consent it was collected under.
    pub consent: Consent,
    /// Where that consent came from.
    pub consent_source: super::ConsentSource,
    /// Whether Global Privacy Control was sent.
    pub gpc: bool,
    /// The visitor (analytics consent only).
    pub visitor_id: Option<Uuid>,
    /// The contact its visitor is linked to.
    pub contact_id: Option<Uuid>,
}

/// A page of a site's events, newest first (`after`: the last id of the previous page).
pub async fn events(
    db: &TenantDb,
    site: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> DomainResult<Vec<TrackedEvent>> {
    let rows = db
        .db()
        .fetch_all(
            "SELECT id, event_id, name, occurred_at, received_at, page, referrer_host, \
             utm_source, utm_medium, utm_campaign, utm_term, utm_content, click_ids, analytics, \
             ads, ad_user_data, ad_personalization, consent_source, gpc, visitor_id, contact_id \
             FROM tracking_events WHERE site_id = $1 AND ($2 IS NULL OR id < $2) \
             ORDER BY id DESC LIMIT $3",
            params![site, after, limit.clamp(1, 1001)],
        )
        .await?;
    rows.iter()
        .map(|r| {
            let clicks: Option<String> = r.get("click_ids")?;
            Ok(TrackedEvent {
                id: r.get("id")?,
                event_id: r.get("event_id")?,
                name: r.get("name")?,
                occurred_at: r.get("occurred_at")?,
                received_at: r.get("received_at")?,
                page: r.get("page")?,
                referrer_host: r.get("referrer_host")?,
                utm_source: r.get("utm_source")?,
                utm_medium: r.get("utm_medium")?,
                utm_campaign: r.get("utm_campaign")?,
                utm_term: r.get("utm_term")?,
                utm_content: r.get("utm_content")?,
                click_ids: clicks.and_then(|c| serde_json::from_str(&c).ok()),
                consent: consent::consent_of(r)?,
                consent_source: crate::columns::enum_column(r, "consent_source")?,
                gpc: r.get("gpc")?,
                visitor_id: r.get("visitor_id")?,
                contact_id: r.get("contact_id")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_lose_what_consent_does_not_allow() {
        let u = url::Url::parse("https://shop.example/p?utm_source=x&gclid=abc&q=1#top").unwrap();
        assert_eq!(bare_page(&u), "https://shop.example/p");
        assert_eq!(
            page_without_click_ids(&u),
            "https://shop.example/p?utm_source=x&q=1"
        );
    }

    #[test]
    fn addresses_are_truncated_before_hashing() {
        assert_eq!(
            truncated(Some("203.0.113.77".parse().unwrap())),
            "203.0.113.0/24"
        );
        assert_eq!(
            truncated(Some("2001:db8:1234:5678::1".parse().unwrap())),
            "20010db81234/48"
        );
        assert_eq!(
            visit_hash("s", Uuid::nil(), Some("203.0.113.1".parse().unwrap()), "ua"),
            visit_hash(
                "s",
                Uuid::nil(),
                Some("203.0.113.200".parse().unwrap()),
                "ua"
            )
        );
    }
}
