//! One field's values over the rows of a batch, in the layout the columnar evaluator reads.
//!
//! How it works: a [`Column`] is a vector of values per type — numbers, booleans, dates,
//! durations — beside a vector of validity (a missing value is invalid, its slot holding a
//! zero); text is a `u32` code per row into the column's [`Dict`], [`MISSING`] for a missing
//! value; a list of text is codes end to end with an offset per row and a validity;
//! any other type (lists of numbers) a value or `None` per row. A value of the wrong type, and
//! a number that is not finite, is stored as missing. Columns are appended to
//! ([`push`](Column::push)), read back as values ([`get`](Column::get)) or, for numbers, as
//! the evaluator's numeric lane with NaN where missing ([`numbers`](Column::numbers): the one
//! place the two encodings of "missing" meet), gathered from several batches
//! ([`gather`](Column::gather)) and copied between batches with their text codes translated.

use super::{Dict, MISSING};
use crate::schema::{Scalar, Type, Value};

/// A text source of [`Column::gather`]: its codes, its dictionary, and each code's code in
/// the gathered dictionary ([`MISSING`] until a row uses it).
type TextSource<'a> = (&'a [u32], &'a Dict, Vec<u32>);

/// One field's values over the rows of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// The field belongs to the other entity (a contact field in the company columns).
    Absent,
    Number {
        values: Vec<f64>,
        valid: Vec<bool>,
    },
    Bool {
        values: Vec<bool>,
        valid: Vec<bool>,
    },
    Date {
        values: Vec<i32>,
        valid: Vec<bool>,
    },
    Duration {
        values: Vec<f64>,
        valid: Vec<bool>,
    },
    /// Text, dictionary-encoded; [`MISSING`] marks a missing value.
    Text {
        codes: Vec<u32>,
        dict: Dict,
    },
    /// Lists of text: row `i` holds `codes[offsets[i]..offsets[i + 1]]`.
    TextList {
        offsets: Vec<u32>,
        codes: Vec<u32>,
        valid: Vec<bool>,
        dict: Dict,
    },
    /// Any other type (lists of numbers), row by row.
    Values(Vec<Option<Value>>),
}

impl Column {
    /// An empty column for values of a type.
    pub fn for_type(ty: Type) -> Column {
        match ty {
            Type::Scalar(Scalar::Number) => Column::Number {
                values: Vec::new(),
                valid: Vec::new(),
            },
            Type::Scalar(Scalar::Bool) => Column::Bool {
                values: Vec::new(),
                valid: Vec::new(),
            },
            Type::Scalar(Scalar::Date) => Column::Date {
                values: Vec::new(),
                valid: Vec::new(),
            },
            Type::Scalar(Scalar::Duration) => Column::Duration {
                values: Vec::new(),
                valid: Vec::new(),
            },
            Type::Scalar(Scalar::String) => Column::Text {
                codes: Vec::new(),
                dict: Dict::default(),
            },
            Type::List(Some(Scalar::String)) => Column::TextList {
                offsets: vec![0],
                codes: Vec::new(),
                valid: Vec::new(),
                dict: Dict::default(),
            },
            _ => Column::Values(Vec::new()),
        }
    }

    /// Appends a missing value: [`push`](Self::push) of `None`, without looking at a value.
    pub fn push_missing(&mut self) {
        match self {
            Column::Absent => {}
            Column::Number { values, valid } | Column::Duration { values, valid } => {
                values.push(0.0);
                valid.push(false);
            }
            Column::Bool { values, valid } => {
                values.push(false);
                valid.push(false);
            }
            Column::Date { values, valid } => {
                values.push(0);
                valid.push(false);
            }
            Column::Text { codes, .. } => codes.push(MISSING),
            Column::TextList {
                offsets,
                codes,
                valid,
                ..
            } => {
                valid.push(false);
                offsets.push(u32::try_from(codes.len()).unwrap_or(u32::MAX));
            }
            Column::Values(values) => values.push(None),
        }
    }

