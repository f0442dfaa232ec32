//! The `timeline` view of a whole ledger, read and written at once. The store reads the feed in
//! two lanes at once (`Ledger::stored_in_lanes`, each chunk to the lane free first), each
//! formatting its chunks' rows where they are read, from the stored bytes, all but the cells
//! that are known only later: an entry's place in its history ([`DERIVED`]) and the event's log
//! index (how many events come before its chunk). Meanwhile this thread reads the histories'
//! placements, then puts each chunk's rows where they go as the chunk comes. At the end those
//! cells are written between the others, in the order of the histories. The same rows as
//! [`super::write_timeline`] given the whole feed (the reference: see the tests), without
//! holding every stored event at once.

use std::io::Write;
use std::ops::Range;
use std::sync::{mpsc, Arc};

use amity_ledger::archive::views::{TIMELINE, TIMELINE_END};
use amity_ledger::{EventId, FeedLane, Ledger, Position, StoreError, StoredEvent};
use amity_projections::Projections;

use super::cells::{RowFormat, ViewWriter};
use super::feed::{recorded_by, Feed, Stored};
use super::timeline::{derived_cells, timeline_row, MadeCells, DERIVED};
use super::timeline_places::{Met, Order, Places, Row, RowKey};
use crate::Result;

/// Stored events in a chunk of the feed, read and formatted by one lane.
const CHUNK: usize = 1_024;

/// Lanes the feed is read in.
const LANES: usize = 2;

/// Rows put together before they are written out.
const WRITE_CHUNK: usize = 256;

/// The column of the event's log index.
const LOG_INDEX: usize = 2;

/// A part of a row, in column order.
#[derive(Clone, Copy)]
enum Part {
    /// The `k`th run of the stored event's cells: formatted where it is read.
    Stored(usize),
    /// A cell of the entry's place in its history: its column, and its index in [`DERIVED`].
    Place(usize, usize),
    /// The event's log index: its column.
    LogIndex(usize),
}

/// How a row is put together: its parts, and the columns of each run of stored cells.
struct Layout {
    format: RowFormat,
    parts: Vec<Part>,
    stored: Vec<Range<usize>>,
}

impl Layout {
    fn of(columns: &[&str], raw: bool) -> Layout {
        let mut parts = Vec::new();
        let mut stored: Vec<Range<usize>> = Vec::new();
        for column in 0..columns.len() {
            if let Some(at) = DERIVED.iter().position(|&derived| derived == column) {
                parts.push(Part::Place(column, at));
            } else if column == LOG_INDEX {
                parts.push(Part::LogIndex(column));
            } else if let (Some(Part::Stored(_)), Some(run)) = (parts.last(), stored.last_mut()) {
                run.end = column + 1;
            } else {
                parts.push(Part::Stored(stored.len()));
                stored.push(column..column + 1);
            }
        }
        Layout {
            format: RowFormat::of_view(columns, raw),
            parts,
            stored,
        }
    }

    /// How many ends each formatted row has in [`Formatted::ends`]: its stream's cell, then
    /// each run of stored cells.
    fn stride(&self) -> usize {
        1 + self.stored.len()
    }

    /// Format a stored event's row but for its late cells into `into`, or keep the event
    /// whole if it is not a partnership's (see [`Formatted::others`]). `index`: its place in
    /// its chunk.
    fn format(
        &self,
        made: &mut MadeCells,
        into: &mut Formatted,
        event: &StoredEvent<'_>,
        index: u64,
        recorded_by: &str,
    ) -> Result<()> {
        if !amity_domain::is_partnership_stream(event.stream) {
            into.others.push(Stored {
                log_index: index,
                recorded_by: recorded_by.to_owned(),
                record: event.to_recorded(event.stream.into()),
            });
            return Ok(());
        }
        let Formatted { bytes, ends, .. } = into;
        // Its history unknown yet: the stream's cell stands first, for a row none shows.
        timeline_row(made, event, index, recorded_by, None, |cells| {
            self.format.write_cells(bytes, 0, &cells[..1]);
            ends.push(bytes.len());
            for run in &self.stored {
                self.format
                    .write_cells(bytes, run.start, &cells[run.clone()]);
                ends.push(bytes.len());
            }
            Ok(())
        })?;
        into.rows.push(Pending {
            position: event.position,
            event: event.event_id,
            log_index: index,
        });
        Ok(())
    }
}

