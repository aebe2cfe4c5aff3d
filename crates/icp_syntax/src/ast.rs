//! The abstract syntax tree of one `.icp` file.
//!
//! How it works: the parser builds these plain structs from pest's parse tree, so no pest type
//! ever leaves this crate. Every node carries the [`Span`] of the source it came from; names
//! are unresolved text (the checker resolves them), literals are already decoded (`10M` is
//! 10,000,000, `6mo` is 180 days, dates are days since 1970-01-01).

use icp_diagnostics::{FileId, Span};
use serde::Serialize;

/// One parsed source file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct File {
    #[serde(skip)]
    pub file: FileId,
    pub items: Vec<Item>,
    pub comments: Vec<Comment>,
}

/// A `# …` comment, kept for the formatter; `text` starts at `#` and has no line break.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comment {
    #[serde(skip)]
    pub span: Span,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Item {
    Let(Let),
    Persona(Persona),
    Icp(Icp),
    Test(Test),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Let(x) => x.span,
            Item::Persona(x) => x.span,
            Item::Icp(x) => x.span,
            Item::Test(x) => x.span,
        }
    }
}

/// A name written in the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ident {
    pub name: String,
    #[serde(skip)]
    pub span: Span,
}

/// A decoded string literal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StringLit {
    pub value: String,
    #[serde(skip)]
    pub span: Span,
}

/// `let NAME = EXPR`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Let {
    pub name: Ident,
    pub value: Expr,
    #[serde(skip)]
    pub span: Span,
}

/// `persona NAME ["label"] when EXPR`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Persona {
    pub name: Ident,
    pub label: Option<StringLit>,
    pub condition: Expr,
    #[serde(skip)]
    pub span: Span,
}

/// `icp NAME ["label"] { … }`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Icp {
    pub name: Ident,
    pub label: Option<StringLit>,
    pub body: Vec<IcpStmt>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum IcpStmt {
    Meta(Meta),
    Require(Clause),
    Exclude(Clause),
    Score(Score),
    Group(Group),
    Tier(Tier),
}

impl IcpStmt {
    pub fn span(&self) -> Span {
        match self {
            IcpStmt::Meta(x) => x.span,
            IcpStmt::Require(x) | IcpStmt::Exclude(x) => x.span,
            IcpStmt::Score(x) => x.span,
            IcpStmt::Group(x) => x.span,
            IcpStmt::Tier(x) => x.span,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum MetaKey {
    Product,
    Version,
    Owner,
    Description,
}

impl MetaKey {
    pub fn as_str(self) -> &'static str {
        match self {
            MetaKey::Product => "product",
            MetaKey::Version => "version",
            MetaKey::Owner => "owner",
            MetaKey::Description => "description",
        }
    }
}

/// `product "…"`, `version "…"`, `owner "…"`, `description "…"`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Meta {
    pub key: MetaKey,
    pub value: StringLit,
    #[serde(skip)]
    pub span: Span,
}

/// `require EXPR` or `exclude EXPR`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clause {
    pub condition: Expr,
    #[serde(skip)]
    pub span: Span,
}

/// A point count as written (`20`, `-30`, `0.5`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Points {
    pub value: f64,
    #[serde(skip)]
    pub span: Span,
}

/// `score N ["label"] when EXPR`, or `score N ["label"] decaying(AGE, half_life = D)`, whose
/// `condition` is then AGE and `decay` the rest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub points: Points,
    pub label: Option<StringLit>,
    pub condition: Expr,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decay: Option<Decay>,
    #[serde(skip)]
    pub span: Span,
}

/// `decaying(AGE, half_life = D)` of a score: the points are multiplied by 0.5^(AGE / D).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decay {
    /// The half-life in days (`90d` is 90, `6mo` 180).
    pub half_life: f64,
    /// The half-life as written (`90d`), which the formatter keeps.
    pub half_life_text: String,
    /// From `decaying` to the closing parenthesis.
    #[serde(skip)]
    pub span: Span,
}

/// `group "label" max N { score … }`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub label: StringLit,
    pub max: Points,
    pub scores: Vec<Score>,
    #[serde(skip)]
    pub span: Span,
}

/// `tier NAME when EXPR` or `tier NAME otherwise` (`condition` is `None`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tier {
    pub name: Ident,
    pub condition: Option<Expr>,
    #[serde(skip)]
    pub span: Span,
}

/// `test "label" { … }`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Test {
    pub label: StringLit,
    pub body: Vec<TestStmt>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TestStmt {
    Company(Record),
    Contact(Record),
    Signal(SignalSet),
    Expect(Expect),
}

