//! What a decoded message must hold before either side uses it.
//!
//! How it works: the protocol's decoder only checks that the bytes are there; a frame can
//! still describe a column whose validity is shorter than its values, a text code past its
//! dictionary, list offsets that run backwards, or a signal call whose input columns do not
//! have one row per lead (or per contact). The worker lends such columns to native code as
//! raw pointers and lengths, and the host hands a reply's column to the engine, which
//! indexes it by row: either would read out of bounds. So every column is checked to be
//! consistent in itself ([`column`]), a signal call to be lendable as it stands
//! ([`evaluate`]: contact offsets from 0 up to the contacts, each input one row per lead or
//! per contact, of the type its ABI code names), and a reply to answer the call it was sent
//! for ([`reply`]: the declared type, one row per lead). A failed check is a malformed
//! message, the same error as bytes that do not decode.

use std::io;

use icp_engine::batch::{Column, MISSING};
use icp_engine::{Scalar, Type};
use icp_plugin_api::ty;

use super::protocol::{Evaluate, malformed};

/// A message that decodes but does not hold together.
fn inconsistent(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("malformed message: {what}"),
    )
}

/// The number of rows of a column that is consistent in itself, else an error.
pub fn column(column: &Column) -> io::Result<usize> {
    let same = |values: usize, valid: usize| {
        if values == valid {
            Ok(values)
        } else {
            Err(inconsistent(
                "a column's validity and values differ in length",
            ))
        }
    };
    match column {
        Column::Absent | Column::Values(_) => Err(malformed()),
        Column::Number { values, valid } | Column::Duration { values, valid } => {
            same(values.len(), valid.len())
        }
        Column::Bool { values, valid } => same(values.len(), valid.len()),
        Column::Date { values, valid } => same(values.len(), valid.len()),
        Column::Text { codes, dict } => {
            if codes
                .iter()
                .any(|c| *c != MISSING && *c as usize >= dict.len())
            {
                return Err(inconsistent("a text code past its dictionary"));
            }
            Ok(codes.len())
        }
        Column::TextList {
            offsets,
            codes,
            valid,
            dict,
        } => {
            if offsets.len() != valid.len() + 1
                || offsets[0] != 0
                || offsets.windows(2).any(|w| w[0] > w[1])
                || offsets[valid.len()] as usize != codes.len()
            {
                return Err(inconsistent("list offsets that do not fit their items"));
            }
            if codes.iter().any(|c| *c as usize >= dict.len()) {
                return Err(inconsistent("a list's text code past its dictionary"));
            }
            Ok(valid.len())
        }
    }
}

/// Whether a column is of the type an ABI type code names.
fn has_code(column: &Column, code: u32) -> bool {
    matches!(
        (code, column),
        (ty::BOOL, Column::Bool { .. })
            | (ty::NUMBER, Column::Number { .. })
            | (ty::DURATION, Column::Duration { .. })
            | (ty::DATE, Column::Date { .. })
            | (ty::STRING, Column::Text { .. })
            | (ty::STRING_LIST, Column::TextList { .. })
    )
}

/// Whether a column is of a declared signal type.
fn has_type(column: &Column, output: Type) -> bool {
    matches!(
        (output, column),
        (Type::Scalar(Scalar::Bool), Column::Bool { .. })
            | (Type::Scalar(Scalar::Number), Column::Number { .. })
            | (Type::Scalar(Scalar::Duration), Column::Duration { .. })
            | (Type::Scalar(Scalar::Date), Column::Date { .. })
            | (Type::Scalar(Scalar::String), Column::Text { .. })
            | (Type::List(Some(Scalar::String)), Column::TextList { .. })
    )
}

/// A signal call the worker may lend to the plugin as it stands (see the module doc).
pub fn evaluate(call: &Evaluate<'_>) -> io::Result<()> {
    let offsets = &call.contact_offsets;
    if offsets.len() != call.rows.saturating_add(1)
        || offsets[0] != 0
        || offsets.windows(2).any(|w| w[0] > w[1])
    {
        return Err(inconsistent("contact offsets that do not fit the batch"));
    }
    let contacts = offsets[call.rows] as usize;
    for (code, input) in &call.inputs {
        if !has_code(input, *code) {
            return Err(inconsistent(
                "an input column of another type than its code",
            ));
        }
        let rows = column(input)?;
        if rows != call.rows && rows != contacts {
            return Err(inconsistent(
                "an input column with neither a row per lead nor one per contact",
            ));
        }
    }
    Ok(())
}

/// A reply's column checked against the call: the declared type, one row per lead.
pub fn reply(result: &Column, output: Type, rows: usize) -> io::Result<()> {
    if !has_type(result, output) {
        return Err(inconsistent("a result of another type than the signal's"));
    }
    if column(result)? != rows {
        return Err(inconsistent("a result without one row per lead"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use icp_engine::batch::Dict;

    #[test]
    fn inconsistent_columns_are_refused() {
        let short = Column::Number {
            values: vec![1.0, 2.0],
            valid: vec![true],
        };
        assert!(column(&short).is_err());
        let past = Column::Text {
            codes: vec![0, MISSING, 3],
            dict: Dict::default(),
        };
        assert!(column(&past).is_err());
        let backwards = Column::TextList {
            offsets: vec![0, 2, 1],
            codes: vec![],
            valid: vec![true, true],
            dict: Dict::default(),
        };
        assert!(column(&backwards).is_err());
        let fine = Column::Bool {
            values: vec![true, false],
            valid: vec![true, true],
        };
        assert_eq!(column(&fine).ok(), Some(2));
        assert!(reply(&fine, Type::Scalar(Scalar::Bool), 3).is_err());
        assert!(reply(&fine, Type::Scalar(Scalar::Number), 2).is_err());
        assert!(reply(&fine, Type::Scalar(Scalar::Bool), 2).is_ok());
    }
}
