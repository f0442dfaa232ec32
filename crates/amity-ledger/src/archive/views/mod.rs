//! The lossless CSV views read back: `timeline` (one row per stored event of every
//! partnership), `sources` (one row per source of an event, keyed by event id), and beside
//! them `party_links`, `registrations` and `milestones`, as `amity export --format csv --view
//! …` writes them (the columns are listed here, [`TIMELINE`], [`SOURCES`], [`PARTY_LINKS`],
//! [`REGISTRATIONS`], [`MILESTONES`]; docs/csv-views.md says what each holds).
//!
//! Each row is turned into the stored event it was written from (its payload encoded again by
//! the domain, so that it is the stored payload byte for byte) and the events, put back in
//! their global order (`log_index`), are imported as a JSON Lines archive is
//! ([`super::import`]): ids, stream versions, `recorded_by` and `recorded_at` kept,
//! the whole checked before anything is written, written in atomic batches, and a second
//! import of the same files adds nothing. A bad cell is reported as `FILE:LINE: column:
//! reason`. Columns a view derives (the history's `seq`, the bounds, `status_after`, …) are
//! not read: the ledger derives them again.

use crate::import::{ImportOptions, ImportSummary, Progress};
use crate::{Ledger, Result};

mod columns;
mod event;
mod table;

pub use crate::import::formula::{neutralise_formula, unquote_formula};
pub use columns::{
    ViewFiles, FREE_TEXT, MILESTONES, PARTY_LINKS, REGISTRATIONS, SOURCES, TIMELINE, TIMELINE_END,
};
pub use table::{join_list, split_list};

/// Import the views into `ledger` (see the module docs). `progress` hears of the rows read
/// and the archive lines written, as [`super::import`] tells them.
pub async fn import(
    ledger: &Ledger,
    files: ViewFiles<'_>,
    options: ImportOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ImportSummary> {
    let built = event::build(files)?;
    progress(Progress::Read {
        rows: built.rows_read,
    });
    if !built.rejected.is_empty() {
        let mut summary = ImportSummary {
            rows_read: built.rows_read,
            rejected: built.rejected,
            ..ImportSummary::default()
        };
        if options.dry_run || !options.skip_invalid {
            return Ok(summary);
        }
        let mut written = write(ledger, built.lines, &built.origins, options, progress).await?;
        written.rows_read = summary.rows_read;
        summary.rejected.append(&mut written.rejected);
        written.rejected = summary.rejected;
        return Ok(written);
    }
    let mut summary = write(ledger, built.lines, &built.origins, options, progress).await?;
    summary.rows_read = built.rows_read;
    Ok(summary)
}

/// Import the archive lines built from the views, with their rejections told by the rows
/// they came from.
async fn write(
    ledger: &Ledger,
    lines: Vec<u8>,
    origins: &[String],
    options: ImportOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ImportSummary> {
    let mut summary =
        super::import_bytes(ledger, event::LINES_NAME, lines, options, progress).await?;
    for rejected in &mut summary.rejected {
        *rejected = event::told_by_row(rejected, origins);
    }
    Ok(summary)
}
