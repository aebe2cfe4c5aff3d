//! The boundary between `icp` and its signal plugins: a C ABI, and the SDK on top of it.
//!
//! How it works: a plugin is a shared library exporting one function, [`ENTRY_SYMBOL`]
//! (`icp_plugin_entry_v1`), which returns a pointer to a static [`PluginV1`] table. The table
//! opens with [`MAGIC`], its own size and the ABI minor version, so the host can reject a
//! library that is not a plugin or is newer than itself before it calls anything else; fields
//! are only ever appended, and a breaking change gets a new entry symbol (`…_v2`), so an old
//! host meets a clear "missing symbol" rather than undefined behaviour. The table declares the
//! plugin's signals ([`SignalDecl`]: name, documentation, typed parameters, output type, the
//! lead fields it reads) and three functions: `init` (configuration as JSON, once),
//! `evaluate` (one signal call over a batch of leads, columnar in and out, [`Column`]) and
//! `release` (frees what `evaluate` returned: whoever allocates frees). Errors travel as text
//! through an [`ErrorSink`] the host owns, so no string crosses the boundary to be freed by the
//! wrong allocator.
//!
//! Everything here is `#[repr(C)]` plain data and `extern "C"` function pointers; type codes
//! are plain `u32`s, never Rust enums, so a foreign value can never be an invalid discriminant.
//! Plugin authors do not use this module directly: [`sdk`] turns a trait implementation into
//! the table with [`export_plugin!`], catches panics, and hands parameters over typed.
//! [`ffi`] holds the helpers both sides need to read and write these records (slices from
//! pointers, an error sink that keeps the message, the arguments' encoding), written once
//! for the SDK and the host. `include/icp_plugin.h` at the repository root declares the same
//! ABI for C, C++, Zig or Go; a test holds it to these definitions.

// This crate is the plugin boundary: raw pointers cross it, each use with a `// SAFETY:` note.
#![allow(unsafe_code)]

use std::ffi::c_void;

pub mod ffi;
pub mod levels;
pub mod sdk;

/// The first field of every [`PluginV1`]: "ICPPLUGN" in little-endian bytes.
pub const MAGIC: u64 = u64::from_le_bytes(*b"ICPPLUGN");
/// The ABI major version; it is part of the entry symbol's name.
pub const ABI_MAJOR: u32 = 1;
/// The ABI minor version this crate was built with. Minor versions only append fields to
/// [`PluginV1`] and [`CallV1`]; the records passed as arrays ([`SignalDecl`], [`ParamDecl`],
/// [`ArgV1`], [`Column`]) are fixed for all of 1.x.
pub const ABI_MINOR: u32 = 0;
/// The one symbol a plugin exports, with its NUL terminator.
pub const ENTRY_SYMBOL: &[u8] = b"icp_plugin_entry_v1\0";

/// The type of the entry function: returns the plugin's table, valid for the life of the
/// process (libraries are never unloaded).
pub type EntryFn = unsafe extern "C" fn() -> *const PluginV1;

/// An optional second symbol, with its NUL terminator: the configuration keys the plugin
/// reads, so `icp` can warn about a key it does not know (a misspelt `dta`). A library
/// without it (a plugin built before it existed, or one that does not say) gets no warnings.
pub const CONFIG_KEYS_SYMBOL: &[u8] = b"icp_plugin_config_keys_v1\0";

/// The type of [`CONFIG_KEYS_SYMBOL`]: writes the number of keys to `n_keys` and returns
/// them (valid for the life of the process), or returns null when the plugin does not
/// declare its keys.
pub type ConfigKeysFn = unsafe extern "C" fn(n_keys: *mut usize) -> *const Str;

/// Type codes of parameters, inputs and outputs.
pub mod ty {
    pub const BOOL: u32 = 1;
    pub const NUMBER: u32 = 2;
    pub const STRING: u32 = 3;
    /// Days since 1970-01-01, as `i32`.
    pub const DATE: u32 = 4;
    /// A number of days, as `f64`.
    pub const DURATION: u32 = 5;
    pub const STRING_LIST: u32 = 6;

