//! The isolated-worker protocol under random and mutated byte streams, from both ends.
//!
//! How it works: a stream is random bytes, or well-formed frames (greetings, `init` and
//! signal-call requests with random consistent columns, replies) mutated — bytes flipped,
//! cut, inserted, a length overwritten with a huge one. The host's end reads frames from it
//! and decodes each as the worker's greeting and as a reply to a call (what `Worker` does);
//! the worker's end runs its request loop on it in front of a fake plugin that reads every
//! input the ABI lends it. Both must end — the stream is finite — with a result or an
//! error, never a panic; no allocation may be out of proportion to the stream; and every
//! signal call the worker accepts must be lendable, checked here by a plain restatement of
//! the ABI's promises ([`lendable`]).

use std::borrow::Cow;
use std::ffi::c_void;
use std::io::Cursor;

use icp_engine::batch::{Column, Dict, MISSING};
use icp_engine::{ParamDecl, Scalar, SignalDecl, Type, Value};
use icp_plugin_api::ffi::slice;
use icp_plugin_api::{CallV1, ErrorSink, FAILED, MAGIC, OK, PluginV1, Str, ty};
use proptest::prelude::*;

use super::{cases, largest_allocation, regressions};
use crate::isolate::protocol::{
    Decoder, Encoder, Evaluate, Hello, Request, decode_column, encode_column, read_frame,
};
use crate::isolate::worker::answer_requests;

/// What either end may allocate for a stream of `n` bytes.
fn allocation_bound(n: usize) -> usize {
    (1 << 16) + 64 * n
}

/// The host's end: every frame decoded as a greeting and as a reply to a call of each type.
fn host_side(stream: &[u8]) {
    let mut input = Cursor::new(stream);
    while let Ok(Some(frame)) = read_frame(&mut input) {
        let _ = Decoder::new(&frame).reply(Hello::decode);
        for output in [Type::NUMBER, Type::STRING, Type::List(Some(Scalar::String))] {
            let _ = Decoder::new(&frame).reply(|d| {
                let column = decode_column(d)?;
                crate::isolate::validate::reply(&column, output, 3)?;
                Ok(column)
            });
        }
    }
}

/// The worker's end: its request loop over the stream, and the oracle on every call it
/// accepts.
fn worker_side(stream: &[u8]) {
    let mut input = Cursor::new(stream);
    while let Ok(Some(frame)) = read_frame(&mut input) {
        if let Ok(Request::Evaluate(call)) = Request::decode(&frame) {
            assert!(lendable(&call), "an accepted call cannot be lent: {call:?}");
        }
    }
    let table = fake_table();
    let mut replies = Vec::new();
    let outputs = [Type::NUMBER, Type::STRING];
    let _ = answer_requests(&table, &outputs, &mut Cursor::new(stream), &mut replies);
}

/// Both ends on one stream, within the allocation bound.
fn both_sides(stream: &[u8]) -> Result<(), TestCaseError> {
    let ((), host) = largest_allocation(|| host_side(stream));
    let ((), worker) = largest_allocation(|| worker_side(stream));
    let bound = allocation_bound(stream.len());
    prop_assert!(
        host <= bound && worker <= bound,
        "{host} and {worker} bytes allocated at once for a stream of {} bytes",
        stream.len()
    );
    Ok(())
}

/// The ABI's promises about a call, restated: `rows + 1` contact offsets rising from 0;
/// each input of the type its code names, with a row per lead or per contact, its
/// validity as long as its values, its codes inside its dictionary, its list offsets
/// rising from 0 to its items.
fn lendable(call: &Evaluate<'_>) -> bool {
    let offsets = &call.contact_offsets;
    if offsets.len() != call.rows + 1 || offsets[0] != 0 {
        return false;
    }
    if (1..offsets.len()).any(|i| offsets[i - 1] > offsets[i]) {
        return false;
    }
    let contacts = offsets[call.rows] as usize;
    let rows_fit = |n: usize| n == call.rows || n == contacts;
    let in_dict = |codes: &[u32], dict: &Dict, missing_ok: bool| {
        codes
            .iter()
            .all(|c| (missing_ok && *c == MISSING) || (*c as usize) < dict.len())
    };
    call.inputs
        .iter()
        .all(|(code, column)| match (&**column, *code) {
            (Column::Number { values, valid }, ty::NUMBER)
            | (Column::Duration { values, valid }, ty::DURATION) => {
                values.len() == valid.len() && rows_fit(values.len())
            }
            (Column::Bool { values, valid }, ty::BOOL) => {
                values.len() == valid.len() && rows_fit(values.len())
            }
            (Column::Date { values, valid }, ty::DATE) => {
                values.len() == valid.len() && rows_fit(values.len())
            }
            (Column::Text { codes, dict }, ty::STRING) => {
                rows_fit(codes.len()) && in_dict(codes, dict, true)
            }
            (
                Column::TextList {
                    offsets,
                    codes,
                    valid,
                    dict,
                },
                ty::STRING_LIST,
            ) => {
                offsets.len() == valid.len() + 1
                    && offsets[0] == 0
                    && (1..offsets.len()).all(|i| offsets[i - 1] <= offsets[i])
                    && offsets[valid.len()] as usize == codes.len()
                    && rows_fit(valid.len())
                    && in_dict(codes, dict, false)
            }
            _ => false,
        })
}

