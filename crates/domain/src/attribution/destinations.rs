//! A client's ad-platform destinations (issue 22): where its conversions are forwarded. The
//! settings (pixel, customer, conversion action) are shown; the credentials are sealed with the
//! deployment's vault key ([`super::forwarding::vault`]) and never shown again, nor written to
//! events, the audit trail or logs: only a hint of their last characters.
//!
//! Meta Conversions API and Google Ads are built; TikTok and LinkedIn are refused at create
//! (`not_allowed` on `platform`) until their payload builders are.

use super::ConversionKind;
use super::forwarding::vault::{Vault, VaultError};
use crate::columns::enum_column;
use crate::error::{DomainError, DomainResult, Problems};
use crate::events::{Origin, emit};
use crate::input::{Choice, Id, Input, Name, Optional, Problem, Sent, Text, no_such, take};
use crate::list::ListParams;
use schemars::{JsonSchema, Schema};
use serde::{Deserialize, Serialize};
use serde_json::json;
use silo_contract::EventType;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, Value, params};
use uuid::Uuid;

silo_contract::string_enum! {
    /// An ad platform.
    pub enum Platform {
        /// Meta Conversions API (Facebook, Instagram).
        Meta = "meta",
        /// Google Ads offline conversions (click conversions with enhanced-conversion
        /// identifiers).
        GoogleAds = "google_ads",
        /// TikTok Events API (not built yet: refused at create).
        Tiktok = "tiktok",
        /// LinkedIn Conversions API (not built yet: refused at create).
        Linkedin = "linkedin",
    }
}

/// The platforms whose payload builders exist.
pub const BUILT_PLATFORMS: &[Platform] = &[Platform::Meta, Platform::GoogleAds];

/// Most characters of a credential.
pub const CREDENTIAL_MAX: usize = 2000;

/// Most characters of a platform id as written, dashes included.
const PLATFORM_ID_MAX: usize = 30;

/// A platform's numeric id (pixel, customer, conversion action): 1 to 20 digits; Google's
/// customer ids may be written with dashes (`123-456-7890`), which are dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformId(String);

impl Input for PlatformId {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        if raw.chars().count() > PLATFORM_ID_MAX {
            return Err(Problem::too_long(PLATFORM_ID_MAX));
        }
        let digits: String = raw.chars().filter(|c| *c != '-').collect();
        if digits.is_empty() || digits.len() > 20 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(Problem::rule("must be 1 to 20 digits"));
        }
        Ok(PlatformId(digits))
    }

    fn schema() -> Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^-*[0-9](-*[0-9]){0,19}-*$",
            "maxLength": PLATFORM_ID_MAX,
            "description": "1 to 20 digits (dashes are dropped)",
        })
    }

    silo_contract::empty_means_none!();
}

/// A credential: 1 to [`CREDENTIAL_MAX`] characters without spaces or control characters.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential(String);

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credential(..)")
    }
}

impl Input for Credential {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(Problem::new(silo_contract::ProblemCode::Empty));
        }
        if value.chars().count() > CREDENTIAL_MAX {
            return Err(Problem::too_long(CREDENTIAL_MAX));
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Problem::rule(
                "must not contain spaces or control characters",
            ));
        }
        Ok(Credential(value.to_owned()))
    }

    fn schema() -> Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^\\s*\\S+\\s*$",
            "maxLength": CREDENTIAL_MAX,
            "writeOnly": true,
        })
    }

    silo_contract::empty_means_none!();
}

