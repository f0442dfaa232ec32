//! The lifecycle rules of one partnership, applied in valid-time order.
//!
//! Founded or attested → active; active ⇄ suspended; active or suspended → terminated;
//! suspended or terminated → active by reinstatement; reaffirmation only while active.
//! An attestation never changes a status once the partnership exists.
//!
//! Events are ordered by when they happened (`occurred`), not by when they were recorded: an
//! archivist may learn of a 1999 suspension after recording 2005. Dates are intervals
//! (earliest..latest day); an unknown date spans all time. The ledger looks for an order of the
//! driving events that respects every *definite* precedence (A's latest day before B's earliest)
//! and makes each transition legal, preferring the order of (earliest, latest, recording order).
//! Overlapping uncertain dates may therefore be placed either way, whichever the rules allow.
//! If no order works, the timeline is impossible and the newest entry is refused, naming the
//! events and dates in conflict.
//!
//! Driving events are the lifecycle events that are neither disputed nor retracted. Disputed
//! and retracted entries keep their place in history and are shown, but have no effect.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::date::Occurred;
use crate::event::{Certainty, Event, EventId, EventType, Recorded};
use crate::party::{Partnership, PartnershipId};

/// The status of a partnership at a point of its timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// No founding or attestation yet.
    NotYet,
    /// In force.
    Active,
    /// Frozen, not ended.
    Suspended,
    /// Ended.
    Terminated,
    /// The ledger cannot tell: its stored history breaks the rules (see `conflict`).
    Unknown,
}

impl Status {
    /// The name used in output (`active`, `suspended`, `terminated`, `not_yet`).
    pub fn name(self) -> &'static str {
        match self {
            Status::NotYet => "not_yet",
            Status::Active => "active",
            Status::Suspended => "suspended",
            Status::Terminated => "terminated",
            Status::Unknown => "unknown",
        }
    }

    /// The status after an event of type `event_type`, or `None` if the transition is illegal.
    pub fn after(self, event_type: EventType) -> Option<Status> {
        use EventType as T;
        match (event_type, self) {
            (T::PartnershipFounded, Status::NotYet) => Some(Status::Active),
            (T::PartnershipAttested, Status::NotYet) => Some(Status::Active),
            (T::PartnershipAttested, other) => Some(other),
            (T::PartnershipSuspended, Status::Active) => Some(Status::Suspended),
            (T::PartnershipReinstated, Status::Suspended | Status::Terminated) => {
                Some(Status::Active)
            }
            (T::PartnershipTerminated, Status::Active | Status::Suspended) => {
                Some(Status::Terminated)
            }
            (T::PartnershipReaffirmed, Status::Active) => Some(Status::Active),
            _ => None,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::NotYet => "not yet",
            other => other.name(),
        })
    }
}

/// An event named in an error: type, date and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRef {
    /// The event's id.
    pub id: EventId,
    /// Its type.
    pub event_type: EventType,
    /// Its date as written.
    pub occurred: Occurred,
    /// Whether it is the entry being recorded (its id is not stored anywhere yet).
    pub new: bool,
}

impl EventRef {
    fn of(recorded: &Recorded) -> EventRef {
        EventRef {
            id: recorded.id,
            event_type: recorded.event.event_type(),
            occurred: recorded.event.facts().occurred.clone(),
            new: false,
        }
    }
}

impl fmt::Display for EventRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.new {
            write!(f, "the new {} ({})", self.event_type, self.occurred)
        } else {
            write!(
                f,
                "{} ({}, event {})",
                self.event_type, self.occurred, self.id
            )
        }
    }
}