    /// The name `icp` uses for a type code, as written in `icp.toml`.
    pub fn name(code: u32) -> Option<&'static str> {
        Some(match code {
            BOOL => "bool",
            NUMBER => "number",
            STRING => "string",
            DATE => "date",
            DURATION => "duration",
            STRING_LIST => "list",
            _ => return None,
        })
    }
}

/// [`SignalDecl::flags`]: the same inputs and arguments always give the same result.
pub const FLAG_DETERMINISTIC: u32 = 1;

/// [`SignalDecl::flags`] bits 8 to 15: the built-in ordered category a text signal's values
/// follow (0: none), so `funding.last_round_type >= "Series B"` type-checks. Added within
/// ABI 1: a plugin built before leaves them 0 and a host before ignores them.
pub const FLAG_ORDER_SHIFT: u32 = 8;
/// The mask of the order bits of [`SignalDecl::flags`].
pub const FLAG_ORDER_MASK: u32 = 0xff << FLAG_ORDER_SHIFT;
/// The built-in orders by their codes in [`FLAG_ORDER_MASK`] (code = index + 1).
pub const ORDERS: [&str; 3] = ["round", "seniority", "employee_band"];

/// The built-in order named in a signal's flags, if any (an unknown code is none).
pub fn order_of_flags(flags: u32) -> Option<&'static str> {
    let code = (flags & FLAG_ORDER_MASK) >> FLAG_ORDER_SHIFT;
    (code as usize)
        .checked_sub(1)
        .and_then(|i| ORDERS.get(i).copied())
}

/// The flag bits that declare the built-in order `name` (0 for a name not built in).
pub fn order_flags(name: &str) -> u32 {
    ORDERS
        .iter()
        .position(|o| *o == name)
        .map_or(0, |i| (i as u32 + 1) << FLAG_ORDER_SHIFT)
}

/// The text code of a missing value in a [`Column`] of strings.
pub const MISSING: u32 = u32::MAX;

/// Borrowed UTF-8 text: a pointer and a length in bytes. Who lends it keeps it alive for the
/// duration of the call (or, in a [`PluginV1`], for the life of the process).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Str {
    pub ptr: *const u8,
    pub len: usize,
}

impl Str {
    /// Borrows a Rust string; the caller keeps `text` alive while the `Str` is used.
    pub const fn new(text: &str) -> Str {
        Str {
            ptr: text.as_ptr(),
            len: text.len(),
        }
    }

    pub const EMPTY: Str = Str::new("");

    /// The text, or `None` when it is not valid UTF-8.
    ///
    /// # Safety
    /// `ptr` must point to `len` readable bytes that stay alive and unchanged for `'a`
    /// (or `len` must be 0).
    pub unsafe fn to_str<'a>(self) -> Option<&'a str> {
        if self.len == 0 {
            return Some("");
        }
        if self.ptr.is_null() {
            return None;
        }
        // SAFETY: the caller guarantees `len` readable bytes at `ptr` for `'a`.
        let bytes = unsafe { std::slice::from_raw_parts(self.ptr, self.len) };
        std::str::from_utf8(bytes).ok()
    }
}

/// One parameter of a signal.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ParamDecl {
    pub name: Str,
    /// A [`ty`] code.
    pub ty: u32,
    /// 1 when the parameter may be left out (the plugin then sees it as absent).
    pub optional: u8,
}

/// One signal a plugin provides.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SignalDecl {
    pub name: Str,
    pub doc: Str,
    pub params: *const ParamDecl,
    pub n_params: usize,
    /// The [`ty`] code of the result.
    pub output: u32,
    /// The lead fields the signal reads, such as `company.domain` or `contact.email`, in the
    /// order [`CallV1::inputs`] gives them.
    pub inputs: *const Str,
    pub n_inputs: usize,
    /// [`FLAG_DETERMINISTIC`] and future flags.
    pub flags: u32,
}

/// Receives an error message from the plugin; the host copies the text during the call.
#[repr(C)]
#[derive(Debug)]
pub struct ErrorSink {
    pub context: *mut c_void,
    pub report: unsafe extern "C" fn(context: *mut c_void, message: Str),
}

/// A constant argument of a signal call, such as the `90d` of `raised_within(90d)`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ArgV1 {
    /// A [`ty`] code, or 0 for an optional parameter left out.
    pub ty: u32,
    pub boolean: u8,
    /// NUMBER, or DURATION in days.
    pub number: f64,
    /// DATE, days since 1970-01-01.
    pub date: i32,
    /// STRING.
    pub text: Str,
    /// STRING_LIST: `list_len` strings.
    pub list: *const Str,
    pub list_len: usize,
}

