//! The queries over the tables.

use rusqlite::OptionalExtension;

use amity_domain::Party;
use smol_str::SmolStr;

use super::schema::{event_type_name, status_of_code};
use super::{placeholder, sql_error, SqliteTables};
use crate::analysis::{Cohort, DrivingStep, Member};
use crate::placement::{Entry, Placements};
use crate::rows::{DirectoryRow, LastEvent, PartyRow, StatusRow, TimelineRow};
use crate::tables::{
    cohort_filter, driving_step, dump_line, from_json, from_name, from_text, pair_histories,
    partnership_id, party_search_sql, DumpValue, DUMPED, TIMELINE_COLUMNS,
};
use crate::Result;

impl SqliteTables {
    /// Status rows: all, or of the given partnerships.
    pub fn status_rows(&self, only: Option<&[String]>) -> Result<Vec<StatusRow>> {
        let connection = self.connection();
        match only {
            None => {
                let mut statement = connection
                    .prepare_cached(&format!(
                        "SELECT {STATUS_READ} FROM status_entries ORDER BY partnership"
                    ))
                    .map_err(sql_error)?;
                let rows = statement.query_map([], status_row).map_err(sql_error)?;
                rows.map(|row| row.map_err(sql_error)?).collect()
            }
            Some(ids) => {
                let mut statement = connection
                    .prepare_cached(&format!(
                        "SELECT {STATUS_READ} FROM status_entries WHERE partnership = ?1"
                    ))
                    .map_err(sql_error)?;
                let mut found = Vec::with_capacity(ids.len());
                for id in ids {
                    let row = statement
                        .query_row([id], status_row)
                        .optional()
                        .map_err(sql_error)?;
                    if let Some(row) = row {
                        found.push(row?);
                    }
                }
                Ok(found)
            }
        }
    }

    /// A partnership's history rows, in history order.
    pub fn timeline_rows(&self, partnership: &str) -> Result<Vec<TimelineRow>> {
        let connection = self.connection();
        let mut statement = connection
            .prepare_cached(&format!(
                "SELECT {} FROM partnership_timeline WHERE partnership = ?1 ORDER BY seq",
                TIMELINE_COLUMNS.join(", ")
            ))
            .map_err(sql_error)?;
        let rows = statement
            .query_map([partnership], timeline_row)
            .map_err(sql_error)?;
        rows.map(|row| row.map_err(sql_error)?).collect()
    }

