//! The scoring of a request: its JSON leads into columnar batches, through the plugins and
//! the evaluator of `icp score`, and out as `icp score --format jsonl --explain` writes them.
//!
//! How it works: [`Leads::parse`] reads the body — one JSON object, an array of objects, or
//! JSON Lines — and writes each lead as one line of JSON Lines, byte for byte as it was sent
//! but for the whitespace between tokens (so keys keep their order: where two keys feed one
//! field, the first wins, as in a file). Those lines are read by the same [`LeadReader`] as
//! an `icp score --leads FILE.jsonl` run (with icp.toml's `[input]`: its preset, its
//! columns), so a lead's `contacts` array and `company` object are read as in a file.
//! Each batch has its signal columns filled by the plugins and is evaluated by
//! [`crate::cmd::score::evaluate`] with explanations, and its rows formatted by the
//! [`RowFormatter`] `icp score` writes with: the bytes are the lines `icp score` would write.
//! `/explain` evaluates each lead of the batches with the reference evaluator and returns
//! the text of `icp explain` ([`crate::cmd::explain::explanation`]). A lead the reader
//! rejects fails the request (422) with the reasons, rather than vanishing from the answer.

use std::io::{Cursor, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use icp_engine::batch::Batch;
use icp_io::{InputFormat, LeadReader, OutputFormat, ReadOptions, RowFormatter, WriteOptions};
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::api_error::ApiError;
use super::ruleset::Version;

/// How the body holds its leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/json`: one object or an array of objects.
    Json,
    /// `application/x-ndjson`: one object per line.
    JsonLines,
}

/// The leads of a request, as JSON Lines.
#[derive(Debug)]
pub struct Leads {
    /// The body was one object (not an array, not JSON Lines).
    pub one: bool,
    pub lines: Vec<u8>,
    pub count: usize,
}

impl Leads {
    /// The leads of `body`, or a 400 saying what is wrong with it.
    pub fn parse(body: &[u8], kind: BodyKind) -> Result<Leads, ApiError> {
        let text = std::str::from_utf8(body).map_err(|e| {
            ApiError::bad_request(format!(
                "the body is not UTF-8 (invalid byte at {})",
                e.valid_up_to()
            ))
        })?;
        let mut leads = Leads {
            one: false,
            lines: Vec::with_capacity(body.len() + 1),
            count: 0,
        };
        match kind {
            BodyKind::Json => {
                let value: &RawValue = serde_json::from_str(text)
                    .map_err(|e| ApiError::bad_request(format!("the body is not JSON: {e}")))?;
                let raw = value.get();
                if raw.starts_with('[') {
                    let items: Vec<&RawValue> = serde_json::from_str(raw)
                        .map_err(|e| ApiError::bad_request(format!("the body is not JSON: {e}")))?;
                    for (i, item) in items.iter().enumerate() {
                        leads.push(item.get(), || format!("item {} of the array", i + 1))?;
                    }
                } else {
                    leads.one = true;
                    leads.push(raw, || "the body".to_string())?;
                }
            }
            BodyKind::JsonLines => {
                for (i, line) in text.lines().enumerate() {
                    if line.trim().is_empty() {
                        continue;
                    }
                    let value: &RawValue = serde_json::from_str(line).map_err(|e| {
                        ApiError::bad_request(format!("line {} is not JSON: {e}", i + 1))
                    })?;
                    leads.push(value.get(), || format!("line {}", i + 1))?;
                }
            }
        }
        Ok(leads)
    }

    /// Adds one lead (valid JSON) as a line; anything but an object is refused.
    fn push(&mut self, raw: &str, what: impl Fn() -> String) -> Result<(), ApiError> {
        if !raw.starts_with('{') {
            let kind = match raw.as_bytes().first() {
                Some(b'[') => "an array",
                Some(b'"') => "a string",
                Some(b'n') => "null",
                Some(b't' | b'f') => "a boolean",
                _ => "a number",
            };
            return Err(ApiError::bad_request(format!(
                "{} is {kind}; a lead is a JSON object (send one object, an array of objects or JSON Lines)",
                what()
            )));
        }
        one_line(raw, &mut self.lines);
        self.count += 1;
        Ok(())
    }
}

/// Appends valid JSON `text` without the whitespace between its tokens, then a newline.
fn one_line(text: &str, out: &mut Vec<u8>) {
    let (mut in_string, mut escaped) = (false, false);
    for &b in text.as_bytes() {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            in_string = b == b'"';
            out.push(b);
        }
    }
    out.push(b'\n');
}

/// What a request asks besides its leads.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// One row per lead and ICP (`icp score --all`).
    pub all: bool,
}

/// The scored rows of a request.
#[derive(Debug)]
pub struct Scored {
    /// JSON Lines, as `icp score --format jsonl --explain` writes them.
    pub lines: Vec<u8>,
    pub rows: u64,
}

