//! Registering a party known only from its partnerships, before an alias or a link names it
//! (the register holds a record of every party it says more about).

use amity_domain::register::Registration;
use amity_domain::{PartyKey, RegisterEvent};

use crate::{Projections, Result};

/// What [`Projections::enlist`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enlisted {
    /// The register held it already.
    Registered,
    /// Known from its partnerships: registered now, with the name they give it.
    Added,
    /// Neither registered nor in any partnership.
    Unknown,
}

impl Projections {
    /// Make sure the register holds `key`: a party known from its partnerships is registered
    /// under the name they give it (as `amity party alias` and the links do).
    pub async fn enlist(&self, key: &PartyKey, recorded_by: &str) -> Result<Enlisted> {
        if !self.ledger().party_entries(key).await?.is_empty() {
            return Ok(Enlisted::Registered);
        }
        let Some(row) = self.party(key).await? else {
            return Ok(Enlisted::Unknown);
        };
        let registration = Registration {
            key: key.clone(),
            party: row.party,
            kind: None,
            geonames: None,
            coordinates: None,
            aliases: Vec::new(),
            sources: Vec::new(),
            note: Some("registered with a link, from its partnerships".to_owned()),
        };
        self.ledger()
            .record_register(
                uuid::Uuid::now_v7(),
                RegisterEvent::Registered(Box::new(registration)),
                recorded_by,
            )
            .await?;
        Ok(Enlisted::Added)
    }
}