    /// Appends a value (or a missing one). A value of the wrong type is stored as missing,
    /// and so is a number or duration that is not finite (NaN or infinite: what arithmetic
    /// calls unknown), so a valid number is always finite; readers convert values to the
    /// field's type before they get here.
    pub fn push(&mut self, value: Option<Value>) {
        if value.is_none() {
            return self.push_missing();
        }
        match self {
            Column::Absent => {}
            Column::Number { values, valid } | Column::Duration { values, valid } => {
                let v = match value {
                    Some(Value::Number(n) | Value::Duration(n)) if n.is_finite() => Some(n),
                    _ => None,
                };
                values.push(v.unwrap_or(0.0));
                valid.push(v.is_some());
            }
            Column::Bool { values, valid } => {
                let v = match value {
                    Some(Value::Bool(b)) => Some(b),
                    _ => None,
                };
                values.push(v.unwrap_or(false));
                valid.push(v.is_some());
            }
            Column::Date { values, valid } => {
                let v = match value {
                    Some(Value::Date(d)) => Some(d),
                    _ => None,
                };
                values.push(v.unwrap_or(0));
                valid.push(v.is_some());
            }
            Column::Text { codes, dict } => codes.push(match value {
                Some(Value::String(s)) => dict.code_str(&s),
                _ => MISSING,
            }),
            Column::TextList {
                offsets,
                codes,
                valid,
                dict,
            } => {
                match value {
                    Some(Value::List(items)) => {
                        for item in items {
                            if let Value::String(s) = item {
                                codes.push(dict.code_str(&s));
                            }
                        }
                        valid.push(true);
                    }
                    _ => valid.push(false),
                }
                offsets.push(u32::try_from(codes.len()).unwrap_or(u32::MAX));
            }
            Column::Values(values) => values.push(value),
        }
    }

    /// Overwrites the value of the last row (a reader may set a field after the row began):
    /// the row is taken off and pushed again, so `push` alone decides how values are stored.
    pub(super) fn set_last(&mut self, value: Value) {
        self.pop_last();
        self.push(Some(value));
    }

    /// Takes the last row off.
    pub(super) fn pop_last(&mut self) {
        match self {
            Column::Absent => {}
            Column::Number { values, valid } | Column::Duration { values, valid } => {
                values.pop();
                valid.pop();
            }
            Column::Bool { values, valid } => {
                values.pop();
                valid.pop();
            }
            Column::Date { values, valid } => {
                values.pop();
                valid.pop();
            }
            Column::Text { codes, .. } => {
                codes.pop();
            }
            Column::TextList {
                offsets,
                codes,
                valid,
                ..
            } => {
                offsets.pop();
                codes.truncate(offsets.last().copied().unwrap_or(0) as usize);
                valid.pop();
            }
            Column::Values(values) => {
                values.pop();
            }
        }
    }

    /// The text of one row of a text column, without copying it; `None` when missing (or not
    /// a text column).
    pub fn text(&self, row: usize) -> Option<&str> {
        match self {
            Column::Text { codes, dict } => dict.get(*codes.get(row)?),
            _ => None,
        }
    }

    /// Whether row `row` has a value (what [`Column::get`] says without making the value).
    pub fn has(&self, row: usize) -> bool {
        match self {
            Column::Absent => false,
            Column::Number { valid, .. }
            | Column::Duration { valid, .. }
            | Column::Bool { valid, .. }
            | Column::Date { valid, .. }
            | Column::TextList { valid, .. } => valid[row],
            Column::Text { codes, .. } => codes[row] != MISSING,
            Column::Values(values) => values[row].is_some(),
        }
    }

    /// The first `rows` values of a number column as the columnar evaluator's numeric lane
    /// holds them, NaN where missing; `None` for a column of another type. The one place the
    /// batch's validity flags become the evaluator's NaN (a valid number is finite, see
    /// [`push`](Column::push), so NaN means missing and nothing else).
    pub fn numbers(&self, rows: usize) -> Option<Vec<f64>> {
        match self {
            Column::Number { values, valid } => Some(
                (values[..rows].iter().zip(&valid[..rows]))
                    .map(|(n, valid)| if *valid { *n } else { f64::NAN })
                    .collect(),
            ),
            _ => None,
        }
    }

