//! Legality: whether a legal order and dating of the driving events exists, and one such
//! order (a witness) with the attestations slotted in.

use super::bounds::{day_point, Point, PAST};
use super::elements::Kind;
use super::engine::Engine;
use super::search::{Search, Unfinished};

impl Engine {
    /// A legal order of the events (input indices, attestations included), or `None` when no
    /// legal order and dating exists. Among legal orders it prefers events by earliest day,
    /// then latest day.
    pub fn witness(&self) -> Result<Option<Vec<usize>>, Unfinished> {
        if self.empty {
            return Ok(None);
        }
        if self.chain {
            return Ok(self
                .chain_states()
                .map(|_| self.with_attestations(&(0..self.groups.len()).collect::<Vec<_>>())));
        }
        let Some(path) = Search::new(&self.groups, self.input.len(), self.limit()).run()? else {
            return Ok(None);
        };
        Ok(Some(self.with_attestations(&path)))
    }

    /// Whether a legal order and dating exists.
    pub fn is_legal(&self) -> Result<bool, Unfinished> {
        Ok(self.witness()?.is_some())
    }

    /// Input indices in witness order: group members in input order, attestations slotted in
    /// at their earliest day after the founding.
    fn with_attestations(&self, path: &[usize]) -> Vec<usize> {
        let mut taken = vec![0usize; self.groups.len()];
        let mut order: Vec<(Point, usize)> = Vec::with_capacity(self.input.len());
        let mut day = PAST;
        let mut founded_at = None;
        for &group in path {
            let g = &self.groups[group];
            day = day.max(g.lo);
            if g.kind == Kind::Found {
                founded_at = Some(day);
            }
            if let Some(&member) = g.members.get(taken[group]) {
                order.push((day, member));
            }
            taken[group] += 1;
        }
        let founded_at = founded_at.unwrap_or(PAST);
        let mut attestations: Vec<(Point, usize)> = self
            .attestations
            .iter()
            .map(|&i| (day_point(self.input[i].earliest).max(founded_at), i))
            .collect();
        attestations.sort();
        // Merge: an attestation goes after every event dated no later than it.
        let mut merged = Vec::with_capacity(self.input.len());
        let mut pending = attestations.into_iter().peekable();
        for (day, member) in order {
            while let Some(&(at, attestation)) = pending.peek() {
                if at < day {
                    merged.push(attestation);
                    pending.next();
                } else {
                    break;
                }
            }
            merged.push(member);
        }
        merged.extend(pending.map(|(_, attestation)| attestation));
        merged
    }
}
