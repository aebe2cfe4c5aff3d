//! The checked call path under a plugin that returns malformed columns.
//!
//! How it works: a [`Spec`] describes the column a fake in-process plugin hands back — its
//! type code and length, which arrays are null, the values (NaN, infinities, validity bytes
//! other than 0 and 1, dates no calendar reaches), the strings (bad UTF-8, null pointers with
//! lengths, lengths past `isize::MAX`, more strings than codes can name), text codes and list
//! offsets in or out of range. The fake's arrays are always long enough for every read the
//! ABI allows the host, so a malformation is one the host can see. Each spec goes through
//! `call_in_process` (the path of every in-process and isolated call), whose answer must
//! be what a plain restatement of the ABI says ([`well_formed`]): a column of the declared
//! type with one row per lead, or an error — never a panic. The error is the message that
//! `Signals::fill` puts behind the plugin's name and the call (tests/plugin_faults.rs checks
//! that end to end).

use std::cell::RefCell;
use std::ffi::c_void;

use icp_engine::batch::MISSING;
use icp_engine::{Scalar, Type};
use icp_plugin_api::{CallV1, ErrorSink, MAGIC, OK, PluginV1, Str, ty};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

use super::{cases, regressions};
use crate::call::{SignalCall, call_in_process};

/// The column the fake plugin returns, and the call it answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Spec {
    /// The batch's rows, and the type code the signal declares.
    rows: usize,
    declared: u32,
    /// The column's type code and length as returned.
    ty: u32,
    len: usize,
    /// Each array, or `None` for a null pointer.
    valid: Option<Vec<u8>>,
    bools: Option<Vec<u8>>,
    numbers: Option<Vec<f64>>,
    dates: Option<Vec<i32>>,
    codes: Option<Vec<u32>>,
    offsets: Option<Vec<u32>>,
    strings: Option<Vec<Text>>,
    /// `n_strings` when it is not the number of strings (only past what codes can name).
    n_strings: Option<usize>,
}

/// One string of the column.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Text {
    bytes: Vec<u8>,
    /// Returned with a null pointer.
    null: bool,
    /// The length returned instead of the bytes' (only past `isize::MAX`).
    len: Option<usize>,
}

/// The longest a list may run: the fake's code array always has this many more entries.
const LIST_ROOM: u32 = 16;

/// Whether the ABI makes `spec` a valid answer, restated plainly.
fn well_formed(spec: &Spec) -> bool {
    let rows = spec.rows;
    if spec.ty != spec.declared || spec.len != rows {
        return false;
    }
    let present = |p: bool| p || rows == 0;
    let strings_ok = match (&spec.strings, spec.n_strings) {
        (_, Some(_)) => false,
        (None, None) => true,
        (Some(strings), None) => strings.iter().all(|t| {
            t.len.is_none()
                && (!t.null || t.bytes.is_empty())
                && (t.null || std::str::from_utf8(&t.bytes).is_ok())
        }),
    };
    let n_strings = spec.strings.as_ref().map_or(0, Vec::len);
    let code_ok = |c: &u32| (*c as usize) < n_strings;
    // The arrays as the fake lends them: padded, so the host may read what the ABI allows.
    let room = rows + 1;
    let offsets = padded(&spec.offsets, room, 0);
    let items = offsets.as_ref().map_or(0, |o| o[rows] as usize);
    let codes = padded(&spec.codes, room + LIST_ROOM as usize, 0);
    match spec.ty {
        ty::BOOL => present(spec.bools.is_some()) && present(spec.valid.is_some()),
        ty::NUMBER | ty::DURATION => {
            present(spec.numbers.is_some()) && present(spec.valid.is_some())
        }
        ty::DATE => present(spec.dates.is_some()) && present(spec.valid.is_some()),
        ty::STRING => {
            present(codes.is_some())
                && strings_ok
                && codes
                    .as_ref()
                    .is_none_or(|codes| codes[..rows].iter().all(|c| *c == MISSING || code_ok(c)))
        }
        ty::STRING_LIST => {
            let Some(offsets) = offsets else {
                return rows == 0 && strings_ok;
            };
            offsets[0] == 0
                && (1..=rows).all(|i| offsets[i - 1] <= offsets[i])
                && (items == 0 || codes.is_some())
                && present(spec.valid.is_some())
                && strings_ok
                && codes
                    .as_ref()
                    .is_none_or(|codes| codes[..items].iter().all(code_ok))
        }
        _ => false,
    }
}

