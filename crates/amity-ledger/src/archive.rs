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
//! other per stream) and by default writes nothing if any line is bad; it then writes in
//! batches of [`BATCH_LINES`] lines, each batch atomic, so that running it again after a crash
//! finishes the job and writes nothing twice.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write};
use std::path::Path;

use amity_domain::{EventType, Milestone, MILESTONES_STREAM, MILESTONE_RECORDED};
use amity_store::{ExpectedVersion, NewEvent, Position, StreamAppend};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::{Error, Ledger, Metadata, Result};

/// Lines per atomic batch.
pub const BATCH_LINES: usize = 2_000;

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LineIn<'a> {
    event_id: uuid::Uuid,
    #[serde(borrow)]
    stream: std::borrow::Cow<'a, str>,
    stream_version: u64,
    #[serde(rename = "type", borrow)]
    event_type: std::borrow::Cow<'a, str>,
    schema_version: u32,
    #[serde(borrow)]
    recorded_by: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    recorded_at: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
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
    let io = |error: std::io::Error| Error::Io(error.to_string());
    loop {
        let page = store.read_all(after, 10_000).await?;
        let Some(last) = page.last() else { break };
        after = last.position;
        for event in &page {
            if known_at.is_some_and(|moment| event.recorded_at > moment) {
                continue;
            }
            let metadata: Metadata = serde_json::from_slice(&event.metadata)
                .map_err(|e| Error::Io(format!("event {}: metadata: {e}", event.event_id)))?;
            let payload_text = std::str::from_utf8(&event.payload)
                .map_err(|e| Error::Io(format!("event {}: payload: {e}", event.event_id)))?;
            let payload: &RawValue = serde_json::from_str(payload_text)
                .map_err(|e| Error::Io(format!("event {}: payload: {e}", event.event_id)))?;
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
            serde_json::to_writer(&mut *out, &line).map_err(|e| Error::Io(e.to_string()))?;
            out.write_all(b"\n").map_err(io)?;
            count += 1;
        }
    }
    out.flush().map_err(io)?;
    Ok(count)
}

/// What to do with bad lines.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Write the valid lines and report the rejected ones (default: write nothing if any is bad).
    pub skip_invalid: bool,
    /// Validate only.
    pub dry_run: bool,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportSummary {
    /// Lines read (blank lines excepted).
    pub rows_read: u64,
    /// Events written.
    pub events_written: u64,
    /// Events already in the ledger (same ids): not written again.
    pub duplicates_skipped: u64,
    /// Rejected lines, as `FILE:LINE: field: reason`.
    pub rejected: Vec<String>,
    /// What an import decided that a reader should check: homonyms it split into different
    /// parties, same-named parties it took for one (a list import).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Whether anything was written (false for a dry run or a refused file).
    pub wrote: bool,
}

/// One valid line, ready to append.
struct Valid {
    stream: String,
    stream_version: u64,
    event: NewEvent,
}

/// Check one line; the error is `field: reason`. Without `decode`, the payload is taken as
/// already validated (the second pass of an import).
fn check_line(text: &str, decode: bool, keep: bool) -> std::result::Result<Valid, String> {
    let line: LineIn<'_> = serde_json::from_str(text).map_err(|error| {
        let message = error.to_string();
        match message.split_once('`') {
            Some((_, rest)) => format!("{}: {message}", rest.split('`').next().unwrap_or("line")),
            None => format!("line: {message}"),
        }
    })?;
    let payload = line.payload.get().as_bytes();
    if decode {
        check_payload(&line, payload)?;
    }
    let recorded_at: jiff::Timestamp = line
        .recorded_at
        .parse()
        .map_err(|e| format!("recorded_at: {e}"))?;
    // The checking pass needs only the envelope (and, into a ledger that holds events, the
    // payload to compare with a stored event of the same id); the writing pass the payload.
    let (payload, metadata) = if decode {
        (if keep { payload.to_vec() } else { Vec::new() }, Vec::new())
    } else {
        let metadata = Metadata {
            recorded_by: line.recorded_by.into_owned(),
        };
        (
            payload.to_vec(),
            serde_json::to_vec(&metadata).expect("metadata serializes"),
        )
    };
    Ok(Valid {
        stream: line.stream.into_owned(),
        stream_version: line.stream_version,
        event: NewEvent {
            event_id: line.event_id,
            event_type: line.event_type.into_owned(),
            schema_version: line.schema_version,
            payload,
            metadata,
            recorded_at: Some(recorded_at),
        },
    })
}

