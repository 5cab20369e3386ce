#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Tenant database tests (provisioning, fleet migrations, import, PostgreSQL placement and moves), in one binary.

mod fleet;
mod interrupted_import;
mod postgres;
mod postgres_move;
mod provisioning;
