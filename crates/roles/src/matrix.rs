//! The permission matrix of roles.md, as data.

use crate::Role;
use crate::Role::*;
use std::fmt;

/// Something a route or action requires; granted per role by the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// Read the company's profile.
    CompanyRead,
    /// Change the company's name and settings.
    CompanyUpdate,
    /// Change the plan.
    CompanyBilling,
    /// Erase the company.
    CompanyDelete,
    /// List members.
    MembersRead,
    /// Invite, change and remove members.
    MembersManage,
    /// Read accounts and contacts.
    CrmRead,
    /// Change accounts and contacts.
    CrmWrite,
    /// Read deals.
    DealsRead,
    /// Change deals.
    DealsWrite,
    /// Read contracts.
    ContractsRead,
    /// Draft, send and sign contracts.
    ContractsWrite,
    /// Read invoices.
    InvoicesRead,
    /// Draft, issue and record payments on invoices.
    InvoicesWrite,
    /// Read reports.
    ReportsRead,
    /// Read projects.
    ProjectsRead,
    /// Change projects.
    ProjectsWrite,
    /// Read the audit trail.
    AuditRead,
    /// Export the company's data.
    DataExport,
    /// Log one's own time and run one's timer.
    TimeLog,
    /// See everyone's time.
    TimeReadAll,
    /// Approve and lock time.
    TimeApprove,
    /// See cost rates and margins.
    RatesReadCost,
    /// Reply to clients' messages and ask them for approvals.
    PortalEngage,
    /// Invite and remove portal users and choose what each client sees.
    PortalManage,
    /// Manage webhook endpoints and their secrets.
    WebhooksManage,
    /// See sites, touchpoints, conversions and the reconciliation report.
    AttributionRead,
    /// Manage tracked sites, consent settings and ad-platform destinations.
    AttributionManage,
    /// Answer people's data requests (find, report and erase what the company holds about a
    /// person) and set how long records are kept.
    PrivacyManage,
}

impl Permission {
    /// Every permission, in the order of roles.md.
    pub const ALL: [Permission; 29] = [
        Permission::CompanyRead,
        Permission::CompanyUpdate,
        Permission::CompanyBilling,
        Permission::CompanyDelete,
        Permission::MembersRead,
        Permission::MembersManage,
        Permission::CrmRead,
        Permission::CrmWrite,
        Permission::DealsRead,
        Permission::DealsWrite,
        Permission::ContractsRead,
        Permission::ContractsWrite,
        Permission::InvoicesRead,
        Permission::InvoicesWrite,
        Permission::ReportsRead,
        Permission::ProjectsRead,
        Permission::ProjectsWrite,
        Permission::AuditRead,
        Permission::DataExport,
        Permission::TimeLog,
        Permission::TimeReadAll,
        Permission::TimeApprove,
        Permission::RatesReadCost,
        Permission::PortalEngage,
        Permission::PortalManage,
        Permission::WebhooksManage,
        Permission::AttributionRead,
        Permission::AttributionManage,
        Permission::PrivacyManage,
    ];

