//! The words of the PROV export: namespaces, terms (each with its full IRI for PROV-O and its
//! qualified name for PROV-JSON) and the identifiers of what is described.

use amity_domain::EventType;

/// A namespace: its prefix and IRI.
pub(super) type Namespace = (&'static str, &'static str);

/// Amity's own terms. Amity has no home on the web, so its vocabulary lives under a UUID URN
/// that no one else can mint (ADR 0012); it is never dereferenced.
pub(super) const AMITY: Namespace = ("amity", "urn:uuid:68f03d7f-26b7-4b82-a2b5-6135feb52a90#");
/// W3C PROV-O.
pub(super) const PROV: Namespace = ("prov", "http://www.w3.org/ns/prov#");
/// The identifiers of events (their UUIDs) and of what Amity names (name-based UUIDs).
pub(super) const UUID: Namespace = ("uuid", "urn:uuid:");

/// Every namespace, in the order a Turtle serializer tries them ([`AMITY`] before [`UUID`],
/// which is a prefix of its IRI).
pub(super) const NAMESPACES: [Namespace; 12] = [
    PROV,
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
    ("dcterms", "http://purl.org/dc/terms/"),
    ("dc", "http://purl.org/dc/elements/1.1/"),
    ("schema", "http://schema.org/"),
    ("edtf", "http://id.loc.gov/datatypes/edtf/"),
    WIKIDATA,
    GEONAMES,
    AMITY,
    UUID,
];

/// Wikidata's items.
pub(super) const WIKIDATA: Namespace = ("wd", "http://www.wikidata.org/entity/");

/// GeoNames' features (Wikidata aside, the one other authority a party links to).
pub(super) const GEONAMES: Namespace = ("geonames", "https://sws.geonames.org/");

/// A term: its full IRI and its qualified name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Term {
    /// For PROV-O.
    pub iri: &'static str,
    /// For PROV-JSON (`prefix:local`).
    pub qname: &'static str,
}

/// A term of a namespace, its full IRI assembled at compile time.
macro_rules! term {
    ($name:ident, $prefix:literal, $iri:literal, $local:literal) => {
        #[doc = concat!("`", $prefix, ":", $local, "`")]
        pub(super) const $name: Term = Term {
            iri: concat!($iri, $local),
            qname: concat!($prefix, ":", $local),
        };
    };
}

/// The terms of PROV-O.
macro_rules! prov {
    ($($name:ident = $local:literal),* $(,)?) => {
        $(term!($name, "prov", "http://www.w3.org/ns/prov#", $local);)*
    };
}

/// Amity's own terms.
macro_rules! amity {
    ($($name:ident = $local:literal),* $(,)?) => {
        $(term!($name, "amity", "urn:uuid:68f03d7f-26b7-4b82-a2b5-6135feb52a90#", $local);)*
    };
}

prov! {
    ENTITY = "Entity", AGENT = "Agent", ACTIVITY = "Activity", ORGANIZATION = "Organization",
    DERIVATION = "Derivation", PRIMARY_SOURCE = "PrimarySource", GENERATION = "Generation",
    INVALIDATION = "Invalidation",
    GENERATED_AT_TIME = "generatedAtTime", WAS_GENERATED_BY = "wasGeneratedBy",
    QUALIFIED_GENERATION = "qualifiedGeneration", WAS_ATTRIBUTED_TO = "wasAttributedTo",
    WAS_DERIVED_FROM = "wasDerivedFrom", HAD_PRIMARY_SOURCE = "hadPrimarySource",
    QUALIFIED_DERIVATION = "qualifiedDerivation",
    QUALIFIED_PRIMARY_SOURCE = "qualifiedPrimarySource",
    WAS_INVALIDATED_BY = "wasInvalidatedBy", INVALIDATED_AT_TIME = "invalidatedAtTime",
    QUALIFIED_INVALIDATION = "qualifiedInvalidation", WAS_ASSOCIATED_WITH = "wasAssociatedWith",
    USED = "used", STARTED_AT_TIME = "startedAtTime", ENDED_AT_TIME = "endedAtTime",
    ALTERNATE_OF = "alternateOf", ENTITY_OF = "entity", ACTIVITY_OF = "activity",
    AT_TIME = "atTime",
}

amity! {
    PARTNERSHIP = "Partnership", RETRACTION = "Retraction",
    OCCURRED = "occurred", EARLIEST = "earliest", LATEST = "latest",
    TERM_AS_WRITTEN = "termAsWritten", CERTAINTY = "certainty", INITIATED_BY = "initiatedBy",
    REASON = "reason", TARGET = "target", LOCATOR = "locator", SOURCE_ROLE = "sourceRole",
    KIND = "kind", COUNTRY = "country", SUBDIVISION = "subdivision", QUALIFIER = "qualifier",
    ALIAS = "alias", PARTY_KIND = "partyKind", WIKIDATA_ID = "wikidata",
}