/// A plugin table whose `evaluate` reads every input as the ABI lends it and answers a
/// number per lead.
fn fake_table() -> PluginV1 {
    PluginV1 {
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
    }
}

unsafe extern "C" fn fake_init(_: Str, _: Str, _: *mut ErrorSink) -> *mut c_void {
    std::ptr::NonNull::<u8>::dangling().as_ptr().cast()
}

unsafe extern "C" fn fake_evaluate(
    _: *mut c_void,
    call: *const CallV1,
    out: *mut icp_plugin_api::Column,
    _: *mut ErrorSink,
) -> i32 {
    // SAFETY: the host's call, valid for the duration of `evaluate` (ABI contract); every
    // length read below is one the ABI promises.
    let read_all = unsafe {
        let call = &*call;
        let offsets = slice(call.contact_offsets, call.rows + 1);
        let mut checksum = offsets.iter().map(|o| u64::from(*o)).sum::<u64>();
        for input in slice(call.inputs, call.n_inputs) {
            let strings = slice(input.strings, input.n_strings);
            checksum += strings.iter().map(|s| s.len as u64).sum::<u64>();
            let codes = match input.ty {
                ty::STRING => slice(input.codes, input.len),
                ty::STRING_LIST => {
                    let offsets = slice(input.offsets, input.len + 1);
                    let items = offsets.last().map_or(0, |n| *n as usize);
                    slice(input.codes, items)
                }
                _ => {
                    checksum += slice(input.valid, input.len).len() as u64;
                    &[]
                }
            };
            if codes
                .iter()
                .any(|c| *c != MISSING && *c as usize >= strings.len())
            {
                return FAILED;
            }
        }
        (checksum, call.rows)
    };
    let (_, rows) = read_all;
    let data: Box<(Vec<f64>, Vec<u8>)> = Box::new((vec![1.0; rows], vec![1; rows]));
    let mut column = icp_plugin_api::Column::EMPTY;
    column.ty = ty::NUMBER;
    column.len = rows;
    column.numbers = data.0.as_ptr();
    column.valid = data.1.as_ptr();
    column.private = Box::into_raw(data).cast();
    // SAFETY: `out` is the host's column to fill (ABI contract).
    unsafe { *out = column };
    OK
}

unsafe extern "C" fn fake_release(out: *mut icp_plugin_api::Column) {
    // SAFETY: `out` was filled by `fake_evaluate`, whose `private` is the box it leaked;
    // the host releases each column once.
    unsafe { drop(Box::from_raw((*out).private.cast::<(Vec<f64>, Vec<u8>)>())) };
}

/// A column of a boundary type with `rows` rows, consistent in itself.
fn column(rows: usize) -> impl Strategy<Value = (u32, Column)> {
    let valid = proptest::collection::vec(any::<bool>(), rows);
    prop_oneof![
        (proptest::collection::vec(any::<f64>(), rows), valid.clone())
            .prop_map(|(values, valid)| (ty::NUMBER, Column::Number { values, valid })),
        (proptest::collection::vec(any::<i32>(), rows), valid.clone())
            .prop_map(|(values, valid)| (ty::DATE, Column::Date { values, valid })),
        proptest::collection::vec(proptest::option::of("[a-z\u{e9}]{0,4}"), rows).prop_map(
            |texts| {
                let mut dict = Dict::default();
                let codes = texts
                    .iter()
                    .map(|t| t.as_deref().map_or(MISSING, |t| dict.code_str(t)))
                    .collect();
                (ty::STRING, Column::Text { codes, dict })
            }
        ),
        (
            proptest::collection::vec(proptest::collection::vec("[a-z]{0,3}", 0..3), rows),
            valid
        )
            .prop_map(|(lists, valid)| {
                let mut dict = Dict::default();
                let (mut offsets, mut codes) = (vec![0u32], Vec::new());
                for list in &lists {
                    codes.extend(list.iter().map(|t| dict.code_str(t)));
                    offsets.push(codes.len() as u32);
                }
                let column = Column::TextList {
                    offsets,
                    codes,
                    valid,
                    dict,
                };
                (ty::STRING_LIST, column)
            }),
    ]
}

