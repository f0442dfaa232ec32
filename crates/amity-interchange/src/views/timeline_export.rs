//! The `timeline` view of a whole ledger, read and written at once. One thread reads the stored
//! events in batches; two threads format each batch's rows as they come, all but the cells an
//! entry's history derives ([`DERIVED`]), while this thread reads the histories' placements and
//! then formats too. At the end the rows are put in the order of the histories, their derived
//! cells written between the stored ones. The same rows as [`super::write_timeline`] given the
//! whole feed (the reference: see the tests), without holding every stored event at once.

use std::fmt::Write as _;
use std::io::Write;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};

use amity_ledger::archive::views::{TIMELINE, TIMELINE_END};
use amity_ledger::{EventId, Ledger, Position};
use amity_projections::placement::Placement;
use amity_projections::Projections;
use rustc_hash::FxHashMap;

use super::cells::{RowFormat, ViewWriter};
use super::feed::{stored, Stored};
use super::timeline::{derived_cells, timeline_row, MadeCells, DERIVED};
use crate::Result;

/// Stored events read, and handed to a formatting thread, at a time.
const BATCH: usize = 1_024;

/// Batches read ahead of the formatting threads at most: the reading waits beyond, so that a
/// large ledger is not held in memory whole while its rows are formatted.
const AHEAD: usize = 8;

/// Rows put together before they are written out.
const WRITE_CHUNK: usize = 256;

/// Where a row goes: the rows the histories place, in their order, then the rows of events no
/// history shows, in log order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum RowKey {
    /// The index of the event's first placement.
    Placed(usize),
    /// The event's log index.
    Unplaced(u64),
}

/// The histories' placements, each event's first one findable by the event's id.
struct Places {
    placements: Vec<Placement>,
    first: FxHashMap<EventId, usize>,
}

impl Places {
    fn of(placements: Vec<Placement>) -> Places {
        let mut first = FxHashMap::default();
        for (index, place) in placements.iter().enumerate() {
            // An id that does not read names no stored event: its placement shows nothing.
            if let Ok(id) = place.event_id.parse() {
                first.entry(id).or_insert(index);
            }
        }
        Places { placements, first }
    }

    /// Where the row of this event goes; `None` for an event of another stream than a
    /// partnership's that no history shows (it has no row).
    fn key(&self, event: &EventId, log_index: u64, partnership_stream: bool) -> Option<RowKey> {
        match self.first.get(event) {
            Some(&index) => Some(RowKey::Placed(index)),
            None if partnership_stream => Some(RowKey::Unplaced(log_index)),
            None => None,
        }
    }
}

/// How a row is put together: its columns in runs, each run either derived by the history
/// ([`DERIVED`]) or the stored event's own, in column order.
struct Layout {
    format: RowFormat,
    runs: Vec<(bool, Range<usize>)>,
}

impl Layout {
    fn of(columns: &[&str], raw: bool) -> Layout {
        let mut runs: Vec<(bool, Range<usize>)> = Vec::new();
        for column in 0..columns.len() {
            let derived = DERIVED.contains(&column);
            match runs.last_mut() {
                Some((kind, range)) if *kind == derived => range.end = column + 1,
                _ => runs.push((derived, column..column + 1)),
            }
        }
        Layout {
            format: RowFormat::of_view(columns, raw),
            runs,
        }
    }

    /// The runs of stored cells.
    fn stored(&self) -> impl Iterator<Item = &Range<usize>> {
        self.runs
            .iter()
            .filter(|(derived, _)| !derived)
            .map(|(_, range)| range)
    }

    /// How many ends each formatted row has in [`Formatted::ends`]: its stream's cell, then
    /// each run of stored cells.
    fn stride(&self) -> usize {
        1 + self.stored().count()
    }
}

/// One row formatted but for its derived cells.
struct Pending {
    event: EventId,
    log_index: u64,
}

/// The rows formatted from one batch, but for their derived cells: their bytes, each row's
/// event and where its parts end in the bytes (its stream's cell, the first cell of a row no
/// history shows, then each run of stored cells); and the events of other streams than
/// partnerships', formatted only if a history shows them (none does).
#[derive(Default)]
struct Formatted {
    bytes: Vec<u8>,
    rows: Vec<Pending>,
    ends: Vec<usize>,
    others: Vec<Stored>,
}

/// A row to write: a formatted one (`batch`, `row`), or one of a batch's `others`.
#[derive(Clone, Copy)]
enum Source {
    Row(usize, usize),
    Other(usize, usize),
}

