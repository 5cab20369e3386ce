//! Companies: creation for provisioning, look-ups and lifecycle transitions.

use crate::identities::{NewIdentity, find_or_create_identity};
use crate::placement::{NewPlacement, NewPlacementFor, insert_placement};
use crate::{
    CompanyId, CompanyStatus, ControlError, ControlPlane, IdentityId, Placement, Plan, Slug,
};
use schemars::JsonSchema;
use serde::Serialize;
use silo_contract::UnknownValue;
use silo_roles::Role;
use silo_store::{Row, Timestamp, params};

/// A company as the registry knows it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Company {
    /// Its id, which also names its tenant database.
    pub id: CompanyId,
    /// Its unique short name (`erased-<id>` once erased: the tombstone keeps nothing derived
    /// from its name).
    pub slug: Slug,
    /// Its display name (empty once erased).
    pub name: String,
    /// The plan that limits it.
    pub plan: Plan,
    /// Where it is in its lifecycle.
    pub status: CompanyStatus,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// When it was erased (tombstones only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erased_at: Option<Timestamp>,
    /// Who erased it: an identity id, or `operator` for the command line (tombstones only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erased_by: Option<String>,
    /// Whether it refuses members who have not turned on two-factor authentication.
    pub require_two_factor: bool,
    /// Whether its database is being moved to another server; it serves nothing meanwhile.
    #[serde(skip)]
    pub moving: bool,
}

/// Selects a company's columns (aliased `c`) with its move marker; `$rest` adds the filter.
macro_rules! select_company {
    ($rest:literal) => {
        concat!(
            "SELECT c.id, c.slug, c.name, c.plan, c.status, c.created_at, c.updated_at, ",
            "c.erased_at, c.erased_by, c.require_two_factor, (p.moving_to IS NOT NULL) AS moving, ",
            "p.backend, p.server, p.database_name, p.credentials_ref, p.schema_version ",
            "FROM companies c LEFT JOIN placements p ON p.company_id = c.id ",
            $rest
        )
    };
}

/// What it takes to register a company.
#[derive(Clone, Debug)]
pub struct NewCompany {
    /// Display name.
    pub name: String,
    /// Unique short name.
    pub slug: Slug,
}

impl Company {
    pub(crate) fn from_row(row: &Row) -> Result<Company, ControlError> {
        let corrupt = |e: String| ControlError::Corrupt(e);
        Ok(Company {
            id: row.get("id")?,
            slug: Slug::parse(&row.get::<String>("slug")?).map_err(|e| corrupt(e.into()))?,
            name: row.get("name")?,
            plan: row
                .get::<String>("plan")?
                .parse()
                .map_err(|e: UnknownValue| corrupt(format!("plan `{}`", e.given)))?,
            status: row
                .get::<String>("status")?
                .parse()
                .map_err(|e: UnknownValue| corrupt(format!("company status `{}`", e.given)))?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
            erased_at: row.get("erased_at")?,
            erased_by: row.get("erased_by")?,
            require_two_factor: row.get("require_two_factor")?,
            moving: row.get::<Option<bool>>("moving")?.unwrap_or(false),
        })
    }
}

impl ControlPlane {
    /// Registers a company in `provisioning` together with its placement and its owner's
    /// membership, in one transaction. The company serves nothing until [`Self::activate`].
    pub async fn register_company(
        &self,
        company: NewCompany,
        owner: NewIdentity,
        placement: impl FnOnce(CompanyId) -> NewPlacement,
    ) -> Result<(Company, IdentityId), ControlError> {
        let (company, owner) = self
            .register_company_as(company, Some(&owner), placement, false)
            .await?;
        Ok((company, owner.ok_or(ControlError::NotFound)?))
    }

    /// [`Self::register_company`] for an import: no member yet (its people are invited, and
    /// each accepts by mail), and a marker until [`Self::activate`], so an interrupted import is
    /// not finished like a signup.
    pub async fn register_import(
        &self,
        company: NewCompany,
        placement: impl FnOnce(CompanyId) -> NewPlacement,
    ) -> Result<Company, ControlError> {
        let (company, _) = self
            .register_company_as(company, None, placement, true)
            .await?;
        Ok(company)
    }

