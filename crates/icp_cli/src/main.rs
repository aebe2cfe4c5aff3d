//! The `icp` binary: runs [`icp_cli::run`] on a thread with a generous stack, and turns a
//! panic (always a bug, never the user's fault) into a one-line message and exit code 101; a
//! thread the system refuses to start is exit code 2.

use std::process::ExitCode;

/// Reading and scoring make many small allocations (cell text, per-lead results); mimalloc
/// serves them with far fewer instructions than the system allocator. Plugins keep their own
/// allocator: whatever crosses the plugin boundary is freed by the side that allocated it.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!(
            "error: internal error in icp ({info}); please report it with the input that caused it"
        );
    }));
    let worker = std::thread::Builder::new()
        .name("icp".into())
        .stack_size(64 << 20)
        .spawn(|| icp_cli::run(std::env::args_os()));
    match worker.map(|handle| handle.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(_panic)) => ExitCode::from(101),
        // Not a bug: the system refused a thread (too many running, no memory).
        Err(e) => {
            eprintln!("error: cannot start icp's main thread: {e}");
            ExitCode::from(2)
        }
    }
}
