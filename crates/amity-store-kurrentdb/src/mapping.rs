//! The mapping between our events and the server's, each piece unit-tested: expected versions,
//! positions, system streams, the metadata envelope, and events both ways.

use amity_store::{Error, ExpectedVersion, NewEvent, Position, RecordedEvent, Result};
use eventstore::{CurrentRevision, EventData, ExpectedRevision};
use serde::{Deserialize, Serialize};

/// The backend's name, in errors.
pub(crate) const BACKEND: &str = "kurrentdb";

/// A client error as a store error of this backend.
pub(crate) fn backend_error(error: impl Into<amity_store::BoxError>) -> Error {
    Error::backend(BACKEND, error)
}

/// The custom metadata envelope stored with every event.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    /// The payload's schema version.
    pub schema_version: u32,
    /// A transaction time kept from an archive (µs since 1970), else none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_at: Option<i64>,
    /// Our metadata (JSON), verbatim.
    pub metadata: Box<serde_json::value::RawValue>,
}

/// Our expected version as the client's expected revision.
pub fn expected_revision(expected: ExpectedVersion) -> ExpectedRevision {
    match expected {
        ExpectedVersion::Any => ExpectedRevision::Any,
        ExpectedVersion::NoStream => ExpectedRevision::NoStream,
        ExpectedVersion::StreamExists => ExpectedRevision::StreamExists,
        ExpectedVersion::Exact(version) => ExpectedRevision::Exact(version),
    }
}

/// The server's current revision as our "actual version".
pub fn actual_version(current: CurrentRevision) -> Option<u64> {
    match current {
        CurrentRevision::Current(version) => Some(version),
        CurrentRevision::NoStream => None,
    }
}

/// The server's `$all` position as ours, and back.
pub fn position_of(position: eventstore::Position) -> Position {
    Position::new(position.commit, position.prepare)
}

/// Ours as the server's (`None`: the start).
pub fn server_position(position: Position) -> Option<eventstore::Position> {
    position
        .parts()
        .map(|(commit, prepare)| eventstore::Position { commit, prepare })
}

/// Whether a stream is the server's own.
pub fn is_system_stream(stream: &str) -> bool {
    stream.starts_with('$')
}

/// An event as the client writes it.
pub fn event_data(event: &NewEvent) -> Result<EventData> {
    let metadata: Box<serde_json::value::RawValue> =
        serde_json::from_slice(&event.metadata).map_err(backend_error)?;
    let envelope = Envelope {
        schema_version: event.schema_version,
        recorded_at: event.recorded_at.map(|t| t.as_microsecond()),
        metadata,
    };
    let payload: Box<serde_json::value::RawValue> =
        serde_json::from_slice(&event.payload).map_err(backend_error)?;
    let data = EventData::json(&event.event_type, &payload)
        .map_err(backend_error)?
        .id(event.event_id)
        .metadata(serde_json::to_vec(&envelope).map_err(backend_error)?.into());
    Ok(data)
}

/// A server event as ours.
pub fn recorded_event(event: &eventstore::RecordedEvent) -> Result<RecordedEvent> {
    let envelope: Envelope =
        serde_json::from_slice(&event.custom_metadata).map_err(backend_error)?;
    let recorded_at = match envelope.recorded_at {
        Some(micros) => jiff::Timestamp::from_microsecond(micros).map_err(backend_error)?,
        None => jiff::Timestamp::from_microsecond(event.created.timestamp_micros())
            .map_err(backend_error)?,
    };
    Ok(RecordedEvent {
        position: position_of(event.position),
        stream: event.stream_id.as_str().into(),
        stream_version: event.revision,
        event_id: event.id,
        event_type: event.event_type.as_str().into(),
        schema_version: envelope.schema_version,
        payload: event.data.to_vec(),
        metadata: envelope.metadata.get().as_bytes().to_vec(),
        recorded_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_versions_map_one_to_one() {
        assert!(matches!(
            expected_revision(ExpectedVersion::Any),
            ExpectedRevision::Any
        ));
        assert!(matches!(
            expected_revision(ExpectedVersion::NoStream),
            ExpectedRevision::NoStream
        ));
        assert!(matches!(
            expected_revision(ExpectedVersion::StreamExists),
            ExpectedRevision::StreamExists
        ));
        assert!(matches!(
            expected_revision(ExpectedVersion::Exact(7)),
            ExpectedRevision::Exact(7)
        ));
        assert_eq!(actual_version(CurrentRevision::Current(3)), Some(3));
        assert_eq!(actual_version(CurrentRevision::NoStream), None);
    }

    #[test]
    fn positions_stay_opaque_and_ordered() {
        let server = eventstore::Position {
            commit: 1_234,
            prepare: 1_200,
        };
        let ours = position_of(server);
        assert_eq!(server_position(ours), Some(server));
        assert_eq!(server_position(Position::START), None);
        assert!(Position::START < ours);
        assert!(
            ours < position_of(eventstore::Position {
                commit: 1_300,
                prepare: 1_290
            })
        );
        assert_eq!(ours.to_string().parse::<Position>().unwrap(), ours);
    }

    #[test]
    fn system_streams_are_recognised() {
        assert!(is_system_stream("$stats-127.0.0.1:2113"));
        assert!(is_system_stream("$et-PartnershipFounded"));
        assert!(!is_system_stream("ru:smolensk+us-co:colorado-springs"));
    }

    #[test]
    fn the_metadata_envelope_round_trips_what_the_server_lacks() {
        let event = NewEvent {
            event_id: uuid::Uuid::now_v7(),
            event_type: "PartnershipFounded".to_owned(),
            schema_version: 1,
            payload: br#"{"occurred":"1993","sources":[],"certainty":"confirmed"}"#.to_vec(),
            metadata: br#"{"recorded_by":"archivist"}"#.to_vec(),
            recorded_at: Some(jiff::Timestamp::from_microsecond(1_648_000_000_123_456).unwrap()),
        };
        let envelope = Envelope {
            schema_version: event.schema_version,
            recorded_at: event.recorded_at.map(|t| t.as_microsecond()),
            metadata: serde_json::from_slice(&event.metadata).unwrap(),
        };
        let bytes = serde_json::to_vec(&envelope).unwrap();
        let back: Envelope = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back.schema_version, 1);
        assert_eq!(back.recorded_at, Some(1_648_000_000_123_456));
        assert_eq!(back.metadata.get().as_bytes(), event.metadata.as_slice());
        assert!(event_data(&event).is_ok());
        let mut bad = event.clone();
        bad.payload = b"not json".to_vec();
        assert!(event_data(&bad).is_err());
    }
}
