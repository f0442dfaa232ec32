//! Wikidata QuickStatements: P190 ("twinned administrative body") claims for partnerships
//! whose parties both have Wikidata items.

use std::io::Write;

use amity_projections::Projections;

use crate::Result;

/// Write the statements (as the ledger knew it at `known_at`, if given); returns the number of
/// partnerships written.
pub async fn export(
    projections: &Projections,
    known_at: Option<jiff::Timestamp>,
    out: &mut dyn Write,
) -> Result<u64> {
    let _ = (projections, known_at, out);
    unimplemented!("QuickStatements export: being built")
}
