#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! The server's integration tests over real HTTP, in one binary (one link instead of one per
//! file). The fault-injection suites stay binaries of their own: they stop servers and damage
//! files under load, and are timed apart from the rest.

mod attribution_collect;
mod attribution_forward;
mod attribution_report;
mod audit;
mod audit_inputs;
mod bad_input;
mod billing;
mod client_records;
mod common;
mod contracts;
mod crm;
mod crm_api;
mod deals;
mod erase;
mod events;
mod identity;
mod input_schema;
mod invoices;
mod isolation;
mod mail_queue;
mod members;
mod noisy_neighbours;
mod outbox;
mod own_account;
mod portal;
mod portal_collab;
mod portal_documents;
mod portal_isolation;
mod privacy;
mod projects_time;
mod request_binding;
mod route_table;
mod session;
mod signing;
mod team;
mod token_attacks;
mod two_factor;
mod web;
mod webhooks;
