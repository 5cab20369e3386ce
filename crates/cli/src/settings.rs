//! The configuration: every setting merged from four layers, lowest precedence first: its
//! built-in default, the config file (`--config FILE` or `SILO_CONFIG`), its `SILO_*`
//! environment variable, its flag.
//!
//! The settings are declared once, as the fields of the clap structs [`StorageArgs`],
//! [`ServerArgs`], [`SigningArgs`] and [`MailArgs`] (see `cli.rs`). clap reads flags, environment and defaults
//! into them; [`merge`] sorts each value into its layer by where clap found it, lays the config
//! file between the defaults and the environment, and lets figment merge the layers back into
//! the same typed structs, remembering where each value came from ([`Origins`], printed by
//! `silo config`). [`settings`] describes every setting from its clap declaration: the keys the
//! config file may use, which are secrets, and what the reference docs and the example file
//! (both written by `silo codegen`, see [`reference`]) say.

pub mod reference;

use crate::cli::{
    AuditCommand, Cli, Command, CompanyCommand, MailArgs, MemberCommand, ServeArgs, ServerArgs,
    SigningArgs, StorageArgs, WorkerArgs,
};
use anyhow::{Context, anyhow, bail};
use clap::parser::ValueSource;
use clap::{ArgAction, ArgMatches, Args, CommandFactory, FromArgMatches, ValueHint};
use figment::error::Kind;
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeSet;
use std::path::Path;

/// One setting, as its clap declaration describes it.
#[derive(Clone, Debug)]
pub struct Setting {
    /// Its key in the config file and in `silo config` (the field name).
    pub key: String,
    /// The flag, such as `--listen`.
    pub flag: String,
    /// What the flag takes, such as `ADDR`.
    pub value_name: String,
    /// The environment variable.
    pub env: String,
    /// What it does: the doc comment without its `[default: ...]`.
    pub help: String,
    /// The built-in default, when there is one value.
    pub default: Option<toml::Value>,
    /// The default in words, when it depends on something (`[default: ...]` in the doc).
    pub default_note: Option<String>,
    /// A secret: `--help` hides its value and `silo config` masks it.
    pub secret: bool,
    /// A URL: masking hides only its password.
    pub url: bool,
    /// Its value is text (a string in TOML), as its `value_hint` says.
    pub text: bool,
    /// Takes several values (a list in the config file).
    pub list: bool,
    /// The values it accepts, when they are a closed set.
    pub choices: Vec<String>,
    /// The commands that take it (`serve`, `member add`); empty when every command does.
    pub commands: Vec<String>,
}

