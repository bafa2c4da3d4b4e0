//! Exact JSON numbers: provider amounts are read from the JSON number's own text into a
//! [`Decimal`], never through `f64`, with one rule set for every adapter:
//!
//! - a JSON number (`12.5`, `-3`, `1e-2`, `35.2E-7`) or a string holding one (`"12.5"`,
//!   as OCI's `attributedCost` and OVH's bill quantities); a leading `+`, `NaN`, `Infinity`,
//!   hex or thousands separators are refused;
//! - exact: the scale written is kept (`1.20` stays `1.20`);
//! - never rounded silently: a number with more significant digits than a `Decimal` holds
//!   (28, e.g. a double printed in full such as `0.1000000000000000055511151231257827`) is
//!   rounded half-even to the nearest `Decimal` **and a warning is logged** with the text and
//!   the value kept; digits below 10^-28 likewise;
//! - bounded: a magnitude above [`MAX_MAGNITUDE_TEXT`] (10^18) is refused, so sums and products
//!   of provider amounts can never overflow (and panic) downstream.
//!
//! Use the serde helpers ([`decimal`], [`decimal::opt`]) on wire structs and read bodies with
//! [`from_slice`], whose errors name the field path (`items[3].computedAmount`).

use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use std::fmt;

/// The largest magnitude accepted, as text (10^18: far above any bill, credit amount, count or
/// epoch millisecond, far enough below `Decimal::MAX` (≈ 7.9 × 10^28) that sums and products
/// of such amounts stay representable).
pub const MAX_MAGNITUDE_TEXT: &str = "10^18";

/// The largest magnitude accepted (10^18).
pub fn max_magnitude() -> Decimal {
    Decimal::from(1_000_000_000_000_000_000u64)
}

/// Why a JSON number was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberError {
    /// The text as found (truncated).
    pub text: String,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} {}", self.text, self.reason)
    }
}

impl std::error::Error for NumberError {}

/// A number read from text: its value and whether digits beyond a `Decimal`'s precision were
/// rounded away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedNumber {
    /// The value.
    pub value: Decimal,
    /// `true` when the text had more precision than a `Decimal` holds.
    pub rounded: bool,
}

fn refuse(text: &str, reason: impl Into<String>) -> NumberError {
    let mut t: String = text.chars().take(60).collect();
    if t.len() < text.len() {
        t.push('…');
    }
    NumberError {
        text: t,
        reason: reason.into(),
    }
}

