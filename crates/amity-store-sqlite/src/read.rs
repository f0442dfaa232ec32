//! Reading events: rows as borrowed events, the feed by ranges of positions (one lane's chunks
//! included) with stream names from a reader's cache, and a read connection with that cache.

use amity_store::{EventId, FeedLane, Position, RecordedEvent, Result, SmolStr, StoredEvent};
use rusqlite::{params, Connection};

use crate::connection::backend_error;

/// An event with its stream's name, for lookups by id; columns as [`read_event`] reads them.
pub(crate) const SELECT_EVENT: &str =
    "SELECT e.position, s.name, e.stream_version, e.event_id, e.event_type,
        e.schema_version, e.payload, e.metadata, e.recorded_at
 FROM events e JOIN streams s USING (stream_no)";

/// Stream names by stream number (integer keys: a fast hash will do).
pub(crate) type StreamNames = rustc_hash::FxHashMap<i64, SmolStr>;

/// The read connection, with the names of the streams it has met (stream numbers never
/// change, so the cache never goes stale).
#[derive(Debug)]
pub(crate) struct Reader {
    /// The connection.
    pub(crate) connection: Connection,
    /// Stream names by number, as met.
    pub(crate) stream_names: StreamNames,
}

/// The events with positions in `(?1, ?2]`, at most ?3 (negative: no limit), in order; columns
/// as [`stored_event`] reads them (stream number in column 1).
const FEED_QUERY: &str = "SELECT position, stream_no, stream_version, event_id, event_type,
        schema_version, payload, metadata, recorded_at
 FROM events WHERE position > ?1 AND position <= ?2 ORDER BY position LIMIT ?3";

/// Stream names loaded at once when one is missing from a reader's cache: the missing one and
/// those numbered after it. Streams are numbered as they are first appended to, so a reading in
/// feed order meets new streams in rising numbers, and a ledger of many short streams (an
/// imported list: one stream per event) costs one query per this many new streams rather than
/// one per event.
const NAMES_AHEAD: i64 = 256;

/// The name of stream `stream_no`, from the reader's cache or else looked up (with the
/// [`NAMES_AHEAD`] streams from it, all cached).
fn stream_name<'n>(
    names: &'n mut StreamNames,
    connection: &Connection,
    stream_no: i64,
) -> Result<&'n SmolStr> {
    if !names.contains_key(&stream_no) {
        let mut from = connection
            .prepare_cached(
                "SELECT stream_no, name FROM streams WHERE stream_no >= ?1
                 ORDER BY stream_no LIMIT ?2",
            )
            .map_err(backend_error)?;
        let mut rows = from
            .query(params![stream_no, NAMES_AHEAD])
            .map_err(backend_error)?;
        while let Some(row) = rows.next().map_err(backend_error)? {
            let (number, name) = named_stream(row).map_err(backend_error)?;
            names.entry(number).or_insert(name);
        }
    }
    names
        .get(&stream_no)
        .ok_or_else(|| backend_error(rusqlite::Error::QueryReturnedNoRows))
}

/// A stream's number and name, from a row of those two columns.
fn named_stream(row: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, SmolStr)> {
    Ok((row.get(0)?, row.get_ref(1)?.as_str()?.into()))
}

impl Reader {
    /// The events with positions in `(after, until]`, at most `max` of them (negative: no
    /// limit), in order, each handed to `visit` with its stream's shared name (see
    /// [`Feed::visit`]). `Ok(false)` when `visit` stopped the reading.
    pub(crate) fn visit_feed(
        &mut self,
        bounds: (i64, i64, i64),
        visit: impl FnMut(StoredEvent<'_>, &SmolStr) -> bool,
    ) -> Result<bool> {
        self.with_feed(None, |feed| feed.visit(bounds, visit))
    }

    /// Run `body` with [`FEED_QUERY`] prepared (once per connection) beside the stream names.
    fn with_feed<T>(
        &mut self,
        shared: Option<&StreamNames>,
        body: impl FnOnce(&mut Feed<'_, '_>) -> Result<T>,
    ) -> Result<T> {
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
            shared,
        })
    }
}

