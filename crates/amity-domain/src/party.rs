//! Parties (cities, counties, states, oblasts…) and the partnership between two of them.
//!
//! Identity never rests on the display name alone: a party's key is its region code (the
//! ISO 3166-2 subdivision when known, else the ISO 3166-1 country) plus a slug of its name, so
//! Durham, US-NC (`us-nc:durham`) and County Durham, GB (`gb:county-durham`) never collide.
//! A partnership's id is its two party keys in sorted order joined by `+`, e.g.
//! `ru:smolensk+us-co:colorado-springs`: readable, deterministic, independent of the order in
//! which the parties were named, and usable as a stream name by every backend.
//!
//! A party whose country no source gives (a Wikidata item imported without one) has the
//! country `ZZ` and is keyed by its Wikidata item (`zz:q649`), never by its label.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

/// The country code of a party whose country the source does not give (ISO 3166-1
/// user-assigned `ZZ`, "unknown region").
pub const UNKNOWN_COUNTRY: &str = "ZZ";

/// A community that can be party to a partnership.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Party {
    /// Display name as the ledger knows it ("Colorado Springs").
    pub name: String,
    /// ISO 3166-1 alpha-2 country code, upper case ("US").
    pub country: String,
    /// ISO 3166-2 subdivision code ("US-CO"), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdivision: Option<String>,
    /// Wikidata item id ("Q49258"), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wikidata: Option<String>,
    /// What tells this party from a homonym in the same region, when an import had to (a
    /// Wikidata item `q573603`, or rounded coordinates `5106n0880e`): appended to its key's
    /// slug (`de:frankenberg-q573603`). Kept with the party so that the key never changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
}

/// Why a party or partnership could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PartyError {
    /// A party must be written `"Name, CC"` or `"Name, CC-SUB"`.
    #[error("invalid party {input:?}: write it as \"Name, CC\" or \"Name, CC-SUB\" (e.g. \"Colorado Springs, US-CO\", \"Smolensk, RU\")")]
    Format {
        /// What was given.
        input: String,
    },
    /// The country or subdivision code is malformed.
    #[error("invalid party {input:?}: {reason}")]
    Code {
        /// What was given.
        input: String,
        /// What is wrong with the code.
        reason: String,
    },
    /// A partnership id must be two party keys joined by `+`.
    #[error("invalid partnership id {input:?}: expected two party keys joined by '+', e.g. \"ru:smolensk+us-co:colorado-springs\"")]
    PartnershipId {
        /// What was given.
        input: String,
    },
    /// A party key must be `region:name-slug`.
    #[error("invalid party key {input:?}: expected region:name, e.g. \"us-co:colorado-springs\"")]
    Key {
        /// What was given.
        input: String,
    },
    /// A party cannot partner itself.
    #[error("a partnership needs two different parties, got {key} twice")]
    SameParty {
        /// The key given twice.
        key: PartyKey,
    },
}

/// Kosovo: a user-assigned code in ISO 3166-1, used by the EU, the UN and Wikidata.
const KOSOVO: &str = "XK";

/// Signs that a name may not start with: its key would drop them.
const LEADING_SIGNS: &[char] = &[
    '+', '*', '#', '=', '@', '!', '?', '&', '%', '$', '^', '~', '|', '<', '>', '/', '\\', '-', '_',
    '.', ',', ';', ':',
];

/// Codes people write for a country that are not its ISO 3166-1 code.
const NOT_ISO: &[(&str, &str)] = &[("UK", "GB"), ("EL", "GR"), ("EN", "GB")];

/// Check a country code against ISO 3166-1 (the list of `rust_iso3166` 0.2): `ZZ` stands for
/// an unknown country and `XK` for Kosovo; a former code (ISO 3166-3) names its successors,
/// and a common stand-in (`UK`) the code meant.
fn check_country(country: &str) -> Result<(), String> {
    if country == UNKNOWN_COUNTRY || country == KOSOVO {
        return Ok(());
    }
    if rust_iso3166::from_alpha2(country).is_some() {
        return Ok(());
    }
    if let Some((_, meant)) = NOT_ISO.iter().find(|(written, _)| *written == country) {
        return Err(format!(
            "country {country:?} is not an ISO 3166-1 code: did you mean {meant}?"
        ));
    }
    if let Some(former) = rust_iso3166::iso3166_3::ALL
        .iter()
        .find(|former| former.former.alpha2 == country)
    {
        let successors: Vec<&str> = former.new_countries.iter().map(|c| c.alpha2).collect();
        return Err(format!(
            "country {country:?} ({}) is a former code, withdrawn; use the code of the country \
             as it is now: {}",
            former.name,
            successors.join(", ")
        ));
    }
    Err(format!(
        "country {country:?} is not an ISO 3166-1 alpha-2 code (ZZ stands for an unknown country)"
    ))
}

