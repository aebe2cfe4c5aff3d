//! Initialising each plugin once for the life of its [`Host`], and ending the isolated ones.
//!
//! How it works: a plugin's `init` reads its configuration and builds its state (a data file
//! loaded into memory, say); ABI 1.x has no function to free that state, so a plugin
//! initialised again — by every reload of `icp serve`, or by `icp diff` preparing two rule
//! sets — would leak the previous one. The host therefore keeps, per plugin, the state its
//! first successful `init` returned ([`Host::initialised`], under a mutex so that two rule
//! sets prepared at once still make one call) and hands that same state to every later rule
//! set. A failed `init` is not kept: the next preparation tries again. [`Host::init_calls`]
//! counts the calls made, for `icp serve`'s `/metrics`.
//!
//! [`Host::shutdown`] ends the plugins once, when the process is done with them: an isolated
//! plugin's worker gets its input closed (it exits at its next read; one that lingers is
//! killed); an in-process plugin has nothing to call (its state is freed with the process).
//! A second call does nothing, and a signal call after it fails as a worker that ended.

#![allow(unsafe_code)]

use std::ffi::c_void;
use std::path::PathBuf;
use std::sync::PoisonError;
use std::sync::atomic::Ordering;

use icp_plugin_api::ffi::with_error_sink;
use icp_plugin_api::{PluginV1, Str};

use crate::call::or_unknown;
use crate::isolate::{Backend, Failure};
use crate::load::Loaded;
use crate::{Host, PluginError};

/// A plugin's state pointer, as its `init` returned it (null for an isolated plugin, whose
/// state lives in its worker).
#[derive(Debug, Clone, Copy)]
pub(crate) struct State(*mut c_void);

// SAFETY: the plugin ABI requires `evaluate` to accept calls from several threads at once
// with the same state; the host never dereferences the pointer itself.
unsafe impl Send for State {}
// SAFETY: as above.
unsafe impl Sync for State {}

impl State {
    pub(crate) fn pointer(self) -> *mut c_void {
        self.0
    }
}

