//! Projections materialized as plain tables in a SQLite file: the ledger's own file for a
//! SQLite store, or a file of their own for a server store (`amity --projections FILE`), which
//! needs nothing but these tables.
//!
//! Tables (one row per partnership, per history entry, per party and partner), queryable with
//! `sqlite3`, DuckDB or pandas; each also keeps the row as the application reads it, as JSON,
//! in its `row` column. The PostgreSQL tables ([`crate::postgres`]) have the same columns:
//!
//! - `projection_checkpoint` — `projection` ('partnerships'), `position` (the store position
//!   of the last event covered, as text), `code_version` (of the projection code that wrote
//!   the rows; a different version triggers a rebuild), `events` (how many events are covered),
//!   `first_event_id` (the first event of the feed: a feed that starts with another event is
//!   another ledger, and the tables are rebuilt for it), `timeline_details` (`events` or
//!   `stored`, see `partnership_timeline`).
//! - `partnership_status` — `partnership`, `party_a`, `party_a_name`, `party_a_country`,
//!   `party_b`, `party_b_name`, `party_b_country`, `kind`, `status` (`active`, `suspended`,
//!   `terminated`, `not_yet`, `unknown`), `since` (EDTF of the event that set it), `founded`
//!   (EDTF of the founding claims, `;`-separated), `last_event_id`, `last_event_type`,
//!   `last_recorded_at`, `events`, `retracted`, `disputed`, `conflict`,
//!   `party_a_subdivision`, `party_a_wikidata`, `party_b_subdivision`, `party_b_wikidata`.
//! - `partnership_timeline` (a view) — `partnership`, `seq` (history order), `step` (resolved
//!   order of the driving events, else NULL), `event_id`, `stream_version`, `event_type`,
//!   `occurred` (EDTF as written, NULL if unknown), `earliest`, `latest` (days, NULL if
//!   unbounded), `term_as_written`, `certainty`, `sources` (JSON), `initiated_by`, `note`,
//!   `target`, `reason`, `retracted_by`, `disputed`, `status_after`, `recorded_by`,
//!   `recorded_at`. It reads the table `timeline_entries`, which has the same columns; in the
//!   ledger's own file ([`Details::Events`]) the event's own details (`term_as_written`,
//!   `certainty`, `sources`, `initiated_by`, `note`, `target`, `reason`, `recorded_by`,
//!   `recorded_at`) are NULL there and the view reads them from the stored event (joined on
//!   stream and version), so that a rebuild does not write a second copy of every payload.
//!   `projection_checkpoint.timeline_details` says which (`events` or `stored`); tables built
//!   the other way are rebuilt.
//! - `party_directory` — `party` (key), `partner` (key), `partner_name`, `partner_country`,
//!   `partnership`, `kind`, `status`, `since`, `founded`.
//!
//! The checkpoint is written in the same transaction as the rows it covers, so after a crash
//! the tables are exactly as of the checkpoint. Writers take SQLite's write lock on the file
//! (an immediate transaction): in the ledger's own file that also stops appends, but a file
//! of its own does not hold the store still, so catch-up reads the feed only up to the end it
//! found first (see `Projections::rebuild`).

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use amity_domain::Party;

