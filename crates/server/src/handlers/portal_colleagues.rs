//! A client admin's colleagues in the portal: the portal users of their own client.

use crate::AppState;
use crate::audit::after_portal_write;
use crate::binding::PortalCaller;
use crate::error::ApiError;
use crate::handlers::path_id;
use crate::handlers::portal_admin::{address_key, mail_invitation};
use crate::json::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use silo_domain::portal::PortalUser;
use silo_domain::portal::colleagues;
use silo_domain::portal::users::NewPortalUser;

/// `GET /api/portal/colleagues`: the client's portal users.
pub async fn list(caller: PortalCaller) -> Result<Json<Vec<PortalUser>>, ApiError> {
    Ok(Json(colleagues::list(&caller.portal).await?))
}

/// `POST /api/portal/colleagues`: a client admin invites a colleague of their own client.
pub async fn invite(
    State(state): State<AppState>,
    caller: PortalCaller,
    Json(req): Json<NewPortalUser>,
) -> Result<(StatusCode, Json<PortalUser>), ApiError> {
    state
        .request_limits
        .invitation_mail(caller.company.id.as_uuid())
        .await?;
    let request = caller.request();
    let user = colleagues::invite(&caller.portal, req, &request).await?;
    let db = caller.portal.outbox_db();
    let origin = caller.portal.origin(&request)?;
    let key = address_key(&state, &caller.company, db, &origin, false).await?;
    let client = caller.portal.scope().account_name().to_owned();
    mail_invitation(&state, &caller.company, db, &user, &client, &key).await?;
    after_portal_write(&state, &caller).await;
    Ok((StatusCode::CREATED, Json(user)))
}

/// `DELETE /api/portal/colleagues/{id}`: a client admin removes a colleague (not themselves).
pub async fn remove(
    State(state): State<AppState>,
    caller: PortalCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    colleagues::remove(&caller.portal, path_id(&id)?, &caller.request()).await?;
    after_portal_write(&state, &caller).await;
    Ok(StatusCode::NO_CONTENT)
}
