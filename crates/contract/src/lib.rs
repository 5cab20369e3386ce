//! The contract between Silo and its clients, declared once: the string enums of the wire
//! format, every error code, every audit action and every field problem. The server, the
//! OpenAPI document, the generated TypeScript and the docs all read these declarations.

mod audit_action;
mod error_code;
mod event_type;
pub mod input;
mod problem;
pub mod reference;
mod string_enum;
pub mod typescript;

pub use audit_action::AuditAction;
pub use error_code::ErrorCode;
pub use event_type::{EventType, JobKind, JobState};
pub use input::Email;
pub use problem::{Invalid, Problem, ProblemCode, Problems};
pub use string_enum::{StringEnum, UnknownValue, assert_unique_names, string_enum_schema};

#[doc(hidden)]
pub mod __private {
    pub use schemars;
    pub use serde;
    pub use serde_json;
}
