//! Writing results: one row per lead (its best ICP) or per lead and ICP, as CSV or JSON Lines.
//!
//! How it works: [`ResultWriter`] takes a batch and the evaluator's [`BatchResults`] for it
//! (same order, same length) and writes rows with the columns [`COLUMNS`], in that order, plus
//! `explain` when asked. A row is read with [`BatchResults::row`]; without `explain`, a CSV row
//! of a lead and ICP kept in columns (no whole result) is written instead from the ICP's texts
//! made into cells once per batch (`IcpCells`), the same bytes. Which ICP a lead's row shows: its best
//! ICP; a lead that no ICP gives a tier has no best ICP, and then its row shows the **first
//! ICP declared** — so every lead has exactly one row, and the row of a lead that fits nothing explains why against a fixed ICP.
//! With `all`, every lead gets one row per ICP in declaration order. A rule set without any
//! ICP gives one row per lead with only `id` and `name` filled.
//!
//! CSV cells: `qualified` is `true`/`false`; numbers are written without a needless `.0`
//! ([`format_number`]); `tier` is empty when the lead is not qualified or no tier matched;
//! `matched`, `unknown` and `reasons` are joined by `|`; `explain` is a JSON object
//! `{"checks": […], "groups": […]}` as a string. In JSON Lines the same keys come in the same
//! order, but lists are arrays, a missing name or tier is `null`, and `explain` is the object
//! itself rather than a string.
//!
//! CSV text cells are quoted as the `csv` crate quotes them, and a text cell that a
//! spreadsheet would open as a formula gets a `'` in front unless turned off
//! ([`RowFormatter::guard_formulas`]; the `cells` module says which).

pub use icp_engine::format_number;
use std::borrow::Cow;
use std::io::{self, BufWriter, Write};

use icp_engine::batch::Batch;
use icp_engine::result::{BatchResults, IcpColumns, IcpResult, ResultRow, RowScratch, set_bits};
use icp_engine::{Entity, FieldId, Schema};
use serde::{Deserialize, Serialize};

use crate::cells::{csv_field, csv_list, list_cell, needs_quotes};

/// The columns of a result row, in order (`explain` follows when asked for).
pub const COLUMNS: &[&str] = &[
    "id",
    "name",
    "icp",
    "qualified",
    "score",
    "max_score",
    "tier",
    "matched",
    "unknown",
    "reasons",
];

/// The format of the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    Csv,
    #[serde(alias = "jsonl", alias = "ndjson")]
    JsonLines,
}

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    pub format: OutputFormat,
    /// One row per lead and ICP instead of one per lead.
    pub all: bool,
    /// Add the `explain` column.
    pub explain: bool,
}

pub(crate) fn json_number(n: f64) -> serde_json::Value {
    match icp_engine::whole_number(n) {
        Some(i) => serde_json::Value::from(i),
        None => serde_json::Number::from_f64(n)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
    }
}

/// Rewrites whole floats as integers, so `20.0` is written `20`.
fn whole_numbers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                *value = json_number(f);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        serde_json::Value::Object(map) => map.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// The `explain` value of one result: its checks and groups.
pub fn explain_json(result: &IcpResult) -> serde_json::Value {
    #[derive(Serialize)]
    struct Explain<'a> {
        checks: &'a [icp_engine::result::CheckOutcome],
        groups: &'a [icp_engine::result::GroupOutcome],
    }
    let mut value = serde_json::to_value(Explain {
        checks: &result.checks,
        groups: &result.groups,
    })
    .unwrap_or(serde_json::Value::Null);
    whole_numbers(&mut value);
    value
}

#[derive(Serialize)]
struct JsonRow<'a> {
    id: &'a str,
    name: Option<&'a str>,
    icp: Option<&'a str>,
    qualified: Option<bool>,
    score: Option<serde_json::Value>,
    max_score: Option<serde_json::Value>,
    tier: Option<&'a str>,
    matched: &'a [&'a str],
    unknown: &'a [&'a str],
    reasons: &'a [Cow<'a, str>],
    #[serde(skip_serializing_if = "Option::is_none")]
    explain: Option<serde_json::Value>,
}

/// Formats result rows into bytes, without the header: what [`ResultWriter`] writes, for
/// formatting batches on several threads and writing the bytes in order.
#[derive(Debug, Clone)]
pub struct RowFormatter {
    options: WriteOptions,
    name: Option<FieldId>,
    /// Text cells that would open a spreadsheet formula get a `'` in front (the `cells`
    /// module); on unless turned off.
    guard_formulas: bool,
    /// `--tier`, `--top`: which leads are written (all by default).
    filter: LeadFilter,
}

