//! The request path's registry look-up: identity, company and membership in one query.
//!
//! Reading them together, fresh on every request, keeps rule 4 simple (a suspension, removal or
//! demotion acts on the next request, also when another process made it) while costing one
//! round trip instead of three.

use crate::{Company, CompanyId, ControlError, ControlPlane, Identity, IdentityId};
use silo_roles::Role;
use silo_store::{Row, params};

/// What the registry says about an identity and a company right now.
#[derive(Debug)]
pub struct AccessView {
    /// The identity, if it exists.
    pub identity: Option<Identity>,
    /// The company, if it exists.
    pub company: Option<Company>,
    /// The identity's role there, if it is a member.
    pub role: Option<Role>,
}

/// Renames prefixed columns so the row mappers of identities and companies can read them.
fn unprefixed(row: &Row, prefix: &str) -> Row {
    let (columns, values): (Vec<String>, Vec<silo_store::Value>) = row
        .columns()
        .iter()
        .zip(row.values())
        .filter_map(|(c, v)| {
            c.strip_prefix(prefix)
                .map(|name| (name.to_owned(), v.clone()))
        })
        .unzip();
    Row::from_parts(columns, values)
}

impl ControlPlane {
    /// The identity, the company and the identity's role in it, read in one query.
    pub async fn access_view(
        &self,
        identity: IdentityId,
        company: CompanyId,
    ) -> Result<AccessView, ControlError> {
        let row = self
            .db
            .fetch_optional(
                "SELECT i.id AS i_id, i.email AS i_email, i.name AS i_name, i.status AS i_status,
                        i.password_hash AS i_password_hash,
                        c.id AS c_id, c.slug AS c_slug, c.name AS c_name, c.plan AS c_plan,
                        c.status AS c_status, c.created_at AS c_created_at, c.updated_at AS c_updated_at,
                        c.erased_at AS c_erased_at, c.erased_by AS c_erased_by,
                        (p.moving_to IS NOT NULL) AS c_moving,
                        m.role AS m_role
                 FROM identities i
                 LEFT JOIN companies c ON c.id = $2
                 LEFT JOIN placements p ON p.company_id = c.id
                 LEFT JOIN memberships m ON m.identity_id = i.id AND m.company_id = c.id
                 WHERE i.id = $1",
                params![identity, company],
            )
            .await?;
        let Some(row) = row else {
            return Ok(AccessView {
                identity: None,
                company: None,
                role: None,
            });
        };
        let identity = Identity::from_row(&unprefixed(&row, "i_"))?;
        let company = match row.get::<Option<String>>("c_id")? {
            Some(_) => Some(Company::from_row(&unprefixed(&row, "c_"))?),
            None => None,
        };
        let role = row
            .get::<Option<String>>("m_role")?
            .map(|r| {
                r.parse::<Role>()
                    .map_err(|e| ControlError::Corrupt(e.to_string()))
            })
            .transpose()?;
        Ok(AccessView {
            identity: Some(identity),
            company,
            role,
        })
    }
}
