//! Export and import of one company's business data through an [`Archive`].
//!
//! Import runs inside provisioning: the company is registered (`provisioning`), its database
//! created and migrated to the archive's schema, every row inserted in one transaction, the
//! database migrated on to this build's schema, members added, and only then is it `active`.
//! A failure on the way drops what was made and forgets the registration.

use crate::archive::{ArchiveCompany, ArchiveMember, ArchiveTable, from_json, to_json};
use crate::{ARCHIVE_FORMAT, ARCHIVE_VERSION, Archive, Tenancy, TenancyError};
use serde_json::Value as Json;
use silo_control::{
    Company, CompanyStatus, Email, Invitation, NewCompany, NewInvitation, Plan, Slug,
};
use silo_roles::Role;
use silo_schema::{TENANT_MIGRATIONS, TENANT_TABLES};
use silo_store::{
    ColumnKind, Db, Sql, Timestamp, Tx, Value, migrate, migrate_to, table_columns_in,
};
use std::collections::BTreeMap;

/// A company made from an archive.
#[derive(Debug)]
pub struct Imported {
    /// The new company, active, with no member yet.
    pub company: Company,
    /// Every person of the archive, invited in their role, with the invitation's link token
    /// (shown once: the caller mails it). Nobody is a member until they accept.
    pub invitations: Vec<(Invitation, String)>,
}

impl Tenancy {
    /// Reads a company's business data and members into an archive, from one consistent
    /// snapshot of its database. Active and suspended companies can be exported.
    pub async fn export(&self, company: &Company) -> Result<Archive, TenancyError> {
        if !matches!(
            company.status,
            CompanyStatus::Active | CompanyStatus::Suspended
        ) {
            return Err(TenancyError::NotActive(company.status));
        }
        if company.moving {
            return Err(TenancyError::Unavailable(
                "its database is being moved".into(),
            ));
        }
        // One connection: it runs one statement at a time, and a fleet run of N at once must
        // stay well under the servers' connection limits.
        let limits = silo_store::sqlite::PoolLimits {
            max_connections: 1,
            ..self.pools.settings().pool_limits()
        };
        let db = self.placer.open(self.control(), company, limits).await?;
        let result = read_tables(&db).await;
        db.close().await;
        let (tenant_schema_version, tables) = result?;
        let members = self
            .control()
            .members(company.id)
            .await?
            .into_iter()
            .map(|m| ArchiveMember {
                email: m.email.to_string(),
                name: m.name,
                role: m.role.as_str().to_owned(),
            })
            .collect();
        Ok(Archive {
            format: ARCHIVE_FORMAT.into(),
            version: ARCHIVE_VERSION,
            tenant_schema_version,
            exported_at: Timestamp::now().to_string(),
            company: ArchiveCompany {
                name: company.name.clone(),
                slug: company.slug.to_string(),
                plan: company.plan.as_str().to_owned(),
            },
            members,
            tables,
        })
    }

    /// Creates a new company from an archive (name and slug from the archive unless given);
    /// its people are invited for `invitation_ttl`.
    pub async fn import(
        &self,
        archive: &Archive,
        name: Option<String>,
        slug: Option<Slug>,
        invitation_ttl: std::time::Duration,
    ) -> Result<Imported, TenancyError> {
        archive.check(TENANT_MIGRATIONS.latest(self.placer.dialect()))?;
        let members = parse_members(&archive.members)?;
        if !members.iter().any(|(_, _, role)| *role == Role::Owner) {
            return Err(TenancyError::Archive("the archive names no owner".into()));
        }
        let slug = match slug {
            Some(s) => s,
            None => Slug::parse(&archive.company.slug)
                .map_err(|e| TenancyError::Archive(format!("slug {e}")))?,
        };
        let plan: Plan = archive
            .company
            .plan
            .parse::<Plan>()
            .map_err(|e| TenancyError::Archive(format!("plan `{}`: {e}", e.given)))?;
        // Before anything is registered: a refused archive changes nothing.
        self.check_plan_limits(archive, plan, members.len()).await?;
        check_fields(archive)?;
        let new = NewCompany {
            name: name.unwrap_or_else(|| archive.company.name.clone()),
            slug,
        };
        let placement = self.placer.placement_for_new(self.control()).await?;
        let company = self.control().register_import(new, placement).await?;
        tracing::info!(company = %company.id, "registered imported company, creating its database");
        match self
            .fill(&company, archive, &members, plan, invitation_ttl)
            .await
        {
            Ok(invitations) => {
                let company = self.control().company(company.id).await?.unwrap_or(company);
                Ok(Imported {
                    company,
                    invitations,
                })
            }
            Err(e) => {
                // Nothing was served from it: remove the half-made database and registration.
                let _ = self.drop_tenant_storage(&company).await;
                let _ = self.control().discard_provisioning(company.id).await;
                Err(e)
            }
        }
    }

