//! EAC-CPF 2.0: a party's authority record with one `relation` per partnership.

use std::io::Write;

use amity_domain::PartyKey;
use amity_projections::Projections;

use crate::Result;

/// Write the EAC-CPF 2.0 record of `party` (as the ledger knew it at `known_at`, if given).
pub async fn export(
    projections: &Projections,
    party: &PartyKey,
    known_at: Option<jiff::Timestamp>,
    out: &mut dyn Write,
) -> Result<()> {
    let _ = (projections, party, known_at, out);
    unimplemented!("EAC-CPF export: being built")
}
