//! Export and import of one company's business data through an [`Archive`].
//!
//! Import runs inside provisioning: the company is registered (`provisioning`), its database
//! created and migrated to the archive's schema, every row inserted in one transaction as it is
//! read (each held to the API's field rules and the plan's limits), the database migrated on to
//! this build's schema, members invited, and only then is it `active`. A failure on the way
//! drops what was made and forgets the registration, so a refused archive leaves nothing.

use crate::archive::{
    ARCHIVE_VERSION_NAME_ORDER, ArchiveCompany, ArchiveHeader, ArchiveMember, ArchivePart,
    ArchiveTable, from_json, parse_parts, to_json,
};
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

    /// Creates a new company from an archive held in memory (name and slug from the archive
    /// unless given); its people are invited for `invitation_ttl`.
    pub async fn import(
        &self,
        archive: &Archive,
        name: Option<String>,
        slug: Option<Slug>,
        invitation_ttl: std::time::Duration,
    ) -> Result<Imported, TenancyError> {
        let mut parts = archive.parts().into_iter();
        self.import_parts(&mut parts, name, slug, invitation_ttl)
            .await
    }

    /// Creates a new company from the archive `reader` gives, read as a stream: parsed on a
    /// blocking thread and inserted row by row, so memory stays small whatever the archive's
    /// size (layout version 2; a version 1 archive's rows are gathered first). The reader is
    /// the caller's to bound (a size cap, inflating).
    pub async fn import_reader<R: std::io::Read + Send + 'static>(
        &self,
        reader: R,
        name: Option<String>,
        slug: Option<Slug>,
        invitation_ttl: std::time::Duration,
    ) -> Result<Imported, TenancyError> {
        // A few hundred rows in flight: the parser keeps ahead of the inserts without reading
        // the file into memory.
        let (tx, rx) = tokio::sync::mpsc::channel(256);
        let parser = tokio::task::spawn_blocking(move || {
            parse_parts(reader, &mut |part| {
                tx.blocking_send(part)
                    .map_err(|_| "the import stopped".to_owned())
            })
        });
        let mut source = Parsed {
            rx,
            parser: Some(parser),
        };
        self.import_parts(&mut source, name, slug, invitation_ttl)
            .await
    }

    async fn import_parts<S: PartSource>(
        &self,
        source: &mut S,
        name: Option<String>,
        slug: Option<Slug>,
        invitation_ttl: std::time::Duration,
    ) -> Result<Imported, TenancyError> {
        let header = match source.next_part().await? {
            Some(ArchivePart::Header(header)) => header,
            _ => return Err(TenancyError::Archive("the archive has no header".into())),
        };
        header.check(TENANT_MIGRATIONS.latest(self.placer.dialect()))?;
        let members = parse_members(&header.members)?;
        if !members.iter().any(|(_, _, role)| *role == Role::Owner) {
            return Err(TenancyError::Archive("the archive names no owner".into()));
        }
        let slug = match slug {
            Some(s) => s,
            None => Slug::parse(&header.company.slug)
                .map_err(|e| TenancyError::Archive(format!("slug {e}")))?,
        };
        let plan: Plan = header
            .company
            .plan
            .parse::<Plan>()
            .map_err(|e| TenancyError::Archive(format!("plan `{}`: {e}", e.given)))?;
        // What can be checked before the rows is checked before anything is registered.
        let limits = self.control().plan_limits(plan).await?;
        let people = members.len();
        if over(limits.max_seats, people) {
            return Err(TenancyError::Refused(format!(
                "the archive names {people} people and the {plan} plan allows {} members",
                limits.max_seats.unwrap_or_default()
            )));
        }
        let new = NewCompany {
            name: name.unwrap_or_else(|| header.company.name.clone()),
            slug,
        };
        let placement = self.placer.placement_for_new(self.control()).await?;
        let company = self.control().register_import(new, placement).await?;
        tracing::info!(company = %company.id, "registered imported company, creating its database");
        let rules = Rules {
            plan,
            max_contacts: limits.max_contacts,
        };
        match self
            .fill(&company, &header, source, &members, rules, invitation_ttl)
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
                // Nothing was served from it: remove the half-made database and registration,
                // so a refused archive leaves nothing behind.
                let _ = self.drop_tenant_storage(&company).await;
                let _ = self.control().discard_provisioning(company.id).await;
                Err(e)
            }
        }
    }

    /// The database and its rows (one transaction), the invitations, then `active`.
    async fn fill<S: PartSource>(
        &self,
        company: &Company,
        header: &ArchiveHeader,
        source: &mut S,
        members: &[(Email, String, Role)],
        rules: Rules,
        invitation_ttl: std::time::Duration,
    ) -> Result<Vec<(Invitation, String)>, TenancyError> {
        let limits = self.pools.settings().pool_limits();
        let db = self.placer.create(self.control(), company, limits).await?;
        let result = async {
            migrate_to(&db, &TENANT_MIGRATIONS, header.tenant_schema_version).await?;
            let mut tx = db.begin().await?;
            let mut writer = TableWriter::new(header.version, rules);
            while let Some(part) = source.next_part().await? {
                writer.take(&mut tx, part).await?;
            }
            writer.finish(&mut tx).await?;
            // References checked at commit (deferred ones) are the archive's fault too.
            tx.commit()
                .await
                .map_err(|e| refused_by_constraint(e, "a row"))?;
            Ok::<_, TenancyError>(migrate(&db, &TENANT_MIGRATIONS).await?)
        }
        .await;
        db.close().await;
        let version = result?;
        // People are invited, not made members: each proves their address and consents.
        // Each invitation holds a seat, within the plan's limit as through the API.
        let max_seats = self.control().plan_limits(rules.plan).await?.max_seats;
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
        self.control().set_plan(company.id, rules.plan).await?;
        self.control().activate(company.id, version).await?;
        Ok(invitations)
    }
}

