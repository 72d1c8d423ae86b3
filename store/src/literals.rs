//! A check on the status names written into the store's SQL: where a statement compares or sets
//! a `status` column to a literal (`status = 'held'`, `status in ('PreBooking', …)`), that
//! literal must be a stored name of a domain status enum. The names stay literals in SQL on
//! purpose: the planner matches partial indexes (`bookings_unpaid_by_email`, `show_seats_free`)
//! only against constants, never against bound parameters.

use mtbp_domain::{
    BookingStatus, NotificationStatus, PaymentStatus, RedemptionStatus, SeatStatus, ShowStatus,
    SubscriptionStatus,
};

/// Whether `name` is a stored name of some status enum.
fn is_status(name: &str) -> bool {
    BookingStatus::parse(name).is_some()
        || SeatStatus::parse(name).is_some()
        || PaymentStatus::parse(name).is_some()
        || ShowStatus::parse(name).is_some()
        || SubscriptionStatus::parse(name).is_some()
        || RedemptionStatus::parse(name).is_some()
        || NotificationStatus::parse(name).is_some()
        || mtbp_domain::cancellation::statuses::is_status(name)
        || mtbp_domain::settlement::STATUSES.contains(&name)
}

/// The literals compared with or assigned to a `status` column in `sql`.
fn status_literals(sql: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in sql.match_indices("status") {
        let rest = sql[at + "status".len()..].trim_start();
        let rest = ["<>", "!=", "=", "not in", "in"]
            .iter()
            .find_map(|op| rest.strip_prefix(op))
            .map(str::trim_start);
        let Some(rest) = rest else { continue };
        let list = rest.strip_prefix('(').map(str::trim_start);
        let mut cursor = list.unwrap_or(rest);
        while let Some(quoted) = cursor.strip_prefix('\'') {
            let Some(end) = quoted.find('\'') else { break };
            found.push(quoted[..end].to_owned());
            cursor = quoted[end + 1..].trim_start();
            match (list.is_some(), cursor.strip_prefix(',')) {
                (true, Some(next)) => cursor = next.trim_start(),
                _ => break,
            }
        }
    }
    found
}

#[test]
fn the_literal_reader_finds_comparisons_lists_and_assignments() {
    let sql = "update t set status = 'held' where status in ('free', 'held')
               and status not in ('Invoiced') and status_reason = 'x' and $3 = 'succeeded'";
    assert_eq!(
        status_literals(sql),
        ["held", "free", "held", "Invoiced"].map(String::from)
    );
}

#[test]
fn every_status_literal_in_the_checked_queries_is_a_domain_status() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../.sqlx");
    let entries = std::fs::read_dir(dir).expect("the offline query data in .sqlx/");
    let mut checked = 0;
    for entry in entries.flatten() {
        let text = std::fs::read_to_string(entry.path()).expect("a query file");
        let data: serde_json::Value = serde_json::from_str(&text).expect("query json");
        let sql = data["query"].as_str().unwrap_or_default();
        for literal in status_literals(sql) {
            assert!(is_status(&literal), "{literal:?} is no status, in: {sql}");
            checked += 1;
        }
    }
    assert!(checked > 0, "no status literal found: is .sqlx/ empty?");
}
