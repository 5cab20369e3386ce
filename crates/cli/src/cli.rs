//! The command line, as clap types. `silo --help` and `silo <command> --help` explain each.
//!
//! The settings of a deployment are declared here once: every field of [`StorageArgs`],
//! [`ServerArgs`], [`SigningArgs`] and [`MailArgs`] is a setting. Its field name is its key in
//! the config file (and in `silo config`), `long` its flag, `env` its environment variable, the
//! doc comment its description, `default_value` its default; a default that depends on
//! something (such as the backend) ends the doc comment as `[default: ...]`. `hide_env_values =
//! true` marks a secret: `--help` never shows its value and `silo config` masks it (only the
//! password, for a `value_hint = Url`). A setting whose value is text has a `value_hint` (`Url`, `FilePath`,
//! `DirPath` or `Other`); numbers and booleans have none. [`crate::settings`] merges defaults,
//! the config file, the environment and the flags into these same structs, and `silo codegen`
//! writes the reference table and the example config file from them.

use clap::{Args, Parser, Subcommand, ValueHint};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;

/// Silo: CRM, contracts, invoicing and projects for digital agencies, with one database per
/// client company.
#[derive(Debug, Parser)]
#[command(name = "silo", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// A TOML file of settings, keyed as `silo config` prints them; the environment and flags
    /// take precedence over it.
    #[arg(long, global = true, env = "SILO_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where the data lives.
    #[command(flatten)]
    pub storage: StorageArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Where each setting came from; filled by [`crate::settings::load`].
    #[arg(skip)]
    pub origins: crate::settings::Origins,
}

/// Storage selection, shared by every command.
#[derive(Debug, Clone, Args, Serialize, Deserialize)]
pub struct StorageArgs {
    /// Data directory of the embedded SQLite deployment: control.sqlite3 plus one file per
    /// company under tenants/. On PostgreSQL it still holds keys/, mail/ and tenant-secret.
    #[arg(
        long,
        global = true,
        env = "SILO_DATA",
        value_name = "DIR",
        value_hint = ValueHint::DirPath,
        default_value = "./data"
    )]
    pub data: PathBuf,
    /// PostgreSQL URL of the control-plane database (selects the PostgreSQL backend; the
    /// database is created when missing).
    #[arg(
        long,
        global = true,
        env = "SILO_DATABASE_URL",
        value_name = "URL",
        value_hint = ValueHint::Url,
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// PostgreSQL server URL for tenant databases, with rights to create databases and roles;
    /// repeat (or separate with commas) for several servers.
    #[arg(
        long = "tenant-server",
        global = true,
        env = "SILO_TENANT_SERVERS",
        value_name = "URL",
        value_hint = ValueHint::Url,
        value_delimiter = ',',
        hide_env_values = true
    )]
    #[serde(default)]
    pub tenant_servers: Vec<String>,
    /// Secret that tenant database passwords are derived from (PostgreSQL; at least 16
    /// characters); the same on every app server [default: <data>/tenant-secret, generated on
    /// first start].
    #[arg(
        long,
        global = true,
        env = "SILO_TENANT_SECRET",
        value_name = "TEXT",
        value_hint = ValueHint::Other,
        hide_env_values = true
    )]
    pub tenant_secret: Option<String>,
    /// Most tenant databases kept open at once; the least recently used closes first
    /// [default: 1024 on SQLite, 256 on PostgreSQL].
    #[arg(long, global = true, env = "SILO_MAX_TENANT_POOLS", value_name = "N")]
    pub max_tenant_pools: Option<NonZeroU32>,
    /// Connections per open tenant database [default: 1].
    #[arg(
        long,
        global = true,
        env = "SILO_TENANT_CONNECTIONS_PER_POOL",
        value_name = "N"
    )]
    pub tenant_connections_per_pool: Option<NonZeroU32>,
    /// Most tenant connections open at once over all companies; on PostgreSQL a cap on each
    /// tenant server's own budget [default: 2048 on SQLite, max_connections less a reserve per
    /// PostgreSQL server].
    #[arg(
        long,
        global = true,
        env = "SILO_TENANT_CONNECTION_BUDGET",
        value_name = "N"
    )]
    pub tenant_connection_budget: Option<NonZeroU32>,
}

