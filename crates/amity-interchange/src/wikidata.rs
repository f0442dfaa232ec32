//! Wikidata items as the exports name them: a party's QID, checked (a stored value is not
//! checked again, and a malformed one must not become a claim or a link), and its entity URI.

use amity_domain::Party;
use amity_projections::PartyRow;

/// The concept URI of Wikidata's items, which an item's QID completes.
pub(crate) const ENTITY_BASE: &str = "http://www.wikidata.org/entity/";

/// `text` when it is a QID (`Q` and a number with no leading zero).
pub(crate) fn qid(text: &str) -> Option<&str> {
    let digits = text.strip_prefix('Q')?;
    let well_formed = !digits.is_empty()
        && !digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit());
    well_formed.then_some(text)
}

/// A party's item: as the partnership names it, else as the register knows it.
pub(crate) fn item_of<'a>(party: &'a Party, registered: Option<&'a PartyRow>) -> Option<&'a str> {
    party
        .wikidata
        .as_deref()
        .and_then(qid)
        .or_else(|| registered.and_then(|row| row.party.wikidata.as_deref().and_then(qid)))
}

/// The item's concept URI.
pub(crate) fn entity_uri(qid: &str) -> String {
    format!("{ENTITY_BASE}{qid}")
}

#[cfg(test)]
mod tests {
    use super::qid;

    #[test]
    fn given_texts_when_read_as_qids_then_only_q_and_a_number_are() {
        assert_eq!(qid("Q49258"), Some("Q49258"));
        for bad in ["", "Q", "Q0", "Q012", "q49258", "P190", "Q49 258", "Q4\t"] {
            assert_eq!(qid(bad), None, "{bad:?}");
        }
    }
}
