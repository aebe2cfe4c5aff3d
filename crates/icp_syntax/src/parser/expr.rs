//! Expressions, from `or` down to a primary.
//!
//! How it works: the grammar encodes precedence as one rule per level (`or_expr`, `and_expr`,
//! `not_expr`, `comparison`, `sum`, `product`, `unary`, then the primaries), so
//! [`Builder::expr`] dispatches on the rule and each level builds its node. A chain of binary
//! operators of one level becomes left-nested nodes, built in a loop ([`Builder::chain`]); a
//! prefix operator wraps its operand ([`Builder::prefix`]).

use pest::iterators::Pair;

use crate::ast::*;

use super::literals::duration;
use super::{Builder, Rule, children};

impl Builder {
    pub(super) fn expr(&mut self, pair: Pair<'_, Rule>) -> Expr {
        match pair.as_rule() {
            Rule::expr => self.expr(next!(pair.into_inner())),
            Rule::or_expr => self.logic(pair, LogicOp::Or),
            Rule::and_expr => self.logic(pair, LogicOp::And),
            Rule::not_expr => self.not_expr(pair),
            Rule::comparison => self.comparison(pair),
            Rule::sum | Rule::product => self.arith(pair),
            Rule::unary => self.unary(pair),
            _ => self.primary(pair),
        }
    }

    /// `or_expr` and `and_expr`: left-associative chains of one operator.
    fn logic(&mut self, pair: Pair<'_, Rule>, op: LogicOp) -> Expr {
        self.chain(children(pair), |_, lhs, rhs| ExprKind::Logic {
            op,
            lhs,
            rhs,
        })
    }

    /// `not_expr`: `not` applied to an operand, or just the operand.
    fn not_expr(&mut self, pair: Pair<'_, Rule>) -> Expr {
        self.prefix(pair, Rule::not_op, ExprKind::Not)
    }

    fn comparison(&mut self, pair: Pair<'_, Rule>) -> Expr {
        let span = self.span(&pair);
        let mut it = pair.into_inner();
        let lhs = self.expr(next!(it));
        let Some(suffix) = it.next() else {
            return lhs;
        };
        let lhs = Box::new(lhs);
        let rule = suffix.as_rule();
        let mut parts = children(suffix);
        let kind = match rule {
            Rule::cmp_op => {
                let op = cmp_sym(next!(parts).as_str());
                let rhs = Box::new(self.expr(next!(parts)));
                ExprKind::Compare { op, lhs, rhs }
            }
            Rule::matches_op => ExprKind::Matches {
                value: lhs,
                regex: self.regex(next!(parts)),
            },
            Rule::between_op => {
                let low = Box::new(self.expr(next!(parts)));
                let high = Box::new(self.expr(next!(parts)));
                ExprKind::Between {
                    value: lhs,
                    low,
                    high,
                }
            }
            Rule::is_missing_op => ExprKind::Is {
                value: lhs,
                present: false,
            },
            Rule::is_present_op => ExprKind::Is {
                value: lhs,
                present: true,
            },
            other => {
                let op = match other {
                    Rule::in_op => CompareOp::In,
                    Rule::not_in_op => CompareOp::NotIn,
                    Rule::has_any_op => CompareOp::HasAny,
                    Rule::has_all_op => CompareOp::HasAll,
                    Rule::has_op => CompareOp::Has,
                    Rule::contains_op => CompareOp::Contains,
                    Rule::starts_with_op => CompareOp::StartsWith,
                    rule => unreachable!("comparison {rule:?}"),
                };
                let rhs = Box::new(self.expr(next!(parts)));
                ExprKind::Compare { op, lhs, rhs }
            }
        };
        Expr { kind, span }
    }

    /// `sum` and `product`: left-associative chains of operators.
    fn arith(&mut self, pair: Pair<'_, Rule>) -> Expr {
        self.chain(pair.into_inner(), |op, lhs, rhs| {
            let op = match op.map(|p| p.as_str()) {
                Some("+") => ArithOp::Add,
                Some("-") => ArithOp::Sub,
                Some("*") => ArithOp::Mul,
                _ => ArithOp::Div,
            };
            ExprKind::Arith { op, lhs, rhs }
        })
    }

    /// `unary`: `-` applied to an operand, or just the operand.
    fn unary(&mut self, pair: Pair<'_, Rule>) -> Expr {
        self.prefix(pair, Rule::neg_op, ExprKind::Neg)
    }