/// Every setting, in declaration order.
pub fn settings() -> Vec<Setting> {
    let declared = declared();
    let defaults = built_in_defaults();
    let tree = Cli::command();
    declared
        .get_arguments()
        .map(|arg| {
            let key = arg.get_id().as_str().to_owned();
            let help = arg
                .get_long_help()
                .or(arg.get_help())
                .map(ToString::to_string)
                .unwrap_or_default();
            let (help, default_note) = split_default_note(&help);
            let mut commands = Vec::new();
            if !arg.is_global_set() {
                commands_taking(&tree, &key, "", &mut commands);
            }
            Setting {
                flag: format!("--{}", arg.get_long().unwrap_or(&key)),
                value_name: arg
                    .get_value_names()
                    .and_then(|names| names.first())
                    .map(ToString::to_string)
                    .unwrap_or_else(|| key.to_uppercase()),
                env: arg
                    .get_env()
                    .map(|e| e.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                help,
                default: defaults.get(&key).cloned(),
                default_note,
                secret: arg.is_hide_env_values_set(),
                url: arg.get_value_hint() == ValueHint::Url,
                text: arg.get_value_hint() != ValueHint::Unknown,
                list: matches!(arg.get_action(), ArgAction::Append),
                choices: arg
                    .get_possible_values()
                    .iter()
                    .map(|v| v.get_name().to_owned())
                    .collect(),
                commands,
                key,
            }
        })
        .collect()
}

/// What is done with each group of settings as a type.
struct GroupType {
    /// Adds its arguments to a command.
    augment: fn(clap::Command) -> clap::Command,
    /// Its values from parsed arguments, as a table.
    table: fn(&ArgMatches) -> anyhow::Result<toml::Table>,
    /// Whether a figment's values are valid settings of the group.
    check: fn(&Figment) -> Result<(), Box<figment::Error>>,
}

const fn group_type<G: Args + FromArgMatches + Serialize + DeserializeOwned>() -> GroupType {
    GroupType {
        augment: G::augment_args,
        table: group_table::<G>,
        check: group_check::<G>,
    }
}

fn group_table<G: FromArgMatches + Serialize>(matches: &ArgMatches) -> anyhow::Result<toml::Table> {
    Ok(toml::Table::try_from(G::from_arg_matches(matches)?)?)
}

fn group_check<G: DeserializeOwned>(figment: &Figment) -> Result<(), Box<figment::Error>> {
    figment.extract::<G>().map(drop).map_err(Box::new)
}

/// The groups of settings, in declaration order.
const GROUP_TYPES: [GroupType; 5] = [
    group_type::<StorageArgs>(),
    group_type::<ServerArgs>(),
    group_type::<SigningArgs>(),
    group_type::<MailArgs>(),
    group_type::<WorkerArgs>(),
];

/// Every setting in one clap command, as declared.
fn declared() -> clap::Command {
    GROUP_TYPES
        .iter()
        .fold(clap::Command::new("silo"), |command, group| {
            (group.augment)(command)
        })
}

/// The defaults as typed values: the declaration parsed with no flags and no environment.
fn built_in_defaults() -> toml::Table {
    let matches = declared()
        .mut_args(|arg| arg.env(None))
        .no_binary_name(true)
        .try_get_matches_from(Vec::<String>::new())
        .expect("every setting is optional");
    let mut table = toml::Table::new();
    for group in &GROUP_TYPES {
        table.extend((group.table)(&matches).expect("the defaults are valid settings"));
    }
    table
}

/// Splits a trailing `[default: ...]` off a help text.
fn split_default_note(help: &str) -> (String, Option<String>) {
    let trimmed = help.trim_end().trim_end_matches('.');
    if let Some(start) = trimmed.rfind(" [default: ")
        && let Some(note) = trimmed[start..]
            .strip_prefix(" [default: ")
            .and_then(|rest| rest.strip_suffix(']'))
    {
        return (trimmed[..start].to_owned(), Some(note.to_owned()));
    }
    (trimmed.to_owned(), None)
}

/// Collects the paths of the subcommands (`company import`) that declare the argument `id`.
fn commands_taking(command: &clap::Command, id: &str, prefix: &str, out: &mut Vec<String>) {
    for sub in command.get_subcommands() {
        let path = if prefix.is_empty() {
            sub.get_name().to_owned()
        } else {
            format!("{prefix} {}", sub.get_name())
        };
        if sub.get_arguments().any(|arg| arg.get_id() == id) {
            out.push(path.clone());
        }
        commands_taking(sub, id, &path, out);
    }
}

/// Names of the layers, as figment's metadata carries them.
const DEFAULT: &str = "default";
const FILE: &str = "config file";
const ENVIRONMENT: &str = "environment";
const FLAG: &str = "flag";

/// Where each setting's value came from: filled by [`merge`], printed by `silo config`.
#[derive(Clone, Debug, Default)]
pub struct Origins {
    figment: Figment,
}

impl Origins {
    /// The layer that gave `key` its value; `None` when no layer has it (an empty list).
    fn layer(&self, key: &str) -> Option<&str> {
        self.figment
            .find_metadata(key)
            .map(|metadata| metadata.name.as_ref())
    }
}

/// A group of settings: one of the clap structs, serialized into layers and merged back.
trait Group {
    /// Sorts this group's values (as clap parsed them) into the layers.
    fn sort_into(&self, leaf: &ArgMatches, layers: &mut Layers) -> anyhow::Result<()>;
    /// Replaces this group by its merged values.
    fn merge_from(&mut self, figment: &Figment) -> Result<(), Box<figment::Error>>;
}

impl<T: Serialize + DeserializeOwned> Group for T {
    fn sort_into(&self, leaf: &ArgMatches, layers: &mut Layers) -> anyhow::Result<()> {
        let values = Value::serialize(self)?
            .into_dict()
            .context("a group of settings is a table")?;
        for (key, value) in values {
            let layer = match leaf.value_source(&key) {
                Some(ValueSource::DefaultValue) => Some(&mut layers.defaults),
                Some(ValueSource::EnvVariable) => Some(&mut layers.environment),
                Some(ValueSource::CommandLine) => Some(&mut layers.flags),
                _ => None,
            };
            if let Some(layer) = layer {
                layer.insert(key.clone(), value);
            }
            layers.merged.insert(key);
        }
        Ok(())
    }

    fn merge_from(&mut self, figment: &Figment) -> Result<(), Box<figment::Error>> {
        *self = figment.extract()?;
        Ok(())
    }
}

/// The setting groups this command line reaches: storage always, the others where a command
/// flattens them in.
fn groups(cli: &mut Cli) -> Vec<&mut dyn Group> {
    let mut groups: Vec<&mut dyn Group> = vec![&mut cli.storage];
    match &mut cli.command {
        Command::Serve(args) | Command::Config(args) => {
            groups.push(&mut args.server);
            groups.push(&mut args.signing);
            groups.push(&mut args.mail);
            groups.push(&mut args.worker);
        }
        Command::Worker(args) => {
            groups.push(&mut args.worker);
            groups.push(&mut args.mail);
        }
        Command::Company(CompanyCommand::Import { mail, .. })
        | Command::Member(MemberCommand::Add { mail, .. }) => groups.push(mail),
        Command::Audit(
            AuditCommand::Verify { signing, .. } | AuditCommand::Checkpoint { signing, .. },
        ) => groups.push(signing),
        _ => {}
    }
    groups
}

/// The values clap found, by where it found them.
#[derive(Default)]
struct Layers {
    defaults: Dict,
    environment: Dict,
    flags: Dict,
    /// Every key of the groups sorted in.
    merged: BTreeSet<String>,
}

/// One layer as a figment provider, named for `silo config` and for error messages.
struct Layer {
    name: &'static str,
    values: Dict,
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.name)
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.values.clone()))
    }
}

