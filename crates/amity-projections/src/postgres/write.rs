//! Writing rows: batched `UNNEST` inserts in one transaction, serialized on the checkpoint
//! row.

use tokio_postgres::types::ToSql;
use tokio_postgres::{Statement, Transaction};

use super::schema::{
    ANALYZE, DIRECTORY_TYPES, DROP_INDEXES, INDEXES, PARTY_TYPES, STATUS_TYPES, TIMELINE_TYPES,
};
use super::{pg_error, qualify, read_checkpoint, PostgresTables};
use crate::rows::{PartnershipRows, PartyRow};
use crate::tables::{
    directory_values, party_values, status_values, timeline_values, PartyCells, StatusCells, Value,
    DIRECTORY_COLUMNS, PARTY_COLUMNS, PROJECTION, STATUS_COLUMNS, TIMELINE_COLUMNS,
};
use crate::{Checkpoint, Error, Result};

impl PostgresTables {
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
            // TRUNCATE locks the tables one by one, in this order; a reader's statement locks
            // its tables as it names them, `partnership_status` last (after `parties` in a
            // party search, after `partnership_timeline` in a cohort's steps). Locking
            // `partnership_status` last here too means no reader can hold one table this
            // waits for while waiting for one this holds: no deadlock.
            transaction
                .batch_execute(&qualify(
                    &format!(
                        "TRUNCATE {{s}}.parties, {{s}}.party_directory,
                             {{s}}.partnership_timeline, {{s}}.partnership_status;
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
        let cells: Vec<StatusCells> = rows
            .iter()
            .map(|partnership| StatusCells::of(&partnership.status))
            .collect();
        let status: Vec<[Value<'_>; 25]> = rows
            .iter()
            .zip(&cells)
            .map(|(partnership, cells)| status_values(&partnership.status, cells))
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
        let cells: Vec<PartyCells> = unique.iter().map(PartyCells::of).collect();
        let values: Vec<[Value<'_>; 10]> = unique
            .iter()
            .zip(&cells)
            .map(|(row, cells)| party_values(row, cells))
            .collect();
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
                    _ => return Err(Error::WrongValueType),
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
pub(super) fn insert_sql(schema: &str, table: &str, columns: &[&str], types: &[&str]) -> String {
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

#[async_trait::async_trait]
impl crate::tables::TableWriter for Writer<'_> {
    async fn write(&mut self, rows: Vec<PartnershipRows>) -> Result<()> {
        Writer::write(self, &rows).await
    }
    async fn write_parties(&mut self, rows: Vec<PartyRow>, replace: bool) -> Result<()> {
        Writer::write_parties(self, rows, replace).await
    }
    async fn finish(self: Box<Self>, checkpoint: Checkpoint) -> Result<()> {
        Writer::finish(*self, checkpoint).await
    }
}
