//! Fast, exact cell parsers of the conversion hot loop: decimal text → `i128` at scale 18
//! (Parquet `Decimal128(38, 18)`), date/time text → microseconds since the epoch (UTC), and
//! booleans. Anything they cannot read exactly is an error, never a rounded value.

use chrono::{NaiveDate, TimeZone, Utc};

/// Scale of the Decimal128 money/quantity columns.
pub const SCALE: u32 = 18;
const LIMIT: i128 = 100_000_000_000_000_000_000_000_000_000_000_000_000; // 10^38

fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

/// Parse a decimal (`-12.5`, `0.000123`, `1E-05`, `3.2e+2`; surrounding spaces ignored) into
/// its value × 10^18. More than 18 decimal places (other than trailing zeros), more than 38
/// digits, or anything else is an error.
pub fn parse_decimal18(text: &[u8]) -> Result<i128, String> {
    let s = trim(text);
    let bad = || {
        format!(
            "{:?} is not a decimal number",
            String::from_utf8_lossy(text)
        )
    };
    let (neg, mut i) = match s.first() {
        Some(b'-') => (true, 1),
        _ => (false, 0),
    };
    let mut mant: i128 = 0;
    let mut digits = 0u32;
    let mut frac = 0i64;
    let mut seen_dot = false;
    let mut any = false;
    // Trailing fractional zeros do not count against the 18 places.
    let mut pending_zeros = 0u32;
    while i < s.len() {
        let c = s[i];
        match c {
            b'0'..=b'9' => {
                any = true;
                let d = i128::from(c - b'0');
                if seen_dot && d == 0 {
                    pending_zeros += 1;
                } else {
                    for _ in 0..pending_zeros {
                        mant = mant.checked_mul(10).ok_or_else(bad)?;
                        frac += 1;
                    }
                    pending_zeros = 0;
                    if mant != 0 || d != 0 {
                        digits += 1;
                    }
                    if digits > 38 {
                        return Err(format!(
                            "{} has more than 38 digits",
                            String::from_utf8_lossy(s)
                        ));
                    }
                    mant = mant
                        .checked_mul(10)
                        .and_then(|m| m.checked_add(d))
                        .ok_or_else(bad)?;
                    if seen_dot {
                        frac += 1;
                    }
                }
            }
            b'.' if !seen_dot => seen_dot = true,
            b'e' | b'E' => break,
            _ => return Err(bad()),
        }
        i += 1;
    }
    if !any {
        return Err(bad());
    }
    let mut exp: i64 = 0;
    if i < s.len() {
        // Exponent.
        i += 1;
        let (eneg, start) = match s.get(i) {
            Some(b'-') => (true, i + 1),
            Some(b'+') => (false, i + 1),
            _ => (false, i),
        };
        if start >= s.len() || s.len() - start > 4 {
            return Err(bad());
        }
        for &c in &s[start..] {
            if !c.is_ascii_digit() {
                return Err(bad());
            }
            exp = exp * 10 + i64::from(c - b'0');
        }
        if eneg {
            exp = -exp;
        }
    }
    // value = mant × 10^(exp - frac); we want value × 10^18.
    let shift = exp - frac + i64::from(SCALE);
    let scaled = if shift >= 0 {
        let f = u32::try_from(shift)
            .ok()
            .and_then(pow10)
            .ok_or_else(|| too_large(s))?;
        mant.checked_mul(f).ok_or_else(|| too_large(s))?
    } else {
        let f = u32::try_from(-shift).ok().and_then(pow10);
        match f {
            Some(f) if mant % f == 0 => mant / f,
            _ if mant == 0 => 0,
            _ => {
                return Err(format!(
                    "{} has more than 18 decimal places (Parquet Decimal128(38, 18) keeps 18; never rounded)",
                    String::from_utf8_lossy(s)
                ));
            }
        }
    };
    if scaled.abs() >= LIMIT {
        return Err(too_large(s));
    }
    Ok(if neg { -scaled } else { scaled })
}

