//! `verify`: the ledger's store checked against its own invariants, the log recomputed from
//! the stored events against every stored checkpoint, the latest checkpoint's signature, a
//! published checkpoint, and the leaves kept as the events were hashed (which name the first
//! event that is no longer as it was).

use std::collections::HashMap;

use amity_log::{Checkpoint, Frontier, Hash, VerifierKey};
use amity_store::{IntegrityProblem, LogLeaf};

use super::leaf::{log_error, LeafSource, Leaves};
use crate::{Ledger, Result};

/// What `verify` found, first problem first.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// How many events the log holds.
    pub tree_size: u64,
    /// How many stored checkpoints were checked.
    pub checkpoints: usize,
    /// The size the latest valid checkpoint covers (0 without one).
    pub covered: u64,
    /// The problems, in feed order.
    pub problems: Vec<String>,
    /// The first event a problem is about, when one is known.
    pub first_bad_event: Option<LeafSource>,
}

impl Report {
    /// Whether the ledger verified clean and every event is covered by a checkpoint.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// Events after the latest checkpoint: not covered, so not verified.
    pub fn uncovered(&self) -> u64 {
        self.tree_size - self.covered
    }
}

/// What a verification is given.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// The verifier key the latest checkpoint (and a published one) must be signed with.
    pub key: Option<VerifierKey>,
    /// A checkpoint published earlier (its signed note): the log must extend it.
    pub published: Option<String>,
}

/// Verify the ledger's store: its own integrity, the log against every stored checkpoint, the
/// latest checkpoint's signature, a published checkpoint, and the kept leaves.
pub async fn verify(ledger: &Ledger, options: &VerifyOptions) -> Result<Report> {
    let integrity: Vec<IntegrityProblem> = ledger.check_integrity().await?;
    let leaves = ledger.log_leaves().await?;
    let kept = ledger.kept_leaves().await?;
    let mut report = Report {
        tree_size: leaves.hashes.len() as u64,
        checkpoints: 0,
        covered: 0,
        problems: integrity.iter().map(ToString::to_string).collect(),
        first_bad_event: None,
    };
    if let Some(first) = integrity.first() {
        report.first_bad_event = first
            .position()
            .and_then(|position| {
                leaves
                    .sources
                    .iter()
                    .find(|source| source.position == Some(position.to_string()))
            })
            .cloned();
    }
    let difference = Difference::first(&kept, &leaves);
    let kept_hashes: Vec<Hash> = kept.iter().map(|leaf| leaf.hash).collect();
    let stored = ledger.log_checkpoints().await?;
    report.checkpoints = stored.len();
    let checkpoints = stored
        .iter()
        .map(|stored| {
            let note = amity_log::Note::parse(stored.note.as_bytes()).map_err(log_error)?;
            let checkpoint = Checkpoint::from_note(&note).map_err(log_error)?;
            Ok((note, checkpoint))
        })
        .collect::<Result<Vec<_>>>()?;
    let published = options
        .published
        .as_deref()
        .map(|text| {
            let note = amity_log::Note::parse(text.as_bytes()).map_err(log_error)?;
            let checkpoint = Checkpoint::from_note(&note).map_err(log_error)?;
            Ok::<_, crate::Error>((note, checkpoint))
        })
        .transpose()?;
    // Each checkpoint must be the root of the log's first `size` leaves (all of these roots
    // computed in one pass); the first that is not bounds the change: it is among the events
    // after the last one that matched. Where the kept leaves are what it signed, they name
    // the event.
    let roots = roots_at(
        &leaves.hashes,
        checkpoints
            .iter()
            .chain(&published)
            .map(|(_, checkpoint)| checkpoint.size),
    );
    let mut matched = 0u64;
    let mut found = false;
    for (number, (note, checkpoint)) in checkpoints.iter().enumerate() {
        let size = checkpoint.size;
        if size > report.tree_size || roots.get(&size) != Some(&checkpoint.root) {
            let vouched = vouches(&kept_hashes, checkpoint);
            let what = if size > report.tree_size {
                format!(
                    "stored checkpoint {} covers {size} events, but the log holds {}: events \
                     were deleted or the store was rolled back",
                    number + 1,
                    report.tree_size
                )
            } else {
                format!(
                    "stored checkpoint {} (size {size}) does not match the log: an event \
                     among leaves {matched}..{size} was changed, deleted, inserted or moved",
                    number + 1
                )
            };
            report.problems.push(what);
            name_difference(&mut report, &leaves, difference.as_ref(), vouched, size);
            found = true;
            break;
        }
        matched = size;
        if number + 1 == checkpoints.len() {
            if let Some(key) = &options.key {
                if let Err(error) = note.verify(key) {
                    report
                        .problems
                        .push(format!("the latest stored checkpoint: {error}"));
                }
            }
        }
    }
    report.covered = matched;
    if let Some(published) = &published {
        let key = options.key.as_ref();
        if let Some((size, vouched)) =
            check_published(&roots, &kept_hashes, published, key, &mut report)
        {
            if !found {
                name_difference(&mut report, &leaves, difference.as_ref(), vouched, size);
            }
            found = true;
        }
    }
    // Leaves no checkpoint covers yet: an event that differs from its kept leaf was changed
    // after it was hashed.
    if !found {
        if let Some(difference) = &difference {
            difference.report(&mut report, &leaves);
        }
    }
    Ok(report)
}

