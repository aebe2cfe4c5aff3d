//! The fast evaluator: a [`Plan`] run over a [`Batch`] of leads, column by column.
//!
//! How it works: nodes are evaluated in plan order into vectors — truth vectors (a byte per
//! row, Kleene `and`/`or` as min/max), numbers (NaN where missing) or values — one entry per
//! lead or per contact. The common loops are written to run without a branch per row: text
//! tests look each distinct dictionary value up once and then map codes through a table; a
//! comparison with a constant is one loop per operator over the raw column; a quantifier (and
//! a list test) counts the true and unknown items of each lead's range from running sums
//! instead of folding each range. Nodes that read an ICP's score run once that score is
//! known. [`evaluate_columns`] (what `icp score` writes) then reads each ICP's
//! qualification, tier and the checks that failed, held, matched or came out unknown off the
//! truth vectors into [`BatchResults`] columns; [`evaluate`] builds every
//! result whole, with the same [`IcpResult::build`] the reference evaluator uses. For a
//! condition that came out unknown, the inputs whose absence made it so are found by walking
//! its nodes on that one row ([`Evaluator::missing`]): only the unknown operands are visited,
//! so both evaluators name the same inputs in the same order without evaluating anything
//! again.

use std::borrow::Cow;

use crate::batch::{Batch, Column, Dict, MISSING};
use crate::ir::{CmpOp, RuleSet};
use crate::plan::{Level, NodeId, Op, Plan, TextPred};
use crate::reference::{self, Eval};
use crate::result::{
    BatchResults, COLUMN_CHECKS, Check, IcpColumns, IcpResult, Input, LeadResult, NO_TIER, Outcome,
    add_input, best_icp, set_bits,
};
use crate::schema::{FieldId, Type, Value};
use crate::semantics::{self, Truth};

/// The value of a node over the rows of a batch.
#[derive(Debug, Clone)]
enum Vector {
    Truth(Vec<Truth>),
    /// Numbers (`len`, `count`, the score), NaN where missing: none of them is ever NaN
    /// otherwise (counts, lengths, and sums of the finite points of a rule set).
    Numbers(Vec<f64>),
    Values(Vec<Option<Value>>),
    /// The same value on every row.
    Scalar(Option<Value>),
}

impl Vector {
    fn truth(&self, row: usize) -> Truth {
        match self {
            Vector::Truth(t) => t[row],
            // A number is not a truth (as `value_truth` says of any other value).
            Vector::Numbers(n) => Truth::known_if(!n[row].is_nan(), false),
            Vector::Values(v) => value_truth(&v[row]),
            Vector::Scalar(v) => value_truth(v),
        }
    }

    fn value(&self, row: usize) -> Option<Value> {
        match self {
            Vector::Truth(t) => match t[row] {
                Truth::True => Some(Value::Bool(true)),
                Truth::False => Some(Value::Bool(false)),
                Truth::Unknown => None,
            },
            Vector::Numbers(n) => (!n[row].is_nan()).then_some(Value::Number(n[row])),
            Vector::Values(v) => v[row].clone(),
            Vector::Scalar(v) => v.clone(),
        }
    }
}

fn value_truth(v: &Option<Value>) -> Truth {
    match v {
        Some(Value::Bool(b)) => Truth::from_bool(*b),
        Some(_) => Truth::False,
        None => Truth::Unknown,
    }
}

/// Evaluates a batch of leads against every ICP of the rule set; `detail` adds the per-check
/// explanation to each result (see [`IcpResult::build`]) and the personas of each contact
/// (left empty without it).
pub fn evaluate<'r>(
    rules: &'r RuleSet,
    plan: &Plan,
    batch: &Batch,
    today: i32,
    detail: bool,
) -> Vec<LeadResult<'r>> {
    let ev = Evaluator::run_all(rules, plan, batch, today);
    let decided = Decided::new(&ev);
    (0..batch.len())
        .map(|row| {
            let icps: Vec<IcpResult> = (0..plan.icps.len())
                .map(|i| decided.build_result(i, row, detail))
                .collect();
            // Only an explanation shows the personas.
            let contacts = if detail { batch.contacts_of(row) } else { 0..0 };
            let personas = contacts
                .map(|c| {
                    rules
                        .personas
                        .iter()
                        .zip(&plan.personas)
                        .filter(|(_, n)| ev.vector(**n).truth(c) == Truth::True)
                        .map(|(p, _)| p.name.clone())
                        .collect()
                })
                .collect();
            LeadResult {
                best: best_icp(&icps),
                icps,
                personas,
            }
        })
        .collect()
}

