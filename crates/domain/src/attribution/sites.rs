//! Tracked sites: a client account's websites with their allowed origins, consent mode and
//! public site key.
//!
//! The key is an entry token (`silo-site`) that the server issues naming the site row; only its
//! secret's SHA-256 is checked against `secret_hash`, and the whole token is kept in `token` to
//! show it again (it is public: it sits in every page of the site). Rotating replaces both, so
//! the old key stops working at once.

use crate::accounts;
use crate::columns::enum_column;
use crate::error::{DomainError, DomainResult, Problems};
use crate::events::{Origin, emit};
use crate::input::{Choice, Id, Input, Name, Problem, ProblemCode, Sent, Text, no_such, take};
use crate::list::ListParams;
use schemars::{JsonSchema, Schema};
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use silo_contract::EventType;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

/// Most origins one site may allow.
pub const MAX_ORIGINS: usize = 20;
/// Most sites one company may track.
pub const MAX_SITES: i64 = 500;
/// Most characters of an origin.
pub const ORIGIN_MAX: usize = 300;
/// The consent text's version when none is given.
pub const DEFAULT_CONSENT_VERSION: &str = "1";

/// The version of the consent text a banner shows.
pub type ConsentVersion = Text<50>;

silo_contract::string_enum! {
    /// Where the browser script reads the visitor's consent.
    pub enum ConsentMode {
        /// Silo's own minimal banner (accept / decline).
        Banner = "banner",
        /// Google Consent Mode v2 (`gtag('consent', ...)` on the page).
        Gcm = "gcm",
        /// An IAB TCF v2.2 consent platform (`__tcfapi`).
        Tcf = "tcf",
    }
}

/// An origin allowed to send events: `https://host[:port]`, or `http://` for `localhost` and
/// `127.0.0.1` (local testing); no path, query, fragment or user name. Stored as the browser
/// writes it in the `Origin` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteOrigin(String);

impl SiteOrigin {
    /// The origin as the `Origin` header carries it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Hosts where plain `http://` is allowed (a developer's own machine).
fn is_loopback_host(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1")
}

impl Input for SiteOrigin {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        let raw = raw.trim();
        if raw.chars().count() > ORIGIN_MAX {
            return Err(Problem::too_long(ORIGIN_MAX));
        }
        let not_origin =
            || Problem::new(ProblemCode::NotUrl).worded("an origin: https://host[:port]");
        let url = url::Url::parse(raw).map_err(|_| not_origin())?;
        let host = url.host_str().ok_or_else(not_origin)?.to_owned();
        let bare = url.path() == "/" && !raw.ends_with('/') || url.path().is_empty();
        if !bare
            || url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(not_origin());
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback_host(&host) => {}
            "http" => return Err(ProblemCode::NotHttps.into()),
            _ => return Err(not_origin()),
        }
        Ok(SiteOrigin(url.origin().ascii_serialization()))
    }

    fn schema() -> Schema {
        schemars::json_schema!({
            "type": "string",
            "maxLength": ORIGIN_MAX,
            // A host of DNS labels whose last starts with a letter (a last label of digits is
            // read as an IPv4 address), and a port of 1 to 65535: what the server accepts.
            "pattern": "^(https://([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?|http://(localhost|127\\.0\\.0\\.1))(:([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?$",
            "description": "An origin as browsers send it: https://host[:port] (http:// only for localhost and 127.0.0.1).",
        })
    }
}

/// A tracked site as the API shows it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Site {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// The client account whose site it is.
    pub account_id: Uuid,
    /// Its name.
    pub name: String,
    /// The origins allowed to send events.
    pub origins: Vec<String>,
    /// Where the script reads consent.
    pub consent_mode: ConsentMode,
    /// The version of the consent text, recorded with every decision.
    pub consent_version: String,
    /// Whether events are accepted.
    pub enabled: bool,
    /// The public site key (it appears in the site's pages).
    pub key: String,
    /// The HTML to paste into the site's pages.
    pub snippet: String,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// `POST /api/sites` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewSite {
    account_id: Sent<Id>,
    name: Sent<Name>,
    /// The origins allowed to send events (at least one, duplicates count once).
    #[schemars(length(min = 1, max = MAX_ORIGINS))]
    origins: Vec<Sent<SiteOrigin>>,
    consent_mode: Sent<Choice<ConsentMode>>,
    /// Default "1".
    consent_version: Option<Sent<ConsentVersion>>,
}