/// After a checkpoint of `size` did not match the log: name the first event that differs
/// from its kept leaf when the kept leaves are what that checkpoint signed (`vouched`) and
/// the difference is among its leaves; else say that the kept leaves cannot tell (unless the
/// checkpoint covers more than the log: events are gone, and that is said already).
fn name_difference(
    report: &mut Report,
    leaves: &Leaves,
    difference: Option<&Difference>,
    vouched: bool,
    size: u64,
) {
    match difference.filter(|difference| vouched && difference.index() < size) {
        Some(difference) => difference.report(report, leaves),
        None if size > report.tree_size => {}
        None => report.problems.push(
            "the leaves kept as the events were hashed do not match the checkpoint either \
             (they were changed too, or never kept): which event cannot be told"
                .to_owned(),
        ),
    }
}

/// The first kept leaf the log recomputed from the stored events does not agree with.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Difference {
    /// The event at the leaf's index is the one hashed, but not as it was.
    Changed { index: u64 },
    /// Another event stands at the leaf's index; the one hashed there is elsewhere in the
    /// log, or was deleted.
    Replaced {
        index: u64,
        was: amity_store::EventId,
        deleted: bool,
    },
    /// The log ends before the leaf's index.
    Missing {
        index: u64,
        was: amity_store::EventId,
    },
}

impl Difference {
    /// The first difference between the kept leaves and the log, if any (leaves not kept
    /// yet are none).
    fn first(kept: &[LogLeaf], leaves: &Leaves) -> Option<Difference> {
        kept.iter().enumerate().find_map(|(at, leaf)| {
            let index = leaf.index;
            match (leaves.hashes.get(at), leaves.sources.get(at)) {
                (Some(_), Some(source)) if source.event_id != leaf.event_id => {
                    Some(Difference::Replaced {
                        index,
                        was: leaf.event_id,
                        deleted: !leaves.sources.iter().any(|s| s.event_id == leaf.event_id),
                    })
                }
                (Some(hash), Some(_)) if *hash != leaf.hash => Some(Difference::Changed { index }),
                (Some(_), Some(_)) => None,
                _ => Some(Difference::Missing {
                    index,
                    was: leaf.event_id,
                }),
            }
        })
    }

    fn index(&self) -> u64 {
        match self {
            Difference::Changed { index }
            | Difference::Replaced { index, .. }
            | Difference::Missing { index, .. } => *index,
        }
    }

    /// The first bad event: the one now at the leaf's index, unless the one hashed there was
    /// deleted (the text names it; nothing else is known of it).
    fn source(&self, leaves: &Leaves) -> Option<LeafSource> {
        match self {
            Difference::Replaced { deleted: true, .. } | Difference::Missing { .. } => None,
            _ => leaves.sources.get(self.index() as usize).cloned(),
        }
    }

