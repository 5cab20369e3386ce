#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! The `silo` binary's tests, in one binary: each runs the real program on a temporary data directory.

mod audit_checkpoints;
mod cli;
mod cli_postgres;
mod fleet;
mod keys;
