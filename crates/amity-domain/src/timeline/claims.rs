//! Claim groups: an entry and the alternative claims that name it (or name one of its
//! alternatives), found by their root.

use crate::event::{EventId, Recorded};

/// The root of every entry's claim group (an entry that is no alternative claim is its own
/// root). A claim names an earlier entry of its type when recorded; a stored one that does not
/// (an imported archive is not re-checked) stands alone.
pub(super) fn roots(entries: &[Recorded]) -> Vec<usize> {
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
