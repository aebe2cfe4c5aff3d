//! ICP bodies: metadata, `require` and `exclude` clauses, scores, groups and tiers.
//!
//! How it works: the statements of an `icp` block are checked in order and lowered into one
//! [`ir::IcpDef`]. Metadata and tier names may each be given once (`E0018`); a group must have
//! a cap above zero and at least one score (`E0019`). Clause and score labels are the source
//! text of their condition unless a score is labelled. Tier conditions may use `score`; the
//! others may not. Once the body is lowered, [`score_range`] gives the static minimum and
//! maximum score (each group's positive points capped at its maximum) and the ICP lints run.

use std::collections::HashMap;

use icp_diagnostics::{Code, Diagnostic, Span};
use icp_syntax::ast;

use crate::ir;

use super::names::State;
use super::{Checker, Ctx};

impl Checker<'_> {
    pub(super) fn icp(&mut self, index: usize) -> ir::IcpDef {
        let ast = self.icps[index];
        self.tier_icp = index;
        let mut def = ir::IcpDef {
            name: ast.name.name.clone(),
            label: ast
                .label
                .as_ref()
                .map_or_else(|| ast.name.name.clone(), |l| l.value.clone()),
            product: None,
            version: None,
            owner: None,
            description: None,
            requires: Vec::new(),
            excludes: Vec::new(),
            scores: Vec::new(),
            groups: Vec::new(),
            tiers: Vec::new(),
            max_score: 0.0,
            min_score: 0.0,
            span: ast.span,
        };
        let mut meta_spans: HashMap<ast::MetaKey, Span> = HashMap::new();
        let mut tier_spans: HashMap<String, Span> = HashMap::new();
        let mut tier_ast: Vec<&ast::Tier> = Vec::new();
        for stmt in &ast.body {
            match stmt {
                ast::IcpStmt::Meta(meta) => {
                    if let Some(first) = meta_spans.get(&meta.key) {
                        let d = Diagnostic::new(
                            Code::DUPLICATE_STATEMENT,
                            format!(
                                "`{}` is given twice in ICP `{}`",
                                meta.key.as_str(),
                                def.name
                            ),
                            meta.span,
                        )
                        .with_note_at(*first, "first given here")
                        .with_help("keep one of them");
                        self.report(d);
                        continue;
                    }
                    meta_spans.insert(meta.key, meta.span);
                    let value = Some(meta.value.value.clone());
                    match meta.key {
                        ast::MetaKey::Product => def.product = value,
                        ast::MetaKey::Version => def.version = value,
                        ast::MetaKey::Owner => def.owner = value,
                        ast::MetaKey::Description => def.description = value,
                    }
                }
                ast::IcpStmt::Require(c) => {
                    let clause = self.clause(c, "failed");
                    def.requires.push(clause);
                }
                ast::IcpStmt::Exclude(c) => {
                    let clause = self.clause(c, "excluded");
                    def.excludes.push(clause);
                }
                ast::IcpStmt::Score(s) => {
                    let rule = self.score(s, None);
                    def.scores.push(rule);
                }
                ast::IcpStmt::Group(g) => {
                    let group_index = def.groups.len();
                    if g.max.value <= 0.0 {
                        self.error(
                            Code::INVALID_GROUP,
                            g.max.span,
                            format!("the cap of group \"{}\" must be above zero", g.label.value),
                        )
                        .help = Some(
                            "a group caps the sum of its scores: `group \"intent\" max 30 { … }`"
                                .into(),
                        );
                    }
                    if g.scores.is_empty() {
                        self.error(
                            Code::INVALID_GROUP,
                            g.label.span,
                            format!("group \"{}\" has no scores", g.label.value),
                        )
                        .help = Some(
                            "add `score N \"label\" when …` lines inside it, or remove it".into(),
                        );
                    }
                    def.groups.push(ir::GroupDef {
                        label: g.label.value.clone(),
                        max: g.max.value,
                        span: g.span,
                    });
                    for s in &g.scores {
                        let rule = self.score(s, Some(group_index));
                        def.scores.push(rule);
                    }
                }
                ast::IcpStmt::Tier(t) => {
                    if let Some(first) = tier_spans.get(&t.name.name) {
                        let d = Diagnostic::new(
                            Code::DUPLICATE_STATEMENT,
                            format!(
                                "tier `{}` is declared twice in ICP `{}`",
                                t.name.name, def.name
                            ),
                            t.name.span,
                        )
                        .with_note_at(*first, "first declared here")
                        .with_help("tier names are unique within an ICP");
                        self.report(d);
                    } else {
                        tier_spans.insert(t.name.name.clone(), t.name.span);
                    }
                    let condition = t.condition.as_ref().map(|c| {
                        self.condition(
                            c,
                            Ctx {
                                contact: false,
                                tier: true,
                            },
                        )
                    });
                    tier_ast.push(t);
                    def.tiers.push(ir::TierDef {
                        name: t.name.name.clone(),
                        label: t
                            .condition
                            .as_ref()
                            .map_or_else(|| "otherwise".to_string(), |c| self.text(c.span)),
                        condition,
                        span: t.span,
                    });
                }
            }
        }
        let (min, max) = score_range(&def);
        def.min_score = min;
        def.max_score = max;
        self.lint_icp(&def);
        def
    }

    /// A clause; `verb` says what its reason calls a lead it disqualifies (`failed`,
    /// `excluded`).
    fn clause(&mut self, c: &ast::Clause, verb: &str) -> ir::Clause {
        let condition = self.condition(&c.condition, Ctx::default());
        let label = self.text(c.condition.span);
        ir::Clause {
            reason: format!("{verb}: {label}"),
            unknown: format!("unknown: {label}"),
            shown: self.shown_clause(&condition, &label),
            label,
            condition,
            span: c.span,
        }
    }

    /// What a summary shows of a clause whose source text is `label` (see
    /// [`ir::Clause::shown`]): a bare let name is replaced by the let's definition, followed
    /// through lets that are themselves one name, a bounded number of times.
    fn shown_clause(&self, condition: &ir::Expr, label: &str) -> String {
        let mut text = label.to_string();
        let mut expr = condition;
        for _ in 0..self.lets.len() {
            let ir::ExprKind::Let(id) = &expr.kind else {
                break;
            };
            let Some(ast) = self.lets.get(id.0 as usize) else {
                break;
            };
            text = self.text(ast.value.span);
            match &self.let_state[id.0 as usize] {
                State::Done(def) => expr = &def.value,
                _ => break,
            }
        }
        shorten(&text, ir::Clause::SHOWN_CHARS)
    }

    fn score(&mut self, s: &ast::Score, group: Option<usize>) -> ir::ScoreRule {
        let (condition, decay) = match &s.decay {
            None => (self.condition(&s.condition, Ctx::default()), None),
            Some(d) => self.decaying(&s.condition, d),
        };
        let written = s.decay.as_ref().map_or(s.condition.span, |d| d.span);
        let label = s
            .label
            .as_ref()
            .map_or_else(|| self.text(written), |l| l.value.clone());
        ir::ScoreRule {
            points: s.points.value,
            label,
            condition,
            group,
            decay,
            span: s.span,
        }
    }
}

/// `text` cut to at most `max` characters, the cut marked with `…` (after the last whole
/// word when there is one in the second half).
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space * 2 >= cut.len() => cut[..space].trim_end(),
        _ => cut.trim_end(),
    };
    format!("{cut}…")
}

/// The static score range of an ICP: positive points (groups capped) and negative points.
fn score_range(def: &ir::IcpDef) -> (f64, f64) {
    let mut min = 0.0;
    let mut max = 0.0;
    let mut group_pos = vec![0.0; def.groups.len()];
    let mut group_neg = vec![0.0; def.groups.len()];
    for s in &def.scores {
        match s.group {
            None if s.points > 0.0 => max += s.points,
            None => min += s.points,
            Some(g) if s.points > 0.0 => group_pos[g] += s.points,
            Some(g) => group_neg[g] += s.points,
        }
    }
    for (g, group) in def.groups.iter().enumerate() {
        max += f64::min(group_pos[g], group.max.max(0.0));
        min += f64::min(group_neg[g], group.max);
    }
    (min, max)
}
