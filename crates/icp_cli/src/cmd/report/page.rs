//! The report's HTML page: one self-contained file, its stylesheet inline, its charts inline
//! SVG, no script to run and no address to fetch.
//!
//! How it works: [`render`] writes the page from a [`ReportData`]: a skip link and a table of
//! contents, an overview (what was read, the summary's tables, the rule constants no lead
//! matched), then one section per ICP
//! (`sections`), and last the data itself as JSON in a `<script type="application/json">`
//! element, which browsers never run. Every section is focusable and labelled by its
//! heading; every chart is a `<figure>` holding the SVG (a titled and described image) and a
//! table of the same numbers, each number cell carrying its exact value in `data-value` (what
//! the browser test reads). The stylesheet (`style.css`) gives the light and dark colours
//! (`prefers-color-scheme`), which the charts follow, and a print style.

use std::fmt::Write as _;

use super::charts::{Chart, escape};
use super::data::ReportData;
use super::sections;
use crate::show::group_digits;
use crate::summary::{Count, UnmatchedConstant, percent};

/// The page's stylesheet.
const STYLE: &str = include_str!("style.css");

/// The page of `data`.
pub fn render(data: &ReportData) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let title = format!("ICP report, as of {}", data.as_of);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <meta name=\"generator\" content=\"icp report\">\n<title>{}</title>\n\
         <style>\n{STYLE}</style>\n</head>\n<body>\n\
         <a class=\"skip\" href=\"#main\">Skip to the report</a>\n",
        escape(&title)
    );
    header(&mut out, data, &title);
    out.push_str("<main id=\"main\" tabindex=\"-1\">\n");
    overview(&mut out, data);
    for (i, icp) in data.icps.iter().enumerate() {
        let backtest = (data.backtest.as_ref()).and_then(|b| b.icps.get(i));
        sections::icp(&mut out, i, icp, backtest, data.backtest.as_ref());
    }
    out.push_str("</main>\n<footer><p>Written by <code>icp report</code>. The numbers are in the JSON block at the end of this file (<code>#icp-report-data</code>).</p></footer>\n");
    let _ = write!(
        out,
        "<script type=\"application/json\" id=\"icp-report-data\">\n{}\n</script>\n</body>\n</html>\n",
        data.to_embedded_json()
    );
    out
}

fn header(out: &mut String, data: &ReportData, title: &str) {
    let _ = write!(
        out,
        "<header>\n<h1>{}</h1>\n<p class=\"lede\">{} leads from <code>{}</code>{}{}.</p>\n\
         <nav aria-label=\"Sections\">\n<ul>\n<li><a href=\"#overview\">Overview</a></li>\n",
        escape(title),
        group_digits(data.summary.leads),
        escape(&data.inputs.leads),
        data.inputs
            .contacts
            .as_ref()
            .map_or(String::new(), |c| format!(
                " with contacts from <code>{}</code>",
                escape(c)
            )),
        data.inputs
            .outcomes
            .as_ref()
            .map_or(String::new(), |o| format!(
                ", outcomes from <code>{}</code>",
                escape(o)
            )),
    );
    for (i, icp) in data.icps.iter().enumerate() {
        let _ = writeln!(
            out,
            "<li><a href=\"#icp-{i}\">{}</a></li>",
            escape(&icp.name)
        );
    }
    out.push_str("</ul>\n</nav>\n</header>\n");
}

/// The overview: what was read and the summary's tables.
fn overview(out: &mut String, data: &ReportData) {
    let s = &data.summary;
    let r = &data.read;
    section_start(out, "overview", "Overview");
    let _ = writeln!(
        out,
        "<p>Read {} rows: {} leads, {} rejected{}.</p>",
        group_digits(r.rows_read),
        group_digits(r.leads),
        group_digits(r.rejected),
        if data.inputs.contacts.is_some() {
            format!(", {} contacts joined", group_digits(r.contacts_joined))
        } else {
            String::new()
        }
    );
    count_table(
        out,
        "summary-qualified",
        "Qualified leads per ICP",
        "ICP",
        &s.qualified,
        s.leads,
    );
    let mut best: Vec<Count> = (s.best.iter())
        .map(|b| Count {
            name: format!("{} {}", b.icp, b.tier.as_deref().unwrap_or("-")),
            leads: b.leads,
        })
        .collect();
    best.push(Count {
        name: "no tier in any ICP".to_string(),
        leads: s.no_tier,
    });
    count_table(
        out,
        "summary-best",
        "Leads by best ICP and tier",
        "Best ICP and tier",
        &best,
        s.leads,
    );
    count_table(
        out,
        "summary-reasons",
        "Top disqualification reasons",
        "Reason",
        &s.reasons[..s.reasons.len().min(5)],
        s.leads,
    );
    count_table(
        out,
        "summary-missing",
        "Fields most often missing where they mattered",
        "Field",
        &s.missing[..s.missing.len().min(5)],
        s.leads,
    );
    unmatched_table(out, &s.unmatched, s.leads);
    out.push_str("</section>\n");
}

