//! Offline verification, with no store: an exported archive (`amity export --format jsonl`)
//! checked against a signed checkpoint, and an RFC 9162 proof checked against one. Another
//! archive needs nothing but the archive, the checkpoint and the verifier key.
//!
//! An archive line holds every field of the canonical record v1: the payload's bytes exactly
//! as written (the export copies them as stored), `recorded_at` parsed to microseconds. So the
//! leaves hashed from a full export are the leaves of the store it came from.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::Path;

use amity_log::{
    CanonicalRecord, Checkpoint, ConsistencyProof, Frontier, Hash, InclusionProof, Note,
    VerifierKey,
};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::handed::{HandedLeaves, Mismatch};
use super::{LeafSource, Report};
use crate::import::limits::{line_buffer, line_too_long, read_line, LineRead};
use crate::{Error, EventId, Result};

/// Stream version problems listed at most; more are counted in one last problem.
const MAX_LISTED: usize = 100;

/// A checkpoint read from a file: the signed note and its checkpoint (signature not checked).
#[derive(Debug, Clone)]
pub struct Published {
    /// The signed note.
    pub note: Note,
    /// The checkpoint it holds.
    pub checkpoint: Checkpoint,
}

/// A file's parse error at a line, as an error naming the file and the line.
fn unreadable(path: &Path, line: u64, reason: impl Into<String>) -> Error {
    Error::Unreadable {
        file: path.display().to_string(),
        line,
        reason: reason.into(),
        source: None,
    }
}

/// A log format error of a file, naming the file and the line.
fn log_unreadable(path: &Path, error: amity_log::Error) -> Error {
    match error {
        amity_log::Error::Parse { line, reason } => unreadable(path, line as u64, reason),
        other => unreadable(path, 1, other.to_string()),
    }
}

/// The most a small file of the log (a signed checkpoint, a key, a proof) may hold: 64 KiB,
/// far above any real one (a proof of a tree of 2^64 leaves is about 3 KiB).
pub const MAX_SMALL_FILE_BYTES: usize = 64 * 1024;

/// A small file of the log, read whole but never past [`MAX_SMALL_FILE_BYTES`] (and one more
/// byte): a longer one is refused naming the line where the limit falls.
pub fn read_small_file(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_SMALL_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() > MAX_SMALL_FILE_BYTES {
        let line = bytes[..MAX_SMALL_FILE_BYTES]
            .iter()
            .filter(|&&byte| byte == b'\n')
            .count() as u64
            + 1;
        return Err(unreadable(
            path,
            line,
            format!(
                "file: longer than the limit of 64 KiB ({MAX_SMALL_FILE_BYTES} bytes) for a \
                 checkpoint, key or proof"
            ),
        ));
    }
    Ok(bytes)
}

/// [`read_small_file`] as UTF-8 text (else an error naming the line).
pub fn read_small_text(path: &Path) -> Result<String> {
    String::from_utf8(read_small_file(path)?).map_err(|error| {
        let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&byte| byte == b'\n').count() as u64 + 1;
        unreadable(path, line, "file: not UTF-8 text")
    })
}

/// Read a signed checkpoint (a C2SP signed note) from a file: a malformed one is an error
/// naming the file and the line.
pub fn read_checkpoint(path: &Path) -> Result<Published> {
    let bytes = read_small_file(path)?;
    let note = Note::parse(&bytes).map_err(|e| log_unreadable(path, e))?;
    let checkpoint = Checkpoint::from_note(&note).map_err(|e| log_unreadable(path, e))?;
    Ok(Published { note, checkpoint })
}

/// One archive line, borrowed from its text (the fields of `amity export --format jsonl`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line<'a> {
    event_id: uuid::Uuid,
    #[serde(borrow)]
    stream: Cow<'a, str>,
    stream_version: u64,
    #[serde(rename = "type", borrow)]
    event_type: Cow<'a, str>,
    schema_version: u32,
    #[serde(borrow)]
    recorded_by: Cow<'a, str>,
    #[serde(borrow)]
    recorded_at: Cow<'a, str>,
    #[serde(borrow)]
    payload: &'a RawValue,
}