/// Which leads `icp score` writes (`--tier A,B`, `--top N`), judged by each lead's best ICP:
/// a lead is written when it has one, its tier there is one of `tiers` and its score there at
/// least `min_score` (each when given); with `--all`, every row of a written lead. The
/// summary counts every lead either way.
#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
    pub tiers: Option<Vec<String>>,
    /// `--top N`: the N-th best score, or `None` for nobody (no lead has a tier).
    pub min_score: Option<Option<f64>>,
}

impl LeadFilter {
    fn is_all(&self) -> bool {
        self.tiers.is_none() && self.min_score.is_none()
    }

    /// Whether lead `lead` of `results` is written.
    pub fn keeps(&self, results: &BatchResults, lead: usize) -> bool {
        if self.is_all() {
            return true;
        }
        let Some(best) = results.best(lead) else {
            return false;
        };
        let (tier, score) = results.tier_and_score(lead, best);
        let tier_name = tier.and_then(|t| results.rules().icps[best].tiers.get(t));
        let tier_ok = self
            .tiers
            .as_ref()
            .is_none_or(|names| tier_name.is_some_and(|t| names.contains(&t.name)));
        let score_ok = match self.min_score {
            None => true,
            Some(None) => false,
            Some(Some(cut)) => score >= cut,
        };
        tier_ok && score_ok
    }
}

impl RowFormatter {
    /// `schema` says where `company.name` is.
    pub fn new(schema: &Schema, options: WriteOptions) -> RowFormatter {
        RowFormatter {
            options,
            name: schema.lookup(Entity::Company, "name"),
            guard_formulas: true,
            filter: LeadFilter::default(),
        }
    }

    /// Whether CSV text cells that would open a spreadsheet formula (`=`, `+`, `-`, `@`, tab,
    /// carriage return first) are written with a `'` in front; on by default.
    pub fn guard_formulas(mut self, guard: bool) -> RowFormatter {
        self.guard_formulas = guard;
        self
    }

    /// Writes only the leads `filter` keeps.
    pub fn filter(mut self, filter: LeadFilter) -> RowFormatter {
        self.filter = filter;
        self
    }

    /// Appends the rows of one batch to `out`; lead `i` of `results` is lead `i` of `batch`.
    /// Returns how many rows.
    pub fn format_batch(
        &self,
        batch: &Batch,
        results: &BatchResults,
        out: &mut Vec<u8>,
    ) -> io::Result<u64> {
        if results.len() != batch.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} results for a batch of {} leads",
                    results.len(),
                    batch.len()
                ),
            ));
        }
        let names = self.name.and_then(|f| batch.company.get(f.0 as usize));
        let mut sink = match self.options.format {
            OutputFormat::Csv => Sink::Csv(out),
            OutputFormat::JsonLines => Sink::Jsonl(out),
        };
        let icps = results.icps();
        let mut scratch = RowScratch::default();
        // CSV rows read from the columns are written from each ICP's texts, made into cells
        // once per batch (not with `explain`, whose rows come from whole results).
        let cells: Vec<IcpCells> = match self.options {
            WriteOptions {
                format: OutputFormat::Csv,
                explain: false,
                ..
            } => (results.rules().icps.iter())
                .map(|icp| IcpCells::new(icp, self.guard_formulas))
                .collect(),
            _ => Vec::new(),
        };
        let mut rows = 0;
        for (i, id) in batch.ids.iter().enumerate() {
            if !self.filter.keeps(results, i) {
                continue;
            }
            let name = names.and_then(|c| c.text(i));
            if icps == 0 {
                self.row(&mut sink, id, name, None)?;
                rows += 1;
                continue;
            }
            let chosen = if self.options.all {
                0..icps
            } else {
                let best = results.best(i).unwrap_or(0);
                best..best + 1
            };
            for icp in chosen {
                match (&mut sink, cells.get(icp)) {
                    (Sink::Csv(out), Some(cells)) if results.all_known(i, icp) => {
                        column_row(out, (id, name), cells, results.columns(icp), i);
                    }
                    (sink, _) => {
                        self.row(sink, id, name, Some(results.row(i, icp, &mut scratch)))?
                    }
                }
                rows += 1;
            }
        }
        Ok(rows)
    }

    fn row(
        &self,
        sink: &mut Sink<'_>,
        id: &str,
        name: Option<&str>,
        r: Option<ResultRow>,
    ) -> io::Result<()> {
        let explain = match r {
            Some(r) if self.options.explain => r.whole.map(explain_json),
            _ => None,
        };
        let tier = r.filter(|r| r.qualified).and_then(|r| r.tier);
        let guard = self.guard_formulas;
        match sink {
            Sink::Csv(out) => {
                lead_cells(out, id, name, guard);
                match r {
                    Some(r) => {
                        out.push(b',');
                        csv_field(out, r.name.as_bytes(), guard);
                        // Words and numbers: nothing to quote.
                        out.extend_from_slice(if r.qualified { b",true" } else { b",false" });
                        for n in [r.score, r.max_score] {
                            out.push(b',');
                            number_cell(out, n);
                        }
                        out.push(b',');
                        csv_field(out, tier.unwrap_or("").as_bytes(), guard);
                        out.push(b',');
                        csv_list(out, r.matched, guard);
                        out.push(b',');
                        csv_list(out, r.unknown, guard);
                        out.push(b',');
                        csv_list(out, r.reasons, guard);
                    }
                    None => {
                        for _ in 2..COLUMNS.len() {
                            out.push(b',');
                        }
                    }
                }
                if self.options.explain {
                    out.push(b',');
                    let explain = explain.map(|e| e.to_string()).unwrap_or_default();
                    csv_field(out, explain.as_bytes(), guard);
                }
                out.push(b'\n');
            }
            Sink::Jsonl(w) => {
                let row = JsonRow {
                    id,
                    name,
                    icp: r.map(|r| r.name),
                    qualified: r.map(|r| r.qualified),
                    score: r.map(|r| json_number(r.score)),
                    max_score: r.map(|r| json_number(r.max_score)),
                    tier,
                    matched: r.map_or(&[], |r| r.matched),
                    unknown: r.map_or(&[], |r| r.unknown),
                    reasons: r.map_or(&[], |r| r.reasons),
                    explain: if self.options.explain {
                        Some(explain.unwrap_or(serde_json::Value::Null))
                    } else {
                        None
                    },
                };
                serde_json::to_writer(&mut **w, &row).map_err(io::Error::other)?;
                w.push(b'\n');
            }
        }
        Ok(())
    }
}

