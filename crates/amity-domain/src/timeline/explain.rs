//! The refusal's explanation: which event breaks a rule, the status it meets and the event
//! that set it.

use super::violation::{EventRef, Violation};
use crate::event::{EventId, EventType, Recorded};
use crate::temporal::Status;

/// Why no legal order exists: the events in preferred order (earliest day, latest day,
/// recording order) are applied one by one, and the first that breaks a rule is named with the
/// status it meets and the event that set it (the entry being recorded when it is the one).
/// The steps kept are the longest legal prefix, so that history still shows what it can;
/// they are returned with the conflict.
pub(super) fn explain(
    entries: &[Recorded],
    driving: &[usize],
    focus: Option<EventId>,
) -> (Vec<(usize, Status)>, Violation) {
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
    let conflict = conflict.unwrap_or_else(|| Violation::Impossible {
        event: Box::new(EventRef::of(&entries[driving[0]])),
        status: Status::NotYet,
        set_by: None,
    });
    (steps, conflict)
}