/// Evaluates a batch of leads against every ICP of the rule set into columns (what `icp
/// score` writes without `--explain`): each lead and ICP is a few numbers and bit sets read
/// straight off the truth vectors, and the checks that came out unknown with their missing
/// inputs ([`Evaluator::missing`]). Only an ICP with more than [`COLUMN_CHECKS`] checks of a
/// kind has its results built whole, as [`evaluate`] builds them. The same results as
/// [`evaluate`] without `detail`.
pub fn evaluate_columns<'r>(
    rules: &'r RuleSet,
    plan: &Plan,
    batch: &Batch,
    today: i32,
) -> BatchResults<'r> {
    let ev = Evaluator::run_all(rules, plan, batch, today);
    let decided = Decided::new(&ev);
    let leads = batch.len();
    let mut results = BatchResults::new(rules, leads);
    for (i, icp) in rules.icps.iter().enumerate() {
        let [requires, excludes, gains] = &decided.conditions[i];
        if [requires.len(), excludes.len(), gains.len()]
            .iter()
            .any(|n| *n > COLUMN_CHECKS)
        {
            for row in 0..leads {
                results.keep(row, i, decided.build_result(i, row, false));
            }
            results.push_columns(IcpColumns::default());
            continue;
        }
        // Each lead's bits: the conditions that are `set`, and those that are unknown. Eight
        // conditions at a time are gathered in a byte per lead (a byte loop the compiler
        // runs sixteen leads to an instruction), then moved into the lead's word; the first
        // group's bytes make the words (no zeroed vector to add them to).
        let bit_words = |conditions: &[Cow<[Truth]>], set: Truth| {
            if conditions.is_empty() {
                return (vec![0u64; leads], vec![0u64; leads]);
            }
            let (mut words, mut unknown) = (Vec::new(), Vec::new());
            let mut set_bytes = vec![0u8; leads];
            let mut unknown_bytes = vec![0u8; leads];
            for (g, group) in conditions.chunks(8).enumerate() {
                set_bytes.fill(0);
                unknown_bytes.fill(0);
                for (c, truths) in group.iter().enumerate() {
                    let bit = 1u8 << c;
                    let bytes = set_bytes.iter_mut().zip(&mut unknown_bytes);
                    for ((s, u), t) in bytes.zip(&truths[..leads]) {
                        *s |= 0u8.wrapping_sub(u8::from(*t == set)) & bit;
                        *u |= 0u8.wrapping_sub(u8::from(*t == Truth::Unknown)) & bit;
                    }
                }
                if g == 0 {
                    words = set_bytes.iter().map(|b| u64::from(*b)).collect();
                    unknown = unknown_bytes.iter().map(|b| u64::from(*b)).collect();
                    continue;
                }
                let shift = 8 * g;
                for (w, b) in words.iter_mut().zip(&set_bytes) {
                    *w |= u64::from(*b) << shift;
                }
                for (w, b) in unknown.iter_mut().zip(&unknown_bytes) {
                    *w |= u64::from(*b) << shift;
                }
            }
            (words, unknown)
        };
        let (failed, unknown_requires) = bit_words(requires, Truth::False);
        let (excluded, unknown_excludes) = bit_words(excludes, Truth::True);
        let (matched, unknown_scores) = bit_words(gains, Truth::True);
        let mut columns = IcpColumns {
            score: decided.ev.scores[i].clone(),
            tiers: vec![NO_TIER; leads],
            unknown_end: Vec::with_capacity(leads),
            failed,
            excluded,
            matched,
            ..IcpColumns::default()
        };
        let plan = &plan.icps[i];
        let tiers: Vec<Option<&[Truth]>> = decided.tiers[i].iter().map(|t| t.as_deref()).collect();
        for row in 0..leads {
            // The unknown checks in the order `IcpResult::build` asks for them.
            if unknown_requires[row] | unknown_excludes[row] | unknown_scores[row] != 0 {
                let kinds = [
                    (
                        unknown_requires[row],
                        &plan.requires,
                        Check::Require as fn(usize) -> Check,
                    ),
                    (unknown_excludes[row], &plan.excludes, Check::Exclude),
                    (unknown_scores[row], &plan.scores, Check::Score),
                ];
                for (bits, nodes, check) in kinds {
                    for c in set_bits(bits) {
                        let missing = |inputs: &mut Vec<Input>| ev.missing(nodes[c], row, inputs);
                        columns.note_unknown(check(c), missing);
                    }
                }
            }
            // Tiers in order on qualified leads: the first that holds; an unknown one does
            // not match.
            if columns.failed[row] | columns.excluded[row] | unknown_requires[row] == 0 {
                for (t, (truths, node)) in tiers.iter().zip(&plan.tiers).enumerate() {
                    match (truths.map_or(Truth::True, |v| v[row]), node) {
                        (Truth::True, _) => {
                            columns.tiers[row] = t as u32;
                            break;
                        }
                        (Truth::Unknown, Some(node)) => {
                            let missing = |inputs: &mut Vec<Input>| ev.missing(*node, row, inputs);
                            columns.note_unknown(Check::Tier(t), missing);
                        }
                        _ => {}
                    }
                }
            }
            columns.unknown_end.push(columns.unknown.len() as u32);
        }
        if columns.unknown.is_empty() {
            columns.unknown_end = Vec::new();
        }
        debug_assert!(icp.tiers.len() < NO_TIER as usize);
        results.push_columns(columns);
    }
    results.choose_best();
    results
}

