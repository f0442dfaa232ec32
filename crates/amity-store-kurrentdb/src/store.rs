//! [`KurrentEventStore`]: the client, telling an unreachable server apart, and the
//! [`EventStore`] implementation, the log beside the feed included (its mapping in `log`).

use amity_store::{
    admit_log_checkpoint, Appended, Error, EventId, EventStore, ExpectedVersion, LogCheckpoint,
    LogLeaf, NewEvent, Position, RecordedEvent, Result, StreamAppend,
};
use async_trait::async_trait;
use eventstore::{
    AppendToStreamOptions, Client, ClientSettings, ExpectedRevision, ReadAllOptions,
    ReadStreamOptions, StreamMetadata, StreamPosition,
};
use serde::Deserialize;

use crate::log::{
    from_hex, is_log_stream, log_event, to_hex, CheckpointRecord, FrontierRecord, LeavesRecord,
    CHECKPOINT_ADDED, CHECKPOINT_STREAM, FRONTIER_SAVED, FRONTIER_STREAM, LEAVES_KEPT,
    LEAVES_PER_EVENT, LEAVES_STREAM,
};
use crate::mapping::{
    actual_version, backend_error, event_data, expected_revision, is_system_stream, position_of,
    recorded_event, server_position, BACKEND,
};

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

    async fn keep_log_leaves(&self, leaves: Vec<LogLeaf>) -> Result<()> {
        self.keep_leaves(leaves).await
    }

    async fn kept_log_leaves(&self, from: u64, limit: usize) -> Result<Vec<LogLeaf>> {
        let mut found = self.leaves_where(|leaf| leaf.index >= from).await?;
        found.truncate(limit);
        Ok(found)
    }

    async fn kept_log_leaves_of(&self, events: &[EventId]) -> Result<Vec<LogLeaf>> {
        let wanted: std::collections::HashSet<&EventId> = events.iter().collect();
        self.leaves_where(|leaf| wanted.contains(&leaf.event_id))
            .await
    }
}

/// How often a checkpoint is tried again when another was added at the same time.
const CHECKPOINT_ATTEMPTS: usize = 5;

impl KurrentEventStore {
    /// The last event of a stream and its revision, if any.
    async fn last_event<T: for<'de> Deserialize<'de>>(
        &self,
        stream: &str,
    ) -> Result<Option<(u64, T)>> {
        let options = ReadStreamOptions::default()
            .backwards()
            .position(StreamPosition::End)
            .max_count(1);
        let mut reading = match self.client.read_stream(stream, &options).await {
            Ok(reading) => reading,
            Err(eventstore::Error::ResourceNotFound) => return Ok(None),
            Err(other) => return Err(self.client_error(other).await),
        };
        match reading.next().await {
            Ok(Some(resolved)) => {
                let event = recorded_event(resolved.get_original_event())?;
                let record = serde_json::from_slice(&event.payload).map_err(backend_error)?;
                Ok(Some((event.stream_version, record)))
            }
            Ok(None) | Err(eventstore::Error::ResourceNotFound) => Ok(None),
            Err(other) => Err(self.client_error(other).await),
        }
    }

    /// The feed's events after `after` counted, with the last one's position.
    async fn count_feed(&self, mut after: Position) -> Result<(u64, Position)> {
        let mut count = 0;
        loop {
            let page = self.read_all(after, 4096).await?;
            let Some(last) = page.last() else {
                return Ok((count, after));
            };
            after = last.position;
            count += page.len() as u64;
        }
    }

    /// Every checkpoint, in the order added.
    async fn checkpoints(&self) -> Result<Vec<LogCheckpoint>> {
        let events = self.read_stream(CHECKPOINT_STREAM, 0, usize::MAX).await?;
        events
            .iter()
            .map(|event| {
                let record: CheckpointRecord =
                    serde_json::from_slice(&event.payload).map_err(backend_error)?;
                record.checkpoint()
            })
            .collect()
    }

