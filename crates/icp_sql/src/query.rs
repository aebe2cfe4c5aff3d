//! The whole query: input steps, lets and quantifiers, each ICP's checks, score and tier, the
//! result columns, and the best ICP per lead.
//!
//! How it works: a chain of CTEs, each adding columns to the company row. After the input
//! steps (`input`), one step per round of [`Stages`]: lets as columns of a `SELECT`, and
//! quantifiers as an aggregate over the contacts joined to the company row — `any` is the
//! largest truth of its body over the company's contacts (0 with none), `every` the smallest
//! (2 with none), `count` the number of true ones, the missing inputs of the unknown contacts
//! concatenated in contact order. Then `checks` (every require, exclude and score condition of
//! every ICP, and each decaying score's age), `scored` (each ICP's score: the points of true
//! scores in declaration order, each group's sum capped, added as `IcpResult::build` adds
//! them), `tiered` (each tier condition, with the score), and `results`: one row per lead and
//! ICP with the columns of `icp score` — the strings joined by `|` as its CSV writer joins
//! them — and the keys that pick the best ICP (the first tier, then the higher score, then the
//! ICP declared first; the first ICP when none gives a tier). A step whose expressions share
//! sub-expressions reads them from layers computed just before it (`{step}h1`, … : `hoist`);
//! a quantifier step's contact rows get theirs as nested subqueries over the contacts. The
//! country table holds only the rows the rules need (`countries_used`). Where a dialect would
//! merge a step into the next and write its columns' expressions out again (Postgres), each
//! step and contact subquery ends with its fence (`Dialect::fence`).

use icp_engine::ir::{IcpDef, RuleSet};

use crate::dialect::{Dialect, SqlType};
use crate::expr::{Compiler, Scope, Sql, concat};
use crate::stages::{Stages, Step, body};
use crate::{CompileError, Options, countries, countries_used, input, names};

