#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Control-plane tests (access cache, audit chain and checkpoints), in one binary.

mod access_cache;
mod audit_chain;
mod audit_checkpoint;
mod sessions;
