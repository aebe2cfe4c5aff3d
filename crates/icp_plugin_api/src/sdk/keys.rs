//! The configuration keys a plugin declares ([`Plugin::CONFIG_KEYS`]), as the optional
//! symbol `icp_plugin_config_keys_v1` hands them to the host.
//!
//! How it works: the keys are `&'static str`s, so the `Str`s pointing at them are built once
//! into a static and stay valid for the life of the process, like the table; the function
//! [`export_plugin!`](crate::export_plugin) exports writes their count and returns them, or
//! null when the plugin declares none. It is a separate symbol rather than a field of the
//! table so plugins built before it keep loading unchanged (the host looks it up optionally).

use std::sync::OnceLock;

use super::guard::guarded;
use super::types::Plugin;
use crate::Str;

/// The declared keys as `Str`s, built once.
struct Keys(Option<Vec<Str>>);

// SAFETY: the `Str`s point at `&'static str`s and are never changed after construction.
unsafe impl Send for Keys {}
// SAFETY: as above — read-only after construction.
unsafe impl Sync for Keys {}

static KEYS: OnceLock<Keys> = OnceLock::new();

/// The body of the `icp_plugin_config_keys_v1` symbol: writes the number of keys `P` declares
/// to `n_keys` (when it is not null) and returns them; null when `P` declares none.
///
/// # Safety
/// `n_keys` must be null or point to a writable `usize`.
pub unsafe fn config_keys<P: Plugin>(n_keys: *mut usize) -> *const Str {
    let keys = KEYS.get_or_init(|| {
        Keys(
            guarded(|| Ok(P::CONFIG_KEYS.map(|keys| keys.iter().map(|k| Str::new(k)).collect())))
                .ok()
                .flatten(),
        )
    });
    let (ptr, len) = match &keys.0 {
        Some(keys) => (keys.as_ptr(), keys.len()),
        None => (std::ptr::null(), 0),
    };
    if !n_keys.is_null() {
        // SAFETY: a writable `usize` (the caller's guarantee), checked for null above.
        unsafe { n_keys.write(len) };
    }
    ptr
}
