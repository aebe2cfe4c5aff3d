//! What a signal's closure sees: one [`Lead`] of the batch (the input fields the signal
//! declared) and the call's constant [`Args`].
//!
//! How it works: the host's input columns are turned once per call into safe views (slices
//! over its numbers, dates, validity bytes, text codes and list offsets, and its dictionary's
//! strings), checked for the pointers each type needs; a `Lead` is a row number into them.
//! A company field has one row per lead, a contact field one row per contact, the lead's
//! contacts being the run `contact_offsets[row]..contact_offsets[row + 1]`. A missing value
//! (validity 0, the text code `MISSING`, a text that is not UTF-8 reading as "") is `None`;
//! reading a field the signal did not declare, or a parameter it does not have, panics with
//! the fix, which the entry points turn into an error for the host.

use super::types::{Date, Value};
use crate::ffi::{Arg, slice};
use crate::{Column, ty};

/// One input column, read safely.
#[derive(Debug)]
pub(super) enum View<'a> {
    Bool(&'a [u8], &'a [u8]),
    Number(&'a [f64], &'a [u8]),
    Date(&'a [i32], &'a [u8]),
    Text(&'a [u32], Vec<&'a str>),
    List {
        offsets: &'a [u32],
        codes: &'a [u32],
        valid: &'a [u8],
        strings: Vec<&'a str>,
    },
}

/// The leads of one batch call.
#[derive(Debug)]
pub(super) struct Inputs<'a> {
    pub(super) names: &'a [String],
    pub(super) views: Vec<View<'a>>,
    pub(super) contact_offsets: &'a [u32],
    pub(super) today: Date,
}

/// One lead, as a signal's closure sees it: the input fields the signal declared.
#[derive(Debug)]
pub struct Lead<'a> {
    pub(super) inputs: &'a Inputs<'a>,
    pub(super) row: usize,
}

impl<'a> Lead<'a> {
    /// The run's as-of date: durations count back from it.
    pub fn today(&self) -> Date {
        self.inputs.today
    }

    fn view(&self, field: &str) -> (&View<'a>, std::ops::Range<usize>) {
        let Some(i) = self.inputs.names.iter().position(|n| n == field) else {
            panic!("the signal reads `{field}` but does not declare it with .input(\"{field}\")");
        };
        let rows = if field.starts_with("contact.") {
            let offsets = self.inputs.contact_offsets;
            offsets[self.row] as usize..offsets[self.row + 1] as usize
        } else {
            self.row..self.row + 1
        };
        (&self.inputs.views[i], rows)
    }

    /// The first known value of a field: the company's, or the first contact's that has one.
    fn first<T>(&self, field: &str, read: impl Fn(&View<'a>, usize) -> Option<T>) -> Option<T> {
        let (view, mut rows) = self.view(field);
        rows.find_map(|r| read(view, r))
    }

    /// A text field of the company, or the first known value of a contact field.
    pub fn text(&self, field: &str) -> Option<&'a str> {
        self.first(field, View::text)
    }

    /// The known values of a text field: one for a company field, one per contact else.
    pub fn texts(&self, field: &str) -> Vec<&'a str> {
        let (view, rows) = self.view(field);
        rows.filter_map(|r| view.text(r)).collect()
    }

    pub fn number(&self, field: &str) -> Option<f64> {
        self.first(field, View::number)
    }

    pub fn bool(&self, field: &str) -> Option<bool> {
        self.first(field, View::bool)
    }

    pub fn date(&self, field: &str) -> Option<Date> {
        self.first(field, View::date)
    }

    /// A list-of-text field of the company.
    pub fn list(&self, field: &str) -> Option<Vec<&'a str>> {
        self.first(field, View::list)
    }
}

/// One row of an input column, or `None` when it is missing or of another type.
impl<'a> View<'a> {
    /// Row `r` as a value (a duration reads as a number), or `None` when it is missing.
    pub(super) fn value(&self, r: usize) -> Option<Value> {
        Some(match self {
            View::Bool(..) => Value::Bool(self.bool(r)?),
            View::Number(..) => Value::Number(self.number(r)?),
            View::Date(..) => Value::Date(self.date(r)?),
            View::Text(..) => Value::String(self.text(r)?.to_string()),
            View::List { .. } => Value::List(self.list(r)?.into_iter().map(String::from).collect()),
        })
    }

