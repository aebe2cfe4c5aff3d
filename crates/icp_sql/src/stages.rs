//! The order in which the query computes lets and quantifiers, each a column of the company
//! row before the ICPs' checks read them.
//!
//! How it works: every `any contact`, `every contact` and `count contacts` node of the rule
//! set (lets, personas, ICP conditions, decaying ages, and bodies of other quantifiers) gets a
//! column number, by node. A let depends on the lets and quantifiers its value names; a
//! quantifier on those its body names (personas written out). The steps are rounds: every
//! let whose dependencies are computed, in one `SELECT`; then every such quantifier, in one
//! aggregate over the contacts; and again, until all are computed.

use std::collections::{HashMap, HashSet};

use icp_engine::ir::{Expr, ExprKind, RuleSet};

/// One step of the query: lets computed by one `SELECT`, or quantifiers by one aggregate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Lets(Vec<usize>),
    Quantifiers(Vec<usize>),
}

/// The quantifiers of a rule set and the steps computing them and the lets.
#[derive(Debug)]
pub struct Stages<'r> {
    /// Each quantifier node, by column number.
    pub quantifiers: Vec<&'r Expr>,
    /// Node address → column number.
    pub index: HashMap<usize, usize>,
    pub steps: Vec<Step>,
}

fn is_quantifier(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::AnyContact(_) | ExprKind::EveryContact(_) | ExprKind::CountContacts(_)
    )
}

/// A quantifier's body, if it has one.
pub fn body(e: &Expr) -> Option<&Expr> {
    match &e.kind {
        ExprKind::AnyContact(b) | ExprKind::EveryContact(b) => Some(b),
        ExprKind::CountContacts(b) => b.as_deref(),
        _ => None,
    }
}

/// Every expression the rule set holds outside another: lets, personas, each ICP's requires,
/// excludes, scores, decaying ages and tiers.
pub fn roots(rules: &RuleSet) -> Vec<&Expr> {
    let mut roots: Vec<&Expr> = rules.lets.iter().map(|l| &l.value).collect();
    roots.extend(rules.personas.iter().map(|p| &p.condition));
    for icp in &rules.icps {
        let clauses = icp.requires.iter().chain(&icp.excludes);
        roots.extend(clauses.map(|c| &c.condition));
        roots.extend(icp.scores.iter().map(|s| &s.condition));
        roots.extend(
            icp.scores
                .iter()
                .filter_map(|s| s.decay.as_ref())
                .map(|d| &d.age),
        );
        roots.extend(icp.tiers.iter().filter_map(|t| t.condition.as_ref()));
    }
    roots
}

impl<'r> Stages<'r> {
    pub fn new(rules: &'r RuleSet) -> Stages<'r> {
        let mut stages = Stages {
            quantifiers: Vec::new(),
            index: HashMap::new(),
            steps: Vec::new(),
        };
        let mut personas = HashSet::new();
        for root in roots(rules) {
            stages.collect(rules, root, &mut personas);
        }
        stages.schedule(rules);
        stages
    }

    fn collect(&mut self, rules: &'r RuleSet, e: &'r Expr, personas: &mut HashSet<u32>) {
        if is_quantifier(e) {
            let key = e as *const Expr as usize;
            if !self.index.contains_key(&key) {
                self.index.insert(key, self.quantifiers.len());
                self.quantifiers.push(e);
            }
        }
        if let ExprKind::Persona(p) = e.kind
            && personas.insert(p.0)
        {
            self.collect(rules, &rules.personas[p.0 as usize].condition, personas);
        }
        e.for_each_child(|child| self.collect(rules, child, personas));
    }

    /// The lets and quantifiers `e` reads, personas written out, quantifier bodies not entered.
    fn deps(&self, rules: &'r RuleSet, e: &'r Expr, lets: &mut Vec<usize>, qs: &mut Vec<usize>) {
        match &e.kind {
            ExprKind::Let(id) => lets.push(id.0 as usize),
            ExprKind::Persona(p) => {
                self.deps(rules, &rules.personas[p.0 as usize].condition, lets, qs)
            }
            _ if is_quantifier(e) => qs.push(self.index[&(e as *const Expr as usize)]),
            _ => e.for_each_child(|child| self.deps(rules, child, lets, qs)),
        }
    }

    fn schedule(&mut self, rules: &'r RuleSet) {
        let dependencies = |e: &'r Expr| {
            let (mut lets, mut qs) = (Vec::new(), Vec::new());
            self.deps(rules, e, &mut lets, &mut qs);
            (lets, qs)
        };
        let let_deps: Vec<_> = rules.lets.iter().map(|l| dependencies(&l.value)).collect();
        let q_deps: Vec<_> = (self.quantifiers.iter())
            .map(|q| match body(q) {
                Some(b) => dependencies(b),
                None => (Vec::new(), Vec::new()),
            })
            .collect();
        let mut let_done = vec![false; let_deps.len()];
        let mut q_done = vec![false; q_deps.len()];
        let mut steps = Vec::new();
        loop {
            let ready = |deps: &(Vec<usize>, Vec<usize>), let_done: &[bool], q_done: &[bool]| {
                deps.0.iter().all(|&l| let_done[l]) && deps.1.iter().all(|&q| q_done[q])
            };
            let lets: Vec<usize> = (0..let_deps.len())
                .filter(|&i| !let_done[i] && ready(&let_deps[i], &let_done, &q_done))
                .collect();
            lets.iter().for_each(|&i| let_done[i] = true);
            let qs: Vec<usize> = (0..q_deps.len())
                .filter(|&i| !q_done[i] && ready(&q_deps[i], &let_done, &q_done))
                .collect();
            qs.iter().for_each(|&i| q_done[i] = true);
            if lets.is_empty() && qs.is_empty() {
                break;
            }
            if !lets.is_empty() {
                steps.push(Step::Lets(lets));
            }
            if !qs.is_empty() {
                steps.push(Step::Quantifiers(qs));
            }
        }
        self.steps = steps;
    }
}
