//! People's names for what the API shows, resolved at read time: the display name (or the
//! e-mail address when it has none) of identities that are members of the request's company,
//! and of no one else. Names are never stored with the records that name a person by id.

use crate::AppState;
use crate::binding::Tenant;
use crate::error::ApiError;
use silo_control::IdentityId;
use std::collections::HashMap;
use uuid::Uuid;

/// The names of the members among `ids` (others, and ids of no one, are left out).
pub(crate) async fn member_names(
    state: &AppState,
    tenant: &Tenant,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, String>, ApiError> {
    let mut out = HashMap::new();
    let mut asked = Vec::new();
    for id in ids {
        if asked.contains(&id) {
            continue;
        }
        asked.push(id);
        let member = state
            .tenancy
            .control()
            .member(tenant.company.id, IdentityId::from_uuid(id))
            .await?;
        if let Some(m) = member {
            let name = m.name.trim();
            let name = if name.is_empty() {
                m.email.as_str().to_owned()
            } else {
                name.to_owned()
            };
            out.insert(id, name);
        }
    }
    Ok(out)
}