/// `PATCH /api/sites/{id}` body: only the fields present change.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SitePatch {
    name: Option<Sent<Name>>,
    /// Replaces the allowed origins (at least one, duplicates count once).
    #[schemars(length(min = 1, max = MAX_ORIGINS))]
    origins: Option<Vec<Sent<SiteOrigin>>>,
    consent_mode: Option<Sent<Choice<ConsentMode>>>,
    consent_version: Option<Sent<ConsentVersion>>,
    /// Accept events (true) or refuse them (false).
    enabled: Option<bool>,
}

/// A site's new key as the server issued it.
#[derive(Clone, Copy, Debug)]
pub struct NewKey<'a> {
    /// The whole token, kept to show it again.
    pub token: &'a str,
    /// The SHA-256 (hex) of its secret: what is checked.
    pub secret_hash: &'a str,
}

/// A site as the collection endpoint needs it, found by its verified key.
#[derive(Clone, Debug)]
pub struct ActiveSite {
    /// Id.
    pub id: Uuid,
    /// The client account.
    pub account_id: Uuid,
    /// The allowed origins.
    pub origins: Vec<String>,
    /// The consent text's version.
    pub consent_version: String,
    /// Whether events are accepted.
    pub enabled: bool,
}

impl ActiveSite {
    /// Whether `origin` (an `Origin` header) may send events.
    pub fn allows(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o == origin)
    }

    /// Whether `host` is one of the site's own (a referrer from the site itself is no
    /// campaign).
    pub fn is_own_host(&self, host: &str) -> bool {
        self.origins.iter().any(|o| {
            url::Url::parse(o)
                .ok()
                .and_then(|u| u.host_str().map(|h| h.eq_ignore_ascii_case(host)))
                .unwrap_or(false)
        })
    }
}

/// The HTML snippet for a site: the script from `base` (this server's public address), told
/// its key, where to send events, where to read consent and the consent text's version.
pub fn snippet(base: &str, key: &str, mode: ConsentMode, version: &str) -> String {
    let base = html_attr(base.trim_end_matches('/'));
    format!(
        "<script async src=\"{base}/s.js\" data-silo-site=\"{}\" data-silo-endpoint=\"{base}\" \
         data-silo-consent=\"{}\" data-silo-version=\"{}\"></script>",
        html_attr(key),
        mode.as_str(),
        html_attr(version)
    )
}

/// Escapes text for a double-quoted HTML attribute.
fn html_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

const COLUMNS: &str = "id, account_id, name, origins, consent_mode, consent_version, enabled, token, created_at, updated_at";

fn parse_origins(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

fn from_row(row: &Row, base: &str) -> Result<Site, StoreError> {
    let key: String = row.get("token")?;
    let consent_mode: ConsentMode = enum_column(row, "consent_mode")?;
    let consent_version: String = row.get("consent_version")?;
    Ok(Site {
        id: row.get("id")?,
        account_id: row.get("account_id")?,
        name: row.get("name")?,
        origins: parse_origins(&row.get::<String>("origins")?),
        snippet: snippet(base, &key, consent_mode, &consent_version),
        consent_mode,
        consent_version,
        enabled: row.get("enabled")?,
        key,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

fn site_data(s: &Site) -> Json {
    // Never the key: events end up in webhooks and the audit trail.
    json!({
        "id": s.id,
        "account_id": s.account_id,
        "enabled": s.enabled,
        "consent_mode": s.consent_mode,
        "origins": s.origins.len(),
    })
}

/// A page of the company's sites (not deleted), oldest first; `q` matches the name.
pub async fn list(
    db: &TenantDb,
    params: &ListParams,
    account: Option<Uuid>,
    base: &str,
) -> DomainResult<Vec<Site>> {
    let [after, pattern, limit] = params.binds();
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {COLUMNS} FROM sites WHERE deleted_at IS NULL AND ($1 IS NULL OR id > $1) \
         AND ($2 IS NULL OR LOWER(name) LIKE $2 ESCAPE '\\') \
         AND ($4 IS NULL OR account_id = $4) ORDER BY id LIMIT $3"
    ));
    let rows = db
        .db()
        .fetch_all(sql, &[after, pattern, limit, account.into()])
        .await?;
    Ok(rows
        .iter()
        .map(|r| from_row(r, base))
        .collect::<Result<_, _>>()?)
}

async fn get_in(tx: &mut Tx, id: Uuid, base: &str) -> DomainResult<Site> {
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {COLUMNS} FROM sites WHERE id = $1 AND deleted_at IS NULL"
    ));
    let row = tx
        .fetch_optional(sql, params![id])
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(from_row(&row, base)?)
}

