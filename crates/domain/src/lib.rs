//! Business data on a company's own database: accounts, contacts and, as they arrive, deals,
//! contracts, invoices and projects.
//!
//! Everything here works on a [`silo_store::TenantDb`]. This crate cannot reach the control
//! plane (it does not depend on it), so it can neither look up nor choose a company.
#![forbid(unsafe_code)]

pub mod schema;
