//! Reading a list: its country names, its columns, and the places its rows name (one name in one
//! region told apart by Wikidata item or the 25 km rule).

use std::collections::HashMap;
use std::path::Path;

use amity_domain::Party;

use crate::{Error, Result};

/// The committed table of country names (`name,alpha2[,subdivision]`): ISO names from
/// Debian's iso-codes via pycountry, plus reviewed spellings the lists use.
pub(super) const COUNTRY_NAMES: &str = include_str!("../../../data/country-names.csv");

/// Country names, folded, to `(alpha-2, subdivision)`.
pub(super) type CountryTable = HashMap<String, (String, Option<String>)>;

/// Country names, folded (see [`amity_domain::fold`]), to `(alpha-2, subdivision)`: the
/// committed table, then the user's file (`--country-names`, same columns: `name,alpha2` and
/// optionally `subdivision`), whose names win.
pub(super) fn country_table(extra: Option<&Path>) -> Result<CountryTable> {
    let mut table = HashMap::new();
    let mut read = |text: &str, name: &str| -> Result<()> {
        let unreadable = |line: usize, reason: String, source| Error::Unreadable {
            file: name.to_owned(),
            line: line as u64,
            reason,
            source,
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        for (index, record) in reader.records().enumerate() {
            let line = index + 2;
            let record = record
                .map_err(|error| unreadable(line, error.to_string(), Some(Box::new(error) as _)))?;
            let (Some(written), Some(code)) = (record.get(0), record.get(1)) else {
                return Err(unreadable(
                    line,
                    "expected name,alpha2[,subdivision]".to_owned(),
                    None,
                ));
            };
            let code = code.trim().to_ascii_uppercase();
            let subdivision = record
                .get(2)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_ascii_uppercase);
            // Checked as a party's codes are, so a bad line is found here, not on every row.
            Party::new("x", &code, subdivision.as_deref(), None).map_err(|error| {
                unreadable(line, format!("alpha2: {error}"), Some(Box::new(error) as _))
            })?;
            table.insert(amity_domain::fold(written), (code, subdivision));
        }
        Ok(())
    };
    read(COUNTRY_NAMES, "data/country-names.csv")?;
    if let Some(path) = extra {
        let text = std::fs::read_to_string(path).map_err(|source| Error::io(path, source))?;
        read(&text, &path.display().to_string())?;
    }
    Ok(table)
}

/// Resolve "England, United Kingdom", "Georgia (country)", "Japan", "Sao Tomé and Príncipe", …
pub(super) fn resolve(table: &CountryTable, written: &str) -> Option<(String, Option<String>)> {
    if let Some(whole) = table.get(&amity_domain::fold(written)) {
        return Some(whole.clone());
    }
    let parts: Vec<&str> = written
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let (last, before) = parts.split_last()?;
    let (country, mut subdivision) = table.get(&amity_domain::fold(last))?.clone();
    // "England, United Kingdom": the part before the country may name a constituent country.
    for part in before.iter().rev() {
        if let Some((code, Some(sub))) = table.get(&amity_domain::fold(part)) {
            if *code == country {
                subdivision = Some(sub.clone());
                break;
            }
        }
    }
    Some((country, subdivision))
}

/// How far apart two places named alike may be and still be taken for one (km).
pub const SAME_PLACE_KM: f64 = 25.0;

/// The great-circle distance between two points in degrees, in km (haversine, mean radius).
pub fn distance_km((lat1, lon1): (f64, f64), (lat2, lon2): (f64, f64)) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let (dp, dl) = ((lat2 - lat1).to_radians(), (lon2 - lon1).to_radians());
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6_371.0 * a.sqrt().asin()
}

/// The roles a column can play, per side.
pub(super) const ROLES: [&str; 6] = [
    "city",
    "country",
    "subdivision",
    "wikidata",
    "latitude",
    "longitude",
];

/// Short names a header may use for a role.
pub(super) fn role_of(header: &str) -> Option<(usize, usize)> {
    let header = header.trim().to_ascii_lowercase();
    let (stem, side) = match header.chars().last()? {
        '1' => (&header[..header.len() - 1], 0),
        '2' => (&header[..header.len() - 1], 1),
        _ => return None,
    };
    let role = match stem.trim_end_matches('_') {
        "city" => 0,
        "country" => 1,
        "subdivision" | "region" => 2,
        "wikidata" | "qid" => 3,
        "latitude" | "lat" => 4,
        "longitude" | "lon" | "lng" => 5,
        _ => return None,
    };
    Some((side, role))
}

