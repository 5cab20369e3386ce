//! The eight roles and the rules about who may grant which.

use crate::Permission;
use std::fmt;
use std::str::FromStr;

/// A business role, held by an identity within one company.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Runs the company account: plan, erasure, owners.
    Owner,
    /// Manages people and settings.
    Admin,
    /// Leads accounts and delivery.
    Manager,
    /// Works leads, deals and contracts.
    Sales,
    /// Works contacts, campaigns and attribution.
    Marketing,
    /// Runs projects.
    Delivery,
    /// Runs invoices and payments.
    Finance,
    /// Reads, changes nothing.
    Viewer,
}

/// A string that names no role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role `{0}` (expected one of owner, admin, manager, sales, marketing, delivery, finance, viewer)"
)]
pub struct ParseRoleError(pub String);

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 8] = [
        Role::Owner,
        Role::Admin,
        Role::Manager,
        Role::Sales,
        Role::Marketing,
        Role::Delivery,
        Role::Finance,
        Role::Viewer,
    ];

    /// The stable wire name (`"owner"`, `"sales"`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Sales => "sales",
            Role::Marketing => "marketing",
            Role::Delivery => "delivery",
            Role::Finance => "finance",
            Role::Viewer => "viewer",
        }
    }

    /// A label for people.
    pub const fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Manager => "Manager",
            Role::Sales => "Sales",
            Role::Marketing => "Marketing",
            Role::Delivery => "Delivery",
            Role::Finance => "Finance",
            Role::Viewer => "Viewer",
        }
    }

    /// The Dutch display label (the English one is [`Role::label`]).
    pub const fn label_nl(self) -> &'static str {
        match self {
            Role::Owner => "Eigenaar",
            Role::Admin => "Beheerder",
            Role::Manager => "Manager",
            Role::Sales => "Verkoop",
            Role::Marketing => "Marketing",
            Role::Delivery => "Uitvoering",
            Role::Finance => "Financiën",
            Role::Viewer => "Kijker",
        }
    }

    /// What the role is for, in one line.
    pub const fn description(self) -> &'static str {
        match self {
            Role::Owner => "runs the company account (plan, erasure, owners)",
            Role::Admin => "manages people and settings",
            Role::Manager => "leads accounts and delivery",
            Role::Sales => "works leads, deals and contracts",
            Role::Marketing => "works contacts, campaigns and attribution",
            Role::Delivery => "runs projects",
            Role::Finance => "runs invoices and payments",
            Role::Viewer => "reads, changes nothing",
        }
    }

    /// Whether this role grants `permission` (the matrix of roles.md).
    pub fn can(self, permission: Permission) -> bool {
        permission.granted_to().contains(&self)
    }

    /// Every permission this role grants, in declaration order.
    pub fn permissions(self) -> impl Iterator<Item = Permission> {
        Permission::ALL.into_iter().filter(move |p| self.can(*p))
    }

    /// Whether an actor with this role may give `target` to someone, or change or remove a
    /// membership that currently holds `target`. Only owners touch owners; admins manage the rest.
    pub fn may_manage(self, target: Role) -> bool {
        match self {
            Role::Owner => true,
            _ if !self.can(Permission::MembersManage) => false,
            _ => target != Role::Owner,
        }
    }

    /// The roles this role may grant, and whose memberships it may change or remove
    /// ([`Role::may_manage`] over every role), most powerful first.
    pub fn manageable(self) -> impl Iterator<Item = Role> {
        Role::ALL
            .into_iter()
            .filter(move |target| self.may_manage(*target))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ParseRoleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| ParseRoleError(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("Owner".parse::<Role>().is_err());
        assert!("".parse::<Role>().is_err());
    }

    #[test]
    fn only_owners_touch_owners() {
        assert!(Role::Owner.may_manage(Role::Owner));
        assert!(!Role::Admin.may_manage(Role::Owner));
        assert!(Role::Admin.may_manage(Role::Admin));
        assert!(Role::Admin.may_manage(Role::Viewer));
        for role in [Role::Manager, Role::Sales, Role::Viewer, Role::Finance] {
            assert!(
                !role.may_manage(Role::Viewer),
                "{role} must not manage members"
            );
            assert_eq!(role.manageable().count(), 0);
        }
        assert_eq!(Role::Owner.manageable().count(), 8);
        assert_eq!(
            Role::Admin.manageable().collect::<Vec<_>>(),
            Role::ALL[1..].to_vec()
        );
    }
}
