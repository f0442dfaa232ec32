//! The PostgreSQL bench's baselines: the same rows written by plain SQL into a fresh copy of
//! the store's tables (binary `COPY`, or one `INSERT … SELECT FROM UNNEST` per batch), and the
//! store's rows read back by a plain streamed `SELECT` and decoded by the ledger's own codec.

use std::collections::HashMap;
use std::time::Instant;

use amity_store::{Position, StoredEvent, StreamAppend};
use futures_util::StreamExt;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{FromSql, ToSql, Type};
use tokio_postgres::{Client, NoTls};

/// How a plain writer puts a batch's events into the `events` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainInsert {
    /// `COPY … FROM STDIN (FORMAT binary)`.
    Copy,
    /// `INSERT … SELECT FROM UNNEST($1::bigint[], …)`.
    Unnest,
}

/// A client on its own connection task.
pub async fn connect(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .expect("connect the plain client");
    tokio::spawn(connection);
    client
}

/// Plain SQL writing into a schema made by the store itself (so its tables, indexes and views
/// are the store's): no checks, positions counted here, each stream new and given its final
/// version at once.
pub struct PlainWriter {
    client: Client,
    schema: String,
    how: PlainInsert,
    position: i64,
}

impl PlainWriter {
    /// A writer into `schema` (already migrated by the store).
    pub async fn new(url: &str, schema: &str, how: PlainInsert) -> PlainWriter {
        PlainWriter {
            client: connect(url).await,
            schema: schema.to_owned(),
            how,
            position: 0,
        }
    }

    /// Write the batch's streams and events in one transaction; seconds taken.
    pub async fn write(&mut self, batch: &[StreamAppend]) -> f64 {
        let started = Instant::now();
        let s = &self.schema;
        let transaction = self.client.transaction().await.expect("begin");
        let names: Vec<&str> = batch.iter().map(|part| part.stream.as_str()).collect();
        let versions: Vec<i64> = batch
            .iter()
            .map(|part| part.events.len() as i64 - 1)
            .collect();
        let numbers: HashMap<String, i64> = transaction
            .query(
                &format!(
                    "INSERT INTO {s}.streams (name, version)
                     SELECT * FROM UNNEST($1::text[], $2::bigint[]) RETURNING name, stream_no"
                ),
                &[&names, &versions],
            )
            .await
            .expect("insert streams")
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect();
        let recorded_at = jiff::Timestamp::now().as_microsecond();
        let first = self.position;
        match self.how {
            PlainInsert::Copy => {
                let sink = transaction
                    .copy_in(&format!(
                        "COPY {s}.events (position, stream_no, stream_version, event_id, \
                         event_type, schema_version, payload, metadata, recorded_at) \
                         FROM STDIN (FORMAT binary)"
                    ))
                    .await
                    .expect("copy in");
                let types = [
                    Type::INT8,
                    Type::INT8,
                    Type::INT8,
                    Type::UUID,
                    Type::TEXT,
                    Type::INT4,
                    Type::TEXT,
                    Type::TEXT,
                    Type::INT8,
                ];
                let mut writer = std::pin::pin!(BinaryCopyInWriter::new(sink, &types));
                for part in batch {
                    let stream_no = numbers[&part.stream];
                    for (version, event) in part.events.iter().enumerate() {
                        self.position += 1;
                        let row: [&(dyn ToSql + Sync); 9] = [
                            &self.position,
                            &stream_no,
                            &(version as i64),
                            &event.event_id,
                            &event.event_type,
                            &(event.schema_version as i32),
                            &Text(&event.payload),
                            &Text(&event.metadata),
                            &event
                                .recorded_at
                                .map_or(recorded_at, |t| t.as_microsecond()),
                        ];
                        writer.as_mut().write(&row).await.expect("copy row");
                    }
                }
                writer.finish().await.expect("copy finish");
            }
            PlainInsert::Unnest => {
                let mut columns = Columns::default();
                for part in batch {
                    let stream_no = numbers[&part.stream];
                    for (version, event) in part.events.iter().enumerate() {
                        self.position += 1;
                        columns.position.push(self.position);
                        columns.stream_no.push(stream_no);
                        columns.stream_version.push(version as i64);
                        columns.event_id.push(event.event_id);
                        columns.event_type.push(&event.event_type);
                        columns.schema_version.push(event.schema_version as i32);
                        columns.payload.push(Text(&event.payload));
                        columns.metadata.push(Text(&event.metadata));
                        columns.recorded_at.push(
                            event
                                .recorded_at
                                .map_or(recorded_at, |t| t.as_microsecond()),
                        );
                    }
                }
                transaction
                    .execute(
                        &format!(
                            "INSERT INTO {s}.events (position, stream_no, stream_version, \
                             event_id, event_type, schema_version, payload, metadata, recorded_at)
                             SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[],
                                 $4::uuid[], $5::text[], $6::integer[], $7::text[], $8::text[],
                                 $9::bigint[])"
                        ),
                        &[
                            &columns.position,
                            &columns.stream_no,
                            &columns.stream_version,
                            &columns.event_id,
                            &columns.event_type,
                            &columns.schema_version,
                            &columns.payload,
                            &columns.metadata,
                            &columns.recorded_at,
                        ],
                    )
                    .await
                    .expect("insert events");
            }
        }
        assert!(self.position > first);
        transaction
            .execute(
                &format!("UPDATE {s}.ledger_head SET position = $1"),
                &[&self.position],
            )
            .await
            .expect("head");
        transaction.commit().await.expect("commit");
        started.elapsed().as_secs_f64()
    }
}

