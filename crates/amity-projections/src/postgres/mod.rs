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
//!
//! [`schema`] holds the tables, their migrations and column types; [`read`] the queries;
//! [`write`] the writer.

use tokio_postgres::{Client, NoTls};

use crate::tables::PROJECTION;
use crate::{Checkpoint, Error, Result};

mod read;
pub mod schema;
mod write;

use schema::migrations;
pub use write::Writer;

/// A PostgreSQL error as one line: the server's message and its detail, if any.
fn pg_error(error: tokio_postgres::Error) -> Error {
    let message = match error.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_owned(),
        },
        None => error.to_string(),
    };
    // A server's detail may run over several lines (a deadlock's says which process waits
    // for which): an error is one line.
    let message = one_line(&message);
    Error::Postgres {
        message,
        driver: Box::new(error),
    }
}

/// A text on one line: every run of white space, line breaks included, as one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
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
}

/// SQL with `{s}` naming the schema.
fn qualify(text: &str, schema: &str) -> String {
    text.replace("{s}", &format!("\"{schema}\""))
}

/// PostgreSQL's numbered parameter.
fn placeholder(number: usize) -> String {
    format!("${number}")
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
    amity_ledger::postgres_url(url).map_err(Error::Url)
}

#[async_trait::async_trait]
impl crate::tables::TableBackend for PostgresTables {
    fn location(&self) -> String {
        format!("the PostgreSQL schema {}", self.schema())
    }
    async fn checkpoint(&self) -> Result<Option<Checkpoint>> {
        PostgresTables::checkpoint(self).await
    }
    async fn begin<'a>(
        &'a mut self,
        expected: Option<Checkpoint>,
        reset: bool,
    ) -> Result<Box<dyn crate::tables::TableWriter + 'a>> {
        Ok(Box::new(
            PostgresTables::begin(self, expected, reset).await?,
        ))
    }
    async fn status_rows(&self, only: Option<&[String]>) -> Result<Vec<crate::StatusRow>> {
        PostgresTables::status_rows(self, only).await
    }
    async fn timeline_rows(&self, partnership: &str) -> Result<Vec<crate::TimelineRow>> {
        PostgresTables::timeline_rows(self, partnership).await
    }
    async fn placements(&self) -> Result<crate::placement::Placements> {
        PostgresTables::placements(self).await
    }
    async fn cohort_members(
        &self,
        cohort: &crate::analysis::Cohort,
    ) -> Result<Vec<crate::analysis::Member>> {
        PostgresTables::cohort_members(self, cohort).await
    }
    async fn cohort_histories(
        &self,
        cohort: &crate::analysis::Cohort,
    ) -> Result<Vec<(crate::StatusRow, Vec<crate::TimelineRow>)>> {
        PostgresTables::cohort_histories(self, cohort).await
    }
    async fn directory_rows(&self, party: &str) -> Result<Vec<crate::DirectoryRow>> {
        PostgresTables::directory_rows(self, party).await
    }
    async fn parties_named(&self, name: &str) -> Result<Vec<String>> {
        PostgresTables::parties_named(self, name).await
    }
    async fn search_parties(&self, query: &str) -> Result<Vec<(crate::PartyRow, u64)>> {
        PostgresTables::search_parties(self, query).await
    }
    async fn party(&self, key: &str) -> Result<Option<crate::PartyRow>> {
        PostgresTables::party(self, key).await
    }
    async fn all_parties(&self) -> Result<Vec<crate::PartyRow>> {
        PostgresTables::all_parties(self).await
    }
    async fn dump(&self) -> Result<Vec<String>> {
        PostgresTables::dump(self).await
    }
}

#[cfg(test)]
mod tests {
    use super::schema::{DIRECTORY_TYPES, PARTY_TYPES, STATUS_TYPES, TIMELINE_TYPES};
    use super::write::insert_sql;
    use super::*;
    use crate::tables::{DIRECTORY_COLUMNS, PARTY_COLUMNS, STATUS_COLUMNS, TIMELINE_COLUMNS};

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
        assert_eq!(PARTY_COLUMNS.len(), PARTY_TYPES.len());
        // The batched insert names each column once and casts its array.
        let sql = insert_sql("s", "party_directory", DIRECTORY_COLUMNS, DIRECTORY_TYPES);
        assert!(sql.contains("$10::text[]"), "{sql}");
        assert!(sql.contains("\"row\"::json"), "{sql}");
    }
}

#[cfg(test)]
mod one_line_tests {
    #[test]
    fn a_detail_over_several_lines_is_said_on_one() {
        let text = "deadlock detected (Process 1 waits for ShareLock on transaction 2; blocked by process 3.\nProcess 3 waits for AccessExclusiveLock.)";
        let said = super::one_line(text);
        assert!(!said.contains('\n'), "{said}");
        assert!(said.contains("process 3. Process 3 waits"), "{said}");
    }
}
