//! What a limited code costs the sale: the same sale run twice on fresh shows, without codes and
//! then with a share of the customers entering one, both reconciled, and their completion rates
//! compared. The figures are printed and written, not asserted: the bound (within 10 %)
//! is judged on a quiet machine.

use super::{Params, Report, Target, run};
use serde::Serialize;

/// The share of holds that enter the code when the parameters give none.
pub const DEFAULT_CODE_SHARE: f64 = 0.25;

/// Two sales of one shape, without and with codes.
#[derive(Debug, Serialize)]
pub struct Comparison {
    /// The sale without codes.
    pub without_codes: Report,
    /// The same sale with a share of the customers entering a limited code.
    pub with_codes: Report,
    /// Completed bookings per second over the sale, with codes ÷ without.
    pub completed_per_second_ratio: f64,
    /// Completed bookings per second in the busiest five seconds, with codes ÷ without.
    pub peak_completed_per_second_ratio: f64,
    /// Both sales reconciled.
    pub reconciled: bool,
}

/// Runs the sale without codes, then with `params.code_share` (or [`DEFAULT_CODE_SHARE`]) of
/// the holds entering a code limited to `params.code_limit` redemptions. Neither run measures
/// the limits: those add load between the two sales and do not depend on codes (the plain
/// bench measures them).
pub async fn compare(params: Params, target: &Target) -> anyhow::Result<Comparison> {
    let share = if params.code_share > 0.0 {
        params.code_share
    } else {
        DEFAULT_CODE_SHARE
    };
    let without = Params {
        code_share: 0.0,
        limits: false,
        ..params.clone()
    };
    let with = Params {
        code_share: share,
        limits: false,
        ..params
    };
    let without_codes = run(without, target).await?;
    let with_codes = run(with, target).await?;
    let (a, b) = (&without_codes.sale, &with_codes.sale);
    Ok(Comparison {
        completed_per_second_ratio: ratio(b.completed_per_second, a.completed_per_second),
        peak_completed_per_second_ratio: ratio(
            b.peak_completed_per_second,
            a.peak_completed_per_second,
        ),
        reconciled: without_codes.reconciliation.ok && with_codes.reconciliation.ok,
        without_codes,
        with_codes,
    })
}

fn ratio(with: f64, without: f64) -> f64 {
    if without > 0.0 { with / without } else { 0.0 }
}