/// [`FEED_QUERY`], prepared on a reader's connection, with the reader's stream names and
/// those of the whole reading, if it shares them.
struct Feed<'c, 'r> {
    statement: rusqlite::CachedStatement<'c>,
    connection: &'c Connection,
    names: &'r mut StreamNames,
    shared: Option<&'r StreamNames>,
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
            let stream = match self.shared.and_then(|shared| shared.get(&stream_no)) {
                Some(name) => name,
                None => stream_name(self.names, self.connection, stream_no)?,
            };
            if !visit(stored_event(row, stream).map_err(backend_error)?, stream) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// The page cache of a lane's connection: a lane reads each page of its chunks once, in order,
/// so a small cache loses nothing, where the store's usual one (16 MB) held by every lane
/// connection made a reading of the whole feed, and a rebuild, keep tens of megabytes more
/// (lowering it frees the pages above it).
const LANE_CACHE: &str = "PRAGMA cache_size = -2048; PRAGMA mmap_size = 0;";

/// [`LANE_CACHE`], the file read through a memory map of up to 1 GiB rather than into the
/// page cache (see [`amity_store::LaneRead::mapped`]): SQLite then reads a page of the
/// file where it lies in the operating system's cache, no copy made. A connection taken back
/// for another reading is set again either way.
const LANE_MAPPED: &str = "PRAGMA cache_size = -2048; PRAGMA mmap_size = 1073741824;";

/// One lane's chunks: for each chunk number *k*, positions `(start, min(start + chunk, end)]`
/// where `start` is `after + k * chunk`, handed to `lane`, on one statement, with a small page
/// cache ([`LANE_CACHE`]), the file read through a memory map if `mapped` ([`LANE_MAPPED`]),
/// the stream names looked up in `shared` first (the whole reading's), if given. `Ok(false)`
/// when the lane stopped.
pub(crate) fn read_lane(
    reader: &mut Reader,
    lane: &mut dyn FeedLane,
    numbers: impl Iterator<Item = i64>,
    (after, chunk, end): (i64, i64, i64),
    (mapped, shared): (bool, Option<&StreamNames>),
) -> Result<bool> {
    reader
        .connection
        .execute_batch(if mapped { LANE_MAPPED } else { LANE_CACHE })
        .map_err(backend_error)?;
    reader.with_feed(shared, |feed| {
        for number in numbers {
            let start = after.saturating_add(number.saturating_mul(chunk));
            let bounds = (start, start.saturating_add(chunk).min(end), -1);
            lane.begin_chunk(number as u64);
            let visit = |event: StoredEvent<'_>, _: &SmolStr| lane.event(event);
            if !feed.visit(bounds, visit)? || !lane.end_chunk() {
                return Ok(false);
            }
        }
        Ok(true)
    })
}

/// Every stream's name, loaded at once (for all the lanes of a long reading).
pub(crate) fn all_stream_names(connection: &Connection) -> Result<StreamNames> {
    let mut statement = connection
        .prepare("SELECT stream_no, name FROM streams")
        .map_err(backend_error)?;
    let mut names = StreamNames::default();
    let mut rows = statement.query([]).map_err(backend_error)?;
    while let Some(row) = rows.next().map_err(backend_error)? {
        let (stream_no, name) = named_stream(row).map_err(backend_error)?;
        names.insert(stream_no, name);
    }
    Ok(names)
}

/// A row of an event query (columns as in `read_all`) as a borrowed event of `stream`.
pub(crate) fn stored_event<'r>(
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

/// An event from a row of [`SELECT_EVENT`] (stream name in column 1).
pub(crate) fn read_event(row: &rusqlite::Row<'_>) -> rusqlite::Result<RecordedEvent> {
    let stream: SmolStr = row.get_ref(1)?.as_str()?.into();
    Ok(stored_event(row, &stream)?.to_recorded(stream.clone()))
}
