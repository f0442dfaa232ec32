//! Where each row of the exported timeline goes ([`super::export_timeline`]): the histories'
//! placements, each event's first one found by where the event is stored or by its id.

use amity_ledger::{EventId, Position};
use amity_projections::placement::Placements;
use rustc_hash::FxHashMap;

/// Where a row goes: the rows the histories place, in their order, then the rows of events no
/// history shows, in feed order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RowKey {
    /// The index of the event's first placement.
    Placed(usize),
    /// Shown by no history: in feed order, after the placed rows.
    Unplaced,
}

/// The histories' placements, each event's first one findable: by where the event is stored,
/// for the entries that keep it (a partnership's own stream, in the ledger's file), and by the
/// event's id for the others.
pub(super) struct Places {
    pub(super) placements: Placements,
    at: Positions,
    first: FxHashMap<EventId, usize>,
}

impl Places {
    pub(super) fn of(placements: Placements) -> Places {
        let (mut positions, mut first) = (Vec::new(), FxHashMap::default());
        for (index, stored_at, event_id) in placements.stored() {
            match stored_at {
                Some(position) => positions.push((position, index)),
                None => {
                    // An id that does not read names no stored event: its placement shows
                    // nothing.
                    if let Ok(id) = event_id.parse() {
                        let kept = first.entry(id).or_insert(index);
                        *kept = index.min(*kept);
                    }
                }
            }
        }
        Places {
            placements,
            at: Positions::of(positions),
            first,
        }
    }

    /// The first placement of the event `id` stored at `position`, if a history shows it;
    /// counts in `met` each of the two indexes it is found in.
    fn find(&self, position: Position, id: &EventId, met: &mut Met) -> Option<usize> {
        let at = position.parts().and_then(|(commit, _)| self.at.get(commit));
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
        partnership_stream: bool,
        met: &mut Met,
    ) -> Option<RowKey> {
        match self.find(position, id, met) {
            Some(index) => Some(RowKey::Placed(index)),
            None if partnership_stream => Some(RowKey::Unplaced),
            None => None,
        }
    }
}

/// Each stored position's first placement: a table indexed by position where the positions
/// are dense (a SQLite ledger's are its events' row numbers, 1 to the number of events), a
/// map otherwise.
enum Positions {
    Dense(Vec<u32>, usize),
    Sparse(FxHashMap<u64, usize>),
}

impl Positions {
    /// No placement at this position, in a dense table.
    const NONE: u32 = u32::MAX;

    /// Of the placements' `(position, index)`: each position's least index.
    fn of(positions: Vec<(u64, usize)>) -> Positions {
        let count = positions.len();
        let largest = positions.iter().map(|&(position, _)| position).max();
        let dense = largest.and_then(|largest| usize::try_from(largest).ok());
        let fits = |index: usize| u32::try_from(index).is_ok_and(|index| index != Positions::NONE);
        match dense {
            Some(largest)
                if largest <= 4 * count + 65_536 && positions.iter().all(|&(_, at)| fits(at)) =>
            {
                let mut table = vec![Positions::NONE; largest + 1];
                let mut distinct = 0;
                for (position, index) in positions {
                    let slot = &mut table[position as usize];
                    distinct += usize::from(*slot == Positions::NONE);
                    *slot = (*slot).min(index as u32);
                }
                Positions::Dense(table, distinct)
            }
            _ => {
                let mut map = FxHashMap::default();
                map.reserve(count);
                for (position, index) in positions {
                    let kept = map.entry(position).or_insert(index);
                    *kept = index.min(*kept);
                }
                Positions::Sparse(map)
            }
        }
    }

    fn get(&self, position: u64) -> Option<usize> {
        match self {
            Positions::Dense(table, _) => usize::try_from(position)
                .ok()
                .and_then(|position| table.get(position))
                .filter(|&&index| index != Positions::NONE)
                .map(|&index| index as usize),
            Positions::Sparse(map) => map.get(&position).copied(),
        }
    }

    /// How many distinct positions have a placement.
    fn len(&self) -> usize {
        match self {
            Positions::Dense(_, count) => *count,
            Positions::Sparse(map) => map.len(),
        }
    }
}

/// How many of the events read each index of [`Places`] finds (each event is read once).
#[derive(Default)]
pub(super) struct Met {
    at: u64,
    first: u64,
}

/// A row to write: a formatted one (`chunk`, `row`), or one of a chunk's `others`; ordered as
/// the feed is (chunk by chunk, each chunk's formatted rows in its order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Row {
    Formatted(usize, usize),
    Other(usize, usize),
}