term!(
    LABEL,
    "rdfs",
    "http://www.w3.org/2000/01/rdf-schema#",
    "label"
);
term!(
    COMMENT,
    "rdfs",
    "http://www.w3.org/2000/01/rdf-schema#",
    "comment"
);
term!(SAME_AS, "owl", "http://www.w3.org/2002/07/owl#", "sameAs");
term!(
    IDENTIFIER,
    "dcterms",
    "http://purl.org/dc/terms/",
    "identifier"
);
term!(TITLE, "dcterms", "http://purl.org/dc/terms/", "title");
term!(SUBJECT, "dcterms", "http://purl.org/dc/terms/", "subject");
term!(ISSUED, "dcterms", "http://purl.org/dc/terms/", "issued");
term!(
    PUBLISHER,
    "dc",
    "http://purl.org/dc/elements/1.1/",
    "publisher"
);
term!(URL, "schema", "http://schema.org/", "url");
term!(EDTF, "edtf", "http://id.loc.gov/datatypes/edtf/", "EDTF");
term!(DATE, "xsd", "http://www.w3.org/2001/XMLSchema#", "date");
term!(
    DATE_TIME,
    "xsd",
    "http://www.w3.org/2001/XMLSchema#",
    "dateTime"
);
term!(
    ANY_URI,
    "xsd",
    "http://www.w3.org/2001/XMLSchema#",
    "anyURI"
);

/// The class of an event type (`amity:PartnershipSuspended`, …): the stored type name.
pub(super) fn event_class(event_type: EventType) -> Term {
    macro_rules! classes {
        ($($variant:ident),*) => {
            match event_type {
                $(EventType::$variant => Term {
                    iri: concat!("urn:uuid:68f03d7f-26b7-4b82-a2b5-6135feb52a90#", stringify!($variant)),
                    qname: concat!("amity:", stringify!($variant)),
                },)*
            }
        };
    }
    classes!(
        PartnershipFounded,
        PartnershipAttested,
        PartnershipSuspended,
        PartnershipReinstated,
        PartnershipTerminated,
        PartnershipReaffirmed,
        EntryRetracted,
        SourceCited
    )
}

/// The namespace of the name-based identifiers (UUID v5) of partnerships, parties, recorders,
/// sources and retractions: the UUID of Amity's vocabulary.
const NAMES: uuid::Uuid = uuid::uuid!("68f03d7f-26b7-4b82-a2b5-6135feb52a90");

/// What a PROV node is identified by: an event's own id, or a name-based UUID; written
/// `urn:uuid:…` in PROV-O and `uuid:…` in PROV-JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Id(pub uuid::Uuid);

impl Id {
    /// The identifier of what `name` names within `kind` (`partnership`, `party`, …): the same
    /// name gives the same identifier in every export of every ledger.
    pub fn named(kind: &str, name: &[u8]) -> Id {
        let mut bytes = Vec::with_capacity(kind.len() + 1 + name.len());
        bytes.extend_from_slice(kind.as_bytes());
        bytes.push(b' ');
        bytes.extend_from_slice(name);
        Id(uuid::Uuid::new_v5(&NAMES, &bytes))
    }

    /// Its IRI, written into `buffer` (cleared first).
    pub fn iri_into(self, buffer: &mut String) {
        buffer.clear();
        buffer.push_str(UUID.1);
        buffer.push_str(
            self.0
                .hyphenated()
                .encode_lower(&mut uuid::Uuid::encode_buffer()),
        );
    }

    /// Its qualified name, written into `buffer` (cleared first).
    pub fn qname_into(self, buffer: &mut String) {
        buffer.clear();
        buffer.push_str(UUID.0);
        buffer.push(':');
        buffer.push_str(
            self.0
                .hyphenated()
                .encode_lower(&mut uuid::Uuid::encode_buffer()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_term_is_its_namespace_and_local_name() {
        for term in [
            ENTITY,
            TERM_AS_WRITTEN,
            LABEL,
            PUBLISHER,
            EDTF,
            event_class(EventType::SourceCited),
        ] {
            let (prefix, local) = term.qname.split_once(':').expect("a qualified name");
            let namespace = NAMESPACES
                .iter()
                .find(|(p, _)| *p == prefix)
                .expect("declared");
            assert_eq!(term.iri, format!("{}{local}", namespace.1));
        }
        assert_eq!(EDTF.iri, "http://id.loc.gov/datatypes/edtf/EDTF");
        assert_eq!(AMITY.1, format!("urn:uuid:{NAMES}#"));
    }

    #[test]
    fn a_name_gives_one_identifier_and_two_names_two() {
        let party = Id::named("party", b"us-co:colorado-springs");
        assert_eq!(party, Id::named("party", b"us-co:colorado-springs"));
        assert_ne!(party, Id::named("recorder", b"us-co:colorado-springs"));
        assert_eq!(party.0.get_version_num(), 5);
        let mut iri = String::new();
        party.iri_into(&mut iri);
        assert_eq!(iri, format!("urn:uuid:{}", party.0));
    }
}