/// Which column (index) plays each role on each side.
pub(super) type Mapping = [[Option<usize>; 6]; 2];

/// Which column plays each role: by the header's own names (`city1`, `lat2`, …), or by the
/// mapping given (`role=header,…`); every side needs a city and a country.
pub(super) fn mapping(headers: &[String], columns: Option<&str>, name: &str) -> Result<Mapping> {
    let mut mapping: Mapping = [[None; 6]; 2];
    match columns {
        None => {
            for (index, header) in headers.iter().enumerate() {
                if let Some((side, role)) = role_of(header) {
                    mapping[side][role] = Some(index);
                }
            }
        }
        Some(columns) => {
            for pair in columns.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let Some((role, header)) = pair.split_once('=') else {
                    return Err(Error::ColumnMapping(format!(
                        "{pair:?} is not role=header (e.g. city1=town_a)"
                    )));
                };
                let Some((side, role)) = role_of(role) else {
                    return Err(Error::ColumnMapping(format!(
                        "{role:?} is not a role: use {} with 1 or 2",
                        ROLES.join(", ")
                    )));
                };
                let Some(index) = headers.iter().position(|h| h == header.trim()) else {
                    return Err(Error::ColumnMapping(format!(
                        "{name} has no column {header:?} (its header: {})",
                        headers.join(", ")
                    )));
                };
                mapping[side][role] = Some(index);
            }
        }
    }
    for (side, roles) in mapping.iter().enumerate() {
        for role in [0, 1] {
            if roles[role].is_none() {
                return Err(Error::Unreadable {
                    file: name.to_owned(),
                    line: 1,
                    reason: format!(
                        "header: no column for {}{} (expected city1,country1,city2,country2, \
                         or a column mapping such as city1=town_a,country1=country_a,…)",
                        ROLES[role],
                        side + 1
                    ),
                    source: None,
                });
            }
        }
    }
    Ok(mapping)
}

/// One side of a row: the party as the list names it, and where the list puts it.
#[derive(Debug, Clone)]
pub(super) struct Named {
    pub(super) party: Party,
    pub(super) at: Option<(f64, f64)>,
}

/// A row read and checked.
pub(super) struct Row {
    pub(super) line: u64,
    pub(super) sides: [Named; 2],
}

/// The places that rows name alike (one plain key): each a cluster of mentions.
#[derive(Debug)]
pub(super) struct Place {
    pub(super) wikidata: Option<String>,
    pub(super) at: Option<(f64, f64)>,
    pub(super) mentions: Vec<(usize, usize)>,
    pub(super) lines: Vec<u64>,
    /// The farthest a mention taken for this place lies from its position (km).
    pub(super) spread: f64,
}

impl Place {
    /// Whether a mention is this place: the same Wikidata item when both have one, and
    /// within [`SAME_PLACE_KM`] when both have coordinates.
    pub(super) fn admits(&self, named: &Named) -> Option<f64> {
        if let (Some(mine), Some(theirs)) = (&self.wikidata, &named.party.wikidata) {
            if mine != theirs {
                return None;
            }
        }
        match (self.at, named.at) {
            (Some(here), Some(there)) => {
                let km = distance_km(here, there);
                (km <= SAME_PLACE_KM).then_some(km)
            }
            _ => Some(0.0),
        }
    }
}

/// The qualifier of a place told apart from its homonyms: its Wikidata item, else its
/// rounded coordinates (`5106n00880e`).
pub(super) fn qualifier(place: &Place) -> Option<String> {
    if let Some(item) = &place.wikidata {
        return Some(item.to_ascii_lowercase());
    }
    place.at.map(|(lat, lon)| {
        format!(
            "{:04}{}{:05}{}",
            (lat.abs() * 100.0).round() as i64,
            if lat < 0.0 { 's' } else { 'n' },
            (lon.abs() * 100.0).round() as i64,
            if lon < 0.0 { 'w' } else { 'e' }
        )
    })
}
