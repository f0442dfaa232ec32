//! Projections materialized as plain tables in a SQLite file: the ledger's own file for a
//! SQLite store, or a file of their own for a server store (`amity --projections FILE`), which
//! needs nothing but these tables (created, like a ledger file, with 16 KiB pages).
//!
//! Tables and views, queryable with `sqlite3`, DuckDB or pandas; they hold the columns of the
//! PostgreSQL tables ([`crate::postgres`]) except the directory's `row` JSON, and query the views
//! rather than the tables underneath:
//!
//! - `projection_checkpoint` — `projection` ('partnerships'), `position` (the store position
//!   of the last event covered, as text), `code_version` (of the projection code that wrote
//!   the rows; a different version triggers a rebuild), `events` (how many events are covered),
//!   `first_event_id` (the first event of the feed: a feed that starts with another event is
//!   another ledger, and the tables are rebuilt for it), `timeline_details` (`events` or
//!   `stored`, see `partnership_timeline`).
//! - `partnership_status` (a table, one row per partnership) — `partnership_no` (the row's
//!   number in this file, which the history refers to; given out in blocks by pair of
//!   countries, so that a two-country cohort is stored together; a rebuild numbers anew),
//!   `partnership`, `party_a`,
//!   `party_a_name`, `party_a_country`, `party_b`, `party_b_name`, `party_b_country`, `kind`,
//!   `status` (`active`, `suspended`, `terminated`, `not_yet`, `unknown`), `since` (EDTF of the
//!   event that set it; with alternative claims, their dates joined by " or "), `founded` (EDTF of the founding claims, `;`-separated),
//!   `last_event_id`, `last_event_type`, `last_recorded_at`, `events`, `retracted`, `disputed`,
//!   `conflict`, `party_a_subdivision`, `party_a_wikidata`, `party_b_subdivision`,
//!   `party_b_wikidata`, `row` (the row as the application reads it, as JSON),
//!   `first_attested` (EDTF of the first list or source attesting the partnership; for a pair
//!   known only from lists `since` is NULL: its founding date is unknown) and `possible` (when
//!   several statuses are possible now, all of them, `;`-separated; else NULL). `status` is
//!   then the one furthest along the lifecycle.
//! - `partnership_timeline` (a view, one row per history entry) — `partnership`, `seq`
//!   (history order), `step` (resolved order of the driving events, else NULL), `event_id`,
//!   `stream_version`, `event_type`, `occurred` (EDTF as written, NULL if unknown),
//!   `earliest`, `latest` (days, NULL if unbounded; `latest` is capped at the day the event was
//!   recorded; on the driving entry of a claim group, the span of its standing claims),
//!   `term_as_written`, `certainty`, `sources` (JSON), `initiated_by`, `note`, `target` (the
//!   entry a retraction or citation is about, or an alternative claim is an alternative to),
//!   `reason`, `retracted_by`, `disputed`,
//!   `status_after`, `recorded_by`, `recorded_at`, `stream` (the stream the entry is stored in
//!   when another than `partnership`'s: a community's history merged from several keys'
//!   streams by same-as links; else NULL). It reads the table `timeline_entries`,
//!   which has the same columns except that the partnership is its status row's
//!   `partnership_no`; its key is (`partnership_no`, `seq`) and it is stored in that order
//!   (`WITHOUT ROWID`), so a partnership's history is read in one range and needs no index of
//!   its own. In the ledger's own file ([`Details::Events`]) the event's own details
//!   (`term_as_written`, `certainty`, `sources`, `initiated_by`, `note`, `target`, `reason`,
//!   `recorded_by`, `recorded_at`) are NULL there and the view reads them from the stored
//!   event (joined on its stream and version), so that a rebuild does not write a second copy of
//!   every payload. `projection_checkpoint.timeline_details` says which (`events` or
//!   `stored`); tables built the other way are rebuilt.
//! - `party_directory` (a view, one row per party and partner) — `party` (key), `partner`
//!   (key), `partner_name`, `partner_country`, `partnership`, `kind`, `status`, `since`,
//!   `founded` (the founding that drives the status), and `partner_subdivision`,
//!   `partner_wikidata`: each status row seen from either side, so nothing is written twice.
//! - `parties` (a table, one row per party key) — `party` (key), `name`, `country`,
//!   `subdivision`, `wikidata`, `kind` (registered parties), `canonical` (the key of its
//!   community: its own, unless a same-as link makes it another's), `registered` (0: known from
//!   its partnerships only), `names` (its name and aliases folded for search, accents and case
//!   aside: `|krakow|cracow|`), `row` (JSON, with aliases, GeoNames id and coordinates).
//!   Every party a partnership names, and every registered one. Same-as links make the
//!   partnerships of a community's keys one status row under its canonical key.
//!
//! The checkpoint is written in the same transaction as the rows it covers, so after a crash
//! the tables are exactly as of the checkpoint. Writers take SQLite's write lock on the file
//! (an immediate transaction): in the ledger's own file that also stops appends, but a file
//! of its own does not hold the store still, so catch-up reads the feed only up to the end it
//! found first (see `Projections::rebuild`).

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};

