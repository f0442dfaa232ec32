//! Projections materialized as plain tables in the SQLite ledger file.
//!
//! Tables (one row per partnership, per history entry, per party and partner), queryable with
//! `sqlite3`, DuckDB or pandas; each also keeps the row as the application reads it, as JSON,
//! in its `row` column:
//!
//! - `projection_checkpoint` — `projection` ('partnerships'), `position` (the store position
//!   of the last event covered, as text), `code_version` (of the projection code that wrote
//!   the rows; a different version triggers a rebuild), `events` (how many events are covered).
//! - `partnership_status` — `partnership`, `party_a`, `party_a_name`, `party_a_country`,
//!   `party_b`, `party_b_name`, `party_b_country`, `kind`, `status` (`active`, `suspended`,
//!   `terminated`, `not_yet`, `unknown`), `since` (EDTF of the event that set it), `founded`
//!   (EDTF of the founding claims, `;`-separated), `last_event_id`, `last_event_type`,
//!   `last_recorded_at`, `events`, `retracted`, `disputed`, `conflict`,
//!   `party_a_subdivision`, `party_a_wikidata`, `party_b_subdivision`, `party_b_wikidata`.
//! - `partnership_timeline` — `partnership`, `seq` (history order), `step` (resolved order of
//!   the driving events, else NULL), `event_id`, `stream_version`, `event_type`, `occurred`
//!   (EDTF as written, NULL if unknown), `earliest`, `latest` (days, NULL if unbounded),
//!   `term_as_written`, `certainty`, `sources` (JSON), `initiated_by`, `note`, `target`,
//!   `reason`, `retracted_by`, `disputed`, `status_after`, `recorded_by`, `recorded_at`.
//! - `party_directory` — `party` (key), `partner` (key), `partner_name`, `partner_country`,
//!   `partnership`, `kind`, `status`, `since`, `founded`.
//!
//! The checkpoint is written in the same transaction as the rows it covers, so after a crash
//! the tables are exactly as of the checkpoint.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use amity_domain::Party;

use crate::analysis::{Cohort, DrivingStep, Member};
use crate::rows::{DirectoryRow, PartnershipRows, StatusRow, TimelineRow};
use crate::{Checkpoint, Error, Result};

