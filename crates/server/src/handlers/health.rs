//! Liveness and readiness.

use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use schemars::JsonSchema;
use serde::Serialize;

/// The answer of the health routes.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Status {
    /// `ok` (the process is up) or `ready` (the control plane answers).
    status: &'static str,
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> Json<Status> {
    Json(Status { status: "ok" })
}

/// `GET /readyz`: the control plane answers.
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Status>, ApiError> {
    state
        .tenancy
        .control()
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    Ok(Json(Status { status: "ready" }))
}
