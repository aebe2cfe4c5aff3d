//! One IR expression as two SQL expressions: its value and the inputs whose absence left it
//! unknown.
//!
//! How it works: [`Compiler::expr`] turns an [`Expr`] into an [`Sql`]. A truth (a `bool`
//! expression) is the number 0 (false), 1 (unknown) or 2 (true), so Kleene `and` is `LEAST`,
//! `or` is `GREATEST` and `not` is `2 - x`, whatever a dialect does with `NULL` in logic. Any
//! other value is its SQL value, `NULL` when unknown: numbers, durations and dates as doubles
//! (dates as days since 1970-01-01, so their arithmetic is the engine's), text as text
//! (already trimmed, with the missing-value tokens made `NULL`, by the query's first step),
//! lists as arrays. An operator's value is decided only where its operands are known, by an
//! explicit `CASE`, never by a dialect's three-valued comparison.
//!
//! The missing inputs (`Sql::m`) are text: each input's name followed by `dialect::SEP`, in the
//! order the reference evaluator meets them, duplicates kept; the `unknown` column keeps the
//! first of each (the first mention of a name stays first however the evaluator merges its
//! lists). Every `m` is empty where its node is known, so an operator that is unknown exactly
//! when an operand is (or when it fails, naming no input) has the concatenation of its
//! operands' `m` — no test of the operands again, so a chain of arithmetic stays linear in
//! size — and only `and` / `or`, which can be known over unknown operands, test their result.
//! Lets, quantifiers and signals are columns the query computed before (`let3`, `q0`, `sg1`);
//! a persona is written out inside the quantifier that uses it. Every long value or
//! missing-inputs text `expr` returns is a column computed once (`hoist`), so an operand read
//! twice costs its name, not its text again.

use std::cell::RefCell;
use std::collections::HashMap;

use icp_engine::ir::{ArithOp, Builtin, Expr, ExprKind, RuleSet};
use icp_engine::schema::{Ranking, Type, Value};

use crate::CompileError;
use crate::dialect::Dialect;
use crate::hoist::Hoisted;
use crate::names;

mod compare;

pub use compare::is_country;
use compare::ordered;

/// An expression's SQL.
#[derive(Debug, Clone)]
pub struct Sql {
    /// The value: a truth 0/1/2 for a `bool`, else the value or `NULL` when unknown.
    pub v: String,
    /// The missing inputs when unknown (`''` for none).
    pub m: String,
    pub truth: bool,
    /// Whether it can be unknown at all.
    pub nullable: bool,
}

const EMPTY: &str = "''";

impl Sql {
    fn known(v: String, truth: bool) -> Sql {
        Sql {
            v,
            m: EMPTY.to_string(),
            truth,
            nullable: false,
        }
    }

    /// The SQL condition "this is unknown".
    pub fn unknown(&self) -> String {
        if !self.nullable {
            "FALSE".to_string()
        } else if self.truth {
            format!("({} = 1)", self.v)
        } else {
            format!("({} IS NULL)", self.v)
        }
    }
}

/// Where an expression is evaluated: on the company row, or on a contact row beside its
/// company's (`p.` columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Company,
    Contact,
}

/// Compiles expressions of one rule set for one dialect.
pub struct Compiler<'a> {
    pub rules: &'a RuleSet,
    pub d: &'a dyn Dialect,
    /// Today's day number.
    pub today: String,
    /// Each quantifier node (by address) to its column number.
    pub quantifiers: &'a HashMap<usize, usize>,
    /// The column of the score, in tier conditions.
    pub score: Option<String>,
    personas: RefCell<HashMap<u32, Sql>>,
    vars: RefCell<usize>,
    /// The sub-expressions computed once, as columns (`hoist`): of the company row, and of
    /// the contact rows of the current quantifier step.
    hoisted: RefCell<Hoisted>,
    contact_hoisted: RefCell<Hoisted>,
}

impl std::fmt::Debug for Compiler<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiler").finish_non_exhaustive()
    }
}

/// The concatenation of SQL text expressions (`''` when none).
pub fn concat(parts: impl IntoIterator<Item = String>) -> String {
    let parts: Vec<String> = parts.into_iter().filter(|p| p != EMPTY).collect();
    match parts.len() {
        0 => EMPTY.to_string(),
        1 => parts.into_iter().next().unwrap_or_default(),
        _ => format!("({})", parts.join(" || ")),
    }
}

/// The missing inputs of the unknown ones among `operands`, in order (each operand's `m` is
/// empty where it is known).
fn missing_of(operands: &[&Sql]) -> String {
    concat(operands.iter().map(|o| o.m.clone()))
}

