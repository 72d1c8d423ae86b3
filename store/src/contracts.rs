//! Settlement contracts (`partner_contracts`, with the period in `partners`): read by the
//! partner, set by operators, followed by the settlement schedules.

use mtbp_domain::settlement::Contract;
use mtbp_domain::{AccountId, PartnerId, SettlementPeriod};
use sqlx::{PgExecutor, PgPool};

/// A partner's contract as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredContract {
    /// The terms (the defaults until an operator sets them).
    pub contract: Contract,
    /// Whether an operator has set them.
    pub set: bool,
    /// Bumped on every change; 0 for the defaults.
    pub version: i32,
    /// The last four characters of the sealed payout account, if the partner gave one.
    pub payout_account_hint: Option<String>,
}

/// The contract of `partner`; `None` for an unknown (or deleted) partner.
pub async fn contract(
    db: impl PgExecutor<'_>,
    partner: PartnerId,
) -> sqlx::Result<Option<StoredContract>> {
    let row = sqlx::query!(
        r#"select p.settlement_period as "period: SettlementPeriod", p.payout_account_hint,
                  c.time_zone as "time_zone?", c.cutoff_hour as "cutoff_hour?",
                  c.commission_bp as "commission_bp?", c.addon_commission_bp as "addon_bp?",
                  c.partner_fee_share_bp as "fee_share_bp?",
                  c.partner_cancellation_fee_bp as "cancellation_bp?",
                  c.minimum_payout_minor as "minimum?", c.version as "version?",
                  c.period_seconds
             from partners p left join partner_contracts c using (partner_id)
            where p.partner_id = $1 and p.deleted_at is null"#,
        partner as PartnerId,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| {
        let defaults = Contract::default();
        let bp = |v: Option<i32>, d: u32| v.and_then(|v| u32::try_from(v).ok()).unwrap_or(d);
        StoredContract {
            set: r.version.is_some(),
            version: r.version.unwrap_or(0),
            payout_account_hint: r.payout_account_hint,
            contract: Contract {
                period: r.period,
                time_zone: r.time_zone.unwrap_or(defaults.time_zone),
                cutoff_hour: r
                    .cutoff_hour
                    .and_then(|h| u8::try_from(h).ok())
                    .unwrap_or(defaults.cutoff_hour),
                commission_bp: bp(r.commission_bp, defaults.commission_bp),
                addon_commission_bp: bp(r.addon_bp, defaults.addon_commission_bp),
                partner_fee_share_bp: bp(r.fee_share_bp, defaults.partner_fee_share_bp),
                partner_cancellation_fee_bp: bp(
                    r.cancellation_bp,
                    defaults.partner_cancellation_fee_bp,
                ),
                minimum_payout_minor: r.minimum.unwrap_or(defaults.minimum_payout_minor),
                period_seconds: r.period_seconds.and_then(|s| u32::try_from(s).ok()),
            },
        }
    }))
}

/// Sets the contract of `partner` (validated by the caller) and its period, in one
/// transaction; returns the new version, or `None` for an unknown partner.
pub async fn set_contract(
    db: &PgPool,
    partner: PartnerId,
    contract: &Contract,
    by: AccountId,
) -> sqlx::Result<Option<i32>> {
    let mut tx = db.begin().await?;
    let found = sqlx::query!(
        "update partners set settlement_period = $2
          where partner_id = $1 and deleted_at is null",
        partner as PartnerId,
        contract.period as SettlementPeriod,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if found == 0 {
        return Ok(None);
    }
    let version = sqlx::query_scalar!(
        "insert into partner_contracts (partner_id, time_zone, cutoff_hour, commission_bp,
                                        addon_commission_bp, partner_fee_share_bp,
                                        partner_cancellation_fee_bp, minimum_payout_minor,
                                        updated_by, period_seconds)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         on conflict (partner_id) do update
            set time_zone = excluded.time_zone, cutoff_hour = excluded.cutoff_hour,
                commission_bp = excluded.commission_bp,
                addon_commission_bp = excluded.addon_commission_bp,
                partner_fee_share_bp = excluded.partner_fee_share_bp,
                partner_cancellation_fee_bp = excluded.partner_cancellation_fee_bp,
                minimum_payout_minor = excluded.minimum_payout_minor,
                period_seconds = excluded.period_seconds,
                updated_by = excluded.updated_by,
                version = partner_contracts.version + 1
         returning version",
        partner as PartnerId,
        contract.time_zone,
        i16::from(contract.cutoff_hour),
        i32::try_from(contract.commission_bp).unwrap_or(i32::MAX),
        i32::try_from(contract.addon_commission_bp).unwrap_or(i32::MAX),
        i32::try_from(contract.partner_fee_share_bp).unwrap_or(i32::MAX),
        i32::try_from(contract.partner_cancellation_fee_bp).unwrap_or(i32::MAX),
        contract.minimum_payout_minor,
        by as AccountId,
        contract.period_seconds.and_then(|s| i32::try_from(s).ok()),
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(version))
}

/// Every partner's contract, for the schedules' reconciliation: live partners with their
/// contract, then the ids of deleted ones (whose schedules go).
pub async fn all(db: &PgPool) -> sqlx::Result<(Vec<(PartnerId, StoredContract)>, Vec<PartnerId>)> {
    let rows = sqlx::query!(
        r#"select partner_id as "partner_id: PartnerId", deleted_at is not null as "deleted!"
             from partners order by partner_id"#
    )
    .fetch_all(db)
    .await?;
    let mut live = Vec::new();
    let mut gone = Vec::new();
    for r in rows {
        if r.deleted {
            gone.push(r.partner_id);
        } else if let Some(c) = contract(db, r.partner_id).await? {
            live.push((r.partner_id, c));
        }
    }
    Ok((live, gone))
}