/// A rule the ledger refuses to break. Kept apart from infrastructure errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Violation {
    /// The event cannot be placed in any order that the lifecycle rules allow.
    #[error(
        "impossible timeline: {event} cannot happen while the partnership is {status}{}; \
         record it with certainty 'disputed' to keep it without effect",
        match set_by { Some(by) => format!(" (set by {by})"), None => " (no founding or attestation comes before it)".to_owned() }
    )]
    Impossible {
        /// The event that cannot happen.
        event: Box<EventRef>,
        /// The status it would meet.
        status: Status,
        /// The event that set that status, if any.
        set_by: Option<Box<EventRef>>,
    },
    /// Retracting an entry would leave an impossible timeline.
    #[error("cannot retract {target}: without it, {consequence}")]
    RetractionBreaksTimeline {
        /// The entry to retract.
        target: Box<EventRef>,
        /// What would become impossible.
        consequence: Box<Violation>,
    },
    /// A text of the event holds a NUL character (see [`crate::Event::field_with_nul`]).
    #[error("{field}: holds a NUL character (U+0000); remove it")]
    NulCharacter {
        /// The field.
        field: &'static str,
    },
    /// A retraction or citation names an event that is not in this partnership's history.
    #[error("event {target} is not in the history of {partnership}")]
    UnknownTarget {
        /// The named event.
        target: EventId,
        /// The partnership searched.
        partnership: PartnershipId,
    },
    /// The named event was retracted already.
    #[error("{target} was already retracted by event {by}")]
    AlreadyRetracted {
        /// The named event.
        target: Box<EventRef>,
        /// The retraction.
        by: EventId,
    },
    /// Retractions are not themselves retracted; record the event again instead.
    #[error("event {target} is a retraction; retractions cannot be retracted (record the entry again instead)")]
    RetractsRetraction {
        /// The named retraction.
        target: EventId,
    },
    /// The party said to have taken the step is not one of the two.
    #[error("{initiator} is not a party to {partnership}; --by must name one of the two parties")]
    InitiatorNotParty {
        /// The named initiator.
        initiator: crate::party::PartyKey,
        /// The partnership.
        partnership: PartnershipId,
    },
    /// The event is about another partnership than the stream it was sent to.
    #[error("event about {event_partnership} cannot be recorded in the history of {partnership}")]
    WrongPartnership {
        /// The stream.
        partnership: PartnershipId,
        /// What the event says.
        event_partnership: PartnershipId,
    },
}

/// One partnership's recorded events and what they add up to.
#[derive(Debug, Clone)]
pub struct Timeline {
    id: PartnershipId,
    entries: Vec<Recorded>,
    resolution: Resolution,
}

/// The driving events in a legal valid-time order, with the status after each.
#[derive(Debug, Clone, Default)]
struct Resolution {
    steps: Vec<(usize, Status)>,
    /// Set when stored history no longer satisfies the rules (e.g. after a rule change).
    conflict: Option<Violation>,
}

/// One row of a history: an entry with how it stands.
#[derive(Debug, Clone, Copy)]
pub struct TimelineEntry<'a> {
    /// The entry.
    pub recorded: &'a Recorded,
    /// The retraction that removed its effect, if any.
    pub retracted_by: Option<&'a Recorded>,
    /// Recorded as disputed.
    pub disputed: bool,
    /// For driving events: the status right after it.
    pub status_after: Option<Status>,
    /// For driving events: its place (0-based) in the resolved valid-time order, which can
    /// differ from the history order when uncertain dates overlap.
    pub step: Option<usize>,
}

impl Timeline {
    /// An empty timeline for a partnership.
    pub fn new(id: PartnershipId) -> Timeline {
        Timeline {
            id,
            entries: Vec::new(),
            resolution: Resolution::default(),
        }
    }

    /// Rebuild a timeline from stored events (in recording order) without refusing any: if
    /// the stored history breaks today's rules, [`Timeline::conflict`] says how.
    pub fn from_history(id: PartnershipId, entries: Vec<Recorded>) -> Timeline {
        let mut timeline = Timeline {
            id,
            entries,
            resolution: Resolution::default(),
        };
        timeline.resolution = resolve(&timeline.entries, None);
        timeline
    }

    /// The partnership's id.
    pub fn id(&self) -> &PartnershipId {
        &self.id
    }

    /// The events in recording order.
    pub fn recorded(&self) -> &[Recorded] {
        &self.entries
    }

    /// Whether an event with this id is already recorded here.
    pub fn contains(&self, id: EventId) -> bool {
        self.entries.iter().any(|entry| entry.id == id)
    }

    /// The parties and kind, from the first lifecycle event.
    pub fn partnership(&self) -> Option<&Partnership> {
        self.entries
            .iter()
            .find_map(|entry| entry.event.as_lifecycle())
            .map(|body| &*body.partnership)
    }

    /// Why the stored history breaks the rules, if it does.
    pub fn conflict(&self) -> Option<&Violation> {
        self.resolution.conflict.as_ref()
    }

    /// Check that `candidate` may be appended; nothing changes.
    pub fn check(&self, candidate: &Recorded) -> Result<(), Violation> {
        self.try_resolve(candidate).map(drop)
    }

    /// Check `candidate` and append it.
    pub fn record(&mut self, candidate: Recorded) -> Result<(), Violation> {
        let resolution = self.try_resolve(&candidate)?;
        self.entries.push(candidate);
        self.resolution = resolution;
        Ok(())
    }

