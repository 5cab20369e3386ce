//! The contract between Silo and its clients, declared once: the string enums of the wire
//! format, every error code, every audit action and every field problem. The server, the
//! OpenAPI document, the generated TypeScript and the docs all read these declarations.

pub mod input;
mod problem;
mod string_enum;

pub use input::Email;
pub use problem::{Invalid, Problem, ProblemCode, Problems};
pub use string_enum::{UnknownValue, string_enum_schema};

#[doc(hidden)]
pub mod __private {
    pub use schemars;
    pub use serde;
    pub use serde_json;
}
