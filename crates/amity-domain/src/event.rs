//! The events of a partnership (schema v1), their envelope, and their stored JSON form.
//!
//! Stored type names are explicit strings ([`EventType::name`]), never derived from Rust
//! identifiers, and each payload carries a schema version. `events-schema/` holds the JSON
//! Schema of every (type, version) pair: it is the contract for what is stored. Stored events
//! are never rewritten; when a version 2 appears, [`Event::decode`] upcasts version 1 on read.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use crate::date::{EdtfDate, Occurred};
use crate::party::{Partnership, PartnershipId, PartyKey};

/// An event's id: a UUID, used for idempotent appends and for references between events.
pub type EventId = uuid::Uuid;

/// The schema version this code writes.
pub const SCHEMA_VERSION: u32 = 1;

/// The stored type of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// The partnership was founded (an agreement signed, a council resolution).
    PartnershipFounded,
    /// A source lists the partnership as existing at a date; no status change.
    PartnershipAttested,
    /// Relations were suspended (frozen), not ended.
    PartnershipSuspended,
    /// A suspended or terminated partnership was restored.
    PartnershipReinstated,
    /// The partnership was ended.
    PartnershipTerminated,
    /// A decision to keep an active partnership.
    PartnershipReaffirmed,
    /// An earlier entry was wrong: it stays in history and loses its effect.
    EntryRetracted,
    /// More evidence for an earlier entry.
    SourceCited,
}

impl EventType {
    /// Every type, in documentation order.
    pub const ALL: [EventType; 8] = [
        EventType::PartnershipFounded,
        EventType::PartnershipAttested,
        EventType::PartnershipSuspended,
        EventType::PartnershipReinstated,
        EventType::PartnershipTerminated,
        EventType::PartnershipReaffirmed,
        EventType::EntryRetracted,
        EventType::SourceCited,
    ];

    /// The stored type name.
    pub fn name(self) -> &'static str {
        match self {
            EventType::PartnershipFounded => "PartnershipFounded",
            EventType::PartnershipAttested => "PartnershipAttested",
            EventType::PartnershipSuspended => "PartnershipSuspended",
            EventType::PartnershipReinstated => "PartnershipReinstated",
            EventType::PartnershipTerminated => "PartnershipTerminated",
            EventType::PartnershipReaffirmed => "PartnershipReaffirmed",
            EventType::EntryRetracted => "EntryRetracted",
            EventType::SourceCited => "SourceCited",
        }
    }

    /// The type stored under `name`, if any.
    pub fn from_name(name: &str) -> Option<EventType> {
        Some(match name {
            "PartnershipFounded" => EventType::PartnershipFounded,
            "PartnershipAttested" => EventType::PartnershipAttested,
            "PartnershipSuspended" => EventType::PartnershipSuspended,
            "PartnershipReinstated" => EventType::PartnershipReinstated,
            "PartnershipTerminated" => EventType::PartnershipTerminated,
            "PartnershipReaffirmed" => EventType::PartnershipReaffirmed,
            "EntryRetracted" => EventType::EntryRetracted,
            "SourceCited" => EventType::SourceCited,
            _ => return None,
        })
    }

    /// Whether this type is about the partnership itself (not about another entry).
    pub fn is_lifecycle(self) -> bool {
        !matches!(self, EventType::EntryRetracted | EventType::SourceCited)
    }

    /// A short verb for tables ("founded", "suspended", …).
    pub fn verb(self) -> &'static str {
        match self {
            EventType::PartnershipFounded => "founded",
            EventType::PartnershipAttested => "attested",
            EventType::PartnershipSuspended => "suspended",
            EventType::PartnershipReinstated => "reinstated",
            EventType::PartnershipTerminated => "terminated",
            EventType::PartnershipReaffirmed => "reaffirmed",
            EventType::EntryRetracted => "retracted",
            EventType::SourceCited => "source cited",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether a source is the actor's own word or a report about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum SourceRole {
    /// The party's own statement, a council record, the agreement itself.
    Primary,
    /// A report about it: news, a list, a database.
    Secondary,
}

/// A citation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Source {
    /// Title of the document.
    pub title: String,
    /// Who published it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// Where it can be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// When it was published, as EDTF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<EdtfDate>,
    /// Page, paragraph or quote that supports the entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locator: Option<String>,
    /// Primary or secondary, when assessed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<SourceRole>,
}

