//! Analyst views over the projections: cohorts, outcomes in a window, changes, status series.
//!
//! Rules (documented in the README):
//! - A window `FROM..TO` covers every day from FROM's earliest day to TO's latest day, both
//!   included. An event is *definitely* in the window when all its possible days are, and
//!   *possibly* in it when only some are (an uncertain date straddling an edge).
//! - The status "at the end of the window" is the status on the day after TO: an event dated
//!   on TO's day (a decision taken at the roundtable itself) is inside the window and has taken
//!   effect at its end.
//! - A decision is a driving (neither disputed nor retracted) suspension, termination,
//!   reinstatement or reaffirmation. A partnership's decision in a window is the last such event
//!   in its resolved valid-time order that is in the window, definitely or possibly.
//! - A series point is the status at the end of its step (year or month).

use std::collections::BTreeMap;

use amity_domain::{status_at, Certainty3, Day, EdtfDate, PartnershipId, Party, PartyKey, Status};
use serde::Serialize;

use crate::rows::{self, StatusRow, TimelineRow};

/// Which partnerships an analysis is about; every given criterion must hold.
#[derive(Debug, Clone, Default)]
pub struct Cohort {
    /// The countries of the two parties, in either order (`US:RU`).
    pub countries: Option<[String; 2]>,
    /// One of the parties.
    pub party: Option<PartyKey>,
    /// A subdivision (`US-CO`) or country (`US`) one of the parties belongs to.
    pub region: Option<String>,
    /// The kind (`sister-city`).
    pub kind: Option<String>,
}

impl Cohort {
    /// Read `CC:CC` (order independent).
    pub fn parse_countries(text: &str) -> Result<[String; 2], String> {
        let (a, b) = text
            .split_once(':')
            .ok_or_else(|| format!("--cohort {text:?}: expected two country codes, e.g. US:RU"))?;
        let code = |code: &str| {
            let code = code.trim().to_ascii_uppercase();
            if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
                Ok(code)
            } else {
                Err(format!(
                    "--cohort {text:?}: {code:?} is not an ISO 3166-1 alpha-2 code"
                ))
            }
        };
        Ok([code(a)?, code(b)?])
    }

    /// Whether a partnership belongs to the cohort.
    pub fn matches(&self, row: &StatusRow) -> bool {
        let parties = &row.parties;
        if let Some([a, b]) = &self.countries {
            let (x, y) = (&parties[0].country, &parties[1].country);
            if !((x == a && y == b) || (x == b && y == a)) {
                return false;
            }
        }
        if let Some(party) = &self.party {
            if !row.partnership.involves(party) {
                return false;
            }
        }
        if let Some(region) = &self.region {
            let region = region.to_ascii_uppercase();
            let in_region = |party: &Party| {
                party.country == region || party.subdivision.as_deref() == Some(region.as_str())
            };
            if !parties.iter().any(in_region) {
                return false;
            }
        }
        if let Some(kind) = &self.kind {
            if row.kind.as_str() != amity_domain::PartnershipKind::new(kind).as_str() {
                return false;
            }
        }
        true
    }

    /// The cohort in words, for output.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some([a, b]) = &self.countries {
            parts.push(format!("{a}:{b}"));
        }
        if let Some(party) = &self.party {
            parts.push(format!("party {party}"));
        }
        if let Some(region) = &self.region {
            parts.push(format!("region {region}"));
        }
        if let Some(kind) = &self.kind {
            parts.push(format!("kind {kind}"));
        }
        if parts.is_empty() {
            "all partnerships".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

/// A window of valid time.
#[derive(Debug, Clone)]
pub struct Window {
    /// Its start, as asked (a date or a milestone key) and as a date.
    pub from: (String, EdtfDate),
    /// Its end.
    pub to: (String, EdtfDate),
}

impl Window {
    fn first_day(&self) -> Day {
        self.from.1.earliest()
    }

    fn last_day(&self) -> Day {
        self.to.1.latest()
    }

    /// Whether an event with these bounds is in the window: `Some(Definite)` wholly,
    /// `Some(Possible)` partly, `None` not at all.
    fn contains(&self, earliest: Day, latest: Day) -> Option<Certainty3> {
        let (first, last) = (self.first_day(), self.last_day());
        if latest < first || earliest > last {
            None
        } else if earliest >= first && latest <= last {
            Some(Certainty3::Definite)
        } else {
            Some(Certainty3::Possible)
        }
    }
}

/// The day after `day` (unbounded days stay unbounded).
fn next_day(day: Day) -> Day {
    match day {
        Day::On(n) => Day::On(n.saturating_add(1)),
        other => other,
    }
}

/// What was decided about a partnership in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Ended.
    Terminated,
    /// Frozen.
    Suspended,
    /// Restored.
    Reinstated,
    /// Kept, by an explicit decision.
    Reaffirmed,
    /// No decision dated in the window.
    None,
}