    /// The stable wire name (`"crm.read"`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Permission::CompanyRead => "company.read",
            Permission::CompanyUpdate => "company.update",
            Permission::CompanyBilling => "company.billing",
            Permission::CompanyDelete => "company.delete",
            Permission::MembersRead => "members.read",
            Permission::MembersManage => "members.manage",
            Permission::CrmRead => "crm.read",
            Permission::CrmWrite => "crm.write",
            Permission::DealsRead => "deals.read",
            Permission::DealsWrite => "deals.write",
            Permission::ContractsRead => "contracts.read",
            Permission::ContractsWrite => "contracts.write",
            Permission::InvoicesRead => "invoices.read",
            Permission::InvoicesWrite => "invoices.write",
            Permission::ReportsRead => "reports.read",
            Permission::ProjectsRead => "projects.read",
            Permission::ProjectsWrite => "projects.write",
            Permission::AuditRead => "audit.read",
            Permission::DataExport => "data.export",
            Permission::TimeLog => "time.log",
            Permission::TimeReadAll => "time.read_all",
            Permission::TimeApprove => "time.approve",
            Permission::RatesReadCost => "rates.read_cost",
            Permission::PortalEngage => "portal.engage",
            Permission::PortalManage => "portal.manage",
            Permission::WebhooksManage => "webhooks.manage",
            Permission::AttributionRead => "attribution.read",
            Permission::AttributionManage => "attribution.manage",
            Permission::PrivacyManage => "privacy.manage",
        }
    }

    /// The roles that hold this permission: one row of the matrix in roles.md.
    pub const fn granted_to(self) -> &'static [Role] {
        match self {
            Permission::CompanyRead | Permission::CrmRead | Permission::DealsRead => &[
                Owner, Admin, Manager, Sales, Marketing, Delivery, Finance, Viewer,
            ],
            Permission::CompanyUpdate | Permission::MembersManage => &[Owner, Admin],
            Permission::CompanyBilling | Permission::CompanyDelete => &[Owner],
            Permission::MembersRead => &[Owner, Admin, Manager],
            Permission::CrmWrite => &[Owner, Admin, Manager, Sales, Marketing],
            Permission::DealsWrite | Permission::ContractsWrite => &[Owner, Admin, Manager, Sales],
            Permission::ContractsRead | Permission::ProjectsRead => {
                &[Owner, Admin, Manager, Sales, Delivery, Finance, Viewer]
            }
            Permission::InvoicesRead => &[Owner, Admin, Manager, Finance, Viewer],
            Permission::InvoicesWrite => &[Owner, Admin, Finance],
            Permission::ReportsRead => &[Owner, Admin, Manager, Marketing, Finance],
            Permission::ProjectsWrite => &[Owner, Admin, Manager, Delivery],
            Permission::AuditRead | Permission::DataExport | Permission::PrivacyManage => {
                &[Owner, Admin]
            }
            Permission::TimeLog => &[Owner, Admin, Manager, Sales, Marketing, Delivery, Finance],
            Permission::TimeReadAll => &[Owner, Admin, Manager, Finance],
            Permission::TimeApprove => &[Owner, Admin, Manager],
            Permission::RatesReadCost => &[Owner, Admin, Manager, Finance],
            Permission::PortalEngage => &[Owner, Admin, Manager, Sales, Delivery],
            Permission::PortalManage => &[Owner, Admin, Manager],
            Permission::WebhooksManage => &[Owner, Admin],
            Permission::AttributionRead => &[Owner, Admin, Manager, Marketing, Finance],
            Permission::AttributionManage => &[Owner, Admin, Marketing],
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table of roles.md, transcribed independently of `granted_to` so that a slip in either
    /// one shows up as a difference.
    const ROLES_MD: &str = "
company.read    x x x x x x x x
company.update  x x . . . . . .
company.billing x . . . . . . .
company.delete  x . . . . . . .
members.read    x x x . . . . .
members.manage  x x . . . . . .
crm.read        x x x x x x x x
crm.write       x x x x x . . .
deals.read      x x x x x x x x
deals.write     x x x x . . . .
contracts.read  x x x x . x x x
contracts.write x x x x . . . .
invoices.read   x x x . . . x x
invoices.write  x x . . . . x .
reports.read    x x x . x . x .
projects.read   x x x x . x x x
projects.write  x x x . . x . .
audit.read      x x . . . . . .
data.export     x x . . . . . .
time.log           x x x x x x x .
time.read_all      x x x . . . x .
time.approve       x x x . . . . .
rates.read_cost    x x x . . . x .
portal.engage      x x x x . x . .
portal.manage      x x x . . . . .
webhooks.manage    x x . . . . . .
attribution.read   x x x . x . x .
attribution.manage x x . . x . . .
privacy.manage     x x . . . . . .
";

    #[test]
    fn matrix_matches_roles_md() {
        let rows: Vec<&str> = ROLES_MD.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(rows.len(), Permission::ALL.len());
        for (row, permission) in rows.iter().zip(Permission::ALL) {
            let mut cells = row.split_whitespace();
            assert_eq!(cells.next(), Some(permission.as_str()));
            for (cell, role) in cells.zip(Role::ALL) {
                assert_eq!(cell == "x", role.can(permission), "{role} / {permission}");
            }
        }
    }

    #[test]
    fn owner_holds_everything_and_viewer_writes_nothing() {
        assert!(Permission::ALL.iter().all(|p| Role::Owner.can(*p)));
        assert!(
            Role::Viewer
                .permissions()
                .all(|p| p.as_str().ends_with(".read"))
        );
    }
}
