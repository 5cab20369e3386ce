//! Invitations: memberships a company offers to an address, which grant nothing until the person
//! who holds the address accepts.
//!
//! An invitation is kept by address, not by identity, so inviting says nothing about whether the
//! address is registered, and nothing another company set (a name, a password) is ever shown or
//! used. The link mailed to the address proves control of it; only the SHA-256 of its token is
//! stored. Accepting creates the membership: through the link (a new person chooses a password
//! there; a known person keeps theirs) or, logged in, from the list of one's own invitations.

use crate::identities::{cut_off_tokens, identity_columns};
use crate::memberships::{lock_company, seats_taken};
use crate::secret::{digest, new_token};
use crate::{
    CompanyId, ControlError, ControlPlane, Email, Identity, IdentityId, IdentityStatus,
    InvitationId, Slug,
};
use schemars::JsonSchema;
use serde::Serialize;
use silo_roles::Role;
use silo_store::{Row, StoreError, Timestamp, Tx, params};
use std::time::Duration;

/// How long an invitation stays valid unless the deployment says otherwise.
pub const INVITATION_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

silo_contract::string_enum! {
    /// Where an invitation stands.
    pub enum InvitationStatus {
        /// Waiting for the person (possibly expired: see `expires_at`).
        Pending = "pending",
        /// Accepted: the membership exists.
        Accepted = "accepted",
        /// The person said no.
        Declined = "declined",
        /// The company withdrew it (or removed the member).
        Revoked = "revoked",
    }
}

impl InvitationStatus {
    fn stored(s: &str) -> Result<Self, ControlError> {
        Self::parse(s).ok_or_else(|| ControlError::Corrupt(format!("invitation status `{s}`")))
    }
}

/// Who sent an invitation, as the inviting company sees it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Inviter {
    /// Their identity.
    pub id: IdentityId,
    /// Their display name.
    pub name: String,
    /// Their address.
    pub email: Email,
}

/// An invitation as the inviting company sees it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Invitation {
    /// Its id.
    pub id: InvitationId,
    /// The company that invites.
    #[serde(skip)]
    pub company_id: CompanyId,
    /// The invited address.
    pub email: Email,
    /// The role the membership will have.
    #[serde(serialize_with = "crate::memberships::role_str")]
    #[schemars(schema_with = "crate::types::role_schema")]
    pub role: Role,
    /// The name the inviting company gave the person (never shown to anyone else).
    pub name: String,
    /// Where it stands.
    pub status: InvitationStatus,
    /// Who invited.
    pub invited_by: Option<Inviter>,
    /// The language its mails are written in (`en`, `nl`).
    pub language: String,
    /// When it was made or last sent.
    pub created_at: Timestamp,
    /// When its link stops working.
    pub expires_at: Timestamp,
    /// Whether it has expired (then it can be sent again).
    pub expired: bool,
}

/// A company's offer as the invited person sees it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct OfferedMembership {
    /// The invitation.
    pub id: InvitationId,
    /// The company.
    pub company: CompanySummary,
    /// The role offered.
    #[serde(serialize_with = "crate::memberships::role_str")]
    #[schemars(schema_with = "crate::types::role_schema")]
    pub role: Role,
    /// The invited address.
    pub email: Email,
    /// Until when it can be accepted.
    pub expires_at: Timestamp,
}

/// A company's public face in an invitation.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct CompanySummary {
    /// Its id.
    pub id: CompanyId,
    /// Its slug.
    pub slug: Slug,
    /// Its name.
    pub name: String,
}

/// What a company asks for when it invites.
#[derive(Clone, Debug)]
pub struct NewInvitation {
    /// The company.
    pub company: CompanyId,
    /// The address.
    pub email: Email,
    /// The role.
    pub role: Role,
    /// The name the company knows the person by.
    pub name: String,
    /// Who invites (`None`: an operator).
    pub invited_by: Option<IdentityId>,
    /// The language of its mails.
    pub language: String,
    /// How long the link works.
    pub ttl: Duration,
}

/// What an invitation link leads to, read before anything is hashed or changed.
#[derive(Clone, Debug)]
pub struct LinkedInvitation {
    /// The offer.
    pub offer: OfferedMembership,
    /// The identity that holds the address, if one does.
    pub account: Option<Identity>,
}

impl LinkedInvitation {
    /// Whether accepting through the link needs a password: there is no usable identity for the
    /// address yet (none, or one whose address was never proven: the link proves it now).
    pub fn needs_password(&self) -> bool {
        !self
            .account
            .as_ref()
            .is_some_and(|a| a.email_verified_at.is_some() && a.status == IdentityStatus::Active)
    }
}

