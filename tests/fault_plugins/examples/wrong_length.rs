//! Fault: `wrong_length.flag` returns a column with one row fewer than the batch. The SDK
//! builds a correct column; the patched `evaluate` calls the SDK's and then shortens `len`
//! (the SDK's `release` still frees it all). The host must refuse the column rather than
//! shift the leads' values or read past its end.

#![allow(unsafe_code)]

use std::ffi::c_void;

use icp_plugin_api::{CallV1, Column, ErrorSink, OK, PluginV1};

icp_fault_plugins::probe_plugin!(WrongLength, "wrong_length");

/// The SDK's `evaluate`, then one row fewer.
unsafe extern "C" fn one_row_short(
    state: *mut c_void,
    call: *const CallV1,
    out: *mut Column,
    errors: *mut ErrorSink,
) -> i32 {
    // SAFETY: forwarded as the host passed them.
    let status = unsafe { icp_fault_plugins::evaluate_original(state, call, out, errors) };
    if status == OK {
        // SAFETY: on success the SDK filled `out`, valid and writable during the call.
        unsafe { (*out).len = (*out).len.saturating_sub(1) };
    }
    status
}

/// The versioned entry symbol, returning the SDK's table with the short `evaluate`.
#[unsafe(no_mangle)]
pub extern "C" fn icp_plugin_entry_v1() -> *const PluginV1 {
    // SAFETY: the SDK's table is a static of this library, never freed.
    unsafe {
        icp_fault_plugins::patch(icp_plugin_api::sdk::entry::<WrongLength>(), |table, _| {
            table.evaluate = one_row_short;
        })
    }
}