use amity_domain::Party;

use crate::analysis::{Cohort, DrivingStep, Member};
use crate::rows::{DirectoryRow, PartnershipRows, PartyRow, StatusRow, TimelineRow};
use crate::tables::{
    cohort_filter, driving_step, dump_line, from_json, from_name, partnership_id, party_search_sql,
    party_values, status_values, timeline_values, DumpValue, Value, DUMPED, PARTY_COLUMNS,
    PROJECTION, STATUS_COLUMNS, TIMELINE_COLUMNS,
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
    partnership_no   INTEGER PRIMARY KEY,
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
    row              TEXT NOT NULL,
    first_attested   TEXT,
    possible         TEXT
);
CREATE TABLE IF NOT EXISTS timeline_entries (
    partnership_no  INTEGER NOT NULL,
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
    recorded_at     TEXT,
    stream          TEXT,
    PRIMARY KEY (partnership_no, seq)
) WITHOUT ROWID;
";

/// Indexes, created after the rows on a rebuild (sorting once beats inserting into an index in
/// random order). The history needs none: `timeline_entries` is kept in key order (partnership
/// number, then history order), and a rebuild appends to it in that order. The last index
/// covers the analyst views: a cohort by countries is read from it alone.
/// The parties (code version 8): every party a partnership names, and the registered ones,
/// with their community key and their names folded for search.
const PARTIES: &str = "
CREATE TABLE IF NOT EXISTS parties (
    party       TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    country     TEXT NOT NULL,
    subdivision TEXT,
    wikidata    TEXT,
    kind        TEXT,
    canonical   TEXT NOT NULL,
    registered  INTEGER NOT NULL,
    names       TEXT NOT NULL,
    row         TEXT NOT NULL
) WITHOUT ROWID;
";

const INDEXES: &str = "
CREATE UNIQUE INDEX IF NOT EXISTS partnership_status_key ON partnership_status (partnership);
CREATE INDEX IF NOT EXISTS partnership_status_party_a ON partnership_status (party_a);
CREATE INDEX IF NOT EXISTS partnership_status_party_b ON partnership_status (party_b);
CREATE INDEX IF NOT EXISTS partnership_status_countries ON partnership_status
    (party_a_country, party_b_country, partnership, party_a_name, party_a_subdivision,
     party_a_wikidata, party_b_name, party_b_subdivision, party_b_wikidata, kind, conflict);
";

