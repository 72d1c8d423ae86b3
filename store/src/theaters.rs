//! Theater connectivity (`theater_connections`), partner policies (`partner_policies`) and the
//! booking's *share with theater* record (`theater_shares`).

use mtbp_domain::cancellation::{PartnerPolicy, RefundWindow};
use mtbp_domain::{AccountId, BookingId, PartnerId, ShowId, TheaterId};
use sqlx::{PgExecutor, PgPool};

/// How a theater is connected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Model {
    /// The platform sells the seats set aside for it and sends each sale's allocation.
    Designated,
    /// The theater's box office is the authority: seats are locked there at hold time.
    Live,
}

impl Model {
    /// Its name in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Designated => "designated",
            Self::Live => "live",
        }
    }

    /// The model named `s`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "designated" => Some(Self::Designated),
            "live" => Some(Self::Live),
            _ => None,
        }
    }
}

/// A theater's connection to its box office.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    /// The theater.
    pub theater_id: TheaterId,
    /// How it is connected.
    pub model: Model,
    /// The box office's base URL.
    pub base_url: String,
    /// How long the box office keeps a lock.
    pub lock_seconds: u32,
}

/// What holds and cancellations of a show go by: its theater's connection and its partner's
/// policy.
#[derive(Clone, Debug)]
pub struct ShowTerms {
    /// The show's theater.
    pub theater_id: TheaterId,
    /// The theater's partner, if it has one.
    pub partner_id: Option<PartnerId>,
    /// The theater's connection, if it is connected.
    pub connection: Option<Connection>,
    /// The partner's policy (the defaults without a partner or a row).
    pub policy: PartnerPolicy,
}

fn connection(theater_id: TheaterId, model: &str, base_url: String, lock: i32) -> Connection {
    Connection {
        theater_id,
        model: Model::parse(model).unwrap_or(Model::Designated),
        base_url,
        lock_seconds: u32::try_from(lock).unwrap_or(600),
    }
}

fn policy_of(hold: i32, partial: bool, windows: serde_json::Value) -> PartnerPolicy {
    let refund_windows: Vec<RefundWindow> = serde_json::from_value(windows).unwrap_or_default();
    PartnerPolicy {
        hold_seconds: u32::try_from(hold).unwrap_or(600),
        partial_cancellation: partial,
        refund_windows,
    }
    .sorted()
}

/// The terms of `show`; `None` for an unknown show.
pub async fn show_terms(db: impl PgExecutor<'_>, show: ShowId) -> sqlx::Result<Option<ShowTerms>> {
    let row = sqlx::query!(
        r#"select s.theater_id as "theater_id: TheaterId", t.partner_id as "partner_id?: PartnerId",
                  c.model as "model?", c.base_url as "base_url?", c.lock_seconds as "lock_seconds?",
                  p.hold_seconds as "hold_seconds?", p.partial_cancellation as "partial?",
                  p.refund_windows as "windows?"
             from shows s join theaters t using (theater_id)
             left join theater_connections c on c.theater_id = s.theater_id
             left join partner_policies p on p.partner_id = t.partner_id
            where s.show_id = $1"#,
        show as ShowId,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| ShowTerms {
        theater_id: r.theater_id,
        partner_id: r.partner_id,
        connection: match (r.model, r.base_url, r.lock_seconds) {
            (Some(m), Some(u), Some(l)) => Some(connection(r.theater_id, &m, u, l)),
            _ => None,
        },
        policy: match (r.hold_seconds, r.partial, r.windows) {
            (Some(h), Some(p), Some(w)) => policy_of(h, p, w),
            _ => PartnerPolicy::default(),
        },
    }))
}

/// The connection of `theater`, if it has one.
pub async fn connection_of(
    db: impl PgExecutor<'_>,
    theater: TheaterId,
) -> sqlx::Result<Option<Connection>> {
    let row = sqlx::query!(
        "select model, base_url, lock_seconds from theater_connections where theater_id = $1",
        theater as TheaterId,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| connection(theater, &r.model, r.base_url, r.lock_seconds)))
}

