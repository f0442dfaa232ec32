//! What `changes` reads: a cohort's partnerships with their parties, from the status columns
//! (no row JSON to decode), and their lifecycle entries only. In the ledger's own file
//! ([`Details::Events`]) it is one query, and each entry's own details are decoded from the
//! stored event by the ledger's own decoder ([`TimelineRow::fill_details`], as a rebuild
//! fills them in a file of their own), not extracted field by field by the view's SQL.

use amity_domain::{Event, EventType, Party};

use super::schema::Details;
use super::{placeholder, sql_error, SqliteTables};
use crate::analysis::{Cohort, Lifecycle};
use crate::rows::TimelineRow;
use crate::tables::{cohort_filter, from_name, partnership_id};
use crate::{Error, Result};

/// A column of a row, as `T`.
fn column<T: rusqlite::types::FromSql>(row: &rusqlite::Row<'_>, at: usize) -> Result<T> {
    row.get(at).map_err(sql_error)
}

/// The party whose status columns start at `at`: key, name, country, subdivision, Wikidata id.
fn party(row: &rusqlite::Row<'_>, at: usize) -> Result<Party> {
    let key: String = column(row, at)?;
    Ok(Party {
        name: column(row, at + 1)?,
        country: column(row, at + 2)?,
        subdivision: column(row, at + 3)?,
        wikidata: column(row, at + 4)?,
        qualifier: None,
    }
    .keyed(&key))
}

/// The lifecycle event types, as an SQL list.
fn lifecycle_types() -> String {
    EventType::ALL
        .into_iter()
        .filter(|event_type| event_type.is_lifecycle())
        .map(|event_type| format!("'{}'", event_type.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One history entry of the query below, its details from the stored event.
fn entry(row: &rusqlite::Row<'_>) -> Result<TimelineRow> {
    let text = |at: usize| column::<Option<String>>(row, at);
    let partnership: String = column(row, 0)?;
    let status_after: Option<String> = column(row, 11)?;
    let event_type: String = column(row, 13)?;
    let payload = row.get_ref(15).map_err(sql_error)?;
    let event = Event::decode(
        &event_type,
        column(row, 14)?,
        payload
            .as_bytes()
            .map_err(|error| sql_error(error.into()))?,
    )
    .map_err(Error::StoredEvent)?;
    let metadata: amity_ledger::Metadata = serde_json::from_slice(
        row.get_ref(16)
            .and_then(|value| Ok(value.as_bytes()?))
            .map_err(sql_error)?,
    )
    .map_err(Error::Row)?;
    let recorded_at = jiff::Timestamp::from_microsecond(column(row, 17)?)
        .map_err(|error| Error::Row(serde::de::Error::custom(error)))?;
    let mut entry = TimelineRow {
        partnership: partnership_id(&partnership)?,
        seq: column::<i64>(row, 1)? as u64,
        step: column::<Option<i64>>(row, 2)?.map(|step| step as u64),
        event_id: column(row, 3)?,
        stream_version: column::<i64>(row, 4)? as u64,
        event_type: column(row, 5)?,
        occurred: text(6)?,
        earliest: text(7)?,
        latest: text(8)?,
        term_as_written: None,
        certainty: event.facts().certainty,
        sources: Vec::new(),
        initiated_by: None,
        note: None,
        target: None,
        reason: None,
        retracted_by: text(9)?,
        disputed: column(row, 10)?,
        status_after: status_after.as_deref().map(from_name).transpose()?,
        recorded_by: String::new(),
        recorded_at: String::new(),
        stream: text(12)?,
    };
    entry.fill_details(&event, &metadata.recorded_by, recorded_at);
    Ok(entry)
}

impl SqliteTables {
    /// The partnerships of a cohort that have lifecycle entries, in partnership order, each
    /// with those entries in history order.
    pub fn cohort_lifecycles(&self, cohort: &Cohort) -> Result<Vec<Lifecycle>> {
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
                        p.party_a, p.party_a_name, p.party_a_country, p.party_a_subdivision,
                        p.party_a_wikidata, p.party_b, p.party_b_name, p.party_b_country,
                        p.party_b_subdivision, p.party_b_wikidata
                 FROM timeline_entries t
                 JOIN partnership_status p ON p.partnership_no = t.partnership_no
                 JOIN streams s ON s.name = coalesce(t.stream, p.partnership)
                 JOIN events e ON e.stream_no = s.stream_no
                                  AND e.stream_version = t.stream_version
                 WHERE t.event_type IN ({}) AND {filter}
                 ORDER BY t.partnership_no, t.seq",
                lifecycle_types()
            ))
            .map_err(sql_error)?;
        let mut rows = statement
            .query(rusqlite::params_from_iter(values.iter()))
            .map_err(sql_error)?;
        let mut found: Vec<Lifecycle> = Vec::new();
        while let Some(row) = rows.next().map_err(sql_error)? {
            let entry = entry(row)?;
            match found.last_mut() {
                Some(last) if last.partnership == entry.partnership => last.entries.push(entry),
                _ => {
                    // Most partnerships have one entry: room for it alone.
                    let mut entries = Vec::with_capacity(1);
                    let partnership = entry.partnership.clone();
                    entries.push(entry);
                    found.push(Lifecycle {
                        partnership,
                        parties: vec![party(row, 18)?, party(row, 23)?],
                        entries,
                    });
                }
            }
        }
        // Read in the file's order (each status row once, the history in one pass), then put in
        // partnership order.
        found.sort_unstable_by(|a, b| a.partnership.cmp(&b.partnership));
        Ok(found)
    }
}