impl Party {
    /// Build a party, checking its codes against ISO 3166 (`US`, `US-CO`) and the shape of its
    /// Wikidata id (`Q49258`).
    pub fn new(
        name: &str,
        country: &str,
        subdivision: Option<&str>,
        wikidata: Option<&str>,
    ) -> Result<Party, PartyError> {
        let input = format!("{name}, {}", subdivision.unwrap_or(country));
        let code_error = |reason: String| PartyError::Code {
            input: input.clone(),
            reason,
        };
        let name = name.trim();
        // A control character could drive the terminal that shows the name (an escape
        // sequence); a name is one line.
        if let Some(problem) = crate::text::text_problem(name, crate::text::Lines::One) {
            return Err(code_error(format!("the name {problem}")));
        }
        if name.is_empty() || slug(name).is_empty() {
            return Err(PartyError::Format { input });
        }
        // A leading sign the key would silently drop (`+Moscow` would be `Moscow`).
        if let Some(sign) = name.chars().next().filter(|c| LEADING_SIGNS.contains(c)) {
            return Err(code_error(format!(
                "the name starts with {sign:?}, which its key would drop (it would be the same \
                 party as {:?}); write the name without it",
                name.trim_start_matches(LEADING_SIGNS).trim_start()
            )));
        }
        let country = country.trim().to_ascii_uppercase();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(code_error(format!(
                "country {country:?} is not an ISO 3166-1 alpha-2 code"
            )));
        }
        check_country(&country).map_err(code_error)?;
        let subdivision = match subdivision {
            None => None,
            Some(code) => {
                let code = code.trim().to_ascii_uppercase();
                let valid = code.len() > 3
                    && code.len() <= 6
                    && code.starts_with(&country)
                    && code.as_bytes()[2] == b'-'
                    && code[3..].bytes().all(|b| b.is_ascii_alphanumeric());
                if !valid {
                    return Err(code_error(format!(
                        "subdivision {code:?} is not an ISO 3166-2 code of {country}"
                    )));
                }
                if country != UNKNOWN_COUNTRY
                    && country != KOSOVO
                    && rust_iso3166::iso3166_2::from_code(&code).is_none()
                {
                    return Err(code_error(format!(
                        "subdivision {code:?} is not in ISO 3166-2 (the list of rust_iso3166 0.2); \
                         give the country alone ({country}) if the subdivision is not known"
                    )));
                }
                Some(code)
            }
        };
        let wikidata = match wikidata {
            None => None,
            Some(id) => {
                let id = id.trim().to_ascii_uppercase();
                if id.len() < 2
                    || !id.starts_with('Q')
                    || !id[1..].bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(code_error(format!("{id:?} is not a Wikidata item id")));
                }
                Some(id)
            }
        };
        Ok(Party {
            name: name.to_owned(),
            country,
            subdivision,
            wikidata,
            qualifier: None,
        })
    }

    /// The stable key: region code and name slug (`us-co:colorado-springs`).
    pub fn key(&self) -> PartyKey {
        // A party known only by its Wikidata item (country unknown, written `ZZ`, the ISO
        // 3166 code for an unknown region) is identified by that item, not by its label.
        if self.country == UNKNOWN_COUNTRY {
            if let Some(item) = &self.wikidata {
                return PartyKey(format!("zz:{}", item.to_ascii_lowercase()).into());
            }
        }
        let region = self.subdivision.as_deref().unwrap_or(&self.country);
        // One string, written in place (this runs for every party of every row a rebuild
        // writes): `region:slug(name)`, then `-slug(qualifier)` if qualified.
        let qualifier = self.qualifier.as_deref().unwrap_or_default();
        let mut key = String::with_capacity(region.len() + self.name.len() + qualifier.len() + 2);
        key.extend(region.chars().map(|ch| ch.to_ascii_lowercase()));
        key.push(':');
        push_slug(&mut key, &self.name);
        if self.qualifier.is_some() {
            key.push('-');
            push_slug(&mut key, qualifier);
        }
        PartyKey(key.into())
    }

    /// The party as stored under `key` (projection tables keep a party's key and its name,
    /// country, subdivision and Wikidata item): its qualifier, if any, read back from the key.
    pub fn keyed(mut self, key: &str) -> Party {
        if self.qualifier.is_some() {
            return self;
        }
        if let Some(rest) = self.after_plain_key(key) {
            if let Some(qualifier) = rest.strip_prefix('-') {
                self.qualifier = Some(qualifier.to_owned());
            }
        }
        self
    }

    /// What follows this party's unqualified key in `key`, if `key` starts with it: the
    /// comparison [`Party::key`] then `strip_prefix` would make, without building the key (the
    /// tables read thousands of parties at a time).
    fn after_plain_key<'k>(&self, key: &'k str) -> Option<&'k str> {
        debug_assert!(self.qualifier.is_none(), "a party without its qualifier");
        if self.country == UNKNOWN_COUNTRY {
            // Rare: its key may be its Wikidata item's.
            return key.strip_prefix(self.key().as_str());
        }
        let region = self.subdivision.as_deref().unwrap_or(&self.country);
        let rest = key.get(region.len()..)?;
        if !key[..region.len()].eq_ignore_ascii_case(region)
            || key[..region.len()]
                .bytes()
                .any(|byte| byte.is_ascii_uppercase())
        {
            return None;
        }
        let mut rest = rest.strip_prefix(':')?;
        for ch in slug_chars(&self.name) {
            rest = rest.strip_prefix(ch)?;
        }
        Some(rest)
    }

    /// The same party told apart from its homonyms by `qualifier` (see [`Party::qualifier`]).
    pub fn qualified(mut self, qualifier: &str) -> Party {
        let qualifier = slug(qualifier);
        self.qualifier = (!qualifier.is_empty()).then_some(qualifier);
        self
    }

    /// The party as a person writes it: `Name, CC-SUB` or `Name, CC`.
    pub fn label(&self) -> String {
        self.to_string()
    }
}