impl Decision {
    /// Every decision, in report order.
    pub const ALL: [Decision; 5] = [
        Decision::Terminated,
        Decision::Suspended,
        Decision::Reinstated,
        Decision::Reaffirmed,
        Decision::None,
    ];

    /// The name used in output.
    pub fn name(self) -> &'static str {
        match self {
            Decision::Terminated => "terminated",
            Decision::Suspended => "suspended",
            Decision::Reinstated => "reinstated",
            Decision::Reaffirmed => "reaffirmed",
            Decision::None => "none",
        }
    }

    fn of(event_type: &str) -> Option<Decision> {
        match event_type {
            "PartnershipTerminated" => Some(Decision::Terminated),
            "PartnershipSuspended" => Some(Decision::Suspended),
            "PartnershipReinstated" => Some(Decision::Reinstated),
            "PartnershipReaffirmed" => Some(Decision::Reaffirmed),
            _ => None,
        }
    }
}

/// An event behind a number.
#[derive(Debug, Clone, Serialize)]
pub struct EventRef {
    /// The event's id.
    pub event_id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Its date as written.
    pub occurred: Option<String>,
    /// Whether it lies wholly (`definite`) or partly (`possible`) in the window.
    pub in_window: Certainty3,
}

/// One partnership's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeRow {
    /// The partnership.
    pub partnership: PartnershipId,
    /// Its parties.
    pub parties: Vec<Party>,
    /// The last decision in the window, or `none`.
    pub decision: Decision,
    /// `definite`, or `possible` when that decision's date straddles a window edge.
    pub decision_certainty: Certainty3,
    /// The event of that decision.
    pub decision_event: Option<EventRef>,
    /// Every decision in the window, in order.
    pub decisions_in_window: Vec<EventRef>,
    /// The status at the end of the window.
    pub status: Status,
    /// Its certainty.
    pub status_certainty: Certainty3,
    /// For `possible`: every status it may be.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub competing: Vec<Status>,
    /// The event that set that status.
    pub status_event: Option<String>,
}

/// Definite and possible counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Split {
    /// Certain.
    pub definite: u64,
    /// Possible only.
    pub possible: u64,
}

impl Split {
    fn add(&mut self, certainty: Certainty3) {
        match certainty {
            Certainty3::Definite => self.definite += 1,
            Certainty3::Possible => self.possible += 1,
        }
    }
}

/// Counts by decision and by status.
#[derive(Debug, Clone, Serialize)]
pub struct Counts {
    /// Keyed by decision name (`terminated`, `suspended`, `reinstated`, `reaffirmed`, `none`).
    pub decisions: BTreeMap<&'static str, Split>,
    /// Keyed by status name at the end of the window.
    pub statuses: BTreeMap<&'static str, Split>,
}

/// The outcomes of a cohort in a window.
#[derive(Debug, Clone, Serialize)]
pub struct Outcomes {
    /// The cohort, in words.
    pub cohort: String,
    /// The window's start, as asked, and its first day.
    pub from: String,
    /// The window's end, as asked, and its last day.
    pub to: String,
    /// The first day covered.
    pub first_day: String,
    /// The last day covered.
    pub last_day: String,
    /// The counts.
    pub counts: Counts,
    /// One row per partnership of the cohort.
    pub partnerships: Vec<OutcomeRow>,
}

const STATUSES: [Status; 5] = [
    Status::NotYet,
    Status::Active,
    Status::Suspended,
    Status::Terminated,
    Status::Unknown,
];

/// A driving event of a member, in resolved order.
#[derive(Debug, Clone)]
pub struct DrivingStep {
    /// Its bounds and the status after it.
    pub step: amity_domain::Step,
    /// The event's id.
    pub event_id: amity_domain::EventId,
    /// Its type.
    pub event_type: amity_domain::EventType,
    /// Its date as written.
    pub occurred: Option<String>,
}