/// Check that a line's payload decodes and belongs to its stream.
fn check_payload(line: &LineIn<'_>, payload: &[u8]) -> std::result::Result<(), String> {
    if line.event_type == MILESTONE_RECORDED {
        if line.stream != MILESTONES_STREAM {
            return Err(format!(
                "stream: a milestone belongs in stream {MILESTONES_STREAM}"
            ));
        }
        Milestone::decode(&line.event_type, line.schema_version, payload)
            .map_err(|e| format!("payload: {}", e.reason))?;
    } else if amity_domain::is_register_stream(&line.stream) {
        let event =
            amity_domain::RegisterEvent::decode(&line.event_type, line.schema_version, payload)
                .map_err(|e| format!("payload: {}", e.reason))?;
        if event.stream() != line.stream {
            return Err(format!(
                "stream: this event belongs in stream {}",
                event.stream()
            ));
        }
    } else {
        if EventType::from_name(&line.event_type).is_none() {
            return Err(format!("type: unknown event type {:?}", line.event_type));
        }
        let (_, event) =
            crate::codec::decode_body(&line.stream, &line.event_type, line.schema_version, payload)
                .map_err(|error| error.to_string())?;
        if let Some(field) = event.field_with_nul() {
            return Err(format!(
                "payload: {field} holds a NUL character (U+0000); remove it"
            ));
        }
    }
    Ok(())
}

/// The lines of an archive, checked one by one, with the version chain checked per stream
/// (each stream's versions must follow each other).
/// Non-blank lines with their numbers in the file.
type RawLines = Vec<(u64, Vec<u8>)>;

struct Lines {
    /// Chunks of lines, read ahead on their own thread.
    chunks: std::sync::mpsc::Receiver<Result<RawLines>>,
    next_version: HashMap<String, u64>,
    broken: std::collections::HashSet<String>,
    decode: bool,
    /// Keep the payload of a decoded line (to compare it with a stored event of the same id).
    keep_payload: bool,
}

impl Lines {
    /// Open an archive, to be read `chunk` lines at a time; the next chunk is read from the
    /// file while the current one is checked.
    fn open(path: &Path, decode: bool, chunk: usize) -> Result<Lines> {
        let file =
            std::fs::File::open(path).map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
        let name = path.display().to_string();
        let (sender, chunks) = std::sync::mpsc::sync_channel(1);
        std::thread::spawn(move || {
            let mut lines = std::io::BufReader::with_capacity(1 << 20, file).split(b'\n');
            let mut number = 0u64;
            loop {
                let mut raw: RawLines = Vec::with_capacity(chunk);
                let mut failed = None;
                while raw.len() < chunk {
                    let Some(line) = lines.next() else { break };
                    number += 1;
                    match line {
                        Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => {}
                        Ok(bytes) => raw.push((number, bytes)),
                        Err(e) => {
                            failed = Some(Error::Io(format!("{name}:{number}: {e}")));
                            break;
                        }
                    }
                }
                let last = raw.is_empty() || failed.is_some();
                let message = match failed {
                    Some(error) => Err(error),
                    None => Ok(raw),
                };
                // The receiver hung up (the import stopped early): nothing left to do.
                if sender.send(message).is_err() || last {
                    break;
                }
            }
        });
        Ok(Lines {
            chunks,
            next_version: HashMap::new(),
            broken: std::collections::HashSet::new(),
            decode,
            keep_payload: false,
        })
    }

    /// Reject every later line of this stream.
    fn mark_broken(&mut self, stream: &str) {
        self.broken.insert(stream.to_owned());
    }

