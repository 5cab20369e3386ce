#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! The `silo` binary's tests, in one binary: each runs the real program on a temporary data directory.

mod audit_checkpoints;
mod cli;
mod cli_postgres;
mod fleet;
mod keys;
mod multi_server;

/// Reads a server's stderr `lines` up to the first that contains `marker` and answers the
/// address after it (`http://127.0.0.1:PORT`, without a trailing slash). Every line read is
/// passed to `seen`.
fn address_after(
    lines: &mut impl Iterator<Item = std::io::Result<String>>,
    marker: &str,
    mut seen: impl FnMut(&str),
) -> String {
    loop {
        let line = lines
            .next()
            .expect("the server printed its address")
            .unwrap();
        seen(&line);
        if let Some(rest) = line.split(marker).nth(1) {
            return rest
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches('/')
                .to_owned();
        }
    }
}