/// Why a line does not parse, starting with the field: `field: reason`.
fn line_problem(text: &str, error: &serde_json::Error) -> String {
    let message = error.to_string();
    let named = ["missing field", "unknown field", "duplicate field"];
    if named.iter().any(|start| message.starts_with(start)) {
        if let Some((_, rest)) = message.split_once('`') {
            return format!("{}: {message}", rest.split('`').next().unwrap_or("line"));
        }
    }
    // serde names no field for a value of the wrong type: try each field on its own.
    let Ok(fields) = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text)
    else {
        return format!("line: {message}");
    };
    for (name, value) in fields {
        let checked = match name.as_str() {
            "event_id" => serde_json::from_value::<uuid::Uuid>(value).map(drop),
            "stream_version" => serde_json::from_value::<u64>(value).map(drop),
            "schema_version" => serde_json::from_value::<u32>(value).map(drop),
            "stream" | "type" | "recorded_by" | "recorded_at" => {
                serde_json::from_value::<String>(value).map(drop)
            }
            _ => Ok(()),
        };
        if let Err(error) = checked {
            return format!("{name}: {error}");
        }
    }
    format!("line: {message}")
}

/// The leaf hash of one archive line, and the line; `field: reason` if it is not a line.
fn leaf_of(text: &str) -> std::result::Result<(Hash, Line<'_>), String> {
    let line: Line<'_> = serde_json::from_str(text).map_err(|e| line_problem(text, &e))?;
    let recorded_at: jiff::Timestamp = line
        .recorded_at
        .parse()
        .map_err(|e| format!("recorded_at: {e}"))?;
    if recorded_at.subsec_nanosecond() % 1_000 != 0 {
        return Err(
            "recorded_at: finer than a microsecond, which no store keeps: not an export".to_owned(),
        );
    }
    let hash = CanonicalRecord {
        event_id: *line.event_id.as_bytes(),
        stream: &line.stream,
        stream_version: line.stream_version,
        event_type: &line.event_type,
        schema_version: line.schema_version,
        recorded_by: &line.recorded_by,
        recorded_at_micros: recorded_at.as_microsecond(),
        payload: line.payload.get().as_bytes(),
    }
    .leaf_hash();
    Ok((hash, line))
}

/// Every leaf hash of an archive, in its order (a test's comparison with a store's leaves;
/// [`verify_archive`] hashes as it reads and keeps none).
pub fn archive_leaves(path: &Path) -> Result<Vec<Hash>> {
    let mut hashes = Vec::new();
    read_lines(path, |_, hash, _| hashes.push(hash))?;
    Ok(hashes)
}

/// Read an archive line by line (one line in memory at a time), handing each event's line
/// number, leaf hash and line to `each`. A bad line is an error naming the file, the line and
/// the field. Returns how many events the archive holds.
fn read_lines(path: &Path, mut each: impl FnMut(u64, Hash, &Line<'_>)) -> Result<u64> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let mut bytes = line_buffer();
    let (mut number, mut events) = (0u64, 0u64);
    loop {
        let read = read_line(&mut reader, &mut bytes).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            line: Some(number + 1),
            source,
        })?;
        number += 1;
        match read {
            LineRead::End => return Ok(events),
            LineRead::TooLong => return Err(unreadable(path, number, line_too_long())),
            LineRead::Line => {}
        }
        let mut line = bytes.as_slice();
        if number == 1 {
            line = line.strip_prefix(BOM).unwrap_or(line);
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let text =
            std::str::from_utf8(line).map_err(|_| unreadable(path, number, "line: not UTF-8"))?;
        let (hash, line) = leaf_of(text).map_err(|reason| unreadable(path, number, reason))?;
        each(number, hash, &line);
        events += 1;
    }
}