impl TestStmt {
    pub fn span(&self) -> Span {
        match self {
            TestStmt::Company(x) | TestStmt::Contact(x) => x.span,
            TestStmt::Signal(x) => x.span,
            TestStmt::Expect(x) => x.span,
        }
    }
}

/// `company { field: value, … }` or `contact { … }`; the span covers the keyword too.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub fields: Vec<FieldInit>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldInit {
    pub name: Ident,
    pub value: Expr,
    #[serde(skip)]
    pub span: Span,
}

/// `signal plugin.signal[(args)] = value`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignalSet {
    pub path: Path,
    pub args: Option<Vec<Arg>>,
    pub value: Expr,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expect {
    pub kind: ExpectKind,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ExpectKind {
    Tier {
        icp: Ident,
        tier: Ident,
    },
    Score {
        icp: Ident,
        op: CompareOp,
        value: Expr,
    },
    Qualified {
        icp: Ident,
    },
    Disqualified {
        icp: Ident,
    },
    Best {
        icp: Ident,
    },
}

impl ExpectKind {
    pub fn icp(&self) -> &Ident {
        match self {
            ExpectKind::Tier { icp, .. }
            | ExpectKind::Score { icp, .. }
            | ExpectKind::Qualified { icp }
            | ExpectKind::Disqualified { icp }
            | ExpectKind::Best { icp } => icp,
        }
    }
}

/// A dotted name: `company.employees`, `funding.days_since_last_round`, `target_geo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Path {
    pub segments: Vec<Ident>,
    #[serde(skip)]
    pub span: Span,
}

impl Path {
    /// The path as written, segments joined by dots.
    pub fn dotted(&self) -> String {
        let names: Vec<&str> = self.segments.iter().map(|s| s.name.as_str()).collect();
        names.join(".")
    }
}

/// A call argument, optionally named (`within: 90d`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expr {
    pub kind: ExprKind,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ExprKind {
    Number(f64),
    String(String),
    Bool(bool),
    /// Days since 1970-01-01.
    Date(i32),
    /// A duration in days (`6mo` = 180, `1y` = 365).
    Duration(f64),
    List(Vec<Expr>),
    Path(Path),
    Call {
        callee: Path,
        args: Vec<Arg>,
    },
    Today,
    /// `score`, legal only in tier conditions.
    Score,
    /// `top 10%` (`percent`) or `top 50`: a rank tier, legal only in tier conditions.
    Top {
        amount: f64,
        percent: bool,
    },
    Paren(Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Logic {
        op: LogicOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Arith {
        op: ArithOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Compare {
        op: CompareOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Matches {
        value: Box<Expr>,
        regex: Regex,
    },
    Between {
        value: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
    },
    /// `x is missing` (`present: false`) or `x is present`.
    Is {
        value: Box<Expr>,
        present: bool,
    },
    /// `any contact where …` / `every contact where …`
    Quantifier {
        kind: QuantifierKind,
        body: Box<Expr>,
    },
    /// `count contacts [where …]`
    Count {
        filter: Option<Box<Expr>>,
    },
}

/// A regex literal after `matches`: the pattern as written between the slashes, and its flags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Regex {
    pub pattern: String,
    pub flags: String,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum LogicOp {
    And,
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Has,
    HasAny,
    HasAll,
    Contains,
    StartsWith,
}

impl CompareOp {
    /// The operator as written in the source.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::In => "in",
            CompareOp::NotIn => "not in",
            CompareOp::Has => "has",
            CompareOp::HasAny => "has any",
            CompareOp::HasAll => "has all",
            CompareOp::Contains => "contains",
            CompareOp::StartsWith => "starts with",
        }
    }
}

impl LogicOp {
    pub fn as_str(self) -> &'static str {
        match self {
            LogicOp::And => "and",
            LogicOp::Or => "or",
        }
    }
}

impl ArithOp {
    pub fn as_str(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum QuantifierKind {
    Any,
    Every,
}

/// Days since 1970-01-01 of a proleptic Gregorian date, or `None` if the date does not exist.
pub fn days_from_civil(year: i32, month: u32, day: u32) -> Option<i32> {
    if !(1..=12).contains(&month) || day == 0 {
        return None;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if day > days_in_month[month as usize - 1] {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// The (year, month, day) of a count of days since 1970-01-01.
pub fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i32::from(m <= 2);
    (y, m, d)
}
