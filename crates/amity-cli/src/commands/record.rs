//! The recording commands: the six lifecycle steps, `retract`, `amend`, `cite`, `milestone
//! add` and `example`. Each builds its event from the arguments and hands it to the ledger,
//! which checks it against the rules and appends it.

use amity_domain::{EdtfDate, Event, EventType, Facts, Milestone, MilestoneKey, Partnership};
use amity_domain::{PartnershipKind, Party};
use amity_ledger::{Outcome, ToRecord};
use anyhow::{Context as _, Result};

use super::parties;
use super::{caught_up, Context};
use crate::args::{self, AmendArgs, CiteArgs, Format, LifecycleArgs, MilestoneAddArgs};
use crate::args::{ExampleArgs, RetractArgs};
use crate::{example, output};

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

/// `amity found|attest|suspend|reinstate|terminate|reaffirm A B`.
pub async fn lifecycle(
    cx: &Context<'_>,
    event_type: EventType,
    lifecycle: LifecycleArgs,
) -> Result<()> {
    let projections = caught_up(cx.opened, cx.ledger).await?;
    let party = recording_party(&projections, &lifecycle.party, "first party").await?;
    let partner = recording_party(&projections, &lifecycle.partner, "second party").await?;
    let partnership = Partnership::new(party, partner, PartnershipKind::new(&lifecycle.kind))?;
    // A milestone key stands for its date (stored as that EDTF date, verbatim). An empty
    // value or a date after today is refused as it is.
    let occurred =
        match amity_domain::input::occurred("--occurred", &lifecycle.occurred, args::today()) {
            Ok(_) => lifecycle.occurred.clone(),
            Err(error) if matches!(error.problem, amity_domain::Problem::Date(_)) => {
                args::date_or_milestone(cx.ledger, "--occurred", &lifecycle.occurred)
                    .await?
                    .to_string()
            }
            Err(error) => return Err(error.into()),
        };
    let mut facts: Facts = lifecycle.facts.to_facts(Some(&occurred), cx.matches)?;
    if let Some(by) = &lifecycle.by {
        facts.initiated_by = Some(args::party_key(by).context("--by")?);
    }
    let item = lifecycle.facts.to_record(
        partnership.id(),
        Event::claim(event_type, partnership, facts, lifecycle.alternative_to),
    );
    output::recorded(&cx.ledger.record(item).await?, cx.format)
}

/// `amity retract EVENT_ID`: an entry of a partnership's history, or a link between parties.
pub async fn retract(cx: &Context<'_>, retract: RetractArgs) -> Result<()> {
    if cx.ledger.links().await?.link(retract.event_id).is_some() {
        return unlink(cx, retract).await;
    }
    let partnership = cx.ledger.locate(retract.event_id).await?;
    let facts = retract
        .facts
        .to_facts(retract.occurred.as_deref(), cx.matches)?;
    let event = Event::Retracted(amity_domain::event::Retraction {
        target: retract.event_id,
        reason: retract.reason,
        facts,
    });
    let item = retract.facts.to_record(partnership, event);
    output::recorded(&cx.ledger.record(item).await?, cx.format)
}

/// Retract a link between parties (same-as, distinct, successor-of).
async fn unlink(cx: &Context<'_>, retract: RetractArgs) -> Result<()> {
    let facts = retract.facts.to_facts(None, cx.matches)?;
    let event = amity_domain::RegisterEvent::Unlinked(amity_domain::register::Unlink {
        target: retract.event_id,
        reason: retract.reason.clone(),
        sources: facts.sources,
    });
    let id = retract.facts.id.unwrap_or_else(uuid::Uuid::now_v7);
    let outcome = cx
        .ledger
        .record_register(id, event, &retract.facts.recorded_by_or_user())
        .await?;
    let entry = outcome.recorded();
    if cx.format == Format::Json {
        return output::print_json(&serde_json::json!({
            "event_id": entry.id.to_string(),
            "event_type": entry.event.type_name(),
            "recorded": matches!(outcome, Outcome::Recorded(_)),
        }));
    }
    output::emit(format!(
        "recorded: link {} retracted (event {})",
        retract.event_id, entry.id
    ))
}