/// What the evaluator decided for a batch, per ICP: the score of each lead and the truth of
/// every `require`, `exclude` and `score` and of each tier condition (`None`: a tier without
/// one) on every lead.
struct Decided<'e, 'r> {
    ev: &'e Evaluator<'e, 'r>,
    conditions: Vec<[Vec<Cow<'e, [Truth]>>; 3]>,
    tiers: Vec<Vec<Option<Cow<'e, [Truth]>>>>,
}

impl<'e, 'r> Decided<'e, 'r> {
    fn new(ev: &'e Evaluator<'e, 'r>) -> Decided<'e, 'r> {
        let plan = ev.plan;
        let conditions = plan
            .icps
            .iter()
            .map(|p| {
                [&p.requires, &p.excludes, &p.scores]
                    .map(|nodes| nodes.iter().map(|n| ev.truths(*n)).collect())
            })
            .collect();
        let tiers = plan
            .icps
            .iter()
            .map(|p| p.tiers.iter().map(|t| t.map(|n| ev.truths(n))).collect())
            .collect();
        Decided {
            ev,
            conditions,
            tiers,
        }
    }

    /// The whole result of lead `row` against ICP `i`, built by [`IcpResult::build`] from the
    /// decided truths; a condition that came out unknown names the inputs whose absence made
    /// it so from the vectors ([`Evaluator::missing`]).
    fn build_result(&self, i: usize, row: usize, detail: bool) -> IcpResult<'r> {
        let [requires, excludes, gains] = &self.conditions[i];
        let icp = &self.ev.plan.icps[i];
        IcpResult::build(self.ev.rules, i, detail, |check, _, _| {
            let (truth, node) = match check {
                Check::Require(c) => (requires[c][row], icp.requires[c]),
                Check::Exclude(c) => (excludes[c][row], icp.excludes[c]),
                Check::Score(c) => (gains[c][row], icp.scores[c]),
                // `build` asks only for a tier with a condition, which has its node.
                Check::Tier(t) => match (&self.tiers[i][t], icp.tiers[t]) {
                    (Some(truths), Some(node)) => (truths[row], node),
                    _ => return Outcome::known(Truth::True),
                },
            };
            match truth {
                Truth::Unknown => {
                    let mut missing = Vec::new();
                    self.ev.missing(node, row, &mut missing);
                    Outcome { truth, missing }
                }
                truth => Outcome::known(truth),
            }
        })
    }
}

