//! The client portal: the agency's clients as a principal of their own (portal users, stored in
//! the company's database, never members and never one of the staff roles), what each client's
//! portal shows, and the one access layer every portal read and write goes through.
//!
//! Inside a company's database, one client's records must never reach another client's portal
//! users. That is a filter, so it lives in one place: portal code receives a [`PortalDb`], which
//! holds the database privately together with the caller's [`PortalScope`], and every function
//! of this module's children takes it and filters on [`PortalScope::account_id`]. A record of
//! another client answers [`DomainError::NotFound`], exactly as a missing one.

pub mod access;
pub mod approvals;
pub mod colleagues;
pub mod contracts;
pub mod files;
pub mod invoices;
pub mod messages;
pub mod projects;
pub mod sign_in;
pub mod users;

use crate::error::{DomainError, DomainResult};
use crate::events::Origin;
use schemars::JsonSchema;
use serde::Serialize;
use silo_store::TenantDb;
use uuid::Uuid;

pub use access::PortalAccess;
pub use users::PortalUser;

silo_contract::string_enum! {
    /// A portal user's role inside their client.
    pub enum PortalRole {
        /// Everything the agency turned on for the client, and inviting colleagues.
        ClientAdmin = "client_admin",
        /// Projects, files, approvals and messages.
        Member = "member",
        /// Invoices and contracts.
        Billing = "billing",
    }
}

silo_contract::string_enum! {
    /// A part of the portal: what a portal route needs.
    pub enum Part {
        /// The portal user's own details, branding and signing out: always there.
        Home = "home",
        /// Contracts to read and sign.
        Contracts = "contracts",
        /// Invoices, their documents and how to pay them.
        Invoices = "invoices",
        /// Projects and their client-visible tasks.
        Projects = "projects",
        /// Files shared between the agency and the client.
        Files = "files",
        /// Deliverables the agency asks the client to approve.
        Approvals = "approvals",
        /// Conversations with the agency.
        Messages = "messages",
        /// The client's other portal users (client admins only).
        Colleagues = "colleagues",
    }
}

impl PortalRole {
    /// Whether the role reaches `part` at all (before the agency's choice for the client).
    pub fn reaches(self, part: Part) -> bool {
        match self {
            PortalRole::ClientAdmin => true,
            PortalRole::Member => matches!(
                part,
                Part::Home | Part::Projects | Part::Files | Part::Approvals | Part::Messages
            ),
            PortalRole::Billing => matches!(part, Part::Home | Part::Invoices | Part::Contracts),
        }
    }
}

/// Which parts a caller reaches: the role's parts that the agency turned on for the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Parts {
    /// Contracts.
    pub contracts: bool,
    /// Invoices.
    pub invoices: bool,
    /// Projects.
    pub projects: bool,
    /// Approved time and budget burn on projects.
    pub project_time: bool,
    /// Files.
    pub files: bool,
    /// Approvals.
    pub approvals: bool,
    /// Messages.
    pub messages: bool,
    /// Colleagues (client admins).
    pub colleagues: bool,
}

impl Parts {
    /// What `role` reaches of what `access` turned on.
    pub fn of(role: PortalRole, access: &PortalAccess) -> Parts {
        let on = |part: Part, enabled: bool| enabled && role.reaches(part);
        Parts {
            contracts: on(Part::Contracts, access.contracts),
            invoices: on(Part::Invoices, access.invoices),
            projects: on(Part::Projects, access.projects),
            project_time: on(Part::Projects, access.projects && access.project_time),
            files: on(Part::Files, access.files),
            approvals: on(Part::Approvals, access.approvals),
            messages: on(Part::Messages, access.messages),
            colleagues: role == PortalRole::ClientAdmin,
        }
    }

    /// Whether `part` is reached.
    pub fn has(&self, part: Part) -> bool {
        match part {
            Part::Home => true,
            Part::Contracts => self.contracts,
            Part::Invoices => self.invoices,
            Part::Projects => self.projects,
            Part::Files => self.files,
            Part::Approvals => self.approvals,
            Part::Messages => self.messages,
            Part::Colleagues => self.colleagues,
        }
    }
}

/// Who is calling through the portal, as of this request: read from the session row, never
/// from anything the client sent.
#[derive(Clone, Debug)]
pub struct PortalScope {
    account_id: Uuid,
    account_name: String,
    user: Option<PortalUser>,
    role: PortalRole,
    parts: Parts,
    session_id: Uuid,
    preview_by: Option<Uuid>,
}

impl PortalScope {
    /// The client account every query is limited to.
    pub fn account_id(&self) -> Uuid {
        self.account_id
    }

    /// The client's name.
    pub fn account_name(&self) -> &str {
        &self.account_name
    }

    /// The portal user; `None` for a staff member's preview.
    pub fn user(&self) -> Option<&PortalUser> {
        self.user.as_ref()
    }

    /// The portal user's id; `None` for a preview.
    pub fn user_id(&self) -> Option<Uuid> {
        self.user.as_ref().map(|u| u.id)
    }

    /// The role (a preview sees what a client admin sees).
    pub fn role(&self) -> PortalRole {
        self.role
    }

    /// The parts reached.
    pub fn parts(&self) -> Parts {
        self.parts
    }

    /// Whether the caller reaches `part`.
    pub fn can(&self, part: Part) -> bool {
        self.parts.has(part)
    }

    /// The session this request came with.
    pub fn session_id(&self) -> Uuid {
        self.session_id
    }

