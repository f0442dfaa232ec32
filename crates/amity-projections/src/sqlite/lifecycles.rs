//! What `changes` reads: a cohort's partnerships with their parties, from the status columns
//! (no row JSON to decode), and their lifecycle entries only. In the ledger's own file
//! ([`Details::Events`]) it is one query, and each entry's own details are decoded from the
//! stored event by the ledger's own decoder ([`TimelineRow::fill_details`], as a rebuild
//! fills them in a file of their own), not extracted field by field by the view's SQL.

use amity_domain::{Event, EventType, Party};

use super::read::party_columns;
use super::schema::{event_type_code, event_type_name, status_name, Details};
use super::{placeholder, sql_error, SqliteTables};
use crate::analysis::{Cohort, Lifecycle, Window};
use crate::rows::TimelineRow;
use crate::tables::{cohort_filter, from_name, partnership_id};
use crate::{Error, Result};

/// A column of a row, as `T`.
fn column<T: rusqlite::types::FromSql>(row: &rusqlite::Row<'_>, at: usize) -> Result<T> {
    row.get(at).map_err(sql_error)
}

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
/// shows). `None` (keep every entry) when the window's days are not of four-digit years.
fn window_filter(window: &Window) -> Option<String> {
    const DAY: &str = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'";
    let (first, last) = (day_text(window.first_day())?, day_text(window.last_day())?);
    Some(format!(
        "AND ((t.earliest IS NULL OR t.earliest NOT GLOB {DAY} OR t.earliest <= '{last}')
              AND (t.latest IS NULL OR t.latest NOT GLOB {DAY} OR t.latest >= '{first}'
                   OR t.latest >= date(e.recorded_at / 1000000, 'unixepoch'))
              OR instr(e.payload, '\"alternative_to\"') > 0)"
    ))
}

/// One row of the query below, its columns read, nothing decoded yet: the query's thread reads
/// rows while another decodes them.
struct Raw {
    partnership: String,
    /// The parties' columns, when the row is its partnership's first.
    parties: Option<[(String, Party); 2]>,
    seq: i64,
    step: Option<i64>,
    event_id: String,
    stream_version: i64,
    event_type: String,
    occurred: Option<String>,
    earliest: Option<String>,
    latest: Option<String>,
    retracted_by: Option<String>,
    disputed: bool,
    status_after: Option<String>,
    stream: Option<String>,
    stored_type: String,
    schema_version: u32,
    payload: Vec<u8>,
    metadata: Vec<u8>,
    recorded_at: i64,
}

/// The key and columns of the party whose status columns start at `at` (key, name, country,
/// subdivision, Wikidata id); keyed on the decoding thread (keying spells the name's slug).
fn party_with_key(row: &rusqlite::Row<'_>, at: usize) -> Result<(String, Party)> {
    Ok((
        column(row, at)?,
        party_columns(row, at + 1).map_err(sql_error)?,
    ))
}

impl Raw {
    /// The row's columns; the parties' only when `first`.
    fn read(row: &rusqlite::Row<'_>, first: bool) -> Result<Raw> {
        let bytes = |at: usize| -> Result<Vec<u8>> {
            let value = row.get_ref(at).map_err(sql_error)?;
            Ok(value
                .as_bytes()
                .map_err(|error| sql_error(error.into()))?
                .to_vec())
        };
        Ok(Raw {
            partnership: column(row, 0)?,
            parties: if first {
                Some([party_with_key(row, 18)?, party_with_key(row, 23)?])
            } else {
                None
            },
            seq: column(row, 1)?,
            step: column(row, 2)?,
            event_id: column(row, 3)?,
            stream_version: column(row, 4)?,
            event_type: column(row, 5)?,
            occurred: column(row, 6)?,
            earliest: column(row, 7)?,
            latest: column(row, 8)?,
            retracted_by: column(row, 9)?,
            disputed: column(row, 10)?,
            status_after: column(row, 11)?,
            stream: column(row, 12)?,
            stored_type: column(row, 13)?,
            schema_version: column(row, 14)?,
            payload: bytes(15)?,
            metadata: bytes(16)?,
            recorded_at: column(row, 17)?,
        })
    }

