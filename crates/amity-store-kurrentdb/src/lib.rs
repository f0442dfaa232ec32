//! The EventStoreDB/KurrentDB store (`esdb://host:2113?tls=false`, or `kurrentdb://…`), built on
//! the `eventstore` client named by the project's owner (ADR 0002).
//!
//! Mapping (each piece unit-tested below; the contract suite runs against a server when
//! `AMITY_TEST_KURRENTDB_URL` is set):
//! - one stream per partnership, the stream name unchanged; events are written as JSON with
//!   their id, so the server deduplicates repeated appends;
//! - [`ExpectedVersion`] maps 1:1 onto the client's `ExpectedRevision`;
//! - the server's `$all` positions (commit, prepare) are kept opaque in [`Position`]; reading
//!   `$all` from a position is inclusive on the server, so the event at that position is
//!   skipped; system events (streams starting with `$`) are filtered out;
//! - the server has no schema-version field and stamps its own creation time, so the custom
//!   metadata carries an envelope: `{"schema_version", "recorded_at" (µs, kept from archives),
//!   "metadata" (ours)}`;
//! - the log beside the feed (checkpoints, the cached frontier) is kept in two streams of its
//!   own, which `read_all` leaves out like the system streams (see `log`);
//! - the integrity check reads the feed (the server keeps no stream lengths apart from the
//!   events): versions follow on from 0 in feed order, positions increase;
//! - a wrong expected version becomes [`Error::VersionConflict`] with the server's current
//!   revision, unless the batch's ids are already the stream's events (an idempotent repeat).
//!
//! Known gaps against the contract, declared through the trait so that the contract suite
//! checks everything else: appends to several streams are not atomic across streams
//! (`atomic_multi_stream` is false), and an event id reused in *another* stream is not detected
//! (`detects_ids_across_streams` is false: the server deduplicates per stream).

use amity_store::{
    Appended, Error, EventStore, ExpectedVersion, LogCheckpoint, NewEvent, Position, RecordedEvent,
    Result, StreamAppend,
};
use async_trait::async_trait;
use eventstore::{
    AppendToStreamOptions, Client, ClientSettings, CurrentRevision, EventData, ExpectedRevision,
    ReadAllOptions, ReadStreamOptions, StreamPosition,
};
use serde::{Deserialize, Serialize};

mod log;

pub use log::{
    is_log_stream, CheckpointRecord, FrontierRecord, CHECKPOINT_ADDED, CHECKPOINT_STREAM,
    FRONTIER_SAVED, FRONTIER_STREAM,
};

const BACKEND: &str = "kurrentdb";

fn backend_error(error: impl Into<amity_store::BoxError>) -> Error {
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

/// A store on an EventStoreDB/KurrentDB server.
#[derive(Clone)]
pub struct KurrentEventStore {
    client: Client,
    /// The servers the URL names, as `HOST:PORT`, for messages and for telling an unreachable
    /// server apart.
    hosts: Vec<String>,
}

impl std::fmt::Debug for KurrentEventStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KurrentEventStore").finish_non_exhaustive()
    }
}

impl KurrentEventStore {
    /// Connect to the server named by an `esdb://` or `kurrentdb://` URL (inside a tokio
    /// runtime).
    pub fn connect(url: &str) -> Result<KurrentEventStore> {
        let connection = url
            .strip_prefix("kurrentdb://")
            .map_or_else(|| url.to_owned(), |rest| format!("esdb://{rest}"));
        let settings: ClientSettings = connection.parse().map_err(|error| Error::InvalidUrl {
            url: url.to_owned(),
            reason: format!("{error}"),
        })?;
        let hosts = settings
            .hosts()
            .iter()
            .map(|endpoint| format!("{}:{}", endpoint.host, endpoint.port))
            .collect();
        let client = Client::new(settings).map_err(backend_error)?;
        Ok(KurrentEventStore { client, hosts })
    }

    /// A client error as ours. The client reports a connection it could not make as gRPC
    /// text only ("client error (Connect)"), without the reason; so when an error may be one,
    /// the servers are tried with a plain TCP connection: if none answers, the server cannot
    /// be reached ([`Error::Unreachable`], with the first server's address and the system's
    /// reason, the client's text in the debug log); if one answers, the error is the client's.
    async fn client_error(&self, error: eventstore::Error) -> Error {
        let may_be_unreachable = matches!(
            &error,
            eventstore::Error::GrpcConnectionError(_)
                | eventstore::Error::ConnectionClosed
                | eventstore::Error::DeadlineExceeded
                | eventstore::Error::Grpc { .. }
        );
        if may_be_unreachable {
            if let Some((address, reason)) = unreachable(&self.hosts).await {
                tracing::debug!(%error, "kurrentdb connection failed");
                return Error::unreachable(BACKEND, "KurrentDB", address, &reason);
            }
        }
        backend_error(error)
    }
}

/// The first of `hosts` and why it cannot be reached by TCP, unless one of them can be
/// (`None`; also `None` with no hosts, as when they are found by DNS discovery).
async fn unreachable(hosts: &[String]) -> Option<(String, std::io::Error)> {
    let mut first = None;
    for host in hosts {
        let attempt = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            tokio::net::TcpStream::connect(host.as_str()),
        )
        .await;
        match attempt {
            Ok(Ok(_)) => return None,
            Ok(Err(reason)) => first = first.or(Some((host.clone(), reason))),
            Err(_) => {
                first = first.or(Some((
                    host.clone(),
                    std::io::Error::from(std::io::ErrorKind::TimedOut),
                )))
            }
        }
    }
    first
}

