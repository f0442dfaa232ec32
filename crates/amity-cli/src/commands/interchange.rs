//! `amity import` and `amity export`: the interchange formats in and out.

use amity_ledger::Ledger;
use anyhow::{Context, Result};

use crate::args::{self, ExportArgs, Format, ImportArgs};
use amity_projections::{analysis, Selection};

use super::caught_up;
use crate::{import_csv, import_pairs, output, parties, store};

/// `amity import`.
pub async fn import(
    ledger: &Ledger,
    opened: &store::Opened,
    format: Format,
    import: ImportArgs,
) -> Result<()> {
    let options = amity_ledger::archive::ImportOptions {
        skip_invalid: import.skip_invalid,
        dry_run: import.dry_run,
    };
    let summary = match format {
        Format::Jsonl => {
            let bar = output::progress_bar();
            let summary =
                amity_ledger::archive::import(ledger, &import.file, options, &mut |done| {
                    bar.set_position(done);
                })
                .await?;
            bar.finish_and_clear();
            summary
        }
        Format::Csv => {
            let recorded_by = import
                .recorded_by
                .clone()
                .or_else(|| std::env::var("USER").ok())
                .unwrap_or_else(|| "import".to_owned());
            // Names are resolved against the parties the ledger holds (none in an
            // empty ledger, the usual bulk import: then nothing is loaded).
            let holds_events = !ledger
                .store()
                .read_all(amity_store::Position::START, 1)
                .await?
                .is_empty();
            let resolver = if holds_events {
                let projections = caught_up(opened, ledger).await?;
                Some(parties::Resolver::load(&projections).await?)
            } else {
                None
            };
            import_csv::import(
                ledger,
                &import.file,
                options,
                &recorded_by,
                resolver.as_ref(),
            )
            .await?
        }
        Format::Pairs => {
            let source = import_pairs::source(
                import.source_title.as_deref(),
                import.source_url.as_deref(),
                import.source_date.as_deref(),
            )?;
            let Some(as_of) = import.as_of.as_deref() else {
                return Err(usage!(
                    "import --format pairs needs --as-of: the date the list attests the pairs at"
                ));
            };
            let as_of = args::date_or_milestone(ledger, "--as-of", as_of).await?;
            let recorded_by = import
                .recorded_by
                .clone()
                .or_else(|| std::env::var("USER").ok())
                .unwrap_or_else(|| "import".to_owned());
            match &import.names {
                Some(names) => {
                    import_pairs::import_wikidata(
                        ledger,
                        &import.file,
                        names,
                        options,
                        source,
                        as_of,
                        &recorded_by,
                    )
                    .await?
                }
                None => {
                    let pairs = import_pairs::PairsOptions {
                        columns: import.columns.clone(),
                        country_names: import.country_names.clone(),
                    };
                    import_pairs::import(
                        ledger,
                        &import.file,
                        options,
                        &pairs,
                        source,
                        as_of,
                        &recorded_by,
                    )
                    .await?
                }
            }
        }
        _ => {
            return Err(usage!(
                "import: give --format jsonl (an archive), csv or pairs"
            ))
        }
    };
    output::import_summary(&import.file, &summary, options)
}

/// `amity export`.
pub async fn export(
    ledger: &Ledger,
    opened: &store::Opened,
    format: Format,
    export: ExportArgs,
) -> Result<()> {
    // Check the request before touching any file.
    let view = match (format, export.view.as_deref(), export.as_of.is_some()) {
        (Format::Jsonl, None, false) => None,
        (Format::Jsonl, _, _) => {
            return Err(usage!(
                "export --format jsonl writes every event; --view and --as-of go with --format csv"
            ))
        }
        (Format::Csv, Some("status"), _) => Some("status"),
        (Format::Csv, Some("timeline"), false) => Some("timeline"),
        (Format::Csv, Some("timeline"), true) => {
            return Err(usage!("--as-of goes with --view status"))
        }
        (Format::Csv, _, _) => {
            return Err(usage!(
                "export --format csv needs --view status or --view timeline"
            ))
        }
        _ => {
            return Err(usage!(
                "export: give --format jsonl (every event) or --format csv --view status|timeline"
            ))
        }
    };
    let as_of = args::as_of(ledger, export.as_of.as_deref()).await?;
    let known_at = args::known_at(export.known_at.as_deref())?;
    // A file is written beside its destination and renamed at the end, so a failed
    // export never leaves a truncated file (nor touches an existing one).
    let file = export.file.as_ref().filter(|path| path.as_os_str() != "-");
    let partial = file.map(|path| {
        path.with_extension(format!(
            "{}.partial",
            path.extension().and_then(|e| e.to_str()).unwrap_or("out")
        ))
    });
    let mut out: Box<dyn std::io::Write> = match &partial {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("{}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let written: Result<Option<u64>> = async {
        match view {
            None => Ok(Some(
                amity_ledger::archive::export(ledger, &mut out, known_at).await?,
            )),
            Some(view) => {
                let projections = caught_up(opened, ledger).await?;
                if view == "status" {
                    let views = projections
                        .status(&Selection::All, as_of.as_ref(), known_at)
                        .await?;
                    output::write_status_csv(&mut out, &views)?;
                } else {
                    let pairs = projections
                        .cohort_pairs(&analysis::Cohort::default(), known_at)
                        .await?;
                    output::write_timeline_csv(&mut out, &pairs)?;
                }
                Ok(None)
            }
        }
    }
    .await;
    let flushed = out.flush();
    drop(out);
    match (written, flushed, &partial, file) {
        (Ok(count), Ok(()), Some(partial), Some(file)) => {
            std::fs::rename(partial, file).with_context(|| format!("{}", file.display()))?;
            if let Some(count) = count {
                eprintln!("exported {count} events to {}", file.display());
            }
            Ok(())
        }
        (Ok(_), Ok(()), _, _) => Ok(()),
        (written, flushed, partial, _) => {
            if let Some(partial) = partial {
                let _ = std::fs::remove_file(partial);
            }
            written?;
            flushed?;
            Ok(())
        }
    }
}
