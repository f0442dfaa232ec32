//! The leaves handed over with an archive: the ledger's kept leaves up to a checkpoint, as a
//! text file (`amity checkpoints --leaves`), so that an offline verifier can name the first
//! line of an edited archive that is not as it was hashed, where one checkpoint alone only
//! says that some line among its own differs. The file is checked against the signed
//! checkpoint before it is believed: its first `size` hashes must make the checkpoint's root.
//!
//! The format, "amity log leaves v1": a first line `amity log leaves v1`, then one line per
//! leaf from index 0: `INDEX EVENT_ID HASH`, the index in decimal, the event's id as a
//! hyphenated UUID, the leaf hash in standard base64; lines end with `\n`.

use std::io::Write;
use std::path::Path;

use amity_log::{decode_hash, encode_hash, Hash};
use amity_store::{EventId, LogLeaf};

use crate::import::limits::{line_buffer, line_too_long, read_line, LineRead};
use crate::{Error, Ledger, Result};

/// The first line of a leaves file.
pub const LEAVES_HEADER: &str = "amity log leaves v1";

/// Leaves read from a handed-over file, by index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandedLeaves {
    /// Each leaf's event id.
    pub ids: Vec<EventId>,
    /// Each leaf's hash.
    pub hashes: Vec<Hash>,
}

/// Write leaves (from index 0, in order) as a leaves file.
pub fn write_leaves(out: &mut dyn Write, leaves: &[LogLeaf]) -> std::io::Result<()> {
    writeln!(out, "{LEAVES_HEADER}")?;
    for leaf in leaves {
        writeln!(
            out,
            "{} {} {}",
            leaf.index,
            leaf.event_id,
            encode_hash(&leaf.hash)
        )?;
    }
    Ok(())
}

/// Read a leaves file, line by line, each line within the import's bound; a malformed one is
/// an error naming the file, the line and what is wrong.
pub fn read_leaves(path: &Path) -> Result<HandedLeaves> {
    let unreadable = |line: u64, reason: String| Error::Unreadable {
        file: path.display().to_string(),
        line,
        reason,
        source: None,
    };
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = std::io::BufReader::new(file);
    let mut bytes = line_buffer();
    let mut leaves = HandedLeaves::default();
    for number in 1u64.. {
        match read_line(&mut reader, &mut bytes).map_err(|e| Error::io(path, e))? {
            LineRead::End if number == 1 => return Err(unreadable(1, not_leaves())),
            LineRead::End => return Ok(leaves),
            LineRead::TooLong => return Err(unreadable(number, line_too_long())),
            LineRead::Line => {}
        }
        let line = std::str::from_utf8(&bytes)
            .map_err(|_| unreadable(number, "line: not UTF-8".to_owned()))?
            .trim_end_matches('\r');
        if number == 1 {
            if line != LEAVES_HEADER {
                return Err(unreadable(1, not_leaves()));
            }
            continue;
        }
        if line.is_empty() {
            continue;
        }
        let (id, hash) = parse_leaf(line, leaves.ids.len()).map_err(|r| unreadable(number, r))?;
        leaves.ids.push(id);
        leaves.hashes.push(hash);
    }
    Ok(leaves)
}

/// What a file that is not a leaves file is refused with.
fn not_leaves() -> String {
    format!("not a leaves file: the first line must be `{LEAVES_HEADER}`")
}

/// One leaf's line, `INDEX EVENT_ID HASH`, where leaf `expected` comes next.
fn parse_leaf(line: &str, expected: usize) -> std::result::Result<(EventId, Hash), String> {
    let fields: Vec<&str> = line.split(' ').collect();
    let [index, id, hash] = fields[..] else {
        return Err("a leaf is `INDEX EVENT_ID HASH`".to_owned());
    };
    if index.parse::<usize>().ok() != Some(expected) {
        return Err(format!("index: {index:?} where leaf {expected} comes next"));
    }
    let id: EventId = id
        .parse()
        .map_err(|error| format!("event id: {id:?}: {error}"))?;
    let hash = decode_hash(hash).map_err(|reason| format!("hash: {reason}"))?;
    Ok((id, hash))
}

