//! The one registry of Silo's business roles and permissions.
//!
//! `roles.md` is the product decision; this crate is its only home in code. Everything else
//! (the server's route table, the CLI's `silo roles`, the generated TypeScript in `web/`) derives
//! from the tables here, so a role or permission is never spelled as a free string elsewhere.
#![forbid(unsafe_code)]

mod matrix;
pub mod reference;
mod role;
pub mod typescript;

pub use matrix::Permission;
pub use role::{ParseRoleError, Role};