/// The query's text for `rules`.
pub fn build(
    rules: &RuleSet,
    options: &Options,
    signal_columns: &[(usize, String)],
) -> Result<String, CompileError> {
    let d = options.dialect.dialect();
    let stages = Stages::new(rules);
    let has_contacts = options.contacts_table.is_some();
    let today = match options.as_of {
        Some(days) => d.double(f64::from(days)),
        None => d.today_days(),
    };
    let mut compiler = Compiler::new(rules, d, today, &stages.index);

    let mut ctes: Vec<(String, String)> = Vec::new();
    if let Some(rows) = countries_used::table_rows(rules) {
        ctes.push((
            countries::TABLE.to_string(),
            d.values_table("c", ["k", "a2"], &rows),
        ));
    }
    ctes.extend(input::ctes(rules, options, signal_columns, has_contacts)?);
    let mut last = "base".to_string();
    let mut twice: Vec<String> = Vec::new();
    for (n, step) in stages.steps.iter().enumerate() {
        let name = format!("st{n}");
        let sql = match step {
            Step::Lets(lets) => {
                let mut cols = Vec::new();
                for &l in lets {
                    let value = compiler.expr(&rules.lets[l].value, Scope::Company)?;
                    let col = names::let_value(l);
                    cols.push(format!("{} AS {col}", value.v));
                    cols.push(format!("{} AS {col}_m", value.m));
                }
                push_layers(&compiler, &mut ctes, &mut last, &name);
                select_adding(&last, cols)
            }
            Step::Quantifiers(qs) => {
                let sql = quantifier_step(&compiler, &stages, qs, &last, has_contacts)?;
                // Read twice (the row, and beside each contact): computed once.
                if reads_company_row(&sql) {
                    twice.push(last.clone());
                }
                sql
            }
        };
        ctes.push((name.clone(), sql));
        last = name;
    }

    // Checks.
    let mut cols = Vec::new();
    for (i, icp) in rules.icps.iter().enumerate() {
        let clauses = [('r', &icp.requires), ('x', &icp.excludes)];
        for (kind, list) in clauses {
            for (j, clause) in list.iter().enumerate() {
                let sql = compiler.condition(&clause.condition, Scope::Company)?;
                push_check(&mut cols, &names::check(kind, i, j), &sql);
            }
        }
        for (j, score) in icp.scores.iter().enumerate() {
            let sql = compiler.condition(&score.condition, Scope::Company)?;
            push_check(&mut cols, &names::check('s', i, j), &sql);
            if let Some(decay) = &score.decay {
                let age = compiler.expr(&decay.age, Scope::Company)?;
                cols.push(format!("{} AS {}", age.v, names::check('a', i, j)));
            }
        }
    }
    push_layers(&compiler, &mut ctes, &mut last, "checks");
    ctes.push(("checks".into(), select_adding(&last, cols)));

    // Scores.
    let mut cols = vec!["checks.*".to_string()];
    for (i, icp) in rules.icps.iter().enumerate() {
        cols.push(format!("{} AS {}", score_sql(d, icp, i), names::score(i)));
    }
    ctes.push((
        "scored".into(),
        format!("SELECT {} FROM checks", cols.join(",\n    ")),
    ));

    // Tiers.
    let mut cols = Vec::new();
    for (i, icp) in rules.icps.iter().enumerate() {
        compiler.score = Some(names::score(i));
        for (t, tier) in icp.tiers.iter().enumerate() {
            if let Some(condition) = &tier.condition {
                let sql = compiler.condition(condition, Scope::Company)?;
                push_check(&mut cols, &names::check('t', i, t), &sql);
            }
        }
    }
    compiler.score = None;
    let mut last = "scored".to_string();
    push_layers(&compiler, &mut ctes, &mut last, "tiered");
    ctes.push(("tiered".into(), select_adding(&last, cols)));

    // Each ICP's missing inputs, read twice by `distinct_joined`.
    let mut cols = vec!["tiered.*".to_string()];
    for (i, icp) in rules.icps.iter().enumerate() {
        cols.push(format!("{} AS {}", missing_sql(icp, i), names::missing(i)));
    }
    ctes.push((
        "gathered".into(),
        format!("SELECT {} FROM tiered", cols.join(",\n    ")),
    ));
    if rules.icps.len() > 1 {
        // Read once per ICP.
        twice.push("gathered".into());
    }

    // Result rows.
    let rows: Vec<String> = if rules.icps.is_empty() {
        vec![format!(
            "SELECT {id} AS id, {name} AS name, CAST(NULL AS {text}) AS icp, CAST(NULL AS BOOLEAN) AS qualified, CAST(NULL AS {dbl}) AS score, CAST(NULL AS {dbl}) AS max_score, CAST(NULL AS {text}) AS tier, CAST(NULL AS {text}) AS matched, CAST(NULL AS {text}) AS unknown, CAST(NULL AS {text}) AS reasons, 0 AS icp_order, 0 AS tier_key, 0 AS score_key FROM gathered",
            id = names::ID,
            name = names::NAME,
            text = d.type_name(SqlType::Text),
            dbl = d.type_name(SqlType::Double),
        )]
    } else {
        (rules.icps.iter().enumerate())
            .map(|(i, icp)| result_row(d, icp, i))
            .collect()
    };
    ctes.push(("results".into(), rows.join("\nUNION ALL\n")));

    let columns = "id, name, icp, qualified, score, max_score, tier, matched, unknown, reasons";
    let body = if options.all {
        format!("SELECT {columns} FROM results")
    } else {
        format!(
            "SELECT {columns} FROM (SELECT results.*, ROW_NUMBER() OVER (PARTITION BY id ORDER BY tier_key, score_key, icp_order) AS best_rank FROM results) AS ranked WHERE best_rank = 1"
        )
    };
    let mut sql = String::new();
    if let Some(view) = &options.view {
        sql.push_str(&d.create_view(view));
    }
    sql.push_str("WITH\n");
    let ctes: Vec<String> = ctes
        .iter()
        .map(|(name, q)| {
            let (materialized, fence) = if twice.contains(name) {
                (d.materialized(), "")
            } else {
                ("", d.fence())
            };
            format!("{name} AS {materialized}(\n  {q}{fence}\n)")
        })
        .collect();
    sql.push_str(&ctes.join(",\n"));
    sql.push('\n');
    sql.push_str(&body);
    Ok(sql)
}

/// `SELECT last.*, cols… FROM last`.
fn select_adding(last: &str, cols: Vec<String>) -> String {
    let cols: Vec<String> = std::iter::once(format!("{last}.*")).chain(cols).collect();
    format!("SELECT {} FROM {last}", cols.join(",\n    "))
}

