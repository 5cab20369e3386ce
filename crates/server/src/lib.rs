//! Silo's HTTP server as a library: [`Server::build`] binds and wires everything, and
//! [`Server::run_until_stopped`] serves until a shutdown signal. Tests start it on port 0.

pub mod access_refusals;
mod audit;
mod background;
mod binding;
pub mod client_ip;
pub mod company_gate;
mod cookies;
pub mod error;
pub mod generated;
mod handlers;
mod json;
pub mod notify;
mod observe;
pub mod openapi;
mod pagination;
pub mod passwords;
pub mod plans;
pub mod ratelimit;
pub mod refusals;
pub mod request_id;
mod routes;
mod validate;
mod web;

pub use error::ApiError;
pub use ipnet::IpNet;
pub use observe::{MetricsAccess, MetricsToken};
pub use passwords::{PasswordLimits, Passwords};
pub use ratelimit::{CollectLimits, Limited, LoginLimits, RequestLimits};
pub use routes::{Access, CONTENT_SECURITY_POLICY, ROUTES, RouteSpec};
pub use web::WebApp;

use axum::Router;
use ratelimit::{CollectLimiter, LoginLimiter, RequestLimiter};
use silo_auth::Tokens;
use silo_tenancy::Tenancy;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// How the server runs.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Where to listen (port 0 picks a free one).
    pub listen: SocketAddr,
    /// Largest accepted request body in bytes.
    pub body_limit: usize,
    /// Whether `POST /api/signup` creates companies.
    pub signup_enabled: bool,
    /// Login attempt limits.
    pub login_limits: LoginLimits,
    /// Signup and password-reset request limits per client address.
    pub request_limits: RequestLimits,
    /// How much password hashing may run at once.
    pub password_limits: PasswordLimits,
    /// Reverse proxies whose `X-Forwarded-For` / `Forwarded` headers name the client; from
    /// any other peer those headers are ignored.
    pub trusted_proxies: Vec<IpNet>,
    /// The address people reach this server at, for links such as invitations. Unless it is
    /// plain http on a loopback host, cookies are marked `Secure` and the refresh cookie is
    /// named with the `__Host-` prefix (see `handlers::session`).
    pub public_url: String,
    /// Where the browser app's files come from.
    pub web: WebApp,
    /// How long an invitation's link works.
    pub invitation_ttl: std::time::Duration,
    /// Outgoing mail (default: no SMTP, files in `./data/mail/outbox`).
    pub mail: silo_mail::MailSettings,
    /// How often the server signs a checkpoint of the audit trail's heads when they moved
    /// (at start, then at this interval); zero turns it off.
    pub audit_checkpoint_interval: Duration,
    /// The background worker run beside the server; `None` when other processes
    /// (`silo worker`) do the background work.
    pub worker: Option<silo_worker::WorkerConfig>,
    /// How webhooks are sent.
    pub webhooks: silo_worker::webhook::WebhookSettings,
    /// The client portal's sessions and sign-in limits.
    pub portal: PortalSettings,
    /// How conversions are forwarded to ad platforms, with the vault key that seals their
    /// credentials (none by default: creating a destination answers 503 until one is loaded).
    pub forwarding: silo_worker::conversions::ForwardingSettings,
    /// Limits of the public event collection endpoint.
    pub collect_limits: CollectLimits,
    /// Where `/metrics` is served (nowhere by default).
    pub metrics: MetricsAccess,
    /// Where the signing keys are read again while the server runs, and how often; `None`
    /// keeps the keys given at start (a key from a PEM file, tests).
    pub key_reload: Option<KeyReload>,
    /// Requests of one company in flight at once; more are refused with 503 `busy`.
    pub company_concurrency: u32,
}

/// A key directory a running server reads again now and then (see
/// [`silo_auth::Tokens::reload`]): rotated keys start signing and verifying, retired ones stop
/// verifying, without a restart.
#[derive(Clone, Debug)]
pub struct KeyReload {
    /// The key directory (`<data>/keys`).
    pub dir: std::path::PathBuf,
    /// How often it is read.
    pub interval: Duration,
}

