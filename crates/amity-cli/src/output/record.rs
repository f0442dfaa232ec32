//! What recording prints: the event recorded, an amendment, a milestone.

use super::*;

/// After recording one event.
pub fn recorded(outcome: &Outcome, format: Format) -> Result<()> {
    let recorded = outcome.recorded();
    let fresh = matches!(outcome, Outcome::Recorded(_));
    match format {
        Format::Json => print_json(&json!({
            "event_id": recorded.id,
            "partnership": recorded.partnership,
            "type": recorded.event.event_type().name(),
            "occurred": recorded.event.facts().occurred.date().map(|d| d.as_str()),
            "recorded": fresh,
        })),
        // (The other formats are refused before a recording command runs.)
        _ => {
            let what = if fresh {
                "recorded"
            } else {
                "already recorded (nothing written):"
            };
            emit(format_args!(
                "{what} {} {} ({}) in {}",
                recorded.event.event_type(),
                recorded.id,
                recorded.event.facts().occurred,
                recorded.partnership
            ))?;
            Ok(())
        }
    }
}

/// `amend`: the retraction and the replacement, recorded together.
pub fn amended(outcomes: &[Outcome], format: Format) -> Result<()> {
    let [retraction, replacement] = outcomes else {
        anyhow::bail!("an amendment records two entries");
    };
    match format {
        Format::Json => print_json(&json!({
            "retraction": retraction.recorded().id,
            "replacement": replacement.recorded().id,
            "partnership": replacement.recorded().partnership,
            "type": replacement.recorded().event.event_type().name(),
            "occurred": replacement.recorded().event.facts().occurred.date().map(|d| d.as_str()),
        })),
        // (The other formats are refused before a recording command runs.)
        _ => {
            let (old, new) = (retraction.recorded(), replacement.recorded());
            let target = old
                .event
                .target()
                .map(|id| id.to_string())
                .unwrap_or_default();
            emit(format_args!(
                "amended {target}: retracted by {}, replaced by {} {} ({}) in {}",
                old.id,
                new.event.event_type(),
                new.id,
                new.event.facts().occurred,
                new.partnership
            ))
        }
    }
}

/// After `milestone add`.
pub fn milestone_recorded(
    outcome: &amity_ledger::Outcome<Milestone>,
    id: uuid::Uuid,
    format: Format,
) -> Result<()> {
    let (milestone, fresh) = match outcome {
        amity_ledger::Outcome::Recorded(m) => (m, true),
        amity_ledger::Outcome::AlreadyRecorded(m) => (m, false),
    };
    match format {
        Format::Json => print_json(&json!({
            "event_id": id,
            "key": milestone.key,
            "occurred": milestone.occurred,
            "recorded": fresh,
        })),
        // (The other formats are refused before a recording command runs.)
        _ => emit(format_args!(
            "{} milestone {} ({}): {}",
            if fresh {
                "recorded"
            } else {
                "already recorded (nothing written):"
            },
            milestone.key,
            milestone.occurred,
            milestone.title
        )),
    }
}