/// Whether `n` is over the limit `max` (none: no limit).
fn over(max: Option<i64>, n: usize) -> bool {
    max.is_some_and(|max| i64::try_from(n).unwrap_or(i64::MAX) > max)
}

/// Where an import's parts come from: memory, or a parser reading a file.
trait PartSource {
    /// The next part; `None` at the end of the archive.
    async fn next_part(&mut self) -> Result<Option<ArchivePart>, TenancyError>;
}

impl PartSource for std::vec::IntoIter<ArchivePart> {
    async fn next_part(&mut self) -> Result<Option<ArchivePart>, TenancyError> {
        Ok(self.next())
    }
}

/// Parts from [`parse_parts`] on a blocking thread; its error ends the stream.
struct Parsed {
    rx: tokio::sync::mpsc::Receiver<ArchivePart>,
    parser: Option<tokio::task::JoinHandle<Result<(), String>>>,
}

impl PartSource for Parsed {
    async fn next_part(&mut self) -> Result<Option<ArchivePart>, TenancyError> {
        if let Some(part) = self.rx.recv().await {
            return Ok(Some(part));
        }
        // The parser is done: at the end of the document, or with an error.
        match self.parser.take() {
            Some(parser) => match parser.await {
                Ok(Ok(())) => Ok(None),
                Ok(Err(e)) => Err(TenancyError::Archive(e)),
                Err(e) => Err(TenancyError::Archive(format!(
                    "the archive reader failed: {e}"
                ))),
            },
            None => Ok(None),
        }
    }
}

/// What rows are held to besides the tables' own constraints.
#[derive(Clone, Copy, Debug)]
struct Rules {
    plan: Plan,
    max_contacts: Option<i64>,
}

/// The table whose rows are being inserted.
struct Current {
    table: &'static str,
    columns: Vec<String>,
    /// Prepared once per table: `None` while rows are only gathered (layout version 1).
    insert: Option<Insert>,
    rows: usize,
}

/// Inserts an archive's tables as their parts arrive, holding rows to the API's field rules
/// and the plan's contact limit. Layout version 2 lists tables parents first, so each row is
/// inserted as it comes; version 1 lists them by name, so rows are gathered and inserted
/// parents first at the end.
struct TableWriter {
    gather: bool,
    gathered: BTreeMap<&'static str, ArchiveTable>,
    rules: Rules,
    current: Option<Current>,
    /// Position in [`TENANT_TABLES`] of the last table begun.
    last: Option<usize>,
    contacts: usize,
}

impl TableWriter {
    fn new(version: i64, rules: Rules) -> Self {
        TableWriter {
            gather: version == ARCHIVE_VERSION_NAME_ORDER,
            gathered: BTreeMap::new(),
            rules,
            current: None,
            last: None,
            contacts: 0,
        }
    }

