//! Exact fixed-point numbers: text parsed straight into an `i128` scaled by 10^18, never
//! through `f64`. Values that do not fit (more than 18 decimal places, exponent notation,
//! more than 20 integer digits) take the exact [`Decimal`] path instead.

use crate::money::parse_decimal;
use rust_decimal::Decimal;

/// Decimal places of the fixed-point representation.
pub(crate) const SCALE: u32 = 18;

/// Powers of ten up to 10^38 (fits in `i128` up to 10^38).
const POW10: [i128; 39] = {
    let mut t = [1i128; 39];
    let mut i = 1;
    while i < 39 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// A parsed number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Num {
    /// Value × 10^18.
    Fixed(i128),
    /// A value outside the fixed-point range, kept exact.
    Dec(Decimal),
}

/// Parse a plain decimal (`-12.345`, `7`, `.5`) into value × 10^18. `None` when the text is
/// not in that simple form or does not fit (the caller then uses [`parse_num`]'s slow path).
#[inline]
pub(crate) fn parse_fixed(b: &[u8]) -> Option<i128> {
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() {
        return None;
    }
    // Integer part in u64 while it fits (19 digits), then widen.
    let mut int: u64 = 0;
    let mut i = 0;
    let n = digits.len();
    while i < n {
        let d = digits[i].wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        if i >= 19 {
            return None;
        }
        int = int * 10 + d as u64;
        i += 1;
    }
    let int_digits = i;
    let mut frac: u64 = 0;
    let mut frac_digits = 0usize;
    if i < n {
        if digits[i] != b'.' {
            return None;
        }
        i += 1;
        while i < n {
            let d = digits[i].wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            if frac_digits >= SCALE as usize {
                return None;
            }
            frac = frac * 10 + d as u64;
            frac_digits += 1;
            i += 1;
        }
        if int_digits == 0 && frac_digits == 0 {
            return None;
        }
    }
    let v =
        int as i128 * POW10[SCALE as usize] + frac as i128 * POW10[SCALE as usize - frac_digits];
    Some(if neg { -v } else { v })
}

/// Parse a number exactly: the fixed-point fast path, else [`parse_decimal`] (exponent
/// notation, more than 18 decimal places). Errors name the offending text.
#[inline]
pub(crate) fn parse_num(b: &[u8]) -> Result<Num, String> {
    if let Some(v) = parse_fixed(b) {
        return Ok(Num::Fixed(v));
    }
    let s = std::str::from_utf8(b).map_err(|_| "not UTF-8 text".to_string())?;
    let d = parse_decimal(s)?;
    Ok(from_decimal(d))
}

/// A decimal as fixed point when its scale allows it.
pub(crate) fn from_decimal(d: Decimal) -> Num {
    let scale = d.scale();
    if scale <= SCALE {
        let m = d.mantissa();
        if let Some(v) = m.checked_mul(POW10[(SCALE - scale) as usize]) {
            return Num::Fixed(v);
        }
    }
    Num::Dec(d)
}

/// A fixed-point value as an exact decimal (trailing zeros removed); `None` if it needs more
/// than the 28 significant digits a [`Decimal`] holds.
pub(crate) fn to_decimal(v: i128) -> Option<Decimal> {
    let mut m = v;
    let mut scale = SCALE;
    while scale > 0 && m % 10 == 0 {
        m /= 10;
        scale -= 1;
    }
    Decimal::try_from_i128_with_scale(m, scale).ok()
}

/// Exact addition of two decimals: `None` if the result overflowed or was rounded.
pub(crate) fn exact_add(a: Decimal, b: Decimal) -> Option<Decimal> {
    let r = a.checked_add(b)?;
    if r.scale() < a.scale().max(b.scale()) {
        // rust_decimal rescales when the exact sum needs more than 28 digits: check it lost
        // nothing.
        if r.checked_sub(b)? != a {
            return None;
        }
    }
    Some(r)
}

/// Running sum / min / max / non-null count of one numeric column in one group.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NumAcc {
    /// Fixed-point part of the sum.
    pub(crate) sum: i128,
    /// Minimum seen on the fixed-point path.
    pub(crate) min: i128,
    /// Maximum seen on the fixed-point path.
    pub(crate) max: i128,
    /// Non-null values seen.
    pub(crate) n: u64,
    /// Index into the side table of [`Decimal`] values (`u32::MAX` = none).
    pub(crate) spill: u32,
}

