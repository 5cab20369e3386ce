//! Contracts signed by the client: the signing links mailed when a contract is sent, signing by
//! such a link (or in the portal, see [`crate::portal::contracts`]), the evidence of each
//! signature, the signed PDF with its evidence page, and the one way staff record a signature:
//! a scan of a contract signed on paper, marked as such.
//!
//! A signing link's token is issued by the server (`silo_auth::entry`, purpose `SigningLink`):
//! it names the company and the link's row; the row keeps only the SHA-256 of its secret. A
//! link that is expired, used, revoked, tampered with or unknown answers one thing:
//! [`crate::portal::sign_in::unusable`]. Opening a link never uses it; signing does, once.

use crate::contracts::{self, Contract, ContractStatus, SignatureMethod, sha256_hex};
use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::{Origin, emit};
use crate::input::{Choice, Date, Email, Name, Optional, Sent, Text, take};
use crate::jobs;
use crate::parties::Language;
use crate::portal::RequestOrigin;
use crate::portal::sign_in::unusable;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use silo_contract::input::Integer;
use silo_contract::{EventType, JobKind};
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use std::time::Duration;
use uuid::Uuid;

/// Days a signing link works: 1 to 60.
pub type LinkDays = Integer<1, 60>;

/// How long a signing link works when the request does not say.
pub const DEFAULT_LINK_DAYS: i64 = 14;

/// What the signer agrees to by ticking the box, as shown to them and kept as evidence.
pub fn consent_text(language: Language) -> &'static str {
    match language {
        Language::En => {
            "I have read this contract and agree to sign it electronically; the name I typed is my signature."
        }
        Language::Nl => {
            "Ik heb dit contract gelezen en onderteken het elektronisch; de naam die ik heb getypt is mijn handtekening."
        }
    }
}

silo_contract::string_enum! {
    /// Where a signing link stands.
    pub enum SigningLinkState {
        /// Can be used.
        Active = "active",
        /// Used to sign.
        Used = "used",
        /// Revoked by the agency.
        Revoked = "revoked",
        /// Past its expiry, or its contract no longer waits for a signature.
        Expired = "expired",
    }
}

/// A signing link as the agency sees it (never its token).
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct SigningLink {
    /// Id (random).
    pub id: Uuid,
    /// The contract.
    pub contract_id: Uuid,
    /// Who is asked to sign.
    pub signer_name: String,
    /// Where the link went.
    pub signer_email: String,
    /// The client's portal user with that address, when there is one.
    pub portal_user_id: Option<Uuid>,
    /// The staff identity who sent it.
    pub created_by: Option<Uuid>,
    /// Sent.
    pub created_at: Timestamp,
    /// Stops working.
    pub expires_at: Timestamp,
    /// Revoked.
    pub revoked_at: Option<Timestamp>,
    /// Used to sign.
    pub used_at: Option<Timestamp>,
    /// Where it stands now.
    pub state: SigningLinkState,
}

fn link_from_row(row: &Row, contract_status: Option<&str>) -> Result<SigningLink, StoreError> {
    let expires_at: Timestamp = row.get("expires_at")?;
    let revoked_at: Option<Timestamp> = row.get("revoked_at")?;
    let used_at: Option<Timestamp> = row.get("used_at")?;
    let state = if used_at.is_some() {
        SigningLinkState::Used
    } else if revoked_at.is_some() {
        SigningLinkState::Revoked
    } else if expires_at <= Timestamp::now() || contract_status.is_some_and(|s| s != "sent") {
        SigningLinkState::Expired
    } else {
        SigningLinkState::Active
    };
    Ok(SigningLink {
        id: row.get("id")?,
        contract_id: row.get("contract_id")?,
        signer_name: row.get("signer_name")?,
        signer_email: row.get("signer_email")?,
        portal_user_id: row.get("portal_user_id")?,
        created_by: row.get("created_by")?,
        created_at: row.get("created_at")?,
        expires_at,
        revoked_at,
        used_at,
        state,
    })
}

