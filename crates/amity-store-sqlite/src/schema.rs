//! The ledger file's tables (`PRAGMA user_version`: the migrations done) and their creation
//! and migration: version 1 the events, their streams and the `ledger_events` view; version 2
//! the log beside the feed (`log_checkpoints`, `log_frontier`); version 3 the log's kept
//! leaves (`log_leaves`); version 4 the `ledger_events` view shows ids and times as every
//! other view and export does (dashed UUIDs, RFC 3339 with microseconds) and who recorded
//! each event. The stored rows are never changed by a migration of the view.

use amity_store::Result;
use rusqlite::Connection;

use crate::connection::backend_error;

/// The current schema version (`PRAGMA user_version`): the number of [`MIGRATIONS`].
const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// The migrations, in order: migration *n* takes a file from version *n* to *n* + 1.
const MIGRATIONS: [&str; 4] = [EVENTS, LOG, LEAVES, READABLE];

/// Version 1: the tables, their indexes and the readable `ledger_events` view.
const EVENTS: &str = "
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

/// Version 2: the log beside the feed, store data that no projection touches. Checkpoints in
/// the order added (`checkpoint_no`), `recorded_at` in µs since 1970 like the events'; the
/// cached frontier in a table of at most one row.
const LOG: &str = "
CREATE TABLE IF NOT EXISTS log_checkpoints (
    checkpoint_no INTEGER PRIMARY KEY,
    tree_size     INTEGER NOT NULL,
    note          TEXT    NOT NULL,
    frontier      BLOB    NOT NULL,
    recorded_at   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS log_frontier (
    only_row  INTEGER PRIMARY KEY CHECK (only_row = 1),
    tree_size INTEGER NOT NULL,
    frontier  BLOB    NOT NULL
);
";

/// Version 3: the log's leaves as they were hashed (the event's id and the leaf hash, 16 and
/// 32 bytes), by index, and found by event.
const LEAVES: &str = "
CREATE TABLE IF NOT EXISTS log_leaves (
    leaf_index INTEGER PRIMARY KEY,
    event_id   BLOB    NOT NULL,
    hash       BLOB    NOT NULL
);
CREATE INDEX IF NOT EXISTS log_leaves_by_event ON log_leaves (event_id);
";

/// Version 4: `ledger_events` as every view and export shows events: the id as a dashed
/// lower-case UUID, `recorded_at` in RFC 3339 (UTC) to the microsecond as stored (trailing
/// zeros of the fraction left out, as the archive and the JSON answers write it), and
/// `recorded_by` from the metadata. Dropped and created again, so doing it twice changes
/// nothing.
const READABLE: &str = "
DROP VIEW IF EXISTS ledger_events;
CREATE VIEW ledger_events AS
SELECT e.position,
       s.name AS stream,
       e.stream_version,
       lower(substr(hex(e.event_id), 1, 8) || '-' || substr(hex(e.event_id), 9, 4) || '-' ||
             substr(hex(e.event_id), 13, 4) || '-' || substr(hex(e.event_id), 17, 4) || '-' ||
             substr(hex(e.event_id), 21, 12)) AS event_id,
       e.event_type,
       e.schema_version,
       e.payload,
       e.metadata,
       json_extract(e.metadata, '$.recorded_by') AS recorded_by,
       strftime('%Y-%m-%dT%H:%M:%S', e.recorded_at / 1000000, 'unixepoch') ||
           CASE WHEN e.recorded_at % 1000000 = 0 THEN ''
                ELSE '.' || rtrim(printf('%06d', e.recorded_at % 1000000), '0') END ||
           'Z' AS recorded_at
FROM events e JOIN streams s USING (stream_no);
";

/// Create the tables in a new file, bring an older file up to date (the migrations it lacks,
/// in one transaction); refuse a file of a newer schema version.
pub(crate) fn migrate(connection: &Connection) -> Result<()> {
    let version: i32 = connection
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(backend_error)?;
    if version > SCHEMA_VERSION {
        return Err(backend_error(format!(
            "the ledger file has schema version {version}; this build knows up to {SCHEMA_VERSION}"
        )));
    }
    if version < SCHEMA_VERSION {
        let missing = MIGRATIONS[version.max(0) as usize..].concat();
        // Another process may have migrated the file meanwhile: every statement is
        // `IF NOT EXISTS`, so doing it again changes nothing.
        connection
            .execute_batch(&format!(
                "BEGIN IMMEDIATE; {missing} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            ))
            .map_err(backend_error)?;
    }
    Ok(())
}
