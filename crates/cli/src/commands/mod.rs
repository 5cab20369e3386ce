//! One module per command.

mod audit;
mod codegen;
mod company;
mod contract_ts;
mod fleet;
mod identity;
mod jobs;
mod keys;
mod member;
mod migrate;
mod roles;
mod serve;
mod worker;

use crate::cli::{Cli, Command};
use anyhow::Context;
use silo_auth::password::{self, Password};

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve::run(&cli.storage, args).await,
        Command::Worker(args) => worker::run(&cli.storage, args).await,
        Command::Jobs(cmd) => jobs::run(&cli.storage, cmd).await,
        Command::Company(cmd) => company::run(&cli.storage, cmd).await,
        Command::Member(cmd) => member::run(&cli.storage, cmd).await,
        Command::Identity(cmd) => identity::run(&cli.storage, cmd).await,
        Command::Audit(cmd) => audit::run(&cli.storage, cmd).await,
        Command::Keys(cmd) => keys::run(&cli.storage, cmd).await,
        Command::Migrate { concurrency } => migrate::run(&cli.storage, concurrency.into()).await,
        Command::Roles { json } => roles::run(json),
        Command::Codegen { check, root } => codegen::run(check, &root),
        Command::Config(ref serve) => crate::settings::print(&cli, serve),
    }
}

/// Checks a password given on the command line and hashes it.
fn hash_password(plain: &str) -> anyhow::Result<String> {
    password::check_policy(plain).map_err(|problem| anyhow::anyhow!("password {problem}"))?;
    password::hash(&Password::new(plain.to_owned())).context("cannot hash the password")
}

/// Looks up a company by id or slug, or says there is none.
async fn find_company(
    tenancy: &silo_tenancy::Tenancy,
    reference: &str,
) -> anyhow::Result<silo_control::Company> {
    tenancy
        .control()
        .find_company(reference)
        .await?
        .with_context(|| format!("no company `{reference}`"))
}

/// What happened to a message a command sent, for its output: written to the outbox, or queued
/// for the deployment's workers to deliver.
fn how_mail_goes(postbox: &silo_worker::mail::Postbox) -> &'static str {
    if postbox.queues() {
        "is queued for delivery by a running `silo serve` or `silo worker`"
    } else {
        "went to the mail outbox"
    }
}