const LINK_SELECT: &str = "SELECT l.id, l.contract_id, l.signer_name, l.signer_email, \
     l.portal_user_id, l.created_by, l.created_at, l.expires_at, l.revoked_at, l.used_at, \
     c.status AS contract_status FROM signing_links l JOIN contracts c ON c.id = l.contract_id";

async fn load_link(tx: &mut Tx, contract: Uuid, link: Uuid) -> DomainResult<SigningLink> {
    let row = tx
        .fetch_optional(
            silo_store::Sql::assembled(format!(
                "{LINK_SELECT} WHERE l.id = $1 AND l.contract_id = $2"
            )),
            params![link, contract],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    let status: String = row.get("contract_status")?;
    Ok(link_from_row(&row, Some(&status))?)
}

/// `POST /api/contracts/{id}/send` and `POST /api/contracts/{id}/signing-links` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SendContract {
    /// Who is asked to sign.
    signer_name: Sent<Name>,
    /// Where the signing link goes.
    signer_email: Sent<Email>,
    /// Days the link works: 1 to 60 (14 when left out).
    #[serde(default)]
    expires_in_days: Optional<LinkDays>,
    /// Language of the mail (`en`, `nl`); the client's when left out.
    #[serde(default)]
    language: Optional<Choice<Language>>,
}

/// A checked [`SendContract`].
#[derive(Clone, Debug)]
pub struct LinkRequest {
    /// Who is asked to sign.
    pub signer_name: String,
    /// Where the link goes (lower-cased).
    pub signer_email: String,
    /// How long the link works.
    pub ttl: Duration,
    /// The mail's language, if asked for.
    pub language: Option<Language>,
}

impl SendContract {
    /// Checks the fields: `422 invalid` naming each bad one.
    pub fn check(self) -> DomainResult<LinkRequest> {
        let mut p = Problems::new();
        let fields = take!(p, self => signer_name, signer_email, expires_in_days, language);
        let (name, email, days, language) = p.done(fields)?;
        let days = days.map_or(DEFAULT_LINK_DAYS, LinkDays::get);
        Ok(LinkRequest {
            signer_name: name.into(),
            signer_email: email.into(),
            ttl: Duration::from_secs(u64::try_from(days).unwrap_or(14) * 24 * 3600),
            language: language.map(Choice::get),
        })
    }
}

/// A new link's row: its id (the token's `sub`) and the hash of the token's secret.
#[derive(Clone, Copy, Debug)]
pub struct NewLink<'a> {
    /// Id (random).
    pub id: Uuid,
    /// SHA-256 of the token's secret.
    pub secret_hash: &'a str,
    /// The staff identity sending it.
    pub created_by: Uuid,
}

/// What the server needs to mail a new link.
#[derive(Clone, Debug)]
pub struct Created {
    /// The contract.
    pub contract: Contract,
    /// The link.
    pub link: SigningLink,
    /// The mail's language: the one asked for, else the portal user's, else the client's.
    pub language: Language,
}

