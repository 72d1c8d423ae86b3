//! Theater partners: sign-up, profile and billing (sensitive values sealed by the caller,
//! stored with a hint of their last characters), standing, deletion.

use super::sessions;
use chrono::{DateTime, Utc};
use mtbp_domain::{PartnerId, PartnerStatus, SettlementPeriod};
use sqlx::{PgConnection, PgExecutor};

/// A live partner as stored (sealed values left out).
#[derive(Clone, Debug)]
pub struct PartnerRow {
    /// Business name.
    pub name: String,
    /// Contact email.
    pub contact_email: String,
    /// Standing.
    pub status: PartnerStatus,
    /// Last characters of the tax id.
    pub tax_id_hint: Option<String>,
    /// Last characters of the payout account.
    pub payout_account_hint: Option<String>,
    /// Payout schedule.
    pub settlement_period: SettlementPeriod,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// Inserts a partner, `pending` until an operator activates it.
pub async fn insert(
    db: impl PgExecutor<'_>,
    partner: PartnerId,
    name: &str,
    contact_email: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into partners (partner_id, name, contact_email) values ($1, $2, $3)",
        partner as PartnerId,
        name,
        contact_email,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A live (not deleted) partner.
pub async fn load(db: impl PgExecutor<'_>, partner: PartnerId) -> sqlx::Result<Option<PartnerRow>> {
    sqlx::query_as!(
        PartnerRow,
        r#"select name, contact_email, status as "status: PartnerStatus", tax_id_hint,
                  payout_account_hint, settlement_period as "settlement_period: SettlementPeriod",
                  created_at
             from partners where partner_id = $1 and deleted_at is null"#,
        partner as PartnerId,
    )
    .fetch_optional(db)
    .await
}

/// A live partner's standing; `None` if there is no such partner or it was deleted.
pub async fn status(
    db: impl PgExecutor<'_>,
    partner: PartnerId,
) -> sqlx::Result<Option<PartnerStatus>> {
    sqlx::query_scalar!(
        r#"select status as "status: PartnerStatus" from partners
            where partner_id = $1 and deleted_at is null"#,
        partner as PartnerId,
    )
    .fetch_optional(db)
    .await
}

/// A sealed sensitive value and the hint that may be shown of it.
#[derive(Clone, Debug)]
pub struct Sealed {
    /// The sealed bytes.
    pub sealed: Vec<u8>,
    /// Its last characters, in clear.
    pub hint: String,
}

/// Changes to a partner; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct PartnerChanges {
    /// Business name.
    pub name: Option<String>,
    /// Contact email.
    pub contact_email: Option<String>,
    /// Standing.
    pub status: Option<PartnerStatus>,
    /// Tax id.
    pub tax_id: Option<Sealed>,
    /// Payout account.
    pub payout_account: Option<Sealed>,
    /// Payout schedule.
    pub settlement_period: Option<SettlementPeriod>,
}

/// Applies `changes` to a live partner; false if there is no such partner.
pub async fn update(
    db: impl PgExecutor<'_>,
    partner: PartnerId,
    changes: PartnerChanges,
) -> sqlx::Result<bool> {
    let (tax_sealed, tax_hint) = changes.tax_id.map(|s| (s.sealed, s.hint)).unzip();
    let (payout_sealed, payout_hint) = changes.payout_account.map(|s| (s.sealed, s.hint)).unzip();
    let updated = sqlx::query!(
        "update partners set
            name = coalesce($2, name),
            contact_email = coalesce($3, contact_email),
            status = coalesce($4, status),
            tax_id_sealed = coalesce($5, tax_id_sealed),
            tax_id_hint = coalesce($6, tax_id_hint),
            payout_account_sealed = coalesce($7, payout_account_sealed),
            payout_account_hint = coalesce($8, payout_account_hint),
            settlement_period = coalesce($9, settlement_period)
          where partner_id = $1 and deleted_at is null",
        partner as PartnerId,
        changes.name,
        changes.contact_email,
        changes.status as Option<PartnerStatus>,
        tax_sealed,
        tax_hint,
        payout_sealed,
        payout_hint,
        changes.settlement_period as Option<SettlementPeriod>,
    )
    .execute(db)
    .await?;
    Ok(updated.rows_affected() > 0)
}

/// Deletes a partner in one transaction (`conn`): it is suspended and marked deleted, and its
/// staff's refresh tokens are revoked (their access tokens stop working with the deletion).
pub async fn delete(conn: &mut PgConnection, partner: PartnerId) -> sqlx::Result<()> {
    sqlx::query!(
        "update partners set deleted_at = now(), status = $2
          where partner_id = $1 and deleted_at is null",
        partner as PartnerId,
        PartnerStatus::Suspended as PartnerStatus,
    )
    .execute(&mut *conn)
    .await?;
    sessions::revoke_partner_staff(&mut *conn, partner).await
}
