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
//! - `partnership_status` (a view, one row per partnership) — `partnership_no` (the row's
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
//!   then the one furthest along the lifecycle. It reads the table `status_entries`, which has
//!   the same columns but `row`, and besides them `party_a_qualifier`, `party_b_qualifier`
//!   (what tells a party from a homonym, when its key needed it) and `founding_claims` (JSON):
//!   the view makes `row` from them when it is read (code version 10: the JSON was 64 % of the
//!   table's bytes, written on every rebuild and scanned by every index build). Its indexes
//!   are on that table.
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
//!   `partnership_no`, and `event_type` and `status_after` are small integer codes that the
//!   view turns back into their names (code version 9: a byte each, not up to 21); its key is (`partnership_no`, `seq`) and it is stored in that order
//!   (`WITHOUT ROWID`), so a partnership's history is read in one range and needs no index of
//!   its own. In the ledger's own file ([`Details::Events`]) the event's own details
//!   (`term_as_written`, `certainty`, `sources`, `initiated_by`, `note`, `target`, `reason`,
//!   `recorded_by`, `recorded_at`) are not in the table (code version 12; NULL in every row
//!   before) and the view reads them from the stored event, so that a rebuild does not write
//!   a second copy of every payload. The table's last
//!   column, `position` (code version 11), is where that event is stored (`events.position`)
//!   for an entry of its partnership's own stream (written by a rebuild or a catch-up, from
//!   the positions the events were read with): the view finds the event by it, one lookup by
//!   row id; where it is NULL (an entry of a history merged from several streams, a file of
//!   their own), by its stream's name and version.
//!   `projection_checkpoint.timeline_details` says which (`events` or `stored`); tables built
//!   the other way are rebuilt.
//! - `party_directory` (a view, one row per party and partner) — `party` (key), `partner`
//!   (key), `partner_name`, `partner_country`, `partnership`, `kind`, `status`, `since`,
//!   `founded` (the founding that drives the status), and `partner_subdivision`,
//!   `partner_wikidata`: each status row seen from either side, so nothing is written twice.
//! - `parties` (a view, one row per party key) — `party` (key), `name`, `country`,
//!   `subdivision`, `wikidata`, `kind` (registered parties), `canonical` (the key of its
//!   community: its own, unless a same-as link makes it another's), `registered` (0: known from
//!   its partnerships only), `names` (its name and aliases folded for search, accents and case
//!   aside: `|krakow|cracow|`), `row` (JSON, with aliases, GeoNames id and coordinates).
//!   Every party a partnership names, and every registered one. Same-as links make the
//!   partnerships of a community's keys one status row under its canonical key. It reads the
//!   table `party_entries`, which has the same columns, but keeps `row` only for a party of the
//!   register or with a qualifier (else NULL: the view makes it from the columns; code
//!   version 10).
//!
//! The checkpoint is written in the same transaction as the rows it covers, so after a crash
//! the tables are exactly as of the checkpoint. Writers take SQLite's write lock on the file
//! (an immediate transaction): in the ledger's own file that also stops appends, but a file
//! of its own does not hold the store still, so catch-up reads the feed only up to the end it
//! found first (see `Projections::rebuild`).
//!
//! The tables and their columns are described in [`schema`]; [`read`] answers the queries,
//! [`write`] writes rows on a thread of its own.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension};

use crate::tables::{Value, PROJECTION};
use crate::{Checkpoint, Error, Result};

mod lifecycles;
mod numbers;
mod packed;
#[cfg(test)]
mod packed_tests;
#[cfg(test)]
mod positions_tests;
mod read;
pub mod schema;
#[cfg(test)]
mod view_json_tests;
mod write;

pub use schema::Details;
use schema::{drop_all, sql_error, DIRECTORY_VIEW, INDEXES, PARTIES, STATUS_VIEW};
pub use write::Writer;

/// Make sure that opening the tables' file at `path` does not create it through a symbolic
/// link (as the SQLite ledger does, `amity_store_sqlite`): SQLite follows a link and creates
/// a missing file wherever it points. A missing file is created here exclusively
/// (`O_CREAT|O_EXCL` never follows a link; an empty file is an empty database); a link to
/// nothing is [`Error::LinkToNothing`]; a link to an existing file is opened (a file kept
/// elsewhere on purpose). Other failures (a missing folder) are left to SQLite to report.
fn create_in_place(path: &Path) -> Result<()> {
    let is_link = std::fs::symlink_metadata(path).map(|found| found.file_type().is_symlink());
    match is_link {
        Ok(true) if std::fs::metadata(path).is_err() => Err(Error::LinkToNothing {
            path: path.to_path_buf(),
        }),
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let created = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path);
            match created {
                // Created meanwhile by someone else: check it again.
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                    create_in_place(path)
                }
                _ => Ok(()),
            }
        }
        Err(_) => Ok(()),
    }
}

