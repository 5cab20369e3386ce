//! Memberships: which identity holds which role in which company.

use crate::{CompanyId, CompanyStatus, ControlError, ControlPlane, Email, IdentityId, Slug};
use schemars::JsonSchema;
use serde::Serialize;
use silo_roles::Role;
use silo_store::{Row, StoreError, Timestamp, Tx, params};

/// A member of a company, as listed to its admins.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Member {
    /// The member's identity.
    pub identity_id: IdentityId,
    /// Their email.
    pub email: Email,
    /// Their display name.
    pub name: String,
    /// Their role in this company.
    #[serde(serialize_with = "role_str")]
    #[schemars(schema_with = "crate::types::role_schema")]
    pub role: Role,
}

/// One of an identity's memberships, as listed to that identity.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct MembershipSummary {
    /// The company's id.
    pub id: CompanyId,
    /// The company's slug.
    pub slug: Slug,
    /// The company's name.
    pub name: String,
    /// The identity's role there.
    #[serde(serialize_with = "role_str")]
    #[schemars(schema_with = "crate::types::role_schema")]
    pub role: Role,
    /// The company's state.
    pub status: CompanyStatus,
}

pub(crate) fn role_str<S: serde::Serializer>(role: &Role, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(role.as_str())
}

fn member_from_row(row: &Row) -> Result<Member, ControlError> {
    Ok(Member {
        identity_id: row.get("id")?,
        email: Email::from_stored(row.get("email")?),
        name: row.get("name")?,
        role: parse_role(row)?,
    })
}

pub(crate) fn parse_role(row: &Row) -> Result<Role, ControlError> {
    row.get::<String>("role")?
        .parse()
        .map_err(|e: silo_roles::ParseRoleError| ControlError::Corrupt(e.to_string()))
}

impl ControlPlane {
    /// The identity's role in the company now, if it holds a membership there.
    pub async fn role_of(
        &self,
        identity: IdentityId,
        company: CompanyId,
    ) -> Result<Option<Role>, ControlError> {
        let row = self
            .db
            .fetch_optional(
                "SELECT role FROM memberships WHERE identity_id = $1 AND company_id = $2",
                params![identity, company],
            )
            .await?;
        row.as_ref().map(parse_role).transpose()
    }

    /// Gives an identity a role in a company.
    pub async fn add_membership(
        &self,
        identity: IdentityId,
        company: CompanyId,
        role: Role,
    ) -> Result<(), ControlError> {
        self.add_membership_within(identity, company, role, None)
            .await
    }

