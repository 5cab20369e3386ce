//! `silo serve`.

use crate::cli::{LogFormat, ServeArgs, StorageArgs};
use anyhow::Context;
use silo_auth::{TokenConfig, Tokens};
use silo_server::{Server, ServerConfig};
use std::sync::Arc;
use std::time::Duration;
use tracing_subscriber::EnvFilter;

/// Fewest characters of a metrics token: one that can be guessed opens the platform's figures.
const MIN_METRICS_TOKEN: usize = 24;

/// Logs to stderr, as text or JSON lines.
pub fn init_logs(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
}

pub async fn run(storage: &StorageArgs, args: ServeArgs) -> anyhow::Result<()> {
    let ServeArgs {
        server: http,
        signing,
        mail,
        worker,
    } = args;
    init_logs(http.log_format);
    let tenancy = Arc::new(crate::storage::open(storage).await?);
    for company in tenancy.finish_interrupted().await? {
        tracing::info!(company = %company.id, "finished an interrupted provisioning");
    }
    let keys = signing.key_set(storage, true)?;
    let tokens = Tokens::new(
        keys,
        TokenConfig {
            ttl: Duration::from_secs(http.token_ttl.max(1)),
            ..TokenConfig::default()
        },
    );
    if http
        .metrics_token
        .as_deref()
        .is_some_and(|t| t.chars().count() < MIN_METRICS_TOKEN)
    {
        anyhow::bail!("--metrics-token must be at least {MIN_METRICS_TOKEN} characters");
    }
    let config = ServerConfig {
        listen: http.listen,
        body_limit: http.body_limit,
        signup_enabled: http.signup_enabled(storage),
        public_url: mail.public_url_or(|| format!("http://{}", http.listen)),
        mail: mail.mail_settings(storage),
        invitation_ttl: mail.invitation_ttl(),
        trusted_proxies: http.trusted_proxies.iter().map(|p| p.0).collect(),
        audit_checkpoint_interval: Duration::from_secs(http.audit_checkpoint_interval),
        key_reload: signing
            .key_dir(storage)
            .filter(|_| http.key_reload_interval > 0)
            .map(|dir| silo_server::KeyReload {
                dir,
                interval: Duration::from_secs(http.key_reload_interval),
            }),
        worker: worker.worker.then(|| worker.worker_config()),
        webhooks: worker.webhook_settings(),
        forwarding: worker.forwarding_settings(storage)?,
        portal: silo_server::PortalSettings {
            file_limit: http.file_limit,
            ..silo_server::PortalSettings::default()
        },
        collect_limits: silo_server::CollectLimits {
            per_site: http.collect_per_site,
            per_address: http.collect_per_address,
            window: silo_server::CollectLimits::WINDOW,
        },
        metrics: silo_server::MetricsAccess {
            listen: http.metrics_listen,
            token: http
                .metrics_token
                .as_deref()
                .map(silo_server::MetricsToken::new),
        },
        company_concurrency: http.company_concurrency,
        ..ServerConfig::default()
    };
    let server = Server::build(config, tenancy.clone(), tokens)
        .await
        .with_context(|| format!("cannot start the server on {}", http.listen))?;
    let addr = server.local_addr()?;
    let companies = tenancy.control().list_companies().await?;
    match &storage.database_url {
        Some(_) => eprintln!(
            "Silo is listening on http://{addr}/ (PostgreSQL, {} tenant server(s))",
            storage.tenant_servers.len()
        ),
        None => eprintln!(
            "Silo is listening on http://{addr}/ (data in {})",
            storage.data.display()
        ),
    }
    if let Some(metrics) = server.metrics_addr()? {
        eprintln!("Metrics are served on http://{metrics}/metrics");
    }
    if !http.trusted_proxies.is_empty() {
        let proxies: Vec<String> = http
            .trusted_proxies
            .iter()
            .map(ToString::to_string)
            .collect();
        eprintln!(
            "Client addresses come from X-Forwarded-For/Forwarded on requests from {}",
            proxies.join(", ")
        );
    }
    if companies.is_empty() {
        eprintln!(
            "No companies yet. Create the first one:\n  silo --data {} company create --name \"Your Agency\" --owner-email you@example.com\n(password from SILO_OWNER_PASSWORD), then log in at http://{addr}/",
            storage.data.display()
        );
    }
    server
        .run_until_stopped(silo_server::shutdown_signal())
        .await?;
    tenancy.close().await;
    eprintln!("Silo stopped.");
    Ok(())
}
