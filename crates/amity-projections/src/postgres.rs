//! Projections materialized as tables in PostgreSQL, in the schema of the store's events
//! (`postgres://…?schema=NAME`, `amity` by default), so that `psql` and anything that speaks
//! SQL can query them beside `events`.
//!
//! The tables, columns, rows and order are those of the SQLite backend (documented in
//! [`crate::sqlite`]), with PostgreSQL's types: counts and positions in the history are
//! `BIGINT`, `partnership_timeline.disputed` is `BOOLEAN`, the `row` and `sources` columns
//! are `JSON` (kept as written, so `row->>'status'` works), the rest is `TEXT`; keys compare
//! byte-wise (`COLLATE "C"`) so that every order matches SQLite's. The backend creates them
//! itself with versioned migrations (`projection_migrations`), beside the store's own.
//!
//! Writers serialize on the checkpoint row, locked `FOR UPDATE` (and, for the first build of a
//! schema, on a transaction-level advisory lock); a catch-up that finds the checkpoint moved
//! while it waited gives way ([`Error::Raced`]). Rows are written in batches (one `UNNEST`
//! insert per table and batch), and the checkpoint commits with them. A rebuild empties the
//! tables with `TRUNCATE` and builds their indexes after loading: until it commits, readers of
//! these tables wait for it rather than see half a projection.

use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, NoTls, Statement, Transaction};

use crate::analysis::{Cohort, Member};
use crate::rows::{DirectoryRow, PartnershipRows, PartyRow, StatusRow, TimelineRow};
use crate::tables::{
    cohort_filter, directory_values, driving_step, dump_line, from_json, from_name, partnership_id,
    party_search_sql, party_values, status_values, timeline_values, DumpValue, Value,
    DIRECTORY_COLUMNS, DUMPED, PARTY_COLUMNS, PROJECTION, STATUS_COLUMNS, TIMELINE_COLUMNS,
};
use crate::{Checkpoint, Error, Result};