/// A column of values over the rows of a batch, in and out.
///
/// Row `i` of a column of type
/// - BOOL is `bools[i]`, NUMBER and DURATION `numbers[i]`, DATE `dates[i]`, each known when
///   `valid[i]` is 1;
/// - STRING is `strings[codes[i]]`, missing when `codes[i]` is [`MISSING`] (`valid` is unused);
/// - STRING_LIST is the strings `strings[codes[j]]` for `j` in `offsets[i]..offsets[i + 1]`,
///   known when `valid[i]` is 1.
///
/// Pointers a type does not use may be null.
#[repr(C)]
#[derive(Debug)]
pub struct Column {
    pub ty: u32,
    pub len: usize,
    pub valid: *const u8,
    pub bools: *const u8,
    pub numbers: *const f64,
    pub dates: *const i32,
    pub codes: *const u32,
    pub offsets: *const u32,
    pub strings: *const Str,
    pub n_strings: usize,
    /// Owned by whoever filled the column: the plugin's allocation behind an output column,
    /// handed back to [`PluginV1::release`].
    pub private: *mut c_void,
}

impl Column {
    /// A column with no rows and no data.
    pub const EMPTY: Column = Column {
        ty: 0,
        len: 0,
        valid: std::ptr::null(),
        bools: std::ptr::null(),
        numbers: std::ptr::null(),
        dates: std::ptr::null(),
        codes: std::ptr::null(),
        offsets: std::ptr::null(),
        strings: std::ptr::null(),
        n_strings: 0,
        private: std::ptr::null_mut(),
    };
}

/// One signal call over one batch of leads.
#[repr(C)]
#[derive(Debug)]
pub struct CallV1 {
    /// `size_of::<CallV1>()` as the host built it; fields are only ever appended.
    pub size: usize,
    /// Index of the signal in [`PluginV1::signals`].
    pub signal: u32,
    /// The arguments in parameter order.
    pub args: *const ArgV1,
    pub n_args: usize,
    /// The run's as-of date, days since 1970-01-01: durations count back from it.
    pub today: i32,
    /// The number of leads; the output must have exactly this many rows.
    pub rows: usize,
    /// One column per declared input. Company fields have one row per lead, contact fields
    /// one row per contact, lead `i` owning contacts `contact_offsets[i]..contact_offsets[i+1]`.
    pub inputs: *const Column,
    pub n_inputs: usize,
    /// `rows + 1` entries.
    pub contact_offsets: *const u32,
}

/// Success, for the status returned by [`PluginV1::evaluate`].
pub const OK: i32 = 0;
/// Failure; the message went to the [`ErrorSink`].
pub const FAILED: i32 = 1;

/// The table a plugin's entry function returns.
#[repr(C)]
#[derive(Debug)]
pub struct PluginV1 {
    /// [`MAGIC`].
    pub magic: u64,
    /// `size_of::<PluginV1>()` as the plugin was compiled.
    pub size: usize,
    /// The ABI minor version the plugin was compiled with.
    pub abi_minor: u32,
    /// The plugin's namespace in the rules: `funding` in `funding.raised_within(90d)`.
    pub name: Str,
    pub version: Str,
    pub doc: Str,
    pub signals: *const SignalDecl,
    pub n_signals: usize,
    /// Reads the configuration (a JSON object; relative paths in it are relative to
    /// `base_dir`) and returns the plugin's state, or null after reporting an error.
    pub init:
        unsafe extern "C" fn(config: Str, base_dir: Str, errors: *mut ErrorSink) -> *mut c_void,
    /// Evaluates one call into `out` and returns [`OK`], or reports an error and returns
    /// [`FAILED`]. May be called from several threads at once with the same state.
    pub evaluate: unsafe extern "C" fn(
        state: *mut c_void,
        call: *const CallV1,
        out: *mut Column,
        errors: *mut ErrorSink,
    ) -> i32,
    /// Frees an output column `evaluate` filled.
    pub release: unsafe extern "C" fn(out: *mut Column),
}