    /// The value of one row, or `None` when missing.
    pub fn get(&self, row: usize) -> Option<Value> {
        match self {
            Column::Absent => None,
            Column::Number { values, valid } => valid[row].then(|| Value::Number(values[row])),
            Column::Duration { values, valid } => valid[row].then(|| Value::Duration(values[row])),
            Column::Bool { values, valid } => valid[row].then(|| Value::Bool(values[row])),
            Column::Date { values, valid } => valid[row].then(|| Value::Date(values[row])),
            Column::Text { codes, dict } => (codes[row] != MISSING)
                .then(|| Value::String(dict.get(codes[row]).unwrap_or_default().to_string())),
            Column::TextList {
                offsets,
                codes,
                valid,
                dict,
            } => valid[row].then(|| {
                Value::List(
                    codes[offsets[row] as usize..offsets[row + 1] as usize]
                        .iter()
                        .map(|c| Value::String(dict.get(*c).unwrap_or_default().to_string()))
                        .collect(),
                )
            }),
            Column::Values(values) => values[row].clone(),
        }
    }

    /// Makes room for `rows` more rows.
    pub(super) fn reserve(&mut self, rows: usize) {
        match self {
            Column::Absent => {}
            Column::Number { values, valid } | Column::Duration { values, valid } => {
                values.reserve(rows);
                valid.reserve(rows);
            }
            Column::Bool { values, valid } => {
                values.reserve(rows);
                valid.reserve(rows);
            }
            Column::Date { values, valid } => {
                values.reserve(rows);
                valid.reserve(rows);
            }
            Column::Text { codes, .. } => codes.reserve(rows),
            Column::TextList {
                offsets,
                codes,
                valid,
                ..
            } => {
                offsets.reserve(rows);
                codes.reserve(rows);
                valid.reserve(rows);
            }
            Column::Values(values) => values.reserve(rows),
        }
    }

