//! Lowering a checked rule set to a plan: a flat list of column operations evaluated over
//! batches of leads.
//!
//! How it works: every condition of every ICP, every let and every persona is lowered once
//! into [`Node`]s, children before parents, and identical nodes are shared (a let used by ten
//! ICPs is computed once per batch). A let or persona is lowered at its first use and its node
//! kept: later uses refer to it without walking its definition again, and a node is looked up
//! by a key made of its operator and its children's ids, never of their trees, so lowering
//! and the plan's size are linear in the rule text (a let used twice by the next one, 64 levels
//! deep, is 64 nodes, not 2^64). Each node runs at the level of leads or of contacts; a
//! lead-level value used in a contact condition is broadcast. The common shapes get columnar
//! operators: a test of a text field against constants ([`Op::Text`]) is decided once per
//! distinct value of the column's dictionary; a comparison of a number or date field with a
//! constant ([`Op::Cmp`], and [`Op::SignalCmp`] for a plugin signal's column) is one loop
//! over the column, as is any other number (a count, a length, the score) compared with a
//! constant ([`Op::NumCmp`]); `len` of a text field reads the list offsets or the lengths
//! of the distinct values ([`Op::Len`]); logic runs on truth vectors; quantifiers count over
//! each lead's contact range. Any other operator is an [`Op::Apply`], applied row by row with
//! the same function the reference evaluator uses. Nodes that read `score`
//! belong to one ICP and run after its score is known. `Plan`'s `Display` is the reviewable
//! form snapshotted in tests.

use std::collections::HashMap;
use std::fmt;

mod display;

use display::OpKey;

use crate::ir::{
    Builtin, CmpOp, Expr, ExprKind, HasKind, LetId, PersonaId, RegexId, RuleSet, SignalCallId,
};
use crate::schema::{FieldId, OrderId, Scalar, Type, Value};
use crate::semantics;

/// Index of a node in [`Plan::nodes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NodeId(pub u32);

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "%{}", self.0)
    }
}

/// Whether a node has one row per lead or one per contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    Lead,
    Contact,
}

/// What a text test asks of each value (or of any element of a list).
#[derive(Debug, Clone, PartialEq)]
pub enum TextPred {
    /// Equal to one of these keys (country keys for country fields).
    Keys(Vec<String>),
    Contains(String),
    StartsWith(String),
    Matches(RegexId),
}

#[derive(Debug, Clone)]
pub enum Op {
    Const(Value),
    Field(FieldId),
    ContactField(FieldId),
    Signal(SignalCallId),
    Today,
    /// The score of ICP `icp`.
    Score,
    /// A text field tested against constants, once per distinct value: true when the value
    /// (or any element of a list) satisfies `pred`, negated with `negate`.
    Text {
        field: FieldId,
        contact: bool,
        pred: TextPred,
        negate: bool,
    },
    /// `list has all [keys]` on a text-list field.
    HasAll {
        field: FieldId,
        contact: bool,
        keys: Vec<String>,
    },
    /// A number, date or duration field compared with a constant.
    Cmp {
        field: FieldId,
        contact: bool,
        op: CmpOp,
        value: Value,
    },
    /// A number, date or duration signal compared with a constant.
    SignalCmp {
        call: SignalCallId,
        op: CmpOp,
        value: Value,
    },
    /// `len` of a text or text-list field.
    Len {
        field: FieldId,
        contact: bool,
    },
    /// The rank of a text field's values in an ordered category, once per distinct value
    /// (NaN for a missing value or one not in the order).
    Rank {
        field: FieldId,
        contact: bool,
        order: OrderId,
    },
    /// A number node compared with a number constant.
    NumCmp {
        input: NodeId,
        op: CmpOp,
        value: Value,
    },
    /// `is present` (or `is missing`) of a node.
    Present {
        input: NodeId,
        present: bool,
    },
    Not(NodeId),
    And(NodeId, NodeId),
    Or(NodeId, NodeId),
    /// A lead-level node repeated for each of the lead's contacts.
    Broadcast(NodeId),
    Any(NodeId),
    Every(NodeId),
    Count(Option<NodeId>),
    /// Any other operator, applied row by row; `expr` is the IR node (its children are `args`).
    Apply {
        expr: Box<Expr>,
        args: Vec<NodeId>,
    },
}

