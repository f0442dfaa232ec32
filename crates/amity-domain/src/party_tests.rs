//! Tests of `party`.
use super::*;

#[test]
fn reads_parties_as_people_write_them() {
    let springs: Party = "Colorado Springs, US-CO".parse().unwrap();
    assert_eq!(springs.country, "US");
    assert_eq!(springs.subdivision.as_deref(), Some("US-CO"));
    assert_eq!(springs.key().as_str(), "us-co:colorado-springs");
    let smolensk: Party = "Smolensk, RU".parse().unwrap();
    assert_eq!(smolensk.key().as_str(), "ru:smolensk");
    let comma: Party = "Washington, D.C., US".parse().unwrap();
    assert_eq!(comma.name, "Washington, D.C.");
}

#[test]
fn refuses_malformed_parties() {
    for input in [
        "Smolensk",
        "Smolensk, Russia",
        "Denver, US-",
        "Denver, US-COLORADO",
        ", US",
    ] {
        assert!(input.parse::<Party>().is_err(), "{input}");
    }
}

#[test]
fn partnership_id_is_independent_of_order() {
    let a: Party = "Colorado Springs, US-CO".parse().unwrap();
    let b: Party = "Smolensk, RU".parse().unwrap();
    let forward = PartnershipId::of(&a.key(), &b.key()).unwrap();
    let backward = PartnershipId::of(&b.key(), &a.key()).unwrap();
    assert_eq!(forward, backward);
    assert_eq!(forward.as_str(), "ru:smolensk+us-co:colorado-springs");
    assert_eq!(forward.as_str().parse::<PartnershipId>().unwrap(), forward);
    assert!(forward.involves(&a.key()));
}

#[test]
fn names_alone_do_not_make_identity() {
    let durham_nc: Party = "Durham, US-NC".parse().unwrap();
    let county_durham: Party = "County Durham, GB".parse().unwrap();
    let durham_gb: Party = "Durham, GB".parse().unwrap();
    assert_ne!(durham_nc.key(), county_durham.key());
    assert_ne!(durham_nc.key(), durham_gb.key());
}

#[test]
fn parties_of_unknown_country_are_their_wikidata_items() {
    let moscow = Party::new("Moskau", "ZZ", None, Some("Q649")).unwrap();
    let other = Party::new("Moskau", "ZZ", None, Some("Q1129417")).unwrap();
    assert_eq!(moscow.key().as_str(), "zz:q649");
    assert_ne!(moscow.key(), other.key());
    let id = PartnershipId::of(&moscow.key(), &other.key()).unwrap();
    assert_eq!(id.as_str().parse::<PartnershipId>().unwrap(), id);
}

#[test]
fn keeps_non_latin_names() {
    let party: Party = "Смоленск, RU".parse().unwrap();
    assert_eq!(party.key().as_str(), "ru:смоленск");
    assert!(PartnershipId::of(&party.key(), &party.key()).is_err());
}

#[test]
fn country_and_subdivision_codes_are_checked_against_iso_3166() {
    let refused = |input: &str| input.parse::<Party>().unwrap_err().to_string();
    for ok in [
        "London, GB",
        "London, GB-ENG",
        "Colorado Springs, US-CO",
        "Pristina, XK",
        "Moskau, ZZ",
        "Kraków, PL-12",
    ] {
        assert!(ok.parse::<Party>().is_ok(), "{ok}: {}", refused(ok));
    }
    assert!(refused("London, UK").contains("did you mean GB?"));
    let soviet = refused("Leningrad, SU");
    assert!(soviet.contains("former code"), "{soviet}");
    assert!(soviet.contains("RU"), "{soviet}");
    assert!(refused("Belgrade, YU").contains("former code"));
    assert!(refused("Dresden, DD").contains("former code"));
    assert!(refused("Probetown, XX").contains("not an ISO 3166-1"));
    assert!(refused("Probetown, QQ").contains("not an ISO 3166-1"));
    assert!(refused("Denver, US-ZZ").contains("not in ISO 3166-2"));
}

#[test]
fn a_leading_sign_the_key_would_drop_is_refused() {
    let error = "+Moscow, RU".parse::<Party>().unwrap_err().to_string();
    assert!(error.contains("\"Moscow\""), "{error}");
    assert!("'s-Hertogenbosch, NL".parse::<Party>().is_ok());
}