/// A number as a cell: a whole number (every score so far) without the formatter.
pub(crate) fn number_cell(out: &mut Vec<u8>, n: f64) {
    match icp_engine::whole_number(n) {
        Some(i) => out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes()),
        None => out.extend_from_slice(format_number(n).as_bytes()),
    }
}

/// An ICP's texts as CSV cells, made once per batch, for the rows read from its columns: its
/// name, maximum score and tier names as cells, and each matched label and reason with
/// whether it needs quoting.
struct IcpCells<'r> {
    name: Vec<u8>,
    max_score: Vec<u8>,
    tiers: Vec<Vec<u8>>,
    labels: Vec<(&'r str, bool)>,
    /// The reason of each `require`, then of each `exclude`.
    reasons: Vec<(&'r str, bool)>,
    requires: usize,
    /// Whether list cells are guarded against formulas (the other cells are made guarded).
    guard: bool,
}

impl<'r> IcpCells<'r> {
    fn new(icp: &'r icp_engine::ir::IcpDef, guard: bool) -> IcpCells<'r> {
        let cell = |text: &str| {
            let mut out = Vec::new();
            csv_field(&mut out, text.as_bytes(), guard);
            out
        };
        let flagged = |text: &'r str| (text, needs_quotes(text.as_bytes()));
        let mut max_score = Vec::new();
        number_cell(&mut max_score, icp.max_score);
        IcpCells {
            name: cell(&icp.name),
            max_score,
            tiers: icp.tiers.iter().map(|t| cell(&t.name)).collect(),
            labels: icp.scores.iter().map(|s| flagged(&s.label)).collect(),
            reasons: (icp.requires.iter().chain(&icp.excludes))
                .map(|c| flagged(&c.reason))
                .collect(),
            requires: icp.requires.len(),
            guard,
        }
    }
}

/// A CSV row of lead `lead` read from an ICP's columns (every outcome known, so no unknown
/// inputs), without `explain`: the same bytes [`RowFormatter::row`] writes for it.
fn column_row(
    out: &mut Vec<u8>,
    (id, name): (&str, Option<&str>),
    cells: &IcpCells,
    columns: &IcpColumns,
    lead: usize,
) {
    lead_cells(out, id, name, cells.guard);
    out.push(b',');
    out.extend_from_slice(&cells.name);
    let qualified = columns.qualified(lead);
    out.extend_from_slice(if qualified { b",true," } else { b",false," });
    number_cell(out, columns.score[lead]);
    out.push(b',');
    out.extend_from_slice(&cells.max_score);
    out.push(b',');
    // As `row` writes them: the same cells, made once per batch.
    if qualified && let Some(tier) = columns.tier(lead) {
        out.extend_from_slice(&cells.tiers[tier]);
    }
    out.push(b',');
    let labels = set_bits(columns.matched[lead]).map(|b| cells.labels[b]);
    list_cell(out, labels, cells.guard);
    // No unknown inputs.
    out.extend_from_slice(b",,");
    let failed = set_bits(columns.failed[lead]).map(|b| cells.reasons[b]);
    let excluded = set_bits(columns.excluded[lead]).map(|b| cells.reasons[cells.requires + b]);
    list_cell(out, failed.chain(excluded), cells.guard);
    out.push(b'\n');
}

/// The `id` and `name` cells of a CSV row.
fn lead_cells(out: &mut Vec<u8>, id: &str, name: Option<&str>, guard: bool) {
    csv_field(out, id.as_bytes(), guard);
    out.push(b',');
    csv_field(out, name.unwrap_or("").as_bytes(), guard);
}

/// Where [`RowFormatter`] puts a batch's rows.
enum Sink<'a> {
    Csv(&'a mut Vec<u8>),
    Jsonl(&'a mut Vec<u8>),
}

/// Writes result rows; see the module documentation.
pub struct ResultWriter<W: Write> {
    out: BufWriter<W>,
    formatter: RowFormatter,
    buf: Vec<u8>,
    rows: u64,
}

impl<W: Write> std::fmt::Debug for ResultWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultWriter")
            .field("options", &self.formatter.options)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

fn csv_err(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

impl<W: Write> ResultWriter<W> {
    /// A writer over `out`; for CSV the header row is written at once. `schema` says where
    /// `company.name` is.
    pub fn new(out: W, schema: &Schema, options: WriteOptions) -> io::Result<Self> {
        let mut out = BufWriter::with_capacity(1 << 16, out);
        if options.format == OutputFormat::Csv {
            let mut header: Vec<&str> = COLUMNS.to_vec();
            if options.explain {
                header.push("explain");
            }
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(&header).map_err(csv_err)?;
            w.flush()?;
        }
        Ok(ResultWriter {
            out,
            formatter: RowFormatter::new(schema, options),
            buf: Vec::new(),
            rows: 0,
        })
    }

    /// Whether CSV text cells that would open a spreadsheet formula get a `'` in front
    /// ([`RowFormatter::guard_formulas`]); on by default.
    pub fn guard_formulas(mut self, guard: bool) -> ResultWriter<W> {
        self.formatter = self.formatter.guard_formulas(guard);
        self
    }

    /// Writes only the leads `filter` keeps ([`LeadFilter`]).
    pub fn filter(mut self, filter: LeadFilter) -> ResultWriter<W> {
        self.formatter = self.formatter.filter(filter);
        self
    }

    /// Rows written so far.
    pub fn rows_written(&self) -> u64 {
        self.rows
    }

    /// The formatter of this writer's rows, to format batches elsewhere and hand the bytes
    /// to [`write_formatted`](Self::write_formatted).
    pub fn formatter(&self) -> &RowFormatter {
        &self.formatter
    }

    /// Writes the rows of one batch; lead `i` of `results` is lead `i` of `batch`.
    pub fn write_batch(&mut self, batch: &Batch, results: &BatchResults) -> io::Result<()> {
        self.buf.clear();
        let rows = self.formatter.format_batch(batch, results, &mut self.buf)?;
        self.out.write_all(&self.buf)?;
        self.rows += rows;
        Ok(())
    }

    /// Writes `rows` rows formatted by [`RowFormatter::format_batch`].
    pub fn write_formatted(&mut self, bytes: &[u8], rows: u64) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.rows += rows;
        Ok(())
    }

    /// Flushes and gives the output back.
    pub fn finish(self) -> io::Result<W> {
        self.out
            .into_inner()
            .map_err(|e| io::Error::other(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_lose_a_needless_point_zero() {
        assert_eq!(format_number(70.0), "70");
        assert_eq!(format_number(-30.0), "-30");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(12.5), "12.5");
        assert_eq!(format_number(f64::NAN), "");
        assert_eq!(json_number(20.0).to_string(), "20");
        assert_eq!(json_number(0.25).to_string(), "0.25");
    }

    #[test]
    fn whole_numbers_inside_json() {
        let mut v = serde_json::json!({"a": [1.0, 2.5, {"b": 3.0}], "c": 4});
        whole_numbers(&mut v);
        assert_eq!(v.to_string(), r#"{"a":[1,2.5,{"b":3}],"c":4}"#);
    }
}
