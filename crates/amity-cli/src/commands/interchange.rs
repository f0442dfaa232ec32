//! `amity import` and `amity export`: the interchange formats in and out.

use amity_domain::{EdtfDate, Source, SourceRole};
use amity_interchange::views;
use amity_ledger::import::{csv, pairs, ImportOptions, Names};
use amity_ledger::{archive, Ledger};
use amity_projections::Selection;
use anyhow::Result;

use super::caught_up;
use crate::args::{self, ExportArgs, Format, ImportArgs, ViewArg};
use crate::{files, output, store};

/// `amity import`: the file read and written by the library (`amity_ledger::archive`,
/// `amity_ledger::import`), its progress drawn on the terminal, its summary printed.
pub async fn import(
    ledger: &Ledger,
    opened: &store::Opened,
    format: Format,
    import: ImportArgs,
) -> Result<()> {
    let beside = [
        ("--sources", import.sources.is_some()),
        ("--party-links", import.party_links.is_some()),
        ("--milestones", import.milestones.is_some()),
        ("--registrations", import.registrations.is_some()),
    ];
    if let Some((option, _)) = beside.iter().find(|(_, given)| *given) {
        if format != Format::TimelineCsv {
            return Err(usage!("{option} goes with --format timeline-csv"));
        }
    }
    let options = ImportOptions {
        skip_invalid: import.skip_invalid,
        dry_run: import.dry_run,
    };
    let recorded_by = import
        .recorded_by
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "import".to_owned());
    let summary = match format {
        Format::Jsonl => {
            let mut shown = output::ImportProgress::lines();
            let summary =
                archive::import(ledger, &import.file, options, &mut |step| shown.show(step))
                    .await?;
            shown.finish();
            summary
        }
        Format::Csv => {
            // Names are found among the parties the ledger holds (none in an empty ledger,
            // the usual bulk import: then nothing is loaded).
            let holds_events = ledger.identity().await?.is_some();
            let resolver = if holds_events {
                let projections = caught_up(opened, ledger).await?;
                Some(projections.party_resolver().await?)
            } else {
                None
            };
            let names = resolver.as_ref().map(|found| found as &dyn Names);
            let mut shown = output::ImportProgress::events();
            csv::import(
                ledger,
                &import.file,
                options,
                &recorded_by,
                names,
                &mut |step| shown.show(step),
            )
            .await?
        }
        Format::Pairs => {
            let source = list_source(
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
            let mut shown = output::ImportProgress::events();
            let mut progress = |step| shown.show(step);
            match &import.names {
                Some(names) => {
                    pairs::import_wikidata(
                        ledger,
                        &import.file,
                        names,
                        options,
                        source,
                        as_of,
                        &recorded_by,
                        &mut progress,
                    )
                    .await?
                }
                None => {
                    let list = pairs::PairsOptions {
                        columns: import.columns.clone(),
                        country_names: import.country_names.clone(),
                    };
                    pairs::import(
                        ledger,
                        &import.file,
                        options,
                        &list,
                        source,
                        as_of,
                        &recorded_by,
                        &mut progress,
                    )
                    .await
                    .map_err(|error| match error {
                        // The library names the mapping; the user gave it as --columns.
                        amity_ledger::Error::ColumnMapping(_) => {
                            anyhow::Error::new(error).context("--columns")
                        }
                        other => other.into(),
                    })?
                }
            }
        }
        Format::TimelineCsv => {
            let files = archive::views::ViewFiles {
                timeline: &import.file,
                sources: import.sources.as_deref(),
                party_links: import.party_links.as_deref(),
                milestones: import.milestones.as_deref(),
                registrations: import.registrations.as_deref(),
                raw: output::raw_csv(),
            };
            let mut shown = output::ImportProgress::lines();
            let summary =
                archive::views::import(ledger, files, options, &mut |step| shown.show(step))
                    .await?;
            shown.finish();
            summary
        }
        _ => {
            return Err(usage!(
                "import: give --format jsonl (an archive), csv, pairs or timeline-csv"
            ))
        }
    };
    output::import_summary(&import.file, &summary, options)
}

/// The source a list is attested by, from the command line.
fn list_source(title: Option<&str>, url: Option<&str>, date: Option<&str>) -> Result<Source> {
    let Some(title) = title else {
        anyhow::bail!("import --format pairs needs --source-title (and usually --source-url)");
    };
    Ok(Source {
        title: title.to_owned(),
        publisher: None,
        url: url.map(str::to_owned),
        published: date.map(|d| d.parse::<EdtfDate>()).transpose()?,
        locator: None,
        role: Some(SourceRole::Secondary),
    })
}

/// What an export writes, checked before any file is touched.
enum Export {
    /// The JSON Lines archive.
    Archive,
    /// A CSV view.
    View(ViewArg),
    /// W3C PROV.
    Prov(amity_interchange::prov::ProvFormat),
    /// A party's EAC-CPF record.
    EacCpf(String),
    /// Wikidata QuickStatements.
    QuickStatements,
}