impl StorageArgs {
    /// The tenant pool bounds: the backend's defaults under whatever was set.
    pub fn pool_settings(
        &self,
        defaults: silo_tenancy::PoolSettings,
    ) -> silo_tenancy::PoolSettings {
        silo_tenancy::PoolSettings {
            max_pools: self
                .max_tenant_pools
                .map_or(defaults.max_pools, |n| n.get() as usize),
            connections_per_pool: self
                .tenant_connections_per_pool
                .map_or(defaults.connections_per_pool, NonZeroU32::get),
            connection_budget: self
                .tenant_connection_budget
                .map_or(defaults.connection_budget, NonZeroU32::get),
            ..defaults
        }
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (API and web app), with the background worker unless `--worker false`.
    Serve(ServeArgs),
    /// Run only the background worker (audit delivery, webhooks, mail), beside servers started
    /// with `--worker false` or to add capacity. Stops cleanly on SIGTERM.
    Worker(WorkerCommandArgs),
    /// See and manage background jobs: list them, retry a dead letter, drop a job.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Create, list, suspend and resume companies.
    #[command(subcommand)]
    Company(CompanyCommand),
    /// Manage the members of a company.
    #[command(subcommand)]
    Member(MemberCommand),
    /// See and manage people (identities) across companies: disable, enable, reset two-factor.
    #[command(subcommand)]
    Identity(IdentityCommand),
    /// Check the audit trail's hash chains, and sign and list its checkpoints.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Manage the keys that sign access tokens.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Migrate the control plane, then every active or suspended company's database, N at a
    /// time. Failures are reported and skipped (exit 1); running it again resumes.
    Migrate {
        /// How many companies to migrate at once.
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
        concurrency: u16,
    },
    /// Show the roles and what each may do.
    Roles {
        /// Print JSON for scripts instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print the effective configuration (defaults, file, environment and flags combined) with
    /// secrets masked. Takes the same options as `serve`.
    Config(ServeArgs),
    /// Write every generated file (the web app's copies of the contract, the reference docs).
    Codegen {
        /// Only compare: exit 1 when any file differs from what the code generates.
        #[arg(long)]
        check: bool,
        /// The repository root the generated paths are relative to.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
}

/// `silo jobs`.
#[derive(Debug, Clone, Subcommand)]
pub enum JobsCommand {
    /// The mail queue's counts and messages, then the jobs of every company (or one), newest
    /// first, with counts per state.
    List {
        /// Only this company (id or slug); leaves out the mail queue.
        #[arg(long, conflicts_with = "mail")]
        company: Option<String>,
        /// Only the deployment's mail queue.
        #[arg(long)]
        mail: bool,
        /// Only jobs (or messages) in this state: pending, running, done, dead or dropped
        /// (messages: pending, sent, dead or dropped).
        #[arg(long)]
        state: Option<String>,
        /// At most this many jobs per company (and messages).
        #[arg(long, default_value_t = 20)]
        limit: i64,
        /// Print JSON for scripts instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Queue a dead (or dropped) job again, due now, with a fresh count of attempts; with
    /// `--mail`, a dead message of the mail queue (while it still has its body).
    Retry {
        /// The company (id or slug).
        #[arg(long, required_unless_present = "mail", conflicts_with = "mail")]
        company: Option<String>,
        /// The id is a message of the deployment's mail queue.
        #[arg(long)]
        mail: bool,
        /// The job's (or message's) id.
        job: String,
    },
    /// Drop a pending or dead job: it is kept and never runs; with `--mail`, a pending or dead
    /// message: it is kept without its body and never sent.
    Drop {
        /// The company (id or slug).
        #[arg(long, required_unless_present = "mail", conflicts_with = "mail")]
        company: Option<String>,
        /// The id is a message of the deployment's mail queue.
        #[arg(long)]
        mail: bool,
        /// The job's (or message's) id.
        job: String,
    },
}

/// `silo worker`: the background work, and the mail settings it delivers the mail queue with.
#[derive(Debug, Clone, Args)]
pub struct WorkerCommandArgs {
    /// Background work.
    #[command(flatten)]
    pub worker: WorkerArgs,
    /// Mail: the SMTP server the mail queue is delivered through.
    #[command(flatten)]
    pub mail: MailArgs,
}

/// `silo serve` (and `silo config`, which prints these with the rest).
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// The HTTP server.
    #[command(flatten)]
    pub server: ServerArgs,
    /// The signing key.
    #[command(flatten)]
    pub signing: SigningArgs,
    /// Mail and the links in it.
    #[command(flatten)]
    pub mail: MailArgs,
    /// Background work.
    #[command(flatten)]
    pub worker: WorkerArgs,
}

/// Background work: the worker in `silo serve` and `silo worker`, and webhook delivery.
#[derive(Debug, Clone, Args, Serialize, Deserialize)]
pub struct WorkerArgs {
    /// Whether `silo serve` runs the background worker itself; turn it off when separate
    /// `silo worker` processes do the work.
    #[arg(
        long,
        env = "SILO_WORKER",
        value_name = "BOOL",
        action = clap::ArgAction::Set,
        default_value_t = true
    )]
    pub worker: bool,
    /// Companies one worker works on at once.
    #[arg(
        long,
        env = "SILO_WORKER_CONCURRENCY",
        value_name = "N",
        default_value_t = 4,
        value_parser = clap::value_parser!(u16).range(1..=256)
    )]
    pub worker_concurrency: u16,
    /// Attempts before a failed job, or a message of the mail queue, becomes a dead letter.
    #[arg(
        long,
        env = "SILO_JOB_MAX_ATTEMPTS",
        value_name = "N",
        default_value_t = 10,
        value_parser = clap::value_parser!(u16).range(1..=100)
    )]
    pub job_max_attempts: u16,
    /// The first retry's delay in seconds, for jobs and mail; each later retry waits about
    /// twice as long (with jitter), at most an hour.
    #[arg(
        long,
        env = "SILO_JOB_RETRY_SECONDS",
        value_name = "SECONDS",
        default_value_t = 5,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub job_retry_seconds: u64,
    /// How often every active company is checked for work a crash or an unreachable control
    /// plane kept off the queue, in seconds; 0 checks only at start.
    #[arg(
        long,
        env = "SILO_WORKER_SWEEP_SECONDS",
        value_name = "SECONDS",
        default_value_t = 600
    )]
    pub worker_sweep_seconds: u64,
    /// PostgreSQL: ready databases the worker keeps on each tenant server for signups to claim
    /// (provisioning then renames one instead of creating a database: a few milliseconds
    /// instead of hundreds). 0 turns the pool off; every provisioning creates its database.
    #[arg(
        long,
        env = "SILO_PROVISIONING_POOL",
        value_name = "N",
        default_value_t = 4
    )]
    pub provisioning_pool: usize,
    /// Allow webhook endpoints on loopback, private, link-local and cloud metadata addresses.
    /// Off in production: such an endpoint lets a company's webhooks reach the deployment's
    /// own network.
    #[arg(
        long,
        env = "SILO_WEBHOOK_ALLOW_PRIVATE",
        value_name = "BOOL",
        action = clap::ArgAction::Set,
        default_value_t = false
    )]
    pub webhook_allow_private: bool,
    /// How long one webhook delivery attempt may take (connecting, sending, the answer), in
    /// seconds; a slower endpoint's attempt fails and is retried.
    #[arg(
        long,
        env = "SILO_WEBHOOK_TIMEOUT_SECONDS",
        value_name = "SECONDS",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..=120)
    )]
    pub webhook_timeout_seconds: u64,
    /// Where Meta's Graph API is, for conversions forwarded to the Meta Conversions API (a
    /// local server in tests).
    #[arg(
        long,
        env = "SILO_META_API_URL",
        value_name = "URL",
        value_hint = ValueHint::Url,
        default_value = "https://graph.facebook.com"
    )]
    pub meta_api_url: String,
    /// Where the Google Ads API is, for conversions forwarded to Google Ads (a local server in
    /// tests).
    #[arg(
        long,
        env = "SILO_GOOGLE_ADS_API_URL",
        value_name = "URL",
        value_hint = ValueHint::Url,
        default_value = "https://googleads.googleapis.com"
    )]
    pub google_ads_api_url: String,
}