/// The innermost subcommand's matches: where clap put every argument of this command line,
/// the global ones included.
fn leaf(matches: &ArgMatches) -> &ArgMatches {
    let mut leaf = matches;
    while let Some((_, sub)) = leaf.subcommand() {
        leaf = sub;
    }
    leaf
}

/// Merges defaults, the config file (when one is named), the environment and the flags into
/// `cli`'s settings, and records where each value came from.
pub fn merge(cli: &mut Cli, matches: &ArgMatches) -> anyhow::Result<()> {
    let settings = settings();
    let leaf = leaf(matches);
    let path = cli.config.clone();
    let file = match &path {
        Some(path) => Some(read_file(path, &settings)?),
        None => None,
    };
    let mut layers = Layers::default();
    for group in groups(cli) {
        group.sort_into(leaf, &mut layers)?;
    }
    // A command that flattens in a group `groups` does not list would silently ignore the file.
    for id in leaf.ids() {
        let id = id.as_str();
        if settings.iter().any(|s| s.key == id) && !layers.merged.contains(id) {
            bail!("internal error: the setting `{id}` is not merged (see settings::groups)");
        }
    }
    let mut figment = Figment::new().merge(Layer {
        name: DEFAULT,
        values: layers.defaults,
    });
    if let Some(values) = file {
        figment = figment.merge(Layer { name: FILE, values });
    }
    let figment = figment
        .merge(Layer {
            name: ENVIRONMENT,
            values: layers.environment,
        })
        .merge(Layer {
            name: FLAG,
            values: layers.flags,
        });
    for group in groups(cli) {
        group
            .merge_from(&figment)
            .map_err(|e| describe(*e, &settings, path.as_deref()))?;
    }
    cli.origins = Origins { figment };
    Ok(())
}