const PROJECTION: &str = "partnerships";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS projection_checkpoint (
    projection   TEXT PRIMARY KEY,
    position     TEXT    NOT NULL,
    code_version INTEGER NOT NULL,
    events       INTEGER NOT NULL
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
CREATE TABLE IF NOT EXISTS partnership_timeline (
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
    certainty       TEXT    NOT NULL,
    sources         TEXT    NOT NULL,
    initiated_by    TEXT,
    note            TEXT,
    target          TEXT,
    reason          TEXT,
    retracted_by    TEXT,
    disputed        INTEGER NOT NULL,
    status_after    TEXT,
    recorded_by     TEXT    NOT NULL,
    recorded_at     TEXT    NOT NULL
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
CREATE UNIQUE INDEX IF NOT EXISTS partnership_timeline_key ON partnership_timeline (partnership, seq);
CREATE UNIQUE INDEX IF NOT EXISTS party_directory_key ON party_directory (party, partnership);
CREATE INDEX IF NOT EXISTS partnership_status_countries ON partnership_status
    (party_a_country, party_b_country, partnership, party_a_name, party_a_subdivision,
     party_a_wikidata, party_b_name, party_b_subdivision, party_b_wikidata, kind, conflict);
CREATE INDEX IF NOT EXISTS partnership_timeline_steps ON partnership_timeline
    (partnership, step, event_id, event_type, occurred, earliest, latest, status_after)
    WHERE step IS NOT NULL;
";

const DROP: &str = "
DROP TABLE IF EXISTS projection_checkpoint;
DROP TABLE IF EXISTS partnership_status;
DROP TABLE IF EXISTS partnership_timeline;
DROP TABLE IF EXISTS party_directory;
";

fn sql_error(error: rusqlite::Error) -> Error {
    Error::Tables(error.to_string())
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("rows serialize")
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|error| Error::Tables(format!("unreadable row: {error}")))
}

/// The projection tables of one ledger file.
#[derive(Debug)]
pub struct SqliteTables {
    connection: Connection,
}

impl SqliteTables {
    /// Open the tables in the ledger file at `path`, creating them if needed.
    pub fn open(path: &Path) -> Result<SqliteTables> {
        let connection = Connection::open(path).map_err(sql_error)?;
        connection
            .busy_timeout(std::time::Duration::from_secs(30))
            .map_err(sql_error)?;
        connection
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
            .map_err(sql_error)?;
        // Tables written by other projection code are derived data: drop them (the next
        // catch-up rebuilds) rather than fail on a column they lack.
        let stale = connection
            .query_row(
                "SELECT code_version FROM projection_checkpoint WHERE projection = ?1",
                [PROJECTION],
                |row| row.get::<_, u32>(0),
            )
            .optional()
            .unwrap_or(None)
            .is_some_and(|version| version != crate::CODE_VERSION);
        if stale {
            connection.execute_batch(DROP).map_err(sql_error)?;
        }
        connection
            .execute_batch(&format!("{SCHEMA}{INDEXES}"))
            .map_err(sql_error)?;
        Ok(SqliteTables { connection })
    }

    /// The checkpoint, if the projection was ever written.
    pub fn checkpoint(&self) -> Result<Option<Checkpoint>> {
        read_checkpoint(&self.connection)
    }

    /// Start writing: one transaction that holds the ledger's write lock until
    /// [`Writer::finish`] (so the feed cannot move meanwhile) or drop (rolled back). With
    /// `reset`, every table is emptied first (a rebuild); otherwise the checkpoint must still
    /// be `expected`, or [`Error::Raced`] says another process caught up first.
    pub fn begin(&mut self, expected: Option<Checkpoint>, reset: bool) -> Result<Writer<'_>> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_error)?;
        if reset {
            transaction
                .execute_batch(&format!("{DROP}{SCHEMA}"))
                .map_err(sql_error)?;
        } else if read_checkpoint(&transaction)? != expected {
            return Err(Error::Raced);
        }
        Ok(Writer { transaction, reset })
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
                "SELECT {TIMELINE_COLUMNS} FROM partnership_timeline
                 WHERE partnership = ?1 ORDER BY seq"
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
                "SELECT {TIMELINE_COLUMNS} FROM partnership_timeline ORDER BY partnership, seq"
            ))
            .map_err(sql_error)?;
        let rows = statement.query_map([], timeline_row).map_err(sql_error)?;
        rows.map(|row| row.map_err(sql_error)?).collect()
    }

    /// The members of a cohort with their driving steps: what outcomes and series need, read
    /// without decoding whole rows.
    pub fn cohort_members(&self, cohort: &Cohort) -> Result<Vec<Member>> {
        let (filter, values) = cohort_filter(cohort);
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
                    partnership: partnership.parse().map_err(
                        |error: amity_domain::PartyError| Error::Tables(error.to_string()),
                    )?,
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
                 FROM partnership_timeline
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
            member.steps.push(DrivingStep {
                step: amity_domain::Step {
                    earliest: rows_parse_day(
                        row.get::<_, Option<String>>(4)
                            .map_err(sql_error)?
                            .as_deref(),
                        amity_domain::Day::Past,
                    ),
                    latest: rows_parse_day(
                        row.get::<_, Option<String>>(5)
                            .map_err(sql_error)?
                            .as_deref(),
                        amity_domain::Day::Future,
                    ),
                    status_after: from_json(&format!("\"{status_after}\""))?,
                },
                event_id: row
                    .get_ref(1)
                    .map_err(sql_error)?
                    .as_str()
                    .ok()
                    .and_then(|id| id.parse().ok())
                    .ok_or_else(|| Error::Tables("unreadable event id".to_owned()))?,
                event_type: row
                    .get_ref(2)
                    .map_err(sql_error)?
                    .as_str()
                    .ok()
                    .and_then(amity_domain::EventType::from_name)
                    .ok_or_else(|| Error::Tables("unknown event type".to_owned()))?,
                occurred: row.get(3).map_err(sql_error)?,
            });
        }
        Ok(members)
    }

    /// The partnership ids of a cohort.
    pub fn cohort_ids(&self, cohort: &Cohort) -> Result<Vec<String>> {
        let (filter, values) = cohort_filter(cohort);
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
            .prepare_cached("SELECT row FROM party_directory WHERE party = ?1")
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

    /// Every table's rows as text, for comparing two builds.
    pub fn dump(&self) -> Result<Vec<String>> {
        let mut lines = Vec::new();
        for (table, order) in [
            ("partnership_status", "partnership"),
            ("partnership_timeline", "partnership, seq"),
            ("party_directory", "party, partnership"),
        ] {
            let mut statement = self
                .connection
                .prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))
                .map_err(sql_error)?;
            let columns = statement.column_count();
            let mut rows = statement.query([]).map_err(sql_error)?;
            while let Some(row) = rows.next().map_err(sql_error)? {
                let values: Vec<String> = (0..columns)
                    .map(|i| format!("{:?}", row.get_ref(i).map(|v| format!("{v:?}"))))
                    .collect();
                lines.push(format!("{table}: {}", values.join(" | ")));
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
}

impl Writer<'_> {
    /// Replace the rows of these partnerships.
    pub fn write(&mut self, rows: &[PartnershipRows]) -> Result<()> {
        write_rows(&self.transaction, rows, !self.reset)
    }

    /// Move the checkpoint and commit rows and checkpoint together.
    pub fn finish(self, checkpoint: Checkpoint) -> Result<()> {
        if self.reset {
            self.transaction.execute_batch(INDEXES).map_err(sql_error)?;
        }
        self.transaction
            .execute(
                "INSERT INTO projection_checkpoint (projection, position, code_version, events)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (projection) DO UPDATE SET position = ?2, code_version = ?3, events = ?4",
                params![
                    PROJECTION,
                    checkpoint.position.to_string(),
                    checkpoint.code_version,
                    checkpoint.events as i64
                ],
            )
            .map_err(sql_error)?;
        self.transaction.commit().map_err(sql_error)
    }
}

