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
//!   dated in the window; with uncertain dates it is a set: every decision (or `none`) that is
//!   the last one in the window in some legal order and dating ([`amity_domain::Engine`]).
//! - The status at the end of the window and every series point are sets too: one member is
//!   `definite`, several are `possible`, and a partnership whose set is {A, B} adds one to A's
//!   and one to B's possible count.
//! - A series point is the status at the end of its step (year or month).

use std::collections::BTreeMap;

use amity_domain::temporal::{end_of_day, Dated, Engine, Profile, StatusSet};
use amity_domain::{Certainty3, Day, EdtfDate, EventType, PartnershipId, Party, Status};
use serde::Serialize;

use crate::rows::{self, StatusRow, TimelineRow};
use crate::{Error, Result};

mod changes;
mod cohort;
mod window;
pub use changes::{changes, changes_of, lifecycles, Change, Lifecycle};
pub use cohort::Cohort;
pub use window::Window;

/// What was decided about a partnership in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

    fn of(event_type: EventType) -> Option<Decision> {
        match event_type {
            EventType::PartnershipTerminated => Some(Decision::Terminated),
            EventType::PartnershipSuspended => Some(Decision::Suspended),
            EventType::PartnershipReinstated => Some(Decision::Reinstated),
            EventType::PartnershipReaffirmed => Some(Decision::Reaffirmed),
            _ => None,
        }
    }
}

/// An event behind a number.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OutcomeRow {
    /// The partnership.
    pub partnership: PartnershipId,
    /// Its parties.
    pub parties: Vec<Party>,
    /// The last decision in the window, or `none`; when several are possible, the first of
    /// them in report order (terminated, suspended, reinstated, reaffirmed, none).
    pub decision: Decision,
    /// `definite` when only one decision is possible, else `possible`.
    pub decision_certainty: Certainty3,
    /// For `possible`: every decision it may be, in report order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub competing_decisions: Vec<Decision>,
    /// The event of that decision (the latest-dated one of its type in the window).
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Counts {
    /// Keyed by decision name (`terminated`, `suspended`, `reinstated`, `reaffirmed`, `none`).
    pub decisions: BTreeMap<&'static str, Split>,
    /// Keyed by status name at the end of the window.
    pub statuses: BTreeMap<&'static str, Split>,
}

/// The outcomes of a cohort in a window.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Outcomes {
    /// The cohort, in words.
    pub cohort: String,
    /// How many partnerships it holds (possible counts can add up to more).
    pub cohort_size: u64,
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

const STATUSES: [Status; 5] = Status::ALL;

/// A driving event of a member.
#[derive(Debug, Clone)]
pub struct DrivingStep {
    /// Its type and bounds (the latest capped at its recording day).
    pub dated: Dated,
    /// The event's id.
    pub event_id: amity_domain::EventId,
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
    /// Its driving events.
    pub steps: Vec<DrivingStep>,
}

impl Member {
    /// A member from its projection rows.
    pub fn from_rows(row: &StatusRow, timeline: &[TimelineRow]) -> Member {
        Member {
            partnership: row.partnership.clone(),
            parties: row.parties.clone(),
            kind: row.kind.clone(),
            conflict: row.conflict.is_some(),
            steps: rows::driving(timeline)
                .into_iter()
                .filter_map(|(dated, event)| {
                    Some(DrivingStep {
                        dated,
                        event_id: event.event_id.parse().ok()?,
                        occurred: event.occurred.as_deref().map(str::to_owned),
                    })
                })
                .collect(),
        }
    }

    fn dated(&self) -> Vec<Dated> {
        self.steps.iter().map(|step| step.dated).collect()
    }

    fn unfinished(&self, source: amity_domain::Unfinished) -> Error {
        Error::Unfinished {
            partnership: self.partnership.clone(),
            source,
        }
    }