    /// The next chunk of non-blank lines with their numbers and verdicts (empty at the end).
    /// Lines are decoded on two threads; the version chain is then checked in file order.
    fn next_chunk(&mut self) -> Result<Vec<(u64, std::result::Result<Valid, String>)>> {
        let raw = match self.chunks.recv() {
            Ok(chunk) => chunk?,
            // The reader ends after sending the last (empty) chunk.
            Err(_) => Vec::new(),
        };
        let (decode, keep) = (self.decode, self.keep_payload);
        let check = |bytes: &[u8]| match std::str::from_utf8(bytes) {
            Ok(text) => check_line(text, decode, keep),
            Err(_) => Err("line: invalid UTF-8".to_owned()),
        };
        let (first, second) = raw.split_at(raw.len() / 2);
        let (mut checked, rest) = std::thread::scope(|scope| {
            let other = scope.spawn(|| second.iter().map(|(_, b)| check(b)).collect::<Vec<_>>());
            let mine: Vec<_> = first.iter().map(|(_, b)| check(b)).collect();
            (mine, other.join().expect("decoding thread"))
        });
        checked.extend(rest);
        let mut out = Vec::with_capacity(raw.len());
        for ((number, bytes), verdict) in raw.iter().zip(checked) {
            let verdict = verdict.and_then(|valid| {
                if self.broken.contains(&valid.stream) {
                    return Err(
                        "stream_version: follows a rejected line of the same stream".to_owned()
                    );
                }
                match self.next_version.get(&valid.stream) {
                    Some(&expected) if expected != valid.stream_version => Err(format!(
                        "stream_version: expected {expected} after the previous line of {}, found {}",
                        valid.stream, valid.stream_version
                    )),
                    _ => Ok(valid),
                }
            });
            match &verdict {
                Ok(valid) => {
                    self.next_version
                        .insert(valid.stream.clone(), valid.stream_version + 1);
                }
                Err(_) => {
                    let stream = serde_json::from_slice::<serde_json::Value>(bytes)
                        .ok()
                        .and_then(|line| line.get("stream")?.as_str().map(str::to_owned));
                    if let Some(stream) = stream {
                        self.broken.insert(stream);
                    }
                }
            }
            out.push((*number, verdict));
        }
        Ok(out)
    }
}

/// A stored event as an import compares it: id, type, schema version, payload.
type Held = (uuid::Uuid, String, u32, Vec<u8>);

/// Whether a stored event and a line's event say the same thing: type, schema version and
/// payload (as JSON values, so that spacing or key order do not count), never who recorded it
/// or when.
fn same_content(stored: (&str, u32, &[u8]), event: &NewEvent) -> bool {
    let (event_type, schema_version, payload) = stored;
    let value = |bytes: &[u8]| serde_json::from_slice::<serde_json::Value>(bytes).ok();
    event_type == event.event_type
        && schema_version == event.schema_version
        && (payload == event.payload.as_slice()
            || (value(payload).is_some() && value(payload) == value(&event.payload)))
}

/// One batch as per-stream parts, and how many events each part has.
fn parts_of(lines: Vec<Valid>) -> Vec<StreamAppend> {
    // Consecutive lines of one stream make one part; parts keep the file's order, so the
    // global order of the archive is the global order of the import.
    let mut parts: Vec<StreamAppend> = Vec::new();
    for valid in lines {
        match parts.last_mut() {
            Some(part) if part.stream == valid.stream => part.events.push(valid.event),
            _ => parts.push(StreamAppend {
                expected: match valid.stream_version {
                    0 => ExpectedVersion::NoStream,
                    n => ExpectedVersion::Exact(n - 1),
                },
                stream: valid.stream,
                events: vec![valid.event],
            }),
        }
    }
    parts
}

/// A batch being written: the append, and the sizes of its parts.
type InFlight = (
    tokio::task::JoinHandle<amity_store::Result<Vec<amity_store::Appended>>>,
    Vec<u64>,
);

/// Wait for a batch and count what was new.
async fn settle(in_flight: InFlight, summary: &mut ImportSummary) -> Result<()> {
    let (task, sizes) = in_flight;
    let outcomes = task
        .await
        .map_err(|error| Error::Store(amity_store::Error::backend("import", error)))??;
    for (outcome, size) in outcomes.iter().zip(sizes) {
        summary.events_written += outcome.written as u64;
        summary.duplicates_skipped += size - outcome.written as u64;
    }
    Ok(())
}

/// Start writing a batch atomically (batches are written one after another, in order).
fn start(ledger: &Ledger, lines: Vec<Valid>) -> Option<InFlight> {
    let parts = parts_of(lines);
    if parts.is_empty() {
        return None;
    }
    let sizes = parts.iter().map(|p| p.events.len() as u64).collect();
    let store = ledger.store().clone();
    Some((
        tokio::spawn(async move { store.append_many(parts).await }),
        sizes,
    ))
}