/// The vectors of a plan's nodes over one batch (the rule set borrowed for `'r`, as long as
/// the results live; the plan and batch for `'a`).
struct Evaluator<'a, 'r> {
    rules: &'r RuleSet,
    plan: &'a Plan,
    batch: &'a Batch,
    today: i32,
    /// For each contact row, the lead it belongs to (empty when no node broadcasts).
    contact_lead: Vec<usize>,
    /// Rows at each level: leads, contacts.
    rows: [usize; 2],
    vectors: Vec<Option<Vector>>,
    /// Per ICP, each lead's score.
    scores: Vec<Vec<f64>>,
}

impl<'a, 'r> Evaluator<'a, 'r> {
    /// Runs every node of `plan` over `batch`: first those that do not read a score, then per
    /// ICP its score and the nodes that read it (the tiers).
    fn run_all(rules: &'r RuleSet, plan: &'a Plan, batch: &'a Batch, today: i32) -> Self {
        let leads = batch.len();
        let contacts = batch.contact_count();
        // Only a broadcast needs it.
        let mut contact_lead = Vec::new();
        if plan.nodes.iter().any(|n| matches!(n.op, Op::Broadcast(_))) {
            contact_lead.reserve_exact(contacts);
            for lead in 0..leads {
                contact_lead.extend(batch.contacts_of(lead).map(|_| lead));
            }
        }
        let mut ev = Evaluator {
            rules,
            plan,
            batch,
            today,
            contact_lead,
            rows: [leads, contacts],
            vectors: vec![None; plan.nodes.len()],
            scores: Vec::with_capacity(plan.icps.len()),
        };
        for (i, node) in plan.nodes.iter().enumerate() {
            if node.score_of.is_none() {
                ev.run(NodeId(i as u32), None);
            }
        }
        for (icp_index, icp_plan) in plan.icps.iter().enumerate() {
            let icp = &rules.icps[icp_index];
            let score = {
                let truths: Vec<_> = icp_plan.scores.iter().map(|n| ev.truths(*n)).collect();
                let slices: Vec<&[Truth]> = truths.iter().map(|t| &**t).collect();
                crate::result::icp_scores(icp, leads, &slices)
            };
            for (i, node) in plan.nodes.iter().enumerate() {
                if node.score_of == Some(icp_index) {
                    ev.run(NodeId(i as u32), Some(&score));
                }
            }
            ev.scores.push(score);
        }
        ev
    }

    /// Adds to `out` the inputs whose absence left node `id` unknown on row `row` (nothing
    /// when it is known), in the order the reference evaluator lists them: a field read or
    /// tested is its own input; an operator, `and`/`or` and a quantifier merge the inputs of
    /// their unknown operands (contacts in order), as [`reference::logic`] and
    /// [`reference::apply`] do. A known operand adds nothing, so `and`/`or` keep only the
    /// operands that left them unknown, and an unknown arithmetic result over known operands
    /// (a division by zero) names none. `count` and `is missing` are always known.
    fn missing(&self, id: NodeId, row: usize, out: &mut Vec<Input>) {
        let from = out.len();
        self.missing_after(id, row, out, from);
    }