use crate::analysis::{Cohort, Member};
use crate::rows::{DirectoryRow, PartnershipRows, StatusRow, TimelineRow};
use crate::tables::{
    cohort_filter, directory_values, driving_step, dump_line, from_json, from_name, partnership_id,
    status_values, timeline_values, DumpValue, Value, DIRECTORY_COLUMNS, DUMPED, PROJECTION,
    STATUS_COLUMNS, TIMELINE_COLUMNS,
};
use crate::{Checkpoint, Error, Result};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS projection_checkpoint (
    projection       TEXT PRIMARY KEY,
    position         TEXT    NOT NULL,
    code_version     INTEGER NOT NULL,
    events           INTEGER NOT NULL,
    first_event_id   TEXT,
    timeline_details TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS partnership_status (
    partnership      TEXT NOT NULL,
    party_a          TEXT NOT NULL,
    party_a_name     TEXT NOT NULL,
    party_a_country  TEXT NOT NULL,
    party_b          TEXT NOT NULL,
    party_b_name     TEXT NOT NULL,
    party_b_country  TEXT NOT NULL,
    kind             TEXT NOT NULL,
    status           TEXT NOT NULL,
    since            TEXT,
    founded          TEXT,
    last_event_id    TEXT,
    last_event_type  TEXT,
    last_recorded_at TEXT,
    events           INTEGER NOT NULL,
    retracted        INTEGER NOT NULL,
    disputed         INTEGER NOT NULL,
    conflict         TEXT,
    party_a_subdivision TEXT,
    party_a_wikidata    TEXT,
    party_b_subdivision TEXT,
    party_b_wikidata    TEXT,
    row              TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS timeline_entries (
    partnership     TEXT    NOT NULL,
    seq             INTEGER NOT NULL,
    step            INTEGER,
    event_id        TEXT    NOT NULL,
    stream_version  INTEGER NOT NULL,
    event_type      TEXT    NOT NULL,
    occurred        TEXT,
    earliest        TEXT,
    latest          TEXT,
    term_as_written TEXT,
    certainty       TEXT,
    sources         TEXT,
    initiated_by    TEXT,
    note            TEXT,
    target          TEXT,
    reason          TEXT,
    retracted_by    TEXT,
    disputed        INTEGER NOT NULL,
    status_after    TEXT,
    recorded_by     TEXT,
    recorded_at     TEXT
);
CREATE TABLE IF NOT EXISTS party_directory (
    party           TEXT NOT NULL,
    partner         TEXT NOT NULL,
    partner_name    TEXT NOT NULL,
    partner_country TEXT NOT NULL,
    partnership     TEXT NOT NULL,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    since           TEXT,
    founded         TEXT,
    row             TEXT NOT NULL
);
";

/// Indexes, created after the rows on a rebuild (sorting once beats inserting into an index in
/// random order). The last two cover the analyst views: a cohort by countries and the driving
/// steps of its partnerships are read from the indexes alone.
const INDEXES: &str = "
CREATE UNIQUE INDEX IF NOT EXISTS partnership_status_key ON partnership_status (partnership);
CREATE UNIQUE INDEX IF NOT EXISTS timeline_entries_key ON timeline_entries (partnership, seq);
CREATE UNIQUE INDEX IF NOT EXISTS party_directory_key ON party_directory (party, partnership);
CREATE INDEX IF NOT EXISTS partnership_status_countries ON partnership_status
    (party_a_country, party_b_country, partnership, party_a_name, party_a_subdivision,
     party_a_wikidata, party_b_name, party_b_subdivision, party_b_wikidata, kind, conflict);
CREATE INDEX IF NOT EXISTS timeline_entries_steps ON timeline_entries
    (partnership, step, event_id, event_type, occurred, earliest, latest, status_after)
    WHERE step IS NOT NULL;
";

/// The `partnership_timeline` view over rows that hold every column ([`Details::Stored`]).
const VIEW_STORED: &str = "
CREATE VIEW IF NOT EXISTS partnership_timeline AS
SELECT partnership, seq, step, event_id, stream_version, event_type, occurred, earliest, latest,
       term_as_written, certainty, sources, initiated_by, note, target, reason, retracted_by,
       disputed, status_after, recorded_by, recorded_at
FROM timeline_entries;
";

/// The `partnership_timeline` view in the ledger's own file ([`Details::Events`]): what the
/// event says is read from the stored event (schema v1 payload and metadata), and the
/// transaction time is printed as the ledger prints it (RFC 3339, UTC, shortest fraction).
const VIEW_EVENTS: &str = "
CREATE VIEW IF NOT EXISTS partnership_timeline AS
SELECT t.partnership, t.seq, t.step, t.event_id, t.stream_version, t.event_type, t.occurred,
       t.earliest, t.latest,
       json_extract(e.payload, '$.term_as_written') AS term_as_written,
       json_extract(e.payload, '$.certainty') AS certainty,
       json_extract(e.payload, '$.sources') AS sources,
       json_extract(e.payload, '$.initiated_by') AS initiated_by,
       json_extract(e.payload, '$.note') AS note,
       json_extract(e.payload, '$.target') AS target,
       json_extract(e.payload, '$.reason') AS reason,
       t.retracted_by, t.disputed, t.status_after,
       json_extract(e.metadata, '$.recorded_by') AS recorded_by,
       strftime('%Y-%m-%dT%H:%M:%S', e.recorded_at / 1000000, 'unixepoch')
           || CASE WHEN e.recorded_at % 1000000 = 0 THEN ''
                   ELSE '.' || rtrim(printf('%06d', e.recorded_at % 1000000), '0') END
           || 'Z' AS recorded_at
FROM timeline_entries t
JOIN streams s ON s.name = t.partnership
JOIN events e ON e.stream_no = s.stream_no AND e.stream_version = t.stream_version;
";

const DROP: &str = "
DROP TABLE IF EXISTS projection_checkpoint;
DROP TABLE IF EXISTS partnership_status;
DROP VIEW IF EXISTS partnership_timeline;
DROP TABLE IF EXISTS timeline_entries;
DROP TABLE IF EXISTS party_directory;
";

/// Drop every projection table, those of earlier projection code included (the history was
/// the table `partnership_timeline` up to code version 4).
fn drop_all(connection: &Connection) -> Result<()> {
    let old_table: bool = connection
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'partnership_timeline'",
            [],
            |row| row.get::<_, i64>(0),
        )
        .map_err(sql_error)?
        > 0;
    if old_table {
        connection
            .execute_batch("DROP TABLE partnership_timeline;")
            .map_err(sql_error)?;
    }
    connection.execute_batch(DROP).map_err(sql_error)
}

/// Where the history's event details (term, certainty, sources, initiating party, note,
/// target, reason, who recorded it and when) are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Details {
    /// In the ledger's own file: read from the stored events by the `partnership_timeline`
    /// view, not copied (the projections of the 1M-event benchmark ledger take about 610 MB
    /// instead of 950 MB).
    Events,
    /// In a file of their own: stored in `timeline_entries`.
    Stored,
}