/// A byte order mark, which a first line may start with.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Verify an exported archive offline against a signed checkpoint: the checkpoint is signed
/// by `key`; every stream's versions run 0, 1, 2, … in the archive's order; the archive holds
/// at least the checkpoint's events (else it was truncated), and the root of its first
/// `size` leaves is the checkpoint's. Lines after the checkpoint's size are not covered
/// ([`Report::uncovered`]). Reads the archive once, line by line, keeping only the tree's
/// right edge and each stream's next version.
///
/// With the leaves handed over beside the archive (`leaves`, checked first against the
/// checkpoint: its first `size` hashes must make its root), the first line that is not its
/// leaf is named: changed, deleted, inserted or moved.
pub fn verify_archive(
    path: &Path,
    published: &Published,
    key: &VerifierKey,
    leaves: Option<&HandedLeaves>,
) -> Result<Report> {
    let size = published.checkpoint.size;
    let mut report = Report {
        tree_size: 0,
        checkpoints: 1,
        covered: 0,
        problems: Vec::new(),
        first_bad_event: None,
    };
    let signed = match published.note.verify(key) {
        Ok(()) => true,
        Err(error) => {
            report.problems.push(format!("the checkpoint: {error}"));
            false
        }
    };
    // The handed-over leaves, once the signed checkpoint vouches for them.
    let leaves = leaves.filter(|_| signed).filter(|leaves| {
        let vouched = leaves
            .hashes
            .get(..size as usize)
            .is_some_and(|first| amity_log::root(first) == published.checkpoint.root);
        if !vouched {
            report.problems.push(
                "the leaves file does not match the checkpoint: it is not what the checkpoint \
                 signed, and is not used"
                    .to_owned(),
            );
        }
        vouched
    });
    let mut mismatch: Option<Mismatch> = None;
    let mut seen: HashSet<EventId> = HashSet::new();
    let mut frontier = Frontier::new();
    let mut root_at_size = (size == 0).then(|| frontier.root());
    let mut line_at_size = 0;
    let mut next_version: HashMap<String, u64> = HashMap::new();
    let mut unlisted = 0u64;
    let mut source_at_mismatch: Option<LeafSource> = None;
    report.tree_size = read_lines(path, |number, hash, line| {
        let expected = next_version.get(&*line.stream).copied().unwrap_or(0);
        if line.stream_version != expected {
            if report.problems.len() < MAX_LISTED {
                report.problems.push(format!(
                    "line {number}: stream {} version {}, where version {expected} comes next: \
                     a line was deleted, inserted or moved",
                    line.stream, line.stream_version
                ));
            } else {
                unlisted += 1;
            }
            if report.first_bad_event.is_none() {
                report.first_bad_event = Some(LeafSource {
                    index: frontier.size(),
                    event_id: line.event_id,
                    stream: line.stream.to_string(),
                    stream_version: line.stream_version,
                    position: None,
                    line: Some(number),
                });
            }
        }
        match next_version.get_mut(&*line.stream) {
            Some(next) => *next = line.stream_version + 1,
            None => {
                next_version.insert(line.stream.to_string(), line.stream_version + 1);
            }
        }
        if let Some(leaves) = leaves {
            seen.insert(line.event_id);
            let index = frontier.size();
            if mismatch.is_none() && index < size && !leaves.agrees(index, &hash) {
                mismatch = Some(Mismatch {
                    index,
                    line: number,
                    event_id: line.event_id,
                });
                source_at_mismatch = Some(LeafSource {
                    index,
                    event_id: line.event_id,
                    stream: line.stream.to_string(),
                    stream_version: line.stream_version,
                    position: None,
                    line: Some(number),
                });
            }
        }
        frontier.push(hash);
        if frontier.size() == size {
            root_at_size = Some(frontier.root());
            line_at_size = number;
        }
    })?;
    if unlisted > 0 {
        report
            .problems
            .push(format!("and {unlisted} more stream version problems"));
    }
    if !signed {
        return Ok(report);
    }
    // The handed-over leaves name the first line that is not as it was hashed (before the
    // store's own kind of problems, which say where a problem shows).
    if let Some(leaves) = leaves {
        let first = match &mismatch {
            Some(mismatch) => {
                // A deleted event is named in the text only: its line is gone.
                let deleted = leaves
                    .ids
                    .get(mismatch.index as usize)
                    .is_some_and(|was| !seen.contains(was));
                let source = if deleted { None } else { source_at_mismatch };
                Some((leaves.describe(mismatch, |id| seen.contains(id)), source))
            }
            None if report.tree_size < size => {
                let was = leaves.ids[report.tree_size as usize];
                Some((
                    format!(
                        "leaf {}: event {was} is not in the archive, which ends before it: lines \
                         were deleted or the archive was truncated",
                        report.tree_size
                    ),
                    None,
                ))
            }
            None => None,
        };
        if let Some((text, source)) = first {
            report.problems.insert(0, text);
            report.first_bad_event = source;
        }
    }
    match root_at_size {
        None => report.problems.push(format!(
            "the archive holds fewer events than the checkpoint: truncated (it holds {}, the \
             checkpoint covers {size})",
            report.tree_size
        )),
        Some(root) if root != published.checkpoint.root => report.problems.push(format!(
            "the checkpoint (size {size}) does not match the archive: an event among lines 1 \
             to {line_at_size} was changed, deleted, inserted or moved (one checkpoint cannot \
             tell which; an inclusion proof of an event can)"
        )),
        Some(_) => report.covered = size,
    }
    Ok(report)
}

