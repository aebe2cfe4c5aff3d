//! Fault: the signal `error_in_signal.flag` returns an error for the lead whose domain is
//! `boom.example`, and works for every other lead. The host must fail the batch with the
//! plugin's message, keep nothing of it, and keep working.

use icp_fault_plugins::BAD_DOMAIN;
use icp_plugin_api::sdk::{Config, Plugin, Result, Signal, Type};

struct ErrorInSignal;

impl Plugin for ErrorInSignal {
    const NAME: &'static str = "error_in_signal";
    const VERSION: &'static str = "0.0.1";

    fn init(_config: &Config) -> Result<Self> {
        Ok(ErrorInSignal)
    }

    fn signals() -> Vec<Signal<Self>> {
        vec![
            Signal::new("flag", Type::Bool)
                .doc("Whether the company's domain ends in .com; an error for boom.example.")
                .input("company.domain")
                .eval(|_, lead, _| {
                    let domain = lead.text("company.domain");
                    if domain == Some(BAD_DOMAIN) {
                        return Err(
                            format!("the lookup service refused {BAD_DOMAIN} (HTTP 403)").into(),
                        );
                    }
                    Ok(domain.map(|d| d.ends_with(".com")))
                }),
        ]
    }
}

icp_plugin_api::export_plugin!(ErrorInSignal);