    /// [`Evaluator::missing`] into `out[from..]`.
    fn missing_after(&self, id: NodeId, row: usize, out: &mut Vec<Input>, from: usize) {
        if self.vector(id).truth(row) != Truth::Unknown {
            return;
        }
        let mut add = |input: Input| add_input(out, from, input);
        let field = |field: FieldId, contact: bool| {
            if contact {
                Input::ContactField(field)
            } else {
                Input::Field(field)
            }
        };
        match &self.plan.node(id).op {
            Op::Field(f) => add(Input::Field(*f)),
            Op::ContactField(f) => add(Input::ContactField(*f)),
            Op::Signal(s) | Op::SignalCmp { call: s, .. } => add(Input::Signal(*s)),
            Op::Text {
                field: f, contact, ..
            }
            | Op::HasAll {
                field: f, contact, ..
            }
            | Op::Cmp {
                field: f, contact, ..
            }
            | Op::Len { field: f, contact } => add(field(*f, *contact)),
            Op::NumCmp { input: x, .. } | Op::Not(x) => self.missing_after(*x, row, out, from),
            Op::And(a, b) | Op::Or(a, b) => {
                self.missing_after(*a, row, out, from);
                self.missing_after(*b, row, out, from);
            }
            Op::Broadcast(x) => self.missing_after(*x, self.contact_lead[row], out, from),
            Op::Any(body) | Op::Every(body) => {
                for c in self.batch.contacts_of(row) {
                    self.missing_after(*body, c, out, from);
                }
            }
            Op::Apply { args, .. } => {
                for a in args {
                    self.missing_after(*a, row, out, from);
                }
            }
            Op::Const(_) | Op::Today | Op::Score | Op::Present { .. } | Op::Count(_) => {}
        }
    }

    fn vector(&self, id: NodeId) -> &Vector {
        self.vectors[id.0 as usize]
            .as_ref()
            .unwrap_or(&Vector::Scalar(None))
    }