    /// The plan's limits, as the API holds a company to them: every person of the archive
    /// takes a seat (an invitation does), and the contacts count against the contact limit.
    async fn check_plan_limits(
        &self,
        archive: &Archive,
        plan: Plan,
        people: usize,
    ) -> Result<(), TenancyError> {
        let limits = self.control().plan_limits(plan).await?;
        let over = |max: Option<i64>, n: usize| {
            max.is_some_and(|max| i64::try_from(n).unwrap_or(i64::MAX) > max)
        };
        if over(limits.max_seats, people) {
            return Err(TenancyError::Refused(format!(
                "the archive names {people} people and the {plan} plan allows {} members",
                limits.max_seats.unwrap_or_default()
            )));
        }
        let contacts = archive.tables.get("contacts").map_or(0, |t| t.rows.len());
        if over(limits.max_contacts, contacts) {
            return Err(TenancyError::Refused(format!(
                "the archive holds {contacts} contacts and the {plan} plan allows {}",
                limits.max_contacts.unwrap_or_default()
            )));
        }
        Ok(())
    }

    /// The database, its rows, the invitations, then `active`.
    async fn fill(
        &self,
        company: &Company,
        archive: &Archive,
        members: &[(Email, String, Role)],
        plan: Plan,
        invitation_ttl: std::time::Duration,
    ) -> Result<Vec<(Invitation, String)>, TenancyError> {
        let limits = self.pools.settings().pool_limits();
        let db = self.placer.create(self.control(), company, limits).await?;
        let result = async {
            migrate_to(&db, &TENANT_MIGRATIONS, archive.tenant_schema_version).await?;
            write_tables(&db, &archive.tables).await?;
            Ok::<_, TenancyError>(migrate(&db, &TENANT_MIGRATIONS).await?)
        }
        .await;
        db.close().await;
        let version = result?;
        // People are invited, not made members: each proves their address and consents.
        // Each invitation holds a seat, within the plan's limit as through the API.
        let max_seats = self.control().plan_limits(plan).await?.max_seats;
        let mut invitations = Vec::new();
        for (email, name, role) in members {
            let invitation = NewInvitation {
                company: company.id,
                email: email.clone(),
                role: *role,
                name: name.clone(),
                invited_by: None,
                language: "en".into(),
                ttl: invitation_ttl,
            };
            invitations.push(self.control().invite(&invitation, max_seats).await?);
        }
        self.control().set_plan(company.id, plan).await?;
        self.control().activate(company.id, version).await?;
        Ok(invitations)
    }
}

/// The API's field rules on every row of the tables that have them (see
/// [`silo_domain::imports`]); the first row refused is named with every field wrong in it.
fn check_fields(archive: &Archive) -> Result<(), TenancyError> {
    for table in silo_domain::imports::checked_tables() {
        let Some(data) = archive.tables.get(table) else {
            continue;
        };
        for (i, row) in data.rows.iter().enumerate() {
            silo_domain::imports::check_row(table, &data.columns, row).map_err(|problems| {
                TenancyError::Archive(format!("{table} row {}: {problems}", i + 1))
            })?;
        }
    }
    Ok(())
}