thread_local! {
    /// The spec the fake answers with on this thread (the call is made on it).
    static ANSWER: RefCell<Option<Spec>> = const { RefCell::new(None) };
}

/// The fake's arrays behind one answer, alive until the host releases the column.
struct Answer {
    valid: Option<Vec<u8>>,
    bools: Option<Vec<u8>>,
    numbers: Option<Vec<f64>>,
    dates: Option<Vec<i32>>,
    codes: Option<Vec<u32>>,
    offsets: Option<Vec<u32>>,
    texts: Vec<Vec<u8>>,
    strings: Option<Vec<Str>>,
}

/// `v` padded with `pad` to at least `n` entries: every read the ABI allows lands inside.
fn padded<T: Clone>(v: &Option<Vec<T>>, n: usize, pad: T) -> Option<Vec<T>> {
    v.as_ref().map(|v| {
        let mut v = v.clone();
        if v.len() < n {
            v.resize(n, pad);
        }
        v
    })
}

fn pointer<T>(v: &Option<Vec<T>>) -> *const T {
    v.as_ref().map_or(std::ptr::null(), |v| v.as_ptr())
}

unsafe extern "C" fn fake_init(_: Str, _: Str, _: *mut ErrorSink) -> *mut c_void {
    std::ptr::NonNull::<u8>::dangling().as_ptr().cast()
}

unsafe extern "C" fn fake_evaluate(
    _: *mut c_void,
    _: *const CallV1,
    out: *mut icp_plugin_api::Column,
    _: *mut ErrorSink,
) -> i32 {
    let Some(spec) = ANSWER.with(|a| a.borrow().clone()) else {
        return icp_plugin_api::FAILED;
    };
    let room = spec.rows + 1;
    let offsets = padded(&spec.offsets, room, 0);
    let texts: Vec<Vec<u8>> = spec
        .strings
        .iter()
        .flatten()
        .map(|t| t.bytes.clone())
        .collect();
    let mut answer = Box::new(Answer {
        valid: padded(&spec.valid, room, 1),
        bools: padded(&spec.bools, room, 0),
        numbers: padded(&spec.numbers, room, 0.0),
        dates: padded(&spec.dates, room, 0),
        // A list's items run to its last offset, below `LIST_ROOM`: the codes reach it.
        codes: padded(&spec.codes, room + LIST_ROOM as usize, 0),
        offsets,
        texts,
        strings: None,
    });
    answer.strings = spec.strings.as_ref().map(|strings| {
        strings
            .iter()
            .zip(&answer.texts)
            .map(|(t, bytes)| Str {
                ptr: if t.null {
                    std::ptr::null()
                } else {
                    bytes.as_ptr()
                },
                len: t.len.unwrap_or(bytes.len()),
            })
            .collect()
    });
    let mut column = icp_plugin_api::Column::EMPTY;
    column.ty = spec.ty;
    column.len = spec.len;
    column.valid = pointer(&answer.valid);
    column.bools = pointer(&answer.bools);
    column.numbers = pointer(&answer.numbers);
    column.dates = pointer(&answer.dates);
    column.codes = pointer(&answer.codes);
    column.offsets = pointer(&answer.offsets);
    column.strings = pointer(&answer.strings);
    column.n_strings = spec
        .n_strings
        .unwrap_or(answer.strings.as_ref().map_or(0, Vec::len));
    column.private = Box::into_raw(answer).cast();
    // SAFETY: `out` is the host's column to fill (ABI contract).
    unsafe { *out = column };
    OK
}

unsafe extern "C" fn fake_release(out: *mut icp_plugin_api::Column) {
    // SAFETY: `out` was filled by `fake_evaluate`, whose `private` is the box it leaked;
    // the host releases each column once.
    unsafe { drop(Box::from_raw((*out).private.cast::<Answer>())) };
}

/// The engine type a type code declares.
fn declared_type(code: u32) -> Type {
    match code {
        ty::BOOL => Type::Scalar(Scalar::Bool),
        ty::NUMBER => Type::Scalar(Scalar::Number),
        ty::STRING => Type::Scalar(Scalar::String),
        ty::DATE => Type::Scalar(Scalar::Date),
        ty::DURATION => Type::Scalar(Scalar::Duration),
        _ => Type::List(Some(Scalar::String)),
    }
}