/// Reads the config file: TOML whose keys are settings; any other key is refused, so that a
/// typo is not silently ignored.
fn read_file(path: &Path, settings: &[Setting]) -> anyhow::Result<Dict> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the config file {}", path.display()))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .and_then(|span| text.get(..span.start))
            .map(|before| format!(", line {}", before.matches('\n').count() + 1))
            .unwrap_or_default();
        anyhow!(
            "config file {}{line}: {}",
            path.display(),
            e.message().trim_end()
        )
    })?;
    if let Some(unknown) = table
        .keys()
        .find(|key| !settings.iter().any(|s| &s.key == *key))
    {
        let known: Vec<&str> = settings.iter().map(|s| s.key.as_str()).collect();
        bail!(
            "config file {}: unknown key `{unknown}`; the keys are {}",
            path.display(),
            known.join(", ")
        );
    }
    let values = Value::serialize(&table)?
        .into_dict()
        .context("a TOML document is a table")?;
    // Every value is checked, also those of settings this command does not use: a mistake
    // anywhere in the file is reported by any command.
    let defaults = Value::serialize(built_in_defaults())?
        .into_dict()
        .context("the defaults are a table")?;
    let figment = Figment::new()
        .merge(Layer {
            name: DEFAULT,
            values: defaults,
        })
        .merge(Layer {
            name: FILE,
            values: values.clone(),
        });
    for group in &GROUP_TYPES {
        (group.check)(&figment).map_err(|e| describe(*e, settings, Some(path)))?;
    }
    Ok(values)
}

/// One line per problem: where the value came from, its key, what is wrong. The value of a
/// secret is never repeated.
fn describe(error: figment::Error, settings: &[Setting], file: Option<&Path>) -> anyhow::Error {
    let problems: Vec<String> = error
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let secret = settings.iter().any(|s| s.key == key && s.secret);
            let what = match &e.kind {
                Kind::InvalidType(_, expected) | Kind::InvalidValue(_, expected) if secret => {
                    format!("expected {expected}")
                }
                kind => kind.to_string(),
            };
            let layer = e.metadata.as_ref().map(|m| m.name.as_ref());
            let place = match (layer, file) {
                (Some(FILE), Some(path)) => format!("config file {}", path.display()),
                (Some(layer), _) => layer.to_owned(),
                (None, _) => "settings".to_owned(),
            };
            format!("{place}: {key}: {what}")
        })
        .collect();
    anyhow!(problems.join("; "))
}

