//! Warnings about keys of a `[plugins.NAME]` table the plugin does not read.
//!
//! How it works: a plugin may declare the configuration keys it reads (the SDK's
//! `Plugin::CONFIG_KEYS`, through the optional `icp_plugin_config_keys_v1` symbol, copied into
//! its manifest); after the plugins are loaded, or their manifests read
//! (`--no-plugin-code`), each configured table's keys (those `icp` left for the plugin) are
//! compared with them, and each key the plugin does not know is one warning on stderr:
//! `warning: plugins.funding: unknown key `dta` (known: data)`. A warning, not an error: the
//! run goes on, and a plugin that declares nothing gets none.

use icp_plugin_host::{Configured, PluginInfo};

/// Prints a warning for each unknown key of each configured plugin's table; `plugins` are
/// the loaded plugins, or those their manifests describe.
pub fn warn_unknown(configured: &[Configured], plugins: &[PluginInfo]) {
    for line in unknown_keys(configured, plugins) {
        eprintln!("warning: {line}");
    }
}

/// The warnings, one line each, without the `warning: ` prefix.
fn unknown_keys(configured: &[Configured], plugins: &[PluginInfo]) -> Vec<String> {
    let mut lines = Vec::new();
    for table in configured {
        let Some(known) = plugins
            .iter()
            .find(|p| p.name == table.name)
            .and_then(|p| p.config_keys.as_ref())
        else {
            continue;
        };
        let Ok(serde_json::Value::Object(keys)) =
            serde_json::from_str::<serde_json::Value>(&table.config_json)
        else {
            continue;
        };
        for key in keys.keys().filter(|k| !known.contains(k)) {
            let known = if known.is_empty() {
                "it reads no configuration".to_string()
            } else {
                format!("known: {}", known.join(", "))
            };
            lines.push(format!(
                "plugins.{}: unknown key `{key}` ({known})",
                table.name
            ));
        }
    }
    lines
}