impl WorkerArgs {
    /// The worker's configuration.
    pub fn worker_config(&self) -> silo_worker::WorkerConfig {
        silo_worker::WorkerConfig {
            concurrency: usize::from(self.worker_concurrency),
            max_attempts: i64::from(self.job_max_attempts),
            retry_base: std::time::Duration::from_secs(self.job_retry_seconds),
            sweep: (self.worker_sweep_seconds > 0)
                .then(|| std::time::Duration::from_secs(self.worker_sweep_seconds)),
            provisioning_pool: self.provisioning_pool,
            ..silo_worker::WorkerConfig::default()
        }
    }

    /// How conversions are forwarded to ad platforms, with the vault key of
    /// `<data>/keys/vault.key` (made owner-only at the first start; a looser file is refused).
    pub fn forwarding_settings(
        &self,
        storage: &StorageArgs,
    ) -> anyhow::Result<silo_worker::conversions::ForwardingSettings> {
        use anyhow::Context as _;
        let path = silo_tenancy::DataDir::new(&storage.data)
            .keys_dir()
            .join("vault.key");
        let vault = silo_domain::attribution::forwarding::vault::Vault::load_or_create(&path)
            .with_context(|| "cannot load the vault key for ad-platform credentials")?;
        Ok(silo_worker::conversions::ForwardingSettings {
            urls: silo_domain::attribution::forwarding::PlatformUrls {
                meta: self.meta_api_url.clone(),
                google_ads: self.google_ads_api_url.clone(),
            },
            allow_private: self.webhook_allow_private,
            vault: Some(vault),
            ..silo_worker::conversions::ForwardingSettings::default()
        })
    }

