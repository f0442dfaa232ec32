//! Looking after a ledger: `rebuild`, `migrate`, and what needs no ledger (`completions`,
//! `man`).

use amity_ledger::Ledger;
use amity_projections::analysis;
use anyhow::{Context as _, Result};

use super::Context;
use crate::args::{self, Cli};
use crate::{output, store};

/// `amity completions SHELL`: written whole, so that a closed pipe ends it quietly.
pub fn completions(shell: clap_complete::Shell) -> Result<()> {
    let mut command = <Cli as clap::CommandFactory>::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "amity", &mut script);
    output::emit(String::from_utf8_lossy(&script).trim_end())
}

/// `amity man`: the manual page (roff).
pub fn man() -> Result<()> {
    let mut page = Vec::new();
    clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut page)?;
    output::emit(String::from_utf8_lossy(&page).trim_end())
}

/// `amity rebuild`: every projection dropped and rebuilt from the events.
pub async fn rebuild(cx: &Context<'_>) -> Result<()> {
    let mut projections = cx.projections().await?;
    output::rebuild(&mut projections).await
}

/// `amity migrate --from URL --to URL`.
pub async fn migrate(migrate: &args::MigrateArgs) -> Result<()> {
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