/// The client account a contract belongs to: its own, else its deal's.
pub(crate) async fn client_of(tx: &mut Tx, contract: Uuid) -> DomainResult<Option<Uuid>> {
    let row = tx
        .fetch_optional(
            "SELECT COALESCE(c.account_id, d.account_id) AS account FROM contracts c \
             LEFT JOIN deals d ON d.id = c.deal_id WHERE c.id = $1",
            params![contract],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(row.get("account")?)
}

/// The language to write to a client's people in: the portal user's, else the client's.
async fn language_of(
    tx: &mut Tx,
    account: Option<Uuid>,
    portal_user: Option<Uuid>,
) -> DomainResult<Language> {
    if let Some(user) = portal_user
        && let Some(u) = crate::portal::users::find(tx, user).await?
    {
        return Ok(u.language);
    }
    if let Some(account) = account
        && let Some(a) = crate::accounts::load(tx, account).await?
        && let Some(l) = a.language
    {
        return Ok(l);
    }
    Ok(Language::En)
}

async fn insert_link(
    tx: &mut Tx,
    contract: &Contract,
    req: &LinkRequest,
    link: NewLink<'_>,
    origin: &Origin,
) -> DomainResult<Created> {
    let account = client_of(tx, contract.id).await?;
    // The signer is one of the client's active portal users: the link and the signature name
    // them too (and the contract waits in their portal).
    let portal_user: Option<Uuid> = match account {
        Some(account) => tx
            .fetch_optional(
                "SELECT id FROM portal_users WHERE email = $1 AND account_id = $2 \
                 AND status = 'active'",
                params![req.signer_email.as_str(), account],
            )
            .await?
            .map(|r| r.get("id"))
            .transpose()?,
        None => None,
    };
    let now = Timestamp::now();
    let expires_at = Timestamp::from_datetime(now.datetime() + req.ttl);
    tx.execute(
        "INSERT INTO signing_links (id, contract_id, signer_name, signer_email, portal_user_id, \
         secret_hash, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        params![
            link.id,
            contract.id,
            req.signer_name.as_str(),
            req.signer_email.as_str(),
            portal_user,
            link.secret_hash,
            link.created_by,
            now,
            expires_at
        ],
    )
    .await?;
    let created = load_link(tx, contract.id, link.id).await?;
    emit(
        tx,
        origin,
        EventType::SigningLinkCreated,
        created.id,
        json!({
            "id": created.id,
            "contract_id": contract.id,
            "portal_user_id": portal_user,
            "expires_at": expires_at,
        }),
    )
    .await?;
    let language = match req.language {
        Some(l) => l,
        None => language_of(tx, account, portal_user).await?,
    };
    Ok(Created {
        contract: contracts::load(tx, contract.id).await?,
        link: created,
        language,
    })
}

/// Sends a draft: freezes its body and creates the signer's link, in one transaction (the
/// server mails the link once this returns).
pub async fn send(
    db: &TenantDb,
    contract: Uuid,
    req: &LinkRequest,
    link: NewLink<'_>,
    origin: &Origin,
) -> DomainResult<Created> {
    let mut tx = db.db().begin().await?;
    let c = contracts::freeze(&mut tx, contract, origin).await?;
    let created = insert_link(&mut tx, &c, req, link, origin).await?;
    tx.commit().await?;
    Ok(created)
}

/// A new link for a sent contract (another signer, or a new link after one expired).
pub async fn create_link(
    db: &TenantDb,
    contract: Uuid,
    req: &LinkRequest,
    link: NewLink<'_>,
    origin: &Origin,
) -> DomainResult<Created> {
    let mut tx = db.db().begin().await?;
    let c = contracts::load(&mut tx, contract).await?;
    if c.status != ContractStatus::Sent {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            format!("a {} contract gets no signing link", c.status.as_str()),
        ));
    }
    let created = insert_link(&mut tx, &c, req, link, origin).await?;
    tx.commit().await?;
    Ok(created)
}

/// The contract's signing links, newest first.
pub async fn links(db: &TenantDb, contract: Uuid) -> DomainResult<Vec<SigningLink>> {
    let mut tx = db.db().begin().await?;
    let c = contracts::load(&mut tx, contract).await?;
    let rows = tx
        .fetch_all(
            silo_store::Sql::assembled(format!(
                "{LINK_SELECT} WHERE l.contract_id = $1 ORDER BY l.created_at DESC, l.id"
            )),
            params![contract],
        )
        .await?;
    tx.commit().await?;
    let status = c.status.as_str();
    Ok(rows
        .iter()
        .map(|r| link_from_row(r, Some(status)))
        .collect::<Result<_, _>>()?)
}

