//! Preparing a rule set's signal calls and making them over batches.
//!
//! How it works: [`Host::prepare`] takes the state of each plugin a rule set uses (initialised
//! once per host, `init.rs`) and turns every distinct signal call of the rule set into a
//! [`Prepared`] call: the plugin, the signal's index in its table, the input fields resolved to schema ids
//! and the constant arguments. [`Signals::fill`] then makes one call per prepared call and
//! batch. Input columns are lent straight from the batch (numbers, dates, validity, the text
//! dictionary codes), so a call costs the plugin's own work plus one pass to convert and
//! validate its output into the batch's signal column.

#![allow(unsafe_code)]

use std::ffi::c_void;

use icp_engine::batch::{Batch, Column, Dict, MISSING};
use icp_engine::ir::RuleSet;
use icp_engine::{Entity, FieldId, Scalar, Type, Value};
use icp_plugin_api::ffi::{Arg, EncodedArgs, slice, with_error_sink};
use icp_plugin_api::{CallV1, OK, PluginV1, Str, ty};

use crate::init::State;
use crate::isolate::{Backend, Failure};
use crate::load::Loaded;
use crate::{Host, PluginError, show};

/// The signal calls of one rule set, ready to evaluate batch after batch.
#[derive(Debug)]
pub struct Signals<'h> {
    host: &'h Host,
    pub(crate) calls: Vec<Prepared>,
    /// Per plugin of the host: the state its `init` returned, if the rules use it (null for
    /// an isolated plugin, whose state lives in its worker).
    states: Vec<Option<State>>,
}

// SAFETY: a loaded plugin's table is immutable data that lives as long as the process (the
// library is never unloaded), and its functions may be called from any thread (ABI contract).
unsafe impl Send for Loaded {}
// SAFETY: as above.
unsafe impl Sync for Loaded {}

/// One distinct signal call of the rule set.
#[derive(Debug)]
pub(crate) struct Prepared {
    plugin: usize,
    index: u32,
    /// As written in the rules, for messages: `funding.raised_within(90d)`.
    text: String,
    /// The fields the call reads, with their ABI type codes.
    pub(crate) inputs: Vec<(Entity, FieldId, u32)>,
    args: Vec<Option<Value>>,
    output: Type,
}

impl Host {
    /// Initialises the plugins `rules` uses and prepares its signal calls.
    pub fn prepare(&self, rules: &RuleSet) -> Result<Signals<'_>, PluginError> {
        let mut states = vec![None; self.plugins.len()];
        let mut calls = Vec::new();
        for call in &rules.signal_calls {
            let decl = rules.signals.signal(call.signal);
            let (plugin_index, index) = match self.catalog.lookup(&decl.plugin, &decl.name) {
                Some(id) => self.owners[id.0 as usize],
                None => {
                    return Err(PluginError::Plugin {
                        name: decl.plugin.clone(),
                        path: "not loaded".to_string(),
                        message: format!("`{}` is not a loaded signal", call.text),
                    });
                }
            };
            let plugin = &self.plugins[plugin_index];
            let in_plugin = |message: String| plugin.error(message);
            let mut inputs = Vec::new();
            for input in &decl.inputs {
                let (entity, name) = match Entity::split_path(input) {
                    Some(path) => path,
                    None => {
                        return Err(in_plugin(format!(
                            "signal `{}` reads `{input}`, which is not `company.NAME` or `contact.NAME`",
                            decl.name
                        )));
                    }
                };
                let field = rules.schema.lookup(entity, name).ok_or_else(|| {
                    in_plugin(format!(
                        "signal `{}` reads `{input}`, which is not a field of the schema; declare it under [fields.{}] in icp.toml",
                        decl.name,
                        entity.as_str()
                    ))
                })?;
                let code = type_code(rules.schema.field(field).ty).ok_or_else(|| {
                    in_plugin(format!(
                        "signal `{}` reads `{input}`, a {} field, which plugins cannot read",
                        decl.name,
                        rules.schema.field(field).ty
                    ))
                })?;
                inputs.push((entity, field, code));
            }
            if states[plugin_index].is_none() {
                states[plugin_index] = Some(self.initialised(plugin_index)?);
            }
            calls.push(Prepared {
                plugin: plugin_index,
                index,
                text: call.text.clone(),
                inputs,
                args: call.args.clone(),
                output: decl.output,
            });
        }
        Ok(Signals {
            host: self,
            calls,
            states,
        })
    }
}

impl Loaded {
    pub(crate) fn error(&self, message: String) -> PluginError {
        PluginError::Plugin {
            name: self.info.name.clone(),
            path: show(&self.info.file),
            message,
        }
    }

