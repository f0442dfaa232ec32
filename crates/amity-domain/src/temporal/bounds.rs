//! Valid time as points on a half-day axis, and a driving event's bounds on it (see the
//! module docs of [`crate::temporal`]).

use crate::date::Day;
use crate::event::EventType;

/// A point of valid time on the half-day axis (see the module docs).
pub type Point = i64;

/// Before every bounded day.
pub const PAST: Point = -(1 << 40);
/// After every bounded day.
pub const FUTURE: Point = 1 << 40;

/// The point of a day (its whole span, as far as ordering goes).
pub fn day_point(day: Day) -> Point {
    match day {
        Day::Past => PAST,
        Day::On(n) => 2 * i64::from(n),
        Day::Future => FUTURE,
    }
}

/// The point at the end of a day: after everything dated that day, before the next.
pub fn end_of_day(day: Day) -> Point {
    match day {
        Day::On(n) => 2 * i64::from(n) + 1,
        other => day_point(other) + 1,
    }
}

/// The point at the start of a day: after everything dated the day before.
pub fn start_of_day(day: Day) -> Point {
    match day {
        Day::On(n) => 2 * i64::from(n) - 1,
        other => day_point(other) - 1,
    }
}

/// A driving event as the engine sees it: its type and the days it can have happened on
/// (already capped at the day it was recorded; see [`cap_at_recording`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dated {
    /// Founded, attested, suspended, reinstated, terminated or reaffirmed.
    pub event_type: EventType,
    /// The earliest day.
    pub earliest: Day,
    /// The latest day.
    pub latest: Day,
}

/// An event cannot have happened after the day it was recorded: its latest day is capped at
/// that day (UTC). An event dated wholly after its recording keeps its earliest day as its
/// latest (a date in the future is the source's claim; the cap never empties an interval).
pub fn cap_at_recording(earliest: Day, latest: Day, recorded_at: jiff::Timestamp) -> (Day, Day) {
    let recorded = recorded_day(recorded_at);
    let capped = latest.min(recorded);
    (earliest, capped.max(earliest))
}

/// The UTC day of a moment.
pub fn recorded_day(moment: jiff::Timestamp) -> Day {
    let days = moment.as_second().div_euclid(86_400);
    i32::try_from(days).map_or(Day::Future, Day::On)
}