/// A destination's settings as sent. Meta: `pixel_id` (required), `test_event_code` (sent
/// in test mode). Google Ads: `customer_id` and `conversion_action_id` (required),
/// `login_customer_id` (a manager account's id, when access goes through one). Fields of the
/// other platform are ignored.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct SettingsInput {
    /// Meta: the pixel (dataset) id.
    #[serde(default)]
    pixel_id: Optional<PlatformId>,
    /// Meta: the test event code of Events Manager's "Test events" tab (sent only in test
    /// mode).
    #[serde(default)]
    test_event_code: Optional<Text<100>>,
    /// Google Ads: the customer id of the account the conversion action belongs to.
    #[serde(default)]
    customer_id: Optional<PlatformId>,
    /// Google Ads: the conversion action's id (an action of type UPLOAD_CLICKS).
    #[serde(default)]
    conversion_action_id: Optional<PlatformId>,
    /// Google Ads: the manager account's customer id, when access goes through one.
    #[serde(default)]
    login_customer_id: Optional<PlatformId>,
}

/// A destination's credentials as sent (sealed at once, never shown again). Meta:
/// `access_token` (a system user's token with `ads_management`). Google Ads:
/// `developer_token` and `access_token` (an OAuth access token; Silo does not refresh it:
/// replace it through `PUT /api/destinations/{id}/credentials`).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct CredentialsInput {
    /// Meta and Google Ads: the access token.
    #[serde(default)]
    access_token: Optional<Credential>,
    /// Google Ads: the developer token.
    #[serde(default)]
    developer_token: Optional<Credential>,
}

/// A destination's settings as stored and shown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Settings {
    /// Meta: the pixel (dataset) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pixel_id: Option<String>,
    /// Meta: the test event code (sent only in test mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_event_code: Option<String>,
    /// Google Ads: the customer id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Google Ads: the conversion action id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversion_action_id: Option<String>,
    /// Google Ads: the manager account's customer id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_customer_id: Option<String>,
}

/// A destination's credentials in the clear: only ever inside the vault's sealed value and the
/// worker's request. Never serialised into an answer, an event or a log.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct Credentials {
    /// The access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// Google Ads: the developer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub developer_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(..)")
    }
}

impl Credentials {
    /// `…` and the last four characters of the access token: enough to recognise it.
    fn hint(&self) -> String {
        let token = self.access_token.as_deref().unwrap_or_default();
        let chars: Vec<char> = token.chars().collect();
        let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
        format!("…{tail}")
    }
}

/// A destination as the API shows it: never a credential.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Destination {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// The client account whose conversions it receives.
    pub account_id: Uuid,
    /// The ad platform.
    pub platform: Platform,
    /// What it is called.
    pub name: String,
    /// Whether conversions are forwarded to it.
    pub enabled: bool,
    /// Whether deliveries are test deliveries (Meta `test_event_code`, Google `validateOnly`).
    pub test_mode: bool,
    /// The conversion kinds it receives.
    pub kinds: Vec<ConversionKind>,
    /// The platform's settings.
    pub settings: Settings,
    /// The last characters of the access token (`…wxyz`).
    pub credentials_hint: String,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// `POST /api/destinations` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewDestination {
    account_id: Sent<Id>,
    platform: Sent<Choice<Platform>>,
    name: Sent<Name>,
    /// The conversion kinds to forward (duplicates count once).
    #[schemars(length(min = 1, max = 4))]
    kinds: Vec<Sent<Choice<ConversionKind>>>,
    /// The platform's settings (see [`SettingsInput`]).
    #[serde(default)]
    settings: SettingsInput,
    /// The platform's credentials (see [`CredentialsInput`]).
    #[serde(default)]
    credentials: CredentialsInput,
    /// Test deliveries only (default false).
    test_mode: Option<bool>,
    /// Forward at once (default true).
    enabled: Option<bool>,
}

/// `PATCH /api/destinations/{id}` body: only the fields present change; `settings` replaces
/// the settings as a whole.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DestinationPatch {
    name: Option<Sent<Name>>,
    /// Replaces the kinds (duplicates count once).
    #[schemars(length(min = 1, max = 4))]
    kinds: Option<Vec<Sent<Choice<ConversionKind>>>>,
    /// Replaces the settings.
    settings: Option<SettingsInput>,
    /// Test deliveries only.
    test_mode: Option<bool>,
    /// Forward or not.
    enabled: Option<bool>,
}

