//! Calls: builtin functions (`len`, `lower`, `days_since`, `year`; `region` is in
//! `vocabulary`, `percentile` and `median` in `relative`) and plugin signals
//! (`plugin.signal`, `plugin.signal(arg, name: arg)`).
//!
//! How it works: a call whose callee has one segment is a builtin, which takes exactly one
//! unnamed argument of the type it needs. A dotted callee, or a dotted path without
//! parentheses, is a signal: its plugin and signal are looked up in the [`SignalCatalog`], its
//! arguments (positional, then named) are matched against the declared parameters and must be
//! literals of the declared types, and every required parameter must be given. The resolved call
//! is interned: each distinct (signal, arguments) pair gets one [`ir::SignalCallId`], so the
//! plugin computes it once per batch however often the rules use it.
//!
//! [`SignalCatalog`]: crate::schema::SignalCatalog

use icp_diagnostics::{Code, Span};
use icp_syntax::ast;

use crate::ir::{self, Builtin, Expr, ExprKind};
use crate::schema::{Type, Value};

use super::names::did_you_mean;
use super::{Checker, Ctx, error_expr, normalize_space, value_fits};

impl Checker<'_> {
    pub(super) fn call(
        &mut self,
        callee: &ast::Path,
        args: &[ast::Arg],
        span: Span,
        ctx: Ctx,
    ) -> Expr {
        if callee.segments.len() > 1 {
            let first = callee.segments[0].name.as_str();
            if first == "company" || first == "contact" {
                self.error(
                    Code::UNKNOWN_FUNCTION,
                    span,
                    format!("`{}` is a field, not a function", callee.dotted()),
                )
                .help = Some("remove the parentheses".into());
                return error_expr(span);
            }
            return match self.signal(callee, Some(args), span) {
                Some(call) => self.signal_expr(call, span),
                None => error_expr(span),
            };
        }
        let name = callee.segments[0].name.as_str();
        if let Some(list) = self.list_file(name, args, span) {
            return self.named_list(list);
        }
        if name == "region" {
            let list = self.region_call(args, span);
            return self.named_list(list);
        }
        if let Some(threshold) = self.relative_call(name, args, span, ctx) {
            return threshold;
        }
        let builtin = Builtin::ALL.into_iter().find(|b| b.name() == name);
        let Some(builtin) = builtin else {
            let help = match did_you_mean(name, FUNCTIONS.into_iter()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "the functions are {}; signals are called as `plugin.signal(…)`",
                    FUNCTIONS.join(", ")
                ),
            };
            self.error(
                Code::UNKNOWN_FUNCTION,
                callee.span,
                format!("unknown function `{name}`"),
            )
            .help = Some(help);
            return error_expr(span);
        };
        if args.len() != 1 || args[0].name.is_some() {
            self.error(
                Code::UNKNOWN_FUNCTION,
                span,
                format!("`{name}` takes exactly one argument, without a name"),
            )
            .help = Some(format!("for example `{name}({})`", example_arg(builtin)));
            return error_expr(span);
        }
        let arg = self.expr(&args[0].value, ctx);
        if arg.ty.is_error() {
            return error_expr(span);
        }
        let ty = match builtin {
            Builtin::Len if arg.ty.is_list() || arg.ty == Type::STRING => Some(Type::NUMBER),
            Builtin::Lower if arg.ty == Type::STRING || arg.ty == Type::STRING_LIST => Some(arg.ty),
            Builtin::DaysSince | Builtin::Year if arg.ty == Type::DATE => Some(Type::NUMBER),
            _ => None,
        };
        let Some(ty) = ty else {
            let needs = match builtin {
                Builtin::Len => "a list or text",
                Builtin::Lower => "text",
                Builtin::DaysSince | Builtin::Year => "a date",
            };
            self.error(
                Code::TYPE_MISMATCH,
                arg.span,
                format!(
                    "`{name}` needs {needs}, but `{}` is a {}",
                    self.show(arg.span),
                    arg.ty
                ),
            );
            return error_expr(span);
        };
        Expr {
            kind: ExprKind::Call {
                builtin,
                arg: Box::new(arg),
            },
            ty,
            span,
        }
    }

    pub(super) fn signal_expr(&self, call: ir::SignalCallId, span: Span) -> Expr {
        let decl = self
            .catalog
            .signal(self.signal_calls[call.0 as usize].signal);
        Expr {
            kind: ExprKind::Signal(call),
            ty: decl.output,
            span,
        }
    }

    /// Resolves `plugin.signal[(args)]` to an interned signal call.
    pub(super) fn signal(
        &mut self,
        path: &ast::Path,
        args: Option<&[ast::Arg]>,
        span: Span,
    ) -> Option<ir::SignalCallId> {
        let plugin = &path.segments[0];
        if !self.catalog.has_plugin(&plugin.name) {
            let rest: Vec<&str> = path.segments[1..].iter().map(|s| s.name.as_str()).collect();
            if let Some(root) = did_you_mean(&plugin.name, ["company", "contact"].into_iter()) {
                self.error(
                    Code::UNKNOWN_FIELD,
                    plugin.span,
                    format!("unknown name `{}`", plugin.name),
                )
                .help = Some(format!("did you mean `{root}.{}`?", rest.join(".")));
                return None;
            }
            let loaded = self.catalog.plugins();
            let help = if let Some(s) = did_you_mean(&plugin.name, loaded.iter().copied()) {
                format!("did you mean `{s}`?")
            } else if loaded.is_empty() {
                format!(
                    "no signal plugin is loaded, so `{}.{}` cannot be resolved; fields are written `company.…` or `contact.…`",
                    plugin.name,
                    rest.join(".")
                )
            } else {
                format!("the loaded plugins are: {}", loaded.join(", "))
            };
            self.error(
                Code::UNKNOWN_PLUGIN,
                plugin.span,
                format!("unknown plugin namespace `{}`", plugin.name),
            )
            .help = Some(help);
            return None;
        }
        if path.segments.len() < 2 {
            let names: Vec<&str> = self
                .catalog
                .signals_of(&plugin.name)
                .map(|s| s.name.as_str())
                .collect();
            self.error(
                Code::UNKNOWN_SIGNAL,
                path.span,
                format!("`{}` is a plugin, not a signal", plugin.name),
            )
            .help = Some(format!(
                "name one of its signals: {}",
                names
                    .iter()
                    .map(|n| format!("{}.{n}", plugin.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            return None;
        }
        let signal_name = &path.segments[1];
        let id = if path.segments.len() == 2 {
            self.catalog.lookup(&plugin.name, &signal_name.name)
        } else {
            None
        };
        let Some(id) = id else {
            let names: Vec<&str> = self
                .catalog
                .signals_of(&plugin.name)
                .map(|s| s.name.as_str())
                .collect();
            let help = match did_you_mean(&signal_name.name, names.iter().copied()) {
                Some(s) => format!("did you mean `{}.{s}`?", plugin.name),
                None => format!("the signals of `{}` are: {}", plugin.name, names.join(", ")),
            };
            self.error(
                Code::UNKNOWN_SIGNAL,
                path.span,
                format!(
                    "plugin `{}` has no signal `{}`",
                    plugin.name,
                    path.segments[1..]
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(".")
                ),
            )
            .help = Some(help);
            return None;
        };
        let decl = self.catalog.signal(id).clone();
        let args = args.unwrap_or(&[]);
        let mut values: Vec<Option<Value>> = vec![None; decl.params.len()];
        let mut given: Vec<bool> = vec![false; decl.params.len()];
        let mut ok = true;
        let mut next_positional = 0;
        for arg in args {
            let index = match &arg.name {
                Some(n) => match decl.params.iter().position(|p| p.name == n.name) {
                    Some(i) => i,
                    None => {
                        let names: Vec<&str> =
                            decl.params.iter().map(|p| p.name.as_str()).collect();
                        let help = match did_you_mean(&n.name, names.iter().copied()) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!("signature: {}", decl.signature()),
                        };
                        self.error(
                            Code::SIGNAL_ARGUMENTS,
                            n.span,
                            format!(
                                "`{}.{}` has no parameter `{}`",
                                decl.plugin, decl.name, n.name
                            ),
                        )
                        .help = Some(help);
                        ok = false;
                        continue;
                    }
                },
                None => {
                    let i = next_positional;
                    next_positional += 1;
                    if i >= decl.params.len() {
                        self.error(
                            Code::SIGNAL_ARGUMENTS,
                            arg.value.span,
                            format!(
                                "`{}.{}` takes {} argument(s), but more are given",
                                decl.plugin,
                                decl.name,
                                decl.params.len()
                            ),
                        )
                        .help = Some(format!("signature: {}", decl.signature()));
                        ok = false;
                        continue;
                    }
                    i
                }
            };
            if given[index] {
                self.error(
                    Code::SIGNAL_ARGUMENTS,
                    arg.value.span,
                    format!("parameter `{}` is given twice", decl.params[index].name),
                );
                ok = false;
                continue;
            }
            given[index] = true;
            let value = self.expr(&arg.value, Ctx::default());
            if value.ty.is_error() {
                ok = false;
                continue;
            }
            let ExprKind::Const(v) = &value.kind else {
                self.error(
                    Code::SIGNAL_ARGUMENTS,
                    arg.value.span,
                    "signal arguments must be literals, such as 90d, \"SaaStr Annual\" or 5M",
                )
                .help = Some(
                    "a signal is computed once per batch of leads for each distinct argument list"
                        .into(),
                );
                ok = false;
                continue;
            };
            let param = &decl.params[index];
            if !value_fits(v, param.ty) {
                let help = if param.ty == Type::DURATION && v.ty() == Type::NUMBER {
                    format!(
                        "signature: {}; write a duration such as `90d`",
                        decl.signature()
                    )
                } else {
                    format!("signature: {}", decl.signature())
                };
                self.error(
                    Code::SIGNAL_ARGUMENTS,
                    arg.value.span,
                    format!(
                        "parameter `{}` of `{}.{}` is a {}, but this is a {}",
                        param.name,
                        decl.plugin,
                        decl.name,
                        param.ty,
                        v.ty()
                    ),
                )
                .help = Some(help);
                ok = false;
                continue;
            }
            values[index] = Some(v.clone());
        }
        for (i, p) in decl.params.iter().enumerate() {
            if !given[i] && !p.optional && ok {
                self.error(
                    Code::SIGNAL_ARGUMENTS,
                    span,
                    format!(
                        "`{}.{}` needs its parameter `{}` ({})",
                        decl.plugin, decl.name, p.name, p.ty
                    ),
                )
                .help = Some(format!("signature: {}", decl.signature()));
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        let text = normalize_space(self.sources.slice(span));
        if let Some(i) = self
            .signal_calls
            .iter()
            .position(|c| c.signal == id && c.args == values)
        {
            return Some(ir::SignalCallId(i as u32));
        }
        self.signal_calls.push(ir::SignalCall {
            signal: id,
            args: values,
            text,
        });
        Some(ir::SignalCallId(self.signal_calls.len() as u32 - 1))
    }
}

pub(super) const FUNCTIONS: [&str; 7] = [
    "len",
    "lower",
    "days_since",
    "year",
    "region",
    "percentile",
    "median",
];

fn example_arg(builtin: Builtin) -> &'static str {
    match builtin {
        Builtin::Len => "company.technologies",
        Builtin::Lower => "company.name",
        Builtin::DaysSince | Builtin::Year => "2024-01-15",
    }
}
