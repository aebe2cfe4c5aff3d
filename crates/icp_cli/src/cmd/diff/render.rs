//! `icp diff`'s report as text, markdown (for a pull-request comment) or JSON.
//!
//! How it works: each section of an ICP's report is first made a table of cells (the moves
//! matrix, the scores per tier, with outcomes each tier's win figures, the leads that moved
//! most); [`render`] then writes the tables as aligned text or as markdown tables, so both
//! forms show the same figures. JSON
//! is the [`DiffReport`] itself (docs/diff.md documents its fields). Names and labels from
//! the rules and leads are written with control characters escaped (text) and `|` escaped
//! (markdown). Numbers are written as `icp score` writes them, means rounded to two
//! decimals; `-` is a figure without leads, `none` the column or row of leads with no tier.

use icp_engine::format_number;
use icp_learn::backtest::TierFigures;
use icp_learn::diff::outcomes::OutcomeChanges;
use icp_learn::diff::{CriterionChange, DiffReport, IcpDiff, Mover, Quantiles};

use crate::show::group_digits;

/// How `icp diff` writes its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
    Markdown,
}

/// The report in `format`; `old` and `new` name the two sides.
pub fn render(report: &DiffReport, format: DiffFormat, old: &str, new: &str) -> String {
    match format {
        DiffFormat::Json => {
            let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
            text.push('\n');
            text
        }
        DiffFormat::Text | DiffFormat::Markdown => {
            let md = format == DiffFormat::Markdown;
            let mut out = String::new();
            let (old, new) = (clean(old, md), clean(new, md));
            let leads = group_digits(report.leads);
            if md {
                out.push_str(&format!(
                    "## icp diff: `{old}` → `{new}`\n\n{leads} leads.\n"
                ));
            } else {
                out.push_str(&format!("icp diff: {old} -> {new}, {leads} leads\n"));
            }
            for icp in &report.icps {
                icp_section(&mut out, icp, md);
            }
            out
        }
    }
}

/// A name or label made safe for the form: control characters escaped, and in markdown `|`
/// and backticks escaped.
fn clean(text: &str, md: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '`' if md => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || is_bidi_control(c) => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// The bidirectional controls (CVE-2021-42574), shown escaped like control characters.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn number(n: Option<f64>) -> String {
    n.map_or("-".into(), |n| format_number((n * 100.0).round() / 100.0))
}

fn tier_name(t: &Option<String>, md: bool) -> String {
    t.as_ref().map_or("none".into(), |t| clean(t, md))
}

fn icp_section(out: &mut String, icp: &IcpDiff, md: bool) {
    let name = clean(&icp.icp, md);
    let status = match icp.status {
        "added" => " (added)",
        "removed" => " (removed)",
        _ => "",
    };
    let moved = group_digits(icp.moved);
    if md {
        out.push_str(&format!(
            "\n### ICP `{name}`{status}: {moved} leads changed tier\n"
        ));
    } else {
        out.push_str(&format!(
            "\nICP {name}{status}: {moved} leads changed tier\n"
        ));
    }
    let heading = |out: &mut String, text: &str| {
        if md {
            out.push_str(&format!("\n**{text}**\n\n"));
        } else {
            out.push_str(&format!("\n  {text}\n"));
        }
    };
    heading(out, "Moves (rows: old tier, columns: new tier)");
    table(out, &matrix(icp, md), md);
    heading(out, "Scores (old → new)");
    table(out, &scores(icp, md), md);
    if let Some(outcomes) = &icp.outcomes {
        let base = &outcomes.base;
        heading(
            out,
            &format!(
                "Outcomes (old → new; base: {} won, {} lost, win rate {}; AUC {} → {})",
                group_digits(base.won),
                group_digits(base.lost),
                percent(base.win_rate),
                number(outcomes.old_auc),
                number(outcomes.new_auc)
            ),
        );
        table(out, &wins(outcomes, md), md);
    }
    if !icp.movers.is_empty() {
        heading(out, "Leads that moved most");
        table(out, &movers(&icp.movers, md), md);
    }
}

/// The moves matrix: a row per old tier, a column per new tier, `none` last on both.
fn matrix(icp: &IcpDiff, md: bool) -> Vec<Vec<String>> {
    let axis = |tiers: &Option<Vec<String>>| {
        let mut axis: Vec<Option<String>> = tiers.iter().flatten().cloned().map(Some).collect();
        axis.push(None);
        axis
    };
    let (rows, columns) = (axis(&icp.old_tiers), axis(&icp.new_tiers));
    let mut table = vec![
        std::iter::once("old \\ new".to_string())
            .chain(columns.iter().map(|c| tier_name(c, md)))
            .collect::<Vec<_>>(),
    ];
    for from in &rows {
        let mut row = vec![tier_name(from, md)];
        for to in &columns {
            let n = icp
                .moves
                .iter()
                .find(|m| m.from == *from && m.to == *to)
                .map_or(0, |m| m.leads);
            row.push(if n == 0 { ".".into() } else { group_digits(n) });
        }
        table.push(row);
    }
    table
}