/// `PUT /api/destinations/{id}/credentials` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewCredentials {
    /// The platform's credentials (replaced as a whole).
    credentials: CredentialsInput,
}

/// The vault and the company a destination's credentials are sealed for (the company comes from
/// the verified token, or the work queue for the worker).
#[derive(Clone, Copy, Debug)]
pub struct Sealer<'a> {
    /// The deployment's key.
    pub vault: &'a Vault,
    /// The company.
    pub company: Uuid,
}

impl Sealer<'_> {
    fn seal(&self, destination: Uuid, c: &Credentials) -> DomainResult<String> {
        let plain = serde_json::to_vec(c).map_err(|e| StoreError::Decode {
            column: "credentials".to_owned(),
            reason: e.to_string(),
        })?;
        self.vault
            .seal(self.company, destination, &plain)
            .map_err(vault_error)
    }

    /// Opens a destination's sealed credentials.
    pub fn open(&self, destination: Uuid, sealed: &str) -> Result<Credentials, VaultError> {
        let plain = self.vault.open(self.company, destination, sealed)?;
        serde_json::from_slice(&plain).map_err(|_| VaultError::Unopenable)
    }
}

fn vault_error(e: VaultError) -> DomainError {
    DomainError::Store(StoreError::Unavailable(e.to_string()))
}

// ---- reading -----------------------------------------------------------------------------

pub(crate) const COLUMNS: &str = "id, account_id, platform, name, enabled, test_mode, kinds, \
     settings, credentials_hint, created_at, updated_at";

fn decode(column: &str, e: serde_json::Error) -> StoreError {
    StoreError::Decode {
        column: column.to_owned(),
        reason: e.to_string(),
    }
}

pub(crate) fn from_row(row: &Row) -> Result<Destination, StoreError> {
    let kinds: String = row.get("kinds")?;
    let kinds: Vec<String> = serde_json::from_str(&kinds).map_err(|e| decode("kinds", e))?;
    let settings: String = row.get("settings")?;
    Ok(Destination {
        id: row.get("id")?,
        account_id: row.get("account_id")?,
        platform: enum_column(row, "platform")?,
        name: row.get("name")?,
        enabled: row.get("enabled")?,
        test_mode: row.get("test_mode")?,
        kinds: kinds
            .iter()
            .filter_map(|k| ConversionKind::parse(k))
            .collect(),
        settings: serde_json::from_str(&settings).map_err(|e| decode("settings", e))?,
        credentials_hint: row.get("credentials_hint")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

/// A page of destinations (not deleted ones), oldest first; `q` matches the name.
pub async fn list(
    db: &TenantDb,
    params: &ListParams,
    account: Option<Uuid>,
) -> DomainResult<Vec<Destination>> {
    let [after, pattern, limit] = params.binds();
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {COLUMNS} FROM destinations WHERE deleted_at IS NULL AND ($1 IS NULL OR id > $1) \
         AND ($2 IS NULL OR LOWER(name) LIKE $2 ESCAPE '\\') AND ($4 IS NULL OR account_id = $4) \
         ORDER BY id LIMIT $3"
    ));
    let rows = db
        .db()
        .fetch_all(
            sql,
            &[
                after,
                pattern,
                limit,
                Value::from(account.map(|u| u.to_string())),
            ],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// One destination (not a deleted one).
pub async fn get(db: &TenantDb, id: Uuid) -> DomainResult<Destination> {
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {COLUMNS} FROM destinations WHERE id = $1 AND deleted_at IS NULL"
    ));
    let row = db
        .db()
        .fetch_optional(sql, params![id])
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(from_row(&row)?)
}

async fn get_in(tx: &mut Tx, id: Uuid) -> DomainResult<Destination> {
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {COLUMNS} FROM destinations WHERE id = $1 AND deleted_at IS NULL"
    ));
    let row = tx
        .fetch_optional(sql, params![id])
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(from_row(&row)?)
}

