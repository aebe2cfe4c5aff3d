//! The vectors of a plan's nodes over one batch, computed node by node in plan order.
//!
//! How it works: [`Evaluator::run_all`] runs each node once into a [`Vector`] (truths, numbers
//! with NaN where missing, values, or one value for every row), the nodes that read an ICP's
//! score once that score is summed. A number field or signal is read into numbers (the
//! numeric lane, [`arith`](super::arith), where number arithmetic runs too), any other field
//! into values; a text test, comparison or quantifier is handed to its loop
//! ([`text`](super::text), [`compare`](super::compare), [`quantifiers`](super::quantifiers));
//! `and`/`or`/`not` work on truth slices, borrowed when their operands are truth vectors;
//! operators the plan does not specialise are applied row by row with the reference
//! evaluator's `apply`, a missing operand passed to it as unknown.
//! [`Evaluator::missing`] walks a node's unknown operands on one row to name the inputs whose
//! absence made it unknown, each node shared by several parents (a let used twice) at most
//! once per row, so the walk costs time linear in the plan, never in the expanded rules.

use std::borrow::Cow;
use std::collections::HashSet;

use super::arith::number_arith;
use super::compare::{compare, compare_each};
use super::quantifiers::{any_or_every, count};
use super::text::{has_all, length, pred_holds, ranks, text_test};
use crate::batch::{Batch, Column};
use crate::eval::AsOf;
use crate::eval::reference::{self, Eval};
use crate::ir::RuleSet;
use crate::plan::{Level, NodeId, Op, Plan};
use crate::result::{Input, add_input};
use crate::schema::{FieldId, Type, Value};
use crate::semantics::Truth;

/// The value of a node over the rows of a batch.
#[derive(Debug, Clone)]
pub(super) enum Vector {
    Truth(Vec<Truth>),
    /// Numbers (number fields and signals, arithmetic over them, `len`, `count`, the
    /// score), NaN where missing: none of them is ever NaN otherwise (a batch's number
    /// columns hold finite numbers only, arithmetic makes a result that is not finite
    /// unknown, counts, lengths and sums of the finite points of a rule set are finite).
    Numbers(Vec<f64>),
    Values(Vec<Option<Value>>),
    /// The same value on every row.
    Scalar(Option<Value>),
}

impl Vector {
    pub(super) fn truth(&self, row: usize) -> Truth {
        match self {
            Vector::Truth(t) => t[row],
            // A number is not a truth (as `value_truth` says of any other value).
            Vector::Numbers(n) => Truth::known_if(!n[row].is_nan(), false),
            Vector::Values(v) => value_truth(&v[row]),
            Vector::Scalar(v) => value_truth(v),
        }
    }

