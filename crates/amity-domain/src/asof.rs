//! The status of a partnership on a date (valid time), with honest uncertainty.
//!
//! Event dates are day intervals. An event whose latest day is before the date definitely
//! happened by then; one whose earliest day is after the date definitely had not; one whose
//! interval contains the date possibly had. With the driving events in their resolved
//! valid-time order, the status on the date is the status after the definite prefix, or any
//! status reachable through the events that possibly happened: one value is `definite`,
//! several are `possible`. A date given as EDTF is itself an interval; "on 2022-03" asks about
//! every day of March, so an event inside March is possible, not definite.
//!
//! Width rule: `~` and `?` do not widen bounds (see [`crate::date`]), so an event dated
//! `2022-03-03~` is possible on 2022-03-03 and definite from 2022-03-04.

use serde::Serialize;

use crate::date::Day;
use crate::timeline::Status;

/// How sure an answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Certainty3 {
    /// Every relevant event lies wholly before (or after) the date.
    Definite,
    /// Some event's interval contains the date.
    Possible,
}

/// The status on a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusAt {
    /// The most likely status: after every event that possibly happened by the date.
    pub status: Status,
    /// Whether it is certain.
    pub certainty: Certainty3,
    /// For `possible`: every status it may be, in timeline order (including `status`).
    pub competing: Vec<Status>,
    /// The step (index into the steps given) that set `status`; `None` for `not_yet`.
    pub set_by: Option<usize>,
}

/// One driving event in resolved order: its day bounds and the status right after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// The earliest day it can have happened.
    pub earliest: Day,
    /// The latest day it can have happened.
    pub latest: Day,
    /// The status after it.
    pub status_after: Status,
}

/// The status on the days `from..=to` (one day: `from == to`) given the driving steps in
/// resolved valid-time order. With `from` the day after `to`, it is the status at the boundary
/// between the two days: everything dated up to `to` has happened, nothing dated later has.
pub fn status_at(steps: &[Step], from: Day, to: Day) -> StatusAt {
    // A step whose latest day is before the asked days certainly happened, and so did every
    // step ordered before it; a step whose earliest day is after them certainly had not, nor
    // had any step ordered after it.
    let definite = steps
        .iter()
        .rposition(|step| step.latest < from)
        .map_or(0, |index| index + 1);
    let possible = steps
        .iter()
        .position(|step| step.earliest > to)
        .unwrap_or(steps.len())
        .max(definite);
    let state = |done: usize| {
        if done == 0 {
            Status::NotYet
        } else {
            steps[done - 1].status_after
        }
    };
    let mut competing: Vec<Status> = Vec::new();
    for done in definite..=possible {
        let status = state(done);
        if !competing.contains(&status) {
            competing.push(status);
        }
    }
    let status = state(possible);
    let set_by = (0..possible)
        .rev()
        .find(|&index| index == 0 || steps[index].status_after != steps[index - 1].status_after);
    if competing.len() == 1 {
        StatusAt {
            status,
            certainty: Certainty3::Definite,
            competing: Vec::new(),
            set_by,
        }
    } else {
        StatusAt {
            status,
            certainty: Certainty3::Possible,
            competing,
            set_by,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Day {
        let date = crate::date::EdtfDate::parse(text).unwrap();
        date.earliest()
    }

    fn step(occurred: &str, status_after: Status) -> Step {
        let date = crate::date::EdtfDate::parse(occurred).unwrap();
        Step {
            earliest: date.earliest(),
            latest: date.latest(),
            status_after,
        }
    }

    fn smolensk() -> Vec<Step> {
        vec![
            step("1993", Status::Active),
            step("2022-03-03~", Status::Suspended),
        ]
    }

    fn on(steps: &[Step], date: &str) -> StatusAt {
        status_at(steps, day(date), day(date))
    }

    #[test]
    fn before_founding_is_not_yet() {
        let answer = on(&smolensk(), "1980-06-01");
        assert_eq!(
            (answer.status, answer.certainty),
            (Status::NotYet, Certainty3::Definite)
        );
    }

    #[test]
    fn inside_an_uncertain_interval_is_possible() {
        let answer = on(&smolensk(), "1993-06-01");
        assert_eq!(answer.certainty, Certainty3::Possible);
        assert_eq!(answer.competing, [Status::NotYet, Status::Active]);
        let answer = on(&smolensk(), "2022-03-03");
        assert_eq!(answer.certainty, Certainty3::Possible);
        assert_eq!(answer.status, Status::Suspended);
        assert_eq!(answer.competing, [Status::Active, Status::Suspended]);
    }

    #[test]
    fn after_every_event_is_definite() {
        let answer = on(&smolensk(), "2022-03-04");
        assert_eq!(
            (answer.status, answer.certainty),
            (Status::Suspended, Certainty3::Definite)
        );
        let answer = on(&smolensk(), "2021-06-01");
        assert_eq!(
            (answer.status, answer.certainty),
            (Status::Active, Certainty3::Definite)
        );
    }

    #[test]
    fn a_month_asked_about_is_a_range_of_days() {
        let april = crate::date::EdtfDate::parse("2022-04").unwrap();
        let answer = status_at(&smolensk(), april.earliest(), april.latest());
        assert_eq!(
            (answer.status, answer.certainty),
            (Status::Suspended, Certainty3::Definite)
        );
        let march = crate::date::EdtfDate::parse("2022-03").unwrap();
        let answer = status_at(&smolensk(), march.earliest(), march.latest());
        assert_eq!(answer.certainty, Certainty3::Possible);
    }

    #[test]
    fn a_vague_early_step_does_not_hide_a_certain_later_one() {
        let steps = [
            step("[1990,2010]", Status::Active),
            step("2000", Status::Suspended),
        ];
        let answer = on(&steps, "2005-01-01");
        assert_eq!(
            (answer.status, answer.certainty),
            (Status::Suspended, Certainty3::Definite)
        );
        assert_eq!(answer.set_by, Some(1));
    }

    #[test]
    fn steps_that_must_follow_a_future_one_have_not_happened() {
        let steps = [
            step("1993", Status::Active),
            step("2008", Status::Suspended),
            step("[2000,2010]", Status::Terminated),
        ];
        let answer = on(&steps, "2003-01-01");
        assert_eq!(
            (answer.status, answer.certainty),
            (Status::Active, Certainty3::Definite)
        );
        assert_eq!(answer.set_by, Some(0));
    }

    #[test]
    fn an_unknown_date_makes_every_day_possible() {
        let steps = [Step {
            earliest: Day::Past,
            latest: Day::Future,
            status_after: Status::Active,
        }];
        let answer = on(&steps, "2000-01-01");
        assert_eq!(answer.certainty, Certainty3::Possible);
        assert_eq!(answer.competing, [Status::NotYet, Status::Active]);
    }
}