/// Scores the leads with `version`, as of `today`.
pub fn score(
    version: &Version,
    leads: Leads,
    today: i32,
    options: Options,
) -> Result<Scored, ApiError> {
    let formatter = RowFormatter::new(
        &version.rules.schema,
        WriteOptions {
            format: OutputFormat::JsonLines,
            all: options.all,
            explain: true,
        },
    )
    .guard_formulas(version.guard_formulas);
    let mut scored = Scored {
        lines: Vec::new(),
        rows: 0,
    };
    read_leads(version, leads, today, |batch| {
        let (results, _) =
            crate::cmd::score::evaluate(&version.rules, &version.plan, batch, today, true, false);
        scored.rows += formatter
            .format_batch(batch, &results, &mut scored.lines)
            .map_err(|e| ApiError::internal(format!("cannot format the results: {e}")))?;
        Ok(())
    })?;
    Ok(scored)
}

/// Explains each lead as `icp explain` does: its id, best ICP and tier, and the text.
pub fn explain(version: &Version, leads: Leads, today: i32) -> Result<Vec<Value>, ApiError> {
    let rules = &version.rules;
    let mut explained = Vec::new();
    read_leads(version, leads, today, |batch| {
        for row in 0..batch.len() {
            let lead = batch.lead(row);
            let result = icp_engine::eval::reference::evaluate(rules, &lead, today);
            let best = result.best.map(|b| &result.icps[b]);
            explained.push(json!({
                "id": &batch.ids[row],
                "icp": best.map(|b| b.name),
                "tier": best.and_then(|b| b.tier),
                "explanation": crate::cmd::explain::explanation(rules, &lead, &result, ""),
            }));
        }
        Ok(())
    })?;
    Ok(explained)
}

/// Reads the leads into batches, fills their signal columns and hands each to `each`; a
/// lead the reader rejects is a 422 naming it.
fn read_leads(
    version: &Version,
    leads: Leads,
    today: i32,
    mut each: impl FnMut(&mut Batch) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let rejects = SharedBuffer::default();
    let mut reader = LeadReader::from_reader(
        Box::new(Cursor::new(leads.lines)),
        Path::new("request"),
        InputFormat::JsonLines,
        &version.rules.schema,
        &version.input,
        ReadOptions {
            format: Some(InputFormat::JsonLines),
            contacts: None,
            rejects: Some(Box::new(rejects.clone())),
            fields: None,
            raw_cells: false,
        },
    )
    .map_err(|e| ApiError::bad_request(e.to_string()))?;
    for batch in &mut reader {
        let mut batch = batch.map_err(|e| ApiError::bad_request(e.to_string()))?;
        version
            .signals
            .fill(&mut batch, today)
            .map_err(|e| ApiError::internal(format!("a signal plugin failed: {e}")))?;
        each(&mut batch)?;
    }
    let report = reader.into_report();
    if report.rejected > 0 {
        let bytes = rejects.0.lock().map(|b| b.clone()).unwrap_or_default();
        let mut rejected = Vec::new();
        let mut csv = csv::Reader::from_reader(bytes.as_slice());
        for record in csv.records().flatten() {
            rejected.push(json!({
                "lead": record.get(0).and_then(|l| l.parse::<u64>().ok()),
                "reason": record.get(1),
            }));
        }
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "{} of the {} leads cannot be read; nothing was scored",
                report.rejected, leads.count
            ),
        )
        .with("rejected", Value::Array(rejected)));
    }
    Ok(())
}

/// A rejects sink the reader writes to and the request reads back.
#[derive(Debug, Default, Clone)]
struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut buffer = self
            .0
            .lock()
            .map_err(|_| std::io::Error::other("the rejects buffer is poisoned"))?;
        buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leads_become_one_line_each_with_their_keys_in_order() {
        let body = b"[ {\"b\": 1,\n \"a\": \"x y\\\" z\"}, {\"contacts\": [ {\"n\": 2} ]} ]";
        let leads = Leads::parse(body, BodyKind::Json).expect("leads");
        assert!(!leads.one);
        assert_eq!(leads.count, 2);
        assert_eq!(
            String::from_utf8(leads.lines).expect("utf-8"),
            "{\"b\":1,\"a\":\"x y\\\" z\"}\n{\"contacts\":[{\"n\":2}]}\n"
        );
        let one = Leads::parse(b" {\"id\": \"1\"} ", BodyKind::Json).expect("one");
        assert!(one.one);
        let lines = Leads::parse(b"{\"id\":1}\r\n\n{\"id\":2}\n", BodyKind::JsonLines).expect("l");
        assert_eq!(lines.count, 2);
        assert_eq!(lines.lines, b"{\"id\":1}\n{\"id\":2}\n");
    }

    #[test]
    fn anything_but_objects_is_a_400_naming_the_item() {
        let err = |body: &[u8], kind| Leads::parse(body, kind).expect_err("refused");
        let e = err(b"[{\"id\":1}, 7]", BodyKind::Json);
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(
            e.message.starts_with("item 2 of the array is a number"),
            "{}",
            e.message
        );
        assert!(
            err(b"\"x\"", BodyKind::Json)
                .message
                .contains("is a string")
        );
        assert!(
            err(b"{\"id\":", BodyKind::Json)
                .message
                .starts_with("the body is not JSON")
        );
        assert!(
            err(b"{}\n[1]", BodyKind::JsonLines)
                .message
                .starts_with("line 2 is an array")
        );
        assert!(err(b"\xff", BodyKind::Json).message.contains("not UTF-8"));
        assert!(
            err(b"", BodyKind::Json)
                .message
                .starts_with("the body is not JSON")
        );
    }
}
