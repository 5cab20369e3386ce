//! Finding the migrations in `migrations/<plane>/` and checking the tree's rules.
//!
//! Used by the build script (which turns the result into the crate's migration lists) and by
//! this crate's unit tests. The rules, also told in `migrations/README.md`:
//! - each directory under `migrations/` is a plane; files directly under `migrations/` and
//!   hidden entries (editor swap files, `.gitkeep`) are ignored;
//! - a file is `NNNN_name.sql` (one script for both backends) or the pair
//!   `NNNN_name.sqlite.sql` + `NNNN_name.postgres.sql` (where the SQL differs); `NNNN` is four
//!   digits from `0001`, `name` lower-case letters, digits and `_`, starting with a letter;
//! - one number belongs to one migration: a number used by two names, a shared file beside a
//!   per-backend file, or a per-backend file without its counterpart is refused;
//! - numbers run from 0001 without gaps.
//!
//! The recorded name of a migration (kept in each database's `silo_schema` table) is `NNNN_name`,
//! whichever form its file has.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// The two backends, in the order the migration lists name them.
pub const BACKENDS: [&str; 2] = ["sqlite", "postgres"];

/// One migration of one plane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The number, from 1.
    pub version: u32,
    /// `NNNN_name`, as recorded in `silo_schema`.
    pub name: String,
    /// The file run on SQLite (a file name inside the plane's directory).
    pub sqlite: String,
    /// The file run on PostgreSQL; the same as `sqlite` when the script is shared.
    pub postgres: String,
}

/// The migrations of one plane, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plane {
    /// The directory name (`control`, `tenant`).
    pub name: String,
    /// Versions 1..=n.
    pub steps: Vec<Step>,
}

/// Which backends a file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Shared,
    Sqlite,
    Postgres,
}

/// A file name taken apart: number, name, kind.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Parsed<'a> {
    version: u32,
    name: &'a str,
    kind: Kind,
}

const PATTERN: &str = "NNNN_name.sql, NNNN_name.sqlite.sql or NNNN_name.postgres.sql \
    (NNNN: four digits from 0001; name: lower-case letters, digits and _, starting with a letter)";

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `0006_verified_identities.sqlite.sql` -> (6, `0006_verified_identities`, Sqlite).
fn parse(file: &str) -> Option<Parsed<'_>> {
    let stem = file.strip_suffix(".sql")?;
    let (name, kind) = if let Some(s) = stem.strip_suffix(".sqlite") {
        (s, Kind::Sqlite)
    } else if let Some(s) = stem.strip_suffix(".postgres") {
        (s, Kind::Postgres)
    } else {
        (stem, Kind::Shared)
    };
    let (digits, rest) = (name.get(..4)?, name.get(4..)?);
    if !digits.chars().all(|c| c.is_ascii_digit()) || !is_name(rest.strip_prefix('_')?) {
        return None;
    }
    let version: u32 = digits.parse().ok()?;
    Some(Parsed {
        version,
        name,
        kind,
    })
}

