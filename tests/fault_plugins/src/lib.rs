//! Purpose-built faulty signal plugins, for the tests of the plugin host
//! (`tests/plugin_faults.rs`).
//!
//! How it works: every example of this crate is a `cdylib`, one plugin library per fault, so
//! `cargo build -p icp_fault_plugins --examples` writes `examples/lib<fault>.so` under the
//! profile directory. Most faults are ordinary SDK plugins whose `init` or signal panics or
//! fails. The faults the SDK makes impossible on purpose — a wrong magic number, a newer ABI,
//! a column one row short, a column of the wrong type, a text code past the strings — are made
//! by [`patch`]: the library's entry symbol takes the SDK's own table and returns a copy with a
//! field changed, or with `evaluate` replaced by a function that calls the SDK's
//! ([`evaluate_original`]) and then spoils its output. The spoiled output is still released
//! by the SDK's `release`, which frees by the column's `private` pointer alone.
//!
//! Every faulty lead is recognised by its domain, [`BAD_DOMAIN`]; the [`probe_plugin!`] macro
//! declares the small plugin most faults share.

#![allow(unsafe_code)]

use std::ffi::c_void;
use std::sync::OnceLock;

use icp_plugin_api::{CallV1, Column, ErrorSink, FAILED, PluginV1, SignalDecl};

/// The domain of the lead the faulty signals fail on.
pub const BAD_DOMAIN: &str = "boom.example";

/// A patched copy of a plugin table and the declarations it points into.
#[derive(Debug)]
struct Patched {
    table: PluginV1,
    /// The SDK's table the copy was made from.
    original: &'static PluginV1,
    _signals: Vec<SignalDecl>,
}

// SAFETY: built once and never changed afterwards; its pointers point into the SDK's static
// table (alive for the process) or into the vector it owns, whose buffer never moves.
unsafe impl Send for Patched {}
// SAFETY: as above — read-only after construction.
unsafe impl Sync for Patched {}

/// One patched table per library (each example is its own library with its own copy).
static PATCHED: OnceLock<Option<Patched>> = OnceLock::new();

/// A copy of the SDK's table `original` (as `icp_plugin_api::sdk::entry` returns it) changed
/// by `edit`, which also gets a copy of the signal declarations to change; built once, valid
/// for the life of the process. Null when `original` is null.
///
/// # Safety
/// `original` must be null or point to a table that lives as long as the process, such as
/// the one `icp_plugin_api::sdk::entry` returns.
pub unsafe fn patch(
    original: *const PluginV1,
    edit: impl FnOnce(&mut PluginV1, &mut [SignalDecl]),
) -> *const PluginV1 {
    let patched = PATCHED.get_or_init(|| {
        if original.is_null() {
            return None;
        }
        // SAFETY: non-null, and alive for the process (the caller's guarantee).
        let original: &'static PluginV1 = unsafe { &*original };
        // SAFETY: the table's `signals` point to `n_signals` declarations that live as long
        // as the table.
        let mut signals = unsafe { slice(original.signals, original.n_signals) }.to_vec();
        let mut table = PluginV1 {
            magic: original.magic,
            size: original.size,
            abi_minor: original.abi_minor,
            name: original.name,
            version: original.version,
            doc: original.doc,
            signals: signals.as_ptr(),
            n_signals: signals.len(),
            init: original.init,
            evaluate: original.evaluate,
            release: original.release,
        };
        edit(&mut table, &mut signals);
        Some(Patched {
            table,
            original,
            _signals: signals,
        })
    });
    patched
        .as_ref()
        .map_or(std::ptr::null(), |p| &p.table as *const PluginV1)
}

/// Calls the `evaluate` of the SDK table [`patch`] copied; [`FAILED`] (with no message) if
/// nothing was patched.
///
/// # Safety
/// The arguments must be what the host passes to `PluginV1::evaluate`.
pub unsafe extern "C" fn evaluate_original(
    state: *mut c_void,
    call: *const CallV1,
    out: *mut Column,
    errors: *mut ErrorSink,
) -> i32 {
    match PATCHED.get().and_then(Option::as_ref) {
        // SAFETY: forwarded as the host passed them, to the function they were meant for.
        Some(p) => unsafe { (p.original.evaluate)(state, call, out, errors) },
        None => FAILED,
    }
}

