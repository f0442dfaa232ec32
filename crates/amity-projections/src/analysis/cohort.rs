//! Which partnerships an analysis is about.

use amity_domain::{Party, PartyKey};

use crate::rows::StatusRow;

/// Which partnerships an analysis is about; every given criterion must hold.
#[derive(Debug, Clone, Default)]
pub struct Cohort {
    /// The countries of the two parties, in either order (`US:RU`).
    pub countries: Option<[String; 2]>,
    /// One of the parties.
    pub party: Option<PartyKey>,
    /// A subdivision (`US-CO`) or country (`US`) one of the parties belongs to.
    pub region: Option<String>,
    /// The kind (`sister-city`).
    pub kind: Option<String>,
}

impl Cohort {
    /// Read `CC:CC` (order independent).
    pub fn parse_countries(text: &str) -> Result<[String; 2], String> {
        let (a, b) = text
            .split_once(':')
            .ok_or_else(|| format!("{text:?}: expected two country codes, e.g. US:RU"))?;
        let code = |code: &str| {
            let code = code.trim().to_ascii_uppercase();
            if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
                Ok(code)
            } else {
                Err(format!(
                    "{text:?}: {code:?} is not an ISO 3166-1 alpha-2 code"
                ))
            }
        };
        Ok([code(a)?, code(b)?])
    }

    /// Whether a partnership belongs to the cohort.
    pub fn matches(&self, row: &StatusRow) -> bool {
        self.matches_partnership(&row.partnership, &row.parties, &row.kind)
    }

    /// Whether a partnership with these parties and kind is in the cohort.
    pub fn matches_partnership(
        &self,
        partnership: &amity_domain::PartnershipId,
        parties: &[Party],
        kind: &amity_domain::PartnershipKind,
    ) -> bool {
        if let Some([a, b]) = &self.countries {
            let (x, y) = (&parties[0].country, &parties[1].country);
            if !((x == a && y == b) || (x == b && y == a)) {
                return false;
            }
        }
        if let Some(party) = &self.party {
            if !partnership.involves(party) {
                return false;
            }
        }
        if let Some(region) = &self.region {
            let region = region.to_ascii_uppercase();
            let in_region = |party: &Party| {
                party.country == region || party.subdivision.as_deref() == Some(region.as_str())
            };
            if !parties.iter().any(in_region) {
                return false;
            }
        }
        if let Some(wanted) = &self.kind {
            if kind.as_str() != amity_domain::PartnershipKind::new(wanted).as_str() {
                return false;
            }
        }
        true
    }

    /// The cohort in words, for output.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some([a, b]) = &self.countries {
            parts.push(format!("{a}:{b}"));
        }
        if let Some(party) = &self.party {
            parts.push(format!("party {party}"));
        }
        if let Some(region) = &self.region {
            parts.push(format!("region {region}"));
        }
        if let Some(kind) = &self.kind {
            parts.push(format!("kind {kind}"));
        }
        if parts.is_empty() {
            "all partnerships".to_owned()
        } else {
            parts.join(", ")
        }
    }
}
