//! W3C PROV: each recorded event a `prov:Entity` derived from its sources, attributed to who
//! recorded it, about a partnership whose parties are agents.

use std::io::Write;

use amity_ledger::Ledger;
use amity_projections::Projections;

use crate::Result;

/// Which serialization of PROV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProvFormat {
    /// PROV-O in Turtle.
    Turtle,
    /// PROV-JSON (W3C member submission).
    Json,
}

/// Write every event of the ledger (as known at `known_at`, if given) as PROV; returns the
/// number of events written.
pub async fn export(
    ledger: &Ledger,
    projections: &Projections,
    known_at: Option<jiff::Timestamp>,
    format: ProvFormat,
    out: &mut dyn Write,
) -> Result<u64> {
    let _ = (ledger, projections, known_at, format, out);
    unimplemented!("PROV export: being built")
}
