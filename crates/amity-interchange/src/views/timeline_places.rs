//! Where each row of the exported timeline goes ([`super::export_timeline`]): the histories'
//! placements, each event's first one found by where the event is stored or by its id.

use amity_ledger::{EventId, Position};
use amity_projections::placement::Placements;
use rustc_hash::FxHashMap;

/// Where a row goes: the rows the histories place, in their order, then the rows of events no
/// history shows, in log order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum RowKey {
    /// The index of the event's first placement.
    Placed(usize),
    /// The event's log index.
    Unplaced(u64),
}

/// The histories' placements, each event's first one findable: by where the event is stored,
/// for the entries that keep it (a partnership's own stream, in the ledger's file), and by the
/// event's id for the others.
pub(super) struct Places {
    pub(super) placements: Placements,
    at: FxHashMap<u64, usize>,
    first: FxHashMap<EventId, usize>,
}

impl Places {
    pub(super) fn of(placements: Placements) -> Places {
        let (mut at, mut first) = (FxHashMap::default(), FxHashMap::default());
        at.reserve(placements.len());
        for (index, place) in placements.iter().enumerate() {
            match place.entry.stored_at {
                Some(position) => {
                    at.entry(position).or_insert(index);
                }
                None => {
                    // An id that does not read names no stored event: its placement shows
                    // nothing.
                    if let Ok(id) = place.entry.event_id.parse() {
                        first.entry(id).or_insert(index);
                    }
                }
            }
        }
        Places {
            placements,
            at,
            first,
        }
    }

    /// The first placement of the event `id` stored at `position`, if a history shows it;
    /// counts in `met` each of the two indexes it is found in.
    fn find(&self, position: Position, id: &EventId, met: &mut Met) -> Option<usize> {
        let at = position
            .parts()
            .and_then(|(commit, _)| self.at.get(&commit).copied());
        met.at += u64::from(at.is_some());
        if self.first.is_empty() {
            return at;
        }
        let first = self.first.get(id).copied();
        met.first += u64::from(first.is_some());
        at.into_iter().chain(first).min()
    }

    /// Whether the events `met` counts are all those the placements show.
    pub(super) fn all(&self, met: &Met) -> bool {
        met.at == self.at.len() as u64 && met.first == self.first.len() as u64
    }

    /// Where the row of this event goes; `None` for an event of another stream than a
    /// partnership's that no history shows (it has no row).
    pub(super) fn key(
        &self,
        (position, id): (Position, &EventId),
        log_index: u64,
        partnership_stream: bool,
        met: &mut Met,
    ) -> Option<RowKey> {
        match self.find(position, id, met) {
            Some(index) => Some(RowKey::Placed(index)),
            None if partnership_stream => Some(RowKey::Unplaced(log_index)),
            None => None,
        }
    }
}

/// How many of the events read each index of [`Places`] finds (each event is read once).
#[derive(Default)]
pub(super) struct Met {
    at: u64,
    first: u64,
}

/// A row to write: a formatted one (`chunk`, `row`), or one of a chunk's `others`.
#[derive(Clone, Copy)]
pub(super) enum Row {
    Formatted(usize, usize),
    Other(usize, usize),
}