/// The `party_directory` view: each status row seen from either party, with the founding date
/// that drives the status (the first founding in history order that has an effect), and the
/// partner's subdivision and Wikidata id besides the documented columns.
const DIRECTORY_VIEW: &str = "
CREATE VIEW IF NOT EXISTS party_directory AS
SELECT party_a AS party, party_b AS partner, party_b_name AS partner_name,
       party_b_country AS partner_country, partnership, kind, status, since,
       (SELECT t.occurred FROM timeline_entries t
        WHERE t.partnership_no = s.partnership_no AND t.event_type = 'PartnershipFounded'
          AND t.status_after IS NOT NULL
        ORDER BY t.seq LIMIT 1) AS founded,
       party_b_subdivision AS partner_subdivision, party_b_wikidata AS partner_wikidata
FROM partnership_status s
UNION ALL
SELECT party_b, party_a, party_a_name, party_a_country, partnership, kind, status, since,
       (SELECT t.occurred FROM timeline_entries t
        WHERE t.partnership_no = s.partnership_no AND t.event_type = 'PartnershipFounded'
          AND t.status_after IS NOT NULL
        ORDER BY t.seq LIMIT 1),
       party_a_subdivision, party_a_wikidata
FROM partnership_status s;
";

/// The `partnership_timeline` view over rows that hold every column ([`Details::Stored`]).
const VIEW_STORED: &str = "
CREATE VIEW IF NOT EXISTS partnership_timeline AS
SELECT s.partnership, t.seq, t.step, t.event_id, t.stream_version, t.event_type, t.occurred,
       t.earliest, t.latest, t.term_as_written, t.certainty, t.sources, t.initiated_by, t.note,
       t.target, t.reason, t.retracted_by, t.disputed, t.status_after, t.recorded_by,
       t.recorded_at, t.stream
FROM timeline_entries t
JOIN partnership_status s ON s.partnership_no = t.partnership_no;
";

/// The `partnership_timeline` view in the ledger's own file ([`Details::Events`]): what the
/// event says is read from the stored event (schema v1 payload and metadata), and the
/// transaction time is printed as the ledger prints it (RFC 3339, UTC, shortest fraction).
const VIEW_EVENTS: &str = "
CREATE VIEW IF NOT EXISTS partnership_timeline AS
SELECT p.partnership, t.seq, t.step, t.event_id, t.stream_version, t.event_type, t.occurred,
       t.earliest, t.latest,
       json_extract(e.payload, '$.term_as_written') AS term_as_written,
       json_extract(e.payload, '$.certainty') AS certainty,
       json_extract(e.payload, '$.sources') AS sources,
       json_extract(e.payload, '$.initiated_by') AS initiated_by,
       json_extract(e.payload, '$.note') AS note,
       coalesce(json_extract(e.payload, '$.target'),
                json_extract(e.payload, '$.alternative_to')) AS target,
       json_extract(e.payload, '$.reason') AS reason,
       t.retracted_by, t.disputed, t.status_after,
       json_extract(e.metadata, '$.recorded_by') AS recorded_by,
       strftime('%Y-%m-%dT%H:%M:%S', e.recorded_at / 1000000, 'unixepoch')
           || CASE WHEN e.recorded_at % 1000000 = 0 THEN ''
                   ELSE '.' || rtrim(printf('%06d', e.recorded_at % 1000000), '0') END
           || 'Z' AS recorded_at,
       t.stream
FROM timeline_entries t
JOIN partnership_status p ON p.partnership_no = t.partnership_no
JOIN streams s ON s.name = coalesce(t.stream, p.partnership)
JOIN events e ON e.stream_no = s.stream_no AND e.stream_version = t.stream_version;
";

/// Every projection table and view, of this code and of earlier code: the history was the
/// table `partnership_timeline` up to code version 4, the directory the table
/// `party_directory` up to version 5.
const OBJECTS: [&str; 6] = [
    "parties",
    "partnership_timeline",
    "party_directory",
    "timeline_entries",
    "partnership_status",
    "projection_checkpoint",
];

