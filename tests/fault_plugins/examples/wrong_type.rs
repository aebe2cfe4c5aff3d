//! Fault: `wrong_type.flag` is declared `bool` but returns a column of numbers. The SDK
//! computes a number signal; the patched table declares it `bool` (so `icp check` and the
//! host type it as one). The host must refuse the column rather than read numbers as
//! booleans.

#![allow(unsafe_code)]

use icp_plugin_api::sdk::{Config, Plugin, Result, Signal, Type};
use icp_plugin_api::{PluginV1, ty};

struct WrongType;

impl Plugin for WrongType {
    const NAME: &'static str = "wrong_type";
    const VERSION: &'static str = "0.0.1";

    fn init(_config: &Config) -> Result<Self> {
        Ok(WrongType)
    }

    fn signals() -> Vec<Signal<Self>> {
        vec![
            Signal::new("flag", Type::Number)
                .doc("Declared as a bool; really the domain's length.")
                .input("company.domain")
                .eval(|_, lead, _| Ok(lead.text("company.domain").map(str::len))),
        ]
    }
}

/// The versioned entry symbol, returning the SDK's table with `flag` declared `bool`.
#[unsafe(no_mangle)]
pub extern "C" fn icp_plugin_entry_v1() -> *const PluginV1 {
    // SAFETY: the SDK's table is a static of this library, never freed.
    unsafe {
        icp_fault_plugins::patch(icp_plugin_api::sdk::entry::<WrongType>(), |_, signals| {
            for signal in signals {
                signal.output = ty::BOOL;
            }
        })
    }
}