/// The missing input `name` of a leaf whose value is `v`: empty where it is known.
fn leaf_missing(d: &dyn Dialect, v: &str, truth: bool, name: &str) -> String {
    let unknown = if truth {
        format!("{v} = 1")
    } else {
        format!("{v} IS NULL")
    };
    format!(
        "CASE WHEN {unknown} THEN {} ELSE '' END",
        d.missing_name(name)
    )
}

/// "Some operand is unknown", or `None` when none can be.
fn any_unknown(operands: &[&Sql]) -> Option<String> {
    let parts: Vec<String> = operands
        .iter()
        .filter(|o| o.nullable)
        .map(|o| o.unknown())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" OR "))
}

/// A truth: unknown when an operand is, else whether `holds` (never null when they are known).
fn truth_of(holds: String, operands: &[&Sql]) -> Sql {
    let v = match any_unknown(operands) {
        Some(unknown) => format!("CASE WHEN {unknown} THEN 1 WHEN {holds} THEN 2 ELSE 0 END"),
        None => format!("CASE WHEN {holds} THEN 2 ELSE 0 END"),
    };
    Sql {
        v,
        m: missing_of(operands),
        truth: true,
        nullable: operands.iter().any(|o| o.nullable),
    }
}

/// A value computed from operands by an SQL expression that is `NULL` when one of them is.
fn value_of(v: String, operands: &[&Sql], nullable: bool) -> Sql {
    Sql {
        v,
        m: missing_of(operands),
        truth: false,
        nullable: nullable || operands.iter().any(|o| o.nullable),
    }
}

