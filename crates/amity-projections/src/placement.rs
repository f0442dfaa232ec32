//! Where each entry stands in its partnership's history, without the event's own details: what
//! a view that carries the events beside it (the timeline CSV view) needs from the history.
//! Every entry of a ledger is held at once ([`Placements`]), so they are kept compactly: each
//! partnership's key once, the entries' text in one buffer.

use std::ops::Range;

use amity_domain::Status;

use crate::rows::TimelineRow;

/// One entry's place in its history: the derived columns of a [`TimelineRow`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement<'a> {
    /// The partnership whose history shows the entry.
    pub partnership: &'a str,
    /// The entry itself.
    pub entry: Entry<'a>,
}

/// An entry's columns but its partnership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Position in the history.
    pub seq: u64,
    /// The event.
    pub event_id: &'a str,
    /// Where the event is stored (its position's commit coordinate), where the tables keep
    /// it: in the ledger's own file, for the entries of a partnership's own stream.
    pub stored_at: Option<u64>,
    /// The earliest day the entry may have happened (ISO 8601), if bounded.
    pub earliest: Option<&'a str>,
    /// The latest day, if bounded.
    pub latest: Option<&'a str>,
    /// Recorded as disputed: shown, not driving the status.
    pub disputed: bool,
    /// The status after the entry, for an entry that drives it.
    pub status_after: Option<Status>,
    /// The retraction that took the entry's effect, if any.
    pub retracted_by: Option<&'a str>,
}

impl<'a> From<&'a TimelineRow> for Placement<'a> {
    fn from(row: &'a TimelineRow) -> Placement<'a> {
        Placement {
            partnership: row.partnership.as_str(),
            entry: Entry {
                seq: row.seq,
                event_id: &row.event_id,
                stored_at: None,
                earliest: row.earliest.as_deref(),
                latest: row.latest.as_deref(),
                disputed: row.disputed,
                status_after: row.status_after,
                retracted_by: row.retracted_by.as_deref(),
            },
        }
    }
}

/// Every history entry's place, by partnership then history order.
#[derive(Debug, Default, Clone)]
pub struct Placements {
    /// The keys' and the entries' text, one after another.
    text: String,
    /// Each partnership's key in `text`, by its number (see [`Placements::key`]).
    keys: Vec<Range<usize>>,
    /// The entries as they were added.
    entries: Vec<Held>,
    /// The entries in order: indexes into `entries`.
    order: Vec<u32>,
}

/// An entry as held. Its texts follow one another in [`Placements::text`] from `start`: the
/// event's id, then those of `earliest`, `latest` and `retracted_by` it has (`present`).
#[derive(Debug, Clone)]
struct Held {
    seq: u64,
    stored_at: Option<u64>,
    start: usize,
    lengths: [u32; 4],
    key: u32,
    present: u8,
    disputed: bool,
    status_after: Option<Status>,
}