/// The columns step `step`'s expressions hoisted (`hoist`), as CTEs after `last`, one per
/// layer (`{step}h1`, `{step}h2`, …); `last` becomes the last of them.
fn push_layers(
    compiler: &Compiler<'_>,
    ctes: &mut Vec<(String, String)>,
    last: &mut String,
    step: &str,
) {
    for (k, layer) in compiler.take_layers().into_iter().enumerate() {
        let name = format!("{step}h{}", k + 1);
        let cols = layer.into_iter().map(|(e, col)| format!("{e} AS {col}"));
        ctes.push((name.clone(), select_adding(last, cols.collect())));
        *last = name;
    }
}

fn push_check(cols: &mut Vec<String>, name: &str, sql: &Sql) {
    cols.push(format!("{} AS {name}", sql.v));
    cols.push(format!("{} AS {name}_m", sql.m));
}

/// One round of quantifiers: an aggregate over the contacts joined to the company row.
fn quantifier_step(
    compiler: &Compiler<'_>,
    stages: &Stages<'_>,
    qs: &[usize],
    last: &str,
    has_contacts: bool,
) -> Result<String, CompileError> {
    use icp_engine::ir::ExprKind;
    let d = compiler.d;
    let dbl = d.type_name(SqlType::Double);
    let mut outer = vec![format!("{last}.*")];
    let mut inner = Vec::new();
    let mut aggs = Vec::new();
    for &q in qs {
        let e = stages.quantifiers[q];
        let col = names::quantifier(q);
        let (empty_value, is_count) = match e.kind {
            ExprKind::AnyContact(_) => ("0", false),
            ExprKind::EveryContact(_) => ("2", false),
            _ => ("0", true),
        };
        // Over no contacts (none in the table, or no contacts table at all).
        let (value, missing) = if has_contacts {
            (
                format!("COALESCE(agg.{col}, {empty_value})"),
                // Empty where the quantifier is known (its `m`, as every `m`).
                format!(
                    "CASE WHEN COALESCE(agg.{col}, {empty_value}) = 1 THEN agg.{col}_m ELSE '' END"
                ),
            )
        } else {
            (empty_value.to_string(), "''".to_string())
        };
        if is_count {
            outer.push(format!("CAST({value} AS {dbl}) AS {col}"));
        } else {
            outer.push(format!("{value} AS {col}"));
            outer.push(format!("{missing} AS {col}_m"));
        }
        if !has_contacts {
            continue;
        }
        let b = match body(e) {
            Some(b) => compiler.condition(b, Scope::Contact)?,
            None => Sql {
                v: "2".into(),
                m: "''".into(),
                truth: true,
                nullable: false,
            },
        };
        inner.push(format!("{} AS b{q}", b.v));
        inner.push(format!("{} AS b{q}_m", b.m));
        match e.kind {
            ExprKind::AnyContact(_) => aggs.push(format!("MAX(b{q}) AS {col}")),
            ExprKind::EveryContact(_) => aggs.push(format!("MIN(b{q}) AS {col}")),
            _ => aggs.push(format!(
                "SUM(CASE WHEN b{q} = 2 THEN 1 ELSE 0 END) AS {col}"
            )),
        }
        if !is_count {
            let ordered = d.string_agg_ordered(&format!("b{q}_m"), names::CONTACT_ORDER);
            aggs.push(format!("{ordered} AS {col}_m"));
        }
    }
    if !has_contacts {
        return Ok(format!("SELECT {} FROM {last}", outer.join(",\n    ")));
    }
    // The bodies' shared columns, layer by layer, each a subquery over the contacts.
    let layers: Vec<String> = (compiler.take_contact_layers().into_iter())
        .map(|layer| {
            let cols: Vec<String> = layer
                .into_iter()
                .map(|(e, c)| format!("{e} AS {c}"))
                .collect();
            cols.join(", ")
        })
        .collect();
    // The company row is joined to the contacts only when a body reads it (a `p.` column),
    // at every layer.
    let inner = inner.join(", ");
    let joined = reads_company_row(&inner) || layers.iter().any(|l| reads_company_row(l));
    let join = |k: &str| {
        if joined {
            format!(
                "{k} AS k JOIN {last} AS p ON k.{key} = p.{id}",
                key = names::CONTACT_KEY,
                id = names::ID
            )
        } else {
            format!("{k} AS k")
        }
    };
    let fence = d.fence();
    let mut contacts = join("kbase");
    for cols in layers {
        contacts = join(&format!("(SELECT k.*, {cols} FROM {contacts}{fence})"));
    }
    Ok(format!(
        "SELECT {outer} FROM {last} LEFT JOIN (SELECT {key}, {aggs} FROM (SELECT k.{key}, k.{ord}, {inner} FROM {contacts}{fence}) AS kb GROUP BY {key}) AS agg ON agg.{key} = {last}.{id}",
        outer = outer.join(",\n    "),
        key = names::CONTACT_KEY,
        ord = names::CONTACT_ORDER,
        id = names::ID,
        aggs = aggs.join(", "),
    ))
}