    /// Add a checkpoint after the last one, appended with the last one's revision as expected:
    /// a checkpoint added meanwhile makes it count and check again.
    async fn add_checkpoint(
        &self,
        tree_size: u64,
        note: String,
        frontier: Vec<u8>,
    ) -> Result<LogCheckpoint> {
        for _ in 0..CHECKPOINT_ATTEMPTS {
            let last: Option<(u64, CheckpointRecord)> = self.last_event(CHECKPOINT_STREAM).await?;
            let (counted, from) = match &last {
                Some((_, record)) => (record.counted_events, record.counted_position.parse()?),
                None => (0, Position::START),
            };
            let (more, end) = self.count_feed(from).await?;
            let length = counted + more;
            admit_log_checkpoint(tree_size, last.as_ref().map(|(_, r)| r.tree_size), length)?;
            let record = CheckpointRecord {
                tree_size,
                note: note.clone(),
                frontier: to_hex(&frontier),
                recorded_at: jiff::Timestamp::now().as_microsecond(),
                counted_events: length,
                counted_position: end.to_string(),
            };
            let data = event_data(&log_event(CHECKPOINT_ADDED, &record)?)?;
            let expected = last.map_or(ExpectedRevision::NoStream, |(revision, _)| {
                ExpectedRevision::Exact(revision)
            });
            let options = AppendToStreamOptions::default().expected_revision(expected);
            match self
                .client
                .append_to_stream(CHECKPOINT_STREAM, &options, data)
                .await
            {
                Ok(_) => return record.checkpoint(),
                Err(eventstore::Error::WrongExpectedVersion { .. }) => continue,
                Err(other) => return Err(self.client_error(other).await),
            }
        }
        Err(backend_error(format!(
            "other checkpoints were added at the same time, {CHECKPOINT_ATTEMPTS} times: try again"
        )))
    }

    /// The kept leaves that `keep` takes, in index order (the server has no index on them:
    /// the stream is read whole).
    async fn leaves_where(&self, keep: impl Fn(&LogLeaf) -> bool) -> Result<Vec<LogLeaf>> {
        let mut found = Vec::new();
        for event in self.read_stream(LEAVES_STREAM, 0, usize::MAX).await? {
            let record: LeavesRecord =
                serde_json::from_slice(&event.payload).map_err(backend_error)?;
            found.extend(record.leaves()?.into_iter().filter(&keep));
        }
        Ok(found)
    }

    /// Keep the leaves after the last kept one, in runs appended with the stream's last
    /// revision as expected: leaves kept meanwhile make it look again (the first kept wins).
    async fn keep_leaves(&self, leaves: Vec<LogLeaf>) -> Result<()> {
        for _ in 0..CHECKPOINT_ATTEMPTS {
            let last: Option<(u64, LeavesRecord)> = self.last_event(LEAVES_STREAM).await?;
            let end = last.as_ref().map_or(0, |(_, record)| record.end());
            let new: Vec<LogLeaf> = leaves
                .iter()
                .filter(|leaf| leaf.index >= end)
                .copied()
                .collect();
            if new.is_empty() {
                return Ok(());
            }
            let data = new
                .chunks(LEAVES_PER_EVENT)
                .map(|run| event_data(&log_event(LEAVES_KEPT, &LeavesRecord::of(run))?))
                .collect::<Result<Vec<_>>>()?;
            let expected = last.map_or(ExpectedRevision::NoStream, |(revision, _)| {
                ExpectedRevision::Exact(revision)
            });
            let options = AppendToStreamOptions::default().expected_revision(expected);
            match self
                .client
                .append_to_stream(LEAVES_STREAM, &options, data)
                .await
            {
                Ok(_) => return Ok(()),
                Err(eventstore::Error::WrongExpectedVersion { .. }) => continue,
                Err(other) => return Err(self.client_error(other).await),
            }
        }
        Err(backend_error(format!(
            "other leaves were kept at the same time, {CHECKPOINT_ATTEMPTS} times: try again"
        )))
    }

    /// The cached frontier, if one is saved.
    async fn frontier(&self) -> Result<Option<(u64, Vec<u8>)>> {
        let last: Option<(u64, FrontierRecord)> = self.last_event(FRONTIER_STREAM).await?;
        last.map(|(_, record)| Ok((record.tree_size, from_hex(&record.frontier)?)))
            .transpose()
    }

    /// Save the frontier as the stream's new last event; the first save limits the stream to
    /// one event, so that old frontiers are dropped.
    async fn save_frontier(&self, tree_size: u64, frontier: Vec<u8>) -> Result<()> {
        let record = FrontierRecord {
            tree_size,
            frontier: to_hex(&frontier),
        };
        let data = event_data(&log_event(FRONTIER_SAVED, &record)?)?;
        let written = self
            .client
            .append_to_stream(FRONTIER_STREAM, &AppendToStreamOptions::default(), data)
            .await;
        match written {
            Ok(result) if result.next_expected_version == 0 => {
                let metadata = StreamMetadata::builder().max_count(1).build();
                let options = AppendToStreamOptions::default();
                if let Err(error) = self
                    .client
                    .set_stream_metadata(FRONTIER_STREAM, &options, &metadata)
                    .await
                {
                    // Only a cost in space: the last event is the frontier either way.
                    tracing::warn!(%error, "kurrentdb: could not limit the frontier stream");
                }
                Ok(())
            }
            Ok(_) => Ok(()),
            Err(other) => Err(self.client_error(other).await),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
