//! The reference evaluator: one lead at a time, straight from the IR, written to be obviously
//! correct rather than fast. `icp test` runs on it, and the columnar evaluator is held to it by
//! property tests.
//!
//! How it works: [`eval`] walks an expression and returns [`Eval::Known`] with a value, or
//! [`Eval::Unknown`] with the missing inputs that made it so. Missing data is unknown, never
//! zero: arithmetic and comparisons over an unknown are unknown; `and`/`or`/`not` follow
//! Kleene logic and only keep the missing inputs of the operands that decided the result;
//! `is missing`/`is present` are always known. On a list, `==`, the orderings, `in`,
//! `contains`, `starts with` and `matches` hold when any element does, and `!=` / `not in` are
//! their negations; `has`, `has any`, `has all` and `len` take the list as a whole. Text
//! compares by its key (trimmed, lower case), country fields by ISO code. `any contact` is true
//! if a contact makes its body true, false if none can, unknown otherwise; `every contact`
//! dually (true over no contacts); `count contacts where` counts contacts whose body is true.
//! Division by zero is unknown, and so is a result too large to be a number.
//!
//! A let's value is worked out once per lead, at its first use, and a persona's once per
//! contact ([`Memo`]); every later use reads it back. Lets and personas are shared, never
//! expanded: a let used twice by the next one, 64 levels deep, costs 65 evaluations, not 2^64,
//! so evaluating a lead takes time linear in the rule text.

use std::cell::RefCell;

use crate::ir::{ArithOp, Builtin, CmpOp, Expr, ExprKind, HasKind, LetId, PersonaId, RuleSet};
use crate::lead::LeadView;
use crate::result::{IcpResult, Input, LeadResult, Outcome, add_input, best_icp};
use crate::schema::Value;
use crate::semantics::{self, Truth};

/// A value, or the inputs whose absence left it unknown.
#[derive(Debug, Clone, PartialEq)]
pub enum Eval {
    Known(Value),
    Unknown(Vec<Input>),
}

/// Where an expression is evaluated.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub rules: &'a RuleSet,
    pub lead: &'a dyn LeadView,
    /// The run's as-of date, in days since 1970-01-01.
    pub today: i32,
    /// The contact in scope, inside a quantifier or persona.
    pub contact: Option<usize>,
    /// The ICP's score, in tier conditions.
    pub score: f64,
    /// The lead's lets and personas evaluated so far.
    pub memo: &'a Memo,
}

/// The values of one lead's lets and of its contacts' personas, each stored at its first use.
/// A let reads neither a contact nor the score, and a persona only its contact, so the stored
/// value is the value at every use.
#[derive(Debug)]
pub struct Memo {
    lets: RefCell<Vec<Option<Eval>>>,
    /// Persona `p` of contact `c` at `p * contacts + c`.
    personas: RefCell<Vec<Option<Eval>>>,
    contacts: usize,
}

impl Memo {
    /// An empty memo for a lead with `contacts` contacts.
    pub fn new(rules: &RuleSet, contacts: usize) -> Memo {
        Memo {
            lets: RefCell::new(vec![None; rules.lets.len()]),
            personas: RefCell::new(vec![None; rules.personas.len() * contacts]),
            contacts,
        }
    }
}

/// Evaluates a lead against every ICP of the rule set.
pub fn evaluate<'r>(rules: &'r RuleSet, lead: &dyn LeadView, today: i32) -> LeadResult<'r> {
    let memo = Memo::new(rules, lead.contact_count());
    let scope = Scope {
        rules,
        lead,
        today,
        contact: None,
        score: 0.0,
        memo: &memo,
    };
    // Each ICP: the conditions `build` asks for, decided in this scope (a tier's with the
    // final score).
    let icps: Vec<IcpResult> = rules
        .icps
        .iter()
        .enumerate()
        .map(|(i, _)| {
            let scores = &rules.icps[i].scores;
            IcpResult::build(
                rules,
                i,
                true,
                |_, condition, score| truth(Scope { score, ..scope }, condition),
                |s| {
                    scores[s]
                        .decay
                        .as_ref()
                        .map_or(0.0, |d| age(eval(scope, &d.age)))
                },
            )
        })
        .collect();
    let personas = (0..lead.contact_count())
        .map(|c| {
            let scope = Scope {
                contact: Some(c),
                ..scope
            };
            rules
                .personas
                .iter()
                .enumerate()
                .filter(|(i, _)| {
                    let value = persona_value(scope, PersonaId(*i as u32));
                    outcome(value).truth == Truth::True
                })
                .map(|(_, p)| p.name.clone())
                .collect()
        })
        .collect();
    LeadResult {
        best: best_icp(&icps),
        icps,
        personas,
    }
}