impl<'a> Compiler<'a> {
    pub fn new(
        rules: &'a RuleSet,
        d: &'a dyn Dialect,
        today: String,
        quantifiers: &'a HashMap<usize, usize>,
    ) -> Compiler<'a> {
        Compiler {
            rules,
            d,
            today,
            quantifiers,
            score: None,
            personas: RefCell::new(HashMap::new()),
            vars: RefCell::new(0),
            hoisted: RefCell::new(Hoisted::for_companies()),
            contact_hoisted: RefCell::new(Hoisted::for_contacts()),
        }
    }

    /// The company-row columns the expressions compiled since the last call read, layer by
    /// layer (`Hoisted::take_layers`): the query computes them before the step reading them.
    pub fn take_layers(&self) -> Vec<Vec<(String, String)>> {
        self.hoisted.borrow_mut().take_layers()
    }

    /// The same for the contact rows of a quantifier step, which ends there: the next step's
    /// contact rows have none of these columns, so personas are written anew too.
    pub fn take_contact_layers(&self) -> Vec<Vec<(String, String)>> {
        self.personas.borrow_mut().clear();
        self.contact_hoisted.borrow_mut().take_layers()
    }

    /// `sql` with its value and missing inputs each a column when they are long.
    fn share(&self, sql: Sql, scope: Scope) -> Sql {
        let mut hoisted = match scope {
            Scope::Company => self.hoisted.borrow_mut(),
            Scope::Contact => self.contact_hoisted.borrow_mut(),
        };
        Sql {
            v: hoisted.column(sql.v),
            m: hoisted.column(sql.m),
            ..sql
        }
    }

    fn var(&self) -> String {
        let mut n = self.vars.borrow_mut();
        *n += 1;
        format!("e{n}")
    }

    fn company_col(scope: Scope, name: &str) -> String {
        match scope {
            Scope::Company => name.to_string(),
            Scope::Contact => format!("p.{name}"),
        }
    }

    fn double(&self, n: f64) -> String {
        self.d.double(n)
    }

    /// The truth of a condition: a `bool` expression's truth, or false for a known value of
    /// another type (as the reference evaluator's `outcome`).
    pub fn condition(&self, e: &Expr, scope: Scope) -> Result<Sql, CompileError> {
        let sql = self.expr(e, scope)?;
        if sql.truth {
            return Ok(sql);
        }
        Ok(Sql {
            v: format!("CASE WHEN {} THEN 1 ELSE 0 END", sql.unknown()),
            m: sql.m.clone(),
            truth: true,
            nullable: sql.nullable,
        })
    }

    /// An expression's SQL, a number finite or `NULL` (the engine's arithmetic makes an
    /// infinite or NaN result unknown).
    pub fn expr(&self, e: &Expr, scope: Scope) -> Result<Sql, CompileError> {
        let sql = self.expr_raw(e, scope)?;
        let sql = match &e.kind {
            ExprKind::Arith {
                op: ArithOp::Add | ArithOp::Sub | ArithOp::Mul | ArithOp::Div,
                ..
            } => {
                // The check names its number twice: computed once.
                let sql = self.share(sql, scope);
                Sql {
                    v: self.d.finite(&sql.v),
                    ..sql
                }
            }
            _ => sql,
        };
        Ok(self.share(sql, scope))
    }

    /// An expression's SQL, where an arithmetic result may still be infinite or NaN: checked
    /// once where it leaves a chain of arithmetic (`expr`) or divides, not at every step —
    /// the check mentions its operand twice, and once per step would double a chain's text
    /// at every step. An infinite or NaN operand gives an infinite or NaN result but as a
    /// divisor, which is checked, so deferring the check changes nothing.
    fn expr_raw(&self, e: &Expr, scope: Scope) -> Result<Sql, CompileError> {
        let rules = self.rules;
        let d = self.d;
        let is_bool = e.ty == Type::BOOL;
        Ok(match &e.kind {
            ExprKind::Const(v) => Sql::known(self.constant(v)?, is_bool),
            ExprKind::Field(f) => {
                let v = Self::company_col(scope, &names::company_field(*f));
                Sql {
                    m: leaf_missing(d, &v, is_bool, rules.schema.field(*f).path()),
                    v,
                    truth: is_bool,
                    nullable: true,
                }
            }
            ExprKind::ContactField(f) => {
                if scope != Scope::Contact {
                    return Err(CompileError::unsupported(
                        "a contact field outside `any contact`, `every contact` or `count contacts`",
                        d.name(),
                    ));
                }
                let v = format!("k.{}", names::contact_field(*f));
                Sql {
                    m: leaf_missing(d, &v, is_bool, rules.schema.field(*f).path()),
                    v,
                    truth: is_bool,
                    nullable: true,
                }
            }
            ExprKind::Let(id) => {
                let col = names::let_value(id.0 as usize);
                Sql {
                    v: Self::company_col(scope, &col),
                    m: Self::company_col(scope, &format!("{col}_m")),
                    truth: is_bool,
                    nullable: true,
                }
            }
            ExprKind::Persona(id) => {
                if let Some(sql) = self.personas.borrow().get(&id.0) {
                    return Ok(sql.clone());
                }
                let condition = &rules.personas[id.0 as usize].condition;
                let sql = self.expr(condition, scope)?;
                self.personas.borrow_mut().insert(id.0, sql.clone());
                sql
            }
            ExprKind::Signal(call) => {
                let text = &rules.signal_calls[call.0 as usize].text;
                let v = Self::company_col(scope, &names::signal(call.0 as usize));
                Sql {
                    m: leaf_missing(d, &v, is_bool, text),
                    v,
                    truth: is_bool,
                    nullable: true,
                }
            }
            ExprKind::Score => match &self.score {
                Some(col) => Sql::known(Self::company_col(scope, col), false),
                None => {
                    return Err(CompileError::unsupported(
                        "`score` outside a tier condition",
                        d.name(),
                    ));
                }
            },
            ExprKind::Today => Sql::known(self.today.clone(), false),
            ExprKind::Relative(_) => {
                return Err(CompileError::unsupported(
                    "relative thresholds (`percentile`, `median`, `top N%`)",
                    d.name(),
                ));
            }
            ExprKind::AnyContact(_) | ExprKind::EveryContact(_) | ExprKind::CountContacts(_) => {
                let index = self.quantifiers[&(e as *const Expr as usize)];
                let col = names::quantifier(index);
                let count = matches!(e.kind, ExprKind::CountContacts(_));
                Sql {
                    v: Self::company_col(scope, &col),
                    m: if count {
                        EMPTY.to_string()
                    } else {
                        Self::company_col(scope, &format!("{col}_m"))
                    },
                    truth: !count,
                    nullable: !count,
                }
            }
            ExprKind::List(items) => {
                let items: Vec<Sql> = items
                    .iter()
                    .map(|i| self.expr(i, scope))
                    .collect::<Result<_, _>>()?;
                let refs: Vec<&Sql> = items.iter().collect();
                let values: Vec<String> = items.iter().map(|i| i.v.clone()).collect();
                let array = d.text_array(&values);
                let v = match any_unknown(&refs) {
                    Some(unknown) => format!("CASE WHEN {unknown} THEN NULL ELSE {array} END"),
                    None => array,
                };
                value_of(v, &refs, false)
            }
            ExprKind::Not(a) => {
                let a = self.expr(a, scope)?;
                Sql {
                    v: format!("(2 - {})", a.v),
                    ..a
                }
            }
            ExprKind::Neg(a) => {
                let a = self.expr(a, scope)?;
                Sql {
                    v: format!("(-{})", a.v),
                    ..a
                }
            }
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                let (a, b) = (self.condition(a, scope)?, self.condition(b, scope)?);
                let f = if matches!(e.kind, ExprKind::And(..)) {
                    "LEAST"
                } else {
                    "GREATEST"
                };
                let v = format!("{f}({}, {})", a.v, b.v);
                // Known over an unknown operand (`false and x`): then no missing input.
                let missing = missing_of(&[&a, &b]);
                let m = if missing == EMPTY {
                    missing
                } else {
                    format!("CASE WHEN {v} = 1 THEN {missing} ELSE '' END")
                };
                Sql {
                    v,
                    m,
                    truth: true,
                    nullable: a.nullable || b.nullable,
                }
            }
            ExprKind::Arith { op, lhs, rhs } => {
                let a = self.expr_raw(lhs, scope)?;
                let b = if *op == ArithOp::Div {
                    self.expr(rhs, scope)?
                } else {
                    self.expr_raw(rhs, scope)?
                };
                let (a, b) = if d.arith_repeats_operands() {
                    // The dialect's operation tests its operands first: each a column.
                    (self.share(a, scope), self.share(b, scope))
                } else {
                    (a, b)
                };
                self.arith(*op, &a, &b)
            }
            ExprKind::Compare { op, lhs, rhs } => {
                let country = is_country(rules, lhs) || is_country(rules, rhs);
                let (a, b) = (self.expr(lhs, scope)?, self.expr(rhs, scope)?);
                let holds = self.compare(*op, (lhs, &a), (rhs, &b), country, scope)?;
                truth_of(holds, &[&a, &b])
            }
            ExprKind::In {
                value,
                list,
                negated,
            } => {
                let country = is_country(rules, value);
                let (a, b) = (self.expr(value, scope)?, self.expr(list, scope)?);
                let found = self.any_equal((value, &a), (list, &b), country, scope)?;
                let holds = if *negated {
                    format!("NOT {found}")
                } else {
                    found
                };
                truth_of(holds, &[&a, &b])
            }
            ExprKind::Has { kind, list, item } => {
                let country = is_country(rules, list);
                let (l, i) = (self.expr(list, scope)?, self.expr(item, scope)?);
                let holds = self.has(*kind, (list, &l), (item, &i), country, scope)?;
                truth_of(holds, &[&l, &i])
            }
            ExprKind::Contains { text, needle }
            | ExprKind::StartsWith {
                text,
                prefix: needle,
            } => {
                let starts = matches!(e.kind, ExprKind::StartsWith { .. });
                let (t, n) = (self.expr(text, scope)?, self.expr(needle, scope)?);
                let needle_key = self.key(needle, &n, false, scope)?;
                let holds = self.any_element(text, &t.v, |x| {
                    let x = self.text_key(&x);
                    Ok(if starts {
                        d.starts_with(&x, &needle_key)
                    } else {
                        d.contains(&x, &needle_key)
                    })
                })?;
                truth_of(holds, &[&t, &n])
            }
            ExprKind::Matches { text, regex } => {
                let t = self.expr(text, scope)?;
                let re = &rules.regexes[regex.0 as usize];
                let holds = self.any_element(text, &t.v, |x| {
                    d.regex_matches(&x, &re.pattern, &re.flags)
                        .map_err(|u| CompileError::dialect(u, d.name()))
                })?;
                truth_of(holds, &[&t])
            }
            ExprKind::Between { value, low, high } => {
                let (v, lo, hi) = (
                    self.expr(value, scope)?,
                    self.expr(low, scope)?,
                    self.expr(high, scope)?,
                );
                let ordered = |x: &Expr| matches!(x.ty, Type::Scalar(s) if ordered(s));
                let holds = if ordered(value) && value.ty == low.ty && value.ty == high.ty {
                    format!("({} >= {} AND {} <= {})", v.v, lo.v, v.v, hi.v)
                } else {
                    "FALSE".to_string()
                };
                truth_of(holds, &[&v, &lo, &hi])
            }
            ExprKind::Is { value, present } => {
                let v = self.expr(value, scope)?;
                let (yes, no) = if *present { (0, 2) } else { (2, 0) };
                Sql::known(
                    format!("CASE WHEN {} THEN {yes} ELSE {no} END", v.unknown()),
                    true,
                )
            }
            ExprKind::Call { builtin, arg } => {
                let a = self.expr(arg, scope)?;
                let v = match (builtin, arg.ty) {
                    (Builtin::Len, Type::List(_)) => {
                        format!("CAST({} AS {})", d.list_len(&a.v), self.double_type())
                    }
                    (Builtin::Len, _) => {
                        format!("CAST({} AS {})", d.char_length(&a.v), self.double_type())
                    }
                    (Builtin::Lower, Type::List(_)) => {
                        let x = self.var();
                        d.list_map(&a.v, &x, &format!("LOWER({x})"))
                    }
                    (Builtin::Lower, _) => format!("LOWER({})", a.v),
                    (Builtin::DaysSince, _) => format!("({} - {})", self.today, a.v),
                    (Builtin::Year, _) => d.year_of_days(&a.v),
                };
                value_of(v, &[&a], false)
            }
            ExprKind::Rank { order, value } => {
                let order = rules.schema.orders().get(*order);
                if let ExprKind::Const(Value::String(s)) = &value.kind {
                    return Ok(match order.rank(s) {
                        Some(r) => Sql::known(self.double(r), false),
                        None => Sql {
                            v: format!("CAST(NULL AS {})", self.double_type()),
                            m: EMPTY.to_string(),
                            truth: false,
                            nullable: true,
                        },
                    });
                }
                if value.ty != Type::STRING {
                    return Err(CompileError::unsupported(
                        "an ordered category of a list",
                        d.name(),
                    ));
                }
                let x = self.expr(value, scope)?;
                let v = match &order.ranking {
                    Ranking::Levels(levels) => {
                        let normal = format!(
                            "TRIM({})",
                            d.regex_replace(&format!("LOWER({})", x.v), "[^\\pL\\pN]+", " ")
                        );
                        let mut arms = String::new();
                        for (rank, level) in levels.iter().enumerate() {
                            let keys: Vec<String> =
                                level.keys.iter().map(|k| d.string(k)).collect();
                            arms.push_str(&format!(
                                " WHEN {normal} IN ({}) THEN {}",
                                keys.join(", "),
                                self.double(rank as f64)
                            ));
                        }
                        format!("CASE{arms} END")
                    }
                    Ranking::Bands => {
                        let digits = d.regex_replace(
                            &d.regex_extract(&d.trim_ws(&x.v), "^[0-9,_]*"),
                            "[,_]",
                            "",
                        );
                        format!("CAST(NULLIF({digits}, '') AS {})", self.double_type())
                    }
                };
                value_of(v, &[&x], true)
            }
        })
    }

    fn double_type(&self) -> &'static str {
        self.d.type_name(crate::dialect::SqlType::Double)
    }

    /// A constant's SQL.
    fn constant(&self, v: &Value) -> Result<String, CompileError> {
        let d = self.d;
        Ok(match v {
            Value::Bool(b) => if *b { "2" } else { "0" }.to_string(),
            Value::Number(n) | Value::Duration(n) => self.double(*n),
            Value::Date(days) => self.double(f64::from(*days)),
            Value::String(s) => d.string(s),
            Value::List(items) => {
                let items: Vec<String> = items
                    .iter()
                    .map(|i| self.constant(i))
                    .collect::<Result<_, _>>()?;
                if items.is_empty() {
                    d.text_array(&[])
                } else {
                    d.text_array(&items)
                }
            }
        })
    }

    fn arith(&self, op: ArithOp, a: &Sql, b: &Sql) -> Sql {
        let d = self.d;
        let v = match op {
            ArithOp::Add => d.arith(&a.v, '+', &b.v),
            ArithOp::Sub => d.arith(&a.v, '-', &b.v),
            ArithOp::Mul => d.arith(&a.v, '*', &b.v),
            ArithOp::Div => d.arith(&a.v, '/', &format!("NULLIF({}, 0)", b.v)),
            ArithOp::DateAdd | ArithOp::DateSub => {
                let sign = if op == ArithOp::DateAdd { "+" } else { "-" };
                let moved = format!("({} {sign} {})", a.v, d.round(&b.v));
                format!("CASE WHEN ABS({moved}) < 2e9 THEN {moved} END")
            }
            ArithOp::DateDiff => format!("({} - {})", a.v, b.v),
        };
        // A division by zero, an overflow or a date out of range is unknown naming no input.
        let can_fail = !matches!(op, ArithOp::DateDiff);
        value_of(v, &[a, b], can_fail)
    }
}