    /// The status at the end of the day `last`: its possible statuses, and the event that set
    /// the one shown.
    fn status_after(
        &self,
        profile: &Profile,
        last: Day,
    ) -> Result<(Status, Certainty3, Vec<Status>, Option<String>)> {
        if self.conflict {
            return Ok((Status::Unknown, Certainty3::Possible, Vec::new(), None));
        }
        let point = end_of_day(last);
        let dated = self.dated();
        let answer = amity_domain::status_at(&dated, profile, point, point)
            .map_err(|source| self.unfinished(source))?;
        let event = answer
            .set_by
            .map(|index| self.steps[index].event_id.to_string());
        Ok((answer.status, answer.certainty, answer.competing, event))
    }
}

fn add_set(counts: &mut BTreeMap<&'static str, Split>, set: StatusSet) {
    let certainty = if set.len() == 1 {
        Certainty3::Definite
    } else {
        Certainty3::Possible
    };
    for status in set.iter() {
        counts
            .get_mut(status.name())
            .expect("every status counted")
            .add(certainty);
    }
}

/// Outcomes of a cohort in a window.
pub fn outcomes(members: Vec<Member>, cohort: &Cohort, window: &Window) -> Result<Outcomes> {
    let threads = if members.len() < PARALLEL_MEMBERS {
        1
    } else {
        std::thread::available_parallelism().map_or(1, usize::from)
    };
    outcomes_on(members, cohort, window, threads.min(MAX_THREADS))
}

/// Members below which a cohort's outcomes are computed on the caller's thread alone.
const PARALLEL_MEMBERS: usize = 1_024;

/// Threads at most that compute a cohort's outcomes.
const MAX_THREADS: usize = 4;

/// Outcomes of a cohort in a window, each member's computed on one of `threads` threads (the
/// members in as many runs, in order), then counted in the members' order: the same answer
/// and the same first error, whatever `threads`.
pub(crate) fn outcomes_on(
    members: Vec<Member>,
    cohort: &Cohort,
    window: &Window,
    threads: usize,
) -> Result<Outcomes> {
    let cohort_size = members.len() as u64;
    // The members in runs of `per_run`, in order (the last may be shorter).
    let per_run = members.len().div_ceil(threads.max(1)).max(1);
    let mut members = members.into_iter();
    let parts: Vec<Vec<Member>> = std::iter::from_fn(|| {
        Some(members.by_ref().take(per_run).collect::<Vec<_>>()).filter(|part| !part.is_empty())
    })
    .collect();
    let compute = |part: Vec<Member>| {
        part.into_iter()
            .map(|member| member_outcome(member, window))
            .collect::<Vec<_>>()
    };
    let computed: Vec<Vec<Result<MemberOutcome>>> = if parts.len() <= 1 {
        parts.into_iter().map(compute).collect()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = parts
                .into_iter()
                .map(|part| scope.spawn(move || compute(part)))
                .collect();
            handles
                .into_iter()
                .map(|handle| handle.join().expect("an outcomes thread panicked"))
                .collect()
        })
    };
    let mut decisions: BTreeMap<&'static str, Split> = Decision::ALL
        .iter()
        .map(|d| (d.name(), Split::default()))
        .collect();
    let mut statuses: BTreeMap<&'static str, Split> = STATUSES
        .iter()
        .map(|s| (s.name(), Split::default()))
        .collect();
    let mut partnerships = Vec::with_capacity(cohort_size as usize);
    for outcome in computed.into_iter().flatten() {
        let MemberOutcome {
            row,
            possible,
            statuses: set,
        } = outcome?;
        for each in &possible {
            decisions
                .get_mut(each.name())
                .expect("every decision counted")
                .add(row.decision_certainty);
        }
        match set {
            // A history that breaks the rules: `unknown`, possibly.
            None => statuses
                .get_mut(Status::Unknown.name())
                .expect("every status counted")
                .add(Certainty3::Possible),
            Some(set) => add_set(&mut statuses, set),
        }
        partnerships.push(row);
    }
    Ok(Outcomes {
        cohort: cohort.describe(),
        cohort_size,
        from: window.from.0.clone(),
        to: window.to.0.clone(),
        first_day: window.first_day().to_string(),
        last_day: window.last_day().to_string(),
        counts: Counts {
            decisions,
            statuses,
        },
        partnerships,
    })
}