// ---- checking input ----------------------------------------------------------------------

fn parse_kinds(p: &mut Problems, sent: Vec<Sent<Choice<ConversionKind>>>) -> Vec<ConversionKind> {
    if sent.is_empty() {
        p.add("kinds", Problem::too_few(1));
        return Vec::new();
    }
    if sent.len() > ConversionKind::ALL.len() {
        p.add("kinds", Problem::too_many(ConversionKind::ALL.len()));
        return Vec::new();
    }
    let mut out: Vec<ConversionKind> = sent
        .into_iter()
        .enumerate()
        .filter_map(|(i, s)| p.take(&format!("kinds[{i}]"), s).map(Choice::get))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A Google Ads destination names one conversion action, which counts one kind of conversion:
/// two kinds of one invoice would reach it with the same order id, and Google keeps only the
/// first. So it takes exactly one kind (another destination takes another).
fn check_kinds(p: &mut Problems, platform: Platform, kinds: &[ConversionKind]) {
    if platform == Platform::GoogleAds && kinds.len() > 1 {
        p.add(
            "kinds",
            Problem::rule(
                "a Google Ads destination takes one kind (its conversion action counts one)",
            ),
        );
    }
}

/// Meta has no "validate only": test mode is Events Manager's test event code, so a Meta
/// destination in test mode needs one (else its test deliveries would count as real ones).
fn check_test_mode(p: &mut Problems, platform: Platform, test_mode: bool, settings: &Settings) {
    if platform == Platform::Meta && test_mode && settings.test_event_code.is_none() {
        p.add(
            "settings.test_event_code",
            Problem::rule("is required in test mode (Events Manager's test event code)"),
        );
    }
}

fn check_platform(p: &mut Problems, platform: Option<Platform>) {
    if let Some(platform) = platform
        && !BUILT_PLATFORMS.contains(&platform)
    {
        let built: Vec<&str> = BUILT_PLATFORMS.iter().map(|b| b.as_str()).collect();
        p.add(
            "platform",
            Problem::rule(format!(
                "{} is not supported yet; use {}",
                platform.as_str(),
                built.join(" or ")
            )),
        );
    }
}

/// A field the destination's platform needs. The schema cannot say which platform needs what,
/// so a missing one is refused as a rule the server words (`rule`), not as a form problem.
fn required<T>(p: &mut Problems, field: &str, value: Option<T>) -> Option<T> {
    if value.is_none() {
        p.add(field, Problem::rule("is required for this platform"));
    }
    value
}

/// The settings a platform needs, checked (problems under `settings.<field>`).
fn parse_settings(p: &mut Problems, platform: Platform, s: SettingsInput) -> Settings {
    let pixel = p.take("settings.pixel_id", s.pixel_id).flatten();
    let code = p
        .take("settings.test_event_code", s.test_event_code)
        .flatten();
    let customer = p.take("settings.customer_id", s.customer_id).flatten();
    let action = p
        .take("settings.conversion_action_id", s.conversion_action_id)
        .flatten();
    let login = p
        .take("settings.login_customer_id", s.login_customer_id)
        .flatten();
    match platform {
        Platform::Meta => Settings {
            pixel_id: required(p, "settings.pixel_id", pixel).map(|v| v.0),
            test_event_code: code.map(String::from),
            ..Settings::default()
        },
        Platform::GoogleAds => Settings {
            customer_id: required(p, "settings.customer_id", customer).map(|v| v.0),
            conversion_action_id: required(p, "settings.conversion_action_id", action).map(|v| v.0),
            login_customer_id: login.map(|v| v.0),
            ..Settings::default()
        },
        Platform::Tiktok | Platform::Linkedin => Settings::default(),
    }
}

/// The credentials a platform needs, checked (problems under `credentials.<field>`).
fn parse_credentials(p: &mut Problems, platform: Platform, c: CredentialsInput) -> Credentials {
    let token = p.take("credentials.access_token", c.access_token).flatten();
    let developer = p
        .take("credentials.developer_token", c.developer_token)
        .flatten();
    match platform {
        Platform::Meta => Credentials {
            access_token: required(p, "credentials.access_token", token).map(|v| v.0),
            developer_token: None,
        },
        Platform::GoogleAds => Credentials {
            access_token: required(p, "credentials.access_token", token).map(|v| v.0),
            developer_token: required(p, "credentials.developer_token", developer).map(|v| v.0),
        },
        Platform::Tiktok | Platform::Linkedin => Credentials::default(),
    }
}

/// What events say of a destination: never its credentials.
fn data(d: &Destination) -> serde_json::Value {
    json!({
        "id": d.id,
        "account_id": d.account_id,
        "platform": d.platform,
        "enabled": d.enabled,
        "test_mode": d.test_mode,
        "kinds": d.kinds,
    })
}

fn kinds_json(kinds: &[ConversionKind]) -> String {
    serde_json::to_string(kinds).unwrap_or_else(|_| "[]".to_owned())
}

fn settings_json(s: &Settings) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "{}".to_owned())
}

