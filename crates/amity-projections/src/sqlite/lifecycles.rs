//! What `changes` reads: a cohort's partnerships with their parties, from the status columns
//! (no row JSON to decode), and their lifecycle entries only. In the ledger's own file
//! ([`Details::Events`]) it is one query, and each entry's own details are decoded from the
//! stored event by the ledger's own decoder ([`TimelineRow::fill_details`], as a rebuild
//! fills them in a file of their own), not extracted field by field by the view's SQL.

use amity_domain::{Event, EventType, Party};
use smol_str::SmolStr;

use super::schema::{event_type_code, event_type_of_code, status_of_code, stored_event, Details};
use super::{placeholder, sql_error, SqliteTables};
use crate::analysis::{Cohort, Lifecycle, Window};
use crate::rows::TimelineRow;
use crate::tables::{cohort_filter, from_name, partnership_id};
use crate::{Error, Result};

/// The lifecycle event types, as an SQL list of the codes `timeline_entries` stores.
fn lifecycle_types() -> String {
    EventType::ALL
        .into_iter()
        .filter(|event_type| event_type.is_lifecycle())
        .filter_map(|event_type| event_type_code(event_type.name()))
        .map(|code| code.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A day as the history stores it (`YYYY-MM-DD`), when its year has four digits: such texts
/// compare as the days do.
fn day_text(day: amity_domain::Day) -> Option<String> {
    let (year, _, _) = day.ymd()?;
    (0..=9999).contains(&year).then(|| day.to_string())
}

/// The history entries the query may leave out for `window`: those whose stored days show
/// they are wholly before or after it. An entry is kept when its days do not tell (no bound,
/// or a year not of four digits: those do not compare as text); when its last day may have
/// been capped at the day it was recorded (`changes` dates the target of alternative claims by
/// its own date, not capped, and its group's span reaches at least that day); and when it is an
/// alternative claim (its target is then dated by its own date, which only the whole group
/// shows). `None` (keep every entry) when the window's days are not of four-digit years. A
/// bound that compares as within the window is tested first: keeping an entry is always right,
/// and most entries of a window are in it.
fn window_filter(window: &Window) -> Option<String> {
    const DAY: &str = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'";
    let (first, last) = (day_text(window.first_day())?, day_text(window.last_day())?);
    Some(format!(
        "AND ((t.earliest <= '{last}' OR t.earliest IS NULL OR t.earliest NOT GLOB {DAY})
              AND (t.latest >= '{first}' OR t.latest IS NULL OR t.latest NOT GLOB {DAY}
                   OR t.latest >= date(e.recorded_at / 1000000, 'unixepoch'))
              OR instr(e.payload, '\"alternative_to\"') > 0)"
    ))
}

/// The columns the query reads, in its order.
const COLUMNS: usize = 29;

/// A cell of a row as read.
#[derive(Debug, Clone, Copy)]
enum Cell {
    Null,
    Integer(i64),
    /// Text or a blob: where its bytes are in its batch.
    Bytes(usize, usize),
}

/// Rows as read, nothing decoded: their cells, and the bytes of their text and blob cells one
/// after another. The query's thread fills batches; decoding threads decode them and hand them
/// back to be filled again, so that the query's thread neither allocates nor frees.
#[derive(Debug, Default)]
struct Batch {
    cells: Vec<Cell>,
    bytes: Vec<u8>,
}

impl Batch {
    fn rows(&self) -> usize {
        self.cells.len() / COLUMNS
    }

    fn clear(&mut self) {
        self.cells.clear();
        self.bytes.clear();
    }

    /// Copy a row's cells in.
    fn push(&mut self, row: &rusqlite::Row<'_>) -> Result<()> {
        use rusqlite::types::ValueRef;
        for at in 0..COLUMNS {
            let cell = match row.get_ref(at).map_err(sql_error)? {
                ValueRef::Null => Cell::Null,
                ValueRef::Integer(value) => Cell::Integer(value),
                ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
                    let start = self.bytes.len();
                    self.bytes.extend_from_slice(bytes);
                    Cell::Bytes(start, self.bytes.len())
                }
                ValueRef::Real(_) => return Err(wrong_type(at, rusqlite::types::Type::Real)),
            };
            self.cells.push(cell);
        }
        Ok(())
    }

    /// The row at `index`.
    fn row(&self, index: usize) -> RawRow<'_> {
        RawRow {
            cells: &self.cells[index * COLUMNS..(index + 1) * COLUMNS],
            bytes: &self.bytes,
        }
    }
}

/// A cell of a type the query does not give there: the tables were changed behind our back.
fn wrong_type(at: usize, found: rusqlite::types::Type) -> Error {
    sql_error(rusqlite::Error::InvalidColumnType(
        at,
        format!("column {at}"),
        found,
    ))
}

/// One row of a [`Batch`].
struct RawRow<'a> {
    cells: &'a [Cell],
    bytes: &'a [u8],
}