fn parse_members(members: &[ArchiveMember]) -> Result<Vec<(Email, String, Role)>, TenancyError> {
    members
        .iter()
        .map(|m| {
            let email = Email::parse(&m.email)
                .map_err(|e| TenancyError::Archive(format!("member email {e}")))?;
            let role: Role = m
                .role
                .parse()
                .map_err(|_| TenancyError::Archive(format!("unknown role `{}`", m.role)))?;
            Ok((email, m.name.clone(), role))
        })
        .collect()
}

/// Every business table, read in one snapshot, with the schema version it was read at.
pub(crate) async fn read_tables(
    db: &Db,
) -> Result<(i64, BTreeMap<String, ArchiveTable>), TenancyError> {
    // Everything through the one transaction: its snapshot, and a single connection (a move
    // reads its source over the only connection it is still allowed).
    let mut tx = db.begin_snapshot().await?;
    let version: i64 = tx
        .fetch_one(
            "SELECT COALESCE(MAX(version), 0) AS v FROM silo_schema",
            &[],
        )
        .await?
        .get("v")?;
    let mut tables = BTreeMap::new();
    for &table in TENANT_TABLES {
        let (columns, kinds): (Vec<String>, Vec<ColumnKind>) =
            table_columns_in(&mut tx, table).await?.into_iter().unzip();
        if columns.is_empty() {
            continue; // not there at this schema version
        }
        // Names come from the catalog and the fixed table list, never from input.
        let sql = format!("SELECT {} FROM {table} ORDER BY 1, 2", quoted(&columns));
        let rows = tx.fetch_all(Sql::assembled(sql), &[]).await?;
        let rows = rows
            .iter()
            .map(|r| {
                r.values()
                    .iter()
                    .zip(&kinds)
                    .map(|(v, kind)| match (v, kind) {
                        // SQLite reads booleans as 0/1: the archive holds true/false either way.
                        (Value::Int(Some(i)), ColumnKind::Boolean) => Json::Bool(*i != 0),
                        (v, _) => to_json(v),
                    })
                    .collect()
            })
            .collect();
        tables.insert(table.to_owned(), ArchiveTable { columns, rows });
    }
    tx.commit().await?;
    Ok((version, tables))
}

/// Inserts the archive's rows in one transaction, parents first.
pub(crate) async fn write_tables(
    db: &Db,
    tables: &BTreeMap<String, ArchiveTable>,
) -> Result<(), TenancyError> {
    let mut tx = db.begin().await?;
    for &table in TENANT_TABLES {
        let Some(data) = tables.get(table) else {
            continue;
        };
        insert_rows(&mut tx, table, data).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn insert_rows(tx: &mut Tx, table: &str, data: &ArchiveTable) -> Result<(), TenancyError> {
    // Through the transaction: a pool of one connection has no other to ask.
    let known = table_columns_in(tx, table).await?;
    let mut kinds = Vec::with_capacity(data.columns.len());
    for column in &data.columns {
        // Archive column names are input: only names the database itself lists are used.
        let kind = known
            .iter()
            .find(|(name, _)| name == column)
            .map(|(_, kind)| *kind)
            .ok_or_else(|| {
                TenancyError::Archive(format!("table `{table}` has no column `{column}`"))
            })?;
        kinds.push(kind);
    }
    let placeholders: Vec<String> = (1..=kinds.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        quoted(&data.columns),
        placeholders.join(", ")
    );
    for row in &data.rows {
        let values = row
            .iter()
            .zip(&kinds)
            .zip(&data.columns)
            .map(|((json, kind), column)| {
                from_json(json, *kind)
                    .map_err(|e| TenancyError::Archive(format!("{table}.{column}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        tx.execute(Sql::assembled(sql.clone()), &values).await?;
    }
    Ok(())
}

fn quoted(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(", ")
}
