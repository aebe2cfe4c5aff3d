//! Fault: a plugin built for a newer major version of the ABI, which exports
//! `icp_plugin_entry_v2` and not `icp_plugin_entry_v1`. The host must say it finds no
//! `icp_plugin_entry_v1` symbol, not guess at the layout of a v2 table.

#![allow(unsafe_code)]

use icp_plugin_api::PluginV1;

icp_fault_plugins::probe_plugin!(AbiV2, "abi_v2");

/// The entry symbol of ABI 2 (whose table, here, happens to be a v1 one: the host must not
/// look).
#[unsafe(no_mangle)]
pub extern "C" fn icp_plugin_entry_v2() -> *const PluginV1 {
    icp_plugin_api::sdk::entry::<AbiV2>()
}
