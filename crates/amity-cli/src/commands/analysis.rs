//! The analyst views: `outcomes`, `changes` and `series` of a cohort, each asked of the query
//! API (`Projections::answer`).

use amity_projections::analysis;
use amity_projections::query::{Answer, Page, Query};
use anyhow::Result;

use super::{caught_up, Context};
use crate::args::{self, SeriesArgs, WindowArgs};
use crate::{chart, output};

/// Which view of a window: the outcome of each partnership, or every change in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowView {
    /// `amity outcomes`.
    Outcomes,
    /// `amity changes`.
    Changes,
}

/// The report a deprecated `--csv` asks for, said once; else the one `--format` asks for.
fn report(deprecated_csv: bool, cx: &Context<'_>) -> output::Report {
    if deprecated_csv {
        eprintln!("warning: --csv is deprecated; use --format csv");
        output::Report::Csv
    } else {
        cx.format.into()
    }
}

/// `amity outcomes` and `amity changes`: a cohort in a window of valid time.
pub async fn window(cx: &Context<'_>, view: WindowView, window: WindowArgs) -> Result<()> {
    let cohort = window.cohort.cohort()?;
    let dates = analysis::Window {
        from: (
            window.from.clone(),
            args::date_or_milestone(cx.ledger, "--from", &window.from).await?,
        ),
        to: (
            window.to.clone(),
            args::date_or_milestone(cx.ledger, "--to", &window.to).await?,
        ),
    };
    anyhow::ensure!(
        dates.from.1.earliest() <= dates.to.1.latest(),
        "--from {} is after --to {}",
        window.from,
        window.to
    );
    let mut projections = caught_up(cx.opened, cx.ledger).await?;
    let report = report(window.csv, cx);
    let known_at = args::known_at(window.known_at.as_deref())?;
    let query = match view {
        WindowView::Outcomes => Query::Outcomes {
            cohort,
            window: dates,
            known_at,
        },
        WindowView::Changes => Query::Changes {
            cohort,
            window: dates,
            known_at,
            page: Page::default(),
        },
    };
    match projections.answer(query).await? {
        Answer::Outcomes(outcomes) => output::outcomes(&outcomes, report),
        Answer::Changes(changes) => {
            let printed = output::changes(&changes, report);
            super::leave(changes);
            printed
        }
        _ => unreachable!("a window query answers with outcomes or changes"),
    }
}

/// `amity series`: counts by status at the end of each step, optionally drawn as SVG.
pub async fn series(cx: &Context<'_>, series: SeriesArgs) -> Result<()> {
    let cohort = series.cohort.cohort()?;
    let from = args::date_or_milestone(cx.ledger, "--from", &series.from).await?;
    let to = args::date_or_milestone(cx.ledger, "--to", &series.to).await?;
    let step: analysis::Step = series.step.into();
    anyhow::ensure!(
        from.earliest() <= to.latest(),
        "--from {} is after --to {}",
        series.from,
        series.to
    );
    if let Some(path) = &series.chart {
        if !path
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("svg"))
        {
            return Err(usage!(
                "--chart {}: the chart is SVG; name the file .svg",
                path.display()
            ));
        }
    }
    let mut projections = caught_up(cx.opened, cx.ledger).await?;
    let known_at = args::known_at(series.known_at.as_deref())?;
    let title = cohort.describe();
    let query = Query::Series {
        cohort,
        from,
        to,
        step,
        known_at,
    };
    let Answer::Series(points) = projections.answer(query).await? else {
        unreachable!("a series query answers with points")
    };
    if let Some(path) = &series.chart {
        let milestones = cx.ledger.milestones().await?;
        chart::draw(path, &title, series.step.name(), &points, &milestones)?;
    }
    output::series(&points, report(series.csv, cx))
}