    fn try_resolve(&self, candidate: &Recorded) -> Result<Resolution, Violation> {
        let event = &candidate.event;
        if let Some(field) = event.field_with_nul() {
            return Err(Violation::NulCharacter { field });
        }
        if let Some(body) = event.as_lifecycle() {
            let event_partnership = body.partnership.id();
            if event_partnership != self.id {
                return Err(Violation::WrongPartnership {
                    partnership: self.id.clone(),
                    event_partnership,
                });
            }
        }
        if let (Some(body), Some(initiator)) = (event.as_lifecycle(), &event.facts().initiated_by) {
            if !body.partnership.id().involves(initiator) {
                return Err(Violation::InitiatorNotParty {
                    initiator: initiator.clone(),
                    partnership: self.id.clone(),
                });
            }
        }
        let mut retracting = None;
        if let Some(target) = event.target() {
            let found = self
                .entries
                .iter()
                .find(|entry| entry.id == target)
                .ok_or_else(|| Violation::UnknownTarget {
                    target,
                    partnership: self.id.clone(),
                })?;
            if let Event::Retracted(_) = event {
                if let Event::Retracted(_) = found.event {
                    return Err(Violation::RetractsRetraction { target });
                }
                if let Some(by) = retraction_of(&self.entries, target) {
                    return Err(Violation::AlreadyRetracted {
                        target: Box::new(EventRef::of(found)),
                        by: by.id,
                    });
                }
                retracting = Some(found);
            }
        }
        let mut entries = self.entries.clone();
        entries.push(candidate.clone());
        let resolution = resolve(&entries, Some(candidate.id));
        let conflict = resolution.conflict.clone().map(|mut conflict| {
            if let Violation::Impossible { event, .. } = &mut conflict {
                event.new = event.id == candidate.id;
            }
            conflict
        });
        match (conflict, retracting) {
            (None, _) => Ok(resolution),
            // A retraction is always allowed to undo a conflict that was already stored.
            (Some(_), _) if self.resolution.conflict.is_some() => Ok(resolution),
            (Some(conflict), Some(target)) => Err(Violation::RetractionBreaksTimeline {
                target: Box::new(EventRef::of(target)),
                consequence: Box::new(conflict),
            }),
            (Some(conflict), None) => Err(conflict),
        }
    }

    /// The current status (the end of the valid-time order).
    pub fn status(&self) -> Status {
        self.resolution
            .steps
            .last()
            .map_or(Status::NotYet, |&(_, status)| status)
    }

    /// The driving events in resolved valid-time order, as steps for [`crate::status_at`].
    pub fn steps(&self) -> Vec<crate::asof::Step> {
        self.resolution
            .steps
            .iter()
            .map(|&(index, status_after)| {
                let occurred = &self.entries[index].event.facts().occurred;
                crate::asof::Step {
                    earliest: occurred.earliest(),
                    latest: occurred.latest(),
                    status_after,
                }
            })
            .collect()
    }

    /// The same timeline as the ledger knew it at `moment` (transaction time): only the
    /// entries recorded by then.
    pub fn known_at(&self, moment: jiff::Timestamp) -> Timeline {
        let entries = self
            .entries
            .iter()
            .filter(|entry| entry.recorded_at <= moment)
            .cloned()
            .collect();
        Timeline::from_history(self.id.clone(), entries)
    }

    /// The driving event that set the current status (for "since").
    pub fn since(&self) -> Option<&Recorded> {
        let current = self.status();
        let mut setter = None;
        let mut before = Status::NotYet;
        for &(index, after) in &self.resolution.steps {
            if after != before {
                setter = Some(index);
            }
            before = after;
        }
        setter
            .filter(|_| current != Status::NotYet)
            .map(|index| &self.entries[index])
    }

    /// Every entry in valid-time order (lifecycle events by their dates); retractions and
    /// citations follow the entry they are about.
    pub fn history(&self) -> Vec<TimelineEntry<'_>> {
        let mut lifecycle: Vec<usize> = (0..self.entries.len())
            .filter(|&i| self.entries[i].event.as_lifecycle().is_some())
            .collect();
        lifecycle.sort_by_key(|&i| sort_key(&self.entries[i]));
        let step_of = |index: usize| {
            self.resolution
                .steps
                .iter()
                .position(|&(i, _)| i == index)
                .map(|step| (step, self.resolution.steps[step].1))
        };
        let row = |index: usize| TimelineEntry {
            recorded: &self.entries[index],
            retracted_by: retraction_of(&self.entries, self.entries[index].id),
            disputed: self.entries[index].event.facts().certainty == Certainty::Disputed,
            status_after: step_of(index).map(|(_, status)| status),
            step: step_of(index).map(|(step, _)| step),
        };
        let mut rows = Vec::with_capacity(self.entries.len());
        let mut placed = vec![false; self.entries.len()];
        let mut stack: Vec<usize> = lifecycle.into_iter().rev().collect();
        while let Some(index) = stack.pop() {
            if placed[index] {
                continue;
            }
            placed[index] = true;
            rows.push(row(index));
            let id = self.entries[index].id;
            let attached = (0..self.entries.len())
                .rev()
                .filter(|&i| self.entries[i].event.target() == Some(id));
            stack.extend(attached);
        }
        // Entries about unknown events (should not happen) still show, at the end.
        for (index, _) in placed.iter().enumerate().filter(|(_, placed)| !**placed) {
            rows.push(row(index));
        }
        rows
    }
}

