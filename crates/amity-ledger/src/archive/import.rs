//! Importing an archive: the whole file checked first, then written in atomic batches.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use amity_store::NewEvent;

use super::format::{parts_of, Lines, Valid, Verdict, BATCH_LINES};
use crate::import::{ImportOptions, ImportSummary, Progress};
use crate::{Error, Ledger, Result};

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

/// A batch being written: the append, and the sizes of its parts.
type InFlight = (
    tokio::task::JoinHandle<amity_store::Result<Vec<amity_store::Appended>>>,
    Vec<u64>,
);

/// Wait for a batch and count what was new.
pub(super) async fn settle(in_flight: InFlight, summary: &mut ImportSummary) -> Result<()> {
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
pub(super) fn start(ledger: &Ledger, lines: Vec<Valid>) -> Option<InFlight> {
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

/// Import a JSON Lines archive (see the module docs). `progress` hears of the lines checked
/// ([`Progress::Read`]), then of the lines written ([`Progress::Written`], counting every line
/// of the file up to there) and the end ([`Progress::Finished`]).
pub async fn import(
    ledger: &Ledger,
    path: &Path,
    options: ImportOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ImportSummary> {
    import_from(ledger, &Input::File(path), options, progress).await
}

/// [`import`] of an archive held in memory, named `name` in messages (the CSV views read back
/// are turned into one: `crate::import::views`).
pub async fn import_bytes(
    ledger: &Ledger,
    name: &str,
    lines: Vec<u8>,
    options: ImportOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ImportSummary> {
    let input = Input::Memory(name, std::sync::Arc::from(lines));
    import_from(ledger, &input, options, progress).await
}

/// Where an archive is read from.
enum Input<'a> {
    /// A file.
    File(&'a Path),
    /// Bytes in memory, and the name they go by.
    Memory(&'a str, std::sync::Arc<[u8]>),
}

impl Input<'_> {
    /// The archive as named to the user.
    fn name(&self) -> String {
        match self {
            Input::File(path) => path.display().to_string(),
            Input::Memory(name, _) => (*name).to_owned(),
        }
    }

    /// Its lines, read from the start (see [`Lines::open`]).
    fn lines(&self, decode: bool, chunk: usize) -> Result<Lines> {
        match self {
            Input::File(path) => Lines::open(path, decode, chunk),
            Input::Memory(name, bytes) => Ok(Lines::from_reader(
                std::io::Cursor::new(bytes.clone()),
                Path::new(name),
                decode,
                chunk,
            )),
        }
    }
}

/// [`import`] from either input.
async fn import_from(
    ledger: &Ledger,
    input: &Input<'_>,
    options: ImportOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ImportSummary> {
    let mut summary = ImportSummary::default();
    let name = input.name();
    // First pass: every line decodes, ids are unique, and each stream continues what the
    // ledger holds, so that the write cannot fail half-way on anything the file says.
    let mut rejected_lines: HashSet<u64> = HashSet::new();
    // Lines that repeat an earlier one whole: skipped by the second pass too.
    let mut repeated_lines: HashSet<u64> = HashSet::new();
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
    let mut lines = input.lines(true, 8_192)?;
    lines.keep_payload = !ledger_is_empty;
    loop {
        let chunk = lines.next_chunk()?;
        if chunk.is_empty() {
            break;
        }
        for (number, checked) in chunk {
            summary.rows_read += 1;
            let checked = match checked {
                Verdict::Rejected(reason) => Err(reason),
                // The same line again ([`Lines`] tells it from another with the same id).
                Verdict::Repeat => {
                    summary.duplicates_skipped += 1;
                    repeated_lines.insert(number);
                    continue;
                }
                Verdict::Valid(valid) => {
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
        progress(Progress::Read {
            rows: summary.rows_read,
        });
    }
    if options.dry_run || (!summary.rejected.is_empty() && !options.skip_invalid) {
        return Ok(summary);
    }
    // Second pass: stream the lines accepted by the first into atomic batches (their payloads
    // were decoded already).
    // The first pass's reader goes first: its map of the ids read is no longer needed (the
    // second pass keeps none, and is told the repeated lines by number).
    drop(lines);
    let mut lines = input.lines(false, BATCH_LINES)?;
    lines.repeats = std::mem::take(&mut repeated_lines);
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
            if let (Verdict::Valid(valid), false) = (checked, rejected_lines.contains(&number)) {
                batch.push(valid);
            }
            if batch.len() == BATCH_LINES {
                if let Some(previous) = in_flight.take() {
                    settle(previous, &mut summary).await?;
                }
                in_flight = start(ledger, std::mem::take(&mut batch));
                progress(Progress::Written { done });
            }
        }
    }
    if let Some(previous) = in_flight.take() {
        settle(previous, &mut summary).await?;
    }
    if let Some(last) = start(ledger, batch) {
        settle(last, &mut summary).await?;
    }
    progress(Progress::Written { done });
    progress(Progress::Finished);
    summary.wrote = summary.events_written > 0;
    Ok(summary)
}
