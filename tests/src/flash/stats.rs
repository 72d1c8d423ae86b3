//! Latency percentiles and the per-second timeline of a run.

use serde::Serialize;
use std::time::Duration;

/// Percentiles of a latency sample, in milliseconds.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Latency {
    /// Samples.
    pub count: usize,
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest.
    pub max_ms: f64,
}

impl Latency {
    /// Percentiles of `samples` (milliseconds), nearest-rank.
    pub fn of(mut samples: Vec<f64>) -> Self {
        if samples.is_empty() {
            return Self::default();
        }
        samples.sort_by(f64::total_cmp);
        let at = |p: f64| {
            let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
            samples[rank.saturating_sub(1).min(samples.len() - 1)]
        };
        Self {
            count: samples.len(),
            p50_ms: at(50.0),
            p95_ms: at(95.0),
            p99_ms: at(99.0),
            max_ms: samples[samples.len() - 1],
        }
    }
}

/// One second of the run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TimelineBucket {
    /// Start of the second, from the first request.
    pub second: usize,
    /// Holds granted.
    pub holds: usize,
    /// Bookings completed.
    pub completed: usize,
    /// Holds refused (409).
    pub conflicts: usize,
    /// Median hold latency of the holds granted in this second.
    pub hold_p50_ms: f64,
    /// 95th percentile of the same.
    pub hold_p95_ms: f64,
    /// 95th percentile of hold → completed for bookings completed in this second.
    pub completed_p95_ms: f64,
    /// Seats booked at the end of the second (last reading).
    pub seats_booked: i64,
}

/// What happened when, in seconds from the start.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    holds: Vec<(f64, f64)>,
    completions: Vec<(f64, f64)>,
    pays: Vec<f64>,
    conflicts: Vec<f64>,
    booked: Vec<(f64, i64)>,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

impl Timeline {
    /// A hold granted at `at` after `latency`.
    pub fn held(&mut self, at: f64, latency: Duration) {
        self.holds.push((at, ms(latency)));
    }

    /// A booking completed at `at`, `latency` after its hold and `pay` after its payment.
    pub fn completed(&mut self, at: f64, latency: Duration, pay: Duration) {
        self.completions.push((at, ms(latency)));
        self.pays.push(ms(pay));
    }

    /// Percentiles of every `pay` → 200.
    pub fn pay_latency(&self) -> Latency {
        Latency::of(self.pays.clone())
    }

    /// A hold refused at `at`.
    pub fn conflict(&mut self, at: f64) {
        self.conflicts.push(at);
    }

    /// `seats` were booked at `at`.
    pub fn booked(&mut self, at: f64, seats: i64) {
        self.booked.push((at, seats));
    }

    /// Holds granted.
    pub fn holds(&self) -> usize {
        self.holds.len()
    }

    /// Holds refused.
    pub fn conflicts(&self) -> usize {
        self.conflicts.len()
    }

    /// Percentiles of every hold.
    pub fn hold_latency(&self) -> Latency {
        Latency::of(self.holds.iter().map(|h| h.1).collect())
    }

    /// Percentiles of every hold → completed.
    pub fn completion_latency(&self) -> Latency {
        Latency::of(self.completions.iter().map(|c| c.1).collect())
    }

    /// Most holds granted in any one second.
    pub fn peak_holds_per_second(&self) -> f64 {
        peak_rate(&self.holds.iter().map(|h| h.0).collect::<Vec<_>>(), 1.0)
    }

    /// Most bookings completed in any five seconds, per second.
    pub fn peak_completed_per_second(&self) -> f64 {
        peak_rate(
            &self.completions.iter().map(|c| c.0).collect::<Vec<_>>(),
            5.0,
        )
    }

    /// The run cut into seconds.
    pub fn buckets(&self) -> Vec<TimelineBucket> {
        let end = self
            .holds
            .iter()
            .chain(&self.completions)
            .map(|e| e.0)
            .chain(self.conflicts.iter().copied())
            .chain(self.booked.iter().map(|b| b.0))
            .fold(0.0, f64::max);
        let n = end.floor() as usize + 1;
        let mut buckets: Vec<TimelineBucket> = (0..n)
            .map(|second| TimelineBucket {
                second,
                ..TimelineBucket::default()
            })
            .collect();
        let slot = |t: f64| (t.max(0.0).floor() as usize).min(n - 1);
        let mut hold_samples: Vec<Vec<f64>> = vec![Vec::new(); n];
        let mut done_samples: Vec<Vec<f64>> = vec![Vec::new(); n];
        for &(t, l) in &self.holds {
            hold_samples[slot(t)].push(l);
        }
        for &(t, l) in &self.completions {
            done_samples[slot(t)].push(l);
        }
        for &t in &self.conflicts {
            buckets[slot(t)].conflicts += 1;
        }
        let mut last = 0;
        let mut readings = self.booked.clone();
        readings.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut readings = readings.into_iter().peekable();
        for (i, b) in buckets.iter_mut().enumerate() {
            while let Some(&(t, seats)) = readings.peek() {
                if slot(t) > i {
                    break;
                }
                last = seats;
                readings.next();
            }
            b.seats_booked = last;
            let holds = Latency::of(std::mem::take(&mut hold_samples[i]));
            let done = Latency::of(std::mem::take(&mut done_samples[i]));
            b.holds = holds.count;
            b.hold_p50_ms = holds.p50_ms;
            b.hold_p95_ms = holds.p95_ms;
            b.completed = done.count;
            b.completed_p95_ms = done.p95_ms;
        }
        buckets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let l = Latency::of((1..=100).map(f64::from).collect());
        assert_eq!(
            (l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms),
            (50.0, 95.0, 99.0, 100.0)
        );
        assert_eq!(Latency::of(vec![]).count, 0);
    }

    #[test]
    fn events_fall_into_their_second() {
        let mut t = Timeline::default();
        t.held(0.2, Duration::from_millis(10));
        t.held(1.5, Duration::from_millis(30));
        t.completed(1.9, Duration::from_millis(100), Duration::from_millis(60));
        t.conflict(2.1);
        t.booked(1.0, 2);
        let b = t.buckets();
        assert_eq!(b.len(), 3);
        assert_eq!(
            (b[0].holds, b[1].holds, b[1].completed, b[2].conflicts),
            (1, 1, 1, 1)
        );
        assert_eq!(
            (b[0].seats_booked, b[1].seats_booked, b[2].seats_booked),
            (0, 2, 2)
        );
    }
}

/// The most events that fall in any `window` seconds, per second: the sustained peak rate.
pub fn peak_rate(times: &[f64], window: f64) -> f64 {
    let mut t = times.to_vec();
    t.sort_by(f64::total_cmp);
    let (mut best, mut lo) = (0usize, 0usize);
    for hi in 0..t.len() {
        while t[hi] - t[lo] > window {
            lo += 1;
        }
        best = best.max(hi - lo + 1);
    }
    // A run shorter than the window is rated over its own length.
    let span = match (t.first(), t.last()) {
        (Some(a), Some(b)) => (b - a).clamp(window.min(1.0), window),
        _ => window,
    };
    best as f64 / span
}

#[cfg(test)]
mod peak_tests {
    use super::peak_rate;

    #[test]
    fn the_busiest_window_sets_the_peak() {
        let times: Vec<f64> = (0..10)
            .map(|i| f64::from(i) * 0.1)
            .chain([5.0, 9.0])
            .collect();
        assert!((peak_rate(&times, 1.0) - 10.0).abs() < 1e-9);
        assert_eq!(peak_rate(&[], 1.0), 0.0);
    }
}
