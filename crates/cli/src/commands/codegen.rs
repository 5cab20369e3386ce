//! `silo codegen`: the front end's generated copy of the role registry.

use anyhow::{Context, bail};
use std::path::Path;

pub fn run(check: bool, out: &Path) -> anyhow::Result<()> {
    let generated = silo_roles::typescript::to_typescript();
    if check {
        let current = std::fs::read_to_string(out)
            .with_context(|| format!("cannot read {}", out.display()))?;
        if current != generated {
            bail!(
                "{} differs from the role registry; run `silo codegen`",
                out.display()
            );
        }
        println!("{} is up to date", out.display());
        return Ok(());
    }
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(out, generated).with_context(|| format!("cannot write {}", out.display()))?;
    println!("wrote {}", out.display());
    Ok(())
}
