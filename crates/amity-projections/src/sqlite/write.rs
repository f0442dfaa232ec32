//! Writing rows: one transaction on a thread of the writer's own, rows numbered in blocks by
//! pair of countries.

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{params, Connection, OptionalExtension};

use super::numbers::Numbers;
use super::packed::{Columns, Packed};
use super::schema::{drop_all, Details, DIRECTORY_VIEW, INDEXES, PARTIES, STATUS_VIEW};
use super::{placeholder, read_checkpoint, sql_error, SqliteTables};
use crate::rows::{PartnershipRows, PartyRow};
use crate::tables::{party_values, PartyCells, StatusCells, PARTY_COLUMNS, PROJECTION};
use crate::{Checkpoint, Error, Result};

impl SqliteTables {
    /// Start writing: one transaction that holds the file's write lock until
    /// [`Writer::finish`] or drop (rolled back); in the ledger's own file the feed cannot move
    /// meanwhile. With `reset`, every table is emptied first (a rebuild); otherwise the
    /// checkpoint must still be `expected`, or [`Error::Raced`] says another process caught up
    /// first. The rows are written on a thread of the writer's own, while the caller computes
    /// the next ones.
    pub fn begin(&mut self, expected: Option<Checkpoint>, reset: bool) -> Result<Writer<'_>> {
        // The log a large write left is folded first (it would stop this write half-way).
        self.settle();
        let connection = self
            .connection_mut()
            .take()
            .expect("a projection writer gives its connection back");
        let began = connection
            .execute_batch("BEGIN IMMEDIATE;")
            .map_err(sql_error)
            .and_then(|()| {
                if reset {
                    return Ok(());
                }
                let checked = read_checkpoint(&connection).and_then(|found| {
                    if found == expected {
                        Ok(())
                    } else {
                        Err(Error::Raced)
                    }
                });
                if checked.is_err() {
                    roll_back(&connection);
                }
                checked
            });
        if let Err(error) = began {
            *self.connection_mut() = Some(connection);
            return Err(error);
        }
        let (jobs, received) = tokio::sync::mpsc::channel::<Job>(WRITES_AHEAD);
        let (spent, returned) = std::sync::mpsc::channel();
        let details = self.details;
        let thread = std::thread::Builder::new()
            .name("amity-projections-writer".to_owned())
            .spawn(move || write_on_thread(connection, received, spent, reset, details))
            .map_err(Error::WriterThread)?;
        Ok(Writer {
            tables: self,
            jobs: Some(jobs),
            returned,
            thread: Some(thread),
            reset,
            named: Vec::new(),
            spare: Vec::new(),
        })
    }
}

/// How many chunks of rows may wait for the writer's thread. The writer is the slower side of
/// a rebuild, so the queue stays full: each chunk waiting is megabytes of rows held (16 kept a
/// rebuild of the benchmark ledger at 150-180 MB; 4 at 110-126 MB; 2 saves another 5 MB or
/// so, at the same rate, which pays for the parties' batch, `PARTY_BATCH`).
const WRITES_AHEAD: usize = 2;

/// What the writer's thread is asked to do. The cells that are made rather than borrowed from
/// the rows (keys, JSON) come made: the writer's thread, the slower side, only binds them.
enum Job {
    /// Replace the rows of these partnerships.
    Rows(Packed),
    /// Write party rows (replacing those there, or leaving them).
    Parties(Vec<PartyRow>, Vec<PartyCells>, bool),
    /// Move the checkpoint and commit.
    Finish(Checkpoint),
}

/// How many parties named by partnerships a rebuild gathers before writing them, in key order.
/// Their keys come in no order, and each lands on any page of the `parties` tree: one at a
/// time, almost every insert read a page that the small page cache had dropped, and wrote
/// another one out. Sorted, a batch touches each page once. A batch and its made cells hold a
/// few megabytes, and two can be alive at once (one gathered while the other is written):
/// 8,192 put a rebuild of the benchmark ledger 4 MB higher than 4,096, at the same rate.
const PARTY_BATCH: usize = 4_096;

