//! `amity import --format pairs FILE --source-title … --as-of EDTF`: a snapshot list of
//! twinned pairs ("A is twinned with B", no dates), such as the CSV scraped from Wikipedia's
//! "List of twin towns and sister cities" pages (`city1,country1,city2,country2`).
//!
//! Each row is evidence that the list said so at its date: a `PartnershipAttested` event dated
//! `--as-of`, never an invented founding. Country names are resolved to ISO 3166-1 codes with
//! the committed table `data/country-names.csv` (ISO names from Debian's iso-codes via
//! pycountry, plus reviewed spellings the lists use; England, Scotland, Wales and Northern
//! Ireland give `GB` with their ISO 3166-2 subdivision); a name it does not know is reported,
//! never guessed. Names are kept as written (`Setagaya (Tokyo)`), so homonyms in different
//! countries stay different parties. A pair listed from both sides is one partnership with one
//! attestation per source and date: the event id is a UUID v5 of the source, the date and the
//! partnership, so both rows (and any re-import) give the same event.

use std::collections::HashMap;
use std::path::Path;

use amity_domain::{
    Certainty, EdtfDate, Event, EventType, Facts, Occurred, Partnership, PartnershipKind, Party,
    Source, SourceRole,
};
use amity_ledger::archive::{ImportOptions, ImportSummary};
use amity_ledger::{Ledger, ToRecord};
use anyhow::{bail, Result};

const COUNTRY_NAMES: &str = include_str!("../data/country-names.csv");

/// The namespace of attestation ids (UUID v5).
const PAIRS_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x8c0e_51d4_2b6a_4f0e_b5a3_94d1_6f2e_a7c9);

/// Country names (lower case) to `(alpha-2, subdivision)`.
fn country_table() -> HashMap<String, (String, Option<String>)> {
    let mut reader = csv::Reader::from_reader(COUNTRY_NAMES.as_bytes());
    reader
        .records()
        .filter_map(|record| {
            let record = record.ok()?;
            let subdivision = Some(record.get(2)?.to_owned()).filter(|s| !s.is_empty());
            Some((
                record.get(0)?.to_lowercase(),
                (record.get(1)?.to_owned(), subdivision),
            ))
        })
        .collect()
}

/// Resolve "England, United Kingdom", "Georgia (country)", "Japan", …
fn resolve(
    table: &HashMap<String, (String, Option<String>)>,
    written: &str,
) -> Option<(String, Option<String>)> {
    let parts: Vec<&str> = written
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let (last, before) = parts.split_last()?;
    let (country, mut subdivision) = table.get(&last.to_lowercase())?.clone();
    // "England, United Kingdom": the part before the country may name a constituent country.
    for part in before.iter().rev() {
        if let Some((code, Some(sub))) = table.get(&part.to_lowercase()) {
            if *code == country {
                subdivision = Some(sub.clone());
                break;
            }
        }
    }
    Some((country, subdivision))
}

/// Import a list of pairs.
pub async fn import(
    ledger: &Ledger,
    path: &Path,
    options: ImportOptions,
    source: Source,
    as_of: EdtfDate,
    recorded_by: &str,
) -> Result<ImportSummary> {
    let name = path.display().to_string();
    let table = country_table();
    let mut summary = ImportSummary::default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| anyhow::anyhow!("{name}:1: header: {e}"))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let column = |wanted: &str| headers.iter().position(|h| h == wanted);
    let (Some(city1), Some(country1), Some(city2), Some(country2)) = (
        column("city1"),
        column("country1"),
        column("city2"),
        column("country2"),
    ) else {
        bail!("{name}:1: header: expected the columns city1,country1,city2,country2");
    };
    let mut items: Vec<ToRecord> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() + 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                summary.rows_read += 1;
                let line = error.position().map_or(line, |p| p.line());
                summary
                    .rejected
                    .push(format!("{name}:{line}: row: {error}"));
                continue;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        summary.rows_read += 1;
        let field = |index: usize| record.get(index).unwrap_or("").trim().to_owned();
        let party = |city: usize, country: usize| -> std::result::Result<Party, String> {
            let city_name = field(city);
            let country_written = field(country);
            if city_name.is_empty() {
                return Err(format!("{}: missing", headers[city]));
            }
            if city_name.contains('\0') {
                return Err(format!(
                    "{}: holds a NUL character (U+0000); remove it",
                    headers[city]
                ));
            }
            let (code, subdivision) = resolve(&table, &country_written).ok_or_else(|| {
                format!(
                    "{}: cannot resolve {country_written:?} to an ISO 3166 country",
                    headers[country]
                )
            })?;
            Party::new(&city_name, &code, subdivision.as_deref(), None)
                .map_err(|e| format!("{}: {e}", headers[city]))
        };
        let built = party(city1, country1).and_then(|a| {
            let b = party(city2, country2)?;
            Partnership::new(a, b, PartnershipKind::sister_city())
                .map_err(|e| format!("{}: {e}", headers[city2]))
        });
        let partnership = match built {
            Ok(partnership) => partnership,
            Err(reason) => {
                summary.rejected.push(format!("{name}:{line}: {reason}"));
                continue;
            }
        };
        let event_id = attestation_id(&source, &as_of, &partnership);
        if !seen.insert(event_id) {
            // The same pair listed from the other side: one attestation.
            summary.duplicates_skipped += 1;
            continue;
        }
        let note = format!("listed in {} (line {line})", source.title);
        items.push(
            Attestation {
                partnership,
                event_id,
                term: "twinned",
                certainty: Certainty::Confirmed,
                note,
            }
            .into_record(&source, &as_of, recorded_by),
        );
    }
    if options.dry_run || (!summary.rejected.is_empty() && !options.skip_invalid) {
        return Ok(summary);
    }
    write(ledger, items, summary).await
}

