//! The fast evaluator: a [`Plan`] run over a [`Batch`] of leads, column by column.
//!
//! How it works: nodes are evaluated in plan order into vectors — truth vectors for
//! conditions, value vectors otherwise — one entry per lead or per contact. Text tests look
//! each distinct dictionary value up once and then map codes; comparisons with constants loop
//! over the raw column; quantifiers fold each lead's contact range. Nodes that read an ICP's
//! score run once that score is known. [`evaluate_columns`] (what `icp score` writes) then
//! reads each ICP's qualification, tier and matched checks off the truth vectors into
//! [`BatchResults`] columns, and builds whole only a lead and ICP with an unknown outcome;
//! [`evaluate`] builds every result whole. A whole result is assembled by the same
//! [`IcpResult::build`] the reference evaluator uses; for a condition that came out unknown,
//! the missing inputs that made it so are asked of the reference evaluator for that one lead,
//! so both evaluators report the same unknowns — except when the condition reads one input
//! only ([`reference::sole_input`]) and the lead lacks it: then that input is the answer.

use std::borrow::Cow;

use crate::batch::{Batch, Column, Dict, MISSING};
use crate::ir::{CmpOp, RuleSet};
use crate::lead::BatchRow;
use crate::plan::{Level, NodeId, Op, Plan, TextPred};
use crate::reference::{self, Eval, Scope};
use crate::result::{
    BatchResults, COLUMN_CHECKS, Check, IcpColumns, IcpResult, Input, LeadResult, NO_TIER, Outcome,
    best_icp,
};
use crate::schema::{Type, Value};
use crate::semantics::{self, Truth};

/// The value of a node over the rows of a batch.
#[derive(Debug, Clone)]
enum Vector {
    Truth(Vec<Truth>),
    /// Numbers (`len`, `count`, the score), `None` where missing.
    Numbers(Vec<Option<f64>>),
    Values(Vec<Option<Value>>),
    /// The same value on every row.
    Scalar(Option<Value>),
}

