//! The public side of attribution: the browser script (`GET /s.js`) and the collection
//! endpoints (`POST /e/{site_key}`, `POST /e/{site_key}/identify`, and their CORS preflights).
//!
//! No staff token: the site key names the company in a claim we signed (audience `silo-site`),
//! the company's database is opened through the tenancy layer like the portal's entry paths,
//! and only then is the key's secret compared with the site's stored hash. Every way a key can
//! fail answers `404 not_found` (a key that does not work), before the body is read.

use crate::AppState;
use crate::binding::{RequestMeta, entry_company};
use crate::error::ApiError;
use crate::json::{Json, parse_object};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::Serialize;
use silo_auth::Purpose;
use silo_control::Company;
use silo_domain::attribution::collect::{self, Cookie, Visit};
use silo_domain::attribution::identify;
use silo_domain::attribution::sites::{self, ActiveSite};
use silo_store::TenantDb;
use uuid::Uuid;

/// The browser script, kept as a file of its own (`crates/server/assets/s.js`).
pub const SCRIPT: &str = include_str!("../../assets/s.js");

/// The visitor cookie the server sets (with analytics consent only).
pub const COOKIE: &str = "silo_vid";
/// How long the visitor cookie lives: 13 months (396 days).
pub const COOKIE_MAX_AGE: u64 = 396 * 24 * 3600;

/// Parts of user agents of crawlers, previews and headless browsers: their events are answered
/// like any other and stored nowhere.
pub const BOT_MARKERS: &[&str] = &[
    "bot",
    "crawler",
    "spider",
    "slurp",
    "headlesschrome",
    "phantomjs",
    "puppeteer",
    "playwright",
    "lighthouse",
    "facebookexternalhit",
    "python-requests",
    "curl/",
    "wget/",
];

/// Whether a user agent is a crawler or headless browser (or none was sent).
pub fn is_bot(user_agent: &str) -> bool {
    let ua = user_agent.to_ascii_lowercase();
    ua.trim().is_empty() || BOT_MARKERS.iter().any(|m| ua.contains(m))
}

/// The answer of the collection endpoints: the same for a new event, a repeat and a bot's.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Accepted {
    /// Always `true`.
    pub accepted: bool,
}

/// `GET /s.js`: the browser script.
pub async fn script() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/javascript; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        SCRIPT,
    )
        .into_response()
}

/// The site a key names, or `404 not_found` for a key that does not work (forged, of another
/// purpose, rotated, of a deleted site or of a company that is not active).
async fn site_by_key(
    state: &AppState,
    key: &str,
) -> Result<(Company, TenantDb, ActiveSite), ApiError> {
    let verified = state
        .entry
        .verify(Purpose::Site, key)
        .map_err(|_| ApiError::NotFound)?;
    let (company, db) = entry_company(state, verified.company)
        .await
        .map_err(|e| match e {
            ApiError::TenantUnavailable(_) | ApiError::Unavailable(_) => e,
            _ => ApiError::NotFound,
        })?;
    let site = sites::by_key(&db, verified.row, &verified.secret_hash)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((company, db, site))
}

