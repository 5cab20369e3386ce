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
    /// Manage the keys that sign access tokens.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Show the roles and what each may do.
    Roles {
        /// Print JSON for scripts instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// `silo serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "SILO_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "SILO_BODY_LIMIT", default_value_t = 1024 * 1024)]
    pub body_limit: usize,
    /// Whether anyone may sign up a new company through `POST /api/signup`.
    #[arg(long, env = "SILO_SIGNUP", default_value_t = true, action = clap::ArgAction::Set)]
    pub signup: bool,
    /// Lifetime of access tokens, in seconds.
    #[arg(long, env = "SILO_TOKEN_TTL", default_value_t = 900)]
    pub token_ttl: u64,
    /// Sign tokens with this Ed25519 private key (PKCS#8 PEM file) instead of the key set in
    /// <data>/keys.
    #[arg(long, env = "SILO_SIGNING_KEY_FILE")]
    pub signing_key_file: Option<PathBuf>,
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
    },
}