impl Ledger {
    /// The kept leaves of the log's first `size` events (the log brought up to date first);
    /// fewer if the log holds fewer.
    pub async fn leaves_to_hand_over(&self, size: u64) -> Result<Vec<LogLeaf>> {
        self.indexed().await?;
        let mut kept = self.kept_leaves().await?;
        kept.truncate(size as usize);
        Ok(kept)
    }
}

/// The first leaf of an archive that is not the handed-over leaf at its index, found as the
/// archive is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Mismatch {
    /// The leaf index.
    pub(super) index: u64,
    /// The archive's line there.
    pub(super) line: u64,
    /// The event on that line.
    pub(super) event_id: EventId,
}

impl HandedLeaves {
    /// Whether the archive's leaf at `index` is the handed-over one.
    pub(super) fn agrees(&self, index: u64, hash: &Hash) -> bool {
        self.hashes.get(index as usize) == Some(hash)
    }

    /// What the first mismatch means: the event on that line changed, the event hashed
    /// there deleted (no line holds it: `seen` says which ids the archive holds), or lines
    /// inserted or moved.
    pub(super) fn describe(&self, mismatch: &Mismatch, seen: impl Fn(&EventId) -> bool) -> String {
        let Mismatch {
            index,
            line,
            event_id,
        } = mismatch;
        match self.ids.get(*index as usize) {
            Some(was) if was == event_id => format!(
                "line {line}: event {event_id} is not as it was when its leaf was hashed: it \
                 was changed"
            ),
            Some(was) if !seen(was) => format!(
                "line {line}: event {was}, leaf {index}, is not in the archive: its line was \
                 deleted (event {event_id} stands there now)"
            ),
            Some(was) => format!(
                "line {line}: event {event_id} stands where event {was} stood when its leaf was \
                 hashed: lines were inserted or moved"
            ),
            None => format!("line {line}: event {event_id} is beyond the handed-over leaves"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(index: u64) -> LogLeaf {
        LogLeaf {
            index,
            event_id: uuid::Uuid::from_u128(index as u128 + 1),
            hash: [index as u8; 32],
        }
    }

    /// The text as a leaves file read back: the leaves, or the line and reason refused.
    fn parse_leaves(text: &str) -> std::result::Result<HandedLeaves, (u64, String)> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("leaves.txt");
        std::fs::write(&path, text).unwrap();
        read_leaves(&path).map_err(|error| match error {
            Error::Unreadable { line, reason, .. } => (line, reason),
            other => panic!("{other}"),
        })
    }

    #[test]
    fn leaves_written_read_back() {
        let leaves: Vec<LogLeaf> = (0..4).map(leaf).collect();
        let mut out = Vec::new();
        write_leaves(&mut out, &leaves).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("amity log leaves v1\n0 00000000-0000-0000-0000-000000000001 "));
        let read = parse_leaves(&text).unwrap();
        assert_eq!(
            read.ids,
            leaves.iter().map(|l| l.event_id).collect::<Vec<_>>()
        );
        assert_eq!(
            read.hashes,
            leaves.iter().map(|l| l.hash).collect::<Vec<_>>()
        );
        // CRLF endings read the same.
        assert_eq!(parse_leaves(&text.replace('\n', "\r\n")).unwrap(), read);
    }

    #[test]
    fn a_malformed_leaves_file_names_the_line_and_what_is_wrong() {
        let mut out = Vec::new();
        write_leaves(&mut out, &(0..3).map(leaf).collect::<Vec<_>>()).unwrap();
        let good = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = good.lines().collect();
        let cases = [
            ("a checkpoint\n".to_owned(), 1, "not a leaves file"),
            (good.replace(lines[2], "1 x"), 3, "INDEX EVENT_ID HASH"),
            (
                good.replace(lines[2], &lines[2].replacen('1', "7", 1)),
                3,
                "index",
            ),
            (
                good.replace(lines[3], &lines[3].replace("00000000-", "0000000z-")),
                4,
                "event id",
            ),
            (
                good.replace(lines[1], &lines[1][..lines[1].len() - 4]),
                2,
                "hash",
            ),
        ];
        for (text, line, says) in cases {
            let (at, reason) = parse_leaves(&text).unwrap_err();
            assert_eq!(at, line, "{reason}");
            assert!(reason.contains(says), "{reason}");
        }
    }
}