impl Vector {
    fn truth(&self, row: usize) -> Truth {
        match self {
            Vector::Truth(t) => t[row],
            // A number is not a truth (as `value_truth` says of any other value).
            Vector::Numbers(n) => n[row].map_or(Truth::Unknown, |_| Truth::False),
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
            Vector::Numbers(n) => n[row].map(Value::Number),
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
/// score` writes without `--explain`): a lead and ICP whose outcomes are all known is a few
/// numbers and bit sets read straight off the truth vectors; one with an unknown outcome is
/// built whole, as [`evaluate`] builds it. The same results as [`evaluate`] without `detail`.
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
        let fits = [requires.len(), excludes.len(), gains.len()]
            .iter()
            .all(|n| *n <= COLUMN_CHECKS);
        // Bits condition by condition; a lead with any unknown outcome is built whole.
        let mut unknown = vec![!fits; leads];
        let mut bit_words = |conditions: &[Cow<[Truth]>], set: Truth| {
            let mut words = vec![0u64; leads];
            if fits {
                for (c, truths) in conditions.iter().enumerate() {
                    for ((word, unknown), t) in words.iter_mut().zip(&mut unknown).zip(&**truths) {
                        *word |= u64::from(*t == set) << c;
                        *unknown |= *t == Truth::Unknown;
                    }
                }
            }
            words
        };
        let failed = bit_words(requires, Truth::False);
        let excluded = bit_words(excludes, Truth::True);
        let matched = bit_words(gains, Truth::True);
        // Tiers in order on qualified leads: the first that holds; an unknown one before it
        // is an unknown outcome.
        let mut tiers = vec![NO_TIER; leads];
        for row in 0..leads {
            let qualified = failed[row] == 0 && excluded[row] == 0;
            if !qualified || unknown[row] {
                continue;
            }
            for (t, truths) in decided.tiers[i].iter().enumerate() {
                match truths.as_ref().map_or(Truth::True, |v| v[row]) {
                    Truth::True => {
                        tiers[row] = t as u32;
                        break;
                    }
                    Truth::False => {}
                    Truth::Unknown => {
                        unknown[row] = true;
                        break;
                    }
                }
            }
        }
        for row in (0..leads).filter(|&row| unknown[row]) {
            results.keep(row, i, decided.build_result(i, row, false));
        }
        debug_assert!(icp.tiers.len() < NO_TIER as usize);
        results.push_columns(IcpColumns {
            score: decided.ev.scores[i].clone(),
            tiers,
            failed,
            excluded,
            matched,
        });
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

    /// Whether lead `row` lacks `input` (for a contact field: any of its contacts does).
    fn lacks(&self, input: Input, row: usize) -> bool {
        let batch = self.ev.batch;
        match input {
            Input::Field(f) => !batch.company[f.0 as usize].has(row),
            // A signal no plugin filled is missing, as `BatchRow::signal` reads it.
            Input::Signal(s) => batch.signals.get(s.0 as usize).is_none_or(|c| !c.has(row)),
            Input::ContactField(f) => batch
                .contacts_of(row)
                .any(|c| !batch.contacts[f.0 as usize].has(c)),
        }
    }

    /// The whole result of lead `row` against ICP `i`, built by [`IcpResult::build`] from the
    /// decided truths; only a condition that came out unknown asks the reference evaluator
    /// for the inputs whose absence made it so (unless its one input is missing).
    fn build_result(&self, i: usize, row: usize, detail: bool) -> IcpResult<'r> {
        let (rules, batch) = (self.ev.rules, self.ev.batch);
        let score = self.ev.scores[i][row];
        let [requires, excludes, gains] = &self.conditions[i];
        let [sole_requires, sole_excludes, sole_gains, sole_tiers] =
            &self.ev.plan.icps[i].sole_inputs;
        // `build` sums the same score (for a tier) as `icp_scores` did.
        IcpResult::build(rules, i, detail, |check, condition, _| {
            let (truth, sole) = match check {
                Check::Require(c) => (requires[c][row], sole_requires[c]),
                Check::Exclude(c) => (excludes[c][row], sole_excludes[c]),
                Check::Score(c) => (gains[c][row], sole_gains[c]),
                // `build` asks only for a tier with a condition, which has its node.
                Check::Tier(t) => (
                    self.tiers[i][t].as_ref().map_or(Truth::True, |v| v[row]),
                    sole_tiers[t],
                ),
            };
            match truth {
                Truth::Unknown => {
                    if let Some(input) = sole
                        && self.lacks(input, row)
                    {
                        return Outcome {
                            truth: Truth::Unknown,
                            missing: vec![input],
                        };
                    }
                    let lead = BatchRow { batch, row };
                    let scope = Scope {
                        rules,
                        lead: &lead,
                        today: self.ev.today,
                        contact: None,
                        score,
                    };
                    reference::truth(scope, condition)
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
    /// For each contact row, the lead it belongs to.
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
        let contact_lead: Vec<usize> = (0..leads)
            .flat_map(|l| batch.contacts_of(l).map(move |_| l))
            .collect();
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
            let truths: Vec<_> = icp_plan.scores.iter().map(|n| ev.truths(*n)).collect();
            let score = crate::result::icp_scores(icp, leads, |s, row| truths[s][row]);
            drop(truths);
            for (i, node) in plan.nodes.iter().enumerate() {
                if node.score_of == Some(icp_index) {
                    ev.run(NodeId(i as u32), Some(&score));
                }
            }
            ev.scores.push(score);
        }
        ev
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
            Op::Score => Vector::Numbers(score.unwrap_or(&[]).iter().map(|s| Some(*s)).collect()),
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
                let country = self.rules.schema.field(*field).name == "country";
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
                let country = self.rules.schema.field(*field).name == "country";
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
                    Vector::Numbers(numbers) if let Value::Number(c) = value => numbers[..rows]
                        .iter()
                        .map(|n| match n {
                            None => Truth::Unknown,
                            Some(n) => {
                                Truth::from_bool(n.partial_cmp(c).is_some_and(|o| op.holds(o)))
                            }
                        })
                        .collect(),
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
            Op::Any(body) | Op::Every(body) => {
                let every = matches!(node.op, Op::Every(_));
                let v = self.truths(*body);
                Vector::Truth(
                    (0..rows)
                        .map(|lead| {
                            let mut acc = Truth::from_bool(every);
                            for c in self.batch.contacts_of(lead) {
                                acc = if every { acc.and(v[c]) } else { acc.or(v[c]) };
                                if acc == Truth::from_bool(!every) {
                                    break;
                                }
                            }
                            acc
                        })
                        .collect(),
                )
            }
            Op::Count(filter) => {
                let filter = filter.map(|f| self.truths(f));
                Vector::Numbers(
                    (0..rows)
                        .map(|lead| {
                            let contacts = self.batch.contacts_of(lead);
                            let n = match &filter {
                                None => contacts.len(),
                                Some(t) => {
                                    t[contacts].iter().filter(|t| **t == Truth::True).count()
                                }
                            };
                            Some(n as f64)
                        })
                        .collect(),
                )
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
    let number = |n: usize| Some(n as f64);
    Vector::Numbers(match column {
        Column::TextList { offsets, valid, .. } => (0..rows)
            .map(|r| {
                let n = offsets[r + 1] as usize - offsets[r] as usize;
                if valid[r] { number(n) } else { None }
            })
            .collect(),
        Column::Text { codes, dict } => {
            let chars: Vec<usize> = dict.values().map(|v| v.chars().count()).collect();
            codes[..rows]
                .iter()
                .map(|&c| {
                    if c == MISSING {
                        None
                    } else {
                        number(chars[c as usize])
                    }
                })
                .collect()
        }
        column => (0..rows)
            .map(|r| match column.get(r)? {
                Value::List(items) => number(items.len()),
                Value::String(s) => number(s.chars().count()),
                _ => None,
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

/// A predicate on a text or text-list column, decided once per distinct value.
fn text_test(
    column: &Column,
    rows: usize,
    hits: impl Fn(&Dict) -> Vec<bool>,
    negate: bool,
) -> Vector {
    match column {
        Column::Text { codes, dict } => {
            let hit = hits(dict);
            Vector::Truth(
                codes[..rows]
                    .iter()
                    .map(|c| {
                        if *c == MISSING {
                            Truth::Unknown
                        } else {
                            Truth::from_bool(hit[*c as usize] != negate)
                        }
                    })
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
            Vector::Truth(
                (0..rows)
                    .map(|r| {
                        if !valid[r] {
                            return Truth::Unknown;
                        }
                        let any = codes[offsets[r] as usize..offsets[r + 1] as usize]
                            .iter()
                            .any(|c| hit[*c as usize]);
                        Truth::from_bool(any != negate)
                    })
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
    fn each<T: PartialOrd>(values: &[T], valid: &[bool], op: CmpOp, c: &T) -> Vector {
        Vector::Truth(
            values
                .iter()
                .zip(valid)
                .map(|(v, ok)| match (ok, v.partial_cmp(c)) {
                    (false, _) => Truth::Unknown,
                    (true, o) => Truth::from_bool(o.is_some_and(|o| op.holds(o))),
                })
                .collect(),
        )
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