/// Import a JSON Lines archive (see the module docs). `progress(lines)` is called as lines are
/// written.
pub async fn import(
    ledger: &Ledger,
    path: &Path,
    options: ImportOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<ImportSummary> {
    let mut summary = ImportSummary::default();
    let name = path.display().to_string();
    // First pass: every line decodes, ids are unique, and each stream continues what the
    // ledger holds, so that the write cannot fail half-way on anything the file says.
    let mut rejected_lines: HashSet<u64> = HashSet::new();
    let mut ids: HashSet<uuid::Uuid> = HashSet::new();
    // Per stream, the events the ledger holds: id, type, schema version and payload.
    let mut in_ledger: HashMap<String, Vec<Held>> = HashMap::new();
    let mut seen_streams: HashSet<String> = HashSet::new();
    // Streams with a line rejected here (the chunk's own chain check ran before).
    let mut rejected_streams: HashSet<String> = HashSet::new();
    let ledger_is_empty = ledger
        .store()
        .read_all(amity_store::Position::START, 1)
        .await?
        .is_empty();
    let mut lines = Lines::open(path, true, 8_192)?;
    lines.keep_payload = !ledger_is_empty;
    loop {
        let chunk = lines.next_chunk()?;
        if chunk.is_empty() {
            break;
        }
        for (number, checked) in chunk {
            summary.rows_read += 1;
            let checked = match checked {
                Err(reason) => Err(reason),
                Ok(valid) => {
                    let stream = valid.stream.clone();
                    let first = seen_streams.insert(stream.clone());
                    if !in_ledger.contains_key(&stream) {
                        // Into an empty ledger (the usual case) there is nothing to look up.
                        let held = if ledger_is_empty {
                            Vec::new()
                        } else {
                            let stored = ledger.store().read_stream(&stream, 0, usize::MAX).await?;
                            stored
                                .into_iter()
                                .map(|e| {
                                    (
                                        e.event_id,
                                        e.event_type.to_string(),
                                        e.schema_version,
                                        e.payload,
                                    )
                                })
                                .collect()
                        };
                        in_ledger.insert(stream.clone(), held);
                    }
                    let stored = &in_ledger[&stream];
                    let version = valid.stream_version as usize;
                    let verdict = if rejected_streams.contains(&stream) {
                        Err("stream_version: follows a rejected line of the same stream".to_owned())
                    } else if !ids.insert(valid.event.event_id) {
                        Err(format!(
                            "event_id: {} is used by an earlier line",
                            valid.event.event_id
                        ))
                    } else if let Some((held, held_type, held_schema, held_payload)) =
                        stored.get(version)
                    {
                        if *held != valid.event.event_id {
                            Err(format!(
                                "stream_version: the ledger holds another event ({held}) at version {version} of {stream}"
                            ))
                        } else if !same_content(
                            (held_type, *held_schema, held_payload),
                            &valid.event,
                        ) {
                            Err(format!(
                                "event_id: {held} is stored with other content (a {held_type} at version {version} of {stream}); nothing was imported: give this event a new id"
                            ))
                        } else {
                            Ok(())
                        }
                    } else if first && version > stored.len() {
                        Err(format!(
                        "stream_version: {stream} starts at version {version} here, but the ledger holds {} of its events",
                        stored.len()
                    ))
                    } else {
                        Ok(())
                    };
                    if verdict.is_err() {
                        lines.mark_broken(&stream);
                        rejected_streams.insert(stream);
                    }
                    verdict
                }
            };
            if let Err(reason) = checked {
                summary.rejected.push(format!("{name}:{number}: {reason}"));
                rejected_lines.insert(number);
            }
        }
    }
    if options.dry_run || (!summary.rejected.is_empty() && !options.skip_invalid) {
        return Ok(summary);
    }
    // Second pass: stream the lines accepted by the first into atomic batches (their payloads
    // were decoded already).
    let mut lines = Lines::open(path, false, BATCH_LINES)?;
    // The next batch is read while the previous one is written.
    let mut batch: Vec<Valid> = Vec::with_capacity(BATCH_LINES);
    let mut in_flight: Option<InFlight> = None;
    let mut done = 0;
    loop {
        let chunk = lines.next_chunk()?;
        if chunk.is_empty() {
            break;
        }
        for (number, checked) in chunk {
            done += 1;
            if let (Ok(valid), false) = (checked, rejected_lines.contains(&number)) {
                batch.push(valid);
            }
            if batch.len() == BATCH_LINES {
                if let Some(previous) = in_flight.take() {
                    settle(previous, &mut summary).await?;
                }
                in_flight = start(ledger, std::mem::take(&mut batch));
                progress(done);
            }
        }
    }
    if let Some(previous) = in_flight.take() {
        settle(previous, &mut summary).await?;
    }
    if let Some(last) = start(ledger, batch) {
        settle(last, &mut summary).await?;
    }
    progress(done);
    summary.wrote = summary.events_written > 0;
    Ok(summary)
}

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
#[path = "archive_tests.rs"]
mod tests;