    /// The truth of node `id` on every row: its own vector when it computed truths.
    fn truths(&self, id: NodeId) -> Cow<'_, [Truth]> {
        match self.vector(id) {
            Vector::Truth(t) => Cow::Borrowed(t),
            v => Cow::Owned(
                (0..self.rows(self.plan.node(id).level))
                    .map(|r| v.truth(r))
                    .collect(),
            ),
        }
    }

    fn rows(&self, level: Level) -> usize {
        match level {
            Level::Lead => self.rows[0],
            Level::Contact => self.rows[1],
        }
    }

    fn run(&mut self, id: NodeId, score: Option<&[f64]>) {
        let node = self.plan.node(id);
        let rows = self.rows(node.level);
        let columns = |contact: bool| {
            if contact {
                &self.batch.contacts
            } else {
                &self.batch.company
            }
        };
        let vector = match &node.op {
            Op::Const(v) => Vector::Scalar(Some(v.clone())),
            Op::Today => Vector::Scalar(Some(Value::Date(self.today))),
            Op::Score => Vector::Numbers(score.unwrap_or(&[]).to_vec()),
            Op::Field(f) => column_values(&self.batch.company[f.0 as usize], rows),
            Op::ContactField(f) => column_values(&self.batch.contacts[f.0 as usize], rows),
            Op::Signal(s) => match self.batch.signals.get(s.0 as usize) {
                Some(column) => column_values(column, rows),
                None => Vector::Scalar(None),
            },
            Op::Text {
                field,
                contact,
                pred,
                negate,
            } => {
                let country = self.rules.schema.field(*field).is_country();
                text_test(
                    &columns(*contact)[field.0 as usize],
                    rows,
                    |dict| {
                        dict.values()
                            .map(|v| pred_holds(self.rules, pred, v, country))
                            .collect()
                    },
                    *negate,
                )
            }
            Op::HasAll {
                field,
                contact,
                keys,
            } => {
                let country = self.rules.schema.field(*field).is_country();
                has_all(&columns(*contact)[field.0 as usize], rows, keys, country)
            }
            Op::Cmp {
                field,
                contact,
                op,
                value,
            } => compare(&columns(*contact)[field.0 as usize], rows, *op, value),
            Op::SignalCmp { call, op, value } => match self.batch.signals.get(call.0 as usize) {
                Some(column) => compare(column, rows, *op, value),
                None => Vector::Truth(vec![Truth::Unknown; rows]),
            },
            Op::Len { field, contact } => length(&columns(*contact)[field.0 as usize], rows),
            Op::NumCmp { input, op, value } => {
                let truth = |x: Option<&Value>| match (x, value) {
                    (None, _) => Truth::Unknown,
                    (Some(Value::Number(n)), Value::Number(c)) => {
                        Truth::from_bool(n.partial_cmp(c).is_some_and(|o| op.holds(o)))
                    }
                    (Some(other), _) => {
                        Truth::from_bool(reference::compare(*op, other, value, false))
                    }
                };
                Vector::Truth(match self.vector(*input) {
                    Vector::Numbers(numbers) if let Value::Number(c) = value => {
                        compare_each(&numbers[..rows], *op, c, |n, holds| {
                            Truth::known_if(!n.is_nan(), holds)
                        })
                    }
                    v @ Vector::Numbers(_) => {
                        (0..rows).map(|r| truth(v.value(r).as_ref())).collect()
                    }
                    Vector::Values(values) => {
                        values[..rows].iter().map(|x| truth(x.as_ref())).collect()
                    }
                    Vector::Scalar(x) => vec![truth(x.as_ref()); rows],
                    v @ Vector::Truth(_) => (0..rows).map(|r| truth(v.value(r).as_ref())).collect(),
                })
            }
            Op::Present { input, present } => {
                let v = self.vector(*input);
                Vector::Truth(
                    (0..rows)
                        .map(|r| Truth::from_bool(v.value(r).is_some() == *present))
                        .collect(),
                )
            }
            // Logic over truth slices (borrowed when the operands are truth vectors).
            Op::Not(x) => Vector::Truth(self.truths(*x)[..rows].iter().map(|t| !*t).collect()),
            Op::And(a, b) | Op::Or(a, b) => {
                let (x, y) = (self.truths(*a), self.truths(*b));
                let pairs = x[..rows].iter().zip(&y[..rows]);
                Vector::Truth(if matches!(node.op, Op::And(..)) {
                    pairs.map(|(x, y)| x.and(*y)).collect()
                } else {
                    pairs.map(|(x, y)| x.or(*y)).collect()
                })
            }
            Op::Broadcast(x) => {
                let v = self.vector(*x);
                match v {
                    Vector::Scalar(s) => Vector::Scalar(s.clone()),
                    Vector::Truth(t) => {
                        Vector::Truth(self.contact_lead.iter().map(|l| t[*l]).collect())
                    }
                    Vector::Numbers(n) => {
                        Vector::Numbers(self.contact_lead.iter().map(|l| n[*l]).collect())
                    }
                    Vector::Values(vals) => {
                        Vector::Values(self.contact_lead.iter().map(|l| vals[*l].clone()).collect())
                    }
                }
            }
            // Each lead's contacts are a range of the contact rows, counted without a loop
            // per lead (`range_counts`): `any` is true when a contact is true, else unknown
            // when one is unknown, else false (over none too); `every` the other way round.
            Op::Any(body) | Op::Every(body) => {
                let every = matches!(node.op, Op::Every(_));
                let decisive = Truth::from_bool(!every);
                let v = self.truths(*body);
                let offsets = &self.batch.contact_offsets[..=rows];
                let decided = range_counts(offsets, v.iter().map(|t| *t == decisive));
                let unknown = range_counts(offsets, v.iter().map(|t| *t == Truth::Unknown));
                Vector::Truth(
                    (decided.iter().zip(&unknown))
                        .map(|(d, u)| match (*d > 0, *u > 0) {
                            (true, _) => decisive,
                            (false, true) => Truth::Unknown,
                            (false, false) => !decisive,
                        })
                        .collect(),
                )
            }
            Op::Count(filter) => {
                let offsets = &self.batch.contact_offsets[..=rows];
                let counts = match filter {
                    None => offsets.windows(2).map(|w| w[1] - w[0]).collect(),
                    Some(f) => {
                        let t = self.truths(*f);
                        range_counts(offsets, t.iter().map(|t| *t == Truth::True))
                    }
                };
                Vector::Numbers(counts.iter().map(|n| f64::from(*n)).collect())
            }
            Op::Apply { expr, args } => {
                let args: Vec<&Vector> = args.iter().map(|a| self.vector(*a)).collect();
                let out: Vec<Option<Value>> = (0..rows)
                    .map(|r| {
                        let values = args
                            .iter()
                            .map(|a| match a.value(r) {
                                Some(v) => Eval::Known(v),
                                None => Eval::Unknown(Vec::new()),
                            })
                            .collect();
                        match reference::apply(self.rules, expr, values, self.today) {
                            Eval::Known(v) => Some(v),
                            Eval::Unknown(_) => None,
                        }
                    })
                    .collect();
                if node.ty == Type::BOOL {
                    Vector::Truth(out.iter().map(value_truth).collect())
                } else {
                    Vector::Values(out)
                }
            }
        };
        self.vectors[id.0 as usize] = Some(vector);
    }
}

