//! A partnership's timeline as SVG, a pure function of its history: a time axis in years;
//! each lifecycle entry a mark in a lane, an uncertain or approximate date also a band
//! across its bounds, disputed entries hollow and dashed, retracted ones grey and struck;
//! above them the status as coloured spans, hatched where it is only possible, and the date
//! asked as a line. The spans are computed as the status query computes a status as of a
//! day (the driving entries through the temporal engine), once per stretch of days between
//! two entry bounds, so at most twice the entries plus one computations.

use amity_domain::temporal::day_point;
use amity_domain::{status_at, Certainty3, Day, Engine, EventType, Status, Unfinished};
use amity_projections::query::HistoryAnswer;
use amity_projections::rows::{self, parse_day};
use amity_projections::{AsOf, TimelineRow};
use maud::{html, Markup};

/// The drawing's width, in SVG units.
pub const WIDTH: f64 = 960.0;
const MARGIN: f64 = 24.0;
const SPAN_TOP: f64 = 8.0;
const SPAN_HEIGHT: f64 = 22.0;
const AXIS: f64 = 38.0;
const LANES_TOP: f64 = 66.0;
const LANE: f64 = 20.0;
const MOST_LANES: usize = 16;
/// The narrowest band drawn, so that one uncertain day shows.
const BAND_MIN: f64 = 14.0;
/// The narrowest span drawn where the status is only possible.
const SPAN_MIN: f64 = 6.0;

/// A linear map from days to x.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// The first day shown.
    pub first: i32,
    /// The day after the last one shown.
    pub end: i32,
    left: f64,
    right: f64,
}

impl Scale {
    /// Days `first..end` onto `left..right`.
    pub fn new(first: i32, end: i32, left: f64, right: f64) -> Scale {
        Scale {
            first,
            end: end.max(first + 1),
            left,
            right,
        }
    }

    /// The whole years around the given days (January 1 of the first one's year to January
    /// 1 after the last one's), onto the drawing's width.
    pub fn around(days: impl IntoIterator<Item = i32>) -> Scale {
        let (mut lowest, mut highest) = (i32::MAX, i32::MIN);
        for day in days {
            lowest = lowest.min(day);
            highest = highest.max(day);
        }
        if lowest > highest {
            (lowest, highest) = (0, 0);
        }
        let year = |day: i32| Day::On(day).ymd().map_or(1970, |(year, _, _)| year);
        let january = |year: i64| match Day::from_ymd(year, 1, 1) {
            Some(Day::On(day)) => day,
            _ => 0,
        };
        Scale::new(
            january(year(lowest)),
            january(year(highest) + 1),
            MARGIN,
            WIDTH - MARGIN,
        )
    }

    /// The x of the start of `day` (clamped to the axis).
    pub fn x(&self, day: i32) -> f64 {
        let day = day.clamp(self.first, self.end);
        let share = f64::from(day - self.first) / f64::from(self.end - self.first);
        self.left + share * (self.right - self.left)
    }

    /// The years to label: at most about a dozen, on round numbers.
    pub fn ticks(&self) -> Vec<(i64, f64)> {
        let year = |day: i32| Day::On(day).ymd().map_or(1970, |(year, _, _)| year);
        let (first, last) = (year(self.first), year(self.end - 1));
        let every = [1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000]
            .into_iter()
            .find(|every| (last - first) / every <= 11)
            .unwrap_or(1000);
        (first..=last)
            .filter(|year| year % every == 0 || (first == last))
            .filter_map(|year| match Day::from_ymd(year, 1, 1) {
                Some(Day::On(day)) => Some((year, self.x(day))),
                _ => None,
            })
            .collect()
    }
}

/// A stretch of days with one status answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Its first day.
    pub from: i32,
    /// The day after its last.
    pub to: i32,
    /// The status shown (the furthest along, when several are possible).
    pub status: Status,
    /// `definite` or `possible`.
    pub certainty: Certainty3,
    /// For `possible`: every status it may be.
    pub competing: Vec<Status>,
}

