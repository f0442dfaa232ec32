//! The projection tables, whichever database holds them: one trait the backends implement
//! (SQLite in [`crate::sqlite`], PostgreSQL in [`crate::postgres`]), so that catch-up and every
//! query in the crate are written once, the way `sqlx` and `object_store` put one interface
//! over several databases.
//!
//! Both backends hold the same tables with the same columns, rows and order (documented in
//! `crate::sqlite::schema`); [`TableBackend::dump`] prints them alike, so two builds compare
//! line by line across databases. The columns and the one mapping of rows to them are in
//! [`columns`].

use async_trait::async_trait;

use crate::analysis::{Cohort, Lifecycle, Member, Window};
use crate::placement::Placements;
use crate::rows::{DirectoryRow, PartnershipRows, PartyRow, StatusRow, TimelineRow};
use crate::{Checkpoint, Result};

pub mod columns;
#[cfg(feature = "contract")]
pub mod contract;
#[cfg(test)]
mod pair_tests;
#[cfg_attr(
    not(any(feature = "sqlite", feature = "postgres")),
    allow(unused_imports)
)]
pub(crate) use columns::*;

/// The projection tables of one ledger, in whichever database holds them.
pub type Tables = Box<dyn TableBackend>;

/// The projection tables of one ledger, in one database.
#[async_trait]
pub trait TableBackend: Send + Sync + std::fmt::Debug {
    /// Where the tables are, for people ("the SQLite file …", "the PostgreSQL schema …").
    fn location(&self) -> String;

    /// The checkpoint, if the projection was ever written.
    async fn checkpoint(&self) -> Result<Option<Checkpoint>>;

    /// Start writing. With `reset`, every table is emptied first (a rebuild); otherwise the
    /// checkpoint must still be `expected`, or [`crate::Error::Raced`] says another process
    /// caught up first. The transaction excludes every other writer of these tables until it
    /// ends: rows and checkpoint commit together in [`TableWriter::finish`], or not at all
    /// when the writer is dropped.
    async fn begin<'a>(
        &'a mut self,
        expected: Option<Checkpoint>,
        reset: bool,
    ) -> Result<Box<dyn TableWriter + 'a>>;

    /// Wait for the housekeeping a large write started in the background, if any (SQLite
    /// folds its WAL back into the file on a thread of its own).
    async fn settle(&self) {}

    /// Status rows: all, in partnership order, or those of the given partnerships that
    /// exist, in the order given.
    async fn status_rows(&self, only: Option<&[String]>) -> Result<Vec<StatusRow>>;

    /// A partnership's history rows, in history order.
    async fn timeline_rows(&self, partnership: &str) -> Result<Vec<TimelineRow>>;

    /// Every history entry's place (the history's derived columns, not the event's own
    /// details), by partnership then history order.
    async fn placements(&self) -> Result<Placements>;

    /// The members of a cohort with their driving steps.
    async fn cohort_members(&self, cohort: &Cohort) -> Result<Vec<Member>>;

    /// The status rows of a cohort's partnerships, in partnership order, each with its
    /// history rows in history order: two queries whatever the cohort's size.
    async fn cohort_histories(&self, cohort: &Cohort)
        -> Result<Vec<(StatusRow, Vec<TimelineRow>)>>;

    /// The partnerships of a cohort that have lifecycle entries, with those entries (what
    /// [`crate::analysis::changes_of`] reads), in partnership order; from
    /// [`TableBackend::cohort_histories`] unless a backend reads less. Given a `window`, a
    /// backend may leave out entries that `changes_of` would not keep for it (and
    /// partnerships left without entries).
    async fn cohort_lifecycles(
        &self,
        cohort: &Cohort,
        _window: Option<&Window>,
    ) -> Result<Vec<Lifecycle>> {
        Ok(crate::analysis::lifecycles(
            self.cohort_histories(cohort).await?,
        ))
    }

    /// A party's directory rows.
    async fn directory_rows(&self, party: &str) -> Result<Vec<DirectoryRow>>;

    /// Every party key whose name part is `name` (for "did you mean").
    async fn parties_named(&self, name: &str) -> Result<Vec<String>>;

    /// Parties matching a folded query (see [`columns::party_search_sql`]), each with its
    /// number of partnerships.
    async fn search_parties(&self, query: &str) -> Result<Vec<(PartyRow, u64)>>;

    /// One party's row, by its key.
    async fn party(&self, key: &str) -> Result<Option<PartyRow>>;

    /// Every party row, by key.
    async fn all_parties(&self) -> Result<Vec<PartyRow>>;

    /// Every table's rows as text, one line per row (`table: value | value | …`, NULL as
    /// `NULL`, booleans as 0 or 1, text quoted), for comparing two builds, also across
    /// databases.
    async fn dump(&self) -> Result<Vec<String>>;
}

