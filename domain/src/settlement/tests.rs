use super::*;
use crate::ids::{MovieId, OfferId, PartnerId, ScreenId, ShowId, TheaterId};
use crate::money::Currency;
use crate::pricing::{
    AddonItem, Basket, Benefit, Candidate, Conditions, CustomerFacts, Offer, OfferScope,
    PricingInput, PricingRules, SeatItem, ShowFacts, Stacking, price, tax,
};
use chrono::{NaiveDate, TimeZone};
use proptest::prelude::*;
use uuid::Uuid;

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("a valid time")
}

fn contract(period: SettlementPeriod, zone: &str, cutoff_hour: u8) -> Contract {
    Contract {
        period,
        time_zone: zone.to_owned(),
        cutoff_hour,
        ..Contract::default()
    }
}

#[test]
fn a_day_in_kolkata_runs_from_the_local_cutoff() {
    let c = contract(SettlementPeriod::Daily, "Asia/Kolkata", 6);
    // 05:59 IST on 3 December is still the business day of 2 December.
    let p = c.period_at(utc(2026, 12, 3, 0, 29)).expect("a period");
    assert_eq!(p.id, "2026-12-02");
    assert_eq!(p.start, utc(2026, 12, 2, 0, 30));
    assert_eq!(p.end, utc(2026, 12, 3, 0, 30));
    let q = c.period_at(utc(2026, 12, 3, 0, 30)).expect("a period");
    assert_eq!(q.id, "2026-12-03");
    assert_eq!(c.next(&p).expect("next"), q);
}

#[test]
fn weeks_are_iso_weeks_from_monday() {
    let c = contract(SettlementPeriod::Weekly, "Asia/Kolkata", 0);
    // Thursday 3 December 2026 is in ISO week 49, which starts on Monday 30 November.
    let p = c.period_at(utc(2026, 12, 3, 12, 0)).expect("a period");
    assert_eq!(p.id, "2026-W49");
    assert_eq!(p.start, utc(2026, 11, 29, 18, 30));
    assert_eq!(p.end - p.start, Duration::days(7));
    // The week of 1 January 2027 (a Friday) is ISO week 53 of 2026.
    let q = c.period_at(utc(2027, 1, 1, 12, 0)).expect("a period");
    assert_eq!(q.id, "2026-W53");
    assert_eq!(c.next(&q).expect("next").id, "2027-W01");
}

#[test]
fn months_follow_daylight_saving_in_their_zone() {
    let c = contract(SettlementPeriod::Monthly, "Europe/London", 0);
    let p = c.period_at(utc(2026, 3, 15, 12, 0)).expect("a period");
    assert_eq!(p.id, "2026-03");
    assert_eq!(p.start, utc(2026, 3, 1, 0, 0)); // GMT
    assert_eq!(p.end, utc(2026, 3, 31, 23, 0)); // 1 April 00:00 BST
    let dec = c.period_at(utc(2026, 12, 31, 23, 59)).expect("a period");
    assert_eq!(c.next(&dec).expect("next").id, "2027-01");
}

#[test]
fn a_cutoff_in_a_daylight_saving_gap_moves_past_it() {
    // 29 March 2026 01:00 does not exist in London: the day starts at 02:00 BST = 01:00 UTC.
    let c = contract(SettlementPeriod::Daily, "Europe/London", 1);
    let p = c.period_at(utc(2026, 3, 29, 12, 0)).expect("a period");
    assert_eq!(p.id, "2026-03-29");
    assert_eq!(p.start, utc(2026, 3, 29, 1, 0));
    assert!(p.start < p.end);
}

