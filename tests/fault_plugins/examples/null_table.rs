//! Fault: the entry symbol returns a null table (what the SDK's entry does when declaring the
//! signals panicked). The host must report it, not dereference it.

#![allow(unsafe_code)]

use icp_plugin_api::PluginV1;

/// The versioned entry symbol, returning no table.
#[unsafe(no_mangle)]
pub extern "C" fn icp_plugin_entry_v1() -> *const PluginV1 {
    std::ptr::null()
}