    /// The history entry, its details decoded from the stored event.
    fn entry(self) -> Result<TimelineRow> {
        let event = Event::decode(&self.stored_type, self.schema_version, &self.payload)
            .map_err(Error::StoredEvent)?;
        let metadata: amity_ledger::Metadata =
            serde_json::from_slice(&self.metadata).map_err(Error::Row)?;
        let recorded_at = jiff::Timestamp::from_microsecond(self.recorded_at)
            .map_err(|error| Error::Row(serde::de::Error::custom(error)))?;
        let mut entry = TimelineRow {
            partnership: partnership_id(&self.partnership)?,
            seq: self.seq as u64,
            step: self.step.map(|step| step as u64),
            event_id: self.event_id,
            stream_version: self.stream_version as u64,
            event_type: self.event_type,
            occurred: self.occurred,
            earliest: self.earliest,
            latest: self.latest,
            term_as_written: None,
            certainty: event.facts().certainty,
            sources: Vec::new(),
            initiated_by: None,
            note: None,
            target: None,
            reason: None,
            retracted_by: self.retracted_by,
            disputed: self.disputed,
            status_after: self.status_after.as_deref().map(from_name).transpose()?,
            recorded_by: String::new(),
            recorded_at: String::new(),
            stream: self.stream,
        };
        entry.fill_details(&event, &metadata.recorded_by, recorded_at);
        Ok(entry)
    }
}

/// Rows read per batch handed to the decoding thread.
const BATCH: usize = 256;

/// The partnerships of the rows `batches` brings, in the rows' order (each partnership's rows
/// one after another).
fn decode(batches: std::sync::mpsc::Receiver<Vec<Raw>>) -> Result<Vec<Lifecycle>> {
    let mut found: Vec<Lifecycle> = Vec::new();
    for mut raw in batches.into_iter().flatten() {
        let parties = raw.parties.take();
        let entry = raw.entry()?;
        match parties {
            None => found
                .last_mut()
                .expect("a partnership's first row brings its parties")
                .entries
                .push(entry),
            Some(parties) => {
                // Most partnerships have one entry: room for it alone.
                let mut entries = Vec::with_capacity(1);
                let partnership = entry.partnership.clone();
                entries.push(entry);
                found.push(Lifecycle {
                    partnership,
                    parties: parties
                        .into_iter()
                        .map(|(key, party)| party.keyed(&key))
                        .collect(),
                    entries,
                });
            }
        }
    }
    Ok(found)
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
                "SELECT p.partnership, t.seq, t.step, t.event_id, t.stream_version, {},
                        t.occurred, t.earliest, t.latest, t.retracted_by, t.disputed,
                        {}, t.stream,
                        e.event_type, e.schema_version, e.payload, e.metadata, e.recorded_at,
                        p.party_a, p.party_a_name, p.party_a_country, p.party_a_subdivision,
                        p.party_a_wikidata, p.party_b, p.party_b_name, p.party_b_country,
                        p.party_b_subdivision, p.party_b_wikidata, t.partnership_no
                 FROM timeline_entries t
                 JOIN partnership_status p ON p.partnership_no = t.partnership_no
                 JOIN streams s ON s.name = coalesce(t.stream, p.partnership)
                 JOIN events e ON e.stream_no = s.stream_no
                                  AND e.stream_version = t.stream_version
                 WHERE t.event_type IN ({}) AND {filter} {}
                 ORDER BY t.partnership_no, t.seq",
                event_type_name!("t.event_type"),
                status_name!("t.status_after"),
                lifecycle_types(),
                window.and_then(window_filter).unwrap_or_default()
            ))
            .map_err(sql_error)?;
        let mut rows = statement
            .query(rusqlite::params_from_iter(values.iter()))
            .map_err(sql_error)?;
        // This thread reads the rows, another decodes them.
        let mut found = std::thread::scope(|scope| -> Result<Vec<Lifecycle>> {
            let (batches, received) = std::sync::mpsc::sync_channel::<Vec<Raw>>(4);
            let decoder = scope.spawn(move || decode(received));
            let mut batch = Vec::with_capacity(BATCH);
            let mut last: Option<i64> = None;
            let read = (|| -> Result<()> {
                while let Some(row) = rows.next().map_err(sql_error)? {
                    let number: i64 = column(row, 28)?;
                    batch.push(Raw::read(row, last != Some(number))?);
                    last = Some(number);
                    if batch.len() == BATCH {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                        if batches.send(full).is_err() {
                            // The decoder stopped on an error, which it returns.
                            break;
                        }
                    }
                }
                let _ = batches.send(batch);
                Ok(())
            })();
            drop(batches);
            let decoded = decoder.join().expect("the decoding thread does not panic");
            read.and(decoded)
        })?;
        // Read in the file's order (each status row once, the history in one pass), then put in
        // partnership order.
        found.sort_unstable_by(|a, b| a.partnership.cmp(&b.partnership));
        Ok(found)
    }
}