impl Host {
    /// The state of the plugin at `index`, initialising it on first use.
    pub(crate) fn initialised(&self, index: usize) -> Result<State, PluginError> {
        let mut slot = self.states[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(state) = *slot {
            return Ok(state);
        }
        self.init_calls.fetch_add(1, Ordering::Relaxed);
        let state = self.plugins[index].init()?;
        *slot = Some(state);
        Ok(state)
    }

    /// How many times a plugin's `init` has been called by this host: at most once per
    /// plugin while every call succeeds.
    pub fn init_calls(&self) -> u64 {
        self.init_calls.load(Ordering::Relaxed)
    }

    /// How many plugins are initialised (in use by a rule set prepared so far).
    pub fn initialised_count(&self) -> usize {
        (self.states.iter())
            .filter(|s| s.lock().unwrap_or_else(PoisonError::into_inner).is_some())
            .count()
    }

    /// Ends the plugins, once: the workers of isolated plugins are stopped; in-process
    /// plugins have no shutdown function in ABI 1.x. Returns whether this call ended them
    /// (`false` when an earlier call did).
    pub fn shutdown(&self) -> bool {
        if self.shut_down.swap(true, Ordering::SeqCst) {
            return false;
        }
        for plugin in &self.plugins {
            if let Backend::Worker(worker) = &plugin.backend {
                worker.stop();
            }
        }
        true
    }
}

impl Loaded {
    /// Calls the plugin's `init` with its configuration.
    fn init(&self) -> Result<State, PluginError> {
        let (json, base) = match &self.config {
            Some(c) => (c.config_json.clone(), c.base_dir.clone()),
            None => (
                "{}".to_string(),
                std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            ),
        };
        let base = base.to_string_lossy().into_owned();
        let failed = |message: String| self.error(format!("initialisation failed: {message}"));
        match &self.backend {
            Backend::InProcess(table) => init_in_process(table, &json, &base)
                .map(State)
                .map_err(failed),
            Backend::Worker(worker) => match worker.init(json, base) {
                Ok(()) => Ok(State(std::ptr::null_mut())),
                Err(Failure::Plugin(message)) => Err(failed(message)),
                Err(Failure::Ended(what)) => Err(self.ended(what, "initialising it")),
            },
        }
    }
}

/// Calls a plugin's `init` in this process; the error is the plugin's message.
pub(crate) fn init_in_process(
    table: &PluginV1,
    config_json: &str,
    base_dir: &str,
) -> Result<*mut c_void, String> {
    // SAFETY: the strings outlive the call and the sink is valid inside the closure; `init`
    // is the checked table's.
    let (state, message) = with_error_sink(|errors| unsafe {
        (table.init)(Str::new(config_json), Str::new(base_dir), errors)
    });
    if state.is_null() {
        return Err(or_unknown(message));
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use icp_plugin_api::{ABI_MINOR, CallV1, Column, ErrorSink, FAILED, MAGIC};

    use super::*;
    use crate::PluginInfo;
    use crate::load::PluginSource;

    /// The `init` calls the counting plugin has seen, and whether its next `init` fails.
    static INITS: AtomicUsize = AtomicUsize::new(0);
    static FAIL_NEXT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

    unsafe extern "C" fn counting_init(_: Str, _: Str, _: *mut ErrorSink) -> *mut c_void {
        INITS.fetch_add(1, Ordering::SeqCst);
        if FAIL_NEXT.swap(false, Ordering::SeqCst) {
            return std::ptr::null_mut();
        }
        // A state the host never dereferences; leaked like a real plugin's would be.
        Box::into_raw(Box::new(7_u64)).cast()
    }

    unsafe extern "C" fn no_evaluate(
        _: *mut c_void,
        _: *const CallV1,
        _: *mut Column,
        _: *mut ErrorSink,
    ) -> i32 {
        FAILED
    }

    unsafe extern "C" fn no_release(_: *mut Column) {}

    /// A host holding one in-process plugin whose table is `counting_init`'s.
    fn counting_host() -> Host {
        let table: &'static PluginV1 = Box::leak(Box::new(PluginV1 {
            magic: MAGIC,
            size: std::mem::size_of::<PluginV1>(),
            abi_minor: ABI_MINOR,
            name: Str::new("counting"),
            version: Str::new("1"),
            doc: Str::new(""),
            signals: std::ptr::null(),
            n_signals: 0,
            init: counting_init,
            evaluate: no_evaluate,
            release: no_release,
        }));
        let plugin = Loaded {
            info: PluginInfo {
                name: "counting".to_string(),
                version: "1".to_string(),
                doc: String::new(),
                file: PathBuf::from("counting.so"),
                source: PluginSource::Flag,
                abi_minor: ABI_MINOR,
                config_keys: None,
            },
            backend: Backend::InProcess(table),
            signals: Vec::new(),
            config: None,
        };
        let mut host = Host::default();
        host.plugins.push(plugin);
        host.states.push(std::sync::Mutex::new(None));
        host
    }

    #[test]
    fn a_plugin_is_initialised_once_however_many_rule_sets_use_it_and_a_failure_is_retried() {
        let host = counting_host();
        FAIL_NEXT.store(true, Ordering::SeqCst);
        let error = host.initialised(0).expect_err("the first init fails");
        assert!(
            error.to_string().contains("initialisation failed"),
            "{error}"
        );
        assert_eq!(host.initialised_count(), 0);
        let first = host.initialised(0).expect("the second init succeeds");
        for _ in 0..200 {
            let again = host.initialised(0).expect("kept");
            assert_eq!(again.pointer(), first.pointer());
        }
        assert_eq!(INITS.load(Ordering::SeqCst), 2);
        assert_eq!(host.init_calls(), 2);
        assert_eq!(host.initialised_count(), 1);
        assert!(host.shutdown());
        assert!(!host.shutdown(), "a second shutdown does nothing");
    }
}