// ---- changing ----------------------------------------------------------------------------

/// Adds a destination; its credentials are sealed at once. The account must exist; TikTok and
/// LinkedIn are refused (`platform`: `not_allowed`) until their builders exist.
pub async fn create(
    db: &TenantDb,
    new: NewDestination,
    sealer: Sealer<'_>,
    origin: &Origin,
) -> DomainResult<Destination> {
    let mut p = Problems::new();
    let platform = p.take("platform", new.platform).map(Choice::get);
    check_platform(&mut p, platform);
    let kinds = parse_kinds(&mut p, new.kinds);
    if let Some(platform) = platform {
        check_kinds(&mut p, platform, &kinds);
    }
    let (settings, credentials) = match platform {
        Some(platform) => (
            parse_settings(&mut p, platform, new.settings),
            parse_credentials(&mut p, platform, new.credentials),
        ),
        None => (Settings::default(), Credentials::default()),
    };
    if let Some(platform) = platform {
        check_test_mode(&mut p, platform, new.test_mode.unwrap_or(false), &settings);
    }
    let fields = take!(p, new => account_id, name);
    let (account, name) = p.done(fields)?;
    let platform = platform.ok_or_else(|| {
        DomainError::invalid(
            "platform",
            Problem::new(silo_contract::ProblemCode::Required),
        )
    })?;
    let account = account.get();
    let mut tx = db.db().begin().await?;
    if !crate::accounts::exists(&mut tx, account).await? {
        return Err(DomainError::invalid("account_id", no_such("account")));
    }
    let now = Timestamp::now();
    let enabled = new.enabled.unwrap_or(true);
    let d = Destination {
        id: Uuid::now_v7(),
        account_id: account,
        platform,
        name: String::from(name),
        enabled,
        test_mode: new.test_mode.unwrap_or(false),
        kinds,
        settings,
        credentials_hint: credentials.hint(),
        created_at: now,
        updated_at: now,
    };
    let sealed = sealer.seal(d.id, &credentials)?;
    tx.execute(
        "INSERT INTO destinations (id, account_id, platform, name, enabled, test_mode, kinds, \
         settings, credentials_sealed, credentials_hint, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
        params![
            d.id,
            d.account_id,
            d.platform.as_str(),
            &d.name,
            d.enabled,
            d.test_mode,
            kinds_json(&d.kinds),
            settings_json(&d.settings),
            sealed,
            &d.credentials_hint,
            now
        ],
    )
    .await?;
    emit(
        &mut tx,
        origin,
        EventType::DestinationCreated,
        d.id,
        data(&d),
    )
    .await?;
    tx.commit().await?;
    Ok(d)
}

