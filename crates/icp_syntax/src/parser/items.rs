//! Items and statements: `let`, `persona`, `icp` and `test` with what they hold.
//!
//! How it works: one builder function per grammar rule, named after the rule, takes the
//! rule's meaningful [`children`] in the order the grammar gives them.

use icp_diagnostics::Code;
use pest::iterators::Pair;

use crate::ast::*;

use super::expr::cmp_sym;
use super::{Builder, Rule, children};

impl Builder {
    pub(super) fn item(&mut self, pair: Pair<'_, Rule>) -> Item {
        match pair.as_rule() {
            Rule::let_item => Item::Let(self.let_item(pair)),
            Rule::persona_item => Item::Persona(self.persona_item(pair)),
            Rule::icp_item => Item::Icp(self.icp_item(pair)),
            Rule::test_item => Item::Test(self.test_item(pair)),
            rule => unreachable!("item {rule:?}"),
        }
    }

    fn let_item(&mut self, pair: Pair<'_, Rule>) -> Let {
        let span = self.span(&pair);
        let mut it = children(pair);
        let name = self.ident(next!(it));
        let value = self.expr(next!(it));
        Let { name, value, span }
    }

    fn persona_item(&mut self, pair: Pair<'_, Rule>) -> Persona {
        let span = self.span(&pair);
        let mut it = children(pair).peekable();
        let name = self.ident(next!(it));
        let label = match it.peek() {
            Some(p) if p.as_rule() == Rule::string => Some(self.string(next!(it))),
            _ => None,
        };
        let condition = self.expr(next!(it));
        Persona {
            name,
            label,
            condition,
            span,
        }
    }

    fn icp_item(&mut self, pair: Pair<'_, Rule>) -> Icp {
        let span = self.span(&pair);
        let mut it = children(pair).peekable();
        let name = self.ident(next!(it));
        let label = match it.peek() {
            Some(p) if p.as_rule() == Rule::string => Some(self.string(next!(it))),
            _ => None,
        };
        let body = it.map(|p| self.icp_stmt(p)).collect();
        Icp {
            name,
            label,
            body,
            span,
        }
    }

    fn icp_stmt(&mut self, pair: Pair<'_, Rule>) -> IcpStmt {
        match pair.as_rule() {
            Rule::meta_stmt => IcpStmt::Meta(self.meta_stmt(pair)),
            Rule::require_stmt => IcpStmt::Require(self.clause(pair)),
            Rule::exclude_stmt => IcpStmt::Exclude(self.clause(pair)),
            Rule::score_stmt => IcpStmt::Score(self.score_stmt(pair)),
            Rule::group_stmt => IcpStmt::Group(self.group_stmt(pair)),
            Rule::tier_stmt => IcpStmt::Tier(self.tier_stmt(pair)),
            rule => unreachable!("icp statement {rule:?}"),
        }
    }

    fn meta_stmt(&mut self, pair: Pair<'_, Rule>) -> Meta {
        let span = self.span(&pair);
        let mut it = children(pair);
        let key = match next!(it).as_str() {
            "product" => MetaKey::Product,
            "version" => MetaKey::Version,
            "owner" => MetaKey::Owner,
            _ => MetaKey::Description,
        };
        let value = self.string(next!(it));
        Meta { key, value, span }
    }

    fn clause(&mut self, pair: Pair<'_, Rule>) -> Clause {
        let span = self.span(&pair);
        let condition = self.expr(next!(children(pair)));
        Clause { condition, span }
    }

    fn score_stmt(&mut self, pair: Pair<'_, Rule>) -> Score {
        let span = self.span(&pair);
        let mut it = children(pair).peekable();
        let points = self.points(next!(it));
        let label = match it.peek() {
            Some(p) if p.as_rule() == Rule::string => Some(self.string(next!(it))),
            _ => None,
        };
        let body = next!(it);
        if body.as_rule() != Rule::decaying {
            let condition = self.expr(body);
            return Score {
                points,
                label,
                condition,
                decay: None,
                span,
            };
        }
        let decay_span = self.span(&body);
        let mut parts =
            children(body).filter(|p| p.as_rule() == Rule::expr || p.as_rule() == Rule::duration);
        let condition = self.expr(next!(parts));
        let half_life_pair = next!(parts);
        let half_life_text = half_life_pair.as_str().to_string();
        let half_life = match super::literals::duration(&half_life_text) {
            crate::ast::ExprKind::Duration(days) => days,
            _ => 0.0,
        };
        Score {
            points,
            label,
            condition,
            decay: Some(Decay {
                half_life,
                half_life_text,
                span: decay_span,
            }),
            span,
        }
    }

