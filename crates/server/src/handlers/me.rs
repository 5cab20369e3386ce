//! One's own account under the AVG/GDPR: a download of everything the control plane holds about
//! the caller, and deleting the account.

use super::session::{self, WithCookie};
use super::two_factor::Attempt;
use crate::AppState;
use crate::binding::Authenticated;
use crate::error::ApiError;
use crate::json::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use schemars::JsonSchema;
use serde::Deserialize;
use silo_control::{AuditAction, Outcome};

/// `GET /api/me/export`: everything the control plane holds about the caller, as a JSON
/// download (identity, memberships, sessions, invitations to its address, password resets,
/// mail to its address and every audit record it is the actor of); never a hash or a secret.
/// The business data companies hold about the person is theirs to answer for.
pub async fn export(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Response, ApiError> {
    let control = state.tenancy.control();
    let id = auth.identity.id;
    // Recorded first, so the download lists its own request too.
    control
        .record(auth.meta.event(
            None,
            Some(id),
            AuditAction::IdentityExport,
            Some(id.to_string()),
            Outcome::Success,
        ))
        .await?;
    let data = control.personal_data(id).await?;
    let bytes = serde_json::to_vec_pretty(&data)
        .map_err(|e| ApiError::Internal(format!("personal data as JSON: {e}")))?;
    Ok(super::attachment(
        &format!("silo-account-{id}.json"),
        "application/json",
        bytes,
    ))
}

/// `DELETE /api/me` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteAccount {
    /// The current password, to confirm.
    password: String,
}

/// `DELETE /api/me`: deletes the caller's account (confirmed with the current password): its
/// memberships, sessions and the identity go, and every token of it fails (401) from the next
/// request on. Refused with `409 last_owner`, naming the companies, while the caller is the
/// only owner of any company; a wrong password is `422` on `password`. Either way nothing
/// changes.
pub async fn delete(
    State(state): State<AppState>,
    auth: Authenticated,
    Json(req): Json<DeleteAccount>,
) -> Result<WithCookie<StatusCode>, ApiError> {
    let id = auth.identity.id;
    // Counted like a login: a stolen access token must not be a way to guess the password.
    let attempt = Attempt::start(&state, &auth).await?;
    attempt
        .check_password(req.password, "password", AuditAction::IdentityDelete)
        .await?;
    attempt.succeeded().await;
    let control = state.tenancy.control();
    let outcome = control.delete_account(id).await;
    let event = |outcome| {
        auth.meta.event(
            None,
            Some(id),
            AuditAction::IdentityDelete,
            Some(id.to_string()),
            outcome,
        )
    };
    if let Err(e) = outcome {
        if matches!(e, silo_control::ControlError::LastOwnerOf(_)) {
            control.record(event(Outcome::Failure)).await?;
        }
        return Err(e.into());
    }
    control.record(event(Outcome::Success)).await?;
    tracing::info!(identity = %id, "account deleted by its owner");
    Ok(WithCookie(session::cleared(&state), StatusCode::NO_CONTENT))
}
