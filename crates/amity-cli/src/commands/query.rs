//! The queries: `history`, `status`, `partners`, `milestone list`. Each asks the query API
//! (`Projections::answer`) and prints its answer.

use amity_projections::analysis;
use amity_projections::placement::Placements;
use amity_projections::query::{Answer, Query};
use anyhow::Result;

use super::parties;
use super::{caught_up, partnership_of, Context};
use crate::args::{self, OptionalPartnershipArgs, PartnersArgs, PartnershipArgs};
use crate::output;

/// `amity history PARTNERSHIP`.
pub async fn history(cx: &Context<'_>, which: PartnershipArgs) -> Result<()> {
    let known_at = args::known_at(which.known_at.as_deref())?;
    let projections = caught_up(cx.opened, cx.ledger).await?;
    let id = partnership_of(&projections, &which.partnership).await?;
    // The table and the CSV are drawn from the history's rows; its JSON is the query API's
    // answer built from the same rows (`HistoryAnswer`).
    // Each entry's place in the verifiable log, and whether the latest checkpoint covers it.
    let (status, timeline) = projections.history(&id, known_at).await?;
    let places = projections.log_places(&timeline).await?;
    if cx.format == crate::args::Format::Csv {
        // The timeline view's columns, every field of each stored event.
        let feed =
            amity_interchange::views::Feed::of_history(cx.ledger, &timeline, &places).await?;
        let placements = Placements::of_rows(&timeline);
        let mut buffer = Vec::new();
        let raw = output::raw_csv();
        amity_interchange::views::write_timeline(&feed, &placements, raw, &mut buffer)?;
        return output::emit(String::from_utf8(buffer)?.trim_end());
    }
    output::history(&status, &timeline, &places, cx.format)
}

/// `amity status [PARTNERSHIP] [--cohort …] [--party …] [--region …] [--kind …]`.
pub async fn status(cx: &Context<'_>, which: OptionalPartnershipArgs) -> Result<()> {
    let as_of = args::as_of(cx.ledger, which.as_of.as_deref()).await?;
    let known_at = args::known_at(which.known_at.as_deref())?;
    let mut projections = caught_up(cx.opened, cx.ledger).await?;
    let partnership = match which.partnership.as_slice() {
        [] => None,
        given => Some(partnership_of(&projections, given).await?),
    };
    let party = match &which.party {
        Some(party) => Some(parties::find(&projections, party, false).await?.canonical),
        None => None,
    };
    let cohort = analysis::Cohort {
        countries: which
            .cohort
            .as_deref()
            .map(analysis::Cohort::parse_countries)
            .transpose()
            .map_err(|error| anyhow::anyhow!("--cohort {error}"))?,
        party,
        region: which.region.clone(),
        kind: which.kind.clone(),
    };
    let query = Query::Status {
        partnership,
        cohort,
        as_of,
        known_at,
        page: which.page.page(),
    };
    let Answer::Status(views) = projections.answer(query).await? else {
        unreachable!("a status query answers with statuses")
    };
    output::status(&views, cx.format)
}

/// `amity partners PARTY`.
pub async fn partners(cx: &Context<'_>, partners: PartnersArgs) -> Result<()> {
    let as_of = args::as_of(cx.ledger, partners.as_of.as_deref()).await?;
    let known_at = args::known_at(partners.known_at.as_deref())?;
    let mut projections = caught_up(cx.opened, cx.ledger).await?;
    let key = parties::find(&projections, &partners.party, false)
        .await?
        .canonical;
    let page = partners.page.page();
    let query = Query::Partners {
        party: key.clone(),
        as_of,
        known_at,
        page,
    };
    let Answer::Partners(rows) = projections.answer(query).await? else {
        unreachable!("a partners query answers with partners")
    };
    // An empty first page means no partnership at all (a later page may be empty).
    if rows.is_empty() && page.offset == 0 && page.limit != Some(0) {
        let similar = projections.similar_parties(&key).await?;
        let hint = match similar.as_slice() {
            [] => String::new(),
            found => format!(" (did you mean {}?)", found.join(", ")),
        };
        match known_at {
            Some(moment) => {
                anyhow::bail!("no partnership of {key} had been recorded by {moment}{hint}")
            }
            None => anyhow::bail!("no partnership of {key} is recorded{hint}"),
        }
    }
    output::partners(&key, &rows, cx.format)
}

/// `amity milestone list`: read from the ledger (no projection holds them).
pub async fn milestones(cx: &Context<'_>) -> Result<()> {
    output::milestones(&cx.ledger.milestones().await?, cx.format)
}
