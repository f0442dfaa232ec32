//! [`super::pair_histories`] against a plain reference: pairing by key.

use std::collections::HashMap;

use proptest::prelude::*;

use super::pair_histories;
use crate::rows::{StatusRow, TimelineRow};

fn status(partnership: &str) -> StatusRow {
    serde_json::from_value(serde_json::json!({
        "partnership": partnership,
        "parties": [{"name": "A", "country": "AA"}, {"name": "B", "country": "BB"}],
        "kind": "sister-city",
        "status": "active",
        "since": null,
        "founding_claims": [],
        "last_event": null,
        "events": 1,
        "retracted": 0,
        "disputed": 0,
        "conflict": null
    }))
    .expect("a status row")
}

fn entry(partnership: &str, seq: u64) -> TimelineRow {
    serde_json::from_value(serde_json::json!({
        "partnership": partnership,
        "seq": seq,
        "step": null,
        "event_id": format!("{partnership}/{seq}"),
        "stream_version": seq,
        "type": "PartnershipAttested",
        "occurred": "2026-02",
        "earliest": "2026-02-01",
        "latest": "2026-02-28",
        "term_as_written": null,
        "certainty": "confirmed",
        "sources": [],
        "initiated_by": null,
        "note": null,
        "target": null,
        "reason": null,
        "retracted_by": null,
        "disputed": false,
        "status_after": null,
        "recorded_by": "test",
        "recorded_at": "2026-12-05T00:00:00Z"
    }))
    .expect("a history row")
}

/// The reference: every status row with the rows of its partnership, in the rows' order.
fn by_key(status: &[StatusRow], timeline: &[TimelineRow]) -> Vec<(StatusRow, Vec<TimelineRow>)> {
    let mut grouped: HashMap<&str, Vec<TimelineRow>> = HashMap::new();
    for row in timeline {
        grouped
            .entry(row.partnership.as_str())
            .or_default()
            .push(row.clone());
    }
    status
        .iter()
        .map(|row| {
            let history = grouped.remove(row.partnership.as_str()).unwrap_or_default();
            (row.clone(), history)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(crate::proptest_cases(512)))]

    /// Given status rows in partnership order and history rows grouped by partnership, in the
    /// same order or with the groups moved (two reads without one snapshot), some groups
    /// without a status row and some partnerships without rows, when paired, then each
    /// status row gets exactly its own rows, in order, as pairing by key gives.
    #[test]
    fn pairs_as_by_key(
        groups in prop::collection::vec((0usize..4, any::<bool>(), any::<bool>()), 0..12),
        moves in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 0..3),
    ) {
        let names: Vec<String> = (0..groups.len()).map(|n| format!("aa:p{n:02}+bb:q")).collect();
        let status: Vec<StatusRow> = names
            .iter()
            .zip(&groups)
            .filter(|(_, (_, has_status, _))| *has_status)
            .map(|(name, _)| status(name))
            .collect();
        let mut blocks: Vec<Vec<TimelineRow>> = names
            .iter()
            .zip(&groups)
            .filter(|(_, (_, has_status, orphan))| *has_status || *orphan)
            .map(|(name, (rows, _, _))| (0..*rows as u64).map(|seq| entry(name, seq)).collect())
            .collect();
        for (from, to) in &moves {
            if !blocks.is_empty() {
                let block = blocks.remove(from.index(blocks.len()));
                let at = to.index(blocks.len() + 1);
                blocks.insert(at, block);
            }
        }
        let timeline: Vec<TimelineRow> = blocks.into_iter().flatten().collect();
        let paired = pair_histories(status.clone(), timeline.iter().cloned().map(Ok)).unwrap();
        prop_assert_eq!(paired, by_key(&status, &timeline));
    }
}