/// Drop every projection table and view, whichever of the two each is in this file.
fn drop_all(connection: &Connection) -> Result<()> {
    for name in OBJECTS {
        let kind: Option<String> = connection
            .query_row(
                "SELECT type FROM sqlite_master WHERE name = ?1 AND type IN ('table', 'view')",
                [name],
                |row| row.get(0),
            )
            .optional()
            .map_err(sql_error)?;
        let statement = match kind.as_deref() {
            Some("table") => format!("DROP TABLE {name};"),
            Some(_) => format!("DROP VIEW {name};"),
            None => continue,
        };
        connection.execute_batch(&statement).map_err(sql_error)?;
    }
    Ok(())
}

/// Whether the history's column at `index` of [`TIMELINE_COLUMNS`] is one that the ledger's own
/// file reads from the stored events ([`Details::Events`]): `term_as_written` to `reason`,
/// `recorded_by`, `recorded_at` (the columns [`crate::tables::timeline_values`] leaves NULL
/// without details).
fn is_event_detail(index: usize) -> bool {
    matches!(index, 9..=15 | 19 | 20)
}

/// Where the history's event details (term, certainty, sources, initiating party, note,
/// target, reason, who recorded it and when) are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Details {
    /// In the ledger's own file: read from the stored events by the `partnership_timeline`
    /// view, not copied (a rebuild does not write a second copy of every payload).
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
    /// The connection; a [`Writer`] has it on its thread while it lives, and gives it back.
    connection: Option<Connection>,
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
        // A new file gets 16 KiB pages like a ledger file (ADR 0001); on a file that has
        // tables already, or is in WAL mode, SQLite ignores this.
        connection
            .execute_batch(
                "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;",
            )
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
                .map(|(version, kept)| {
                    if version > crate::CODE_VERSION {
                        return Err(Error::Newer {
                            found: version,
                            ours: crate::CODE_VERSION,
                        });
                    }
                    Ok(version != crate::CODE_VERSION || kept != details.name())
                })
                .transpose()?
                .unwrap_or(false)
        };
        if stale {
            drop_all(&connection)?;
        }
        connection
            .execute_batch(&format!(
                "{SCHEMA}{PARTIES}{INDEXES}{}{DIRECTORY_VIEW}",
                details.view()
            ))
            .map_err(sql_error)?;
        Ok(SqliteTables {
            connection: Some(connection),
            path: path.to_path_buf(),
            details,
        })
    }

    fn connection(&self) -> &Connection {
        // Only a Writer takes it, and it holds `&mut self` until it gives it back.
        self.connection
            .as_ref()
            .expect("a projection writer gives its connection back")
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The checkpoint, if the projection was ever written.
    pub fn checkpoint(&self) -> Result<Option<Checkpoint>> {
        read_checkpoint(self.connection())
    }

    /// Start writing: one transaction that holds the file's write lock until
    /// [`Writer::finish`] or drop (rolled back); in the ledger's own file the feed cannot move
    /// meanwhile. With `reset`, every table is emptied first (a rebuild); otherwise the
    /// checkpoint must still be `expected`, or [`Error::Raced`] says another process caught up
    /// first. The rows are written on a thread of the writer's own, while the caller computes
    /// the next ones.
    pub fn begin(&mut self, expected: Option<Checkpoint>, reset: bool) -> Result<Writer<'_>> {
        let connection = self.connection();
        connection
            .execute_batch("BEGIN IMMEDIATE;")
            .map_err(sql_error)?;
        if !reset {
            let checked = read_checkpoint(connection).and_then(|found| {
                if found == expected {
                    Ok(())
                } else {
                    Err(Error::Raced)
                }
            });
            if let Err(error) = checked {
                roll_back(connection);
                return Err(error);
            }
        }
        let connection = self.connection.take().expect("checked above");
        let (jobs, received) = tokio::sync::mpsc::channel::<Job>(WRITES_AHEAD);
        let details = self.details;
        let thread = std::thread::Builder::new()
            .name("amity-projections-writer".to_owned())
            .spawn(move || write_on_thread(connection, received, reset, details))
            .map_err(|error| Error::Tables(format!("cannot start the writer: {error}")))?;
        Ok(Writer {
            tables: self,
            jobs: Some(jobs),
            thread: Some(thread),
        })
    }

    /// Fold the WAL back into the file after a large write, so that readers do not search a
    /// long log (best effort: a busy reader only delays it).
    pub fn fold_wal(&self) {
        if let Err(error) = self
            .connection()
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
                    .connection()
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
                    .connection()
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
            .connection()
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
            .connection()
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
        // The members in number order, with their numbers, to meet their steps in that order.
        let mut members: Vec<(i64, Member)> = Vec::new();
        {
            let mut statement = self
                .connection()
                .prepare(&format!(
                    "SELECT partnership, party_a_name, party_a_country, party_a_subdivision,
                            party_a_wikidata, party_b_name, party_b_country, party_b_subdivision,
                            party_b_wikidata, kind, conflict IS NOT NULL, partnership_no,
                            party_a, party_b
                     FROM partnership_status WHERE {filter} ORDER BY partnership_no"
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
                        qualifier: None,
                    })
                };
                let partnership: String = row.get(0).map_err(sql_error)?;
                let number: i64 = row.get(11).map_err(sql_error)?;
                let member = Member {
                    partnership: partnership_id(&partnership)?,
                    parties: vec![
                        party(1)
                            .map_err(sql_error)?
                            .keyed(&row.get::<_, String>(12).map_err(sql_error)?),
                        party(5)
                            .map_err(sql_error)?
                            .keyed(&row.get::<_, String>(13).map_err(sql_error)?),
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
        let mut statement = self
            .connection()
            .prepare(&format!(
                "SELECT partnership_no, step, event_id, event_type, occurred, earliest, latest,
                        status_after
                 FROM timeline_entries
                 WHERE step IS NOT NULL
                   AND partnership_no IN
                       (SELECT partnership_no FROM partnership_status WHERE {filter})
                 ORDER BY partnership_no, seq"
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
            let status_after: Option<String> = row.get(7).map_err(sql_error)?;
            if status_after.is_none() {
                continue;
            }
            let text = |index: usize| -> Result<Option<&str>> {
                let value = row.get_ref(index).map_err(sql_error)?;
                value
                    .as_str_or_null()
                    .map_err(|error| Error::Tables(error.to_string()))
            };
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

    /// The partnership ids of a cohort.
    pub fn cohort_ids(&self, cohort: &Cohort) -> Result<Vec<String>> {
        let (filter, values) = cohort_filter(cohort, placeholder);
        let mut statement = self
            .connection()
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
            .connection()
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
                        partner: Party {
                            name: row.get(1).map_err(sql_error)?,
                            country: row.get(2).map_err(sql_error)?,
                            subdivision: row.get(3).map_err(sql_error)?,
                            wikidata: row.get(4).map_err(sql_error)?,
                            qualifier: None,
                        }
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
        let row: Option<String> = self
            .connection()
            .prepare_cached("SELECT row FROM parties WHERE party = ?1")
            .map_err(sql_error)?
            .query_row([key], |row| row.get(0))
            .optional()
            .map_err(sql_error)?;
        row.as_deref().map(from_json).transpose()
    }

    /// Every party row, by key.
    pub fn all_parties(&self) -> Result<Vec<PartyRow>> {
        let mut statement = self
            .connection()
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
        let mut statement = self
            .connection()
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
        let mut statement = self
            .connection()
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
                .connection()
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

/// How many chunks of rows may wait for the writer's thread: enough for the rows computed
/// while a rebuild's thread empties the old tables (a few hundred milliseconds on the
/// benchmark ledger).
const WRITES_AHEAD: usize = 16;

/// What the writer's thread is asked to do.
enum Job {
    /// Replace the rows of these partnerships.
    Rows(Vec<PartnershipRows>),
    /// Write party rows (replacing those there, or leaving them).
    Parties(Vec<PartyRow>, bool),
    /// Move the checkpoint and commit.
    Finish(Checkpoint),
}

/// Write party rows: with `replace`, over those already there; otherwise only new ones.
fn write_parties(connection: &Connection, rows: &[PartyRow], replace: bool) -> Result<()> {
    let placeholders: Vec<String> = (1..=PARTY_COLUMNS.len()).map(placeholder).collect();
    let conflict = if replace {
        let set: Vec<String> = PARTY_COLUMNS
            .iter()
            .skip(1)
            .map(|column| format!("{column} = excluded.{column}"))
            .collect();
        format!("DO UPDATE SET {}", set.join(", "))
    } else {
        "DO NOTHING".to_owned()
    };
    let mut statement = connection
        .prepare_cached(&format!(
            "INSERT INTO parties ({}) VALUES ({}) ON CONFLICT (party) {conflict}",
            PARTY_COLUMNS.join(", "),
            placeholders.join(", ")
        ))
        .map_err(sql_error)?;
    for row in rows {
        statement
            .execute(rusqlite::params_from_iter(party_values(row).iter()))
            .map_err(sql_error)?;
    }
    Ok(())
}

/// An open projection transaction (see [`SqliteTables::begin`]): its connection is on a thread
/// of its own, which writes the rows sent to it in order.
#[derive(Debug)]
pub struct Writer<'a> {
    tables: &'a mut SqliteTables,
    jobs: Option<tokio::sync::mpsc::Sender<Job>>,
    /// Gives the connection back, with the first error if any.
    thread: Option<std::thread::JoinHandle<(Connection, Result<()>)>>,
}

impl Writer<'_> {
    /// Whether the history's own details are stored here (else read from the stored events).
    pub fn keeps_details(&self) -> bool {
        self.tables.details == Details::Stored
    }

    /// Replace the rows of these partnerships (written on the writer's thread; an error
    /// there is returned by a later call).
    pub async fn write(&mut self, rows: Vec<PartnershipRows>) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let jobs = self.jobs.as_ref().expect("jobs are open until the end");
        if jobs.send(Job::Rows(rows)).await.is_err() {
            // The thread stopped at an error: it says which.
            return Err(self
                .join()
                .err()
                .unwrap_or_else(|| Error::Tables("the projection writer stopped".to_owned())));
        }
        Ok(())
    }

    /// Write party rows (see [`crate::tables::Writer::write_parties`]).
    pub async fn write_parties(&mut self, rows: Vec<PartyRow>, replace: bool) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let jobs = self.jobs.as_ref().expect("jobs are open until the end");
        if jobs.send(Job::Parties(rows, replace)).await.is_err() {
            return Err(self
                .join()
                .err()
                .unwrap_or_else(|| Error::Tables("the projection writer stopped".to_owned())));
        }
        Ok(())
    }

    /// Move the checkpoint and commit rows and checkpoint together.
    pub async fn finish(mut self, checkpoint: Checkpoint) -> Result<()> {
        let jobs = self.jobs.take().expect("jobs are open until the end");
        // If the thread stopped at an error, joining it says which.
        let _ = jobs.send(Job::Finish(checkpoint)).await;
        drop(jobs);
        self.join()
    }

    /// Wait for the thread, take the connection back, and return its result.
    fn join(&mut self) -> Result<()> {
        self.jobs = None;
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        match thread.join() {
            Ok((connection, result)) => {
                self.tables.connection = Some(connection);
                result
            }
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

impl Drop for Writer<'_> {
    /// Unfinished: the thread rolls back, and the connection comes back.
    fn drop(&mut self) {
        if let Err(error) = self.join() {
            tracing::debug!(%error, "projection writer dropped after an error");
        }
    }
}

/// The writer's thread: for a rebuild, empty the tables first (while the caller reads and
/// computes the first rows); write each chunk as it comes, then commit on [`Job::Finish`]; on
/// an error, or when the writer is dropped unfinished, roll back. Gives the connection back.
fn write_on_thread(
    connection: Connection,
    mut jobs: tokio::sync::mpsc::Receiver<Job>,
    reset: bool,
    details: Details,
) -> (Connection, Result<()>) {
    let mut result = if reset {
        drop_all(&connection).and_then(|()| {
            connection
                .execute_batch(&format!(
                    "{SCHEMA}{PARTIES}{}{DIRECTORY_VIEW}",
                    details.view()
                ))
                .map_err(sql_error)
        })
    } else {
        Ok(())
    };
    let mut finished = false;
    let mut numbers = Numbers::default();
    while result.is_ok() && !finished {
        let Some(job) = jobs.blocking_recv() else {
            break;
        };
        result = match job {
            Job::Rows(rows) => write_rows(&connection, &rows, !reset, details, &mut numbers),
            Job::Parties(rows, replace) => write_parties(&connection, &rows, replace),
            Job::Finish(checkpoint) => {
                finished = true;
                commit(&connection, checkpoint, reset, details)
            }
        };
    }
    if !finished || result.is_err() {
        roll_back(&connection);
    }
    (connection, result)
}

/// Roll back the open transaction (best effort: a failed rollback leaves SQLite to undo it
/// when the connection closes).
fn roll_back(connection: &Connection) {
    if let Err(error) = connection.execute_batch("ROLLBACK;") {
        tracing::debug!(%error, "projection rollback");
    }
}

/// Build the indexes after a rebuild, move the checkpoint, and commit.
fn commit(
    connection: &Connection,
    checkpoint: Checkpoint,
    reset: bool,
    details: Details,
) -> Result<()> {
    if reset {
        connection.execute_batch(INDEXES).map_err(sql_error)?;
    }
    connection
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
                details.name(),
            ],
        )
        .map_err(sql_error)?;
    connection.execute_batch("COMMIT;").map_err(sql_error)
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
            stream: text(21).map_err(sql_error)?,
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

/// How many partnership numbers each pair of countries has (see [`Numbers`]).
const PAIR_BLOCK: i64 = 1 << 28;

/// Partnership numbers, given out by pairs of countries: the partnerships of one pair of
/// countries get consecutive numbers in a block of their own (the countries' letters make the
/// block), so that a cohort of two countries lies together in `partnership_status` and
/// `timeline_entries`, which are stored in number order, however the feed interleaves them;
/// and a rebuild still appends within a few blocks rather than inserting anywhere.
#[derive(Debug, Default)]
struct Numbers {
    /// The next free number of each block seen.
    next: std::collections::HashMap<i64, i64>,
}

impl Numbers {
    /// The block of a pair of countries: their first two bytes each, in the status row's order.
    fn block(status: &StatusRow) -> i64 {
        let code = status
            .parties
            .iter()
            .flat_map(|party| {
                let bytes = party.country.as_bytes();
                [0, 1].map(|index| bytes.get(index).copied().unwrap_or(0))
            })
            .fold(0i64, |code, byte| code << 8 | i64::from(byte));
        code * PAIR_BLOCK
    }

    /// A number for a new partnership; `None` when its block is full (SQLite then picks one
    /// past the largest).
    fn take(&mut self, connection: &Connection, status: &StatusRow) -> Result<Option<i64>> {
        let block = Numbers::block(status);
        let next = match self.next.get(&block) {
            Some(&next) => next,
            None => {
                let largest: Option<i64> = connection
                    .prepare_cached(
                        "SELECT max(partnership_no) FROM partnership_status
                         WHERE partnership_no >= ?1 AND partnership_no < ?2",
                    )
                    .and_then(|mut statement| {
                        statement.query_row([block, block + PAIR_BLOCK], |row| row.get(0))
                    })
                    .map_err(sql_error)?;
                largest.map_or(block, |largest| largest + 1)
            }
        };
        if next >= block + PAIR_BLOCK {
            return Ok(None);
        }
        self.next.insert(block, next + 1);
        Ok(Some(next))
    }
}

fn write_rows(
    connection: &Connection,
    rows: &[PartnershipRows],
    replace: bool,
    details: Details,
    numbers: &mut Numbers,
) -> Result<()> {
    let mut find_status = connection
        .prepare_cached("SELECT partnership_no FROM partnership_status WHERE partnership = ?1")
        .map_err(sql_error)?;
    let mut delete_status = connection
        .prepare_cached("DELETE FROM partnership_status WHERE partnership_no = ?1")
        .map_err(sql_error)?;
    let mut delete_timeline = connection
        .prepare_cached("DELETE FROM timeline_entries WHERE partnership_no = ?1")
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
    // The partnership is the status row's number here, not its id (see `timeline_entries`).
    let status_columns: Vec<&str> = std::iter::once("partnership_no")
        .chain(STATUS_COLUMNS.iter().copied())
        .collect();
    // Columns the ledger's own file reads from the events are left out (NULL), not bound.
    let stored = details == Details::Stored;
    let written = |index: usize| stored || !is_event_detail(index);
    let timeline_columns: Vec<&str> = std::iter::once("partnership_no")
        .chain(
            TIMELINE_COLUMNS
                .iter()
                .enumerate()
                .skip(1)
                .filter(|(index, _)| written(*index))
                .map(|(_, column)| *column),
        )
        .collect();
    let mut insert_status = insert("partnership_status", &status_columns)?;
    let mut insert_timeline = insert("timeline_entries", &timeline_columns)?;
    for partnership in rows {
        let status = &partnership.status;
        // A partnership keeps its number when it is written again; a new one gets the next of
        // its pair of countries.
        let mut number: Option<i64> = None;
        if replace {
            let id = status.partnership.as_str();
            number = find_status
                .query_row([id], |row| row.get(0))
                .optional()
                .map_err(sql_error)?;
            if let Some(number) = number {
                delete_status.execute([number]).map_err(sql_error)?;
                delete_timeline.execute([number]).map_err(sql_error)?;
            }
        }
        if number.is_none() {
            number = numbers.take(connection, status)?;
        }
        let values = status_values(status);
        insert_status
            .execute(rusqlite::params_from_iter(
                std::iter::once(Value::Integer(number)).chain(values),
            ))
            .map_err(sql_error)?;
        let number = connection.last_insert_rowid();
        for row in &partnership.timeline {
            let values = timeline_values(row, stored);
            let rest = values
                .into_iter()
                .enumerate()
                .skip(1)
                .filter(|(index, _)| written(*index))
                .map(|(_, value)| value);
            insert_timeline
                .execute(rusqlite::params_from_iter(
                    std::iter::once(Value::Integer(Some(number))).chain(rest),
                ))
                .map_err(sql_error)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_of_their_own_gets_16_kib_pages_and_an_existing_one_keeps_its_own() {
        let dir = tempfile::tempdir().expect("temp dir");
        let page_size = |path: &Path| -> i64 {
            Connection::open(path)
                .and_then(|c| c.query_row("PRAGMA page_size", [], |row| row.get(0)))
                .expect("page size")
        };
        let new = dir.path().join("new.db");
        drop(SqliteTables::open(&new).expect("open a new file"));
        assert_eq!(page_size(&new), 16_384);

        let old = dir.path().join("old.db");
        Connection::open(&old)
            .and_then(|c| c.execute_batch("PRAGMA page_size = 4096; CREATE TABLE kept (x);"))
            .expect("an existing file");
        drop(SqliteTables::open(&old).expect("open an existing file"));
        assert_eq!(page_size(&old), 4_096);
    }

    #[test]
    fn the_event_details_are_the_columns_the_ledger_file_view_reads_from_events() {
        let details = (0..TIMELINE_COLUMNS.len())
            .filter(|index| is_event_detail(*index))
            .count();
        assert_eq!(details, 9);
        for (index, column) in TIMELINE_COLUMNS.iter().enumerate() {
            assert_eq!(
                is_event_detail(index),
                VIEW_EVENTS.contains(&format!("AS {column}")),
                "{column}: a detail exactly when the view reads it from the event"
            );
        }
    }
}