fn too_large(s: &[u8]) -> String {
    format!(
        "{} is too large for Decimal128(38, 18)",
        String::from_utf8_lossy(s)
    )
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &s[start..end]
}

/// The text of a scale-18 value (plain notation, trailing zeros removed).
pub fn format_decimal18(v: i128) -> String {
    let digits = v.unsigned_abs().to_string();
    let scale = SCALE as usize;
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    let frac = frac.trim_end_matches('0');
    let sign = if v < 0 { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

fn two(s: &[u8], i: usize) -> Option<u32> {
    let a = s.get(i)?.checked_sub(b'0').filter(|d| *d < 10)?;
    let b = s.get(i + 1)?.checked_sub(b'0').filter(|d| *d < 10)?;
    Some(u32::from(a) * 10 + u32::from(b))
}

/// Parse a date/time into microseconds since the epoch (UTC): `2024-01-01T00:00:00Z`,
/// `2024-01-01T00:00Z` (FOCUS 1.0r2), fractional seconds, an offset, a space for `T`, a bare
/// date, or `MM/DD/YYYY` (older Cost Management CSVs). A value without a zone is UTC.
pub fn parse_timestamp_micros(text: &[u8]) -> Result<i64, String> {
    let s = trim(text);
    let bad = || format!("{:?} is not a date/time", String::from_utf8_lossy(text));
    // Fast path: YYYY-MM-DD[(T| )HH:MM[:SS[.f]]][Z]
    if s.len() >= 10 && s[4] == b'-' && s[7] == b'-' {
        let y = two(s, 0).zip(two(s, 2)).map(|(a, b)| a * 100 + b);
        let (Some(y), Some(mo), Some(d)) = (y, two(s, 5), two(s, 8)) else {
            return Err(bad());
        };
        let date = NaiveDate::from_ymd_opt(y as i32, mo, d).ok_or_else(bad)?;
        let mut micros = 0i64;
        let rest = &s[10..];
        let simple = match rest {
            [] | [b'Z'] => true,
            [b'T' | b' ', h1, h2, b':', m1, m2, tail @ ..] => {
                let h = two(&[*h1, *h2], 0).filter(|h| *h < 24).ok_or_else(bad)?;
                let m = two(&[*m1, *m2], 0).filter(|m| *m < 60).ok_or_else(bad)?;
                micros += (i64::from(h) * 3600 + i64::from(m) * 60) * 1_000_000;
                match tail {
                    [] | [b'Z'] => true,
                    [b':', s1, s2, more @ ..] => {
                        let sec = two(&[*s1, *s2], 0).filter(|x| *x < 60).ok_or_else(bad)?;
                        micros += i64::from(sec) * 1_000_000;
                        let more = more.strip_suffix(b"Z").unwrap_or(more);
                        match more {
                            [] => true,
                            [b'.', frac @ ..]
                                if !frac.is_empty() && frac.iter().all(u8::is_ascii_digit) =>
                            {
                                let mut us = 0i64;
                                for (k, c) in frac.iter().enumerate() {
                                    let d = i64::from(c - b'0');
                                    if k < 6 {
                                        us = us * 10 + d;
                                    } else if d != 0 {
                                        return Err(format!(
                                            "{} has sub-microsecond precision (Parquet timestamps keep microseconds)",
                                            String::from_utf8_lossy(s)
                                        ));
                                    }
                                }
                                for _ in frac.len()..6 {
                                    us *= 10;
                                }
                                micros += us;
                                true
                            }
                            _ => false,
                        }
                    }
                    _ => false,
                }
            }
            _ => false,
        };
        if simple {
            let day = Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).ok_or_else(bad)?);
            return day.timestamp_micros().checked_add(micros).ok_or_else(bad);
        }
    }
    let t = std::str::from_utf8(s).map_err(|_| bad())?;
    if let Ok(d) = NaiveDate::parse_from_str(t, "%m/%d/%Y") {
        return Ok(Utc
            .from_utc_datetime(&d.and_hms_opt(0, 0, 0).ok_or_else(bad)?)
            .timestamp_micros());
    }
    let dt = finops_core::focus::parse_time(t).map_err(|_| bad())?;
    if dt.timestamp_subsec_nanos() % 1000 != 0 {
        return Err(format!("{t} has sub-microsecond precision"));
    }
    Ok(dt.timestamp_micros())
}

