//! The series chart: how many partnerships of a cohort had each status at the end of each
//! step (`Query::Series`), as SVG lines — solid for the definite counts, dashed up to the
//! definite and possible ones — with a vertical line per milestone in range.

use amity_domain::{Day, Milestone, Status};
use amity_projections::analysis::Point;
use amity_projections::rows::parse_day;
use maud::{html, Markup};

use super::timeline::{colour, day_text, Scale};

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 320.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 44.0;

/// The statuses charted, in lifecycle order.
pub const CHARTED: [Status; 5] = [
    Status::NotYet,
    Status::Active,
    Status::Suspended,
    Status::Terminated,
    Status::Unknown,
];

/// A round top for the y axis at or above `highest`, and the step between its grid lines.
pub fn y_axis(highest: u64) -> (u64, u64) {
    let highest = highest.max(1);
    let mut step = 1u64;
    loop {
        for factor in [1, 2, 5] {
            let each = step.saturating_mul(factor);
            if highest.div_ceil(each) <= 5 {
                return (highest.div_ceil(each) * each, each);
            }
        }
        step = step.saturating_mul(10);
    }
}

/// The day a point's counts are for (the start of the day after its step).
fn point_day(point: &Point) -> Option<i32> {
    match parse_day(Some(&point.as_of), Day::Past) {
        Day::On(day) => Some(day),
        _ => None,
    }
}

