//! A well-behaved plugin, `good`: the control of the fault tests, and the call after a fault
//! that shows the process survived it.
//!
//! Signals: `good.flag -> bool` (the domain ends in `.com`), `good.length -> number` (the
//! domain's length in bytes) and `good.tld -> string` (the domain's last label); each is
//! unknown for a lead without a domain.

use icp_plugin_api::sdk::{Config, Plugin, Result, Signal, Type};

struct Good;

impl Plugin for Good {
    const NAME: &'static str = "good";
    const VERSION: &'static str = "1.0.0";
    const DOC: &'static str = "A plugin that does nothing wrong.";

    fn init(_config: &Config) -> Result<Self> {
        Ok(Good)
    }

    fn signals() -> Vec<Signal<Self>> {
        vec![
            Signal::new("flag", Type::Bool)
                .doc("Whether the company's domain ends in .com.")
                .input("company.domain")
                .eval(|_, lead, _| Ok(lead.text("company.domain").map(|d| d.ends_with(".com")))),
            Signal::new("length", Type::Number)
                .doc("The number of bytes of the company's domain.")
                .input("company.domain")
                .eval(|_, lead, _| Ok(lead.text("company.domain").map(str::len))),
            Signal::new("tld", Type::String)
                .doc("The last label of the company's domain.")
                .input("company.domain")
                .eval(|_, lead, _| {
                    Ok(lead
                        .text("company.domain")
                        .and_then(|d| d.rsplit('.').next())
                        .map(str::to_string))
                }),
        ]
    }
}

icp_plugin_api::export_plugin!(Good);