/// The status of a history over days `first..end`, as spans. A history whose stored events
/// break the rules (`conflict`) is `unknown` throughout.
pub fn spans(
    timeline: &[TimelineRow],
    conflict: bool,
    first: i32,
    end: i32,
) -> Result<Vec<Span>, Unfinished> {
    if conflict {
        return Ok(vec![Span {
            from: first,
            to: end,
            status: Status::Unknown,
            certainty: Certainty3::Possible,
            competing: Vec::new(),
        }]);
    }
    let dated: Vec<_> = rows::driving(timeline)
        .into_iter()
        .map(|(dated, _)| dated)
        .collect();
    let profile = Engine::new(&dated).profile()?;
    // The answer changes only where an entry's days begin (it may have happened) or end (it
    // has happened): between two such days it holds.
    let mut boundaries = vec![first];
    for each in &dated {
        if let Day::On(day) = each.earliest {
            boundaries.push(day);
        }
        if let Day::On(day) = each.latest {
            boundaries.push(day.saturating_add(1));
        }
    }
    boundaries.retain(|day| (first..end).contains(day));
    boundaries.sort_unstable();
    boundaries.dedup();
    let mut spans: Vec<Span> = Vec::with_capacity(boundaries.len());
    for (index, &from) in boundaries.iter().enumerate() {
        let to = boundaries.get(index + 1).copied().unwrap_or(end);
        let point = day_point(Day::On(from));
        let answer = status_at(&dated, &profile, point, point)?;
        match spans.last_mut() {
            Some(last)
                if last.status == answer.status
                    && last.certainty == answer.certainty
                    && last.competing == answer.competing =>
            {
                last.to = to;
            }
            _ => spans.push(Span {
                from,
                to,
                status: answer.status,
                certainty: answer.certainty,
                competing: answer.competing,
            }),
        }
    }
    Ok(spans)
}

/// A status's colour (each at least 3:1 against white, as WCAG asks of graphics).
pub fn colour(status: Status) -> &'static str {
    match status {
        Status::NotYet => "#6b6b6b",
        Status::Active => "#1b7837",
        Status::Suspended => "#a6480b",
        Status::Terminated => "#b2182b",
        Status::Unknown => "#5e3c99",
    }
}

/// The colour of an entry's mark: that of the status its type leads to.
fn mark_colour(event_type: &str) -> &'static str {
    match EventType::from_name(event_type) {
        Some(EventType::PartnershipSuspended) => colour(Status::Suspended),
        Some(EventType::PartnershipTerminated) => colour(Status::Terminated),
        Some(_) => colour(Status::Active),
        None => colour(Status::Unknown),
    }
}

/// A day as written in the attributes: `YYYY-MM-DD`, or `..` when unbounded.
pub fn day_text(day: i32) -> String {
    Day::On(day).to_string()
}

/// One entry placed on the axis.
#[derive(Debug, Clone)]
struct Placed<'a> {
    row: &'a TimelineRow,
    earliest: Option<i32>,
    latest: Option<i32>,
    x0: f64,
    x1: f64,
    band: bool,
    lane: usize,
}

fn bounded(day: Day) -> Option<i32> {
    match day {
        Day::On(day) => Some(day),
        _ => None,
    }
}

/// Whether a date as written is qualified (`~`, `?`, `%`): uncertain, though its bounds may
/// be one day (qualifiers do not widen bounds).
fn qualified(occurred: Option<&str>) -> bool {
    occurred.is_some_and(|text| text.contains(['~', '?', '%']))
}