impl FromStr for Party {
    type Err = PartyError;
    /// Reads `"Name, CC"` or `"Name, CC-SUB"`; the name may itself contain commas.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let (name, code) = input.rsplit_once(',').ok_or_else(|| PartyError::Format {
            input: input.to_owned(),
        })?;
        let code = code.trim();
        let (country, subdivision) = match code.split_once('-') {
            Some((country, _)) => (country, Some(code)),
            None => (code, None),
        };
        Party::new(name, country, subdivision, None).map_err(|error| match error {
            PartyError::Format { .. } => PartyError::Format {
                input: input.to_owned(),
            },
            other => other,
        })
    }
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        f.write_str(", ")?;
        f.write_str(self.subdivision.as_deref().unwrap_or(&self.country))
    }
}

/// Lower-case letters and digits of any script, other runs collapsed to `-`.
fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    push_slug(&mut out, name);
    out
}

/// Append [`slug`]`(name)` to `out`; an ASCII name byte by byte (the same rule: for ASCII,
/// letters and digits are what `char::is_alphanumeric` finds, and lower-casing is ASCII's).
fn push_slug(out: &mut String, name: &str) {
    if !name.is_ascii() {
        out.extend(slug_chars(name));
        return;
    }
    let (mut started, mut dash) = (false, false);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() {
            if dash && started {
                out.push('-');
            }
            (started, dash) = (true, false);
            out.push(char::from(byte.to_ascii_lowercase()));
        } else {
            dash = true;
        }
    }
}

/// The characters of [`slug`]`(name)`, one at a time: lower-case letters and digits, and one
/// `-` for each run of other characters between two of them.
fn slug_chars(name: &str) -> impl Iterator<Item = char> + '_ {
    let mut started = false;
    let mut dash = false;
    name.chars()
        .flat_map(char::to_lowercase)
        .flat_map(move |ch| {
            if ch.is_alphanumeric() {
                let before = (dash && started).then_some('-');
                (started, dash) = (true, false);
                [before, Some(ch)]
            } else {
                dash = true;
                [None, None]
            }
        })
        .flatten()
}

/// Whether `text` is what [`slug`] makes of itself (checked without allocating).
fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('-')
        && !text.ends_with('-')
        && !text.contains("--")
        && text.chars().all(|ch| {
            if ch.is_ascii() {
                ch == '-' || ch.is_ascii_lowercase() || ch.is_ascii_digit()
            } else {
                ch.is_alphanumeric() && ch.to_lowercase().eq([ch])
            }
        })
}

/// A party's stable key, `region:slug` (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PartyKey(SmolStr);

impl PartyKey {
    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn parse(input: &str) -> Option<PartyKey> {
        let (region, name) = input.split_once(':')?;
        let region_ok = region.len() >= 2
            && region.len() <= 6
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        (region_ok && is_slug(name)).then(|| PartyKey(input.into()))
    }
}

