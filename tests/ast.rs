//! AST snapshots of representative files, and the precedence rules of SPEC §3 as named tests.

use icp_diagnostics::FileId;
use icp_syntax::ast::{ExprKind, Item, LogicOp};
use icp_tests::workspace;

fn parse(text: &str) -> icp_syntax::ast::File {
    icp_syntax::parse(FileId(0), text).unwrap_or_else(|d| panic!("{d:?}"))
}

#[test]
fn ast_snapshots() {
    insta::glob!("ast/*.icp", |path| {
        let text = std::fs::read_to_string(path).expect("readable");
        insta::assert_json_snapshot!(parse(&text));
    });
}

/// A compact, fully parenthesised rendering of an expression, to state precedence plainly.
fn sexpr(e: &icp_syntax::ast::Expr) -> String {
    match &e.kind {
        ExprKind::Number(n) => format!("{n}"),
        ExprKind::String(s) => format!("{s:?}"),
        ExprKind::Bool(b) => format!("{b}"),
        ExprKind::Path(p) => p.dotted(),
        ExprKind::Paren(inner) => sexpr(inner),
        ExprKind::List(items) => format!(
            "[{}]",
            items.iter().map(sexpr).collect::<Vec<_>>().join(", ")
        ),
        ExprKind::Not(x) => format!("(not {})", sexpr(x)),
        ExprKind::Neg(x) => format!("(- {})", sexpr(x)),
        ExprKind::Logic { op, lhs, rhs } => {
            format!("({} {} {})", op.as_str(), sexpr(lhs), sexpr(rhs))
        }
        ExprKind::Arith { op, lhs, rhs } => {
            format!("({} {} {})", op.as_str(), sexpr(lhs), sexpr(rhs))
        }
        ExprKind::Compare { op, lhs, rhs } => {
            format!("({} {} {})", op.as_str(), sexpr(lhs), sexpr(rhs))
        }
        ExprKind::Between { value, low, high } => {
            format!("(between {} {} {})", sexpr(value), sexpr(low), sexpr(high))
        }
        ExprKind::Quantifier { kind, body } => format!("({kind:?} {})", sexpr(body)),
        ExprKind::Count { filter } => format!(
            "(count {})",
            filter.as_ref().map_or("*".into(), |f| sexpr(f))
        ),
        other => format!("{other:?}"),
    }
}

fn let_values(text: &str) -> Vec<String> {
    parse(text)
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Let(l) => Some(sexpr(&l.value)),
            _ => None,
        })
        .collect()
}

#[test]
fn precedence_follows_the_spec() {
    let text =
        std::fs::read_to_string(workspace().join("tests/ast/precedence.icp")).expect("readable");
    assert_eq!(
        let_values(&text),
        [
            "(or (and (not (> company.employees 5)) (> company.revenue 1000000)) (< company.founded 2000))",
            "(>= (- (- company.revenue (* company.employees 2)) (/ 3 (- company.founded))) 10)",
            "(count (or (== contact.title \"CFO\") (== contact.title \"CEO\")))",
            "(and (Any (== contact.title \"CFO\")) (between company.employees 10 (+ 20 5)))",
            "(and (and (not in company.country [\"US\"]) (has any company.industry [\"A\"])) (has all company.tags [\"b\"]))",
        ]
    );
}

#[test]
fn a_where_body_extends_as_far_right_as_possible() {
    let values = let_values(
        "let x = any contact where contact.title == \"CFO\" and company.employees > 5\n",
    );
    assert_eq!(
        values,
        ["(Any (and (== contact.title \"CFO\") (> company.employees 5)))"]
    );
}

#[test]
fn and_binds_tighter_than_or_and_chains_associate_left() {
    let values = let_values("let x = company.a or company.b and company.c or company.d\n");
    assert_eq!(
        values,
        ["(or (or company.a (and company.b company.c)) company.d)"]
    );
    let e = &parse("let x = company.a or company.b\n").items[0];
    let Item::Let(l) = e else { panic!() };
    assert!(matches!(
        l.value.kind,
        ExprKind::Logic {
            op: LogicOp::Or,
            ..
        }
    ));
}

#[test]
fn literals_are_decoded() {
    let values = let_values(
        "let a = 10M\nlet b = 1.2K\nlet c = 1_000\nlet d = 6mo\nlet e = 1y\nlet f = 12w\nlet g = 2B\n",
    );
    assert_eq!(values[..3], ["10000000", "1200", "1000"]);
    let file = parse("let d = 6mo\nlet e = 1y\nlet f = 12w\nlet g = 1970-01-02\n");
    let kinds: Vec<String> = file
        .items
        .iter()
        .map(|i| match i {
            Item::Let(l) => format!("{:?}", l.value.kind),
            _ => String::new(),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "Duration(180.0)",
            "Duration(365.0)",
            "Duration(84.0)",
            "Date(1)"
        ]
    );
}
