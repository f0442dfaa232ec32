//! Which entries drive the status: per claim group with a standing claim (neither disputed nor
//! retracted), one event dated over the span of its standing claims, in preferred order.

use super::claims::roots;
use crate::date::Day;
use crate::event::{Certainty, Event, EventId, Recorded};
use crate::temporal::{cap_at_recording, Dated};

/// The retraction of the entry `target`, if any.
pub(super) fn retraction_of(entries: &[Recorded], target: EventId) -> Option<&Recorded> {
    entries
        .iter()
        .find(|entry| matches!(&entry.event, Event::Retracted(body) if body.target == target))
}

/// How entries sort in preferred order: earliest day, latest day, then stream version.
type SortKey = (Day, Day, u64);

/// An entry's place in preferred order (see [`SortKey`]).
pub(super) fn sort_key(recorded: &Recorded) -> SortKey {
    let occurred = &recorded.event.facts().occurred;
    (
        occurred.earliest(),
        occurred.latest(),
        recorded.stream_version,
    )
}

/// An entry's dates as the engine sees them: the latest day capped at its recording day.
fn dated(recorded: &Recorded) -> Dated {
    let occurred = &recorded.event.facts().occurred;
    let (earliest, latest) =
        cap_at_recording(occurred.earliest(), occurred.latest(), recorded.recorded_at);
    Dated {
        event_type: recorded.event.event_type(),
        earliest,
        latest,
    }
}

/// The driving events, in preferred order: one per claim group that has a standing claim
/// (a lifecycle event neither disputed nor retracted), given by its first standing claim and
/// dated over the span of its standing claims. Returns the entries (indices) and their dates
/// as the engine sees them.
pub(super) fn driving(entries: &[Recorded]) -> (Vec<usize>, Vec<Dated>) {
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
    let mut groups: Vec<(usize, Dated, SortKey)> = Vec::new();
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
