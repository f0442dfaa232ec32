//! The `timeline` view of a whole ledger, read and written at once: one thread reads the stored
//! events in batches while the histories' placements are read, then two threads format the
//! batches as they come, each row into its batch's bytes; the rows are put in the order of the
//! histories at the end. The same rows as [`super::write_timeline`] given the whole feed (the
//! reference: see the tests), without holding every stored event at once.

use std::io::Write;
use std::sync::{mpsc, Mutex};

use amity_ledger::archive::views::{TIMELINE, TIMELINE_END};
use amity_ledger::{EventId, Ledger, Position};
use amity_projections::placement::Placement;
use amity_projections::Projections;
use rustc_hash::FxHashMap;

use super::cells::{RowFormat, ViewWriter};
use super::feed::{stored, Stored};
use super::timeline::{timeline_row, MadeCells};
use crate::Result;

/// Stored events read, and handed to a formatting thread, at a time.
const BATCH: usize = 1_024;

/// Batches read ahead of the formatting threads at most: the reading waits beyond, so that a
/// large ledger is not held in memory whole while its rows are formatted.
const AHEAD: usize = 8;

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
}

/// The rows formatted from one batch: their bytes, and each row's key and end in them.
struct Formatted {
    bytes: Vec<u8>,
    rows: Vec<(RowKey, usize)>,
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
    let format = RowFormat::of_view(&columns, raw);
    let handle = tokio::runtime::Handle::current();
    let formatted = tokio::task::block_in_place(|| -> Result<Vec<Formatted>> {
        let (formatted, end) = std::thread::scope(|scope| {
            let (batches, received) = mpsc::sync_channel(AHEAD);
            let reading = handle.clone();
            let reader = scope.spawn(move || {
                let send = |batch| batches.send(batch).is_ok();
                reading.block_on(read_batches(ledger, known_at, (Position::START, 0), send))
            });
            let received = Mutex::new(received);
            let formatted = handle
                .block_on(projections.placements(known_at))
                .map_err(crate::Error::from)
                .and_then(|placements| {
                    let places = Places::of(placements);
                    let formatted = format_on_two_threads(&received, &places, &format)?;
                    Ok((places, formatted))
                });
            // Should formatting have failed, the reader stops at its next batch.
            drop(received);
            let end = reader.join().expect("the reading thread does not panic");
            (formatted, end)
        });
        let ((places, mut formatted), end) = (formatted?, end?);
        // The histories were caught up after the reading began (by another process): read on
        // for the events they show.
        let met: usize = formatted.iter().map(Formatted::placed).sum();
        if met < places.first.len() {
            // Few events, read whole before they are formatted (on this one thread).
            let (batches, received) = mpsc::channel();
            let send = |batch| batches.send(batch).is_ok();
            handle.block_on(read_batches(ledger, known_at, end, send))?;
            drop(batches);
            formatted.extend(format_all(&Mutex::new(received), &places, &format)?);
        }
        Ok(formatted)
    })?;
    let mut order: Vec<(RowKey, usize, usize, usize)> = Vec::new();
    for (batch, formatted) in formatted.iter().enumerate() {
        let mut start = 0;
        for &(key, end) in &formatted.rows {
            order.push((key, batch, start, end));
            start = end;
        }
    }
    order.sort_unstable_by_key(|&(key, ..)| key);
    let mut writer = ViewWriter::new(out, &columns, raw)?;
    for &(_, batch, start, end) in &order {
        writer.formatted(&formatted[batch].bytes[start..end])?;
    }
    writer.finish()?;
    Ok(order.len() as u64)
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

/// [`format_all`] on this thread and on another at once.
fn format_on_two_threads(
    received: &Mutex<mpsc::Receiver<Vec<Stored>>>,
    places: &Places,
    format: &RowFormat,
) -> Result<Vec<Formatted>> {
    std::thread::scope(|scope| {
        let other = scope.spawn(|| format_all(received, places, format));
        let mine = format_all(received, places, format);
        let theirs = other.join().expect("the formatting thread does not panic");
        let mut formatted = mine?;
        formatted.extend(theirs?);
        Ok(formatted)
    })
}

/// Format the batches `received` until there are no more.
fn format_all(
    received: &Mutex<mpsc::Receiver<Vec<Stored>>>,
    places: &Places,
    format: &RowFormat,
) -> Result<Vec<Formatted>> {
    let mut made = MadeCells::default();
    let mut formatted = Vec::new();
    loop {
        // The lock is held while waiting for a batch (the other thread would wait anyway), and
        // let go before formatting it.
        let next = lock(received).recv();
        let Ok(batch) = next else { break };
        let mut rows = Formatted {
            bytes: Vec::with_capacity(batch.len() * 400),
            rows: Vec::with_capacity(batch.len()),
        };
        for stored in &batch {
            let placed = places.first.get(&stored.record.event_id).copied();
            if placed.is_none() && !amity_domain::is_partnership_stream(&stored.record.stream) {
                continue;
            }
            let derived = placed.map(|index| &places.placements[index]);
            timeline_row(&mut made, stored, derived, |cells| {
                format.write(&mut rows.bytes, cells);
                Ok(())
            })?;
            let key = placed.map_or(RowKey::Unplaced(stored.log_index), RowKey::Placed);
            rows.rows.push((key, rows.bytes.len()));
        }
        formatted.push(rows);
    }
    Ok(formatted)
}

impl Formatted {
    /// How many of its rows a history places.
    fn placed(&self) -> usize {
        self.rows
            .iter()
            .filter(|(key, _)| matches!(key, RowKey::Placed(_)))
            .count()
    }
}

/// The receiver, whichever thread held it last (a thread that panicked holding it left it
/// whole: `recv` takes a batch or none).
fn lock<T>(received: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    received
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
