//! The authority record as a whole, in the order EAC-CPF 2.0 requires: `control` (record id,
//! maintenance agency, status and history, the sources cited, the date convention), then
//! `cpfDescription`: `identity` (a corporate body: its names, other names and identifiers),
//! `description` (its kind and place), `relations` (one per partnership).

use std::io;

use amity_projections::PartyRow;

use super::relation::{name_parts, Relation};
use super::sources::Sources;
use super::xml::Xml;
use crate::wikidata;

/// The namespace of EAC-CPF 2.0.
pub(crate) const NAMESPACE: &str = "https://archivists.org/ns/eac/v2";

/// What the record is written from.
pub(crate) struct Record<'a> {
    /// The party described.
    pub party: &'a PartyRow,
    /// The other keys of its community (same-as links), whose names are its other names.
    pub members: Vec<&'a PartyRow>,
    /// Its partnerships.
    pub relations: Vec<Relation<'a>>,
    /// The sources they cite.
    pub sources: Sources<'a>,
    /// The ledger's identity (its first event's id), when it holds any event.
    pub ledger: Option<String>,
    /// The moment the ledger is read as known at, if given.
    pub known_at: Option<jiff::Timestamp>,
    /// When the record is written.
    pub now: jiff::Timestamp,
}

impl Record<'_> {
    /// Write the whole document.
    pub fn write(&self, xml: &mut Xml<'_>) -> io::Result<()> {
        xml.start("eac", &[("xmlns", NAMESPACE)])?;
        self.control(xml)?;
        xml.start("cpfDescription", &[])?;
        self.identity(xml)?;
        self.description(xml)?;
        if !self.relations.is_empty() {
            xml.start("relations", &[])?;
            for relation in &self.relations {
                relation.write(xml, &self.sources)?;
            }
            xml.end("relations")?;
        }
        xml.end("cpfDescription")?;
        xml.end("eac")
    }

    fn control(&self, xml: &mut Xml<'_>) -> io::Result<()> {
        xml.start(
            "control",
            &[
                ("countryEncoding", "iso3166-1"),
                ("dateEncoding", "iso8601"),
                ("maintenanceStatus", "derived"),
            ],
        )?;
        xml.leaf("recordId", &[], &self.party.key)?;
        xml.start("maintenanceAgency", &[])?;
        xml.leaf("agencyName", &[], "Amity ledger")?;
        if let Some(ledger) = &self.ledger {
            xml.leaf(
                "otherAgencyCode",
                &[("localType", "ledgerIdentity")],
                ledger,
            )?;
        }
        xml.end("maintenanceAgency")?;
        xml.start("maintenanceHistory", &[])?;
        xml.start("maintenanceEvent", &[("maintenanceEventType", "derived")])?;
        let agent = format!("Amity {}", env!("CARGO_PKG_VERSION"));
        xml.leaf("agent", &[("agentType", "machine")], &agent)?;
        let now = self.now.to_string();
        xml.leaf("eventDateTime", &[("standardDateTime", &now)], &now)?;
        xml.leaf("eventDescription", &[], &self.derivation())?;
        xml.end("maintenanceEvent")?;
        xml.end("maintenanceHistory")?;
        self.sources.write(xml)?;
        xml.start("conventionDeclaration", &[])?;
        xml.leaf(
            "reference",
            &[("href", "https://www.loc.gov/standards/datetime/")],
            "Extended Date/Time Format (EDTF), ISO 8601-2:2019",
        )?;
        xml.start("descriptiveNote", &[])?;
        xml.leaf(
            "p",
            &[],
            "Dates are EDTF as the sources give them, never made more precise: standardDate \
             holds the EDTF, notBefore and notAfter its first and last possible day, certainty \
             its qualifier (~ approximate, ? uncertain, % both). An interval is a date range of \
             its two ends; a date no source gives is left out.",
        )?;
        xml.end("descriptiveNote")?;
        xml.end("conventionDeclaration")?;
        xml.end("control")
    }

    /// What the record was derived from.
    fn derivation(&self) -> String {
        let entries: usize = self.relations.iter().map(|r| r.timeline.len()).sum();
        let mut recorded: Vec<&str> = self
            .relations
            .iter()
            .flat_map(|relation| relation.timeline.iter().map(|row| row.recorded_at.as_str()))
            .collect();
        recorded.sort_unstable();
        let known = match self.known_at {
            Some(moment) => format!("as known at {moment}"),
            None => "as known when exported".to_owned(),
        };
        let mut text = format!(
            "Derived from the Amity ledger, {known}: {} partnerships, {entries} history entries",
            self.relations.len()
        );
        if let (Some(first), Some(last)) = (recorded.first(), recorded.last()) {
            text.push_str(&format!(", recorded from {first} to {last}"));
        }
        text.push('.');
        text
    }

    fn identity(&self, xml: &mut Xml<'_>) -> io::Result<()> {
        let party = &self.party.party;
        xml.start("identity", &[])?;
        xml.leaf("entityType", &[("value", "corporateBody")], "")?;
        xml.start(
            "nameEntry",
            &[("preferredForm", "true"), ("status", "authorized")],
        )?;
        name_parts(xml, party)?;
        xml.end("nameEntry")?;
        let mut other_names: Vec<&str> = self.party.aliases.iter().map(String::as_str).collect();
        for member in &self.members {
            other_names.push(&member.party.name);
            other_names.extend(member.aliases.iter().map(String::as_str));
        }
        let mut seen = std::collections::HashSet::from([party.name.as_str()]);
        for name in other_names {
            if seen.insert(name) {
                xml.start("nameEntry", &[("status", "alternative")])?;
                xml.leaf("part", &[("localType", "name")], name)?;
                xml.end("nameEntry")?;
            }
        }
        if let Some(kind) = self.party.kind {
            xml.start("otherEntityTypes", &[])?;
            xml.start("otherEntityType", &[])?;
            xml.leaf("term", &[], kind.name())?;
            xml.end("otherEntityType")?;
            xml.end("otherEntityTypes")?;
        }
        for row in std::iter::once(self.party).chain(self.members.iter().copied()) {
            self.identifiers(xml, row)?;
        }
        xml.end("identity")
    }

    /// A key's identifiers: the Amity key, the Wikidata item, the GeoNames id.
    fn identifiers(&self, xml: &mut Xml<'_>, row: &PartyRow) -> io::Result<()> {
        xml.leaf("identityId", &[("localType", "amityPartyKey")], &row.key)?;
        if let Some(qid) = row.party.wikidata.as_deref().and_then(wikidata::qid) {
            let uri = wikidata::entity_uri(qid);
            xml.leaf(
                "identityId",
                &[
                    ("localType", "wikidata"),
                    ("valueURI", &uri),
                    ("vocabularySource", "Wikidata"),
                    ("vocabularySourceURI", wikidata::ENTITY_BASE),
                ],
                qid,
            )?;
        }
        if let Some(geonames) = row.geonames {
            let uri = format!("https://sws.geonames.org/{geonames}/");
            xml.leaf(
                "identityId",
                &[
                    ("localType", "geonames"),
                    ("valueURI", &uri),
                    ("vocabularySource", "GeoNames"),
                ],
                &geonames.to_string(),
            )?;
        }
        Ok(())
    }

    /// Where it is: its jurisdiction (and coordinates, when known).
    fn description(&self, xml: &mut Xml<'_>) -> io::Result<()> {
        let party = &self.party.party;
        xml.start("description", &[])?;
        xml.start("places", &[])?;
        xml.start("place", &[])?;
        let (code, vocabulary) = match &party.subdivision {
            Some(subdivision) => (subdivision.as_str(), "ISO 3166-2"),
            None => (party.country.as_str(), "ISO 3166-1"),
        };
        xml.leaf(
            "placeName",
            &[
                ("countryCode", &party.country),
                ("vocabularySource", vocabulary),
            ],
            code,
        )?;
        xml.leaf("placeRole", &[], "jurisdiction")?;
        if let Some((latitude, longitude)) = self.party.coordinates {
            xml.leaf(
                "geographicCoordinates",
                &[("coordinateSystem", "WGS84")],
                &format!("{latitude} {longitude}"),
            )?;
        }
        xml.end("place")?;
        xml.end("places")?;
        xml.end("description")
    }
}
