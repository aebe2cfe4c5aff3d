//! One ICP's section of the page: its charts, tables and best leads.
//!
//! How it works: [`icp`] writes, in order, the leads per tier (leads whose best ICP this is),
//! the score distribution (tenths of the maximum score, qualified leads stacked under the
//! others), the funnel (the leads left after each clause, in declaration order), the
//! disqualification reasons and the missing fields (tables), the best leads of each tier with
//! their contacts to call, and with outcomes the backtest's win rate and lift per tier and its
//! calibration curve. Each chart comes with a table of the same numbers (`page::figure`).

use std::fmt::Write as _;

use icp_learn::backtest::{IcpReport, Report, TierFigures};

use super::charts::{self, Series, Unit, escape};
use super::data::IcpSection;
use super::page::{count_table, figure, json_number, number_cell, section_start};
use crate::show::{group_digits, plural};

/// How many reasons and missing fields an ICP's tables list.
const LISTED: usize = 10;

/// ICP number `i`'s section; `backtest` is its part of the backtest report, `whole` the
/// report (for the base win rate).
pub fn icp(
    out: &mut String,
    i: usize,
    icp: &IcpSection,
    backtest: Option<&IcpReport>,
    whole: Option<&Report>,
) {
    let id = format!("icp-{i}");
    section_start(out, &id, &format!("ICP {}", icp.name));
    if let Some(d) = &icp.description {
        let _ = writeln!(out, "<p>{}</p>", escape(d));
    }
    let leads: u64 = icp.histogram.iter().map(|b| b.leads).sum();
    let _ = writeln!(
        out,
        "<p>{} of {} leads qualify ({}); the maximum score is {}.</p>",
        group_digits(icp.qualified),
        group_digits(leads),
        crate::summary::percent(icp.qualified, leads),
        icp.max_score
    );
    tiers(out, &id, icp);
    scores(out, &id, icp);
    funnel(out, &id, icp, leads);
    count_table(
        out,
        &format!("{id}-reasons"),
        "Top disqualification reasons",
        "Reason",
        &icp.reasons[..icp.reasons.len().min(LISTED)],
        leads,
    );
    count_table(
        out,
        &format!("{id}-missing"),
        "Missing data per field (leads whose outcome it left unknown)",
        "Field",
        &icp.missing[..icp.missing.len().min(LISTED)],
        leads,
    );
    top_leads(out, &id, icp);
    if let (Some(b), Some(whole)) = (backtest, whole) {
        outcomes(out, &id, b, whole);
    }
    out.push_str("</section>\n");
}

fn tiers(out: &mut String, id: &str, icp: &IcpSection) {
    let labels: Vec<String> = icp.tiers.iter().map(|t| t.name.clone()).collect();
    let values: Vec<f64> = icp.tiers.iter().map(|t| t.leads as f64).collect();
    let chart = charts::bars(
        &format!("{id}-tiers"),
        &format!("Leads per tier of {}", icp.name),
        &format!(
            "Bar chart: for each tier of {}, the leads whose best ICP it is and that get the tier.",
            icp.name
        ),
        &labels,
        &[Series {
            values: &values,
            other: false,
        }],
        Unit::Count,
    );
    let mut rows = String::new();
    for t in &icp.tiers {
        let _ = writeln!(
            rows,
            "<tr data-key=\"{}\"><th scope=\"row\">{}</th>{}</tr>",
            escape(&t.name),
            escape(&t.name),
            number_cell("leads", t.leads as f64, &group_digits(t.leads))
        );
    }
    figure(out, "tiers", &chart, &["Tier", "Leads"], &rows);
}

fn scores(out: &mut String, id: &str, icp: &IcpSection) {
    let labels: Vec<String> = (icp.histogram.iter())
        .map(|b| format!("{}–{}", short(b.low), short(b.high)))
        .collect();
    let qualified: Vec<f64> = icp.histogram.iter().map(|b| b.qualified as f64).collect();
    let others: Vec<f64> = (icp.histogram.iter())
        .map(|b| (b.leads - b.qualified) as f64)
        .collect();
    let chart = charts::bars(
        &format!("{id}-scores"),
        &format!("Score distribution of {}", icp.name),
        "Histogram: leads per tenth of the maximum score; the bright part of each bar is the \
         qualified leads, the dim part the others. Bar labels give all leads in the band.",
        &labels,
        &[
            Series {
                values: &qualified,
                other: false,
            },
            Series {
                values: &others,
                other: true,
            },
        ],
        Unit::Count,
    );
    let mut rows = String::new();
    for (b, label) in icp.histogram.iter().zip(&labels) {
        let _ = writeln!(
            rows,
            "<tr data-key=\"{}\"><th scope=\"row\">{}</th>{}{}</tr>",
            json_number(b.low),
            escape(label),
            number_cell("leads", b.leads as f64, &group_digits(b.leads)),
            number_cell("qualified", b.qualified as f64, &group_digits(b.qualified)),
        );
    }
    figure(
        out,
        "scores",
        &chart,
        &["Score band (points)", "Leads", "Qualified"],
        &rows,
    );
}

