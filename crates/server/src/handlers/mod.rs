//! Request handlers, one module per resource.

pub mod audit;
pub mod auth;
pub mod company;
pub mod health;
pub mod members;
