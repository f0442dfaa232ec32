//! Exporting: every stored event as one archive line, in global order.

use std::io::Write;

use amity_store::Position;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::{Error, Ledger, Metadata, Result};

#[derive(Serialize)]
struct LineOut<'a> {
    event_id: uuid::Uuid,
    stream: &'a str,
    stream_version: u64,
    #[serde(rename = "type")]
    event_type: &'a str,
    schema_version: u32,
    recorded_by: &'a str,
    recorded_at: String,
    payload: &'a RawValue,
}

/// Write every event in global order; returns how many.
pub async fn export(
    ledger: &Ledger,
    out: &mut dyn Write,
    known_at: Option<jiff::Timestamp>,
) -> Result<u64> {
    let store = ledger.store();
    let mut after = Position::START;
    let mut count = 0;
    let output = |source: std::io::Error| Error::Output { source };
    loop {
        let page = store.read_all(after, 10_000).await?;
        let Some(last) = page.last() else { break };
        after = last.position;
        for event in &page {
            if known_at.is_some_and(|moment| event.recorded_at > moment) {
                continue;
            }
            let unexportable =
                |part, source: Box<dyn std::error::Error + Send + Sync>| Error::Unexportable {
                    event_id: event.event_id,
                    part,
                    source,
                };
            let metadata: Metadata = serde_json::from_slice(&event.metadata)
                .map_err(|e| unexportable("metadata", e.into()))?;
            let payload_text = std::str::from_utf8(&event.payload)
                .map_err(|e| unexportable("payload", e.into()))?;
            let payload: &RawValue = serde_json::from_str(payload_text)
                .map_err(|e| unexportable("payload", e.into()))?;
            let line = LineOut {
                event_id: event.event_id,
                stream: &event.stream,
                stream_version: event.stream_version,
                event_type: &event.event_type,
                schema_version: event.schema_version,
                recorded_by: &metadata.recorded_by,
                recorded_at: event.recorded_at.to_string(),
                payload,
            };
            serde_json::to_writer(&mut *out, &line).map_err(|e| output(e.into()))?;
            out.write_all(b"\n").map_err(output)?;
            count += 1;
        }
    }
    out.flush().map_err(output)?;
    Ok(count)
}
