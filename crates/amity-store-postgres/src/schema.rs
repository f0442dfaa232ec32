//! The schema the tables live in, and their versioned migrations (`schema_migrations`).

use amity_store::Result;
use tokio_postgres::Client;

use crate::connection::backend_error;

/// The migrations, in order; `{s}` is the schema name. 1: the events, their streams and the
/// head row that orders appends; 2: the log beside the feed (checkpoints in the order added,
/// `recorded_at` in µs since 1970 like the events'; the cached frontier, at most one row), store
/// data that no projection touches; 3: the log's leaves as they were hashed, by index, and found
/// by event; 4: the readable `ledger_events` view, which shows events as every export does
/// (dashed ids, RFC 3339 times in UTC to the microsecond, who recorded each).
const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE IF NOT EXISTS {s}.streams (
    stream_no BIGSERIAL PRIMARY KEY,
    name      TEXT   NOT NULL UNIQUE,
    version   BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.events (
    position       BIGINT  PRIMARY KEY,
    stream_no      BIGINT  NOT NULL REFERENCES {s}.streams (stream_no),
    stream_version BIGINT  NOT NULL,
    event_id       UUID    NOT NULL UNIQUE,
    event_type     TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    payload        TEXT    NOT NULL,
    metadata       TEXT    NOT NULL,
    recorded_at    BIGINT  NOT NULL,
    UNIQUE (stream_no, stream_version)
);
CREATE TABLE IF NOT EXISTS {s}.ledger_head (
    only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    position BIGINT NOT NULL
);
INSERT INTO {s}.ledger_head (position) VALUES (0) ON CONFLICT DO NOTHING;
",
    "
CREATE TABLE IF NOT EXISTS {s}.log_checkpoints (
    checkpoint_no BIGSERIAL PRIMARY KEY,
    tree_size     BIGINT NOT NULL,
    note          TEXT   NOT NULL,
    frontier      BYTEA  NOT NULL,
    recorded_at   BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.log_frontier (
    only_row  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    tree_size BIGINT NOT NULL,
    frontier  BYTEA  NOT NULL
);
",
    "
CREATE TABLE IF NOT EXISTS {s}.log_leaves (
    leaf_index BIGINT PRIMARY KEY,
    event_id   UUID   NOT NULL,
    hash       BYTEA  NOT NULL
);
CREATE INDEX IF NOT EXISTS log_leaves_by_event ON {s}.log_leaves (event_id);
",
    "
CREATE OR REPLACE VIEW {s}.ledger_events AS
SELECT e.position,
       s.name AS stream,
       e.stream_version,
       e.event_id::text AS event_id,
       e.event_type,
       e.schema_version,
       e.payload,
       e.metadata,
       e.metadata::jsonb ->> 'recorded_by' AS recorded_by,
       to_char(to_timestamp(e.recorded_at / 1000000) AT TIME ZONE 'UTC',
               'YYYY-MM-DD\"T\"HH24:MI:SS') ||
           CASE WHEN e.recorded_at % 1000000 = 0 THEN ''
                ELSE '.' || rtrim(lpad((e.recorded_at % 1000000)::text, 6, '0'), '0') END ||
           'Z' AS recorded_at
FROM {s}.events e JOIN {s}.streams s USING (stream_no);
",
];

/// The name of the schema a store's tables live in (checked by [`crate::parse_url`]: lower-case
/// letters, digits and `_`, so it goes into SQL as it is).
#[derive(Debug, Clone)]
pub(crate) struct Schema(pub(crate) String);

impl Schema {
    /// The schema's name.
    pub(crate) fn name(&self) -> &str {
        &self.0
    }

    /// `text` with `{s}` replaced by the schema's name.
    pub(crate) fn sql(&self, text: &str) -> String {
        text.replace("{s}", &self.0)
    }
}

/// Create the schema and its tables, or bring them up to date: the migrations not done yet,
/// in order, in one transaction.
pub(crate) async fn migrate(client: &mut Client, schema: &Schema) -> Result<()> {
    let transaction = client.transaction().await.map_err(backend_error)?;
    // One migration at a time, even with several processes starting together.
    transaction
        .batch_execute(&schema.sql(
            "SELECT pg_advisory_xact_lock(hashtext('amity-migrate'));
             CREATE SCHEMA IF NOT EXISTS {s};
             CREATE TABLE IF NOT EXISTS {s}.schema_migrations (version INTEGER PRIMARY KEY);",
        ))
        .await
        .map_err(backend_error)?;
    let row = transaction
        .query_one(
            &schema.sql("SELECT coalesce(max(version), 0) FROM {s}.schema_migrations"),
            &[],
        )
        .await
        .map_err(backend_error)?;
    let done: i32 = row.get(0);
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(done as usize) {
        transaction
            .batch_execute(&schema.sql(migration))
            .await
            .map_err(backend_error)?;
        transaction
            .execute(
                &schema.sql("INSERT INTO {s}.schema_migrations (version) VALUES ($1)"),
                &[&(index as i32 + 1)],
            )
            .await
            .map_err(backend_error)?;
    }
    transaction.commit().await.map_err(backend_error)
}
