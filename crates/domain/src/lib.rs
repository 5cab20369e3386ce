//! Business data on a company's own database: accounts, contacts, deals, contracts, invoices,
//! the company's invoicing details and revenue reports.
//!
//! Everything here works on a [`silo_store::TenantDb`]. This crate cannot reach the control
//! plane (it does not depend on it), so it can neither look up nor choose a company. Input
//! arrives as the raw request shapes and is parsed here into typed values; problems come back as
//! [`DomainError::Invalid`] naming every field.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod approvals;
pub mod attribution;
pub mod billing;
pub mod branding;
pub mod budgets;
mod columns;
pub mod company_ids;
pub mod contacts;
pub mod contracts;
pub mod credit_notes;
pub mod deals;
pub mod deliveries;
pub mod error;
pub mod events;
pub mod files;
pub mod imports;
pub mod input;
pub mod invoice_documents;
pub mod invoice_parts;
pub mod invoices;
pub mod invoicing;
pub mod jobs;
pub mod list;
pub mod messages;
pub mod money;
pub mod parties;
pub mod payments;
pub mod pipeline;
pub mod portal;
pub mod privacy;
pub mod projects;
pub mod reports;
pub mod services;
pub mod signing;
pub mod tasks;
pub mod team;
pub mod time_entries;
pub mod time_exports;
pub mod time_invoicing;
pub mod time_settings;
pub mod timeline;
pub mod timers;
pub mod utilisation;
pub mod webhooks;

pub use error::{DomainError, DomainResult};
pub use events::Origin;
pub use list::ListParams;
