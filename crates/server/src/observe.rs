//! One structured log line and metrics per request.
//!
//! The line carries the request id, method, route pattern (never the raw path, which may hold
//! ids only but is kept out for uniformity), status, latency, and the identity and company ids
//! the request was bound to. Never tokens, passwords or business content: those are not
//! available here at all.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};
use sha2::{Digest, Sha256};
use silo_control::{CompanyId, IdentityId};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use subtle::ConstantTimeEq;

/// Who a request was bound to, filled in by the binding extractors for the log line.
#[derive(Clone, Debug, Default)]
pub struct Bound(Arc<Mutex<(Option<IdentityId>, Option<CompanyId>)>>);

impl Bound {
    /// Notes the identity and, when resolved, the company.
    pub fn set(&self, identity: IdentityId, company: Option<CompanyId>) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = (Some(identity), company);
        }
    }

    fn get(&self) -> (Option<IdentityId>, Option<CompanyId>) {
        self.0.lock().map(|s| *s).unwrap_or_default()
    }
}

/// The server's metrics, in a registry of its own (several servers can run in one process).
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    provisioned: IntCounter,
    lazy_migrations: IntCounter,
    registry_cache_hits: IntCounter,
    company_busy: IntCounter,
    tenant_budget_busy: IntCounter,
    tenant_pools: IntGauge,
    tenant_connections: IntGauge,
    password_verifications: IntCounter,
    password_hashes: IntCounter,
}

impl Metrics {
    /// The registry, for metrics kept elsewhere (the worker's).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Registers every metric.
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("silo".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by route pattern, method and status",
            ),
            &["route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by route pattern and method",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
            &["route", "method"],
        )?;
        // Counters kept by the tenancy layer, exported as read at scrape time.
        let provisioned = IntCounter::new(
            "companies_provisioned_total",
            "Companies provisioned by this process",
        )?;
        let lazy_migrations = IntCounter::new(
            "tenant_migrations_total",
            "Tenant databases migrated on first use by this process",
        )?;
        let registry_cache_hits = IntCounter::new(
            "registry_cache_hits_total",
            "Request-path registry reads answered from memory because the registry was unchanged",
        )?;
        let company_busy = IntCounter::new(
            "company_busy_total",
            "Requests refused with 503 busy because their company had every slot in flight",
        )?;
        let tenant_budget_busy = IntCounter::new(
            "tenant_budget_busy_total",
            "Requests refused with 503 busy because the tenant connection budget was taken",
        )?;
        let tenant_pools = IntGauge::new("tenant_pools_open", "Tenant database pools open now")?;
        let tenant_connections = IntGauge::new(
            "tenant_connections_open",
            "Tenant database connections open now",
        )?;
        let password_verifications = IntCounter::new(
            "password_verifications_total",
            "Argon2 password verifications run by this process",
        )?;
        let password_hashes =
            IntCounter::new("password_hashes_total", "Passwords hashed by this process")?;
        registry.register(Box::new(password_verifications.clone()))?;
        registry.register(Box::new(password_hashes.clone()))?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(provisioned.clone()))?;
        registry.register(Box::new(lazy_migrations.clone()))?;
        registry.register(Box::new(registry_cache_hits.clone()))?;
        registry.register(Box::new(company_busy.clone()))?;
        registry.register(Box::new(tenant_budget_busy.clone()))?;
        registry.register(Box::new(tenant_pools.clone()))?;
        registry.register(Box::new(tenant_connections.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            latency,
            provisioned,
            lazy_migrations,
            registry_cache_hits,
            company_busy,
            tenant_budget_busy,
            tenant_pools,
            tenant_connections,
            password_verifications,
            password_hashes,
        })
    }
}

/// Middleware on every routed request: times it, logs one line, counts it.
pub async fn observe(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    // Cheap handles, not copies: the matched path is shared, standard methods and header
    // values clone without allocating.
    let route = req.extensions().get::<MatchedPath>().cloned();
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    let method = req.method().clone();
    let request_id = req
        .extensions()
        .get::<crate::request_id::RequestId>()
        .cloned();
    let bound = Bound::default();
    req.extensions_mut().insert(bound.clone());
    let response = next.run(req).await;
    let elapsed = started.elapsed();
    let status = response.status();
    let (identity, company) = bound.get();
    tracing::info!(
        target: "silo::request",
        request_id = request_id.as_ref().map_or("", |id| id.as_str()),
        method = method.as_str(),
        route,
        status = status.as_u16(),
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        identity = identity.map(|i| i.to_string()),
        company = company.map(|c| c.to_string()),
        "request"
    );
    state
        .metrics
        .requests
        .with_label_values(&[route, method.as_str(), status.as_str()])
        .inc();
    state
        .metrics
        .latency
        .with_label_values(&[route, method.as_str()])
        .observe(elapsed.as_secs_f64());
    response
}

/// Where `/metrics` is served. Neither by default: the figures (companies provisioned, pools,
/// routes' traffic) are the platform's, not for anyone who can reach the public port.
#[derive(Clone, Debug, Default)]
pub struct MetricsAccess {
    /// A listener of its own that serves only `/metrics` (e.g. on a private interface).
    pub listen: Option<std::net::SocketAddr>,
    /// On the public port, for `Authorization: Bearer <token>` only.
    pub token: Option<MetricsToken>,
}

/// The bearer token that opens `/metrics` on the public port. Compared in constant time over
/// its SHA-256, so neither its content nor its length shows in timing; never printed.
#[derive(Clone)]
pub struct MetricsToken([u8; 32]);

impl MetricsToken {
    /// The token as configured.
    pub fn new(token: &str) -> Self {
        MetricsToken(Sha256::digest(token.as_bytes()).into())
    }

    fn admits(&self, headers: &HeaderMap) -> bool {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        bool::from(digest.ct_eq(&self.0))
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(..)")
    }
}

/// `GET /metrics` on the public port, when a token is configured: the metrics for the right
/// bearer token, `401` for anything else.
pub async fn metrics_with_token(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let admitted = state
        .config
        .metrics
        .token
        .as_ref()
        .is_some_and(|t| t.admits(&headers));
    if !admitted {
        return crate::ApiError::Unauthenticated("the metrics token is missing or wrong".into())
            .into_response();
    }
    metrics(State(state)).await
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let stats = state.tenancy.stats().await;
    let gauge = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let metrics = &state.metrics;
    metrics.tenant_pools.set(gauge(stats.open_pools as u64));
    metrics
        .tenant_connections
        .set(gauge(stats.open_connections));
    // The counts live in the tenancy layer and the password work; bring the counters up to them.
    for (counter, value) in [
        (&metrics.provisioned, stats.provisioned),
        (&metrics.lazy_migrations, stats.lazy_migrations),
        (&metrics.registry_cache_hits, stats.registry_cache_hits),
        (&metrics.company_busy, state.company_gate.refused()),
        (&metrics.tenant_budget_busy, stats.budget_refusals),
        (
            &metrics.password_verifications,
            state.passwords.verifications(),
        ),
        (&metrics.password_hashes, state.passwords.hashes()),
    ] {
        counter.inc_by(value.saturating_sub(counter.get()));
    }
    let mut buffer = Vec::new();
    match TextEncoder::new().encode(&state.metrics.registry.gather(), &mut buffer) {
        Ok(()) => ([("content-type", "text/plain; version=0.0.4")], buffer).into_response(),
        Err(e) => crate::ApiError::Internal(e.to_string()).into_response(),
    }
}