/// Checks the file names of one plane and puts them in order. Every problem found is returned,
/// one sentence each.
pub fn plan(plane: &str, files: &[String]) -> Result<Plane, Vec<String>> {
    let mut problems = Vec::new();
    let mut by_version: BTreeMap<u32, Vec<(Parsed<'_>, &str)>> = BTreeMap::new();
    for file in files {
        match parse(file) {
            None => problems.push(format!(
                "migrations/{plane}/{file}: the name does not match {PATTERN}"
            )),
            Some(p) if p.version == 0 => {
                problems.push(format!("migrations/{plane}/{file}: numbers start at 0001"))
            }
            Some(p) => by_version.entry(p.version).or_default().push((p, file)),
        }
    }
    let mut steps = Vec::new();
    for (&version, entries) in &mut by_version {
        entries.sort_by(|a, b| a.1.cmp(b.1));
        let mut names: Vec<&str> = entries.iter().map(|(p, _)| p.name).collect();
        names.dedup();
        if names.len() > 1 {
            let files: Vec<&str> = entries.iter().map(|(_, f)| *f).collect();
            problems.push(format!(
                "migrations/{plane}: number {version:04} is used by more than one migration ({}); \
                 give all but one of them the next free number",
                files.join(", ")
            ));
            continue;
        }
        let name = names[0];
        let find = |kind: Kind| {
            entries
                .iter()
                .find(|(p, _)| p.kind == kind)
                .map(|(_, f)| (*f).to_owned())
        };
        match (find(Kind::Shared), find(Kind::Sqlite), find(Kind::Postgres)) {
            (Some(shared), None, None) => steps.push(Step {
                version,
                name: name.to_owned(),
                sqlite: shared.clone(),
                postgres: shared,
            }),
            (None, Some(sqlite), Some(postgres)) => steps.push(Step {
                version,
                name: name.to_owned(),
                sqlite,
                postgres,
            }),
            (Some(_), _, _) => problems.push(format!(
                "migrations/{plane}: {name}.sql is shared by both backends, so there must be no \
                 {name}.sqlite.sql or {name}.postgres.sql beside it"
            )),
            (None, Some(_), None) => problems.push(format!(
                "migrations/{plane}: {name}.sqlite.sql has no PostgreSQL counterpart \
                 {name}.postgres.sql (or rename it to {name}.sql if it serves both backends)"
            )),
            (None, None, Some(_)) => problems.push(format!(
                "migrations/{plane}: {name}.postgres.sql has no SQLite counterpart \
                 {name}.sqlite.sql (or rename it to {name}.sql if it serves both backends)"
            )),
            (None, None, None) => {}
        }
    }
    if files.is_empty() {
        problems.push(format!("migrations/{plane}: the plane has no migrations"));
    }
    // Versions run from 1 without gaps: a missing number is a lost file or a half-done renumbering.
    let last = by_version.keys().next_back().copied().unwrap_or(0);
    for version in 1..last {
        if !by_version.contains_key(&version) {
            problems.push(format!(
                "migrations/{plane}: number {version:04} is missing (numbers run from 0001 \
                 without gaps; renumber the later ones down)"
            ));
        }
    }
    if problems.is_empty() {
        Ok(Plane {
            name: plane.to_owned(),
            steps,
        })
    } else {
        Err(problems)
    }
}

/// The names of the visible entries of a directory, sorted, split into directories and files.
fn list(dir: &Path) -> Result<(Vec<String>, Vec<String>), Vec<String>> {
    let read = std::fs::read_dir(dir).map_err(|e| vec![format!("{}: {e}", dir.display())])?;
    let (mut dirs, mut files, mut problems) = (Vec::new(), Vec::new(), Vec::new());
    for entry in read {
        let entry = entry.map_err(|e| vec![format!("{}: {e}", dir.display())])?;
        let Ok(name) = entry.file_name().into_string() else {
            problems.push(format!(
                "{}: a file name is not UTF-8",
                entry.path().display()
            ));
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let kind = entry
            .file_type()
            .map_err(|e| vec![format!("{}: {e}", entry.path().display())])?;
        if kind.is_dir() {
            dirs.push(name);
        } else {
            files.push(name);
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    dirs.sort();
    files.sort();
    Ok((dirs, files))
}

/// Reads the tree under `root` (the `migrations` directory): one plane per directory.
pub fn scan(root: &Path) -> Result<Vec<Plane>, Vec<String>> {
    let (plane_dirs, _readme_and_such) = list(root)?;
    let mut planes = Vec::new();
    let mut problems = Vec::new();
    if plane_dirs.is_empty() {
        problems.push(format!("{}: no plane directories", root.display()));
    }
    for plane in plane_dirs {
        if !is_name(&plane) {
            problems.push(format!(
                "migrations/{plane}: a plane's directory name is lower-case letters, digits and _"
            ));
            continue;
        }
        let (subdirs, files) = match list(&root.join(&plane)) {
            Ok(listing) => listing,
            Err(mut p) => {
                problems.append(&mut p);
                continue;
            }
        };
        for sub in subdirs {
            problems.push(format!(
                "migrations/{plane}/{sub}: no directories inside a plane; files are \
                 NNNN_name.sql or NNNN_name.<backend>.sql"
            ));
        }
        match plan(&plane, &files) {
            Ok(p) => planes.push(p),
            Err(mut p) => problems.append(&mut p),
        }
    }
    if problems.is_empty() {
        Ok(planes)
    } else {
        Err(problems)
    }
}

/// The Rust source of the migration lists: one `<PLANE>_MIGRATIONS` static per plane, each
/// script taken in with `include_str!` from `root` (an absolute path).
pub fn render(root: &Path, planes: &[Plane]) -> String {
    let mut out =
        String::from("// Generated by build.rs from the migrations directory; do not edit.\n");
    for plane in planes {
        let _ = write!(
            out,
            "\n/// The `{name}` plane's migrations: `migrations/{name}/`, in order.\n\
             pub static {upper}_MIGRATIONS: silo_store::MigrationSet = silo_store::MigrationSet {{\n\
             \x20   plane: {name:?},\n",
            name = plane.name,
            upper = plane.name.to_ascii_uppercase(),
        );
        for backend in BACKENDS {
            let _ = writeln!(out, "    {backend}: &[");
            for step in &plane.steps {
                let file = if backend == "sqlite" {
                    &step.sqlite
                } else {
                    &step.postgres
                };
                let path = root.join(&plane.name).join(file);
                let _ = writeln!(
                    out,
                    "        silo_store::Migration {{ version: {}, name: {:?}, sql: include_str!({:?}) }},",
                    step.version,
                    step.name,
                    path.display().to_string(),
                );
            }
            let _ = writeln!(out, "    ],");
        }
        out.push_str("};\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    fn problems(names: &[&str]) -> Vec<String> {
        plan("tenant", &files(names)).expect_err("the tree should be refused")
    }

    #[test]
    fn shared_and_per_backend_files_make_one_ordered_list() {
        let plane = plan(
            "control",
            &files(&[
                "0002_audit.sql",
                "0001_registry.postgres.sql",
                "0003_two_factor.sqlite.sql",
                "0001_registry.sqlite.sql",
                "0003_two_factor.postgres.sql",
            ]),
        )
        .expect("a valid tree");
        assert_eq!(plane.name, "control");
        assert_eq!(
            plane.steps,
            vec![
                Step {
                    version: 1,
                    name: "0001_registry".into(),
                    sqlite: "0001_registry.sqlite.sql".into(),
                    postgres: "0001_registry.postgres.sql".into(),
                },
                Step {
                    version: 2,
                    name: "0002_audit".into(),
                    sqlite: "0002_audit.sql".into(),
                    postgres: "0002_audit.sql".into(),
                },
                Step {
                    version: 3,
                    name: "0003_two_factor".into(),
                    sqlite: "0003_two_factor.sqlite.sql".into(),
                    postgres: "0003_two_factor.postgres.sql".into(),
                },
            ]
        );
    }

    #[test]
    fn a_number_used_twice_is_refused() {
        let p = problems(&["0001_crm.sql", "0002_projects.sql", "0002_portal.sql"]);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].contains("number 0002 is used by more than one migration"),
            "{p:?}"
        );
        assert!(p[0].contains("0002_portal.sql, 0002_projects.sql"), "{p:?}");
        // Also when the two names hide in per-backend files.
        let p = problems(&["0001_a.sqlite.sql", "0001_b.postgres.sql"]);
        assert!(
            p[0].contains("number 0001 is used by more than one"),
            "{p:?}"
        );
    }

    #[test]
    fn a_backend_without_its_file_is_refused() {
        let p = problems(&["0001_crm.sqlite.sql"]);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].contains("0001_crm.sqlite.sql has no PostgreSQL counterpart"),
            "{p:?}"
        );
        let p = problems(&["0001_crm.postgres.sql"]);
        assert!(
            p[0].contains("0001_crm.postgres.sql has no SQLite counterpart"),
            "{p:?}"
        );
    }

    #[test]
    fn a_shared_file_beside_a_per_backend_file_is_refused() {
        let p = problems(&["0001_crm.sql", "0001_crm.postgres.sql"]);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].contains("0001_crm.sql is shared by both backends"),
            "{p:?}"
        );
    }

    #[test]
    fn gaps_are_refused() {
        let p = problems(&["0001_crm.sql", "0003_locks.sql", "0005_more.sql"]);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("number 0002 is missing"), "{p:?}");
        assert!(p[1].contains("number 0004 is missing"), "{p:?}");
        // Starting above 1 is a gap too.
        let p = problems(&["0002_business.sql"]);
        assert!(p[0].contains("number 0001 is missing"), "{p:?}");
    }

    #[test]
    fn names_outside_the_pattern_are_refused() {
        for bad in [
            "0001_crm.SQL",
            "001_crm.sql",
            "00001_crm.sql",
            "0001-crm.sql",
            "0001_.sql",
            "0001_Crm.sql",
            "0001_1crm.sql",
            "0001_crm.mysql.sql",
            "0001_crm.sql.bak",
            "crm.sql",
            "README.md",
            "0001_crm",
            "+001_crm.sql",
        ] {
            let p = problems(&[bad]);
            assert!(
                p.iter().any(|m| m.contains("does not match")),
                "{bad} should be refused: {p:?}"
            );
        }
        let p = problems(&["0000_zero.sql"]);
        assert!(p[0].contains("numbers start at 0001"), "{p:?}");
    }

    #[test]
    fn every_problem_is_told_at_once() {
        let p = problems(&["0001_a.sql", "0001_b.sql", "0003_c.sqlite.sql", "x.sql"]);
        assert_eq!(p.len(), 4, "{p:?}");
    }

    #[test]
    fn an_empty_plane_is_refused() {
        let p = problems(&[]);
        assert!(p[0].contains("the plane has no migrations"), "{p:?}");
    }

    #[test]
    fn scan_reads_planes_and_ignores_hidden_and_top_level_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::write(root.join("README.md"), "rules").expect("write");
        std::fs::create_dir(root.join("tenant")).expect("mkdir");
        std::fs::create_dir(root.join("control")).expect("mkdir");
        for (plane, file) in [
            ("tenant", "0001_crm.sql"),
            ("tenant", ".0002_swap.sql.swp"),
            ("control", "0001_registry.sqlite.sql"),
            ("control", "0001_registry.postgres.sql"),
        ] {
            std::fs::write(root.join(plane).join(file), "SELECT 1;").expect("write");
        }
        let planes = scan(root).expect("a valid tree");
        let names: Vec<(&str, usize)> = planes
            .iter()
            .map(|p| (p.name.as_str(), p.steps.len()))
            .collect();
        assert_eq!(names, [("control", 1), ("tenant", 1)]);

        std::fs::create_dir(root.join("tenant").join("sqlite")).expect("mkdir");
        std::fs::write(root.join("tenant").join("0001_other.sql"), "").expect("write");
        let p = scan(root).expect_err("refused");
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("migrations/tenant/sqlite: no directories inside a plane"));
        assert!(p[1].contains("number 0001 is used by more than one migration"));
    }

    #[test]
    fn render_lists_each_backend_and_includes_the_files() {
        let plane = plan(
            "tenant",
            &files(&["0001_crm.sql", "0002_x.sqlite.sql", "0002_x.postgres.sql"]),
        )
        .expect("valid");
        let src = render(Path::new("/m"), &[plane]);
        assert!(src.contains("pub static TENANT_MIGRATIONS: silo_store::MigrationSet"));
        assert!(src.contains("plane: \"tenant\""));
        let sqlite = src.find("sqlite: &[").expect("sqlite list");
        let postgres = src.find("postgres: &[").expect("postgres list");
        let in_sqlite = &src[sqlite..postgres];
        let in_postgres = &src[postgres..];
        assert!(in_sqlite.contains(
            "version: 1, name: \"0001_crm\", sql: include_str!(\"/m/tenant/0001_crm.sql\")"
        ));
        assert!(in_sqlite.contains("include_str!(\"/m/tenant/0002_x.sqlite.sql\")"));
        assert!(in_postgres.contains("include_str!(\"/m/tenant/0001_crm.sql\")"));
        assert!(in_postgres.contains(
            "version: 2, name: \"0002_x\", sql: include_str!(\"/m/tenant/0002_x.postgres.sql\")"
        ));
    }
}
