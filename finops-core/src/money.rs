//! Currencies and exact money helpers.

use rust_decimal::Decimal;
use std::fmt;
use std::str::FromStr;

/// Active ISO 4217 alphabetic codes (national currencies, precious metals and funds excluded
/// where FOCUS forbids them as a BillingCurrency are still accepted here; `XXX`/`XTS` are not).
const ISO_4217: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
    "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUP", "CVE",
    "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL",
    "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR",
    "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD",
    "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK",
    "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO",
    "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON",
    "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD",
    "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD",
    "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES", "VND", "VUV",
    "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG", "ZWL",
];

/// An ISO 4217 currency code (`EUR`, `USD`, ...).
///
/// Construction refuses lower-case, wrong-length and unknown codes, so a `Currency` in a
/// record is always a valid FOCUS `BillingCurrency`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

/// Error for an invalid currency code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid currency code {0:?}: expected an upper-case ISO 4217 code such as EUR")]
pub struct InvalidCurrency(pub String);

impl Currency {
    /// Euro.
    pub const EUR: Currency = Currency(*b"EUR");
    /// US dollar.
    pub const USD: Currency = Currency(*b"USD");
    /// Pound sterling.
    pub const GBP: Currency = Currency(*b"GBP");
    /// Brazilian real.
    pub const BRL: Currency = Currency(*b"BRL");

    /// Parse a code; see the type docs for what is refused.
    pub fn new(code: &str) -> Result<Self, InvalidCurrency> {
        let b = code.as_bytes();
        if b.len() != 3 || !b.iter().all(|c| c.is_ascii_uppercase()) {
            return Err(InvalidCurrency(code.to_string()));
        }
        if ISO_4217.binary_search(&code).is_err() {
            return Err(InvalidCurrency(code.to_string()));
        }
        Ok(Currency([b[0], b[1], b[2]]))
    }

    /// The code as a string slice.
    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// Whether `code` is a valid ISO 4217 code.
    pub fn is_valid(code: &str) -> bool {
        Currency::new(code).is_ok()
    }
}

impl FromStr for Currency {
    type Err = InvalidCurrency;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::new(s)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.as_str())
    }
}

impl serde::Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::new(&s).map_err(serde::de::Error::custom)
    }
}

/// An exact amount in a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Money {
    /// The amount.
    pub amount: Decimal,
    /// Its currency.
    pub currency: Currency,
}

impl Money {
    /// An amount in `currency`.
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Money { amount, currency }
    }

    /// Add two amounts of the same currency; mixing currencies is an error, never a silent sum.
    pub fn checked_add(self, other: Money) -> crate::Result<Money> {
        if self.currency != other.currency {
            return Err(crate::Error::CurrencyMismatch(format!(
                "cannot add {} and {}",
                self.currency, other.currency
            )));
        }
        let amount = self
            .amount
            .checked_add(other.amount)
            .ok_or_else(|| crate::Error::InvalidArgument("decimal overflow".into()))?;
        Ok(Money::new(amount, self.currency))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// Parse a decimal from text exactly (plain or E notation, leading `+` refused), never through `f64`.
pub fn parse_decimal(s: &str) -> Result<Decimal, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("empty number".into());
    }
    if t.starts_with('+') {
        return Err(format!("{t:?}: a leading '+' is not allowed"));
    }
    if t.contains(['e', 'E']) {
        Decimal::from_scientific(t).map_err(|e| format!("{t:?}: {e}"))
    } else {
        Decimal::from_str_exact(t).map_err(|e| format!("{t:?}: {e}"))
    }
}

/// Parse a number written by a person, with a decimal comma or point: `1234,56`,
/// `1 234,56` (spaces, no-break spaces U+00A0 / U+202F and `_` as thousands separators are
/// dropped), `1234.56`, `1,2`. A text holding both `,` and `.` (`1.234,56`, `1,000.5`) is
/// refused as ambiguous; so is more than one comma. Exact (see [`parse_decimal`]), never
/// through `f64`; the caller bounds the value. Used for the OCI contract credit and the OVH
/// CMDB factors.
pub fn parse_decimal_comma(text: &str) -> Result<Decimal, String> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '_'))
        .collect();
    if cleaned.is_empty() {
        return Err("empty number".into());
    }
    if cleaned.contains(',') && cleaned.contains('.') {
        return Err(format!("{text:?}: ambiguous decimal separators"));
    }
    if cleaned.starts_with([',', '.']) || cleaned.ends_with([',', '.']) {
        return Err(format!(
            "{text:?}: a decimal separator needs digits on both sides"
        ));
    }
    if cleaned.matches(',').count() > 1 {
        return Err(format!("{text:?}: more than one decimal comma"));
    }
    parse_decimal(&cleaned.replace(',', ".")).map_err(|e| format!("{text:?}: {e}"))
}