impl RawRow<'_> {
    fn is_null(&self, at: usize) -> bool {
        matches!(self.cells[at], Cell::Null)
    }

    fn integer(&self, at: usize) -> Result<i64> {
        match self.cells[at] {
            Cell::Integer(value) => Ok(value),
            Cell::Null => Err(wrong_type(at, rusqlite::types::Type::Null)),
            Cell::Bytes(..) => Err(wrong_type(at, rusqlite::types::Type::Text)),
        }
    }

    fn bytes(&self, at: usize) -> Result<&[u8]> {
        match self.cells[at] {
            Cell::Bytes(start, end) => Ok(&self.bytes[start..end]),
            Cell::Null => Err(wrong_type(at, rusqlite::types::Type::Null)),
            Cell::Integer(_) => Err(wrong_type(at, rusqlite::types::Type::Integer)),
        }
    }

    fn text(&self, at: usize) -> Result<&str> {
        std::str::from_utf8(self.bytes(at)?)
            .map_err(|error| sql_error(rusqlite::Error::Utf8Error(at, error)))
    }

    fn string(&self, at: usize) -> Result<String> {
        self.text(at).map(str::to_owned)
    }

    fn optional(&self, at: usize) -> Result<Option<String>> {
        if self.is_null(at) {
            return Ok(None);
        }
        self.string(at).map(Some)
    }

    /// Short text (a date, a day), held inline without an allocation.
    fn optional_short(&self, at: usize) -> Result<Option<SmolStr>> {
        if self.is_null(at) {
            return Ok(None);
        }
        self.text(at).map(|text| Some(SmolStr::new(text)))
    }

    /// The party whose columns start at `at` (qualifier, name, country, subdivision, Wikidata
    /// id). The qualifier is stored since code version 10, rather than read back from the
    /// party's key: that took a seventh of the decoding threads' time.
    fn party(&self, at: usize) -> Result<Party> {
        Ok(Party {
            qualifier: self.optional(at)?,
            name: self.string(at + 1)?,
            country: self.string(at + 2)?,
            subdivision: self.optional(at + 3)?,
            wikidata: self.optional(at + 4)?,
        })
    }

    /// The history entry, its details decoded from the stored event.
    fn entry(&self) -> Result<TimelineRow> {
        let event = Event::decode(
            self.text(13)?,
            u32::try_from(self.integer(14)?)
                .map_err(|_| wrong_type(14, rusqlite::types::Type::Integer))?,
            self.bytes(15)?,
        )
        .map_err(Error::StoredEvent)?;
        let metadata: amity_ledger::Metadata =
            serde_json::from_slice(self.bytes(16)?).map_err(Error::Row)?;
        let recorded_at = jiff::Timestamp::from_microsecond(self.integer(17)?)
            .map_err(|error| Error::Row(serde::de::Error::custom(error)))?;
        let step = if self.is_null(2) {
            None
        } else {
            Some(self.integer(2)? as u64)
        };
        // The type and the status after as `timeline_entries` stores them: codes, or the name
        // of a type this code does not know (see `event_type_code`).
        let event_type = match self.cells[5] {
            Cell::Integer(code) => event_type_of_code(code)
                .map(SmolStr::new_static)
                .ok_or_else(|| Error::UnknownEventType(code.to_string()))?,
            _ => SmolStr::new(self.text(5)?),
        };
        let status_after = match self.cells[11] {
            Cell::Null => None,
            Cell::Integer(code) => Some(
                status_of_code(code)
                    .ok_or_else(|| wrong_type(11, rusqlite::types::Type::Integer))?,
            ),
            _ => Some(from_name(self.text(11)?)?),
        };
        let mut entry = TimelineRow {
            partnership: partnership_id(self.text(0)?)?,
            seq: self.integer(1)? as u64,
            step,
            event_id: self.string(3)?,
            stream_version: self.integer(4)? as u64,
            event_type,
            occurred: self.optional_short(6)?,
            earliest: self.optional_short(7)?,
            latest: self.optional_short(8)?,
            term_as_written: None,
            certainty: event.facts().certainty,
            sources: Vec::new(),
            initiated_by: None,
            note: None,
            target: None,
            reason: None,
            retracted_by: self.optional(9)?,
            disputed: self.integer(10)? != 0,
            status_after,
            recorded_by: String::new(),
            recorded_at: String::new(),
            stream: self.optional(12)?,
        };
        entry.fill_details(&event, &metadata.recorded_by, recorded_at);
        Ok(entry)
    }
}

/// Rows at least in a batch: a batch ends at the end of a partnership, so that each decodes on
/// its own.
const BATCH: usize = 256;

/// Threads decoding batches, beside the query's.
const DECODERS: usize = 2;