fn header_str(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The request's `Origin`, checked against the site: `Ok(None)` without one (not a browser's
/// cross-origin request), `403 origin_not_allowed` for one the site does not list.
fn checked_origin(headers: &HeaderMap, site: &ActiveSite) -> Result<Option<String>, ApiError> {
    match header_str(headers, header::ORIGIN) {
        None => Ok(None),
        Some(origin) if site.allows(origin) => Ok(Some(origin.to_owned())),
        Some(_) => Err(ApiError::OriginNotAllowed),
    }
}

/// CORS headers for an allowed origin: that origin, with credentials (the visitor cookie).
fn cors(response: &mut Response, origin: Option<&str>) {
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(v) = origin.and_then(|o| HeaderValue::from_str(o).ok()) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
}

/// `OPTIONS /e/{site_key}/identify`: as [`preflight`], for the form endpoint.
pub async fn preflight_identify(
    state: State<AppState>,
    key: Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    preflight(state, key, headers).await
}

/// `OPTIONS /e/{site_key}`: the CORS preflight, answered only for an origin the site allows.
pub async fn preflight(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (_, _, site) = site_by_key(&state, &key).await?;
    let origin = checked_origin(&headers, &site)?.ok_or(ApiError::OriginNotAllowed)?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    cors(&mut response, Some(&origin));
    let h = response.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    Ok(response)
}

/// The visitor id in the `silo_vid` cookie, if one came and is a UUID.
fn visitor_cookie(headers: &HeaderMap) -> Option<Uuid> {
    crate::cookies::read(headers, COOKIE).and_then(|value| Uuid::parse_str(value).ok())
}

fn set_cookie(response: &mut Response, cookie: Cookie, secure: bool) {
    let secure = if secure { "; Secure" } else { "" };
    let value = match cookie {
        Cookie::Set(id) => format!(
            "{COOKIE}={id}; Path=/; Max-Age={COOKIE_MAX_AGE}; HttpOnly; SameSite=Lax{secure}"
        ),
        Cookie::Clear => format!("{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}"),
        Cookie::None => return,
    };
    if let Ok(v) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// What every collection request shares: a working key, an allowed origin, an enabled site,
/// room in the limits, a body within 64 KiB. `None` for a bot (answer, store nothing).
struct Admitted {
    company: Company,
    db: TenantDb,
    site: ActiveSite,
    origin: Option<String>,
    visit: Visit,
    body: Bytes,
}

async fn admit(
    state: &AppState,
    key: &str,
    meta: &RequestMeta,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Result<Admitted, Option<String>>, ApiError> {
    let (company, db, site) = site_by_key(state, key).await?;
    let origin = checked_origin(headers, &site)?;
    if !site.enabled {
        return Err(ApiError::SiteDisabled);
    }
    state.collect_limits.event(site.id, meta.client_ip).await?;
    let body = body.map_err(|r| match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        _ => ApiError::BadRequest(r.body_text()),
    })?;
    if body.len() > collect::BODY_LIMIT {
        return Err(ApiError::PayloadTooLarge);
    }
    let user_agent = header_str(headers, header::USER_AGENT)
        .unwrap_or_default()
        .chars()
        .take(512)
        .collect::<String>();
    if is_bot(&user_agent) {
        return Ok(Err(origin));
    }
    let visit = Visit {
        ip: meta.client_ip,
        user_agent,
        gpc: header_str(headers, "sec-gpc").is_some_and(|v| v.trim() == "1"),
        visitor_cookie: visitor_cookie(headers),
    };
    Ok(Ok(Admitted {
        company,
        db,
        site,
        origin,
        visit,
        body,
    }))
}

fn accepted(state: &AppState, origin: Option<&str>, cookie: Cookie) -> Response {
    let mut response = (StatusCode::ACCEPTED, Json(Accepted { accepted: true })).into_response();
    cors(&mut response, origin);
    set_cookie(
        &mut response,
        cookie,
        crate::cookies::secure(&state.config.public_url),
    );
    response
}

/// An error answer that the page's script may read (CORS headers for an allowed origin).
fn refused(e: ApiError, origin: Option<&str>) -> Response {
    let mut response = e.into_response();
    cors(&mut response, origin);
    response
}

/// `POST /e/{site_key}`: one event.
pub async fn event(
    State(state): State<AppState>,
    Path(key): Path<String>,
    meta: RequestMeta,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let a = match admit(&state, &key, &meta, &headers, body).await? {
        Ok(a) => a,
        Err(origin) => return Ok(accepted(&state, origin.as_deref(), Cookie::None)),
    };
    let input = match parse_object(&a.body) {
        Ok(input) => input,
        Err(e) => return Ok(refused(e, a.origin.as_deref())),
    };
    match collect::collect(&a.db, &a.site, input, &a.visit).await {
        Ok(done) => Ok(accepted(&state, a.origin.as_deref(), done.cookie)),
        Err(e) => Ok(refused(e.into(), a.origin.as_deref())),
    }
}

/// `POST /e/{site_key}/identify`: a form submission.
pub async fn identify(
    State(state): State<AppState>,
    Path(key): Path<String>,
    meta: RequestMeta,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let a = match admit(&state, &key, &meta, &headers, body).await? {
        Ok(a) => a,
        Err(origin) => return Ok(accepted(&state, origin.as_deref(), Cookie::None)),
    };
    let input = match parse_object(&a.body) {
        Ok(input) => input,
        Err(e) => return Ok(refused(e, a.origin.as_deref())),
    };
    let limits = state.tenancy.control().plan_limits(a.company.plan).await?;
    // No address in the audit trail of a visitor's form: the request id is enough to trace it.
    let origin = silo_domain::Origin {
        request_id: meta.request_id.clone(),
        ..silo_domain::Origin::system()
    };
    match identify::identify(
        &a.db,
        &a.site,
        input,
        &a.visit,
        limits.max_contacts,
        &origin,
    )
    .await
    {
        Ok(done) => Ok(accepted(&state, a.origin.as_deref(), done.collected.cookie)),
        Err(silo_domain::DomainError::Limit(m)) => {
            Ok(refused(ApiError::PlanLimit(m), a.origin.as_deref()))
        }
        Err(e) => Ok(refused(e.into(), a.origin.as_deref())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crawlers_and_headless_browsers_are_bots() {
        assert!(is_bot("Mozilla/5.0 (compatible; Googlebot/2.1)"));
        assert!(is_bot("Mozilla/5.0 HeadlessChrome/120.0"));
        assert!(is_bot(""));
        assert!(!is_bot("Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"));
    }
}