/// An open projection transaction (see [`TableBackend::begin`]).
#[async_trait]
pub trait TableWriter: Send {
    /// Whether the history's own details are stored (else the tables read them from the
    /// stored events, and rows written need not carry them: see [`crate::rows::rows_with`]).
    fn keeps_details(&self) -> bool {
        true
    }

    /// Whether the directory rows are stored (else the directory is a view over the status
    /// rows, and rows written need not carry them).
    fn keeps_directory(&self) -> bool {
        true
    }

    /// Replace the rows of these partnerships.
    async fn write(&mut self, rows: Vec<PartnershipRows>) -> Result<()>;

    /// Write party rows: `replace` overwrites a party already there (registered parties);
    /// otherwise a party already there is left as it is (parties named by partnerships).
    async fn write_parties(&mut self, rows: Vec<PartyRow>, replace: bool) -> Result<()>;

    /// Move the checkpoint and commit rows and checkpoint together.
    async fn finish(self: Box<Self>, checkpoint: Checkpoint) -> Result<()>;
}

/// Each status row with its history rows, in the status rows' order. `timeline` yields the
/// rows of the same partnerships, each partnership's in history order; read in the same order
/// of partnership (one `ORDER BY partnership` in the same database orders the two alike), a
/// cursor that only moves forward places each row. A row found elsewhere (two reads that do not
/// share a snapshot) is placed by key. Rows of a partnership without a status row are left
/// out; a partnership with no rows gets an empty history.
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub(crate) fn pair_histories(
    status: Vec<StatusRow>,
    timeline: impl IntoIterator<Item = Result<TimelineRow>>,
) -> Result<Vec<(StatusRow, Vec<TimelineRow>)>> {
    let mut paired: Vec<(StatusRow, Vec<TimelineRow>)> =
        status.into_iter().map(|row| (row, Vec::new())).collect();
    let mut cursor = 0;
    let mut by_key: Option<std::collections::HashMap<amity_domain::PartnershipId, usize>> = None;
    for row in timeline {
        let row = row?;
        while cursor < paired.len() && paired[cursor].0.partnership != row.partnership {
            cursor += 1;
        }
        if let Some((_, history)) = paired.get_mut(cursor) {
            push(history, row);
            continue;
        }
        let by_key = by_key.get_or_insert_with(|| {
            paired
                .iter()
                .enumerate()
                .map(|(at, (status, _))| (status.partnership.clone(), at))
                .collect()
        });
        if let Some(&at) = by_key.get(&row.partnership) {
            push(&mut paired[at].1, row);
        }
    }
    Ok(paired)
}

/// Add a row to a history. Most histories hold one entry (a partnership known from one list):
/// the first gets room for itself alone, not the four rows a vector starts with (a third of a
/// kilobyte each).
fn push(history: &mut Vec<TimelineRow>, row: TimelineRow) {
    if history.capacity() == 0 {
        history.reserve_exact(1);
    }
    history.push(row);
}