/// The partnerships of the rows of `batch`, in the rows' order (each partnership's rows one
/// after another, its first row first).
fn decode(batch: &Batch, found: &mut Vec<Lifecycle>) -> Result<()> {
    let mut last: Option<i64> = None;
    for index in 0..batch.rows() {
        let row = batch.row(index);
        let number = row.integer(28)?;
        let entry = row.entry()?;
        if last == Some(number) {
            found
                .last_mut()
                .expect("a partnership's first row made it")
                .entries
                .push(entry);
        } else {
            // Most partnerships have one entry: room for it alone.
            let mut entries = Vec::with_capacity(1);
            let partnership = entry.partnership.clone();
            entries.push(entry);
            found.push(Lifecycle {
                partnership,
                parties: vec![row.party(18)?, row.party(23)?],
                entries,
            });
        }
        last = Some(number);
    }
    Ok(())
}

/// Decode the batches `batches` brings (shared with other decoders), handing each back through
/// `done`; the partnerships of the batches it decoded. On an error, it drops `batches`, so that
/// the query's thread and the other decoders stop too.
fn decoder(
    batches: &std::sync::Mutex<Option<std::sync::mpsc::Receiver<Batch>>>,
    done: std::sync::mpsc::Sender<Batch>,
) -> Result<Vec<Lifecycle>> {
    let lock = || {
        batches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    let mut decoded = Vec::new();
    loop {
        // The next batch, whichever decoder is free first.
        let next = match &*lock() {
            Some(batches) => batches.recv(),
            None => break,
        };
        let Ok(batch) = next else {
            break;
        };
        if let Err(error) = decode(&batch, &mut decoded) {
            *lock() = None;
            return Err(error);
        }
        // The query's thread may have finished: the batch is then freed here.
        let _ = done.send(batch);
    }
    Ok(decoded)
}

impl SqliteTables {
    /// The partnerships of a cohort that have lifecycle entries, in partnership order, each
    /// with those entries in history order.
    pub fn cohort_lifecycles(
        &self,
        cohort: &Cohort,
        window: Option<&Window>,
    ) -> Result<Vec<Lifecycle>> {
        if self.details == Details::Stored {
            return Ok(crate::analysis::lifecycles(self.cohort_histories(cohort)?));
        }
        let (filter, values) = cohort_filter(cohort, placeholder);
        let connection = self.connection();
        let mut statement = connection
            .prepare_cached(&format!(
                "SELECT p.partnership, t.seq, t.step, t.event_id, t.stream_version, t.event_type,
                        t.occurred, t.earliest, t.latest, t.retracted_by, t.disputed,
                        t.status_after, t.stream,
                        e.event_type, e.schema_version, e.payload, e.metadata, e.recorded_at,
                        p.party_a_qualifier, p.party_a_name, p.party_a_country,
                        p.party_a_subdivision, p.party_a_wikidata, p.party_b_qualifier,
                        p.party_b_name, p.party_b_country, p.party_b_subdivision,
                        p.party_b_wikidata, t.partnership_no
                 FROM timeline_entries t
                 JOIN status_entries p ON p.partnership_no = t.partnership_no
                 JOIN {}
                 WHERE t.event_type IN ({}) AND {filter} {}
                 ORDER BY t.partnership_no, t.seq",
                stored_event!(),
                lifecycle_types(),
                window.and_then(window_filter).unwrap_or_default()
            ))
            .map_err(sql_error)?;
        let mut rows = statement
            .query(rusqlite::params_from_iter(values.iter()))
            .map_err(sql_error)?;
        // This thread reads the rows into batches, others decode them.
        let (lane, batches) = std::sync::mpsc::sync_channel::<Batch>(2 * DECODERS);
        let batches = std::sync::Mutex::new(Some(batches));
        let mut found = std::thread::scope(|scope| -> Result<Vec<Lifecycle>> {
            let (done, recycled) = std::sync::mpsc::channel::<Batch>();
            let decoders: Vec<_> = (0..DECODERS)
                .map(|_| {
                    let (batches, done) = (&batches, done.clone());
                    scope.spawn(move || decoder(batches, done))
                })
                .collect();
            drop(done);
            let read = (|| -> Result<()> {
                let mut batch = Batch::default();
                let mut last: Option<i64> = None;
                while let Some(row) = rows.next().map_err(sql_error)? {
                    let number: i64 = row.get(28).map_err(sql_error)?;
                    if last != Some(number) && batch.rows() >= BATCH {
                        let mut full = recycled.try_recv().unwrap_or_default();
                        full.clear();
                        std::mem::swap(&mut batch, &mut full);
                        if lane.send(full).is_err() {
                            // A decoder stopped on an error, which it returns.
                            return Ok(());
                        }
                    }
                    batch.push(row)?;
                    last = Some(number);
                }
                if batch.rows() > 0 {
                    let _ = lane.send(batch);
                }
                Ok(())
            })();
            drop(lane);
            let mut decoded = Vec::new();
            for decoder in decoders {
                let found = decoder.join().expect("a decoding thread does not panic");
                if read.is_ok() {
                    decoded.extend(found?);
                }
            }
            read.map(|()| decoded)
        })?;
        // Read in the file's order (each status row once, the history in one pass) and decoded
        // in batches by whichever decoder was free, then put in partnership order.
        found.sort_unstable_by(|a, b| a.partnership.cmp(&b.partnership));
        Ok(found)
    }
}
