//! One partnership's entries: the [`Timeline`], how it is built (from a stream's history,
//! merged from several streams, as known at a moment) and what it holds.

use std::sync::Arc;

use super::resolution::{resolve, Resolution};
use super::violation::Violation;
use crate::event::{EventId, Recorded};
use crate::party::{Partnership, PartnershipId};

/// One partnership's recorded events and what they add up to.
#[derive(Debug, Clone)]
pub struct Timeline {
    /// The partnership's id.
    pub(super) id: PartnershipId,
    /// The entries in recording order.
    pub(super) entries: Vec<Recorded>,
    /// What the entries add up to.
    pub(super) resolution: Resolution,
    /// For a community's partnership merged from several streams (same-as links): its
    /// parties under their community keys.
    pub(super) merged: Option<Arc<Partnership>>,
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
}