/// One member's outcome, before it is counted: its row, every decision it possibly took, and
/// its possible statuses at the end of the window (none for a history that breaks the rules).
struct MemberOutcome {
    row: OutcomeRow,
    possible: Vec<Decision>,
    statuses: Option<StatusSet>,
}

fn member_outcome(mut member: Member, window: &Window) -> Result<MemberOutcome> {
    let (first_day, last_day) = (window.first_day(), window.last_day());
    let in_window: Vec<EventRef> = member
        .steps
        .iter()
        .filter(|event| Decision::of(event.dated.event_type).is_some())
        .filter_map(|event| {
            window
                .contains(event.dated.earliest, event.dated.latest)
                .map(|in_window| EventRef {
                    event_id: event.event_id.to_string(),
                    event_type: event.dated.event_type.name().to_owned(),
                    occurred: event.occurred.clone(),
                    in_window,
                })
        })
        .collect();
    let dated = member.dated();
    let engine = Engine::new(&dated);
    let mut possible: Vec<Decision> = if member.conflict {
        vec![Decision::None]
    } else {
        engine
            .last_decisions(first_day, last_day)
            .map_err(|source| member.unfinished(source))?
            .into_iter()
            .map(|decision| decision.and_then(Decision::of).unwrap_or(Decision::None))
            .collect()
    };
    possible.sort();
    possible.dedup();
    let decision = possible.first().copied().unwrap_or(Decision::None);
    let decision_certainty = if possible.len() == 1 && !member.conflict {
        Certainty3::Definite
    } else {
        Certainty3::Possible
    };
    let decision_event = in_window
        .iter()
        .rev()
        .find(|event| {
            EventType::from_name(&event.event_type).and_then(Decision::of) == Some(decision)
        })
        .cloned();
    let profile = engine
        .profile()
        .map_err(|source| member.unfinished(source))?;
    let (status, status_certainty, competing, status_event) =
        member.status_after(&profile, last_day)?;
    let statuses = (!member.conflict).then(|| {
        let mut set = StatusSet::of(status);
        for each in &competing {
            set.insert(*each);
        }
        set
    });
    let row = OutcomeRow {
        partnership: member.partnership,
        parties: std::mem::take(&mut member.parties),
        decision,
        decision_certainty,
        competing_decisions: if possible.len() > 1 {
            possible.clone()
        } else {
            Vec::new()
        },
        decision_event,
        decisions_in_window: in_window,
        status,
        status_certainty,
        competing,
        status_event,
    };
    Ok(MemberOutcome {
        row,
        possible,
        statuses,
    })
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
pub fn series(members: &[Member], steps: &[EdtfDate]) -> Result<Vec<Point>> {
    let profiles: Vec<Option<Profile>> = members
        .iter()
        .map(|member| {
            if member.conflict {
                return Ok(None);
            }
            Engine::new(&member.dated())
                .profile()
                .map(Some)
                .map_err(|source| member.unfinished(source))
        })
        .collect::<Result<_>>()?;
    steps
        .iter()
        .map(|step| {
            let point = end_of_day(step.latest());
            let mut counts: BTreeMap<&'static str, Split> = STATUSES
                .iter()
                .map(|s| (s.name(), Split::default()))
                .collect();
            for (member, profile) in members.iter().zip(&profiles) {
                match profile {
                    None => counts
                        .get_mut(Status::Unknown.name())
                        .expect("every status")
                        .add(Certainty3::Possible),
                    Some(profile) => {
                        let set = profile
                            .statuses(point, point)
                            .map_err(|source| member.unfinished(source))?;
                        add_set(&mut counts, set);
                    }
                }
            }
            let after_last = match step.latest() {
                Day::On(n) => Day::On(n.saturating_add(1)),
                other => other,
            };
            Ok(Point {
                step: step.as_str().to_owned(),
                as_of: after_last.to_string(),
                counts,
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "analysis_tests.rs"]
mod tests;