impl FromStr for PartyKey {
    type Err = PartyError;
    /// Reads a key as [`Party::key`] writes it (`us-co:colorado-springs`).
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        PartyKey::parse(input).ok_or_else(|| PartyError::Key {
            input: input.to_owned(),
        })
    }
}

impl fmt::Display for PartyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of partnership it is: `sister-city`, `friendship-city`, `sister-state`, …
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PartnershipKind(String);

impl PartnershipKind {
    /// Normalise a kind as a slug ("Sister City" → `sister-city`).
    pub fn new(kind: &str) -> PartnershipKind {
        PartnershipKind(slug(kind))
    }

    /// The default kind.
    pub fn sister_city() -> PartnershipKind {
        PartnershipKind("sister-city".to_owned())
    }

    /// The kind as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for PartnershipKind {
    fn default() -> Self {
        PartnershipKind::sister_city()
    }
}

impl fmt::Display for PartnershipKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id of a partnership and of its event stream: both party keys, sorted, joined by `+`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PartnershipId(SmolStr);

impl PartnershipId {
    /// The id of the partnership between two parties, in either order.
    pub fn of(a: &PartyKey, b: &PartyKey) -> Result<PartnershipId, PartyError> {
        if a == b {
            return Err(PartyError::SameParty { key: a.clone() });
        }
        let (first, second) = if a < b { (a, b) } else { (b, a) };
        Ok(PartnershipId(format!("{first}+{second}").into()))
    }

    /// Its two party keys, in sorted order.
    pub fn keys(&self) -> (PartyKey, PartyKey) {
        let (a, b) = self.0.split_once('+').expect("a partnership id holds '+'");
        (PartyKey(a.into()), PartyKey(b.into()))
    }

    /// The id as text (also the stream name).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the given party is one of the two.
    pub fn involves(&self, key: &PartyKey) -> bool {
        self.0
            .split_once('+')
            .is_some_and(|(a, b)| a == key.as_str() || b == key.as_str())
    }
}

impl FromStr for PartnershipId {
    type Err = PartyError;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = || PartyError::PartnershipId {
            input: input.to_owned(),
        };
        let (a, b) = input.split_once('+').ok_or_else(error)?;
        let valid = |key: &str| {
            key.split_once(':').is_some_and(|(region, name)| {
                (2..=6).contains(&region.len())
                    && region
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && is_slug(name)
            })
        };
        // Canonical form only: valid keys, distinct, in sorted order.
        if valid(a) && valid(b) && a < b {
            Ok(PartnershipId(input.into()))
        } else if valid(a) && valid(b) && a > b {
            Ok(PartnershipId(format!("{b}+{a}").into()))
        } else if valid(a) && a == b {
            Err(PartyError::SameParty {
                key: PartyKey(a.into()),
            })
        } else {
            Err(error())
        }
    }
}

impl TryFrom<String> for PartnershipId {
    type Error = PartyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<PartnershipId> for String {
    fn from(id: PartnershipId) -> String {
        id.0.into()
    }
}

impl fmt::Display for PartnershipId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Two parties and a kind: what lifecycle events are about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Partnership {
    /// The two parties, in the order the source named them.
    pub parties: [Party; 2],
    /// Sister city, friendship city, sister state, …
    #[serde(default)]
    pub kind: PartnershipKind,
}

impl Partnership {
    /// A partnership between two distinct parties.
    pub fn new(a: Party, b: Party, kind: PartnershipKind) -> Result<Partnership, PartyError> {
        PartnershipId::of(&a.key(), &b.key())?;
        Ok(Partnership {
            parties: [a, b],
            kind,
        })
    }

    /// Read a partnership from its stored JSON form (as in every lifecycle event's payload),
    /// refusing one whose two parties are the same.
    pub fn from_json(json: &str) -> Result<Partnership, String> {
        let partnership: Partnership =
            serde_json::from_str(json).map_err(|error| error.to_string())?;
        if partnership.parties[0] == partnership.parties[1] {
            return Err("a partnership needs two different parties".to_owned());
        }
        Ok(partnership)
    }

    /// Its stream id.
    pub fn id(&self) -> PartnershipId {
        PartnershipId::of(&self.parties[0].key(), &self.parties[1].key())
            .expect("constructed with distinct parties")
    }

    /// The party other than `key`, if `key` is one of the two.
    pub fn other_than(&self, key: &PartyKey) -> Option<&Party> {
        match (&self.parties[0], &self.parties[1]) {
            (a, b) if a.key() == *key => Some(b),
            (a, b) if b.key() == *key => Some(a),
            _ => None,
        }
    }
}

#[cfg(test)]
#[path = "party_tests.rs"]
mod tests;
