//! The typed intermediate representation of a checked rule set.
//!
//! How it works: the checker turns the AST of every file of a rule set into one [`RuleSet`].
//! Every name is resolved — fields to [`FieldId`], lets and personas to indices into
//! [`RuleSet::lets`] / [`RuleSet::personas`], signal calls to interned [`SignalCall`]s (one per
//! distinct signal and constant arguments, so the evaluator asks a plugin once per call, not
//! once per use), regexes to compiled [`Regex`]es — and every expression carries its static
//! [`Type`]. Operators are specialised by operand type where it matters (list vs scalar
//! operands, date arithmetic), so the evaluator never inspects types at run time.

use icp_diagnostics::Span;
use serde::Serialize;

pub use crate::relative::{Rank, Relative, RelativeId};
use crate::schema::{FieldId, OrderId, Schema, SignalCatalog, SignalId, Type, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct LetId(pub u32);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct PersonaId(pub u32);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct SignalCallId(pub u32);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct RegexId(pub u32);

/// A checked rule set: everything the evaluator and the test runner need.
#[derive(Debug, Clone, Serialize)]
pub struct RuleSet {
    pub schema: Schema,
    pub signals: SignalCatalog,
    pub lets: Vec<LetDef>,
    pub personas: Vec<PersonaDef>,
    pub icps: Vec<IcpDef>,
    pub tests: Vec<TestDef>,
    pub signal_calls: Vec<SignalCall>,
    pub regexes: Vec<Regex>,
    /// The list files the rules read (`lines`, `csv_column`), as their rule files name them:
    /// inputs no output may overwrite.
    pub list_files: Vec<std::path::PathBuf>,
    /// The relative thresholds the rules use (`percentile`, `median`, `top`), indexed by
    /// [`RelativeId`]; computed over the lead set and substituted before scoring
    /// ([`RuleSet::resolve_relatives`]).
    pub relatives: Vec<Relative>,
    /// The constant lists the rules name rather than write out (`region("DACH")`,
    /// `lines("lists/competitors.txt")`, `csv_column(…)`), by the span of their call.
    pub named_lists: Vec<NamedList>,
}

/// A constant list the rules name by a call: the call's span and its source text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedList {
    #[serde(skip)]
    pub span: Span,
    /// The call as written, spaces normalised: `region("Western Europe")`.
    pub shown: String,
}

impl RuleSet {
    pub fn icp(&self, name: &str) -> Option<&IcpDef> {
        self.icps.iter().find(|i| i.name == name)
    }

    /// Calls `visit` with every expression evaluating a lead can run: the value of each let,
    /// the condition of each persona, and every condition of every ICP (not the `test` blocks).
    pub fn for_each_rule_expr(&self, mut visit: impl FnMut(&Expr)) {
        self.lets.iter().for_each(|l| visit(&l.value));
        self.personas.iter().for_each(|p| visit(&p.condition));
        for icp in &self.icps {
            icp.requires
                .iter()
                .chain(&icp.excludes)
                .for_each(|c| visit(&c.condition));
            icp.scores.iter().for_each(|s| visit(&s.condition));
            icp.tiers
                .iter()
                .filter_map(|t| t.condition.as_ref())
                .for_each(&mut visit);
        }
    }

    /// The signal calls evaluating a lead can make, in [`SignalCallId`] order: those the rules
    /// write, not those only a `test` block sets.
    pub fn signal_calls_used(&self) -> Vec<SignalCallId> {
        let mut used = vec![false; self.signal_calls.len()];
        self.for_each_rule_expr(|expr| {
            expr.any(&mut |e| {
                if let ExprKind::Signal(call) = e.kind {
                    used[call.0 as usize] = true;
                }
                false
            });
        });
        (0..used.len())
            .filter(|&i| used[i])
            .map(|i| SignalCallId(i as u32))
            .collect()
    }

    /// Which fields evaluating the rule set can look at, indexed by [`FieldId`]: every field
    /// an expression of a let, persona or ICP names, and the inputs of the signals it calls.
    /// A reader may leave every other field unread.
    pub fn fields_read(&self) -> Vec<bool> {
        let mut read = vec![false; self.schema.len()];
        self.for_each_rule_expr(|expr| {
            expr.any(&mut |e| {
                if let ExprKind::Field(f) | ExprKind::ContactField(f) = e.kind {
                    read[f.0 as usize] = true;
                }
                false
            });
        });
        for call in &self.signal_calls {
            for input in &self.signals.signal(call.signal).inputs {
                let field = crate::Entity::split_path(input)
                    .and_then(|(entity, name)| self.schema.lookup(entity, name));
                if let Some(f) = field {
                    read[f.0 as usize] = true;
                }
            }
        }
        read
    }
}

