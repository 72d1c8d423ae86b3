//! *Fully processed* bookings: paid, invoiced (every PDF stored) and told (the confirmation's
//! records settled on every channel), read from the database once the sale's sagas have
//! finished their steps after the payment, and where their time went per step.

use super::Target;
use super::stats::{Latency, peak_rate};
use serde::Serialize;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The steps after the payment, over the sale's completed bookings.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Processed {
    /// Bookings that completed (paid and confirmed).
    pub completed: usize,
    /// Of them, invoiced and told by the end of the wait.
    pub processed: usize,
    /// Seconds waited after the sale for the last of them.
    pub waited_seconds: f64,
    /// Fully processed bookings per second, from the first payment to the last processed.
    pub processed_per_second: f64,
    /// The busiest five seconds of the same.
    pub peak_processed_per_second: f64,
    /// Payment settled → fully processed.
    pub paid_to_processed: Latency,
    /// Payment settled → invoice stored.
    pub paid_to_invoiced: Latency,
    /// Rendering one PDF.
    pub render: Latency,
    /// Storing it in S3.
    pub upload: Latency,
    /// Composing the confirmation email (templates, QR code, the invoice read back).
    pub compose: Latency,
    /// Handing it to the SMTP server.
    pub send: Latency,
    /// Confirmation records by how they ended (`sent`, `skipped`, …).
    pub confirmations: Vec<(String, i64)>,
}

/// One completed booking's times (seconds since the epoch) and step figures.
#[derive(sqlx::FromRow)]
struct Row {
    paid: f64,
    invoiced: Option<f64>,
    told: Option<f64>,
    open_invoices: i64,
    open_messages: i64,
}

/// Waits (at most `limit`) until every completed booking of `shows` is invoiced and told,
/// then measures them.
pub async fn measure(
    target: &Target,
    shows: &[Uuid],
    limit: Duration,
) -> anyhow::Result<Processed> {
    let started = Instant::now();
    let rows = loop {
        let rows: Vec<Row> = sqlx::query_as(
            "select extract(epoch from p.updated_at)::float8 as paid,
                    (select extract(epoch from max(i.uploaded_at))::float8 from invoices i
                      where i.booking_id = b.booking_id and i.kind = 'invoice') as invoiced,
                    (select extract(epoch from max(n.updated_at))::float8 from notifications n
                      where n.booking_id = b.booking_id and n.kind = 'confirmation') as told,
                    (select count(*) from invoices i where i.booking_id = b.booking_id
                        and i.kind = 'invoice' and i.uploaded_at is null)
                     + (select case when exists (select 1 from invoices i
                          where i.booking_id = b.booking_id and i.kind = 'invoice')
                          then 0 else 1 end) as open_invoices,
                    (select count(*) from notifications n where n.booking_id = b.booking_id
                        and n.kind = 'confirmation' and n.status in ('pending', 'sending'))
                     + (select case when exists (select 1 from notifications n
                          where n.booking_id = b.booking_id and n.kind = 'confirmation')
                          then 0 else 1 end) as open_messages
               from bookings b join payments p using (booking_id)
              where b.show_id = any($1) and p.status = 'succeeded'
                and b.status in ('BookingCompleted', 'Invoiced')",
        )
        .bind(shows)
        .fetch_all(&target.db)
        .await?;
        let open = rows
            .iter()
            .filter(|r| r.open_invoices > 0 || r.open_messages > 0)
            .count();
        if open == 0 || started.elapsed() >= limit {
            break rows;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let done: Vec<(f64, f64, f64)> = rows
        .iter()
        .filter(|r| r.open_invoices == 0 && r.open_messages == 0)
        .filter_map(|r| Some((r.paid, r.invoiced?, r.told?)))
        .collect();
    let processed_at: Vec<f64> = done.iter().map(|(_, i, t)| i.max(*t)).collect();
    let first_paid = rows.iter().map(|r| r.paid).fold(f64::INFINITY, f64::min);
    let last = processed_at
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let span = last - first_paid;
    let ms = |v: Vec<f64>| Latency::of(v.into_iter().map(|s| s * 1000.0).collect());
    let steps: (Vec<Option<i32>>, Vec<Option<i32>>) = sqlx::query_as(
        "select coalesce(array_agg(i.render_ms), '{}'), coalesce(array_agg(i.upload_ms), '{}')
           from invoices i join bookings b using (booking_id)
          where b.show_id = any($1) and i.kind = 'invoice'",
    )
    .bind(shows)
    .fetch_one(&target.db)
    .await?;
    let messages: (Vec<Option<i32>>, Vec<Option<i32>>) = sqlx::query_as(
        "select coalesce(array_agg(n.compose_ms), '{}'), coalesce(array_agg(n.send_ms), '{}')
           from notifications n join bookings b using (booking_id)
          where b.show_id = any($1) and n.kind = 'confirmation' and n.status = 'sent'",
    )
    .bind(shows)
    .fetch_one(&target.db)
    .await?;
    let confirmations: Vec<(String, i64)> = sqlx::query_as(
        "select n.channel || ' ' || n.status, count(*) from notifications n
           join bookings b using (booking_id)
          where b.show_id = any($1) and n.kind = 'confirmation'
          group by 1 order by 1",
    )
    .bind(shows)
    .fetch_all(&target.db)
    .await?;
    let figures =
        |v: Vec<Option<i32>>| Latency::of(v.into_iter().flatten().map(f64::from).collect());
    Ok(Processed {
        completed: rows.len(),
        processed: done.len(),
        waited_seconds: started.elapsed().as_secs_f64(),
        processed_per_second: if span > 0.0 {
            done.len() as f64 / span
        } else {
            0.0
        },
        peak_processed_per_second: peak_rate(&processed_at, 5.0),
        paid_to_processed: ms(done.iter().map(|(p, i, t)| i.max(*t) - p).collect()),
        paid_to_invoiced: ms(done.iter().map(|(p, i, _)| i - p).collect()),
        render: figures(steps.0),
        upload: figures(steps.1),
        compose: figures(messages.0),
        send: figures(messages.1),
        confirmations,
    })
}