    /// Say it in the report, first, and as the first bad event: the store's own checks say
    /// where a problem shows (a stream's last event, say), the kept leaves which event, the
    /// first in feed order, is no longer as it was hashed.
    fn report(&self, report: &mut Report, leaves: &Leaves) {
        report.problems.insert(0, self.describe(leaves));
        report.first_bad_event = self.source(leaves);
    }

    /// What differs, for a reader.
    fn describe(&self, leaves: &Leaves) -> String {
        let at = |index: u64| {
            leaves
                .sources
                .get(index as usize)
                .map_or_else(String::new, |source| {
                    format!(
                        "event {} (stream {}, version {}{})",
                        source.event_id,
                        source.stream,
                        source.stream_version,
                        source
                            .position
                            .as_deref()
                            .map(|position| format!(", position {position}"))
                            .unwrap_or_default()
                    )
                })
        };
        match self {
            Difference::Changed { index } => format!(
                "leaf {index}: {} is not as it was when its leaf was hashed: it was changed",
                at(*index)
            ),
            Difference::Replaced {
                index,
                was,
                deleted: true,
            } => format!(
                "leaf {index}: event {was}, hashed there, is no longer in the feed: it was \
                 deleted ({} stands there now)",
                at(*index)
            ),
            Difference::Replaced { index, was, .. } => format!(
                "leaf {index}: {} stands where event {was} stood when its leaf was hashed: \
                 events were inserted or moved",
                at(*index)
            ),
            Difference::Missing { index, was } => format!(
                "leaf {index}: event {was} is no longer in the feed, which ends before it: \
                 events were deleted or the store was rolled back"
            ),
        }
    }
}

/// The roots of the log's first `size` leaves, for each of these sizes not above the log's:
/// one pass over the leaves whatever the number of checkpoints (a root each would hash the
/// whole log once per checkpoint).
fn roots_at(hashes: &[Hash], sizes: impl Iterator<Item = u64>) -> HashMap<u64, Hash> {
    let mut sizes: Vec<u64> = sizes.filter(|&size| size <= hashes.len() as u64).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let mut frontier = Frontier::new();
    let mut roots = HashMap::with_capacity(sizes.len());
    for size in sizes {
        for hash in &hashes[frontier.size() as usize..size as usize] {
            frontier.push(*hash);
        }
        roots.insert(size, frontier.root());
    }
    roots
}

/// Check a published checkpoint: signed with the key (when given), not larger than the log
/// (else events were deleted or the store rolled back), and the root of the log's first
/// leaves. When it does not match the log: its size, and whether the kept leaves are what it
/// signed.
fn check_published(
    roots: &HashMap<u64, Hash>,
    kept: &[Hash],
    (note, checkpoint): &(amity_log::Note, Checkpoint),
    key: Option<&VerifierKey>,
    report: &mut Report,
) -> Option<(u64, bool)> {
    if let Some(key) = key {
        if let Err(error) = note.verify(key) {
            report
                .problems
                .push(format!("the published checkpoint: {error}"));
            return None;
        }
    }
    let size = checkpoint.size;
    if size > report.tree_size {
        report.problems.push(format!(
            "the published checkpoint covers {size} events, but the log holds {}: events were \
             deleted or the store was rolled back",
            report.tree_size
        ));
    } else if roots.get(&size) != Some(&checkpoint.root) {
        report.problems.push(format!(
            "the published checkpoint (size {size}) does not match the log: an event among its \
             leaves was changed, deleted, inserted or moved"
        ));
    } else {
        report.covered = report.covered.max(size);
        return None;
    }
    Some((size, vouches(kept, checkpoint)))
}

/// Whether the kept leaves are what a checkpoint signed: the root of its first `size` is
/// its root (computed only where a checkpoint does not match the log).
fn vouches(kept: &[Hash], checkpoint: &Checkpoint) -> bool {
    kept.get(..checkpoint.size as usize)
        .is_some_and(|kept| amity_log::root(kept) == checkpoint.root)
}