    /// The column whose row `i` is row `rows[i].1` of `sources[rows[i].0]` (columns of one
    /// field, so of one type), text in one dictionary: a source's value is coded there when a
    /// row first uses it (a table per source, so the cost follows the rows gathered and not
    /// the sources' dictionaries: `icp backtest` gathers a few leads at a time out of many
    /// batches), then every row is a tight copy. Rows of a source that has no such row, or
    /// whose column is of another type, are missing.
    pub fn gather<'a>(sources: &[&'a Column], rows: &[(u32, u32)]) -> Column {
        fn pick<T: Copy>(
            sources: &[Option<(&[T], &[bool])>],
            rows: &[(u32, u32)],
            missing: T,
        ) -> (Vec<T>, Vec<bool>) {
            rows.iter()
                .map(|&(t, r)| {
                    sources
                        .get(t as usize)
                        .copied()
                        .flatten()
                        .and_then(|(values, valid)| {
                            Some((*values.get(r as usize)?, *valid.get(r as usize)?))
                        })
                        .unwrap_or((missing, false))
                })
                .unzip()
        }
        // Each source's codes in the one dictionary, coded on first use.
        let recode = |dict: &mut Dict, from: &Dict, map: &mut Vec<u32>, code: u32| -> u32 {
            let Some(slot) = map.get_mut(code as usize) else {
                return MISSING;
            };
            if *slot == MISSING {
                *slot = from.get(code).map_or(MISSING, |v| dict.code_str(v));
            }
            *slot
        };
        let Some(first) = sources.first() else {
            return Column::Absent;
        };
        match first {
            Column::Absent => Column::Absent,
            Column::Number { .. } | Column::Duration { .. } => {
                let of = |c: &&'a Column| match *c {
                    Column::Number { values, valid } | Column::Duration { values, valid }
                        if std::mem::discriminant(*c) == std::mem::discriminant(*first) =>
                    {
                        Some((&values[..], &valid[..]))
                    }
                    _ => None,
                };
                let (values, valid) = pick(&sources.iter().map(of).collect::<Vec<_>>(), rows, 0.0);
                match first {
                    Column::Number { .. } => Column::Number { values, valid },
                    _ => Column::Duration { values, valid },
                }
            }
            Column::Bool { .. } => {
                let of = |c: &&'a Column| match *c {
                    Column::Bool { values, valid } => Some((&values[..], &valid[..])),
                    _ => None,
                };
                let (values, valid) =
                    pick(&sources.iter().map(of).collect::<Vec<_>>(), rows, false);
                Column::Bool { values, valid }
            }
            Column::Date { .. } => {
                let of = |c: &&'a Column| match *c {
                    Column::Date { values, valid } => Some((&values[..], &valid[..])),
                    _ => None,
                };
                let (values, valid) = pick(&sources.iter().map(of).collect::<Vec<_>>(), rows, 0);
                Column::Date { values, valid }
            }
            Column::Text { .. } => {
                let mut dict = Dict::default();
                let mut maps: Vec<Option<TextSource<'_>>> = sources
                    .iter()
                    .map(|c| match c {
                        Column::Text { codes, dict: from } => {
                            Some((&codes[..], from, vec![MISSING; from.len()]))
                        }
                        _ => None,
                    })
                    .collect();
                let codes = rows
                    .iter()
                    .map(|&(t, r)| {
                        let Some(Some((codes, from, map))) = maps.get_mut(t as usize) else {
                            return MISSING;
                        };
                        match codes.get(r as usize) {
                            Some(&c) if c != MISSING => recode(&mut dict, from, map, c),
                            _ => MISSING,
                        }
                    })
                    .collect();
                Column::Text { codes, dict }
            }
            Column::TextList { .. } => {
                let mut dict = Dict::default();
                let mut maps: Vec<_> = sources
                    .iter()
                    .map(|c| match c {
                        Column::TextList {
                            offsets,
                            codes,
                            valid,
                            dict: from,
                        } => Some((
                            &offsets[..],
                            &codes[..],
                            &valid[..],
                            from,
                            vec![MISSING; from.len()],
                        )),
                        _ => None,
                    })
                    .collect();
                let (mut offsets, mut codes, mut valid) =
                    (vec![0u32], Vec::new(), Vec::with_capacity(rows.len()));
                for &(t, r) in rows {
                    let r = r as usize;
                    let found = maps.get_mut(t as usize).and_then(|m| m.as_mut()).and_then(
                        |(o, c, v, from, map)| {
                            let items = c.get(*o.get(r)? as usize..*o.get(r + 1)? as usize)?;
                            Some((items, *v.get(r)?, *from, map))
                        },
                    );
                    match found {
                        Some((items, ok, from, map)) => {
                            for &c in items {
                                codes.push(recode(&mut dict, from, map, c));
                            }
                            valid.push(ok);
                        }
                        None => valid.push(false),
                    }
                    offsets.push(codes.len() as u32);
                }
                Column::TextList {
                    offsets,
                    codes,
                    valid,
                    dict,
                }
            }
            Column::Values(_) => Column::Values(
                rows.iter()
                    .map(|&(t, r)| match sources.get(t as usize) {
                        Some(Column::Values(v)) => v.get(r as usize).cloned().flatten(),
                        _ => None,
                    })
                    .collect(),
            ),
        }
    }

    /// Appends rows `rows` of `source`, a column of the same type (another type: their
    /// values, as [`Column::get`] gives them), text codes translated through `codes` (see
    /// [`CodeMap`]). The type is matched once for all the rows.
    pub(super) fn copy_rows(
        &mut self,
        source: &Column,
        rows: std::ops::Range<usize>,
        codes: &mut Vec<u32>,
    ) {
        // The code here of `code` in `from`, looked up once.
        let translate = |codes: &mut [u32], dict: &mut Dict, from: &Dict, code: u32| {
            let slot = &mut codes[code as usize];
            if *slot == MISSING {
                *slot = dict.code_str(from.get(code).unwrap_or_default());
            }
            *slot
        };
        match (self, source) {
            (Column::Absent, _) => {}
            (
                Column::Number { values, valid },
                Column::Number {
                    values: v,
                    valid: ok,
                },
            )
            | (
                Column::Duration { values, valid },
                Column::Duration {
                    values: v,
                    valid: ok,
                },
            ) => {
                values.extend_from_slice(&v[rows.clone()]);
                valid.extend_from_slice(&ok[rows]);
            }
            (
                Column::Bool { values, valid },
                Column::Bool {
                    values: v,
                    valid: ok,
                },
            ) => {
                values.extend_from_slice(&v[rows.clone()]);
                valid.extend_from_slice(&ok[rows]);
            }
            (
                Column::Date { values, valid },
                Column::Date {
                    values: v,
                    valid: ok,
                },
            ) => {
                values.extend_from_slice(&v[rows.clone()]);
                valid.extend_from_slice(&ok[rows]);
            }
            (Column::Text { codes: to, dict }, Column::Text { codes: c, dict: d }) => {
                if codes.len() < d.len() {
                    codes.resize(d.len(), MISSING);
                }
                for &code in &c[rows] {
                    to.push(if code == MISSING {
                        MISSING
                    } else {
                        translate(codes, dict, d, code)
                    });
                }
            }
            (
                Column::TextList {
                    offsets,
                    codes: to,
                    valid,
                    dict,
                },
                Column::TextList {
                    offsets: o,
                    codes: c,
                    valid: ok,
                    dict: d,
                },
            ) => {
                if codes.len() < d.len() {
                    codes.resize(d.len(), MISSING);
                }
                for row in rows {
                    for &code in &c[o[row] as usize..o[row + 1] as usize] {
                        to.push(translate(codes, dict, d, code));
                    }
                    valid.push(ok[row]);
                    offsets.push(u32::try_from(to.len()).unwrap_or(u32::MAX));
                }
            }
            (column, source) => {
                for row in rows {
                    column.push(source.get(row));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A column gathered from several (each with its own dictionary) reads back, row by row,
    /// the values of the rows it names, whatever the type; a row that is not there, or of a
    /// column of another type, is missing.
    #[test]
    fn a_gathered_column_holds_the_rows_it_names() {
        let text = |s: &str| Some(Value::String(s.to_string()));
        let list = |items: &[&str]| {
            Some(Value::List(
                items.iter().map(|s| Value::String(s.to_string())).collect(),
            ))
        };
        let types = [
            Type::NUMBER,
            Type::Scalar(Scalar::Duration),
            Type::BOOL,
            Type::Scalar(Scalar::Date),
            Type::STRING,
            Type::STRING_LIST,
            Type::List(Some(Scalar::Number)),
        ];
        let values: [[Option<Value>; 3]; 7] = [
            [Some(Value::Number(1.5)), None, Some(Value::Number(-2.0))],
            [Some(Value::Duration(3.0)), Some(Value::Duration(0.5)), None],
            [Some(Value::Bool(true)), None, Some(Value::Bool(false))],
            [None, Some(Value::Date(20_000)), Some(Value::Date(-3))],
            [text("b"), None, text("a")],
            [list(&["x", "y"]), None, list(&[])],
            [Some(Value::List(vec![Value::Number(1.0)])), None, None],
        ];
        for (ty, values) in types.into_iter().zip(values) {
            // Two sources, their rows in another order each (so their dictionaries differ),
            // and a column of another type.
            let mut a = Column::for_type(ty);
            let mut b = Column::for_type(ty);
            for v in &values {
                a.push(v.clone());
            }
            for v in values.iter().rev() {
                b.push(v.clone());
            }
            let other = Column::for_type(if ty == Type::BOOL {
                Type::NUMBER
            } else {
                Type::BOOL
            });
            let rows = [
                (1, 0),
                (0, 2),
                (0, 0),
                (1, 1),
                (0, 1),
                (1, 2),
                (0, 7),
                (2, 0),
                (9, 0),
            ];
            let gathered = Column::gather(&[&a, &b, &other], &rows);
            let got: Vec<Option<Value>> = (0..rows.len()).map(|r| gathered.get(r)).collect();
            let want: Vec<Option<Value>> = rows
                .iter()
                .map(|&(t, r)| match (t, r) {
                    (0, r) if r < 3 => values[r as usize].clone(),
                    (1, r) if r < 3 => values[2 - r as usize].clone(),
                    _ => None,
                })
                .collect();
            assert_eq!(got, want, "{ty:?}");
        }
        assert!(matches!(Column::gather(&[], &[(0, 0)]), Column::Absent));
    }
}
