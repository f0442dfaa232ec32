//! An in-memory store for tests and throw-away ledgers (`memory://`). Its log checkpoints and
//! frontier are fields beside the events, under the same lock; its integrity check is the
//! default one, by reading the feed (it keeps no separate record of stream lengths).

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::{
    admit_log_checkpoint, idempotency, Appended, Error, EventId, EventStore, LogCheckpoint,
    LogLeaf, Position, RecordedEvent, Result, StreamAppend,
};

/// Every event in a `Vec`, guarded by one lock; atomic across streams.
#[derive(Debug, Default)]
pub struct MemoryEventStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    events: Vec<RecordedEvent>,
    streams: HashMap<String, Vec<usize>>,
    ids: HashMap<EventId, usize>,
    /// The log's checkpoints, in the order added.
    checkpoints: Vec<LogCheckpoint>,
    /// The cached frontier of the log, with its tree size.
    frontier: Option<(u64, Vec<u8>)>,
    /// The log's kept leaves, by index.
    leaves: std::collections::BTreeMap<u64, LogLeaf>,
}

impl MemoryEventStore {
    /// An empty store.
    pub fn new() -> MemoryEventStore {
        MemoryEventStore::default()
    }
}

impl Inner {
    /// Check one stream's part; `Ok(Err(appended))` is an idempotent repeat.
    fn check(&self, part: &StreamAppend) -> Result<std::result::Result<(), Appended>> {
        let current = self
            .streams
            .get(&part.stream)
            .map(|indexes| indexes.len() as u64 - 1);
        let found: Vec<_> = part
            .events
            .iter()
            .map(|event| {
                self.ids.get(&event.event_id).map(|&index| {
                    let stored = &self.events[index];
                    (stored.stream.as_str(), stored.stream_version)
                })
            })
            .collect();
        if let Some(last_version) = idempotency(&part.stream, &part.events, &found)? {
            let last_index = self.streams[&part.stream][last_version as usize];
            return Ok(Err(Appended {
                last_version: Some(last_version),
                last_position: Some(self.events[last_index].position),
                written: 0,
            }));
        }
        if !part.expected.admits(current) {
            return Err(Error::VersionConflict {
                stream: part.stream.clone(),
                expected: part.expected,
                actual: current,
            });
        }
        Ok(Ok(()))
    }

    fn write(&mut self, part: StreamAppend, now: jiff::Timestamp) -> Appended {
        let written = part.events.len();
        let indexes = self.streams.entry(part.stream.clone()).or_default();
        let mut version = indexes.len() as u64;
        let mut last_position = None;
        let name = crate::SmolStr::from(part.stream.as_str());
        for event in part.events {
            let index = self.events.len();
            let position = Position::new(index as u64, index as u64);
            indexes.push(index);
            self.ids.insert(event.event_id, index);
            self.events.push(RecordedEvent {
                position,
                stream: name.clone(),
                stream_version: version,
                event_id: event.event_id,
                event_type: event.event_type.into(),
                schema_version: event.schema_version,
                payload: event.payload,
                metadata: event.metadata,
                recorded_at: event.recorded_at.unwrap_or(now),
            });
            last_position = Some(position);
            version += 1;
        }
        Appended {
            last_version: version.checked_sub(1),
            last_position,
            written,
        }
    }

    /// Apply every part in order, or none: a failing part undoes the parts before it.
    fn apply(&mut self, appends: Vec<StreamAppend>) -> Result<Vec<Appended>> {
        let mark = self.events.len();
        let now = jiff::Timestamp::now();
        let mut outcomes = Vec::with_capacity(appends.len());
        for part in appends {
            match self.check(&part) {
                Err(error) => {
                    self.rollback(mark);
                    return Err(error);
                }
                Ok(Err(repeat)) => outcomes.push(repeat),
                Ok(Ok(())) => outcomes.push(self.write(part, now)),
            }
        }
        Ok(outcomes)
    }