/// The tables. `{s}` is the schema.
const TABLES: &str = r#"
CREATE TABLE IF NOT EXISTS {s}.projection_checkpoint (
    projection     TEXT PRIMARY KEY,
    position       TEXT    NOT NULL,
    code_version   INTEGER NOT NULL,
    events         BIGINT  NOT NULL,
    first_event_id TEXT
);
CREATE TABLE IF NOT EXISTS {s}.partnership_status (
    partnership      TEXT COLLATE "C" NOT NULL,
    party_a          TEXT COLLATE "C" NOT NULL,
    party_a_name     TEXT   NOT NULL,
    party_a_country  TEXT   NOT NULL,
    party_b          TEXT COLLATE "C" NOT NULL,
    party_b_name     TEXT   NOT NULL,
    party_b_country  TEXT   NOT NULL,
    kind             TEXT   NOT NULL,
    status           TEXT   NOT NULL,
    since            TEXT,
    founded          TEXT,
    last_event_id    TEXT,
    last_event_type  TEXT,
    last_recorded_at TEXT,
    events           BIGINT NOT NULL,
    retracted        BIGINT NOT NULL,
    disputed         BIGINT NOT NULL,
    conflict         TEXT,
    party_a_subdivision TEXT,
    party_a_wikidata    TEXT,
    party_b_subdivision TEXT,
    party_b_wikidata    TEXT,
    "row"            JSON   NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.partnership_timeline (
    partnership     TEXT COLLATE "C" NOT NULL,
    seq             BIGINT  NOT NULL,
    step            BIGINT,
    event_id        TEXT    NOT NULL,
    stream_version  BIGINT  NOT NULL,
    event_type      TEXT    NOT NULL,
    occurred        TEXT,
    earliest        TEXT,
    latest          TEXT,
    term_as_written TEXT,
    certainty       TEXT    NOT NULL,
    sources         JSON    NOT NULL,
    initiated_by    TEXT,
    note            TEXT,
    target          TEXT,
    reason          TEXT,
    retracted_by    TEXT,
    disputed        BOOLEAN NOT NULL,
    status_after    TEXT,
    recorded_by     TEXT    NOT NULL,
    recorded_at     TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.party_directory (
    party           TEXT COLLATE "C" NOT NULL,
    partner         TEXT COLLATE "C" NOT NULL,
    partner_name    TEXT NOT NULL,
    partner_country TEXT NOT NULL,
    partnership     TEXT COLLATE "C" NOT NULL,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    since           TEXT,
    founded         TEXT,
    "row"           JSON NOT NULL
);
"#;

/// The indexes: created by the first migration, dropped by a rebuild before it loads the rows
/// and created again after (sorting once beats inserting into an index in random order).
const INDEXES: &str = r#"
CREATE UNIQUE INDEX IF NOT EXISTS partnership_status_key ON {s}.partnership_status (partnership);
CREATE UNIQUE INDEX IF NOT EXISTS partnership_timeline_key ON {s}.partnership_timeline (partnership, seq);
CREATE UNIQUE INDEX IF NOT EXISTS party_directory_key ON {s}.party_directory (party, partnership);
CREATE INDEX IF NOT EXISTS partnership_status_countries ON {s}.partnership_status
    (party_a_country, party_b_country);
CREATE INDEX IF NOT EXISTS partnership_timeline_steps ON {s}.partnership_timeline
    (partnership, step) WHERE step IS NOT NULL;
"#;

/// Statistics for the planner after a rebuild, on the columns queries select by (the JSON
/// columns would triple the time and are never filtered on).
const ANALYZE: &str = "ANALYZE {s}.partnership_status (partnership, party_a, party_b,
    party_a_country, party_b_country, party_a_subdivision, party_b_subdivision, kind),
    {s}.partnership_timeline (partnership, step), {s}.party_directory (party, partnership);";

const DROP_INDEXES: &str = "DROP INDEX IF EXISTS {s}.partnership_status_key,
    {s}.partnership_timeline_key, {s}.party_directory_key, {s}.partnership_status_countries,
    {s}.partnership_timeline_steps;";

/// The migrations, in order (numbered from 1 in `projection_migrations`). A released one is
/// never edited: changes come as new ones.
fn migrations() -> Vec<String> {
    vec![
        format!("{TABLES}{INDEXES}"),
        // Code version 7: the first attestation, and the statuses possible now.
        "ALTER TABLE {s}.partnership_status ADD COLUMN IF NOT EXISTS first_attested TEXT,
             ADD COLUMN IF NOT EXISTS possible TEXT;"
            .to_owned(),
        // Code version 8: the parties, registered or named by partnerships, and the stream of
        // an entry merged into a community's history from another key's stream.
        r#"ALTER TABLE {s}.partnership_timeline ADD COLUMN IF NOT EXISTS stream TEXT;
           CREATE TABLE IF NOT EXISTS {s}.parties (
               party       TEXT COLLATE "C" PRIMARY KEY,
               name        TEXT NOT NULL,
               country     TEXT NOT NULL,
               subdivision TEXT,
               wikidata    TEXT,
               kind        TEXT,
               canonical   TEXT COLLATE "C" NOT NULL,
               registered  BOOLEAN NOT NULL,
               names       TEXT NOT NULL,
               "row"       JSON NOT NULL
           );"#
        .to_owned(),
    ]
}

/// The PostgreSQL type of each column of `parties`.
const PARTY_TYPES: &[&str] = &[
    "text", "text", "text", "text", "text", "text", "text", "boolean", "text", "json",
];

/// The PostgreSQL type of each column, in the order of the column lists of
/// [`crate::tables`]: what the batched inserts cast their arrays to.
const STATUS_TYPES: &[&str] = &[
    "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text",
    "text", "text", "bigint", "bigint", "bigint", "text", "text", "text", "text", "text", "json",
    "text", "text",
];
const TIMELINE_TYPES: &[&str] = &[
    "text", "bigint", "bigint", "text", "bigint", "text", "text", "text", "text", "text", "text",
    "json", "text", "text", "text", "text", "text", "boolean", "text", "text", "text", "text",
];
const DIRECTORY_TYPES: &[&str] = &[
    "text", "text", "text", "text", "text", "text", "text", "text", "text", "json",
];

/// A PostgreSQL error as one line: the server's message and its detail, if any.
fn pg_error(error: tokio_postgres::Error) -> Error {
    match error.as_db_error() {
        Some(db) => Error::Tables(match db.detail() {
            Some(detail) => format!("postgres: {} ({detail})", db.message()),
            None => format!("postgres: {}", db.message()),
        }),
        None => Error::Tables(format!("postgres: {error}")),
    }
}

/// The projection tables in one PostgreSQL schema.
#[derive(Debug)]
pub struct PostgresTables {
    client: Client,
    schema: String,
}

impl PostgresTables {
    /// Connect with the store's URL (`postgres://user@host:port/db?schema=NAME`; the schema
    /// defaults to `amity`, as for the store) and create or migrate the tables in that schema.
    pub async fn connect(url: &str) -> Result<PostgresTables> {
        let (config, schema) = parse_url(url)?;
        let (client, connection) = tokio_postgres::connect(&config, NoTls)
            .await
            .map_err(pg_error)?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::warn!(%error, "postgres projection connection ended");
            }
        });
        let mut tables = PostgresTables { client, schema };
        tables.migrate().await?;
        Ok(tables)
    }

    /// The schema the tables live in.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    fn sql(&self, text: &str) -> String {
        qualify(text, &self.schema)
    }

    async fn migrate(&mut self) -> Result<()> {
        let schema = self.schema.clone();
        let transaction = self.client.transaction().await.map_err(pg_error)?;
        // The store's migration lock: one schema change at a time, whoever makes it (two
        // `CREATE SCHEMA IF NOT EXISTS` at once can fail).
        transaction
            .batch_execute(&qualify(
                "SELECT pg_advisory_xact_lock(hashtext('amity-migrate'));
                 CREATE SCHEMA IF NOT EXISTS {s};
                 CREATE TABLE IF NOT EXISTS {s}.projection_migrations
                     (version INTEGER PRIMARY KEY);",
                &schema,
            ))
            .await
            .map_err(pg_error)?;
        let done: i32 = transaction
            .query_one(
                &qualify(
                    "SELECT coalesce(max(version), 0) FROM {s}.projection_migrations",
                    &schema,
                ),
                &[],
            )
            .await
            .map_err(pg_error)?
            .get(0);
        for (index, migration) in migrations().iter().enumerate().skip(done as usize) {
            transaction
                .batch_execute(&qualify(migration, &schema))
                .await
                .map_err(pg_error)?;
            transaction
                .execute(
                    &qualify(
                        "INSERT INTO {s}.projection_migrations (version) VALUES ($1)",
                        &schema,
                    ),
                    &[&(index as i32 + 1)],
                )
                .await
                .map_err(pg_error)?;
        }
        transaction.commit().await.map_err(pg_error)
    }

    /// The checkpoint, if the projection was ever written.
    pub async fn checkpoint(&self) -> Result<Option<Checkpoint>> {
        read_checkpoint(&self.client, &self.schema, "").await
    }

    /// Start writing: one transaction that excludes every other writer of these tables until
    /// [`Writer::finish`] or drop (rolled back). With `reset`, every table is emptied first (a
    /// rebuild); otherwise the checkpoint must still be `expected`, or [`Error::Raced`] says
    /// another process caught up first.
    pub async fn begin(&mut self, expected: Option<Checkpoint>, reset: bool) -> Result<Writer<'_>> {
        let PostgresTables { client, schema } = self;
        let transaction = client.transaction().await.map_err(pg_error)?;
        // The checkpoint row is the lock; before it first exists, the advisory lock is.
        transaction
            .execute(
                "SELECT pg_advisory_xact_lock(hashtext($1))",
                &[&format!("amity-projections:{schema}")],
            )
            .await
            .map_err(pg_error)?;
        let current = read_checkpoint(&transaction, schema, " FOR UPDATE").await?;
        if reset {
            transaction
                .batch_execute(&qualify(
                    &format!(
                        "TRUNCATE {{s}}.partnership_status, {{s}}.partnership_timeline,
                             {{s}}.party_directory, {{s}}.parties;
                         {DROP_INDEXES}"
                    ),
                    schema,
                ))
                .await
                .map_err(pg_error)?;
        } else if current != expected {
            return Err(Error::Raced);
        }
        let prepare = |text: String| {
            let transaction = &transaction;
            async move { transaction.prepare(&text).await.map_err(pg_error) }
        };
        let (insert_status, insert_timeline, insert_directory) = tokio::try_join!(
            prepare(insert_sql(
                schema,
                "partnership_status",
                STATUS_COLUMNS,
                STATUS_TYPES
            )),
            prepare(insert_sql(
                schema,
                "partnership_timeline",
                TIMELINE_COLUMNS,
                TIMELINE_TYPES
            )),
            prepare(insert_sql(
                schema,
                "party_directory",
                DIRECTORY_COLUMNS,
                DIRECTORY_TYPES
            )),
        )?;
        let (delete_status, delete_timeline, delete_directory) = tokio::try_join!(
            prepare(qualify(
                "DELETE FROM {s}.partnership_status WHERE partnership = ANY($1::text[])",
                schema
            )),
            prepare(qualify(
                "DELETE FROM {s}.partnership_timeline WHERE partnership = ANY($1::text[])",
                schema
            )),
            prepare(qualify(
                "DELETE FROM {s}.party_directory d
                 USING UNNEST($1::text[], $2::text[]) AS k (party, partnership)
                 WHERE d.party = k.party AND d.partnership = k.partnership",
                schema
            )),
        )?;
        Ok(Writer {
            statements: Statements {
                insert_status,
                insert_timeline,
                insert_directory,
                delete_status,
                delete_timeline,
                delete_directory,
            },
            transaction,
            schema,
            reset,
        })
    }

    /// Status rows: all, in partnership order, or those of the given partnerships that
    /// exist, in the order given.
    pub async fn status_rows(&self, only: Option<&[String]>) -> Result<Vec<StatusRow>> {
        let rows = match only {
            None => self
                .client
                .query(
                    &self.sql(
                        r#"SELECT "row"::text FROM {s}.partnership_status ORDER BY partnership"#,
                    ),
                    &[],
                )
                .await,
            Some(ids) => {
                self.client
                    .query(
                        &self.sql(
                            r#"SELECT p."row"::text
                               FROM UNNEST($1::text[]) WITH ORDINALITY AS i (id, n)
                               JOIN {s}.partnership_status p ON p.partnership = i.id
                               ORDER BY i.n"#,
                        ),
                        &[&ids],
                    )
                    .await
            }
        }
        .map_err(pg_error)?;
        rows.iter()
            .map(|row| from_json(row.get::<_, &str>(0)))
            .collect()
    }

    /// A partnership's history rows, in history order.
    pub async fn timeline_rows(&self, partnership: &str) -> Result<Vec<TimelineRow>> {
        let rows = self
            .client
            .query(
                &self.sql(&format!(
                    "SELECT {} FROM {{s}}.partnership_timeline WHERE partnership = $1 ORDER BY seq",
                    select_list(TIMELINE_COLUMNS)
                )),
                &[&partnership],
            )
            .await
            .map_err(pg_error)?;
        rows.iter().map(timeline_row).collect()
    }

    /// Every history row, by partnership then history order.
    pub async fn all_timeline_rows(&self) -> Result<Vec<TimelineRow>> {
        let rows = self
            .client
            .query(
                &self.sql(&format!(
                    "SELECT {} FROM {{s}}.partnership_timeline ORDER BY partnership, seq",
                    select_list(TIMELINE_COLUMNS)
                )),
                &[],
            )
            .await
            .map_err(pg_error)?;
        rows.iter().map(timeline_row).collect()
    }

    /// The members of a cohort with their driving steps, in partnership order.
    pub async fn cohort_members(&self, cohort: &Cohort) -> Result<Vec<Member>> {
        let (filter, values) = cohort_filter(cohort, placeholder);
        let parameters: Vec<&(dyn ToSql + Sync)> = values
            .iter()
            .map(|value| value as &(dyn ToSql + Sync))
            .collect();
        let members_sql = self.sql(&format!(
            "SELECT partnership, party_a_name, party_a_country, party_a_subdivision,
                    party_a_wikidata, party_b_name, party_b_country, party_b_subdivision,
                    party_b_wikidata, kind, conflict IS NOT NULL, party_a, party_b
             FROM {{s}}.partnership_status WHERE {filter} ORDER BY partnership"
        ));
        let steps_sql = self.sql(&format!(
            "SELECT partnership, event_id, event_type, occurred, earliest, latest, status_after
             FROM {{s}}.partnership_timeline
             WHERE step IS NOT NULL
               AND partnership IN (SELECT partnership FROM {{s}}.partnership_status WHERE {filter})
             ORDER BY partnership, step"
        ));
        let (members, steps) = tokio::try_join!(
            self.client.query(&members_sql, &parameters),
            self.client.query(&steps_sql, &parameters),
        )
        .map_err(pg_error)?;
        let party = |row: &tokio_postgres::Row, offset: usize| amity_domain::Party {
            name: row.get(offset),
            country: row.get(offset + 1),
            subdivision: row.get(offset + 2),
            wikidata: row.get(offset + 3),
            qualifier: None,
        };
        let mut members = members
            .iter()
            .map(|row| {
                Ok(Member {
                    partnership: partnership_id(row.get(0))?,
                    parties: vec![
                        party(row, 1).keyed(row.get(11)),
                        party(row, 5).keyed(row.get(12)),
                    ],
                    kind: amity_domain::PartnershipKind::new(row.get::<_, &str>(9)),
                    conflict: row.get(10),
                    steps: Vec::new(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut index = 0;
        for row in &steps {
            let partnership: &str = row.get(0);
            while index < members.len() && members[index].partnership.as_str() != partnership {
                index += 1;
            }
            let Some(member) = members.get_mut(index) else {
                break;
            };
            if row.get::<_, Option<&str>>(6).is_none() {
                continue;
            }
            member.steps.push(driving_step(
                row.get(1),
                row.get(2),
                row.get(3),
                row.get(4),
                row.get(5),
            )?);
        }
        Ok(members)
    }

    /// The partnership ids of a cohort, in order.
    pub async fn cohort_ids(&self, cohort: &Cohort) -> Result<Vec<String>> {
        let (filter, values) = cohort_filter(cohort, placeholder);
        let parameters: Vec<&(dyn ToSql + Sync)> = values
            .iter()
            .map(|value| value as &(dyn ToSql + Sync))
            .collect();
        let rows = self
            .client
            .query(
                &self.sql(&format!(
                    "SELECT partnership FROM {{s}}.partnership_status WHERE {filter}
                     ORDER BY partnership"
                )),
                &parameters,
            )
            .await
            .map_err(pg_error)?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    /// A party's directory rows, in partnership order.
    pub async fn directory_rows(&self, party: &str) -> Result<Vec<DirectoryRow>> {
        let rows = self
            .client
            .query(
                &self.sql(
                    r#"SELECT "row"::text FROM {s}.party_directory WHERE party = $1
                       ORDER BY partnership"#,
                ),
                &[&party],
            )
            .await
            .map_err(pg_error)?;
        rows.iter()
            .map(|row| from_json(row.get::<_, &str>(0)))
            .collect()
    }

    /// One party's row, by its key.
    pub async fn party(&self, key: &str) -> Result<Option<PartyRow>> {
        let row = self
            .client
            .query_opt(
                &self.sql("SELECT \"row\"::text FROM {s}.parties WHERE party = $1"),
                &[&key],
            )
            .await
            .map_err(pg_error)?;
        row.map(|row| from_json(row.get(0))).transpose()
    }

    /// Every party row, by key.
    pub async fn all_parties(&self) -> Result<Vec<PartyRow>> {
        let rows = self
            .client
            .query(
                &self.sql("SELECT \"row\"::text FROM {s}.parties ORDER BY party"),
                &[],
            )
            .await
            .map_err(pg_error)?;
        rows.iter().map(|row| from_json(row.get(0))).collect()
    }

    /// Parties matching a folded query (see [`crate::tables::party_search_sql`]).
    pub async fn search_parties(&self, query: &str) -> Result<Vec<(PartyRow, u64)>> {
        let sql = party_search_sql("$1::text", &format!("\"{}\".", self.schema));
        let rows = self
            .client
            .query(&sql.replace("p.row,", "p.\"row\"::text,"), &[&query])
            .await
            .map_err(pg_error)?;
        rows.iter()
            .map(|row| {
                let json: String = row.get(0);
                let count: i64 = row.get(1);
                Ok((from_json(&json)?, count as u64))
            })
            .collect()
    }

    /// Every party key whose name part is `name`, in order (for "did you mean").
    pub async fn parties_named(&self, name: &str) -> Result<Vec<String>> {
        let rows = self
            .client
            .query(
                &self.sql(
                    "SELECT DISTINCT party FROM {s}.party_directory WHERE party LIKE $1
                     ORDER BY party",
                ),
                &[&format!("%:{name}")],
            )
            .await
            .map_err(pg_error)?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    /// Every table's rows as text, printed as the SQLite backend prints its own.
    pub async fn dump(&self) -> Result<Vec<String>> {
        let mut lines = Vec::new();
        for (table, columns, order) in DUMPED {
            let rows = self
                .client
                .query(
                    &self.sql(&format!(
                        "SELECT {} FROM {{s}}.{table} ORDER BY {order}",
                        select_list(columns)
                    )),
                    &[],
                )
                .await
                .map_err(pg_error)?;
            for row in &rows {
                let values = row
                    .columns()
                    .iter()
                    .enumerate()
                    .map(|(index, column)| {
                        let value = match *column.type_() {
                            Type::INT8 => row.get::<_, Option<i64>>(index).map(DumpValue::Integer),
                            Type::BOOL => row
                                .get::<_, Option<bool>>(index)
                                .map(|flag| DumpValue::Integer(i64::from(flag))),
                            _ => row.get::<_, Option<String>>(index).map(DumpValue::Text),
                        };
                        value.unwrap_or(DumpValue::Null)
                    })
                    .collect::<Vec<_>>();
                lines.push(dump_line(table, &values));
            }
        }
        Ok(lines)
    }
}

/// The prepared statements of a [`Writer`].
#[derive(Debug)]
struct Statements {
    insert_status: Statement,
    insert_timeline: Statement,
    insert_directory: Statement,
    delete_status: Statement,
    delete_timeline: Statement,
    delete_directory: Statement,
}

/// An open projection transaction (see [`PostgresTables::begin`]).
pub struct Writer<'a> {
    transaction: Transaction<'a>,
    schema: &'a str,
    statements: Statements,
    /// The tables were emptied: nothing to delete, indexes come last.
    reset: bool,
}

impl std::fmt::Debug for Writer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("schema", &self.schema)
            .field("reset", &self.reset)
            .finish_non_exhaustive()
    }
}

impl Writer<'_> {
    /// Replace the rows of these partnerships: at most one batched statement per table to
    /// delete the old rows, and one to insert the new ones.
    pub async fn write(&mut self, rows: &[PartnershipRows]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let transaction = &self.transaction;
        let statements = &self.statements;
        if !self.reset {
            let ids: Vec<&str> = rows
                .iter()
                .map(|partnership| partnership.status.partnership.as_str())
                .collect();
            let (parties, partnerships): (Vec<&str>, Vec<&str>) = rows
                .iter()
                .flat_map(|partnership| &partnership.directory)
                .map(|row| (row.party.as_str(), row.partnership.as_str()))
                .unzip();
            let (by_id, by_key): ([&(dyn ToSql + Sync); 1], [&(dyn ToSql + Sync); 2]) =
                ([&ids], [&parties, &partnerships]);
            first_failure(tokio::join!(
                transaction.execute(&statements.delete_status, &by_id),
                transaction.execute(&statements.delete_timeline, &by_id),
                transaction.execute(&statements.delete_directory, &by_key),
            ))?;
        }
        let status: Vec<[Value<'_>; 25]> = rows
            .iter()
            .map(|partnership| status_values(&partnership.status))
            .collect();
        let timeline: Vec<[Value<'_>; 22]> = rows
            .iter()
            .flat_map(|partnership| &partnership.timeline)
            .map(|row| timeline_values(row, true))
            .collect();
        let directory: Vec<[Value<'_>; 10]> = rows
            .iter()
            .flat_map(|partnership| &partnership.directory)
            .map(directory_values)
            .collect();
        let (status, timeline, directory) = (
            Columns::of(&status, STATUS_TYPES)?,
            Columns::of(&timeline, TIMELINE_TYPES)?,
            Columns::of(&directory, DIRECTORY_TYPES)?,
        );
        let (status, timeline, directory) = (
            status.parameters(),
            timeline.parameters(),
            directory.parameters(),
        );
        first_failure(tokio::join!(
            transaction.execute(&statements.insert_status, &status),
            transaction.execute(&statements.insert_timeline, &timeline),
            transaction.execute(&statements.insert_directory, &directory),
        ))
    }

    /// Write party rows: with `replace`, over those already there; otherwise only new ones.
    pub async fn write_parties(&mut self, rows: Vec<PartyRow>, replace: bool) -> Result<()> {
        // One row per key (a statement may not touch a row twice): the last given wins when
        // replacing, the first otherwise.
        let mut unique: Vec<PartyRow> = Vec::with_capacity(rows.len());
        let mut seen: std::collections::HashMap<String, usize> = Default::default();
        for row in rows {
            match seen.get(&row.key) {
                Some(&index) if replace => unique[index] = row,
                Some(_) => {}
                None => {
                    seen.insert(row.key.clone(), unique.len());
                    unique.push(row);
                }
            }
        }
        if unique.is_empty() {
            return Ok(());
        }
        let values: Vec<[Value<'_>; 10]> = unique.iter().map(party_values).collect();
        let columns = Columns::of(&values, PARTY_TYPES)?;
        let parameters = columns.parameters();
        let conflict = if replace {
            let set: Vec<String> = PARTY_COLUMNS
                .iter()
                .skip(1)
                .map(|column| format!("\"{column}\" = EXCLUDED.\"{column}\""))
                .collect();
            format!("DO UPDATE SET {}", set.join(", "))
        } else {
            "DO NOTHING".to_owned()
        };
        let sql = format!(
            "{} ON CONFLICT (party) {conflict}",
            insert_sql(self.schema, "parties", PARTY_COLUMNS, PARTY_TYPES)
        );
        self.transaction
            .execute(&sql, &parameters)
            .await
            .map_err(pg_error)?;
        Ok(())
    }

    /// Move the checkpoint and commit rows and checkpoint together.
    pub async fn finish(self, checkpoint: Checkpoint) -> Result<()> {
        let schema = self.schema;
        if self.reset {
            self.transaction
                .batch_execute(&qualify(&format!("{INDEXES}{ANALYZE}"), schema))
                .await
                .map_err(pg_error)?;
        }
        self.transaction
            .execute(
                &qualify(
                    "INSERT INTO {s}.projection_checkpoint
                         (projection, position, code_version, events, first_event_id)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (projection) DO UPDATE
                     SET position = EXCLUDED.position, code_version = EXCLUDED.code_version,
                         events = EXCLUDED.events, first_event_id = EXCLUDED.first_event_id",
                    schema,
                ),
                &[
                    &PROJECTION,
                    &checkpoint.position.to_string(),
                    &(checkpoint.code_version as i32),
                    &(checkpoint.events as i64),
                    &checkpoint.first_event.map(|id| id.to_string()),
                ],
            )
            .await
            .map_err(pg_error)?;
        self.transaction.commit().await.map_err(pg_error)
    }
}

/// Rows to insert, column by column: one array parameter per column of an `UNNEST` insert.
enum Column<'a> {
    Text(Vec<Option<&'a str>>),
    Integer(Vec<Option<i64>>),
    Boolean(Vec<bool>),
}

struct Columns<'a>(Vec<Column<'a>>);

impl<'a> Columns<'a> {
    /// The columns of these rows, whose types are `types` (PostgreSQL's names).
    fn of<const N: usize>(rows: &'a [[Value<'a>; N]], types: &[&str]) -> Result<Columns<'a>> {
        let mut columns: Vec<Column<'a>> = types
            .iter()
            .map(|kind| match *kind {
                "bigint" => Column::Integer(Vec::with_capacity(rows.len())),
                "boolean" => Column::Boolean(Vec::with_capacity(rows.len())),
                _ => Column::Text(Vec::with_capacity(rows.len())),
            })
            .collect();
        for row in rows {
            for (column, value) in columns.iter_mut().zip(row) {
                match (column, value) {
                    (Column::Text(texts), Value::Text(text)) => texts.push(text.as_deref()),
                    (Column::Integer(numbers), Value::Integer(number)) => numbers.push(*number),
                    (Column::Boolean(flags), Value::Boolean(flag)) => flags.push(*flag),
                    _ => return Err(Error::Tables("a value of the wrong type".to_owned())),
                }
            }
        }
        Ok(Columns(columns))
    }

    fn parameters(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.0
            .iter()
            .map(|column| match column {
                Column::Text(texts) => texts as &(dyn ToSql + Sync),
                Column::Integer(numbers) => numbers as &(dyn ToSql + Sync),
                Column::Boolean(flags) => flags as &(dyn ToSql + Sync),
            })
            .collect()
    }
}

/// `INSERT INTO table (…) SELECT … FROM UNNEST($1::type[], …)`: a whole batch in one
/// statement. JSON columns travel as text and are cast on the server, verbatim.
fn insert_sql(schema: &str, table: &str, columns: &[&str], types: &[&str]) -> String {
    let names: Vec<String> = columns.iter().map(|name| format!("\"{name}\"")).collect();
    let arrays: Vec<String> = types
        .iter()
        .enumerate()
        .map(|(index, kind)| {
            let kind = if *kind == "json" { "text" } else { kind };
            format!("${}::{kind}[]", index + 1)
        })
        .collect();
    let values: Vec<String> = names
        .iter()
        .zip(types)
        .map(|(name, kind)| {
            if *kind == "json" {
                format!("{name}::json")
            } else {
                name.clone()
            }
        })
        .collect();
    qualify(
        &format!(
            "INSERT INTO {{s}}.{table} ({names}) SELECT {values} FROM UNNEST({arrays}) AS r ({names})",
            names = names.join(", "),
            values = values.join(", "),
            arrays = arrays.join(", "),
        ),
        schema,
    )
}

/// A select list of these columns, JSON ones read back as text.
fn select_list(columns: &[&str]) -> String {
    columns
        .iter()
        .map(|name| match *name {
            "row" | "sources" => format!("\"{name}\"::text"),
            _ => format!("\"{name}\""),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// SQL with `{s}` naming the schema.
fn qualify(text: &str, schema: &str) -> String {
    text.replace("{s}", &format!("\"{schema}\""))
}

/// The outcome of three statements pipelined in one transaction, in the order they were sent:
/// once one fails, the later ones fail only because the transaction is aborted, so the first
/// failure is the one worth reporting (`try_join!` would report whichever it polled first).
fn first_failure(
    results: (
        Result<u64, tokio_postgres::Error>,
        Result<u64, tokio_postgres::Error>,
        Result<u64, tokio_postgres::Error>,
    ),
) -> Result<()> {
    let (first, second, third) = results;
    first.and(second).and(third).map(|_| ()).map_err(pg_error)
}

/// PostgreSQL's numbered parameter.
fn placeholder(number: usize) -> String {
    format!("${number}")
}

/// A [`TimelineRow`] from the columns of [`TIMELINE_COLUMNS`].
fn timeline_row(row: &tokio_postgres::Row) -> Result<TimelineRow> {
    Ok(TimelineRow {
        partnership: partnership_id(row.get(0))?,
        seq: row.get::<_, i64>(1) as u64,
        step: row.get::<_, Option<i64>>(2).map(|step| step as u64),
        event_id: row.get(3),
        stream_version: row.get::<_, i64>(4) as u64,
        event_type: row.get(5),
        occurred: row.get(6),
        earliest: row.get(7),
        latest: row.get(8),
        term_as_written: row.get(9),
        certainty: from_name(row.get(10))?,
        sources: from_json(row.get(11))?,
        initiated_by: row.get(12),
        note: row.get(13),
        target: row.get(14),
        reason: row.get(15),
        retracted_by: row.get(16),
        disputed: row.get(17),
        status_after: row.get::<_, Option<&str>>(18).map(from_name).transpose()?,
        recorded_by: row.get(19),
        recorded_at: row.get(20),
        stream: row.get(21),
    })
}

async fn read_checkpoint(
    client: &impl tokio_postgres::GenericClient,
    schema: &str,
    lock: &str,
) -> Result<Option<Checkpoint>> {
    let row = client
        .query_opt(
            &format!(
                "{}{lock}",
                qualify(
                    "SELECT position, code_version, events, first_event_id
                     FROM {s}.projection_checkpoint WHERE projection = $1",
                    schema
                )
            ),
            &[&PROJECTION],
        )
        .await
        .map_err(pg_error)?;
    row.map(|row| {
        crate::tables::checkpoint(
            row.get(0),
            row.get::<_, i32>(1) as u32,
            row.get(2),
            row.get(3),
        )
    })
    .transpose()
}

/// The connection string and the schema of a store URL, read as the store reads it.
fn parse_url(url: &str) -> Result<(String, String)> {
    amity_ledger::postgres_url(url).map_err(|error| Error::Tables(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_is_read_as_the_store_reads_it() {
        assert_eq!(
            parse_url("postgres://u@h:5432/db").unwrap(),
            ("postgres://u@h:5432/db".to_owned(), "amity".to_owned())
        );
        assert_eq!(
            parse_url("postgres://u@h/db?sslmode=disable&schema=ledger_2").unwrap(),
            (
                "postgres://u@h/db?sslmode=disable".to_owned(),
                "ledger_2".to_owned()
            )
        );
        let error = parse_url("postgres://u@h/db?schema=Bad;drop").unwrap_err();
        assert!(error.to_string().contains("lower-case"), "{error}");
    }

    #[test]
    fn every_column_has_a_type() {
        assert_eq!(STATUS_COLUMNS.len(), STATUS_TYPES.len());
        assert_eq!(TIMELINE_COLUMNS.len(), TIMELINE_TYPES.len());
        assert_eq!(DIRECTORY_COLUMNS.len(), DIRECTORY_TYPES.len());
        // The batched insert names each column once and casts its array.
        let sql = insert_sql("s", "party_directory", DIRECTORY_COLUMNS, DIRECTORY_TYPES);
        assert!(sql.contains("$10::text[]"), "{sql}");
        assert!(sql.contains("\"row\"::json"), "{sql}");
    }
}
