//! A typed Parquet cell into the field of a lead: the one place a Parquet value's type meets a
//! field's kind.
//!
//! How it works: [`put_cell`] reads one [`Cell`] for a mapping slot and puts it into the row
//! the batch builder has open, as `put_slots` does with a CSV cell and with the same outcome:
//! the field set, missing, or the value invalid for the field (`None`, counted by the caller
//! as CSV counts a value that does not parse). Strings take exactly the CSV path (trimmed,
//! placeholders such as `n/a` missing, then read for the field's kind), so a table written as
//! CSV and as Parquet reads the same. Typed values need no parsing: a number goes straight into
//! a number field (a headcount must not be negative, a year must be a whole number from 1 to
//! 9999, NaN is missing and an infinity invalid), a boolean into a boolean field (or 0 and 1),
//! a date or timestamp into a date field (and its year into a year field); into a text field
//! any scalar goes as the text CSV would hold (`42`, `1.5`, `true`, `2024-03-05`). A list
//! feeds a list field item by item (a null or placeholder item left out); any other pairing
//! is invalid.

use std::borrow::Cow;

use icp_engine::batch::BatchBuilder;
use icp_engine::{Scalar, Value};

use super::values::Cell;
use crate::mapping::Slot;
use crate::parse::{Kind, Parsed, is_missing_trimmed, parse_text, trim};
use crate::read::put_text_cell;

/// The text a scalar cell stands for in a CSV file (`None` for a list, or bytes that are not
/// UTF-8): a string as it is, a number without a needless `.0`, `true`/`false`, an ISO date.
pub(crate) fn text_of(cell: Cell<'_>) -> Option<Cow<'_, str>> {
    Some(match cell {
        Cell::Text(t) => Cow::Borrowed(t),
        Cell::Int(i) => Cow::Owned(itoa::Buffer::new().format(i).to_string()),
        Cell::Float(f) => Cow::Owned(icp_engine::format_number(f)),
        Cell::Bool(b) => Cow::Borrowed(if b { "true" } else { "false" }),
        Cell::Date(d) => {
            let (y, m, day) = icp_syntax::ast::civil_from_days(d);
            Cow::Owned(format!("{y:04}-{m:02}-{day:02}"))
        }
        Cell::Null | Cell::NotUtf8 | Cell::List(..) => return None,
    })
}

/// A cell as a field error's example shows it.
pub(crate) fn example_of(cell: Cell<'_>) -> String {
    match cell {
        Cell::NotUtf8 => "(bytes that are not UTF-8)".to_string(),
        Cell::List(items, start, end) => {
            let shown: Vec<String> = (start..end).map(|i| example_of(items.cell(i))).collect();
            format!("[{}]", shown.join(", "))
        }
        Cell::Null => String::new(),
        cell => text_of(cell)
            .map(|t| trim(&t).to_string())
            .unwrap_or_default(),
    }
}

/// Puts `cell`, of one of `slot`'s columns (`own`, its own list separator), into the row
/// `builder` has open: whether the field got a value, `None` when the value cannot be the
/// field's (see the module documentation).
pub(crate) fn put_cell(
    builder: &mut BatchBuilder,
    slot: &Slot,
    own: Option<&str>,
    cell: Cell<'_>,
    separator: &str,
) -> Option<bool> {
    let number = |builder: &mut BatchBuilder, n: f64| {
        let fits = match slot.kind {
            _ if n.is_infinite() => false,
            Kind::Employees => n >= 0.0,
            Kind::Year => n.fract() == 0.0 && (1.0..=9999.0).contains(&n),
            _ => true,
        };
        fits.then(|| builder.put_number(slot.field, n))
            .map(|()| true)
    };
    match (slot.kind, cell) {
        (_, Cell::Null) => Some(false),
        (_, Cell::NotUtf8) => None,
        (_, Cell::Text(text)) => {
            let t = trim(text);
            if is_missing_trimmed(t) {
                Some(false)
            } else {
                put_text_cell(builder, slot, own, t, separator)
            }
        }
        (_, Cell::Float(f)) if f.is_nan() => Some(false),
        (Kind::List(item), Cell::List(items, start, end)) => {
            let texts = (start..end).filter_map(|i| text_of(items.cell(i)));
            let present = texts.map(|t| match t {
                Cow::Borrowed(b) => Cow::Borrowed(trim(b)),
                Cow::Owned(o) => Cow::Owned(trim(&o).to_string()),
            });
            let present: Vec<Cow<'_, str>> = present.filter(|t| !is_missing_trimmed(t)).collect();
            if item == Scalar::String {
                return Some(builder.put_list(slot.field, present.iter().map(|t| t.as_ref())) > 0);
            }
            let mut values = Vec::with_capacity(present.len());
            for t in &present {
                // One item, never split: its own list of one value.
                match parse_text(slot.kind, t, "") {
                    Parsed::Value(Value::List(v)) => values.extend(v),
                    Parsed::Missing => {}
                    Parsed::Value(_) | Parsed::Invalid => return None,
                }
            }
            if values.is_empty() {
                return Some(false);
            }
            builder.put(slot.field, Value::List(values));
            Some(true)
        }
        (_, Cell::List(..)) => None,
        (Kind::Employees | Kind::Money | Kind::Year | Kind::Number, Cell::Int(i)) => {
            number(builder, i as f64)
        }
        (Kind::Employees | Kind::Money | Kind::Year | Kind::Number, Cell::Float(f)) => {
            number(builder, f)
        }
        (Kind::Year, Cell::Date(d)) => {
            let (year, _, _) = icp_syntax::ast::civil_from_days(d);
            number(builder, f64::from(year))
        }
        (Kind::Bool, Cell::Bool(b)) => {
            builder.put(slot.field, Value::Bool(b));
            Some(true)
        }
        (Kind::Bool, Cell::Int(i @ (0 | 1))) => {
            builder.put(slot.field, Value::Bool(i == 1));
            Some(true)
        }
        (Kind::Date, Cell::Date(d)) => {
            builder.put(slot.field, Value::Date(d));
            Some(true)
        }
        (Kind::Duration, Cell::Int(i)) => {
            builder.put(slot.field, Value::Duration(i as f64));
            Some(true)
        }
        (Kind::Duration, Cell::Float(f)) if f.is_finite() => {
            builder.put(slot.field, Value::Duration(f));
            Some(true)
        }
        (Kind::Text | Kind::Domain | Kind::List(_), scalar) => {
            let text = text_of(scalar)?;
            put_text_cell(builder, slot, own, trim(&text), separator)
        }
        _ => None,
    }
}
