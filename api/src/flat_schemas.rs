//! Bodies that flatten a value into their own fields (`#[serde(flatten)] total: Money`) are one
//! flat JSON object on the wire, but utoipa documents them as an `allOf` of the flattened part and
//! the rest. Here such an `allOf` is written back as the one object it is, so the document
//! describes the body as clients see it.

use utoipa::openapi::schema::{AllOf, Object, Schema};
use utoipa::openapi::{OpenApi, RefOr};

/// Rewrites every component schema that is an `allOf` of inline objects as one object.
/// An `allOf` naming another schema (a listing that extends `Theater`, say) stays as it is.
pub(crate) fn merge_flattened(api: &mut OpenApi) {
    let Some(components) = api.components.as_mut() else {
        return;
    };
    for schema in components.schemas.values_mut() {
        if let RefOr::T(Schema::AllOf(all)) = schema
            && let Some(object) = merged(all)
        {
            *schema = RefOr::T(Schema::Object(object));
        }
    }
}

/// The object an `allOf` of inline objects stands for; `None` if an item is anything else.
fn merged(all: &AllOf) -> Option<Object> {
    let mut parts = Vec::with_capacity(all.items.len());
    for item in &all.items {
        parts.push(inline_object(item)?);
    }
    // utoipa puts the struct's own fields last: start from them, so the object keeps their
    // settings, and add the flattened parts' fields.
    let (own, flattened) = parts.split_last()?;
    let mut object = (*own).clone();
    for part in flattened {
        object.properties.extend(part.properties.clone());
        object.required.extend(part.required.iter().cloned());
    }
    object.description.clone_from(&all.description);
    Some(object)
}

/// An inline object, also when utoipa wrapped it in a one-item `oneOf` (a documented field).
fn inline_object(item: &RefOr<Schema>) -> Option<&Object> {
    match item {
        RefOr::T(Schema::Object(object)) => Some(object),
        RefOr::T(Schema::OneOf(one)) if one.items.len() == 1 => match &one.items[0] {
            RefOr::T(Schema::Object(object)) => Some(object),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn a_booking_is_documented_as_one_flat_object() {
        let doc = serde_json::to_value(crate::openapi()).expect("the document serialises");
        let booking = &doc["components"]["schemas"]["Booking"];
        assert_eq!(booking["type"], json!("object"), "{booking}");
        assert!(booking.get("allOf").is_none(), "{booking}");
        for field in ["booking_id", "amount_minor", "currency", "created_at"] {
            assert!(
                booking["properties"].get(field).is_some(),
                "{field} in {booking}"
            );
            assert!(
                booking["required"]
                    .as_array()
                    .is_some_and(|r| r.contains(&json!(field))),
                "{field} required in {booking}"
            );
        }
    }
}
