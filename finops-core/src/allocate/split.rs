//! Exact splitting of an amount by weights: largest-remainder rounding at a fixed scale.

use rust_decimal::Decimal;

/// Minor-unit digits of an ISO 4217 currency (2 when not listed).
pub fn minor_unit(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        "CLF" | "UYW" => 4,
        _ => 2,
    }
}

/// Split `amount` into pieces proportional to `weights` (all ≥ 0, at least one > 0), each a
/// multiple of 10^-`scale` where `scale` is at least the amount's own scale: every piece is
/// first rounded toward zero, then the units left over go one each to the pieces with the
/// largest fractional remainders (ties: the earlier piece). The pieces sum to `amount`
/// exactly, and the result depends only on the inputs (deterministic). `None` when the
/// weights are unusable or the amount does not fit at that scale.
pub fn split_amount(amount: Decimal, weights: &[Decimal], scale: u32) -> Option<Vec<Decimal>> {
    if weights.is_empty() || weights.iter().any(|w| w.is_sign_negative() && !w.is_zero()) {
        return None;
    }
    let total: Decimal = weights
        .iter()
        .try_fold(Decimal::ZERO, |a, w| a.checked_add(*w))?;
    if total <= Decimal::ZERO {
        return None;
    }
    let scale = scale.max(amount.scale()).min(28);
    let neg = amount.is_sign_negative();
    let mut abs = amount.abs();
    abs.rescale(scale);
    if abs.scale() != scale {
        return None;
    }
    // The amount in units of 10^-scale.
    let units = abs.mantissa();
    let units_dec = Decimal::from_i128_with_scale(units, 0);
    let mut pieces: Vec<i128> = Vec::with_capacity(weights.len());
    let mut fracs: Vec<(Decimal, usize)> = Vec::with_capacity(weights.len());
    let mut given: i128 = 0;
    for (i, w) in weights.iter().enumerate() {
        let f = w.checked_div(total)?;
        let share = units_dec.checked_mul(f)?;
        let floor = share.trunc();
        let q = floor.mantissa() / 10i128.checked_pow(floor.scale())?;
        pieces.push(q);
        given = given.checked_add(q)?;
        fracs.push((share - floor, i));
    }
    let mut left = units.checked_sub(given)?;
    // Largest remainders first; ties by position.
    fracs.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let n = pieces.len() as i128;
    if left > 0 {
        // Normally `left < n`; a weight rounding of 10^-28 could in theory leave n.
        let each = left / n;
        for p in pieces.iter_mut() {
            *p += each;
        }
        left -= each * n;
        for &(_, i) in fracs.iter().take(left as usize) {
            pieces[i] += 1;
        }
    } else if left < 0 {
        for &(_, i) in fracs.iter().rev().cycle().take((-left) as usize) {
            pieces[i] -= 1;
        }
    }
    pieces
        .into_iter()
        .map(|p| {
            let v = if neg { -p } else { p };
            Decimal::try_from_i128_with_scale(v, scale)
                .ok()
                .map(|d| d.normalize())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    #[test]
    fn largest_remainder_by_hand() {
        // 100.00 in thirds: 33.33 each, one cent left to the first (equal remainders).
        let w = [Decimal::ONE; 3];
        assert_eq!(
            split_amount(dec("100"), &w, 2).unwrap(),
            vec![dec("33.34"), dec("33.33"), dec("33.33")]
        );
        // 10 at 60/40 exact.
        assert_eq!(
            split_amount(dec("10"), &[dec("60"), dec("40")], 2).unwrap(),
            vec![dec("6"), dec("4")]
        );
        // 0.05 by 1:1:1 → 0.02, 0.02, 0.01 (0.0166.. ×3: remainders equal, first two get one).
        assert_eq!(
            split_amount(dec("0.05"), &w, 2).unwrap(),
            vec![dec("0.02"), dec("0.02"), dec("0.01")]
        );
        // Negative amounts mirror positive ones.
        assert_eq!(
            split_amount(dec("-100"), &w, 2).unwrap(),
            vec![dec("-33.34"), dec("-33.33"), dec("-33.33")]
        );
        // The amount's own scale is kept when finer than the minor unit.
        assert_eq!(
            split_amount(dec("0.0000000001"), &[dec("1"), dec("3")], 2).unwrap(),
            vec![dec("0"), dec("0.0000000001")]
        );
        // JPY: whole yen.
        assert_eq!(minor_unit("JPY"), 0);
        assert_eq!(
            split_amount(dec("100"), &[dec("1"), dec("2")], 0).unwrap(),
            vec![dec("33"), dec("67")]
        );
        assert!(split_amount(dec("1"), &[Decimal::ZERO], 2).is_none());
        assert!(split_amount(dec("1"), &[dec("-1"), dec("2")], 2).is_none());
    }

    proptest! {
        #[test]
        fn pieces_sum_exactly(units in -10_000_000_000_000i64..10_000_000_000_000, scale in 0u32..10,
                              weights in proptest::collection::vec(0u32..1_000_000, 1..12), at in 0u32..4) {
            prop_assume!(weights.iter().any(|w| *w > 0));
            let amount = Decimal::new(units, scale);
            let w: Vec<Decimal> = weights.iter().map(|x| Decimal::new(i64::from(*x), 2)).collect();
            let p = split_amount(amount, &w, at).unwrap();
            prop_assert_eq!(p.len(), w.len());
            prop_assert_eq!(p.iter().copied().sum::<Decimal>(), amount);
            for (piece, wi) in p.iter().zip(&w) {
                if wi.is_zero() { prop_assert!(piece.is_zero()); }
                prop_assert!(piece.scale() <= at.max(scale));
            }
        }
    }
}