/// Per tier (all leads first, no tier last): each side's leads, mean and quartiles.
fn scores(icp: &IcpDiff, md: bool) -> Vec<Vec<String>> {
    let mut tiers: Vec<Option<String>> = Vec::new();
    for d in [&icp.old_scores, &icp.new_scores].into_iter().flatten() {
        for t in &d.tiers {
            if t.tier.is_some() && !tiers.contains(&t.tier) {
                tiers.push(t.tier.clone());
            }
        }
    }
    tiers.push(None);
    let cells = |q: Option<&Quantiles>| match q {
        Some(q) if q.leads > 0 => format!(
            "{} · mean {} · {} / {} / {}",
            group_digits(q.leads),
            number(q.mean),
            number(q.p25),
            number(q.median),
            number(q.p75)
        ),
        _ => "-".into(),
    };
    let mut table = vec![vec![
        "tier".to_string(),
        "old: leads · mean · p25 / median / p75".to_string(),
        "new: leads · mean · p25 / median / p75".to_string(),
    ]];
    let all = |d: &Option<icp_learn::diff::Distribution>| cells(d.as_ref().map(|d| &d.all));
    table.push(vec![
        "all".into(),
        all(&icp.old_scores),
        all(&icp.new_scores),
    ]);
    for tier in tiers {
        let of = |d: &Option<icp_learn::diff::Distribution>| {
            cells(
                d.as_ref()
                    .and_then(|d| d.tiers.iter().find(|t| t.tier == tier).map(|t| &t.scores)),
            )
        };
        table.push(vec![
            tier_name(&tier, md),
            of(&icp.old_scores),
            of(&icp.new_scores),
        ]);
    }
    table
}

/// A rate as a percentage with one decimal, `-` when undefined.
fn percent(rate: Option<f64>) -> String {
    rate.map_or("-".into(), |r| format!("{:.1}%", r * 100.0))
}

/// Per tier (no tier last): each side's leads, won, lost, win rate, lift, wins captured.
fn wins(outcomes: &OutcomeChanges, md: bool) -> Vec<Vec<String>> {
    let mut table = vec![
        [
            "tier",
            "leads",
            "won",
            "lost",
            "win rate",
            "lift",
            "wins captured",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for change in &outcomes.tiers {
        let pair = |figure: &dyn Fn(&TierFigures) -> String| {
            let side = |t: &Option<TierFigures>| t.as_ref().map_or("-".into(), figure);
            format!("{} → {}", side(&change.old), side(&change.new))
        };
        table.push(vec![
            tier_name(&change.tier, md),
            pair(&|t| group_digits(t.accounts)),
            pair(&|t| group_digits(t.won)),
            pair(&|t| group_digits(t.lost)),
            pair(&|t| percent(t.win_rate)),
            pair(&|t| number(t.lift)),
            pair(&|t| percent(t.wins_captured)),
        ]);
    }
    table
}

fn movers(movers: &[Mover], md: bool) -> Vec<Vec<String>> {
    let mut table = vec![vec![
        "id".to_string(),
        "name".to_string(),
        "tier".to_string(),
        "score".to_string(),
        "criteria that changed".to_string(),
    ]];
    for m in movers {
        table.push(vec![
            clean(&m.id, md),
            m.name.as_deref().map_or(String::new(), |n| clean(n, md)),
            format!("{} → {}", tier_name(&m.from, md), tier_name(&m.to, md)),
            format!("{} → {}", number(m.old_score), number(m.new_score)),
            m.criteria
                .iter()
                .map(|c| criterion(c, md))
                .collect::<Vec<_>>()
                .join("; "),
        ]);
    }
    table
}

/// `score "fintech": true 10 → true 20`, `require "size": true → false`.
fn criterion(c: &CriterionChange, md: bool) -> String {
    let state = |s: &Option<icp_learn::diff::CriterionState>| match s {
        None => "absent".to_string(),
        Some(s) if c.kind == "score" => format!("{} {}", s.truth, number(Some(s.points))),
        Some(s) => s.truth.to_string(),
    };
    format!(
        "{} {:?}: {} → {}",
        c.kind,
        clean(&c.label, md),
        state(&c.old),
        state(&c.new)
    )
}

/// Writes a table (first row the header) as a markdown table or as aligned text.
fn table(out: &mut String, rows: &[Vec<String>], md: bool) {
    if md {
        for (i, row) in rows.iter().enumerate() {
            out.push_str(&format!("| {} |\n", row.join(" | ")));
            if i == 0 {
                out.push_str(&format!("|{}\n", "---|".repeat(row.len())));
            }
        }
        return;
    }
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::from("    ");
        for (c, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if c + 1 < row.len() {
                line.push_str(&" ".repeat(widths[c] - cell.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}