/// How sure the archivist is of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Certainty {
    /// Established by the sources.
    #[default]
    Confirmed,
    /// Likely, not established.
    Probable,
    /// Plausible.
    Possible,
    /// Contradicted by other evidence: kept and shown, but never drives the status.
    Disputed,
}

impl Certainty {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            Certainty::Confirmed => "confirmed",
            Certainty::Probable => "probable",
            Certainty::Possible => "possible",
            Certainty::Disputed => "disputed",
        }
    }
}

/// What every event says besides its subject: when, in whose words, says who, how sure.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Facts {
    /// When it happened in the world (valid time).
    pub occurred: Occurred,
    /// The source's own word ("indefinitely suspended") beside the normalised type.
    pub term_as_written: Option<String>,
    /// The citations.
    pub sources: Vec<Source>,
    /// How sure the entry is.
    pub certainty: Certainty,
    /// The party that took the step, when known.
    pub initiated_by: Option<PartyKey>,
    /// Free text.
    pub note: Option<String>,
}

/// The body of a lifecycle event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    /// The partnership it is about (also determines the stream). Shared: every event of a
    /// stream names the same partnership, and a reader decodes it once per stream.
    pub partnership: Arc<Partnership>,
    /// For an alternative claim: the earlier entry of the same type whose event it reports
    /// differently (another source's founding year). The claims of a group stand side by side;
    /// the status uses the span of their dates instead of ruling one of them wrong.
    pub alternative_to: Option<EventId>,
    /// When, in whose words, says who.
    pub facts: Facts,
}

/// The body of an [`EventType::EntryRetracted`] event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retraction {
    /// The entry that was wrong (in the same stream).
    pub target: EventId,
    /// Why it was wrong.
    pub reason: String,
    /// When, in whose words, says who.
    pub facts: Facts,
}

/// The body of a [`EventType::SourceCited`] event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    /// The entry the new sources support (in the same stream).
    pub target: EventId,
    /// The new sources are in `facts.sources`.
    pub facts: Facts,
}

/// One event of a partnership's stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// See [`EventType::PartnershipFounded`].
    Founded(Lifecycle),
    /// See [`EventType::PartnershipAttested`].
    Attested(Lifecycle),
    /// See [`EventType::PartnershipSuspended`].
    Suspended(Lifecycle),
    /// See [`EventType::PartnershipReinstated`].
    Reinstated(Lifecycle),
    /// See [`EventType::PartnershipTerminated`].
    Terminated(Lifecycle),
    /// See [`EventType::PartnershipReaffirmed`].
    Reaffirmed(Lifecycle),
    /// See [`EventType::EntryRetracted`].
    Retracted(Retraction),
    /// See [`EventType::SourceCited`].
    Cited(Citation),
}

/// A stored payload that cannot be read back.
#[derive(Debug, thiserror::Error)]
#[error("cannot decode {event_type} v{schema_version}: {reason}")]
pub struct DecodeError {
    /// The stored type name.
    pub event_type: String,
    /// The stored schema version.
    pub schema_version: u32,
    /// What is wrong.
    pub reason: String,
}

impl Event {
    /// A lifecycle event of the given type.
    ///
    /// # Panics
    /// If `event_type` is not a lifecycle type (a programming error).
    pub fn lifecycle(
        event_type: EventType,
        partnership: impl Into<Arc<Partnership>>,
        facts: Facts,
    ) -> Event {
        Event::claim(event_type, partnership, facts, None)
    }

    /// A lifecycle event of the given type that may be an alternative claim: another source's
    /// version of the entry `alternative_to` (see [`Lifecycle::alternative_to`]).
    ///
    /// # Panics
    /// If `event_type` is not a lifecycle type (a programming error).
    pub fn claim(
        event_type: EventType,
        partnership: impl Into<Arc<Partnership>>,
        facts: Facts,
        alternative_to: Option<EventId>,
    ) -> Event {
        let body = Lifecycle {
            partnership: partnership.into(),
            alternative_to,
            facts,
        };
        match event_type {
            EventType::PartnershipFounded => Event::Founded(body),
            EventType::PartnershipAttested => Event::Attested(body),
            EventType::PartnershipSuspended => Event::Suspended(body),
            EventType::PartnershipReinstated => Event::Reinstated(body),
            EventType::PartnershipTerminated => Event::Terminated(body),
            EventType::PartnershipReaffirmed => Event::Reaffirmed(body),
            EventType::EntryRetracted | EventType::SourceCited => {
                panic!("{event_type} is not a lifecycle event")
            }
        }
    }

