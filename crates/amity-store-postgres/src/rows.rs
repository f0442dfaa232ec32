//! Event rows both ways: a row read back as a recorded event, and events to insert gathered
//! column by column.

use amity_store::{NewEvent, Position, RecordedEvent, Result, SmolStr};
use tokio_postgres::Row;

use crate::connection::backend_error;

/// An event from a row with its stream's name in column 1.
pub(crate) fn read_event(row: &Row) -> Result<RecordedEvent> {
    read_event_in(row, row.get::<_, &str>(1).into())
}

/// An event row whose column 1 (the stream) is given as `stream`.
pub(crate) fn read_event_in(row: &Row, stream: SmolStr) -> Result<RecordedEvent> {
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

/// Events to insert, column by column (for one `UNNEST` insert), borrowing their text.
#[derive(Default)]
pub(crate) struct EventRows<'a> {
    /// The events' `position` column.
    pub(crate) position: Vec<i64>,
    /// The events' `stream_no` column (filled in once new streams have their numbers).
    pub(crate) stream_no: Vec<i64>,
    /// The events' `stream_version` column.
    pub(crate) stream_version: Vec<i64>,
    /// The events' `event_id` column.
    pub(crate) event_id: Vec<uuid::Uuid>,
    /// The events' `event_type` column.
    pub(crate) event_type: Vec<&'a str>,
    /// The events' `schema_version` column.
    pub(crate) schema_version: Vec<i32>,
    /// The events' `payload` column.
    pub(crate) payload: Vec<&'a str>,
    /// The events' `metadata` column.
    pub(crate) metadata: Vec<&'a str>,
    /// The events' `recorded_at` column.
    pub(crate) recorded_at: Vec<i64>,
}

impl<'a> EventRows<'a> {
    /// Add an event's row (all but its stream's number).
    pub(crate) fn push(
        &mut self,
        position: i64,
        stream_version: i64,
        event: &'a NewEvent,
        recorded_at: i64,
    ) -> Result<()> {
        self.position.push(position);
        self.stream_version.push(stream_version);
        self.event_id.push(event.event_id);
        self.event_type.push(&event.event_type);
        self.schema_version.push(event.schema_version as i32);
        self.payload.push(text(&event.payload)?);
        self.metadata.push(text(&event.metadata)?);
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