/// Whether SQL of a contact scope names a column of the company row (`p.…`).
fn reads_company_row(sql: &str) -> bool {
    sql.match_indices("p.").any(|(at, _)| {
        let before = sql[..at].chars().next_back();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '\'')
    })
}

/// An ICP's score: the ungrouped points in order, plus each group's sum capped.
fn score_sql(d: &dyn Dialect, icp: &IcpDef, i: usize) -> String {
    let mut ungrouped = vec![d.double(0.0)];
    let mut groups: Vec<Vec<String>> = vec![vec![d.double(0.0)]; icp.groups.len()];
    for (j, rule) in icp.scores.iter().enumerate() {
        let truth = names::check('s', i, j);
        let points = match &rule.decay {
            None => d.double(rule.points),
            Some(decay) => format!(
                "({} * {})",
                d.double(rule.points),
                d.half_power(&format!(
                    "GREATEST({}, {}) / {}",
                    names::check('a', i, j),
                    d.double(0.0),
                    d.double(decay.half_life)
                ))
            ),
        };
        let given = format!(
            "CASE WHEN {truth} = 2 THEN {points} ELSE {} END",
            d.double(0.0)
        );
        match rule.group {
            Some(g) => groups[g].push(given),
            None => ungrouped.push(given),
        }
    }
    let sum = |terms: &[String]| format!("({})", terms.join(" + "));
    let capped: Vec<String> = (icp.groups.iter().zip(&groups))
        .map(|(g, terms)| format!("LEAST({}, {})", sum(terms), d.double(g.max)))
        .collect();
    if capped.is_empty() {
        sum(&ungrouped)
    } else {
        format!("({} + {})", sum(&ungrouped), sum(&capped))
    }
}