/// Format a decimal in full, without exponent, with trailing zeros removed (`1.50` → `1.5`,
/// `2.000` → `2`). The value is unchanged.
pub fn format_decimal(d: Decimal) -> String {
    d.normalize().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted() {
        let mut v = ISO_4217.to_vec();
        v.sort();
        assert_eq!(v, ISO_4217);
    }

    #[test]
    fn refuses_bad_codes() {
        assert!(Currency::new("EUR").is_ok());
        assert!(Currency::new("eur").is_err());
        assert!(Currency::new("EURO").is_err());
        assert!(Currency::new("ABC").is_err());
        assert!(Currency::new("").is_err());
    }

    #[test]
    fn parse_exact() {
        assert_eq!(
            parse_decimal("0.0000000001").unwrap().to_string(),
            "0.0000000001"
        );
        assert_eq!(parse_decimal("-12.5").unwrap().to_string(), "-12.5");
        assert_eq!(
            parse_decimal("35.2E-7").unwrap(),
            Decimal::from_str_exact("0.00000352").unwrap()
        );
        assert!(parse_decimal("+1").is_err());
        assert!(parse_decimal("1,5").is_err());
        assert_eq!(
            format_decimal(Decimal::from_str_exact("2.500").unwrap()),
            "2.5"
        );
    }

    #[test]
    fn decimal_comma() {
        let p = |s| parse_decimal_comma(s).unwrap().to_string();
        assert_eq!(p("1 234,56"), "1234.56");
        assert_eq!(p("1\u{a0}234,56"), "1234.56");
        assert_eq!(p("1\u{202f}234,5"), "1234.5");
        assert_eq!(p("1500,50"), "1500.50");
        assert_eq!(p("150000.00"), "150000.00");
        assert_eq!(p("1_000"), "1000");
        assert_eq!(p("-0,5"), "-0.5");
        for huge in ["1e99999999", "1E-99999", "9e28", "1e4294967296"] {
            let _ = parse_decimal_comma(huge);
            let _ = parse_decimal(huge);
        }
        for bad in ["", "1.500,00", "1,000.5", "1,2,3", "abc", "+1", "1,", ",5"] {
            assert!(parse_decimal_comma(bad).is_err(), "{bad:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn decimal_comma_never_panics(s in ".{0,40}") {
            let _ = parse_decimal_comma(&s);
        }

        #[test]
        fn decimal_comma_reads_what_it_writes(m in proptest::num::i64::ANY, scale in 0u32..12) {
            let d = Decimal::new(m, scale);
            let text = d.to_string().replace('.', ",");
            proptest::prop_assert_eq!(parse_decimal_comma(&text).unwrap(), d);
        }

        /// Exact decimal sums do not depend on the order of the terms (they would with f64).
        #[test]
        fn decimal_sums_are_order_independent(
            v in proptest::collection::vec((-10_000_000_000_000i64..10_000_000_000_000i64, 0u32..=10), 0..200),
            seed in 0u64..1000,
        ) {
            let terms: Vec<Decimal> = v.iter().map(|(m, s)| Decimal::new(*m, *s)).collect();
            let forward: Decimal = terms.iter().copied().sum();
            let mut shuffled = terms.clone();
            // deterministic Fisher-Yates from the seed
            let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            for i in (1..shuffled.len()).rev() {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let j = (x >> 33) as usize % (i + 1);
                shuffled.swap(i, j);
            }
            let backward: Decimal = shuffled.iter().rev().copied().sum();
            proptest::prop_assert_eq!(forward, backward);
            let pairs = Money::new(forward, Currency::EUR);
            proptest::prop_assert_eq!(pairs.amount, shuffled.iter().copied().sum::<Decimal>());
        }
    }

    #[test]
    fn mixing_currencies_is_an_error() {
        let a = Money::new(Decimal::ONE, Currency::EUR);
        let b = Money::new(Decimal::ONE, Currency::USD);
        assert!(a.checked_add(b).is_err());
        assert_eq!(a.checked_add(a).unwrap().amount, Decimal::TWO);
    }
}
