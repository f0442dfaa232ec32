//! The lifecycle rules of one partnership, applied in valid-time order.
//!
//! Founded → active; active ⇄ suspended; active or suspended → terminated; suspended or
//! terminated → active by reinstatement; reaffirmation only while active. An attestation changes
//! no status and is never refused for the status it meets: it proves only that the partnership
//! had been founded by its date. A partnership attested but never recorded as founded has an
//! implicit founding of unknown date before its first attestation.
//!
//! Events are ordered by when they happened (`occurred`), not by when they were recorded: an
//! archivist may learn of a 1999 suspension after recording 2005. Dates are intervals
//! (earliest..latest day, the latest capped at the day the event was recorded); an unknown date
//! spans all time up to then. An entry is refused if and only if no legal order and dating of
//! the driving events exists: [`crate::temporal::Engine`] decides that exactly, and never gives
//! up calling a timeline impossible (running out of its budget is [`Violation::Unfinished`]).
//! The refusal names the events and dates in conflict.
//!
//! Driving events are the lifecycle events that are neither disputed nor retracted. Disputed
//! and retracted entries keep their place in history and are shown, but have no effect.
//!
//! An alternative claim (a lifecycle event with `alternative_to`) is another source's version
//! of an earlier entry of the same type (founded 1983 according to one source, 1984 according
//! to another). It names an entry of this stream that is not retracted; naming an alternative
//! names its root. A root and its alternatives form a claim group, which drives the status as
//! one event dated anywhere within the span of its standing (neither retracted nor disputed)
//! claims' bounds: the uncertainty widens instead of one source being ruled wrong. Retracting
//! a claim narrows the span to the claims left standing, the root's retraction included.

use std::fmt;
use std::sync::Arc;

use crate::date::Occurred;
use crate::event::{Certainty, Event, EventId, EventType, Recorded};
use crate::party::{Partnership, PartnershipId};

pub use crate::temporal::Status;

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
    /// The legality check ran out of its budget before it could decide (exit code 4 in the
    /// CLI): the entry was neither accepted nor found impossible.
    #[error("the check of {partnership} was not finished: {source}; nothing was recorded")]
    Unfinished {
        /// The partnership.
        partnership: PartnershipId,
        /// The limit that was hit.
        source: crate::temporal::Unfinished,
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
    #[error(
        "{initiator} is not a party to {partnership}; the initiating party must be one of the two"
    )]
    InitiatorNotParty {
        /// The named initiator.
        initiator: crate::party::PartyKey,
        /// The partnership.
        partnership: PartnershipId,
    },
    /// An alternative claim names an entry it cannot be an alternative to.
    #[error("the new {event_type} cannot be an alternative to event {target}: {problem}")]
    InvalidAlternative {
        /// The type of the claim being recorded.
        event_type: EventType,
        /// The entry it names.
        target: EventId,
        /// Why it cannot be an alternative to it.
        problem: AlternativeProblem,
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

/// Why an alternative claim cannot name the entry it names (see [`Violation::InvalidAlternative`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AlternativeProblem {
    /// No earlier entry of the stream has that id.
    #[error("no earlier entry of {partnership} has that id")]
    NotInHistory {
        /// The partnership searched.
        partnership: PartnershipId,
    },
    /// The entry is of another type: claims of one group report the same event.
    #[error(
        "it is an entry of type {found} ({occurred}); an alternative claim reports the same event, so it has \
         the type of the entry it is an alternative to"
    )]
    OtherType {
        /// The named entry's type.
        found: EventType,
        /// Its date as written.
        occurred: Occurred,
    },
    /// The entry was retracted: there is no standing claim to stand beside.
    #[error("it was retracted by event {by}; record the claim on its own instead")]
    Retracted {
        /// The retraction.
        by: EventId,
    },
}

/// One partnership's recorded events and what they add up to.
#[derive(Debug, Clone)]
pub struct Timeline {
    id: PartnershipId,
    entries: Vec<Recorded>,
    resolution: Resolution,
    /// For a community's partnership merged from several streams (same-as links): its
    /// parties under their community keys.
    merged: Option<Arc<Partnership>>,
}

