//! Choosing seats on the map, as a customer's screen does: it polls which seats are free and the
//! customer takes a run side by side.

use crate::ApiClient;
use rand::Rng;
use rand::rngs::StdRng;
use serde::Deserialize;
use uuid::Uuid;

/// A run of free seats picked on the map: the customer's screen shows the layout (fetched once,
/// it does not change) and polls which seats are free (`…/seats/availability`).
pub(super) async fn pick_seats(
    api: &ApiClient,
    show: Uuid,
    count: usize,
    rng: &mut StdRng,
) -> anyhow::Result<Vec<String>> {
    let free: Availability = api
        .get(&format!("/shows/{show}/seats/availability"))
        .await?
        .json()
        .await?;
    Ok(pick_on_map(&free, count, rng))
}

/// The parts of `GET /shows/{id}/seats/availability` a customer reads.
#[derive(Deserialize)]
struct Availability {
    rows: Vec<AvailableRow>,
}

#[derive(Deserialize)]
struct AvailableRow {
    row: String,
    seats: Vec<i32>,
}

/// A random run of `count` free seats side by side (consecutive numbers) in one row; failing
/// that, any `count` free seats of the map.
fn pick_on_map(free: &Availability, count: usize, rng: &mut StdRng) -> Vec<String> {
    let mut runs: Vec<(&str, &[i32])> = Vec::new();
    for row in &free.rows {
        let mut start = 0;
        for i in 1..=row.seats.len() {
            if i == row.seats.len() || row.seats[i] != row.seats[i - 1] + 1 {
                if i - start >= count {
                    runs.push((&row.row, &row.seats[start..i]));
                }
                start = i;
            }
        }
    }
    let label = |row: &str, n: &i32| format!("{row}{n}");
    if !runs.is_empty() {
        let (row, run) = runs[rng.random_range(0..runs.len())];
        let start = rng.random_range(0..=run.len() - count);
        return run[start..start + count]
            .iter()
            .map(|n| label(row, n))
            .collect();
    }
    let all: Vec<String> = free
        .rows
        .iter()
        .flat_map(|r| r.seats.iter().map(|n| label(&r.row, n)))
        .collect();
    if all.is_empty() {
        return all;
    }
    let start = rng.random_range(0..all.len());
    let n = count.min(all.len());
    all.into_iter().cycle().skip(start).take(n).collect()
}
