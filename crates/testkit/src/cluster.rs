//! A second, throw-away PostgreSQL cluster on a free port, for placement over several servers.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A PostgreSQL cluster in a temp directory, stopped and removed on drop.
pub struct Cluster {
    /// Superuser URL of the cluster (trust authentication on 127.0.0.1).
    pub url: String,
    data: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
    options: String,
    log: String,
    _dir: tempfile::TempDir,
}

fn pg_bin() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("SILO_TEST_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop()
}

impl Cluster {
    /// Starts a cluster, or says why it cannot (no binaries, no `postgres` user to run them
    /// as root, initdb or start failing).
    pub fn start() -> Result<Cluster, String> {
        Self::start_with("")
    }

    /// [`Cluster::start`] with extra server options (`-c name=value ...`).
    pub fn start_with(extra_options: &str) -> Result<Cluster, String> {
        Self::start_inner(extra_options, false)
    }

    /// [`Cluster::start_with`], where every role but the superuser `postgres` logs in with
    /// SCRAM-SHA-256 (as on a production server), so tenant roles' passwords are checked.
    pub fn start_with_scram(extra_options: &str) -> Result<Cluster, String> {
        Self::start_inner(extra_options, true)
    }

    fn start_inner(extra_options: &str, scram: bool) -> Result<Cluster, String> {
        let bin = pg_bin().ok_or("no PostgreSQL binaries (initdb, pg_ctl) found")?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let data = dir.path().join("data");
        // initdb refuses to run as root: then run it as the `postgres` user, who must own
        // the directory.
        let as_postgres = is_root();
        if as_postgres {
            let out = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .output()
                .map_err(|e| format!("chown: {e}"))?;
            if !out.status.success() {
                return Err(format!("chown to postgres failed: {}", text(&out.stderr)));
            }
        }
        let port = free_port()?;
        let mut cluster = Cluster {
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            data: data.clone(),
            bin,
            as_postgres,
            options: String::new(),
            log: String::new(),
            _dir: dir,
        };
        cluster.run(
            "initdb",
            &[
                "-D",
                &path(&data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        )?;
        if scram {
            // Rewritten in place, so the file keeps its owner (the server's user).
            std::fs::write(
                data.join("pg_hba.conf"),
                "local all all trust\n\
                 host all postgres 127.0.0.1/32 trust\n\
                 host all all 127.0.0.1/32 scram-sha-256\n",
            )
            .map_err(|e| format!("pg_hba.conf: {e}"))?;
        }
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off {extra_options}",
            path(cluster._dir.path())
        );
        let log = path(&cluster._dir.path().join("log"));
        cluster.options = options;
        cluster.log = log;
        cluster.start_server()?;
        Ok(cluster)
    }

    /// Starts the stopped server again on the same port (a restart after [`Cluster::stop`]).
    pub fn start_server(&self) -> Result<(), String> {
        // -w waits until the server accepts connections (or fails), so no polling here.
        self.run(
            "pg_ctl",
            &[
                "-D",
                &path(&self.data),
                "-o",
                &self.options,
                "-l",
                &self.log,
                "-w",
                "-t",
                "60",
                "start",
            ],
        )
    }

    /// Stops the server at once, as a crash or a network cut would: sessions end mid-query.
    pub fn stop(&self) -> Result<(), String> {
        self.run(
            "pg_ctl",
            &["-D", &path(&self.data), "-m", "immediate", "-w", "stop"],
        )
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let exe = self.bin.join(program);
        let out = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&exe)
                .args(args)
                .output()
        } else {
            Command::new(&exe).args(args).output()
        }
        .map_err(|e| format!("{program}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{program} failed: {}{}",
                text(&out.stderr),
                text(&out.stdout)
            ))
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.run(
            "pg_ctl",
            &["-D", &path(&self.data), "-m", "immediate", "-w", "stop"],
        );
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| text(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_owned()
}
