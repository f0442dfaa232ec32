//! The PostgreSQL event store (`postgres://user@host:port/db?schema=NAME`).
//!
//! Tables live in their own schema (`amity` unless the URL's `schema` parameter names
//! another), so several ledgers can share a database; the backend creates and migrates them
//! itself (`schema_migrations`). Payloads are kept as text so that archives stay byte-exact.
//!
//! Global order: a reader following the feed must never skip an event. With sequences, a
//! transaction can commit a smaller position after a larger one is visible. Here every append
//! first locks the single row of `ledger_head` and takes its positions from it; the lock is held
//! until commit, so positions are committed in increasing order and a reader that has seen
//! position P will never later find one below P (see docs/adr/0004).

use std::collections::HashMap;
use std::sync::Arc;

use amity_store::{
    idempotency, Appended, Error, EventId, EventStore, NewEvent, Position, RecordedEvent, Result,
    SmolStr, StreamAppend,
};
use async_trait::async_trait;
use tokio::sync::Mutex;
use tokio_postgres::{Client, NoTls, Row};

const BACKEND: &str = "postgres";

fn backend_error(error: impl Into<amity_store::BoxError>) -> Error {
    Error::backend(BACKEND, error)
}

/// Pages of the feed at least this large are read in two halves at once.
const SPLIT_PAGE: i64 = 2_000;

/// A page from its two halves read at once: the first, of the `half` positions after the
/// page's start, and the rest, after those. Positions have no gaps and commit in order, so the
/// rest may follow only a complete first half; a short first half is the page when nothing
/// follows it, and otherwise (the feed grew between the two reads) the page must be read again,
/// whole (`None`).
fn join_halves<T>(mut first: Vec<T>, rest: Vec<T>, half: usize) -> Option<Vec<T>> {
    if first.len() == half {
        first.extend(rest);
        Some(first)
    } else if rest.is_empty() {
        Some(first)
    } else {
        None
    }
}

/// The migrations, in order; `{s}` is the schema name.
const MIGRATIONS: &[&str] = &["
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
"];

/// A PostgreSQL event store: one connection for appends, one for reads.
#[derive(Debug, Clone)]
pub struct PostgresEventStore {
    schema: String,
    writer: Arc<Mutex<Client>>,
    reader: Arc<Mutex<Client>>,
    /// A second reading connection: a large page of the feed is read in two halves at once.
    second_reader: Arc<Mutex<Client>>,
    /// The names of the streams the feed has met, by number (numbers never change, so this
    /// never goes stale): reading the feed then needs no join.
    stream_names: Arc<std::sync::Mutex<HashMap<i64, SmolStr>>>,
}

async fn connect(config: &str) -> Result<Client> {
    let (client, connection) = tokio_postgres::connect(config, NoTls)
        .await
        .map_err(|error| connect_error(config, error))?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::warn!(%error, "postgres connection ended");
        }
    });
    Ok(client)
}

/// A failed connection: an IO error while connecting is a server that cannot be reached
/// ([`Error::Unreachable`], the driver's report in the debug log); anything else (a refused
/// login, a missing database) is the driver's error as it is.
fn connect_error(config: &str, error: tokio_postgres::Error) -> Error {
    use std::error::Error as _;
    match error
        .source()
        .and_then(|source| source.downcast_ref::<std::io::Error>())
    {
        Some(reason) => {
            tracing::debug!(%error, "postgres connection failed");
            Error::unreachable(BACKEND, "PostgreSQL", address(config), reason)
        }
        None => backend_error(error),
    }
}

/// `HOST:PORT` of a connection string, for messages.
fn address(config: &str) -> String {
    let Ok(parsed) = config.parse::<tokio_postgres::Config>() else {
        return "its address".to_owned(); // (the text may hold a password)
    };
    let host = match parsed.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
        Some(other) => format!("{other:?}"),
        None => "localhost".to_owned(),
    };
    let port = parsed.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}")
}