/// A proof file, of either kind, as `amity proof` writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    /// That a leaf is in a tree.
    Inclusion(InclusionProof),
    /// That a tree extends an earlier one.
    Consistency(ConsistencyProof),
}

/// Read a proof file: JSON, an inclusion proof (`leaf_index`, `tree_size`, `leaf_hash`,
/// `hashes`) or a consistency proof (`from`, `to`, `hashes`). A malformed one is an error
/// naming the file and the line.
pub fn read_proof(path: &Path) -> Result<Proof> {
    let text = read_small_text(path)?;
    let json = |error: serde_json::Error| unreadable(path, error.line() as u64, error.to_string());
    let value: serde_json::Value = serde_json::from_str(&text).map_err(json)?;
    let has = |field: &str| value.get(field).is_some();
    if has("leaf_index") || has("leaf_hash") {
        Ok(Proof::Inclusion(serde_json::from_str(&text).map_err(json)?))
    } else if has("from") || has("to") {
        Ok(Proof::Consistency(
            serde_json::from_str(&text).map_err(json)?,
        ))
    } else {
        Err(unreadable(
            path,
            1,
            "neither an inclusion proof (leaf_index, tree_size, leaf_hash, hashes) nor a \
             consistency proof (from, to, hashes)",
        ))
    }
}

/// What checking a proof concluded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProofVerdict {
    /// `inclusion` or `consistency`.
    pub kind: &'static str,
    /// Whether the proof holds against the signed checkpoint(s).
    pub valid: bool,
    /// What it proves, or why it does not.
    pub says: String,
}

/// Check a proof against signed checkpoints: `checkpoint` (signed by `key`) gives the root of
/// the tree an inclusion proof is in, or the later root of a consistency proof; `old` (signed
/// by `key` too) the earlier root of a consistency proof. `leaf`, when given, is the leaf hash
/// an inclusion proof must be about.
pub fn verify_proof(
    proof: &Proof,
    checkpoint: &Published,
    old: Option<&Published>,
    key: &VerifierKey,
    leaf: Option<&Hash>,
) -> ProofVerdict {
    let kind = match proof {
        Proof::Inclusion(_) => "inclusion",
        Proof::Consistency(_) => "consistency",
    };
    let says = check_proof(proof, checkpoint, old, key, leaf);
    ProofVerdict {
        kind,
        valid: says.is_ok(),
        says: says.unwrap_or_else(|reason| reason),
    }
}

fn check_proof(
    proof: &Proof,
    checkpoint: &Published,
    old: Option<&Published>,
    key: &VerifierKey,
    leaf: Option<&Hash>,
) -> std::result::Result<String, String> {
    let signed = |which: &str, published: &Published| {
        published
            .note
            .verify(key)
            .map(|()| published.checkpoint.clone())
            .map_err(|error| format!("the {which}: {error}"))
    };
    let to = signed("checkpoint", checkpoint)?;
    match proof {
        Proof::Inclusion(proof) => {
            if let Some(leaf) = leaf.filter(|leaf| **leaf != proof.leaf_hash) {
                return Err(format!(
                    "the proof is about leaf hash {}, not {}",
                    amity_log::encode_hash(&proof.leaf_hash),
                    amity_log::encode_hash(leaf)
                ));
            }
            if proof.tree_size != to.size {
                return Err(format!(
                    "the proof is for a tree of {} events, the checkpoint covers {}: ask for \
                     the proof with --size {}",
                    proof.tree_size, to.size, to.size
                ));
            }
            proof.verify(&to.root).map_err(|error| error.to_string())?;
            Ok(format!(
                "leaf {} (hash {}) is in the log of {} events the checkpoint signs",
                proof.leaf_index,
                amity_log::encode_hash(&proof.leaf_hash),
                to.size
            ))
        }
        Proof::Consistency(proof) => {
            let Some(old) = old else {
                return Err(
                    "a consistency proof needs the earlier checkpoint too (--old-checkpoint)"
                        .to_owned(),
                );
            };
            let from = signed("earlier checkpoint", old)?;
            if (proof.from, proof.to) != (from.size, to.size) {
                return Err(format!(
                    "the proof is from {} to {} events, the checkpoints cover {} and {}",
                    proof.from, proof.to, from.size, to.size
                ));
            }
            proof
                .verify(&from.root, &to.root)
                .map_err(|error| error.to_string())?;
            Ok(format!(
                "the log of {} events extends the log of {} events: nothing of it was changed",
                to.size, from.size
            ))
        }
    }
}

#[cfg(test)]
#[path = "offline_tests.rs"]
mod tests;
