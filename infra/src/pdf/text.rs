//! Amounts and dates as an Indian invoice prints them.

use chrono::NaiveDate;

/// `123456789` paise as `12,34,567.89`: Indian digit grouping (thousands, then lakhs and
/// crores by twos) for INR, Western grouping by threes otherwise.
pub fn amount(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let (whole, fraction) = (abs / 100, abs % 100);
    let digits = whole.to_string();
    let grouped = if currency == "INR" {
        indian_grouping(&digits)
    } else {
        group_by(&digits, 3)
    };
    format!("{sign}{grouped}.{fraction:02}")
}

/// An amount with its currency: `₹1,200.00`, or `USD 12.00`.
pub fn money(minor: i64, currency: &str) -> String {
    match currency {
        "INR" => format!("₹{}", amount(minor, currency)),
        other => format!("{other} {}", amount(minor, currency)),
    }
}

fn group_by(digits: &str, size: usize) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(size) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn indian_grouping(digits: &str) -> String {
    if digits.len() <= 3 {
        return digits.to_owned();
    }
    let (head, last3) = digits.split_at(digits.len() - 3);
    format!("{},{last3}", group_by(head, 2))
}

/// A basis-point rate as a percentage: `900` → `9%`, `250` → `2.5%`.
pub fn rate(bp: u32) -> String {
    let whole = bp / 100;
    match bp % 100 {
        0 => format!("{whole}%"),
        r if r % 10 == 0 => format!("{whole}.{}%", r / 10),
        r => format!("{whole}.{r:02}%"),
    }
}

/// `03 Dec 2026`.
pub fn date(d: NaiveDate) -> String {
    d.format("%d %b %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rupees_group_by_lakhs_and_crores() {
        assert_eq!(amount(0, "INR"), "0.00");
        assert_eq!(amount(99_900, "INR"), "999.00");
        assert_eq!(amount(123_456_789, "INR"), "12,34,567.89");
        assert_eq!(amount(100_000_000_000, "INR"), "1,00,00,00,000.00");
        assert_eq!(amount(-5, "INR"), "-0.05");
        assert_eq!(money(123_456_789, "USD"), "USD 1,234,567.89");
        assert_eq!(money(120_000, "INR"), "₹1,200.00");
    }

    #[test]
    fn rates_print_as_percentages() {
        assert_eq!(rate(900), "9%");
        assert_eq!(rate(250), "2.5%");
        assert_eq!(rate(1), "0.01%");
    }
}