/// The truth of a condition.
pub fn truth(scope: Scope<'_>, e: &Expr) -> Outcome {
    outcome(eval(scope, e))
}

/// The truth of a value: unknown with its missing inputs, false unless it is `true`.
fn outcome(value: Eval) -> Outcome {
    match value {
        Eval::Known(Value::Bool(b)) => Outcome::known(Truth::from_bool(b)),
        Eval::Known(_) => Outcome::known(Truth::False),
        Eval::Unknown(missing) => Outcome {
            truth: Truth::Unknown,
            missing,
        },
    }
}

/// The age of a decaying score in days, from its value (a number or a duration).
pub fn age(value: Eval) -> f64 {
    match value {
        Eval::Known(Value::Number(n) | Value::Duration(n)) => n,
        _ => f64::NAN,
    }
}

fn known_bool(b: bool) -> Eval {
    Eval::Known(Value::Bool(b))
}

fn from_truth(o: Outcome) -> Eval {
    match o.truth {
        Truth::True => known_bool(true),
        Truth::False => known_bool(false),
        Truth::Unknown => Eval::Unknown(o.missing),
    }
}

fn merge(mut a: Vec<Input>, b: Vec<Input>) -> Vec<Input> {
    for m in b {
        add_input(&mut a, 0, m);
    }
    a
}

/// Whether an expression reads a country field, so text compares by ISO code.
pub fn is_country(rules: &RuleSet, e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Field(f) | ExprKind::ContactField(f) => rules.schema.field(*f).is_country(),
        ExprKind::Let(id) => is_country(rules, &rules.lets[id.0 as usize].value),
        ExprKind::Call {
            builtin: Builtin::Lower,
            arg,
        } => is_country(rules, arg),
        _ => false,
    }
}

pub fn eval(scope: Scope<'_>, e: &Expr) -> Eval {
    let rules = scope.rules;
    match &e.kind {
        ExprKind::Const(v) => Eval::Known(v.clone()),
        ExprKind::Field(f) => match scope.lead.company(*f) {
            Some(v) => Eval::Known(v),
            None => Eval::Unknown(vec![Input::Field(*f)]),
        },
        ExprKind::ContactField(f) => {
            let value = scope.contact.and_then(|c| scope.lead.contact(c, *f));
            match value {
                Some(v) => Eval::Known(v),
                None => Eval::Unknown(vec![Input::ContactField(*f)]),
            }
        }
        ExprKind::Let(id) => let_value(scope, *id),
        ExprKind::Persona(id) => persona_value(scope, *id),
        ExprKind::Signal(id) => match scope.lead.signal(*id) {
            Some(v) => Eval::Known(v),
            None => Eval::Unknown(vec![Input::Signal(*id)]),
        },
        ExprKind::Score => Eval::Known(Value::Number(scope.score)),
        ExprKind::Today => Eval::Known(Value::Date(scope.today)),
        // Substituted before evaluation (`RuleSet::resolve_relatives`); unknown if not.
        ExprKind::Relative(_) => Eval::Unknown(Vec::new()),
        ExprKind::And(a, b) | ExprKind::Or(a, b) => {
            let (x, y) = (truth(scope, a), truth(scope, b));
            from_truth(logic(matches!(e.kind, ExprKind::And(..)), x, y))
        }
        ExprKind::AnyContact(body) | ExprKind::EveryContact(body) => {
            let every = matches!(e.kind, ExprKind::EveryContact(_));
            let outcomes = (0..scope.lead.contact_count()).map(|c| {
                truth(
                    Scope {
                        contact: Some(c),
                        ..scope
                    },
                    body,
                )
            });
            from_truth(quantify(every, outcomes))
        }
        ExprKind::CountContacts(filter) => {
            let n = (0..scope.lead.contact_count())
                .filter(|c| match filter {
                    None => true,
                    Some(body) => {
                        let scope = Scope {
                            contact: Some(*c),
                            ..scope
                        };
                        truth(scope, body).truth == Truth::True
                    }
                })
                .count();
            Eval::Known(Value::Number(n as f64))
        }
        _ => {
            let mut args = Vec::new();
            e.for_each_child(|child| args.push(eval(scope, child)));
            apply(rules, e, args, scope.today)
        }
    }
}

