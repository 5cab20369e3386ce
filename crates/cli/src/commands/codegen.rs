//! `silo codegen`: every file generated from a declaration in the code (the web app's copies of
//! the contract, the generated reference docs). `--check` compares instead of writing, so CI
//! fails when a declaration changed and its copies did not.

use anyhow::{Context, bail};
use std::path::Path;

/// One generated file: where it lives (relative to the repository root) and what makes it.
struct Output {
    path: &'static str,
    generate: fn() -> String,
}

/// Every generated file. A new generator is one row here.
const OUTPUTS: &[Output] = &[
    Output {
        path: silo_roles::typescript::TS_PATH,
        generate: silo_roles::typescript::to_typescript,
    },
    Output {
        path: crate::settings::reference::REFERENCE_PATH,
        generate: crate::settings::reference::reference_markdown,
    },
    Output {
        path: crate::settings::reference::EXAMPLE_PATH,
        generate: crate::settings::reference::example_file,
    },
    Output {
        path: silo_contract::typescript::TS_PATH,
        generate: super::contract_ts::generate,
    },
    Output {
        path: silo_contract::reference::ERRORS_MD_PATH,
        generate: silo_contract::reference::errors_markdown,
    },
    Output {
        path: silo_contract::reference::AUDIT_MD_PATH,
        generate: silo_contract::reference::audit_markdown,
    },
    Output {
        path: silo_contract::reference::EVENTS_MD_PATH,
        generate: silo_contract::reference::events_markdown,
    },
    Output {
        path: silo_roles::reference::MD_PATH,
        generate: silo_roles::reference::to_markdown,
    },
    Output {
        path: silo_server::generated::TS_PATH,
        generate: silo_server::generated::typescript,
    },
    Output {
        path: silo_server::generated::REFERENCE_PATH,
        generate: silo_server::generated::api_reference,
    },
];

pub fn run(check: bool, root: &Path) -> anyhow::Result<()> {
    let mut stale = Vec::new();
    for output in OUTPUTS {
        let path = root.join(output.path);
        let generated = (output.generate)();
        if check {
            let current = std::fs::read_to_string(&path).unwrap_or_default();
            if current == generated {
                println!("{} is up to date", output.path);
            } else {
                stale.push(output.path);
            }
            continue;
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(&path, generated)
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", output.path);
    }
    if !stale.is_empty() {
        bail!(
            "stale or missing: {}; run `silo codegen` and commit the result",
            stale.join(", ")
        );
    }
    Ok(())
}