    /// How webhooks are sent.
    pub fn webhook_settings(&self) -> silo_worker::webhook::WebhookSettings {
        silo_worker::webhook::WebhookSettings {
            allow_private: self.webhook_allow_private,
            timeout: std::time::Duration::from_secs(self.webhook_timeout_seconds),
        }
    }
}

/// The HTTP server: where it listens, what it accepts, how it signs and logs.
#[derive(Debug, Clone, Args, Serialize, Deserialize)]
pub struct ServerArgs {
    /// Address and port to listen on.
    #[arg(
        long,
        env = "SILO_LISTEN",
        value_name = "ADDR",
        value_hint = ValueHint::Other,
        default_value = "127.0.0.1:8080"
    )]
    pub listen: SocketAddr,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "SILO_BODY_LIMIT", value_name = "BYTES", default_value_t = 1024 * 1024)]
    pub body_limit: usize,
    /// Largest file shared through the client portal (uploads by the agency and by clients), in
    /// bytes.
    #[arg(long, env = "SILO_FILE_LIMIT", value_name = "BYTES", default_value_t = 10 * 1024 * 1024)]
    pub file_limit: usize,
    /// Most events the public collection endpoint (`POST /e/{site_key}`) takes per tracked site
    /// per minute, all servers of the deployment together; more answer 429 `rate_limited`.
    #[arg(long, env = "SILO_COLLECT_PER_SITE", value_name = "N", default_value_t = silo_server::CollectLimits::PER_SITE)]
    pub collect_per_site: u32,
    /// Most events the public collection endpoint takes per client address (IPv6: per /64) per
    /// minute, all servers of the deployment together.
    #[arg(long, env = "SILO_COLLECT_PER_ADDRESS", value_name = "N", default_value_t = silo_server::CollectLimits::PER_ADDRESS)]
    pub collect_per_address: u32,
    /// Whether anyone may sign up a new company through `POST /api/signup` [default: on for
    /// the embedded SQLite deployment, off for PostgreSQL (production)].
    #[arg(long, env = "SILO_SIGNUP", value_name = "BOOL", action = clap::ArgAction::Set)]
    pub signup: Option<bool>,
    /// Lifetime of access tokens, in seconds.
    #[arg(
        long,
        env = "SILO_TOKEN_TTL",
        value_name = "SECONDS",
        default_value_t = 900
    )]
    pub token_ttl: u64,
    /// Log lines as human-readable text or as JSON objects (one per line).
    #[arg(
        long,
        env = "SILO_LOG_FORMAT",
        value_name = "FORMAT",
        value_enum,
        value_hint = ValueHint::Other,
        default_value_t = LogFormat::Text
    )]
    pub log_format: LogFormat,
    /// A reverse proxy in front of Silo, as a network (10.0.0.0/8) or an address: requests from
    /// it take the client address from X-Forwarded-For (or Forwarded) for limits and audit
    /// records. Repeat, or separate with commas, for several. From any other peer those
    /// headers are ignored.
    #[arg(
        long = "trusted-proxy",
        env = "SILO_TRUSTED_PROXIES",
        value_name = "CIDR",
        value_hint = ValueHint::Other,
        value_delimiter = ','
    )]
    #[serde(default)]
    pub trusted_proxies: Vec<TrustedProxy>,
    /// Serve Prometheus metrics at `/metrics` on a listener of their own (e.g. a private
    /// interface), never on the public one [default: none].
    #[arg(long, env = "SILO_METRICS_LISTEN", value_name = "ADDR", value_hint = ValueHint::Other)]
    pub metrics_listen: Option<SocketAddr>,
    /// Serve `/metrics` on the public listener too, for `Authorization: Bearer <token>` only.
    /// A secret: prefer the environment variable or the config file to the flag [default:
    /// none, `/metrics` is not on the public listener].
    #[arg(
        long,
        env = "SILO_METRICS_TOKEN",
        value_name = "TOKEN",
        value_hint = ValueHint::Other,
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,
    /// How often to sign a checkpoint of the audit trail (the head of every hash chain) when
    /// records were added since the last one, in seconds; also done at start. 0 turns it off.
    #[arg(
        long,
        env = "SILO_AUDIT_CHECKPOINT_INTERVAL",
        value_name = "SECONDS",
        default_value_t = 3600
    )]
    pub audit_checkpoint_interval: u64,
    /// How often a running server reads the key set in <data>/keys again, in seconds: a key
    /// made by `silo keys rotate` starts signing and verifying, and one removed by `silo keys
    /// retire` stops verifying, within this time and without a restart. 0 reads it only at
    /// start. Not used with --signing-key-file.
    #[arg(
        long,
        env = "SILO_KEY_RELOAD_INTERVAL",
        value_name = "SECONDS",
        default_value_t = 5
    )]
    pub key_reload_interval: u64,
    /// Requests of one company the server runs at once; more are refused at once with 503
    /// `busy` and `Retry-After`, so one company's flood cannot hold up the others.
    #[arg(
        long,
        env = "SILO_COMPANY_CONCURRENCY",
        value_name = "N",
        default_value_t = silo_server::company_gate::DEFAULT_COMPANY_CONCURRENCY
    )]
    pub company_concurrency: u32,
}