#[derive(Debug, Clone)]
pub struct Node {
    pub op: Op,
    pub level: Level,
    /// The static type of the node's value.
    pub ty: Type,
    /// The ICP whose score the node reads, if any (then it runs after that ICP's score).
    pub score_of: Option<usize>,
}

/// The nodes of one ICP's statements.
#[derive(Debug, Clone, PartialEq)]
pub struct IcpPlan {
    pub requires: Vec<NodeId>,
    pub excludes: Vec<NodeId>,
    pub scores: Vec<NodeId>,
    /// For each score, the node of its age when it decays.
    pub ages: Vec<Option<NodeId>>,
    /// `None` for `otherwise`.
    pub tiers: Vec<Option<NodeId>>,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub nodes: Vec<Node>,
    /// `company.employees` for each field id, for display.
    pub field_names: Vec<String>,
    pub icps: Vec<IcpPlan>,
    pub personas: Vec<NodeId>,
}

impl Plan {
    /// Lowers every ICP and persona of a rule set.
    pub fn new(rules: &RuleSet) -> Plan {
        let mut lower = Lowering {
            rules,
            nodes: Vec::new(),
            seen: HashMap::new(),
            lets: vec![None; rules.lets.len()],
            personas: vec![None; rules.personas.len()],
            icp: None,
        };
        let personas = (0..rules.personas.len())
            .map(|p| lower.persona(PersonaId(p as u32)))
            .collect();
        let icps = rules
            .icps
            .iter()
            .enumerate()
            .map(|(i, icp)| {
                lower.icp = Some(i);
                let mut conds = |cs: Vec<&Expr>| {
                    cs.into_iter()
                        .map(|c| lower.expr(c, Level::Lead))
                        .collect::<Vec<_>>()
                };
                let requires = conds(icp.requires.iter().map(|c| &c.condition).collect());
                let excludes = conds(icp.excludes.iter().map(|c| &c.condition).collect());
                let scores = conds(icp.scores.iter().map(|s| &s.condition).collect());
                let ages = icp
                    .scores
                    .iter()
                    .map(|s| s.decay.as_ref().map(|d| lower.expr(&d.age, Level::Lead)))
                    .collect();
                let tiers = icp
                    .tiers
                    .iter()
                    .map(|t| t.condition.as_ref().map(|c| lower.expr(c, Level::Lead)))
                    .collect();
                IcpPlan {
                    requires,
                    excludes,
                    scores,
                    ages,
                    tiers,
                }
            })
            .collect();
        Plan {
            nodes: lower.nodes,
            field_names: rules
                .schema
                .fields()
                .map(|(_, f)| f.path().to_string())
                .collect(),
            icps,
            personas,
        }
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0 as usize]
    }

    /// Per node, whether it is an operand more than once (of two nodes, or twice of one, as in
    /// `%3 and %3`): a walk down from a node may meet such a node again, and walks that must
    /// stay linear in the plan's size (`Evaluator::missing`) visit it once.
    pub fn shared(&self) -> Vec<bool> {
        let mut uses = vec![0u8; self.nodes.len()];
        for node in &self.nodes {
            for child in children(&node.op) {
                let count = &mut uses[child.0 as usize];
                *count = count.saturating_add(1);
            }
        }
        uses.into_iter().map(|n| n > 1).collect()
    }
}

struct Lowering<'r> {
    rules: &'r RuleSet,
    nodes: Vec<Node>,
    seen: HashMap<String, NodeId>,
    /// The node of each let's value (lead level) once it is lowered.
    lets: Vec<Option<NodeId>>,
    /// The node of each persona's condition (contact level) once it is lowered.
    personas: Vec<Option<NodeId>>,
    /// The ICP being lowered, for nodes that read its score.
    icp: Option<usize>,
}