/// Connects `theater` (or changes how).
pub async fn set_connection(db: impl PgExecutor<'_>, c: &Connection) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into theater_connections (theater_id, model, base_url, lock_seconds)
         values ($1, $2, $3, $4)
         on conflict (theater_id) do update
            set model = excluded.model, base_url = excluded.base_url,
                lock_seconds = excluded.lock_seconds",
        c.theater_id as TheaterId,
        c.model.as_str(),
        c.base_url,
        i32::try_from(c.lock_seconds).unwrap_or(600),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Disconnects `theater`; whether it was connected.
pub async fn remove_connection(db: impl PgExecutor<'_>, theater: TheaterId) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "delete from theater_connections where theater_id = $1",
        theater as TheaterId
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The policy of `partner` (the defaults without a row); `None` for an unknown partner.
pub async fn policy(
    db: impl PgExecutor<'_>,
    partner: PartnerId,
) -> sqlx::Result<Option<PartnerPolicy>> {
    let row = sqlx::query!(
        r#"select p.hold_seconds as "hold_seconds?", p.partial_cancellation as "partial?",
                  p.refund_windows as "windows?"
             from partners a left join partner_policies p using (partner_id)
            where a.partner_id = $1"#,
        partner as PartnerId,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| match (r.hold_seconds, r.partial, r.windows) {
        (Some(h), Some(p), Some(w)) => policy_of(h, p, w),
        _ => PartnerPolicy::default(),
    }))
}

/// Sets the policy of `partner` (validated by the caller).
pub async fn set_policy(
    db: impl PgExecutor<'_>,
    partner: PartnerId,
    policy: &PartnerPolicy,
    by: AccountId,
) -> sqlx::Result<()> {
    let windows = serde_json::to_value(&policy.refund_windows).unwrap_or_default();
    sqlx::query!(
        "insert into partner_policies (partner_id, hold_seconds, partial_cancellation,
                                       refund_windows, updated_by)
         values ($1, $2, $3, $4, $5)
         on conflict (partner_id) do update
            set hold_seconds = excluded.hold_seconds,
                partial_cancellation = excluded.partial_cancellation,
                refund_windows = excluded.refund_windows, updated_by = excluded.updated_by",
        partner as PartnerId,
        i32::try_from(policy.hold_seconds).unwrap_or(600),
        policy.partial_cancellation,
        windows,
        by as AccountId,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A booking's share with its theater.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    /// The theater.
    pub theater_id: TheaterId,
    /// How it was connected when the booking was held.
    pub model: Model,
    /// A live theater's lock.
    pub lock_id: Option<String>,
    /// `locked`, `shared`, `rejected`, `released`, `cancelled`, `partially_cancelled`.
    pub status: String,
    /// The box office's sale, once shared.
    pub sale_id: Option<String>,
    /// Attempts so far.
    pub attempts: i32,
    /// The last failure.
    pub last_error: Option<String>,
}

/// Records a live theater's lock of a booking being held.
pub async fn record_lock(
    db: impl PgExecutor<'_>,
    booking: BookingId,
    theater: TheaterId,
    lock_id: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into theater_shares (booking_id, theater_id, model, lock_id, status)
         values ($1, $2, 'live', $3, 'locked')
         on conflict (booking_id) do nothing",
        booking.as_uuid(),
        theater as TheaterId,
        lock_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The share of `booking`, if it has one.
pub async fn share_of(db: impl PgExecutor<'_>, booking: BookingId) -> sqlx::Result<Option<Share>> {
    let row = sqlx::query!(
        r#"select theater_id as "theater_id: TheaterId", model, lock_id, status, sale_id,
                  attempts, last_error
             from theater_shares where booking_id = $1"#,
        booking.as_uuid(),
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| Share {
        theater_id: r.theater_id,
        model: Model::parse(&r.model).unwrap_or(Model::Designated),
        lock_id: r.lock_id,
        status: r.status,
        sale_id: r.sale_id,
        attempts: r.attempts,
        last_error: r.last_error,
    }))
}

/// Moves a booking's share to `status` (creating it for a designated theater), with the sale
/// once there is one; an attempt's failure is counted with its words.
pub async fn set_share(
    db: impl PgExecutor<'_>,
    booking: BookingId,
    theater: TheaterId,
    model: Model,
    status: &str,
    sale_id: Option<&str>,
    error: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into theater_shares (booking_id, theater_id, model, status, sale_id, attempts,
                                     last_error, shared_at)
         values ($1, $2, $3, $4, $5, 1, $6, case when $4 = 'shared' then now() end)
         on conflict (booking_id) do update
            set status = excluded.status,
                sale_id = coalesce(excluded.sale_id, theater_shares.sale_id),
                attempts = theater_shares.attempts + 1,
                last_error = excluded.last_error,
                shared_at = case when excluded.status = 'shared'
                                 then coalesce(theater_shares.shared_at, now())
                                 else theater_shares.shared_at end",
        booking.as_uuid(),
        theater as TheaterId,
        model.as_str(),
        status,
        sale_id,
        error,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Notes a failed attempt without changing the share's status.
pub async fn share_failed(
    db: impl PgExecutor<'_>,
    booking: BookingId,
    error: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update theater_shares set attempts = attempts + 1, last_error = $2 where booking_id = $1",
        booking.as_uuid(),
        error,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// What the theater is told of a booking: its show, active seats, ticket, amount and contact.
#[derive(Clone, Debug)]
pub struct ShareFacts {
    /// The show.
    pub show_id: ShowId,
    /// Seats not cancelled.
    pub seats: Vec<String>,
    /// The ticket code, once booked.
    pub ticket_code: Option<String>,
    /// What was charged.
    pub amount_minor: i64,
    /// Its currency.
    pub currency: String,
    /// The contact (forgotten after an erasure).
    pub name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// The booking's status.
    pub status: String,
}

/// The facts the theater is told, `None` for an unknown booking.
pub async fn share_facts(db: &PgPool, booking: BookingId) -> sqlx::Result<Option<ShareFacts>> {
    let row = sqlx::query!(
        r#"select b.show_id as "show_id: ShowId", b.ticket_code, b.amount_minor, b.currency,
                  b.contact_name, b.contact_email, b.contact_phone, b.status,
                  coalesce(array(select seat_label from booking_seats s
                                  where s.booking_id = b.booking_id and s.cancelled_at is null
                                  order by seat_label), '{}') as "seats!"
             from bookings b where b.booking_id = $1"#,
        booking.as_uuid(),
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| ShareFacts {
        show_id: r.show_id,
        seats: r.seats,
        ticket_code: r.ticket_code,
        amount_minor: r.amount_minor,
        currency: r.currency,
        name: r.contact_name,
        email: r.contact_email,
        phone: r.contact_phone,
        status: r.status,
    }))
}