#[test]
fn periods_are_named_and_found_by_their_names() {
    for (kind, name) in [
        (SettlementPeriod::Daily, "2026-12-03"),
        (SettlementPeriod::Weekly, "2026-W49"),
        (SettlementPeriod::Monthly, "2026-12"),
    ] {
        let c = contract(kind, "Asia/Kolkata", 3);
        let p = c.period_named(name).expect("a zone").expect("a period");
        assert_eq!(p.id, name);
        assert_eq!(c.period_at(p.start).expect("a period"), p);
        assert_eq!(
            c.period_at(p.end - Duration::seconds(1)).expect("a period"),
            p
        );
    }
    let weekly = contract(SettlementPeriod::Weekly, "Asia/Kolkata", 0);
    for bad in ["2026-12-03", "2026-W54", "2026-W", "W49", "", "2026-W4x"] {
        assert_eq!(weekly.period_named(bad).expect("a zone"), None, "{bad}");
    }
    let daily = contract(SettlementPeriod::Daily, "Asia/Kolkata", 0);
    for bad in ["2026-02-30", "2026-12", "2026-12-3x", "26-12-03"] {
        assert_eq!(daily.period_named(bad).expect("a zone"), None, "{bad}");
    }
    let monthly = contract(SettlementPeriod::Monthly, "Asia/Kolkata", 0);
    for bad in ["2026-13", "2026-12-01", "2026-1"] {
        assert_eq!(monthly.period_named(bad).expect("a zone"), None, "{bad}");
    }
}

#[test]
fn a_backfill_lists_whole_periods_oldest_first() {
    let c = contract(SettlementPeriod::Daily, "UTC", 0);
    let ps = c
        .periods_between(utc(2026, 12, 1, 10, 0), utc(2026, 12, 4, 0, 0), 100)
        .expect("periods");
    let ids: Vec<&str> = ps.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["2026-12-01", "2026-12-02", "2026-12-03"]);
    let capped = c
        .periods_between(utc(2026, 1, 1, 0, 0), utc(2026, 12, 4, 0, 0), 5)
        .expect("periods");
    assert_eq!(capped.len(), 5);
}

#[test]
fn contracts_are_checked_field_by_field() {
    assert_eq!(Contract::default().validate(), Ok(()));
    let bad = |f: fn(&mut Contract)| {
        let mut c = Contract::default();
        f(&mut c);
        c.validate().expect_err("refused").field()
    };
    assert_eq!(bad(|c| c.time_zone = "Mars/Olympus".into()), "time_zone");
    assert_eq!(bad(|c| c.cutoff_hour = 24), "cutoff_hour");
    assert_eq!(bad(|c| c.commission_bp = 5_001), "commission_bp");
    assert_eq!(
        bad(|c| c.addon_commission_bp = 9_000),
        "addon_commission_bp"
    );
    assert_eq!(
        bad(|c| c.partner_fee_share_bp = 10_001),
        "partner_fee_share_bp"
    );
    assert_eq!(
        bad(|c| c.partner_cancellation_fee_bp = 20_000),
        "partner_cancellation_fee_bp"
    );
    assert_eq!(bad(|c| c.minimum_payout_minor = -1), "minimum_payout_minor");
}

fn inr() -> Currency {
    Currency::parse("INR").expect("INR")
}

fn show() -> ShowFacts {
    ShowFacts {
        show_id: ShowId::from_uuid(Uuid::from_u128(1)),
        movie_id: MovieId::from_uuid(Uuid::from_u128(2)),
        screen_id: ScreenId::from_uuid(Uuid::from_u128(3)),
        theater_id: TheaterId::from_uuid(Uuid::from_u128(4)),
        partner_id: Some(PartnerId::from_uuid(Uuid::from_u128(5))),
        city: "Pune".to_owned(),
        local_start: NaiveDate::from_ymd_opt(2026, 12, 8)
            .and_then(|d| d.and_hms_opt(14, 30, 0))
            .expect("a date"),
    }
}

fn percent_offer(n: u128, bp: u32, funded_by: Funder) -> Candidate {
    Candidate {
        offer: Offer {
            id: OfferId::from_uuid(Uuid::from_u128(0x100 + n)),
            name: format!("offer {n}"),
            code: None,
            benefit: Benefit::PercentOff {
                percent_bp: bp,
                max_off_minor: None,
            },
            conditions: Conditions::default(),
            scope: OfferScope::default(),
            valid_from: utc(2026, 1, 1, 0, 0),
            valid_until: None,
            funded_by,
            stacking: Stacking::Stackable,
            limit_total: None,
            limit_per_customer: None,
        },
        used_total: 0,
        used_by_customer: 0,
        entered: false,
    }
}