/// Calls the fake with `spec` through the checked path and compares with [`well_formed`].
fn check(spec: &Spec) -> Result<(), TestCaseError> {
    let table = PluginV1 {
        magic: MAGIC,
        size: std::mem::size_of::<PluginV1>(),
        abi_minor: 0,
        name: Str::new("fake"),
        version: Str::new("0"),
        doc: Str::EMPTY,
        signals: std::ptr::null(),
        n_signals: 0,
        init: fake_init,
        evaluate: fake_evaluate,
        release: fake_release,
    };
    ANSWER.with(|a| *a.borrow_mut() = Some(spec.clone()));
    let contact_offsets = vec![0u32; spec.rows + 1];
    let result = call_in_process(
        &table,
        std::ptr::NonNull::<u8>::dangling().as_ptr().cast(),
        &SignalCall {
            signal: 0,
            output: declared_type(spec.declared),
            args: &[],
            today: 0,
            rows: spec.rows,
            inputs: &[],
            contact_offsets: &contact_offsets,
        },
    );
    match result {
        Ok(column) => {
            prop_assert!(well_formed(spec), "a malformed column was taken: {spec:?}");
            prop_assert_eq!(
                crate::isolate::validate::column(&column).ok(),
                Some(spec.rows)
            );
            for row in 0..spec.rows {
                if let Some(icp_engine::Value::Number(n) | icp_engine::Value::Duration(n)) =
                    column.get(row)
                {
                    prop_assert!(n.is_finite(), "NaN or infinity taken as a value");
                }
            }
        }
        Err(message) => {
            prop_assert!(
                !well_formed(spec),
                "a good column refused: {message}: {spec:?}"
            );
            prop_assert!(!message.is_empty());
        }
    }
    Ok(())
}

fn text() -> impl Strategy<Value = Text> {
    (
        prop_oneof![
            4 => "[a-z\u{e9}]{0,4}".prop_map(String::into_bytes),
            1 => proptest::collection::vec(any::<u8>(), 0..4),
        ],
        proptest::bool::weighted(0.1),
        proptest::option::weighted(
            0.05,
            prop_oneof![Just(usize::MAX), Just(isize::MAX as usize + 1)],
        ),
    )
        .prop_map(|(bytes, null, len)| Text { bytes, null, len })
}

/// Mostly present, sometimes a null pointer.
fn sometimes<S: Strategy>(array: S) -> impl Strategy<Value = Option<S::Value>> {
    proptest::option::weighted(0.9, array)
}

fn spec() -> impl Strategy<Value = Spec> {
    (0usize..5, 1u32..7).prop_flat_map(|(rows, declared)| {
        let len = prop_oneof![
            8 => Just(rows),
            1 => Just(rows + 1),
            1 => Just(usize::MAX),
        ];
        (
            (prop_oneof![8 => Just(declared), 1 => 0u32..9], len),
            sometimes(proptest::collection::vec(
                prop_oneof![Just(0u8), Just(1), any::<u8>()],
                0..=rows,
            )),
            sometimes(proptest::collection::vec(any::<u8>(), 0..=rows)),
            sometimes(proptest::collection::vec(any::<f64>(), 0..=rows)),
            sometimes(proptest::collection::vec(any::<i32>(), 0..=rows)),
            sometimes(proptest::collection::vec(
                prop_oneof![0u32..4, Just(MISSING), any::<u32>()],
                0..=rows + 4,
            )),
            sometimes(proptest::collection::vec(0..LIST_ROOM, 0..=rows + 1)),
            sometimes(proptest::collection::vec(text(), 0..4)),
            proptest::option::weighted(
                0.05,
                prop_oneof![Just(usize::MAX), Just(MISSING as usize + 1)],
            ),
        )
            .prop_map(
                move |((ty, len), valid, bools, numbers, dates, codes, offsets, strings, n)| Spec {
                    rows,
                    declared,
                    ty,
                    len,
                    valid,
                    bools,
                    numbers,
                    dates,
                    codes,
                    offsets,
                    strings,
                    n_strings: n,
                },
            )
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn malformed_columns_are_errors_not_panics(spec in spec()) {
        check(&spec)?;
    }
}

#[test]
fn regressions_are_errors_not_panics() {
    for (name, bytes) in regressions("columns") {
        let spec: Spec = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{name}: not a column spec: {e}"));
        check(&spec).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
