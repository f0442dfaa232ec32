//! Imports, exports and rebuilds: progress bars, summaries, CSV files.

use amity_ledger::import::{ImportOptions, ImportSummary, Progress};

use super::*;

/// `amity rebuild`: a progress bar on a terminal, then one line with the rate (or, without
/// tables, one line saying there are none).
pub async fn rebuild(projections: &mut Projections) -> Result<()> {
    let bar = writing_bar(0);
    let started = std::time::Instant::now();
    let progress = projections
        .rebuild(&mut |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    if projections.tables().is_none() {
        return emit(format_args!(
            "no projection tables to rebuild: with this store they are computed from the events \
             on every query (--projections FILE keeps them in a SQLite file); all {} events and \
             {} partnerships computed in {seconds:.2} s",
            progress.events, progress.partnerships
        ));
    }
    emit(format_args!(
        "rebuilt projections: {} events, {} partnerships in {seconds:.2} s ({:.0} events/s)",
        progress.events,
        progress.partnerships,
        progress.events as f64 / seconds.max(1e-9)
    ))
}

/// `bar` with `template` when stderr is a terminal; a hidden bar otherwise.
fn on_terminal(bar: indicatif::ProgressBar, template: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    bar.set_style(indicatif::ProgressStyle::with_template(template).expect("progress template"));
    bar
}

/// A bar of `total` events processed, on a terminal (stderr); hidden otherwise.
pub fn writing_bar(total: u64) -> indicatif::ProgressBar {
    on_terminal(
        indicatif::ProgressBar::new(total),
        "{bar:40} {pos}/{len} events ({per_sec}, {eta})",
    )
}

/// A count of lines processed, on a terminal (stderr); hidden otherwise.
pub fn progress_bar() -> indicatif::ProgressBar {
    on_terminal(
        indicatif::ProgressBar::new_spinner(),
        "{spinner} {pos} lines ({per_sec})",
    )
}

/// An import's progress on a terminal (stderr; hidden otherwise): an archive's lines as a
/// count from the start, a CSV file's or a list's events as a bar once writing begins.
pub struct ImportProgress {
    bar: Option<indicatif::ProgressBar>,
}

impl ImportProgress {
    /// For an archive: a count of the lines written.
    pub fn lines() -> ImportProgress {
        ImportProgress {
            bar: Some(progress_bar()),
        }
    }

    /// For a CSV file or a list: a bar of the events written, shown when writing begins.
    pub fn events() -> ImportProgress {
        ImportProgress { bar: None }
    }

    /// Show one step of the import.
    pub fn show(&mut self, step: Progress) {
        match step {
            Progress::Writing { events } => self.bar = Some(writing_bar(events)),
            Progress::Written { done } => {
                if let Some(bar) = &self.bar {
                    bar.set_position(done);
                }
            }
            Progress::Finished => self.finish(),
            _ => {}
        }
    }

    /// Clear the bar (the import is over).
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// The end of an import: rejected rows on stderr, then one summary line; an error when the file
/// was refused.
pub fn import_summary(
    file: &std::path::Path,
    summary: &ImportSummary,
    options: ImportOptions,
) -> Result<()> {
    for note in &summary.notes {
        emit(note)?;
    }
    for rejected in summary.rejected.iter().take(200) {
        eprintln!("{rejected}");
    }
    if summary.rejected.len() > 200 {
        eprintln!("… and {} more rejected rows", summary.rejected.len() - 200);
    }
    let line = format!(
        "{}: {} rows read, {} events written, {} duplicates skipped, {} rows rejected{}",
        file.display(),
        summary.rows_read,
        summary.events_written,
        summary.duplicates_skipped,
        summary.rejected.len(),
        if options.dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    );
    if !summary.rejected.is_empty() && options.dry_run {
        anyhow::bail!("{line}");
    }
    if !summary.rejected.is_empty() && !options.skip_invalid {
        anyhow::bail!("{line}; nothing was written (fix the rows, or use --skip-invalid)");
    }
    emit(line)
}