/// The value of a let for the scope's lead: from the memo, or evaluated (with no contact in
/// scope) and stored there.
fn let_value(scope: Scope<'_>, id: LetId) -> Eval {
    let slot = id.0 as usize;
    if let Some(value) = &scope.memo.lets.borrow()[slot] {
        return value.clone();
    }
    let scope = Scope {
        contact: None,
        ..scope
    };
    let value = eval(scope, &scope.rules.lets[slot].value);
    scope.memo.lets.borrow_mut()[slot] = Some(value.clone());
    value
}

/// The value of a persona for the contact in scope: from the memo, or evaluated and stored
/// there.
fn persona_value(scope: Scope<'_>, id: PersonaId) -> Eval {
    let condition = &scope.rules.personas[id.0 as usize].condition;
    let Some(contact) = scope.contact else {
        // Unreachable for checked rules: a persona is used only where a contact is in scope.
        return eval(scope, condition);
    };
    let slot = id.0 as usize * scope.memo.contacts + contact;
    if let Some(value) = &scope.memo.personas.borrow()[slot] {
        return value.clone();
    }
    let value = eval(scope, condition);
    scope.memo.personas.borrow_mut()[slot] = Some(value.clone());
    value
}

/// Kleene `and` (or `or`) of two outcomes, keeping the missing inputs of the operands that
/// left the result unknown.
pub fn logic(is_and: bool, x: Outcome, y: Outcome) -> Outcome {
    let truth = if is_and {
        x.truth.and(y.truth)
    } else {
        x.truth.or(y.truth)
    };
    if truth != Truth::Unknown {
        return Outcome::known(truth);
    }
    let pick = |o: Outcome| {
        if o.truth == Truth::Unknown {
            o.missing
        } else {
            Vec::new()
        }
    };
    Outcome {
        truth,
        missing: merge(pick(x), pick(y)),
    }
}

/// `any contact where …` (or `every`) over the outcomes of its body for each contact: true if
/// one is true (false if one is false), else unknown if one is unknown.
pub fn quantify(every: bool, outcomes: impl Iterator<Item = Outcome>) -> Outcome {
    let mut result = Outcome::known(Truth::from_bool(every));
    for o in outcomes {
        result = logic(every, result, o);
        // A decided result cannot change: a true `any`, a false `every`.
        if result.truth == Truth::from_bool(!every) {
            break;
        }
    }
    result
}