/// The connection, locked for one query.
struct Locked<'a>(std::sync::MutexGuard<'a, Option<Connection>>);

impl std::ops::Deref for Locked<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        // Only a Writer takes it, and it holds `&mut self` until it gives it back.
        self.0
            .as_ref()
            .expect("a projection writer gives its connection back")
    }
}

/// The projection tables in one SQLite file.
#[derive(Debug)]
pub struct SqliteTables {
    /// The connection; a [`Writer`] has it on its thread while it lives, and gives it back.
    /// Behind a lock so that the tables can be shared between threads (a `Connection` is
    /// `Send`, not `Sync`); readers take it one query at a time.
    connection: std::sync::Mutex<Option<Connection>>,
    path: PathBuf,
    details: Details,
    /// The thread folding the WAL back into the file after a large write, if one runs (see
    /// [`SqliteTables::settle`]).
    folding: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
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
        create_in_place(path)?;
        let connection = Connection::open(path).map_err(sql_error)?;
        connection
            .busy_timeout(std::time::Duration::from_secs(30))
            .map_err(sql_error)?;
        // Plans never depend on bound values: without this, SQLite 3.54 re-prepares the
        // history view's statement (a four-table join) at every new partnership bound to it,
        // half the time of reading histories one partnership at a time.
        connection
            .set_db_config(
                rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
                true,
            )
            .map_err(sql_error)?;
        // A new file gets 16 KiB pages like a ledger file (ADR 0001); on a file that has
        // tables already, or is in WAL mode, SQLite ignores this. The tables are derived data:
        // their commits do not wait for the disk (`synchronous = NORMAL`; ADR 0006). A power
        // loss may undo the last catch-up, whole (its rows and checkpoint are one
        // transaction), and the next reading catches up again; events keep `FULL`, and the
        // next append's sync covers the tables' commit before it.
        connection
            .execute_batch(
                "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
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
                "{}{STATUS_VIEW}{PARTIES}{INDEXES}{}{DIRECTORY_VIEW}",
                details.schema(),
                details.view()
            ))
            .map_err(sql_error)?;
        Ok(SqliteTables {
            connection: std::sync::Mutex::new(Some(connection)),
            path: path.to_path_buf(),
            details,
            folding: std::sync::Mutex::default(),
        })
    }

    fn connection(&self) -> Locked<'_> {
        Locked(
            self.connection
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// The connection, for the writer (which has `&mut self`: no lock is needed).
    fn connection_mut(&mut self) -> &mut Option<Connection> {
        self.connection
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The checkpoint, if the projection was ever written.
    pub fn checkpoint(&self) -> Result<Option<Checkpoint>> {
        read_checkpoint(&self.connection())
    }

    /// Fold the WAL back into the file after a large write, so that readers do not search a
    /// long log: on a thread and a connection of its own, while the caller goes on (a query
    /// right after a catch-up reads meanwhile). Best effort: a failure is only logged, and
    /// SQLite's next automatic checkpoint does it.
    fn fold_wal_later(&self) {
        self.settle();
        let path = self.path.clone();
        let thread = std::thread::Builder::new()
            .name("amity-projections-fold".to_owned())
            .spawn(move || {
                let folded = Connection::open(&path).and_then(|connection| {
                    connection.busy_timeout(std::time::Duration::from_secs(30))?;
                    connection.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
                });
                if let Err(error) = folded {
                    tracing::debug!(%error, "wal checkpoint after a large projection write");
                }
            });
        match thread {
            Ok(thread) => *self.folding_slot() = Some(thread),
            Err(error) => tracing::debug!(%error, "no thread to fold the wal"),
        }
    }

    /// Wait until the WAL folding that a large write started, if any, has ended. A new write
    /// waits for it first, and so do the tables when they are dropped.
    pub fn settle(&self) {
        let thread = self.folding_slot().take();
        if let Some(thread) = thread {
            if let Err(panic) = thread.join() {
                std::panic::resume_unwind(panic);
            }
        }
    }

    fn folding_slot(&self) -> std::sync::MutexGuard<'_, Option<std::thread::JoinHandle<()>>> {
        self.folding
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Drop for SqliteTables {
    /// The WAL folding, if it still runs, ends first (a process that ends kills it half-way:
    /// harmless, but the next writer would do it again).
    fn drop(&mut self) {
        self.settle();
    }
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

#[async_trait::async_trait]
impl crate::tables::TableBackend for SqliteTables {
    fn location(&self) -> String {
        format!("the SQLite file {}", self.path().display())
    }
    async fn checkpoint(&self) -> Result<Option<Checkpoint>> {
        SqliteTables::checkpoint(self)
    }
    async fn begin<'a>(
        &'a mut self,
        expected: Option<Checkpoint>,
        reset: bool,
    ) -> Result<Box<dyn crate::tables::TableWriter + 'a>> {
        Ok(Box::new(SqliteTables::begin(self, expected, reset)?))
    }
    async fn settle(&self) {
        SqliteTables::settle(self);
    }
    async fn status_rows(&self, only: Option<&[String]>) -> Result<Vec<crate::StatusRow>> {
        SqliteTables::status_rows(self, only)
    }
    async fn timeline_rows(&self, partnership: &str) -> Result<Vec<crate::TimelineRow>> {
        SqliteTables::timeline_rows(self, partnership)
    }
    async fn placements(&self) -> Result<crate::placement::Placements> {
        SqliteTables::placements(self)
    }
    async fn cohort_members(
        &self,
        cohort: &crate::analysis::Cohort,
    ) -> Result<Vec<crate::analysis::Member>> {
        SqliteTables::cohort_members(self, cohort)
    }
    async fn cohort_histories(
        &self,
        cohort: &crate::analysis::Cohort,
    ) -> Result<Vec<(crate::StatusRow, Vec<crate::TimelineRow>)>> {
        SqliteTables::cohort_histories(self, cohort)
    }
    async fn cohort_lifecycles(
        &self,
        cohort: &crate::analysis::Cohort,
        window: Option<&crate::analysis::Window>,
    ) -> Result<Vec<crate::analysis::Lifecycle>> {
        SqliteTables::cohort_lifecycles(self, cohort, window)
    }
    async fn directory_rows(&self, party: &str) -> Result<Vec<crate::DirectoryRow>> {
        SqliteTables::directory_rows(self, party)
    }
    async fn parties_named(&self, name: &str) -> Result<Vec<String>> {
        SqliteTables::parties_named(self, name)
    }
    async fn search_parties(&self, query: &str) -> Result<Vec<(crate::PartyRow, u64)>> {
        SqliteTables::search_parties(self, query)
    }
    async fn party(&self, key: &str) -> Result<Option<crate::PartyRow>> {
        SqliteTables::party(self, key)
    }
    async fn all_parties(&self) -> Result<Vec<crate::PartyRow>> {
        SqliteTables::all_parties(self)
    }
    async fn dump(&self) -> Result<Vec<String>> {
        SqliteTables::dump(self)
    }
}

#[cfg(test)]
mod tests {
    use super::schema::{is_event_detail, VIEW_EVENTS};
    use super::*;
    use crate::tables::TIMELINE_COLUMNS;

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
        // The type and the status after are named (`AS`) from their codes, not read from
        // the event.
        let coded = ["event_type", "status_after"];
        for (index, column) in TIMELINE_COLUMNS.iter().enumerate() {
            assert_eq!(
                is_event_detail(index),
                VIEW_EVENTS.contains(&format!("AS {column}")) && !coded.contains(column),
                "{column}: a detail exactly when the view reads it from the event"
            );
        }
    }

    /// What `changes` reads the stored codes back with (in Rust, not through the views) turns
    /// each code back into what it stands for, and no other number into anything.
    #[test]
    fn stored_codes_read_back_in_rust_as_the_views_read_them() {
        use super::schema::{event_type_code, event_type_of_code, status_code, status_of_code};
        for event_type in amity_domain::EventType::ALL {
            let code = event_type_code(event_type.name()).expect("a code");
            assert_eq!(event_type_of_code(code), Some(event_type.name()));
        }
        for status in amity_domain::Status::ALL {
            assert_eq!(status_of_code(status_code(status)), Some(status));
        }
        for other in [i64::MIN, -1, 0, 9, 100, i64::MAX] {
            assert_eq!(event_type_of_code(other), None, "{other}");
        }
        for other in [i64::MIN, -1, 0, 6, i64::MAX] {
            assert_eq!(status_of_code(other), None, "{other}");
        }
    }

    #[test]
    fn the_views_name_every_stored_code_and_leave_unknown_names_alone() {
        use super::schema::{event_type_code, event_type_name, status_code, status_name};
        let connection = Connection::open_in_memory().expect("a database");
        let named = |sql: &str, value: rusqlite::types::Value| -> String {
            connection
                .query_row(
                    &format!("SELECT {sql} FROM (SELECT ?1 AS x)"),
                    [value],
                    |row| row.get(0),
                )
                .expect("a name")
        };
        let mut codes = std::collections::BTreeSet::new();
        for event_type in amity_domain::EventType::ALL {
            let code = event_type_code(event_type.name()).expect("a code");
            assert!(codes.insert(code), "{event_type:?}: a code of its own");
            assert_eq!(named(event_type_name!("x"), code.into()), event_type.name());
        }
        assert_eq!(event_type_code("PartnershipRenamed"), None);
        assert_eq!(
            named(
                event_type_name!("x"),
                "PartnershipRenamed".to_owned().into()
            ),
            "PartnershipRenamed"
        );
        use amity_domain::Status;
        for status in Status::ALL {
            assert_eq!(
                named(status_name!("x"), status_code(status).into()),
                status.name()
            );
        }
    }
}