#[async_trait]
impl EventStore for KurrentEventStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    fn detects_ids_across_streams(&self) -> bool {
        false
    }

    async fn append_many(&self, appends: Vec<StreamAppend>) -> Result<Vec<Appended>> {
        // Not atomic across streams (`atomic_multi_stream` is false): the parts in order, the
        // first error stops the rest.
        let mut results = Vec::with_capacity(appends.len());
        for part in appends {
            results.push(
                self.append(&part.stream, part.expected, part.events)
                    .await?,
            );
        }
        Ok(results)
    }

    async fn append(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<Appended> {
        if is_log_stream(stream) {
            return Err(backend_error(format!(
                "stream {stream} holds the ledger's log, not events of the feed"
            )));
        }
        let data = events.iter().map(event_data).collect::<Result<Vec<_>>>()?;
        let options =
            AppendToStreamOptions::default().expected_revision(expected_revision(expected));
        match self.client.append_to_stream(stream, &options, data).await {
            Ok(result) => Ok(Appended {
                last_version: Some(result.next_expected_version),
                last_position: Some(position_of(result.position)),
                written: events.len(),
            }),
            Err(eventstore::Error::WrongExpectedVersion { current, .. }) => {
                // An idempotent repeat? Then the batch's ids are already the stream's events.
                let stored = self.read_stream(stream, 0, usize::MAX).await?;
                let found: Vec<_> = events
                    .iter()
                    .map(|e| {
                        stored
                            .iter()
                            .find(|s| s.event_id == e.event_id)
                            .map(|s| (s.stream.as_str(), s.stream_version))
                    })
                    .collect();
                if let Some(last_version) = amity_store::idempotency(stream, &events, &found)? {
                    let last = stored.iter().find(|s| s.stream_version == last_version);
                    return Ok(Appended {
                        last_version: Some(last_version),
                        last_position: last.map(|s| s.position),
                        written: 0,
                    });
                }
                Err(Error::VersionConflict {
                    stream: stream.to_owned(),
                    expected,
                    actual: actual_version(current),
                })
            }
            Err(other) => Err(self.client_error(other).await),
        }
    }

    async fn read_stream(&self, stream: &str, from: u64, max: usize) -> Result<Vec<RecordedEvent>> {
        let options = ReadStreamOptions::default()
            .forwards()
            .position(StreamPosition::Position(from))
            .max_count(max);
        let mut reading = match self.client.read_stream(stream, &options).await {
            Ok(reading) => reading,
            Err(eventstore::Error::ResourceNotFound) => return Ok(Vec::new()),
            Err(other) => return Err(self.client_error(other).await),
        };
        let mut events = Vec::new();
        loop {
            match reading.next().await {
                Ok(Some(resolved)) => events.push(recorded_event(resolved.get_original_event())?),
                Ok(None) => return Ok(events),
                Err(eventstore::Error::ResourceNotFound) => return Ok(events),
                Err(other) => return Err(self.client_error(other).await),
            }
        }
    }

    async fn read_all(&self, after: Position, max: usize) -> Result<Vec<RecordedEvent>> {
        let start = match server_position(after) {
            None => StreamPosition::Start,
            Some(position) => StreamPosition::Position(position),
        };
        // Inclusive on the server, and system events interleave: read a little more.
        let options = ReadAllOptions::default()
            .forwards()
            .position(start)
            .max_count(max.saturating_add(64));
        let mut reading = match self.client.read_all(&options).await {
            Ok(reading) => reading,
            Err(error) => return Err(self.client_error(error).await),
        };
        let mut events = Vec::new();
        while events.len() < max {
            let resolved = match reading.next().await {
                Ok(Some(resolved)) => resolved,
                Ok(None) => break,
                Err(error) => return Err(self.client_error(error).await),
            };
            let event = resolved.get_original_event();
            if is_system_stream(&event.stream_id)
                || is_log_stream(&event.stream_id)
                || position_of(event.position) <= after
            {
                continue;
            }
            events.push(recorded_event(event)?);
        }
        Ok(events)
    }

    async fn log_checkpoints(&self) -> Result<Vec<LogCheckpoint>> {
        self.checkpoints().await
    }

    async fn add_log_checkpoint(
        &self,
        tree_size: u64,
        note: String,
        frontier: Vec<u8>,
    ) -> Result<LogCheckpoint> {
        self.add_checkpoint(tree_size, note, frontier).await
    }

    async fn log_frontier(&self) -> Result<Option<(u64, Vec<u8>)>> {
        self.frontier().await
    }

    async fn save_log_frontier(&self, tree_size: u64, frontier: Vec<u8>) -> Result<()> {
        self.save_frontier(tree_size, frontier).await
    }
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

    #[tokio::test]
    async fn a_server_nobody_answers_at_is_unreachable() {
        // Port 1 of this machine: nothing listens there.
        let store = KurrentEventStore::connect("esdb://127.0.0.1:1?tls=false").unwrap();
        let error = store.read_all(Position::START, 1).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot reach KurrentDB at 127.0.0.1:1",
            "{error:?}"
        );
        let Error::Unreachable { source, .. } = error else {
            unreachable!()
        };
        assert_eq!(source.kind(), std::io::ErrorKind::ConnectionRefused);
        assert_eq!(source.to_string(), "connection refused");
    }

    #[tokio::test]
    async fn urls_are_checked() {
        assert!(KurrentEventStore::connect("esdb://localhost:2113?tls=false").is_ok());
        assert!(KurrentEventStore::connect("kurrentdb://localhost:2113?tls=false").is_ok());
        assert!(matches!(
            KurrentEventStore::connect("esdb://"),
            Err(Error::InvalidUrl { .. })
        ));
    }
}
