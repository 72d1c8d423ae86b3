//! Sales figures for operators (`GET /admin/analytics`), read from the database: tickets per
//! show, occupancy, revenue, offers redeemed and refunds in a time range. The same facts go to
//! Kafka's analytics topic and from there to the S3 archive, for ad-hoc queries over history.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// One show's sales in the range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShowSales {
    /// The show.
    pub show_id: Uuid,
    /// Its theater.
    pub theater_id: Uuid,
    /// Its movie.
    pub movie_id: Uuid,
    /// Its city.
    pub city: String,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// Seats the show has (sellable or not).
    pub capacity: i64,
    /// Seats booked now, whenever sold.
    pub booked_now: i64,
    /// Bookings paid in the range and still booked.
    pub bookings: i64,
    /// Their seats.
    pub tickets: i64,
    /// Their total, in minor units.
    pub revenue_minor: i64,
    /// The show's currency.
    pub currency: String,
    /// Offer redemptions made in the range.
    pub offers_redeemed: i64,
    /// What those redemptions took off, in minor units.
    pub discount_minor: i64,
    /// Refunds made in the range.
    pub refunds: i64,
    /// Their amount, in minor units.
    pub refunded_minor: i64,
}

/// Shows with sales, redemptions or refunds in `[from, to)`, highest revenue first, at most
/// `limit`.
pub async fn show_sales(
    db: &PgPool,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: i64,
) -> sqlx::Result<Vec<ShowSales>> {
    sqlx::query_as!(
        ShowSales,
        r#"with sales as (
             select b.show_id, b.amount_minor,
                    (select count(*) from booking_seats s where s.booking_id = b.booking_id) as seats
               from bookings b join payments p using (booking_id)
              where p.status = 'succeeded' and p.updated_at >= $1 and p.updated_at < $2
                and b.status in ('BookingCompleted', 'Invoiced', 'SettlementDone')
           ), per_show as (
             select show_id, count(*) as bookings, sum(seats)::bigint as tickets,
                    sum(amount_minor)::bigint as revenue_minor
               from sales group by show_id
           ), offers as (
             select b.show_id, count(*) as redeemed, sum(r.discount_minor)::bigint as discount_minor
               from offer_redemptions r join bookings b using (booking_id)
              where r.status = 'redeemed' and r.redeemed_at >= $1 and r.redeemed_at < $2
              group by b.show_id
           ), refunded as (
             select b.show_id, count(*) as refunds, sum(f.amount_minor)::bigint as amount
               from refunds f join bookings b using (booking_id)
              where f.created_at >= $1 and f.created_at < $2
              group by b.show_id
           )
           select sh.show_id, sh.theater_id, sh.movie_id, sh.city, sh.starts_at,
                  (select count(*) from show_seats ss where ss.show_id = sh.show_id) as "capacity!",
                  (select count(*) from show_seats ss
                    where ss.show_id = sh.show_id and ss.status = 'booked') as "booked_now!",
                  coalesce(ps.bookings, 0) as "bookings!",
                  coalesce(ps.tickets, 0) as "tickets!",
                  coalesce(ps.revenue_minor, 0) as "revenue_minor!",
                  sh.currency,
                  coalesce(o.redeemed, 0) as "offers_redeemed!",
                  coalesce(o.discount_minor, 0) as "discount_minor!",
                  coalesce(rf.refunds, 0) as "refunds!",
                  coalesce(rf.amount, 0) as "refunded_minor!"
             from shows sh
             left join per_show ps on ps.show_id = sh.show_id
             left join offers o on o.show_id = sh.show_id
             left join refunded rf on rf.show_id = sh.show_id
            where ps.show_id is not null or o.show_id is not null or rf.show_id is not null
            order by coalesce(ps.revenue_minor, 0) desc, sh.starts_at, sh.show_id
            limit $3"#,
        from,
        to,
        limit,
    )
    .fetch_all(db)
    .await
}
