//! The control plane: the registry of companies, identities, memberships, plans, tenant
//! placement, audit records, the deployment's mail queue and the attempt counters every server
//! shares.
//!
//! It holds no business data. It says which companies exist, who belongs to them in which role,
//! and where each company's own database lives.

mod access;
mod attempts;
mod audit;
mod audit_checkpoint;
mod companies;
mod error;
mod fleet;
mod identities;
mod identity_admin;
mod invitations;
mod mail_queue;
mod memberships;
mod people;
mod placement;
mod plans;
mod secret;
mod sessions;
mod signups;
mod two_factor;
mod types;
mod work_queue;

pub use access::AccessView;
pub use attempts::Lease;
pub use audit::{Actor, AuditAction, AuditEvent, AuditQuery, AuditRecord, ChainReport, Outcome};
#[doc(hidden)]
pub use audit_checkpoint::tamper;
pub use audit_checkpoint::{
    CHECKPOINT_FORMAT, ChainAgainstCheckpoint, ChainHead, Checkpoint, CheckpointError,
    CheckpointSummary, CompareError,
};
pub use companies::{Company, NewCompany};
pub use error::ControlError;
pub use fleet::Eraser;
pub use identities::{Identity, IdentityStatus, NewIdentity};
pub use identity_admin::IdentityOverview;
pub use invitations::{
    Accepted, CompanySummary, INVITATION_TTL, Invitation, InvitationStatus, Inviter,
    LinkedInvitation, NewInvitation, OfferedMembership,
};
pub use mail_queue::{ClaimedMail, MailChangeError, MailCounts, MailRecord, MailState, NewMail};
pub use memberships::{Member, MembershipSummary};
pub use people::{
    ErasedAccess, PersonalAuditRecord, PersonalData, PersonalIdentity, PersonalInvitation,
    PersonalMail, PersonalMembership, PersonalPasswordReset, PersonalSession,
};
pub use placement::{Backend, NewPlacement, Placement};
pub use plans::{Plan, PlanLimits};
pub use sessions::{
    RotatedSession, SESSION_ABSOLUTE_TTL, SESSION_IDLE_TTL, SessionError, StartedSession,
};
pub use signups::{PASSWORD_RESET_TTL, PendingSignup, SIGNUP_TTL};
pub use two_factor::{PendingTwoFactor, SecondFactor, TwoFactorError};
pub use types::{CompanyId, CompanyStatus, Email, IdentityId, InvitationId, Slug, role_schema};
pub use work_queue::ClaimedWork;

use silo_schema::CONTROL_MIGRATIONS;
use silo_store::postgres;
use silo_store::sqlite::{self, PoolLimits};
use silo_store::{Db, migrate};
use std::path::Path;

/// The control database's name when the URL names none.
const DEFAULT_PG_DATABASE: &str = "silo";

/// A handle on the control-plane database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct ControlPlane {
    db: Db,
    /// Request-path registry reads kept while the registry is unchanged (SQLite only).
    access_cache: Option<std::sync::Arc<access::AccessCache>>,
}

impl ControlPlane {
    /// Opens (creating if needed) the SQLite control plane at `path` and brings its schema up to
    /// date.
    pub async fn open_sqlite(path: &Path) -> Result<Self, ControlError> {
        let db = sqlite::open_or_create(
            path,
            PoolLimits {
                max_connections: 8,
                ..PoolLimits::default()
            },
        )
        .await?;
        let mut plane = Self::from_db(db).await?;
        // Opened after the migrations, so the file exists and is a control plane.
        let newest = plane.newest_access_change().await?;
        plane.access_cache = Some(std::sync::Arc::new(access::AccessCache::sqlite(
            silo_store::CommitWatch::open(path)?,
            newest,
        )?));
        Ok(plane)
    }

    /// Opens the PostgreSQL control plane at `url`, creating its database when the server has
    /// none of that name yet, and brings its schema up to date. `CONNECT` and `TEMP` on the
    /// database are revoked from `PUBLIC` (when the URL's user owns it), so tenant roles on the
    /// same server cannot connect to it.
    pub async fn open_postgres(url: &str) -> Result<Self, ControlError> {
        let server = postgres::PgServer::parse(url)?;
        let name = server.database().unwrap_or(DEFAULT_PG_DATABASE).to_owned();
        postgres::create_database_if_missing(&server, &name, None).await?;
        let db = server.connect(&name, 8).await?;
        let mut plane = Self::from_db(db).await?;
        let newest = plane.newest_access_change().await?;
        plane.access_cache = Some(std::sync::Arc::new(access::AccessCache::postgres(newest)));
        Ok(plane)
    }

    /// The newest entry of the access-change log. Views are only ever cached after it was read,
    /// so the entries up to it concern none.
    async fn newest_access_change(&self) -> Result<i64, ControlError> {
        Ok(self
            .db
            .fetch_one(
                "SELECT COALESCE(MAX(seq), 0) AS seq FROM access_changes",
                &[],
            )
            .await?
            .get("seq")?)
    }

    /// Wraps an open database, applying control-plane migrations.
    pub async fn from_db(db: Db) -> Result<Self, ControlError> {
        migrate(&db, &CONTROL_MIGRATIONS).await?;
        Ok(ControlPlane {
            db,
            access_cache: None,
        })
    }

    /// Whether the control plane answers a trivial query (for `/readyz`).
    pub async fn ping(&self) -> Result<(), ControlError> {
        self.db.fetch_one("SELECT 1 AS one", &[]).await?;
        Ok(())
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.db.close().await;
    }
}
