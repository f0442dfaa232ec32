//! The ledger file's tables (schema version 1, `PRAGMA user_version`) and their creation.

use amity_store::Result;
use rusqlite::Connection;

use crate::connection::backend_error;

/// The current schema version (`PRAGMA user_version`).
const SCHEMA_VERSION: i32 = 1;

/// The tables, their indexes and the readable `ledger_events` view.
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

/// Create the tables in a new file; refuse a file of a newer schema version.
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
        connection
            .execute_batch(&format!(
                "BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            ))
            .map_err(backend_error)?;
    }
    Ok(())
}
