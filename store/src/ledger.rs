//! The ledger (`ledger_entries`): double-entry lines of every money movement, written by the
//! database's triggers in the transaction that records the movement (a charge, a refund, a
//! subscription charge; settlements and payouts add theirs). This module reads it and checks
//! that it holds together.

use chrono::{DateTime, Utc};
use mtbp_domain::PartnerId;
use serde::Serialize;
use sqlx::PgExecutor;

/// The balance of one account over a range, per partner and currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Balance {
    /// The partner, or `None` for the platform's own movements (subscriptions).
    pub partner_id: Option<PartnerId>,
    /// The account.
    pub account: String,
    /// The currency.
    pub currency: String,
    /// Debits less credits, in minor units.
    pub amount_minor: i64,
}

/// Balances of every account moved in `[from, to)`, for one partner or all.
pub async fn balances(
    db: impl PgExecutor<'_>,
    partner: Option<PartnerId>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<Balance>> {
    sqlx::query_as!(
        Balance,
        r#"select partner_id as "partner_id?: PartnerId", account, currency,
                  sum(amount_minor)::bigint as "amount_minor!"
             from ledger_entries
            where created_at >= $1 and created_at < $2
              and ($3::uuid is null or partner_id = $3)
            group by partner_id, account, currency
            order by partner_id nulls first, account, currency"#,
        from,
        to,
        partner.map(|p| p.as_uuid()),
    )
    .fetch_all(db)
    .await
}

/// One comparison of the ledger's consistency check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What is compared.
    pub name: &'static str,
    /// What the other side says (the payments, the refunds; zero for a balance).
    pub expected: i64,
    /// What the ledger says.
    pub actual: i64,
}

impl Check {
    /// Whether the two agree.
    pub fn ok(&self) -> bool {
        self.expected == self.actual
    }
}