/// # Safety
/// A non-null `ptr` must point to `len` values alive for `'a`.
unsafe fn slice<'a, T>(ptr: *const T, len: usize) -> &'a [T] {
    if ptr.is_null() || len == 0 {
        &[]
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }
}

/// Declares `$ty`, a plugin named `$name` with one signal, `$name.flag -> bool`: whether the
/// lead's `company.domain` ends in `.com` (unknown without a domain).
#[macro_export]
macro_rules! probe_plugin {
    ($ty:ident, $name:literal) => {
        struct $ty;

        impl ::icp_plugin_api::sdk::Plugin for $ty {
            const NAME: &'static str = $name;
            const VERSION: &'static str = "0.0.1";
            const DOC: &'static str = "A faulty plugin, for the tests of the plugin host.";

            fn init(
                _config: &::icp_plugin_api::sdk::Config,
            ) -> ::icp_plugin_api::sdk::Result<Self> {
                Ok($ty)
            }

            fn signals() -> Vec<::icp_plugin_api::sdk::Signal<Self>> {
                vec![
                    ::icp_plugin_api::sdk::Signal::new("flag", ::icp_plugin_api::sdk::Type::Bool)
                        .doc("Whether the company's domain ends in .com.")
                        .input("company.domain")
                        .eval(|_, lead, _| {
                            Ok(lead.text("company.domain").map(|d| d.ends_with(".com")))
                        }),
                ]
            }
        }
    };
}

/// Declares `$ty`, a plugin named `$name` with one signal, `$name.flag -> bool`, as
/// [`probe_plugin!`] does, except that for [`BAD_DOMAIN`] it calls `$fault` (a crash or a
/// hang in native code, which no `catch_unwind` can turn into an error); it declares the
/// configuration key `data`.
#[macro_export]
macro_rules! native_fault_plugin {
    ($ty:ident, $name:literal, $fault:path) => {
        struct $ty;

        impl ::icp_plugin_api::sdk::Plugin for $ty {
            const NAME: &'static str = $name;
            const VERSION: &'static str = "0.0.1";
            const DOC: &'static str = "A plugin that fails in native code, for the tests.";
            const CONFIG_KEYS: Option<&'static [&'static str]> = Some(&["data"]);

            fn init(
                _config: &::icp_plugin_api::sdk::Config,
            ) -> ::icp_plugin_api::sdk::Result<Self> {
                Ok($ty)
            }

            fn signals() -> Vec<::icp_plugin_api::sdk::Signal<Self>> {
                vec![
                    ::icp_plugin_api::sdk::Signal::new("flag", ::icp_plugin_api::sdk::Type::Bool)
                        .doc("Whether the company's domain ends in .com; fails for boom.example.")
                        .input("company.domain")
                        .eval(|_, lead, _| {
                            let domain = lead.text("company.domain");
                            if domain == Some($crate::BAD_DOMAIN) {
                                $fault();
                            }
                            Ok(domain.map(|d| d.ends_with(".com")))
                        }),
                ]
            }
        }

        ::icp_plugin_api::export_plugin!($ty);
    };
}

/// Writes through a null pointer: a segmentation fault (signal 11), as a bug in C would.
pub fn segfault() {
    let null: *mut u8 = std::ptr::null_mut();
    // SAFETY: not safe at all, on purpose: the fault this plugin exists to make.
    unsafe { null.write_volatile(1) };
}

/// Aborts the process (signal 6), as a Rust plugin built with `panic = "abort"` does when it
/// panics, or a C++ one with an uncaught exception.
pub fn abort() {
    std::process::abort();
}

/// Never returns, as a plugin stuck on a network call would.
pub fn hang() {
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}
