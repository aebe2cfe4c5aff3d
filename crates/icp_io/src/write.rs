//! Writing results: one row per lead (its best ICP) or per lead and ICP, as CSV or JSON Lines.
//!
//! How it works: [`ResultWriter`] takes a batch and the evaluator's [`LeadResult`]s for it
//! (same order, same length) and writes rows with the columns [`COLUMNS`], in that order, plus
//! `explain` when asked. Which ICP a lead's row shows: its best ICP; a lead that no ICP gives a
//! tier has no best ICP, and then its row shows the **first ICP declared** — so every lead has
//! exactly one row, and the row of a lead that fits nothing explains why against a fixed ICP.
//! With `all`, every lead gets one row per ICP in declaration order. A rule set without any
//! ICP gives one row per lead with only `id` and `name` filled.
//!
//! CSV cells: `qualified` is `true`/`false`; numbers are written without a needless `.0`
//! ([`format_number`]); `tier` is empty when the lead is not qualified or no tier matched;
//! `matched`, `unknown` and `reasons` are joined by `|`; `explain` is a JSON object
//! `{"checks": […], "groups": […]}` as a string. In JSON Lines the same keys come in the same
//! order, but lists are arrays, a missing name or tier is `null`, and `explain` is the object
//! itself rather than a string.

pub use icp_engine::format_number;
use std::io::{self, BufWriter, Write};

use icp_engine::batch::Batch;
use icp_engine::result::{IcpResult, LeadResult};
use icp_engine::{Entity, FieldId, Schema, Value};
use serde::{Deserialize, Serialize};

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

fn json_number(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number)
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
    matched: &'a [String],
    unknown: &'a [String],
    reasons: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    explain: Option<serde_json::Value>,
}

enum Sink<W: Write> {
    Csv(Box<csv::Writer<W>>),
    Jsonl(BufWriter<W>),
}

/// Writes result rows; see the module documentation.
pub struct ResultWriter<W: Write> {
    sink: Sink<W>,
    options: WriteOptions,
    name: Option<FieldId>,
    rows: u64,
}

impl<W: Write> std::fmt::Debug for ResultWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultWriter")
            .field("options", &self.options)
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
        let sink = match options.format {
            OutputFormat::Csv => {
                let mut w = csv::WriterBuilder::new().from_writer(out);
                let mut header: Vec<&str> = COLUMNS.to_vec();
                if options.explain {
                    header.push("explain");
                }
                w.write_record(&header).map_err(csv_err)?;
                Sink::Csv(Box::new(w))
            }
            OutputFormat::JsonLines => Sink::Jsonl(BufWriter::new(out)),
        };
        Ok(ResultWriter {
            sink,
            options,
            name: schema.lookup(Entity::Company, "name"),
            rows: 0,
        })
    }

    /// Rows written so far.
    pub fn rows_written(&self) -> u64 {
        self.rows
    }

    /// Writes the rows of one batch; `results[i]` is the result of lead `i` of `batch`.
    pub fn write_batch(&mut self, batch: &Batch, results: &[LeadResult]) -> io::Result<()> {
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
        for (i, (id, result)) in batch.ids.iter().zip(results).enumerate() {
            let name = match names.map(|c| c.get(i)) {
                Some(Some(Value::String(s))) => Some(s),
                _ => None,
            };
            let chosen: Vec<&IcpResult> = if self.options.all {
                result.icps.iter().collect()
            } else {
                result
                    .best
                    .and_then(|b| result.icps.get(b))
                    .or_else(|| result.icps.first())
                    .into_iter()
                    .collect()
            };
            if chosen.is_empty() {
                self.row(id, name.as_deref(), None)?;
            }
            for r in chosen {
                self.row(id, name.as_deref(), Some(r))?;
            }
        }
        Ok(())
    }

    fn row(&mut self, id: &str, name: Option<&str>, r: Option<&IcpResult>) -> io::Result<()> {
        let explain = match r {
            Some(r) if self.options.explain => Some(explain_json(r)),
            _ => None,
        };
        let tier = r.filter(|r| r.qualified).and_then(|r| r.tier.as_deref());
        let empty: &[String] = &[];
        match &mut self.sink {
            Sink::Csv(w) => {
                let mut record: Vec<String> = vec![id.to_string(), name.unwrap_or("").to_string()];
                match r {
                    Some(r) => record.extend([
                        r.name.clone(),
                        r.qualified.to_string(),
                        format_number(r.score),
                        format_number(r.max_score),
                        tier.unwrap_or("").to_string(),
                        r.matched.join("|"),
                        r.unknown.join("|"),
                        r.reasons.join("|"),
                    ]),
                    None => record.extend(std::iter::repeat_n(String::new(), COLUMNS.len() - 2)),
                }
                if self.options.explain {
                    record.push(explain.map(|e| e.to_string()).unwrap_or_default());
                }
                w.write_record(&record).map_err(csv_err)?;
            }
            Sink::Jsonl(w) => {
                let row = JsonRow {
                    id,
                    name,
                    icp: r.map(|r| r.name.as_str()),
                    qualified: r.map(|r| r.qualified),
                    score: r.map(|r| json_number(r.score)),
                    max_score: r.map(|r| json_number(r.max_score)),
                    tier,
                    matched: r.map_or(empty, |r| &r.matched),
                    unknown: r.map_or(empty, |r| &r.unknown),
                    reasons: r.map_or(empty, |r| &r.reasons),
                    explain: if self.options.explain {
                        Some(explain.unwrap_or(serde_json::Value::Null))
                    } else {
                        None
                    },
                };
                serde_json::to_writer(&mut *w, &row).map_err(io::Error::other)?;
                w.write_all(b"\n")?;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Flushes and gives the output back.
    pub fn finish(self) -> io::Result<W> {
        match self.sink {
            Sink::Csv(w) => w.into_inner().map_err(|e| io::Error::other(e.to_string())),
            Sink::Jsonl(w) => w.into_inner().map_err(|e| io::Error::other(e.to_string())),
        }
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
