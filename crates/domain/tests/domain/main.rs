#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Business-domain tests on both backends, in one binary.

mod business;
mod generated_bodies;