/// Write the `timeline` view of every partnership's events (as known at `known_at`, if given)
/// to `out`; returns the rows written. Reads on threads of its own and waits for them as a
/// blocking task: it needs tokio's multi-thread runtime.
pub async fn export_timeline(
    ledger: &Ledger,
    projections: &Projections,
    known_at: Option<jiff::Timestamp>,
    raw: bool,
    out: &mut dyn Write,
) -> Result<u64> {
    let columns: Vec<&str> = TIMELINE.iter().chain(&TIMELINE_END).copied().collect();
    let layout = Layout::of(&columns, raw);
    let handle = tokio::runtime::Handle::current();
    let (places, formatted) = tokio::task::block_in_place(|| -> Result<_> {
        let (read, end) = std::thread::scope(|scope| {
            let (batches, received) = mpsc::sync_channel(AHEAD);
            let reading = handle.clone();
            let reader = scope.spawn(move || {
                let send = |batch| batches.send(batch).is_ok();
                reading.block_on(read_batches(ledger, known_at, (Position::START, 0), send))
            });
            let received = Mutex::new(received);
            let stop = AtomicBool::new(false);
            let read = std::thread::scope(|formatting| -> Result<(Places, Vec<Formatted>)> {
                let others: Vec<_> = (0..2)
                    .map(|_| formatting.spawn(|| format_all(&received, &layout, &stop)))
                    .collect();
                let places = handle
                    .block_on(projections.placements(known_at))
                    .map(Places::of)
                    .map_err(crate::Error::from);
                // Should the placements fail, the formatting stops at its next batch.
                stop.store(places.is_err(), Ordering::Relaxed);
                let mut formatted = match &places {
                    Ok(_) => format_all(&received, &layout, &stop),
                    Err(_) => Ok(Vec::new()),
                };
                for other in others {
                    let theirs = other.join().expect("the formatting thread does not panic");
                    formatted = formatted.and_then(|mut mine| {
                        mine.extend(theirs?);
                        Ok(mine)
                    });
                }
                Ok((places?, formatted?))
            });
            // Should formatting have failed, the reader stops at its next batch.
            drop(received);
            let end = reader.join().expect("the reading thread does not panic");
            (read, end)
        });
        let ((places, mut formatted), end) = (read?, end?);
        // The histories were caught up after the reading began (by another process): read on
        // for the events they show.
        let met = formatted
            .iter()
            .flat_map(|batch| &batch.rows)
            .filter(|row| places.first.contains_key(&row.event))
            .count();
        if met < places.first.len() {
            // Few events, read whole before they are formatted (on this one thread).
            let (batches, received) = mpsc::channel();
            let send = |batch| batches.send(batch).is_ok();
            handle.block_on(read_batches(ledger, known_at, end, send))?;
            drop(batches);
            let stop = AtomicBool::new(false);
            formatted.extend(format_all(&Mutex::new(received), &layout, &stop)?);
        }
        Ok((places, formatted))
    })?;
    let mut order: Vec<(RowKey, Source)> = Vec::new();
    for (batch, formatted) in formatted.iter().enumerate() {
        for (row, pending) in formatted.rows.iter().enumerate() {
            if let Some(key) = places.key(&pending.event, pending.log_index, true) {
                order.push((key, Source::Row(batch, row)));
            }
        }
        for (index, stored) in formatted.others.iter().enumerate() {
            let event = &stored.record.event_id;
            if let Some(key) = places.key(event, stored.log_index, false) {
                order.push((key, Source::Other(batch, index)));
            }
        }
    }
    order.sort_unstable_by_key(|&(key, _)| key);
    let mut writer = ViewWriter::new(out, &columns, raw)?;
    let assembly = || Assembly {
        layout: &layout,
        places: &places,
        formatted: &formatted,
        made: MadeCells::default(),
        seq: String::new(),
    };
    // Every other chunk is put together on another thread, while this one writes.
    let chunks: Vec<&[(RowKey, Source)]> = order.chunks(WRITE_CHUNK).collect();
    std::thread::scope(|scope| -> Result<()> {
        let (assembled, received) = mpsc::sync_channel::<Result<Vec<u8>>>(AHEAD);
        let mut other = assembly();
        let chunks = &chunks;
        scope.spawn(move || {
            for chunk in chunks.iter().skip(1).step_by(2) {
                let mut bytes = Vec::new();
                let rows = chunk
                    .iter()
                    .try_for_each(|&(key, source)| other.row(&mut bytes, key, source));
                if assembled.send(rows.map(|()| bytes)).is_err() {
                    break;
                }
            }
        });
        let mut mine = assembly();
        let mut bytes = Vec::new();
        for (index, chunk) in chunks.iter().enumerate() {
            if index % 2 == 1 {
                let theirs = received
                    .recv()
                    .expect("the assembling thread sends each chunk");
                writer.formatted(&theirs?)?;
                continue;
            }
            bytes.clear();
            for &(key, source) in *chunk {
                mine.row(&mut bytes, key, source)?;
            }
            writer.formatted(&bytes)?;
        }
        Ok(())
    })?;
    writer.finish()?;
    let rows = order.len() as u64;
    // Megabytes of rows and places: freed on a thread of their own, as the caller goes on.
    std::thread::spawn(move || drop((formatted, places, order)));
    Ok(rows)
}