/// Checks the ledger over `[from, to)` against the rows it is written from: every movement
/// balances, every succeeded charge and every refund has its lines, to the unit, and nothing
/// else does. A reconciliation against the gateway compares its `gateway` account further.
pub async fn check(
    db: impl PgExecutor<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<Check>> {
    let r = sqlx::query!(
        r#"with l as (select * from ledger_entries where created_at >= $1 and created_at < $2)
           select
             (select count(*) from (select txn_id from l group by txn_id
                                     having sum(amount_minor) <> 0) u) as "unbalanced!",
             (select coalesce(sum(amount_minor), 0) from l)::bigint as "total!",
             (select coalesce(sum(p.amount_minor), 0) from payments p
               where p.status = 'succeeded'
                 and exists (select 1 from l where l.movement = 'charge'
                              and l.source = p.payment_id::text))::bigint as "charged_rows!",
             (select coalesce(sum(amount_minor), 0) from l
               where movement = 'charge' and account = 'gateway')::bigint as "charged_ledger!",
             (select count(*) from payments p where p.status = 'succeeded'
                 and p.updated_at >= $1 and p.updated_at < $2
                 and not exists (select 1 from ledger_entries e where e.movement = 'charge'
                                  and e.source = p.payment_id::text)) as "charges_missing!",
             (select coalesce(sum(r.amount_minor), 0) from refunds r
               where exists (select 1 from l where l.movement = 'refund'
                              and l.source = r.refund_id::text))::bigint as "refunded_rows!",
             (select -coalesce(sum(amount_minor), 0) from l
               where movement = 'refund' and account = 'gateway')::bigint as "refunded_ledger!",
             (select count(*) from refunds r where r.created_at >= $1 and r.created_at < $2
                 and not exists (select 1 from ledger_entries e where e.movement = 'refund'
                                  and e.source = r.refund_id::text)) as "refunds_missing!",
             (select coalesce(sum(s.kept_minor), 0) from settlements s
               where exists (select 1 from l where l.movement = 'settlement'
                              and l.source = s.settlement_id::text))::bigint as "settled_rows!",
             (select coalesce(sum(amount_minor), 0) from l
               where movement = 'settlement' and account = 'unsettled')::bigint as "settled_ledger!",
             (select count(*) from settlements s
               where s.computed_at >= $1 and s.computed_at < $2 and s.kept_minor <> 0
                 and not exists (select 1 from ledger_entries e where e.movement = 'settlement'
                                  and e.source = s.settlement_id::text)) as "settlements_missing!",
             (select coalesce(sum(p.amount_minor), 0) from payouts p
               where exists (select 1 from l where l.movement = 'payout'
                              and l.source = p.settlement_id::text))::bigint as "paid_rows!",
             (select -coalesce(sum(amount_minor), 0) from l
               where movement = 'payout' and account = 'gateway')::bigint as "paid_ledger!",
             (select count(*) from payouts p where p.created_at >= $1 and p.created_at < $2
                 and not exists (select 1 from ledger_entries e where e.movement = 'payout'
                                  and e.source = p.settlement_id::text)) as "payouts_missing!""#,
        from,
        to,
    )
    .fetch_one(db)
    .await?;
    Ok(vec![
        Check {
            name: "movements that do not balance",
            expected: 0,
            actual: r.unbalanced,
        },
        Check {
            name: "debits - credits over every account",
            expected: 0,
            actual: r.total,
        },
        Check {
            name: "charges: succeeded payments = ledger's gateway debits",
            expected: r.charged_rows,
            actual: r.charged_ledger,
        },
        Check {
            name: "succeeded payments without ledger lines",
            expected: 0,
            actual: r.charges_missing,
        },
        Check {
            name: "refunds: refund rows = ledger's gateway credits",
            expected: r.refunded_rows,
            actual: r.refunded_ledger,
        },
        Check {
            name: "refunds without ledger lines",
            expected: 0,
            actual: r.refunds_missing,
        },
        Check {
            name: "settlements: what they split = ledger's unsettled debits",
            expected: r.settled_rows,
            actual: r.settled_ledger,
        },
        Check {
            name: "settlements without ledger lines",
            expected: 0,
            actual: r.settlements_missing,
        },
        Check {
            name: "payouts: payout rows = ledger's gateway credits",
            expected: r.paid_rows,
            actual: r.paid_ledger,
        },
        Check {
            name: "payouts without ledger lines",
            expected: 0,
            actual: r.payouts_missing,
        },
    ])
}

/// One partner's money over a range, by movement and account: what the gateway took in and
/// gave back, and where it went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    /// The partner, or `None` for the platform's own (subscriptions).
    pub partner_id: Option<PartnerId>,
    /// The currency.
    pub currency: String,
    /// Charges the gateway took.
    pub charges: i64,
    /// Refunds it gave back.
    pub refunds: i64,
    /// Paid out to the partner.
    pub payouts: i64,
    /// The platform's revenue (commission, fees, subscriptions, less discounts it funded).
    pub revenue: i64,
    /// Taxes held for remittance.
    pub taxes: i64,
    /// Settled, owed to the partner, not paid out yet (negative: the partner owes).
    pub owed: i64,
    /// Not settled yet.
    pub unsettled: i64,
}

impl Reconciliation {
    /// Whether charges − refunds = payouts + revenue + taxes + owed + unsettled, to the unit.
    pub fn ok(&self) -> bool {
        self.charges - self.refunds
            == self.payouts + self.revenue + self.taxes + self.owed + self.unsettled
    }
}

/// Each partner's [`Reconciliation`] over `[from, to)`, from the ledger alone (one statement).
pub async fn reconcile(
    db: impl PgExecutor<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<Reconciliation>> {
    sqlx::query_as!(
        Reconciliation,
        r#"select partner_id as "partner_id?: PartnerId", currency,
             coalesce(sum(amount_minor) filter (where account = 'gateway'
                      and movement in ('charge', 'subscription')), 0)::bigint as "charges!",
             -coalesce(sum(amount_minor) filter (where account = 'gateway'
                       and movement = 'refund'), 0)::bigint as "refunds!",
             -coalesce(sum(amount_minor) filter (where account = 'gateway'
                       and movement = 'payout'), 0)::bigint as "payouts!",
             -coalesce(sum(amount_minor) filter (where account = 'platform_revenue'), 0)::bigint
                 as "revenue!",
             -coalesce(sum(amount_minor) filter (where account = 'tax_payable'), 0)::bigint
                 as "taxes!",
             -coalesce(sum(amount_minor) filter (where account = 'partner_payable'), 0)::bigint
                 as "owed!",
             -coalesce(sum(amount_minor) filter (where account = 'unsettled'), 0)::bigint
                 as "unsettled!"
           from ledger_entries where created_at >= $1 and created_at < $2
          group by partner_id, currency order by partner_id nulls first, currency"#,
        from,
        to,
    )
    .fetch_all(db)
    .await
}
