//! Finds the migrations under `migrations/` and writes the lists `src/lib.rs` includes. A tree
//! that breaks the rules (see `src/discover.rs` and `migrations/README.md`) fails the build,
//! naming every problem.

#[path = "src/discover.rs"]
mod discover;

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest.join("../../migrations");
    let root = root
        .canonicalize()
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()));
    // A directory here makes cargo look at everything below it: added, removed or changed files.
    println!("cargo::rerun-if-changed={}", root.display());
    println!("cargo::rerun-if-changed=src/discover.rs");

    let planes = match discover::scan(&root) {
        Ok(planes) => planes,
        Err(problems) => {
            // Each `cargo::error` line is shown as an error and fails the build.
            for problem in problems {
                println!("cargo::error={problem}");
            }
            return;
        }
    };
    let out =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("migrations.rs");
    std::fs::write(&out, discover::render(&root, &planes))
        .unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
