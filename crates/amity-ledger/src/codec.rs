//! Domain events to stored events and back: the one place that knows both.

use amity_domain::{Event, EventId, PartnershipId, Recorded};
use amity_store::{NewEvent, RecordedEvent};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The envelope fields stored beside the payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// Who recorded the event.
    pub recorded_by: String,
}

/// [`Metadata`] read without copying until needed.
#[derive(Deserialize)]
struct MetadataIn<'a> {
    #[serde(borrow)]
    recorded_by: std::borrow::Cow<'a, str>,
}

/// Serialize an event for the store.
pub fn encode(event_id: EventId, event: &Event, recorded_by: &str) -> NewEvent {
    let metadata = Metadata {
        recorded_by: recorded_by.to_owned(),
    };
    NewEvent {
        event_id,
        event_type: event.event_type().name().to_owned(),
        schema_version: amity_domain::event::SCHEMA_VERSION,
        payload: event.encode().into_bytes(),
        metadata: serde_json::to_vec(&metadata).expect("metadata serializes"),
        recorded_at: None,
    }
}

/// Read a stored event back as a domain event with its envelope.
pub fn decode(stored: &RecordedEvent) -> Result<Recorded> {
    let fail = |reason: String| Error::Decode {
        event_id: stored.event_id,
        stream: stored.stream.clone(),
        stream_version: stored.stream_version,
        reason,
    };
    let event = Event::decode(&stored.event_type, stored.schema_version, &stored.payload)
        .map_err(|error| fail(error.to_string()))?;
    let metadata: MetadataIn<'_> = serde_json::from_slice(&stored.metadata)
        .map_err(|error| fail(format!("metadata: {error}")))?;
    let partnership: PartnershipId = stored
        .stream
        .parse()
        .map_err(|error: amity_domain::PartyError| fail(error.to_string()))?;
    Ok(Recorded {
        id: stored.event_id,
        partnership,
        stream_version: stored.stream_version,
        recorded_by: metadata.recorded_by.into_owned(),
        recorded_at: stored.recorded_at,
        event,
    })
}