/// One site (not a deleted one).
pub async fn get(db: &TenantDb, id: Uuid, base: &str) -> DomainResult<Site> {
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {COLUMNS} FROM sites WHERE id = $1 AND deleted_at IS NULL"
    ));
    let row = db
        .db()
        .fetch_optional(sql, params![id])
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(from_row(&row, base)?)
}

/// Whether a live site exists (the staff reads of its events and consent need one).
pub async fn exists(db: &TenantDb, id: Uuid) -> DomainResult<bool> {
    Ok(db
        .db()
        .fetch_optional(
            "SELECT 1 AS one FROM sites WHERE id = $1 AND deleted_at IS NULL",
            params![id],
        )
        .await?
        .is_some())
}

/// The origins sent, checked one by one (problems under `origins[i]`), deduplicated in order.
fn parse_origin_list(p: &mut Problems, sent: Vec<Sent<SiteOrigin>>) -> Vec<String> {
    if sent.len() > MAX_ORIGINS {
        p.add("origins", Problem::too_many(MAX_ORIGINS));
        return Vec::new();
    }
    if sent.is_empty() {
        p.add("origins", Problem::too_few(1));
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for (i, s) in sent.into_iter().enumerate() {
        if let Some(o) = p.take(&format!("origins[{i}]"), s)
            && !out.iter().any(|x| x == o.as_str())
        {
            out.push(o.0);
        }
    }
    out
}

/// Adds a site with the key the server issued for `id`. Refuses an unknown account (422) and
/// more than [`MAX_SITES`] sites ([`DomainError::Limit`]).
pub async fn create(
    db: &TenantDb,
    id: Uuid,
    new: NewSite,
    key: NewKey<'_>,
    base: &str,
    origin: &Origin,
) -> DomainResult<Site> {
    let mut p = Problems::new();
    let origins = parse_origin_list(&mut p, new.origins);
    let version = p.take("consent_version", new.consent_version);
    let fields = take!(p, new => account_id, name, consent_mode);
    let (account, name, mode) = p.done(fields)?;
    let version = version
        .flatten()
        .map(String::from)
        .unwrap_or_else(|| DEFAULT_CONSENT_VERSION.to_owned());
    let account = account.get();
    let mut tx = db.db().begin().await?;
    if !accounts::exists(&mut tx, account).await? {
        return Err(DomainError::invalid("account_id", no_such("account")));
    }
    tx.execute(
        "UPDATE write_locks SET name = name WHERE name = 'outbox'",
        &[],
    )
    .await?;
    let count: i64 = tx
        .fetch_one(
            "SELECT COUNT(*) AS n FROM sites WHERE deleted_at IS NULL",
            &[],
        )
        .await?
        .get("n")?;
    if count >= MAX_SITES {
        return Err(DomainError::Limit(format!(
            "a company may track at most {MAX_SITES} sites"
        )));
    }
    let now = Timestamp::now();
    tx.execute(
        "INSERT INTO sites (id, account_id, name, origins, consent_mode, consent_version, \
         secret_hash, token, enabled, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, TRUE, $9, $9)",
        params![
            id,
            account,
            String::from(name),
            json!(origins).to_string(),
            mode.get().as_str(),
            version,
            key.secret_hash,
            key.token,
            now
        ],
    )
    .await?;
    let site = get_in(&mut tx, id, base).await?;
    emit(
        &mut tx,
        origin,
        EventType::SiteCreated,
        id,
        site_data(&site),
    )
    .await?;
    tx.commit().await?;
    Ok(site)
}

/// Changes the fields present in `patch`.
pub async fn update(
    db: &TenantDb,
    id: Uuid,
    patch: SitePatch,
    base: &str,
    origin: &Origin,
) -> DomainResult<Site> {
    let mut p = Problems::new();
    let origins = patch.origins.map(|o| parse_origin_list(&mut p, o));
    let enabled = patch.enabled;
    let fields = take!(p, patch => name, consent_mode, consent_version);
    let (name, mode, version) = p.done(fields)?;
    let mut tx = db.db().begin().await?;
    let mut s = get_in(&mut tx, id, base).await?;
    if let Some(name) = name {
        s.name = name.into();
    }
    if let Some(origins) = origins {
        s.origins = origins;
    }
    if let Some(mode) = mode {
        s.consent_mode = mode.get();
    }
    if let Some(version) = version {
        s.consent_version = version.into();
    }
    if let Some(enabled) = enabled {
        s.enabled = enabled;
    }
    s.updated_at = Timestamp::now();
    s.snippet = snippet(base, &s.key, s.consent_mode, &s.consent_version);
    tx.execute(
        "UPDATE sites SET name = $2, origins = $3, consent_mode = $4, consent_version = $5, \
         enabled = $6, updated_at = $7 WHERE id = $1",
        params![
            id,
            &s.name,
            json!(s.origins).to_string(),
            s.consent_mode.as_str(),
            &s.consent_version,
            s.enabled,
            s.updated_at
        ],
    )
    .await?;
    emit(&mut tx, origin, EventType::SiteUpdated, id, site_data(&s)).await?;
    tx.commit().await?;
    Ok(s)
}

/// Deletes a site: its key stops working; its events, consent records and touchpoints stay
/// until the retention period or the contact's erasure removes them.
pub async fn delete(db: &TenantDb, id: Uuid, origin: &Origin) -> DomainResult<()> {
    let mut tx = db.db().begin().await?;
    let now = Timestamp::now();
    let n = tx
        .execute(
            "UPDATE sites SET deleted_at = $2, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL",
            params![id, now],
        )
        .await?;
    if n == 0 {
        return Err(DomainError::NotFound);
    }
    emit(
        &mut tx,
        origin,
        EventType::SiteDeleted,
        id,
        json!({ "id": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces a site's key with one the server issued for it; the old one stops working.
pub async fn rotate_key(
    db: &TenantDb,
    id: Uuid,
    key: NewKey<'_>,
    base: &str,
    origin: &Origin,
) -> DomainResult<Site> {
    let mut tx = db.db().begin().await?;
    let now = Timestamp::now();
    let n = tx
        .execute(
            "UPDATE sites SET secret_hash = $2, token = $3, updated_at = $4 \
             WHERE id = $1 AND deleted_at IS NULL",
            params![id, key.secret_hash, key.token, now],
        )
        .await?;
    if n == 0 {
        return Err(DomainError::NotFound);
    }
    let site = get_in(&mut tx, id, base).await?;
    emit(
        &mut tx,
        origin,
        EventType::SiteKeyRotated,
        id,
        json!({ "id": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(site)
}

/// The site a verified key names, if its secret is the current one and the site is not
/// deleted (a disabled site is returned: the caller answers `site_disabled`).
pub async fn by_key(
    db: &TenantDb,
    id: Uuid,
    secret_hash: &str,
) -> DomainResult<Option<ActiveSite>> {
    let row = db
        .db()
        .fetch_optional(
            "SELECT id, account_id, origins, consent_version, enabled, secret_hash FROM sites \
             WHERE id = $1 AND deleted_at IS NULL",
            params![id],
        )
        .await?;
    let Some(row) = row else { return Ok(None) };
    let stored: String = row.get("secret_hash")?;
    // Both are SHA-256 hex digests of secrets; comparing digests leaks nothing useful.
    if stored != secret_hash {
        return Ok(None);
    }
    Ok(Some(ActiveSite {
        id: row.get("id")?,
        account_id: row.get("account_id")?,
        origins: parse_origins(&row.get::<String>("origins")?),
        consent_version: row.get("consent_version")?,
        enabled: row.get("enabled")?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_bare_https_or_local_http() {
        let ok = |s: &str| SiteOrigin::parse(s.to_owned()).map(|o| o.0);
        assert_eq!(ok("https://Shop.Example").unwrap(), "https://shop.example");
        assert_eq!(
            ok("https://shop.example:8443").unwrap(),
            "https://shop.example:8443"
        );
        assert_eq!(
            ok("http://localhost:3000").unwrap(),
            "http://localhost:3000"
        );
        assert_eq!(ok("http://127.0.0.1:9").unwrap(), "http://127.0.0.1:9");
        assert!(ok("http://shop.example").is_err());
        assert!(ok("https://shop.example/path").is_err());
        assert!(ok("https://shop.example/").is_err());
        assert!(ok("https://shop.example?x=1").is_err());
        assert!(ok("https://u@shop.example").is_err());
        assert!(ok("ftp://shop.example").is_err());
        assert!(ok("shop.example").is_err());
    }

    #[test]
    fn snippets_escape_their_attributes() {
        let s = snippet("https://silo.example/", "a.b~c\"", ConsentMode::Gcm, "2");
        assert!(s.starts_with("<script async src=\"https://silo.example/s.js\""));
        assert!(s.contains("data-silo-consent=\"gcm\" data-silo-version=\"2\""));
        assert!(s.contains("data-silo-site=\"a.b~c&quot;\""));
    }
}
