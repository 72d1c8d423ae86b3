//! A partner's staff accounts: listing and removal (adding one is [`super::insert`]).

use super::sessions;
use mtbp_domain::{AccountId, PartnerId};
use sqlx::{PgConnection, PgExecutor};

/// A staff account of a partner.
#[derive(Clone, Debug)]
pub struct Member {
    /// The account.
    pub account_id: AccountId,
    /// Display name.
    pub name: String,
    /// Email.
    pub email: String,
}

/// A partner's live staff, oldest first.
pub async fn list(db: impl PgExecutor<'_>, partner: PartnerId) -> sqlx::Result<Vec<Member>> {
    sqlx::query_as!(
        Member,
        r#"select account_id as "account_id: AccountId", name, email from accounts
            where partner_id = $1 and erased_at is null order by created_at"#,
        partner as PartnerId,
    )
    .fetch_all(db)
    .await
}

/// Removes a staff account of `partner` in one transaction (`conn`): it keeps only its id and
/// its refresh tokens are revoked. False if the partner has no such live staff account.
pub async fn remove(
    conn: &mut PgConnection,
    partner: PartnerId,
    account: AccountId,
) -> sqlx::Result<bool> {
    let removed = sqlx::query!(
        "update accounts set name = '', email = '', password_hash = null, erased_at = now()
          where account_id = $1 and partner_id = $2 and erased_at is null",
        account as AccountId,
        partner as PartnerId,
    )
    .execute(&mut *conn)
    .await?;
    if removed.rows_affected() == 0 {
        return Ok(false);
    }
    sessions::revoke_account(&mut *conn, account).await?;
    Ok(true)
}