/// Revokes a link: it stops working at once. A used link stays used (`409`).
pub async fn revoke_link(
    db: &TenantDb,
    contract: Uuid,
    link: Uuid,
    origin: &Origin,
) -> DomainResult<SigningLink> {
    let mut tx = db.db().begin().await?;
    let current = load_link(&mut tx, contract, link).await?;
    if current.used_at.is_some() {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            "a used signing link cannot be revoked",
        ));
    }
    if current.revoked_at.is_none() {
        tx.execute(
            "UPDATE signing_links SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            params![link, Timestamp::now()],
        )
        .await?;
        emit(
            &mut tx,
            origin,
            EventType::SigningLinkRevoked,
            link,
            json!({ "id": link, "contract_id": contract }),
        )
        .await?;
    }
    let revoked = load_link(&mut tx, contract, link).await?;
    tx.commit().await?;
    Ok(revoked)
}

/// What a signing link shows before it is used.
#[derive(Clone, Debug)]
pub struct LinkView {
    /// The contract (sent, waiting for the signature).
    pub contract: Contract,
    /// The link.
    pub link: SigningLink,
    /// The consent the signer is asked for, in the link's language.
    pub consent_text: String,
    /// That language.
    pub language: Language,
}

/// Opens a link without using it: the contract to read and sign. Anything wrong with the link
/// (or a contract no longer waiting for a signature) is [`unusable`].
pub async fn open_link(db: &TenantDb, link: Uuid, secret_hash: &str) -> DomainResult<LinkView> {
    let mut tx = db.db().begin().await?;
    let row = tx
        .fetch_optional(
            "SELECT contract_id FROM signing_links WHERE id = $1 AND secret_hash = $2 \
             AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $3",
            params![link, secret_hash, Timestamp::now()],
        )
        .await?
        .ok_or_else(unusable)?;
    let contract_id: Uuid = row.get("contract_id")?;
    let contract = contracts::load(&mut tx, contract_id).await?;
    if contract.status != ContractStatus::Sent {
        return Err(unusable());
    }
    let link = load_link(&mut tx, contract_id, link).await?;
    let account = client_of(&mut tx, contract_id).await?;
    let language = language_of(&mut tx, account, link.portal_user_id).await?;
    tx.commit().await?;
    Ok(LinkView {
        contract,
        link,
        consent_text: consent_text(language).to_owned(),
        language,
    })
}

/// `POST /api/sign` and `POST /api/portal/contracts/{id}/sign` body (besides the token).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SignFields {
    /// The signer's name, typed by them: their signature.
    name: Sent<Name>,
    /// Must be true: the signer agrees to sign electronically (`422 consent_required`
    /// otherwise).
    #[serde(default)]
    consent: Option<bool>,
    /// Hex SHA-256 of the text the signer read (as `/api/sign/view` or the portal showed it);
    /// `409 document_changed` when it is not the contract's.
    document_sha256: Sent<Text<64>>,
}

/// A checked [`SignFields`].
struct Checked {
    name: String,
    document_sha256: String,
}

impl SignFields {
    fn check(self) -> DomainResult<Checked> {
        let consent = self.consent;
        let mut p = Problems::new();
        let fields = take!(p, self => name, document_sha256);
        let (name, sha) = p.done(fields)?;
        if consent != Some(true) {
            return Err(DomainError::conflict(
                ErrorCode::ConsentRequired,
                "tick the consent box to sign (consent: true)",
            ));
        }
        Ok(Checked {
            name: name.into(),
            document_sha256: String::from(sha).trim().to_ascii_lowercase(),
        })
    }
}

/// What a signature answers.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Signed {
    /// The contract signed.
    pub contract_id: Uuid,
    /// When, UTC.
    pub signed_at: Timestamp,
    /// Hex SHA-256 of the exact text signed.
    pub document_sha256: String,
    /// Hex SHA-256 of the signed PDF kept (with its evidence page).
    pub pdf_sha256: String,
}

/// The evidence of one signature, as stored.
pub(crate) struct Evidence {
    pub method: SignatureMethod,
    pub signer_name: String,
    pub signer_email: Option<String>,
    pub signed_at: Timestamp,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub document_sha256: String,
    pub signing_link_id: Option<Uuid>,
    pub portal_user_id: Option<Uuid>,
    pub recorded_by: Option<Uuid>,
    pub consent_text: Option<String>,
}

