//! The command line, as clap types. `silo --help` and `silo <command> --help` explain each.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Silo: CRM, contracts, invoicing and projects for digital agencies, with one database per
/// client company.
#[derive(Debug, Parser)]
#[command(name = "silo", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Where the data lives.
    #[command(flatten)]
    pub storage: StorageArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Storage selection, shared by every command.
#[derive(Debug, Args)]
pub struct StorageArgs {
    /// A TOML file with settings; flags and environment variables take precedence over it.
    #[arg(long, global = true, env = "SILO_CONFIG")]
    pub config: Option<PathBuf>,
    /// Data directory of the embedded SQLite deployment: control.sqlite3 plus one file per
    /// company under tenants/.
    #[arg(long, global = true, env = "SILO_DATA", default_value = "./data")]
    pub data: PathBuf,
    /// PostgreSQL URL of the control-plane database (selects the PostgreSQL backend; the
    /// database is created when missing).
    #[arg(long, global = true, env = "SILO_DATABASE_URL")]
    pub database_url: Option<String>,
    /// PostgreSQL server URL for tenant databases, with rights to create databases and roles;
    /// repeat (or separate with commas) for several servers.
    #[arg(
        long = "tenant-server",
        global = true,
        env = "SILO_TENANT_SERVERS",
        value_delimiter = ','
    )]
    pub tenant_servers: Vec<String>,
    /// Secret that tenant database passwords are derived from (PostgreSQL; at least 16
    /// characters). Without it, <data>/tenant-secret is used, generated on first start.
    #[arg(
        long,
        global = true,
        env = "SILO_TENANT_SECRET",
        hide_env_values = true
    )]
    pub tenant_secret: Option<String>,
    /// Most tenant databases kept open at once; the least recently used closes first
    /// [default: 1024 on SQLite, 256 on PostgreSQL].
    #[arg(long, global = true, env = "SILO_MAX_TENANT_POOLS", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_tenant_pools: Option<u32>,
    /// Connections per open tenant database [default: 1].
    #[arg(long, global = true, env = "SILO_TENANT_CONNECTIONS_PER_POOL", value_parser = clap::value_parser!(u32).range(1..))]
    pub tenant_connections_per_pool: Option<u32>,
    /// Most tenant connections open at once over all companies; on PostgreSQL keep it under
    /// the servers' max_connections [default: 2048 on SQLite, 64 on PostgreSQL].
    #[arg(long, global = true, env = "SILO_TENANT_CONNECTION_BUDGET", value_parser = clap::value_parser!(u32).range(1..))]
    pub tenant_connection_budget: Option<u32>,
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
                .map_or(defaults.max_pools, |n| n as usize),
            connections_per_pool: self
                .tenant_connections_per_pool
                .unwrap_or(defaults.connections_per_pool),
            connection_budget: self
                .tenant_connection_budget
                .unwrap_or(defaults.connection_budget),
            ..defaults
        }
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (API and web app).
    Serve(ServeArgs),
    /// Create, list, suspend and resume companies.
    #[command(subcommand)]
    Company(CompanyCommand),
    /// Manage the members of a company.
    #[command(subcommand)]
    Member(MemberCommand),
    /// See and manage people (identities) across companies: disable, enable, reset two-factor.
    #[command(subcommand)]
    Identity(IdentityCommand),
    /// Check the audit trail's hash chains.
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

/// `silo serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "SILO_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "SILO_BODY_LIMIT", default_value_t = 1024 * 1024)]
    pub body_limit: usize,
    /// Whether anyone may sign up a new company through `POST /api/signup`. Default: on for the
    /// embedded SQLite deployment, off for PostgreSQL (production).
    #[arg(long, env = "SILO_SIGNUP", action = clap::ArgAction::Set)]
    pub signup: Option<bool>,
    /// Lifetime of access tokens, in seconds.
    #[arg(long, env = "SILO_TOKEN_TTL", default_value_t = 900)]
    pub token_ttl: u64,
    /// Log lines as human-readable text or as JSON objects (one per line).
    #[arg(long, env = "SILO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Sign tokens with this Ed25519 private key (PKCS#8 PEM file) instead of the key set in
    /// <data>/keys.
    #[arg(long, env = "SILO_SIGNING_KEY_FILE")]
    pub signing_key_file: Option<PathBuf>,
    /// A reverse proxy in front of Silo, as a network (10.0.0.0/8) or an address: requests from
    /// it take the client address from X-Forwarded-For (or Forwarded) for limits and audit
    /// records. Repeat, or separate with commas, for several. From any other peer those
    /// headers are ignored.
    #[arg(
        long = "trusted-proxy",
        env = "SILO_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_parser = silo_server::client_ip::parse_trusted_proxy
    )]
    pub trusted_proxies: Vec<silo_server::IpNet>,
    /// Mail and the links in it.
    #[command(flatten)]
    pub mail: MailArgs,
}

/// Outgoing mail and the links it carries: for `serve`, and for the commands that invite people.
#[derive(Debug, Clone, Args)]
pub struct MailArgs {
    /// The address people reach this server at (for the links in mail).
    #[arg(long, env = "SILO_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// SMTP server for outgoing mail: smtp://host:25, smtps://user:password@host (TLS from the
    /// start, port 465) or smtp://user:password@host:587?tls=required (STARTTLS). Without it,
    /// mail is written to <data>/mail/outbox/. Holds a password: prefer the environment
    /// variable or the config file to the flag.
    #[arg(long, env = "SILO_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of outgoing mail.
    #[arg(long, env = "SILO_MAIL_FROM", default_value = silo_mail::DEFAULT_FROM)]
    pub mail_from: String,
    /// How many days an invitation's link works.
    #[arg(long, env = "SILO_INVITATION_TTL_DAYS", default_value_t = 7)]
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
    /// Recompute every chain (or one company's); name the first broken record; exit 1 on any break.
    Verify {
        /// Company id or slug; all chains when left out.
        company: Option<String>,
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
    /// Make a new signing key; older keys keep verifying until retired. Restart servers after.
    Rotate,
    /// Delete a (non-active) key: tokens it signed stop working.
    Retire {
        /// The key id (`kid`).
        kid: String,
    },
}

impl ServeArgs {
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
        #[arg(long, env = "SILO_OWNER_PASSWORD", hide_env_values = true)]
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
    /// Erase a company for good: its database, memberships and invitations go; a tombstone
    /// and the audit trail stay. Running it again finishes an interrupted erasure.
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
        #[arg(long, env = "SILO_MEMBER_PASSWORD", hide_env_values = true)]
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