    /// A left-associative chain `operand (operator? operand)*`: `make` builds each node from
    /// the operator pair, if the rule has one, and the two operands.
    fn chain<'i>(
        &mut self,
        mut items: impl Iterator<Item = Pair<'i, Rule>>,
        make: impl Fn(Option<&Pair<'i, Rule>>, Box<Expr>, Box<Expr>) -> ExprKind,
    ) -> Expr {
        let mut lhs = self.expr(next!(items));
        while let Some(item) = items.next() {
            let (op, rhs) = match item.as_rule() {
                Rule::add_op | Rule::mul_op => (Some(item), next!(items)),
                _ => (None, item),
            };
            let rhs = self.expr(rhs);
            let span = lhs.span.to(rhs.span);
            let kind = make(op.as_ref(), Box::new(lhs), Box::new(rhs));
            lhs = Expr { kind, span };
        }
        lhs
    }

    /// A prefix rule `op_rule operand | operand`.
    fn prefix(
        &mut self,
        pair: Pair<'_, Rule>,
        op_rule: Rule,
        wrap: fn(Box<Expr>) -> ExprKind,
    ) -> Expr {
        let span = self.span(&pair);
        let mut it = pair.into_inner();
        let first = next!(it);
        if first.as_rule() == op_rule {
            let operand = self.expr(next!(it));
            Expr {
                kind: wrap(Box::new(operand)),
                span,
            }
        } else {
            self.expr(first)
        }
    }

    fn primary(&mut self, pair: Pair<'_, Rule>) -> Expr {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::paren => ExprKind::Paren(Box::new(self.expr(next!(children(pair))))),
            Rule::list => ExprKind::List(children(pair).map(|p| self.expr(p)).collect()),
            Rule::any_q | Rule::every_q => {
                let kind = if pair.as_rule() == Rule::any_q {
                    QuantifierKind::Any
                } else {
                    QuantifierKind::Every
                };
                let body = Box::new(self.expr(next!(children(pair))));
                ExprKind::Quantifier { kind, body }
            }
            Rule::count_q => ExprKind::Count {
                filter: children(pair).next().map(|p| Box::new(self.expr(p))),
            },
            Rule::today => ExprKind::Today,
            Rule::score_ref => ExprKind::Score,
            Rule::top_rank => {
                let mut it = children(pair);
                let amount = next!(it);
                let amount = match self.number(amount.as_str(), span) {
                    ExprKind::Number(n) => n,
                    _ => 0.0,
                };
                let percent = it.next().is_some();
                ExprKind::Top { amount, percent }
            }
            Rule::boolean => ExprKind::Bool(pair.as_str() == "true"),
            Rule::date => self.date(pair.as_str(), span),
            Rule::duration => duration(pair.as_str()),
            Rule::number => self.number(pair.as_str(), span),
            Rule::string => ExprKind::String(self.string(pair).value),
            Rule::reference => {
                let mut it = children(pair);
                let path = self.path(next!(it));
                match it.next() {
                    Some(args) => ExprKind::Call {
                        callee: path,
                        args: self.call_args(args),
                    },
                    None => ExprKind::Path(path),
                }
            }
            rule => unreachable!("primary {rule:?}"),
        };
        Expr { kind, span }
    }

    pub(super) fn path(&mut self, pair: Pair<'_, Rule>) -> Path {
        let span = self.span(&pair);
        let segments = pair.into_inner().map(|p| self.ident(p)).collect();
        Path { segments, span }
    }

    pub(super) fn call_args(&mut self, pair: Pair<'_, Rule>) -> Vec<Arg> {
        children(pair)
            .map(|arg| {
                let mut it = children(arg).peekable();
                let name = match it.peek() {
                    Some(p) if p.as_rule() == Rule::ident => Some(self.ident(next!(it))),
                    _ => None,
                };
                let value = self.expr(next!(it));
                Arg { name, value }
            })
            .collect()
    }
}

pub(super) fn cmp_sym(text: &str) -> CompareOp {
    match text {
        "==" => CompareOp::Eq,
        "!=" => CompareOp::Ne,
        "<=" => CompareOp::Le,
        ">=" => CompareOp::Ge,
        "<" => CompareOp::Lt,
        _ => CompareOp::Gt,
    }
}
