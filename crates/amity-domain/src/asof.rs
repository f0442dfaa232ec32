//! The status of a partnership on a date (valid time), with honest uncertainty.
//!
//! The possible statuses on a day are exactly those that hold at some instant of it in some
//! legal order and dating of the driving events ([`crate::temporal`] computes them). One
//! possible status is a `definite` answer; several are `possible`, listed in lifecycle order,
//! and the status shown first is the one furthest along (everything that may have happened by
//! then, has). A date given as EDTF is itself a range of days: "on 2022-03" asks about every day
//! of March, so an event inside March makes the answer possible, not definite.
//!
//! Width rule: `~` and `?` do not widen bounds (see [`crate::date`]), so an event dated
//! `2022-03-03~` is possible on 2022-03-03 and definite from 2022-03-04.

use serde::Serialize;

use crate::event::EventType;
use crate::temporal::{day_point, Dated, Point, Profile, Status, StatusSet, Unfinished};

/// How sure an answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Certainty3 {
    /// One status is possible.
    Definite,
    /// Several are.
    Possible,
}

/// The status at some points of valid time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusAt {
    /// The status shown: the only one, or the one furthest along the lifecycle.
    pub status: Status,
    /// Whether it is certain.
    pub certainty: Certainty3,
    /// For `possible`: every status it may be, in lifecycle order (including `status`).
    pub competing: Vec<Status>,
    /// The driving event (index into those given) that set `status`: the latest-dated one
    /// leading into it that can have happened by then; `None` for `not_yet` and for an
    /// implicit founding.
    pub set_by: Option<usize>,
    /// For `possible`: the driving events (indices) whose dates straddle the points asked.
    pub straddling: Vec<usize>,
}

impl StatusAt {
    /// The answer for a set of possible statuses.
    pub fn from_set(set: StatusSet, events: &[Dated], lo: Point, hi: Point) -> StatusAt {
        let status = set.furthest().unwrap_or(Status::Unknown);
        let definite = set.len() <= 1;
        StatusAt {
            status,
            certainty: if definite {
                Certainty3::Definite
            } else {
                Certainty3::Possible
            },
            competing: if definite {
                Vec::new()
            } else {
                set.iter().collect()
            },
            set_by: setter(events, status, hi),
            straddling: if definite {
                Vec::new()
            } else {
                straddling(events, lo, hi)
            },
        }
    }
}

/// The status at some point of `lo..=hi` (see [`crate::temporal::day_point`] and
/// [`crate::temporal::end_of_day`]), from the events' profile.
pub fn status_at(
    events: &[Dated],
    profile: &Profile,
    lo: Point,
    hi: Point,
) -> Result<StatusAt, Unfinished> {
    let set = profile.statuses(lo, hi)?;
    Ok(StatusAt::from_set(set, events, lo, hi))
}

/// The latest-dated driving event that leads into `status` and can have happened by `hi`.
pub fn setter(events: &[Dated], status: Status, hi: Point) -> Option<usize> {
    let leads_into = |event_type: EventType| match status {
        Status::Active => matches!(
            event_type,
            EventType::PartnershipFounded | EventType::PartnershipReinstated
        ),
        Status::Suspended => event_type == EventType::PartnershipSuspended,
        Status::Terminated => event_type == EventType::PartnershipTerminated,
        Status::NotYet | Status::Unknown => false,
    };
    (0..events.len())
        .filter(|&i| leads_into(events[i].event_type) && day_point(events[i].earliest) <= hi)
        .max_by_key(|&i| (events[i].earliest, events[i].latest, i))
}

