//! The rules an account's details follow: names, emails, passwords, phone numbers, profile
//! lists, partner billing values and email verification codes.
//!
//! Each check records what is wrong under the field's name (the caller says which field, e.g.
//! `owner.email`) and returns the cleaned value, so one request reports every problem at once.

use crate::booking::Contact;
use crate::seats::FieldError;

/// Longest display name of an account.
pub const ACCOUNT_NAME_MAX: usize = 100;
/// Longest business name of a partner.
pub const PARTNER_NAME_MAX: usize = 120;
/// Password length, in characters: long enough to resist guessing, short enough to hash cheaply.
pub const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 10..=200;
/// Most preferred languages a customer may list.
pub const MAX_LANGUAGES: usize = 10;
/// Most favourite genres a customer may list.
pub const MAX_GENRES: usize = 20;
/// Longest tax id a partner may store.
pub const TAX_ID_MAX: usize = 40;
/// Longest payout account reference a partner may store.
pub const PAYOUT_ACCOUNT_MAX: usize = 80;

/// A trimmed text of 1 to `max` characters (the one rule, in [`crate::text`]).
pub use crate::text::required as required_text;

/// An email address, trimmed and lower-cased (the same rule as a booking's contact email).
pub fn email(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> String {
    match Contact::parse("x", raw, None) {
        Ok(c) => c.email,
        Err(e) => {
            errors.extend(
                e.into_iter()
                    .filter(|f| f.field == "contact.email")
                    .map(|f| FieldError::new(field, f.message)),
            );
            String::new()
        }
    }
}

/// A new account's email: an address of at most `max_length` bytes (the platform's bound on
/// every stored email, so no sign-in key is longer).
pub fn new_email(
    field: &str,
    raw: &str,
    max_length: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    let email = email(field, raw, errors);
    if email.len() > max_length {
        errors.push(FieldError::new(
            field,
            format!("at most {max_length} characters"),
        ));
    }
    email
}

/// Checks a new password's length.
pub fn password(field: &str, password: &str, errors: &mut Vec<FieldError>) {
    if !PASSWORD_CHARS.contains(&password.chars().count()) {
        errors.push(FieldError::new(
            field,
            format!(
                "{}-{} characters",
                PASSWORD_CHARS.start(),
                PASSWORD_CHARS.end()
            ),
        ));
    }
}

/// A phone number for SMS: 7-15 digits, optionally with `+`, `-` and spaces; blank is none.
pub fn phone(field: &str, raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let p = raw.map(str::trim).filter(|p| !p.is_empty())?;
    let digits = p.chars().filter(char::is_ascii_digit).count();
    let allowed = p
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-'));
    if !allowed || !(7..=15).contains(&digits) {
        errors.push(FieldError::new(
            field,
            "7-15 digits, optionally with + - and spaces",
        ));
    }
    Some(p.to_owned())
}

/// A city name of at most 80 characters; blank is none.
pub fn city(field: &str, raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let c = raw.map(str::trim).filter(|c| !c.is_empty())?;
    if c.chars().count() > 80 {
        errors.push(FieldError::new(field, "at most 80 characters"));
    }
    Some(c.to_owned())
}

/// A profile list (languages, genres): at most `max` entries of 1-40 characters each, trimmed,
/// duplicates (ignoring ASCII case) dropped, the first spelling kept.
pub fn tag_list(
    field: &str,
    raw: &[String],
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Vec<String> {
    if raw.len() > max {
        errors.push(FieldError::new(field, format!("at most {max} entries")));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, v) in raw.iter().enumerate() {
        let v = v.trim();
        if v.is_empty() || v.chars().count() > 40 {
            errors.push(FieldError::new(format!("{field}[{i}]"), "1-40 characters"));
        } else if !out.iter().any(|o| o.eq_ignore_ascii_case(v)) {
            out.push(v.to_owned());
        }
    }
    out
}

/// A sensitive billing value (tax id, payout account): trimmed, 4 to `max` characters.
pub fn sensitive(field: &str, raw: &str, max: usize, errors: &mut Vec<FieldError>) -> String {
    let v = raw.trim().to_owned();
    if !(4..=max).contains(&v.chars().count()) {
        errors.push(FieldError::new(field, format!("4-{max} characters")));
    }
    v
}

/// What may be shown of a sensitive value: its last four characters.
pub fn hint(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// A stored hint as shown, e.g. `••••6789`.
pub fn masked(hint: Option<String>) -> Option<String> {
    hint.map(|h| format!("••••{h}"))
}

/// Whether `code` has the shape of an email verification code: six ASCII digits.
pub fn is_verification_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        let mut errors = Vec::new();
        assert_eq!(required_text("name", "  Asha ", 100, &mut errors), "Asha");
        assert!(errors.is_empty());
        required_text("name", "   ", 100, &mut errors);
        required_text("owner.name", &"x".repeat(121), 120, &mut errors);
        assert_eq!(fields(&errors), ["name", "owner.name"]);
        assert_eq!(errors[1].message, "1-120 characters");
    }

    #[test]
    fn emails_are_normalised_and_bounded() {
        let mut errors = Vec::new();
        assert_eq!(
            new_email("email", " Asha@Example.COM ", 254, &mut errors),
            "asha@example.com"
        );
        assert!(errors.is_empty());
        new_email("email", "not-an-email", 254, &mut errors);
        new_email("owner.email", "a@example.com", 5, &mut errors);
        assert_eq!(fields(&errors), ["email", "owner.email"]);
        assert_eq!(errors[0].message, "not an email address");
        assert_eq!(errors[1].message, "at most 5 characters");
    }

    #[test]
    fn passwords_need_ten_to_two_hundred_characters() {
        let mut errors = Vec::new();
        password("password", "0123456789", &mut errors);
        password("password", &"é".repeat(200), &mut errors);
        assert!(errors.is_empty());
        password("password", "short", &mut errors);
        password("password", &"x".repeat(201), &mut errors);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].message, "10-200 characters");
    }

    #[test]
    fn phones_allow_digits_plus_dash_and_spaces() {
        let mut errors = Vec::new();
        assert_eq!(
            phone("phone", Some(" +91 98765-43210 "), &mut errors),
            Some("+91 98765-43210".into())
        );
        assert_eq!(phone("phone", Some("  "), &mut errors), None);
        assert_eq!(phone("phone", None, &mut errors), None);
        assert!(errors.is_empty());
        phone("phone", Some("12345"), &mut errors);
        phone("phone", Some("(555) 1234567"), &mut errors);
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn cities_are_optional_and_bounded() {
        let mut errors = Vec::new();
        assert_eq!(
            city("preferred_city", Some(" Pune "), &mut errors),
            Some("Pune".into())
        );
        assert_eq!(city("preferred_city", Some(""), &mut errors), None);
        assert!(errors.is_empty());
        city("preferred_city", Some(&"x".repeat(81)), &mut errors);
        assert_eq!(fields(&errors), ["preferred_city"]);
    }

    #[test]
    fn tag_lists_drop_duplicates_and_report_bad_entries() {
        let mut errors = Vec::new();
        let raw: Vec<String> = ["Hindi", " hindi ", "English"].map(String::from).to_vec();
        assert_eq!(
            tag_list("languages", &raw, 10, &mut errors),
            ["Hindi", "English"]
        );
        assert!(errors.is_empty());
        let raw: Vec<String> = vec!["ok".into(), " ".into(), "x".repeat(41)];
        tag_list("genres", &raw, 2, &mut errors);
        assert_eq!(fields(&errors), ["genres", "genres[1]", "genres[2]"]);
    }

    #[test]
    fn sensitive_values_show_only_their_last_four_characters() {
        let mut errors = Vec::new();
        assert_eq!(
            sensitive("billing.tax_id", " 27AAPFU0939F1Z5 ", 40, &mut errors),
            "27AAPFU0939F1Z5"
        );
        sensitive("billing.tax_id", "abc", 40, &mut errors);
        assert_eq!(errors[0].message, "4-40 characters");
        assert_eq!(hint("27AAPFU0939F1Z5"), "F1Z5");
        assert_eq!(hint("ab"), "ab");
        assert_eq!(masked(Some("6789".into())), Some("••••6789".into()));
        assert_eq!(masked(None), None);
    }

    #[test]
    fn verification_codes_are_six_digits() {
        assert!(is_verification_code("012345"));
        assert!(!is_verification_code("12345"));
        assert!(!is_verification_code("12345a"));
        assert!(!is_verification_code("١٢٣٤٥٦"));
    }
}