/// Parse number text (a JSON number, or the content of a JSON string holding one; surrounding
/// spaces allowed), reporting whether it had to be rounded. Never panics.
pub fn parse_number_text(text: &str) -> Result<ParsedNumber, NumberError> {
    let t = text.trim();
    let bytes = t.as_bytes();
    let mut i = 0;
    let negative = bytes.first() == Some(&b'-');
    if negative {
        i = 1;
    }
    let int_start = i;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = &t[int_start..i];
    let mut frac_digits = "";
    if i < bytes.len() && bytes[i] == b'.' {
        let s = i + 1;
        i = s;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = &t[s..i];
        if frac_digits.is_empty() {
            return Err(refuse(text, "is not a number (no digit after the point)"));
        }
    }
    if int_digits.is_empty() {
        return Err(refuse(
            text,
            if t.is_empty() {
                "is not a number (empty)"
            } else {
                "is not a number"
            },
        ));
    }
    let mut exp: i64 = 0;
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        i += 1;
        let neg_exp = match bytes.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let s = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let digits = &t[s..i];
        if digits.is_empty() {
            return Err(refuse(text, "is not a number (empty exponent)"));
        }
        // Exponents beyond ±10^6 are clamped: the value is 0 or out of range either way.
        let e: i64 = digits
            .trim_start_matches('0')
            .parse::<i64>()
            .unwrap_or(if digits.trim_start_matches('0').is_empty() {
                0
            } else {
                1_000_000
            })
            .min(1_000_000);
        exp = if neg_exp { -e } else { e };
    }
    if i != bytes.len() {
        return Err(refuse(text, "is not a number"));
    }
    // value = 0.<digits> × 10^point (digits without leading zeros).
    let all: String = format!("{int_digits}{frac_digits}");
    let lead = all.len() - all.trim_start_matches('0').len();
    let digits = &all[lead..];
    let written_scale = frac_digits.len() as i64 - exp;
    if digits.is_empty() {
        let scale = written_scale.clamp(0, 28) as u32;
        return Ok(ParsedNumber {
            value: Decimal::new(0, scale),
            rounded: false,
        });
    }
    let point = int_digits.len() as i64 - lead as i64 + exp;
    if point > 19 {
        return Err(refuse(
            text,
            format!(
                "is out of range (more than {MAX_MAGNITUDE_TEXT} in magnitude, beyond any plausible amount)"
            ),
        ));
    }
    // Scale to keep: as written (never negative), at most 28, and at most what fits in the
    // 96-bit mantissa (29 digits at most).
    let mut scale = written_scale.clamp(0, 28).min((29 - point).max(0));
    loop {
        let keep = point + scale; // number of digits of `digits` kept
        let (mut mantissa, rest): (u128, &str) = if keep <= 0 {
            (0, digits)
        } else {
            let k = keep as usize;
            let mut m: u128 = 0;
            for c in digits.bytes().take(k) {
                m = m * 10 + u128::from(c - b'0');
            }
            // Written digits shorter than kept: pad with zeros (only when scale came from the text).
            for _ in digits.len()..k {
                m *= 10;
            }
            (m, if k < digits.len() { &digits[k..] } else { "" })
        };
        // Round half-even on the dropped digits.
        let dropped_nonzero = rest.bytes().any(|c| c != b'0');
        if keep <= 0 {
            // Everything is below the kept scale: the value rounds to 0 or to one unit.
            let half_up = keep == 0
                && (rest.as_bytes()[0] > b'5'
                    || (rest.as_bytes()[0] == b'5' && rest[1..].bytes().any(|c| c != b'0')));
            mantissa = u128::from(half_up);
        } else if let Some(&first) = rest.as_bytes().first() {
            let tail_nonzero = rest[1..].bytes().any(|c| c != b'0');
            let up = first > b'5' || (first == b'5' && (tail_nonzero || mantissa % 2 == 1));
            if up {
                mantissa += 1;
            }
        }
        if mantissa >= (1u128 << 96) {
            if scale == 0 {
                return Err(refuse(
                    text,
                    format!("is out of range (more than {MAX_MAGNITUDE_TEXT} in magnitude)"),
                ));
            }
            scale -= 1;
            continue;
        }
        let signed = if negative {
            -(mantissa as i128)
        } else {
            mantissa as i128
        };
        let value = Decimal::try_from_i128_with_scale(signed, scale as u32)
            .map_err(|e| refuse(text, format!("is not representable: {e}")))?;
        if value.abs() > max_magnitude() {
            return Err(refuse(
                text,
                format!(
                    "is out of range (more than {MAX_MAGNITUDE_TEXT} in magnitude, beyond any plausible amount)"
                ),
            ));
        }
        return Ok(ParsedNumber {
            value,
            rounded: dropped_nonzero,
        });
    }
}

/// Parse number text exactly (see the module rules); a number rounded to fit a `Decimal` is
/// logged as a warning naming the text and the value kept.
pub fn parse_number(text: &str) -> Result<Decimal, NumberError> {
    let p = parse_number_text(text)?;
    if p.rounded {
        tracing::warn!(
            number = %text.trim(),
            kept = %p.value,
            "a JSON number has more digits than a decimal holds (28); rounded to the nearest one"
        );
    }
    Ok(p.value)
}

/// The value of a raw JSON value: a number, or a string holding one (`None` for `null` and
/// the empty string `""`).
pub fn raw_number(raw: &str) -> Result<Option<Decimal>, NumberError> {
    let t = raw.trim();
    if t == "null" {
        return Ok(None);
    }
    let inner = match t.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(s) if s.trim().is_empty() => return Ok(None),
        Some(s) => s,
        None => t,
    };
    parse_number(inner).map(Some)
}

/// Serde helpers for a [`Decimal`] field read from a JSON number (or numeric string) and
/// written back as a JSON number with the same digits:
/// `#[serde(with = "finops_core::json::decimal")]`.
pub mod decimal {
    use super::*;
    use serde::de::Error as _;
    use serde::ser::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_json::value::RawValue;

    /// Parse a raw JSON value (number or numeric string) into a `Decimal`.
    pub fn parse_raw(raw: &str) -> Result<Decimal, String> {
        match raw_number(raw) {
            Ok(Some(d)) => Ok(d),
            Ok(None) => Err(format!("{:?} is not a number", raw.trim())),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Deserialize a JSON number (or numeric string) exactly.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let raw: Box<RawValue> = Deserialize::deserialize(d)?;
        parse_raw(raw.get()).map_err(D::Error::custom)
    }

    /// Serialize as a JSON number with the same digits.
    pub fn serialize<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        let raw = RawValue::from_string(v.to_string()).map_err(S::Error::custom)?;
        serde::Serialize::serialize(&raw, s)
    }