/// The lifecycle entries placed on the axis, each in the first lane where it does not
/// overlap the one before.
fn place<'a>(entries: &[&'a TimelineRow], scale: &Scale) -> Vec<Placed<'a>> {
    let mut lanes_end: Vec<f64> = Vec::new();
    let mut placed: Vec<Placed<'a>> = entries
        .iter()
        .map(|row| {
            let earliest = bounded(parse_day(row.earliest.as_deref(), Day::Past));
            let latest = bounded(parse_day(row.latest.as_deref(), Day::Future));
            let x0 = earliest.map_or(scale.x(scale.first), |day| scale.x(day));
            let x1 = latest.map_or(scale.x(scale.end), |day| scale.x(day.saturating_add(1)));
            let band =
                earliest != latest || earliest.is_none() || qualified(row.occurred.as_deref());
            let (x0, x1) = if x1 - x0 < BAND_MIN {
                let middle = (x0 + x1) / 2.0;
                (middle - BAND_MIN / 2.0, middle + BAND_MIN / 2.0)
            } else {
                (x0, x1)
            };
            Placed {
                row,
                earliest,
                latest,
                x0,
                x1,
                band,
                lane: 0,
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..placed.len()).collect();
    order.sort_by(|&a, &b| placed[a].x0.total_cmp(&placed[b].x0));
    for index in order {
        let (start, stop) = (placed[index].x0 - 4.0, placed[index].x1 + 4.0);
        let lane = match lanes_end.iter().position(|end| *end <= start) {
            Some(lane) => lane,
            None if lanes_end.len() < MOST_LANES => {
                lanes_end.push(f64::MIN);
                lanes_end.len() - 1
            }
            None => MOST_LANES - 1,
        };
        lanes_end[lane] = lanes_end[lane].max(stop);
        placed[index].lane = lane;
    }
    placed
}

/// The timeline of a history, with the spans it shows.
#[derive(Debug)]
pub struct Drawing {
    /// The `<svg>`.
    pub svg: Markup,
    /// The status spans (empty when the engine could not finish: `unfinished` says why).
    pub spans: Vec<Span>,
    /// Why no spans are drawn, if so.
    pub unfinished: Option<String>,
    /// The axis.
    pub scale: Scale,
}

/// Draw `history`'s timeline, marking the date asked and reaching to `today` (a day).
pub fn draw(history: &HistoryAnswer, as_of: &AsOf, today: i32) -> Drawing {
    let rows: Vec<TimelineRow> = history.events.iter().map(|e| e.row.clone()).collect();
    let lifecycle: Vec<&TimelineRow> = rows
        .iter()
        .filter(|row| EventType::from_name(&row.event_type).is_some_and(EventType::is_lifecycle))
        .collect();
    let asked = (bounded(as_of.date.earliest()), bounded(as_of.date.latest()));
    let days = lifecycle
        .iter()
        .flat_map(|row| {
            [
                bounded(parse_day(row.earliest.as_deref(), Day::Past)),
                bounded(parse_day(row.latest.as_deref(), Day::Future)),
            ]
        })
        .chain([asked.0, asked.1, Some(today)])
        .flatten();
    let scale = Scale::around(days);
    let (spans, unfinished) = match spans(&rows, history.conflict.is_some(), scale.first, scale.end)
    {
        Ok(spans) => (spans, None),
        Err(error) => (Vec::new(), Some(error.to_string())),
    };
    let placed = place(&lifecycle, &scale);
    let lanes = placed.iter().map(|p| p.lane + 1).max().unwrap_or(1);
    let height = LANES_TOP + LANE * lanes as f64 + 8.0;
    let svg = svg(&scale, &spans, &placed, asked, height, history);
    Drawing {
        svg,
        spans,
        unfinished,
        scale,
    }
}

fn status_words(span: &Span) -> String {
    match span.certainty {
        Certainty3::Definite => span.status.name().to_owned(),
        Certainty3::Possible if span.competing.is_empty() => {
            format!("{} (possible)", span.status.name())
        }
        Certainty3::Possible => format!(
            "possibly {}",
            span.competing
                .iter()
                .map(|status| status.name())
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    }
}

/// A span in words: `1993-01-01 to 2022-03-02: active`.
pub fn span_words(span: &Span) -> String {
    format!(
        "{} to {}: {}",
        day_text(span.from),
        day_text(span.to - 1),
        status_words(span)
    )
}

fn entry_words(placed: &Placed<'_>) -> String {
    let row = placed.row;
    let mut words = format!(
        "{} {}, {}",
        row.event_type,
        row.occurred.as_deref().unwrap_or("undated"),
        row.certainty.name()
    );
    if let Some(term) = &row.term_as_written {
        words.push_str(&format!(", “{term}”"));
    }
    if row.retracted_by.is_some() {
        words.push_str(", retracted");
    }
    words
}

fn svg(
    scale: &Scale,
    spans: &[Span],
    placed: &[Placed<'_>],
    asked: (Option<i32>, Option<i32>),
    height: f64,
    history: &HistoryAnswer,
) -> Markup {
    let statuses = Status::ALL;
    let description = format!(
        "{} lifecycle entries from {} to {}. Status: {}.",
        placed.len(),
        day_text(scale.first),
        day_text(scale.end - 1),
        spans.iter().map(span_words).collect::<Vec<_>>().join("; ")
    );
    let asked_x = (
        asked.0.map_or(scale.x(scale.first), |day| scale.x(day)),
        asked.1.map_or(scale.x(scale.end), |day| scale.x(day + 1)),
    );
    html! {
        svg id="timeline" role="img" aria-labelledby="timeline-title timeline-desc"
            viewBox=(format!("0 0 {WIDTH} {height}")) width="100%"
            preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg" {
            title id="timeline-title" { "Timeline of " (history.partnership.as_str()) }
            desc id="timeline-desc" { (description) }
            defs {
                @for status in statuses {
                    pattern id=(format!("hatch-{}", status.name())) width="8" height="8"
                        patternUnits="userSpaceOnUse" patternTransform="rotate(45)" {
                        rect width="8" height="8" fill="#ffffff" {}
                        rect width="4" height="8" fill=(colour(status)) {}
                    }
                }
            }
            g class="spans" {
                // Definite spans first, then the possible ones over them, at least a few
                // units wide so that one uncertain day shows (their data keep the days).
                @for possible in [false, true] {
                    @for span in spans.iter().filter(|span| (span.certainty == Certainty3::Possible) == possible) {
                        @let (x0, x1) = span_extent(scale, span);
                        rect class=(if possible { "span possible" } else { "span" })
                            data-status=(span.status.name())
                            data-certainty=(certainty_name(span.certainty))
                            data-from=(day_text(span.from)) data-to=(day_text(span.to - 1))
                            x=(format!("{x0:.2}")) y=(SPAN_TOP)
                            width=(format!("{:.2}", x1 - x0)) height=(SPAN_HEIGHT)
                            fill=(if possible { format!("url(#hatch-{})", span.status.name()) } else { colour(span.status).to_owned() })
                            stroke=(colour(span.status)) stroke-width="1" {
                            title { (span_words(span)) }
                        }
                    }
                }
            }
            g class="axis" {
                line x1=(MARGIN) x2=(WIDTH - MARGIN) y1=(AXIS) y2=(AXIS) stroke="#1a1a1a" {}
                @for (year, x) in scale.ticks() {
                    line x1=(format!("{x:.2}")) x2=(format!("{x:.2}")) y1=(AXIS) y2=(AXIS + 5.0) stroke="#1a1a1a" {}
                    text x=(format!("{x:.2}")) y=(AXIS + 18.0) text-anchor="middle" font-size="12" fill="#1a1a1a" { (year) }
                }
            }
            g class="as-of" data-earliest=[asked.0.map(day_text)] data-latest=[asked.1.map(day_text)] {
                rect x=(format!("{:.2}", asked_x.0)) y="2"
                    width=(format!("{:.2}", (asked_x.1 - asked_x.0).max(2.0))) height=(height - 4.0)
                    fill="#0645ad" fill-opacity="0.15" stroke="#0645ad" stroke-width="1.5" {
                    title { "The date asked" }
                }
            }
            g class="entries" {
                @for each in placed {
                    (mark(each))
                }
            }
        }
    }
}

/// Where a span is drawn: its days, widened about their middle to [`SPAN_MIN`] when it is
/// only possible (a definite span is drawn as it is, at least half a unit).
fn span_extent(scale: &Scale, span: &Span) -> (f64, f64) {
    let (x0, x1) = (scale.x(span.from), scale.x(span.to));
    let least = if span.certainty == Certainty3::Possible {
        SPAN_MIN
    } else {
        0.5
    };
    if x1 - x0 >= least {
        (x0, x1)
    } else {
        let middle = (x0 + x1) / 2.0;
        (middle - least / 2.0, middle + least / 2.0)
    }
}

fn certainty_name(certainty: Certainty3) -> &'static str {
    match certainty {
        Certainty3::Definite => "definite",
        Certainty3::Possible => "possible",
    }
}

fn mark(placed: &Placed<'_>) -> Markup {
    let row = placed.row;
    let disputed = row.disputed || row.certainty == amity_domain::Certainty::Disputed;
    let retracted = row.retracted_by.is_some();
    let mut class = String::from("entry");
    if disputed {
        class.push_str(" disputed");
    }
    if retracted {
        class.push_str(" retracted");
    }
    if placed.band {
        class.push_str(" uncertain");
    }
    let colour = if retracted {
        "#767676"
    } else {
        mark_colour(&row.event_type)
    };
    let y = LANES_TOP + LANE * placed.lane as f64 + LANE / 2.0;
    let x = (placed.x0 + placed.x1) / 2.0;
    let words = entry_words(placed);
    html! {
        g class=(class) data-event-id=(row.event_id) data-type=(row.event_type)
            data-certainty=(row.certainty.name())
            data-earliest=(placed.earliest.map_or_else(|| "..".to_owned(), day_text))
            data-latest=(placed.latest.map_or_else(|| "..".to_owned(), day_text)) {
            title { (words) }
            @if placed.band {
                rect class="band" x=(format!("{:.2}", placed.x0)) y=(format!("{:.2}", y - 6.0))
                    width=(format!("{:.2}", placed.x1 - placed.x0)) height="12" rx="3"
                    fill=(colour) fill-opacity="0.25" stroke=(colour)
                    stroke-dasharray=[disputed.then_some("3 2")] {
                    title { (words) }
                }
            }
            circle class="mark" cx=(format!("{x:.2}")) cy=(format!("{y:.2}")) r="5"
                fill=(if disputed { "#ffffff" } else { colour }) stroke=(colour) stroke-width="2"
                stroke-dasharray=[disputed.then_some("2 1.5")] {
                title { (words) }
            }
            @if retracted {
                line class="strike" x1=(format!("{:.2}", x - 8.0)) x2=(format!("{:.2}", x + 8.0))
                    y1=(format!("{:.2}", y + 6.0)) y2=(format!("{:.2}", y - 6.0))
                    stroke="#1a1a1a" stroke-width="2" {}
            }
        }
    }
}

#[cfg(test)]
#[path = "timeline_tests.rs"]
mod tests;