/// `len` of each row of a text or text-list column: the number of items of a list, of
/// characters of a text (counted once per distinct value).
fn length(column: &Column, rows: usize) -> Vector {
    let missing = f64::NAN;
    Vector::Numbers(match column {
        Column::TextList { offsets, valid, .. } => (offsets[..=rows].windows(2).zip(valid))
            .map(|(w, valid)| {
                if *valid {
                    (w[1] - w[0]) as f64
                } else {
                    missing
                }
            })
            .collect(),
        Column::Text { codes, dict } => {
            // The length of each code's text, then NaN for a missing value's code.
            let mut chars: Vec<f64> = dict.values().map(|v| v.chars().count() as f64).collect();
            let last = chars.len();
            chars.push(missing);
            codes[..rows]
                .iter()
                .map(|c| chars[(*c as usize).min(last)])
                .collect()
        }
        column => (0..rows)
            .map(|r| match column.get(r) {
                Some(Value::List(items)) => items.len() as f64,
                Some(Value::String(s)) => s.chars().count() as f64,
                _ => missing,
            })
            .collect(),
    })
}

fn column_values(column: &Column, rows: usize) -> Vector {
    Vector::Values((0..rows).map(|r| column.get(r)).collect())
}

fn pred_holds(rules: &RuleSet, pred: &TextPred, value: &str, country: bool) -> bool {
    match pred {
        TextPred::Keys(keys) => {
            let k = semantics::key(value, country);
            keys.contains(&k)
        }
        TextPred::Contains(n) => reference::text_test(false, value, n),
        TextPred::StartsWith(n) => reference::text_test(true, value, n),
        TextPred::Matches(re) => rules.regexes[re.0 as usize].regex.is_match(value),
    }
}

/// For each range `offsets[i]..offsets[i + 1]` of a sequence, how many of its items are
/// `true`: one pass adding up the items, one taking the difference of the sums at each
/// range's ends, so a lead with many contacts (or a list with many items) costs no more
/// branches than one with none.
fn range_counts(offsets: &[u32], items: impl Iterator<Item = bool>) -> Vec<u32> {
    let items_len = offsets.last().map_or(0, |n| *n as usize);
    let mut sums = Vec::with_capacity(items_len + 1);
    let mut sum = 0u32;
    sums.push(sum);
    sums.extend(items.take(items_len).map(|item| {
        sum += u32::from(item);
        sum
    }));
    sums.resize(items_len + 1, sum);
    offsets
        .windows(2)
        .map(|w| sums[w[1] as usize] - sums[w[0] as usize])
        .collect()
}

/// A predicate on a text or text-list column, decided once per distinct value.
fn text_test(
    column: &Column,
    rows: usize,
    hits: impl Fn(&Dict) -> Vec<bool>,
    negate: bool,
) -> Vector {
    match column {
        Column::Text { codes, dict } => {
            // The truth of each code, then unknown for a missing value, whose code
            // (`MISSING`) is past the end: every code is clamped to that last entry.
            let mut truths: Vec<Truth> = hits(dict)
                .iter()
                .map(|hit| Truth::from_bool(*hit != negate))
                .collect();
            let last = truths.len();
            truths.push(Truth::Unknown);
            debug_assert!(MISSING as usize >= last);
            Vector::Truth(
                codes[..rows]
                    .iter()
                    .map(|c| truths[(*c as usize).min(last)])
                    .collect(),
            )
        }
        Column::TextList {
            offsets,
            codes,
            valid,
            dict,
        } => {
            let hit = hits(dict);
            let offsets = &offsets[..=rows];
            let items = &codes[..offsets[rows] as usize];
            let hits = range_counts(offsets, items.iter().map(|c| hit[*c as usize]));
            Vector::Truth(
                (hits.iter().zip(valid))
                    .map(|(n, valid)| Truth::known_if(*valid, (*n > 0) != negate))
                    .collect(),
            )
        }
        _ => Vector::Truth(vec![Truth::Unknown; rows]),
    }
}

