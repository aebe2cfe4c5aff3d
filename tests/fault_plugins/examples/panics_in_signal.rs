//! Fault: the signal `panics_in_signal.flag` panics for the lead whose domain is
//! `boom.example`, and works for every other lead. The SDK catches the panic; the host must
//! fail the whole batch with the panic's message, keep nothing of it, and keep working.

use icp_fault_plugins::BAD_DOMAIN;
use icp_plugin_api::sdk::{Config, Plugin, Result, Signal, Type};

struct PanicsInSignal;

impl Plugin for PanicsInSignal {
    const NAME: &'static str = "panics_in_signal";
    const VERSION: &'static str = "0.0.1";

    fn init(_config: &Config) -> Result<Self> {
        Ok(PanicsInSignal)
    }

    fn signals() -> Vec<Signal<Self>> {
        vec![
            Signal::new("flag", Type::Bool)
                .doc("Whether the company's domain ends in .com; panics for boom.example.")
                .input("company.domain")
                .eval(|_, lead, _| {
                    let domain = lead.text("company.domain");
                    if domain == Some(BAD_DOMAIN) {
                        let index: Vec<u32> = Vec::new();
                        panic!("index out of range for {BAD_DOMAIN}: {}", index.len());
                    }
                    Ok(domain.map(|d| d.ends_with(".com")))
                }),
        ]
    }
}

icp_plugin_api::export_plugin!(PanicsInSignal);
