//! A list's pairs as attestations: their ids, their events, and their writing in atomic
//! batches.

use amity_domain::{Certainty, EdtfDate, Event, EventType, Facts, Occurred, Partnership, Source};

use crate::import::{ImportSummary, Progress};
use crate::{Ledger, Outcome, Result, ToRecord};

/// The namespace of attestation ids (UUID v5).
pub(super) const PAIRS_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x8c0e_51d4_2b6a_4f0e_b5a3_94d1_6f2e_a7c9);

/// The id of the attestation of a partnership by a source at a date: the same pair listed
/// twice (from both sides, or in a re-import) gives the same id.
pub(super) fn attestation_id(
    source: &Source,
    as_of: &EdtfDate,
    partnership: &Partnership,
) -> uuid::Uuid {
    let id = partnership.id();
    uuid::Uuid::new_v5(
        &PAIRS_NAMESPACE,
        format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{id}",
            source.title,
            source.url.as_deref().unwrap_or(""),
            as_of
        )
        .as_bytes(),
    )
}

/// One pair of a list, as evidence that the partnership existed at the list's date.
pub(super) struct Attestation {
    /// The pair.
    pub(super) partnership: Partnership,
    /// Its id ([`attestation_id`]).
    pub(super) event_id: uuid::Uuid,
    /// The list's word for the relation.
    pub(super) term: &'static str,
    /// How sure the list is.
    pub(super) certainty: Certainty,
    /// Where in the list.
    pub(super) note: String,
}

impl Attestation {
    /// The attestation as an event dated `as_of`, citing `source`.
    pub(super) fn into_record(
        self,
        source: &Source,
        as_of: &EdtfDate,
        recorded_by: &str,
    ) -> ToRecord {
        let facts = Facts {
            occurred: Occurred::Date(as_of.clone()),
            term_as_written: Some(self.term.to_owned()),
            sources: vec![source.clone()],
            certainty: self.certainty,
            initiated_by: None,
            note: Some(self.note),
        };
        let mut item = ToRecord::lifecycle(
            Event::lifecycle(EventType::PartnershipAttested, self.partnership, facts),
            recorded_by,
        );
        item.event_id = self.event_id;
        item
    }
}

/// Write the attestations in atomic batches of 2,000, each checked against its partnership's
/// history as recording checks it; `progress` hears of the events written.
pub(super) async fn write(
    ledger: &Ledger,
    items: Vec<ToRecord>,
    mut summary: ImportSummary,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ImportSummary> {
    progress(Progress::Writing {
        events: items.len() as u64,
    });
    let mut done = 0;
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let chunk: Vec<ToRecord> = items.by_ref().take(2_000).collect();
        done += chunk.len() as u64;
        for outcome in ledger.record_all(chunk).await? {
            match outcome {
                Outcome::Recorded(_) => summary.events_written += 1,
                Outcome::AlreadyRecorded(_) => summary.duplicates_skipped += 1,
            }
        }
        progress(Progress::Written { done });
    }
    progress(Progress::Finished);
    summary.wrote = summary.events_written > 0;
    Ok(summary)
}
