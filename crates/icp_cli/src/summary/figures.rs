//! The summary's counters as data, for `icp report`: the same numbers the text summary of
//! `icp score` prints, in a form that serialises to JSON.
//!
//! How it works: [`Summary::figures`] reads the counters once the run is over. The reasons
//! are made readable by the one function the text uses ([`Summary::readable_reasons`]), per
//! ICP and all together with the ICP's name in front, and sorted as the text sorts them
//! ([`top`]: most frequent first, then by text), so the report's lists begin with the lines
//! the text shows.

use std::collections::BTreeMap;

use icp_engine::ir::RuleSet;
use serde::Serialize;

use super::unmatched::{UnmatchedConstant, unmatched_constants};
use super::{Summary, readable_reason, top};

/// A name and how many leads it counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub name: String,
    pub leads: u64,
}

/// The leads whose best ICP is `icp` with tier `tier` (`None`: the ICP gives no tier).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BestCount {
    pub icp: String,
    pub tier: Option<String>,
    pub leads: u64,
}

/// Every number of the summary; see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SummaryFigures {
    pub leads: u64,
    /// Per ICP (declaration order): the qualified leads.
    pub qualified: Vec<Count>,
    /// Per best ICP and tier, as "best ICP and tier:" lists them.
    pub best: Vec<BestCount>,
    /// Leads that no ICP gives a tier.
    pub no_tier: u64,
    /// Every disqualification reason, `ICP: reason` in readable words, most frequent first
    /// (the text shows the first five).
    pub reasons: Vec<Count>,
    /// Every field missing where it mattered, counted once per lead, most frequent first
    /// (the text shows the first five).
    pub missing: Vec<Count>,
    /// The rule constants no lead matched (`rule constants that matched no lead:`).
    pub unmatched: Vec<UnmatchedConstant>,
    /// Per ICP (declaration order): its reasons in readable words, most frequent first.
    #[serde(skip)]
    pub reasons_per_icp: Vec<Vec<Count>>,
}

impl Summary {
    /// The summary's numbers; see the module documentation.
    pub fn figures(&self, rules: &RuleSet) -> SummaryFigures {
        let qualified = (rules.icps.iter().zip(&self.qualified))
            .map(|(icp, n)| Count {
                name: icp.name.clone(),
                leads: *n,
            })
            .collect();
        let best = (self.best.iter())
            .map(|((icp, tier), n)| {
                let def = &rules.icps[*icp];
                BestCount {
                    icp: def.name.clone(),
                    tier: def.tiers.get(*tier).map(|t| t.name.clone()),
                    leads: *n,
                }
            })
            .collect();
        let reasons_per_icp = (0..rules.icps.len())
            .map(|i| ranked(&self.readable_reasons_of(rules, i)))
            .collect();
        SummaryFigures {
            leads: self.leads,
            qualified,
            best,
            no_tier: self.no_best,
            reasons: ranked(&self.readable_reasons(rules)),
            missing: ranked(&self.missing),
            unmatched: self.unmatched_constants(rules),
            reasons_per_icp,
        }
    }

    /// The rule constants no lead matched, as the text lists them.
    pub(super) fn unmatched_constants(&self, rules: &RuleSet) -> Vec<UnmatchedConstant> {
        unmatched_constants(rules, &self.constants, &self.values, self.leads)
    }

    /// ICP `icp`'s reasons as people read them: a clause by its `shown` text (a bare let name
    /// becomes its definition); reasons that read the same are counted together.
    fn readable_reasons_of(&self, rules: &RuleSet, icp: usize) -> BTreeMap<String, u64> {
        let def = &rules.icps[icp];
        let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
        for (reason, n) in &self.reasons[icp] {
            *reasons.entry(readable_reason(def, reason)).or_default() += n;
        }
        reasons
    }

    /// Every ICP's readable reasons, each as `ICP: reason`.
    pub(super) fn readable_reasons(&self, rules: &RuleSet) -> BTreeMap<String, u64> {
        let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
        for (i, icp) in rules.icps.iter().enumerate() {
            for (shown, n) in self.readable_reasons_of(rules, i) {
                *reasons.entry(format!("{}: {shown}", icp.name)).or_default() += n;
            }
        }
        reasons
    }
}

/// Every count, most frequent first, then by name.
fn ranked(counts: &BTreeMap<String, u64>) -> Vec<Count> {
    top(counts, counts.len())
        .into_iter()
        .map(|(name, n)| Count {
            name: name.clone(),
            leads: *n,
        })
        .collect()
}