    async fn take(&mut self, tx: &mut Tx, part: ArchivePart) -> Result<(), TenancyError> {
        let bad = |m: String| Err(TenancyError::Archive(m));
        match part {
            ArchivePart::Header(_) => bad("the archive has a second header".into()),
            ArchivePart::Table { name, columns } => {
                let Some(position) = TENANT_TABLES.iter().position(|t| *t == name) else {
                    return bad(format!("archive holds an unknown table `{name}`"));
                };
                let table = TENANT_TABLES[position];
                if self.gather {
                    if self.gathered.contains_key(table) {
                        return bad(format!("table `{table}` appears twice"));
                    }
                    self.gathered.insert(
                        table,
                        ArchiveTable {
                            columns: columns.clone(),
                            rows: Vec::new(),
                        },
                    );
                } else if let Some(last) = self.last
                    && position <= last
                {
                    return bad(format!(
                        "table `{table}` comes after `{}`: layout version {ARCHIVE_VERSION} lists \
                         tables parents first",
                        TENANT_TABLES[last]
                    ));
                }
                self.last = Some(position);
                let insert = if self.gather {
                    None
                } else {
                    Some(Insert::prepare(tx, table, &columns).await?)
                };
                self.current = Some(Current {
                    table,
                    columns,
                    insert,
                    rows: 0,
                });
                Ok(())
            }
            ArchivePart::Row(values) => {
                let Some(current) = self.current.as_mut() else {
                    return bad("a row before any table".into());
                };
                current.rows += 1;
                let table = current.table;
                if values.len() != current.columns.len() {
                    return bad(format!("a row of `{table}` does not match its columns"));
                }
                silo_domain::imports::check_row(table, &current.columns, &values).map_err(
                    |problems| {
                        TenancyError::Archive(format!("{table} row {}: {problems}", current.rows))
                    },
                )?;
                if table == "contacts" {
                    self.contacts += 1;
                    if over(self.rules.max_contacts, self.contacts) {
                        return Err(TenancyError::Refused(format!(
                            "the archive holds more contacts than the {} plan allows ({})",
                            self.rules.plan,
                            self.rules.max_contacts.unwrap_or_default()
                        )));
                    }
                }
                match &current.insert {
                    Some(insert) => insert.row(tx, &values).await,
                    None => {
                        if let Some(gathered) = self.gathered.get_mut(table) {
                            gathered.rows.push(values);
                        }
                        Ok(())
                    }
                }
            }
        }
    }

    /// Inserts what was gathered (layout version 1), parents first.
    async fn finish(self, tx: &mut Tx) -> Result<(), TenancyError> {
        for &table in TENANT_TABLES {
            if let Some(data) = self.gathered.get(table) {
                insert_rows(tx, table, data).await?;
            }
        }
        Ok(())
    }
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
    let insert = Insert::prepare(tx, table, &data.columns).await?;
    for row in &data.rows {
        insert.row(tx, row).await?;
    }
    Ok(())
}

/// The insert statement of one table for an archive's columns, with each column's kind.
struct Insert {
    table: String,
    columns: Vec<String>,
    kinds: Vec<ColumnKind>,
    sql: String,
}

impl Insert {
    async fn prepare(tx: &mut Tx, table: &str, columns: &[String]) -> Result<Self, TenancyError> {
        // Through the transaction: a pool of one connection has no other to ask.
        let known = table_columns_in(tx, table).await?;
        let mut kinds = Vec::with_capacity(columns.len());
        for column in columns {
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
            quoted(columns),
            placeholders.join(", ")
        );
        Ok(Insert {
            table: table.to_owned(),
            columns: columns.to_vec(),
            kinds,
            sql,
        })
    }

    /// Inserts one row; a constraint that refuses it (a reference to a row not imported before
    /// it, a duplicate id, a CHECK) is the archive's fault and named with the table.
    async fn row(&self, tx: &mut Tx, row: &[Json]) -> Result<(), TenancyError> {
        let values = row
            .iter()
            .zip(&self.kinds)
            .zip(&self.columns)
            .map(|((json, kind), column)| {
                from_json(json, *kind)
                    .map_err(|e| TenancyError::Archive(format!("{}.{column}: {e}", self.table)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        tx.execute(Sql::assembled(self.sql.clone()), &values)
            .await
            .map_err(|e| refused_by_constraint(e, &format!("a row of `{}`", self.table)))?;
        Ok(())
    }
}

/// A constraint's refusal of imported rows as the archive's fault (a reference to a row that is
/// not in the archive or comes after it, a duplicate, a value out of range); other store
/// errors as they are.
fn refused_by_constraint(e: silo_store::StoreError, what: &str) -> TenancyError {
    match e {
        silo_store::StoreError::Conflict { constraint } => TenancyError::Archive(format!(
            "{what} is refused by the constraint {constraint} (a reference to a row that is not \
             in the archive or comes after it, a duplicate, or a value out of range)"
        )),
        e => e.into(),
    }
}

fn quoted(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(", ")
}
