//! Fault: `bad_text_code.label` returns a text column one of whose codes is past its strings.
//! The SDK builds a correct column of the leads' domains (one string per distinct domain);
//! the patched `evaluate` then hides the last string (`n_strings - 1`), so the lead that uses
//! it has a code beyond `n_strings`. The host must refuse the column rather than read past
//! the strings.

#![allow(unsafe_code)]

use std::ffi::c_void;

use icp_plugin_api::sdk::{Config, Plugin, Result, Signal, Type};
use icp_plugin_api::{CallV1, Column, ErrorSink, OK, PluginV1};

struct BadTextCode;

impl Plugin for BadTextCode {
    const NAME: &'static str = "bad_text_code";
    const VERSION: &'static str = "0.0.1";

    fn init(_config: &Config) -> Result<Self> {
        Ok(BadTextCode)
    }

    fn signals() -> Vec<Signal<Self>> {
        vec![
            Signal::new("label", Type::String)
                .doc("The company's domain.")
                .input("company.domain")
                .eval(|_, lead, _| Ok(lead.text("company.domain").map(str::to_string))),
        ]
    }
}

/// The SDK's `evaluate`, then one string fewer than the codes use.
unsafe extern "C" fn code_past_strings(
    state: *mut c_void,
    call: *const CallV1,
    out: *mut Column,
    errors: *mut ErrorSink,
) -> i32 {
    // SAFETY: forwarded as the host passed them.
    let status = unsafe { icp_fault_plugins::evaluate_original(state, call, out, errors) };
    if status == OK {
        // SAFETY: on success the SDK filled `out`, valid and writable during the call.
        unsafe { (*out).n_strings = (*out).n_strings.saturating_sub(1) };
    }
    status
}

/// The versioned entry symbol, returning the SDK's table with the spoiling `evaluate`.
#[unsafe(no_mangle)]
pub extern "C" fn icp_plugin_entry_v1() -> *const PluginV1 {
    // SAFETY: the SDK's table is a static of this library, never freed.
    unsafe {
        icp_fault_plugins::patch(icp_plugin_api::sdk::entry::<BadTextCode>(), |table, _| {
            table.evaluate = code_past_strings;
        })
    }
}