/// A partnership of a cohort, with what outcomes and series need.
#[derive(Debug, Clone)]
pub struct Member {
    /// The partnership.
    pub partnership: PartnershipId,
    /// Its parties.
    pub parties: Vec<Party>,
    /// Its kind.
    pub kind: amity_domain::PartnershipKind,
    /// Whether its stored history breaks the rules (status `unknown`).
    pub conflict: bool,
    /// Its driving events in resolved order.
    pub steps: Vec<DrivingStep>,
}

impl Member {
    /// A member from its projection rows.
    pub fn from_rows(row: &StatusRow, timeline: &[TimelineRow]) -> Member {
        let mut driving: Vec<&TimelineRow> =
            timeline.iter().filter(|row| row.step.is_some()).collect();
        driving.sort_by_key(|row| row.step);
        Member {
            partnership: row.partnership.clone(),
            parties: row.parties.clone(),
            kind: row.kind.clone(),
            conflict: row.conflict.is_some(),
            steps: driving
                .into_iter()
                .filter_map(|event| {
                    Some(DrivingStep {
                        step: amity_domain::Step {
                            earliest: rows::parse_day(event.earliest.as_deref(), Day::Past),
                            latest: rows::parse_day(event.latest.as_deref(), Day::Future),
                            status_after: event.status_after?,
                        },
                        event_id: event.event_id.parse().ok()?,
                        event_type: amity_domain::EventType::from_name(&event.event_type)?,
                        occurred: event.occurred.clone(),
                    })
                })
                .collect(),
        }
    }

    /// The status on the days `from..=to`, with the event that set it.
    fn status_on(&self, from: Day, to: Day) -> (Status, Certainty3, Vec<Status>, Option<String>) {
        if self.conflict {
            return (Status::Unknown, Certainty3::Possible, Vec::new(), None);
        }
        let only: Vec<_> = self.steps.iter().map(|driving| driving.step).collect();
        let answer = status_at(&only, from, to);
        let event = answer
            .set_by
            .map(|index| self.steps[index].event_id.to_string());
        (answer.status, answer.certainty, answer.competing, event)
    }
}

/// Outcomes of a cohort in a window.
pub fn outcomes(members: Vec<Member>, cohort: &Cohort, window: &Window) -> Outcomes {
    let mut decisions: BTreeMap<&'static str, Split> = Decision::ALL
        .iter()
        .map(|d| (d.name(), Split::default()))
        .collect();
    let mut statuses: BTreeMap<&'static str, Split> = STATUSES
        .iter()
        .map(|s| (s.name(), Split::default()))
        .collect();
    // The end of the window: after its last day (events on that day have happened), before
    // the next (events on the next day have not).
    let (after_last, last_day) = (next_day(window.last_day()), window.last_day());
    let mut partnerships = Vec::new();
    for mut member in members {
        let in_window: Vec<EventRef> = member
            .steps
            .iter()
            .filter(|event| Decision::of(event.event_type.name()).is_some())
            .filter_map(|event| {
                window
                    .contains(event.step.earliest, event.step.latest)
                    .map(|in_window| EventRef {
                        event_id: event.event_id.to_string(),
                        event_type: event.event_type.name().to_owned(),
                        occurred: event.occurred.clone(),
                        in_window,
                    })
            })
            .collect();
        let last = in_window.last().cloned();
        let (decision, decision_certainty) = match &last {
            Some(event) => (
                Decision::of(&event.event_type).unwrap_or(Decision::None),
                event.in_window,
            ),
            None => (Decision::None, Certainty3::Definite),
        };
        let (status, status_certainty, competing, status_event) =
            member.status_on(after_last, last_day);
        decisions
            .get_mut(decision.name())
            .expect("every decision counted")
            .add(decision_certainty);
        statuses
            .get_mut(status.name())
            .expect("every status counted")
            .add(status_certainty);
        partnerships.push(OutcomeRow {
            partnership: member.partnership,
            parties: std::mem::take(&mut member.parties),
            decision,
            decision_certainty,
            decision_event: last,
            decisions_in_window: in_window,
            status,
            status_certainty,
            competing,
            status_event,
        });
    }
    Outcomes {
        cohort: cohort.describe(),
        from: window.from.0.clone(),
        to: window.to.0.clone(),
        first_day: window.first_day().to_string(),
        last_day: window.last_day().to_string(),
        counts: Counts {
            decisions,
            statuses,
        },
        partnerships,
    }
}