/// A batch's events, column by column.
#[derive(Default)]
struct Columns<'a> {
    position: Vec<i64>,
    stream_no: Vec<i64>,
    stream_version: Vec<i64>,
    event_id: Vec<uuid::Uuid>,
    event_type: Vec<&'a String>,
    schema_version: Vec<i32>,
    payload: Vec<Text<'a>>,
    metadata: Vec<Text<'a>>,
    recorded_at: Vec<i64>,
}

/// Bytes known to be UTF-8 (encoded JSON), sent as text without a check.
#[derive(Debug)]
struct Text<'a>(&'a [u8]);

impl ToSql for Text<'_> {
    fn to_sql(
        &self,
        _: &Type,
        out: &mut tokio_postgres::types::private::BytesMut,
    ) -> Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        out.extend_from_slice(self.0);
        Ok(tokio_postgres::types::IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TEXT
    }

    tokio_postgres::types::to_sql_checked!();
}

/// A text column's bytes, borrowed from the row.
struct RawText<'a>(&'a [u8]);

impl<'a> FromSql<'a> for RawText<'a> {
    fn from_sql(
        _: &Type,
        raw: &'a [u8],
    ) -> Result<RawText<'a>, Box<dyn std::error::Error + Sync + Send>> {
        Ok(RawText(raw))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TEXT
    }
}

/// Rows decoded together on a blocking thread by [`plain_read`].
const DECODE_CHUNK: usize = 256;

/// Decode rows of the plain `SELECT` with [`amity_ledger::decode_stored`], straight from
/// them: how many.
fn decode_rows(rows: &[tokio_postgres::Row]) -> u64 {
    for row in rows {
        let position: i64 = row.get(0);
        let RawText(payload) = row.get(6);
        let RawText(metadata) = row.get(7);
        let stored = StoredEvent {
            position: Position::new(position as u64, position as u64),
            stream: row.get(1),
            stream_version: row.get::<_, i64>(2) as u64,
            event_id: row.get(3),
            event_type: row.get(4),
            schema_version: row.get::<_, i32>(5) as u32,
            payload,
            metadata,
            recorded_at: jiff::Timestamp::from_microsecond(row.get(8)).expect("time"),
        };
        amity_ledger::decode_stored(&stored).expect("decode");
    }
    rows.len() as u64
}

/// Read every event of `schema` with a plain `SELECT … ORDER BY position`, streamed, in
/// `connections` consecutive ranges of positions at once (one connection each), and decode
/// each with [`amity_ledger::decode_stored`] straight from the row, in chunks on blocking
/// threads while the next chunk arrives (as the store's lanes do): events read and seconds
/// taken.
pub async fn plain_read(url: &str, schema: &str, connections: i64) -> (u64, f64) {
    let started = Instant::now();
    let clients = futures_util::future::join_all((0..connections).map(|_| connect(url))).await;
    let last: i64 = clients[0]
        .query_one(
            &format!("SELECT coalesce(max(position), 0) FROM {schema}.events"),
            &[],
        )
        .await
        .expect("last")
        .get(0);
    let share = (last + connections - 1) / connections;
    let sql = format!(
        "SELECT e.position, s.name, e.stream_version, e.event_id, e.event_type,
                e.schema_version, e.payload, e.metadata, e.recorded_at
         FROM {schema}.events e JOIN {schema}.streams s USING (stream_no)
         WHERE e.position > $1 AND e.position <= $2 ORDER BY e.position"
    );
    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(index, client)| {
            let sql = sql.clone();
            let (from, to) = (index as i64 * share, (index as i64 + 1) * share);
            tokio::spawn(async move {
                let params: [&(dyn ToSql + Sync); 2] = [&from, &to];
                let rows = client.query_raw(&sql, params).await.expect("select");
                let mut rows = std::pin::pin!(rows);
                let mut count = 0u64;
                let mut decoding: Option<tokio::task::JoinHandle<u64>> = None;
                let mut chunk = Vec::with_capacity(DECODE_CHUNK);
                loop {
                    let row = rows.next().await.map(|row| row.expect("row"));
                    let done = row.is_none();
                    chunk.extend(row);
                    if chunk.len() == DECODE_CHUNK || (done && !chunk.is_empty()) {
                        if let Some(previous) = decoding.take() {
                            count += previous.await.expect("decode");
                        }
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(DECODE_CHUNK));
                        decoding = Some(tokio::task::spawn_blocking(move || decode_rows(&full)));
                    }
                    if done {
                        break;
                    }
                }
                if let Some(previous) = decoding {
                    count += previous.await.expect("decode");
                }
                count
            })
        })
        .collect();
    let mut count = 0;
    for task in tasks {
        count += task.await.expect("plain reader");
    }
    (count, started.elapsed().as_secs_f64())
}
