//! A small Language Server Protocol client: runs `icp lsp` and speaks JSON-RPC to it over
//! its standard input and output, as an editor does.
//!
//! How it works: a thread reads the server's messages (`Content-Length` framing) into a
//! channel; [`Client::request`] sends a request and waits for the response with its id,
//! keeping the notifications that arrive meanwhile, which [`Client::diagnostics`] and
//! [`Client::notifications`] hand out in order. Every wait has a generous deadline, so a
//! server that stops answering fails the test instead of hanging it.

// Each test file uses its own part of the client.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};

const DEADLINE: Duration = Duration::from_secs(120);

pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    pending: VecDeque<Value>,
    next_id: i64,
}

/// The `file:` URI of a path, as editors write it.
pub fn uri(path: &Path) -> String {
    let mut out = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

impl Client {
    /// Starts `icp lsp` in `dir` with `envs` set (and the test's trust file) and initializes it.
    pub fn start(dir: &Path, envs: &[(&str, &str)]) -> Client {
        let mut client = Client::spawn(dir, envs);
        let result = client.request(
            "initialize",
            json!({ "processId": null, "rootUri": uri(dir), "capabilities": {} }),
        );
        assert!(
            result["capabilities"]["hoverProvider"] == json!(true),
            "{result}"
        );
        client.notify("initialized", json!({}));
        client
    }

    /// Starts `icp lsp` without the handshake.
    pub fn spawn(dir: &Path, envs: &[(&str, &str)]) -> Client {
        let mut command = Command::new(env!("CARGO_BIN_EXE_icp"));
        command
            .arg("lsp")
            .current_dir(dir)
            .env("XDG_CONFIG_HOME", super::common::user_config())
            .env_remove("ICP_SAFE_DIRECTORIES")
            .env_remove("ICP_PLUGIN_PATH")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in envs {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("icp lsp starts");
        let stdout = child.stdout.take().expect("stdout");
        let stdin = child.stdin.take();
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            messages,
            pending: VecDeque::new(),
            next_id: 0,
        }
    }

    /// Writes raw bytes to the server.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        // The server may have gone already (that is what some tests check).
        let _ = stdin.write_all(bytes).and_then(|()| stdin.flush());
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns its whole response (`result` or `error`).
    pub fn request_raw(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let message = self.next_message();
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                return message;
            }
            self.pending.push_back(message);
        }
    }

    /// Sends a request and returns its result; an error response fails the test.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params);
        assert!(response.get("error").is_none(), "{method}: {response}");
        response["result"].clone()
    }

    fn next_message(&mut self) -> Value {
        self.messages
            .recv_timeout(DEADLINE)
            .expect("the server answers in time")
    }

    /// The next notification (kept ones first).
    pub fn notification(&mut self) -> Value {
        loop {
            if let Some(message) = self.pending.pop_front() {
                return message;
            }
            let message = self.next_message();
            if message.get("method").is_some() && message.get("id").is_none() {
                return message;
            }
        }
    }

    /// The next diagnostics published for `uri`.
    pub fn diagnostics(&mut self, uri: &str) -> Value {
        loop {
            let message = self.notification();
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == uri
            {
                return message["params"]["diagnostics"].clone();
            }
        }
    }

    /// The last diagnostics published for `uri` among the notifications received so far
    /// (the server publishes before it answers a request).
    pub fn last_diagnostics(&mut self, uri: &str) -> Option<Value> {
        let mut last = None;
        for message in self.pending.drain(..) {
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == uri
            {
                last = Some(message["params"]["diagnostics"].clone());
            }
        }
        last
    }

    pub fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "icp", "version": 1, "text": text } }),
        );
    }

    pub fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
    }

    /// `shutdown` then `exit`; returns the exit code and what the server wrote on stderr.
    pub fn shutdown(mut self) -> (Option<i32>, String) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        self.finish()
    }

    /// Closes the server's input and waits for it to end.
    pub fn finish(mut self) -> (Option<i32>, String) {
        drop(self.stdin.take());
        let status = self.child.wait().expect("the server ends");
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        (status.code(), stderr)
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}