/// Import Wikidata "twinned administrative body" claims: `relations.tsv` (`QA<TAB>QB`, a claim
/// made on item A) with labels from `names.tsv` (`Q<TAB>label`). The items' countries are not
/// in these files, so parties get the unknown country `ZZ` and are keyed by their item; a pair
/// claimed on both items is one attestation, a one-sided claim is noted as such.
pub async fn import_wikidata(
    ledger: &Ledger,
    relations: &Path,
    names: &Path,
    options: ImportOptions,
    source: Source,
    as_of: EdtfDate,
    recorded_by: &str,
) -> Result<ImportSummary> {
    let mut summary = ImportSummary::default();
    let is_item = |text: &str| {
        text.len() > 1 && text.starts_with('Q') && text[1..].bytes().all(|b| b.is_ascii_digit())
    };
    let read = |path: &Path| -> Result<Vec<(u64, String)>> {
        let text = std::fs::read(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let mut lines = Vec::new();
        for (index, line) in text.split(|&b| b == b'\n').enumerate() {
            match std::str::from_utf8(line) {
                Ok(line) if line.trim().is_empty() => {}
                Ok(line) => lines.push((index as u64 + 1, line.trim_end_matches('\r').to_owned())),
                Err(_) => lines.push((index as u64 + 1, "\u{fffd}".to_owned())),
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
    if options.dry_run || (!summary.rejected.is_empty() && !options.skip_invalid) {
        return Ok(summary);
    }
    write(ledger, items, summary).await
}

/// The id of the attestation of a partnership by a source at a date: the same pair listed
/// twice (from both sides, or in a re-import) gives the same id.
fn attestation_id(source: &Source, as_of: &EdtfDate, partnership: &Partnership) -> uuid::Uuid {
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
struct Attestation {
    partnership: Partnership,
    event_id: uuid::Uuid,
    term: &'static str,
    certainty: Certainty,
    note: String,
}

impl Attestation {
    fn into_record(self, source: &Source, as_of: &EdtfDate, recorded_by: &str) -> ToRecord {
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

/// Write the attestations in atomic batches of 2,000.
async fn write(
    ledger: &Ledger,
    items: Vec<ToRecord>,
    mut summary: ImportSummary,
) -> Result<ImportSummary> {
    let bar = crate::output::writing_bar(items.len() as u64);
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let chunk: Vec<ToRecord> = items.by_ref().take(2_000).collect();
        crate::import_csv::record_batch(ledger, chunk, &mut summary, &bar).await?;
    }
    bar.finish_and_clear();
    summary.wrote = summary.events_written > 0;
    Ok(summary)
}

/// The source given on the command line.
pub fn source(title: Option<&str>, url: Option<&str>, date: Option<&str>) -> Result<Source> {
    let Some(title) = title else {
        bail!("import --format pairs needs --source-title (and usually --source-url)");
    };
    Ok(Source {
        title: title.to_owned(),
        publisher: None,
        url: url.map(str::to_owned),
        published: date.map(|d| d.parse::<EdtfDate>()).transpose()?,
        locator: None,
        role: Some(SourceRole::Secondary),
    })
}
