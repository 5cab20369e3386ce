//! Invitations from the invited person's side: what a link offers, accepting through the link,
//! and accepting or declining one's own invitations while logged in.
//!
//! The link proves control of the address. A person without a usable identity chooses a
//! password when accepting and is logged in; a known person keeps their password and logs in as
//! usual (their second factor included). Tokens are looked up before anything is hashed.

use super::auth::{TokenResponse, log_in_to};
use super::session::WithCookie;
use crate::AppState;
use crate::binding::{Authenticated, RequestMeta};
use crate::error::ApiError;
use crate::json::Json;
use crate::validate::{
    Name, NewPassword, Optional, Problem, ProblemCode, Problems, Sent, take, unusable_link,
};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use silo_auth::password::Password;
use silo_control::{
    AuditAction, CompanySummary, ControlError, InvitationId, LinkedInvitation, Outcome,
};

/// A body holding only a link's token.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TokenRequest {
    token: String,
}

/// What an invitation link offers.
#[derive(Debug, Serialize, JsonSchema)]
pub struct InviteInfo {
    company: CompanySummary,
    #[schemars(schema_with = "silo_control::role_schema")]
    role: &'static str,
    email: String,
    /// Whether the address has a usable account (then accepting asks for no password).
    account_exists: bool,
}

fn unknown_link() -> ApiError {
    unusable_link("this invitation is unknown, used, withdrawn or expired")
}

async fn linked(state: &AppState, token: &str) -> Result<LinkedInvitation, ApiError> {
    state
        .tenancy
        .control()
        .invitation_by_token(token.trim())
        .await?
        .ok_or_else(unknown_link)
}

/// `POST /api/auth/invite-info`: what the link offers, without using it.
pub async fn invite_info(
    State(state): State<AppState>,
    Json(req): Json<TokenRequest>,
) -> Result<Json<InviteInfo>, ApiError> {
    let link = linked(&state, &req.token).await?;
    Ok(Json(InviteInfo {
        account_exists: !link.needs_password(),
        role: link.offer.role.as_str(),
        email: link.offer.email.to_string(),
        company: link.offer.company,
    }))
}

/// `POST /api/auth/accept-invite` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AcceptInviteRequest {
    token: String,
    /// Required for an address without a usable account; refused otherwise.
    password: Option<Sent<NewPassword>>,
    #[serde(default)]
    name: Optional<Name>,
}

/// The answer when a known person accepted through the link: they log in as usual.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AcceptedLoginRequired {
    /// Always `accepted`.
    status: &'static str,
    company: CompanySummary,
    /// Always `true`.
    login_required: bool,
}

/// `POST /api/auth/accept-invite`: accepts through the link.
pub async fn accept_invite(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    Json(req): Json<AcceptInviteRequest>,
) -> Result<Response, ApiError> {
    // An empty token is a link like any unknown one: `link_unusable`.
    let token = req.token.trim();
    let link = linked(&state, token).await?;
    let mut p = Problems::new();
    match (&req.password, link.needs_password()) {
        (None, true) => p.add(
            "password",
            Problem::new(ProblemCode::Required).worded("choose a password"),
        ),
        (Some(_), false) => p.add(
            "password",
            Problem::rule("this address has an account: accept without a password, then log in"),
        ),
        _ => {}
    }
    let fields = take!(p, req => name, password);
    let (name, password) = p.done(fields)?;
    let name = name.map(String::from);
    let hash = match password {
        Some(password) => Some(
            state
                .passwords
                .hash(Password::new(password.into_string()))
                .await?,
        ),
        None => None,
    };
    let control = state.tenancy.control();
    let accepted = control
        .accept_invitation_link(token, hash.as_deref(), name.as_deref())
        .await
        .map_err(|e| match e {
            ControlError::NotFound => unknown_link(),
            ControlError::Changed => ApiError::conflict(
                "the account for this address changed meanwhile; open the link again",
            ),
            e => e.into(),
        })?;
    control
        .record(meta.event(
            Some(accepted.company),
            Some(accepted.identity),
            AuditAction::InviteAccept,
            Some(accepted.identity.to_string()),
            Outcome::Success,
        ))
        .await?;
    if !accepted.set_password {
        return Ok(Json(AcceptedLoginRequired {
            status: "accepted",
            company: link.offer.company,
            login_required: true,
        })
        .into_response());
    }
    Ok(
        log_in_to(&state, &headers, accepted.identity, accepted.company)
            .await?
            .into_response(),
    )
}

fn invitation_in_path(raw: &str) -> Result<InvitationId, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound)
}

/// `POST /api/invitations/{id}/accept`: accepts one of one's own invitations; answers a token
/// bound to that company (identity-only, naming it, when it requires two-factor the person has
/// not set up).
pub async fn accept(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<WithCookie<Json<TokenResponse>>, ApiError> {
    let id = invitation_in_path(&raw)?;
    let control = state.tenancy.control();
    let company = control.answer_invitation(&auth.identity, id, true).await?;
    control
        .record(auth.meta.event(
            Some(company),
            Some(auth.identity.id),
            AuditAction::InviteAccept,
            Some(auth.identity.id.to_string()),
            Outcome::Success,
        ))
        .await?;
    log_in_to(&state, &headers, auth.identity.id, company).await
}

/// `POST /api/invitations/{id}/decline`: declines one of one's own invitations.
pub async fn decline(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = invitation_in_path(&raw)?;
    let control = state.tenancy.control();
    let company = control.answer_invitation(&auth.identity, id, false).await?;
    control
        .record(auth.meta.event(
            Some(company),
            Some(auth.identity.id),
            AuditAction::InviteDecline,
            Some(auth.identity.id.to_string()),
            Outcome::Success,
        ))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
