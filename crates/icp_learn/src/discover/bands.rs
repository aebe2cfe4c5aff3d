//! Bands of a number field where the best customers stand out from the base.
//!
//! How it works: the candidate cut points are the best customers' deciles — the values at
//! ranks `⌊q·(n−1)⌋` of their sorted values for `q = 0, 0.1, …, 1` (nearest rank), duplicates
//! dropped. Every closed band `[lo, hi]` between two cut points (`lo ≤ hi`) is a candidate, the
//! band `lo..hi` that the rule text writes `between lo and hi` (both ends included). A band's
//! support among the best is the share of all best customers whose value lies in it, its
//! support in the base the share of the base's leads (a missing value lies in no band). The
//! chosen band maximises the difference of the two supports (best − base: the largest gap
//! between the two distributions over a band, as the Kolmogorov–Smirnov statistic is over a
//! half-line); ties go to the band holding fewer base leads (the narrower one), then to the
//! lower `lo`, then the lower `hi`. Every candidate counts as an attribute tried for the
//! multiple-testing correction ([`Bands::tried`]).
//!
//! The base is counted exactly: [`NumberCounts`] keeps each distinct value of all leads with
//! its count (memory bounded by the number of distinct values), and the best customers' values
//! as a list (bounded by their number).

use std::collections::HashMap;

/// The values of one number field: every lead's by distinct value, the best customers' each.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NumberCounts {
    /// Distinct value (as its bits, -0 folded into 0) → number of leads, over all leads.
    pub all: HashMap<u64, u64>,
    /// The value of each best customer that has one.
    pub best: Vec<f64>,
}

impl NumberCounts {
    /// Counts one lead's value (finite) as held by a lead of all leads, and by a best one.
    pub fn add(&mut self, value: f64, best: bool) {
        let value = if value == 0.0 { 0.0 } else { value };
        *self.all.entry(value.to_bits()).or_insert(0) += 1;
        if best {
            self.best.push(value);
        }
    }

    /// Adds another part's counts (of other leads).
    pub fn merge(&mut self, other: NumberCounts) {
        for (bits, n) in other.all {
            *self.all.entry(bits).or_insert(0) += n;
        }
        self.best.extend(other.best);
    }
}

/// A band `lo..hi`, both ends included, with the leads in it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub lo: f64,
    pub hi: f64,
    /// Best customers in the band.
    pub held_best: u64,
    /// All leads in the band (best customers included).
    pub held_all: u64,
}

/// The chosen band of a field and how many candidates were tried.
#[derive(Debug, Clone, PartialEq)]
pub struct Bands {
    pub chosen: Option<Band>,
    pub tried: usize,
}

/// The best customers' deciles, ascending, without duplicates.
pub fn cut_points(best: &[f64]) -> Vec<f64> {
    let mut sorted = best.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return Vec::new();
    }
    let last = sorted.len() - 1;
    let mut cuts: Vec<f64> = (0..=10).map(|tenth| sorted[tenth * last / 10]).collect();
    cuts.dedup();
    cuts
}

/// The band of `counts` that separates the best customers (`best` of them) from the base best;
/// `rest` says the base is the leads not among the best (else all `all` leads).
pub fn best_band(counts: &NumberCounts, best: u64, all: u64, rest: bool) -> Bands {
    let cuts = cut_points(&counts.best);
    let mut base: Vec<(f64, u64)> = counts
        .all
        .iter()
        .map(|(bits, n)| (f64::from_bits(*bits), *n))
        .collect();
    base.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Running totals: `below[i]` leads have a value below `base[i].0`.
    let mut below = Vec::with_capacity(base.len() + 1);
    below.push(0u64);
    for (_, n) in &base {
        below.push(below.last().copied().unwrap_or(0) + n);
    }
    let count_all = |lo: f64, hi: f64| {
        let start = base.partition_point(|(v, _)| *v < lo);
        let end = base.partition_point(|(v, _)| *v <= hi);
        below[end] - below[start]
    };
    let mut sorted_best = counts.best.clone();
    sorted_best.sort_by(f64::total_cmp);
    let count_best = |lo: f64, hi: f64| {
        let start = sorted_best.partition_point(|v| *v < lo);
        let end = sorted_best.partition_point(|v| *v <= hi);
        (end - start) as u64
    };
    let base_total = if rest { all - best } else { all };
    let mut chosen: Option<(f64, Band)> = None;
    let mut tried = 0;
    for (i, &lo) in cuts.iter().enumerate() {
        for &hi in &cuts[i..] {
            tried += 1;
            let held_best = count_best(lo, hi);
            let held_all = count_all(lo, hi);
            let held_base = if rest { held_all - held_best } else { held_all };
            let share = |held: u64, total: u64| {
                if total == 0 {
                    0.0
                } else {
                    held as f64 / total as f64
                }
            };
            let gap = share(held_best, best) - share(held_base, base_total);
            let band = Band {
                lo,
                hi,
                held_best,
                held_all,
            };
            // Candidates come in ascending (lo, hi): a later one wins only when strictly
            // better, or as good while holding fewer base leads.
            let better = match &chosen {
                None => true,
                Some((best_gap, best_band)) => {
                    gap > *best_gap || (gap == *best_gap && held_all < best_band.held_all)
                }
            };
            if better {
                chosen = Some((gap, band));
            }
        }
    }
    Bands {
        chosen: chosen.map(|(_, band)| band),
        tried,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_points_are_deciles_without_repeats() {
        let best: Vec<f64> = (1..=11).map(f64::from).collect();
        assert_eq!(cut_points(&best), best);
        assert_eq!(cut_points(&[5.0, 5.0, 5.0]), vec![5.0]);
        assert!(cut_points(&[]).is_empty());
    }

    #[test]
    fn the_band_of_the_best_is_found() {
        let mut counts = NumberCounts::default();
        // 1,000 leads from 1 to 1,000 employees; the best 50 between 200 and 400.
        for v in 1..=1000 {
            counts.add(f64::from(v), false);
        }
        for v in (200..400).step_by(4) {
            counts.best.push(f64::from(v));
        }
        let bands = best_band(&counts, 50, 1000, false);
        let band = bands.chosen.unwrap();
        assert_eq!((band.lo, band.hi), (200.0, 396.0));
        assert_eq!(band.held_best, 50);
        assert_eq!(band.held_all, 197);
        assert_eq!(bands.tried, 66);
    }
}