/// The deployment's signing key: it signs access tokens and audit checkpoints.
#[derive(Debug, Clone, Args, Serialize, Deserialize)]
pub struct SigningArgs {
    /// Sign tokens and audit checkpoints with this Ed25519 private key (PKCS#8 PEM file)
    /// [default: the key set in <data>/keys, made on first start].
    #[arg(
        long,
        env = "SILO_SIGNING_KEY_FILE",
        value_name = "PEM",
        value_hint = ValueHint::FilePath
    )]
    pub signing_key_file: Option<PathBuf>,
}

impl SigningArgs {
    /// The key directory a running server reads again, `None` with --signing-key-file (a
    /// single key, changed only by a restart).
    pub fn key_dir(&self, storage: &StorageArgs) -> Option<PathBuf> {
        self.signing_key_file
            .is_none()
            .then(|| silo_tenancy::DataDir::new(&storage.data).keys_dir())
    }

    /// The key set: from the PEM file, or `<data>/keys` (every key kept there verifies; the
    /// active one signs), made there on first use when `create`.
    pub fn key_set(
        &self,
        storage: &StorageArgs,
        create: bool,
    ) -> anyhow::Result<silo_auth::KeySet> {
        use anyhow::Context as _;
        if let Some(file) = &self.signing_key_file {
            let pem = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read the signing key {}", file.display()))?;
            return Ok(silo_auth::KeySet::from_pem(&pem)?);
        }
        // Keys stay in the data directory on either backend.
        let dir = silo_tenancy::DataDir::new(&storage.data).keys_dir();
        if !create && !dir.join("active").exists() {
            anyhow::bail!(
                "no signing keys in {}: run this where the deployment's keys are (or give \
                 --signing-key-file)",
                dir.display()
            );
        }
        Ok(silo_auth::KeySet::load_or_create(&dir)?)
    }
}