    /// The same for `Option<Decimal>`: `null` and `""` are `None`; combine with
    /// `#[serde(default)]` for a field that may be missing:
    /// `#[serde(default, with = "finops_core::json::decimal::opt")]`.
    pub mod opt {
        use super::*;

        /// Deserialize `null`, `""`, a JSON number or a numeric string.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
            let raw: Option<Box<RawValue>> = Deserialize::deserialize(d)?;
            match raw {
                None => Ok(None),
                Some(r) => raw_number(r.get()).map_err(D::Error::custom),
            }
        }

        /// Serialize `None` as `null`, a value as a JSON number.
        pub fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
            match v {
                None => s.serialize_none(),
                Some(d) => super::serialize(d, s),
            }
        }
    }
}

/// A JSON body that could not be read, with the path of the offending field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// Path of the field (`items[3].computedAmount`; `.` for the whole body).
    pub path: String,
    /// What serde said.
    pub message: String,
    /// Whether the body is not JSON at all (a syntax error), rather than JSON of another shape.
    pub syntax: bool,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path == "." {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for JsonError {}

/// Deserialize a JSON body; an error names the path of the field that failed, so a refused
/// number reads `items[3].computedAmount: "1e27" is out of range ...`.
pub fn from_slice<T: DeserializeOwned>(body: &[u8]) -> Result<T, JsonError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    let v: T = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        JsonError {
            syntax: inner.is_syntax() || inner.is_eof(),
            path,
            message: inner.to_string(),
        }
    })?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Decimal {
        parse_number(s).unwrap()
    }

    #[test]
    fn exact_forms() {
        assert_eq!(p("12.5").to_string(), "12.5");
        assert_eq!(p("1.20").to_string(), "1.20", "the written scale is kept");
        assert_eq!(p("-3").to_string(), "-3");
        assert_eq!(p("1e-2"), Decimal::new(1, 2));
        assert_eq!(p("35.2E-7").to_string(), "0.00000352");
        assert_eq!(p("1E3").to_string(), "1000");
        assert_eq!(p("0.0000000001").to_string(), "0.0000000001");
        assert_eq!(p("0"), Decimal::ZERO);
        assert_eq!(p("-0.000"), Decimal::ZERO);
        assert_eq!(p("1e-400"), Decimal::ZERO);
        assert_eq!(p(" 7 ").to_string(), "7");
        assert_eq!(p("1000000000000000000"), max_magnitude());
        assert_eq!(
            p("0.1000000000000000055").to_string(),
            "0.1000000000000000055",
            "19 digits fit"
        );
        assert_eq!(
            p("999999999999999999.9999999999").to_string(),
            "999999999999999999.9999999999"
        );
    }

    #[test]
    fn rounding_is_reported() {
        let r = parse_number_text("0.1000000000000000055511151231257827").unwrap();
        assert!(r.rounded);
        assert_eq!(r.value.to_string(), "0.1000000000000000055511151231");
        let r = parse_number_text("0.00000000000000000000000000015").unwrap();
        assert!(r.rounded);
        assert_eq!(
            r.value,
            Decimal::new(2, 28),
            "half-even on the 29th decimal"
        );
        let r = parse_number_text("123456789012345678.123456789012345").unwrap();
        assert!(r.rounded);
        assert_eq!(r.value.to_string(), "123456789012345678.12345678901");
        assert!(
            !parse_number_text("1.5000000000000000000000000000000")
                .unwrap()
                .rounded
        );
        // Ties go to the even last digit.
        let tie_even = parse_number_text("2.50000000000000000000000000005").unwrap();
        assert!(tie_even.rounded);
        assert_eq!(tie_even.value.to_string(), "2.5000000000000000000000000000");
        let tie_odd = parse_number_text("2.50000000000000000000000000015").unwrap();
        assert_eq!(tie_odd.value.to_string(), "2.5000000000000000000000000002");
    }

    #[test]
    fn refusals_say_why() {
        for (s, why) in [
            ("", "empty"),
            ("+1", "not a number"),
            ("1,5", "not a number"),
            ("abc", "not a number"),
            ("1.", "no digit"),
            (".5", "not a number"),
            ("1e", "exponent"),
            ("NaN", "not a number"),
            ("0x10", "not a number"),
            ("1e19", "out of range"),
            ("-1000000000000000000.1", "out of range"),
            ("79228162514264337593543950335", "out of range"),
            ("1e999999999999999999999", "out of range"),
        ] {
            let e = parse_number(s).unwrap_err().to_string();
            assert!(e.contains(why), "{s:?}: {e}");
        }
        assert!(
            parse_number("1e27")
                .unwrap_err()
                .to_string()
                .contains("plausible")
        );
    }

    #[derive(serde::Deserialize, serde::Serialize, Debug, PartialEq)]
    struct Item {
        #[serde(with = "decimal")]
        amount: Decimal,
        #[serde(default, with = "decimal::opt")]
        quantity: Option<Decimal>,
    }

    #[derive(serde::Deserialize, Debug)]
    struct Body {
        items: Vec<Item>,
    }

    #[test]
    fn serde_helpers_and_field_paths() {
        let b: Body =
            from_slice(br#"{"items":[{"amount":1.20,"quantity":"3"},{"amount":"-2e-1","quantity":null},{"amount":0}]}"#)
                .unwrap();
        assert_eq!(b.items[0].amount.to_string(), "1.20");
        assert_eq!(b.items[0].quantity, Some(Decimal::new(3, 0)));
        assert_eq!(b.items[1].amount, Decimal::new(-2, 1));
        assert_eq!(b.items[1].quantity, None);
        assert_eq!(b.items[2].quantity, None);
        let empty: Item = serde_json::from_str(r#"{"amount":1,"quantity":""}"#).unwrap();
        assert_eq!(empty.quantity, None);
        let back = serde_json::to_string(&b.items[0]).unwrap();
        assert_eq!(back, r#"{"amount":1.20,"quantity":3}"#);
        let e = from_slice::<Body>(br#"{"items":[{"amount":1},{"amount":1e27}]}"#).unwrap_err();
        let s = e.to_string();
        assert!(
            s.starts_with("items[1].amount: ") && s.contains("out of range"),
            "{s}"
        );
        assert!(!e.syntax);
        let e = from_slice::<Body>(br#"{"items":[{"amount":"lots"}]}"#).unwrap_err();
        assert!(e.to_string().contains("items[0].amount"), "{e}");
        assert!(from_slice::<Body>(b"<html>").unwrap_err().syntax);
        assert!(from_slice::<Item>(br#"{"amount":null}"#).is_err());
    }

    proptest! {
        #[test]
        fn exact_decimals_round_trip(m in -999_999_999_999_999_999i64..=999_999_999_999_999_999, scale in 0u32..18) {
            let d = Decimal::new(m, scale);
            let parsed = parse_number_text(&d.to_string()).unwrap();
            prop_assert!(!parsed.rounded);
            prop_assert_eq!(parsed.value, d);
            prop_assert_eq!(parsed.value.scale(), d.scale());
        }

        #[test]
        fn scientific_forms_are_exact(m in -1_000_000_000i64..1_000_000_000, e in -12i32..9) {
            let text = format!("{m}e{e}");
            let want = if e >= 0 {
                Decimal::from(m) * Decimal::from(10i64.pow(e as u32))
            } else {
                Decimal::new(m, (-e) as u32)
            };
            prop_assert_eq!(parse_number(&text).unwrap(), want);
        }

        /// Random, huge, negative and malformed numbers: a value or an error, never a panic,
        /// and never a value above the bound.
        #[test]
        fn never_panics_and_stays_bounded(s in "[-+]?[0-9]{0,45}(\\.[0-9]{0,45})?([eE][-+]?[0-9]{0,25})?|.{0,40}") {
            if let Ok(v) = parse_number(&s) {
                prop_assert!(v.abs() <= max_magnitude());
            }
            let _ = raw_number(&s);
            let _ = raw_number(&format!("\"{s}\""));
        }

        #[test]
        fn agrees_with_rust_decimal_when_exact(int in 0u64..1_000_000_000_000, frac in "[0-9]{0,10}") {
            let text = if frac.is_empty() { int.to_string() } else { format!("{int}.{frac}") };
            let ours = parse_number(&text).unwrap();
            let theirs = Decimal::from_str_exact(&text).unwrap();
            prop_assert_eq!(ours, theirs);
            prop_assert_eq!(ours.scale(), theirs.scale());
        }
    }
}