/// Parse a boolean cell (`true`/`false`, any case, or `1`/`0`).
pub fn parse_bool(text: &[u8]) -> Result<bool, String> {
    let s = trim(text);
    if s.eq_ignore_ascii_case(b"true") || s == b"1" {
        Ok(true)
    } else if s.eq_ignore_ascii_case(b"false") || s == b"0" {
        Ok(false)
    } else {
        Err(format!(
            "{:?} is not true or false",
            String::from_utf8_lossy(text)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use finops_core::Decimal;
    use proptest::prelude::*;

    fn d(s: &str) -> i128 {
        parse_decimal18(s.as_bytes()).unwrap()
    }

    #[test]
    fn decimals_exact() {
        assert_eq!(d("1"), 1_000_000_000_000_000_000);
        assert_eq!(d("-12.5"), -12_500_000_000_000_000_000);
        assert_eq!(d("0.000000000000000001"), 1);
        assert_eq!(d("1.50000000000000000000000"), 1_500_000_000_000_000_000);
        assert_eq!(d("1E-05"), 10_000_000_000_000);
        assert_eq!(d("3.2e+2"), 320_000_000_000_000_000_000);
        assert_eq!(d(" 7 "), 7_000_000_000_000_000_000);
        assert_eq!(d(".5"), 500_000_000_000_000_000);
        assert_eq!(d("0e-30"), 0);
        assert!(
            parse_decimal18(b"0.0000000000000000001")
                .unwrap_err()
                .contains("18 decimal places")
        );
        assert!(parse_decimal18(b"1e30").unwrap_err().contains("too large"));
        for bad in [
            "", "-", "1.2.3", "1,5", "abc", "NaN", "1e", "0x10", "1e99999",
        ] {
            assert!(parse_decimal18(bad.as_bytes()).is_err(), "{bad}");
        }
        assert_eq!(format_decimal18(d("-0.0012300")), "-0.00123");
        assert_eq!(format_decimal18(d("12")), "12");
        assert_eq!(format_decimal18(0), "0");
        assert_eq!(
            format_decimal18(d("99999999999999999999.5")),
            "99999999999999999999.5"
        );
    }

    #[test]
    fn timestamps() {
        let base = parse_timestamp_micros(b"2024-01-01T00:00:00Z").unwrap();
        assert_eq!(base, 1_704_067_200_000_000);
        for s in [
            "2024-01-01T00:00Z",
            "2024-01-01",
            "2024-01-01 00:00:00",
            "2024-01-01T00:00:00.0000000Z",
            "01/01/2024",
            "2024-01-01T01:00:00+01:00",
        ] {
            assert_eq!(parse_timestamp_micros(s.as_bytes()).unwrap(), base, "{s}");
        }
        assert_eq!(
            parse_timestamp_micros(b"2024-01-01T00:00:00.5Z").unwrap(),
            base + 500_000
        );
        assert!(parse_timestamp_micros(b"2024-13-01").is_err());
        assert!(parse_timestamp_micros(b"2024-01-01T00:00:00.0000001Z").is_err());
        assert!(parse_timestamp_micros(b"soon").is_err());
    }

    #[test]
    fn booleans() {
        assert!(parse_bool(b"True").unwrap());
        assert!(!parse_bool(b"false").unwrap());
        assert!(parse_bool(b"yes").is_err());
    }

    proptest! {
        #[test]
        fn agrees_with_rust_decimal(m in -10_000_000_000_000i64..10_000_000_000_000i64, scale in 0u32..=18) {
            let dec = Decimal::new(m, scale);
            let text = dec.to_string();
            let v = parse_decimal18(text.as_bytes()).unwrap();
            prop_assert_eq!(format_decimal18(v), dec.normalize().to_string());
        }

        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = parse_decimal18(s.as_bytes());
            let _ = parse_timestamp_micros(s.as_bytes());
        }
    }
}