/// The connection string and the schema (its `schema` parameter, default `amity`) of a
/// `postgres://` URL; shared with whatever else keeps tables beside a ledger's events.
pub fn parse_url(url: &str) -> Result<(String, String)> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut schema = "amity".to_owned();
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("schema", name)) => schema = name.to_owned(),
            _ => rest.push(pair),
        }
    }
    if schema.is_empty()
        || !schema
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(Error::InvalidUrl {
            url: url.to_owned(),
            reason: "schema must be lower-case letters, digits and '_'".to_owned(),
        });
    }
    let config = if rest.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    Ok((config, schema))
}

impl PostgresEventStore {
    /// Connect to the store named by a `postgres://` URL; its optional `schema` parameter
    /// names the schema (default `amity`).
    pub async fn connect(url: &str) -> Result<PostgresEventStore> {
        let (config, schema) = parse_url(url)?;
        let writer = connect(&config).await?;
        let reader = connect(&config).await?;
        let second_reader = connect(&config).await?;
        let store = PostgresEventStore {
            schema,
            writer: Arc::new(Mutex::new(writer)),
            reader: Arc::new(Mutex::new(reader)),
            second_reader: Arc::new(Mutex::new(second_reader)),
            stream_names: Arc::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The schema the tables live in.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    fn sql(&self, text: &str) -> String {
        text.replace("{s}", &self.schema)
    }

    async fn migrate(&self) -> Result<()> {
        let mut client = self.writer.lock().await;
        let transaction = client.transaction().await.map_err(backend_error)?;
        // One migration at a time, even with several processes starting together.
        transaction
            .batch_execute(&self.sql(
                "SELECT pg_advisory_xact_lock(hashtext('amity-migrate'));
                 CREATE SCHEMA IF NOT EXISTS {s};
                 CREATE TABLE IF NOT EXISTS {s}.schema_migrations (version INTEGER PRIMARY KEY);",
            ))
            .await
            .map_err(backend_error)?;
        let row = transaction
            .query_one(
                &self.sql("SELECT coalesce(max(version), 0) FROM {s}.schema_migrations"),
                &[],
            )
            .await
            .map_err(backend_error)?;
        let done: i32 = row.get(0);
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(done as usize) {
            transaction
                .batch_execute(&self.sql(migration))
                .await
                .map_err(backend_error)?;
            transaction
                .execute(
                    &self.sql("INSERT INTO {s}.schema_migrations (version) VALUES ($1)"),
                    &[&(index as i32 + 1)],
                )
                .await
                .map_err(backend_error)?;
        }
        transaction.commit().await.map_err(backend_error)
    }

    fn select_event(&self) -> String {
        self.sql(
            "SELECT e.position, s.name, e.stream_version, e.event_id, e.event_type,
                    e.schema_version, e.payload, e.metadata, e.recorded_at
             FROM {s}.events e JOIN {s}.streams s USING (stream_no)",
        )
    }
}

fn read_event(row: &Row) -> Result<RecordedEvent> {
    read_event_in(row, row.get::<_, &str>(1).into())
}

/// An event row whose column 1 (the stream) is given as `stream`.
fn read_event_in(row: &Row, stream: SmolStr) -> Result<RecordedEvent> {
    let position: i64 = row.get(0);
    let TextBytes(payload) = row.get(6);
    let TextBytes(metadata) = row.get(7);
    let recorded_at: i64 = row.get(8);
    Ok(RecordedEvent {
        position: Position::new(position as u64, position as u64),
        stream,
        stream_version: row.get::<_, i64>(2) as u64,
        event_id: row.get(3),
        event_type: row.get::<_, &str>(4).into(),
        schema_version: row.get::<_, i32>(5) as u32,
        payload,
        metadata,
        recorded_at: jiff::Timestamp::from_microsecond(recorded_at).map_err(backend_error)?,
    })
}

/// A text column's bytes as they come (UTF-8, the database's encoding): payloads are
/// checked where they are decoded, so reading them need not check them twice.
struct TextBytes(Vec<u8>);

impl<'a> tokio_postgres::types::FromSql<'a> for TextBytes {
    fn from_sql(
        _: &tokio_postgres::types::Type,
        raw: &'a [u8],
    ) -> std::result::Result<TextBytes, Box<dyn std::error::Error + Sync + Send>> {
        Ok(TextBytes(raw.to_vec()))
    }

    fn accepts(ty: &tokio_postgres::types::Type) -> bool {
        *ty == tokio_postgres::types::Type::TEXT
    }
}

/// Events to insert, column by column (for one `UNNEST` insert).
#[derive(Default)]
struct EventRows {
    position: Vec<i64>,
    stream: Vec<String>,
    stream_version: Vec<i64>,
    event_id: Vec<uuid::Uuid>,
    event_type: Vec<String>,
    schema_version: Vec<i32>,
    payload: Vec<String>,
    metadata: Vec<String>,
    recorded_at: Vec<i64>,
}

impl EventRows {
    fn push(
        &mut self,
        position: i64,
        stream: &str,
        stream_version: i64,
        event: &NewEvent,
        recorded_at: i64,
    ) -> Result<()> {
        self.position.push(position);
        self.stream.push(stream.to_owned());
        self.stream_version.push(stream_version);
        self.event_id.push(event.event_id);
        self.event_type.push(event.event_type.clone());
        self.schema_version.push(event.schema_version as i32);
        self.payload.push(text(&event.payload)?.to_owned());
        self.metadata.push(text(&event.metadata)?.to_owned());
        self.recorded_at.push(
            event
                .recorded_at
                .map_or(recorded_at, |t| t.as_microsecond()),
        );
        Ok(())
    }
}

fn text(bytes: &[u8]) -> Result<&str> {
    std::str::from_utf8(bytes).map_err(backend_error)
}

#[async_trait]
impl EventStore for PostgresEventStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    async fn read_stream(&self, stream: &str, from: u64, max: usize) -> Result<Vec<RecordedEvent>> {
        let client = self.reader.lock().await;
        let rows = client
            .query(
                &format!(
                    "{} WHERE s.name = $1 AND e.stream_version >= $2
                     ORDER BY e.stream_version LIMIT $3",
                    self.select_event()
                ),
                &[
                    &stream,
                    &(from as i64),
                    &(max.min(i64::MAX as usize) as i64),
                ],
            )
            .await
            .map_err(backend_error)?;
        rows.iter().map(read_event).collect()
    }

    async fn read_all(&self, after: Position, max: usize) -> Result<Vec<RecordedEvent>> {
        let after = after.parts().map_or(0, |(commit, _)| commit as i64);
        let max = max.min(i64::MAX as usize / 2) as i64;
        let client = self.reader.lock().await;
        // Stream numbers, not names: names come from the cache (the hot path of rebuilds).
        let select = |condition: &str| {
            self.sql(&format!(
                "SELECT position, stream_no, stream_version, event_id, event_type,
                        schema_version, payload, metadata, recorded_at
                 FROM {{s}}.events WHERE {condition} ORDER BY position LIMIT $2"
            ))
        };
        let whole = select("position > $1");
        let rows = if max < SPLIT_PAGE {
            client.query(&whole, &[&after, &max]).await
        } else {
            // Positions have no gaps (each append takes the next ones from the locked head
            // row) and commit in order: see `join_halves`.
            let half = max / 2;
            let second = self.second_reader.lock().await;
            let first_half = select("position > $1 AND position <= $1 + $2");
            let (middle, rest_max) = (after + half, max - half);
            let first_params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&after, &half];
            let rest_params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&middle, &rest_max];
            let (first, rest) = tokio::join!(
                client.query(&first_half, &first_params),
                second.query(&whole, &rest_params),
            );
            match (first, rest) {
                (Ok(first), Ok(rest)) => match join_halves(first, rest, half as usize) {
                    Some(rows) => Ok(rows),
                    None => client.query(&whole, &[&after, &max]).await,
                },
                (Err(error), _) | (_, Err(error)) => Err(error),
            }
        }
        .map_err(backend_error)?;
        let unknown: Vec<i64> = {
            let names = self.stream_names.lock().expect("stream names");
            let mut unknown: Vec<i64> = rows
                .iter()
                .map(|row| row.get::<_, i64>(1))
                .filter(|stream_no| !names.contains_key(stream_no))
                .collect();
            unknown.sort_unstable();
            unknown.dedup();
            unknown
        };
        if !unknown.is_empty() {
            let named = client
                .query(
                    &self.sql("SELECT stream_no, name FROM {s}.streams WHERE stream_no = ANY($1)"),
                    &[&unknown],
                )
                .await
                .map_err(backend_error)?;
            let mut names = self.stream_names.lock().expect("stream names");
            for row in named {
                names.insert(row.get(0), row.get::<_, &str>(1).into());
            }
        }
        drop(client);
        let names = self.stream_names.lock().expect("stream names");
        rows.iter()
            .map(|row| {
                let stream_no: i64 = row.get(1);
                let name = names.get(&stream_no).cloned().ok_or_else(|| {
                    backend_error(format!("event stream number {stream_no} has no stream"))
                })?;
                read_event_in(row, name)
            })
            .collect()
    }

    fn atomic_multi_stream(&self) -> bool {
        true
    }

    async fn append_many(&self, appends: Vec<StreamAppend>) -> Result<Vec<Appended>> {
        let mut client = self.writer.lock().await;
        let transaction = client.transaction().await.map_err(backend_error)?;
        // The head row's lock orders every writer: positions are committed in order.
        let head: i64 = transaction
            .query_one(
                &self.sql("SELECT position FROM {s}.ledger_head FOR UPDATE"),
                &[],
            )
            .await
            .map_err(backend_error)?
            .get(0);
        // What the whole batch needs to know, in two round trips: which ids are stored, and
        // where its streams stand.
        let ids: Vec<uuid::Uuid> = appends
            .iter()
            .flat_map(|part| part.events.iter().map(|e| e.event_id))
            .collect();
        let stored: HashMap<EventId, (String, u64, i64)> = transaction
            .query(
                &self.sql(
                    "SELECT e.event_id, s.name, e.stream_version, e.position
                     FROM {s}.events e JOIN {s}.streams s USING (stream_no)
                     WHERE e.event_id = ANY($1)",
                ),
                &[&ids],
            )
            .await
            .map_err(backend_error)?
            .iter()
            .map(|row| {
                (
                    row.get::<_, uuid::Uuid>(0),
                    (row.get(1), row.get::<_, i64>(2) as u64, row.get(3)),
                )
            })
            .collect();
        let names: Vec<&str> = appends.iter().map(|part| part.stream.as_str()).collect();
        let mut streams: HashMap<String, (Option<i64>, Option<u64>)> = transaction
            .query(
                &self.sql("SELECT name, stream_no, version FROM {s}.streams WHERE name = ANY($1)"),
                &[&names],
            )
            .await
            .map_err(backend_error)?
            .iter()
            .map(|row| {
                (
                    row.get::<_, String>(0),
                    (
                        Some(row.get::<_, i64>(1)),
                        Some(row.get::<_, i64>(2) as u64),
                    ),
                )
            })
            .collect();
        let recorded_at = jiff::Timestamp::now().as_microsecond();
        let mut position = head;
        let mut outcomes = Vec::with_capacity(appends.len());
        // Rows to insert, column by column, and the streams they go to.
        let mut rows = EventRows::default();
        for part in &appends {
            let found: Vec<_> = part
                .events
                .iter()
                .map(|e| stored.get(&e.event_id).map(|(s, v, _)| (s.as_str(), *v)))
                .collect();
            if let Some(last_version) = idempotency(&part.stream, &part.events, &found)? {
                let last = part.events.last().and_then(|e| stored.get(&e.event_id));
                outcomes.push(Appended {
                    last_version: Some(last_version),
                    last_position: last.map(|(_, _, p)| Position::new(*p as u64, *p as u64)),
                    written: 0,
                });
                continue;
            }
            let (_, actual) = streams.get(&part.stream).copied().unwrap_or((None, None));
            if !part.expected.admits(actual) {
                return Err(Error::VersionConflict {
                    stream: part.stream.clone(),
                    expected: part.expected,
                    actual,
                });
            }
            if part.events.is_empty() {
                outcomes.push(Appended {
                    last_version: actual,
                    last_position: None,
                    written: 0,
                });
                continue;
            }
            let mut version = actual.map_or(0, |v| v as i64 + 1);
            for event in &part.events {
                position += 1;
                rows.push(position, &part.stream, version, event, recorded_at)?;
                version += 1;
            }
            let last_version = version as u64 - 1;
            streams
                .entry(part.stream.clone())
                .and_modify(|entry| entry.1 = Some(last_version))
                .or_insert((None, Some(last_version)));
            outcomes.push(Appended {
                last_version: Some(last_version),
                last_position: Some(Position::new(position as u64, position as u64)),
                written: part.events.len(),
            });
        }
        if position > head {
            // New streams, then every event, then the streams' versions: three round trips.
            let new: Vec<&str> = streams
                .iter()
                .filter(|(_, (stream_no, _))| stream_no.is_none())
                .map(|(name, _)| name.as_str())
                .collect();
            transaction
                .execute(
                    &self.sql(
                        "INSERT INTO {s}.streams (name, version) SELECT name, -1 FROM UNNEST($1::text[]) AS name",
                    ),
                    &[&new],
                )
                .await
                .map_err(backend_error)?;
            transaction
                .execute(
                    &self.sql(
                        "INSERT INTO {s}.events (position, stream_no, stream_version, event_id,
                             event_type, schema_version, payload, metadata, recorded_at)
                         SELECT r.position, s.stream_no, r.stream_version, r.event_id, r.event_type,
                                r.schema_version, r.payload, r.metadata, r.recorded_at
                         FROM UNNEST($1::bigint[], $2::text[], $3::bigint[], $4::uuid[], $5::text[],
                                     $6::integer[], $7::text[], $8::text[], $9::bigint[])
                              AS r (position, stream, stream_version, event_id, event_type,
                                    schema_version, payload, metadata, recorded_at)
                         JOIN {s}.streams s ON s.name = r.stream",
                    ),
                    &[
                        &rows.position,
                        &rows.stream,
                        &rows.stream_version,
                        &rows.event_id,
                        &rows.event_type,
                        &rows.schema_version,
                        &rows.payload,
                        &rows.metadata,
                        &rows.recorded_at,
                    ],
                )
                .await
                .map_err(|error| match error.code() {
                    Some(code) if *code == tokio_postgres::error::SqlState::UNIQUE_VIOLATION => {
                        backend_error(format!("an event id or version is stored twice: {error}"))
                    }
                    _ => backend_error(error),
                })?;
            let (names, versions): (Vec<&str>, Vec<i64>) = streams
                .iter()
                .filter_map(|(name, (_, version))| Some((name.as_str(), (*version)? as i64)))
                .unzip();
            transaction
                .execute(
                    &self.sql(
                        "UPDATE {s}.streams s SET version = u.version
                         FROM UNNEST($1::text[], $2::bigint[]) AS u (name, version)
                         WHERE s.name = u.name AND s.version <> u.version",
                    ),
                    &[&names, &versions],
                )
                .await
                .map_err(backend_error)?;
            transaction
                .execute(
                    &self.sql("UPDATE {s}.ledger_head SET position = $1"),
                    &[&position],
                )
                .await
                .map_err(backend_error)?;
        }
        transaction.commit().await.map_err(backend_error)?;
        Ok(outcomes)
    }

    async fn find_event(&self, event_id: EventId) -> Result<Option<RecordedEvent>> {
        let client = self.reader.lock().await;
        let row = client
            .query_opt(
                &format!("{} WHERE e.event_id = $1", self.select_event()),
                &[&event_id],
            )
            .await
            .map_err(backend_error)?;
        row.as_ref().map(read_event).transpose()
    }
}

#[cfg(test)]
#[path = "lib_tests.rs"]
mod tests;
