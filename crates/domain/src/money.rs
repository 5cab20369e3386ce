//! Money, currencies, VAT rates, quantities and the invoice arithmetic.
//!
//! Rounding rule: every invoice line is rounded on its own, half up (amounts are never
//! negative, so half up is half away from zero).
//! - `net = quantity × unit_cents`, with quantity in thousandths: `round(milli × unit / 1000)`.
//! - `vat = round(net × rate_bp / 10000)`.
//! - The invoice's subtotal, VAT and total are the plain sums of the rounded lines, so the
//!   printed lines always add up to the printed totals.
//!
//! Intermediate products are computed in `i128` and every sum is checked: an amount that does
//! not fit in `i64` cents is an input problem, never a panic.

use schemars::{JsonSchema, Schema};
use serde::{Serialize, Serializer};
use serde_json::{Number, json};
use silo_contract::input::{Input, WholeNumber, decimals};
use silo_contract::{Problem, ProblemCode};
use std::fmt;

fn schema(value: serde_json::Value) -> Schema {
    match value {
        serde_json::Value::Object(map) => Schema::from(map),
        _ => Schema::default(),
    }
}

/// A non-negative amount of money in the smallest unit (cents).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct Cents(i64);

/// Most cents one amount may hold: a trillion units, far below `i64::MAX` so sums of many
/// amounts still fit.
pub const MAX_CENTS: i64 = 100_000_000_000_000;

impl Cents {
    /// Zero.
    pub const ZERO: Cents = Cents(0);

    /// Accepts 0 to [`MAX_CENTS`].
    pub fn new(v: i64) -> Result<Self, Problem> {
        if (0..=MAX_CENTS).contains(&v) {
            Ok(Cents(v))
        } else {
            Err(Problem::out_of_range(Some(0), Some(MAX_CENTS)))
        }
    }

    /// A positive amount (payments).
    pub fn positive(v: i64) -> Result<Self, Problem> {
        match Cents::new(v) {
            Ok(c) if v > 0 => Ok(c),
            _ => Err(Problem::out_of_range(Some(1), Some(MAX_CENTS))),
        }
    }

    /// The value.
    pub fn get(self) -> i64 {
        self.0
    }

    /// The sum, or `None` past [`MAX_CENTS`].
    pub fn checked_add(self, other: Cents) -> Option<Cents> {
        self.0.checked_add(other.0).and_then(|v| Cents::new(v).ok())
    }
}

/// An ISO 4217 currency code: three upper-case ASCII letters. `EUR` unless said otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    /// The euro, the default.
    pub const EUR: Currency = Currency(*b"EUR");

    /// Parses `EUR`, `usd` (upper-cased) and the like: exactly three ASCII letters.
    pub fn parse(s: &str) -> Result<Self, Problem> {
        match s.to_ascii_uppercase().as_bytes() {
            &[a, b, c] if [a, b, c].iter().all(u8::is_ascii_uppercase) => Ok(Currency([a, b, c])),
            _ => Err(ProblemCode::NotCurrency.into()),
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("EUR")
    }
}

