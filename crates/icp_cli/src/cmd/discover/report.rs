//! The ranked report of `icp discover`, as a text table or as JSON.
//!
//! How it works: [`json`] writes the contract of docs/backtest.md — `best`, `base` and the
//! ranked `attributes` with `field`, `value`, `support_best`, `support_base`, `lift` and
//! `p_value` — plus fields that help reading it (`leads`, `base_kind`, `customers`,
//! `customers_not_found`, `tried`; per attribute `held_best`, `held_base`, `lift_low`,
//! `lift_high`, `p_holm`, `condition`). An infinite lift is `null`. [`text`] writes the same
//! figures as a table, one ranked attribute a line.

use icp_learn::discover::draft::{lift_text, percent};
use icp_learn::discover::{Base, Finding, Population};
use serde_json::{Value, json};

/// What the report says besides the findings.
pub struct Header {
    pub population: Population,
    pub customers: usize,
    pub not_found: usize,
    pub tried: usize,
}

/// The JSON report, pretty-printed, ending with a line break.
pub fn json(header: &Header, findings: &[Finding]) -> String {
    let finite = |x: f64| if x.is_finite() { json!(x) } else { Value::Null };
    let attributes: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "field": f.candidate.field,
                "value": f.candidate.value,
                "support_best": f.support_best,
                "support_base": f.support_base,
                "lift": finite(f.lift),
                "p_value": f.p_value,
                "held_best": f.candidate.held_best,
                "held_base": f.held_base,
                "lift_low": finite(f.lift_low),
                "lift_high": finite(f.lift_high),
                "p_holm": f.p_holm,
                "condition": f.candidate.condition,
            })
        })
        .collect();
    let population = header.population;
    let report = json!({
        "best": population.best,
        "base": population.base_leads(),
        "leads": population.all,
        "base_kind": base_name(population.base),
        "customers": header.customers,
        "customers_not_found": header.not_found,
        "tried": header.tried,
        "attributes": attributes,
    });
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

fn base_name(base: Base) -> &'static str {
    match base {
        Base::All => "all",
        Base::Rest => "rest",
    }
}

/// The text report.
pub fn text(header: &Header, findings: &[Finding]) -> String {
    let population = header.population;
    let mut out = format!(
        "best customers: {} of {} leads ({} customers listed, {} not found among the leads)\n",
        population.best, population.all, header.customers, header.not_found
    );
    out.push_str(&format!(
        "base: {} leads ({})\nattributes tried: {}; {} over-represented among the best\n\n",
        population.base_leads(),
        match population.base {
            Base::All => "all leads",
            Base::Rest => "leads not among the best",
        },
        header.tried,
        findings.len()
    ));
    let rows: Vec<[String; 8]> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            [
                (i + 1).to_string(),
                f.candidate.field.clone(),
                f.candidate.value.clone(),
                percent(f.support_best),
                percent(f.support_base),
                lift_text(f.lift),
                format!("{}–{}", lift_text(f.lift_low), lift_text(f.lift_high)),
                format!("{} / {}", p_text(f.p_value), p_text(f.p_holm)),
            ]
        })
        .collect();
    let head = [
        "#", "field", "value", "best", "base", "lift", "lift 95%", "p / Holm",
    ]
    .map(String::from);
    let mut widths = head.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&head).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (cell, w))| {
                let pad = " ".repeat(w - cell.chars().count());
                // Figures right-aligned, names left-aligned.
                if i == 0 || i >= 3 {
                    format!("{pad}{cell}")
                } else {
                    format!("{cell}{pad}")
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// A p-value in three significant digits, `<1e-300` below what prints.
fn p_text(p: f64) -> String {
    if p == 0.0 {
        "<1e-300".to_string()
    } else if p >= 0.001 {
        format!("{p:.3}")
    } else {
        format!("{p:.2e}")
    }
}