impl NumAcc {
    pub(crate) const fn new() -> Self {
        NumAcc {
            sum: 0,
            min: i128::MAX,
            max: i128::MIN,
            n: 0,
            spill: u32::MAX,
        }
    }
}

/// Values that left the fixed-point path: exact decimal sum, min and max.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Spill {
    pub(crate) sum: Decimal,
    pub(crate) min: Option<Decimal>,
    pub(crate) max: Option<Decimal>,
}

impl Spill {
    pub(crate) fn add(&mut self, d: Decimal) -> Result<(), String> {
        self.sum = exact_add(self.sum, d)
            .ok_or_else(|| format!("sum overflows the exact decimal range at {d}"))?;
        self.min = Some(self.min.map_or(d, |m| m.min(d)));
        self.max = Some(self.max.map_or(d, |m| m.max(d)));
        Ok(())
    }

    /// Add to the sum only (a fixed-point sum moved here on overflow: not a value).
    pub(crate) fn add_sum(&mut self, d: Decimal) -> Result<(), String> {
        self.sum = exact_add(self.sum, d)
            .ok_or_else(|| format!("sum overflows the exact decimal range at {d}"))?;
        Ok(())
    }

    pub(crate) fn merge(&mut self, o: &Spill) -> Result<(), String> {
        self.sum = exact_add(self.sum, o.sum)
            .ok_or_else(|| "sum overflows the exact decimal range".to_string())?;
        self.min = match (self.min, o.min) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.max = match (self.max, o.max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    #[test]
    fn fast_path() {
        assert_eq!(parse_fixed(b"1"), Some(POW10[18]));
        assert_eq!(parse_fixed(b"-0.5"), Some(-5 * POW10[17]));
        assert_eq!(parse_fixed(b".25"), Some(25 * POW10[16]));
        assert_eq!(parse_fixed(b"0.0000000001"), Some(POW10[8]));
        assert_eq!(parse_fixed(b"1.000000000000000001"), Some(POW10[18] + 1));
        assert_eq!(parse_fixed(b"1.0000000000000000001"), None);
        assert_eq!(parse_fixed(b"1e5"), None);
        assert_eq!(parse_fixed(b""), None);
        assert_eq!(parse_fixed(b"-"), None);
        assert_eq!(parse_fixed(b"."), None);
        assert_eq!(parse_fixed(b"1.2.3"), None);
        assert_eq!(parse_fixed(b"+1"), None);
        assert_eq!(parse_fixed(b"1 "), None);
    }

    #[test]
    fn slow_path_and_errors() {
        assert_eq!(parse_num(b"35.2E-7").unwrap(), Num::Fixed(352 * POW10[10]));
        assert_eq!(
            parse_num(b"0.0000000000000000000001").unwrap(),
            Num::Dec(dec("0.0000000000000000000001"))
        );
        assert!(parse_num(b"abc").is_err());
        assert!(parse_num(b"+1").is_err());
        assert!(parse_num(b"1,5").is_err());
    }

    #[test]
    fn to_decimal_trims() {
        assert_eq!(to_decimal(15 * POW10[17]).unwrap().to_string(), "1.5");
        assert_eq!(to_decimal(-2 * POW10[18]).unwrap().to_string(), "-2");
        assert_eq!(to_decimal(0).unwrap().to_string(), "0");
        assert!(to_decimal(i128::MAX).is_none());
    }

    proptest! {
        #[test]
        fn fixed_matches_decimal(int in -99_999_999_999i64..99_999_999_999i64, frac in 0u64..10_000_000_000u64, places in 0usize..=10) {
            let text = if places == 0 { int.to_string() } else {
                let f = format!("{:010}", frac);
                format!("{int}.{}", &f[..places])
            };
            let fixed = parse_fixed(text.as_bytes()).unwrap();
            prop_assert_eq!(to_decimal(fixed).unwrap(), dec(&text).normalize());
        }
    }
}
