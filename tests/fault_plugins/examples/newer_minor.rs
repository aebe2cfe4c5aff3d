//! Fault: a table declaring ABI minor version `ABI_MINOR + 1`, as a plugin built against a
//! newer `icp_plugin_api` would. The host cannot know what the appended fields mean, so it
//! must refuse the plugin and say that it is newer than itself.

#![allow(unsafe_code)]

use icp_plugin_api::{ABI_MINOR, PluginV1};

icp_fault_plugins::probe_plugin!(NewerMinor, "newer_minor");

/// The versioned entry symbol, returning the SDK's table with a newer minor version.
#[unsafe(no_mangle)]
pub extern "C" fn icp_plugin_entry_v1() -> *const PluginV1 {
    // SAFETY: the SDK's table is a static of this library, never freed.
    unsafe {
        icp_fault_plugins::patch(icp_plugin_api::sdk::entry::<NewerMinor>(), |table, _| {
            table.abi_minor = ABI_MINOR + 1;
        })
    }
}
