//! The one input layer. Every field of a request body is declared with a type that carries both
//! its rule (what the server accepts) and its JSON schema (what the OpenAPI document promises),
//! so the two cannot drift apart: what the schema allows the server accepts, and what the server
//! refuses the schema refuses.
//!
//! A request struct holds its fields *as sent*, in one of four wrappers that deserialize any
//! value of the field's JSON type and run no rule yet:
//!
//! | field type            | absent        | `null`        | a value                        |
//! |-----------------------|---------------|---------------|--------------------------------|
//! | [`Sent<T>`]           | refused       | refused       | must pass `T`'s rule           |
//! | `Option<Sent<T>>`     | `None`        | `None`        | must pass `T`'s rule           |
//! | [`Optional<T>`]       | `None`        | `None`        | blank means `None`, else `T`   |
//! | [`Patch<Sent<T>>`]    | `Unchanged`   | `Clear`       | blank means `Clear`, else `Set`|
//!
//! ("Blank" is a text of only white space for [`Text`], an empty string for the other texts.)
//! `Optional` and `Patch` fields need `#[serde(default)]`. The rules then run field by field
//! into one [`Problems`](crate::Problems) collector (see [`take!`](crate::take)), so one 422
//! names every field that is wrong.

mod choice;
mod date;
mod email;
mod id;
mod number;
mod text;

pub use choice::Choice;
pub use date::{Date, Month};
pub use email::{EMAIL_MAX, Email};
pub use id::Id;
pub use number::{Integer, WholeNumber, decimals};
pub use text::{LongText, Text, Verbatim};

use crate::Problem;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value, json};
use std::borrow::Cow;
use std::fmt;

/// Most characters of a name (a person's, a company's, an account's) or a title.
pub const NAME_MAX: usize = 200;

/// A name or title: one line of 1 to [`NAME_MAX`] characters.
pub type Name = Text<NAME_MAX>;

/// A type that a request field can hold: its rule and the schema of exactly what the rule
/// accepts.
pub trait Input: Sized {
    /// The JSON value as sent, before any rule runs.
    type Raw: DeserializeOwned;

    /// Applies the rule.
    fn parse(raw: Self::Raw) -> Result<Self, Problem>;

    /// The schema of exactly the values [`Input::parse`] accepts.
    fn schema() -> Schema;

    /// Reads the value of an optional field: `Ok(None)` where the value means "none". By
    /// default no value does; text types take blank or empty text for none.
    fn parse_optional(raw: Self::Raw) -> Result<Option<Self>, Problem> {
        Self::parse(raw).map(Some)
    }

    /// The schema of what an optional field of this type accepts (besides `null`).
    fn optional_schema() -> Schema {
        Self::schema()
    }
}

/// Inside `impl Input for T` (with `Raw = String`): an optional field of `T` takes an empty
/// string for none, and its schema says so.
#[macro_export]
macro_rules! empty_means_none {
    () => {
        fn parse_optional(raw: String) -> Result<Option<Self>, $crate::Problem> {
            $crate::input::empty_is_none(raw)
        }

        fn optional_schema() -> $crate::__private::schemars::Schema {
            $crate::input::or_empty(Self::schema())
        }
    };
}

/// For text types whose optional fields take an empty string for none: the optional parse.
pub fn empty_is_none<T: Input<Raw = String>>(raw: String) -> Result<Option<T>, Problem> {
    if raw.is_empty() {
        Ok(None)
    } else {
        T::parse(raw).map(Some)
    }
}

/// For text types whose optional fields take an empty string for none: the optional schema.
pub fn or_empty(schema: Schema) -> Schema {
    json_schema(json!({"anyOf": [schema, {"type": "string", "maxLength": 0}]}))
}

/// A schema from a JSON object (an empty schema for anything else).
pub fn json_schema(value: Value) -> Schema {
    match value {
        Value::Object(map) => Schema::from(map),
        _ => Schema::from(Map::new()),
    }
}

