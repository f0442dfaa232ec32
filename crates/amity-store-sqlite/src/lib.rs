//! The embedded default store: every stream in one SQLite file (`sqlite://path`).
//!
//! The file is in WAL mode with `synchronous=FULL`, so a committed append survives a power
//! cut, and readers never block the writer. Appends run in `BEGIN IMMEDIATE` transactions, so
//! several OS processes can append to the same file: SQLite serialises them, and each append
//! re-checks the stream's version inside its transaction. Global positions are the `events`
//! rowid, which grows with commit order because there is one writer at a time.
//!
//! Schema (user_version 1), designed for insert speed: the global order is the integer
//! primary key, streams are numbered in a small table so that the per-stream index holds
//! integers, and event ids are 16-byte blobs whose index stays append-mostly because the
//! ledger writes time-ordered (v7) UUIDs. Payloads are JSON text so that `sqlite3` users can
//! query them with `json_extract`; the `ledger_events` view shows everything readably.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use amity_store::{
    idempotency, Appended, Error, EventId, EventStore, FeedLane, FeedSummary, LaneRead, Position,
    RecordedEvent, Result, SmolStr, StoredEvent, StreamAppend,
};
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

const BACKEND: &str = "sqlite";

/// The current schema version (`PRAGMA user_version`).
const SCHEMA_VERSION: i32 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS streams (
    stream_no INTEGER PRIMARY KEY,
    name      TEXT    NOT NULL UNIQUE,
    version   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    position       INTEGER PRIMARY KEY,
    stream_no      INTEGER NOT NULL REFERENCES streams (stream_no),
    stream_version INTEGER NOT NULL,
    event_id       BLOB    NOT NULL,
    event_type     TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    payload        TEXT    NOT NULL,
    metadata       TEXT    NOT NULL,
    recorded_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_by_stream ON events (stream_no, stream_version);
CREATE UNIQUE INDEX IF NOT EXISTS events_by_id ON events (event_id);
CREATE VIEW IF NOT EXISTS ledger_events AS
SELECT e.position,
       s.name AS stream,
       e.stream_version,
       lower(hex(e.event_id)) AS event_id,
       e.event_type,
       e.schema_version,
       e.payload,
       e.metadata,
       strftime('%Y-%m-%dT%H:%M:%fZ', e.recorded_at / 1000000.0, 'unixepoch') AS recorded_at
FROM events e JOIN streams s USING (stream_no);
";

const SELECT_EVENT: &str = "SELECT e.position, s.name, e.stream_version, e.event_id, e.event_type,
        e.schema_version, e.payload, e.metadata, e.recorded_at
 FROM events e JOIN streams s USING (stream_no)";

/// A SQLite-file event store. Cheap to clone; clones share connections.
#[derive(Debug, Clone)]
pub struct SqliteEventStore {
    path: PathBuf,
    /// Wakes the checkpoint thread after a commit; the thread ends when the last clone goes.
    checkpoints: std::sync::mpsc::SyncSender<()>,
    writer: Arc<Mutex<Connection>>,
    reader: Arc<Mutex<Reader>>,
    /// Idle read connections for the lanes of [`EventStore::read_all_in_lanes`], opened as
    /// needed and kept with the stream names they have met.
    lanes: Arc<Mutex<Vec<Reader>>>,
}

/// Stream names by stream number (integer keys: a fast hash will do).
type StreamNames = rustc_hash::FxHashMap<i64, SmolStr>;

/// The read connection, with the names of the streams it has met (stream numbers never
/// change, so the cache never goes stale).
#[derive(Debug)]
struct Reader {
    connection: Connection,
    stream_names: StreamNames,
}

fn backend_error(error: impl Into<amity_store::BoxError>) -> Error {
    Error::backend(BACKEND, error)
}

impl SqliteEventStore {
    /// Open (creating if needed) the ledger file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteEventStore> {
        let path = path.as_ref().to_path_buf();
        let writer = open_connection(&path)?;
        migrate(&writer)?;
        // Checkpoints (copying the WAL into the main file) run on their own thread and
        // connection, so appends never wait for them; SQLite's automatic ones are off here.
        // The writer alone gets a larger page cache (up to 128 MB, used only as pages are
        // touched): inserting content-derived, hence random, event ids into the id index of a
        // large ledger otherwise reads the same pages again and again.
        writer
            .execute_batch("PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -131072;")
            .map_err(backend_error)?;
        let checkpoints = spawn_checkpointer(open_connection(&path)?);
        let reader = Reader {
            connection: open_connection(&path)?,
            stream_names: StreamNames::default(),
        };
        Ok(SqliteEventStore {
            path,
            checkpoints,
            writer: Arc::new(Mutex::new(writer)),
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
            let mut connection = writer
                .lock()
                .map_err(|_| backend_error("writer lock poisoned"))?;
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

/// The events with positions in `(?1, ?2]`, at most ?3 (negative: no limit), in order; columns
/// as [`stored_event`] reads them (stream number in column 1).
const FEED_QUERY: &str = "SELECT position, stream_no, stream_version, event_id, event_type,
        schema_version, payload, metadata, recorded_at
 FROM events WHERE position > ?1 AND position <= ?2 ORDER BY position LIMIT ?3";

/// The name of stream `stream_no`, from the reader's cache or else looked up (and cached).
fn stream_name<'n>(
    names: &'n mut StreamNames,
    connection: &Connection,
    stream_no: i64,
) -> Result<&'n SmolStr> {
    match names.entry(stream_no) {
        std::collections::hash_map::Entry::Occupied(known) => Ok(known.into_mut()),
        std::collections::hash_map::Entry::Vacant(new) => {
            let name: SmolStr = connection
                .prepare_cached("SELECT name FROM streams WHERE stream_no = ?1")
                .and_then(|mut name_of| {
                    name_of.query_row([stream_no], |row| Ok(row.get_ref(0)?.as_str()?.into()))
                })
                .map_err(backend_error)?;
            Ok(new.insert(name))
        }
    }
}

/// Lane connections kept open between readings, at most (those of two readings in four lanes).
const IDLE_LANE_READERS: usize = 8;

/// Where reads in lanes start loading every stream name at once rather than one by one as met:
/// past this many events, most streams are met anyway.
const LANE_NAMES_AT_ONCE: i64 = 50_000;

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
    fn return_lane_reader(&self, reader: Reader) {
        if let Ok(mut idle) = self.lanes.lock() {
            if idle.len() < IDLE_LANE_READERS {
                idle.push(reader);
            }
        }
    }
}

impl Reader {
    /// The events with positions in `(after, until]`, at most `max` of them (negative: no
    /// limit), in order, each handed to `visit` with its stream's shared name (see
    /// [`Feed::visit`]). `Ok(false)` when `visit` stopped the reading.
    fn visit_feed(
        &mut self,
        bounds: (i64, i64, i64),
        visit: impl FnMut(StoredEvent<'_>, &SmolStr) -> bool,
    ) -> Result<bool> {
        self.with_feed(|feed| feed.visit(bounds, visit))
    }

    /// Run `body` with [`FEED_QUERY`] prepared (once per connection) beside the stream names.
    fn with_feed<T>(&mut self, body: impl FnOnce(&mut Feed<'_, '_>) -> Result<T>) -> Result<T> {
        let Reader {
            connection,
            stream_names,
        } = self;
        let statement = connection
            .prepare_cached(FEED_QUERY)
            .map_err(backend_error)?;
        body(&mut Feed {
            statement,
            connection,
            names: stream_names,
        })
    }
}

/// [`FEED_QUERY`], prepared on a reader's connection, with the reader's stream names.
struct Feed<'c, 'r> {
    statement: rusqlite::CachedStatement<'c>,
    connection: &'c Connection,
    names: &'r mut StreamNames,
}

impl Feed<'_, '_> {
    /// The rows of [`FEED_QUERY`] for `bounds`, each handed to `visit` straight from SQLite's row
    /// buffers, with its stream's name (no join: names come from the reader's cache, the hot path
    /// of rebuilds). `Ok(false)` when `visit` stopped the reading.
    fn visit(
        &mut self,
        (after, until, max): (i64, i64, i64),
        mut visit: impl FnMut(StoredEvent<'_>, &SmolStr) -> bool,
    ) -> Result<bool> {
        let mut rows = self
            .statement
            .query(params![after, until, max])
            .map_err(backend_error)?;
        while let Some(row) = rows.next().map_err(backend_error)? {
            let stream_no: i64 = row.get(1).map_err(backend_error)?;
            let stream = stream_name(self.names, self.connection, stream_no)?;
            if !visit(stored_event(row, stream).map_err(backend_error)?, stream) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// One lane's chunks: positions `(start, min(start + chunk, end)]` for each start, handed to
/// `lane`, on one statement. `Ok(false)` when the lane stopped.
fn read_lane(
    reader: &mut Reader,
    lane: &mut dyn FeedLane,
    starts: impl Iterator<Item = i64>,
    chunk: i64,
    end: i64,
) -> Result<bool> {
    reader.with_feed(|feed| {
        for start in starts {
            let bounds = (start, start.saturating_add(chunk).min(end), -1);
            let visit = |event: StoredEvent<'_>, _: &SmolStr| lane.event(event);
            if !feed.visit(bounds, visit)? || !lane.end_chunk() {
                return Ok(false);
            }
        }
        Ok(true)
    })
}

/// Every stream's name, loaded at once into a reader's cache.
fn load_stream_names(reader: &mut Reader) -> Result<()> {
    let mut statement = reader
        .connection
        .prepare("SELECT stream_no, name FROM streams")
        .map_err(backend_error)?;
    let mut rows = statement.query([]).map_err(backend_error)?;
    while let Some(row) = rows.next().map_err(backend_error)? {
        let stream_no: i64 = row.get(0).map_err(backend_error)?;
        let name: SmolStr = row
            .get_ref(1)
            .and_then(|name| Ok(name.as_str()?.into()))
            .map_err(backend_error)?;
        reader.stream_names.insert(stream_no, name);
    }
    Ok(())
}

/// A row of an event query (columns as in `read_all`) as a borrowed event of `stream`.
fn stored_event<'r>(
    row: &'r rusqlite::Row<'_>,
    stream: &'r str,
) -> rusqlite::Result<StoredEvent<'r>> {
    let position: i64 = row.get(0)?;
    let event_id = row.get_ref(3)?.as_blob()?;
    let recorded_at: i64 = row.get(8)?;
    Ok(StoredEvent {
        position: Position::new(position as u64, position as u64),
        stream,
        stream_version: row.get::<_, i64>(2)? as u64,
        event_id: EventId::from_slice(event_id).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Blob, Box::new(e))
        })?,
        event_type: row.get_ref(4)?.as_str()?,
        schema_version: row.get::<_, i64>(5)? as u32,
        payload: row.get_ref(6)?.as_bytes()?,
        metadata: row.get_ref(7)?.as_bytes()?,
        recorded_at: jiff::Timestamp::from_microsecond(recorded_at).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(
                8,
                rusqlite::types::Type::Integer,
                Box::new(e),
            )
        })?,
    })
}

