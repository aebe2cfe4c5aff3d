//! The C table a plugin exports: built once from the [`Plugin`]'s declarations and kept for
//! the life of the process, and the [`export_plugin!`](crate::export_plugin) macro that
//! exports it.
//!
//! How it works: [`entry`] builds the [`Table`] the first time it is called, under the panic
//! guard (null if declaring the signals panics), and stores it in a static. Every string
//! and array the C records point at is owned by the table next to the records, its heap
//! buffer never moved nor freed, so the pointers stay valid for as long as the host may
//! read them; the table's functions are the SDK's entry points (`call.rs`, `output.rs`).

use std::sync::OnceLock;

use super::call::{evaluate, init};
use super::guard::{guarded, quiet_panics};
use super::output::release;
use super::types::Plugin;
use crate::{ABI_MINOR, FLAG_DETERMINISTIC, MAGIC, ParamDecl, PluginV1, SignalDecl, Str};

/// The C table and the declarations it points into, kept for the life of the process.
pub(super) struct Table {
    /// The table `entry` returns.
    pub(super) plugin: PluginV1,
    _signals: Vec<SignalDecl>,
    _params: Vec<Vec<ParamDecl>>,
    _inputs: Vec<Vec<Str>>,
    _text: Vec<String>,
}

// SAFETY: the table is built once and never changed; its pointers point into the vectors and
// strings it owns, whose heap buffers never move or get freed (the table lives in a static).
unsafe impl Send for Table {}
// SAFETY: as above — read-only after construction.
unsafe impl Sync for Table {}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Table")
    }
}

static TABLE: OnceLock<Option<Table>> = OnceLock::new();

/// The body of the entry symbol [`export_plugin!`](crate::export_plugin) generates: builds
/// the table from `P`'s declarations once, or returns null if that panics.
pub fn entry<P: Plugin>() -> *const PluginV1 {
    quiet_panics();
    let table = TABLE.get_or_init(|| guarded(|| Ok(build_table::<P>())).ok());
    table
        .as_ref()
        .map_or(std::ptr::null(), |t| &t.plugin as *const PluginV1)
}

pub(super) fn build_table<P: Plugin>() -> Table {
    let signals = P::signals();
    let mut text: Vec<String> = Vec::new();
    // Each string is moved into `text`; its heap buffer (what `Str` points at) stays put.
    let mut keep = |s: &str| {
        let owned = s.to_string();
        let str = Str::new(&owned);
        text.push(owned);
        str
    };
    let name = keep(P::NAME);
    let version = keep(P::VERSION);
    let doc = keep(P::DOC);
    let mut params = Vec::new();
    let mut inputs = Vec::new();
    let mut decls = Vec::new();
    for s in &signals {
        let p: Vec<ParamDecl> = s
            .params
            .iter()
            .map(|(name, ty, optional)| ParamDecl {
                name: keep(name),
                ty: ty.code(),
                optional: u8::from(*optional),
            })
            .collect();
        let i: Vec<Str> = s.inputs.iter().map(|f| keep(f)).collect();
        decls.push(SignalDecl {
            name: keep(&s.name),
            doc: keep(&s.doc),
            params: p.as_ptr(),
            n_params: p.len(),
            output: s.output.code(),
            inputs: i.as_ptr(),
            n_inputs: i.len(),
            flags: if s.deterministic {
                FLAG_DETERMINISTIC
            } else {
                0
            } | s.order.map_or(0, crate::order_flags),
        });
        params.push(p);
        inputs.push(i);
    }
    Table {
        plugin: PluginV1 {
            magic: MAGIC,
            size: std::mem::size_of::<PluginV1>(),
            abi_minor: ABI_MINOR,
            name,
            version,
            doc,
            signals: decls.as_ptr(),
            n_signals: decls.len(),
            init: init::<P>,
            evaluate: evaluate::<P>,
            release,
        },
        _signals: decls,
        _params: params,
        _inputs: inputs,
        _text: text,
    }
}

/// Exports a [`Plugin`] as the library's entry symbol, `icp_plugin_entry_v1`, and its
/// configuration keys as `icp_plugin_config_keys_v1`.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        /// The plugin's entry point, called by `icp` when it loads the library.
        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        pub extern "C" fn icp_plugin_entry_v1() -> *const $crate::PluginV1 {
            $crate::sdk::entry::<$plugin>()
        }

        /// The configuration keys the plugin reads, for `icp`'s unknown-key warnings.
        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn icp_plugin_config_keys_v1(
            n_keys: *mut usize,
        ) -> *const $crate::Str {
            // SAFETY: the host passes null or a pointer to a writable `usize`.
            unsafe { $crate::sdk::config_keys::<$plugin>(n_keys) }
        }
    };
}