    fn points(&mut self, pair: Pair<'_, Rule>) -> Points {
        let span = self.span(&pair);
        let value = match pair.as_str().parse::<f64>() {
            Ok(v) if v.is_finite() && v.abs() < 1e15 => v,
            _ => {
                self.error(
                    Code::INVALID_LITERAL,
                    format!(
                        "`{}` points is more than this tool can count",
                        pair.as_str()
                    ),
                    span,
                    "points are ordinary numbers, such as 10 or -30",
                );
                0.0
            }
        };
        Points { value, span }
    }

    fn group_stmt(&mut self, pair: Pair<'_, Rule>) -> Group {
        let span = self.span(&pair);
        let mut it = children(pair);
        let label = self.string(next!(it));
        let max = self.points(next!(it));
        let scores = it.map(|p| self.score_stmt(p)).collect();
        Group {
            label,
            max,
            scores,
            span,
        }
    }

    fn tier_stmt(&mut self, pair: Pair<'_, Rule>) -> Tier {
        let span = self.span(&pair);
        let mut it = children(pair);
        let name = self.ident(next!(it));
        let rest = next!(it);
        let condition = match rest.as_rule() {
            Rule::otherwise => None,
            _ => Some(self.expr(rest)),
        };
        Tier {
            name,
            condition,
            span,
        }
    }

    fn test_item(&mut self, pair: Pair<'_, Rule>) -> Test {
        let span = self.span(&pair);
        let mut it = children(pair);
        let label = self.string(next!(it));
        let body = it.map(|p| self.test_stmt(p)).collect();
        Test { label, body, span }
    }

    fn test_stmt(&mut self, pair: Pair<'_, Rule>) -> TestStmt {
        match pair.as_rule() {
            Rule::company_block => TestStmt::Company(self.record_block(pair)),
            Rule::contact_block => TestStmt::Contact(self.record_block(pair)),
            Rule::signal_stmt => TestStmt::Signal(self.signal_stmt(pair)),
            Rule::expect_stmt => TestStmt::Expect(self.expect_stmt(pair)),
            rule => unreachable!("test statement {rule:?}"),
        }
    }

    /// `company_block` and `contact_block`: the keyword and its record.
    fn record_block(&mut self, pair: Pair<'_, Rule>) -> Record {
        let span = self.span(&pair);
        let record = next!(children(pair));
        let fields = children(record).map(|p| self.field_init(p)).collect();
        Record { fields, span }
    }

    fn field_init(&mut self, pair: Pair<'_, Rule>) -> FieldInit {
        let span = self.span(&pair);
        let mut it = children(pair);
        let name = self.ident(next!(it));
        let value = self.expr(next!(it));
        FieldInit { name, value, span }
    }

    fn signal_stmt(&mut self, pair: Pair<'_, Rule>) -> SignalSet {
        let span = self.span(&pair);
        let mut it = children(pair).peekable();
        let path = self.path(next!(it));
        let args = match it.peek() {
            Some(p) if p.as_rule() == Rule::call_args => Some(self.call_args(next!(it))),
            _ => None,
        };
        let value = self.expr(next!(it));
        SignalSet {
            path,
            args,
            value,
            span,
        }
    }

    fn expect_stmt(&mut self, pair: Pair<'_, Rule>) -> Expect {
        let span = self.span(&pair);
        let inner = next!(children(pair));
        let kind = match inner.as_rule() {
            Rule::expect_best => ExpectKind::Best {
                icp: self.ident(next!(children(inner))),
            },
            _ => self.expect_icp(inner),
        };
        Expect { kind, span }
    }

    fn expect_icp(&mut self, pair: Pair<'_, Rule>) -> ExpectKind {
        let mut it = children(pair);
        let icp = self.ident(next!(it));
        let what = next!(it);
        match what.as_rule() {
            Rule::expect_tier => ExpectKind::Tier {
                icp,
                tier: self.ident(next!(children(what))),
            },
            Rule::expect_score => {
                let mut parts = children(what);
                let op = cmp_sym(next!(parts).as_str());
                let value = self.expr(next!(parts));
                ExpectKind::Score { icp, op, value }
            }
            Rule::qualified => ExpectKind::Qualified { icp },
            _ => ExpectKind::Disqualified { icp },
        }
    }
}
