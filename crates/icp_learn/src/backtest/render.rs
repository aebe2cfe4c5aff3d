//! The text and markdown forms of a backtest report.
//!
//! How it works: both forms print the same tables — the base, then per ICP its tiers and the
//! leads of no tier, the calibration bands that have leads, and the criteria — from one list
//! of rows per table ([`tables`]); text aligns the columns with spaces, markdown writes pipe
//! tables ready for a pull-request comment. Rates print as percentages with one decimal, lift
//! and AUC with two, amounts as whole numbers with thousands separators; a figure without a
//! denominator prints as `-`.

use super::report::{IcpReport, Report, TierFigures};

/// A table: a title, a header and rows of cells.
struct Table {
    title: String,
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

fn percent(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{:.1}%", v * 100.0))
}

fn ratio(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.2}"))
}

fn amount(v: f64) -> String {
    let whole = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 && whole != "0" {
        out.insert(0, '-');
    }
    out
}

fn interval(t: &TierFigures) -> String {
    match (t.win_rate_low, t.win_rate_high) {
        (Some(l), Some(h)) => format!("{:.1}–{:.1}%", l * 100.0, h * 100.0),
        _ => "-".into(),
    }
}

fn tier_row(name: &str, t: &TierFigures) -> Vec<String> {
    vec![
        name.to_string(),
        t.accounts.to_string(),
        t.won.to_string(),
        t.lost.to_string(),
        t.open.to_string(),
        percent(t.win_rate),
        interval(t),
        ratio(t.lift),
        percent(t.wins_captured),
        amount(t.amount_won),
    ]
}

/// The tables of one ICP.
fn icp_tables(icp: &IcpReport) -> Vec<Table> {
    let mut tiers: Vec<Vec<String>> = icp
        .tiers
        .iter()
        .map(|t| tier_row(t.tier.as_deref().unwrap_or("-"), t))
        .collect();
    tiers.push(tier_row("not qualified", &icp.not_qualified));
    let bands = icp
        .calibration
        .iter()
        .filter(|b| b.accounts > 0)
        .map(|b| {
            vec![
                format!("{:.0}–{:.0}%", b.low * 100.0, b.high * 100.0),
                b.accounts.to_string(),
                b.won.to_string(),
                b.lost.to_string(),
                percent(b.win_rate),
            ]
        })
        .collect();
    let criteria = icp
        .criteria
        .iter()
        .map(|c| {
            let flags: Vec<&str> = c.flags.iter().map(|f| f.name()).collect();
            vec![
                c.kind.to_string(),
                c.label.clone(),
                percent(c.holds_won),
                percent(c.holds_lost),
                ratio(c.lift),
                flags.join(", "),
            ]
        })
        .collect();
    vec![
        Table {
            title: format!("ICP {} (AUC {})", icp.icp, ratio(icp.auc)),
            header: vec![
                "tier",
                "accounts",
                "won",
                "lost",
                "open",
                "win rate",
                "95% interval",
                "lift",
                "wins captured",
                "amount won",
            ],
            rows: tiers,
        },
        Table {
            title: format!("{}: win rate by score (share of the maximum)", icp.icp),
            header: vec!["score", "accounts", "won", "lost", "win rate"],
            rows: bands,
        },
        Table {
            title: format!("{}: criteria", icp.icp),
            header: vec![
                "kind",
                "criterion",
                "holds won",
                "holds lost",
                "lift",
                "flags",
            ],
            rows: criteria,
        },
    ]
}

/// Every table of the report.
fn tables(report: &Report) -> Vec<Table> {
    let b = &report.base;
    let mut all = vec![Table {
        title: "Base: every lead".into(),
        header: vec![
            "accounts",
            "won",
            "lost",
            "open",
            "win rate",
            "unmatched accounts",
        ],
        rows: vec![vec![
            b.accounts.to_string(),
            b.won.to_string(),
            b.lost.to_string(),
            b.open.to_string(),
            percent(b.win_rate),
            report.unmatched_accounts.to_string(),
        ]],
    }];
    for icp in &report.icps {
        all.extend(icp_tables(icp));
    }
    all
}

impl Report {
    /// The text form: aligned columns, numbers to the right.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (i, table) in tables(self).iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&table.title);
            out.push('\n');
            let cells = |r: &[String]| r.iter().map(|c| c.chars().count()).collect::<Vec<_>>();
            let mut widths: Vec<usize> = table.header.iter().map(|h| h.chars().count()).collect();
            for row in &table.rows {
                for (w, n) in widths.iter_mut().zip(cells(row)) {
                    *w = (*w).max(n);
                }
            }
            let header: Vec<String> = table.header.iter().map(|h| h.to_string()).collect();
            for row in std::iter::once(&header).chain(&table.rows) {
                let line: Vec<String> = row
                    .iter()
                    .zip(&widths)
                    .enumerate()
                    .map(|(c, (cell, w))| {
                        let pad = " ".repeat(w - cell.chars().count());
                        // Text columns (the first, and a criterion's label and flags) to the left.
                        let left =
                            c == 0 || table.header[c] == "criterion" || table.header[c] == "flags";
                        if left {
                            format!("{cell}{pad}")
                        } else {
                            format!("{pad}{cell}")
                        }
                    })
                    .collect();
                out.push_str("  ");
                out.push_str(line.join("  ").trim_end());
                out.push('\n');
            }
        }
        out
    }

    /// The markdown form: a heading and pipe tables, for a pull-request comment.
    pub fn to_markdown(&self) -> String {
        let escape = |s: &str| {
            s.replace('\\', "\\\\")
                .replace('|', "\\|")
                .replace('\n', " ")
        };
        let mut out = String::from("## icp backtest\n");
        for table in tables(self) {
            out.push_str(&format!("\n**{}**\n\n", escape(&table.title)));
            if table.rows.is_empty() {
                out.push_str("_none_\n");
                continue;
            }
            out.push_str(&format!("| {} |\n", table.header.join(" | ")));
            let rule: Vec<&str> = table
                .header
                .iter()
                .enumerate()
                .map(|(c, h)| {
                    if c == 0 || *h == "criterion" || *h == "flags" {
                        "---"
                    } else {
                        "---:"
                    }
                })
                .collect();
            out.push_str(&format!("| {} |\n", rule.join(" | ")));
            for row in &table.rows {
                let cells: Vec<String> = row.iter().map(|c| escape(c)).collect();
                out.push_str(&format!("| {} |\n", cells.join(" | ")));
            }
        }
        out
    }
}
