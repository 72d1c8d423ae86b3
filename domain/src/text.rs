//! Free text a client sends: trimmed, and bounded so a display never overflows.

use crate::seats::FieldError;

/// Trims `value`; records a field error if it is empty or longer than `max` characters.
pub fn required(field: &str, value: &str, max: usize, errors: &mut Vec<FieldError>) -> String {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        errors.push(FieldError::new(field, format!("1-{max} characters")));
    }
    v.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_must_have_one_to_max_characters() {
        let mut errors = Vec::new();
        assert_eq!(required("name", "  Audi 1 ", 10, &mut errors), "Audi 1");
        assert!(errors.is_empty());
        required("name", "   ", 10, &mut errors);
        required("city", "ಬೆಂಗಳೂರು", 3, &mut errors);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "city"]);
        assert_eq!(errors[0].message, "1-10 characters");
    }
}