/// One row formatted but for its late cells.
struct Pending {
    position: Position,
    event: EventId,
    /// Its place in its chunk, then (see [`Formatted::place`]) in the log.
    log_index: u64,
}

/// The rows of one chunk of the feed, formatted but for their late cells: their bytes, each
/// row's event and where its parts end in the bytes (its stream's cell, the first cell of a
/// row no history shows, then each run of stored cells); the events of other streams than
/// partnerships', kept whole, formatted only if a history shows them (none does); how many
/// events the chunk holds, and the position of its last.
#[derive(Default)]
struct Formatted {
    bytes: Vec<u8>,
    rows: Vec<Pending>,
    ends: Vec<usize>,
    others: Vec<Stored>,
    events: u64,
    last: Option<Position>,
}

impl Formatted {
    /// Empty, with room for a little more than `other` holds.
    fn sized_as(other: &Formatted) -> Formatted {
        let room = |length: usize| length + length / 8;
        Formatted {
            bytes: Vec::with_capacity(room(other.bytes.len())),
            rows: Vec::with_capacity(room(other.rows.len())),
            ends: Vec::with_capacity(room(other.ends.len())),
            ..Formatted::default()
        }
    }

    /// Its events' log indexes, the chunk coming after `before` events.
    fn place(&mut self, before: u64) {
        for row in &mut self.rows {
            row.log_index += before;
        }
        for other in &mut self.others {
            other.log_index += before;
        }
    }
}

/// A chunk's rows, or why they could not be read.
type Chunk = (usize, Result<Formatted>);

/// One lane of the reading: formats its chunks where they are read and hands each over.
struct ExportLane {
    layout: Arc<Layout>,
    known_at: Option<jiff::Timestamp>,
    /// The number of the chunk being read (see [`FeedLane::begin_chunk`]).
    chunk: usize,
    current: Formatted,
    made: MadeCells,
    /// The last metadata read, and who it says recorded the event (most events share it).
    metadata: Option<(Vec<u8>, String)>,
    sender: tokio::sync::mpsc::UnboundedSender<Chunk>,
}

impl ExportLane {
    fn event(&mut self, event: &StoredEvent<'_>) -> Result<()> {
        let index = self.current.events;
        self.current.events += 1;
        self.current.last = Some(event.position);
        if self
            .known_at
            .is_some_and(|moment| event.recorded_at > moment)
        {
            return Ok(());
        }
        let known = match &self.metadata {
            Some((metadata, by)) if metadata.as_slice() == event.metadata => by,
            _ => {
                &self
                    .metadata
                    .insert((event.metadata.to_vec(), recorded_by(event)?))
                    .1
            }
        };
        self.layout
            .format(&mut self.made, &mut self.current, event, index, known)
    }
}

impl FeedLane for ExportLane {
    fn begin_chunk(&mut self, number: u64) {
        self.chunk = number as usize;
    }

    fn event(&mut self, event: StoredEvent<'_>) -> bool {
        match ExportLane::event(self, &event) {
            Ok(()) => true,
            Err(error) => {
                let _ = self.sender.send((self.chunk, Err(error)));
                false
            }
        }
    }

    fn end_chunk(&mut self) -> bool {
        // The next chunk is much like this one: room made for it at once, not by doubling.
        let next = Formatted::sized_as(&self.current);
        let done = std::mem::replace(&mut self.current, next);
        self.sender.send((self.chunk, Ok(done))).is_ok()
    }

    fn fail(&mut self, error: StoreError) {
        let error = amity_ledger::Error::from(error).into();
        let _ = self.sender.send((self.chunk, Err(error)));
    }
}