/// The driving events in a legal valid-time order (one witness of legality), with the status
/// after each, and the statuses possible after every event.
#[derive(Debug, Clone, Default)]
struct Resolution {
    steps: Vec<(usize, Status)>,
    /// Set when stored history no longer satisfies the rules (e.g. after a rule change).
    conflict: Option<Violation>,
    /// The statuses possible once every driving event has happened (computed when first
    /// asked: checking an entry does not need them).
    last: std::sync::OnceLock<crate::temporal::StatusSet>,
    /// The engine over the driving events, for `last`.
    engine: Option<std::sync::Arc<crate::temporal::Engine>>,
    /// Whether the founding is implicit (attested, never recorded as founded).
    implicit_founding: bool,
    /// The driving entries (indices, in preferred order) and their dates as the engine sees
    /// them.
    driving: Vec<usize>,
    dated: Vec<crate::temporal::Dated>,
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
            merged: None,
        }
    }

    /// Rebuild a timeline from stored events (in recording order) without refusing any: if
    /// the stored history breaks today's rules, [`Timeline::conflict`] says how.
    pub fn from_history(id: PartnershipId, entries: Vec<Recorded>) -> Timeline {
        let mut timeline = Timeline {
            id,
            entries,
            resolution: Resolution::default(),
            merged: None,
        };
        timeline.resolution = resolve(&timeline.id, &timeline.entries, None);
        timeline
    }

    /// One community's partnership, merged from the streams of several keys that same-as
    /// links make one (see `register`): every entry keeps its stream and id, the rules apply
    /// to them all together, and a history that no legal order fits is kept with its
    /// conflict (the status is then `unknown`). `partnership` names the parties by their
    /// community keys; its id is `id`.
    pub fn merged(
        id: PartnershipId,
        partnership: Arc<Partnership>,
        entries: Vec<Recorded>,
    ) -> Timeline {
        let mut entries = entries;
        entries.sort_by_key(|entry| entry.recorded_at);
        let mut timeline = Timeline::from_history(id, entries);
        timeline.merged = Some(partnership);
        timeline
    }

    /// The streams its entries come from (one, unless merged), in order.
    pub fn streams(&self) -> Vec<&PartnershipId> {
        let mut streams: Vec<&PartnershipId> = self
            .entries
            .iter()
            .map(|entry| &entry.partnership)
            .collect();
        streams.sort();
        streams.dedup();
        streams
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
        if let Some(merged) = &self.merged {
            return (!self.entries.is_empty()).then_some(&**merged);
        }
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

    /// Check `candidates` together and append them all, or none: the timeline with all of
    /// them must have a legal order, whatever order they come in (rows of a file, a batch), and
    /// a retraction may come with the entry that replaces what it retracts (`amend`: legal as
    /// a whole even when neither half is legal alone). Retractions and citations may name
    /// entries stored before or given earlier in the batch.
    pub fn record_all(&mut self, candidates: Vec<Recorded>) -> Result<(), Violation> {
        if candidates.len() <= 1 {
            for candidate in candidates {
                self.record(candidate)?;
            }
            return Ok(());
        }
        let mut staged = Timeline {
            id: self.id.clone(),
            entries: self.entries.clone(),
            resolution: Resolution::default(),
            merged: self.merged.clone(),
        };
        for candidate in &candidates {
            staged.precheck(candidate)?;
            staged.entries.push(candidate.clone());
        }
        let resolution = resolve(&self.id, &staged.entries, None);
        match resolution.conflict.clone() {
            Some(unfinished @ Violation::Unfinished { .. }) => Err(unfinished),
            Some(mut conflict) if self.resolution.conflict.is_none() => {
                if let Violation::Impossible { event, .. } = &mut conflict {
                    event.new = candidates.iter().any(|c| c.id == event.id);
                }
                Err(conflict)
            }
            _ => {
                self.entries = staged.entries;
                self.resolution = resolution;
                Ok(())
            }
        }
    }

    /// The checks of one candidate that do not depend on dates: texts, parties, targets.
    /// Returns the entry a retraction retracts.
    fn precheck(&self, candidate: &Recorded) -> Result<Option<&Recorded>, Violation> {
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
        if let Some(target) = event.alternative_to() {
            let invalid = |problem| Violation::InvalidAlternative {
                event_type: event.event_type(),
                target,
                problem,
            };
            let found = self
                .entries
                .iter()
                .find(|entry| entry.id == target)
                .ok_or_else(|| {
                    invalid(AlternativeProblem::NotInHistory {
                        partnership: self.id.clone(),
                    })
                })?;
            if found.event.event_type() != event.event_type() {
                return Err(invalid(AlternativeProblem::OtherType {
                    found: found.event.event_type(),
                    occurred: found.event.facts().occurred.clone(),
                }));
            }
            if let Some(by) = retraction_of(&self.entries, target) {
                return Err(invalid(AlternativeProblem::Retracted { by: by.id }));
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
        Ok(retracting)
    }

    fn try_resolve(&self, candidate: &Recorded) -> Result<Resolution, Violation> {
        let retracting = self.precheck(candidate)?;
        let mut entries = self.entries.clone();
        entries.push(candidate.clone());
        let resolution = resolve(&self.id, &entries, Some(candidate.id));
        if let Some(unfinished @ Violation::Unfinished { .. }) = &resolution.conflict {
            return Err(unfinished.clone());
        }
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

    /// The current status: once every driving event has happened. When several are possible
    /// (see [`Timeline::last_statuses`]), the one furthest along the lifecycle.
    pub fn status(&self) -> Status {
        if self.resolution.conflict.is_some() {
            return Status::Unknown;
        }
        match self.last_statuses_checked() {
            Ok(last) => last.furthest().unwrap_or(Status::NotYet),
            Err(_) => Status::Unknown,
        }
    }

    /// Every status possible once every driving event has happened (empty when the stored
    /// history breaks the rules, or when the answer needs more than the engine's budget: then
    /// [`Timeline::last_statuses_checked`] says so).
    pub fn last_statuses(&self) -> crate::temporal::StatusSet {
        self.last_statuses_checked().unwrap_or_default()
    }

    /// Every status possible once every driving event has happened, or why it is not known.
    pub fn last_statuses_checked(
        &self,
    ) -> Result<crate::temporal::StatusSet, crate::temporal::Unfinished> {
        if let Some(last) = self.resolution.last.get() {
            return Ok(*last);
        }
        let Some(engine) = &self.resolution.engine else {
            return Ok(crate::temporal::StatusSet::EMPTY);
        };
        let end = crate::temporal::end_of_day(crate::date::Day::Future);
        let last = engine.profile()?.statuses(end, end)?;
        Ok(*self.resolution.last.get_or_init(|| last))
    }

    /// Whether the founding is implicit: attested, never recorded as founded.
    pub fn implicit_founding(&self) -> bool {
        self.resolution.implicit_founding
    }

    /// The driving events (neither disputed nor retracted) as the engine sees them, with
    /// their entries.
    pub fn driving(&self) -> Vec<(&Recorded, crate::temporal::Dated)> {
        self.resolution
            .driving
            .iter()
            .zip(&self.resolution.dated)
            .map(|(&index, dated)| (&self.entries[index], *dated))
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
        let mut timeline = Timeline::from_history(self.id.clone(), entries);
        timeline.merged = self.merged.clone();
        timeline
    }

    /// The driving event that set the current status (for "since"): the latest-dated one that
    /// leads into it. `None` for `not_yet`, and for a founding that is only implicit.
    pub fn since(&self) -> Option<&Recorded> {
        let current = self.status();
        let driving = self.driving();
        let dated: Vec<crate::temporal::Dated> = driving.iter().map(|(_, d)| *d).collect();
        crate::asof::setter(&dated, current, crate::temporal::FUTURE).map(|index| driving[index].0)
    }

    /// The first attestation (the one with the earliest latest day), for partnerships known
    /// from lists.
    pub fn first_attested(&self) -> Option<&Recorded> {
        let resolution = &self.resolution;
        (0..resolution.driving.len())
            .filter(|&i| resolution.dated[i].event_type == EventType::PartnershipAttested)
            .min_by_key(|&i| (resolution.dated[i].latest, resolution.dated[i].earliest, i))
            .map(|i| &self.entries[resolution.driving[i]])
    }

    /// The claims of the group `id` belongs to (itself alone when it has no alternatives), in
    /// recording order, the root first; retracted and disputed claims included.
    pub fn claim_group(&self, id: EventId) -> Vec<&Recorded> {
        let roots = roots(&self.entries);
        let Some(index) = self.entries.iter().position(|entry| entry.id == id) else {
            return Vec::new();
        };
        (0..self.entries.len())
            .filter(|&i| roots[i] == roots[index] && self.entries[i].event.as_lifecycle().is_some())
            .map(|i| &self.entries[i])
            .collect()
    }

    /// Whether an entry has effect: a lifecycle event neither retracted nor disputed (alone
    /// or as a claim of its group).
    pub fn is_standing(&self, recorded: &Recorded) -> bool {
        recorded.event.as_lifecycle().is_some()
            && recorded.event.facts().certainty != Certainty::Disputed
            && retraction_of(&self.entries, recorded.id).is_none()
    }

    /// Every entry in valid-time order (lifecycle events by their dates); retractions,
    /// citations and alternative claims follow the entry they name.
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
            let attached = (0..self.entries.len()).rev().filter(|&i| {
                let event = &self.entries[i].event;
                event.target() == Some(id) || event.alternative_to() == Some(id)
            });
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

/// An entry's dates as the engine sees them: the latest day capped at its recording day.
fn dated(recorded: &Recorded) -> crate::temporal::Dated {
    let occurred = &recorded.event.facts().occurred;
    let (earliest, latest) = crate::temporal::cap_at_recording(
        occurred.earliest(),
        occurred.latest(),
        recorded.recorded_at,
    );
    crate::temporal::Dated {
        event_type: recorded.event.event_type(),
        earliest,
        latest,
    }
}

/// The root of every entry's claim group (an entry that is no alternative claim is its own
/// root). A claim names an earlier entry of its type when recorded; a stored one that does not
/// (an imported archive is not re-checked) stands alone.
fn roots(entries: &[Recorded]) -> Vec<usize> {
    let mut roots: Vec<usize> = (0..entries.len()).collect();
    if entries
        .iter()
        .all(|entry| entry.event.alternative_to().is_none())
    {
        return roots;
    }
    let index: rustc_hash::FxHashMap<EventId, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, entry)| (entry.id, i))
        .collect();
    for i in 0..entries.len() {
        let Some(target) = entries[i].event.alternative_to() else {
            continue;
        };
        if let Some(&named) = index.get(&target) {
            if named < i && entries[named].event.event_type() == entries[i].event.event_type() {
                roots[i] = roots[named];
            }
        }
    }
    roots
}

/// The driving events, in preferred order: one per claim group that has a standing claim
/// (a lifecycle event neither disputed nor retracted), given by its first standing claim and
/// dated over the span of its standing claims. Returns the entries (indices) and their dates
/// as the engine sees them.
fn driving(entries: &[Recorded]) -> (Vec<usize>, Vec<crate::temporal::Dated>) {
    let retracted: rustc_hash::FxHashSet<EventId> = entries
        .iter()
        .filter_map(|entry| match &entry.event {
            Event::Retracted(body) => Some(body.target),
            _ => None,
        })
        .collect();
    let roots = roots(entries);
    // Per group: its first standing claim, its dates for the engine, and its sort key (the
    // span of the claims' uncapped bounds, then recording order).
    let mut groups: Vec<(usize, crate::temporal::Dated, SortKey)> = Vec::new();
    // The group (index into `groups`) of each root, once it has a standing claim.
    let mut group_of: Vec<Option<usize>> = vec![None; entries.len()];
    for (i, entry) in entries.iter().enumerate() {
        let event = &entry.event;
        if event.as_lifecycle().is_none()
            || event.facts().certainty == Certainty::Disputed
            || retracted.contains(&entry.id)
        {
            continue;
        }
        let claim = dated(entry);
        let key = sort_key(entry);
        match group_of[roots[i]] {
            Some(group) => {
                let (_, span, span_key) = &mut groups[group];
                span.earliest = span.earliest.min(claim.earliest);
                span.latest = span.latest.max(claim.latest);
                span_key.0 = span_key.0.min(key.0);
                span_key.1 = span_key.1.max(key.1);
            }
            None => {
                group_of[roots[i]] = Some(groups.len());
                groups.push((i, claim, key));
            }
        }
    }
    groups.sort_by_key(|(_, _, key)| *key);
    groups.into_iter().map(|(i, dated, _)| (i, dated)).unzip()
}

/// Decide whether the driving events have a legal order and dating (see the module docs); when
/// they have none, explain the conflict.
fn resolve(id: &PartnershipId, entries: &[Recorded], focus: Option<EventId>) -> Resolution {
    let (driving, dated) = driving(entries);
    let engine = crate::temporal::Engine::new(&dated);
    let implicit_founding = engine.implicit_founding();
    let unfinished = |source| Resolution {
        conflict: Some(Violation::Unfinished {
            partnership: id.clone(),
            source,
        }),
        implicit_founding,
        driving: driving.clone(),
        dated: dated.clone(),
        ..explain(entries, &driving, focus)
    };
    let witness = match engine.witness() {
        Ok(witness) => witness,
        Err(source) => return unfinished(source),
    };
    let Some(witness) = witness else {
        return Resolution {
            implicit_founding,
            driving: driving.clone(),
            dated: dated.clone(),
            ..explain(entries, &driving, focus)
        };
    };
    let mut status = if implicit_founding {
        Status::Active
    } else {
        Status::NotYet
    };
    let steps = witness
        .into_iter()
        .map(|position| {
            let index = driving[position];
            status = status
                .after(entries[index].event.event_type())
                .unwrap_or(status);
            (index, status)
        })
        .collect();
    Resolution {
        steps,
        conflict: None,
        last: std::sync::OnceLock::new(),
        engine: Some(std::sync::Arc::new(engine)),
        implicit_founding,
        driving,
        dated,
    }
}

/// Why no legal order exists: the events in preferred order (earliest day, latest day,
/// recording order) are applied one by one, and the first that breaks a rule is named with the
/// status it meets and the event that set it (the entry being recorded when it is the one).
/// The steps kept are the longest legal prefix, so that history still shows what it can.
fn explain(entries: &[Recorded], driving: &[usize], focus: Option<EventId>) -> Resolution {
    let mut steps = Vec::new();
    let mut status = Status::NotYet;
    let mut set_by: Option<usize> = None;
    let mut conflicts = Vec::new();
    for &index in driving {
        let recorded = &entries[index];
        match status.after(recorded.event.event_type()) {
            Some(after) => {
                if after != status {
                    set_by = Some(index);
                }
                steps.push((index, after));
                status = after;
            }
            None => conflicts.push(Violation::Impossible {
                event: Box::new(EventRef::of(recorded)),
                status,
                set_by: set_by.map(|i| Box::new(EventRef::of(&entries[i]))),
            }),
        }
    }
    let conflict = conflicts
        .iter()
        .find(|violation| {
            matches!(violation, Violation::Impossible { event, .. } if Some(event.id) == focus)
        })
        .or(conflicts.first())
        .cloned()
        .or_else(|| {
            // Every step is legal in this order, yet no dating fits: the founding comes after
            // an attestation that proves it happened earlier.
            let founding = driving
                .iter()
                .find(|&&i| entries[i].event.event_type() == EventType::PartnershipFounded)?;
            let attestation = driving
                .iter()
                .filter(|&&i| entries[i].event.event_type() == EventType::PartnershipAttested)
                .min_by_key(|&&i| entries[i].event.facts().occurred.latest())?;
            Some(Violation::Impossible {
                event: Box::new(EventRef::of(&entries[*founding])),
                status: Status::Active,
                set_by: Some(Box::new(EventRef::of(&entries[*attestation]))),
            })
        });
    Resolution {
        steps,
        conflict: Some(conflict.unwrap_or_else(|| Violation::Impossible {
            event: Box::new(EventRef::of(&entries[driving[0]])),
            status: Status::NotYet,
            set_by: None,
        })),
        last: std::sync::OnceLock::new(),
        engine: None,
        implicit_founding: false,
        driving: Vec::new(),
        dated: Vec::new(),
    }
}

#[cfg(test)]
#[path = "timeline_tests.rs"]
mod tests;