/// The export a command line asks for, or a usage error.
fn export_of(format: Format, export: &ExportArgs) -> Result<Export> {
    use amity_interchange::prov::ProvFormat;
    if export.party.is_some() && format != Format::EacCpf {
        return Err(usage!("--party goes with --format eac-cpf"));
    }
    if export.view.is_some() && format != Format::Csv {
        return Err(usage!("--view goes with --format csv"));
    }
    if export.as_of.is_some() && !(format == Format::Csv && export.view == Some(ViewArg::Status)) {
        return Err(usage!("--as-of goes with --format csv --view status"));
    }
    Ok(match format {
        Format::Jsonl => Export::Archive,
        Format::Csv => match export.view {
            Some(view) => Export::View(view),
            None => {
                return Err(usage!(
                "export --format csv needs --view timeline, sources, registrations, party-links, \
                     milestones, status or parties"
            ))
            }
        },
        Format::ProvO => Export::Prov(ProvFormat::Turtle),
        Format::ProvJson => Export::Prov(ProvFormat::Json),
        Format::EacCpf => match &export.party {
            Some(party) => Export::EacCpf(party.clone()),
            None => return Err(usage!("export --format eac-cpf needs --party PARTY")),
        },
        Format::Quickstatements => Export::QuickStatements,
        _ => {
            return Err(usage!(
                "export: give --format jsonl (every event), csv --view …, prov-o, prov-json, \
                 eac-cpf --party … or quickstatements"
            ))
        }
    })
}

/// `amity export`.
pub async fn export(
    ledger: &Ledger,
    opened: &store::Opened,
    format: Format,
    export: ExportArgs,
) -> Result<()> {
    // Check the request before touching any file.
    let what = export_of(format, &export)?;
    let as_of = args::as_of(ledger, export.as_of.as_deref()).await?;
    let known_at = args::known_at(export.known_at.as_deref())?;
    let raw = output::raw_csv();
    // A file is written to a new temporary file beside its destination and renamed at the
    // end (`files::NewFile`): a failed export leaves no partial file and does not touch an
    // existing one, and a link at the destination is replaced, never followed.
    let file = export.file.as_ref().filter(|path| path.as_os_str() != "-");
    let mut target = file.map(|path| files::NewFile::begin(path)).transpose()?;
    let mut out: Box<dyn std::io::Write> = match &mut target {
        Some(target) => Box::new(std::io::BufWriter::new(target.writer())),
        None => Box::new(std::io::BufWriter::new(output::StdoutWriter::new())),
    };
    let written: Result<Option<(u64, &str)>> = async {
        if let Export::Archive = what {
            let count = archive::export(ledger, &mut out, known_at).await?;
            return Ok(Some((count, "events")));
        }
        let projections = caught_up(opened, ledger).await?;
        match what {
            Export::Archive => unreachable!("written above"),
            Export::View(ViewArg::Status) => {
                let views = projections
                    .status(&Selection::All, as_of.as_ref(), known_at)
                    .await?;
                views::write_status(&views, raw, &mut out)?;
                Ok(None)
            }
            Export::View(ViewArg::Parties) => {
                if known_at.is_some() {
                    return Err(usage!(
                        "--known-at does not go with --view parties (the register as it stands)"
                    ));
                }
                views::write_parties(&projections.all_parties().await?, raw, &mut out)?;
                Ok(None)
            }
            Export::View(ViewArg::Timeline) => {
                let count =
                    views::export_timeline(ledger, &projections, known_at, raw, &mut out).await?;
                Ok(Some((count, "events")))
            }
            Export::View(view) => {
                let feed = views::Feed::read(ledger, known_at).await?;
                let (count, what) = match view {
                    ViewArg::Sources => (views::write_sources(&feed, raw, &mut out)?, "sources"),
                    ViewArg::PartyLinks => (
                        views::write_party_links(&feed, raw, &mut out)?,
                        "party links",
                    ),
                    ViewArg::Registrations => (
                        views::write_registrations(&feed, raw, &mut out)?,
                        "registrations",
                    ),
                    _ => (views::write_milestones(&feed, raw, &mut out)?, "milestones"),
                };
                Ok(Some((count, what)))
            }
            Export::Prov(format) => {
                let count = amity_interchange::prov::export(
                    ledger,
                    &projections,
                    known_at,
                    format,
                    &mut out,
                )
                .await?;
                Ok(Some((count, "events")))
            }
            Export::EacCpf(party) => {
                let key = super::parties::find(&projections, &party, false)
                    .await?
                    .canonical;
                amity_interchange::eac::export(&projections, &key, known_at, &mut out).await?;
                Ok(None)
            }
            Export::QuickStatements => {
                let count =
                    amity_interchange::quickstatements::export(&projections, known_at, &mut out)
                        .await?;
                Ok(Some((count, "partnerships")))
            }
        }
    }
    .await;
    let flushed = out.flush();
    drop(out);
    let count = written?;
    flushed?;
    // (Dropped on an error above, the temporary file is removed.)
    if let (Some(target), Some(file)) = (target, file) {
        target.replace()?;
        if let Some((count, what)) = count {
            eprintln!("exported {count} {what} to {}", file.display());
        }
    }
    Ok(())
}
