//! A client admin's colleagues: the portal users of their own client, whom they may invite and
//! remove (never those of another client, never themselves).

use super::users::{self, Inviter, NewPortalUser, PortalUser, PortalUserStatus};
use super::{Part, PortalDb, RequestOrigin};
use crate::error::{DomainError, DomainResult};

/// The client's live portal users.
pub async fn list(portal: &PortalDb) -> DomainResult<Vec<PortalUser>> {
    portal.require(Part::Colleagues)?;
    let all = users::list(portal.db(), portal.account()).await?;
    Ok(all
        .into_iter()
        .filter(|u| u.status != PortalUserStatus::Removed)
        .collect())
}

/// Invites a colleague into the caller's own client.
pub async fn invite(
    portal: &PortalDb,
    new: NewPortalUser,
    request: &RequestOrigin,
) -> DomainResult<PortalUser> {
    portal.require(Part::Colleagues)?;
    let origin = portal.origin(request)?;
    let me = portal.scope().writer()?.id;
    users::invite(
        portal.db(),
        portal.account(),
        new,
        Inviter::ClientAdmin(me),
        &origin,
    )
    .await
}

/// Removes a colleague of the caller's own client (another client's id is `NotFound`).
pub async fn remove(
    portal: &PortalDb,
    id: uuid::Uuid,
    request: &RequestOrigin,
) -> DomainResult<()> {
    portal.require(Part::Colleagues)?;
    let origin = portal.origin(request)?;
    if portal.scope().user_id() == Some(id) {
        return Err(DomainError::Forbidden);
    }
    users::remove(portal.db(), id, Some(portal.account()), &origin).await
}