/// A reverse proxy's network; a plain address is a network of one. Written as text in the
/// config file, like on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedProxy(pub silo_server::IpNet);

impl std::str::FromStr for TrustedProxy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        silo_server::client_ip::parse_trusted_proxy(s).map(TrustedProxy)
    }
}

impl std::fmt::Display for TrustedProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for TrustedProxy {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TrustedProxy {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Outgoing mail and the links it carries: for `serve`, and for the commands that invite people.
#[derive(Debug, Clone, Args, Serialize, Deserialize)]
pub struct MailArgs {
    /// The address people reach this server at, for the links in mail [default:
    /// http://<listen>].
    #[arg(
        long,
        env = "SILO_PUBLIC_URL",
        value_name = "URL",
        value_hint = ValueHint::Url
    )]
    pub public_url: Option<String>,
    /// SMTP server for outgoing mail, which is then queued in the control plane and delivered
    /// by the background workers: smtp://host:25, smtps://user:password@host (TLS from the
    /// start, port 465) or smtp://user:password@host:587?tls=required (STARTTLS). Holds a
    /// password: prefer the environment variable or the config file to the flag [default:
    /// none, mail goes to <data>/mail/outbox/].
    #[arg(
        long,
        env = "SILO_SMTP_URL",
        value_name = "URL",
        value_hint = ValueHint::Url,
        hide_env_values = true
    )]
    pub smtp_url: Option<String>,
    /// The sender of outgoing mail.
    #[arg(
        long,
        env = "SILO_MAIL_FROM",
        value_name = "ADDR",
        value_hint = ValueHint::Other,
        default_value = silo_mail::DEFAULT_FROM
    )]
    pub mail_from: String,
    /// How many days an invitation's link works.
    #[arg(
        long,
        env = "SILO_INVITATION_TTL_DAYS",
        value_name = "DAYS",
        default_value_t = 7
    )]
    pub invitation_ttl_days: u32,
}