/// A well-formed signal-call request.
fn evaluate_request() -> impl Strategy<Value = Vec<u8>> {
    (0usize..5, 0usize..3, any::<i32>(), 0u32..3).prop_flat_map(|(rows, n, today, signal)| {
        (
            proptest::collection::vec(column(rows), n),
            proptest::collection::vec(proptest::option::of(any::<f64>()), 0..3),
        )
            .prop_map(move |(inputs, args)| {
                Request::Evaluate(Evaluate {
                    signal,
                    today,
                    rows,
                    args: Cow::Owned(
                        args.into_iter()
                            .map(|a| a.map(Value::Duration))
                            .chain([Some(Value::List(vec![Value::String("x".into())]))])
                            .collect(),
                    ),
                    inputs: inputs
                        .into_iter()
                        .map(|(code, c)| (code, Cow::Owned(c)))
                        .collect(),
                    contact_offsets: Cow::Owned(vec![0; rows + 1]),
                })
                .encode()
            })
    })
}

/// A greeting declaring a signal.
fn greeting() -> Vec<u8> {
    let mut e = Encoder::default();
    Hello {
        name: "fake".into(),
        version: "0".into(),
        doc: String::new(),
        abi_minor: 0,
        config_keys: Some(vec!["data".into()]),
        signals: vec![SignalDecl {
            plugin: "fake".into(),
            name: "seen".into(),
            doc: String::new(),
            params: vec![ParamDecl {
                name: "within".into(),
                ty: Type::DURATION,
                optional: false,
            }],
            output: Type::NUMBER,
            inputs: vec!["company.domain".into()],
            order: None,
        }],
    }
    .encode(&mut e);
    Encoder::reply(Ok(e))
}

/// A well-formed message payload of any kind.
fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        evaluate_request(),
        ("[ -~]{0,12}", "[ -~]{0,8}").prop_map(|(config_json, base_dir)| Request::Init {
            config_json,
            base_dir
        }
        .encode()),
        Just(greeting()),
        column(3).prop_map(|(_, column)| {
            let mut e = Encoder::default();
            encode_column(&mut e, &column);
            Encoder::reply(Ok(e))
        }),
        "[ -~]{0,12}".prop_map(|message| Encoder::reply(Err(message))),
    ]
}

/// Frames: each payload behind its length.
fn framed(payloads: &[Vec<u8>]) -> Vec<u8> {
    let mut stream = Vec::new();
    for p in payloads {
        stream.extend_from_slice(&(p.len() as u32).to_le_bytes());
        stream.extend_from_slice(p);
    }
    stream
}

/// One change to a stream.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Cut(usize),
    Insert(usize, Vec<u8>),
    /// Eight bytes at the index become a huge little-endian length.
    Huge(usize, u64),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Cut),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..9))
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (
            any::<usize>(),
            prop_oneof![
                Just(u64::MAX),
                Just(u64::from(u32::MAX)),
                Just(1 << 30),
                Just(1 << 40)
            ]
        )
            .prop_map(|(i, n)| Mutation::Huge(i, n)),
    ]
}

fn apply(stream: &mut Vec<u8>, mutation: &Mutation) {
    if stream.is_empty() {
        return;
    }
    let at = |i: usize| i % stream.len();
    match mutation {
        Mutation::Flip(i, b) => {
            let i = at(*i);
            stream[i] ^= b;
        }
        Mutation::Cut(i) => stream.truncate(at(*i)),
        Mutation::Insert(i, bytes) => {
            let i = at(*i);
            stream.splice(i..i, bytes.iter().copied());
        }
        Mutation::Huge(i, n) => {
            let i = at(*i);
            for (k, b) in n.to_le_bytes().iter().enumerate() {
                if let Some(byte) = stream.get_mut(i + k) {
                    *byte = *b;
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_streams_are_errors_not_panics(stream in proptest::collection::vec(any::<u8>(), 0..256)) {
        both_sides(&stream)?;
    }

    #[test]
    fn mutated_streams_are_errors_not_panics(
        payloads in proptest::collection::vec(payload(), 1..4),
        mutations in proptest::collection::vec(mutation(), 0..4),
    ) {
        let mut stream = framed(&payloads);
        for m in &mutations {
            apply(&mut stream, m);
        }
        both_sides(&stream)?;
    }

    #[test]
    fn well_formed_requests_reach_the_plugin(payload in evaluate_request()) {
        let Ok(Request::Evaluate(call)) = Request::decode(&payload) else {
            return Err(TestCaseError::fail("a well-formed request is refused"));
        };
        prop_assert!(lendable(&call));
    }
}

#[test]
fn regressions_are_errors_not_panics() {
    for (name, stream) in regressions("protocol") {
        both_sides(&stream).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

/// An argument of lists in lists 100,000 deep: a small frame, refused at the second list
/// rather than decoded by recursion until the stack runs out.
#[test]
fn deeply_nested_arguments_are_refused() {
    let mut payload = vec![2u8];
    payload.extend_from_slice(&0u32.to_le_bytes());
    payload.extend_from_slice(&0i32.to_le_bytes());
    payload.extend_from_slice(&0u64.to_le_bytes());
    payload.extend_from_slice(&1u64.to_le_bytes());
    for _ in 0..100_000 {
        payload.push(6);
        payload.extend_from_slice(&1u64.to_le_bytes());
    }
    payload.push(0);
    assert!(Request::decode(&payload).is_err());
    both_sides(&framed(&[payload])).expect("within bounds");
}