    fn text(&self, r: usize) -> Option<&'a str> {
        match self {
            View::Text(codes, strings) => strings.get(codes[r] as usize).copied(),
            _ => None,
        }
    }

    fn number(&self, r: usize) -> Option<f64> {
        match self {
            View::Number(values, valid) => (valid[r] == 1).then(|| values[r]),
            _ => None,
        }
    }

    fn bool(&self, r: usize) -> Option<bool> {
        match self {
            View::Bool(values, valid) => (valid[r] == 1).then(|| values[r] == 1),
            _ => None,
        }
    }

    fn date(&self, r: usize) -> Option<Date> {
        match self {
            View::Date(values, valid) => (valid[r] == 1).then(|| Date(values[r])),
            _ => None,
        }
    }

    fn list(&self, r: usize) -> Option<Vec<&'a str>> {
        match self {
            View::List {
                offsets,
                codes,
                valid,
                strings,
            } => (valid[r] == 1).then(|| {
                codes[offsets[r] as usize..offsets[r + 1] as usize]
                    .iter()
                    .filter_map(|c| strings.get(*c as usize).copied())
                    .collect()
            }),
            _ => None,
        }
    }
}

/// The constant arguments of a signal call, by parameter name.
#[derive(Debug)]
pub struct Args<'a> {
    pub(super) names: Vec<&'a str>,
    pub(super) values: Vec<Arg<'a>>,
}

impl<'a> Args<'a> {
    fn get(&self, name: &str) -> &Arg<'a> {
        match self.names.iter().position(|n| *n == name) {
            Some(i) => &self.values[i],
            None => panic!("the signal has no parameter `{name}`"),
        }
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.get(name) {
            Arg::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn number(&self, name: &str) -> Option<f64> {
        match self.get(name) {
            Arg::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// A duration, in days.
    pub fn duration(&self, name: &str) -> Option<f64> {
        match self.get(name) {
            Arg::Duration(d) => Some(*d),
            _ => None,
        }
    }

    pub fn date(&self, name: &str) -> Option<Date> {
        match self.get(name) {
            Arg::Date(days) => Some(Date(*days)),
            _ => None,
        }
    }

    pub fn string(&self, name: &str) -> Option<&'a str> {
        match self.get(name) {
            Arg::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn strings(&self, name: &str) -> Option<&[&'a str]> {
        match self.get(name) {
            Arg::List(l) => Some(l),
            _ => None,
        }
    }

    /// Whether the rule passed the parameter.
    pub fn has(&self, name: &str) -> bool {
        !matches!(self.get(name), Arg::Absent)
    }
}

/// A safe view of an input column of `len` rows, or `None` if a pointer it needs is null.
///
/// # Safety
/// The column's non-null pointers must hold as many values as `Column` documents for `len`.
pub(super) unsafe fn view<'a>(c: &'a Column, len: usize) -> Option<View<'a>> {
    let need = |p: bool| (p || len == 0).then_some(());
    // SAFETY: in each arm, the pointers hold the documented number of values.
    unsafe {
        Some(match c.ty {
            ty::BOOL => {
                need(!c.bools.is_null() && !c.valid.is_null())?;
                View::Bool(slice(c.bools, len), slice(c.valid, len))
            }
            ty::NUMBER | ty::DURATION => {
                need(!c.numbers.is_null() && !c.valid.is_null())?;
                View::Number(slice(c.numbers, len), slice(c.valid, len))
            }
            ty::DATE => {
                need(!c.dates.is_null() && !c.valid.is_null())?;
                View::Date(slice(c.dates, len), slice(c.valid, len))
            }
            ty::STRING => {
                need(!c.codes.is_null())?;
                View::Text(slice(c.codes, len), strings(c))
            }
            ty::STRING_LIST => {
                need(!c.offsets.is_null() && !c.valid.is_null())?;
                let offsets = slice(c.offsets, len + 1);
                let n = offsets.last().copied().unwrap_or(0) as usize;
                View::List {
                    offsets,
                    codes: slice(c.codes, n),
                    valid: slice(c.valid, len),
                    strings: strings(c),
                }
            }
            _ => return None,
        })
    }
}

/// The strings of a column; invalid UTF-8 reads as "".
///
/// # Safety
/// `strings` must hold `n_strings` valid `Str`s.
unsafe fn strings(c: &Column) -> Vec<&str> {
    // SAFETY: guaranteed by the caller.
    unsafe { slice(c.strings, c.n_strings) }
        .iter()
        // SAFETY: each `Str` is lent by the host for the call.
        .map(|s| unsafe { s.to_str() }.unwrap_or(""))
        .collect()
}