/// Applies an operator node to the values of its operands (in `for_each_child` order). Shared
/// by both evaluators, so they cannot disagree on what an operator means.
pub fn apply(rules: &RuleSet, e: &Expr, args: Vec<Eval>, today: i32) -> Eval {
    // `is missing` / `is present` look at unknown-ness itself.
    if let ExprKind::Is { present, .. } = &e.kind {
        let is_present = matches!(args.first(), Some(Eval::Known(_)));
        return known_bool(is_present == *present);
    }
    let mut values = Vec::with_capacity(args.len());
    let mut missing: Option<Vec<Input>> = None;
    for arg in args {
        match arg {
            Eval::Known(v) => values.push(v),
            Eval::Unknown(m) => missing = Some(merge(missing.unwrap_or_default(), m)),
        }
    }
    if let Some(m) = missing {
        return Eval::Unknown(m);
    }
    let scope_country = |x: &Expr| is_country(rules, x);
    match (&e.kind, values.as_slice()) {
        (ExprKind::List(_), _) => Eval::Known(Value::List(values)),
        (ExprKind::Not(_), [Value::Bool(b)]) => known_bool(!b),
        (ExprKind::Neg(_), [Value::Number(n)]) => Eval::Known(Value::Number(-n)),
        (ExprKind::Neg(_), [Value::Duration(n)]) => Eval::Known(Value::Duration(-n)),
        (ExprKind::Arith { op, .. }, [x, y]) => {
            arith(*op, x, y).map_or(Eval::Unknown(Vec::new()), Eval::Known)
        }
        (ExprKind::Compare { op, lhs, rhs }, [x, y]) => {
            known_bool(compare(*op, x, y, scope_country(lhs) || scope_country(rhs)))
        }
        (ExprKind::In { value, negated, .. }, [v, l]) => {
            let country = scope_country(value);
            let items = semantics::elements(l);
            let found = semantics::elements(v)
                .iter()
                .any(|x| items.iter().any(|y| semantics::equal(x, y, country)));
            known_bool(found != *negated)
        }
        (ExprKind::Has { kind, list, .. }, [l, i]) => {
            let country = scope_country(list);
            let items = semantics::elements(l);
            let contains = |x: &Value| items.iter().any(|y| semantics::equal(x, y, country));
            known_bool(match kind {
                HasKind::One => contains(i),
                HasKind::Any => semantics::elements(i).iter().any(contains),
                HasKind::All => semantics::elements(i).iter().all(contains),
            })
        }
        (ExprKind::Contains { .. } | ExprKind::StartsWith { .. }, [t, Value::String(n)]) => {
            let starts = matches!(e.kind, ExprKind::StartsWith { .. });
            known_bool(semantics::elements(t).iter().any(|x| match x {
                Value::String(s) => text_test(starts, s, n),
                _ => false,
            }))
        }
        (ExprKind::Matches { regex, .. }, [t]) => {
            let re = &rules.regexes[regex.0 as usize].regex;
            known_bool(semantics::elements(t).iter().any(|x| match x {
                Value::String(s) => re.is_match(s),
                _ => false,
            }))
        }
        (ExprKind::Between { .. }, [v, lo, hi]) => {
            let ge = semantics::order(v, lo).is_some_and(|o| o.is_ge());
            let le = semantics::order(v, hi).is_some_and(|o| o.is_le());
            known_bool(ge && le)
        }
        (ExprKind::Call { builtin, .. }, [v]) => call(*builtin, v.clone(), today),
        // A text outside the order has no rank: unknown, naming no missing input.
        (ExprKind::Rank { order, .. }, [Value::String(s)]) => rules
            .schema
            .orders()
            .get(*order)
            .rank(s)
            .map_or(Eval::Unknown(Vec::new()), |r| Eval::Known(Value::Number(r))),
        // Unreachable for checked rules; unknown is the cautious answer.
        _ => Eval::Unknown(Vec::new()),
    }
}

/// `contains` / `starts with` on text keys.
pub fn text_test(starts: bool, text: &str, needle: &str) -> bool {
    let (s, n) = (semantics::text_key(text), semantics::text_key(needle));
    if starts {
        s.starts_with(&n)
    } else {
        s.contains(&n)
    }
}

/// `x op y`, or `None` where the result is unknown: a division by zero, a number or duration
/// that is not finite (an overflow to infinity, or the NaN of infinity minus infinity, which
/// `==` and `!=` would disagree on), a date out of range.
fn arith(op: ArithOp, x: &Value, y: &Value) -> Option<Value> {
    use Value::{Duration, Number};
    let value = arith_unchecked(op, x, y)?;
    match value {
        Number(n) | Duration(n) if !n.is_finite() => None,
        value => Some(value),
    }
}

