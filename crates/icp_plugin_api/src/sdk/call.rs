//! The entry points of a plugin's table that do the work: `init` (configuration in, the
//! plugin's state out) and `evaluate` (one signal call over a batch into one output column).
//!
//! How it works: each runs inside the panic guard (`guard.rs`) and turns an `Err` or a panic
//! into a message for the host's error sink and a null state or a `FAILED` status. `init`
//! boxes the plugin and its signals into a [`State`] the host keeps and passes back to every
//! `evaluate`; the box is never freed (plugins are never unloaded). `evaluate` checks the call
//! against the signal's declaration, reads the host's columns and arguments through safe
//! views (`lead.rs`), runs the signal's closure for every lead, checks each value's type,
//! and writes the column the SDK then owns until the host releases it (`output.rs`).

use std::ffi::c_void;
use std::path::Path;

use super::data::Config;
use super::guard::{guarded, report};
use super::lead::{Args, Inputs, Lead, view};
use super::output::Output;
use super::types::{Date, Error, Plugin, Result, Signal};
use crate::ffi::{Arg, slice};
use crate::{CallV1, Column, ErrorSink, FAILED, OK, Str};

/// The plugin's state behind the pointer `init` returns.
struct State<P> {
    plugin: P,
    signals: Vec<Signal<P>>,
}

pub(super) unsafe extern "C" fn init<P: Plugin>(
    config: Str,
    base_dir: Str,
    errors: *mut ErrorSink,
) -> *mut c_void {
    let result = guarded(|| {
        // SAFETY: the host lends both strings for the duration of the call.
        let (json, base) = unsafe { (config.to_str(), base_dir.to_str()) };
        let json = json.ok_or("the configuration is not UTF-8")?;
        let base = base.ok_or("the configuration directory is not UTF-8")?;
        let config = Config::from_json(json, Path::new(base))?;
        let plugin = P::init(&config)?;
        let state = Box::new(State {
            plugin,
            signals: P::signals(),
        });
        Ok(Box::into_raw(state).cast::<c_void>())
    });
    result.unwrap_or_else(|e| {
        report(errors, &e);
        std::ptr::null_mut()
    })
}

pub(super) unsafe extern "C" fn evaluate<P: Plugin>(
    state: *mut c_void,
    call: *const CallV1,
    out: *mut Column,
    errors: *mut ErrorSink,
) -> i32 {
    let result = guarded(|| {
        if state.is_null() || call.is_null() || out.is_null() {
            return Err("called with a null pointer".into());
        }
        // SAFETY: `state` is the pointer `init` returned (a live `Box<State<P>>`, never
        // freed), `call` and `out` are valid for the duration of the call.
        let (state, call) = unsafe { (&*state.cast::<State<P>>(), &*call) };
        let column = evaluate_call(state, call)?;
        // SAFETY: `out` is valid and writable for the duration of the call.
        unsafe { out.write(column) };
        Ok(())
    });
    match result {
        Ok(()) => OK,
        Err(e) => {
            report(errors, &e);
            FAILED
        }
    }
}

/// Reads the host's columns and arguments, runs the signal for every lead, and builds the
/// output column.
fn evaluate_call<P: Plugin>(state: &State<P>, call: &CallV1) -> Result<Column> {
    let signal = state
        .signals
        .get(call.signal as usize)
        .ok_or_else(|| Error(format!("there is no signal #{}", call.signal)))?;
    let eval = signal
        .eval
        .as_ref()
        .ok_or_else(|| Error(format!("signal `{}` has no .eval(…)", signal.name)))?;
    if call.n_inputs != signal.inputs.len() || call.n_args != signal.params.len() {
        return Err(Error(format!(
            "signal `{}` was called with {} inputs and {} arguments; it declares {} and {}",
            signal.name,
            call.n_inputs,
            call.n_args,
            signal.inputs.len(),
            signal.params.len()
        )));
    }
    let rows = call.rows;
    // SAFETY: the host passes `rows + 1` contact offsets, `n_inputs` columns and `n_args`
    // arguments, valid for the duration of the call (the ABI contract of `CallV1`).
    let (offsets, columns, args) = unsafe {
        (
            slice(call.contact_offsets, rows + 1),
            slice(call.inputs, call.n_inputs),
            slice(call.args, call.n_args),
        )
    };
    let contacts = offsets.last().copied().unwrap_or(0) as usize;
    let views = columns
        .iter()
        .zip(&signal.inputs)
        .map(|(c, name)| {
            let len = if name.starts_with("contact.") {
                contacts
            } else {
                rows
            };
            // SAFETY: the host's columns hold `len` rows as `Column` documents.
            unsafe { view(c, len) }.ok_or_else(|| {
                Error(format!(
                    "input `{name}` of `{}` is not a column of {len} rows",
                    signal.name
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let inputs = Inputs {
        names: &signal.inputs,
        views,
        contact_offsets: offsets,
        today: Date(call.today),
    };
    let args = Args {
        names: signal.params.iter().map(|(n, _, _)| n.as_str()).collect(),
        // SAFETY: each argument's strings are lent by the host for the call.
        values: args.iter().map(|a| unsafe { Arg::decode(a) }).collect(),
    };
    let mut out = Output::new(signal.output, rows);
    for row in 0..rows {
        let lead = Lead {
            inputs: &inputs,
            row,
        };
        let value = eval(&state.plugin, &lead, &args)?;
        if let Some(v) = &value
            && v.ty() != signal.output
        {
            return Err(Error(format!(
                "signal `{}` returned a {} but declares {}",
                signal.name,
                v.ty().name(),
                signal.output.name()
            )));
        }
        out.push(value);
    }
    Ok(out.finish())
}