    /// Its stored type.
    pub fn event_type(&self) -> EventType {
        match self {
            Event::Founded(_) => EventType::PartnershipFounded,
            Event::Attested(_) => EventType::PartnershipAttested,
            Event::Suspended(_) => EventType::PartnershipSuspended,
            Event::Reinstated(_) => EventType::PartnershipReinstated,
            Event::Terminated(_) => EventType::PartnershipTerminated,
            Event::Reaffirmed(_) => EventType::PartnershipReaffirmed,
            Event::Retracted(_) => EventType::EntryRetracted,
            Event::Cited(_) => EventType::SourceCited,
        }
    }

    /// The lifecycle body, for lifecycle events.
    pub fn as_lifecycle(&self) -> Option<&Lifecycle> {
        match self {
            Event::Founded(body)
            | Event::Attested(body)
            | Event::Suspended(body)
            | Event::Reinstated(body)
            | Event::Terminated(body)
            | Event::Reaffirmed(body) => Some(body),
            Event::Retracted(_) | Event::Cited(_) => None,
        }
    }

    /// The entry this lifecycle event is an alternative claim to, if it is one.
    pub fn alternative_to(&self) -> Option<EventId> {
        self.as_lifecycle().and_then(|body| body.alternative_to)
    }

    /// The entry this event is about, for retractions and citations.
    pub fn target(&self) -> Option<EventId> {
        match self {
            Event::Retracted(body) => Some(body.target),
            Event::Cited(body) => Some(body.target),
            _ => None,
        }
    }

    /// When, in whose words, says who, how sure.
    pub fn facts(&self) -> &Facts {
        match self {
            Event::Retracted(body) => &body.facts,
            Event::Cited(body) => &body.facts,
            other => &other.as_lifecycle().expect("lifecycle").facts,
        }
    }

    /// The first of the event's texts that holds a NUL character (U+0000), by field name. No
    /// source means one, and not every store can keep it (PostgreSQL text cannot), so such an
    /// event is refused when recorded or imported.
    pub fn field_with_nul(&self) -> Option<&'static str> {
        let has_nul = |text: &str| text.contains('\0');
        let has_nul_in = |text: &Option<String>| text.as_deref().is_some_and(has_nul);
        if let Some(body) = self.as_lifecycle() {
            for party in &body.partnership.parties {
                if has_nul(&party.name)
                    || has_nul(&party.country)
                    || has_nul_in(&party.subdivision)
                    || has_nul_in(&party.wikidata)
                {
                    return Some("party");
                }
            }
            if has_nul(body.partnership.kind.as_str()) {
                return Some("kind");
            }
        }
        if let Event::Retracted(body) = self {
            if has_nul(&body.reason) {
                return Some("reason");
            }
        }
        let facts = self.facts();
        if has_nul_in(&facts.term_as_written) {
            return Some("term_as_written");
        }
        if has_nul_in(&facts.note) {
            return Some("note");
        }
        if facts
            .initiated_by
            .as_ref()
            .is_some_and(|key| has_nul(key.as_str()))
        {
            return Some("initiated_by");
        }
        for source in &facts.sources {
            if has_nul(&source.title) {
                return Some("source_title");
            }
            if has_nul_in(&source.publisher) {
                return Some("source_publisher");
            }
            if has_nul_in(&source.url) {
                return Some("source_url");
            }
            if has_nul_in(&source.locator) {
                return Some("source_locator");
            }
        }
        None
    }
}

/// An event with its envelope: id, stream, and who recorded it when (transaction time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The event's id.
    pub id: EventId,
    /// The partnership (stream) it belongs to.
    pub partnership: PartnershipId,
    /// Its 0-based position in the stream: recording order.
    pub stream_version: u64,
    /// Who recorded it (a person, or an importer).
    pub recorded_by: SmolStr,
    /// When the ledger stored it (system time, set by the store, exact).
    pub recorded_at: jiff::Timestamp,
    /// The event.
    pub event: Event,
}

mod wire;
pub use wire::without_details;

#[cfg(test)]
#[path = "event_tests.rs"]
mod tests;
