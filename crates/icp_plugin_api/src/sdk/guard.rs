//! The guard around every entry point: a panic inside a plugin becomes an error message for
//! the host, never an unwind across `extern "C"` (which would abort the process).
//!
//! How it works: [`guarded`] runs a closure inside `catch_unwind`, with a thread-local flag
//! saying a plugin call is under way; the panic hook [`quiet_panics`] installs (once) then
//! prints nothing and keeps the panic's location for the message (`panicked at
//! src/lib.rs:61: …`). Panics outside a plugin call — in a plugin's own unit tests — go to
//! the hook that was there before. [`report`] hands an error to the host's sink.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use super::types::{Error, Result};
use crate::{ErrorSink, Str};

thread_local! {
    static PANIC_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
    static IN_PLUGIN_CALL: Cell<bool> = const { Cell::new(false) };
}

/// Panics inside a plugin call print nothing (the host reports them); their location is kept
/// for the error message. Panics anywhere else — in a plugin's own unit tests, say — go to
/// the hook that was there before.
pub(super) fn quiet_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_PLUGIN_CALL.with(|c| c.get()) {
                let location = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                PANIC_LOCATION.with(|p| *p.borrow_mut() = location);
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into an error.
pub(super) fn guarded<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    let outer = IN_PLUGIN_CALL.with(|c| c.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    IN_PLUGIN_CALL.with(|c| c.set(outer));
    match result {
        Ok(result) => result,
        Err(payload) => Err(Error(panic_message(payload.as_ref()))),
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string());
    match PANIC_LOCATION.with(|p| p.borrow_mut().take()) {
        Some(location) => format!("panicked at {location}: {message}"),
        None => format!("panicked: {message}"),
    }
}

/// Hands an error message to the host.
pub(super) fn report(errors: *mut ErrorSink, error: &Error) {
    if errors.is_null() {
        return;
    }
    // SAFETY: the host passes a valid sink for the duration of the call; the message is
    // borrowed only while `report` runs, and the host copies it.
    unsafe { ((*errors).report)((*errors).context, Str::new(&error.0)) }
}