/// Write party rows: with `replace`, over those already there; otherwise only new ones.
fn write_parties(
    connection: &Connection,
    rows: &[PartyRow],
    cells: &[PartyCells],
    replace: bool,
) -> Result<()> {
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
            "INSERT INTO party_entries ({}) VALUES ({}) ON CONFLICT (party) {conflict}",
            PARTY_COLUMNS.join(", "),
            placeholders.join(", ")
        ))
        .map_err(sql_error)?;
    for (row, cells) in rows.iter().zip(cells) {
        statement
            .execute(rusqlite::params_from_iter(party_values(row, cells).iter()))
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
    /// Jobs done, handed back to be freed where they were made: freeing many small
    /// allocations of another thread cost the writer's thread, the slower side of a rebuild,
    /// about a tenth of its time.
    returned: std::sync::mpsc::Receiver<Job>,
    /// Gives the connection back, with the first error if any, and whether a large write
    /// committed (its log is then folded in the background, see [`LARGE_WRITE`]).
    thread: Option<std::thread::JoinHandle<(Connection, Result<()>, bool)>>,
    /// Whether this is a rebuild (the tables were emptied).
    reset: bool,
    /// A rebuild's parties as the partnerships name them, not yet sent (see `PARTY_BATCH`).
    named: Vec<PartyRow>,
    /// Chunks of rows written, to be filled again (as many as are in flight at once: a chunk
    /// made anew grows its buffers again, on memory the allocator had given back).
    spare: Vec<Packed>,
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
        // A chunk the writer's thread is done with, filled again (see `Packed`).
        self.take_returned();
        let mut packed = self.spare.pop().unwrap_or_default();
        packed.clear();
        let details = self.tables.details;
        for partnership in &rows {
            packed.push(
                partnership,
                &StatusCells::stored(&partnership.status),
                details,
            );
        }
        drop(rows);
        self.send(Job::Rows(packed)).await
    }

    /// Write party rows (see [`crate::tables::Writer::write_parties`]). A rebuild gathers the
    /// parties the partnerships name and sends them in key order (see `PARTY_BATCH`).
    pub async fn write_parties(&mut self, rows: Vec<PartyRow>, replace: bool) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        if self.reset && !replace {
            self.named.extend(rows);
            if self.named.len() >= PARTY_BATCH {
                self.send_named().await?;
            }
            return Ok(());
        }
        // Parties named before these are written before them.
        self.send_named().await?;
        let cells = rows.iter().map(PartyCells::stored).collect();
        self.send(Job::Parties(rows, cells, replace)).await
    }

    /// Send the parties gathered so far (only those not there yet are written, the first of
    /// each key as named, as one at a time would), in key order, and empty the batch.
    async fn send_named(&mut self) -> Result<()> {
        if self.named.is_empty() {
            return Ok(());
        }
        let mut gathered: Vec<Option<PartyRow>> = std::mem::take(&mut self.named)
            .into_iter()
            .map(Some)
            .collect();
        // Their places sorted, not the rows (a row is some 200 bytes, moved a dozen times by a
        // sort); stable: of two rows of one key, the first one sent stays first and is kept.
        let mut order: Vec<u32> = (0..gathered.len() as u32).collect();
        order.sort_by(|&a, &b| {
            let key = |index: u32| {
                gathered[index as usize]
                    .as_ref()
                    .map(|row| row.key.as_str())
            };
            key(a).cmp(&key(b))
        });
        let mut named: Vec<PartyRow> = Vec::with_capacity(order.len());
        for index in order {
            let row = gathered[index as usize].take().expect("each place once");
            if named.last().is_none_or(|last| last.key != row.key) {
                named.push(row);
            }
        }
        let cells = named.iter().map(PartyCells::stored).collect();
        self.send(Job::Parties(named, cells, false)).await
    }

    /// Free the jobs the writer's thread is done with, but keep their chunks of rows.
    fn take_returned(&mut self) {
        while let Ok(done) = self.returned.try_recv() {
            if let Job::Rows(packed) = done {
                self.spare.push(packed);
            }
        }
    }

    /// Send a job to the writer's thread, after freeing those it has done (but a chunk of
    /// rows, kept to be filled again).
    async fn send(&mut self, job: Job) -> Result<()> {
        self.take_returned();
        let jobs = self.jobs.as_ref().expect("jobs are open until the end");
        if jobs.send(job).await.is_err() {
            // The thread stopped at an error: it says which.
            return Err(self.join().err().unwrap_or(Error::WriterStopped));
        }
        Ok(())
    }

    /// Move the checkpoint and commit rows and checkpoint together.
    pub async fn finish(mut self, checkpoint: Checkpoint) -> Result<()> {
        self.send_named().await?;
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
            Ok((connection, result, large)) => {
                *self.tables.connection_mut() = Some(connection);
                if large && result.is_ok() {
                    self.tables.fold_wal_later();
                }
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

/// How many history rows make a write large: its commit does not fold the WAL back into the
/// file then (SQLite's automatic checkpoint, run by the commit itself), a thread of its own does
/// it after (see [`SqliteTables::settle`]), so that the caller reads meanwhile.
const LARGE_WRITE: usize = 10_000;

/// The writer's thread: for a rebuild, empty the tables first (while the caller reads and
/// computes the first rows); write each chunk as it comes, then commit on [`Job::Finish`]; on
/// an error, or when the writer is dropped unfinished, roll back. Jobs done go back through
/// `spent`. Gives the connection back, and says whether a large write committed.
fn write_on_thread(
    connection: Connection,
    mut jobs: tokio::sync::mpsc::Receiver<Job>,
    spent: std::sync::mpsc::Sender<Job>,
    reset: bool,
    details: Details,
) -> (Connection, Result<()>, bool) {
    let mut result = if reset {
        drop_all(&connection).and_then(|()| {
            connection
                .execute_batch(&format!(
                    "{}{STATUS_VIEW}{PARTIES}{}{DIRECTORY_VIEW}",
                    details.schema(),
                    details.view()
                ))
                .map_err(sql_error)
        })
    } else {
        Ok(())
    };
    let mut finished = false;
    let mut written_rows = 0usize;
    // A rebuild starts from empty tables: no number is taken yet.
    let mut numbers = Numbers::new(reset);
    let columns = Columns::of(details);
    let mut given = Vec::new();
    while result.is_ok() && !finished {
        let Some(job) = jobs.blocking_recv() else {
            break;
        };
        result = match &job {
            Job::Rows(packed) => {
                written_rows += packed
                    .members()
                    .iter()
                    .map(|member| member.rows)
                    .sum::<usize>();
                write_rows(
                    &connection,
                    packed,
                    &columns,
                    !reset,
                    &mut numbers,
                    &mut given,
                )
            }
            Job::Parties(rows, cells, replace) => write_parties(&connection, rows, cells, *replace),
            Job::Finish(checkpoint) => {
                finished = true;
                let large = written_rows > LARGE_WRITE;
                commit(&connection, *checkpoint, reset, details, large)
            }
        };
        // Freed by the writer's owner (or here, if it has gone).
        let _ = spent.send(job);
    }
    if !finished || result.is_err() {
        roll_back(&connection);
    }
    let large = written_rows > LARGE_WRITE;
    (connection, result, large)
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
    large: bool,
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
    if !large {
        return connection.execute_batch("COMMIT;").map_err(sql_error);
    }
    // Not folded by this commit (see `LARGE_WRITE`); the connection's setting afterwards,
    // whether the commit succeeded or not.
    let setting: i64 = connection
        .query_row("PRAGMA wal_autocheckpoint", [], |row| row.get(0))
        .map_err(sql_error)?;
    connection
        .execute_batch("PRAGMA wal_autocheckpoint = 0;")
        .map_err(sql_error)?;
    let committed = connection.execute_batch("COMMIT;");
    let restored = connection.execute_batch(&format!("PRAGMA wal_autocheckpoint = {setting};"));
    committed.and(restored).map_err(sql_error)
}

/// History rows per `INSERT` statement: executing one statement for many rows spares most of
/// what SQLite and rusqlite do per execution (the rows left over at the end of a chunk go one
/// at a time).
const TIMELINE_BATCH: usize = 8;

/// The statements that write a chunk's rows.
struct Statements<'c> {
    find_status: rusqlite::CachedStatement<'c>,
    delete_status: rusqlite::CachedStatement<'c>,
    delete_timeline: rusqlite::CachedStatement<'c>,
    insert_status: rusqlite::CachedStatement<'c>,
    insert_timeline: rusqlite::CachedStatement<'c>,
    insert_timelines: rusqlite::CachedStatement<'c>,
}

impl<'c> Statements<'c> {
    fn prepare(connection: &'c Connection, columns: &Columns) -> Result<Statements<'c>> {
        let prepare = |sql: &str| connection.prepare_cached(sql).map_err(sql_error);
        // An insert of `count` rows. `OR FAIL`: a failing row leaves the rows before it in
        // place (the whole transaction is rolled back then anyway), so SQLite keeps no
        // statement journal to undo them; with the default (`ABORT`) a statement of several
        // rows copied every page it touched into one first (a temporary file of 16 KiB pages
        // written again for each).
        let insert = |table: &str, columns: &[&str], count: usize| {
            let row = format!("({})", vec!["?"; columns.len()].join(", "));
            prepare(&format!(
                "INSERT OR FAIL INTO {table} ({}) VALUES {}",
                columns.join(", "),
                vec![row; count].join(", ")
            ))
        };
        Ok(Statements {
            find_status: prepare(
                "SELECT partnership_no FROM status_entries WHERE partnership = ?1",
            )?,
            delete_status: prepare("DELETE FROM status_entries WHERE partnership_no = ?1")?,
            delete_timeline: prepare("DELETE FROM timeline_entries WHERE partnership_no = ?1")?,
            insert_status: insert("status_entries", &columns.status, 1)?,
            insert_timeline: insert("timeline_entries", &columns.timeline, 1)?,
            insert_timelines: insert("timeline_entries", &columns.timeline, TIMELINE_BATCH)?,
        })
    }

    /// Insert the chunk's history rows at `rows`, [`TIMELINE_BATCH`] at a time, and the rest
    /// one at a time if `all`; the first row not inserted.
    fn insert_history(
        &mut self,
        packed: &Packed,
        rows: std::ops::Range<usize>,
        width: usize,
        numbers: &[i64],
        all: bool,
    ) -> Result<usize> {
        let mut next = rows.start;
        while rows.end - next >= TIMELINE_BATCH {
            let batch = next..next + TIMELINE_BATCH;
            self.insert_timelines
                .execute(rusqlite::params_from_iter(
                    packed.history_rows(batch, width, numbers),
                ))
                .map_err(sql_error)?;
            next += TIMELINE_BATCH;
        }
        while all && next < rows.end {
            self.insert_timeline
                .execute(rusqlite::params_from_iter(packed.history_rows(
                    next..next + 1,
                    width,
                    numbers,
                )))
                .map_err(sql_error)?;
            next += 1;
        }
        Ok(next)
    }
}

/// Write a chunk's rows. `numbers` are the partnerships' numbers, given here (the room of a
/// vector kept from one chunk to the next).
fn write_rows(
    connection: &Connection,
    packed: &Packed,
    columns: &Columns,
    replace: bool,
    numbers: &mut Numbers,
    given: &mut Vec<i64>,
) -> Result<()> {
    let mut statements = Statements::prepare(connection, columns)?;
    let status_width = columns.status.len() - 1;
    let width = columns.timeline.len();
    given.clear();
    // The chunk's history rows not yet inserted: from `pending` to `end`.
    let mut pending = 0;
    let mut end = 0;
    for (index, member) in packed.members().iter().enumerate() {
        // A partnership keeps its number when it is written again; a new one gets the next of
        // its pair of countries.
        let mut number: Option<i64> = None;
        if replace {
            number = statements
                .find_status
                .query_row([packed.id(member)], |row| row.get(0))
                .optional()
                .map_err(sql_error)?;
            if let Some(number) = number {
                // Its new rows must not come before the old ones are gone.
                pending = statements.insert_history(packed, pending..end, width, given, true)?;
                statements
                    .delete_status
                    .execute([number])
                    .map_err(sql_error)?;
                statements
                    .delete_timeline
                    .execute([number])
                    .map_err(sql_error)?;
            }
        }
        if number.is_none() {
            number = numbers.take(connection, member.block)?;
        }
        statements
            .insert_status
            .execute(rusqlite::params_from_iter(
                std::iter::once(ToSqlOutput::Borrowed(
                    number.map_or(ValueRef::Null, ValueRef::Integer),
                ))
                .chain(packed.status_row(index, status_width)),
            ))
            .map_err(sql_error)?;
        given.push(connection.last_insert_rowid());
        end += member.rows;
        pending = statements.insert_history(packed, pending..end, width, given, false)?;
    }
    statements.insert_history(packed, pending..end, width, given, true)?;
    Ok(())
}

#[async_trait::async_trait]
impl crate::tables::TableWriter for Writer<'_> {
    fn keeps_details(&self) -> bool {
        Writer::keeps_details(self)
    }
    fn keeps_directory(&self) -> bool {
        // `party_directory` is a view over the status rows.
        false
    }
    async fn write(&mut self, rows: Vec<PartnershipRows>) -> Result<()> {
        Writer::write(self, rows).await
    }
    async fn write_parties(&mut self, rows: Vec<PartyRow>, replace: bool) -> Result<()> {
        Writer::write_parties(self, rows, replace).await
    }
    async fn finish(self: Box<Self>, checkpoint: Checkpoint) -> Result<()> {
        Writer::finish(*self, checkpoint).await
    }
}