fn arith_unchecked(op: ArithOp, x: &Value, y: &Value) -> Option<Value> {
    use Value::{Date, Duration, Number};
    Some(match (op, x, y) {
        (ArithOp::Add, Number(a), Number(b)) => Number(a + b),
        (ArithOp::Sub, Number(a), Number(b)) => Number(a - b),
        (ArithOp::Mul, Number(a), Number(b)) => Number(a * b),
        (ArithOp::Div, Number(a), Number(b)) => Number(if *b == 0.0 { return None } else { a / b }),
        (ArithOp::Add, Duration(a), Duration(b)) => Duration(a + b),
        (ArithOp::Sub, Duration(a), Duration(b)) => Duration(a - b),
        (ArithOp::Mul, Duration(a), Number(b)) | (ArithOp::Mul, Number(b), Duration(a)) => {
            Duration(a * b)
        }
        (ArithOp::Div, Duration(a), Number(b)) => {
            Duration(if *b == 0.0 { return None } else { a / b })
        }
        // Out of the range of dates (±5.8 million years) is unknown, not a wrapped date.
        (ArithOp::DateAdd, Date(d), Duration(n)) => Date(shift(*d, *n)?),
        (ArithOp::DateSub, Date(d), Duration(n)) => Date(shift(*d, -*n)?),
        (ArithOp::DateDiff, Date(a), Date(b)) => Duration(f64::from(*a) - f64::from(*b)),
        _ => return None,
    })
}

/// A date moved by a number of days, if the result is still a representable date.
fn shift(date: i32, days: f64) -> Option<i32> {
    let moved = f64::from(date) + days.round();
    (moved.abs() < 2e9).then_some(moved as i32)
}

/// `x op y` for known values, a list on either side compared element by element.
pub(crate) fn compare(op: CmpOp, x: &Value, y: &Value, country: bool) -> bool {
    let holds = |a: &Value, b: &Value| match op {
        CmpOp::Eq | CmpOp::Ne => semantics::equal(a, b, country),
        _ => semantics::order(a, b).is_some_and(|o| op.holds(o)),
    };
    let any = match (x, y) {
        (Value::List(items), other) | (other, Value::List(items)) if !other.ty().is_list() => {
            let list_on_left = matches!(x, Value::List(_));
            items.iter().any(|i| {
                if list_on_left {
                    holds(i, other)
                } else {
                    holds(other, i)
                }
            })
        }
        _ => holds(x, y),
    };
    if op == CmpOp::Ne { !any } else { any }
}

fn call(builtin: Builtin, v: Value, today: i32) -> Eval {
    Eval::Known(match (builtin, v) {
        (Builtin::Len, Value::List(items)) => Value::Number(items.len() as f64),
        (Builtin::Len, Value::String(s)) => Value::Number(s.chars().count() as f64),
        (Builtin::Lower, Value::String(s)) => Value::String(s.to_lowercase()),
        (Builtin::Lower, Value::List(items)) => Value::List(
            items
                .into_iter()
                .map(|i| match i {
                    Value::String(s) => Value::String(s.to_lowercase()),
                    other => other,
                })
                .collect(),
        ),
        (Builtin::DaysSince, Value::Date(d)) => Value::Number(f64::from(today - d)),
        (Builtin::Year, Value::Date(d)) => {
            Value::Number(f64::from(icp_syntax::ast::civil_from_days(d).0))
        }
        _ => return Eval::Unknown(Vec::new()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_moved_out_of_range_are_unknown_not_wrapped() {
        assert_eq!(shift(19_000, 30.0), Some(19_030));
        assert_eq!(shift(19_000, 1e12), None);
        assert_eq!(shift(19_000, -1e12), None);
        let far = arith(
            ArithOp::DateAdd,
            &Value::Date(19_000),
            &Value::Duration(99_999_999_999.0),
        );
        assert_eq!(far, None);
    }

    #[test]
    fn arithmetic_that_overflows_is_unknown() {
        let big = Value::Number(1e200);
        assert_eq!(arith(ArithOp::Mul, &big, &big), None);
        assert_eq!(arith(ArithOp::Add, &big, &big), Some(Value::Number(2e200)));
        let long = Value::Duration(1e300);
        assert_eq!(arith(ArithOp::Mul, &long, &Value::Number(1e10)), None);
    }
}
