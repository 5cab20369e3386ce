//! Settings from an optional TOML file, under flags and environment variables.
//!
//! Precedence, highest first: flags, `SILO_*` environment variables, the `--config` file,
//! built-in defaults. clap handles flags, environment and defaults; a file value is used only
//! where clap fell back to its default (or had none).

use crate::cli::{Cli, Command, LogFormat, ServeArgs};
use anyhow::Context;
use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Everything the file may set. Unknown keys are refused, so a typo is not silently ignored.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    data: Option<PathBuf>,
    database_url: Option<String>,
    tenant_servers: Option<Vec<String>>,
    max_tenant_pools: Option<u32>,
    tenant_connections_per_pool: Option<u32>,
    tenant_connection_budget: Option<u32>,
    listen: Option<SocketAddr>,
    body_limit: Option<usize>,
    signup: Option<bool>,
    token_ttl: Option<u64>,
    log_format: Option<LogFormat>,
    public_url: Option<String>,
    signing_key_file: Option<PathBuf>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    invitation_ttl_days: Option<u32>,
    trusted_proxies: Option<Vec<String>>,
}

fn from_default(matches: &ArgMatches, id: &str) -> bool {
    matches!(
        matches.value_source(id),
        None | Some(ValueSource::DefaultValue)
    )
}

/// Overlays the `--config` file, if any, on what clap parsed.
pub fn apply(cli: &mut Cli, matches: &ArgMatches) -> anyhow::Result<()> {
    let Some(path) = cli.storage.config.clone() else {
        return Ok(());
    };
    let file = read(&path)?;
    let storage = &mut cli.storage;
    if let Some(v) = file.data.filter(|_| from_default(matches, "data")) {
        storage.data = v;
    }
    if let Some(v) = file
        .database_url
        .filter(|_| from_default(matches, "database_url"))
    {
        storage.database_url = Some(v);
    }
    if let Some(v) = file
        .tenant_servers
        .filter(|_| from_default(matches, "tenant_servers"))
    {
        storage.tenant_servers = v;
    }
    for (value, id, slot) in [
        (
            file.max_tenant_pools,
            "max_tenant_pools",
            &mut storage.max_tenant_pools,
        ),
        (
            file.tenant_connections_per_pool,
            "tenant_connections_per_pool",
            &mut storage.tenant_connections_per_pool,
        ),
        (
            file.tenant_connection_budget,
            "tenant_connection_budget",
            &mut storage.tenant_connection_budget,
        ),
    ] {
        if let Some(v) = value.filter(|_| from_default(matches, id)) {
            if v == 0 {
                anyhow::bail!("config file {}: {id} must be at least 1", path.display());
            }
            *slot = Some(v);
        }
    }
    let serve = match &mut cli.command {
        Command::Serve(args) => Some((args, "serve")),
        Command::Config(args) => Some((args, "config")),
        _ => None,
    };
    if let Some((args, name)) = serve
        && let Some(m) = matches.subcommand_matches(name)
    {
        overlay_serve(args, m, file.listen, |a, v| a.listen = v, "listen");
        overlay_serve(
            args,
            m,
            file.body_limit,
            |a, v| a.body_limit = v,
            "body_limit",
        );
        overlay_serve(args, m, file.signup, |a, v| a.signup = Some(v), "signup");
        overlay_serve(args, m, file.token_ttl, |a, v| a.token_ttl = v, "token_ttl");
        overlay_serve(
            args,
            m,
            file.log_format,
            |a, v| a.log_format = v,
            "log_format",
        );
        overlay_serve(
            args,
            m,
            file.public_url,
            |a, v| a.mail.public_url = Some(v),
            "public_url",
        );
        overlay_serve(
            args,
            m,
            file.signing_key_file,
            |a, v| a.signing_key_file = Some(v),
            "signing_key_file",
        );
        overlay_serve(
            args,
            m,
            file.smtp_url,
            |a, v| a.mail.smtp_url = Some(v),
            "smtp_url",
        );
        overlay_serve(
            args,
            m,
            file.mail_from,
            |a, v| a.mail.mail_from = v,
            "mail_from",
        );
        overlay_serve(
            args,
            m,
            file.invitation_ttl_days,
            |a, v| a.mail.invitation_ttl_days = v,
            "invitation_ttl_days",
        );
        if let Some(list) = file.trusted_proxies {
            let parsed = list
                .iter()
                .map(|s| silo_server::client_ip::parse_trusted_proxy(s))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| {
                    anyhow::anyhow!("config file {}: trusted_proxies: {e}", path.display())
                })?;
            overlay_serve(
                args,
                m,
                Some(parsed),
                |a, v| a.trusted_proxies = v,
                "trusted_proxies",
            );
        }
    }
    Ok(())
}

fn overlay_serve<T>(
    args: &mut ServeArgs,
    m: &ArgMatches,
    value: Option<T>,
    set: impl FnOnce(&mut ServeArgs, T),
    id: &str,
) {
    if let Some(v) = value.filter(|_| from_default(m, id)) {
        set(args, v);
    }
}

fn read(path: &Path) -> anyhow::Result<FileSettings> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the config file {}", path.display()))?;
    toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("config file {}: {}", path.display(), e.message()))
}

/// Hides the password of a connection URL.
pub fn mask_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "*** (unparseable URL)".to_owned(),
    }
}

/// `silo config`: the effective settings as TOML, secrets masked.
pub fn print(cli: &Cli, serve: &ServeArgs) -> anyhow::Result<()> {
    let effective = FileSettings {
        data: Some(cli.storage.data.clone()),
        database_url: cli.storage.database_url.as_deref().map(mask_url),
        tenant_servers: Some(
            cli.storage
                .tenant_servers
                .iter()
                .map(|s| mask_url(s))
                .collect(),
        ),
        max_tenant_pools: cli.storage.max_tenant_pools,
        tenant_connections_per_pool: cli.storage.tenant_connections_per_pool,
        tenant_connection_budget: cli.storage.tenant_connection_budget,
        listen: Some(serve.listen),
        body_limit: Some(serve.body_limit),
        signup: Some(serve.signup_enabled(&cli.storage)),
        token_ttl: Some(serve.token_ttl),
        log_format: Some(serve.log_format),
        public_url: serve.mail.public_url.clone(),
        signing_key_file: serve.signing_key_file.clone(),
        smtp_url: serve.mail.smtp_url.as_deref().map(mask_url),
        mail_from: Some(serve.mail.mail_from.clone()),
        invitation_ttl_days: Some(serve.mail.invitation_ttl_days),
        trusted_proxies: Some(
            serve
                .trusted_proxies
                .iter()
                .map(ToString::to_string)
                .collect(),
        ),
    };
    print!("{}", toml::to_string(&effective)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_masked() {
        assert_eq!(
            mask_url("postgres://silo:hunter2@db:5432/control"),
            "postgres://silo:***@db:5432/control"
        );
        assert!(!mask_url("postgres://silo:hunter2@db/x").contains("hunter2"));
        assert_eq!(mask_url("postgres://db/x"), "postgres://db/x");
    }
}
