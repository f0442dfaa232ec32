//! A legal order of the driving events through the engine (one witness of legality) and the
//! status after each step, which the history shows; or, when none exists, the conflict.

use std::sync::{Arc, OnceLock};

use super::driving::driving;
use super::explain::explain;
use super::violation::Violation;
use crate::event::{EventId, Recorded};
use crate::party::PartnershipId;
use crate::temporal::{Dated, Engine, Status, StatusSet};

/// The driving events in a legal valid-time order (one witness of legality), with the status
/// after each, and the statuses possible after every event.
#[derive(Debug, Clone, Default)]
pub(super) struct Resolution {
    /// The driving entries (indices) in the witness order, each with the status after it.
    pub(super) steps: Vec<(usize, Status)>,
    /// Set when stored history no longer satisfies the rules (e.g. after a rule change).
    pub(super) conflict: Option<Violation>,
    /// The statuses possible once every driving event has happened (computed when first
    /// asked: checking an entry does not need them).
    pub(super) last: OnceLock<StatusSet>,
    /// The engine over the driving events, for `last`.
    pub(super) engine: Option<Arc<Engine>>,
    /// Whether the founding is implicit (attested, never recorded as founded).
    pub(super) implicit_founding: bool,
    /// The driving entries (indices, in preferred order) and their dates as the engine sees
    /// them.
    pub(super) driving: Vec<usize>,
    /// The dates of `driving`.
    pub(super) dated: Vec<Dated>,
}

/// Decide whether the driving events have a legal order and dating (see [`crate::timeline`]); when
/// they have none, explain the conflict.
pub(super) fn resolve(
    id: &PartnershipId,
    entries: &[Recorded],
    focus: Option<EventId>,
) -> Resolution {
    let (driving, dated) = driving(entries);
    let engine = Engine::new(&dated);
    let implicit_founding = engine.implicit_founding();
    // No legal order (or none found within the budget): the longest legal prefix in preferred
    // order, and the conflict.
    let refused = |conflict: Option<Violation>| {
        let (steps, explained) = explain(entries, &driving, focus);
        Resolution {
            steps,
            conflict: Some(conflict.unwrap_or(explained)),
            last: OnceLock::new(),
            engine: None,
            implicit_founding,
            driving: driving.clone(),
            dated: dated.clone(),
        }
    };
    let witness = match engine.witness() {
        Ok(witness) => witness,
        Err(source) => {
            return refused(Some(Violation::Unfinished {
                partnership: id.clone(),
                source,
            }))
        }
    };
    let Some(witness) = witness else {
        return refused(None);
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
        last: OnceLock::new(),
        engine: Some(Arc::new(engine)),
        implicit_founding,
        driving,
        dated,
    }
}
