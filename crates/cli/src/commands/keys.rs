//! `silo keys`: the token signing key set in `<data>/keys`.

use crate::cli::{KeysCommand, StorageArgs};
use silo_auth::KeySet;
use silo_tenancy::DataDir;

pub fn run(storage: &StorageArgs, cmd: KeysCommand) -> anyhow::Result<()> {
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
            println!("new signing key {kid}; restart every server so they all know it");
        }
        KeysCommand::Retire { kid } => {
            KeySet::retire(&dir, &kid)?;
            println!("retired {kid}; tokens it signed no longer verify after a restart");
        }
    }
    Ok(())
}
