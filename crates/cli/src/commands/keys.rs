//! `silo keys`: the token signing key set in `<data>/keys`.

use crate::cli::{KeysCommand, StorageArgs};
use silo_auth::KeySet;
use silo_control::{AuditAction, AuditEvent, Outcome};
use silo_tenancy::DataDir;

pub async fn run(storage: &StorageArgs, cmd: KeysCommand) -> anyhow::Result<()> {
    let dir = DataDir::new(&storage.data).keys_dir();
    match cmd {
        KeysCommand::List => {
            let keys = KeySet::load_or_create(&dir)?;
            for kid in keys.kids() {
                let marker = if kid == keys.active_kid() {
                    "  (active, signs)"
                } else {
                    ""
                };
                println!("{kid}{marker}");
            }
        }
        KeysCommand::Rotate => {
            let kid = KeySet::rotate(&dir)?;
            audit_key_event(storage, AuditAction::KeysRotate, &kid).await?;
            println!(
                "new signing key {kid}; running servers use it within their key reload \
                 interval (--key-reload-interval, 5 seconds by default)"
            );
        }
        KeysCommand::Retire { kid } => {
            refuse_if_it_signed_the_newest_checkpoint(storage, &kid).await?;
            KeySet::retire(&dir, &kid)?;
            audit_key_event(storage, AuditAction::KeysRetire, &kid).await?;
            println!(
                "retired {kid}; running servers stop verifying tokens it signed within their \
                 key reload interval (--key-reload-interval, 5 seconds by default)"
            );
        }
    }
    Ok(())
}

/// Retiring the key that signed the newest audit checkpoint would leave `silo audit verify`
/// nothing it can check the trail against: sign one with the active key first.
async fn refuse_if_it_signed_the_newest_checkpoint(
    storage: &StorageArgs,
    kid: &str,
) -> anyhow::Result<()> {
    let tenancy = crate::storage::open(storage).await?;
    let newest = tenancy.control().latest_checkpoint().await;
    tenancy.close().await;
    if let Some(checkpoint) = newest?
        && checkpoint.kid == kid
    {
        anyhow::bail!(
            "key {kid} signed the newest audit checkpoint ({}); run `silo audit checkpoint` \
             first (it signs with the active key), then retire it",
            checkpoint.id
        );
    }
    Ok(())
}

/// Key changes concern no single company: they go to the deployment-wide chain.
async fn audit_key_event(
    storage: &StorageArgs,
    action: AuditAction,
    kid: &str,
) -> anyhow::Result<()> {
    let tenancy = crate::storage::open(storage).await?;
    let event = AuditEvent {
        company: None,
        actor: None,
        action,
        target: Some(kid.to_owned()),
        outcome: Outcome::Success,
        client_ip: None,
        request_id: None,
        event_id: None,
    };
    let result = tenancy.control().record(event).await;
    tenancy.close().await;
    Ok(result?)
}