impl MailArgs {
    /// Outgoing mail: the SMTP server and sender as configured, files under `<data>/mail`.
    pub fn mail_settings(&self, storage: &StorageArgs) -> silo_mail::MailSettings {
        silo_mail::MailSettings {
            smtp_url: self.smtp_url.clone().filter(|u| !u.trim().is_empty()),
            from: self.mail_from.clone(),
            dir: storage.data.join("mail"),
        }
    }

    /// How long an invitation's link works (at least a day).
    pub fn invitation_ttl(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.invitation_ttl_days.max(1)) * 24 * 3600)
    }

    /// The public address, or `fallback` (the listening address) when none is set.
    pub fn public_url_or(&self, fallback: impl FnOnce() -> String) -> String {
        self.public_url
            .clone()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(fallback)
    }
}

/// `silo audit ...`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute every chain (or one company's) and compare it with the newest signed
    /// checkpoint (its signature checked with the key set); name the first broken record; exit 1
    /// on any break.
    Verify {
        /// Company id or slug; all chains when left out.
        company: Option<String>,
        /// Compare with a checkpoint exported earlier (`silo audit checkpoints --json`, or one
        /// checkpoint of it; the newest in the file counts) instead of the newest stored one.
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<PathBuf>,
        /// The key set that verifies checkpoints.
        #[command(flatten)]
        signing: SigningArgs,
    },
    /// Sign the head of every chain now and store the checkpoint. Refused when the trail no
    /// longer holds the newest checkpoint's heads.
    Checkpoint {
        /// Sign even so (after deliberately restoring an older copy of the control database).
        #[arg(long)]
        force: bool,
        /// The key that signs.
        #[command(flatten)]
        signing: SigningArgs,
    },
    /// List the signed checkpoints; with --json, export them whole (payload and signature) to
    /// keep elsewhere and verify against later.
    Checkpoints {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// How log lines are written.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// For people.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// `silo keys ...`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List the key ids; the active one signs, all verify.
    List,
    /// Make a new signing key; older keys keep verifying until retired. Running servers use it
    /// within their key reload interval.
    Rotate,
    /// Delete a (non-active) key: tokens it signed stop working on running servers within
    /// their key reload interval.
    Retire {
        /// The key id (`kid`). Kids are base64url and may start with `-`, which is read as the
        /// kid, not as an option.
        #[arg(allow_hyphen_values = true)]
        kid: String,
    },
}

impl ServerArgs {
    /// Signup as configured, or the default for the chosen backend.
    pub fn signup_enabled(&self, storage: &StorageArgs) -> bool {
        self.signup.unwrap_or(storage.database_url.is_none())
    }
}

