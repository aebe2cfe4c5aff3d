//! Fault: the plugin's `init` panics. The SDK catches the panic; the host must report it from
//! `Host::prepare`, naming the plugin, its file and the panic's message and location.

use icp_plugin_api::sdk::{Config, Plugin, Result, Signal, Type};

struct PanicsInInit;

impl Plugin for PanicsInInit {
    const NAME: &'static str = "panics_in_init";
    const VERSION: &'static str = "0.0.1";

    fn init(_config: &Config) -> Result<Self> {
        panic!("the data file is corrupt beyond repair");
    }

    fn signals() -> Vec<Signal<Self>> {
        vec![
            Signal::new("flag", Type::Bool)
                .input("company.domain")
                .eval(|_, _, _| Ok(Some(true))),
        ]
    }
}

icp_plugin_api::export_plugin!(PanicsInInit);
