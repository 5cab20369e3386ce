#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Business-domain tests on both backends, in one binary.

mod business;
mod generated_bodies;
mod privacy_registry;

use silo_domain::Origin;

/// A write by `actor` (a person), or by Silo itself.
fn common_actor(actor: Option<uuid::Uuid>) -> Origin {
    Origin {
        actor,
        ..Origin::system()
    }
}