fn quote(seats: &[i64], addon: Option<(i64, u32)>, offers: &[Candidate]) -> Quote {
    let basket = Basket {
        currency: inr(),
        seats: seats
            .iter()
            .enumerate()
            .map(|(i, list)| SeatItem {
                label: format!("A{}", i + 1),
                category: "REG".to_owned(),
                list_minor: *list,
            })
            .collect(),
        addons: addon
            .map(|(unit, quantity)| AddonItem {
                code: "POP".to_owned(),
                name: "Popcorn".to_owned(),
                unit_minor: unit,
                quantity,
                tax_class: tax::FOOD.to_owned(),
            })
            .into_iter()
            .collect(),
    };
    let show = show();
    let customer = CustomerFacts {
        signed_in: true,
        membership: None,
        first_booking: false,
    };
    let input = PricingInput {
        basket: &basket,
        show: &show,
        customer: &customer,
        candidates: offers,
        now: utc(2026, 12, 3, 10, 0),
    };
    price(&input, &PricingRules::demo()).expect("the basket prices")
}

#[test]
fn a_booking_splits_into_partner_platform_and_taxes() {
    // Two ₹300 tickets, 10 % off funded by the platform, and a ₹200 popcorn.
    let q = quote(
        &[30_000, 30_000],
        Some((20_000, 1)),
        &[percent_offer(1, 1_000, Funder::Platform)],
    );
    let c = Contract {
        commission_bp: 1_000,
        addon_commission_bp: 500,
        ..Contract::default()
    };
    let s = Split::of(&c, Some(&q), 0, q.total().amount_minor);
    // The partner is settled as if the platform's discount had not been given.
    assert_eq!(s.tickets, 60_000);
    assert_eq!(s.platform_funded, 6_000);
    assert_eq!(s.commission, 6_000 + 1_000);
    assert_eq!(s.partner(), 60_000 + 20_000 - 7_000);
    assert_eq!(s.partner_fees, 0);
    assert!(s.tax > 0);
    assert_eq!(s.adjustment, 0);
    assert!(s.balances(), "{s:?}");
}

#[test]
fn a_partner_funded_discount_comes_out_of_its_tickets() {
    let q = quote(&[30_000], None, &[percent_offer(1, 2_000, Funder::Partner)]);
    let s = Split::of(&Contract::default(), Some(&q), 0, q.total().amount_minor);
    assert_eq!(s.tickets, 24_000);
    assert_eq!(s.partner_funded, 6_000);
    assert_eq!(s.platform_funded, 0);
    assert_eq!(s.commission, 2_400);
    assert!(s.balances());
}

#[test]
fn a_cancelled_booking_keeps_only_its_fee_shared_by_contract() {
    let c = Contract {
        partner_cancellation_fee_bp: 6_000,
        ..Contract::default()
    };
    let s = Split::of(&c, None, 2_500, 2_500);
    assert_eq!(s.partner(), 1_500);
    assert_eq!(s.platform(), 1_000);
    assert_eq!(s.tax, 0);
    assert!(s.balances());
}

#[test]
fn a_refund_after_settlement_is_the_next_periods_negative_line() {
    let c = Contract::default();
    let before = quote(&[30_000, 30_000], None, &[]);
    let settled = Split::of(&c, Some(&before), 0, before.total().amount_minor);
    // One seat cancelled later, with a 25 % fee kept of what it was worth.
    let rest = quote(&[30_000], None, &[]);
    let back = before.total().amount_minor - rest.total().amount_minor;
    let fee = back / 4;
    let now = Split::of(&c, Some(&rest), fee, rest.total().amount_minor + fee);
    let line = now - settled;
    assert_eq!(line.kept, fee - back);
    assert!(line.partner() < 0);
    assert!(line.balances());
    assert!((now - now).is_zero());
}

#[test]
fn payouts_below_the_minimum_or_negative_carry_over() {
    assert_eq!(
        Payout::of(5_000, 0, 10_000),
        Payout {
            net: 5_000,
            carried_in: 0,
            paid: 0,
            carried_out: 5_000
        }
    );
    assert_eq!(Payout::of(6_000, 5_000, 10_000).paid, 11_000);
    assert_eq!(Payout::of(6_000, 5_000, 10_000).carried_out, 0);
    let owed = Payout::of(-3_000, 1_000, 0);
    assert_eq!((owed.paid, owed.carried_out), (0, -2_000));
    assert_eq!(Payout::of(0, 0, 0).paid, 0);
}

