//! The figures of `icp discover`: which attributes the best customers have more often than
//! the base, how much more, and how surely.
//!
//! How it works: the command counts, in one pass over the leads, how many of all leads and how
//! many of the best customers hold each candidate attribute (a value of a text or list field,
//! a band of a number field, a persona, a title word, a signal's value) and hands the counts
//! here as [`Candidate`]s. [`rank`] turns them into [`Finding`]s:
//!
//! - `support_best` = best customers holding it / best customers;
//! - `support_base` = base leads holding it / base leads, where the base is all leads
//!   ([`Base::All`], the default: the best customers are among them) or the leads not among the
//!   best ([`Base::Rest`]);
//! - `lift` = `support_best / support_base`, with a 95% interval: the Wilson interval of
//!   `support_best` divided by `support_base` (the base, usually far larger, is taken as
//!   known);
//! - `p_value`: one-sided Fisher exact test (see [`fisher`]) and `p_holm`, Holm-adjusted over
//!   every attribute tried (the candidates plus every band tried, [`bands`]).
//!
//! Only attributes over-represented among the best (lift above 1) are kept. The ranking key is
//! the log p-value ascending (most significant first; logs, so p-values too small for an
//! `f64` still order), then the lift descending, then field and value as text: the same counts
//! always give the same order. [`draft`] writes a rule file from the ranked findings.

pub mod bands;
pub mod draft;
pub mod fisher;

use crate::rates::{Rate, Z95, wilson};

/// Which leads the best customers are compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Base {
    /// All leads, the best customers included.
    #[default]
    All,
    /// The leads not among the best customers.
    Rest,
}

/// The lead counts of a run: best customers found among the leads, and all leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Population {
    pub best: u64,
    pub all: u64,
    pub base: Base,
}

impl Population {
    /// The number of base leads.
    pub fn base_leads(&self) -> u64 {
        match self.base {
            Base::All => self.all,
            Base::Rest => self.all - self.best,
        }
    }

    /// The base leads holding an attribute that `held_all` leads (`held_best` of them best
    /// customers) hold.
    pub fn base_held(&self, held_best: u64, held_all: u64) -> u64 {
        match self.base {
            Base::All => held_all,
            Base::Rest => held_all - held_best,
        }
    }
}

/// An attribute with its counts, as the command found it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// What it is about: `company.industry`, `contact.title`, `persona`, `funding.total_raised`.
    pub field: String,
    /// The value as the rule text writes it: `fintech`, `200..2000`, `true`.
    pub value: String,
    /// The condition that holds for a lead with this attribute, in rule text.
    pub condition: String,
    /// Whether a draft may use it (a persona needs its definition, which a draft lacks).
    pub draftable: bool,
    /// Best customers holding it.
    pub held_best: u64,
    /// All leads holding it (best customers included).
    pub held_all: u64,
}

/// A ranked attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub candidate: Candidate,
    pub support_best: f64,
    pub support_base: f64,
    /// Base leads holding it.
    pub held_base: u64,
    pub lift: f64,
    pub lift_low: f64,
    pub lift_high: f64,
    /// Natural log of the one-sided Fisher p-value.
    pub ln_p: f64,
    pub p_value: f64,
    /// Holm-adjusted over every attribute tried.
    pub p_holm: f64,
}

/// The over-represented candidates ranked; `tried` is the number of attributes tried (at least
/// the number of candidates), the family of Holm's correction.
pub fn rank(population: Population, candidates: Vec<Candidate>, tried: usize) -> Vec<Finding> {
    let base_leads = population.base_leads();
    let mut findings: Vec<Finding> = candidates
        .into_iter()
        .filter_map(|candidate| {
            let best = Rate::new(candidate.held_best, population.best);
            let held_base = population.base_held(candidate.held_best, candidate.held_all);
            let base = Rate::new(held_base, base_leads);
            let support_best = best.value()?;
            let support_base = base.value()?;
            if support_base == 0.0 && support_best == 0.0 {
                return None;
            }
            // An attribute no base lead holds has an unbounded lift; none is then kept only
            // when best customers hold it (the Rest base), reported as infinite.
            let lift = if support_base > 0.0 {
                support_best / support_base
            } else {
                f64::INFINITY
            };
            if lift <= 1.0 {
                return None;
            }
            let (low, high) = wilson(candidate.held_best, population.best, Z95)?;
            let ln_p = fisher::ln_upper_tail(
                population.all,
                candidate.held_all,
                population.best,
                candidate.held_best,
            );
            Some(Finding {
                support_best,
                support_base,
                held_base,
                lift,
                lift_low: divide(low, support_base),
                lift_high: divide(high, support_base),
                ln_p,
                p_value: fisher::p_of_ln(ln_p),
                p_holm: 1.0,
                candidate,
            })
        })
        .collect();
    let ln_p: Vec<f64> = findings.iter().map(|f| f.ln_p).collect();
    for (finding, adjusted) in findings.iter_mut().zip(fisher::holm(&ln_p, tried)) {
        finding.p_holm = adjusted;
    }
    findings.sort_by(|a, b| {
        a.ln_p
            .total_cmp(&b.ln_p)
            .then(b.lift.total_cmp(&a.lift))
            .then_with(|| a.candidate.field.cmp(&b.candidate.field))
            .then_with(|| a.candidate.value.cmp(&b.candidate.value))
    });
    findings
}

/// `a / b`, infinite when `b` is 0.
fn divide(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { f64::INFINITY }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(value: &str, held_best: u64, held_all: u64) -> Candidate {
        Candidate {
            field: "company.industry".into(),
            value: value.into(),
            condition: format!("company.industry has {value:?}"),
            draftable: true,
            held_best,
            held_all,
        }
    }

    #[test]
    fn rank_keeps_over_represented_attributes_most_significant_first() {
        let population = Population {
            best: 100,
            all: 1000,
            base: Base::All,
        };
        let found = rank(
            population,
            vec![
                candidate("retail", 10, 100),  // lift 1: dropped
                candidate("saas", 30, 100),    // lift 3
                candidate("fintech", 60, 100), // lift 6
            ],
            3,
        );
        let values: Vec<&str> = found.iter().map(|f| f.candidate.value.as_str()).collect();
        assert_eq!(values, ["fintech", "saas"]);
        assert!((found[0].lift - 6.0).abs() < 1e-12);
        assert!(found[0].lift_low < 6.0 && found[0].lift_high > 6.0);
        assert!(found[0].p_holm >= found[0].p_value);
    }

    #[test]
    fn the_rest_base_leaves_the_best_out() {
        let population = Population {
            best: 100,
            all: 1000,
            base: Base::Rest,
        };
        let found = rank(population, vec![candidate("fintech", 60, 150)], 1);
        assert_eq!(found[0].held_base, 90);
        assert!((found[0].support_base - 0.1).abs() < 1e-12);
    }
}