/// The schema that also allows `null`.
pub fn nullable(schema: Schema) -> Schema {
    let mut map = schema.to_value();
    // A choice lists its values: null must be one of them too, or the type's null is refused.
    if let Some(Value::Array(values)) = map.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    if let Some(Value::String(t)) = map.get("type").cloned() {
        map["type"] = json!([t, "null"]);
        return json_schema(map);
    }
    if let Some(Value::Array(any)) = map.get_mut("anyOf") {
        if !any.iter().any(|s| s.get("type") == Some(&json!("null"))) {
            any.push(json!({"type": "null"}));
        }
        return json_schema(map);
    }
    json_schema(json!({"anyOf": [map, {"type": "null"}]}))
}

fn raw_name<T>() -> Cow<'static, str> {
    let full = std::any::type_name::<T>();
    let short = full.rsplit("::").next().unwrap_or(full);
    short.to_owned().into()
}

/// A required field's value as sent; [`Sent::parse`] applies `T`'s rule.
pub struct Sent<T: Input>(T::Raw);

impl<T: Input> Sent<T> {
    /// Wraps a value as a client would send it.
    pub fn new(raw: impl Into<T::Raw>) -> Self {
        Sent(raw.into())
    }

    /// The value as sent.
    pub fn raw(&self) -> &T::Raw {
        &self.0
    }

    /// The value as sent, unchecked.
    pub fn into_raw(self) -> T::Raw {
        self.0
    }

    /// Applies the rule.
    pub fn parse(self) -> Result<T, Problem> {
        T::parse(self.0)
    }
}

impl<T: Input> fmt::Debug for Sent<T>
where
    T::Raw: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Sent").field(&self.0).finish()
    }
}

impl<T: Input> Clone for Sent<T>
where
    T::Raw: Clone,
{
    fn clone(&self) -> Self {
        Sent(self.0.clone())
    }
}

impl<'de, T: Input> Deserialize<'de> for Sent<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::Raw::deserialize(d).map(Sent)
    }
}

impl<T: Input> JsonSchema for Sent<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        raw_name::<T>()
    }

    fn schema_id() -> Cow<'static, str> {
        format!("Sent<{}>", std::any::type_name::<T>()).into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        T::schema()
    }
}

/// An optional field's value as sent: absent, `null` and blank all mean none. Declare the field
/// `#[serde(default)]`.
pub struct Optional<T: Input>(Option<T::Raw>);

impl<T: Input> Optional<T> {
    /// Wraps a value as a client would send it (`None`: absent).
    pub fn new(raw: Option<T::Raw>) -> Self {
        Optional(raw)
    }

    /// The value as sent.
    pub fn raw(&self) -> Option<&T::Raw> {
        self.0.as_ref()
    }

    /// Applies the rule; `None` when no value was sent.
    pub fn parse(self) -> Result<Option<T>, Problem> {
        match self.0 {
            None => Ok(None),
            Some(raw) => T::parse_optional(raw),
        }
    }
}

impl<T: Input> Clone for Optional<T>
where
    T::Raw: Clone,
{
    fn clone(&self) -> Self {
        Optional(self.0.clone())
    }
}

impl<T: Input> Default for Optional<T> {
    fn default() -> Self {
        Optional(None)
    }
}

impl<T: Input> fmt::Debug for Optional<T>
where
    T::Raw: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Optional").field(&self.0).finish()
    }
}

impl<'de, T: Input> Deserialize<'de> for Optional<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<T::Raw>::deserialize(d).map(Optional)
    }
}

impl<T: Input> JsonSchema for Optional<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("Optional_{}", raw_name::<T>()).into()
    }

    fn schema_id() -> Cow<'static, str> {
        format!("Optional<{}>", std::any::type_name::<T>()).into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        nullable(T::optional_schema())
    }
}

/// A change to one field of a stored record: absent leaves it unchanged, `null` (or a blank
/// value) clears it, anything else sets it. As sent it is a `Patch<Sent<T>>` (declare the field
/// `#[serde(default)]`); [`Patch::parse`] turns it into a `Patch<T>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// The field was not sent: keep what is stored.
    #[default]
    Unchanged,
    /// The field was sent as `null`: remove what is stored.
    Clear,
    /// The field was sent with a value.
    Set(T),
}

impl<T> Patch<T> {
    /// Whether the field was sent at all.
    pub fn is_unchanged(&self) -> bool {
        matches!(self, Patch::Unchanged)
    }

