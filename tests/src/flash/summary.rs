//! A run's figures in a few lines, for a terminal.

use super::{Comparison, Latency, LoopReport, Relation, Report};
use std::fmt::Write;

/// The report in a few lines, for a terminal.
pub fn summary(r: &Report) -> String {
    let s = &r.sale;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "sale: {} attempts, {} holds ({:.1}/s, peak {:.0}/s), {} conflicts ({:.1}%), {} errors, \
         {} times nothing free",
        s.attempts,
        s.holds,
        s.holds_per_second,
        s.peak_holds_per_second,
        s.conflicts,
        s.conflict_rate * 100.0,
        s.errors,
        s.nothing_free
    );
    let _ = writeln!(
        out,
        "      {} booked ({:.1}/s, peak {:.1}/s), {} abandoned, {} declined, {} pay refused, {} expired",
        s.bookings_completed,
        s.completed_per_second,
        s.peak_completed_per_second,
        s.abandoned,
        s.declined,
        s.pay_refused,
        s.expired
    );
    if let Some(offer) = &r.offer {
        let _ = writeln!(
            out,
            "      code {} (limit {}): {} holds entered it, {} quoted with it, {} repriced and \
             paid again",
            offer.code, offer.limit, s.code_holds, s.code_quoted, s.repriced
        );
    }
    let sold = s.sold_out_after_seconds.map_or_else(
        || "not sold out".to_owned(),
        |t| format!("sold out in {t:.1} s"),
    );
    let _ = writeln!(out, "      {sold} ({:.1} s measured)", s.duration_seconds);
    let lat = |name: &str, l: &Latency| {
        format!(
            "{name} p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms
        )
    };
    let _ = writeln!(out, "      {}", lat("hold", &s.hold_latency));
    let _ = writeln!(
        out,
        "      {}",
        lat("hold to completed", &s.hold_to_completed_latency)
    );
    let _ = writeln!(out, "      {}", lat("pay to completed", &s.pay_latency));
    let p = &r.processed;
    let _ = writeln!(
        out,
        "after payment: {} of {} invoiced and told ({:.1}/s, peak {:.1}/s; waited {:.1} s after \
         the sale); confirmations {}",
        p.processed,
        p.completed,
        p.processed_per_second,
        p.peak_processed_per_second,
        p.waited_seconds,
        p.confirmations
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        out,
        "      {}",
        lat("paid to processed", &p.paid_to_processed)
    );
    let _ = writeln!(
        out,
        "      {}",
        lat("paid to invoiced", &p.paid_to_invoiced)
    );
    let step =
        |name: &str, l: &Latency| format!("{name} p50 {:.0} / p95 {:.0} ms", l.p50_ms, l.p95_ms);
    let _ = writeln!(
        out,
        "      per booking: {}, {}, {}, {}",
        step("PDF", &p.render),
        step("S3", &p.upload),
        step("compose", &p.compose),
        step("SMTP", &p.send)
    );
    if let Some(d) = &r.database_limit {
        let _ = writeln!(
            out,
            "database limit: {:.0} holds/s, peak {:.0}/s ({} clients, pool {}, {})",
            d.holds_per_second,
            d.peak_holds_per_second,
            d.clients,
            d.pool,
            lat("hold tx", &d.hold_latency)
        );
    }
    if let Some(o) = &r.orchestration_limit {
        let _ = writeln!(
            out,
            "orchestration limit: {:.1} workflows/s, peak {:.1}/s ({} clients, {}); fully \
             processed {} ({:.1}/s, peak {:.1}/s)",
            o.workflows_per_second,
            o.peak_workflows_per_second,
            o.clients,
            lat("pay to completed", &o.latency),
            o.processed,
            o.processed_per_second,
            o.peak_processed_per_second
        );
    }
    if let Some(x) = &r.ratios {
        let _ = writeln!(
            out,
            "ratios: holds {:.2} of the database limit, completed {:.2} of the orchestration \
             limit, fully processed {:.2} of it",
            x.holds_vs_database, x.completed_vs_orchestration, x.processed_vs_orchestration
        );
    }
    let _ = writeln!(
        out,
        "reconciliation: {} (oversold seats {}, lost bookings {})",
        if r.reconciliation.ok { "OK" } else { "FAILED" },
        r.reconciliation.oversold_seats,
        r.reconciliation.lost_bookings
    );
    for c in r.reconciliation.checks.iter().filter(|c| !c.ok) {
        let relation = match c.relation {
            Relation::Equal => "",
            Relation::AtMost => "at most ",
        };
        let _ = writeln!(
            out,
            "  failed: {}: expected {relation}{}, found {}",
            c.name, c.expected, c.actual
        );
    }
    out
}

/// Both sales of a comparison, then their completion rates side by side.
pub fn comparison_summary(c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "without codes:");
    out.push_str(&summary(&c.without_codes));
    let _ = writeln!(
        out,
        "with codes ({:.0} % of holds):",
        c.with_codes.params.code_share * 100.0
    );
    out.push_str(&summary(&c.with_codes));
    let (a, b) = (&c.without_codes.sale, &c.with_codes.sale);
    let _ = writeln!(
        out,
        "completions: {:.1}/s without codes, {:.1}/s with: {:.3} of the run without; busiest \
         5 s {:.1}/s and {:.1}/s: {:.3}",
        a.completed_per_second,
        b.completed_per_second,
        c.completed_per_second_ratio,
        a.peak_completed_per_second,
        b.peak_completed_per_second,
        c.peak_completed_per_second_ratio
    );
    out
}

/// The closed loop in a few lines per N, for a terminal: rates, latencies and round trips per
/// booking (before the customer's answer → after it).
pub fn loop_summary(r: &LoopReport) -> String {
    let mut out = String::new();
    for s in &r.steps {
        let t = &s.trips;
        let _ = writeln!(
            out,
            "closed loop N={}: {} booked in {:.1} s ({:.1}/s), {} failed; booking p50 {:.0} ms \
             p95 {:.0} ms, pay p50 {:.0} ms, hold p50 {:.0} ms",
            s.customers,
            s.completed,
            s.duration_seconds,
            s.completed_per_second,
            s.failed,
            s.booking_latency.p50_ms,
            s.booking_latency.p95_ms,
            s.pay_latency.p50_ms,
            s.hold_latency.p50_ms
        );
        let _ = writeln!(
            out,
            "  round trips a booking (before the answer / after; {} histories): workflow tasks \
             {:.2} / {:.2}, activity tasks {:.2} / {:.2}, API calls {:.2} / {:.2} off the path \
             (start {}, update-with-start {}, update {}, poll {}, relay {}); upserts {:.2} / {:.2}, \
             {:.0} events, {:.0} % started before pay; on the path: {:.2}",
            t.sampled,
            t.workflow_tasks_before,
            t.workflow_tasks_after,
            t.activity_tasks_before,
            t.activity_tasks_after,
            t.api_calls_on_path,
            t.api_calls_off_path,
            t.api_calls.start,
            t.api_calls.update_with_start,
            t.api_calls.update,
            t.api_calls.poll_update,
            t.api_calls.relay_start,
            t.upserts_before,
            t.upserts_after,
            t.events,
            t.started_before_pay * 100.0,
            t.on_path()
        );
    }
    if let Some(ratio) = r.ratio() {
        let _ = writeln!(out, "completed/s, last N over first N: {ratio:.2}");
    }
    out
}