/// The client portal's sessions, previews and sign-in limits.
#[derive(Clone, Copy, Debug)]
pub struct PortalSettings {
    /// Idle and absolute expiry of portal sessions.
    pub sessions: silo_domain::portal::sign_in::SessionLimits,
    /// Magic-link requests per address (`per_email`) and per client address (`per_address`).
    pub link_limits: LoginLimits,
    /// How long a staff member's "view as client" preview lasts.
    pub preview_ttl: Duration,
    /// The largest file shared through the portal (staff and portal uploads), in bytes.
    pub file_limit: usize,
}

impl Default for PortalSettings {
    fn default() -> Self {
        PortalSettings {
            sessions: Default::default(),
            link_limits: LoginLimits {
                per_email: 5,
                per_address: 30,
                window: Duration::from_secs(3600),
            },
            preview_ttl: Duration::from_secs(30 * 60),
            file_limit: silo_domain::files::DEFAULT_MAX_FILE_BYTES,
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            body_limit: 1024 * 1024,
            signup_enabled: true,
            login_limits: LoginLimits::default(),
            request_limits: RequestLimits::default(),
            password_limits: PasswordLimits::default(),
            trusted_proxies: Vec::new(),
            public_url: "http://127.0.0.1:8080".into(),
            web: WebApp::default(),
            invitation_ttl: silo_control::INVITATION_TTL,
            mail: silo_mail::MailSettings::default(),
            audit_checkpoint_interval: DEFAULT_AUDIT_CHECKPOINT_INTERVAL,
            worker: Some(silo_worker::WorkerConfig::default()),
            webhooks: silo_worker::webhook::WebhookSettings::default(),
            portal: PortalSettings::default(),
            forwarding: silo_worker::conversions::ForwardingSettings::default(),
            collect_limits: CollectLimits::default(),
            metrics: MetricsAccess::default(),
            key_reload: None,
            company_concurrency: company_gate::DEFAULT_COMPANY_CONCURRENCY,
        }
    }
}

/// How often a checkpoint of the audit trail is signed unless configured otherwise: hourly.
pub const DEFAULT_AUDIT_CHECKPOINT_INTERVAL: Duration = Duration::from_secs(3600);

/// What every handler can reach. One shared allocation: the router clones the state for
/// every request, and one reference count is cheaper to move between cores than five.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

/// The contents of [`AppState`].
#[derive(Debug)]
pub struct Shared {
    pub(crate) tenancy: Arc<Tenancy>,
    pub(crate) tokens: Tokens,
    /// Portal sessions, the portal address, magic links and signing links (same keys).
    pub(crate) entry: silo_auth::EntryTokens,
    pub(crate) limiter: LoginLimiter,
    /// Magic-link requests per address and per client address.
    pub(crate) portal_links: LoginLimiter,
    pub(crate) request_limits: RequestLimiter,
    /// Event collection limits per site and client address.
    pub(crate) collect_limits: CollectLimiter,
    pub(crate) passwords: Arc<Passwords>,
    pub(crate) config: ServerConfig,
    pub(crate) metrics: observe::Metrics,
    pub(crate) postbox: silo_worker::mail::Postbox,
    pub(crate) nudge: silo_worker::Nudge,
    pub(crate) token_refusals: refusals::TokenRefusals,
    /// Refused requests of known companies, counted for the audit trail.
    pub(crate) access_refusals: access_refusals::AccessRefusals,
    /// Each company's requests in flight.
    pub(crate) company_gate: company_gate::CompanyGate,
}