const TIMELINE_COLUMNS: &str = "partnership, seq, step, event_id, stream_version, event_type,
    occurred, earliest, latest, term_as_written, certainty, sources, initiated_by, note, target,
    reason, retracted_by, disputed, status_after, recorded_by, recorded_at";

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
            partnership: partnership
                .parse()
                .map_err(|error: amity_domain::PartyError| Error::Tables(error.to_string()))?,
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
            certainty: from_json(&format!("\"{certainty}\""))?,
            sources: from_json(&sources)?,
            initiated_by: text(12).map_err(sql_error)?,
            note: text(13).map_err(sql_error)?,
            target: text(14).map_err(sql_error)?,
            reason: text(15).map_err(sql_error)?,
            retracted_by: text(16).map_err(sql_error)?,
            disputed: row.get(17).map_err(sql_error)?,
            status_after: status_after
                .map(|status| from_json(&format!("\"{status}\"")))
                .transpose()?,
            recorded_by: row.get(19).map_err(sql_error)?,
            recorded_at: row.get(20).map_err(sql_error)?,
        })
    })();
    Ok(built)
}

/// The SQL condition on `partnership_status` for a cohort, and its parameters.
fn cohort_filter(cohort: &Cohort) -> (String, Vec<String>) {
    let mut conditions = vec!["1 = 1".to_owned()];
    let mut values: Vec<String> = Vec::new();
    let next = |value: String, values: &mut Vec<String>| {
        values.push(value);
        format!("?{}", values.len())
    };
    if let Some([a, b]) = &cohort.countries {
        let (a, b) = (next(a.clone(), &mut values), next(b.clone(), &mut values));
        conditions.push(format!(
            "((party_a_country = {a} AND party_b_country = {b}) OR (party_a_country = {b} AND party_b_country = {a}))"
        ));
    }
    if let Some(party) = &cohort.party {
        let p = next(party.to_string(), &mut values);
        conditions.push(format!("(party_a = {p} OR party_b = {p})"));
    }
    if let Some(region) = &cohort.region {
        let r = next(region.to_ascii_uppercase(), &mut values);
        conditions.push(format!(
            "(party_a_country = {r} OR party_b_country = {r} OR party_a_subdivision = {r} OR party_b_subdivision = {r})"
        ));
    }
    if let Some(kind) = &cohort.kind {
        let k = next(
            amity_domain::PartnershipKind::new(kind).to_string(),
            &mut values,
        );
        conditions.push(format!("kind = {k}"));
    }
    (conditions.join(" AND "), values)
}

