//! The output column of a call, which the SDK owns until the host hands it back to
//! [`release`]: whoever allocates frees.
//!
//! How it works: [`Output`] collects one value per lead into vectors of the column's type
//! (values, validity bytes, text codes into a dictionary of distinct strings, list offsets);
//! `finish` moves them into one boxed [`Owned`] whose buffers the C `Column` points at and
//! whose pointer travels in `Column::private`. `release` turns that pointer back into the box
//! and drops it, then empties the column. A missing value is validity 0 with a zero value,
//! or the text code `MISSING`.

use std::collections::HashMap;
use std::ffi::c_void;

use super::guard::guarded;
use super::types::{Type, Value};
use crate::{Column, MISSING, Str};

/// What an output column owns, freed by [`release`].
#[derive(Default)]
pub(super) struct Owned {
    valid: Vec<u8>,
    bools: Vec<u8>,
    numbers: Vec<f64>,
    dates: Vec<i32>,
    codes: Vec<u32>,
    offsets: Vec<u32>,
    texts: Vec<String>,
    strs: Vec<Str>,
}

/// Builds an output column one lead at a time.
pub(super) struct Output {
    ty: Type,
    owned: Owned,
    dict: HashMap<String, u32>,
}

impl Output {
    pub(super) fn new(ty: Type, rows: usize) -> Output {
        let mut owned = Owned {
            valid: Vec::with_capacity(rows),
            ..Owned::default()
        };
        match ty {
            Type::Bool => owned.bools.reserve(rows),
            Type::Number | Type::Duration => owned.numbers.reserve(rows),
            Type::Date => owned.dates.reserve(rows),
            Type::String => owned.codes.reserve(rows),
            Type::List => owned.offsets.push(0),
        }
        Output {
            ty,
            owned,
            dict: HashMap::new(),
        }
    }

    fn code(&mut self, text: String) -> u32 {
        let next = self.owned.texts.len() as u32;
        *self.dict.entry(text).or_insert_with_key(|text| {
            self.owned.texts.push(text.clone());
            next
        })
    }

    /// Appends a value already checked to have the column's type.
    pub(super) fn push(&mut self, value: Option<Value>) {
        self.owned.valid.push(u8::from(value.is_some()));
        match (self.ty, value) {
            (Type::Bool, v) => self
                .owned
                .bools
                .push(u8::from(matches!(v, Some(Value::Bool(true))))),
            (Type::Number | Type::Duration, Some(Value::Number(n) | Value::Duration(n))) => {
                self.owned.numbers.push(n)
            }
            (Type::Number | Type::Duration, _) => self.owned.numbers.push(0.0),
            (Type::Date, v) => self.owned.dates.push(match v {
                Some(Value::Date(d)) => d.0,
                _ => 0,
            }),
            (Type::String, Some(Value::String(s))) => {
                let code = self.code(s);
                self.owned.codes.push(code);
            }
            (Type::String, _) => self.owned.codes.push(MISSING),
            (Type::List, v) => {
                if let Some(Value::List(items)) = v {
                    for item in items {
                        let code = self.code(item);
                        self.owned.codes.push(code);
                    }
                }
                self.owned.offsets.push(self.owned.codes.len() as u32);
            }
        }
    }

    pub(super) fn finish(self) -> Column {
        let mut owned = Box::new(self.owned);
        owned.strs = owned.texts.iter().map(|t| Str::new(t)).collect();
        Column {
            ty: self.ty.code(),
            len: owned.valid.len(),
            valid: owned.valid.as_ptr(),
            bools: owned.bools.as_ptr(),
            numbers: owned.numbers.as_ptr(),
            dates: owned.dates.as_ptr(),
            codes: owned.codes.as_ptr(),
            offsets: owned.offsets.as_ptr(),
            strings: owned.strs.as_ptr(),
            n_strings: owned.strs.len(),
            private: Box::into_raw(owned).cast::<c_void>(),
        }
    }
}

/// Frees an output column [`Output::finish`] made; called by the host through the table.
pub(super) unsafe extern "C" fn release(out: *mut Column) {
    let _ = guarded(|| {
        if out.is_null() {
            return Ok(());
        }
        // SAFETY: the host passes back a column `evaluate` filled, once; `private` is the
        // `Box<Owned>` leaked there (or null).
        unsafe {
            let private = (*out).private;
            if !private.is_null() {
                drop(Box::from_raw(private.cast::<Owned>()));
            }
            out.write(Column::EMPTY);
        }
        Ok(())
    });
}