/// The result of accepting an invitation.
#[derive(Clone, Copy, Debug)]
pub struct Accepted {
    /// The identity that is now a member.
    pub identity: IdentityId,
    /// The company it joined.
    pub company: CompanyId,
    /// Whether the acceptance proved the address and set the password (the person may be
    /// logged in); `false` when a known person accepted and must log in as usual.
    pub set_password: bool,
}

/// An invitation with its inviter; statements are `&'static str`, hence macros.
macro_rules! select {
    () => {
        "SELECT v.id, v.company_id, v.email, v.role, v.name, v.status, v.language,
        v.created_at, v.expires_at, v.invited_by, b.name AS inviter_name, b.email AS inviter_email
    FROM member_invitations v LEFT JOIN identities b ON b.id = v.invited_by "
    };
}

fn from_row(row: &Row, now: Timestamp) -> Result<Invitation, ControlError> {
    let expires_at: Timestamp = row.get("expires_at")?;
    let invited_by = match row.get::<Option<IdentityId>>("invited_by")? {
        Some(id) => Some(Inviter {
            id,
            name: row
                .get::<Option<String>>("inviter_name")?
                .unwrap_or_default(),
            email: Email::from_stored(
                row.get::<Option<String>>("inviter_email")?
                    .unwrap_or_default(),
            ),
        }),
        None => None,
    };
    Ok(Invitation {
        id: row.get("id")?,
        company_id: row.get("company_id")?,
        email: Email::from_stored(row.get("email")?),
        role: crate::memberships::parse_role(row)?,
        name: row.get("name")?,
        status: InvitationStatus::stored(&row.get::<String>("status")?)?,
        invited_by,
        language: row.get("language")?,
        created_at: row.get("created_at")?,
        expires_at,
        expired: expires_at <= now,
    })
}

fn offer_from_row(row: &Row) -> Result<OfferedMembership, ControlError> {
    Ok(OfferedMembership {
        id: row.get("id")?,
        company: CompanySummary {
            id: row.get("company_id")?,
            slug: Slug::parse(&row.get::<String>("company_slug")?)
                .map_err(|e| ControlError::Corrupt(e.into()))?,
            name: row.get("company_name")?,
        },
        role: crate::memberships::parse_role(row)?,
        email: Email::from_stored(row.get("email")?),
        expires_at: row.get("expires_at")?,
    })
}

/// An invitation with its company, as offered to the person.
macro_rules! offer {
    () => {
        "SELECT v.id, v.company_id, v.email, v.role, v.expires_at,
        c.slug AS company_slug, c.name AS company_name
    FROM member_invitations v JOIN companies c ON c.id = v.company_id "
    };
}

fn expiry(now: Timestamp, ttl: Duration) -> Timestamp {
    Timestamp::from_datetime(now.datetime() + ttl)
}

async fn invitation_in(
    tx: &mut Tx,
    company: CompanyId,
    id: InvitationId,
    now: Timestamp,
) -> Result<Invitation, ControlError> {
    let row = tx
        .fetch_optional(
            concat!(select!(), "WHERE v.id = $1 AND v.company_id = $2"),
            params![id, company],
        )
        .await?
        .ok_or(ControlError::NotFound)?;
    from_row(&row, now)
}