fn has_all(column: &Column, rows: usize, keys: &[String], country: bool) -> Vector {
    let Column::TextList {
        offsets,
        codes,
        valid,
        dict,
    } = column
    else {
        return Vector::Truth(vec![Truth::Unknown; rows]);
    };
    // For each wanted key, which dictionary codes carry it.
    let dict_keys: Vec<String> = dict.values().map(|v| semantics::key(v, country)).collect();
    Vector::Truth(
        (0..rows)
            .map(|r| {
                if !valid[r] {
                    return Truth::Unknown;
                }
                let row = &codes[offsets[r] as usize..offsets[r + 1] as usize];
                Truth::from_bool(
                    keys.iter()
                        .all(|k| row.iter().any(|c| dict_keys[*c as usize] == *k)),
                )
            })
            .collect(),
    )
}

/// A column compared with a constant, row by row: unknown where the value is missing. Number,
/// duration and date columns against a constant of their own type are read in place; any
/// other pairing is compared as the reference evaluator compares.
fn compare(column: &Column, rows: usize, op: CmpOp, value: &Value) -> Vector {
    fn each<T: PartialOrd + Copy>(values: &[T], valid: &[bool], op: CmpOp, c: &T) -> Vector {
        let mut truths = compare_each(values, op, c, |_, holds| Truth::from_bool(holds));
        // Unknown where the value is missing.
        for (t, valid) in truths.iter_mut().zip(valid) {
            *t = Truth::known_if(*valid, *t == Truth::True);
        }
        Vector::Truth(truths)
    }
    match (column, value) {
        (Column::Number { values, valid }, Value::Number(c))
        | (Column::Duration { values, valid }, Value::Duration(c)) => {
            each(&values[..rows], &valid[..rows], op, c)
        }
        (Column::Date { values, valid }, Value::Date(c)) => {
            each(&values[..rows], &valid[..rows], op, c)
        }
        _ => Vector::Truth(
            (0..rows)
                .map(|r| match column.get(r) {
                    None => Truth::Unknown,
                    Some(v) => Truth::from_bool(reference::compare(op, &v, value, false)),
                })
                .collect(),
        ),
    }
}

/// `v op c` for each value `v`, made a truth by `truth(v, holds)`: one loop per operator, so
/// the operator is not matched again for every value. As `CmpOp::holds` on `partial_cmp`:
/// nothing holds of an unordered pair (`!=` included).
fn compare_each<T: PartialOrd + Copy>(
    values: &[T],
    op: CmpOp,
    c: &T,
    truth: impl Fn(T, bool) -> Truth,
) -> Vec<Truth> {
    use std::cmp::Ordering::{Greater, Less};
    fn each<T: Copy>(
        values: &[T],
        holds: impl Fn(&T) -> bool,
        truth: impl Fn(T, bool) -> Truth,
    ) -> Vec<Truth> {
        values.iter().map(|v| truth(*v, holds(v))).collect()
    }
    match op {
        CmpOp::Eq => each(values, |v| v == c, truth),
        // Not `v != c`, which holds of NaN.
        CmpOp::Ne => each(
            values,
            |v| matches!(v.partial_cmp(c), Some(Less | Greater)),
            truth,
        ),
        CmpOp::Lt => each(values, |v| v < c, truth),
        CmpOp::Le => each(values, |v| v <= c, truth),
        CmpOp::Gt => each(values, |v| v > c, truth),
        CmpOp::Ge => each(values, |v| v >= c, truth),
    }
}
