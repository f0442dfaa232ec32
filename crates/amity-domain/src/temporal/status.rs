//! The lifecycle statuses of a partnership, and sets of them: what the engine answers.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::event::EventType;

/// The status of a partnership at a point of its timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Status {
    /// No founding or attestation yet.
    NotYet,
    /// In force.
    Active,
    /// Frozen, not ended.
    Suspended,
    /// Ended.
    Terminated,
    /// The ledger cannot tell: its stored history breaks the rules (see `conflict`).
    Unknown,
}

impl Status {
    /// Every status, in lifecycle order (the order of reports).
    pub const ALL: [Status; 5] = [
        Status::NotYet,
        Status::Active,
        Status::Suspended,
        Status::Terminated,
        Status::Unknown,
    ];

    /// The name used in output (`active`, `suspended`, `terminated`, `not_yet`).
    pub fn name(self) -> &'static str {
        match self {
            Status::NotYet => "not_yet",
            Status::Active => "active",
            Status::Suspended => "suspended",
            Status::Terminated => "terminated",
            Status::Unknown => "unknown",
        }
    }

    /// The status after an event of type `event_type`, or `None` if the transition is illegal.
    /// An attestation met before any founding stands for the implicit founding before it.
    pub fn after(self, event_type: EventType) -> Option<Status> {
        use EventType as T;
        match (event_type, self) {
            (T::PartnershipFounded, Status::NotYet) => Some(Status::Active),
            (T::PartnershipAttested, Status::NotYet) => Some(Status::Active),
            (T::PartnershipAttested, other) => Some(other),
            (T::PartnershipSuspended, Status::Active) => Some(Status::Suspended),
            (T::PartnershipReinstated, Status::Suspended | Status::Terminated) => {
                Some(Status::Active)
            }
            (T::PartnershipTerminated, Status::Active | Status::Suspended) => {
                Some(Status::Terminated)
            }
            (T::PartnershipReaffirmed, Status::Active) => Some(Status::Active),
            _ => None,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::NotYet => "not yet",
            other => other.name(),
        })
    }
}

/// A set of the four lifecycle statuses (never [`Status::Unknown`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct StatusSet(u8);

/// The lifecycle statuses in lifecycle order, indexed as the engine numbers its states.
pub(super) const STATES: [Status; 4] = [
    Status::NotYet,
    Status::Active,
    Status::Suspended,
    Status::Terminated,
];

fn state_of(status: Status) -> Option<u8> {
    STATES
        .iter()
        .position(|&s| s == status)
        .map(|index| index as u8)
}

impl StatusSet {
    /// No status.
    pub const EMPTY: StatusSet = StatusSet(0);

    /// One status.
    pub fn of(status: Status) -> StatusSet {
        let mut set = StatusSet::EMPTY;
        set.insert(status);
        set
    }

    /// Add a status ([`Status::Unknown`] is ignored).
    pub fn insert(&mut self, status: Status) {
        if let Some(index) = state_of(status) {
            self.0 |= 1 << index;
        }
    }

    /// Whether it holds `status`.
    pub fn contains(self, status: Status) -> bool {
        state_of(status).is_some_and(|index| self.0 & (1 << index) != 0)
    }

    /// Both sets' members.
    pub fn union(self, other: StatusSet) -> StatusSet {
        StatusSet(self.0 | other.0)
    }

    /// How many statuses.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether it is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The members, in lifecycle order (not yet, active, suspended, terminated).
    pub fn iter(self) -> impl Iterator<Item = Status> {
        STATES
            .into_iter()
            .enumerate()
            .filter(move |(index, _)| self.0 & (1 << index) != 0)
            .map(|(_, status)| status)
    }

    /// The member furthest along the lifecycle order (the one shown first in a `possible`
    /// answer: everything that may have happened by then, has).
    pub fn furthest(self) -> Option<Status> {
        self.iter().last()
    }
}