    fn rollback(&mut self, mark: usize) {
        for event in self.events.drain(mark..) {
            self.ids.remove(&event.event_id);
            if let Some(indexes) = self.streams.get_mut(event.stream.as_str()) {
                indexes.pop();
                if indexes.is_empty() {
                    self.streams.remove(event.stream.as_str());
                }
            }
        }
    }
}

#[async_trait]
impl EventStore for MemoryEventStore {
    fn backend(&self) -> &'static str {
        "memory"
    }

    async fn read_stream(&self, stream: &str, from: u64, max: usize) -> Result<Vec<RecordedEvent>> {
        let inner = self.inner.lock().expect("memory store lock");
        let Some(indexes) = inner.streams.get(stream) else {
            return Ok(Vec::new());
        };
        Ok(indexes
            .iter()
            .skip(usize::try_from(from).unwrap_or(usize::MAX))
            .take(max)
            .map(|&index| inner.events[index].clone())
            .collect())
    }

    async fn read_all(&self, after: Position, max: usize) -> Result<Vec<RecordedEvent>> {
        let inner = self.inner.lock().expect("memory store lock");
        let start = after.parts().map_or(0, |(commit, _)| commit as usize + 1);
        Ok(inner.events.iter().skip(start).take(max).cloned().collect())
    }

    fn atomic_multi_stream(&self) -> bool {
        true
    }

    async fn append_many(&self, appends: Vec<StreamAppend>) -> Result<Vec<Appended>> {
        let mut inner = self.inner.lock().expect("memory store lock");
        inner.apply(appends)
    }

    async fn find_event(&self, event_id: EventId) -> Result<Option<RecordedEvent>> {
        let inner = self.inner.lock().expect("memory store lock");
        Ok(inner
            .ids
            .get(&event_id)
            .map(|&index| inner.events[index].clone()))
    }

    async fn log_checkpoints(&self) -> Result<Vec<LogCheckpoint>> {
        let inner = self.inner.lock().expect("memory store lock");
        Ok(inner.checkpoints.clone())
    }

    async fn add_log_checkpoint(
        &self,
        tree_size: u64,
        note: String,
        frontier: Vec<u8>,
    ) -> Result<LogCheckpoint> {
        let mut inner = self.inner.lock().expect("memory store lock");
        let last = inner.checkpoints.last().map(|last| last.tree_size);
        admit_log_checkpoint(tree_size, last, inner.events.len() as u64)?;
        let checkpoint = LogCheckpoint {
            tree_size,
            note,
            frontier,
            recorded_at: jiff::Timestamp::now(),
        };
        inner.checkpoints.push(checkpoint.clone());
        Ok(checkpoint)
    }

    async fn log_frontier(&self) -> Result<Option<(u64, Vec<u8>)>> {
        let inner = self.inner.lock().expect("memory store lock");
        Ok(inner.frontier.clone())
    }

    async fn save_log_frontier(&self, tree_size: u64, frontier: Vec<u8>) -> Result<()> {
        let mut inner = self.inner.lock().expect("memory store lock");
        inner.frontier = Some((tree_size, frontier));
        Ok(())
    }

    async fn keep_log_leaves(&self, leaves: Vec<LogLeaf>) -> Result<()> {
        let mut inner = self.inner.lock().expect("memory store lock");
        for leaf in leaves {
            inner.leaves.entry(leaf.index).or_insert(leaf);
        }
        Ok(())
    }

    async fn kept_log_leaves(&self, from: u64, limit: usize) -> Result<Vec<LogLeaf>> {
        let inner = self.inner.lock().expect("memory store lock");
        Ok(inner
            .leaves
            .range(from..)
            .take(limit)
            .map(|(_, leaf)| *leaf)
            .collect())
    }

    async fn kept_log_leaves_of(&self, events: &[EventId]) -> Result<Vec<LogLeaf>> {
        let wanted: std::collections::HashSet<&EventId> = events.iter().collect();
        let inner = self.inner.lock().expect("memory store lock");
        Ok(inner
            .leaves
            .values()
            .filter(|leaf| wanted.contains(&leaf.event_id))
            .copied()
            .collect())
    }
}