fn funnel(out: &mut String, id: &str, icp: &IcpSection, leads: u64) {
    if icp.funnel.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"note\">{} has no require or exclude: every lead qualifies.</p>",
            escape(&icp.name)
        );
        return;
    }
    let mut labels = vec!["all leads".to_string()];
    labels.extend((1..=icp.funnel.len()).map(|k| format!("after {k}")));
    let mut values = vec![leads as f64];
    values.extend(icp.funnel.iter().map(|s| s.remaining as f64));
    let chart = charts::bars(
        &format!("{id}-funnel"),
        &format!("Funnel of {}", icp.name),
        "Bar chart: the leads left after each require and exclude, applied in the order the \
         rules declare them; a lead is counted at the first clause that removes it. The last \
         bar is the qualified leads.",
        &labels,
        &[Series {
            values: &values,
            other: false,
        }],
        Unit::Count,
    );
    let mut rows = String::new();
    for (k, step) in icp.funnel.iter().enumerate() {
        let _ = writeln!(
            rows,
            "<tr data-key=\"{}\"><th scope=\"row\">{}. {} <code>{}</code></th>{}{}</tr>",
            k + 1,
            k + 1,
            step.kind,
            escape(&step.clause),
            number_cell("removed", step.removed as f64, &group_digits(step.removed)),
            number_cell(
                "remaining",
                step.remaining as f64,
                &group_digits(step.remaining)
            ),
        );
    }
    figure(
        out,
        "funnel",
        &chart,
        &["Clause", "Removes", "Leads left"],
        &rows,
    );
}