/// The chart of `points` over days `first..end` (or further, to the last point: a step's
/// counts are for its end), with the milestones dated in it.
pub fn draw(points: &[Point], milestones: &[Milestone], first: i32, end: i32) -> Markup {
    let end = points
        .iter()
        .filter_map(point_day)
        .map(|day| day.saturating_add(1))
        .fold(end, i32::max);
    let scale = Scale::new(first, end, LEFT, WIDTH - RIGHT);
    let count = |point: &Point, status: Status| {
        point
            .counts
            .get(status.name())
            .map_or((0, 0), |split| (split.definite, split.possible))
    };
    let highest = points
        .iter()
        .flat_map(|point| CHARTED.map(|status| count(point, status)))
        .map(|(definite, possible)| definite + possible)
        .max()
        .unwrap_or(0);
    let (top, every) = y_axis(highest);
    let y = |value: u64| TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - value as f64 / top as f64);
    let placed: Vec<(f64, &Point)> = points
        .iter()
        .filter_map(|point| point_day(point).map(|day| (scale.x(day), point)))
        .collect();
    let in_range: Vec<(&Milestone, i32)> = milestones
        .iter()
        .filter_map(|milestone| match milestone.occurred.earliest() {
            Day::On(day) if (first..end).contains(&day) => Some((milestone, day)),
            _ => None,
        })
        .collect();
    let labelled = placed.len().div_ceil(12).max(1);
    let description = format!(
        "Counts by status at the end of each of {} steps from {} to {}; {} milestone lines. \
         The table below gives every number.",
        points.len(),
        day_text(first),
        day_text(end - 1),
        in_range.len()
    );
    html! {
        svg id="series" role="img" aria-labelledby="series-title series-desc"
            viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) width="100%" xmlns="http://www.w3.org/2000/svg" {
            title id="series-title" { "Partnerships by status over time" }
            desc id="series-desc" { (description) }
            g class="grid" {
                @for value in (0..=top).step_by(every.max(1) as usize) {
                    line x1=(LEFT) x2=(WIDTH - RIGHT) y1=(format!("{:.2}", y(value))) y2=(format!("{:.2}", y(value)))
                        stroke="#d0d0d0" {}
                    text x=(LEFT - 6.0) y=(format!("{:.2}", y(value) + 4.0)) text-anchor="end" font-size="12" fill="#1a1a1a" { (value) }
                }
                @for (index, (x, point)) in placed.iter().enumerate() {
                    @if index % labelled == 0 {
                        text x=(format!("{x:.2}")) y=(HEIGHT - BOTTOM + 18.0) text-anchor="middle" font-size="12" fill="#1a1a1a" { (point.step) }
                    }
                }
            }
            @for (milestone, day) in &in_range {
                @let x = scale.x(*day);
                line class="milestone" data-key=(milestone.key.as_str()) data-date=(milestone.occurred.as_str())
                    x1=(format!("{x:.2}")) x2=(format!("{x:.2}")) y1=(TOP - 16.0) y2=(HEIGHT - BOTTOM)
                    stroke="#0645ad" stroke-width="2" stroke-dasharray="6 3" {
                    title { (milestone.title) " (" (milestone.occurred.as_str()) ")" }
                }
                @let right = x > WIDTH / 2.0;
                text x=(format!("{:.2}", if right { x - 3.0 } else { x + 3.0 })) y=(TOP - 8.0)
                    text-anchor=(if right { "end" } else { "start" }) font-size="11" fill="#0645ad" { (milestone.key.as_str()) }
            }
            @for status in CHARTED {
                @let definite: Vec<String> = placed.iter().map(|(x, point)| format!("{x:.2},{:.2}", y(count(point, status).0))).collect();
                @let upper: Vec<String> = placed.iter().map(|(x, point)| { let (d, p) = count(point, status); format!("{x:.2},{:.2}", y(d + p)) }).collect();
                @let any = placed.iter().any(|(_, point)| { let (d, p) = count(point, status); d + p > 0 });
                @if any {
                    g class="status" data-status=(status.name()) {
                        @if placed.iter().any(|(_, point)| count(point, status).1 > 0) {
                            polyline class="possible" points=(upper.join(" ")) fill="none"
                                stroke=(colour(status)) stroke-width="2" stroke-dasharray="5 4" {}
                        }
                        polyline class="definite" points=(definite.join(" ")) fill="none"
                            stroke=(colour(status)) stroke-width="2.5" {}
                        @for (x, point) in &placed {
                            @let (d, p) = count(point, status);
                            circle cx=(format!("{x:.2}")) cy=(format!("{:.2}", y(d))) r="3.5" fill=(colour(status)) {
                                title { (point.step) ": " (status.name()) " " (d) @if p > 0 { " (+" (p) " possible)" } }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use amity_projections::analysis::Split;

    use super::*;

    fn point(step: &str, as_of: &str, active: (u64, u64)) -> Point {
        let mut counts = BTreeMap::new();
        for status in CHARTED {
            counts.insert(status.name(), Split::default());
        }
        counts.insert(
            "active",
            Split {
                definite: active.0,
                possible: active.1,
            },
        );
        Point {
            step: step.to_owned(),
            as_of: as_of.to_owned(),
            counts,
        }
    }

    #[test]
    fn the_y_axis_is_round_and_holds_the_highest_count() {
        assert_eq!(y_axis(0), (1, 1));
        assert_eq!(y_axis(4), (4, 1));
        assert_eq!(y_axis(7), (8, 2));
        assert_eq!(y_axis(22), (25, 5));
        assert_eq!(y_axis(23), (25, 5));
        assert_eq!(y_axis(1234), (1500, 500));
    }

    #[test]
    fn milestones_in_range_are_lines_and_counts_are_points() {
        let milestone = |key: &str, date: &str| Milestone {
            key: key.parse().unwrap(),
            title: format!("the {key}"),
            occurred: date.parse().unwrap(),
            sources: Vec::new(),
            note: None,
        };
        let day = |text: &str| match parse_day(Some(text), Day::Past) {
            Day::On(day) => day,
            other => panic!("{other:?}"),
        };
        let svg = draw(
            &[
                point("2021", "2022-01-01", (7, 16)),
                point("2022", "2023-01-01", (22, 0)),
            ],
            &[
                milestone("invasion", "2022-02-24"),
                milestone("long-ago", "1990"),
            ],
            day("2021-01-01"),
            day("2023-01-01"),
        )
        .into_string();
        assert!(svg.starts_with("<svg id=\"series\" role=\"img\""), "{svg}");
        assert_eq!(svg.matches("<line class=\"milestone\"").count(), 1, "{svg}");
        assert!(svg.contains("data-key=\"invasion\" data-date=\"2022-02-24\""));
        assert!(svg.contains("2021: active 7 (+16 possible)"), "{svg}");
        assert!(svg.contains("<g class=\"status\" data-status=\"active\">"));
        assert!(
            !svg.contains("data-status=\"terminated\""),
            "no line for none"
        );
    }
}
