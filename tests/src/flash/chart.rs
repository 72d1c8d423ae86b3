//! The run as a picture: throughput and latency per second, as SVG next to the JSON.

use super::stats::TimelineBucket;
use plotters::prelude::*;
use std::path::Path;

type Series<'a> = (&'a str, RGBColor, Box<dyn Fn(&TimelineBucket) -> f64 + 'a>);

/// Draws throughput (holds, completed bookings, conflicts per second) above latency (hold p50
/// and p95, hold → completed p95) over the seconds of the sale.
pub fn write_svg(path: &Path, title: &str, timeline: &[TimelineBucket]) -> anyhow::Result<()> {
    let root = SVGBackend::new(path, (1000, 700)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let root = root.titled(title, ("sans-serif", 20)).map_err(err)?;
    let (top, bottom) = root.split_vertically(330);
    let throughput: Vec<Series> = vec![
        ("holds/s", BLUE, Box::new(|b| b.holds as f64)),
        ("completed/s", GREEN, Box::new(|b| b.completed as f64)),
        ("conflicts/s (409)", RED, Box::new(|b| b.conflicts as f64)),
    ];
    panel(&top, "per second", timeline, &throughput)?;
    let latency: Vec<Series> = vec![
        ("hold p50 ms", BLUE, Box::new(|b| b.hold_p50_ms)),
        ("hold p95 ms", MAGENTA, Box::new(|b| b.hold_p95_ms)),
        (
            "hold to completed p95 ms",
            GREEN,
            Box::new(|b| b.completed_p95_ms),
        ),
    ];
    panel(&bottom, "milliseconds", timeline, &latency)?;
    root.present().map_err(err)?;
    Ok(())
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    y_label: &str,
    timeline: &[TimelineBucket],
    series: &[Series],
) -> anyhow::Result<()> {
    let x_max = timeline.len().max(1) as f64;
    let y_max = series
        .iter()
        .flat_map(|(_, _, f)| timeline.iter().map(f))
        .fold(1.0, f64::max)
        * 1.1;
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(35)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("seconds since the sale opened")
        .y_desc(y_label)
        .draw()
        .map_err(err)?;
    for (name, color, f) in series {
        let color = *color;
        chart
            .draw_series(LineSeries::new(
                timeline.iter().map(|b| (b.second as f64 + 0.5, f(b))),
                color.stroke_width(2),
            ))
            .map_err(err)?
            .label(*name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    Ok(())
}

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("drawing the chart: {e}")
}
