//! The changes of a cohort in a window: its lifecycle events dated there.

use amity_domain::{Certainty3, Day, EventType, PartnershipId, Party};
use serde::Serialize;

use super::cohort::Cohort;
use super::window::Window;
use crate::rows::{self, StatusRow, TimelineRow};

/// An event dated in a window.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

/// A partnership with its lifecycle history entries (not retractions or source citations):
/// what [`changes_of`] reads of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Lifecycle {
    /// The partnership.
    pub partnership: PartnershipId,
    /// Its parties.
    pub parties: Vec<Party>,
    /// Its lifecycle entries, in history order.
    pub entries: Vec<TimelineRow>,
}

/// Whether a history entry is a lifecycle event (see [`EventType::is_lifecycle`]).
fn is_lifecycle(entry: &TimelineRow) -> bool {
    EventType::from_name(&entry.event_type).is_some_and(EventType::is_lifecycle)
}

impl From<(StatusRow, Vec<TimelineRow>)> for Lifecycle {
    fn from((row, timeline): (StatusRow, Vec<TimelineRow>)) -> Lifecycle {
        Lifecycle {
            partnership: row.partnership,
            parties: row.parties,
            entries: timeline.into_iter().filter(is_lifecycle).collect(),
        }
    }
}

/// The partnerships that have lifecycle entries, with those entries.
pub fn lifecycles(pairs: Vec<(StatusRow, Vec<TimelineRow>)>) -> Vec<Lifecycle> {
    pairs
        .into_iter()
        .map(Lifecycle::from)
        .filter(|lifecycle| !lifecycle.entries.is_empty())
        .collect()
}

/// The lifecycle events of a cohort dated in a window, in valid-time order (disputed and
/// retracted ones included, flagged in their rows).
pub fn changes(
    pairs: Vec<(StatusRow, Vec<TimelineRow>)>,
    cohort: &Cohort,
    window: &Window,
) -> Vec<Change> {
    changes_of(
        pairs
            .into_iter()
            .filter(|(row, _)| cohort.matches(row))
            .map(Lifecycle::from)
            .collect(),
        window,
    )
}

/// [`changes`] of partnerships already chosen, read with their lifecycle entries only.
pub fn changes_of(partnerships: Vec<Lifecycle>, window: &Window) -> Vec<Change> {
    let entries: usize = partnerships.iter().map(|each| each.entries.len()).sum();
    let mut found = Vec::with_capacity(entries);
    // Each entry's span and whether it is in the window, for one partnership at a time.
    let mut spans: Vec<Option<((Day, Day), Certainty3)>> = Vec::new();
    for Lifecycle {
        partnership,
        parties,
        entries,
    } in partnerships
    {
        // The entries other claims are alternatives to: their rows carry the span of their
        // group (what drives the status); a change is dated by its own claim.
        let claimed: std::collections::HashSet<String> = entries
            .iter()
            .filter_map(TimelineRow::alternative_to)
            .map(str::to_owned)
            .collect();
        spans.clear();
        spans.extend(entries.iter().map(|event| {
            let span = span_of(event, &claimed);
            window
                .contains(span.0, span.1)
                .map(|in_window| (span, in_window))
        }));
        // The partnership and its parties go to its last change, and copies to the others.
        let last = spans.iter().rposition(Option::is_some);
        let mut owner = Some((partnership, parties));
        // Lifecycle entries only (see `Lifecycle`).
        for (index, (event, span)) in entries.into_iter().zip(&spans).enumerate() {
            let Some((span, in_window)) = *span else {
                continue;
            };
            let (partnership, parties) = if Some(index) == last {
                owner.take().expect("taken by the last change only")
            } else {
                let (partnership, parties) = owner.as_ref().expect("taken after this change");
                (partnership.clone(), parties.clone())
            };
            found.push((
                span,
                Change {
                    partnership,
                    parties,
                    in_window,
                    event,
                },
            ));
        }
    }
    // Sorted by index, each change then moved once: a change is half a kilobyte, and sorting
    // the changes themselves moved each some fifteen times.
    let mut order: Vec<usize> = (0..found.len()).collect();
    order.sort_by(|&a, &b| {
        let ((a_key, a), (b_key, b)) = (&found[a], &found[b]);
        a_key
            .cmp(b_key)
            .then_with(|| a.partnership.cmp(&b.partnership))
            .then_with(|| a.event.seq.cmp(&b.event.seq))
    });
    permute(&mut found, order);
    found.into_iter().map(|(_, change)| change).collect()
}

/// The days an entry may have happened on: its own claim's for an entry other claims are
/// alternatives to (`claimed`), else its row's span.
fn span_of(event: &TimelineRow, claimed: &std::collections::HashSet<String>) -> (Day, Day) {
    if claimed.contains(event.event_id.as_str()) {
        let own = event
            .occurred
            .as_deref()
            .and_then(|text| amity_domain::EdtfDate::parse(text).ok());
        match own {
            Some(date) => (date.earliest(), date.latest()),
            None => (Day::Past, Day::Future),
        }
    } else {
        (
            rows::parse_day(event.earliest.as_deref(), Day::Past),
            rows::parse_day(event.latest.as_deref(), Day::Future),
        )
    }
}

/// Put `items` in `order` (`order[k]` is the index of the item that goes to `k`), in place:
/// each cycle of the permutation is followed once, with one swap per item.
fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    const DONE: usize = usize::MAX;
    for start in 0..items.len() {
        let mut at = start;
        while order[at] != DONE {
            let from = order[at];
            order[at] = DONE;
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// In place, as a reference that copies each item to its place would.
        #[test]
        fn permute_puts_each_item_where_the_order_says(
            order in (0usize..40).prop_flat_map(|n| Just((0..n).collect::<Vec<_>>()).prop_shuffle())
        ) {
            let items: Vec<String> = (0..order.len()).map(|n| format!("item {n}")).collect();
            let expected: Vec<String> = order.iter().map(|&from| items[from].clone()).collect();
            let mut permuted = items;
            super::permute(&mut permuted, order);
            prop_assert_eq!(permuted, expected);
        }
    }
}