/// Changes the fields present in `patch`; new settings are checked against the platform.
pub async fn update(
    db: &TenantDb,
    id: Uuid,
    patch: DestinationPatch,
    origin: &Origin,
) -> DomainResult<Destination> {
    let mut tx = db.db().begin().await?;
    let mut d = get_in(&mut tx, id).await?;
    let mut p = Problems::new();
    let kinds = patch.kinds.map(|k| parse_kinds(&mut p, k));
    if let Some(kinds) = &kinds {
        check_kinds(&mut p, d.platform, kinds);
    }
    let settings = patch
        .settings
        .map(|s| parse_settings(&mut p, d.platform, s));
    let name = p.take("name", patch.name);
    check_test_mode(
        &mut p,
        d.platform,
        patch.test_mode.unwrap_or(d.test_mode),
        settings.as_ref().unwrap_or(&d.settings),
    );
    p.finish()?;
    if let Some(name) = name.flatten() {
        d.name = String::from(name);
    }
    if let Some(kinds) = kinds {
        d.kinds = kinds;
    }
    if let Some(settings) = settings {
        d.settings = settings;
    }
    if let Some(test_mode) = patch.test_mode {
        d.test_mode = test_mode;
    }
    if let Some(enabled) = patch.enabled {
        d.enabled = enabled;
    }
    d.updated_at = Timestamp::now();
    tx.execute(
        "UPDATE destinations SET name = $2, kinds = $3, settings = $4, test_mode = $5, \
         enabled = $6, updated_at = $7 WHERE id = $1",
        params![
            id,
            &d.name,
            kinds_json(&d.kinds),
            settings_json(&d.settings),
            d.test_mode,
            d.enabled,
            d.updated_at
        ],
    )
    .await?;
    emit(&mut tx, origin, EventType::DestinationUpdated, id, data(&d)).await?;
    tx.commit().await?;
    Ok(d)
}

/// Replaces a destination's credentials (sealed at once); the answer shows the new hint only.
pub async fn replace_credentials(
    db: &TenantDb,
    id: Uuid,
    new: NewCredentials,
    sealer: Sealer<'_>,
    origin: &Origin,
) -> DomainResult<Destination> {
    let mut tx = db.db().begin().await?;
    let mut d = get_in(&mut tx, id).await?;
    let mut p = Problems::new();
    let credentials = parse_credentials(&mut p, d.platform, new.credentials);
    p.finish()?;
    let sealed = sealer.seal(id, &credentials)?;
    d.credentials_hint = credentials.hint();
    d.updated_at = Timestamp::now();
    tx.execute(
        "UPDATE destinations SET credentials_sealed = $2, credentials_hint = $3, updated_at = $4 \
         WHERE id = $1",
        params![id, sealed, &d.credentials_hint, d.updated_at],
    )
    .await?;
    emit(
        &mut tx,
        origin,
        EventType::DestinationCredentialsReplaced,
        id,
        json!({ "id": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(d)
}

/// Deletes a destination: it disappears from the API, its sealed credentials are erased and its
/// waiting deliveries are dropped. The row stays (marked deleted) with its delivery log.
pub async fn delete(db: &TenantDb, id: Uuid, origin: &Origin) -> DomainResult<()> {
    let mut tx = db.db().begin().await?;
    let now = Timestamp::now();
    let n = tx
        .execute(
            "UPDATE destinations SET deleted_at = $2, credentials_sealed = '', enabled = FALSE, \
             updated_at = $2 WHERE id = $1 AND deleted_at IS NULL",
            params![id, now],
        )
        .await?;
    if n == 0 {
        return Err(DomainError::NotFound);
    }
    super::forwarding::drop_waiting(&mut tx, "destination_id = $1", id).await?;
    emit(
        &mut tx,
        origin,
        EventType::DestinationDeleted,
        id,
        json!({ "id": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