    /// Whether this is a staff member's read-only preview ("view as client").
    pub fn is_preview(&self) -> bool {
        self.preview_by.is_some()
    }

    /// The staff identity previewing, if this is a preview.
    pub fn previewed_by(&self) -> Option<Uuid> {
        self.preview_by
    }

    /// The portal user who may write, or `Forbidden` for a preview (read-only by design).
    pub fn writer(&self) -> DomainResult<&PortalUser> {
        self.user.as_ref().ok_or(DomainError::Forbidden)
    }
}

/// Where a portal request came from, for its events and evidence.
#[derive(Clone, Debug, Default)]
pub struct RequestOrigin {
    /// The client's address (the real one behind a trusted proxy).
    pub client_ip: Option<String>,
    /// The request id.
    pub request_id: Option<String>,
    /// The browser's `User-Agent`, bounded.
    pub user_agent: Option<String>,
}

impl RequestOrigin {
    /// The outbox origin of a write by `portal_user` in this request.
    pub fn by(&self, portal_user: Uuid) -> Origin {
        Origin {
            actor: None,
            portal_user: Some(portal_user),
            client_ip: self.client_ip.clone(),
            request_id: self.request_id.clone(),
        }
    }
}

/// A company's database as the portal reaches it: only with the caller's scope. There is no
/// way to get the database back out of it outside this crate, so portal handlers can only call
/// the scoped functions of this module.
#[derive(Debug)]
pub struct PortalDb {
    db: TenantDb,
    scope: PortalScope,
}

impl PortalDb {
    /// The caller's scope.
    pub fn scope(&self) -> &PortalScope {
        &self.scope
    }

    /// The database, only to deliver its outbox after a write (the audit trail, webhooks and
    /// jobs); portal reads and writes never take it, they call this module's functions.
    pub fn outbox_db(&self) -> &TenantDb {
        &self.db
    }

    /// The database, for this crate's scoped functions only.
    pub(crate) fn db(&self) -> &TenantDb {
        &self.db
    }

    /// The account every query is limited to (shorthand).
    pub(crate) fn account(&self) -> Uuid {
        self.scope.account_id
    }

    /// Fails with `Forbidden` unless the caller reaches `part`.
    pub fn require(&self, part: Part) -> DomainResult<()> {
        if self.scope.can(part) {
            Ok(())
        } else {
            Err(DomainError::Forbidden)
        }
    }

    /// The outbox origin of a write by the caller, or `Forbidden` for a preview.
    pub fn origin(&self, request: &RequestOrigin) -> DomainResult<Origin> {
        Ok(request.by(self.scope.writer()?.id))
    }
}

/// What a portal user sees of themselves and their portal (`GET /api/portal/me`).
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PortalMe {
    /// The portal user; null in a staff member's preview.
    pub user: Option<MeUser>,
    /// Their client.
    pub account: MeAccount,
    /// The agency's name.
    pub company_name: String,
    /// The parts of the portal they reach.
    pub parts: Parts,
    /// Whether this is a staff member's read-only preview.
    pub preview: bool,
}

/// The portal user in [`PortalMe`].
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct MeUser {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Address.
    pub email: String,
    /// Role inside the client.
    pub role: PortalRole,
    /// Language of mail and documents.
    pub language: crate::parties::Language,
}

/// The client in [`PortalMe`].
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct MeAccount {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
}

/// The caller as the portal shows them.
pub fn me(portal: &PortalDb, company_name: &str) -> PortalMe {
    let s = &portal.scope;
    PortalMe {
        user: s.user.as_ref().map(|u| MeUser {
            id: u.id,
            name: u.name.clone(),
            email: u.email.clone(),
            role: u.role,
            language: u.language,
        }),
        account: MeAccount {
            id: s.account_id,
            name: s.account_name.clone(),
        },
        company_name: company_name.to_owned(),
        parts: s.parts,
        preview: s.is_preview(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_on() -> PortalAccess {
        PortalAccess {
            contracts: true,
            invoices: true,
            projects: true,
            project_time: true,
            files: true,
            approvals: true,
            messages: true,
        }
    }

    #[test]
    fn roles_reach_their_parts_only_where_the_agency_turned_them_on() {
        let member = Parts::of(PortalRole::Member, &all_on());
        assert!(member.projects && member.files && member.approvals && member.messages);
        assert!(!member.invoices && !member.contracts && !member.colleagues);
        let billing = Parts::of(PortalRole::Billing, &all_on());
        assert!(billing.invoices && billing.contracts);
        assert!(!billing.projects && !billing.project_time && !billing.files);
        let admin_defaults = Parts::of(PortalRole::ClientAdmin, &PortalAccess::default());
        assert!(admin_defaults.contracts && admin_defaults.invoices);
        assert!(!admin_defaults.projects && !admin_defaults.files && !admin_defaults.messages);
        assert!(admin_defaults.colleagues);
        let no_projects = PortalAccess {
            projects: false,
            ..all_on()
        };
        assert!(!Parts::of(PortalRole::ClientAdmin, &no_projects).project_time);
        let nothing = PortalAccess {
            contracts: false,
            invoices: false,
            ..PortalAccess::default()
        };
        let reached: Vec<Part> = Part::ALL
            .iter()
            .copied()
            .filter(|p| Parts::of(PortalRole::Member, &nothing).has(*p))
            .collect();
        assert_eq!(reached, [Part::Home]);
    }
}
