//! The two rounding rules of pricing, in one place.
//!
//! * A rate applied to an amount (a percent discount, a tax, a percent fee) is computed exactly
//!   in integers and rounded **half up** to the minor unit: 6 % of 1,005 paise is 60.3 → 60,
//!   of 1,025 is 61.5 → 62.
//! * An amount shared out over several lines (a flat discount over the seats it covers, a capped
//!   percent discount) goes by the **largest remainder**: each line gets its exact share rounded
//!   down, and the units left over go one each to the lines with the largest fractions (the
//!   earlier line on a tie), so the shares always add up to the amount.

/// Basis points in a whole: 10,000 bp = 100 %.
pub const WHOLE_BP: u32 = 10_000;

/// `amount × bp / 10,000`, rounded half up. `amount` is never negative here.
pub fn rate_of(amount: i64, bp: u32) -> i64 {
    let exact = i128::from(amount) * i128::from(bp);
    let rounded = (exact + i128::from(WHOLE_BP / 2)) / i128::from(WHOLE_BP);
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

/// Shares `total` out in proportion to `weights` by the largest remainder. When the weights add
/// up to zero every share is zero; callers never ask for more than the weights' sum.
pub fn spread(total: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
    if sum <= 0 || total <= 0 {
        return vec![0; weights.len()];
    }
    let total = i128::from(total);
    let mut shares: Vec<i128> = Vec::with_capacity(weights.len());
    let mut fractions: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let exact = total * i128::from(*w);
        shares.push(exact / sum);
        fractions.push((exact % sum, i));
    }
    let left = total - shares.iter().sum::<i128>();
    // Largest fraction first; on equal fractions the earlier line.
    fractions.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in fractions
        .into_iter()
        .take(usize::try_from(left).unwrap_or(0))
    {
        shares[i] += 1;
    }
    shares
        .into_iter()
        .map(|s| i64::try_from(s).unwrap_or(i64::MAX))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_round_half_up() {
        assert_eq!(rate_of(1_005, 600), 60); // 60.3
        assert_eq!(rate_of(1_025, 600), 62); // 61.5
        assert_eq!(rate_of(1_024, 600), 61); // 61.44
        assert_eq!(rate_of(0, 1_800), 0);
        assert_eq!(rate_of(12_345, WHOLE_BP), 12_345);
    }

    #[test]
    fn spreads_add_up_and_follow_the_weights() {
        assert_eq!(spread(100, &[1, 1, 1]), vec![34, 33, 33]);
        assert_eq!(spread(10, &[300, 100]), vec![8, 2]); // 7.5 and 2.5: the earlier one wins
        assert_eq!(spread(0, &[5, 5]), vec![0, 0]);
        assert_eq!(spread(7, &[0, 0]), vec![0, 0]);
        assert_eq!(spread(7, &[0, 3]), vec![0, 7]);
        let shares = spread(99_999, &[12_000, 25_000, 33_333, 1]);
        assert_eq!(shares.iter().sum::<i64>(), 99_999);
    }
}