impl Lowering<'_> {
    fn add(&mut self, op: Op, level: Level, ty: Type) -> NodeId {
        let score_of = match &op {
            Op::Score => self.icp,
            _ => self
                .children(&op)
                .iter()
                .find_map(|c| self.nodes[c.0 as usize].score_of),
        };
        // Whether an operator compares as countries is decided by its operands' form, which
        // the arguments alone do not show: it is part of what makes two nodes the same.
        let country = match &op {
            Op::Apply { expr, .. } => compares_countries(self.rules, expr),
            _ => false,
        };
        let key = format!("{level:?} {score_of:?} {country} {}", OpKey(&op));
        if let Some(id) = self.seen.get(&key) {
            return *id;
        }
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(Node {
            op,
            level,
            ty,
            score_of,
        });
        self.seen.insert(key, id);
        id
    }

    fn children(&self, op: &Op) -> Vec<NodeId> {
        children(op)
    }

    /// A node at `level`: broadcast when it is lead-level and a contact level is wanted.
    fn at(&mut self, id: NodeId, level: Level) -> NodeId {
        let node = &self.nodes[id.0 as usize];
        if level == Level::Contact && node.level == Level::Lead {
            let ty = node.ty;
            self.add(Op::Broadcast(id), Level::Contact, ty)
        } else {
            id
        }
    }

    fn expr(&mut self, e: &Expr, level: Level) -> NodeId {
        if let Some(id) = self.columnar(e, level) {
            return id;
        }
        let ty = e.ty;
        let id = match &e.kind {
            ExprKind::Const(v) => self.add(Op::Const(v.clone()), Level::Lead, ty),
            ExprKind::Field(f) => self.add(Op::Field(*f), Level::Lead, ty),
            ExprKind::ContactField(f) => self.add(Op::ContactField(*f), Level::Contact, ty),
            ExprKind::Signal(s) => self.add(Op::Signal(*s), Level::Lead, ty),
            ExprKind::Today => self.add(Op::Today, Level::Lead, ty),
            ExprKind::Score => self.add(Op::Score, Level::Lead, ty),
            // Substituted before lowering (`RuleSet::resolve_relatives`); unknown if not.
            ExprKind::Relative(id) => {
                let relative = &self.rules.relatives[id.0 as usize];
                let kind = relative.substitute(crate::relative::Threshold::Unknown, e.span);
                return self.expr(
                    &Expr {
                        kind,
                        ty,
                        span: e.span,
                    },
                    level,
                );
            }
            ExprKind::Let(id) => self.let_value(*id),
            ExprKind::Persona(id) => self.persona(*id),
            ExprKind::Not(x) => {
                let x = self.expr(x, level);
                self.add(Op::Not(x), level, ty)
            }
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                let (a, b) = (self.expr(a, level), self.expr(b, level));
                let op = if matches!(e.kind, ExprKind::And(..)) {
                    Op::And(a, b)
                } else {
                    Op::Or(a, b)
                };
                self.add(op, level, ty)
            }
            ExprKind::Is { value, present } => {
                let input = self.expr(value, level);
                self.add(
                    Op::Present {
                        input,
                        present: *present,
                    },
                    level,
                    ty,
                )
            }
            ExprKind::AnyContact(body) | ExprKind::EveryContact(body) => {
                let body = self.expr(body, Level::Contact);
                let op = if matches!(e.kind, ExprKind::AnyContact(_)) {
                    Op::Any(body)
                } else {
                    Op::Every(body)
                };
                self.add(op, Level::Lead, ty)
            }
            ExprKind::CountContacts(filter) => {
                let filter = filter.as_ref().map(|f| self.expr(f, Level::Contact));
                self.add(Op::Count(filter), Level::Lead, ty)
            }
            _ => {
                let mut children = Vec::new();
                e.for_each_child(|c| children.push(c));
                // An operator over lead values only stays at lead level.
                let args: Vec<NodeId> = children.into_iter().map(|c| self.expr(c, level)).collect();
                let node_level = if args
                    .iter()
                    .all(|a| self.nodes[a.0 as usize].level == Level::Lead)
                {
                    Level::Lead
                } else {
                    Level::Contact
                };
                let args = args.into_iter().map(|a| self.at(a, node_level)).collect();
                let shallow = Expr {
                    kind: shallow(&e.kind),
                    ty: e.ty,
                    span: e.span,
                };
                self.add(
                    Op::Apply {
                        expr: Box::new(shallow),
                        args,
                    },
                    node_level,
                    ty,
                )
            }
        };
        self.at(id, level)
    }

    /// The node of a let's value, lowered at its first use and shared by every later one (a let
    /// reads no score and no contact, so its node is the same wherever it is used).
    fn let_value(&mut self, id: LetId) -> NodeId {
        if let Some(node) = self.lets[id.0 as usize] {
            return node;
        }
        let node = self.expr(&self.rules.lets[id.0 as usize].value, Level::Lead);
        self.lets[id.0 as usize] = Some(node);
        node
    }

    /// The node of a persona's condition, lowered once like a let's value.
    fn persona(&mut self, id: PersonaId) -> NodeId {
        if let Some(node) = self.personas[id.0 as usize] {
            return node;
        }
        let node = self.expr(
            &self.rules.personas[id.0 as usize].condition,
            Level::Contact,
        );
        self.personas[id.0 as usize] = Some(node);
        node
    }

    /// The columnar forms: text tests and comparisons of a field with constants.
    fn columnar(&mut self, e: &Expr, level: Level) -> Option<NodeId> {
        let field = |x: &Expr| match x.kind {
            ExprKind::Field(f) => Some((f, false)),
            ExprKind::ContactField(f) => Some((f, true)),
            _ => None,
        };
        let constant = |x: &Expr| match &x.kind {
            ExprKind::Const(v) => Some(v.clone()),
            _ => None,
        };
        let is_text = |ty: Type| ty == Type::STRING || ty == Type::STRING_LIST;
        let keys = |f: FieldId, v: &Value| -> Vec<String> {
            let country = self.rules.schema.field(f).is_country();
            semantics::elements(v)
                .iter()
                .filter_map(|x| match x {
                    Value::String(s) => Some(semantics::key(s, country)),
                    _ => None,
                })
                .collect()
        };
        // Only numbers, dates and durations are ordered; a list constant is compared element
        // by element, which stays with the generic operator.
        let ordered = |ty: Type| {
            matches!(
                ty,
                Type::Scalar(Scalar::Number | Scalar::Date | Scalar::Duration)
            )
        };
        let signal = |x: &Expr| match x.kind {
            ExprKind::Signal(call) if ordered(x.ty) => Some(call),
            _ => None,
        };
        let scalar = |x: &Expr| constant(x).filter(|v| !v.ty().is_list());
        // A number computed from other nodes (not a field or signal, which have their own
        // forms, nor a constant).
        let computed = |x: &Expr| {
            x.ty == Type::NUMBER
                && !matches!(
                    x.kind,
                    ExprKind::Field(_)
                        | ExprKind::ContactField(_)
                        | ExprKind::Signal(_)
                        | ExprKind::Const(_)
                )
        };
        let number = |x: &Expr| constant(x).filter(|v| matches!(v, Value::Number(_)));
        let (op, node_level) = match &e.kind {
            ExprKind::Call {
                builtin: Builtin::Len,
                arg,
            } => {
                let (f, contact) = field(arg)?;
                if !is_text(self.rules.schema.field(f).ty) {
                    return None;
                }
                let node_level = if contact { Level::Contact } else { Level::Lead };
                let id = self.add(Op::Len { field: f, contact }, node_level, e.ty);
                return Some(self.at(id, level));
            }
            ExprKind::Rank { order, value } => {
                let (f, contact) = field(value)?;
                if self.rules.schema.field(f).ty != Type::STRING {
                    return None;
                }
                let node_level = if contact { Level::Contact } else { Level::Lead };
                let op = Op::Rank {
                    field: f,
                    contact,
                    order: *order,
                };
                let id = self.add(op, node_level, e.ty);
                return Some(self.at(id, level));
            }
            ExprKind::Compare { op, lhs, rhs }
                if computed(lhs) && number(rhs).is_some()
                    || computed(rhs) && number(lhs).is_some() =>
            {
                let (x, value, op) = match (computed(lhs), number(rhs)) {
                    (true, Some(value)) => (lhs, value, *op),
                    _ => (rhs, number(lhs)?, op.flipped()),
                };
                let input = self.expr(x, level);
                let node_level = self.nodes[input.0 as usize].level;
                let id = self.add(Op::NumCmp { input, op, value }, node_level, Type::BOOL);
                return Some(self.at(id, level));
            }
            ExprKind::Compare { op, lhs, rhs }
                if signal(lhs).is_some() && scalar(rhs).is_some()
                    || signal(rhs).is_some() && scalar(lhs).is_some() =>
            {
                let (call, value, op) = match (signal(lhs), scalar(rhs)) {
                    (Some(call), Some(value)) => (call, value, *op),
                    _ => (signal(rhs)?, scalar(lhs)?, op.flipped()),
                };
                (Op::SignalCmp { call, op, value }, false)
            }
            ExprKind::Compare { op, lhs, rhs } => {
                let ((f, contact), c, op) =
                    match (field(lhs), constant(rhs), field(rhs), constant(lhs)) {
                        (Some(fc), Some(c), _, _) => (fc, c, *op),
                        (_, _, Some(fc), Some(c)) => (fc, c, op.flipped()),
                        _ => return None,
                    };
                let ty = self.rules.schema.field(f).ty;
                if is_text(ty) && matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    let pred = TextPred::Keys(keys(f, &c));
                    text_op(f, contact, pred, op == CmpOp::Ne)
                } else if ordered(ty) && !c.ty().is_list() {
                    (
                        Op::Cmp {
                            field: f,
                            contact,
                            op,
                            value: c,
                        },
                        contact,
                    )
                } else {
                    return None;
                }
            }
            ExprKind::In {
                value,
                list,
                negated,
            } => {
                let (f, contact) = field(value)?;
                let c = constant(list)?;
                if !is_text(self.rules.schema.field(f).ty) {
                    return None;
                }
                let pred = TextPred::Keys(keys(f, &c));
                text_op(f, contact, pred, *negated)
            }
            ExprKind::Has { kind, list, item } => {
                let (f, contact) = field(list)?;
                let c = constant(item)?;
                if self.rules.schema.field(f).ty != Type::STRING_LIST {
                    return None;
                }
                match kind {
                    HasKind::One | HasKind::Any => {
                        let pred = TextPred::Keys(keys(f, &c));
                        text_op(f, contact, pred, false)
                    }
                    HasKind::All => (
                        Op::HasAll {
                            field: f,
                            contact,
                            keys: keys(f, &c),
                        },
                        contact,
                    ),
                }
            }
            ExprKind::Between { value, low, high } => {
                let (f, contact) = field(value)?;
                let (lo, hi) = (constant(low)?, constant(high)?);
                let ty = self.rules.schema.field(f).ty;
                if !matches!(
                    ty,
                    Type::Scalar(Scalar::Number | Scalar::Date | Scalar::Duration)
                ) {
                    return None;
                }
                let node_level = if contact { Level::Contact } else { Level::Lead };
                let cmp = |op, value| Op::Cmp {
                    field: f,
                    contact,
                    op,
                    value,
                };
                let ge = self.add(cmp(CmpOp::Ge, lo), node_level, Type::BOOL);
                let le = self.add(cmp(CmpOp::Le, hi), node_level, Type::BOOL);
                let id = self.add(Op::And(ge, le), node_level, Type::BOOL);
                return Some(self.at(id, level));
            }
            ExprKind::Contains { text, needle }
            | ExprKind::StartsWith {
                text,
                prefix: needle,
            } => {
                let (f, contact) = field(text)?;
                let Value::String(n) = constant(needle)? else {
                    return None;
                };
                if !is_text(self.rules.schema.field(f).ty) {
                    return None;
                }
                let pred = if matches!(e.kind, ExprKind::Contains { .. }) {
                    TextPred::Contains(n)
                } else {
                    TextPred::StartsWith(n)
                };
                text_op(f, contact, pred, false)
            }
            ExprKind::Matches { text, regex } => {
                let (f, contact) = field(text)?;
                if !is_text(self.rules.schema.field(f).ty) {
                    return None;
                }
                text_op(f, contact, TextPred::Matches(*regex), false)
            }
            _ => return None,
        };
        let node_level = if node_level {
            Level::Contact
        } else {
            Level::Lead
        };
        let id = self.add(op, node_level, Type::BOOL);
        Some(self.at(id, level))
    }
}