    /// The error of an isolated plugin whose worker ended while `doing` something.
    pub(crate) fn ended(&self, what: String, doing: &str) -> PluginError {
        PluginError::Isolated {
            name: self.info.name.clone(),
            path: show(&self.info.file),
            what,
            doing: doing.to_string(),
        }
    }
}

/// A plugin's error message, or `(no message)` when it reported none.
pub(crate) fn or_unknown(message: String) -> String {
    if message.is_empty() {
        "(no message)".to_string()
    } else {
        message
    }
}

/// The ABI type code of a field or signal type the boundary carries.
fn type_code(t: Type) -> Option<u32> {
    Some(match t {
        Type::Scalar(Scalar::Bool) => ty::BOOL,
        Type::Scalar(Scalar::Number) => ty::NUMBER,
        Type::Scalar(Scalar::String) => ty::STRING,
        Type::Scalar(Scalar::Date) => ty::DATE,
        Type::Scalar(Scalar::Duration) => ty::DURATION,
        Type::List(Some(Scalar::String)) => ty::STRING_LIST,
        _ => return None,
    })
}

impl<'h> Signals<'h> {
    /// The host whose plugins the calls are made to.
    pub fn host(&self) -> &'h Host {
        self.host
    }

    /// Evaluates every signal call over the batch into its signal columns.
    pub fn fill(&self, batch: &mut Batch, today: i32) -> Result<(), PluginError> {
        let mut columns = Vec::with_capacity(self.calls.len());
        for call in &self.calls {
            columns.push(self.evaluate(call, batch, today)?);
        }
        // Exactly one column per call, whatever room the batch was made with: a batch read
        // without signal columns must not silently drop the values (every lead would be
        // scored as if its signals were unknown).
        batch.signals = columns;
        Ok(())
    }

    fn evaluate(&self, call: &Prepared, batch: &Batch, today: i32) -> Result<Column, PluginError> {
        let plugin = &self.host.plugins[call.plugin];
        let fail = |message: String| plugin.error(format!("{}: {message}", call.text));
        let state = self.states[call.plugin].map_or(std::ptr::null_mut(), |s| s.pointer());
        let inputs: Vec<(&Column, u32)> = call
            .inputs
            .iter()
            .map(|(entity, field, code)| (column_of(batch, *entity, *field), *code))
            .collect();
        match &plugin.backend {
            Backend::InProcess(table) => call_in_process(
                table,
                state,
                &SignalCall {
                    signal: call.index,
                    output: call.output,
                    args: &call.args,
                    today,
                    rows: batch.len(),
                    inputs: &inputs,
                    contact_offsets: &batch.contact_offsets,
                },
            )
            .map_err(fail),
            Backend::Worker(worker) => worker
                .evaluate(
                    call.index,
                    call.output,
                    today,
                    batch.len(),
                    &call.args,
                    inputs.into_iter().map(|(c, code)| (code, c)).collect(),
                    &batch.contact_offsets,
                )
                .map_err(|failure| match failure {
                    Failure::Plugin(message) => fail(message),
                    Failure::Ended(what) => {
                        plugin.ended(what, &format!("evaluating `{}`", call.text))
                    }
                }),
        }
    }
}

/// One signal call over one batch, in engine terms.
pub(crate) struct SignalCall<'a> {
    /// The signal's index in the plugin's table, and its declared output.
    pub signal: u32,
    pub output: Type,
    pub args: &'a [Option<Value>],
    pub today: i32,
    pub rows: usize,
    /// The input columns with their ABI type codes.
    pub inputs: &'a [(&'a Column, u32)],
    pub contact_offsets: &'a [u32],
}