/// Write the `timeline` view of every partnership's events (as known at `known_at`, if given)
/// to `out`; returns the rows written. The feed is read in a task of its own (its lanes on
/// tokio's blocking threads) while this one reads the placements.
pub async fn export_timeline(
    ledger: &Ledger,
    projections: &Projections,
    known_at: Option<jiff::Timestamp>,
    raw: bool,
    out: &mut dyn Write,
) -> Result<u64> {
    let columns: Vec<&str> = TIMELINE.iter().chain(&TIMELINE_END).copied().collect();
    let layout = Arc::new(Layout::of(&columns, raw));
    let (sender, mut received) = tokio::sync::mpsc::unbounded_channel::<Chunk>();
    let lanes: Vec<Box<dyn FeedLane>> = (0..LANES)
        .map(|_| {
            let lane: Box<dyn FeedLane> = Box::new(ExportLane {
                layout: layout.clone(),
                known_at,
                chunk: 0,
                current: Formatted::default(),
                made: MadeCells::default(),
                metadata: None,
                sender: sender.clone(),
            });
            lane
        })
        .collect();
    drop(sender);
    let reading = {
        let ledger = ledger.clone();
        tokio::spawn(async move { ledger.stored_in_lanes(Position::START, CHUNK, lanes).await })
    };
    let places = match projections.placements(known_at).await {
        Ok(placements) => Places::of(placements),
        Err(error) => {
            // The lanes stop at their next chunk.
            drop(received);
            end_reading(reading).await;
            return Err(error.into());
        }
    };
    // Each chunk's rows put where they go as it comes (while the lanes read on), in any
    // order; the chunks kept by number. Should a chunk fail, the first one's error is the
    // answer.
    let mut order = Order::new(places.placements.len());
    let mut met = Met::default();
    let mut chunks: Vec<Option<Formatted>> = Vec::new();
    let mut failed: Option<(usize, crate::Error)> = None;
    while let Some((number, chunk)) = received.recv().await {
        match chunk {
            Ok(chunk) => {
                order_rows(&places, number, &chunk, &mut met, &mut order);
                if chunks.len() <= number {
                    chunks.resize_with(number + 1, || None);
                }
                chunks[number] = Some(chunk);
            }
            Err(error) => {
                if failed.as_ref().is_none_or(|(first, _)| number < *first) {
                    failed = Some((number, error));
                }
            }
        }
    }
    end_reading(reading).await;
    if let Some((_, error)) = failed {
        return Err(error);
    }
    // The chunks in feed order, each event's log index counted from the start.
    let mut formatted = Vec::with_capacity(chunks.len());
    let (mut end, mut events) = (Position::START, 0);
    for (number, chunk) in chunks.into_iter().enumerate() {
        let Some(mut chunk) = chunk else {
            let missing = format!("the reading in lanes left out chunk {number} of the feed");
            let error = StoreError::backend(ledger.store().backend(), missing);
            return Err(amity_ledger::Error::from(error).into());
        };
        chunk.place(events);
        events += chunk.events;
        end = chunk.last.unwrap_or(end);
        formatted.push(chunk);
    }
    // The histories were caught up after the reading began (by another process): read on
    // for the events they show.
    if !places.all(&met) {
        let more = read_on(ledger, &layout, known_at, (end, events)).await?;
        order_rows(&places, formatted.len(), &more, &mut met, &mut order);
        formatted.push(more);
    }
    let order = order.in_order();
    let mut writer = ViewWriter::new(out, &columns, raw)?;
    write_in_order(&mut writer, &layout, &places, &formatted, &order)?;
    writer.finish()?;
    let rows = order.len() as u64;
    // Megabytes of rows and places: freed on a thread of their own, as the caller goes on.
    std::thread::spawn(move || drop((formatted, places, order)));
    Ok(rows)
}

