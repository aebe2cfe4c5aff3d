//! Calls a plugin's signals through the C table, as `icp` does, for unit tests of a plugin.
//!
//! How it works: [`Harness::new`] builds the plugin's table as the exported entry symbol
//! would and calls its `init`; [`Harness::call`] encodes the leads' fields into input columns
//! (built by the same [`Output`] builder a signal's results go through, so a column the
//! harness lends is a column the SDK would make), the arguments with the boundary's shared
//! encoder ([`EncodedArgs`]), calls `evaluate`, reads the output column back through the
//! same safe views a signal's closure reads its inputs with, and releases it. A field a lead
//! leaves out is missing; a `contact.*` field given several times makes several contacts.

use std::ffi::c_void;
use std::path::Path;

use super::lead::view;
use super::output::{Output, release};
use super::table::{Table, build_table};
use super::types::{Date, Error, Plugin, Result, Type, Value};
use crate::ffi::{Arg, EncodedArgs, slice, with_error_sink};
use crate::{CallV1, Column, OK, Str, ty};

/// An initialised plugin.
#[derive(Debug)]
pub struct Harness {
    table: Table,
    state: *mut c_void,
    names: Vec<String>,
}

impl Harness {
    /// Initialises `P` with a JSON configuration whose relative paths start at `base_dir`.
    pub fn new<P: Plugin>(config: &str, base_dir: &Path) -> Result<Harness> {
        super::guard::quiet_panics();
        let table = build_table::<P>();
        let names = P::signals().into_iter().map(|s| s.name).collect();
        let base = base_dir.to_string_lossy();
        // SAFETY: the strings outlive the call; the sink is valid inside the closure.
        let (state, message) = with_error_sink(|errors| unsafe {
            (table.plugin.init)(Str::new(config), Str::new(&base), errors)
        });
        if state.is_null() {
            return Err(Error(message));
        }
        Ok(Harness {
            table,
            state,
            names,
        })
    }

    /// Evaluates `signal(args…)` for each lead, a lead being its input fields and values;
    /// a `contact.*` field given several times gives the lead several contacts.
    pub fn call<L: AsRef<[(&'static str, Value)]>>(
        &self,
        signal: &str,
        args: &[Option<Value>],
        today: Date,
        leads: &[L],
    ) -> Result<Vec<Option<Value>>> {
        let index = self
            .names
            .iter()
            .position(|n| n == signal)
            .ok_or_else(|| Error(format!("no signal `{signal}`")))?;
        let inputs = self.inputs(index);
        let mut offsets = vec![0u32];
        let contact_inputs = inputs.iter().filter(|f| f.starts_with("contact.")).count();
        for lead in leads {
            let fields = lead.as_ref();
            let n = fields
                .iter()
                .filter(|(f, _)| f.starts_with("contact."))
                .count()
                / contact_inputs.max(1);
            offsets.push(offsets.last().copied().unwrap_or(0) + n as u32);
        }
        let columns: Vec<InputColumn> = inputs
            .iter()
            .map(|field| {
                let values: Vec<Option<&Value>> = if field.starts_with("contact.") {
                    leads
                        .iter()
                        .flat_map(|l| {
                            l.as_ref()
                                .iter()
                                .filter(|(f, _)| f == field)
                                .map(|(_, v)| Some(v))
                        })
                        .collect()
                } else {
                    leads
                        .iter()
                        .map(|l| l.as_ref().iter().find(|(f, _)| f == field).map(|(_, v)| v))
                        .collect()
                };
                InputColumn::new(&values)
            })
            .collect();
        let columns_c: Vec<Column> = columns.iter().map(InputColumn::lend).collect();
        let args = EncodedArgs::new(args.iter().map(|a| match a {
            None => Arg::Absent,
            Some(Value::Bool(b)) => Arg::Bool(*b),
            Some(Value::Number(n)) => Arg::Number(*n),
            Some(Value::Duration(d)) => Arg::Duration(*d),
            Some(Value::Date(d)) => Arg::Date(d.0),
            Some(Value::String(s)) => Arg::String(s),
            Some(Value::List(items)) => Arg::List(items.iter().map(String::as_str).collect()),
        }));
        let call = CallV1 {
            size: std::mem::size_of::<CallV1>(),
            signal: index as u32,
            args: args.records().as_ptr(),
            n_args: args.records().len(),
            today: today.0,
            rows: leads.len(),
            inputs: columns_c.as_ptr(),
            n_inputs: columns_c.len(),
            contact_offsets: offsets.as_ptr(),
        };
        let mut out = Column::EMPTY;
        // SAFETY: everything the call points at lives until after it returns; the sink is
        // valid inside the closure.
        let (status, message) = with_error_sink(|errors| unsafe {
            (self.table.plugin.evaluate)(self.state, &call, &mut out, errors)
        });
        if status != OK {
            return Err(Error(message));
        }
        let values = read(&out, leads.len());
        // SAFETY: `out` was filled by `evaluate` and is released once.
        unsafe { (self.table.plugin.release)(&mut out) };
        values
    }

    /// The input fields signal `index` declares.
    fn inputs(&self, index: usize) -> Vec<String> {
        let plugin = &self.table.plugin;
        // SAFETY: the table's declarations live as long as `self`.
        let decl = unsafe { &slice(plugin.signals, plugin.n_signals)[index] };
        // SAFETY: as above.
        unsafe { slice(decl.inputs, decl.n_inputs) }
            .iter()
            // SAFETY: as above.
            .map(|s| unsafe { s.to_str() }.unwrap_or("").to_string())
            .collect()
    }
}

/// Reads an output column of `rows` rows back into values.
fn read(c: &Column, rows: usize) -> Result<Vec<Option<Value>>> {
    // SAFETY: the plugin filled `c` with `rows` rows as `Column` documents.
    let view = unsafe { view(c, rows) }
        .ok_or_else(|| Error(format!("the output is not a column of {rows} rows")))?;
    Ok((0..rows)
        .map(|r| match view.value(r)? {
            Value::Number(days) if c.ty == ty::DURATION => Some(Value::Duration(days)),
            value => Some(value),
        })
        .collect())
}

/// An input column the harness lends the plugin, built from the leads' values by the SDK's
/// output builder and released when dropped.
struct InputColumn(Column);

impl InputColumn {
    /// A column of the type of the first known value (text when none is known).
    fn new(values: &[Option<&Value>]) -> InputColumn {
        let ty = values
            .iter()
            .flatten()
            .next()
            .map_or(Type::String, |v| v.ty());
        let mut column = Output::new(ty, values.len());
        for value in values {
            column.push(value.cloned());
        }
        InputColumn(column.finish())
    }

    /// The column as the call lends it: the same pointers, owned by `self`.
    fn lend(&self) -> Column {
        Column {
            private: std::ptr::null_mut(),
            ..self.0
        }
    }
}

impl Drop for InputColumn {
    fn drop(&mut self) {
        // SAFETY: the column was made by `Output::finish` and is released once, here.
        unsafe { release(&mut self.0) };
    }
}
