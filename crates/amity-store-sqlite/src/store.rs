//! [`SqliteEventStore`]: opening a ledger file, its connections (one writer, one reader, the
//! lanes' readers) and the [`EventStore`] implementation over them.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use amity_store::{
    Appended, Error, EventId, EventStore, FeedLane, FeedSummary, IntegrityProblem, LaneRead,
    LogCheckpoint, LogLeaf, Position, RecordedEvent, Result, SmolStr, StreamAppend,
};
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};

use crate::connection::{
    backend_error, create_in_place, open_connection, spawn_checkpointer, BACKEND,
};
use crate::integrity::check_integrity;
use crate::log::{
    add_log_checkpoint, keep_log_leaves, kept_log_leaves, kept_log_leaves_of, log_checkpoints,
    log_frontier, save_log_frontier,
};
use crate::read::{
    all_stream_names, read_event, read_lane, stored_event, Reader, StreamNames, SELECT_EVENT,
};
use crate::schema::migrate;
use crate::writer::Writer;

/// How much is committed (payload and metadata bytes) before the checkpoint thread is woken:
/// after every small transaction, its syncs would cost more than the transaction's own.
const CHECKPOINT_BYTES: usize = 4 << 20;

/// A SQLite-file event store. Cheap to clone; clones share connections.
#[derive(Debug, Clone)]
pub struct SqliteEventStore {
    path: PathBuf,
    /// Wakes the checkpoint thread once enough has been committed since it was last woken
    /// ([`CHECKPOINT_BYTES`]); the thread ends when the last clone goes.
    checkpoints: std::sync::mpsc::SyncSender<()>,
    /// Bytes of payload and metadata committed since the checkpoint thread was last woken.
    uncheckpointed: Arc<std::sync::atomic::AtomicUsize>,
    /// The write connection; appends go through its queue (group commit).
    writer: Arc<Writer>,
    reader: Arc<Mutex<Reader>>,
    /// Idle read connections for the lanes of [`EventStore::read_all_in_lanes`], opened as
    /// needed and kept with the stream names they have met.
    lanes: Arc<Mutex<Vec<Reader>>>,
}

impl SqliteEventStore {
    /// Open (creating if needed) the ledger file at `path`; a symbolic link to nothing there
    /// is refused, never followed to create the file elsewhere.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteEventStore> {
        let path = path.as_ref().to_path_buf();
        create_in_place(&path)?;
        let writer = open_connection(&path)?;
        migrate(&writer)?;
        // Checkpoints (copying the WAL into the main file) run on their own thread and
        // connection once megabytes have been committed, so that bulk appends seldom wait for
        // them. The writer keeps SQLite's automatic checkpoint (at 1,000 pages of WAL): run
        // between two of its own transactions it completes, so the next one starts the WAL
        // over, writing into blocks the file already has; a WAL that only grows (the
        // background checkpoint alone, racing the writer, never lets it restart) makes each
        // commit's sync a file-size change too, which halved the rate of one small transaction
        // at a time (`cargo bench -p amity-tests --bench writes`). The writer alone gets a larger page cache (up to 128 MB, used only as pages are
        // touched): inserting content-derived, hence random, event ids into the id index of a
        // large ledger otherwise reads the same pages again and again.
        writer
            .execute_batch("PRAGMA cache_size = -131072;")
            .map_err(backend_error)?;
        let checkpoints = spawn_checkpointer(&path);
        let reader = Reader {
            connection: open_connection(&path)?,
            stream_names: StreamNames::default(),
        };
        Ok(SqliteEventStore {
            path,
            checkpoints,
            uncheckpointed: Arc::default(),
            writer: Arc::new(Writer::new(writer)),
            reader: Arc::new(Mutex::new(reader)),
            lanes: Arc::default(),
        })
    }

    /// Open the store named by a `sqlite://path` URL (`sqlite:///abs/path.db` for an absolute
    /// path).
    pub fn open_url(url: &str) -> Result<SqliteEventStore> {
        let path = url
            .strip_prefix("sqlite://")
            .filter(|path| !path.is_empty())
            .ok_or_else(|| Error::InvalidUrl {
                url: url.to_owned(),
                reason: "expected sqlite://PATH, e.g. sqlite://amity.db".to_owned(),
            })?;
        SqliteEventStore::open(path)
    }

    /// The ledger file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Open another connection to the same file, configured like the store's own (for
    /// projections that live in the same file).
    pub fn connect(&self) -> Result<Connection> {
        open_connection(&self.path)
    }

    async fn with_writer<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || {
            let mut connection = writer.connection()?;
            work(&mut connection)
        })
        .await
        .map_err(backend_error)?
    }

    async fn with_reader<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Reader) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let reader = self.reader.clone();
        let read = move || {
            let mut reader = reader
                .lock()
                .map_err(|_| backend_error("reader lock poisoned"))?;
            work(&mut reader)
        };
        // Most reads are short (one stream's events): on a multi-threaded runtime they run in
        // place, sparing a hand-off to another thread and back for each; the runtime moves its
        // other tasks to another worker meanwhile.
        if tokio::runtime::Handle::current().runtime_flavor()
            == tokio::runtime::RuntimeFlavor::MultiThread
        {
            return tokio::task::block_in_place(read);
        }
        tokio::task::spawn_blocking(read)
            .await
            .map_err(backend_error)?
    }
}

