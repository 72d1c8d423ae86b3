//! Taxes as configurable rules: a class per kind of line, slabs by the taxable value of one
//! unit, and named components per slab.
//!
//! Prices are **before tax**: a seat's list price, an add-on's price and the convenience fee are
//! taxable values, and the tax lines come on top (as on a GST invoice). The slab is chosen by the
//! taxable value of one unit *after* discounts, which is what the tax is charged on; each
//! component is computed on the line's taxable value and rounded half up on its own, so CGST
//! and SGST of one line are always equal.

use super::round::rate_of;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The tax class of cinema tickets.
pub const TICKET: &str = "ticket";
/// The tax class of the platform's convenience fee.
pub const CONVENIENCE_FEE: &str = "convenience_fee";
/// The tax class of food and beverages sold with a ticket (the demo's add-ons).
pub const FOOD: &str = "food";

/// One named part of a tax, e.g. CGST at 6 %.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaxComponent {
    /// Name on the quote and the invoice, e.g. `CGST`.
    pub name: String,
    /// Rate in basis points (600 = 6 %).
    pub rate_bp: u32,
}

/// The components that apply to units up to a taxable value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxSlab {
    /// The slab covers units whose taxable value is at most this (minor units); `None` for
    /// the last slab, which covers everything above the others.
    pub up_to_unit_minor: Option<i64>,
    /// What is charged in this slab.
    pub components: Vec<TaxComponent>,
}

/// Tax rules by class. A class's slabs are tried in order; the first whose bound covers the
/// unit applies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxRules {
    /// Slabs by tax class.
    pub classes: BTreeMap<String, Vec<TaxSlab>>,
}

/// A tax charged on one line, before the quote puts a currency on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaxPart {
    /// Component name, e.g. `SGST`.
    pub name: String,
    /// Rate in basis points.
    pub rate_bp: u32,
    /// Amount in minor units.
    pub amount_minor: i64,
}

fn component(name: &str, rate_bp: u32) -> TaxComponent {
    TaxComponent {
        name: name.to_owned(),
        rate_bp,
    }
}

fn split_gst(total_bp: u32) -> Vec<TaxComponent> {
    vec![
        component("CGST", total_bp / 2),
        component("SGST", total_bp / 2),
    ]
}

impl TaxRules {
    /// India's GST as the demo uses it: cinema tickets 12 % up to ₹100 a ticket and 18 % above,
    /// the convenience fee 18 %, food and beverages 5 %; each split equally into CGST and SGST
    /// (an intra-state sale).
    pub fn india_gst() -> Self {
        let mut classes = BTreeMap::new();
        classes.insert(
            TICKET.to_owned(),
            vec![
                TaxSlab {
                    up_to_unit_minor: Some(10_000),
                    components: split_gst(1_200),
                },
                TaxSlab {
                    up_to_unit_minor: None,
                    components: split_gst(1_800),
                },
            ],
        );
        classes.insert(
            CONVENIENCE_FEE.to_owned(),
            vec![TaxSlab {
                up_to_unit_minor: None,
                components: split_gst(1_800),
            }],
        );
        classes.insert(
            FOOD.to_owned(),
            vec![TaxSlab {
                up_to_unit_minor: None,
                components: split_gst(500),
            }],
        );
        Self { classes }
    }

    /// No tax at all (a deployment whose prices are tax-free, and tests that look at discounts
    /// alone).
    pub fn none() -> Self {
        Self {
            classes: BTreeMap::new(),
        }
    }

    /// Whether the rules know `class`. A class the rules do not list is taxed at nothing only
    /// when the rules list no class at all; otherwise it is a configuration error.
    pub fn knows(&self, class: &str) -> bool {
        self.classes.is_empty() || self.classes.contains_key(class)
    }

    /// The taxes on a line of `class` whose units are each worth `unit_taxable` and which is
    /// worth `line_taxable` in all.
    pub fn on_line(&self, class: &str, unit_taxable: i64, line_taxable: i64) -> Vec<TaxPart> {
        let Some(slabs) = self.classes.get(class) else {
            return Vec::new();
        };
        let slab = slabs
            .iter()
            .find(|s| s.up_to_unit_minor.is_none_or(|max| unit_taxable <= max));
        slab.map(|s| {
            s.components
                .iter()
                .map(|c| TaxPart {
                    name: c.name.clone(),
                    rate_bp: c.rate_bp,
                    amount_minor: rate_of(line_taxable, c.rate_bp),
                })
                .collect()
        })
        .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amounts(taxes: &[TaxPart]) -> Vec<(&str, u32, i64)> {
        taxes
            .iter()
            .map(|t| (t.name.as_str(), t.rate_bp, t.amount_minor))
            .collect()
    }

    #[test]
    fn tickets_up_to_100_rupees_pay_12_percent_and_above_18() {
        let gst = TaxRules::india_gst();
        assert_eq!(
            amounts(&gst.on_line(TICKET, 10_000, 10_000)),
            vec![("CGST", 600, 600), ("SGST", 600, 600)]
        );
        assert_eq!(
            amounts(&gst.on_line(TICKET, 10_001, 10_001)),
            vec![("CGST", 900, 900), ("SGST", 900, 900)]
        );
    }

    #[test]
    fn the_slab_goes_by_the_unit_not_the_line() {
        let gst = TaxRules::india_gst();
        // Three ₹90 units in one line stay in the 12 % slab.
        assert_eq!(
            amounts(&gst.on_line(TICKET, 9_000, 27_000)),
            vec![("CGST", 600, 1_620), ("SGST", 600, 1_620)]
        );
    }

    #[test]
    fn fee_and_food_have_their_own_rates() {
        let gst = TaxRules::india_gst();
        assert_eq!(
            amounts(&gst.on_line(CONVENIENCE_FEE, 3_000, 3_000)),
            vec![("CGST", 900, 270), ("SGST", 900, 270)]
        );
        assert_eq!(
            amounts(&gst.on_line(FOOD, 25_050, 25_050)),
            vec![("CGST", 250, 626), ("SGST", 250, 626)] // 626.25 each
        );
    }

    #[test]
    fn unknown_classes_are_refused_unless_there_are_no_taxes() {
        assert!(!TaxRules::india_gst().knows("alcohol"));
        assert!(TaxRules::none().knows("alcohol"));
        assert!(TaxRules::none().on_line(TICKET, 100, 100).is_empty());
    }
}