fn retraction_of(entries: &[Recorded], target: EventId) -> Option<&Recorded> {
    entries
        .iter()
        .find(|entry| matches!(&entry.event, Event::Retracted(body) if body.target == target))
}

type SortKey = (crate::date::Day, crate::date::Day, u64);

fn sort_key(recorded: &Recorded) -> SortKey {
    let occurred = &recorded.event.facts().occurred;
    (
        occurred.earliest(),
        occurred.latest(),
        recorded.stream_version,
    )
}

/// How many placements the search may try before it settles for the first conflict found.
const SEARCH_BUDGET: usize = 20_000;

/// Find a legal valid-time order of the driving events (see the module docs).
fn resolve(entries: &[Recorded], focus: Option<EventId>) -> Resolution {
    let mut driving: Vec<usize> = (0..entries.len())
        .filter(|&i| {
            let event = &entries[i].event;
            event.as_lifecycle().is_some()
                && event.facts().certainty != Certainty::Disputed
                && retraction_of(entries, entries[i].id).is_none()
        })
        .collect();
    driving.sort_by_key(|&i| sort_key(&entries[i]));
    let mut search = Search {
        entries,
        driving: &driving,
        placed: vec![false; driving.len()],
        steps: Vec::with_capacity(driving.len()),
        budget: SEARCH_BUDGET,
        conflicts: Vec::new(),
    };
    if search.place(Status::NotYet, None) {
        return Resolution {
            steps: search.steps,
            conflict: None,
        };
    }
    let conflict = search
        .conflicts
        .iter()
        .find(|violation| matches!(violation, Violation::Impossible { event, .. } if Some(event.id) == focus))
        .or(search.conflicts.first())
        .cloned();
    // Keep the longest legal prefix in the preferred order, so that status still answers.
    let mut steps = Vec::new();
    let mut status = Status::NotYet;
    for &index in &driving {
        if let Some(after) = status.after(entries[index].event.event_type()) {
            steps.push((index, after));
            status = after;
        }
    }
    Resolution { steps, conflict }
}

struct Search<'a> {
    entries: &'a [Recorded],
    driving: &'a [usize],
    placed: Vec<bool>,
    steps: Vec<(usize, Status)>,
    budget: usize,
    conflicts: Vec<Violation>,
}

impl Search<'_> {
    /// Depth-first: place the next event, trying candidates in preferred order.
    fn place(&mut self, status: Status, set_by: Option<usize>) -> bool {
        if self.steps.len() == self.driving.len() {
            return true;
        }
        let n = self.driving.len();
        for slot in 0..n {
            if self.placed[slot] || !self.is_candidate(slot) {
                continue;
            }
            if self.budget == 0 {
                return false;
            }
            self.budget -= 1;
            let index = self.driving[slot];
            let recorded = &self.entries[index];
            match status.after(recorded.event.event_type()) {
                None => {
                    if self.conflicts.len() < 16 {
                        self.conflicts.push(Violation::Impossible {
                            event: Box::new(EventRef::of(recorded)),
                            status,
                            set_by: set_by.map(|i| Box::new(EventRef::of(&self.entries[i]))),
                        });
                    }
                }
                Some(after) => {
                    self.placed[slot] = true;
                    self.steps.push((index, after));
                    let next_setter = if after != status { Some(index) } else { set_by };
                    if self.place(after, next_setter) {
                        return true;
                    }
                    self.steps.pop();
                    self.placed[slot] = false;
                }
            }
        }
        false
    }

    /// No unplaced event lies definitely before this one.
    fn is_candidate(&self, slot: usize) -> bool {
        let earliest = self.entries[self.driving[slot]]
            .event
            .facts()
            .occurred
            .earliest();
        (0..self.driving.len()).all(|other| {
            other == slot
                || self.placed[other]
                || self.entries[self.driving[other]]
                    .event
                    .facts()
                    .occurred
                    .latest()
                    >= earliest
        })
    }
}

#[cfg(test)]
#[path = "timeline_tests.rs"]
mod tests;