proptest! {
    /// Whatever the basket, offers, contract, cancellations and the gateway kept, every split
    /// adds up to what was kept, to the unit, and so does any difference of two splits.
    #[test]
    fn every_split_adds_up_to_what_the_gateway_kept(
        seats in proptest::collection::vec(100i64..100_000, 1..8),
        addon in proptest::option::of((100i64..50_000, 1u32..5)),
        offers in proptest::collection::vec((0u32..=10_000, any::<bool>()), 0..3),
        commission_bp in 0u32..=MAX_COMMISSION_BP,
        addon_commission_bp in 0u32..=MAX_COMMISSION_BP,
        partner_fee_share_bp in 0u32..=WHOLE_BP,
        partner_cancellation_fee_bp in 0u32..=WHOLE_BP,
        fee in 0i64..50_000,
        skew in -500i64..500,
        keep in 0usize..8,
    ) {
        let candidates: Vec<Candidate> = offers
            .iter()
            .enumerate()
            .map(|(i, (bp, platform))| {
                percent_offer(i as u128, *bp, if *platform { Funder::Platform } else { Funder::Partner })
            })
            .collect();
        let c = Contract {
            commission_bp,
            addon_commission_bp,
            partner_fee_share_bp,
            partner_cancellation_fee_bp,
            ..Contract::default()
        };
        let q = quote(&seats, addon, &candidates);
        let whole = Split::of(&c, Some(&q), 0, q.total().amount_minor);
        prop_assert!(whole.balances(), "{whole:?}");
        prop_assert_eq!(whole.adjustment, 0);
        let kept_seats = &seats[..keep.clamp(1, seats.len())];
        let rest = quote(kept_seats, addon, &candidates);
        let later = Split::of(&c, Some(&rest), fee, rest.total().amount_minor + fee + skew);
        prop_assert!(later.balances(), "{later:?}");
        prop_assert!((later - whole).balances());
        prop_assert!([whole, later - whole].into_iter().sum::<Split>().balances());
        prop_assert_eq!(-(-later), later);
    }

    /// Every moment falls in exactly one period of any contract, and periods tile time.
    #[test]
    fn periods_tile_time(
        secs in 1_700_000_000i64..1_900_000_000,
        kind in 0usize..3,
        zone in 0usize..4,
        cutoff_hour in 0u8..=MAX_CUTOFF_HOUR,
    ) {
        let zones = ["Asia/Kolkata", "Europe/London", "America/New_York", "UTC"];
        let c = contract(SettlementPeriod::ALL[kind], zones[zone], cutoff_hour);
        let at = Utc.timestamp_opt(secs, 0).single().expect("a time");
        let p = c.period_at(at).expect("a period");
        prop_assert!(p.start <= at && at < p.end, "{p:?} {at}");
        let n = c.next(&p).expect("next");
        prop_assert_eq!(n.start, p.end);
        prop_assert_eq!(c.period_named(&p.id).expect("a zone"), Some(p));
    }
}

#[test]
fn short_periods_tile_time_from_the_epoch_and_are_named_by_their_start() {
    let c = Contract {
        period_seconds: Some(5),
        ..Contract::default()
    };
    let p = c
        .period_at(utc(2026, 12, 3, 10, 15) + chrono::Duration::seconds(7))
        .expect("period");
    assert_eq!(p.id, "2026-12-03T10:15:05Z");
    assert_eq!((p.end - p.start).num_seconds(), 5);
    assert_eq!(c.period_named(&p.id).expect("named"), Some(p.clone()));
    // Not on a boundary, or not a time: not one of this contract's periods.
    assert_eq!(c.period_named("2026-12-03T10:15:06Z").expect("named"), None);
    assert_eq!(c.period_named("2026-12-03").expect("named"), None);
    let next = c.next(&p).expect("next");
    assert_eq!(next.start, p.end);
    let many = c
        .periods_between(p.start, p.start + chrono::Duration::seconds(20), 10)
        .expect("between");
    assert_eq!(many.len(), 4);
    let bad = Contract {
        period_seconds: Some(0),
        ..Contract::default()
    };
    assert_eq!(bad.validate().map_err(|e| e.field()), Err("period_seconds"));
}
