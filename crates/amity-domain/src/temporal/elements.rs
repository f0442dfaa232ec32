//! What the search places: the driving events and the question markers, as kinds of element
//! with their step through the lifecycle, grouped when interchangeable.

use super::bounds::Point;
use crate::event::EventType;

/// What an element of the search does to the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Kind {
    Found,
    Suspend,
    Reinstate,
    Terminate,
    Reaffirm,
    /// A question: the status must be this state here.
    Probe(u8),
    /// A window opens: forget the last decision.
    Open,
    /// A window closes: the last decision since it opened must be this one.
    Close(u8),
}

/// Register values: the last decision, as its index in [`DECISIONS`].
pub(super) const NO_DECISION: u8 = 0;

pub(super) const DECISIONS: [Option<EventType>; 5] = [
    None,
    Some(EventType::PartnershipTerminated),
    Some(EventType::PartnershipSuspended),
    Some(EventType::PartnershipReinstated),
    Some(EventType::PartnershipReaffirmed),
];

impl Kind {
    pub(super) fn of(event_type: EventType) -> Option<Kind> {
        match event_type {
            EventType::PartnershipFounded => Some(Kind::Found),
            EventType::PartnershipSuspended => Some(Kind::Suspend),
            EventType::PartnershipReinstated => Some(Kind::Reinstate),
            EventType::PartnershipTerminated => Some(Kind::Terminate),
            EventType::PartnershipReaffirmed => Some(Kind::Reaffirm),
            _ => None,
        }
    }

    /// The state and register after this element, or `None` where the lifecycle forbids it.
    pub(super) fn step(self, state: u8, register: u8) -> Option<(u8, u8)> {
        const N: u8 = 0;
        const A: u8 = 1;
        const S: u8 = 2;
        const T: u8 = 3;
        match (self, state) {
            (Kind::Found, N) => Some((A, register)),
            (Kind::Suspend, A) => Some((S, 2)),
            (Kind::Reinstate, S | T) => Some((A, 3)),
            (Kind::Terminate, A | S) => Some((T, 1)),
            (Kind::Reaffirm, A) => Some((A, 4)),
            (Kind::Probe(wanted), _) if wanted == state => Some((state, register)),
            (Kind::Open, _) => Some((state, NO_DECISION)),
            (Kind::Close(wanted), _) if wanted == register => Some((state, register)),
            _ => None,
        }
    }
}

/// Interchangeable elements: same kind, same bounds.
#[derive(Debug, Clone)]
pub(super) struct Group {
    pub(super) kind: Kind,
    pub(super) lo: Point,
    pub(super) hi: Point,
    /// The input events in it (indices), in input order; empty for the implicit founding and
    /// for questions.
    pub(super) members: Vec<usize>,
    pub(super) count: u32,
}

pub(super) fn sort_groups(groups: &mut [Group]) {
    groups.sort_by_key(|group| (group.lo, group.hi, group.kind));
}