/// Read the stored events after `(position, log index)` in batches,
/// each handed to `send`; returns where the reading stopped. Stops early, without an error,
/// when `send` says no one receives.
async fn read_batches(
    ledger: &Ledger,
    known_at: Option<jiff::Timestamp>,
    (mut after, mut index): (Position, u64),
    send: impl Fn(Vec<Stored>) -> bool,
) -> Result<(Position, u64)> {
    loop {
        let page = ledger.stored_records(after, BATCH).await?;
        let Some(last) = page.last() else { break };
        after = last.position;
        let mut batch = Vec::with_capacity(page.len());
        for record in page {
            let log_index = index;
            index += 1;
            if known_at.is_some_and(|moment| record.recorded_at > moment) {
                continue;
            }
            batch.push(stored(log_index, record)?);
        }
        if !send(batch) {
            break;
        }
    }
    Ok((after, index))
}

/// Format the batches `received` until there are no more, or until `stop`.
fn format_all(
    received: &Mutex<mpsc::Receiver<Vec<Stored>>>,
    layout: &Layout,
    stop: &AtomicBool,
) -> Result<Vec<Formatted>> {
    let mut made = MadeCells::default();
    let mut formatted = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        // The lock is held while waiting for a batch (the other thread would wait anyway), and
        // let go before formatting it.
        let next = lock(received).recv();
        let Ok(batch) = next else { break };
        let mut rows = Formatted {
            bytes: Vec::with_capacity(batch.len() * 400),
            rows: Vec::with_capacity(batch.len()),
            ends: Vec::with_capacity(batch.len() * layout.stride()),
            others: Vec::new(),
        };
        for stored in batch {
            if !amity_domain::is_partnership_stream(&stored.record.stream) {
                rows.others.push(stored);
                continue;
            }
            let Formatted { bytes, ends, .. } = &mut rows;
            // Its history unknown yet: the stream's cell stands first, for a row none shows.
            timeline_row(&mut made, &stored, None, |cells| {
                layout.format.write_cells(bytes, 0, &cells[..1]);
                ends.push(bytes.len());
                for run in layout.stored() {
                    layout
                        .format
                        .write_cells(bytes, run.start, &cells[run.clone()]);
                    ends.push(bytes.len());
                }
                Ok(())
            })?;
            rows.rows.push(Pending {
                event: stored.record.event_id,
                log_index: stored.log_index,
            });
        }
        formatted.push(rows);
    }
    Ok(formatted)
}

/// Rows put together in order: each formatted row's stored cells with its derived ones.
struct Assembly<'a> {
    layout: &'a Layout,
    places: &'a Places,
    formatted: &'a [Formatted],
    made: MadeCells,
    seq: String,
}

impl Assembly<'_> {
    /// Append the row of `source`, at `key`, to `out`.
    fn row(&mut self, out: &mut Vec<u8>, key: RowKey, source: Source) -> Result<()> {
        let place = match key {
            RowKey::Placed(index) => Some(&self.places.placements[index]),
            RowKey::Unplaced(_) => None,
        };
        let (batch, row) = match source {
            Source::Row(batch, row) => (&self.formatted[batch], row),
            Source::Other(batch, index) => {
                let stored = &self.formatted[batch].others[index];
                let format = &self.layout.format;
                return timeline_row(&mut self.made, stored, place, |cells| {
                    format.write(out, cells);
                    Ok(())
                });
            }
        };
        let stride = self.layout.stride();
        let start = (row * stride)
            .checked_sub(1)
            .map_or(0, |end| batch.ends[end]);
        let ends = &batch.ends[row * stride..(row + 1) * stride];
        self.seq.clear();
        if let Some(place) = place {
            write!(self.seq, "{}", place.seq).expect("writing to a String does not fail");
        }
        let mut derived = derived_cells(place, &self.seq, "").into_iter();
        let mut stored = 1;
        for (is_derived, run) in &self.layout.runs {
            if !is_derived {
                out.extend_from_slice(&batch.bytes[ends[stored - 1]..ends[stored]]);
                stored += 1;
                continue;
            }
            for column in run.clone() {
                let cell = derived
                    .next()
                    .expect("a derived cell for each derived column");
                if column == 0 && place.is_none() {
                    // A row no history shows stands under its stream, formatted already.
                    out.extend_from_slice(&batch.bytes[start..ends[0]]);
                } else {
                    self.layout.format.write_cells(out, column, &[cell]);
                }
            }
        }
        out.push(b'\n');
        Ok(())
    }
}

/// The receiver, whichever thread held it last (a thread that panicked holding it left it
/// whole: `recv` takes a batch or none).
fn lock<T>(received: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    received
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