/// `let NAME = EXPR`; lets are evaluated per lead (never per contact).
#[derive(Debug, Clone, Serialize)]
pub struct LetDef {
    pub name: String,
    pub value: Expr,
    /// The value, when it depends on no lead data (a constant list, say).
    pub constant: Option<Value>,
    #[serde(skip)]
    pub span: Span,
}

/// `persona NAME ["label"] when EXPR`: a predicate over one contact.
#[derive(Debug, Clone, Serialize)]
pub struct PersonaDef {
    pub name: String,
    pub label: String,
    pub condition: Expr,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct IcpDef {
    pub name: String,
    pub label: String,
    pub product: Option<String>,
    pub version: Option<String>,
    pub owner: Option<String>,
    pub description: Option<String>,
    pub requires: Vec<Clause>,
    pub excludes: Vec<Clause>,
    /// Every score rule in declaration order, grouped ones included.
    pub scores: Vec<ScoreRule>,
    pub groups: Vec<GroupDef>,
    pub tiers: Vec<TierDef>,
    /// The highest score a lead can reach (positive points, group caps respected).
    pub max_score: f64,
    /// The lowest score a lead can reach (negative points).
    pub min_score: f64,
    #[serde(skip)]
    pub span: Span,
}

impl IcpDef {
    pub fn tier(&self, name: &str) -> Option<&TierDef> {
        self.tiers.iter().find(|t| t.name == name)
    }
}

/// A `require` or `exclude` condition with its label (its source text).
#[derive(Debug, Clone, Serialize)]
pub struct Clause {
    pub label: String,
    pub condition: Expr,
    #[serde(skip)]
    pub span: Span,
    /// The reason the clause gives a lead it disqualifies, written once for every lead:
    /// `failed: LABEL` for a `require`, `excluded: LABEL` for an `exclude`.
    #[serde(skip)]
    pub reason: String,
    /// The reason when a `require` is unknown and no missing input explains it:
    /// `unknown: LABEL` (an unknown `exclude` gives none).
    #[serde(skip)]
    pub unknown: String,
    /// The clause as a summary shows it to people: its source text, or for a bare `let` name
    /// (`require fp_healthcare_provider`) the source text of that let's definition, at most
    /// [`Clause::SHOWN_CHARS`] characters (cut with `…`).
    #[serde(skip)]
    pub shown: String,
}

impl Clause {
    /// The longest [`Clause::shown`], in characters.
    pub const SHOWN_CHARS: usize = 80;
}

#[derive(Debug, Clone, Serialize)]
pub struct ScoreRule {
    pub points: f64,
    pub label: String,
    pub condition: Expr,
    /// Index into [`IcpDef::groups`].
    pub group: Option<usize>,
    /// `decaying(AGE, half_life = D)`: the condition is then "AGE is known" (`AGE >= -inf`,
    /// unknown when AGE is) and the points fade with AGE ([`ScoreRule::points_at`]).
    pub decay: Option<Decay>,
    #[serde(skip)]
    pub span: Span,
}

/// How the points of a decaying score fade.
#[derive(Debug, Clone, Serialize)]
pub struct Decay {
    /// The age, a number of days or a duration.
    pub age: Expr,
    /// The half-life in days (above 0).
    pub half_life: f64,
}

impl ScoreRule {
    /// The points the rule gives a lead whose condition is true: its points, or for a
    /// decaying score `points × 0.5^(age / half-life)`, an age below 0 (a date in the future)
    /// counted as 0, so a decaying score never gives more than its points. Both evaluators
    /// call this one function, so their sums agree to the bit.
    pub fn points_at(&self, age: f64) -> f64 {
        match &self.decay {
            None => self.points,
            Some(d) => self.points * 0.5f64.powf(age.max(0.0) / d.half_life),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupDef {
    pub label: String,
    pub max: f64,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct TierDef {
    pub name: String,
    /// The condition's source text, or `otherwise`.
    pub label: String,
    /// `None` for `tier NAME otherwise`.
    pub condition: Option<Expr>,
    #[serde(skip)]
    pub span: Span,
}

/// One distinct signal call: the signal and its constant arguments in parameter order
/// (`None` for an optional parameter left out).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignalCall {
    pub signal: SignalId,
    pub args: Vec<Option<Value>>,
    /// As written, for explanations: `funding.raised_within(90d)`.
    pub text: String,
}

/// A compiled regex with the pattern and flags it came from.
#[derive(Debug, Clone, Serialize)]
pub struct Regex {
    pub pattern: String,
    pub flags: String,
    #[serde(skip)]
    pub regex: regex::Regex,
}

/// A `test` block: one lead built from literals, signal values and expectations.
#[derive(Debug, Clone, Serialize)]
pub struct TestDef {
    pub label: String,
    pub company: Vec<(FieldId, Value)>,
    pub contacts: Vec<Vec<(FieldId, Value)>>,
    pub signals: Vec<(SignalCallId, Value)>,
    pub expects: Vec<Expectation>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct Expectation {
    /// Index into [`RuleSet::icps`].
    pub icp: usize,
    pub kind: ExpectationKind,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub enum ExpectationKind {
    Tier(String),
    Score(CmpOp, f64),
    Qualified,
    Disqualified,
    Best,
}

#[derive(Debug, Clone, Serialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Type,
    #[serde(skip)]
    pub span: Span,
}

/// Ordering and equality comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// The operator with its operands swapped: `a < b` is `b > a`.
    pub fn flipped(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            other => other,
        }
    }

    /// Whether `ordering` (of lhs against rhs) satisfies the operator.
    pub fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Eq => ordering == Equal,
            CmpOp::Ne => ordering != Equal,
            CmpOp::Lt => ordering == Less,
            CmpOp::Le => ordering != Greater,
            CmpOp::Gt => ordering == Greater,
            CmpOp::Ge => ordering != Less,
        }
    }
}

/// Arithmetic, specialised by operand types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ArithOp {
    /// number ± number, duration ± duration, number × number, …
    Add,
    Sub,
    Mul,
    Div,
    /// date + duration → date
    DateAdd,
    /// date − duration → date
    DateSub,
    /// date − date → duration (days)
    DateDiff,
}