    /// The status rows of a cohort's partnerships, in partnership order, each with its
    /// history rows: two queries in one read transaction, so both see the same tables.
    pub fn cohort_histories(&self, cohort: &Cohort) -> Result<Vec<(StatusRow, Vec<TimelineRow>)>> {
        let (filter, values) = cohort_filter(cohort, placeholder);
        let connection = self.connection();
        let snapshot = connection.unchecked_transaction().map_err(sql_error)?;
        let status: Vec<StatusRow> = {
            let mut statement = snapshot
                .prepare_cached(&format!(
                    "SELECT {STATUS_READ} FROM status_entries WHERE {filter} ORDER BY partnership"
                ))
                .map_err(sql_error)?;
            let rows = statement
                .query_map(rusqlite::params_from_iter(values.iter()), status_row)
                .map_err(sql_error)?;
            rows.map(|row| row.map_err(sql_error)?)
                .collect::<Result<_>>()?
        };
        let paired = {
            let mut statement = snapshot
                .prepare_cached(&format!(
                    "SELECT {} FROM partnership_timeline {} ORDER BY partnership, seq",
                    TIMELINE_COLUMNS.join(", "),
                    // Every partnership's: no set of ids to build and look each row up in.
                    if values.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "WHERE partnership IN
                                 (SELECT partnership FROM status_entries WHERE {filter})"
                        )
                    }
                ))
                .map_err(sql_error)?;
            let rows = statement
                .query_map(rusqlite::params_from_iter(values.iter()), timeline_row)
                .map_err(sql_error)?;
            pair_histories(status, rows.map(|row| row.map_err(sql_error)?))?
        };
        snapshot.finish().map_err(sql_error)?;
        Ok(paired)
    }

    /// Every history entry's place, by partnership then history order. Read from the tables
    /// themselves, not the `partnership_timeline` view: in the ledger's file the view joins each
    /// entry to its stored event, for details a place does not hold. Both tables are scanned
    /// once in their own order (the keys by their index, the entries by partnership number),
    /// where a join searched the history for each partnership, and each key is read once.
    pub fn placements(&self) -> Result<Placements> {
        let connection = self.connection();
        let mut placements = Placements::default();
        // Each partnership's number, and its key's number in key order.
        let mut keys = connection
            .prepare_cached(
                "SELECT partnership_no, partnership FROM status_entries ORDER BY partnership",
            )
            .map_err(sql_error)?;
        let mut numbers = Vec::new();
        let mut rows = keys.query([]).map_err(sql_error)?;
        while let Some(row) = rows.next().map_err(sql_error)? {
            let number: i64 = row.get(0).map_err(sql_error)?;
            let key = text(row, 1)?.ok_or_else(|| not_null(1))?;
            numbers.push((number, placements.key(key)));
        }
        // Each partnership's key number by its row's number: made at once, its size known.
        let numbered: rustc_hash::FxHashMap<i64, u32> = numbers.into_iter().collect();
        // Most partnerships' histories have an entry or two.
        placements.reserve(numbered.len() + numbered.len() / 4);
        // The entries, each partnership's in history order, one partnership after another.
        let mut entries = connection
            .prepare_cached(
                "SELECT partnership_no, seq, event_id, earliest, latest, disputed, status_after,
                        retracted_by, position
                 FROM timeline_entries",
            )
            .map_err(sql_error)?;
        let mut rows = entries.query([]).map_err(sql_error)?;
        while let Some(row) = rows.next().map_err(sql_error)? {
            let number: i64 = row.get(0).map_err(sql_error)?;
            // An entry of no status row is in no history.
            let Some(&key) = numbered.get(&number) else {
                continue;
            };
            placements.push(key, entry(row)?);
        }
        Ok(placements.in_order())
    }

    /// The members of a cohort with their driving steps: what outcomes and series need, read
    /// without decoding whole rows.
    pub fn cohort_members(&self, cohort: &Cohort) -> Result<Vec<Member>> {
        let (filter, values) = cohort_filter(cohort, placeholder);
        // The members in number order, with their numbers, to meet their steps in that order.
        let mut members: Vec<(i64, Member)> = Vec::new();
        {
            let connection = self.connection();
            let mut statement = connection
                .prepare(&format!(
                    "SELECT partnership, party_a_name, party_a_country, party_a_subdivision,
                            party_a_wikidata, party_b_name, party_b_country, party_b_subdivision,
                            party_b_wikidata, kind, conflict IS NOT NULL, partnership_no,
                            party_a_qualifier, party_b_qualifier
                     FROM status_entries WHERE {filter} ORDER BY partnership_no"
                ))
                .map_err(sql_error)?;
            let mut rows = statement
                .query(rusqlite::params_from_iter(values.iter()))
                .map_err(sql_error)?;
            while let Some(row) = rows.next().map_err(sql_error)? {
                // The qualifier as stored (code version 10), not read back from the key.
                let party = |offset: usize, qualifier: usize| -> rusqlite::Result<Party> {
                    Ok(Party {
                        qualifier: row.get(qualifier)?,
                        ..party_columns(row, offset)?
                    })
                };
                let partnership: String = row.get(0).map_err(sql_error)?;
                let number: i64 = row.get(11).map_err(sql_error)?;
                let member = Member {
                    partnership: partnership_id(&partnership)?,
                    parties: vec![
                        party(1, 12).map_err(sql_error)?,
                        party(5, 13).map_err(sql_error)?,
                    ],
                    kind: amity_domain::PartnershipKind::new(
                        &row.get::<_, String>(9).map_err(sql_error)?,
                    ),
                    conflict: row.get(10).map_err(sql_error)?,
                    steps: Vec::new(),
                };
                members.push((number, member));
            }
        }
        // The driving steps, read in key order (partnership number, history order), each member's
        // then put in resolved order.
        let connection = self.connection();
        let mut statement = connection
            .prepare(&format!(
                "SELECT partnership_no, step, event_id, {}, occurred, earliest, latest,
                        status_after
                 FROM timeline_entries
                 WHERE step IS NOT NULL
                   AND partnership_no IN
                       (SELECT partnership_no FROM status_entries WHERE {filter})
                 ORDER BY partnership_no, seq",
                event_type_name!("event_type")
            ))
            .map_err(sql_error)?;
        let mut rows = statement
            .query(rusqlite::params_from_iter(values.iter()))
            .map_err(sql_error)?;
        let mut ordered: Vec<Vec<(i64, DrivingStep)>> = vec![Vec::new(); members.len()];
        let mut index = 0;
        while let Some(row) = rows.next().map_err(sql_error)? {
            let number: i64 = row.get(0).map_err(sql_error)?;
            while index < members.len() && members[index].0 < number {
                index += 1;
            }
            if members
                .get(index)
                .is_none_or(|(member, _)| *member != number)
            {
                continue;
            }
            // Only driving steps that changed the status (stored as a code: see the schema).
            let status_after = row.get_ref(7).map_err(sql_error)?;
            if status_after == rusqlite::types::ValueRef::Null {
                continue;
            }
            let text = |index: usize| text(row, index);
            let step = driving_step(
                text(2)?.unwrap_or_default(),
                text(3)?.unwrap_or_default(),
                text(4)?.map(str::to_owned),
                text(5)?,
                text(6)?,
            )?;
            ordered[index].push((row.get(1).map_err(sql_error)?, step));
        }
        let mut members: Vec<Member> = members
            .into_iter()
            .zip(ordered)
            .map(|((_, mut member), mut steps)| {
                if !steps.is_sorted_by_key(|(step, _)| *step) {
                    steps.sort_by_key(|(step, _)| *step);
                }
                member.steps = steps.into_iter().map(|(_, step)| step).collect();
                member
            })
            .collect();
        members.sort_by(|a, b| a.partnership.as_str().cmp(b.partnership.as_str()));
        Ok(members)
    }

    /// A party's directory rows.
    pub fn directory_rows(&self, party: &str) -> Result<Vec<DirectoryRow>> {
        let connection = self.connection();
        let mut statement = connection
            .prepare_cached(
                "SELECT party, partner_name, partner_country, partner_subdivision,
                        partner_wikidata, partnership, kind, status, since, founded, partner
                 FROM party_directory WHERE party = ?1 ORDER BY partnership",
            )
            .map_err(sql_error)?;
        let rows = statement
            .query_map([party], |row| {
                let partnership: String = row.get(5)?;
                let status: String = row.get(7)?;
                let built = (|| -> Result<DirectoryRow> {
                    Ok(DirectoryRow {
                        party: row.get(0).map_err(sql_error)?,
                        partner: party_columns(row, 1)
                            .map_err(sql_error)?
                            .keyed(&row.get::<_, String>(10).map_err(sql_error)?),
                        partnership: partnership_id(&partnership)?,
                        kind: amity_domain::PartnershipKind::new(
                            &row.get::<_, String>(6).map_err(sql_error)?,
                        ),
                        status: from_name(&status)?,
                        since: row.get(8).map_err(sql_error)?,
                        founded: row.get(9).map_err(sql_error)?,
                    })
                })();
                Ok(built)
            })
            .map_err(sql_error)?;
        rows.map(|row| row.map_err(sql_error)?).collect()
    }

    /// One party's row, by its key.
    pub fn party(&self, key: &str) -> Result<Option<PartyRow>> {
        let connection = self.connection();
        let row: Option<String> = connection
            .prepare_cached("SELECT row FROM parties WHERE party = ?1")
            .map_err(sql_error)?
            .query_row([key], |row| row.get(0))
            .optional()
            .map_err(sql_error)?;
        row.as_deref().map(from_json).transpose()
    }

    /// Every party row, by key.
    pub fn all_parties(&self) -> Result<Vec<PartyRow>> {
        let connection = self.connection();
        let mut statement = connection
            .prepare_cached("SELECT row FROM parties ORDER BY party")
            .map_err(sql_error)?;
        let rows = statement
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(sql_error)?;
        rows.map(|row| from_json(&row.map_err(sql_error)?))
            .collect()
    }

    /// Parties matching a folded query (see [`crate::tables::party_search_sql`]).
    pub fn search_parties(&self, query: &str) -> Result<Vec<(PartyRow, u64)>> {
        let connection = self.connection();
        let mut statement = connection
            .prepare_cached(&party_search_sql("?1", ""))
            .map_err(sql_error)?;
        let rows = statement
            .query_map([query], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })
            .map_err(sql_error)?;
        rows.map(|row| {
            let (json, count) = row.map_err(sql_error)?;
            Ok((from_json(&json)?, count as u64))
        })
        .collect()
    }

    /// Every party key with the given name part (for "did you mean").
    pub fn parties_named(&self, name: &str) -> Result<Vec<String>> {
        let connection = self.connection();
        let mut statement = connection
            .prepare_cached(
                "SELECT DISTINCT party FROM party_directory WHERE party LIKE ?1 ORDER BY party",
            )
            .map_err(sql_error)?;
        let rows = statement
            .query_map([format!("%:{name}")], |row| row.get::<_, String>(0))
            .map_err(sql_error)?;
        rows.map(|row| row.map_err(sql_error)).collect()
    }

    /// Every table's rows as text, for comparing two builds (also with PostgreSQL's).
    pub fn dump(&self) -> Result<Vec<String>> {
        use rusqlite::types::ValueRef;
        let mut lines = Vec::new();
        for (table, columns, order) in DUMPED {
            let connection = self.connection();
            let mut statement = connection
                .prepare(&format!(
                    "SELECT {} FROM {table} ORDER BY {order}",
                    columns.join(", ")
                ))
                .map_err(sql_error)?;
            let mut rows = statement.query([]).map_err(sql_error)?;
            while let Some(row) = rows.next().map_err(sql_error)? {
                let values = (0..columns.len())
                    .map(|index| {
                        Ok(match row.get_ref(index).map_err(sql_error)? {
                            ValueRef::Null => DumpValue::Null,
                            ValueRef::Integer(number) => DumpValue::Integer(number),
                            ValueRef::Text(text) => {
                                DumpValue::Text(String::from_utf8_lossy(text).into_owned())
                            }
                            other => DumpValue::Text(format!("{other:?}")),
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                lines.push(dump_line(table, &values));
            }
        }
        Ok(lines)
    }
}

/// A [`TimelineRow`] from the columns of [`TIMELINE_COLUMNS`]; the outer error is SQLite's,
/// the inner one a value that does not read back.
pub(super) fn timeline_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<TimelineRow>> {
    let text = |index: usize| row.get::<_, Option<String>>(index);
    // Short text (a type, a date, a day), held inline without an allocation.
    let short =
        |index: usize| -> Result<Option<SmolStr>> { Ok(self::text(row, index)?.map(SmolStr::new)) };
    let partnership: String = row.get(0)?;
    let certainty: String = row.get(10)?;
    let sources: String = row.get(11)?;
    let status_after: Option<String> = row.get(18)?;
    let built = (|| -> Result<TimelineRow> {
        Ok(TimelineRow {
            partnership: partnership_id(&partnership)?,
            seq: row.get::<_, i64>(1).map_err(sql_error)? as u64,
            step: row
                .get::<_, Option<i64>>(2)
                .map_err(sql_error)?
                .map(|s| s as u64),
            event_id: row.get(3).map_err(sql_error)?,
            stream_version: row.get::<_, i64>(4).map_err(sql_error)? as u64,
            event_type: short(5)?.ok_or_else(|| not_null(5))?,
            occurred: short(6)?,
            earliest: short(7)?,
            latest: short(8)?,
            term_as_written: text(9).map_err(sql_error)?,
            certainty: from_name(&certainty)?,
            sources: from_json(&sources)?,
            initiated_by: text(12).map_err(sql_error)?,
            note: text(13).map_err(sql_error)?,
            target: text(14).map_err(sql_error)?,
            reason: text(15).map_err(sql_error)?,
            retracted_by: text(16).map_err(sql_error)?,
            disputed: row.get(17).map_err(sql_error)?,
            status_after: status_after.as_deref().map(from_name).transpose()?,
            recorded_by: row.get(19).map_err(sql_error)?,
            recorded_at: row.get(20).map_err(sql_error)?,
            stream: text(21).map_err(sql_error)?,
        })
    })();
    Ok(built)
}

/// The columns [`status_row`] reads, in order.
const STATUS_READ: &str = "partnership, party_a_name, party_a_country, party_a_subdivision,
    party_a_wikidata, party_a_qualifier, party_b_name, party_b_country, party_b_subdivision,
    party_b_wikidata, party_b_qualifier, kind, status, possible, since, first_attested,
    founding_claims, last_event_id, last_event_type, last_recorded_at, events, retracted,
    disputed, conflict";

/// A [`StatusRow`] from the columns of [`STATUS_READ`] (what the view's `row` is made from);
/// the outer error is SQLite's, the inner one a value that does not read back.
fn status_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<StatusRow>> {
    let party = |at: usize| -> rusqlite::Result<Party> {
        Ok(Party {
            qualifier: row.get(at + 4)?,
            ..party_columns(row, at)?
        })
    };
    let parties = vec![party(1)?, party(6)?];
    let partnership: String = row.get(0)?;
    let kind: String = row.get(11)?;
    let status: String = row.get(12)?;
    let possible: Option<String> = row.get(13)?;
    let claims: String = row.get(16)?;
    let last_event_id: Option<String> = row.get(17)?;
    let last_event = match last_event_id {
        Some(event_id) => Some(LastEvent {
            event_id,
            event_type: row.get(18)?,
            recorded_at: row.get(19)?,
        }),
        None => None,
    };
    let count = |index: usize| row.get::<_, i64>(index).map(|count| count as u64);
    let (since, first_attested) = (row.get(14)?, row.get(15)?);
    let (events, retracted, disputed) = (count(20)?, count(21)?, count(22)?);
    let conflict = row.get(23)?;
    Ok((|| -> Result<StatusRow> {
        Ok(StatusRow {
            partnership: partnership_id(&partnership)?,
            parties,
            kind: from_text(&kind)?,
            status: from_text(&status)?,
            possible: possible.as_deref().map_or(Ok(Vec::new()), |names| {
                names.split(';').map(from_text).collect()
            })?,
            since,
            first_attested,
            founding_claims: from_json(&claims)?,
            last_event,
            events,
            retracted,
            disputed,
            conflict,
        })
    })())
}

/// The party whose columns start at `at` (name, country, subdivision, Wikidata id), not yet
/// keyed ([`Party::keyed`]).
pub(super) fn party_columns(row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Party> {
    Ok(Party {
        name: row.get(at)?,
        country: row.get(at + 1)?,
        subdivision: row.get(at + 2)?,
        wikidata: row.get(at + 3)?,
        qualifier: None,
    })
}

/// An entry's place from a row of `partnership_no, seq, event_id, earliest, latest, disputed,
/// status_after, retracted_by, position`, borrowed from the row.
fn entry<'a>(row: &'a rusqlite::Row<'_>) -> Result<Entry<'a>> {
    // Stored as a code (see `status_code`), or by its name.
    let status_after = match row.get_ref(6).map_err(sql_error)? {
        rusqlite::types::ValueRef::Null => None,
        rusqlite::types::ValueRef::Integer(code) => Some(
            status_of_code(code)
                .ok_or_else(|| sql_error(rusqlite::Error::IntegralValueOutOfRange(6, code)))?,
        ),
        _ => Some(from_name(text(row, 6)?.unwrap_or_default())?),
    };
    let position: Option<i64> = row.get(8).map_err(sql_error)?;
    Ok(Entry {
        seq: row.get::<_, i64>(1).map_err(sql_error)? as u64,
        event_id: text(row, 2)?.ok_or_else(|| not_null(2))?,
        stored_at: position.map(|position| position as u64),
        earliest: text(row, 3)?,
        latest: text(row, 4)?,
        disputed: row.get(5).map_err(sql_error)?,
        status_after,
        retracted_by: text(row, 7)?,
    })
}

/// A text column of `row`, borrowed; `None` if NULL.
fn text<'a>(row: &'a rusqlite::Row<'_>, column: usize) -> Result<Option<&'a str>> {
    let value = row.get_ref(column).map_err(sql_error)?;
    value.as_str_or_null().map_err(|error| {
        sql_error(rusqlite::Error::FromSqlConversionFailure(
            column,
            value.data_type(),
            Box::new(error),
        ))
    })
}

/// A NULL where a column holds none.
fn not_null(column: usize) -> crate::Error {
    sql_error(rusqlite::Error::InvalidColumnType(
        column,
        String::new(),
        rusqlite::types::Type::Null,
    ))
}