fn rows_parse_day(text: Option<&str>, unbounded: amity_domain::Day) -> amity_domain::Day {
    crate::rows::parse_day(text, unbounded)
}

fn read_checkpoint(connection: &Connection) -> Result<Option<Checkpoint>> {
    let row: Option<(String, u32, i64)> = connection
        .query_row(
            "SELECT position, code_version, events FROM projection_checkpoint WHERE projection = ?1",
            [PROJECTION],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()
        .map_err(sql_error)?;
    row.map(|(position, code_version, events)| {
        Ok(Checkpoint {
            position: position
                .parse::<amity_store::Position>()
                .map_err(|error: amity_store::Error| Error::Tables(error.to_string()))?,
            code_version,
            events: events as u64,
        })
    })
    .transpose()
}

fn write_rows(connection: &Connection, rows: &[PartnershipRows], replace: bool) -> Result<()> {
    let mut delete_status = connection
        .prepare_cached("DELETE FROM partnership_status WHERE partnership = ?1")
        .map_err(sql_error)?;
    let mut delete_timeline = connection
        .prepare_cached("DELETE FROM partnership_timeline WHERE partnership = ?1")
        .map_err(sql_error)?;
    let mut delete_directory = connection
        .prepare_cached("DELETE FROM party_directory WHERE partnership = ?1 AND party IN (?2, ?3)")
        .map_err(sql_error)?;
    let mut insert_status = connection
        .prepare_cached(
            "INSERT INTO partnership_status VALUES
             (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
              ?20, ?21, ?22, ?23)",
        )
        .map_err(sql_error)?;
    let mut insert_timeline = connection
        .prepare_cached(
            "INSERT INTO partnership_timeline VALUES
             (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
              ?20, ?21)",
        )
        .map_err(sql_error)?;
    let mut insert_directory = connection
        .prepare_cached(
            "INSERT INTO party_directory VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .map_err(sql_error)?;
    for partnership in rows {
        let status = &partnership.status;
        let id = status.partnership.as_str();
        let keys: Vec<String> = status.parties.iter().map(|p| p.key().to_string()).collect();
        if replace {
            delete_status.execute([id]).map_err(sql_error)?;
            delete_timeline.execute([id]).map_err(sql_error)?;
            delete_directory
                .execute(params![id, keys[0], keys[1]])
                .map_err(sql_error)?;
        }
        let founded: Vec<&str> = status
            .founding_claims
            .iter()
            .filter_map(|claim| claim.occurred.as_deref())
            .collect();
        let last = status.last_event.as_ref();
        insert_status
            .execute(params![
                id,
                keys[0],
                status.parties[0].name,
                status.parties[0].country,
                keys[1],
                status.parties[1].name,
                status.parties[1].country,
                status.kind.as_str(),
                status.status.name(),
                status.since,
                (!founded.is_empty()).then(|| founded.join(";")),
                last.map(|l| l.event_id.as_str()),
                last.map(|l| l.event_type.as_str()),
                last.map(|l| l.recorded_at.as_str()),
                status.events as i64,
                status.retracted as i64,
                status.disputed as i64,
                status.conflict,
                status.parties[0].subdivision,
                status.parties[0].wikidata,
                status.parties[1].subdivision,
                status.parties[1].wikidata,
                json(status),
            ])
            .map_err(sql_error)?;
        for row in &partnership.timeline {
            insert_timeline
                .execute(params![
                    id,
                    row.seq as i64,
                    row.step.map(|step| step as i64),
                    row.event_id,
                    row.stream_version as i64,
                    row.event_type,
                    row.occurred,
                    row.earliest,
                    row.latest,
                    row.term_as_written,
                    row.certainty.name(),
                    json(&row.sources),
                    row.initiated_by,
                    row.note,
                    row.target,
                    row.reason,
                    row.retracted_by,
                    row.disputed,
                    row.status_after.map(|status| status.name()),
                    row.recorded_by,
                    row.recorded_at,
                ])
                .map_err(sql_error)?;
        }
        for row in &partnership.directory {
            insert_directory
                .execute(params![
                    row.party,
                    row.partner.key().to_string(),
                    row.partner.name,
                    row.partner.country,
                    id,
                    row.kind.as_str(),
                    row.status.name(),
                    row.since,
                    row.founded,
                    json(row),
                ])
                .map_err(sql_error)?;
        }
    }
    Ok(())
}
