//! The commands that take more than a few lines, one module per group.

mod interchange;

pub use interchange::{export, import};

use amity_domain::{Event, EventType, Facts, Partnership, PartnershipKind, Party};
use amity_ledger::{Ledger, Outcome};
use amity_projections::{analysis, Projections};
use anyhow::{Context, Result};

use crate::args::{self, Command, Format};
use crate::{output, parties, store};

/// A partnership given by its id or by its two parties (each found as [`parties::find`]
/// finds it), as its community's partnership.
pub(crate) async fn partnership_of(
    projections: &amity_projections::Projections,
    given: &[String],
) -> Result<amity_domain::PartnershipId> {
    match given {
        [a, b] => {
            let a = parties::find(projections, a, false)
                .await
                .context("first party")?;
            let b = parties::find(projections, b, false)
                .await
                .context("second party")?;
            Ok(amity_domain::PartnershipId::of(&a.canonical, &b.canonical)?)
        }
        _ => {
            let id = args::partnership_id(given)?;
            let links = projections.ledger().links().await?;
            Ok(links.canonical_partnership(&id))
        }
    }
}

/// A party to record an event about: one the ledger knows by that key, name or alias (in
/// the region given), else a new one; says which key a name was resolved to.
pub(crate) async fn recording_party(
    projections: &amity_projections::Projections,
    given: &str,
    which: &str,
) -> Result<Party> {
    let found = parties::find(projections, given, true)
        .await
        .context(which.to_owned())?;
    let written: Option<Party> = given.parse().ok();
    if found.known && written.is_none_or(|party| party.key() != found.key) {
        eprintln!("{which}: {given:?} is {}", found.key);
    }
    Ok(found.party)
}

/// Whether `--format` is one this command takes: the query and recording commands print
/// `table`, `json` or `csv`; `import` reads `jsonl`, `csv` or `pairs`; `export` writes `jsonl`
/// or `csv`. Any other is a usage error.
pub(crate) fn check_format(command: &Command, format: Format) -> Result<()> {
    let (allowed, what): (&[Format], &str) = match command {
        Command::Import(_) => (
            &[Format::Jsonl, Format::Csv, Format::Pairs],
            "import reads jsonl, csv or pairs",
        ),
        Command::Export(_) => (&[Format::Jsonl, Format::Csv], "export writes jsonl or csv"),
        Command::Migrate(_) | Command::Completions { .. } | Command::Man => return Ok(()),
        _ => (
            &[Format::Table, Format::Json, Format::Csv],
            "this command prints table, json or csv",
        ),
    };
    if allowed.contains(&format) {
        return Ok(());
    }
    let name = clap::ValueEnum::to_possible_value(&format)
        .map(|value| value.get_name().to_owned())
        .unwrap_or_default();
    Err(usage!("--format {name}: {what}"))
}

/// The projections of `ledger`, where its store keeps them, caught up with it.
pub(crate) async fn caught_up(opened: &store::Opened, ledger: &Ledger) -> Result<Projections> {
    let mut projections = opened.projections(ledger.clone()).await?;
    projections.catch_up().await?;
    Ok(projections)
}

pub(crate) async fn record_lifecycle(
    ledger: &Ledger,
    projections: &amity_projections::Projections,
    event_type: EventType,
    lifecycle: args::LifecycleArgs,
    matches: &clap::ArgMatches,
    format: Format,
) -> Result<()> {
    let party = recording_party(projections, &lifecycle.party, "first party").await?;
    let partner = recording_party(projections, &lifecycle.partner, "second party").await?;
    let partnership = Partnership::new(party, partner, PartnershipKind::new(&lifecycle.kind))?;
    // A milestone key stands for its date (stored as that EDTF date, verbatim).
    let occurred = match lifecycle.occurred.parse::<amity_domain::Occurred>() {
        Ok(_) => lifecycle.occurred.clone(),
        Err(_) => args::date_or_milestone(ledger, "--occurred", &lifecycle.occurred)
            .await?
            .to_string(),
    };
    let mut facts: Facts = lifecycle.facts.to_facts(Some(&occurred), matches)?;
    if let Some(by) = &lifecycle.by {
        facts.initiated_by = Some(args::party_key(by).context("--by")?);
    }
    let item = lifecycle.facts.to_record(
        partnership.id(),
        Event::claim(event_type, partnership, facts, lifecycle.alternative_to),
    );
    report(ledger.record(item).await?, format)
}

pub(crate) fn report(outcome: Outcome, format: Format) -> Result<()> {
    output::recorded(&outcome, format)
}

/// The matches of a nested subcommand (`milestone add`), where its options are.
pub(crate) fn sub_matches_of(matches: &clap::ArgMatches) -> clap::ArgMatches {
    matches
        .subcommand()
        .map(|(_, nested)| nested.clone())
        .unwrap_or_else(|| matches.clone())
}

/// `amity migrate --from URL --to URL`.
pub(crate) async fn run_migrate(migrate: &args::MigrateArgs) -> Result<()> {
    let source = store::open_store(&migrate.from, true, None)
        .await
        .context("--from")?;
    let target = store::open_store(&migrate.to, false, None)
        .await
        .context("--to")?;
    let from = Ledger::new(source.store.clone());
    let to = Ledger::new(target.store.clone());
    let bar = output::progress_bar();
    let summary =
        amity_ledger::archive::copy(&from, &to, &mut |done| bar.set_position(done)).await?;
    bar.finish_and_clear();
    // The same events must give the same projections on both sides.
    let mut left = source.projections(from).await.context("--from")?;
    let mut right = target.projections(to).await.context("--to")?;
    left.catch_up().await?;
    right.catch_up().await?;
    let everyone = analysis::Cohort::default();
    let (left_rows, right_rows) = (
        left.cohort_pairs(&everyone, None).await?,
        right.cohort_pairs(&everyone, None).await?,
    );
    anyhow::ensure!(
        left_rows == right_rows,
        "copied {} events, but the projections differ between {} and {}",
        summary.events_written,
        migrate.from,
        migrate.to
    );
    output::emit(format_args!(
        "migrated {} events ({} written, {} already there); projections verified identical ({} partnerships)",
        summary.events_read,
        summary.events_written,
        summary.duplicates_skipped,
        left_rows.len()
    ))
}