/// Lane connections kept open between readings, at most (those of two readings in four lanes).
const IDLE_LANE_READERS: usize = 8;

/// Where reads in lanes start loading every stream name at once, once for all their lanes,
/// rather than each lane its own as met: past this many events, most streams are met anyway.
/// (A few under this crate's tests, so that the contract's small readings take that way.)
#[cfg(not(test))]
const LANE_NAMES_AT_ONCE: i64 = 50_000;
#[cfg(test)]
const LANE_NAMES_AT_ONCE: i64 = 8;

/// Stream names an idle lane connection keeps, at most: a reading of a large feed met tens of
/// thousands, which are freed where its lane ends (in parallel with the other lanes' ends)
/// rather than all at once when the store is closed; a later reading loads what it meets
/// again, a page of names at a time.
const IDLE_LANE_NAMES: usize = 4_096;

impl SqliteEventStore {
    /// An idle lane connection, or a new one.
    fn lane_reader(&self) -> Result<Reader> {
        let idle = self
            .lanes
            .lock()
            .map_err(|_| backend_error("lane readers lock poisoned"))?
            .pop();
        match idle {
            Some(reader) => Ok(reader),
            None => Ok(Reader {
                connection: open_connection(&self.path)?,
                stream_names: StreamNames::default(),
            }),
        }
    }

    /// Give a lane connection back for the next reading (closed instead if enough are idle).
    fn return_lane_reader(&self, mut reader: Reader) {
        if reader.stream_names.len() > IDLE_LANE_NAMES {
            reader.stream_names = StreamNames::default();
        }
        if let Ok(mut idle) = self.lanes.lock() {
            if idle.len() < IDLE_LANE_READERS {
                idle.push(reader);
            }
        }
    }
}

