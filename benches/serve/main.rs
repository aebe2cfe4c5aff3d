//! `serve_load`: drives a running `icp serve` with one-lead requests at a fixed rate and
//! prints the errors, the latency percentiles and the server's memory (see
//! `icp_benches::serve_load`, and `benches/serve/run.sh` for the documented runs).
//!
//! How it works: the flags are read by hand (this tool has no other dependency), the leads
//! file's lines (JSON Lines, one lead each) become the request bodies, and the report is
//! printed on stdout; the exit code is 1 when any request failed.

use std::process::ExitCode;

const USAGE: &str = "usage: serve_load --addr IP:PORT --leads FILE.jsonl [--rate N] [--seconds S] \
[--connections C] [--pid PID] [--path /score]";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let mut args = std::env::args().skip(1);
    let (mut addr, mut leads, mut pid) = (None, None, None);
    let (mut rate, mut seconds, mut connections) = (1000u32, 60.0f64, 32usize);
    let mut path = "/score".to_string();
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        let bad = |v: &str| format!("{flag} {v}: not a valid value");
        match flag.as_str() {
            "--addr" => {
                let v = value()?;
                addr = Some(v.parse().map_err(|_| bad(&v))?);
            }
            "--leads" => leads = Some(value()?),
            "--rate" => {
                let v = value()?;
                rate = v.parse().ok().filter(|&r| r > 0).ok_or_else(|| bad(&v))?;
            }
            "--seconds" => {
                let v = value()?;
                seconds = v.parse().ok().filter(|&s| s > 0.0).ok_or_else(|| bad(&v))?;
            }
            "--connections" => {
                let v = value()?;
                connections = v.parse().ok().filter(|&c| c > 0).ok_or_else(|| bad(&v))?;
            }
            "--pid" => {
                let v = value()?;
                pid = Some(v.parse().map_err(|_| bad(&v))?);
            }
            "--path" => path = value()?,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    let addr = addr.ok_or("give --addr")?;
    let leads = leads.ok_or("give --leads")?;
    let text = std::fs::read_to_string(&leads).map_err(|e| format!("cannot read {leads}: {e}"))?;
    let bodies: Vec<Vec<u8>> = (text.lines())
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.as_bytes().to_vec())
        .collect();
    if bodies.is_empty() {
        return Err(format!("{leads} has no lead"));
    }
    let report = icp_benches::serve_load::run(&icp_benches::serve_load::LoadPlan {
        addr,
        path,
        rate,
        seconds,
        connections,
        bodies,
        server_pid: pid,
    });
    print!("{}", report.render());
    for (t, kib) in &report.rss_kib {
        println!("rss {t:.0} s {kib} KiB");
    }
    Ok(if report.errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