/// The driving events whose dates overlap `lo..=hi` (attestations only where they bound an
/// implicit founding).
fn straddling(events: &[Dated], lo: Point, hi: Point) -> Vec<usize> {
    let founded = events
        .iter()
        .any(|event| event.event_type == EventType::PartnershipFounded);
    (0..events.len())
        .filter(|&i| {
            let event = &events[i];
            let attestation = event.event_type == EventType::PartnershipAttested;
            if attestation && founded {
                return false;
            }
            let (from, to) = (day_point(event.earliest), day_point(event.latest));
            if attestation {
                to >= lo
            } else {
                from <= hi && to >= lo
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::{Day, EdtfDate};
    use crate::temporal::{end_of_day, Engine};

    fn event(event_type: EventType, occurred: &str) -> Dated {
        let date = EdtfDate::parse(occurred).unwrap();
        Dated {
            event_type,
            earliest: date.earliest(),
            latest: date.latest(),
        }
    }

    fn smolensk() -> Vec<Dated> {
        vec![
            event(EventType::PartnershipFounded, "1993"),
            event(EventType::PartnershipSuspended, "2022-03-03~"),
        ]
    }

    fn on(events: &[Dated], date: &str) -> StatusAt {
        let date = EdtfDate::parse(date).unwrap();
        let profile = Engine::new(events).profile().unwrap();
        let (lo, hi) = (day_point(date.earliest()), day_point(date.latest()));
        status_at(events, &profile, lo, hi).unwrap()
    }

    #[test]
    fn before_founding_is_not_yet() {
        let answer = on(&smolensk(), "1980-06-01");
        assert_eq!(
            (answer.status, answer.certainty),
            (Status::NotYet, Certainty3::Definite)
        );
        assert_eq!(answer.set_by, None);
    }

    #[test]
    fn inside_an_uncertain_interval_is_possible() {
        let answer = on(&smolensk(), "1993-06-01");
        assert_eq!(answer.certainty, Certainty3::Possible);
        assert_eq!(answer.competing, [Status::NotYet, Status::Active]);
        assert_eq!(answer.straddling, [0]);
        let answer = on(&smolensk(), "2022-03-03");
        assert_eq!(answer.certainty, Certainty3::Possible);
        assert_eq!(answer.status, Status::Suspended);
        assert_eq!(answer.competing, [Status::Active, Status::Suspended]);
        assert_eq!(answer.straddling, [1]);
    }

    #[test]
    fn after_every_event_is_definite() {
        let answer = on(&smolensk(), "2022-03-04");
        assert_eq!(
            (answer.status, answer.certainty, answer.set_by),
            (Status::Suspended, Certainty3::Definite, Some(1))
        );
        let answer = on(&smolensk(), "2021-06-01");
        assert_eq!(
            (answer.status, answer.certainty, answer.set_by),
            (Status::Active, Certainty3::Definite, Some(0))
        );
    }

    #[test]
    fn a_month_asked_about_is_a_range_of_days() {
        assert_eq!(on(&smolensk(), "2022-04").certainty, Certainty3::Definite);
        assert_eq!(on(&smolensk(), "2022-03").certainty, Certainty3::Possible);
    }

    #[test]
    fn a_vague_founding_does_not_hide_a_certain_later_suspension() {
        let events = [
            event(EventType::PartnershipFounded, "[1990,2010]"),
            event(EventType::PartnershipSuspended, "2000"),
        ];
        // The founding must come before the suspension, so by 2005 both have happened.
        let answer = on(&events, "2005-01-01");
        assert_eq!(
            (answer.status, answer.certainty, answer.set_by),
            (Status::Suspended, Certainty3::Definite, Some(1))
        );
    }

    #[test]
    fn the_end_of_a_day_is_after_everything_dated_that_day() {
        let day = EdtfDate::parse("2022-03-03").unwrap().earliest();
        let events = smolensk();
        let profile = Engine::new(&events).profile().unwrap();
        let end = end_of_day(day);
        let answer = status_at(&events, &profile, end, end).unwrap();
        assert_eq!(
            (answer.status, answer.certainty),
            (Status::Suspended, Certainty3::Definite)
        );
        assert_eq!(Day::On(0), Day::from_ymd(1970, 1, 1).unwrap());
    }

    #[test]
    fn an_unknown_date_makes_every_day_possible() {
        let events = [Dated {
            event_type: EventType::PartnershipFounded,
            earliest: Day::Past,
            latest: Day::Future,
        }];
        let answer = on(&events, "2000-01-01");
        assert_eq!(answer.certainty, Certainty3::Possible);
        assert_eq!(answer.competing, [Status::NotYet, Status::Active]);
    }
}