    /// The value to set, if any.
    pub fn set(&self) -> Option<&T> {
        match self {
            Patch::Set(v) => Some(v),
            _ => None,
        }
    }

    /// The change with its value converted.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Patch::Unchanged => Patch::Unchanged,
            Patch::Clear => Patch::Clear,
            Patch::Set(v) => Patch::Set(f(v)),
        }
    }

    /// Applies the change to a stored optional value.
    pub fn apply<U: From<T>>(self, slot: &mut Option<U>) {
        match self {
            Patch::Unchanged => {}
            Patch::Clear => *slot = None,
            Patch::Set(v) => *slot = Some(v.into()),
        }
    }
}

impl<T: Input> Patch<Sent<T>> {
    /// Applies the rule to a value sent; a blank one clears.
    pub fn parse(self) -> Result<Patch<T>, Problem> {
        Ok(match self {
            Patch::Unchanged => Patch::Unchanged,
            Patch::Clear => Patch::Clear,
            Patch::Set(sent) => match T::parse_optional(sent.0)? {
                Some(v) => Patch::Set(v),
                None => Patch::Clear,
            },
        })
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    /// `null` is [`Patch::Clear`], a value [`Patch::Set`]; an absent field never reaches this
    /// (it takes the default, [`Patch::Unchanged`]).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(d)? {
            None => Patch::Clear,
            Some(v) => Patch::Set(v),
        })
    }
}

impl<T: Input> JsonSchema for Patch<Sent<T>> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("Patch_{}", raw_name::<T>()).into()
    }

    fn schema_id() -> Cow<'static, str> {
        format!("Patch<{}>", std::any::type_name::<T>()).into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let mut schema = nullable(T::optional_schema());
        schema.insert(
            "description".into(),
            "Left out: unchanged; null: cleared.".into(),
        );
        schema
    }
}

/// A field of a request as sent, whatever its wrapper: [`Problems::take`](crate::Problems::take)
/// applies its rule.
pub trait Field {
    /// What the rule gives.
    type Value;

    /// Applies the rule.
    fn parse(self) -> Result<Self::Value, Problem>;
}

impl<T: Input> Field for Sent<T> {
    type Value = T;
    fn parse(self) -> Result<T, Problem> {
        Sent::parse(self)
    }
}

impl<T: Input> Field for Option<Sent<T>> {
    type Value = Option<T>;
    fn parse(self) -> Result<Option<T>, Problem> {
        self.map(Sent::parse).transpose()
    }
}

impl<T: Input> Field for Optional<T> {
    type Value = Option<T>;
    fn parse(self) -> Result<Option<T>, Problem> {
        Optional::parse(self)
    }
}

impl<T: Input> Field for Patch<Sent<T>> {
    type Value = Patch<T>;
    fn parse(self) -> Result<Patch<T>, Problem> {
        Patch::parse(self)
    }
}

/// Applies the rules of several fields of one request struct, recording each field's problem
/// under the field's own name, and gives `Some((first, second, ...))` when every one passed:
///
/// ```
/// use silo_contract::{Problems, input::{Name, Optional, Sent, Text}};
/// #[derive(serde::Deserialize)]
/// struct NewThing { name: Sent<Name>, #[serde(default)] note: Optional<Text<20>> }
///
/// let sent: NewThing = serde_json::from_str(r#"{"name": " Box ", "note": "  "}"#).unwrap();
/// let mut p = Problems::new();
/// let parsed = silo_contract::take!(p, sent => name, note);
/// let (name, note) = p.done(parsed).unwrap();
/// assert_eq!((name.as_str(), note), ("Box", None));
/// ```
///
/// `sent` is a variable holding the request struct; its fields are moved out one by one, so
/// fields taken before (and handled differently) may be left out.
#[macro_export]
macro_rules! take {
    ($problems:expr, $sent:ident => $($field:ident),+ $(,)?) => {{
        let problems: &mut $crate::Problems = &mut $problems;
        $( let $field = problems.take(stringify!($field), $sent.$field); )+
        (|| Some(($($field?,)+)))()
    }};
}
