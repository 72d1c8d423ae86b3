//! The average review rating of a movie or theater, from the running count and sum its row
//! keeps.

/// The average of `count` ratings summing to `sum`, rounded half up to two decimals; none
/// without ratings.
///
/// Integer arithmetic, so the result is the same as PostgreSQL's
/// `round(sum::numeric / count, 2)::float8` for every input (floating-point division would
/// round `201 / 200` down to `1.0`).
pub fn average(sum: i64, count: i32) -> Option<f64> {
    if count <= 0 || sum < 0 {
        return None;
    }
    let (sum, count) = (i128::from(sum), i128::from(count));
    let hundredths = (sum * 200 + count) / (2 * count);
    // Ratings are 1-5, so the hundredths fit an f64 exactly.
    #[allow(clippy::cast_precision_loss)]
    let hundredths = hundredths as f64;
    Some(hundredths / 100.0)
}

#[cfg(test)]
mod tests {
    use super::average;

    #[test]
    fn no_ratings_have_no_average() {
        assert_eq!(average(0, 0), None);
    }

    #[test]
    fn averages_round_half_up_to_two_decimals() {
        assert_eq!(average(9, 2), Some(4.5));
        assert_eq!(average(10, 3), Some(3.33));
        assert_eq!(average(11, 3), Some(3.67));
        assert_eq!(average(33, 8), Some(4.13));
        assert_eq!(average(201, 200), Some(1.01));
        assert_eq!(average(5, 1), Some(5.0));
    }
}