/// The end of the reading in lanes (a lane's panic is the caller's).
async fn end_reading(reading: tokio::task::JoinHandle<()>) {
    if let Err(error) = reading.await {
        if error.is_panic() {
            std::panic::resume_unwind(error.into_panic());
        }
    }
}

/// Put the rows of the `chunk`th chunk, `formatted`, where they go in `order`.
fn order_rows(
    places: &Places,
    chunk: usize,
    formatted: &Formatted,
    met: &mut Met,
    order: &mut Order,
) {
    for (row, pending) in formatted.rows.iter().enumerate() {
        let event = (pending.position, &pending.event);
        if let Some(key) = places.key(event, true, met) {
            order.add(key, Row::Formatted(chunk, row));
        }
    }
    for (index, stored) in formatted.others.iter().enumerate() {
        let event = (stored.record.position, &stored.record.event_id);
        if let Some(key) = places.key(event, false, met) {
            order.add(key, Row::Other(chunk, index));
        }
    }
}

/// The events after `(position, log index)`, formatted as one chunk (few: those appended while
/// the export read).
async fn read_on(
    ledger: &Ledger,
    layout: &Layout,
    known_at: Option<jiff::Timestamp>,
    end: (Position, u64),
) -> Result<Formatted> {
    let feed = Feed::read_after(ledger, known_at, end).await?;
    let mut formatted = Formatted::default();
    let mut made = MadeCells::default();
    for stored in &feed.events {
        let event = stored.record.as_stored();
        let (index, by) = (stored.log_index, &stored.recorded_by);
        layout.format(&mut made, &mut formatted, &event, index, by)?;
    }
    Ok(formatted)
}

/// Write the rows in `order`: every other chunk of them put together on another thread, while
/// this one writes.
fn write_in_order(
    writer: &mut ViewWriter<'_>,
    layout: &Layout,
    places: &Places,
    formatted: &[Formatted],
    order: &[(RowKey, Row)],
) -> Result<()> {
    let assembly = || Assembly {
        layout,
        places,
        formatted,
        made: MadeCells::default(),
    };
    let chunks: Vec<&[(RowKey, Row)]> = order.chunks(WRITE_CHUNK).collect();
    std::thread::scope(|scope| -> Result<()> {
        let (assembled, received) = mpsc::sync_channel::<Result<Vec<u8>>>(8);
        // Their buffers, written out, handed back to be filled again.
        let (written, recycled) = mpsc::channel::<Vec<u8>>();
        let mut other = assembly();
        let chunks = &chunks;
        scope.spawn(move || {
            let mut room = 0;
            for chunk in chunks.iter().skip(1).step_by(2) {
                let mut bytes = recycled
                    .try_recv()
                    .unwrap_or_else(|_| Vec::with_capacity(room + room / 8));
                bytes.clear();
                let rows = other.rows(&mut bytes, chunk);
                room = room.max(bytes.len());
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
                let theirs = theirs?;
                writer.formatted(&theirs)?;
                // Gone if the assembling thread is done.
                let _ = written.send(theirs);
                continue;
            }
            bytes.clear();
            mine.rows(&mut bytes, chunk)?;
            writer.formatted(&bytes)?;
        }
        Ok(())
    })
}

/// Rows put together in order: each formatted row's stored cells with its late ones.
struct Assembly<'a> {
    layout: &'a Layout,
    places: &'a Places,
    formatted: &'a [Formatted],
    made: MadeCells,
}

/// How many rows ahead of the one being put together [`Assembly::rows`] touches the bytes of:
/// the rows lie where their chunks were read, far apart, and a row's bytes read from memory
/// (not the cache) cost more than putting it together.
const AHEAD: usize = 4;