impl AppState {
    /// Mail with links on this server's public address.
    pub(crate) fn notifier(&self) -> notify::Notifier<'_> {
        notify::Notifier {
            postbox: &self.postbox,
            public_url: &self.config.public_url,
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// A bound, ready-to-run server.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    router: Router,
    state: AppState,
    passwords: Arc<Passwords>,
    worker: Option<Arc<silo_worker::Worker>>,
    /// The listener of `/metrics` alone, when configured.
    metrics_listener: Option<TcpListener>,
}

impl Server {
    /// Binds the listener, checks the mail settings, moves mail an older version left in the
    /// spool into the mail queue, and builds the routes.
    pub async fn build(
        config: ServerConfig,
        tenancy: Arc<Tenancy>,
        tokens: Tokens,
    ) -> std::io::Result<Server> {
        // reqwest's TLS (rustls) takes the process's crypto provider: webhook delivery, and
        // any HTTP client built in a process that runs a server.
        silo_worker::webhook::install_crypto_provider();
        let listener = TcpListener::bind(config.listen).await?;
        let metrics_listener = match config.metrics.listen {
            Some(addr) => Some(TcpListener::bind(addr).await?),
            None => None,
        };
        let passwords = Arc::new(Passwords::new(config.password_limits));
        let metrics = observe::Metrics::new().map_err(std::io::Error::other)?;
        let nudge = silo_worker::Nudge::default();
        let mailer =
            silo_mail::Mailer::start(config.mail.clone()).map_err(std::io::Error::other)?;
        let postbox = silo_worker::mail::Postbox::new(
            mailer.clone(),
            tenancy.control().clone(),
            nudge.clone(),
        );
        if let Err(e) = postbox.take_over_spool().await {
            // The files stay; the next start tries again.
            tracing::warn!(error = %e, "cannot move the old mail spool into the mail queue yet");
        }
        let worker = match &config.worker {
            Some(worker) => {
                let worker_metrics = silo_worker::WorkerMetrics::register(metrics.registry())
                    .map_err(std::io::Error::other)?;
                Some(Arc::new(
                    silo_worker::Worker::new(
                        tenancy.clone(),
                        worker.clone(),
                        nudge.clone(),
                        Arc::new(worker_metrics),
                        silo_worker::webhook::Sender::new(config.webhooks.clone()),
                    )
                    .with_mailer(mailer.clone())
                    .with_forwarding(config.forwarding.clone()),
                ))
            }
            None => None,
        };
        let control = tenancy.control().clone();
        let state = AppState(Arc::new(Shared {
            tenancy,
            entry: silo_auth::EntryTokens::new(&tokens),
            tokens,
            limiter: LoginLimiter::new(config.login_limits, control.clone(), "login"),
            portal_links: LoginLimiter::new(
                config.portal.link_limits,
                control.clone(),
                "portal-link",
            ),
            request_limits: RequestLimiter::new(config.request_limits, control.clone()),
            collect_limits: CollectLimiter::new(config.collect_limits, control),
            passwords: passwords.clone(),
            config: config.clone(),
            metrics,
            postbox,
            nudge,
            token_refusals: refusals::TokenRefusals::default(),
            access_refusals: access_refusals::AccessRefusals::default(),
            company_gate: company_gate::CompanyGate::new(config.company_concurrency),
        }));
        let router = routes::router(state.clone(), &config);
        Ok(Server {
            listener,
            router,
            state,
            passwords,
            worker,
            metrics_listener,
        })
    }

    /// The server's password work, to read its counts or hold its slots.
    pub fn passwords(&self) -> Arc<Passwords> {
        self.passwords.clone()
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The address the metrics listener actually bound, when there is one.
    pub fn metrics_addr(&self) -> std::io::Result<Option<SocketAddr>> {
        self.metrics_listener
            .as_ref()
            .map(TcpListener::local_addr)
            .transpose()
    }

    /// Serves (and runs the worker, if configured) until `shutdown` completes, then finishes
    /// the requests, jobs and mail in flight (what is queued and not started stays queued for
    /// the deployment's workers) and records the refused tokens still counted. Meanwhile it
    /// signs audit checkpoints (see [`ServerConfig::audit_checkpoint_interval`]) and records
    /// refused tokens minute by minute.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let background = background::Background::start(&self.state);
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let worker = self.worker.map(|worker| {
            let mut stopped = stopped.clone();
            tokio::spawn(worker.run(async move {
                let _ = stopped.wait_for(|s| *s).await;
            }))
        });
        let metrics = self.metrics_listener.map(|listener| {
            let mut stopped = stopped.clone();
            let router = routes::metrics_router(self.state.clone());
            tokio::spawn(async move {
                axum::serve(listener, router)
                    .with_graceful_shutdown(async move {
                        let _ = stopped.wait_for(|s| *s).await;
                    })
                    .await
            })
        });
        let serving = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stop.send(true);
        })
        .await;
        if let Some(worker) = worker
            && let Err(e) = worker.await
        {
            tracing::error!(error = %e, "the worker ended abnormally");
        }
        if let Some(metrics) = metrics {
            match metrics.await {
                Ok(Err(e)) => tracing::error!(error = %e, "the metrics listener failed"),
                Err(e) => tracing::error!(error = %e, "the metrics listener ended abnormally"),
                Ok(Ok(())) => {}
            }
        }
        background.stop(&self.state).await;
        serving?;
        Ok(())
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