/// Hides the password of a connection URL (in its user part or a `password` parameter).
pub fn mask_url(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw) else {
        return "*** (unparseable URL)".to_owned();
    };
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    if url
        .query_pairs()
        .any(|(k, _)| k.eq_ignore_ascii_case("password"))
    {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if k.eq_ignore_ascii_case("password") {
                    "***".to_owned()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

/// A secret's value as `silo config` shows it.
fn redact(value: &toml::Value, url: bool) -> toml::Value {
    match value {
        toml::Value::String(text) if url => toml::Value::String(mask_url(text)),
        toml::Value::Array(items) => {
            toml::Value::Array(items.iter().map(|item| redact(item, url)).collect())
        }
        _ => toml::Value::String("***".to_owned()),
    }
}

/// `silo config`: the effective settings as TOML, each with where it came from, secrets masked.
pub fn print(cli: &Cli, serve: &ServeArgs) -> anyhow::Result<()> {
    print!("{}", render(cli, serve)?);
    Ok(())
}

fn render(cli: &Cli, serve: &ServeArgs) -> anyhow::Result<String> {
    let mut values = toml::Table::try_from(&cli.storage)?;
    values.extend(toml::Table::try_from(&serve.server)?);
    values.extend(toml::Table::try_from(&serve.signing)?);
    values.extend(toml::Table::try_from(&serve.mail)?);
    values.extend(toml::Table::try_from(&serve.worker)?);
    let mut rows: Vec<(String, String)> = Vec::new();
    for setting in settings() {
        let Some(value) = values.get(&setting.key) else {
            let note = setting
                .default_note
                .as_deref()
                .map(|note| format!(" (default: {note})"))
                .unwrap_or_default();
            rows.push((format!("# {} is not set{note}", setting.key), String::new()));
            continue;
        };
        let value = if setting.secret {
            redact(value, setting.url)
        } else {
            value.clone()
        };
        let origin = match cli.origins.layer(&setting.key) {
            Some(FLAG) => format!("flag {}", setting.flag),
            Some(ENVIRONMENT) => format!("environment {}", setting.env),
            Some(FILE) => FILE.to_owned(),
            _ => DEFAULT.to_owned(),
        };
        rows.push((format!("{} = {value}", setting.key), origin));
    }
    let file = match &cli.config {
        Some(path) => format!("config file ({})", path.display()),
        None => "config file (none)".to_owned(),
    };
    let mut out = format!(
        "# The effective settings. Later layers win: default, {file}, environment, flag.\n\
         # Secrets are masked.\n"
    );
    let width = rows
        .iter()
        .filter(|(_, origin)| !origin.is_empty())
        .map(|(line, _)| line.chars().count())
        .max()
        .unwrap_or(0);
    for (line, origin) in rows {
        if origin.is_empty() {
            out.push_str(&line);
        } else {
            out.push_str(&format!("{line:width$}  # {origin}"));
        }
        out.push('\n');
    }
    Ok(out)
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
        let query = mask_url("postgres://silo@db/x?sslmode=require&password=hunter2");
        assert!(!query.contains("hunter2"), "{query}");
        assert!(query.contains("sslmode=require"), "{query}");
    }

    #[test]
    fn secrets_are_declared_as_secrets() {
        let secrets: Vec<String> = settings()
            .into_iter()
            .filter(|s| s.secret)
            .map(|s| s.key)
            .collect();
        assert_eq!(
            secrets,
            [
                "database_url",
                "tenant_servers",
                "tenant_secret",
                "metrics_token",
                "smtp_url"
            ]
        );
        // A secret that is not a URL is masked whole.
        assert_eq!(
            redact(&toml::Value::String("abc:def@host".into()), false),
            toml::Value::String("***".into())
        );
    }

    #[test]
    fn every_setting_has_a_flag_an_environment_variable_and_a_description() {
        let all = settings();
        assert!(all.len() >= 17, "{} settings", all.len());
        for s in &all {
            assert_eq!(
                s.env,
                format!("SILO_{}", s.key.to_uppercase()),
                "{}: environment variable named after the key",
                s.key
            );
            assert!(s.flag.starts_with("--"), "{}", s.key);
            assert!(!s.help.is_empty(), "{} has a description", s.key);
            assert!(
                !(s.default.is_some() && s.default_note.is_some()),
                "{}: one default",
                s.key
            );
        }
        let by_key = |k: &str| {
            all.iter()
                .find(|s| s.key == k)
                .cloned()
                .unwrap_or_else(|| panic!("{k}"))
        };
        for s in all.iter().filter(|s| s.default.is_some()) {
            let value = s.default.as_ref().and_then(|v| match v {
                toml::Value::Array(items) => items.first(),
                v => Some(v),
            });
            if let Some(value) = value {
                assert_eq!(s.text, value.is_str(), "{}: a value_hint for text", s.key);
            }
        }
        assert_eq!(by_key("tenant_servers").flag, "--tenant-server");
        assert!(by_key("tenant_servers").list);
        assert_eq!(
            by_key("listen").default,
            Some(toml::Value::String("127.0.0.1:8080".into()))
        );
        assert_eq!(
            by_key("body_limit").default,
            Some(toml::Value::Integer(1024 * 1024))
        );
        assert_eq!(
            by_key("max_tenant_pools").default_note.as_deref(),
            Some("1024 on SQLite, 256 on PostgreSQL")
        );
        assert!(by_key("data").commands.is_empty(), "a global option");
        assert_eq!(
            by_key("smtp_url").commands,
            ["serve", "worker", "company import", "member add", "config"]
        );
        assert_eq!(by_key("listen").commands, ["serve", "config"]);
        assert_eq!(
            by_key("signing_key_file").commands,
            ["serve", "audit verify", "audit checkpoint", "config"],
            "checkpoints are signed and verified with the key that serve signs with"
        );
        assert_eq!(
            by_key("audit_checkpoint_interval").default,
            Some(toml::Value::Integer(3600))
        );
        assert_eq!(by_key("log_format").choices, ["text", "json"]);
    }
}