    /// Gives an identity a role in a company unless the company already has `max_seats`
    /// members ([`ControlError::SeatLimit`]); count and insert happen in one transaction.
    pub async fn add_membership_within(
        &self,
        identity: IdentityId,
        company: CompanyId,
        role: Role,
        max_seats: Option<i64>,
    ) -> Result<(), ControlError> {
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        insert_membership(&mut tx, identity, company, role, max_seats, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The companies an identity belongs to (erased ones left out), by name.
    pub async fn memberships_of(
        &self,
        identity: IdentityId,
    ) -> Result<Vec<MembershipSummary>, ControlError> {
        let rows = self
            .db
            .fetch_all(
                "SELECT c.id, c.slug, c.name, c.status, m.role
                 FROM memberships m JOIN companies c ON c.id = m.company_id
                 WHERE m.identity_id = $1 AND c.status <> 'erased'
                 ORDER BY c.name, c.id",
                params![identity],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(MembershipSummary {
                    id: row.get("id")?,
                    slug: Slug::parse(&row.get::<String>("slug")?)
                        .map_err(|e| ControlError::Corrupt(e.into()))?,
                    name: row.get("name")?,
                    role: parse_role(row)?,
                    status: row.get::<String>("status")?.parse().map_err(
                        |e: silo_contract::UnknownValue| {
                            ControlError::Corrupt(format!("company status `{}`", e.given))
                        },
                    )?,
                })
            })
            .collect()
    }

    /// A company's members, by email.
    pub async fn members(&self, company: CompanyId) -> Result<Vec<Member>, ControlError> {
        self.members_page(company, None, i64::MAX).await
    }

    /// One page of a company's members in identity order, after `cursor` (an identity id).
    pub async fn members_page(
        &self,
        company: CompanyId,
        after: Option<IdentityId>,
        limit: i64,
    ) -> Result<Vec<Member>, ControlError> {
        let rows = self
            .db
            .fetch_all(
                "SELECT i.id, i.email, i.name, m.role
                 FROM memberships m JOIN identities i ON i.id = m.identity_id
                 WHERE m.company_id = $1 AND ($2 IS NULL OR i.id > $2)
                 ORDER BY i.id LIMIT $3",
                params![company, after.map(|a| a.as_uuid()), limit],
            )
            .await?;
        rows.iter().map(member_from_row).collect()
    }

    /// One member of a company.
    pub async fn member(
        &self,
        company: CompanyId,
        identity: IdentityId,
    ) -> Result<Option<Member>, ControlError> {
        let row = self
            .db
            .fetch_optional(
                "SELECT i.id, i.email, i.name, m.role
                 FROM memberships m JOIN identities i ON i.id = m.identity_id
                 WHERE m.company_id = $1 AND m.identity_id = $2",
                params![company, identity],
            )
            .await?;
        row.as_ref().map(member_from_row).transpose()
    }

    /// How many seats a company uses: members plus invitations still waiting for an answer.
    pub async fn seats_in_use(&self, company: CompanyId) -> Result<i64, ControlError> {
        let mut tx = self.db.begin().await?;
        let seats = seats_taken(&mut tx, company, Timestamp::now()).await?;
        tx.commit().await?;
        Ok(seats)
    }

    /// Changes a member's role. Demoting the company's last owner is refused with
    /// [`ControlError::LastOwner`].
    pub async fn set_role(
        &self,
        identity: IdentityId,
        company: CompanyId,
        role: Role,
    ) -> Result<(), ControlError> {
        let mut tx = self.db.begin().await?;
        lock_company(&mut tx, company).await?;
        let current = member_role(&mut tx, identity, company).await?;
        if current == Role::Owner
            && role != Role::Owner
            && owner_count(&mut tx, company).await? <= 1
        {
            return Err(ControlError::LastOwner);
        }
        tx.execute(
            "UPDATE memberships SET role = $1, updated_at = $2 WHERE identity_id = $3 AND company_id = $4",
            params![role.as_str(), Timestamp::now(), identity, company],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a membership. Removing the company's last owner is refused with
    /// [`ControlError::LastOwner`].
    pub async fn remove_membership(
        &self,
        identity: IdentityId,
        company: CompanyId,
    ) -> Result<(), ControlError> {
        let mut tx = self.db.begin().await?;
        lock_company(&mut tx, company).await?;
        let current = member_role(&mut tx, identity, company).await?;
        if current == Role::Owner && owner_count(&mut tx, company).await? <= 1 {
            return Err(ControlError::LastOwner);
        }
        tx.execute(
            "DELETE FROM memberships WHERE identity_id = $1 AND company_id = $2",
            params![identity, company],
        )
        .await?;
        tx.execute(
            "UPDATE member_invitations SET status = 'revoked', decided_at = $1
             WHERE company_id = $2 AND status = 'pending'
               AND lower(email) = (SELECT lower(email) FROM identities WHERE id = $3)",
            params![Timestamp::now(), company, identity],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Locks the company's row for the rest of the transaction, so checks over its memberships
/// (seat limit, last owner) cannot race on PostgreSQL; SQLite's write lock already covers it.
pub(crate) async fn lock_company(tx: &mut Tx, company: CompanyId) -> Result<(), ControlError> {
    tx.execute(
        "UPDATE companies SET updated_at = updated_at WHERE id = $1",
        params![company],
    )
    .await?;
    Ok(())
}

async fn insert_membership(
    tx: &mut Tx,
    identity: IdentityId,
    company: CompanyId,
    role: Role,
    max_seats: Option<i64>,
    now: Timestamp,
) -> Result<(), ControlError> {
    lock_company(tx, company).await?;
    if let Some(max) = max_seats
        && seats_taken(tx, company, now).await? >= max
    {
        return Err(ControlError::SeatLimit(max));
    }
    tx.execute(
        "INSERT INTO memberships (identity_id, company_id, role, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $4)",
        params![identity, company, role.as_str(), now],
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict { .. } => ControlError::AlreadyMember,
        e => e.into(),
    })?;
    Ok(())
}

/// Seats in use: members plus invitations still waiting for an answer.
pub(crate) async fn seats_taken(
    tx: &mut Tx,
    company: CompanyId,
    now: Timestamp,
) -> Result<i64, ControlError> {
    let row = tx
        .fetch_one(
            "SELECT (SELECT COUNT(*) FROM memberships WHERE company_id = $1)
                  + (SELECT COUNT(*) FROM member_invitations
                     WHERE company_id = $1 AND status = 'pending' AND expires_at > $2) AS n",
            params![company, now],
        )
        .await?;
    Ok(row.get("n")?)
}

async fn member_role(
    tx: &mut Tx,
    identity: IdentityId,
    company: CompanyId,
) -> Result<Role, ControlError> {
    let row = tx
        .fetch_optional(
            "SELECT role FROM memberships WHERE identity_id = $1 AND company_id = $2",
            params![identity, company],
        )
        .await?
        .ok_or(ControlError::NotFound)?;
    parse_role(&row)
}

async fn owner_count(tx: &mut Tx, company: CompanyId) -> Result<i64, ControlError> {
    let row = tx
        .fetch_one(
            "SELECT COUNT(*) AS n FROM memberships WHERE company_id = $1 AND role = $2",
            params![company, Role::Owner.as_str()],
        )
        .await?;
    Ok(row.get("n")?)
}