fn doc_language(l: Language) -> silo_documents::Language {
    match l {
        Language::Nl => silo_documents::Language::Nl,
        Language::En => silo_documents::Language::En,
    }
}

/// The signed PDF: the contract's text and the evidence page.
fn render(
    c: &Contract,
    agency: &str,
    client: Option<String>,
    language: Language,
    e: &Evidence,
) -> DomainResult<Vec<u8>> {
    let method = match e.method {
        SignatureMethod::Link => silo_documents::SignatureMethod::Link,
        SignatureMethod::Portal => silo_documents::SignatureMethod::Portal,
        SignatureMethod::Paper => silo_documents::SignatureMethod::Paper,
    };
    let signed_at = e
        .signed_at
        .datetime()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| e.signed_at.to_string());
    silo_documents::signed_contract_pdf(&silo_documents::SignedContract {
        language: doc_language(language),
        id: c.id.to_string(),
        title: c.title.clone(),
        body: c.body.clone(),
        agency: agency.to_owned(),
        client,
        evidence: silo_documents::SignatureEvidence {
            method,
            signer_name: e.signer_name.clone(),
            signer_email: e.signer_email.clone(),
            signed_at,
            client_ip: e.client_ip.clone(),
            user_agent: e.user_agent.clone(),
            document_sha256: e.document_sha256.clone(),
            signing_link_id: e.signing_link_id.map(|u| u.to_string()),
            portal_user_id: e.portal_user_id.map(|u| u.to_string()),
            consent_text: e.consent_text.clone(),
        },
    })
    .map_err(|err| {
        DomainError::conflict(
            ErrorCode::InvalidTransition,
            format!("the signed contract cannot be rendered: {err}"),
        )
    })
}

/// Records a signature of `c` (sent, or a draft signed on paper) in the caller's transaction:
/// the contract signed (its `signer_*` columns too), the evidence, the document kept (`pdf`:
/// the scan on paper, else rendered here with the evidence page), `contract.signed` with its
/// method, and for an electronic signature the mail of the signed PDF to both sides.
pub(crate) async fn record(
    tx: &mut Tx,
    c: &Contract,
    e: Evidence,
    agency: &str,
    scan: Option<Vec<u8>>,
    origin: &Origin,
) -> DomainResult<Signed> {
    let account = client_of(tx, c.id).await?;
    let pdf = match scan {
        Some(scan) => scan,
        None => {
            let client = match account {
                Some(a) => crate::accounts::load(tx, a).await?.map(|a| a.name),
                None => None,
            };
            let language = language_of(tx, account, e.portal_user_id).await?;
            render(c, agency, client, language, &e)?
        }
    };
    let pdf_sha256 = sha256_hex(&pdf);
    let n = tx
        .execute(
            "UPDATE contracts SET status = 'signed', document_sha256 = $2, signer_name = $3, \
             signer_email = $4, signer_address = $5, signed_at = $6, updated_at = $7 \
             WHERE id = $1 AND status IN ('draft', 'sent')",
            params![
                c.id,
                e.document_sha256.as_str(),
                e.signer_name.as_str(),
                e.signer_email.clone(),
                e.client_ip.clone(),
                e.signed_at,
                Timestamp::now()
            ],
        )
        .await?;
    if n != 1 {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            "the contract was signed already",
        ));
    }
    tx.execute(
        "INSERT INTO contract_signatures (contract_id, method, signer_name, signer_email, \
         signed_at, client_ip, user_agent, document_sha256, signing_link_id, portal_user_id, \
         recorded_by, consent_text, pdf_sha256) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        params![
            c.id,
            e.method.as_str(),
            e.signer_name.as_str(),
            e.signer_email.clone(),
            e.signed_at,
            e.client_ip.clone(),
            e.user_agent.clone(),
            e.document_sha256.as_str(),
            e.signing_link_id,
            e.portal_user_id,
            e.recorded_by,
            e.consent_text.clone(),
            pdf_sha256.as_str()
        ],
    )
    .await?;
    tx.execute(
        "INSERT INTO contract_documents (contract_id, content_type, bytes, sha256, created_at) \
         VALUES ($1, 'application/pdf', $2, $3, $4)",
        params![c.id, pdf, pdf_sha256.as_str(), Timestamp::now()],
    )
    .await?;
    let signed = contracts::load(tx, c.id).await?;
    emit(
        tx,
        origin,
        EventType::ContractSigned,
        c.id,
        json!({
            "id": c.id,
            "status": signed.status,
            "deal_id": signed.deal_id,
            "method": e.method,
            "signing_link_id": e.signing_link_id,
            "portal_user_id": e.portal_user_id,
        }),
    )
    .await?;
    if e.method != SignatureMethod::Paper {
        jobs::enqueue(tx, JobKind::ContractMail, c.id, None, Timestamp::now()).await?;
    }
    Ok(Signed {
        contract_id: c.id,
        signed_at: e.signed_at,
        document_sha256: e.document_sha256,
        pdf_sha256,
    })
}