#[async_trait]
impl EventStore for SqliteEventStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    async fn read_stream(&self, stream: &str, from: u64, max: usize) -> Result<Vec<RecordedEvent>> {
        let stream = stream.to_owned();
        self.with_reader(move |reader| {
            // The stream's number first, then its events by number, sorted here: a query
            // joining the two, or with ORDER BY or LIMIT, is prepared anew by SQLite on every
            // run (seen with its re-prepare counter), which cost more than the read itself.
            let number: Option<i64> = reader
                .connection
                .prepare_cached("SELECT stream_no FROM streams WHERE name = ?1")
                .and_then(|mut statement| {
                    statement
                        .query_row(params![stream], |row| row.get(0))
                        .optional()
                })
                .map_err(backend_error)?;
            let Some(number) = number else {
                return Ok(Vec::new());
            };
            let name = SmolStr::from(stream.as_str());
            let mut statement = reader
                .connection
                .prepare_cached(
                    "SELECT position, stream_no, stream_version, event_id, event_type,
                            schema_version, payload, metadata, recorded_at
                     FROM events WHERE stream_no = ?1 AND stream_version >= ?2",
                )
                .map_err(backend_error)?;
            let rows = statement
                .query_map(params![number, from as i64], |row| {
                    Ok(stored_event(row, &name)?.to_recorded(name.clone()))
                })
                .map_err(backend_error)?;
            let mut events = rows
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend_error)?;
            events.sort_unstable_by_key(|event| event.stream_version);
            events.truncate(max);
            Ok(events)
        })
        .await
    }

    async fn read_all(&self, after: Position, max: usize) -> Result<Vec<RecordedEvent>> {
        let after = after.parts().map_or(0, |(commit, _)| commit as i64);
        self.with_reader(move |reader| {
            let mut events = Vec::with_capacity(max.min(65_536));
            let max = i64::try_from(max).unwrap_or(i64::MAX);
            reader.visit_feed((after, i64::MAX, max), |event, stream| {
                events.push(event.to_recorded(stream.clone()));
                true
            })?;
            Ok(events)
        })
        .await
    }

    /// Each lane reads on its own connection and thread, straight from SQLite's buffers. Chunk
    /// *k* is the positions `(after + k·chunk, after + (k+1)·chunk]`. Positions are row ids,
    /// each the greatest one plus one, taken under the write lock, and no event is ever
    /// deleted: so positions are dense (chunks are full), and the last one as the reading
    /// starts is its end, every row up to it committed and visible to every connection.
    async fn read_all_in_lanes(self: Arc<Self>, read: LaneRead, mut lanes: Vec<Box<dyn FeedLane>>) {
        if lanes.is_empty() {
            return;
        }
        let number = |position: Position| position.parts().map_or(0, |(commit, _)| commit as i64);
        let after = number(read.after);
        let until = read.until.map(number);
        let head = self
            .with_reader(move |reader| {
                let last = reader
                    .connection
                    .query_row("SELECT coalesce(max(position), 0) FROM events", [], |row| {
                        row.get::<_, i64>(0)
                    })
                    .map_err(backend_error)?;
                let end = until.map_or(last, |until| last.min(until));
                // A long reading meets most streams: every name loaded at once, once for all
                // its lanes (every stream of an event up to `end` is in the table by now).
                let names = match end - after >= LANE_NAMES_AT_ONCE {
                    true => Some(Arc::new(all_stream_names(&reader.connection)?)),
                    false => None,
                };
                Ok((end, names))
            })
            .await;
        let (end, names) = match head {
            Ok(head) => head,
            Err(error) => {
                // The first chunk's lane takes the error; the others end with nothing.
                let mut lane = lanes.swap_remove(0);
                let failing = tokio::task::spawn_blocking(move || lane.fail(error));
                if let Err(error) = failing.await {
                    if error.is_panic() {
                        std::panic::resume_unwind(error.into_panic());
                    }
                }
                return;
            }
        };
        let chunk = i64::try_from(read.chunk.max(1)).unwrap_or(i64::MAX);
        let chunks =
            u64::try_from(end - after).map_or(0, |span| span.div_ceil(chunk as u64)) as i64;
        let count = lanes.len() as i64;
        // A balanced reading's next chunk, for whichever lane asks first.
        let next = Arc::new(std::sync::atomic::AtomicI64::new(0));
        let jobs: Vec<_> = lanes
            .into_iter()
            .enumerate()
            // A lane with no chunk is dropped at once: it has nothing to read.
            .filter(|(index, _)| (*index as i64) < chunks)
            .map(|(index, mut lane)| {
                let store = self.clone();
                let next = next.clone();
                let names = names.clone();
                tokio::task::spawn_blocking(move || {
                    let mut reader = match store.lane_reader() {
                        Ok(reader) => reader,
                        Err(error) => return lane.fail(error),
                    };
                    // Each chunk's number: this lane's turn, or the next one not taken yet.
                    let mut turn = (index as i64..chunks).step_by(count as usize);
                    let numbers = std::iter::from_fn(move || match read.balanced {
                        true => Some(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                            .filter(|&k| k < chunks),
                        false => turn.next(),
                    });
                    let outcome = read_lane(
                        &mut reader,
                        &mut *lane,
                        numbers,
                        (after, chunk, end),
                        (read.mapped, names.as_deref()),
                    );
                    if let Err(error) = outcome {
                        lane.fail(error);
                    }
                    store.return_lane_reader(reader);
                })
            })
            .collect();
        for job in jobs {
            if let Err(error) = job.await {
                if error.is_panic() {
                    std::panic::resume_unwind(error.into_panic());
                }
            }
        }
    }

    fn atomic_multi_stream(&self) -> bool {
        true
    }

    /// From the `streams` table (each stream's last version) and the ends of the `events`
    /// table, in one read transaction: no payload is read.
    async fn feed_summary(&self) -> Result<FeedSummary> {
        self.with_reader(|reader| {
            let transaction = reader.connection.transaction().map_err(backend_error)?;
            let (first, last): (Option<Vec<u8>>, Option<i64>) = transaction
                .query_row(
                    "SELECT (SELECT event_id FROM events ORDER BY position LIMIT 1),
                            (SELECT max(position) FROM events)",
                    [],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .map_err(backend_error)?;
            let mut statement = transaction
                .prepare("SELECT name, version + 1 FROM streams WHERE version >= 0 ORDER BY name")
                .map_err(backend_error)?;
            let streams = statement
                .query_map([], |row| {
                    let name: SmolStr = row.get_ref(0)?.as_str()?.into();
                    Ok((name, row.get::<_, i64>(1)? as u64))
                })
                .map_err(backend_error)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(backend_error)?;
            let first_event = first
                .map(|bytes| EventId::from_slice(&bytes).map_err(backend_error))
                .transpose()?;
            Ok(FeedSummary {
                streams,
                first_event,
                last: last.map(|position| Position::new(position as u64, position as u64)),
            })
        })
        .await
    }

    async fn append_many(&self, appends: Vec<StreamAppend>) -> Result<Vec<Appended>> {
        let n_events: usize = appends.iter().map(|part| part.events.len()).sum();
        let bytes: usize = appends
            .iter()
            .flat_map(|part| &part.events)
            .map(|event| event.payload.len() + event.metadata.len())
            .sum();
        let outcome = self.writer.append(appends).await;
        if outcome.is_ok() {
            // A checkpoint copies the WAL into the file and, with `synchronous = FULL`, syncs
            // both: worth it for megabytes, not after every small transaction (durable as
            // soon as its WAL frames are synced). Full means one is pending.
            use std::sync::atomic::Ordering;
            let since = self.uncheckpointed.fetch_add(bytes, Ordering::Relaxed) + bytes;
            if since >= CHECKPOINT_BYTES {
                self.uncheckpointed.store(0, Ordering::Relaxed);
                let _ = self.checkpoints.try_send(());
            }
        }
        tracing::debug!(n_events, ok = outcome.is_ok(), "sqlite append");
        outcome
    }

    async fn find_event(&self, event_id: EventId) -> Result<Option<RecordedEvent>> {
        self.with_reader(move |reader| {
            let mut statement = reader
                .connection
                .prepare_cached(&format!("{SELECT_EVENT} WHERE e.event_id = ?1"))
                .map_err(backend_error)?;
            statement
                .query_row([event_id.as_bytes().as_slice()], read_event)
                .optional()
                .map_err(backend_error)
        })
        .await
    }

    /// In one read transaction, from the stream index and the `streams` table: no payload is
    /// read.
    async fn check_integrity(&self) -> Result<Vec<IntegrityProblem>> {
        self.with_reader(|reader| check_integrity(&mut reader.connection))
            .await
    }

    async fn log_checkpoints(&self) -> Result<Vec<LogCheckpoint>> {
        self.with_reader(|reader| log_checkpoints(&reader.connection))
            .await
    }

    async fn add_log_checkpoint(
        &self,
        tree_size: u64,
        note: String,
        frontier: Vec<u8>,
    ) -> Result<LogCheckpoint> {
        self.with_writer(move |connection| {
            add_log_checkpoint(connection, tree_size, note, frontier)
        })
        .await
    }

    async fn log_frontier(&self) -> Result<Option<(u64, Vec<u8>)>> {
        self.with_reader(|reader| log_frontier(&reader.connection))
            .await
    }

    async fn save_log_frontier(&self, tree_size: u64, frontier: Vec<u8>) -> Result<()> {
        self.with_writer(move |connection| save_log_frontier(connection, tree_size, frontier))
            .await
    }

    async fn keep_log_leaves(&self, leaves: Vec<LogLeaf>) -> Result<()> {
        if leaves.is_empty() {
            return Ok(());
        }
        self.with_writer(move |connection| keep_log_leaves(connection, &leaves))
            .await
    }

    async fn kept_log_leaves(&self, from: u64, limit: usize) -> Result<Vec<LogLeaf>> {
        self.with_reader(move |reader| kept_log_leaves(&reader.connection, from, limit))
            .await
    }

    async fn kept_log_leaves_of(&self, events: &[EventId]) -> Result<Vec<LogLeaf>> {
        let events = events.to_vec();
        self.with_reader(move |reader| kept_log_leaves_of(&reader.connection, &events))
            .await
    }
}