/// The rows to write, gathered as the chunks come (in any order), each where it goes: a
/// placement's row in the placement's slot, the others apart.
pub(super) struct Order {
    placed: Vec<Option<Row>>,
    /// Rows at a placement taken already (none where every event's position is its own).
    shared: Vec<(usize, Row)>,
    unplaced: Vec<Row>,
}

impl Order {
    /// Room for the rows of `placements` placements.
    pub(super) fn new(placements: usize) -> Order {
        Order {
            placed: vec![None; placements],
            shared: Vec::new(),
            unplaced: Vec::new(),
        }
    }

    /// `row` goes at `key`.
    pub(super) fn add(&mut self, key: RowKey, row: Row) {
        match key {
            RowKey::Placed(index) => match &mut self.placed[index] {
                slot @ None => *slot = Some(row),
                Some(_) => self.shared.push((index, row)),
            },
            RowKey::Unplaced => self.unplaced.push(row),
        }
    }

    /// The rows in the order they are written: the placed ones in the order of the
    /// placements, then the others in feed order.
    pub(super) fn in_order(self) -> Vec<(RowKey, Row)> {
        let Order {
            placed,
            shared,
            mut unplaced,
        } = self;
        unplaced.sort_unstable();
        let mut rows: Vec<(usize, Row)> = placed
            .into_iter()
            .enumerate()
            .filter_map(|(index, row)| Some((index, row?)))
            .collect();
        if !shared.is_empty() {
            rows.extend(shared);
            rows.sort_by_key(|&(index, _)| index);
        }
        let placed = rows
            .into_iter()
            .map(|(index, row)| (RowKey::Placed(index), row));
        let unplaced = unplaced.into_iter().map(|row| (RowKey::Unplaced, row));
        placed.chain(unplaced).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{Order, Positions, Row, RowKey};

    /// Each position's least placement index, found the same way in a dense table (positions
    /// numbered from 1, a SQLite ledger's) and in a map (positions far apart); the distinct
    /// positions counted once.
    #[test]
    fn given_positions_dense_or_far_apart_when_looked_up_then_each_gives_its_first_placement() {
        for scale in [1, 1_000_000_000_000] {
            let positions = Positions::of(vec![(3 * scale, 5), (scale, 2), (3 * scale, 4)]);
            let dense = matches!(positions, Positions::Dense(..));
            assert_eq!(dense, scale == 1, "scale {scale}");
            assert_eq!(positions.get(3 * scale), Some(4), "scale {scale}");
            assert_eq!(positions.get(scale), Some(2), "scale {scale}");
            assert_eq!(positions.get(2 * scale), None, "scale {scale}");
            assert_eq!(positions.get(0), None, "scale {scale}");
            assert_eq!(positions.get(u64::MAX), None, "scale {scale}");
            assert_eq!(positions.len(), 2, "scale {scale}");
        }
        assert_eq!(Positions::of(Vec::new()).len(), 0);
    }

    /// Rows added as their chunks come, in any order, are written placed ones first in the
    /// order of the placements (two rows at one placement side by side), then the others in
    /// feed order.
    #[test]
    fn given_rows_added_out_of_order_when_put_in_order_then_placements_first_then_feed_order() {
        let mut order = Order::new(5);
        order.add(RowKey::Unplaced, Row::Formatted(2, 0));
        order.add(RowKey::Placed(3), Row::Formatted(2, 1));
        order.add(RowKey::Placed(0), Row::Other(2, 0));
        order.add(RowKey::Unplaced, Row::Formatted(0, 7));
        order.add(RowKey::Placed(1), Row::Formatted(0, 0));
        order.add(RowKey::Placed(3), Row::Formatted(0, 1));
        order.add(RowKey::Unplaced, Row::Formatted(0, 2));
        let rows = order.in_order();
        let placed: Vec<(usize, Row)> = rows
            .iter()
            .filter_map(|&(key, row)| match key {
                RowKey::Placed(index) => Some((index, row)),
                RowKey::Unplaced => None,
            })
            .collect();
        assert_eq!(
            placed.iter().map(|&(index, _)| index).collect::<Vec<_>>(),
            [0, 1, 3, 3]
        );
        assert_eq!(placed[0].1, Row::Other(2, 0));
        assert_eq!(placed[1].1, Row::Formatted(0, 0));
        let at_three = [placed[2].1, placed[3].1];
        assert!(
            at_three.contains(&Row::Formatted(2, 1)) && at_three.contains(&Row::Formatted(0, 1))
        );
        let unplaced: Vec<Row> = rows[4..].iter().map(|&(_, row)| row).collect();
        assert!(rows[4..].iter().all(|&(key, _)| key == RowKey::Unplaced));
        assert_eq!(
            unplaced,
            [
                Row::Formatted(0, 2),
                Row::Formatted(0, 7),
                Row::Formatted(2, 0)
            ]
        );
    }
}