/// A text test and whether it runs over contacts.
fn text_op(field: FieldId, contact: bool, pred: TextPred, negate: bool) -> (Op, bool) {
    let op = Op::Text {
        field,
        contact,
        pred,
        negate,
    };
    (op, contact)
}

/// Whether an operator node compares text as countries (see `reference::apply`).
fn compares_countries(rules: &RuleSet, e: &Expr) -> bool {
    let country = |x: &Expr| crate::eval::reference::is_country(rules, x);
    match &e.kind {
        ExprKind::Compare { lhs, rhs, .. } => country(lhs) || country(rhs),
        ExprKind::In { value, .. } => country(value),
        ExprKind::Has { list, .. } => country(list),
        _ => false,
    }
}

/// The children of an operation, in order.
pub fn children(op: &Op) -> Vec<NodeId> {
    match op {
        Op::Present { input, .. } | Op::NumCmp { input, .. } => vec![*input],
        Op::Not(x) | Op::Broadcast(x) | Op::Any(x) | Op::Every(x) | Op::Count(Some(x)) => vec![*x],
        Op::And(a, b) | Op::Or(a, b) => vec![*a, *b],
        Op::Apply { args, .. } => args.clone(),
        _ => Vec::new(),
    }
}

/// The operator of an IR node without its operands (they are the plan node's arguments).
fn shallow(kind: &ExprKind) -> ExprKind {
    let hole = || {
        Box::new(Expr {
            kind: ExprKind::Const(Value::Bool(false)),
            ty: Type::Error,
            span: icp_diagnostics::Span::default(),
        })
    };
    // Keep the operands whose form decides semantics (country fields compare by ISO code):
    // `apply` inspects them, it never evaluates them.
    let keep = |e: &Expr| -> Box<Expr> { Box::new(e.clone()) };
    match kind {
        ExprKind::List(items) => ExprKind::List(items.iter().map(|_| *hole()).collect()),
        ExprKind::Not(_) => ExprKind::Not(hole()),
        ExprKind::Neg(_) => ExprKind::Neg(hole()),
        ExprKind::Arith { op, .. } => ExprKind::Arith {
            op: *op,
            lhs: hole(),
            rhs: hole(),
        },
        ExprKind::Compare { op, lhs, rhs } => ExprKind::Compare {
            op: *op,
            lhs: keep(lhs),
            rhs: keep(rhs),
        },
        ExprKind::In { value, negated, .. } => ExprKind::In {
            value: keep(value),
            list: hole(),
            negated: *negated,
        },
        ExprKind::Has { kind, list, .. } => ExprKind::Has {
            kind: *kind,
            list: keep(list),
            item: hole(),
        },
        ExprKind::Contains { .. } => ExprKind::Contains {
            text: hole(),
            needle: hole(),
        },
        ExprKind::StartsWith { .. } => ExprKind::StartsWith {
            text: hole(),
            prefix: hole(),
        },
        ExprKind::Matches { regex, .. } => ExprKind::Matches {
            text: hole(),
            regex: *regex,
        },
        ExprKind::Between { .. } => ExprKind::Between {
            value: hole(),
            low: hole(),
            high: hole(),
        },
        ExprKind::Is { present, .. } => ExprKind::Is {
            value: hole(),
            present: *present,
        },
        ExprKind::Call { builtin, .. } => ExprKind::Call {
            builtin: *builtin,
            arg: hole(),
        },
        ExprKind::Rank { order, .. } => ExprKind::Rank {
            order: *order,
            value: hole(),
        },
        other => other.clone(),
    }
}