/// One ICP's rows of `results`.
fn result_row(d: &dyn Dialect, icp: &IcpDef, i: usize) -> String {
    let text = d.type_name(SqlType::Text);
    let truth = |kind: char, j: usize| names::check(kind, i, j);
    let qualified = qualified_sql(icp, i);
    // The tier's index: the first tier whose condition is true, on a qualified lead.
    let mut arms = format!("CASE WHEN NOT {qualified} THEN NULL");
    for (t, tier) in icp.tiers.iter().enumerate() {
        match tier.condition {
            Some(_) => arms.push_str(&format!(" WHEN {} = 2 THEN {t}", truth('t', t))),
            None => arms.push_str(&format!(" WHEN TRUE THEN {t}")),
        }
    }
    // Without tiers the index is always null; typed, as a `CASE` of nulls alone is text in
    // Postgres, which `COALESCE` with a number refuses.
    let tier_index = if icp.tiers.is_empty() {
        "CAST(NULL AS INTEGER)".to_string()
    } else {
        format!("{arms} END")
    };
    let tier_name = {
        let mut arms = format!("CASE WHEN NOT {qualified} THEN NULL");
        for (t, tier) in icp.tiers.iter().enumerate() {
            let cond = match tier.condition {
                Some(_) => format!("{} = 2", truth('t', t)),
                None => "TRUE".to_string(),
            };
            arms.push_str(&format!(" WHEN {cond} THEN {}", d.string(&tier.name)));
        }
        format!("{arms} END")
    };
    let joined = |pieces: Vec<String>| {
        if pieces.is_empty() {
            "''".to_string()
        } else {
            format!("SUBSTR({}, 2)", concat(pieces))
        }
    };
    let matched = joined(
        (icp.scores.iter().enumerate())
            .map(|(j, s)| {
                format!(
                    "CASE WHEN {} = 2 THEN {} ELSE '' END",
                    truth('s', j),
                    d.string(&format!("|{}", s.label))
                )
            })
            .collect(),
    );
    // Most leads miss nothing: no splitting then.
    let unknown = format!(
        "CASE WHEN {miss} = '' THEN '' ELSE {} END",
        d.distinct_joined(&names::missing(i), "|"),
        miss = names::missing(i)
    );
    let mut reasons = Vec::new();
    for (j, clause) in icp.requires.iter().enumerate() {
        let c = truth('r', j);
        reasons.push(format!(
            "CASE WHEN {c} = 0 THEN {} WHEN {c} = 1 THEN CASE WHEN {c}_m = '' THEN {} ELSE {} || {} || {} END ELSE '' END",
            d.string(&format!("|{}", clause.reason)),
            d.string(&format!("|{}", clause.unknown)),
            d.string("|unknown: "),
            d.distinct_joined(&format!("{c}_m"), ", "),
            d.string(" is missing"),
        ));
    }
    for (j, clause) in icp.excludes.iter().enumerate() {
        reasons.push(format!(
            "CASE WHEN {} = 2 THEN {} ELSE '' END",
            truth('x', j),
            d.string(&format!("|{}", clause.reason))
        ));
    }
    let score = names::score(i);
    format!(
        "SELECT {id} AS id, {name} AS name, CAST({icp_name} AS {text}) AS icp, {qualified} AS qualified, {score} AS score, {max} AS max_score, CAST({tier_name} AS {text}) AS tier, CAST({matched} AS {text}) AS matched, CAST({unknown} AS {text}) AS unknown, CAST({reasons} AS {text}) AS reasons, {i} AS icp_order, COALESCE({tier_index}, 1000000) AS tier_key, CASE WHEN {tier_index} IS NULL THEN 0 ELSE -{score} END AS score_key FROM gathered",
        id = names::ID,
        name = names::NAME,
        icp_name = d.string(&icp.name),
        max = d.double(icp.max_score),
        reasons = joined(reasons),
    )
}

/// Whether a lead qualifies for ICP `i`: every require true, no exclude true.
fn qualified_sql(icp: &IcpDef, i: usize) -> String {
    let mut qualified: Vec<String> = (0..icp.requires.len())
        .map(|j| format!("{} = 2", names::check('r', i, j)))
        .collect();
    qualified.extend((0..icp.excludes.len()).map(|j| format!("{} <> 2", names::check('x', i, j))));
    if qualified.is_empty() {
        "TRUE".to_string()
    } else {
        format!("({})", qualified.join(" AND "))
    }
}

/// The missing inputs of ICP `i` in the order `IcpResult::build` notes them: requires,
/// excludes, scores, then the tiers asked (on a qualified lead, up to the one that matched).
fn missing_sql(icp: &IcpDef, i: usize) -> String {
    let truth = |kind: char, j: usize| names::check(kind, i, j);
    let qualified = qualified_sql(icp, i);
    let mut missing = Vec::new();
    for (kind, n) in [
        ('r', icp.requires.len()),
        ('x', icp.excludes.len()),
        ('s', icp.scores.len()),
    ] {
        for j in 0..n {
            missing.push(format!("{}_m", truth(kind, j)));
        }
    }
    for (t, tier) in icp.tiers.iter().enumerate() {
        if tier.condition.is_some() {
            let c = truth('t', t);
            let earlier: Vec<String> = (0..t)
                .filter(|&e| icp.tiers[e].condition.is_some())
                .map(|e| format!(" AND {} <> 2", truth('t', e)))
                .collect();
            // An `otherwise` before this tier stops the tiers there.
            if icp.tiers[..t].iter().any(|e| e.condition.is_none()) {
                continue;
            }
            missing.push(format!(
                "CASE WHEN {qualified} AND {c} = 1{} THEN {c}_m ELSE '' END",
                earlier.concat()
            ));
        }
    }
    concat(missing)
}
