//! [`PostgresEventStore`]: its connections (one writer, two readers) and the [`EventStore`]
//! implementation over them.

use std::sync::Arc;

use amity_store::{
    Appended, EventId, EventStore, IntegrityProblem, LogCheckpoint, LogLeaf, Position,
    RecordedEvent, Result, StreamAppend,
};
use async_trait::async_trait;
use tokio::sync::Mutex;
use tokio_postgres::Client;

use crate::append::append_parts;
use crate::connection::{backend_error, connect, BACKEND};
use crate::feed::{FeedReader, StreamNames};
use crate::integrity::check_integrity;
use crate::log::{
    add_log_checkpoint, keep_log_leaves, kept_log_leaves, kept_log_leaves_of, log_checkpoints,
    log_frontier, save_log_frontier,
};
use crate::rows::read_event;
use crate::schema::{migrate, Schema};
use crate::url::parse_url;

/// A PostgreSQL event store: one connection for appends, one for reads.
#[derive(Debug, Clone)]
pub struct PostgresEventStore {
    schema: Schema,
    writer: Arc<Mutex<Client>>,
    reader: Arc<Mutex<Client>>,
    /// A second reading connection: a large page of the feed is read in two halves at once.
    second_reader: Arc<Mutex<Client>>,
    /// The names of the streams the feed has met, by number (numbers never change, so this
    /// never goes stale): reading the feed then needs no join.
    stream_names: Arc<std::sync::Mutex<StreamNames>>,
}

impl PostgresEventStore {
    /// Connect to the store named by a `postgres://` URL; its optional `schema` parameter
    /// names the schema (default `amity`).
    pub async fn connect(url: &str) -> Result<PostgresEventStore> {
        let (config, schema) = parse_url(url)?;
        let mut writer = connect(&config).await?;
        let reader = connect(&config).await?;
        let second_reader = connect(&config).await?;
        let schema = Schema(schema);
        migrate(&mut writer, &schema).await?;
        Ok(PostgresEventStore {
            schema,
            writer: Arc::new(Mutex::new(writer)),
            reader: Arc::new(Mutex::new(reader)),
            second_reader: Arc::new(Mutex::new(second_reader)),
            stream_names: Arc::default(),
        })
    }

    /// The schema the tables live in.
    pub fn schema(&self) -> &str {
        self.schema.name()
    }

    /// The query of an event with its stream's name, as [`read_event`] reads it.
    fn select_event(&self) -> String {
        self.schema.sql(
            "SELECT e.position, s.name, e.stream_version, e.event_id, e.event_type,
                    e.schema_version, e.payload, e.metadata, e.recorded_at
             FROM {s}.events e JOIN {s}.streams s USING (stream_no)",
        )
    }
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
        let feed = FeedReader {
            schema: &self.schema,
            reader: &self.reader,
            second_reader: &self.second_reader,
            stream_names: &self.stream_names,
        };
        feed.read_page(after, max).await
    }

    fn atomic_multi_stream(&self) -> bool {
        true
    }

    async fn append_many(&self, appends: Vec<StreamAppend>) -> Result<Vec<Appended>> {
        let mut client = self.writer.lock().await;
        append_parts(&mut client, &self.schema, appends).await
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

    /// In one read-only snapshot, in the database: only the broken steps and the streams'
    /// counts come back, no payload.
    async fn check_integrity(&self) -> Result<Vec<IntegrityProblem>> {
        let mut client = self.second_reader.lock().await;
        check_integrity(&mut client, &self.schema).await
    }

    async fn log_checkpoints(&self) -> Result<Vec<LogCheckpoint>> {
        let client = self.reader.lock().await;
        log_checkpoints(&client, &self.schema).await
    }

    async fn add_log_checkpoint(
        &self,
        tree_size: u64,
        note: String,
        frontier: Vec<u8>,
    ) -> Result<LogCheckpoint> {
        let mut client = self.writer.lock().await;
        add_log_checkpoint(&mut client, &self.schema, (tree_size, note, frontier)).await
    }

    async fn log_frontier(&self) -> Result<Option<(u64, Vec<u8>)>> {
        let client = self.reader.lock().await;
        log_frontier(&client, &self.schema).await
    }

    async fn save_log_frontier(&self, tree_size: u64, frontier: Vec<u8>) -> Result<()> {
        let client = self.writer.lock().await;
        save_log_frontier(&client, &self.schema, tree_size, frontier).await
    }

    async fn keep_log_leaves(&self, leaves: Vec<LogLeaf>) -> Result<()> {
        if leaves.is_empty() {
            return Ok(());
        }
        let client = self.writer.lock().await;
        keep_log_leaves(&client, &self.schema, &leaves).await
    }

    async fn kept_log_leaves(&self, from: u64, limit: usize) -> Result<Vec<LogLeaf>> {
        let client = self.reader.lock().await;
        kept_log_leaves(&client, &self.schema, from, limit).await
    }

    async fn kept_log_leaves_of(&self, events: &[EventId]) -> Result<Vec<LogLeaf>> {
        let client = self.reader.lock().await;
        kept_log_leaves_of(&client, &self.schema, events).await
    }
}