/// The rule constants no lead matched, with the values the leads have in their field
/// instead (the summary's `rule constants that matched no lead:`).
fn unmatched_table(out: &mut String, unmatched: &[UnmatchedConstant], leads: u64) {
    let caption = "Rule constants no lead matched";
    if unmatched.is_empty() {
        let _ = writeln!(
            out,
            "<h3>{caption}</h3>\n<p class=\"note\" id=\"summary-unmatched\">None: every \
             value the rules compare with was found in some lead.</p>"
        );
        return;
    }
    let _ = writeln!(
        out,
        "<table class=\"data\" id=\"summary-unmatched\">\n<caption>{caption}</caption>\n\
         <thead><tr><th scope=\"col\">Comparison in the rules</th>\
         <th scope=\"col\" class=\"num\">Leads matched</th>\
         <th scope=\"col\">Most common values of the field</th></tr></thead>\n<tbody>"
    );
    for constant in unmatched {
        let common = if constant.most_common.is_empty() {
            "no lead has a value there".to_string()
        } else {
            let values: Vec<String> = (constant.most_common.iter())
                .map(|c| format!("<code>{}</code> {}", escape(&c.name), group_digits(c.leads)))
                .collect();
            values.join(", ")
        };
        let _ = writeln!(
            out,
            "<tr data-key=\"{key}\"><th scope=\"row\"><code>{key}</code></th>{matched}<td>{common}</td></tr>",
            key = escape(&constant.comparison),
            matched = number_cell("matched", 0.0, &format!("0 of {}", group_digits(leads))),
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

/// Opens a focusable section labelled by its heading.
pub(super) fn section_start(out: &mut String, id: &str, heading: &str) {
    let _ = writeln!(
        out,
        "<section id=\"{id}\" tabindex=\"0\" aria-labelledby=\"{id}-h\">\n<h2 id=\"{id}-h\">{}</h2>",
        escape(heading)
    );
}

/// A captioned table of names and lead counts with their share of `total`; a note when
/// there are none.
pub(super) fn count_table(
    out: &mut String,
    id: &str,
    caption: &str,
    name_header: &str,
    rows: &[Count],
    total: u64,
) {
    if rows.is_empty() {
        let _ = writeln!(
            out,
            "<h3>{}</h3>\n<p class=\"note\" id=\"{id}\">None.</p>",
            escape(caption)
        );
        return;
    }
    let _ = writeln!(
        out,
        "<table class=\"data\" id=\"{id}\">\n<caption>{}</caption>\n<thead><tr><th scope=\"col\">{}</th>\
         <th scope=\"col\" class=\"num\">Leads</th><th scope=\"col\" class=\"num\">Share</th></tr></thead>\n<tbody>",
        escape(caption),
        escape(name_header)
    );
    for row in rows {
        let share = if total == 0 {
            0.0
        } else {
            row.leads as f64 / total as f64
        };
        let _ = writeln!(
            out,
            "<tr data-key=\"{}\"><th scope=\"row\">{}</th>{}<td class=\"num\">{}\
             <span class=\"meter\" aria-hidden=\"true\" style=\"--share:{:.4}\"></span></td></tr>",
            escape(&row.name),
            escape(&row.name),
            number_cell("leads", row.leads as f64, &group_digits(row.leads)),
            percent(row.leads, total),
            share
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

/// A number cell: shown as `text`, its exact value in `data-value`, its column in
/// `data-field`.
pub(super) fn number_cell(field: &str, value: f64, text: &str) -> String {
    format!(
        "<td class=\"num\" data-field=\"{field}\" data-value=\"{}\">{}</td>",
        json_number(value),
        escape(text)
    )
}

/// A number as JSON writes it (what the embedded data holds).
pub(super) fn json_number(value: f64) -> String {
    serde_json::to_string(&value).unwrap_or_else(|_| "null".to_string())
}

/// A chart in its figure: the caption, the SVG, and the table of its numbers (`table`,
/// the rows already written) with `headers`.
pub(super) fn figure(out: &mut String, kind: &str, chart: &Chart, headers: &[&str], table: &str) {
    let _ = write!(
        out,
        "<figure class=\"chart-figure\" id=\"{id}\" data-chart=\"{kind}\" tabindex=\"0\" \
         aria-labelledby=\"{id}-caption\">\n<figcaption id=\"{id}-caption\">{title}</figcaption>\n\
         <p class=\"desc\">{desc}</p>\n{svg}\n<table class=\"data\">\n<caption>{title}: the numbers</caption>\n<thead><tr>",
        id = chart.id,
        title = escape(&chart.title),
        desc = escape(&chart.description),
        svg = chart.svg,
    );
    for (k, h) in headers.iter().enumerate() {
        let class = if k == 0 { "" } else { " class=\"num\"" };
        let _ = write!(out, "<th scope=\"col\"{class}>{}</th>", escape(h));
    }
    let _ = write!(
        out,
        "</tr></thead>\n<tbody>\n{table}</tbody>\n</table>\n</figure>\n"
    );
}