impl Placements {
    /// The places of these histories' entries: the partnerships in the order given, each
    /// partnership's entries in history order (`seq`).
    pub fn of_rows<'a>(rows: impl IntoIterator<Item = &'a TimelineRow>) -> Placements {
        let mut placements = Placements::default();
        for row in rows {
            let place = Placement::from(row);
            let key = placements.key_in_turn(place.partnership);
            placements.push(key, place.entry);
        }
        placements.in_order()
    }

    /// The number of `key` given partnership after partnership, in key order: the last one
    /// added if it is that key again, else a new one ([`Placements::key`]).
    pub(crate) fn key_in_turn(&mut self, key: &str) -> u32 {
        match self.keys.last() {
            Some(last) if &self.text[last.clone()] == key => self.keys.len() as u32 - 1,
            _ => self.key(key),
        }
    }

    /// Room for about `entries` more entries.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) fn reserve(&mut self, entries: usize) {
        // An event id and a day or two each: about 60 bytes.
        self.text.reserve(entries * 60);
        self.entries.reserve(entries);
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The `index`th entry's place.
    ///
    /// # Panics
    /// If there are not that many.
    pub fn get(&self, index: usize) -> Placement<'_> {
        let held = &self.entries[self.order[index] as usize];
        let mut at = held.start;
        let mut texts = [None; 4];
        for (field, text) in texts.iter_mut().enumerate() {
            if held.present & (1 << field) != 0 {
                let end = at + held.lengths[field] as usize;
                *text = Some(&self.text[at..end]);
                at = end;
            }
        }
        let [event_id, earliest, latest, retracted_by] = texts;
        Placement {
            partnership: &self.text[self.keys[held.key as usize].clone()],
            entry: Entry {
                seq: held.seq,
                event_id: event_id.unwrap_or_default(),
                stored_at: held.stored_at,
                earliest,
                latest,
                disputed: held.disputed,
                status_after: held.status_after,
                retracted_by,
            },
        }
    }

    /// Each entry's index in order (as [`Placements::get`] takes it), where its event is
    /// stored (if it keeps that) and its event's id: every entry in one pass, in the order the
    /// entries are held (not in order), without making its place.
    pub fn stored(&self) -> impl Iterator<Item = (usize, Option<u64>, &str)> + '_ {
        let mut rank = vec![0; self.order.len()];
        for (index, &at) in self.order.iter().enumerate() {
            rank[at as usize] = index;
        }
        self.entries.iter().zip(rank).map(|(held, index)| {
            let event_id = match held.present & 1 {
                0 => "",
                _ => &self.text[held.start..held.start + held.lengths[0] as usize],
            };
            (index, held.stored_at, event_id)
        })
    }

    /// Every entry's place, in order.
    pub fn iter(&self) -> impl Iterator<Item = Placement<'_>> + '_ {
        (0..self.len()).map(|index| self.get(index))
    }

    /// Add a partnership; its number, for [`Placements::push`]. Add them in key order.
    pub(crate) fn key(&mut self, key: &str) -> u32 {
        let start = self.text.len();
        self.text.push_str(key);
        self.keys.push(start..self.text.len());
        u32::try_from(self.keys.len() - 1).expect("fewer than 2^32 partnerships")
    }

    /// Add an entry of the partnership numbered `key`. The entries may come in any order of
    /// partnerships, each partnership's in history order: [`Placements::in_order`] puts them in
    /// order after.
    pub(crate) fn push(&mut self, key: u32, entry: Entry<'_>) {
        let start = self.text.len();
        let mut lengths = [0; 4];
        let mut present = 0;
        let texts = [
            Some(entry.event_id),
            entry.earliest,
            entry.latest,
            entry.retracted_by,
        ];
        for (field, text) in texts.into_iter().enumerate() {
            if let Some(text) = text {
                self.text.push_str(text);
                // A database's text is under 4 GiB (SQLite's and PostgreSQL's under 1 GB).
                lengths[field] = u32::try_from(text.len()).expect("a text under 4 GiB");
                present |= 1 << field;
            }
        }
        self.entries.push(Held {
            seq: entry.seq,
            stored_at: entry.stored_at,
            start,
            lengths,
            key,
            present,
            disputed: entry.disputed,
            status_after: entry.status_after,
        });
    }

    /// The entries by partnership (their keys' order), then history order: placed by a count of
    /// each partnership's entries, in the order they were added, then sorted only if a
    /// partnership's entries came out of history order.
    pub(crate) fn in_order(mut self) -> Placements {
        let index = |at: usize| u32::try_from(at).expect("fewer than 2^32 entries");
        // Where each partnership's entries start in the order.
        let mut starts = vec![0; self.keys.len() + 1];
        for held in &self.entries {
            starts[held.key as usize + 1] += 1;
        }
        for key in 1..starts.len() {
            starts[key] += starts[key - 1];
        }
        let mut order = vec![0; self.entries.len()];
        for (at, held) in self.entries.iter().enumerate() {
            let slot = &mut starts[held.key as usize];
            order[*slot] = index(at);
            *slot += 1;
        }
        let entries = &self.entries;
        let place = |at: &u32| {
            let held = &entries[*at as usize];
            (held.key, held.seq)
        };
        if !order
            .windows(2)
            .all(|pair| place(&pair[0]) < place(&pair[1]))
        {
            order.sort_by_key(place);
        }
        self.order = order;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: u64, event_id: &str) -> Entry<'_> {
        Entry {
            seq,
            event_id,
            stored_at: Some(seq + 10),
            earliest: Some("2022-03-01"),
            latest: None,
            disputed: seq == 2,
            status_after: Some(Status::Suspended),
            retracted_by: (seq == 1).then_some("r"),
        }
    }

    /// Given entries added partnership by partnership in another order than the keys', when
    /// they are put in order, then each is read back whole under its key, in key then
    /// history order.
    #[test]
    fn given_entries_out_of_key_order_when_put_in_order_then_each_reads_back_under_its_key() {
        let mut placements = Placements::default();
        let (a, b) = (placements.key("a:x"), placements.key("b:y"));
        placements.push(b, entry(0, "e3"));
        placements.push(b, entry(1, "e4"));
        placements.push(a, entry(0, "e1"));
        placements.push(a, entry(2, "e2"));
        let placements = placements.in_order();
        let read: Vec<(&str, Entry<'_>)> = placements
            .iter()
            .map(|place| (place.partnership, place.entry))
            .collect();
        let expected = vec![
            ("a:x", entry(0, "e1")),
            ("a:x", entry(2, "e2")),
            ("b:y", entry(0, "e3")),
            ("b:y", entry(1, "e4")),
        ];
        assert_eq!(read, expected);
        // Every entry once, held order, with its index in order and what `get` reads there.
        let mut stored: Vec<(usize, Option<u64>, &str)> = placements.stored().collect();
        assert_eq!(
            stored.iter().map(|&(index, ..)| index).collect::<Vec<_>>(),
            [2, 3, 0, 1]
        );
        stored.sort_unstable();
        let by_get: Vec<(usize, Option<u64>, &str)> = (0..placements.len())
            .map(|index| {
                let entry = placements.get(index).entry;
                (index, entry.stored_at, entry.event_id)
            })
            .collect();
        assert_eq!(stored, by_get);
    }
}