/// Makes `identity` a member in `role` unless it is one already.
async fn join(
    tx: &mut Tx,
    identity: IdentityId,
    company: CompanyId,
    role: Role,
    now: Timestamp,
) -> Result<(), ControlError> {
    match tx
        .execute(
            "INSERT INTO memberships (identity_id, company_id, role, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $4)",
            params![identity, company, role.as_str(), now],
        )
        .await
    {
        Ok(_) | Err(StoreError::Conflict { .. }) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

impl ControlPlane {
    /// Invites an address, or renews the company's pending invitation to it (new link, new
    /// expiry, the new role). Returns the invitation and its link token (shown once, to be
    /// mailed; never stored). Refused when the address is a member already
    /// ([`ControlError::AlreadyMember`]) or the seats are taken ([`ControlError::SeatLimit`]):
    /// members and pending invitations both hold a seat.
    pub async fn invite(
        &self,
        new: &NewInvitation,
        max_seats: Option<i64>,
    ) -> Result<(Invitation, String), ControlError> {
        let now = Timestamp::now();
        let token = new_token();
        let mut tx = self.db.begin().await?;
        lock_company(&mut tx, new.company).await?;
        let member = tx
            .fetch_optional(
                "SELECT 1 AS one FROM memberships m JOIN identities i ON i.id = m.identity_id
                 WHERE m.company_id = $1 AND lower(i.email) = $2",
                params![new.company, new.email.as_str()],
            )
            .await?;
        if member.is_some() {
            return Err(ControlError::AlreadyMember);
        }
        let renewed = tx
            .execute(
                "UPDATE member_invitations
                 SET token_hash = $1, role = $2, name = $3, invited_by = $4, language = $5,
                     created_at = $6, expires_at = $7
                 WHERE company_id = $8 AND lower(email) = $9 AND status = 'pending'",
                params![
                    digest(&token),
                    new.role.as_str(),
                    new.name.as_str(),
                    new.invited_by.map(|i| i.as_uuid()),
                    new.language.as_str(),
                    now,
                    expiry(now, new.ttl),
                    new.company,
                    new.email.as_str()
                ],
            )
            .await?;
        if renewed == 0 {
            if let Some(max) = max_seats
                && seats_taken(&mut tx, new.company, now).await? >= max
            {
                return Err(ControlError::SeatLimit(max));
            }
            tx.execute(
                "INSERT INTO member_invitations
                    (id, company_id, email, role, name, invited_by, token_hash, status, language, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10)",
                params![
                    InvitationId::generate(),
                    new.company,
                    new.email.as_str(),
                    new.role.as_str(),
                    new.name.as_str(),
                    new.invited_by.map(|i| i.as_uuid()),
                    digest(&token),
                    new.language.as_str(),
                    now,
                    expiry(now, new.ttl)
                ],
            )
            .await?;
        }
        let row = tx
            .fetch_one(
                concat!(
                    select!(),
                    "WHERE v.company_id = $1 AND lower(v.email) = $2 AND v.status = 'pending'"
                ),
                params![new.company, new.email.as_str()],
            )
            .await?;
        let invitation = from_row(&row, now)?;
        tx.commit().await?;
        Ok((invitation, token))
    }

    /// A company's pending invitations in id order, after `cursor`.
    pub async fn pending_invitations(
        &self,
        company: CompanyId,
        after: Option<InvitationId>,
        limit: i64,
    ) -> Result<Vec<Invitation>, ControlError> {
        let now = Timestamp::now();
        let rows = self
            .db
            .fetch_all(
                concat!(
                    select!(),
                    "WHERE v.company_id = $1 AND v.status = 'pending'
                     AND ($2 IS NULL OR v.id > $2) ORDER BY v.id LIMIT $3"
                ),
                params![company, after.map(|a| a.as_uuid()), limit],
            )
            .await?;
        rows.iter().map(|r| from_row(r, now)).collect()
    }

    /// One of a company's invitations.
    pub async fn invitation(
        &self,
        company: CompanyId,
        id: InvitationId,
    ) -> Result<Option<Invitation>, ControlError> {
        let row = self
            .db
            .fetch_optional(
                concat!(select!(), "WHERE v.id = $1 AND v.company_id = $2"),
                params![id, company],
            )
            .await?;
        row.as_ref()
            .map(|r| from_row(r, Timestamp::now()))
            .transpose()
    }

    /// Sends a pending invitation again: a new link (the old one stops working) and a new
    /// expiry. Returns it with the new token.
    pub async fn renew_invitation(
        &self,
        company: CompanyId,
        id: InvitationId,
        ttl: Duration,
    ) -> Result<(Invitation, String), ControlError> {
        let now = Timestamp::now();
        let token = new_token();
        let mut tx = self.db.begin().await?;
        let changed = tx
            .execute(
                "UPDATE member_invitations SET token_hash = $1, created_at = $2, expires_at = $3
                 WHERE id = $4 AND company_id = $5 AND status = 'pending'",
                params![digest(&token), now, expiry(now, ttl), id, company],
            )
            .await?;
        if changed == 0 {
            return Err(ControlError::NotFound);
        }
        let invitation = invitation_in(&mut tx, company, id, now).await?;
        tx.commit().await?;
        Ok((invitation, token))
    }

    /// Withdraws a company's pending invitation.
    pub async fn revoke_invitation(
        &self,
        company: CompanyId,
        id: InvitationId,
    ) -> Result<(), ControlError> {
        let changed = self
            .db
            .execute(
                "UPDATE member_invitations SET status = 'revoked', decided_at = $1
                 WHERE id = $2 AND company_id = $3 AND status = 'pending'",
                params![Timestamp::now(), id, company],
            )
            .await?;
        if changed == 0 {
            return Err(ControlError::NotFound);
        }
        Ok(())
    }

    /// What an invitation link offers, if it is still good: looked up before any password is
    /// hashed, so a made-up token costs the server one indexed read.
    pub async fn invitation_by_token(
        &self,
        token: &str,
    ) -> Result<Option<LinkedInvitation>, ControlError> {
        let row = self
            .db
            .fetch_optional(
                concat!(
                    offer!(),
                    "WHERE v.token_hash = $1 AND v.status = 'pending' AND v.expires_at > $2
                     AND c.status = 'active'"
                ),
                params![digest(token), Timestamp::now()],
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        let offer = offer_from_row(&row)?;
        let account = self.identity_by_email(&offer.email).await?;
        Ok(Some(LinkedInvitation { offer, account }))
    }

    /// Accepts an invitation through its link, which proves control of the address.
    ///
    /// With no usable identity for the address, `password_hash` is required: the identity is
    /// created (or, if it existed without a proven address, its password is replaced and every
    /// session and token it had is ended) and verified. With a verified identity the password
    /// must be `None`: accepting never changes it. [`ControlError::NotFound`]: the token is
    /// unknown, used or expired, or the identity is disabled; [`ControlError::Changed`]: the
    /// situation differs from what `needs_password` said (retry from the link).
    pub async fn accept_invitation_link(
        &self,
        token: &str,
        password_hash: Option<&str>,
        name: Option<&str>,
    ) -> Result<Accepted, ControlError> {
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let row = tx
            .fetch_optional(
                "UPDATE member_invitations SET status = 'accepted', decided_at = $1
                 WHERE token_hash = $2 AND status = 'pending' AND expires_at > $1
                 RETURNING company_id, email, role, name",
                params![now, digest(token)],
            )
            .await?
            .ok_or(ControlError::NotFound)?;
        let company: CompanyId = row.get("company_id")?;
        let email = Email::from_stored(row.get("email")?);
        let role = crate::memberships::parse_role(&row)?;
        let existing = tx
            .fetch_optional(
                concat!(
                    "SELECT ",
                    identity_columns!(),
                    " FROM identities WHERE lower(email) = $1"
                ),
                params![email.as_str()],
            )
            .await?
            .as_ref()
            .map(Identity::from_row)
            .transpose()?;
        let (identity, set_password) = match (existing, password_hash) {
            (Some(i), _) if i.status == IdentityStatus::Disabled => {
                return Err(ControlError::NotFound);
            }
            (Some(i), None) if i.email_verified_at.is_some() => (i.id, false),
            (Some(_), None) | (None, None) => return Err(ControlError::Changed),
            (Some(i), Some(_)) if i.email_verified_at.is_some() => {
                return Err(ControlError::Changed);
            }
            (Some(i), Some(hash)) => {
                // Whoever set the old password never proved the address: it opens nothing now.
                tx.execute(
                    "UPDATE identities SET password_hash = $1, status = 'active',
                            email_verified_at = $2, name = COALESCE($3, name), updated_at = $2
                     WHERE id = $4",
                    params![hash, now, name, i.id],
                )
                .await?;
                cut_off_tokens(&mut tx, i.id, None, now).await?;
                (i.id, true)
            }
            (None, Some(hash)) => {
                let id = crate::identities::create_verified_identity(
                    &mut tx,
                    &email,
                    name.unwrap_or(""),
                    hash,
                    now,
                )
                .await?;
                (id, true)
            }
        };
        join(&mut tx, identity, company, role, now).await?;
        tx.commit().await?;
        Ok(Accepted {
            identity,
            company,
            set_password,
        })
    }

    /// The pending, unexpired invitations to an identity's proven address.
    pub async fn offers_for(
        &self,
        identity: &Identity,
    ) -> Result<Vec<OfferedMembership>, ControlError> {
        if identity.email_verified_at.is_none() {
            return Ok(Vec::new());
        }
        let rows = self
            .db
            .fetch_all(
                concat!(
                    offer!(),
                    "WHERE lower(v.email) = $1 AND v.status = 'pending' AND v.expires_at > $2
                     AND c.status = 'active' ORDER BY v.created_at, v.id"
                ),
                params![identity.email.as_str(), Timestamp::now()],
            )
            .await?;
        rows.iter().map(offer_from_row).collect()
    }

    /// Accepts (`accept`) or declines one of the invitations to a logged-in identity's proven
    /// address; returns the company. [`ControlError::NotFound`] for any invitation that is not
    /// a pending, unexpired one to this address.
    pub async fn answer_invitation(
        &self,
        identity: &Identity,
        id: InvitationId,
        accept: bool,
    ) -> Result<CompanyId, ControlError> {
        if !identity.usable() {
            return Err(ControlError::NotFound);
        }
        let now = Timestamp::now();
        let status = if accept { "accepted" } else { "declined" };
        let mut tx = self.db.begin().await?;
        let row = tx
            .fetch_optional(
                "UPDATE member_invitations SET status = $1, decided_at = $2
                 WHERE id = $3 AND lower(email) = $4 AND status = 'pending' AND expires_at > $2
                 RETURNING company_id, role",
                params![status, now, id, identity.email.as_str()],
            )
            .await?
            .ok_or(ControlError::NotFound)?;
        let company: CompanyId = row.get("company_id")?;
        if accept {
            join(
                &mut tx,
                identity.id,
                company,
                crate::memberships::parse_role(&row)?,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(company)
    }
}
