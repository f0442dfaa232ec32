//! The commands, one module per group: recording (`record`), queries (`query`), the analyst
//! views (`analysis`), import and export (`interchange`), the party register (`parties`), and
//! looking after a ledger (`admin`). Each parses what its arguments mean, asks the library, and prints the answer
//! (`crate::output`).

pub mod admin;
pub mod analysis;
mod interchange;
pub mod log;
pub mod parties;
pub mod query;
pub mod record;
pub mod serve;

pub use interchange::{export, import};

use amity_ledger::Ledger;
use amity_projections::Projections;
use anyhow::{Context as _, Result};

use crate::args::{self, Command, Format};
use crate::store;

/// What every command that works on a ledger is given: the ledger, its store as opened (where
/// its projections are), the output format, and the command's own argument matches (the
/// order of the repeated `--source-*` options lives there).
pub struct Context<'a> {
    /// The ledger.
    pub ledger: &'a Ledger,
    /// Its store, as opened.
    pub opened: &'a store::Opened,
    /// The output format.
    pub format: Format,
    /// The command's argument matches.
    pub matches: &'a clap::ArgMatches,
}

impl Context<'_> {
    /// The ledger's projections, where its store keeps them (not yet caught up).
    pub async fn projections(&self) -> Result<Projections> {
        Ok(self.opened.projections(self.ledger.clone()).await?)
    }
}

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

/// Whether `--format` is one this command takes: the query and recording commands print
/// `table`, `json` or `csv`; `import` reads `jsonl`, `csv` or `pairs`; `export` writes `jsonl`
/// or `csv`. Any other is a usage error.
pub(crate) fn check_format(command: &Command, format: Format) -> Result<()> {
    let (allowed, what): (&[Format], &str) = match command {
        Command::Import(_) => (
            &[
                Format::Jsonl,
                Format::Csv,
                Format::Pairs,
                Format::TimelineCsv,
            ],
            "import reads jsonl, csv, pairs or timeline-csv",
        ),
        Command::Export(_) => (
            &[
                Format::Jsonl,
                Format::Csv,
                Format::ProvO,
                Format::ProvJson,
                Format::EacCpf,
                Format::Quickstatements,
            ],
            "export writes jsonl, csv, prov-o, prov-json, eac-cpf or quickstatements",
        ),
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

/// Leave a long answer, once printed, to the operating system rather than free it piece by
/// piece: the process ends with the command, and freeing 25,000 rows one by one takes longer
/// than printing a tenth of them.
pub(crate) fn leave<T>(answer: T) {
    std::mem::forget(answer);
}

/// The matches of a nested subcommand (`milestone add`), where its options are.
pub(crate) fn sub_matches_of(matches: &clap::ArgMatches) -> clap::ArgMatches {
    matches
        .subcommand()
        .map(|(_, nested)| nested.clone())
        .unwrap_or_else(|| matches.clone())
}
