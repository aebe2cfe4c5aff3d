//! The worker side of an isolated plugin: `icp __plugin-worker LIBRARY`.
//!
//! How it works: [`serve_worker`] first moves its standard output out of the plugin's reach
//! (on Unix the protocol keeps a duplicate of descriptor 1, and descriptor 1 becomes standard
//! error, so a plugin that prints cannot corrupt a reply), opens the library with the host's
//! loader (`load::open`: the same checks as in-process) and sends the declarations, or the
//! load error, as its greeting. It then answers requests until its input ends: `init` and
//! signal calls go through the host's in-process code (`call.rs`), with the columns the host
//! sent standing in for the batch's, so the reply is exactly the column (or the message) an
//! in-process call gives. If the plugin crashes, the process dies with it and the host
//! reports how.

#![allow(unsafe_code)]

use std::ffi::{OsString, c_void};
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use icp_engine::Type;
use icp_plugin_api::PluginV1;

use super::protocol::{Encoder, Hello, Request, encode_column, read_frame, write_frame};
use crate::call::{SignalCall, call_in_process};
use crate::init::init_in_process;
use crate::isolate::Backend;
use crate::load::{self, PluginSource};

/// Serves the plugin library named by `args` (the arguments after the subcommand) over
/// standard input and output; returns when the host closes the input.
pub fn serve_worker(args: &[OsString]) -> ExitCode {
    let [library] = args else {
        eprintln!("error: usage: icp {} LIBRARY", super::WORKER_SUBCOMMAND);
        return ExitCode::from(2);
    };
    let mut output = match protocol_output() {
        Ok(output) => output,
        Err(e) => {
            eprintln!("error: the plugin worker cannot set up its output: {e}");
            return ExitCode::from(2);
        }
    };
    match serve(Path::new(library), &mut output) {
        Ok(()) => ExitCode::SUCCESS,
        // The host is gone or sent garbage: nothing to answer to.
        Err(_) => ExitCode::from(2),
    }
}

fn serve(library: &Path, output: &mut impl Write) -> io::Result<()> {
    let loaded = load::open(library, PluginSource::Config);
    let greeting = Encoder::reply(match &loaded {
        Ok(plugin) => {
            let mut e = Encoder::default();
            Hello {
                name: plugin.info.name.clone(),
                version: plugin.info.version.clone(),
                doc: plugin.info.doc.clone(),
                abi_minor: plugin.info.abi_minor,
                config_keys: plugin.info.config_keys.clone(),
                signals: plugin.signals.clone(),
            }
            .encode(&mut e);
            Ok(e)
        }
        Err(err) => Err(err.to_string()),
    });
    write_frame(output, &greeting)?;
    let Ok(plugin) = loaded else {
        return Ok(());
    };
    let Backend::InProcess(table) = plugin.backend else {
        return Ok(());
    };
    let outputs: Vec<Type> = plugin.signals.iter().map(|s| s.output).collect();
    answer_requests(table, &outputs, &mut io::stdin().lock(), output)
}

/// Answers the host's requests from `input` until it ends, calling the plugin `table`
/// whose signals return `outputs`; a stream that does not decode, or a call the plugin
/// cannot be lent, is an error (the worker then exits, and the host reports it).
pub(crate) fn answer_requests(
    table: &PluginV1,
    outputs: &[Type],
    input: &mut impl Read,
    output: &mut impl Write,
) -> io::Result<()> {
    let mut state: Option<*mut c_void> = None;
    while let Some(frame) = read_frame(input)? {
        let reply = match Request::decode(&frame)? {
            Request::Init {
                config_json,
                base_dir,
            } => init_in_process(table, &config_json, &base_dir).map(|s| {
                state = Some(s);
                Encoder::default()
            }),
            Request::Evaluate(call) => match state {
                None => Err("a signal was called before the plugin was initialised".to_string()),
                Some(state) => {
                    let inputs: Vec<_> =
                        call.inputs.iter().map(|(code, c)| (&**c, *code)).collect();
                    let Some(&output) = outputs.get(call.signal as usize) else {
                        return Err(io::Error::other("a call to an undeclared signal"));
                    };
                    call_in_process(
                        table,
                        state,
                        &SignalCall {
                            signal: call.signal,
                            output,
                            args: &call.args,
                            today: call.today,
                            rows: call.rows,
                            inputs: &inputs,
                            contact_offsets: &call.contact_offsets,
                        },
                    )
                    .map(|column| {
                        let mut e = Encoder::default();
                        encode_column(&mut e, &column);
                        e
                    })
                }
            },
        };
        write_frame(output, &Encoder::reply(reply))?;
    }
    Ok(())
}

/// The stream replies go to: a duplicate of standard output, which then points at standard
/// error for whatever the plugin prints.
#[cfg(unix)]
fn protocol_output() -> io::Result<File> {
    use std::os::fd::FromRawFd;
    io::stdout().flush()?;
    // SAFETY: `dup` on descriptor 1, which is open (the host's pipe); the new descriptor is
    // owned by the `File` below and by nothing else.
    let fd = unsafe { libc::dup(1) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: points descriptor 1 at descriptor 2; both are open, and no Rust object owns
    // descriptor 1 (the standard output handle writes to the number, not an owned file).
    if unsafe { libc::dup2(2, 1) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a fresh descriptor from `dup`, owned by nothing else.
    Ok(unsafe { File::from_raw_fd(fd) })
}

/// Elsewhere, replies go to standard output itself (a plugin that prints to it breaks the
/// exchange, which the host reports as a malformed reply).
#[cfg(not(unix))]
fn protocol_output() -> io::Result<io::Stdout> {
    Ok(io::stdout())
}