/// A thread that checkpoints the WAL (PASSIVE: never blocks readers or the writer) whenever
/// woken. Closing the last connection also checkpoints, so nothing is left behind at exit.
fn spawn_checkpointer(connection: Connection) -> std::sync::mpsc::SyncSender<()> {
    let (wake, woken) = std::sync::mpsc::sync_channel::<()>(1);
    std::thread::Builder::new()
        .name("amity-sqlite-checkpoint".to_owned())
        .spawn(move || {
            while woken.recv().is_ok() {
                if let Err(error) = connection.execute_batch("PRAGMA wal_checkpoint(PASSIVE);") {
                    tracing::warn!(%error, "sqlite checkpoint failed; will retry after the next append");
                }
            }
        })
        .expect("spawn the checkpoint thread");
    wake
}

fn open_connection(path: &Path) -> Result<Connection> {
    let connection = Connection::open(path)
        .map_err(|error| backend_error(format!("cannot open {}: {error}", path.display())))?;
    connection
        .busy_timeout(std::time::Duration::from_secs(30))
        .map_err(backend_error)?;
    connection
        .execute_batch(
            "PRAGMA page_size = 16384;
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA cache_size = -16384;",
        )
        .map_err(backend_error)?;
    Ok(connection)
}

fn migrate(connection: &Connection) -> Result<()> {
    let version: i32 = connection
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(backend_error)?;
    if version > SCHEMA_VERSION {
        return Err(backend_error(format!(
            "the ledger file has schema version {version}; this build knows up to {SCHEMA_VERSION}"
        )));
    }
    if version < SCHEMA_VERSION {
        connection
            .execute_batch(&format!(
                "BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            ))
            .map_err(backend_error)?;
    }
    Ok(())
}

fn now_micros() -> i64 {
    jiff::Timestamp::now().as_microsecond()
}

/// An event from a row of [`SELECT_EVENT`] (stream name in column 1).
fn read_event(row: &rusqlite::Row<'_>) -> rusqlite::Result<RecordedEvent> {
    let stream: SmolStr = row.get_ref(1)?.as_str()?.into();
    Ok(stored_event(row, &stream)?.to_recorded(stream.clone()))
}

/// Apply the parts in one transaction (all or nothing).
///
/// The usual batch, new events where their streams expect them, is written at once: the
/// unique index on event ids is the check for ids stored already. Should one be there, or a
/// stream not be where its part expects it, the batch is undone (a savepoint) and every part is
/// settled by [`settle_part`], which looks each id up.
fn append_parts(connection: &mut Connection, parts: Vec<StreamAppend>) -> Result<Vec<Appended>> {
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend_error)?;
    let recorded_at = now_micros();
    transaction
        .execute_batch("SAVEPOINT batch")
        .map_err(backend_error)?;
    let outcomes = match write_new(&transaction, &parts, recorded_at)? {
        Some(outcomes) => {
            transaction
                .execute_batch("RELEASE batch")
                .map_err(backend_error)?;
            outcomes
        }
        None => {
            transaction
                .execute_batch("ROLLBACK TO batch; RELEASE batch")
                .map_err(backend_error)?;
            let mut outcomes = Vec::with_capacity(parts.len());
            for part in parts {
                let current = stream_state(&transaction, &part.stream)?;
                outcomes.push(settle_part(&transaction, part, current, recorded_at)?);
            }
            outcomes
        }
    };
    transaction.commit().map_err(backend_error)?;
    Ok(outcomes)
}

/// A stream's number and version, if it exists.
fn stream_state(
    transaction: &rusqlite::Transaction<'_>,
    stream: &str,
) -> Result<Option<(i64, i64)>> {
    transaction
        .prepare_cached("SELECT stream_no, version FROM streams WHERE name = ?1")
        .map_err(backend_error)?
        .query_row([stream], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()
        .map_err(backend_error)
}

/// Write every part as new events where its stream expects them; `None` (with some written,
/// to be undone) when a part is empty, finds its stream elsewhere, or holds a stored id.
fn write_new(
    transaction: &rusqlite::Transaction<'_>,
    parts: &[StreamAppend],
    recorded_at: i64,
) -> Result<Option<Vec<Appended>>> {
    let mut outcomes = Vec::with_capacity(parts.len());
    for part in parts {
        let current = stream_state(transaction, &part.stream)?;
        if part.events.is_empty()
            || !part
                .expected
                .admits(current.map(|(_, version)| version as u64))
        {
            return Ok(None);
        }
        match write_part(transaction, part, current, recorded_at)? {
            Some(appended) => outcomes.push(appended),
            None => return Ok(None),
        }
    }
    Ok(Some(outcomes))
}

/// Write a part's events after the stream's `current` (stream number, version); `None`, with
/// some events written, when one of the ids is stored already.
fn write_part(
    transaction: &rusqlite::Transaction<'_>,
    part: &StreamAppend,
    current: Option<(i64, i64)>,
    recorded_at: i64,
) -> Result<Option<Appended>> {
    let stream_no = match current {
        Some((stream_no, _)) => stream_no,
        None => {
            transaction
                .prepare_cached("INSERT INTO streams (name, version) VALUES (?1, -1)")
                .map_err(backend_error)?
                .execute([&part.stream])
                .map_err(backend_error)?;
            transaction.last_insert_rowid()
        }
    };
    let first_version = current.map_or(0, |(_, version)| version + 1);
    let mut insert = transaction
        .prepare_cached(
            "INSERT INTO events (stream_no, stream_version, event_id, event_type,
                 schema_version, payload, metadata, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (event_id) DO NOTHING",
        )
        .map_err(backend_error)?;
    for (offset, event) in part.events.iter().enumerate() {
        let inserted = insert
            .execute(params![
                stream_no,
                first_version + offset as i64,
                event.event_id.as_bytes().as_slice(),
                event.event_type,
                event.schema_version,
                std::str::from_utf8(&event.payload).map_err(backend_error)?,
                std::str::from_utf8(&event.metadata).map_err(backend_error)?,
                event
                    .recorded_at
                    .map_or(recorded_at, |original| original.as_microsecond()),
            ])
            .map_err(backend_error)?;
        if inserted == 0 {
            return Ok(None);
        }
    }
    let position = transaction.last_insert_rowid() as u64;
    let last_version = first_version + part.events.len() as i64 - 1;
    transaction
        .prepare_cached("UPDATE streams SET version = ?2 WHERE stream_no = ?1")
        .map_err(backend_error)?
        .execute(params![stream_no, last_version])
        .map_err(backend_error)?;
    Ok(Some(Appended {
        last_version: Some(last_version as u64),
        last_position: Some(Position::new(position, position)),
        written: part.events.len(),
    }))
}

/// Settle a part by looking each of its ids up: what is stored already is recognised (an
/// idempotent re-append writes nothing), an id stored elsewhere is an error, and otherwise the
/// expected version decides.
fn settle_part(
    transaction: &rusqlite::Transaction<'_>,
    part: StreamAppend,
    current: Option<(i64, i64)>,
    recorded_at: i64,
) -> Result<Appended> {
    let mut find_id = transaction
        .prepare_cached(
            "SELECT s.name, e.stream_version, e.position FROM events e
             JOIN streams s USING (stream_no) WHERE e.event_id = ?1",
        )
        .map_err(backend_error)?;
    let mut stored: Vec<Option<(String, u64, i64)>> = Vec::with_capacity(part.events.len());
    for event in &part.events {
        let found = find_id
            .query_row([event.event_id.as_bytes().as_slice()], |row| {
                Ok((row.get(0)?, row.get::<_, i64>(1)? as u64, row.get(2)?))
            })
            .optional()
            .map_err(backend_error)?;
        stored.push(found);
    }
    let found: Vec<_> = stored
        .iter()
        .map(|entry| {
            entry
                .as_ref()
                .map(|(name, version, _)| (name.as_str(), *version))
        })
        .collect();
    if let Some(last_version) = idempotency(&part.stream, &part.events, &found)? {
        let position = stored.last().and_then(|entry| entry.as_ref()).map(|e| e.2);
        return Ok(Appended {
            last_version: Some(last_version),
            last_position: position.map(|p| Position::new(p as u64, p as u64)),
            written: 0,
        });
    }
    let actual = current.map(|(_, version)| version as u64);
    if !part.expected.admits(actual) {
        return Err(Error::VersionConflict {
            stream: part.stream,
            expected: part.expected,
            actual,
        });
    }
    if part.events.is_empty() {
        return Ok(Appended {
            last_version: actual,
            last_position: None,
            written: 0,
        });
    }
    // No id is stored (checked above), so every event is written.
    write_part(transaction, &part, current, recorded_at)?.ok_or_else(|| {
        backend_error("an event id appeared while the write lock was held".to_owned())
    })
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
        let last = self
            .with_reader(|reader| {
                reader
                    .connection
                    .query_row("SELECT coalesce(max(position), 0) FROM events", [], |row| {
                        row.get::<_, i64>(0)
                    })
                    .map_err(backend_error)
            })
            .await;
        let end = match last {
            Ok(last) => read.until.map_or(last, |until| last.min(number(until))),
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
        let jobs: Vec<_> = lanes
            .into_iter()
            .enumerate()
            // A lane with no chunk is dropped at once: it has nothing to read.
            .filter(|(index, _)| (*index as i64) < chunks)
            .map(|(index, mut lane)| {
                let store = self.clone();
                tokio::task::spawn_blocking(move || {
                    let mut reader = match store.lane_reader() {
                        Ok(reader) => reader,
                        Err(error) => return lane.fail(error),
                    };
                    let starts = (index as i64..chunks)
                        .step_by(count as usize)
                        .map(|k| after + k * chunk);
                    let names =
                        if reader.stream_names.is_empty() && end - after >= LANE_NAMES_AT_ONCE {
                            load_stream_names(&mut reader)
                        } else {
                            Ok(())
                        };
                    let outcome =
                        names.and_then(|()| read_lane(&mut reader, &mut *lane, starts, chunk, end));
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
        let outcome = self
            .with_writer(move |connection| append_parts(connection, appends))
            .await;
        if outcome.is_ok() {
            // Full means a checkpoint is already pending.
            let _ = self.checkpoints.try_send(());
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
}