/// Makes one signal call of a plugin in this process: lends it the input columns, then
/// checks and converts what it returns; the error is the message, without the call. The
/// worker of an isolated plugin makes its calls through here too.
pub(crate) fn call_in_process(
    table: &PluginV1,
    state: *mut c_void,
    call: &SignalCall<'_>,
) -> Result<Column, String> {
    let SignalCall {
        signal,
        output,
        args,
        today,
        rows,
        inputs,
        contact_offsets,
    } = *call;
    // Borrowed views of the input columns; the `Str`s of their dictionaries live here.
    let dicts: Vec<Vec<Str>> = inputs
        .iter()
        .map(|(column, _)| match column {
            Column::Text { dict, .. } | Column::TextList { dict, .. } => {
                dict.values().map(Str::new).collect()
            }
            _ => Vec::new(),
        })
        .collect();
    let lent: Vec<icp_plugin_api::Column> = inputs
        .iter()
        .zip(&dicts)
        .map(|((column, code), strings)| lend(column, *code, strings))
        .collect();
    let args = EncodedArgs::new(args.iter().map(encode_arg));
    let abi_call = CallV1 {
        size: std::mem::size_of::<CallV1>(),
        signal,
        args: args.records().as_ptr(),
        n_args: args.records().len(),
        today,
        rows,
        inputs: lent.as_ptr(),
        n_inputs: lent.len(),
        contact_offsets: contact_offsets.as_ptr(),
    };
    let mut out = icp_plugin_api::Column::EMPTY;
    // SAFETY: everything `abi_call` points at (the columns, the dictionaries' strings, the
    // arguments) outlives the call; the state is the one `init` returned; the sink is valid
    // inside the closure.
    let (status, message) =
        with_error_sink(|errors| unsafe { (table.evaluate)(state, &abi_call, &mut out, errors) });
    if status != OK {
        // A plugin that filled the column before failing still gets it back to free.
        if !out.private.is_null() {
            // SAFETY: `out` was filled by this plugin's `evaluate`; released once.
            unsafe { (table.release)(&mut out) };
        }
        return Err(or_unknown(message));
    }
    let column = take(&out, rows, output);
    // SAFETY: `out` was filled by this plugin's `evaluate` and is released once.
    unsafe { (table.release)(&mut out) };
    column
}

fn column_of(batch: &Batch, entity: Entity, field: FieldId) -> &Column {
    match entity {
        Entity::Company => &batch.company[field.0 as usize],
        Entity::Contact => &batch.contacts[field.0 as usize],
    }
}

/// An ABI view of a batch column; `strings` are its dictionary's values.
fn lend(column: &Column, code: u32, strings: &[Str]) -> icp_plugin_api::Column {
    let mut c = icp_plugin_api::Column::EMPTY;
    c.ty = code;
    c.strings = strings.as_ptr();
    c.n_strings = strings.len();
    // `bool` is one byte holding 0 or 1, the ABI's validity and boolean layout.
    match column {
        Column::Number { values, valid } | Column::Duration { values, valid } => {
            c.len = values.len();
            c.numbers = values.as_ptr();
            c.valid = valid.as_ptr().cast();
        }
        Column::Bool { values, valid } => {
            c.len = values.len();
            c.bools = values.as_ptr().cast();
            c.valid = valid.as_ptr().cast();
        }
        Column::Date { values, valid } => {
            c.len = values.len();
            c.dates = values.as_ptr();
            c.valid = valid.as_ptr().cast();
        }
        Column::Text { codes, .. } => {
            c.len = codes.len();
            c.codes = codes.as_ptr();
        }
        Column::TextList {
            offsets,
            codes,
            valid,
            ..
        } => {
            c.len = valid.len();
            c.offsets = offsets.as_ptr();
            c.codes = codes.as_ptr();
            c.valid = valid.as_ptr().cast();
        }
        // Fields of other types are refused by `prepare`.
        Column::Absent | Column::Values(_) => {}
    }
    c
}

/// An argument of the rule set as the boundary's shared encoder takes it; a list's items
/// that are not text (the checker allows none) pass as "".
fn encode_arg(value: &Option<Value>) -> Arg<'_> {
    match value {
        None => Arg::Absent,
        Some(Value::Bool(b)) => Arg::Bool(*b),
        Some(Value::Number(n)) => Arg::Number(*n),
        Some(Value::Duration(d)) => Arg::Duration(*d),
        Some(Value::Date(d)) => Arg::Date(*d),
        Some(Value::String(s)) => Arg::String(s),
        Some(Value::List(items)) => Arg::List(
            items
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.as_str(),
                    _ => "",
                })
                .collect(),
        ),
    }
}

