//! Importing files into a ledger: what every import shares (its options, its summary, its
//! progress, how it finds the parties a row names), and the spreadsheet formats beside the
//! archive ([`crate::archive`]): the lifecycle CSV ([`csv`]) and lists of twinned pairs
//! ([`pairs`]).
//!
//! An import reads and checks the whole file before it writes anything: a bad row is reported
//! as `FILE:LINE: field: reason` in the [`ImportSummary`], and by default nothing is written
//! while one is bad ([`ImportOptions::skip_invalid`]). A file that cannot be read as a whole
//! (no file, a header without a needed column, a line over its [`limits`]) is an
//! [`Error`](crate::Error). Lines are numbered as an editor numbers them, whatever their
//! endings. The library
//! prints nothing: how far it has come goes to a [`Progress`] callback.

use amity_domain::{Day, EdtfDate, Party, Source};
use serde::Serialize;

pub mod csv;
pub mod formula;
pub mod limits;
pub mod pairs;

#[cfg(test)]
#[path = "input_tests.rs"]
mod input_tests;

/// What to do with bad lines.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Write the valid lines and report the rejected ones (default: write nothing if any is bad).
    pub skip_invalid: bool,
    /// Validate only.
    pub dry_run: bool,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportSummary {
    /// Lines read (blank lines excepted).
    pub rows_read: u64,
    /// Events written.
    pub events_written: u64,
    /// Events already in the ledger (same ids): not written again.
    pub duplicates_skipped: u64,
    /// Rejected lines, as `FILE:LINE: field: reason`.
    pub rejected: Vec<String>,
    /// What an import decided that a reader should check: homonyms it split into different
    /// parties, same-named parties it took for one (a list import).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Whether anything was written (false for a dry run or a refused file).
    pub wrote: bool,
}

impl ImportSummary {
    /// Whether the checked file is to be written: not a dry run, and no row rejected unless
    /// rejected rows are to be skipped.
    pub fn writes(&self, options: ImportOptions) -> bool {
        !options.dry_run && (self.rejected.is_empty() || options.skip_invalid)
    }
}

/// How far an import has come, for a surface to show (the `amity` command draws a bar on a
/// terminal). Counts are running totals, so a display can skip any step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress {
    /// Rows (an archive's lines) read and checked so far.
    Read {
        /// How many.
        rows: u64,
    },
    /// The file is checked and writing begins: this many events are to be written (the
    /// lifecycle CSV and lists; an archive announces nothing, it counts lines).
    Writing {
        /// How many.
        events: u64,
    },
    /// Written so far: events (the lifecycle CSV and lists) or lines of the file (an archive).
    Written {
        /// How many.
        done: u64,
    },
    /// Writing is over.
    Finished,
}

/// Check a list's source and date against the rules for new input before anything is read: a
/// URL of the schemes `amity_domain::URL_SCHEMES`, no control characters, `as_of` not after
/// today (UTC).
pub(crate) fn check_list_source(source: &Source, as_of: &EdtfDate) -> crate::Result<()> {
    let today = Day::of(jiff::Timestamp::now());
    amity_domain::input::check_sources(std::slice::from_ref(source), today)?;
    amity_domain::input::check_not_future("as_of", as_of, today)?;
    Ok(())
}

/// The parties a ledger knows, for an import to find the party each row names as recording
/// finds it. An import resolves thousands of names, so an implementation loads the parties
/// once (`amity_projections::PartyResolver`, from the projections' party table).
pub trait Names: Sync {
    /// The party that `party` (as a row writes it) names: itself when the ledger knows its
    /// key; else the one known party whose folded name or alias it is in its country (and
    /// subdivision, if given); else itself, as a new party. When several known parties
    /// answer to it, the row is refused with them ([`Ambiguous`]).
    fn resolve(&self, party: &Party) -> Result<Party, Ambiguous>;
}

/// A name that several known parties answer to: a row must give the key's name and region
/// exactly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{written:?} is ambiguous: did you mean {}? Give the key's name and region exactly", listed(.candidates))]
pub struct Ambiguous {
    /// The party as the row writes it (`Name, CC`).
    pub written: String,
    /// The parties it may be: each one's key and label.
    pub candidates: Vec<(String, String)>,
}

/// `key (label), key (label) or key (label)`.
fn listed(candidates: &[(String, String)]) -> String {
    let names: Vec<String> = candidates
        .iter()
        .map(|(key, label)| format!("{key} ({label})"))
        .collect();
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}
