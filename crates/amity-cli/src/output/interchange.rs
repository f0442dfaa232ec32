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

fn write_csv(out: &mut dyn std::io::Write, header: &[&str], rows: Vec<Vec<String>>) -> Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(safe_row(header, row))?;
    }
    writer.flush()?;
    Ok(())
}

/// `export --format csv --view status`: free text made formula-safe unless `--raw`, an
/// undated status `unknown`.
pub fn write_status_csv(out: &mut dyn std::io::Write, views: &[StatusView]) -> Result<()> {
    let header = [
        "partnership",
        "party_a",
        "country_a",
        "region_a",
        "party_b",
        "country_b",
        "region_b",
        "kind",
        "status",
        "certainty",
        "competing",
        "since",
        "as_of",
        "events",
        "first_attested",
    ];
    let rows = views
        .iter()
        .map(|view| {
            let (a, b) = (&view.parties[0], &view.parties[1]);
            vec![
                view.partnership.to_string(),
                a.name.clone(),
                a.country.clone(),
                a.subdivision.clone().unwrap_or_default(),
                b.name.clone(),
                b.country.clone(),
                b.subdivision.clone().unwrap_or_default(),
                view.kind.to_string(),
                view.status.name().to_owned(),
                certainty_name(view.certainty).to_owned(),
                statuses_text(&view.competing),
                since_cell(view.status, view.since.as_deref()),
                view.as_of.clone().unwrap_or_default(),
                view.events.to_string(),
                view.first_attested.clone().unwrap_or_default(),
            ]
        })
        .collect();
    write_csv(out, &header, rows)
}

/// `export --format csv --view timeline` (and `history --format csv`): free text made
/// formula-safe unless `--raw`, an unknown date (or bound) `unknown`.
pub fn write_timeline_csv(
    out: &mut dyn std::io::Write,
    pairs: &[(StatusRow, Vec<TimelineRow>)],
) -> Result<()> {
    let header = [
        "partnership",
        "seq",
        "event_id",
        "type",
        "occurred",
        "earliest",
        "latest",
        "term_as_written",
        "certainty",
        "disputed",
        "retracted_by",
        "status_after",
        "source_titles",
        "source_urls",
        "note",
        "recorded_by",
        "recorded_at",
    ];
    let rows = pairs
        .iter()
        .flat_map(|(_, timeline)| timeline.iter())
        .map(|row| {
            vec![
                row.partnership.to_string(),
                row.seq.to_string(),
                row.event_id.clone(),
                row.event_type.clone(),
                date_cell(row.occurred.as_deref()),
                date_cell(row.earliest.as_deref()),
                date_cell(row.latest.as_deref()),
                row.term_as_written.clone().unwrap_or_default(),
                row.certainty.name().to_owned(),
                row.disputed.to_string(),
                row.retracted_by.clone().unwrap_or_default(),
                row.status_after
                    .map(|s| s.name().to_owned())
                    .unwrap_or_default(),
                row.sources
                    .iter()
                    .map(|s| s.title.clone())
                    .collect::<Vec<_>>()
                    .join(" | "),
                row.sources
                    .iter()
                    .filter_map(|s| s.url.clone())
                    .collect::<Vec<_>>()
                    .join(" | "),
                row.note.clone().unwrap_or_default(),
                row.recorded_by.clone(),
                row.recorded_at.clone(),
            ]
        })
        .collect();
    write_csv(out, &header, rows)
}
