//! Finding a party given on the command line, one at a time (`find`). An import finds many
//! at once with the projections' `PartyResolver`, by the same rules.

use amity_domain::{fold, Party, PartyKey};
use amity_projections::{PartyRow, Projections};
use anyhow::{bail, Result};

/// How a party given on the command line was found.
#[derive(Debug, Clone)]
pub struct Found {
    /// The party as given or as the ledger knows it.
    pub party: Party,
    /// Its key.
    pub key: PartyKey,
    /// Its community's key (same-as links).
    pub canonical: PartyKey,
    /// Whether the ledger knows it (else it is new).
    pub known: bool,
}

/// The parties whose folded name or alias is exactly `folded`.
pub(super) fn exact(rows: &[(PartyRow, u64)], folded: &str) -> Vec<PartyRow> {
    rows.iter()
        .filter(|(row, _)| {
            std::iter::once(&row.party.name)
                .chain(&row.aliases)
                .any(|name| fold(name) == folded)
        })
        .map(|(row, _)| row.clone())
        .collect()
}

pub(super) fn listed(rows: &[PartyRow]) -> String {
    let names: Vec<String> = rows
        .iter()
        .map(|row| format!("{} ({})", row.key, row.party.label()))
        .collect();
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Find a party given on the command line. With `create`, a `"Name, CC"` the ledger does not
/// know is a new party (recording); otherwise it is an error with close names.
pub async fn find(projections: &Projections, given: &str, create: bool) -> Result<Found> {
    let links = projections.ledger().links().await?;
    let found = |row: &PartyRow| Found {
        party: row.party.clone(),
        key: row.key.parse().expect("stored keys are valid"),
        canonical: links.canonical_key(&row.key.parse().expect("stored keys are valid")),
        known: true,
    };
    let given = given.trim();
    // A key.
    if !given.contains(',') && given.contains(':') {
        if let Ok(key) = given.parse::<PartyKey>() {
            if let Some(row) = projections.party(&key).await? {
                return Ok(found(&row));
            }
            if create {
                bail!("unknown party {key}: give a new party as \"Name, CC\" or \"Name, CC-SUB\"");
            }
            return Ok(Found {
                party: Party::new(key.as_str(), "ZZ", None, None)
                    .unwrap_or_else(|_| Party::new("unknown", "ZZ", None, None).expect("valid")),
                canonical: links.canonical_key(&key),
                key,
                known: false,
            });
        }
    }
    // "Name, CC[-SUB]": that party, or the one whose folded name or alias it is in that region.
    if given.contains(',') {
        let party: Party = given.parse()?;
        let key = party.key();
        if let Some(row) = projections.party(&key).await? {
            return Ok(found(&row));
        }
        let folded = fold(&party.name);
        let rows = projections.parties(&folded).await?;
        let same_region: Vec<PartyRow> = exact(&rows, &folded)
            .into_iter()
            .filter(|row| {
                row.party.country == party.country
                    && (party.subdivision.is_none() || row.party.subdivision == party.subdivision)
            })
            .collect();
        match same_region.as_slice() {
            [one] => return Ok(found(one)),
            [] => {}
            many => bail!(
                "{given:?} is ambiguous: did you mean {}? Give the key instead",
                listed(many)
            ),
        }
        // A new party (recording), or one the query will find nothing about.
        return Ok(Found {
            canonical: links.canonical_key(&key),
            key,
            party,
            known: false,
        });
    }
    // A name or alias alone.
    let folded = fold(given);
    let rows = projections.parties(&folded).await?;
    match exact(&rows, &folded).as_slice() {
        [one] => Ok(found(one)),
        [] => bail!(
            "unknown party {given:?}: give it as \"Name, CC\" or by its key{}",
            suggestions(projections, given).await?
        ),
        many => {
            // Keys of one community are one party.
            let first = links.canonical_key(&many[0].key.parse().expect("valid"));
            if many
                .iter()
                .all(|row| links.canonical_key(&row.key.parse().expect("valid")) == first)
            {
                let canonical = many
                    .iter()
                    .find(|row| row.key == first.as_str())
                    .unwrap_or(&many[0]);
                return Ok(found(canonical));
            }
            bail!(
                "{given:?} is ambiguous: did you mean {}? Give the key instead",
                listed(many)
            )
        }
    }
}

/// " (did you mean …?)" with up to five parties whose names are close to `name`.
pub(super) async fn suggestions(projections: &Projections, name: &str) -> Result<String> {
    let folded = fold(name);
    let prefix: String = folded.chars().take(3).collect();
    let rows = projections.parties(&prefix).await?;
    let mut close: Vec<(f64, &PartyRow)> = rows
        .iter()
        .map(|(row, _)| (strsim::jaro_winkler(&fold(&row.party.name), &folded), row))
        .filter(|(score, _)| *score > 0.8)
        .collect();
    close.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.key.cmp(&b.1.key)));
    let close: Vec<PartyRow> = close
        .into_iter()
        .take(5)
        .map(|(_, row)| row.clone())
        .collect();
    Ok(if close.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", listed(&close))
    })
}
