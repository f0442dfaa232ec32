//! The archival interchange format: JSON Lines, one stored event per line, in global order.
//!
//! Each line is the envelope and the payload exactly as stored (the payload is the JSON that
//! `events-schema/` describes, copied byte for byte):
//!
//! ```json
//! {"event_id":"…","stream":"ru:smolensk+us-co:colorado-springs","stream_version":0,
//!  "type":"PartnershipFounded","schema_version":1,"recorded_by":"…",
//!  "recorded_at":"2026-11-23T19:26:35.483045Z","payload":{…}}
//! ```
//!
//! Importing keeps event ids, stream versions and transaction times, so an export imported
//! into an empty ledger exports again byte for byte, and importing the same file twice adds
//! nothing. An import validates the whole file first (every line decodes, versions follow each
//! other per stream; the same line twice counts once, one id on two different lines is an
//! error; texts and lines within [`crate::import::limits`]; no `recorded_at` later than now
//! and [`CLOCK_SKEW`]) and by default writes nothing if any line is bad; it then writes in
//! batches of [`BATCH_LINES`] lines, each batch atomic, so that running it again after a crash
//! finishes the job and writes nothing twice.

use amity_store::{NewEvent, Position};
use serde::Serialize;

use crate::{Ledger, Result};

mod diagnose;
mod export;
mod format;
mod import;
pub mod views;

pub use crate::import::{ImportOptions, ImportSummary};
pub use export::export;
use format::{parts_of, Valid};
pub use format::{BATCH_LINES, CLOCK_SKEW};
pub use import::{import, import_bytes};

/// What a copy between stores did.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct CopySummary {
    /// Events read from the source.
    pub events_read: u64,
    /// Events written to the target.
    pub events_written: u64,
    /// Events the target held already (a resumed copy).
    pub duplicates_skipped: u64,
}

/// Copy every event of `from` into `to`, in global order, keeping ids, streams, versions,
/// metadata and transaction times. Each page is one atomic append, so a copy that stops can be
/// run again: what was copied is recognised by its ids and skipped.
pub async fn copy(
    from: &Ledger,
    to: &Ledger,
    progress: &mut dyn FnMut(u64),
) -> Result<CopySummary> {
    let mut summary = CopySummary::default();
    let mut after = Position::START;
    loop {
        let page = from.store().read_all(after, BATCH_LINES).await?;
        let Some(last) = page.last() else { break };
        after = last.position;
        summary.events_read += page.len() as u64;
        let lines: Vec<Valid> = page
            .into_iter()
            .map(|event| Valid {
                stream: event.stream.into(),
                stream_version: event.stream_version,
                event: NewEvent {
                    event_id: event.event_id,
                    event_type: event.event_type.into(),
                    schema_version: event.schema_version,
                    payload: event.payload,
                    metadata: event.metadata,
                    recorded_at: Some(event.recorded_at),
                },
            })
            .collect();
        let parts = parts_of(lines);
        let sizes: Vec<u64> = parts.iter().map(|p| p.events.len() as u64).collect();
        let outcomes = to.store().append_many(parts).await?;
        for (outcome, size) in outcomes.iter().zip(sizes) {
            summary.events_written += outcome.written as u64;
            summary.duplicates_skipped += size - outcome.written as u64;
        }
        progress(summary.events_read);
    }
    Ok(summary)
}

#[cfg(test)]
#[path = "../archive_tests.rs"]
mod tests;