impl Assembly<'_> {
    /// Append `rows` to `out`, each put together from its parts.
    fn rows(&mut self, out: &mut Vec<u8>, rows: &[(RowKey, Row)]) -> Result<()> {
        for (index, &(key, row)) in rows.iter().enumerate() {
            // Where the row twice as far ahead ends, then the bytes of the one ahead (whose
            // ends were touched so before): no touch waits on another.
            if let Some(&(_, ahead)) = rows.get(index + 2 * AHEAD) {
                self.touch_ends(ahead);
            }
            if let Some(&(_, ahead)) = rows.get(index + AHEAD) {
                self.touch(ahead);
            }
            self.row(out, key, row)?;
        }
        Ok(())
    }

    /// Read where a formatted row's parts end and its log index, for the memory to bring them
    /// in while the rows before it are put together.
    fn touch_ends(&self, row: Row) {
        if let Row::Formatted(chunk, row) = row {
            let chunk = &self.formatted[chunk];
            std::hint::black_box(chunk.ends[row * self.layout.stride()]);
            std::hint::black_box(chunk.rows[row].log_index);
        }
    }

    /// Read a byte of each cache line of a formatted row's bytes, for the memory to bring
    /// them in while the rows before it are put together.
    fn touch(&self, row: Row) {
        if let Row::Formatted(chunk, row) = row {
            let chunk = &self.formatted[chunk];
            let stride = self.layout.stride();
            let start = (row * stride)
                .checked_sub(1)
                .map_or(0, |end| chunk.ends[end]);
            let end = chunk.ends[(row + 1) * stride - 1];
            for at in (start..end).step_by(64) {
                std::hint::black_box(chunk.bytes[at]);
            }
        }
    }

    /// Append the row of `row`, at `key`, to `out`.
    fn row(&mut self, out: &mut Vec<u8>, key: RowKey, row: Row) -> Result<()> {
        let place = match key {
            RowKey::Placed(index) => Some(self.places.placements.get(index)),
            RowKey::Unplaced => None,
        };
        let (chunk, row) = match row {
            Row::Formatted(chunk, row) => (&self.formatted[chunk], row),
            Row::Other(chunk, index) => {
                let stored = &self.formatted[chunk].others[index];
                let format = &self.layout.format;
                let event = stored.record.as_stored();
                let (log_index, by) = (stored.log_index, &stored.recorded_by);
                return timeline_row(&mut self.made, &event, log_index, by, place, |cells| {
                    format.write(out, cells);
                    Ok(())
                });
            }
        };
        let stride = self.layout.stride();
        let start = (row * stride)
            .checked_sub(1)
            .map_or(0, |end| chunk.ends[end]);
        let ends = &chunk.ends[row * stride..(row + 1) * stride];
        let mut number = itoa::Buffer::new();
        let seq = place.map_or("", |place| number.format(place.entry.seq));
        let derived = derived_cells(place, seq, "");
        for part in &self.layout.parts {
            match *part {
                Part::Stored(k) => out.extend_from_slice(&chunk.bytes[ends[k]..ends[k + 1]]),
                Part::LogIndex(column) => {
                    let mut index = itoa::Buffer::new();
                    let index = index.format(chunk.rows[row].log_index);
                    self.layout.format.write_cells(out, column, &[index]);
                }
                // A row no history shows stands under its stream, formatted already.
                Part::Place(_, 0) if place.is_none() => {
                    out.extend_from_slice(&chunk.bytes[start..ends[0]]);
                }
                Part::Place(column, at) => {
                    self.layout.format.write_cells(out, column, &[derived[at]]);
                }
            }
        }
        out.push(b'\n');
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use amity_ledger::archive::views::TIMELINE;

    /// The cells put in late are the columns of those names (the reference, `write_timeline`,
    /// shares `DERIVED` with the export, so only their names can tell a wrong number).
    #[test]
    fn given_the_timeline_columns_when_the_late_ones_are_named_then_they_are_the_places_and_the_log_index(
    ) {
        let places: Vec<&str> = super::DERIVED
            .iter()
            .map(|&column| TIMELINE[column])
            .collect();
        let expected = [
            "partnership",
            "seq",
            "earliest",
            "latest",
            "disputed",
            "status_after",
            "retracted_by",
        ];
        assert_eq!(places, expected);
        assert_eq!(TIMELINE[super::LOG_INDEX], "log_index");
    }
}