impl Default for Currency {
    fn default() -> Self {
        Currency::EUR
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A VAT rate in basis points: 2100 is 21 %. 0 to 10000.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct VatRate(i64);

impl VatRate {
    /// Accepts 0 to [`VatRate::MAX`] basis points.
    pub fn new(bp: i64) -> Result<Self, Problem> {
        if (0..=Self::MAX).contains(&bp) {
            Ok(VatRate(bp))
        } else {
            Err(Problem::out_of_range(Some(0), Some(Self::MAX))
                .worded("must be basis points from 0 to 10000 (21% is 2100)"))
        }
    }

    /// The most basis points: 100 %.
    pub const MAX: i64 = 10_000;

    /// 21 %, the rate of a line that names none.
    pub const DEFAULT: VatRate = VatRate(2100);
    /// No VAT (zero-rated or reverse-charged).
    pub const ZERO: VatRate = VatRate(0);

    /// Basis points.
    pub fn bp(self) -> i64 {
        self.0
    }
}

/// A quantity in thousandths (1.5 hours is 1500), positive, at most a billion units.
///
/// On the wire it is a JSON number with at most three decimals; whole quantities are sent as
/// integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quantity(i64);

impl Quantity {
    /// One unit, the quantity of a line that names none.
    pub const ONE: Quantity = Quantity(1000);
    /// The most units.
    pub const MAX_UNITS: i64 = 1_000_000_000;
    /// Decimals a quantity may have.
    pub const DECIMALS: u32 = 3;

    fn out_of_range() -> Problem {
        Problem::out_of_range_of(Number::from_f64(0.001), Some(Number::from(Self::MAX_UNITS)))
    }

    /// From thousandths as stored.
    pub fn from_milli(milli: i64) -> Result<Self, Problem> {
        if (1..=Self::MAX_UNITS * 1000).contains(&milli) {
            Ok(Quantity(milli))
        } else {
            Err(Self::out_of_range())
        }
    }

    /// From a JSON number: 0.001 to a billion, written with at most three decimals (as JSON
    /// Schema's `multipleOf: 0.001` reads a number).
    pub fn from_f64(v: f64) -> Result<Self, Problem> {
        if !(v.is_finite() && (0.001..=Self::MAX_UNITS as f64).contains(&v)) {
            return Err(Self::out_of_range());
        }
        if decimals(v) > Self::DECIMALS as usize {
            return Err(Problem::too_many_decimals(Self::DECIMALS));
        }
        // Whole thousandths within range by the checks above, so the conversion is exact.
        Quantity::from_milli((v * 1000.0).round() as i64)
    }

    /// Thousandths.
    pub fn milli(self) -> i64 {
        self.0
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 % 1000 == 0 {
            s.serialize_i64(self.0 / 1000)
        } else {
            s.serialize_f64(self.0 as f64 / 1000.0)
        }
    }
}

/// `round(numerator / denominator)`, half up, for a non-negative numerator.
fn div_round_half_up(numerator: i128, denominator: i128) -> i128 {
    (numerator + denominator / 2) / denominator
}

/// One line's amounts after rounding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineAmounts {
    /// Quantity × unit price, rounded.
    pub net: Cents,
    /// VAT on `net`, rounded.
    pub vat: Cents,
}

/// The rounded amounts of one line; `None` when they do not fit.
pub fn line_amounts(quantity: Quantity, unit: Cents, rate: VatRate) -> Option<LineAmounts> {
    let net = div_round_half_up(i128::from(quantity.milli()) * i128::from(unit.get()), 1000);
    let vat = div_round_half_up(net * i128::from(rate.bp()), 10_000);
    Some(LineAmounts {
        net: Cents::new(i64::try_from(net).ok()?).ok()?,
        vat: Cents::new(i64::try_from(vat).ok()?).ok()?,
    })
}

/// An invoice's totals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Sum of line nets.
    pub subtotal: Cents,
    /// Sum of line VAT.
    pub vat: Cents,
    /// `subtotal + vat`.
    pub total: Cents,
}

/// Sums rounded lines; `None` when a sum does not fit.
pub fn totals(lines: impl IntoIterator<Item = LineAmounts>) -> Option<Totals> {
    let mut t = Totals::default();
    for line in lines {
        t.subtotal = t.subtotal.checked_add(line.net)?;
        t.vat = t.vat.checked_add(line.vat)?;
    }
    t.total = t.subtotal.checked_add(t.vat)?;
    Some(t)
}

impl schemars::JsonSchema for Currency {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Currency".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "pattern": "^[A-Za-z]{3}$", "description": "ISO 4217 code; EUR when left out" })
    }
}

impl schemars::JsonSchema for Quantity {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Quantity".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <Quantity as Input>::schema()
    }
}

impl Input for Cents {
    type Raw = WholeNumber;

    fn parse(raw: WholeNumber) -> Result<Self, Problem> {
        Cents::new(raw.0)
    }

    fn schema() -> Schema {
        schema(json!({"type": "integer", "minimum": 0, "maximum": MAX_CENTS}))
    }
}

/// An amount of more than zero cents (a payment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PositiveCents(pub Cents);

impl Input for PositiveCents {
    type Raw = WholeNumber;

    fn parse(raw: WholeNumber) -> Result<Self, Problem> {
        Cents::positive(raw.0).map(PositiveCents)
    }

    fn schema() -> Schema {
        schema(json!({"type": "integer", "minimum": 1, "maximum": MAX_CENTS}))
    }
}