fn top_leads(out: &mut String, id: &str, icp: &IcpSection) {
    let _ = writeln!(out, "<h3 id=\"{id}-top\">Best leads per tier</h3>");
    for tier in &icp.top_leads {
        if tier.leads.is_empty() {
            let _ = writeln!(
                out,
                "<p class=\"note\">Tier {}: no lead.</p>",
                escape(&tier.tier)
            );
            continue;
        }
        let _ = writeln!(
            out,
            "<table class=\"data leads\" data-tier=\"{}\">\n<caption>Tier {}: the best {} \
             and the contacts to call</caption>\n<thead><tr><th scope=\"col\">Lead</th>\
             <th scope=\"col\">Company</th><th scope=\"col\" class=\"num\">Score</th>\
             <th scope=\"col\">Contacts to call (personas)</th></tr></thead>\n<tbody>",
            escape(&tier.tier),
            escape(&tier.tier),
            match tier.leads.len() {
                1 => "lead".to_string(),
                n => format!("{n} leads"),
            }
        );
        for lead in &tier.leads {
            let mut contacts = String::new();
            for c in &lead.contacts {
                let who = [&c.name, &c.title, &c.email]
                    .into_iter()
                    .flatten()
                    .map(|s| escape(s))
                    .collect::<Vec<_>>()
                    .join(", ");
                let personas = if c.personas.is_empty() {
                    String::new()
                } else {
                    format!(
                        " <span class=\"tag\">{}</span>",
                        escape(&c.personas.join(", "))
                    )
                };
                let _ = write!(contacts, "<li>{who}{personas}</li>");
            }
            let contacts = if lead.contacts_total == 0 {
                "<span class=\"note\">no contact</span>".to_string()
            } else if contacts.is_empty() {
                format!(
                    "<span class=\"note\">none of its {} matches a persona</span>",
                    plural(lead.contacts_total, "contact")
                )
            } else if lead.contacts_more > 0 {
                format!(
                    "<ul>{contacts}</ul><span class=\"note\">and {} more</span>",
                    lead.contacts_more
                )
            } else {
                format!("<ul>{contacts}</ul>")
            };
            let _ = writeln!(
                out,
                "<tr data-key=\"{}\"><th scope=\"row\">{}</th><td>{}</td>{}<td>{contacts}</td></tr>",
                escape(&lead.id),
                escape(&lead.id),
                escape(lead.company.as_deref().unwrap_or("")),
                number_cell("score", lead.score, &short(lead.score)),
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
}

/// The backtest's part: win rate and lift per tier, and the calibration curve.
fn outcomes(out: &mut String, id: &str, b: &IcpReport, whole: &Report) {
    let _ = writeln!(
        out,
        "<h3 id=\"{id}-outcomes\">Outcomes</h3>\n<p>Base win rate {} over {} accounts; AUC of the score {}.</p>",
        rate(whole.base.win_rate),
        group_digits(whole.base.accounts),
        b.auc.map_or("n/a".to_string(), |a| format!("{a:.3}"))
    );
    let groups: Vec<&TierFigures> = b.tiers.iter().chain([&b.not_qualified]).collect();
    let name = |t: &TierFigures| t.tier.clone().unwrap_or_else(|| "no tier".to_string());
    let labels: Vec<String> = groups.iter().map(|t| name(t)).collect();
    let values: Vec<f64> = groups.iter().map(|t| t.win_rate.unwrap_or(0.0)).collect();
    let chart = charts::bars(
        &format!("{id}-winrate"),
        &format!("Win rate per tier of {}", b.icp),
        "Bar chart: for each tier (and the leads of no tier), the share of its closed deals \
         that were won; the table adds the deals, the lift over the base win rate and the \
         share of all wins the tier captured.",
        &labels,
        &[Series {
            values: &values,
            other: false,
        }],
        Unit::Percent,
    );
    let mut rows = String::new();
    for (t, label) in groups.iter().zip(&labels) {
        let _ = writeln!(
            rows,
            "<tr data-key=\"{}\"><th scope=\"row\">{}</th>{}{}{}{}{}{}</tr>",
            escape(label),
            escape(label),
            number_cell("accounts", t.accounts as f64, &group_digits(t.accounts)),
            number_cell("won", t.won as f64, &group_digits(t.won)),
            number_cell("lost", t.lost as f64, &group_digits(t.lost)),
            optional_cell("win_rate", t.win_rate, &rate(t.win_rate)),
            optional_cell(
                "lift",
                t.lift,
                &t.lift.map_or("n/a".to_string(), |l| format!("{l:.2}×"))
            ),
            optional_cell("wins_captured", t.wins_captured, &rate(t.wins_captured)),
        );
    }
    figure(
        out,
        "winrate",
        &chart,
        &[
            "Tier",
            "Accounts",
            "Won",
            "Lost",
            "Win rate",
            "Lift",
            "Wins captured",
        ],
        &rows,
    );
    let points: Vec<(f64, Option<f64>)> = (b.calibration.iter())
        .map(|band| ((band.low + band.high) / 2.0, band.win_rate))
        .collect();
    let chart = charts::curve(
        &format!("{id}-calibration"),
        &format!("Calibration of {}", b.icp),
        "Line chart: the win rate of the closed deals in each tenth of the maximum score, \
         at the band's middle; bands without a closed deal are left out. A well-calibrated \
         score rises from left to right.",
        &points,
        "score, share of the maximum",
        "win rate",
    );
    let mut rows = String::new();
    for band in &b.calibration {
        let label = format!("{:.0}–{:.0}%", band.low * 100.0, band.high * 100.0);
        let _ = writeln!(
            rows,
            "<tr data-key=\"{}\"><th scope=\"row\">{}</th>{}{}{}{}</tr>",
            json_number(band.low),
            label,
            number_cell(
                "accounts",
                band.accounts as f64,
                &group_digits(band.accounts)
            ),
            number_cell("won", band.won as f64, &group_digits(band.won)),
            number_cell("lost", band.lost as f64, &group_digits(band.lost)),
            optional_cell("win_rate", band.win_rate, &rate(band.win_rate)),
        );
    }
    figure(
        out,
        "calibration",
        &chart,
        &["Score band", "Accounts", "Won", "Lost", "Win rate"],
        &rows,
    );
}

/// A cell for a figure that may have no value (`data-value="null"`).
fn optional_cell(field: &str, value: Option<f64>, text: &str) -> String {
    match value {
        Some(v) => number_cell(field, v, text),
        None => format!(
            "<td class=\"num\" data-field=\"{field}\" data-value=\"null\">{}</td>",
            escape(text)
        ),
    }
}

/// A rate as a percentage, or `n/a`.
fn rate(value: Option<f64>) -> String {
    value.map_or("n/a".to_string(), |v| format!("{:.1}%", v * 100.0))
}

/// A score with at most two decimals, without trailing zeros.
fn short(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}