/// Whether `sent` is the hash of the contract's exact text: `409 document_changed` otherwise.
fn same_document(c: &Contract, sent: &str) -> DomainResult<String> {
    let shown = sha256_hex(&c.body);
    if sent != shown || c.document_sha256.as_deref().is_some_and(|d| d != shown) {
        return Err(DomainError::conflict(
            ErrorCode::DocumentChanged,
            "the document to sign is not the one you read; open it again",
        ));
    }
    Ok(shown)
}

/// Signs by link: checks the consent, uses the link (once), checks that the text read is the
/// contract's, and records the signature with the signer's own address and browser, all in
/// one transaction. `agency` is the company's name, printed on the PDF.
pub async fn sign_by_link(
    db: &TenantDb,
    link: Uuid,
    secret_hash: &str,
    fields: SignFields,
    request: &RequestOrigin,
    agency: &str,
) -> DomainResult<Signed> {
    let fields = fields.check()?;
    let now = Timestamp::now();
    let mut tx = db.db().begin().await?;
    // The condition makes it single use even against a concurrent second click; any error
    // below rolls the use back.
    let row = tx
        .fetch_optional(
            "UPDATE signing_links SET used_at = $3 WHERE id = $1 AND secret_hash = $2 \
             AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $3 \
             RETURNING contract_id, signer_email, portal_user_id",
            params![link, secret_hash, now],
        )
        .await?
        .ok_or_else(unusable)?;
    let contract_id: Uuid = row.get("contract_id")?;
    let portal_user: Option<Uuid> = row.get("portal_user_id")?;
    let c = contracts::load(&mut tx, contract_id).await?;
    if c.status != ContractStatus::Sent {
        return Err(unusable());
    }
    let document_sha256 = same_document(&c, &fields.document_sha256)?;
    let account = client_of(&mut tx, contract_id).await?;
    let language = language_of(&mut tx, account, portal_user).await?;
    let evidence = Evidence {
        method: SignatureMethod::Link,
        signer_name: fields.name,
        signer_email: Some(row.get("signer_email")?),
        signed_at: now,
        client_ip: request.client_ip.clone(),
        user_agent: request.user_agent.clone(),
        document_sha256,
        signing_link_id: Some(link),
        portal_user_id: portal_user,
        recorded_by: None,
        consent_text: Some(consent_text(language).to_owned()),
    };
    // The portal user whose link it was is the actor; an outside signer is nobody's id.
    let origin = match portal_user {
        Some(user) => request.by(user),
        None => Origin {
            actor: None,
            portal_user: None,
            client_ip: request.client_ip.clone(),
            request_id: request.request_id.clone(),
        },
    };
    let signed = record(&mut tx, &c, evidence, agency, None, &origin).await?;
    tx.commit().await?;
    Ok(signed)
}

