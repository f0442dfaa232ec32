//! Checking the tables against the events: a seeded sample of partnerships, each read from
//! the tables and recomputed from its events, compared row for row (for `amity verify`).

use amity_domain::PartnershipId;

use crate::projections::Projections;
use crate::Result;

/// What a sample check found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SampleCheck {
    /// How many partnerships were compared.
    pub checked: usize,
    /// Those whose tables differ from their events.
    pub differing: Vec<PartnershipId>,
}

/// SplitMix64: a small seeded generator, so that a sample can be drawn again.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `count` of `ids`, drawn with `seed` (all of them when there are no more).
pub fn sample(mut ids: Vec<PartnershipId>, count: usize, seed: u64) -> Vec<PartnershipId> {
    ids.sort();
    let mut state = seed;
    let count = count.min(ids.len());
    for i in 0..count {
        let j = i + (next(&mut state) % (ids.len() - i) as u64) as usize;
        ids.swap(i, j);
    }
    ids.truncate(count);
    ids
}

impl Projections {
    /// Compare `count` partnerships, drawn with `seed`, as the tables hold them and as their
    /// events give them now (status and history rows). The tables are read as they are: a
    /// caller that wants them current catches up first.
    pub async fn check_sample(&self, count: usize, seed: u64) -> Result<SampleCheck> {
        // Every partnership the ledger holds (its streams, as the store counts them: no status
        // is computed), each as its community's.
        let links = self.ledger().links().await?;
        let mut ids: Vec<PartnershipId> = self
            .ledger()
            .summary()
            .await?
            .partnerships
            .into_keys()
            .map(|id| links.canonical_partnership(&id))
            .collect();
        ids.sort();
        ids.dedup();
        let chosen = sample(ids, count, seed);
        // Everything recorded so far: the events as they are now.
        let now = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(1);
        let mut differing = Vec::new();
        for id in &chosen {
            let stored = self.history(id, None).await?;
            let recomputed = self.history(id, Some(now)).await?;
            if stored != recomputed {
                differing.push(id.clone());
            }
        }
        Ok(SampleCheck {
            checked: chosen.len(),
            differing,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<PartnershipId> {
        (0..n)
            .map(|i| format!("aa:a{i}+bb:b{i}").parse().unwrap())
            .collect()
    }

    #[test]
    fn a_sample_is_drawn_again_with_its_seed_and_holds_distinct_ids() {
        let first = sample(ids(50), 10, 7);
        assert_eq!(first, sample(ids(50), 10, 7));
        assert_ne!(first, sample(ids(50), 10, 8));
        let mut distinct = first.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 10);
        assert_eq!(sample(ids(3), 10, 7).len(), 3, "all when there are no more");
    }
}
