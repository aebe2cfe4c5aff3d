//! Fault: the entry symbol returns a table whose magic number is not icp's, as a library
//! built against something else (or a corrupted table) would. The host must refuse it at
//! load, before it reads anything past the table's head or calls any of its functions.

#![allow(unsafe_code)]

use icp_plugin_api::PluginV1;

icp_fault_plugins::probe_plugin!(WrongMagic, "wrong_magic");

/// The versioned entry symbol, returning the SDK's table with another magic number.
#[unsafe(no_mangle)]
pub extern "C" fn icp_plugin_entry_v1() -> *const PluginV1 {
    // SAFETY: the SDK's table is a static of this library, never freed.
    unsafe {
        icp_fault_plugins::patch(icp_plugin_api::sdk::entry::<WrongMagic>(), |table, _| {
            table.magic = u64::from_le_bytes(*b"NOTICPPL");
        })
    }
}