/// Signs in the portal as `user` (the caller of [`crate::portal::contracts::sign`]).
pub(crate) async fn sign_in_portal(
    tx: &mut Tx,
    c: &Contract,
    user: &crate::portal::PortalUser,
    fields: SignFields,
    request: &RequestOrigin,
    agency: &str,
) -> DomainResult<Signed> {
    let fields = fields.check()?;
    if c.status != ContractStatus::Sent {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            format!("a {} contract cannot be signed", c.status.as_str()),
        ));
    }
    let document_sha256 = same_document(c, &fields.document_sha256)?;
    let evidence = Evidence {
        method: SignatureMethod::Portal,
        signer_name: fields.name,
        signer_email: Some(user.email.clone()),
        signed_at: Timestamp::now(),
        client_ip: request.client_ip.clone(),
        user_agent: request.user_agent.clone(),
        document_sha256,
        signing_link_id: None,
        portal_user_id: Some(user.id),
        recorded_by: None,
        consent_text: Some(consent_text(user.language).to_owned()),
    };
    record(tx, c, evidence, agency, None, &request.by(user.id)).await
}

/// Most bytes a paper signature's scan may have: 10 MiB.
pub const MAX_SCAN_BYTES: usize = 10 * 1024 * 1024;

/// `PUT /api/contracts/{id}/paper-signature` query.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PaperSignature {
    /// The name of the person who signed on paper.
    #[schemars(extend("x-silo-required" = true))]
    signer_name: Sent<Name>,
    /// The day they signed, `YYYY-MM-DD` (not in the future).
    #[schemars(extend("x-silo-required" = true))]
    signed_on: Sent<Date>,
}

/// Records a contract signed on paper: the staff member `recorded_by` uploads the scan (a
/// PDF), kept as the signed document; the signature is marked `paper` everywhere. A draft is
/// frozen by it; a signed contract answers `409`.
pub async fn record_paper(
    db: &TenantDb,
    contract: Uuid,
    paper: PaperSignature,
    scan: Vec<u8>,
    recorded_by: Uuid,
    origin: &Origin,
) -> DomainResult<Signed> {
    let mut p = Problems::new();
    let fields = take!(p, paper => signer_name, signed_on);
    let (name, day) = p.done(fields)?;
    // The contract first: an id that names none is 404 whatever was sent.
    let mut tx = db.db().begin().await?;
    let c = contracts::load(&mut tx, contract).await?;
    if day.get() > Date::today().get() {
        return Err(DomainError::invalid(
            "signed_on",
            // Depends on today, not on the value's form: a rule.
            crate::input::Problem::rule("cannot be in the future"),
        ));
    }
    if scan.len() > MAX_SCAN_BYTES {
        return Err(DomainError::conflict(
            ErrorCode::PayloadTooLarge,
            format!("the scan may be at most {MAX_SCAN_BYTES} bytes"),
        ));
    }
    if !scan.starts_with(b"%PDF-") {
        return Err(DomainError::conflict(
            ErrorCode::UnsupportedMediaType,
            "the scan must be a PDF file",
        ));
    }
    if c.status == ContractStatus::Signed {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            "the contract was signed already",
        ));
    }
    if c.body.trim().is_empty() {
        return Err(DomainError::invalid(
            "body",
            crate::input::Problem::new(crate::input::ProblemCode::Empty)
                .worded("an empty contract cannot be signed"),
        ));
    }
    let signed_at = Timestamp::from_datetime(day.get().midnight().assume_utc());
    let evidence = Evidence {
        method: SignatureMethod::Paper,
        signer_name: name.into(),
        signer_email: None,
        signed_at,
        client_ip: None,
        user_agent: None,
        document_sha256: sha256_hex(&c.body),
        signing_link_id: None,
        portal_user_id: None,
        recorded_by: Some(recorded_by),
        consent_text: None,
    };
    let signed = record(&mut tx, &c, evidence, "", Some(scan), origin).await?;
    tx.commit().await?;
    Ok(signed)
}

