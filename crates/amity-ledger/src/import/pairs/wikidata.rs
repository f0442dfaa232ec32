//! The Wikidata crawl: relations and labels.

use std::collections::HashMap;
use std::path::Path;

use amity_domain::{Certainty, EdtfDate, Partnership, PartnershipKind, Party, Source};

use super::attest::{attestation_id, write, Attestation};
use crate::import::limits::{self, check_text, TextKind};
use crate::import::{ImportOptions, ImportSummary, Progress};
use crate::{Error, Ledger, Result, ToRecord};

/// Import Wikidata "twinned administrative body" claims: `relations.tsv` (`QA<TAB>QB`, a claim
/// made on item A) with labels from `names.tsv` (`Q<TAB>label`). The items' countries are not
/// in these files, so parties get the unknown country `ZZ` and are keyed by their item; a pair
/// claimed on both items is one attestation, a one-sided claim is noted as such. Each pair is
/// attested by `source` at `as_of`, recorded by `recorded_by`; `progress` hears of the events
/// written.
#[allow(clippy::too_many_arguments)]
pub async fn import_wikidata(
    ledger: &Ledger,
    relations: &Path,
    names: &Path,
    options: ImportOptions,
    source: Source,
    as_of: EdtfDate,
    recorded_by: &str,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ImportSummary> {
    crate::import::check_list_source(&source, &as_of)?;
    let mut summary = ImportSummary::default();
    let is_item = |text: &str| {
        text.len() > 1 && text.starts_with('Q') && text[1..].bytes().all(|b| b.is_ascii_digit())
    };
    // Each file's lines, read with a bound (a line over the limit refuses the file).
    let read = |path: &Path| -> Result<Vec<(u64, String)>> {
        let file = std::fs::File::open(path).map_err(|source| Error::io(path, source))?;
        let mut reader = std::io::BufReader::new(limits::Normalised::new(file));
        let mut line = limits::line_buffer();
        let mut lines = Vec::new();
        for number in 1u64.. {
            match limits::read_line(&mut reader, &mut line).map_err(|source| Error::Io {
                path: path.to_path_buf(),
                line: Some(number),
                source,
            })? {
                limits::LineRead::End => break,
                limits::LineRead::TooLong => {
                    return Err(Error::Unreadable {
                        file: path.display().to_string(),
                        line: number,
                        reason: limits::line_too_long(),
                        source: None,
                    })
                }
                limits::LineRead::Line => match std::str::from_utf8(&line) {
                    Ok(text) if text.trim().is_empty() => {}
                    Ok(text) => lines.push((number, text.to_owned())),
                    Err(_) => lines.push((number, "\u{fffd}".to_owned())),
                },
            }
        }
        Ok(lines)
    };
    let names_name = names.display().to_string();
    let mut labels: HashMap<String, String> = HashMap::new();
    for (line, text) in read(names)? {
        match text.split_once('\t') {
            Some((_, label)) if label.contains('\0') => summary.rejected.push(format!(
                "{names_name}:{line}: label: holds a NUL character (U+0000); remove it"
            )),
            Some((_, label)) if check_text("label", label.trim(), TextKind::Name).is_err() => {
                let reason = check_text("label", label.trim(), TextKind::Name)
                    .err()
                    .unwrap_or_default();
                summary
                    .rejected
                    .push(format!("{names_name}:{line}: {reason}"));
            }
            Some((item, label)) if is_item(item) && !label.trim().is_empty() => {
                labels.insert(item.to_owned(), label.trim().to_owned());
            }
            _ => summary
                .rejected
                .push(format!("{names_name}:{line}: row: expected Q-id<TAB>label")),
        }
    }
    let relations_name = relations.display().to_string();
    let rows = read(relations)?;
    let claims: std::collections::HashSet<(String, String)> = rows
        .iter()
        .filter_map(|(_, text)| text.split_once('\t'))
        .map(|(a, b)| (a.trim().to_owned(), b.trim().to_owned()))
        .collect();
    let mut items: Vec<ToRecord> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (line, text) in rows {
        summary.rows_read += 1;
        let Some((a, b)) = text.split_once('\t').map(|(a, b)| (a.trim(), b.trim())) else {
            summary.rejected.push(format!(
                "{relations_name}:{line}: row: expected Q-id<TAB>Q-id"
            ));
            continue;
        };
        let party = |item: &str, field: &str| -> std::result::Result<Party, String> {
            if !is_item(item) {
                return Err(format!("{field}: {item:?} is not a Wikidata item id"));
            }
            let label = labels
                .get(item)
                .ok_or_else(|| format!("{field}: no label for {item} in {names_name}"))?;
            Party::new(label, amity_domain::UNKNOWN_COUNTRY, None, Some(item))
                .map_err(|e| format!("{field}: {e}"))
        };
        let built = party(a, "item").and_then(|pa| {
            let pb = party(b, "twinned_item")?;
            Partnership::new(pa, pb, PartnershipKind::sister_city())
                .map_err(|e| format!("twinned_item: {e}"))
        });
        let partnership = match built {
            Ok(partnership) => partnership,
            Err(reason) => {
                summary
                    .rejected
                    .push(format!("{relations_name}:{line}: {reason}"));
                continue;
            }
        };
        let event_id = attestation_id(&source, &as_of, &partnership);
        if !seen.insert(event_id) {
            summary.duplicates_skipped += 1;
            continue;
        }
        let both = claims.contains(&(b.to_owned(), a.to_owned()));
        let note = if both {
            format!("claimed on both items ({a} and {b}); {relations_name} line {line}")
        } else {
            format!("one-sided claim: made on {a} only, not on {b}; {relations_name} line {line}")
        };
        items.push(
            Attestation {
                partnership,
                event_id,
                term: "twinned administrative body (P190)",
                certainty: if both {
                    Certainty::Confirmed
                } else {
                    Certainty::Probable
                },
                note,
            }
            .into_record(&source, &as_of, recorded_by),
        );
    }
    if !summary.writes(options) {
        return Ok(summary);
    }
    write(ledger, items, summary, progress).await
}
