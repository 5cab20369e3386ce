//! Numbers, amounts, dates and country names as printed, per language, and as UBL wants them.

use crate::Language;

/// Groups the digits of a whole number in threes with `sep`.
fn group(mut n: u64, sep: char) -> String {
    let mut parts = Vec::new();
    loop {
        if n < 1000 {
            parts.push(n.to_string());
            break;
        }
        parts.push(format!("{:03}", n % 1000));
        n /= 1000;
    }
    parts.reverse();
    parts.join(&sep.to_string())
}

/// An amount in cents as printed: Dutch `€ 1.234,56`, English `€1,234.56`; currencies other
/// than the euro by their code (`USD 1,234.56`). Negative amounts get a leading minus.
pub fn amount(cents: i64, currency: &str, language: Language) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let (whole, frac) = (abs / 100, abs % 100);
    let (thousands, decimal) = match language {
        Language::Nl => ('.', ','),
        Language::En => (',', '.'),
    };
    let number = format!("{}{decimal}{frac:02}", group(whole, thousands));
    match (currency, language) {
        ("EUR", Language::Nl) => format!("{sign}€ {number}"),
        ("EUR", Language::En) => format!("{sign}€{number}"),
        (code, _) => format!("{sign}{code} {number}"),
    }
}

/// A decimal with up to `scale` digits after the point, trailing zeros dropped.
fn decimal(value: i64, scale: u32, point: char) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    let unit = 10u64.pow(scale);
    let (whole, frac) = (abs / unit, abs % unit);
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    let frac = format!("{frac:0width$}", width = scale as usize);
    format!("{sign}{whole}{point}{}", frac.trim_end_matches('0'))
}

/// A quantity in thousandths as printed (`1,5` in Dutch, `1.5` in English).
pub(crate) fn quantity(milli: i64, language: Language) -> String {
    decimal(milli, 3, point(language))
}

/// A VAT rate in basis points as printed (`21%`, `9,5%`).
pub(crate) fn rate(bp: i64, language: Language) -> String {
    format!("{}%", decimal(bp, 2, point(language)))
}

fn point(language: Language) -> char {
    match language {
        Language::Nl => ',',
        Language::En => '.',
    }
}

/// An amount in cents for UBL: `1234.56`.
pub(crate) fn ubl_amount(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// A quantity in thousandths for UBL: `1.5`.
pub(crate) fn ubl_quantity(milli: i64) -> String {
    decimal(milli, 3, '.')
}

/// A VAT rate in basis points for UBL: `21`, `9.5`.
pub(crate) fn ubl_rate(bp: i64) -> String {
    decimal(bp, 2, '.')
}

const MONTHS_NL: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date as printed: `30 november 2026` / `30 November 2026`.
pub fn date(d: time::Date, language: Language) -> String {
    let month = usize::from(u8::from(d.month())) - 1;
    let name = match language {
        Language::Nl => MONTHS_NL[month],
        Language::En => MONTHS_EN[month],
    };
    format!("{} {name} {}", d.day(), d.year())
}

/// A date for UBL: `2026-11-30`.
pub(crate) fn ubl_date(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Country names for the address block; other codes print as the code itself.
const COUNTRIES: &[(&str, &str, &str)] = &[
    ("AT", "Oostenrijk", "Austria"),
    ("BE", "België", "Belgium"),
    ("BG", "Bulgarije", "Bulgaria"),
    ("CH", "Zwitserland", "Switzerland"),
    ("CY", "Cyprus", "Cyprus"),
    ("CZ", "Tsjechië", "Czechia"),
    ("DE", "Duitsland", "Germany"),
    ("DK", "Denemarken", "Denmark"),
    ("EE", "Estland", "Estonia"),
    ("ES", "Spanje", "Spain"),
    ("FI", "Finland", "Finland"),
    ("FR", "Frankrijk", "France"),
    ("GB", "Verenigd Koninkrijk", "United Kingdom"),
    ("GR", "Griekenland", "Greece"),
    ("HR", "Kroatië", "Croatia"),
    ("HU", "Hongarije", "Hungary"),
    ("IE", "Ierland", "Ireland"),
    ("IT", "Italië", "Italy"),
    ("LT", "Litouwen", "Lithuania"),
    ("LU", "Luxemburg", "Luxembourg"),
    ("LV", "Letland", "Latvia"),
    ("MT", "Malta", "Malta"),
    ("NL", "Nederland", "Netherlands"),
    ("NO", "Noorwegen", "Norway"),
    ("PL", "Polen", "Poland"),
    ("PT", "Portugal", "Portugal"),
    ("RO", "Roemenië", "Romania"),
    ("SE", "Zweden", "Sweden"),
    ("SI", "Slovenië", "Slovenia"),
    ("SK", "Slowakije", "Slovakia"),
    ("US", "Verenigde Staten", "United States"),
];

/// The country's name in the language, or its code when not listed.
pub(crate) fn country(code: &str, language: Language) -> String {
    COUNTRIES
        .iter()
        .find(|(c, _, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, nl, en)| match language {
            Language::Nl => (*nl).to_string(),
            Language::En => (*en).to_string(),
        })
        .unwrap_or_else(|| code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_per_language() {
        assert_eq!(amount(123_456, "EUR", Language::Nl), "€ 1.234,56");
        assert_eq!(amount(123_456, "EUR", Language::En), "€1,234.56");
        assert_eq!(amount(-5, "EUR", Language::Nl), "-€ 0,05");
        assert_eq!(amount(100_000_000, "EUR", Language::En), "€1,000,000.00");
        assert_eq!(amount(1_000, "USD", Language::Nl), "USD 10,00");
        assert_eq!(ubl_amount(123_456), "1234.56");
        assert_eq!(ubl_amount(7), "0.07");
    }

    #[test]
    fn quantities_rates_dates() {
        assert_eq!(quantity(1_500, Language::Nl), "1,5");
        assert_eq!(quantity(2_000, Language::En), "2");
        assert_eq!(quantity(1_250, Language::En), "1.25");
        assert_eq!(rate(2_100, Language::Nl), "21%");
        assert_eq!(rate(950, Language::Nl), "9,5%");
        assert_eq!(ubl_rate(0), "0");
        assert_eq!(ubl_quantity(1), "0.001");
        let d = time::macros::date!(2026 - 03 - 05);
        assert_eq!(date(d, Language::Nl), "5 maart 2026");
        assert_eq!(date(d, Language::En), "5 March 2026");
        assert_eq!(ubl_date(d), "2026-03-05");
        assert_eq!(country("de", Language::Nl), "Duitsland");
        assert_eq!(country("JP", Language::En), "JP");
    }
}