/// Membership tests of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum HasKind {
    /// `list has x`
    One,
    /// `list has any [..]`
    Any,
    /// `list has all [..]`
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Builtin {
    /// `len(x)`: elements of a list, characters of a string.
    Len,
    /// `lower(s)`
    Lower,
    /// `days_since(date)`: days from the date to `today`.
    DaysSince,
    /// `year(date)`
    Year,
}

impl Builtin {
    pub const ALL: [Builtin; 4] = [
        Builtin::Len,
        Builtin::Lower,
        Builtin::DaysSince,
        Builtin::Year,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Builtin::Len => "len",
            Builtin::Lower => "lower",
            Builtin::DaysSince => "days_since",
            Builtin::Year => "year",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub enum ExprKind {
    Const(Value),
    /// A company field.
    Field(FieldId),
    /// A field of the contact in scope (inside a quantifier or persona).
    ContactField(FieldId),
    Let(LetId),
    /// A persona applied to the contact in scope.
    Persona(PersonaId),
    Signal(SignalCallId),
    /// The ICP's score, in tier conditions.
    Score,
    /// The run's as-of date.
    Today,
    /// A list literal with non-constant elements.
    List(Vec<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Arith {
        op: ArithOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `lhs OP rhs`. When one side is a list: `==` (and the orderings) hold if any element
    /// satisfies them, and `!=` is the negation of `==` (no element equal).
    Compare {
        op: CmpOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `value in list` / `value not in list`; a list `value` is in if any element is, and
    /// `not in` is the negation (no element in).
    In {
        value: Box<Expr>,
        list: Box<Expr>,
        negated: bool,
    },
    Has {
        kind: HasKind,
        list: Box<Expr>,
        item: Box<Expr>,
    },
    /// `text contains needle` (any element of a list).
    Contains {
        text: Box<Expr>,
        needle: Box<Expr>,
    },
    /// `text starts with prefix` (any element of a list).
    StartsWith {
        text: Box<Expr>,
        prefix: Box<Expr>,
    },
    /// `text matches /re/` (any element of a list).
    Matches {
        text: Box<Expr>,
        regex: RegexId,
    },
    Between {
        value: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
    },
    /// `value is present` (`present`) or `value is missing`; never unknown.
    Is {
        value: Box<Expr>,
        present: bool,
    },
    AnyContact(Box<Expr>),
    EveryContact(Box<Expr>),
    CountContacts(Option<Box<Expr>>),
    Call {
        builtin: Builtin,
        arg: Box<Expr>,
    },
    /// The rank of a text in an ordered category (a number), unknown when the text is not
    /// in the order; the checker puts it under each side of `<`, `>=`, `between` … of an
    /// ordered field or signal.
    Rank {
        order: OrderId,
        value: Box<Expr>,
    },
    /// A relative threshold (`percentile(…)`, `median(…)`, `top …`): a number or, for `top`,
    /// a truth; replaced by a constant before any lead is evaluated.
    Relative(RelativeId),
}

impl Expr {
    /// Calls `f` on every direct sub-expression. A let or persona is a leaf: its definition is
    /// not a child of the expressions that use it.
    pub fn for_each_child<'e>(&'e self, mut f: impl FnMut(&'e Expr)) {
        match &self.kind {
            ExprKind::Const(_)
            | ExprKind::Field(_)
            | ExprKind::ContactField(_)
            | ExprKind::Let(_)
            | ExprKind::Persona(_)
            | ExprKind::Signal(_)
            | ExprKind::Score
            | ExprKind::Today
            | ExprKind::Relative(_)
            | ExprKind::CountContacts(None) => {}
            ExprKind::List(items) => items.iter().for_each(f),
            ExprKind::Not(e)
            | ExprKind::Neg(e)
            | ExprKind::AnyContact(e)
            | ExprKind::EveryContact(e)
            | ExprKind::CountContacts(Some(e))
            | ExprKind::Matches { text: e, .. }
            | ExprKind::Is { value: e, .. }
            | ExprKind::Call { arg: e, .. }
            | ExprKind::Rank { value: e, .. } => f(e),
            ExprKind::And(a, b)
            | ExprKind::Or(a, b)
            | ExprKind::Arith { lhs: a, rhs: b, .. }
            | ExprKind::Compare { lhs: a, rhs: b, .. }
            | ExprKind::In {
                value: a, list: b, ..
            }
            | ExprKind::Has {
                list: a, item: b, ..
            }
            | ExprKind::Contains { text: a, needle: b }
            | ExprKind::StartsWith { text: a, prefix: b } => {
                f(a);
                f(b);
            }
            ExprKind::Between { value, low, high } => {
                f(value);
                f(low);
                f(high);
            }
        }
    }

    /// Calls `f` on every direct sub-expression, to change it (as [`Expr::for_each_child`]).
    pub fn for_each_child_mut(&mut self, mut f: impl FnMut(&mut Expr)) {
        match &mut self.kind {
            ExprKind::Const(_)
            | ExprKind::Field(_)
            | ExprKind::ContactField(_)
            | ExprKind::Let(_)
            | ExprKind::Persona(_)
            | ExprKind::Signal(_)
            | ExprKind::Score
            | ExprKind::Today
            | ExprKind::Relative(_)
            | ExprKind::CountContacts(None) => {}
            ExprKind::List(items) => items.iter_mut().for_each(f),
            ExprKind::Not(e)
            | ExprKind::Neg(e)
            | ExprKind::AnyContact(e)
            | ExprKind::EveryContact(e)
            | ExprKind::CountContacts(Some(e))
            | ExprKind::Matches { text: e, .. }
            | ExprKind::Is { value: e, .. }
            | ExprKind::Call { arg: e, .. }
            | ExprKind::Rank { value: e, .. } => f(e),
            ExprKind::And(a, b)
            | ExprKind::Or(a, b)
            | ExprKind::Arith { lhs: a, rhs: b, .. }
            | ExprKind::Compare { lhs: a, rhs: b, .. }
            | ExprKind::In {
                value: a, list: b, ..
            }
            | ExprKind::Has {
                list: a, item: b, ..
            }
            | ExprKind::Contains { text: a, needle: b }
            | ExprKind::StartsWith { text: a, prefix: b } => {
                f(a);
                f(b);
            }
            ExprKind::Between { value, low, high } => {
                f(value);
                f(low);
                f(high);
            }
        }
    }

    /// Whether any node of the tree satisfies `pred`.
    pub fn any(&self, pred: &mut impl FnMut(&Expr) -> bool) -> bool {
        if pred(self) {
            return true;
        }
        let mut found = false;
        self.for_each_child(|child| {
            if !found && child.any(pred) {
                found = true;
            }
        });
        found
    }
}