/// An event dated in a window.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// The partnership.
    pub partnership: PartnershipId,
    /// Its parties.
    pub parties: Vec<Party>,
    /// Wholly or partly in the window.
    pub in_window: Certainty3,
    /// The event.
    pub event: TimelineRow,
}

/// The lifecycle events of a cohort dated in a window, in valid-time order (disputed and
/// retracted ones included, flagged in their rows).
pub fn changes(
    pairs: &[(StatusRow, Vec<TimelineRow>)],
    cohort: &Cohort,
    window: &Window,
) -> Vec<Change> {
    let mut found = Vec::new();
    for (row, timeline) in pairs.iter().filter(|(row, _)| cohort.matches(row)) {
        for event in timeline.iter().filter(|event| event.target.is_none()) {
            let earliest = rows::parse_day(event.earliest.as_deref(), Day::Past);
            let latest = rows::parse_day(event.latest.as_deref(), Day::Future);
            if let Some(in_window) = window.contains(earliest, latest) {
                found.push((
                    (earliest, latest),
                    Change {
                        partnership: row.partnership.clone(),
                        parties: row.parties.clone(),
                        in_window,
                        event: event.clone(),
                    },
                ));
            }
        }
    }
    found.sort_by(|(a_key, a), (b_key, b)| {
        a_key
            .cmp(b_key)
            .then_with(|| a.partnership.cmp(&b.partnership))
            .then_with(|| a.event.seq.cmp(&b.event.seq))
    });
    found.into_iter().map(|(_, change)| change).collect()
}

/// The step of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// One point per calendar year.
    Year,
    /// One point per calendar month.
    Month,
}

/// One point of a series: the counts at the end of a step.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    /// The step, as EDTF (`1990`, `1990-03`).
    pub step: String,
    /// The counts are for the start of this day: the end of the step.
    pub as_of: String,
    /// By status name.
    pub counts: BTreeMap<&'static str, Split>,
}

/// The steps from `from` to `to` (as EDTF strings), inclusive.
pub fn steps(from: &EdtfDate, to: &EdtfDate, step: Step) -> Vec<EdtfDate> {
    let (Some((first_year, first_month, _)), Some((last_year, last_month, _))) =
        (from.earliest().ymd(), to.latest().ymd())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    match step {
        Step::Year => {
            for year in first_year..=last_year {
                if let Ok(date) = EdtfDate::parse(&format!("{year:04}")) {
                    out.push(date);
                }
            }
        }
        Step::Month => {
            let (mut year, mut month) = (first_year, first_month);
            while (year, month) <= (last_year, last_month) {
                if let Ok(date) = EdtfDate::parse(&format!("{year:04}-{month:02}")) {
                    out.push(date);
                }
                month += 1;
                if month > 12 {
                    month = 1;
                    year += 1;
                }
            }
        }
    }
    out
}

/// Counts by status at the end of each step, for a cohort's members.
pub fn series(members: &[Member], steps: &[EdtfDate]) -> Vec<Point> {
    let prepared: Vec<(bool, Vec<amity_domain::Step>)> = members
        .iter()
        .map(|member| {
            (
                member.conflict,
                member.steps.iter().map(|driving| driving.step).collect(),
            )
        })
        .collect();
    steps
        .iter()
        .map(|step| {
            let (after_last, last) = (next_day(step.latest()), step.latest());
            let mut counts: BTreeMap<&'static str, Split> = STATUSES
                .iter()
                .map(|s| (s.name(), Split::default()))
                .collect();
            for (conflict, steps) in &prepared {
                let (status, certainty) = if *conflict {
                    (Status::Unknown, Certainty3::Possible)
                } else {
                    let answer = status_at(steps, after_last, last);
                    (answer.status, answer.certainty)
                };
                counts
                    .get_mut(status.name())
                    .expect("every status")
                    .add(certainty);
            }
            Point {
                step: step.as_str().to_owned(),
                as_of: after_last.to_string(),
                counts,
            }
        })
        .collect()
}
