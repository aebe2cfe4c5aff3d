//! The helpers both sides of the boundary need to read and write the ABI's records: one
//! checked copy, used by the SDK (the plugin side and its test harness) and by the host.
//!
//! How it works: [`slice`] is the one place a pointer and a length become a Rust slice (a
//! null pointer or a zero length is an empty slice, so callers need no special case).
//! [`with_error_sink`] lends a callee an [`ErrorSink`] that copies the last message it is
//! given into a `String`, the sink living only for the closure, so it cannot outlive the
//! `String` it writes. [`Arg`] is a constant argument of a signal call in Rust terms:
//! [`EncodedArgs`] turns a list of them into the [`ArgV1`] array of a [`CallV1`](crate::CallV1)
//! (keeping the string lists the records point into), and [`Arg::decode`] reads one back; an
//! unknown type code or a left-out optional parameter is [`Arg::Absent`], and text that is not
//! UTF-8 reads as "".

use std::ffi::c_void;
use std::marker::PhantomData;

use crate::{ArgV1, ErrorSink, Str, ty};

/// A slice from a pointer and a length; empty for a null pointer or a zero length.
///
/// # Safety
/// A non-null `ptr` must point to `len` initialised values, aligned, alive and unchanged for
/// `'a`.
pub unsafe fn slice<'a, T>(ptr: *const T, len: usize) -> &'a [T] {
    if ptr.is_null() || len == 0 {
        &[]
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }
}

/// Calls `f` with an error sink and returns its result with the last message reported to
/// the sink ("" when none was).
///
/// The sink points at a `String` on this function's stack, valid until `f` returns; a text
/// that is not UTF-8 is kept as `(an error message that is not UTF-8)`.
pub fn with_error_sink<R>(f: impl FnOnce(*mut ErrorSink) -> R) -> (R, String) {
    let mut message = String::new();
    let mut sink = ErrorSink {
        context: (&raw mut message).cast::<c_void>(),
        report: keep_message,
    };
    let result = f(&mut sink);
    (result, message)
}

/// The `report` function of [`with_error_sink`]'s sink: copies the message.
unsafe extern "C" fn keep_message(context: *mut c_void, message: Str) {
    // SAFETY: the message is lent for the duration of this call.
    let text = unsafe { message.to_str() }.unwrap_or("(an error message that is not UTF-8)");
    // SAFETY: `context` is the `String` of `with_error_sink`, alive while its closure runs,
    // which is the only time the sink can be called.
    unsafe { *context.cast::<String>() = text.to_string() };
}

/// A constant argument of a signal call, such as the `90d` of `raised_within(90d)`.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg<'a> {
    /// An optional parameter the rule leaves out.
    Absent,
    Bool(bool),
    Number(f64),
    String(&'a str),
    /// Days since 1970-01-01.
    Date(i32),
    /// A number of days.
    Duration(f64),
    List(Vec<&'a str>),
}

impl<'a> Arg<'a> {
    /// Reads an argument the other side encoded.
    ///
    /// # Safety
    /// The argument's text and list must be lent, as [`ArgV1`] documents, for `'a`.
    pub unsafe fn decode(a: &ArgV1) -> Arg<'a> {
        // SAFETY: guaranteed by the caller, for both reads.
        let text = |s: Str| unsafe { s.to_str() }.unwrap_or("");
        match a.ty {
            ty::BOOL => Arg::Bool(a.boolean == 1),
            ty::NUMBER => Arg::Number(a.number),
            ty::DURATION => Arg::Duration(a.number),
            ty::DATE => Arg::Date(a.date),
            ty::STRING => Arg::String(text(a.text)),
            // SAFETY: guaranteed by the caller.
            ty::STRING_LIST => Arg::List(
                unsafe { slice(a.list, a.list_len) }
                    .iter()
                    .map(|s| text(*s))
                    .collect(),
            ),
            _ => Arg::Absent,
        }
    }
}

/// The [`ArgV1`] array of a call and the string lists its records point into, borrowed from
/// the [`Arg`]s' text for `'a`.
#[derive(Debug)]
pub struct EncodedArgs<'a> {
    args: Vec<ArgV1>,
    /// The `Str`s of each list argument; the records point into these heap buffers, which
    /// do not move when the vectors are moved.
    _lists: Vec<Vec<Str>>,
    _text: PhantomData<&'a str>,
}

impl<'a> EncodedArgs<'a> {
    /// Encodes the arguments in parameter order.
    pub fn new(values: impl IntoIterator<Item = Arg<'a>>) -> EncodedArgs<'a> {
        let mut args = Vec::new();
        let mut lists = Vec::new();
        for value in values {
            let list: Vec<Str> = match &value {
                Arg::List(items) => items.iter().map(|s| Str::new(s)).collect(),
                _ => Vec::new(),
            };
            let mut a = ArgV1 {
                ty: 0,
                boolean: 0,
                number: 0.0,
                date: 0,
                text: Str::EMPTY,
                list: list.as_ptr(),
                list_len: list.len(),
            };
            match value {
                Arg::Absent => {}
                Arg::Bool(b) => (a.ty, a.boolean) = (ty::BOOL, u8::from(b)),
                Arg::Number(n) => (a.ty, a.number) = (ty::NUMBER, n),
                Arg::Duration(d) => (a.ty, a.number) = (ty::DURATION, d),
                Arg::Date(d) => (a.ty, a.date) = (ty::DATE, d),
                Arg::String(s) => (a.ty, a.text) = (ty::STRING, Str::new(s)),
                Arg::List(_) => a.ty = ty::STRING_LIST,
            }
            args.push(a);
            lists.push(list);
        }
        EncodedArgs {
            args,
            _lists: lists,
            _text: PhantomData,
        }
    }

    /// The records, for [`CallV1::args`](crate::CallV1::args) and `n_args`.
    pub fn records(&self) -> &[ArgV1] {
        &self.args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_read_back_as_they_were_encoded() {
        let values = vec![
            Arg::Absent,
            Arg::Bool(true),
            Arg::Number(2.5),
            Arg::String("Series B"),
            Arg::Date(19_782),
            Arg::Duration(90.0),
            Arg::List(vec!["a", "bc"]),
            Arg::List(Vec::new()),
        ];
        let encoded = EncodedArgs::new(values.clone());
        // SAFETY: `encoded` and the literals it borrows are alive here.
        let decoded: Vec<Arg<'_>> = encoded
            .records()
            .iter()
            .map(|a| unsafe { Arg::decode(a) })
            .collect();
        assert_eq!(decoded, values);
    }

    #[test]
    fn the_sink_keeps_the_last_message() {
        let ((), message) = with_error_sink(|sink| {
            for text in ["first", "second"] {
                // SAFETY: the sink is valid inside the closure; the text outlives the call.
                unsafe { ((*sink).report)((*sink).context, Str::new(text)) };
            }
        });
        assert_eq!(message, "second");
        let ((), none) = with_error_sink(|_| {});
        assert_eq!(none, "");
    }

    #[test]
    fn a_null_pointer_is_an_empty_slice() {
        // SAFETY: a null pointer is allowed.
        let empty: &[u32] = unsafe { slice(std::ptr::null(), 3) };
        assert!(empty.is_empty());
    }
}
