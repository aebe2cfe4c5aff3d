//! The configuration keys a plugin declares it reads, from the optional symbol
//! `icp_plugin_config_keys_v1` (`icp_plugin_api::CONFIG_KEYS_SYMBOL`).
//!
//! How it works: the symbol is looked up beside the entry symbol; a library without it
//! declares nothing (`None`), and `icp` then warns about no key of its table. The keys are
//! copied at once, checking each is UTF-8, as the table's declarations are.

#![allow(unsafe_code)]

use std::path::Path;

use icp_plugin_api::ffi::slice;
use icp_plugin_api::{CONFIG_KEYS_SYMBOL, ConfigKeysFn};

use crate::{PluginError, show};

/// The keys the plugin of `library` declares, if it declares them.
pub(crate) fn declared(
    library: &'static libloading::Library,
    path: &Path,
) -> Result<Option<Vec<String>>, PluginError> {
    // SAFETY: the symbol's type is fixed by the ABI for this versioned name.
    let Ok(keys_of) = (unsafe { library.get::<ConfigKeysFn>(CONFIG_KEYS_SYMBOL) }) else {
        return Ok(None);
    };
    let mut n = 0usize;
    // SAFETY: the function takes a pointer to a `usize` and returns null or `n` strings that
    // live as long as the library (never unloaded).
    let keys = unsafe { keys_of(&mut n) };
    if keys.is_null() {
        return Ok(None);
    }
    if !keys.is_aligned() {
        return Err(PluginError::BadAbi {
            path: show(path),
            message: "its configuration keys are not aligned".to_string(),
        });
    }
    // SAFETY: as above: `n` strings at `keys`, alive for the process.
    unsafe { slice(keys, n) }
        .iter()
        .map(|key| {
            // SAFETY: each key's bytes live as long as the library.
            unsafe { key.to_str() }
                .map(str::to_string)
                .ok_or_else(|| PluginError::BadAbi {
                    path: show(path),
                    message: "a configuration key it declares is not UTF-8".to_string(),
                })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}