/// `amity amend EVENT_ID`: the entry retracted and its replacement recorded in one append.
pub async fn amend(cx: &Context<'_>, amend: AmendArgs) -> Result<()> {
    let partnership = cx.ledger.locate(amend.event_id).await?;
    let timeline = cx.ledger.load(&partnership).await?;
    let original = timeline
        .recorded()
        .iter()
        .find(|entry| entry.id == amend.event_id)
        .ok_or(amity_ledger::Error::UnknownEvent(amend.event_id))?;
    // The replacement keeps the original's place in its claim group: it names the claim the
    // original named, or else another claim of the group left standing.
    let in_group = {
        let group = timeline.claim_group(original.id);
        let standing = |id: amity_domain::EventId| {
            group
                .iter()
                .any(|claim| claim.id == id && timeline.is_standing(claim))
        };
        original
            .event
            .alternative_to()
            .filter(|&named| standing(named))
            .or_else(|| {
                group
                    .iter()
                    .find(|claim| claim.id != original.id && timeline.is_standing(claim))
                    .map(|claim| claim.id)
            })
    };
    let replacement = amend.replacement(&original.event, in_group, cx.matches)?;
    let recorded_by = amend
        .recorded_by
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "unknown".to_owned());
    let retraction = Event::Retracted(amity_domain::event::Retraction {
        target: amend.event_id,
        reason: amend.reason.clone(),
        facts: Facts {
            sources: replacement.facts().sources.clone(),
            note: Some("amended: the replacement is recorded with this retraction".to_owned()),
            ..Facts::default()
        },
    });
    let items = vec![
        ToRecord::about(partnership.clone(), retraction, &recorded_by),
        ToRecord::about(partnership, replacement, &recorded_by),
    ];
    let outcomes = cx.ledger.record_all(items).await?;
    output::amended(&outcomes, cx.format)
}

/// `amity cite EVENT_ID`: more sources for an entry.
pub async fn cite(cx: &Context<'_>, cite: CiteArgs) -> Result<()> {
    let partnership = cx.ledger.locate(cite.event_id).await?;
    let facts = cite.facts.to_facts(cite.occurred.as_deref(), cx.matches)?;
    if facts.sources.is_empty() {
        return Err(usage!("cite needs at least one --source-title"));
    }
    let event = Event::Cited(amity_domain::event::Citation {
        target: cite.event_id,
        facts,
    });
    let item = cite.facts.to_record(partnership, event);
    output::recorded(&cx.ledger.record(item).await?, cx.format)
}

/// `amity milestone add KEY`.
pub async fn milestone(cx: &Context<'_>, add: MilestoneAddArgs) -> Result<()> {
    let key: MilestoneKey = add.key.parse()?;
    let occurred: EdtfDate = add.occurred.parse().context("--occurred")?;
    let facts = add
        .facts
        .to_facts(None, &super::sub_matches_of(cx.matches))?;
    let milestone = Milestone {
        key,
        title: add.title,
        occurred,
        sources: facts.sources,
        note: facts.note,
    };
    let id = add.facts.id.unwrap_or_else(uuid::Uuid::now_v7);
    let recorded_by = add.facts.recorded_by_or_user();
    let outcome = cx
        .ledger
        .record_milestone(milestone, id, &recorded_by)
        .await?;
    output::milestone_recorded(&outcome, id, cx.format)
}

/// `amity example`: the example ledger from the seed documents.
pub async fn example(cx: &Context<'_>, example: ExampleArgs) -> Result<()> {
    let built = example::build(cx.ledger, &example.recorded_by).await?;
    let outcomes = &built.outcomes;
    let written = outcomes
        .iter()
        .filter(|outcome| matches!(outcome, Outcome::Recorded(_)))
        .count();
    output::emit(format_args!(
        "example ledger: {written} events recorded, {} already present ({} partnerships); \
         {} milestones recorded",
        outcomes.len() - written,
        example::partnership_count(outcomes),
        built.new_milestones
    ))?;
    if let Some(between) = built.between {
        output::emit(format_args!(
            "the March 2022 news about Smolensk was recorded after the rest: \
             --known-at {} shows the ledger before it",
            between.strftime("%Y-%m-%dT%H:%M:%SZ")
        ))?;
    }
    Ok(())
}
