//! `amity series --chart FILE.svg`: counts by status over time as a stacked chart, with the
//! milestones marked as labelled vertical lines (plotters, SVG backend).

use std::path::Path;

use amity_domain::{Day, Milestone};
use amity_projections::analysis::Point;
use anyhow::{Context, Result};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The statuses stacked, bottom to top, with their colours.
const LAYERS: [(&str, RGBColor); 3] = [
    ("active", RGBColor(46, 139, 87)),
    ("suspended", RGBColor(230, 159, 0)),
    ("terminated", RGBColor(178, 34, 34)),
];

/// A day as a fractional year, for the x axis.
fn year_of(day: Day) -> Option<f64> {
    let (year, month, day_of_month) = day.ymd()?;
    Some(year as f64 + (f64::from(month) - 1.0) / 12.0 + (f64::from(day_of_month) - 1.0) / 365.25)
}

fn parse_day(text: &str) -> Option<Day> {
    let mut parts = text.splitn(3, '-');
    let year = parts.next()?.parse().ok()?;
    let month = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    Day::from_ymd(year, month, day)
}

/// Draw the chart to `path` (a new file, renamed over whatever is there).
pub fn draw(
    path: &Path,
    cohort: &str,
    step: &str,
    points: &[Point],
    milestones: &[Milestone],
) -> Result<()> {
    let xs: Vec<f64> = points
        .iter()
        .filter_map(|point| parse_day(&point.as_of).and_then(year_of))
        .collect();
    anyhow::ensure!(
        xs.len() == points.len() && !xs.is_empty(),
        "nothing to chart"
    );
    let totals: Vec<u64> = points
        .iter()
        .map(|point| {
            LAYERS
                .iter()
                .map(|(name, _)| {
                    point
                        .counts
                        .get(name)
                        .map_or(0, |c| c.definite + c.possible)
                })
                .sum()
        })
        .collect();
    let top = totals.iter().copied().max().unwrap_or(0).max(1) as f64 * 1.25;
    // Each count is drawn over its own step, which ends at its x.
    let first_step = xs.get(1).map_or(1.0, |second| second - xs[0]);
    let starts: Vec<f64> = std::iter::once(xs[0] - first_step)
        .chain(xs.iter().copied())
        .take(xs.len())
        .collect();
    let (x_min, x_max) = (starts[0], xs[xs.len() - 1]);

    let short_range = x_max - x_min <= 6.0;
    // Drawn in memory, then written as a new file renamed into place (`files`): a link at
    // `path` is replaced, never followed.
    let mut svg = String::new();
    let root = SVGBackend::with_string(&mut svg, (1000, 560)).into_drawing_area();
    let draw_error =
        |error: DrawingAreaErrorKind<_>| anyhow::anyhow!("drawing the chart: {error:?}");
    root.fill(&WHITE).map_err(draw_error)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("Partnerships by status: {cohort}"),
            ("sans-serif", 22),
        )
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(x_min..x_max, 0f64..top)
        .map_err(draw_error)?;
    chart
        .configure_mesh()
        .x_desc(format!("{step} (status at the end of each {step})"))
        .y_desc("partnerships")
        .x_label_formatter(&|x| {
            let year = x.floor();
            if short_range {
                format!("{year:.0}-{:02}", ((x - year) * 12.0).round() as u32 + 1)
            } else {
                format!("{year:.0}")
            }
        })
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()
        .map_err(draw_error)?;

    // Stacked areas: each layer is drawn from the top of the ones below it.
    let mut base = vec![0f64; points.len()];
    let mut layers = Vec::new();
    for (name, colour) in LAYERS {
        let upper: Vec<f64> = points
            .iter()
            .zip(&base)
            .map(|(point, below)| {
                below
                    + point
                        .counts
                        .get(name)
                        .map_or(0, |c| c.definite + c.possible) as f64
            })
            .collect();
        layers.push((name, colour, upper.clone()));
        base = upper;
    }
    // A count covers its whole step: draw steps, not slopes.
    let stepped = |values: &[f64]| -> Vec<(f64, f64)> {
        let mut out = Vec::with_capacity(values.len() * 2);
        for (index, value) in values.iter().enumerate() {
            out.push((starts[index], *value));
            out.push((xs[index], *value));
        }
        out
    };
    for (name, colour, upper) in layers.iter().rev() {
        let colour = *colour;
        chart
            .draw_series(AreaSeries::new(stepped(upper), 0.0, colour.mix(0.85)))
            .map_err(draw_error)?
            .label(name.to_string())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled()));
    }

    // Milestones inside the range: a dashed-looking vertical line and a staggered label.
    for (index, milestone) in milestones.iter().enumerate() {
        let Some(x) = year_of(milestone.occurred.earliest()) else {
            continue;
        };
        if x < x_min || x > x_max {
            continue;
        }
        let segments = 24;
        let line: Vec<(f64, f64)> = (0..=segments)
            .map(|i| (x, top * i as f64 / segments as f64))
            .collect();
        for pair in line.chunks(2) {
            chart
                .draw_series(LineSeries::new(pair.iter().copied(), BLACK.stroke_width(1)))
                .map_err(draw_error)?;
        }
        // Labels stagger downwards and sit on the side of the line with more room.
        let label_y = top * (0.97 - 0.06 * (index % 4) as f64);
        let side = if x > (x_min + x_max) / 2.0 {
            HPos::Right
        } else {
            HPos::Left
        };
        let style = TextStyle::from(("sans-serif", 13).into_font())
            .color(&BLACK)
            .pos(Pos::new(side, VPos::Top));
        chart
            .draw_series(std::iter::once(Text::new(
                format!(" {} ({}) ", milestone.key, milestone.occurred),
                (x, label_y),
                style,
            )))
            .map_err(draw_error)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(draw_error)?;
    root.present()
        .with_context(|| format!("writing {}", path.display()))?;
    drop(chart);
    drop(root);
    crate::files::replace_with(path, svg.as_bytes())
}