impl Input for Currency {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        Currency::parse(&raw)
    }

    fn schema() -> Schema {
        schema(json!({
            "type": "string",
            "pattern": "^[A-Za-z]{3}$",
            "description": "ISO 4217 code (either case); EUR when left out",
        }))
    }
}

impl Input for VatRate {
    type Raw = WholeNumber;

    fn parse(raw: WholeNumber) -> Result<Self, Problem> {
        VatRate::new(raw.0)
    }

    fn schema() -> Schema {
        schema(json!({
            "type": "integer",
            "minimum": 0,
            "maximum": VatRate::MAX,
            "description": "basis points: 2100 is 21 %",
        }))
    }
}

impl Input for Quantity {
    type Raw = f64;

    fn parse(raw: f64) -> Result<Self, Problem> {
        Quantity::from_f64(raw)
    }

    fn schema() -> Schema {
        schema(json!({
            "type": "number",
            "minimum": 0.001,
            "maximum": Quantity::MAX_UNITS,
            "multipleOf": 0.001,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(q: f64, unit: i64, bp: i64) -> LineAmounts {
        line_amounts(
            Quantity::from_f64(q).unwrap_or(Quantity(0)),
            Cents(unit),
            VatRate(bp),
        )
        .unwrap_or(LineAmounts {
            net: Cents(-1),
            vat: Cents(-1),
        })
    }

    #[test]
    fn vat_rounds_half_up_per_line() {
        // 50 × 21 % = 10.5 -> 11
        assert_eq!(line(1.0, 50, 2100).vat, Cents(11));
        // 49 × 21 % = 10.29 -> 10
        assert_eq!(line(1.0, 49, 2100).vat, Cents(10));
        // 9 %: 150 × 9 % = 13.5 -> 14
        assert_eq!(line(1.0, 150, 900).vat, Cents(14));
        assert_eq!(line(3.0, 12_345, 0).vat, Cents(0));
    }

    #[test]
    fn rounding_is_per_line_not_per_group() {
        // Three lines of 2 cents at 21 %: 0.42 -> 0 each, so 0 in total (per rate group it
        // would have been round(6 × 0.21) = 1).
        let t = totals([line(1.0, 2, 2100); 3]);
        assert_eq!(
            t.map(|t| (t.subtotal, t.vat, t.total)),
            Some((Cents(6), Cents(0), Cents(6)))
        );
    }

    #[test]
    fn fractional_quantities_round_half_up() {
        // 1.5 × 333 = 499.5 -> 500; VAT 21 % of 500 = 105
        assert_eq!(
            line(1.5, 333, 2100),
            LineAmounts {
                net: Cents(500),
                vat: Cents(105)
            }
        );
        // 0.333 × 100 = 33.3 -> 33
        assert_eq!(line(0.333, 100, 0).net, Cents(33));
        assert!(Quantity::from_f64(0.0001).is_err());
        assert!(Quantity::from_f64(1.2345).is_err());
        assert!(Quantity::from_f64(-1.0).is_err());
        assert!(Quantity::from_f64(f64::NAN).is_err());
        assert_eq!(Quantity::from_f64(0.1).map(Quantity::milli), Ok(100));
    }

    #[test]
    fn overflow_is_refused_not_panicking() {
        let q = Quantity::from_milli(1_000_000_000_000).unwrap_or(Quantity(1));
        assert_eq!(line_amounts(q, Cents(MAX_CENTS), VatRate(10_000)), None);
        let big = LineAmounts {
            net: Cents(MAX_CENTS),
            vat: Cents(0),
        };
        assert_eq!(totals([big, big]), None);
        assert!(Cents::new(-1).is_err());
        assert!(Cents::positive(0).is_err());
    }

    #[test]
    fn currencies_and_rates() {
        assert_eq!(
            Currency::parse("usd").map(|c| c.to_string()),
            Ok("USD".into())
        );
        assert!(Currency::parse("EURO").is_err());
        assert!(Currency::parse("E1R").is_err());
        assert!(Currency::parse("€").is_err());
        assert!(VatRate::new(10_001).is_err());
        assert!(VatRate::new(-1).is_err());
        assert_eq!(VatRate::new(2100).map(VatRate::bp), Ok(2100));
    }
}