/// [`slug`] as it was first written (one pass pushing to a string, trailing dashes popped): the
/// reference the one-character-at-a-time [`slug_chars`] is compared with.
fn reference_slug(name: &str) -> String {
    let mut out = String::new();
    for ch in name.chars().flat_map(char::to_lowercase) {
        if ch.is_alphanumeric() {
            out.push(ch);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// [`Party::key`] as it was first written (formatted from the region and the slugs): the
/// reference the key written in place is compared with.
fn reference_key(party: &Party) -> String {
    if party.country == "ZZ" {
        if let Some(item) = &party.wikidata {
            return format!("zz:{}", item.to_ascii_lowercase());
        }
    }
    let region = party.subdivision.as_deref().unwrap_or(&party.country);
    match &party.qualifier {
        None => format!(
            "{}:{}",
            region.to_ascii_lowercase(),
            reference_slug(&party.name)
        ),
        Some(qualifier) => format!(
            "{}:{}-{}",
            region.to_ascii_lowercase(),
            reference_slug(&party.name),
            reference_slug(qualifier)
        ),
    }
}

/// [`Party::keyed`] as it was first written: build the unqualified key, then strip it.
fn reference_keyed(mut party: Party, key: &str) -> Party {
    if party.qualifier.is_some() {
        return party;
    }
    let plain = party.key();
    if plain.as_str() != key {
        if let Some(rest) = key
            .strip_prefix(plain.as_str())
            .and_then(|rest| rest.strip_prefix('-'))
        {
            party.qualifier = Some(rest.to_owned());
        }
    }
    party
}

/// Unqualified parties named after `names` (a pattern), in France, Germany or no known country,
/// with or without a subdivision and a Wikidata item.
fn parties(names: &'static str) -> impl proptest::strategy::Strategy<Value = Party> {
    use proptest::strategy::Strategy;
    let (countries, subdivisions) = ("(FR|DE|ZZ)", "(FR-IDF|DE-BY)");
    let items = proptest::option::of("Q[0-9]{1,3}");
    (names, countries, proptest::option::of(subdivisions), items).prop_map(
        |(name, country, subdivision, wikidata)| Party {
            name,
            country,
            subdivision,
            wikidata,
            qualifier: None,
        },
    )
}

proptest::proptest! {
    /// The key written in place is the key formatted from the region and the slugs, for ASCII
    /// names (the byte-by-byte path) and names of any script, qualified or not.
    #[test]
    fn keys_are_the_region_and_the_slugs(
        party in parties("([a-zA-Z0-9 ,.'-]{1,12}|[a-zA-Z İßΣσДжé\u{301}\u{307}-]{1,12})"),
        qualifier in proptest::option::of("([a-z0-9 .-]{0,6}|[a-zé Σ]{1,4})"),
    ) {
        let party = Party { qualifier, ..party };
        let key = party.key();
        proptest::prop_assert_eq!(key.as_str(), reference_key(&party));
    }

    /// The slug one character at a time is the slug, for names of any script, case, spacing
    /// and punctuation (`İ` lower-cases to two characters, the second no letter).
    #[test]
    fn slug_chars_spell_the_slug(name in "[a-zA-Z0-9 ,.'İßΣσДжé\u{301}\u{307}-]{0,16}") {
        proptest::prop_assert_eq!(slug(&name), reference_slug(&name));
    }

    /// Reading a party back under a key finds the qualifier the first way found, for keys that
    /// are its own (qualified or not), another party's, or near misses (case, region, a
    /// dash too many).
    #[test]
    fn keyed_reads_the_qualifier_back_as_before(
        party in parties("[a-zA-Zİé\u{307} -]{1,8}"),
        qualifier in proptest::option::of("[a-z0-9-]{0,5}"),
        tweak in 0..6_u8,
    ) {
        let mut key = match &qualifier {
            Some(qualifier) => party.clone().qualified(qualifier).key().as_str().to_owned(),
            None => party.key().as_str().to_owned(),
        };
        match tweak {
            1 => key = key.to_uppercase(),
            2 => key.push('-'),
            3 => key.insert(0, 'x'),
            4 => key = format!("de:{}", key.split_once(':').map_or("", |(_, rest)| rest)),
            5 => { key.pop(); }
            _ => {}
        }
        proptest::prop_assert_eq!(
            party.clone().keyed(&key),
            reference_keyed(party, &key),
            "key {:?}", key
        );
    }
}
