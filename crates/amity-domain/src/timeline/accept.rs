//! Acceptance: the checks of a candidate that need no dates (texts, parties, targets,
//! alternative claims), then a legal order with it through the engine; a batch is accepted
//! whole or not at all.

use super::driving::retraction_of;
use super::entries::Timeline;
use super::resolution::{resolve, Resolution};
use super::violation::{AlternativeProblem, EventRef, Violation};
use crate::event::{Event, Recorded};

impl Timeline {
    /// Check that `candidate` may be appended; nothing changes.
    pub fn check(&self, candidate: &Recorded) -> Result<(), Violation> {
        self.try_resolve(candidate).map(drop)
    }

    /// Check `candidate` and append it.
    pub fn record(&mut self, candidate: Recorded) -> Result<(), Violation> {
        let resolution = self.try_resolve(&candidate)?;
        self.entries.push(candidate);
        self.resolution = resolution;
        Ok(())
    }

    /// Check `candidates` together and append them all, or none: the timeline with all of
    /// them must have a legal order, whatever order they come in (rows of a file, a batch), and
    /// a retraction may come with the entry that replaces what it retracts (`amend`: legal as
    /// a whole even when neither half is legal alone). Retractions and citations may name
    /// entries stored before or given earlier in the batch.
    pub fn record_all(&mut self, candidates: Vec<Recorded>) -> Result<(), Violation> {
        if candidates.len() <= 1 {
            for candidate in candidates {
                self.record(candidate)?;
            }
            return Ok(());
        }
        let mut staged = Timeline {
            id: self.id.clone(),
            entries: self.entries.clone(),
            resolution: Resolution::default(),
            merged: self.merged.clone(),
        };
        for candidate in &candidates {
            staged.precheck(candidate)?;
            staged.entries.push(candidate.clone());
        }
        let resolution = resolve(&self.id, &staged.entries, None);
        match resolution.conflict.clone() {
            Some(unfinished @ Violation::Unfinished { .. }) => Err(unfinished),
            Some(mut conflict) if self.resolution.conflict.is_none() => {
                if let Violation::Impossible { event, set_by, .. } = &mut conflict {
                    // Either side may be a candidate (one dated before a stored entry sets the
                    // status the stored one meets): a candidate is "the new", never its id.
                    for named in std::iter::once(event).chain(set_by.as_mut()) {
                        named.new = candidates.iter().any(|c| c.id == named.id);
                    }
                }
                Err(conflict)
            }
            _ => {
                self.entries = staged.entries;
                self.resolution = resolution;
                Ok(())
            }
        }
    }

    /// The checks of one candidate that do not depend on dates: texts, parties, targets.
    /// Returns the entry a retraction retracts.
    fn precheck(&self, candidate: &Recorded) -> Result<Option<&Recorded>, Violation> {
        let event = &candidate.event;
        if let Some(field) = event.field_with_nul() {
            return Err(Violation::NulCharacter { field });
        }
        if let Some(body) = event.as_lifecycle() {
            let event_partnership = body.partnership.id();
            if event_partnership != self.id {
                return Err(Violation::WrongPartnership {
                    partnership: self.id.clone(),
                    event_partnership,
                });
            }
        }
        if let (Some(body), Some(initiator)) = (event.as_lifecycle(), &event.facts().initiated_by) {
            if !body.partnership.id().involves(initiator) {
                return Err(Violation::InitiatorNotParty {
                    initiator: initiator.clone(),
                    partnership: self.id.clone(),
                });
            }
        }
        if let Some(target) = event.alternative_to() {
            let invalid = |problem| Violation::InvalidAlternative {
                event_type: event.event_type(),
                target,
                problem,
            };
            let found = self
                .entries
                .iter()
                .find(|entry| entry.id == target)
                .ok_or_else(|| {
                    invalid(AlternativeProblem::NotInHistory {
                        partnership: self.id.clone(),
                    })
                })?;
            if found.event.event_type() != event.event_type() {
                return Err(invalid(AlternativeProblem::OtherType {
                    found: found.event.event_type(),
                    occurred: found.event.facts().occurred.clone(),
                }));
            }
            if let Some(by) = retraction_of(&self.entries, target) {
                return Err(invalid(AlternativeProblem::Retracted { by: by.id }));
            }
        }
        let mut retracting = None;
        if let Some(target) = event.target() {
            let found = self
                .entries
                .iter()
                .find(|entry| entry.id == target)
                .ok_or_else(|| Violation::UnknownTarget {
                    target,
                    partnership: self.id.clone(),
                })?;
            if let Event::Retracted(_) = event {
                if let Event::Retracted(_) = found.event {
                    return Err(Violation::RetractsRetraction { target });
                }
                if let Some(by) = retraction_of(&self.entries, target) {
                    return Err(Violation::AlreadyRetracted {
                        target: Box::new(EventRef::of(found)),
                        by: by.id,
                    });
                }
                retracting = Some(found);
            }
        }
        Ok(retracting)
    }

    fn try_resolve(&self, candidate: &Recorded) -> Result<Resolution, Violation> {
        let retracting = self.precheck(candidate)?;
        let mut entries = self.entries.clone();
        entries.push(candidate.clone());
        let resolution = resolve(&self.id, &entries, Some(candidate.id));
        if let Some(unfinished @ Violation::Unfinished { .. }) = &resolution.conflict {
            return Err(unfinished.clone());
        }
        let conflict = resolution.conflict.clone().map(|mut conflict| {
            if let Violation::Impossible { event, set_by, .. } = &mut conflict {
                for named in std::iter::once(event).chain(set_by.as_mut()) {
                    named.new = named.id == candidate.id;
                }
            }
            conflict
        });
        match (conflict, retracting) {
            (None, _) => Ok(resolution),
            // A retraction is always allowed to undo a conflict that was already stored.
            (Some(_), _) if self.resolution.conflict.is_some() => Ok(resolution),
            (Some(conflict), Some(target)) => Err(Violation::RetractionBreaksTimeline {
                target: Box::new(EventRef::of(target)),
                consequence: Box::new(conflict),
            }),
            (Some(conflict), None) => Err(conflict),
        }
    }
}