impl Details {
    fn name(self) -> &'static str {
        match self {
            Details::Events => "events",
            Details::Stored => "stored",
        }
    }

    fn view(self) -> &'static str {
        match self {
            Details::Events => VIEW_EVENTS,
            Details::Stored => VIEW_STORED,
        }
    }
}

fn sql_error(error: rusqlite::Error) -> Error {
    Error::Tables(error.to_string())
}

/// The projection tables in one SQLite file.
#[derive(Debug)]
pub struct SqliteTables {
    connection: Connection,
    path: PathBuf,
    details: Details,
}

impl SqliteTables {
    /// Open the tables in a SQLite file of their own at `path`, creating the file and the
    /// tables if needed.
    pub fn open(path: &Path) -> Result<SqliteTables> {
        SqliteTables::open_with(path, Details::Stored)
    }

    /// Open the tables in the SQLite ledger file at `path` (it holds the store's `streams`
    /// and `events` tables), creating the tables if needed.
    pub fn open_in_ledger(path: &Path) -> Result<SqliteTables> {
        SqliteTables::open_with(path, Details::Events)
    }

    fn open_with(path: &Path, details: Details) -> Result<SqliteTables> {
        let connection = Connection::open(path).map_err(sql_error)?;
        connection
            .busy_timeout(std::time::Duration::from_secs(30))
            .map_err(sql_error)?;
        connection
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
            .map_err(sql_error)?;
        // Tables written by other projection code are derived data: drop them (the next
        // catch-up rebuilds) rather than fail on a column they lack.
        // So are tables whose history keeps its details elsewhere than asked, and tables of
        // code older than the `timeline_details` column. A fresh file has no checkpoint.
        let columns: Vec<String> = connection
            .prepare("SELECT name FROM pragma_table_info('projection_checkpoint')")
            .and_then(|mut statement| {
                statement
                    .query_map([], |row| row.get(0))?
                    .collect::<rusqlite::Result<_>>()
            })
            .map_err(sql_error)?;
        let stale = if columns.is_empty() {
            false
        } else if !columns.iter().any(|column| column == "timeline_details") {
            true
        } else {
            connection
                .query_row(
                    "SELECT code_version, timeline_details FROM projection_checkpoint
                     WHERE projection = ?1",
                    [PROJECTION],
                    |row| Ok((row.get::<_, u32>(0)?, row.get::<_, String>(1)?)),
                )
                .optional()
                .map_err(sql_error)?
                .is_some_and(|(version, kept)| {
                    version != crate::CODE_VERSION || kept != details.name()
                })
        };
        if stale {
            drop_all(&connection)?;
        }
        connection
            .execute_batch(&format!("{SCHEMA}{INDEXES}{}", details.view()))
            .map_err(sql_error)?;
        Ok(SqliteTables {
            connection,
            path: path.to_path_buf(),
            details,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The checkpoint, if the projection was ever written.
    pub fn checkpoint(&self) -> Result<Option<Checkpoint>> {
        read_checkpoint(&self.connection)
    }

    /// Start writing: one transaction that holds the file's write lock until
    /// [`Writer::finish`] or drop (rolled back); in the ledger's own file the feed cannot move
    /// meanwhile. With
    /// `reset`, every table is emptied first (a rebuild); otherwise the checkpoint must still
    /// be `expected`, or [`Error::Raced`] says another process caught up first.
    pub fn begin(&mut self, expected: Option<Checkpoint>, reset: bool) -> Result<Writer<'_>> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_error)?;
        if reset {
            drop_all(&transaction)?;
            transaction
                .execute_batch(&format!("{SCHEMA}{}", self.details.view()))
                .map_err(sql_error)?;
        } else if read_checkpoint(&transaction)? != expected {
            return Err(Error::Raced);
        }
        Ok(Writer {
            transaction,
            reset,
            details: self.details,
        })
    }

    /// Fold the WAL back into the file after a large write, so that readers do not search a
    /// long log (best effort: a busy reader only delays it).
    pub fn fold_wal(&self) {
        if let Err(error) = self
            .connection
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        {
            tracing::debug!(%error, "wal checkpoint after a large projection write");
        }
    }

    /// Status rows: all, or of the given partnerships.
    pub fn status_rows(&self, only: Option<&[String]>) -> Result<Vec<StatusRow>> {
        match only {
            None => {
                let mut statement = self
                    .connection
                    .prepare_cached("SELECT row FROM partnership_status ORDER BY partnership")
                    .map_err(sql_error)?;
                let rows = statement
                    .query_map([], |row| row.get::<_, String>(0))
                    .map_err(sql_error)?;
                rows.map(|row| from_json(&row.map_err(sql_error)?))
                    .collect()
            }
            Some(ids) => {
                let mut statement = self
                    .connection
                    .prepare_cached("SELECT row FROM partnership_status WHERE partnership = ?1")
                    .map_err(sql_error)?;
                let mut found = Vec::with_capacity(ids.len());
                for id in ids {
                    let row: Option<String> = statement
                        .query_row([id], |row| row.get(0))
                        .optional()
                        .map_err(sql_error)?;
                    if let Some(row) = row {
                        found.push(from_json(&row)?);
                    }
                }
                Ok(found)
            }
        }
    }

    /// A partnership's history rows, in history order.
    pub fn timeline_rows(&self, partnership: &str) -> Result<Vec<TimelineRow>> {
        let mut statement = self
            .connection
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

    /// Every history row, grouped by partnership in history order (for "as of" over all).
    pub fn all_timeline_rows(&self) -> Result<Vec<TimelineRow>> {
        let mut statement = self
            .connection
            .prepare_cached(&format!(
                "SELECT {} FROM partnership_timeline ORDER BY partnership, seq",
                TIMELINE_COLUMNS.join(", ")
            ))
            .map_err(sql_error)?;
        let rows = statement.query_map([], timeline_row).map_err(sql_error)?;
        rows.map(|row| row.map_err(sql_error)?).collect()
    }

    /// The members of a cohort with their driving steps: what outcomes and series need, read
    /// without decoding whole rows.
    pub fn cohort_members(&self, cohort: &Cohort) -> Result<Vec<Member>> {
        let (filter, values) = cohort_filter(cohort, placeholder);
        let mut members: Vec<Member> = Vec::new();
        {
            let mut statement = self
                .connection
                .prepare(&format!(
                    "SELECT partnership, party_a_name, party_a_country, party_a_subdivision,
                            party_a_wikidata, party_b_name, party_b_country, party_b_subdivision,
                            party_b_wikidata, kind, conflict IS NOT NULL
                     FROM partnership_status WHERE {filter} ORDER BY partnership"
                ))
                .map_err(sql_error)?;
            let mut rows = statement
                .query(rusqlite::params_from_iter(values.iter()))
                .map_err(sql_error)?;
            while let Some(row) = rows.next().map_err(sql_error)? {
                let party = |offset: usize| -> rusqlite::Result<Party> {
                    Ok(Party {
                        name: row.get(offset)?,
                        country: row.get(offset + 1)?,
                        subdivision: row.get(offset + 2)?,
                        wikidata: row.get(offset + 3)?,
                    })
                };
                let partnership: String = row.get(0).map_err(sql_error)?;
                members.push(Member {
                    partnership: partnership_id(&partnership)?,
                    parties: vec![party(1).map_err(sql_error)?, party(5).map_err(sql_error)?],
                    kind: amity_domain::PartnershipKind::new(
                        &row.get::<_, String>(9).map_err(sql_error)?,
                    ),
                    conflict: row.get(10).map_err(sql_error)?,
                    steps: Vec::new(),
                });
            }
        }
        let mut statement = self
            .connection
            .prepare(&format!(
                "SELECT partnership, event_id, event_type, occurred, earliest, latest, status_after
                 FROM timeline_entries
                 WHERE step IS NOT NULL
                   AND partnership IN (SELECT partnership FROM partnership_status WHERE {filter})
                 ORDER BY partnership, step"
            ))
            .map_err(sql_error)?;
        let mut rows = statement
            .query(rusqlite::params_from_iter(values.iter()))
            .map_err(sql_error)?;
        let mut index = 0;
        while let Some(row) = rows.next().map_err(sql_error)? {
            let partnership = row
                .get_ref(0)
                .map_err(sql_error)?
                .as_str()
                .map_err(|e| Error::Tables(e.to_string()))?;
            while index < members.len() && members[index].partnership.as_str() != partnership {
                index += 1;
            }
            let Some(member) = members.get_mut(index) else {
                break;
            };
            let status_after: Option<String> = row.get(6).map_err(sql_error)?;
            let Some(status_after) = status_after else {
                continue;
            };
            let text = |index: usize| -> Result<Option<&str>> {
                let value = row.get_ref(index).map_err(sql_error)?;
                value
                    .as_str_or_null()
                    .map_err(|error| Error::Tables(error.to_string()))
            };
            member.steps.push(driving_step(
                text(1)?.unwrap_or_default(),
                text(2)?.unwrap_or_default(),
                text(3)?.map(str::to_owned),
                text(4)?,
                text(5)?,
                &status_after,
            )?);
        }
        Ok(members)
    }

    /// The partnership ids of a cohort.
    pub fn cohort_ids(&self, cohort: &Cohort) -> Result<Vec<String>> {
        let (filter, values) = cohort_filter(cohort, placeholder);
        let mut statement = self
            .connection
            .prepare(&format!(
                "SELECT partnership FROM partnership_status WHERE {filter} ORDER BY partnership"
            ))
            .map_err(sql_error)?;
        let rows = statement
            .query_map(rusqlite::params_from_iter(values.iter()), |row| {
                row.get::<_, String>(0)
            })
            .map_err(sql_error)?;
        rows.map(|row| row.map_err(sql_error)).collect()
    }

    /// A party's directory rows.
    pub fn directory_rows(&self, party: &str) -> Result<Vec<DirectoryRow>> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT row FROM party_directory WHERE party = ?1 ORDER BY partnership")
            .map_err(sql_error)?;
        let rows = statement
            .query_map([party], |row| row.get::<_, String>(0))
            .map_err(sql_error)?;
        rows.map(|row| from_json(&row.map_err(sql_error)?))
            .collect()
    }

    /// Every party key with the given name part (for "did you mean").
    pub fn parties_named(&self, name: &str) -> Result<Vec<String>> {
        let mut statement = self
            .connection
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
            let mut statement = self
                .connection
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

/// An open projection transaction (see [`SqliteTables::begin`]).
#[derive(Debug)]
pub struct Writer<'a> {
    transaction: rusqlite::Transaction<'a>,
    /// The tables were emptied: nothing to delete, indexes come last.
    reset: bool,
    details: Details,
}

impl Writer<'_> {
    /// Replace the rows of these partnerships.
    pub fn write(&mut self, rows: &[PartnershipRows]) -> Result<()> {
        write_rows(&self.transaction, rows, !self.reset, self.details)
    }

    /// Move the checkpoint and commit rows and checkpoint together.
    pub fn finish(self, checkpoint: Checkpoint) -> Result<()> {
        if self.reset {
            self.transaction.execute_batch(INDEXES).map_err(sql_error)?;
        }
        self.transaction
            .execute(
                "INSERT INTO projection_checkpoint
                     (projection, position, code_version, events, first_event_id,
                      timeline_details)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (projection) DO UPDATE
                 SET position = ?2, code_version = ?3, events = ?4, first_event_id = ?5,
                     timeline_details = ?6",
                params![
                    PROJECTION,
                    checkpoint.position.to_string(),
                    checkpoint.code_version,
                    checkpoint.events as i64,
                    checkpoint.first_event.map(|id| id.to_string()),
                    self.details.name(),
                ],
            )
            .map_err(sql_error)?;
        self.transaction.commit().map_err(sql_error)
    }
}

/// A [`TimelineRow`] from the columns of [`TIMELINE_COLUMNS`]; the outer error is SQLite's,
/// the inner one a value that does not read back.
fn timeline_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<TimelineRow>> {
    let text = |index: usize| row.get::<_, Option<String>>(index);
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
            event_type: row.get(5).map_err(sql_error)?,
            occurred: text(6).map_err(sql_error)?,
            earliest: text(7).map_err(sql_error)?,
            latest: text(8).map_err(sql_error)?,
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
        })
    })();
    Ok(built)
}

