//! One macro for the closed sets of strings on the wire (stages, statuses, codes): the enum,
//! its names, parsing, serde and JSON schema come from one list.

use std::fmt;

/// A string that names no value of a [`string_enum!`] type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownValue {
    /// What was given.
    pub given: String,
    /// Every name the type accepts.
    pub allowed: &'static [&'static str],
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "must be one of {}", self.allowed.join(", "))
    }
}

impl std::error::Error for UnknownValue {}

/// Declares a closed set of wire strings as an enum. Every variant has a doc comment (it
/// becomes the generated documentation) and its wire name:
///
/// ```
/// silo_contract::string_enum! {
///     /// A traffic light.
///     pub enum Light {
///         /// Stop.
///         Red = "red",
///         /// Go.
///         Green = "green",
///     }
/// }
/// assert_eq!(Light::Red.as_str(), "red");
/// assert_eq!("green".parse::<Light>(), Ok(Light::Green));
/// assert_eq!(Light::NAMES, ["red", "green"]);
/// assert_eq!(Light::Green.doc(), "Go.");
/// ```
///
/// The type gets `ALL`, `NAMES`, `as_str`, `doc`, `parse`, `Display`, `FromStr`
/// (erring with [`UnknownValue`]), `Serialize`, `Deserialize`, `JsonSchema` (a string
/// with `enum`) and [`StringEnum`].
///
/// One wire name declared twice does not compile:
///
/// ```compile_fail
/// silo_contract::string_enum! {
///     /// A mistake.
///     pub enum Twice {
///         /// One.
///         A = "same",
///         /// Other.
///         B = "same",
///     }
/// }
/// ```
#[macro_export]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[doc = $doc:literal])+
                $variant:ident = $wire:literal
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $($(#[doc = $doc])+ $variant,)+
        }

        // Two variants with one wire name would make one of them unreachable by parsing:
        // refused at compile time.
        const _: () = $crate::assert_unique_names(&[$($wire),+]);

        #[allow(dead_code)]
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every wire name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($wire),+];

            /// The wire (and stored) name.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }

            /// The value's documentation, for generated references.
            pub fn doc(self) -> &'static str {
                match self {
                    $($name::$variant => concat!($($doc, "\n"),+).trim(),)+
                }
            }

            /// The value named `name`, if any.
            pub fn parse(name: &str) -> Option<Self> {
                match name {
                    $($wire => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl $crate::StringEnum for $name {
            const TYPE_NAME: &'static str = stringify!($name);
            const VALUES: &'static [Self] = Self::ALL;

            fn name(self) -> &'static str {
                self.as_str()
            }

            fn description(self) -> &'static str {
                self.doc()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s).ok_or_else(|| $crate::UnknownValue {
                    given: s.to_owned(),
                    allowed: Self::NAMES,
                })
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                s: S,
            ) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                d: D,
            ) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as $crate::__private::serde::Deserialize>::deserialize(d)?;
                Self::parse(&s).ok_or_else(|| {
                    <D::Error as $crate::__private::serde::de::Error>::unknown_variant(&s, Self::NAMES)
                })
            }
        }

        impl $crate::__private::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(
                _: &mut $crate::__private::schemars::SchemaGenerator,
            ) -> $crate::__private::schemars::Schema {
                $crate::string_enum_schema(Self::NAMES)
            }
        }
    };
}

/// What every [`string_enum!`] type is, for code that handles them all alike (the generated
/// TypeScript and reference docs).
pub trait StringEnum: Copy + 'static {
    /// The Rust type's name (`Stage`, `ErrorCode`).
    const TYPE_NAME: &'static str;
    /// Every value, in declaration order.
    const VALUES: &'static [Self];
    /// The wire name.
    fn name(self) -> &'static str;
    /// The value's documentation.
    fn description(self) -> &'static str;
}

/// Panics (at compile time, where [`string_enum!`] calls it in a constant) when two of `names`
/// are equal.
pub const fn assert_unique_names(names: &[&str]) {
    let mut i = 0;
    while i < names.len() {
        let mut j = i + 1;
        while j < names.len() {
            if str_eq(names[i], names[j]) {
                panic!("a string_enum! declares one wire name twice");
            }
            j += 1;
        }
        i += 1;
    }
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The JSON schema of a closed set of strings.
pub fn string_enum_schema(names: &[&str]) -> schemars::Schema {
    let mut map = serde_json::Map::new();
    map.insert("type".into(), "string".into());
    map.insert(
        "enum".into(),
        serde_json::Value::Array(names.iter().map(|n| (*n).into()).collect()),
    );
    schemars::Schema::from(map)
}

#[cfg(test)]
mod tests {
    crate::string_enum! {
        /// A test set.
        pub enum Colour {
            /// The first.
            /// Over two lines.
            Red = "red",
            /// The second.
            DeepBlue = "deep_blue",
        }
    }

    #[test]
    fn names_parse_and_round_trip_through_serde() {
        assert_eq!(Colour::NAMES, ["red", "deep_blue"]);
        assert_eq!(Colour::parse("deep_blue"), Some(Colour::DeepBlue));
        assert_eq!(Colour::parse("Deep_Blue"), None);
        let err = "green".parse::<Colour>().unwrap_err();
        assert_eq!(err.to_string(), "must be one of red, deep_blue");
        assert_eq!(
            serde_json::to_string(&Colour::DeepBlue).unwrap(),
            "\"deep_blue\""
        );
        assert_eq!(
            serde_json::from_str::<Colour>("\"red\"").unwrap(),
            Colour::Red
        );
        assert!(serde_json::from_str::<Colour>("\"green\"").is_err());
        assert_eq!(Colour::Red.doc(), "The first.\n Over two lines.");
    }

    #[test]
    fn schema_lists_every_name() {
        let schema = schemars::schema_for!(Colour);
        let value = serde_json::to_value(&schema).unwrap();
        assert_eq!(value["type"], "string");
        assert_eq!(value["enum"], serde_json::json!(["red", "deep_blue"]));
    }
}
