//! What the rules refuse: the violations, and how a refusal names the events in conflict.

use std::fmt;

use crate::date::Occurred;
use crate::event::{EventId, EventType, Recorded};
use crate::party::PartnershipId;
use crate::temporal::Status;

/// An event named in an error: type, date and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRef {
    /// The event's id.
    pub id: EventId,
    /// Its type.
    pub event_type: EventType,
    /// Its date as written.
    pub occurred: Occurred,
    /// Whether it is the entry being recorded (its id is not stored anywhere yet).
    pub new: bool,
}

impl EventRef {
    pub(super) fn of(recorded: &Recorded) -> EventRef {
        EventRef {
            id: recorded.id,
            event_type: recorded.event.event_type(),
            occurred: recorded.event.facts().occurred.clone(),
            new: false,
        }
    }
}

impl fmt::Display for EventRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.new {
            write!(f, "the new {} ({})", self.event_type, self.occurred)
        } else {
            write!(
                f,
                "{} ({}, event {})",
                self.event_type, self.occurred, self.id
            )
        }
    }
}

/// A rule the ledger refuses to break. Kept apart from infrastructure errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Violation {
    /// The event cannot be placed in any order that the lifecycle rules allow.
    #[error(
        "impossible timeline: {event} cannot happen while the partnership is {status}{}; \
         record it with certainty 'disputed' to keep it without effect",
        match set_by { Some(by) => format!(" (set by {by})"), None => " (no founding or attestation comes before it)".to_owned() }
    )]
    Impossible {
        /// The event that cannot happen.
        event: Box<EventRef>,
        /// The status it would meet.
        status: Status,
        /// The event that set that status, if any.
        set_by: Option<Box<EventRef>>,
    },
    /// Retracting an entry would leave an impossible timeline.
    #[error("cannot retract {target}: without it, {consequence}")]
    RetractionBreaksTimeline {
        /// The entry to retract.
        target: Box<EventRef>,
        /// What would become impossible.
        consequence: Box<Violation>,
    },
    /// The legality check ran out of its budget before it could decide (exit code 4 in the
    /// CLI): the entry was neither accepted nor found impossible.
    #[error("the check of {partnership} was not finished: {source}; nothing was recorded")]
    Unfinished {
        /// The partnership.
        partnership: PartnershipId,
        /// The limit that was hit.
        source: crate::temporal::Unfinished,
    },
    /// A text of the event holds a NUL character (see [`crate::Event::field_with_nul`]).
    #[error("{field}: holds a NUL character (U+0000); remove it")]
    NulCharacter {
        /// The field.
        field: &'static str,
    },
    /// A retraction or citation names an event that is not in this partnership's history.
    #[error("event {target} is not in the history of {partnership}")]
    UnknownTarget {
        /// The named event.
        target: EventId,
        /// The partnership searched.
        partnership: PartnershipId,
    },
    /// The named event was retracted already.
    #[error("{target} was already retracted by event {by}")]
    AlreadyRetracted {
        /// The named event.
        target: Box<EventRef>,
        /// The retraction.
        by: EventId,
    },
    /// Retractions are not themselves retracted; record the event again instead.
    #[error("event {target} is a retraction; retractions cannot be retracted (record the entry again instead)")]
    RetractsRetraction {
        /// The named retraction.
        target: EventId,
    },
    /// The party said to have taken the step is not one of the two.
    #[error(
        "{initiator} is not a party to {partnership}; the initiating party must be one of the two"
    )]
    InitiatorNotParty {
        /// The named initiator.
        initiator: crate::party::PartyKey,
        /// The partnership.
        partnership: PartnershipId,
    },
    /// An alternative claim names an entry it cannot be an alternative to.
    #[error("the new {event_type} cannot be an alternative to event {target}: {problem}")]
    InvalidAlternative {
        /// The type of the claim being recorded.
        event_type: EventType,
        /// The entry it names.
        target: EventId,
        /// Why it cannot be an alternative to it.
        problem: AlternativeProblem,
    },
    /// The event is about another partnership than the stream it was sent to.
    #[error("event about {event_partnership} cannot be recorded in the history of {partnership}")]
    WrongPartnership {
        /// The stream.
        partnership: PartnershipId,
        /// What the event says.
        event_partnership: PartnershipId,
    },
}

/// Why an alternative claim cannot name the entry it names (see [`Violation::InvalidAlternative`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AlternativeProblem {
    /// No earlier entry of the stream has that id.
    #[error("no earlier entry of {partnership} has that id")]
    NotInHistory {
        /// The partnership searched.
        partnership: PartnershipId,
    },
    /// The entry is of another type: claims of one group report the same event.
    #[error(
        "it is an entry of type {found} ({occurred}); an alternative claim reports the same event, so it has \
         the type of the entry it is an alternative to"
    )]
    OtherType {
        /// The named entry's type.
        found: EventType,
        /// Its date as written.
        occurred: Occurred,
    },
    /// The entry was retracted: there is no standing claim to stand beside.
    #[error("it was retracted by event {by}; record the claim on its own instead")]
    Retracted {
        /// The retraction.
        by: EventId,
    },
}