    pub(super) fn value(&self, row: usize) -> Option<Value> {
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

/// The vectors of a plan's nodes over one batch (the rule set borrowed for `'r`, as long as
/// the results live; the plan and batch for `'a`).
pub(super) struct Evaluator<'a, 'r> {
    pub(super) rules: &'r RuleSet,
    pub(super) plan: &'a Plan,
    batch: &'a Batch,
    /// The date each lead is evaluated as of (`today`, `days_since`).
    today: AsOf<'a>,
    /// For each contact row, the lead it belongs to (empty when no node broadcasts and every
    /// lead has the same date).
    contact_lead: Vec<usize>,
    /// Rows at each level: leads, contacts.
    rows: [usize; 2],
    vectors: Vec<Option<Vector>>,
    /// Per ICP, each lead's score.
    pub(super) scores: Vec<Vec<f64>>,
    /// Per node, whether it is the operand of more than one node (see [`Plan::shared`]).
    shared: Vec<bool>,
}

impl<'a, 'r> Evaluator<'a, 'r> {
    /// Runs every node of `plan` over `batch`: first those that do not read a score, then per
    /// ICP its score and the nodes that read it (the tiers).
    pub(super) fn run_all(
        rules: &'r RuleSet,
        plan: &'a Plan,
        batch: &'a Batch,
        today: AsOf<'a>,
    ) -> Self {
        let leads = batch.len();
        let contacts = batch.contact_count();
        if let AsOf::PerLead(dates) = today {
            assert_eq!(dates.len(), leads, "one date per lead of the batch");
        }
        // Only a broadcast, or a date per lead read on a contact's row, needs it.
        let mut contact_lead = Vec::new();
        let per_lead = matches!(today, AsOf::PerLead(_));
        if per_lead || plan.nodes.iter().any(|n| matches!(n.op, Op::Broadcast(_))) {
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
            shared: plan.shared(),
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
                let ages: Vec<Option<Vec<f64>>> = icp_plan
                    .ages
                    .iter()
                    .map(|a| a.map(|node| ev.ages(node, leads)))
                    .collect();
                crate::result::icp_scores(icp, leads, &slices, &ages)
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
    pub(super) fn missing(&self, id: NodeId, row: usize, out: &mut Vec<Input>) {
        let mut walk = MissingWalk {
            from: out.len(),
            out,
            visited: HashSet::new(),
        };
        self.missing_after(id, row, &mut walk);
    }

    /// [`Evaluator::missing`] into `walk.out[walk.from..]`. A shared node is walked once per
    /// row: a second walk would add nothing, its inputs are in the list already.
    fn missing_after(&self, id: NodeId, row: usize, walk: &mut MissingWalk<'_>) {
        if self.vector(id).truth(row) != Truth::Unknown {
            return;
        }
        if self.shared[id.0 as usize] && !walk.visited.insert((id, row)) {
            return;
        }
        let (out, from) = (&mut *walk.out, walk.from);
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
            // Unknown because the value is missing, or (naming nothing) not in the order.
            Op::Rank {
                field: f, contact, ..
            } => {
                let columns = if *contact {
                    &self.batch.contacts
                } else {
                    &self.batch.company
                };
                if columns[f.0 as usize].get(row).is_none() {
                    add(field(*f, *contact));
                }
            }
            Op::NumCmp { input: x, .. } | Op::Not(x) => self.missing_after(*x, row, walk),
            Op::And(a, b) | Op::Or(a, b) => {
                self.missing_after(*a, row, walk);
                self.missing_after(*b, row, walk);
            }
            Op::Broadcast(x) => self.missing_after(*x, self.contact_lead[row], walk),
            Op::Any(body) | Op::Every(body) => {
                for c in self.batch.contacts_of(row) {
                    self.missing_after(*body, c, walk);
                }
            }
            Op::Apply { args, .. } => {
                for a in args {
                    self.missing_after(*a, row, walk);
                }
            }
            Op::Const(_) | Op::Today | Op::Score | Op::Present { .. } | Op::Count(_) => {}
        }
    }

    /// The age of a decaying score on each of `rows` leads, in days (NaN where unknown).
    pub(super) fn ages(&self, id: NodeId, rows: usize) -> Vec<f64> {
        (0..rows).map(|r| self.age(id, r)).collect()
    }

    /// The age of a decaying score on lead `row`, in days (NaN where unknown).
    pub(super) fn age(&self, id: NodeId, row: usize) -> f64 {
        let value = self.vector(id).value(row);
        reference::age(value.map_or(Eval::Unknown(Vec::new()), Eval::Known))
    }

    pub(super) fn vector(&self, id: NodeId) -> &Vector {
        self.vectors[id.0 as usize]
            .as_ref()
            .unwrap_or(&Vector::Scalar(None))
    }

    /// The truth of node `id` on every row: its own vector when it computed truths.
    pub(super) fn truths(&self, id: NodeId) -> Cow<'_, [Truth]> {
        match self.vector(id) {
            Vector::Truth(t) => Cow::Borrowed(t),
            v => Cow::Owned(
                (0..self.rows(self.plan.node(id).level))
                    .map(|r| v.truth(r))
                    .collect(),
            ),
        }
    }

    /// The number of leads in the batch.
    pub(super) fn leads(&self) -> usize {
        self.rows[0]
    }

    /// The date row `row` of a node at `level` is evaluated as of: its lead's.
    fn today_of(&self, level: Level, row: usize) -> i32 {
        match (self.today, level) {
            (AsOf::Date(today), _) => today,
            (AsOf::PerLead(dates), Level::Lead) => dates[row],
            (AsOf::PerLead(dates), Level::Contact) => dates[self.contact_lead[row]],
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
            Op::Today => match self.today {
                AsOf::Date(today) => Vector::Scalar(Some(Value::Date(today))),
                AsOf::PerLead(dates) => {
                    Vector::Values(dates.iter().map(|d| Some(Value::Date(*d))).collect())
                }
            },
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
            Op::Rank {
                field,
                contact,
                order,
            } => ranks(
                &columns(*contact)[field.0 as usize],
                rows,
                self.rules.schema.orders().get(*order),
            ),
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
            // per lead.
            Op::Any(body) | Op::Every(body) => {
                let every = matches!(node.op, Op::Every(_));
                let offsets = &self.batch.contact_offsets[..=rows];
                any_or_every(offsets, &self.truths(*body), every)
            }
            Op::Count(filter) => {
                let offsets = &self.batch.contact_offsets[..=rows];
                count(offsets, filter.map(|f| self.truths(f)).as_deref())
            }
            Op::Apply { expr, args } => {
                let args: Vec<&Vector> = args.iter().map(|a| self.vector(*a)).collect();
                if let Some(numbers) = number_arith(expr, &args, rows) {
                    self.vectors[id.0 as usize] = Some(numbers);
                    return;
                }
                let out: Vec<Option<Value>> = (0..rows)
                    .map(|r| {
                        let values = args
                            .iter()
                            .map(|a| match a.value(r) {
                                Some(v) => Eval::Known(v),
                                None => Eval::Unknown(Vec::new()),
                            })
                            .collect();
                        let today = self.today_of(node.level, r);
                        match reference::apply(self.rules, expr, values, today) {
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

/// The state of one [`Evaluator::missing`] walk: the list it adds to (from `from` on) and the
/// shared nodes it has walked, with their rows.
struct MissingWalk<'o> {
    out: &'o mut Vec<Input>,
    from: usize,
    visited: HashSet<(NodeId, usize)>,
}

/// A column's values: a number column in the numeric lane, any other value by value.
fn column_values(column: &Column, rows: usize) -> Vector {
    match column.numbers(rows) {
        Some(numbers) => Vector::Numbers(numbers),
        None => Vector::Values((0..rows).map(|r| column.get(r)).collect()),
    }
}