/// SQLite's numbered parameter.
fn placeholder(number: usize) -> String {
    format!("?{number}")
}

fn read_checkpoint(connection: &Connection) -> Result<Option<Checkpoint>> {
    let row: Option<(String, u32, i64, Option<String>)> = connection
        .query_row(
            "SELECT position, code_version, events, first_event_id
             FROM projection_checkpoint WHERE projection = ?1",
            [PROJECTION],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .optional()
        .map_err(sql_error)?;
    row.map(|(position, code_version, events, first_event)| {
        crate::tables::checkpoint(&position, code_version, events, first_event.as_deref())
    })
    .transpose()
}

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Value::Text(Some(text)) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Value::Text(None) | Value::Integer(None) => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Integer(Some(number)) => ToSqlOutput::Borrowed(ValueRef::Integer(*number)),
            Value::Boolean(flag) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*flag))),
        })
    }
}

fn write_rows(
    connection: &Connection,
    rows: &[PartnershipRows],
    replace: bool,
    details: Details,
) -> Result<()> {
    let mut delete_status = connection
        .prepare_cached("DELETE FROM partnership_status WHERE partnership = ?1")
        .map_err(sql_error)?;
    let mut delete_timeline = connection
        .prepare_cached("DELETE FROM timeline_entries WHERE partnership = ?1")
        .map_err(sql_error)?;
    let mut delete_directory = connection
        .prepare_cached("DELETE FROM party_directory WHERE partnership = ?1 AND party IN (?2, ?3)")
        .map_err(sql_error)?;
    let insert = |table: &str, columns: &[&str]| {
        let placeholders: Vec<String> = (1..=columns.len()).map(placeholder).collect();
        connection
            .prepare_cached(&format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                columns.join(", "),
                placeholders.join(", ")
            ))
            .map_err(sql_error)
    };
    let mut insert_status = insert("partnership_status", STATUS_COLUMNS)?;
    let mut insert_timeline = insert("timeline_entries", TIMELINE_COLUMNS)?;
    let mut insert_directory = insert("party_directory", DIRECTORY_COLUMNS)?;
    for partnership in rows {
        let status = &partnership.status;
        if replace {
            let id = status.partnership.as_str();
            let keys: Vec<String> = status.parties.iter().map(|p| p.key().to_string()).collect();
            delete_status.execute([id]).map_err(sql_error)?;
            delete_timeline.execute([id]).map_err(sql_error)?;
            delete_directory
                .execute(params![id, keys[0], keys[1]])
                .map_err(sql_error)?;
        }
        insert_status
            .execute(rusqlite::params_from_iter(status_values(status)))
            .map_err(sql_error)?;
        for row in &partnership.timeline {
            let values = timeline_values(row, details == Details::Stored);
            insert_timeline
                .execute(rusqlite::params_from_iter(values))
                .map_err(sql_error)?;
        }
        for row in &partnership.directory {
            insert_directory
                .execute(rusqlite::params_from_iter(directory_values(row)))
                .map_err(sql_error)?;
        }
    }
    Ok(())
}
