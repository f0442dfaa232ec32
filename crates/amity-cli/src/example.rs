//! `amity example`: the example ledger built from the seed documents (data in
//! `data/example-ledger.json`, committed with the code).

use std::collections::{BTreeMap, HashSet};

use amity_domain::{
    Certainty, EdtfDate, Event, EventId, EventType, Facts, Milestone, MilestoneKey, Occurred,
    Partnership, PartnershipKind, Party, Source, SourceRole,
};
use amity_ledger::{Ledger, Outcome, ToRecord};
use anyhow::{anyhow, Context, Result};
use serde::Deserialize;

const DATA: &str = include_str!("../data/example-ledger.json");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExampleFile {
    #[allow(dead_code)]
    about: String,
    sources: BTreeMap<String, ExampleSource>,
    entries: Vec<Entry>,
    milestones: Vec<ExampleMilestone>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExampleMilestone {
    id: EventId,
    key: MilestoneKey,
    title: String,
    occurred: EdtfDate,
    sources: Vec<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExampleSource {
    title: String,
    publisher: Option<String>,
    published: Option<EdtfDate>,
    role: Option<SourceRole>,
    locator: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: EventId,
    #[serde(rename = "type")]
    event_type: String,
    parties: [String; 2],
    occurred: Occurred,
    term: Option<String>,
    sources: Vec<String>,
    certainty: Certainty,
    by: Option<String>,
    note: Option<String>,
    /// Recorded in the second append (what the March 2022 news added later).
    #[serde(default)]
    later: bool,
}

fn file() -> Result<ExampleFile> {
    serde_json::from_str(DATA).context("example-ledger.json")
}

fn source(file: &ExampleFile, name: &str) -> Result<Source> {
    let source = file
        .sources
        .get(name)
        .ok_or_else(|| anyhow!("unknown source {name:?}"))?;
    Ok(Source {
        title: source.title.clone(),
        publisher: source.publisher.clone(),
        url: None,
        published: source.published.clone(),
        locator: source.locator.clone(),
        role: source.role,
    })
}

/// The example's milestones with their ids.
pub fn milestones() -> Result<Vec<(EventId, Milestone)>> {
    let file = file()?;
    file.milestones
        .iter()
        .map(|m| {
            Ok((
                m.id,
                Milestone {
                    key: m.key.clone(),
                    title: m.title.clone(),
                    occurred: m.occurred.clone(),
                    sources: m
                        .sources
                        .iter()
                        .map(|name| source(&file, name))
                        .collect::<Result<_>>()?,
                    note: m.note.clone(),
                },
            ))
        })
        .collect()
}

/// The example's events, ready to record, each with whether it belongs to the later append.
pub fn events(recorded_by: &str) -> Result<Vec<(ToRecord, bool)>> {
    let mut file = file()?;
    let entries = std::mem::take(&mut file.entries);
    entries
        .into_iter()
        .enumerate()
        .map(|(index, entry)| {
            let context = || format!("example-ledger.json, entry {}", index + 1);
            let event_type = EventType::from_name(&entry.event_type)
                .filter(|t| t.is_lifecycle())
                .ok_or_else(|| anyhow!("unknown lifecycle type {:?}", entry.event_type))
                .with_context(context)?;
            let a: Party = entry.parties[0].parse().with_context(context)?;
            let b: Party = entry.parties[1].parse().with_context(context)?;
            let sources = entry
                .sources
                .iter()
                .map(|name| source(&file, name))
                .collect::<Result<Vec<_>>>()
                .with_context(context)?;
            let initiated_by = match &entry.by {
                Some(by) => Some(by.parse::<Party>().with_context(context)?.key()),
                None => None,
            };
            let facts = Facts {
                occurred: entry.occurred,
                term_as_written: entry.term,
                sources,
                certainty: entry.certainty,
                initiated_by,
                note: entry.note,
            };
            let partnership = Partnership::new(a, b, PartnershipKind::sister_city())?;
            let mut item = ToRecord::lifecycle(
                Event::lifecycle(event_type, partnership, facts),
                recorded_by,
            );
            item.event_id = entry.id;
            Ok((item, entry.later))
        })
        .collect()
}

/// What `amity example` did.
pub struct Built {
    /// Every partnership event's outcome, both appends.
    pub outcomes: Vec<Outcome>,
    /// How many milestones were new.
    pub new_milestones: usize,
    /// A moment after the first append and before the later one (whole seconds, UTC), when
    /// the ledger holds them apart (a ledger built by an older `amity example` holds both
    /// in one append).
    pub between: Option<jiff::Timestamp>,
}

/// Record the example in two appends (each all or nothing; events already present are
/// skipped): the founding list and the lists of remaining partners first, then what the March
/// 2022 news added, at least a whole second later; then its milestones.
pub async fn build(ledger: &Ledger, recorded_by: &str) -> Result<Built> {
    let (later, first): (Vec<_>, Vec<_>) = events(recorded_by)?
        .into_iter()
        .partition(|(_, later)| *later);
    let first_outcomes = ledger
        .record_all(first.into_iter().map(|(item, _)| item).collect())
        .await?;
    let first_done = first_outcomes
        .iter()
        .map(|outcome| outcome.recorded().recorded_at)
        .max()
        .unwrap_or_else(jiff::Timestamp::now);
    // The next whole second: what the first append knew, and nothing of the later one.
    let between = jiff::Timestamp::from_second(first_done.as_second() + 1)
        .context("a moment after the first append")?;
    let later_items: Vec<ToRecord> = later.into_iter().map(|(item, _)| item).collect();
    // A first build waits for that second to pass (a rebuild finds it long past).
    let wait = between.duration_since(jiff::Timestamp::now());
    if wait.is_positive() {
        let wait = std::time::Duration::try_from(wait).unwrap_or_default();
        tokio::time::sleep(wait + std::time::Duration::from_millis(5)).await;
    }
    let later_outcomes = ledger.record_all(later_items).await?;
    let apart = later_outcomes
        .iter()
        .all(|outcome| outcome.recorded().recorded_at > between);
    let mut outcomes = first_outcomes;
    outcomes.extend(later_outcomes);
    let mut new_milestones = 0;
    let existing = ledger.milestones().await?;
    for (id, milestone) in milestones()? {
        // A milestone the user recorded under the same key is theirs: keep it.
        if existing.iter().any(|m| m.key == milestone.key) {
            continue;
        }
        if let Outcome::Recorded(_) = ledger.record_milestone(milestone, id, recorded_by).await? {
            new_milestones += 1;
        }
    }
    Ok(Built {
        outcomes,
        new_milestones,
        between: apart.then_some(between),
    })
}

/// How many partnerships the outcomes touch.
pub fn partnership_count(outcomes: &[Outcome]) -> usize {
    outcomes
        .iter()
        .map(|outcome| &outcome.recorded().partnership)
        .collect::<HashSet<_>>()
        .len()
}