    async fn register_company_as(
        &self,
        company: NewCompany,
        owner: Option<&NewIdentity>,
        placement: impl FnOnce(CompanyId) -> NewPlacement,
        importing: bool,
    ) -> Result<(Company, Option<IdentityId>), ControlError> {
        let id = CompanyId::generate();
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        tx.execute(
            "INSERT INTO companies (id, slug, name, plan, status, created_at, updated_at, importing)
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7)",
            params![
                id,
                company.slug.as_str(),
                company.name.as_str(),
                Plan::Starter.as_str(),
                CompanyStatus::Provisioning.as_str(),
                now,
                i64::from(importing)
            ],
        )
        .await
        .map_err(|e| match e {
            e if e.is_conflict_on("slug") => ControlError::SlugTaken(company.slug.to_string()),
            e => e.into(),
        })?;
        insert_placement(
            &mut tx,
            &NewPlacementFor {
                company_id: id,
                placement: placement(id),
            },
            now,
        )
        .await?;
        let identity = match owner {
            Some(owner) => {
                let identity = find_or_create_identity(&mut tx, owner, now).await?;
                tx.execute(
                    "INSERT INTO memberships (identity_id, company_id, role, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $4)",
                    params![identity, id, Role::Owner.as_str(), now],
                )
                .await?;
                Some(identity)
            }
            None => None,
        };
        tx.commit().await?;
        let company = self.company(id).await?.ok_or(ControlError::NotFound)?;
        Ok((company, identity))
    }

    /// Finishes provisioning: records the tenant schema version and makes the company active.
    pub async fn activate(
        &self,
        id: CompanyId,
        schema_version: i64,
    ) -> Result<Company, ControlError> {
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        tx.execute(
            "UPDATE placements SET schema_version = $1, updated_at = $2 WHERE company_id = $3",
            params![schema_version, now, id],
        )
        .await?;
        tx.execute(
            "UPDATE companies SET importing = 0 WHERE id = $1",
            params![id],
        )
        .await?;
        transition(
            &mut tx,
            id,
            CompanyStatus::Provisioning,
            CompanyStatus::Active,
            now,
        )
        .await?;
        tx.commit().await?;
        self.company(id).await?.ok_or(ControlError::NotFound)
    }

    /// Moves a company from one state to another, refusing steps the lifecycle does not allow.
    pub async fn set_status(
        &self,
        id: CompanyId,
        to: CompanyStatus,
    ) -> Result<Company, ControlError> {
        let current = self.company(id).await?.ok_or(ControlError::NotFound)?;
        let mut tx = self.db.begin().await?;
        transition(&mut tx, id, current.status, to, Timestamp::now()).await?;
        tx.commit().await?;
        self.company(id).await?.ok_or(ControlError::NotFound)
    }

    /// A company by id.
    pub async fn company(&self, id: CompanyId) -> Result<Option<Company>, ControlError> {
        let row = self
            .db
            .fetch_optional(select_company!("WHERE c.id = $1"), params![id])
            .await?;
        row.as_ref().map(Company::from_row).transpose()
    }

    /// A company by id or slug, as typed by an operator or a client.
    pub async fn find_company(&self, id_or_slug: &str) -> Result<Option<Company>, ControlError> {
        if let Ok(id) = id_or_slug.parse::<CompanyId>() {
            return self.company(id).await;
        }
        let row = self
            .db
            .fetch_optional(select_company!("WHERE c.slug = $1"), params![id_or_slug])
            .await?;
        row.as_ref().map(Company::from_row).transpose()
    }

    /// Every company with its placement, oldest first.
    pub async fn list_companies(&self) -> Result<Vec<(Company, Option<Placement>)>, ControlError> {
        let rows = self
            .db
            .fetch_all(select_company!("ORDER BY c.created_at, c.id"), &[])
            .await?;
        rows.iter()
            .map(|row| {
                let placement = match row.get::<Option<String>>("backend")? {
                    Some(_) => Some(Placement::from_row(row, "id")?),
                    None => None,
                };
                Ok((Company::from_row(row)?, placement))
            })
            .collect()
    }

    /// Companies whose provisioning (not an import) has not finished (a crash or an
    /// interrupted command). Interrupted imports are left out: finishing them would activate an
    /// empty company; they stay in `provisioning`, serving nothing, until erased or imported
    /// again.
    pub async fn provisioning_companies(&self) -> Result<Vec<Company>, ControlError> {
        let rows = self
            .db
            .fetch_all(
                select_company!(
                    "WHERE c.status = 'provisioning' AND c.importing = 0 ORDER BY c.created_at"
                ),
                &[],
            )
            .await?;
        rows.iter().map(Company::from_row).collect()
    }

    /// Renames a company.
    pub async fn rename_company(&self, id: CompanyId, name: &str) -> Result<Company, ControlError> {
        self.db
            .execute(
                "UPDATE companies SET name = $1, updated_at = $2 WHERE id = $3",
                params![name, Timestamp::now(), id],
            )
            .await?;
        self.company(id).await?.ok_or(ControlError::NotFound)
    }

    /// Changes a company's plan.
    pub async fn set_plan(&self, id: CompanyId, plan: Plan) -> Result<Company, ControlError> {
        self.db
            .execute(
                "UPDATE companies SET plan = $1, updated_at = $2 WHERE id = $3",
                params![plan.as_str(), Timestamp::now(), id],
            )
            .await?;
        self.company(id).await?.ok_or(ControlError::NotFound)
    }
}

/// Compare-and-set on the status column, so two concurrent transitions cannot both succeed
/// from the same state.
async fn transition(
    tx: &mut silo_store::Tx,
    id: CompanyId,
    from: CompanyStatus,
    to: CompanyStatus,
    now: Timestamp,
) -> Result<(), ControlError> {
    if !from.can_become(to) {
        return Err(ControlError::InvalidTransition { from, to });
    }
    let changed = tx
        .execute(
            "UPDATE companies SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
            params![to.as_str(), now, id, from.as_str()],
        )
        .await?;
    if changed == 1 {
        return Ok(());
    }
    let row = tx
        .fetch_optional("SELECT status FROM companies WHERE id = $1", params![id])
        .await?;
    match row {
        None => Err(ControlError::NotFound),
        Some(row) => {
            let actual: CompanyStatus =
                row.get::<String>("status")?
                    .parse()
                    .map_err(|e: UnknownValue| {
                        ControlError::Corrupt(format!("company status `{}`", e.given))
                    })?;
            Err(ControlError::InvalidTransition { from: actual, to })
        }
    }
}