/// Copies a plugin's output column into a batch column, checking it against the
/// declaration first: the row count, the type, every text code and list offset.
fn take(out: &icp_plugin_api::Column, rows: usize, output: Type) -> Result<Column, String> {
    let expected = type_code(output).unwrap_or(0);
    if out.ty != expected {
        return Err(format!(
            "returned a column of type {} where the signal declares {}",
            ty::name(out.ty).unwrap_or("(unknown)"),
            ty::name(expected).unwrap_or("(unknown)")
        ));
    }
    if out.len != rows {
        return Err(format!(
            "returned {} values for a batch of {rows} leads",
            out.len
        ));
    }
    let aligned = out.valid.is_aligned()
        && out.bools.is_aligned()
        && out.numbers.is_aligned()
        && out.dates.is_aligned()
        && out.codes.is_aligned()
        && out.offsets.is_aligned()
        && out.strings.is_aligned();
    if !aligned {
        return Err("returned a column whose arrays are not aligned".to_string());
    }
    let null = |p: bool, what: &str| {
        if p && rows > 0 {
            Err(format!("returned a column without its {what}"))
        } else {
            Ok(())
        }
    };
    // SAFETY: for every read below, the plugin filled `out` with `rows` rows as the ABI's
    // `Column` documents; pointers are checked for null first, codes and offsets are checked
    // against the lengths they index before use.
    unsafe {
        let strings = || -> Result<Vec<String>, String> {
            null(out.strings.is_null() && out.n_strings > 0, "strings")?;
            // Codes are `u32`s below MISSING: no code can name a string past that, and a
            // count beyond it is no dictionary (nor a length a slice may have).
            if out.n_strings > MISSING as usize {
                return Err(format!(
                    "returned {} strings, more than text codes can name",
                    out.n_strings
                ));
            }
            slice(out.strings, out.n_strings)
                .iter()
                .map(|s| {
                    if s.len > isize::MAX as usize || (s.ptr.is_null() && s.len > 0) {
                        return Err(format!(
                            "returned a string of {} bytes without its bytes",
                            s.len
                        ));
                    }
                    s.to_str()
                        .map(str::to_string)
                        .ok_or_else(|| "returned text that is not UTF-8".to_string())
                })
                .collect()
        };
        let valid = || -> Result<Vec<bool>, String> {
            null(out.valid.is_null(), "validity")?;
            Ok(slice(out.valid, rows).iter().map(|v| *v != 0).collect())
        };
        Ok(match out.ty {
            ty::BOOL => {
                null(out.bools.is_null(), "values")?;
                Column::Bool {
                    values: slice(out.bools, rows).iter().map(|b| *b != 0).collect(),
                    valid: valid()?,
                }
            }
            ty::NUMBER | ty::DURATION => {
                null(out.numbers.is_null(), "values")?;
                let values = slice(out.numbers, rows).to_vec();
                // A NaN or an infinity is no answer: unknown.
                let valid = valid()?
                    .into_iter()
                    .zip(&values)
                    .map(|(v, n)| v && n.is_finite())
                    .collect();
                if out.ty == ty::NUMBER {
                    Column::Number { values, valid }
                } else {
                    Column::Duration { values, valid }
                }
            }
            ty::DATE => {
                null(out.dates.is_null(), "values")?;
                let values = slice(out.dates, rows).to_vec();
                // A date no calendar reaches is no answer: unknown.
                let valid = valid()?
                    .into_iter()
                    .zip(&values)
                    .map(|(v, d)| v && d.unsigned_abs() < 2_000_000_000)
                    .collect();
                Column::Date { values, valid }
            }
            ty::STRING => {
                null(out.codes.is_null(), "text codes")?;
                let (dict, map) = dictionary(strings()?);
                let codes = slice(out.codes, rows)
                    .iter()
                    .map(|c| recode(*c, &map))
                    .collect::<Result<_, _>>()?;
                Column::Text { codes, dict }
            }
            _ => {
                null(out.offsets.is_null(), "list offsets")?;
                let mut offsets = slice(out.offsets, rows + 1).to_vec();
                if offsets.is_empty() {
                    // No rows and no offsets: the one offset an empty list column has.
                    offsets.push(0);
                }
                if offsets.first().is_some_and(|o| *o != 0)
                    || offsets.windows(2).any(|w| w[0] > w[1])
                {
                    return Err("returned list offsets that do not increase from 0".to_string());
                }
                let n = offsets.last().copied().unwrap_or(0) as usize;
                null(out.codes.is_null() && n > 0, "text codes")?;
                let (dict, map) = dictionary(strings()?);
                let codes = slice(out.codes, n)
                    .iter()
                    .map(|c| recode(*c, &map))
                    .collect::<Result<Vec<u32>, _>>()?;
                if codes.contains(&MISSING) {
                    return Err("returned a missing value inside a list".to_string());
                }
                Column::TextList {
                    offsets,
                    codes,
                    valid: valid()?,
                    dict,
                }
            }
        })
    }
}

/// A batch dictionary of a plugin's strings, and each string's code in it.
fn dictionary(strings: Vec<String>) -> (Dict, Vec<u32>) {
    let mut dict = Dict::default();
    let map = strings.iter().map(|s| dict.code_str(s)).collect();
    (dict, map)
}

fn recode(code: u32, map: &[u32]) -> Result<u32, String> {
    if code == MISSING {
        return Ok(MISSING);
    }
    map.get(code as usize)
        .copied()
        .ok_or_else(|| format!("returned text code {code}, but only {} strings", map.len()))
}