/// `silo company ...`.
#[derive(Debug, Subcommand)]
pub enum CompanyCommand {
    /// Create a company: its own database, and its owner (created if the email is new).
    Create {
        /// Display name.
        #[arg(long)]
        name: String,
        /// Short name for URLs (a-z, 0-9, hyphens); derived from the name when left out.
        #[arg(long)]
        slug: Option<String>,
        /// Email of the owner.
        #[arg(long)]
        owner_email: String,
        /// Owner's password (at least 10 characters), needed when the email is new. Prefer the
        /// environment variable, which stays out of shell history.
        #[arg(
            long,
            env = "SILO_OWNER_PASSWORD",
            value_name = "PASSWORD",
            hide_env_values = true
        )]
        owner_password: Option<String>,
        /// Owner's display name.
        #[arg(long)]
        owner_name: Option<String>,
    },
    /// List every company with its state and where its database lives.
    List {
        /// Print JSON for scripts instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Stop serving a company; its data is kept.
    Suspend {
        /// Company id or slug.
        company: String,
    },
    /// Serve a suspended company again.
    Resume {
        /// Company id or slug.
        company: String,
    },
    /// Move a company to another plan. Paid plans are set here (or by a billing system calling
    /// this), never by an owner alone; a company that holds more members or contacts than the
    /// plan allows is refused.
    Plan {
        /// Company id or slug.
        company: String,
        /// The plan: starter, growth or scale.
        plan: silo_control::Plan,
    },
    /// Erase a company for good: its database, sessions, memberships and invitations go, and
    /// so do the people who belonged to no other company; a tombstone (no name) and the audit
    /// trail stay. Running it again finishes an interrupted erasure.
    Erase {
        /// Company id or slug.
        company: String,
        /// Confirm: this cannot be undone.
        #[arg(long)]
        yes: bool,
    },
    /// Write a company's business data and members to a portable archive (JSON; gzip when
    /// the file name ends in .gz).
    Export {
        /// Company id or slug.
        company: String,
        /// The archive to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Create a new company from an archive made by `export`.
    Import {
        /// The archive to read (JSON or gzip).
        #[arg(long)]
        file: PathBuf,
        /// Display name; the archive's when left out.
        #[arg(long)]
        name: Option<String>,
        /// Slug; the archive's when left out.
        #[arg(long)]
        slug: Option<String>,
        /// Most bytes of JSON the archive may hold (after inflating, for gzip); a larger one,
        /// such as a decompression bomb, is refused before it fills memory.
        #[arg(long, value_name = "BYTES", default_value_t = MAX_ARCHIVE_BYTES)]
        max_size: u64,
        /// Mail for the invitations.
        #[command(flatten)]
        mail: MailArgs,
    },
    /// Move a company's database to another PostgreSQL tenant server (it answers 503 while
    /// the copy runs).
    Move {
        /// Company id or slug.
        company: String,
        /// The destination: a configured tenant server, as `host:port`.
        #[arg(long)]
        to: String,
    },
}

/// Most bytes of JSON `silo company import` reads from an archive unless told otherwise
/// (1 GiB): a bound on what a decompression bomb can make it allocate.
pub const MAX_ARCHIVE_BYTES: u64 = 1 << 30;

/// `silo member ...`.
#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Give a person a role in a company (creating their identity if the email is new).
    Add {
        /// Company id or slug.
        company: String,
        /// The person's email.
        email: String,
        /// One of owner, admin, manager, sales, marketing, delivery, finance, viewer.
        role: silo_roles::Role,
        /// Password for a new identity (at least 10 characters); without one, the person is
        /// invited and sets it later.
        #[arg(
            long,
            env = "SILO_MEMBER_PASSWORD",
            value_name = "PASSWORD",
            hide_env_values = true
        )]
        password: Option<String>,
        /// Display name for a new identity.
        #[arg(long)]
        name: Option<String>,
        /// Mail for the invitation (sent when no password is given).
        #[command(flatten)]
        mail: MailArgs,
    },
}

/// `silo identity ...`.
#[derive(Debug, Subcommand)]
pub enum IdentityCommand {
    /// Every identity: email, status, two-factor and how many companies it belongs to.
    List {
        /// Print JSON for scripts instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// One identity: its memberships (company and role), open sessions and two-factor.
    Show {
        /// The person's email.
        email: String,
        /// Print JSON for scripts instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Stop an identity from logging in; its sessions end now and its access tokens on their
    /// next request.
    Disable {
        /// The person's email.
        email: String,
    },
    /// Let a disabled identity log in again.
    Enable {
        /// The person's email.
        email: String,
    },
    /// Turn two-factor authentication off for a person who lost both their authenticator app
    /// and their recovery codes (check who is asking first); they can set it up again.
    #[command(name = "reset-2fa")]
    Reset2fa {
        /// The person's email.
        email: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kid is base64url: about one in 64 starts with `-`, which must not read as an option.
    #[test]
    fn a_kid_starting_with_a_hyphen_is_a_kid() {
        let cli = Cli::try_parse_from(["silo", "keys", "retire", "-Xk9_abc"]).unwrap();
        match cli.command {
            Command::Keys(KeysCommand::Retire { kid }) => assert_eq!(kid, "-Xk9_abc"),
            other => panic!("parsed as {other:?}"),
        }
    }
}
