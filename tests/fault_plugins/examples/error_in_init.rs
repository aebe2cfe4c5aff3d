//! Fault: the plugin's `init` returns an error (here: a configuration key it needs is not
//! set). The host must report the plugin's own message from `Host::prepare`.

use icp_plugin_api::sdk::{Config, Plugin, Result, Signal, Type};

struct ErrorInInit;

impl Plugin for ErrorInInit {
    const NAME: &'static str = "error_in_init";
    const VERSION: &'static str = "0.0.1";

    fn init(config: &Config) -> Result<Self> {
        let key = config.opt_str("licence_key")?;
        Err(match key {
            Some(key) => format!("the licence key `{key}` expired on 2026-01-01").into(),
            None => "no licence key: set `licence_key` under [plugins.error_in_init]".into(),
        })
    }

    fn signals() -> Vec<Signal<Self>> {
        vec![
            Signal::new("flag", Type::Bool)
                .input("company.domain")
                .eval(|_, _, _| Ok(Some(true))),
        ]
    }
}

icp_plugin_api::export_plugin!(ErrorInInit);