/// The signed document kept for a contract: the PDF with its evidence page, or the scan of a
/// paper signature. `NotFound` when the contract is not signed.
pub async fn signed_pdf(db: &TenantDb, contract: Uuid) -> DomainResult<Vec<u8>> {
    let row = db
        .db()
        .fetch_optional(
            "SELECT bytes FROM contract_documents WHERE contract_id = $1",
            params![contract],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(row.get("bytes")?)
}

/// The file name a signed contract is downloaded and mailed as.
pub fn signed_filename(title: &str) -> String {
    let stem: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .take(60)
        .collect();
    let stem = stem.trim_matches('-');
    if stem.is_empty() {
        "signed-contract.pdf".to_owned()
    } else {
        format!("{stem}-signed.pdf")
    }
}

/// Everything the worker needs to mail a signed contract to both sides.
#[derive(Clone, Debug)]
pub struct SignedMail {
    /// The contract's title.
    pub title: String,
    /// Who signed.
    pub signer_name: String,
    /// Where the signer's copy goes.
    pub signer_email: Option<String>,
    /// The client's name, if the contract names one.
    pub client: Option<String>,
    /// The language of the signer's mail.
    pub language: Language,
    /// The company's invoicing e-mail address: the agency's copy goes there when set.
    pub agency_email: Option<String>,
    /// Else to the staff member who sent the contract (the newest link's sender).
    pub sent_by: Option<Uuid>,
    /// The signed PDF.
    pub pdf: Vec<u8>,
    /// Its file name.
    pub filename: String,
}

/// The mail of a signed contract, or `None` when there is nothing to mail (not signed, or
/// signed on paper).
pub async fn signed_mail(db: &TenantDb, contract: Uuid) -> DomainResult<Option<SignedMail>> {
    let mut tx = db.db().begin_snapshot().await?;
    let c = contracts::load(&mut tx, contract).await?;
    let Some(sig) = c
        .signature
        .clone()
        .filter(|s| s.method != SignatureMethod::Paper)
    else {
        return Ok(None);
    };
    let account = client_of(&mut tx, contract).await?;
    let client = match account {
        Some(a) => crate::accounts::load(&mut tx, a).await?.map(|a| a.name),
        None => None,
    };
    let language = language_of(&mut tx, account, sig.portal_user_id).await?;
    let agency_email = crate::invoicing::load(&mut tx).await?.email;
    let sent_by: Option<Uuid> = match sig.signing_link_id {
        Some(link) => tx
            .fetch_optional(
                "SELECT created_by FROM signing_links WHERE id = $1",
                params![link],
            )
            .await?
            .map(|r| r.get("created_by"))
            .transpose()?
            .flatten(),
        None => None,
    };
    let sent_by = match sent_by {
        Some(id) => Some(id),
        None => tx
            .fetch_optional(
                "SELECT created_by FROM signing_links WHERE contract_id = $1 \
                 AND created_by IS NOT NULL ORDER BY created_at DESC LIMIT 1",
                params![contract],
            )
            .await?
            .map(|r| r.get("created_by"))
            .transpose()?,
    };
    let pdf: Vec<u8> = tx
        .fetch_one(
            "SELECT bytes FROM contract_documents WHERE contract_id = $1",
            params![contract],
        )
        .await?
        .get("bytes")?;
    tx.commit().await?;
    Ok(Some(SignedMail {
        filename: signed_filename(&c.title),
        title: c.title,
        signer_name: sig.signer_name,
        signer_email: sig.signer_email,
        client,
        language,
        agency_email,
        sent_by,
        pdf,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe() {
        assert_eq!(
            signed_filename("MSA 2027 / Acme"),
            "MSA-2027---Acme-signed.pdf"
        );
        assert_eq!(signed_filename("€€€"), "signed-contract.pdf");
    }
}
