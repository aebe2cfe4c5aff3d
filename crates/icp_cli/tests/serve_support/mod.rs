//! What the `icp serve` tests share: the real binary started on a free loopback port, and a
//! minimal HTTP/1.1 client over a raw TCP stream.
//!
//! How it works: [`Server::start`] spawns `icp serve --addr 127.0.0.1:0 …` and reads its
//! stderr on a thread until the line `icp serve: listening on http://ADDR` gives the address
//! (every stderr line is kept, for the tests that read the log). [`http`] sends one request
//! with `Connection: close` and reads the answer to the end; [`Pending`] sends a request's
//! headers and the first part of its body and finishes it later, to hold a request in flight.
//! The server is killed when the [`Server`] is dropped.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running `icp serve`.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `icp serve` in `dir` with `args` after `--addr 127.0.0.1:0`.
    pub fn start(dir: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_icp"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .env("XDG_CONFIG_HOME", crate::common::user_config())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("icp serve starts");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let kept = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("icp serve: listening on http://") {
                    let _ = tx.send(addr.parse::<SocketAddr>().expect("an address"));
                }
                kept.lock().expect("log").push(line);
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                panic!("icp serve did not start: {:?}", log.lock().expect("log"));
            }
        };
        Server { child, addr, log }
    }

    pub fn get(&self, path: &str) -> Answer {
        http(self.addr, "GET", path, None, b"")
    }

    pub fn post(&self, path: &str, content_type: &str, body: &[u8]) -> Answer {
        http(self.addr, "POST", path, Some(content_type), body)
    }

    /// The stderr lines so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log").join("\n")
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Waits for the process to exit (at most a minute); its exit code.
    pub fn wait(&mut self) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code();
            }
            assert!(Instant::now() < deadline, "icp serve did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        (self.headers.iter())
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }
}

/// Sends one request and reads the whole answer.
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Answer {
    let mut pending = Pending::send(addr, method, path, content_type, body, body.len());
    pending.finish(&[])
}

/// A request whose body is not all sent yet.
pub struct Pending {
    stream: TcpStream,
}

impl Pending {
    /// Sends the headers (with `Content-Length: length`) and `first`, the start of the body.
    pub fn send(
        addr: SocketAddr,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        first: &[u8],
        length: usize,
    ) -> Pending {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
        if let Some(t) = content_type {
            head.push_str(&format!("Content-Type: {t}\r\n"));
        }
        if method == "POST" {
            head.push_str(&format!("Content-Length: {length}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).expect("send the headers");
        stream.write_all(first).expect("send the body");
        Pending { stream }
    }

    /// Sends the rest of the body and reads the answer.
    pub fn finish(&mut self, rest: &[u8]) -> Answer {
        self.stream.write_all(rest).expect("send the rest");
        let mut raw = Vec::new();
        self.stream.read_to_end(&mut raw).expect("read the answer");
        let text = String::from_utf8(raw).expect("a UTF-8 answer");
        let (head, body) = text.split_once("\r\n\r\n").expect("headers and a body");
        let mut lines = head.lines();
        let status = (lines.next().and_then(|l| l.split(' ').nth(1)))
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Answer {
            status,
            headers,
            body: body.to_string(),
        }
    }
}

/// Polls `check` every 50 ms until it returns `Some`, for at most `limit`.
pub fn poll<T>(limit: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check() {
            return Some(value);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
