//! Funding rounds for `plugins/funding`: `funding.csv`.
//!
//! How it works: four in ten of the software, internet, IT services and fintech companies,
//! and about one in five of the others, raised a run of rounds from Seed or Series A on: the
//! latest within 90 days for one in ten of them, each earlier one 8 to 20 months before it,
//! none more than six years back, each amount drawn around its stage's median and at least
//! 1.4 times the one before (some undisclosed). A company past Series C may have gone public
//! after its last round, and a few companies have an acquisition or a divestment. A company's
//! records go out oldest first.

use super::{SignalGen, in_any};
use crate::Drawn;

/// Funding stages in order, with the median amount raised in USD.
const STAGES: [(&str, f64); 7] = [
    ("Seed", 2.0e6),
    ("Series A", 12.0e6),
    ("Series B", 30.0e6),
    ("Series C", 60.0e6),
    ("Series D", 100.0e6),
    ("Series E", 160.0e6),
    ("Series F", 250.0e6),
];

impl SignalGen {
    /// Funding rounds from Seed or Series A on, amounts growing, the last one most often
    /// months or years back; a few IPOs, acquisitions and divestments.
    pub(super) fn funding_rounds(&mut self, company: &Drawn) {
        let tech = in_any(company, &["Software", "Internet", "IT Services", "Fintech"]);
        let mut records: Vec<(i64, &str, Option<f64>)> = Vec::new();
        if self.rng.chance(if tech { 0.40 } else { 0.18 }) {
            let n = 1 + self.rng.band(&[0.35, 0.60, 0.80, 0.92]);
            let first = usize::from(self.rng.chance(0.25));
            let last = (first + n - 1).min(STAGES.len() - 1);
            // The latest round first, each earlier one 8 to 20 months before it, none more
            // than six years back.
            let mut back = self.days_back(0.10, 0.10, 4 * 365);
            let mut dated = Vec::new();
            for stage in (first..=last).rev() {
                if back > 6 * 365 {
                    break;
                }
                dated.push((stage, back));
                back += 240 + self.rng.below(360) as i64;
            }
            let mut previous = 0.0_f64;
            for &(stage, back) in dated.iter().rev() {
                let (name, median) = STAGES[stage];
                let drawn = self.rng.log_normal(median, 0.45).max(previous * 1.4);
                let amount = (drawn / 1e5).round() * 1e5;
                previous = amount;
                let disclosed = !self.rng.chance(0.12);
                records.push((back, name, disclosed.then_some(amount)));
            }
            let latest = dated[0].1;
            if last >= 3 && self.rng.chance(0.25) {
                let after = 180 + self.rng.below(540) as i64;
                if latest > after {
                    let amount = (self.rng.log_normal(300e6, 0.6) / 1e6).round() * 1e6;
                    records.push((latest - after, "IPO", Some(amount)));
                }
            }
        }
        if self.rng.chance(0.025) {
            let back = self.days_back(0.15, 0.15, 6 * 365);
            records.push((back, "Acquisition", None));
        }
        if self.rng.chance(0.008) {
            let back = self.days_back(0.15, 0.15, 6 * 365);
            records.push((back, "Divestment", None));
        }
        records.sort_by_key(|r| std::cmp::Reverse(r.0));
        for (back, kind, amount) in records {
            let date = self.date(back);
            let amount = amount.map_or(String::new(), |a| format!("{a:.0}"));
            Self::row(&mut self.funding, &[&company.domain, &date, kind, &amount]);
            self.report.funding += 1;
        }
    }
}
