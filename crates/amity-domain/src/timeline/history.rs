//! The history: every entry in valid-time order (the driving events in the witness order),
//! with how it stands (retracted, disputed, its step and the status after it), and the claims
//! of an entry's group.

use super::claims::roots;
use super::driving::{retraction_of, sort_key};
use super::entries::Timeline;
use crate::event::{Certainty, EventId, Recorded};
use crate::temporal::Status;

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
