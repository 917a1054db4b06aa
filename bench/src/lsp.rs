//! A minimal language-server client over stdio JSON-RPC, for measuring `charter-lsp` the
//! way an editor sees it: whole messages framed with `Content-Length`, timestamped on arrival
//! by a reader thread, with requests from the server answered so it never waits on us.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A message from the server and the moment it was read off the pipe.
pub struct Received {
    pub at: Instant,
    pub message: Value,
}

/// A running server and the channel its messages arrive on.
pub struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Received>,
    next_id: i64,
}

impl Client {
    /// Starts `program` with `CHARTER_LSP_TIMINGS` set: the server then logs one
    /// `window/logMessage` ("analysis of generation ...") after it has published the
    /// diagnostics of a whole-workspace pass, which is the end of the pass we time.
    pub fn spawn(program: &str) -> Result<Client, String> {
        let mut child = Command::new(program)
            .env("CHARTER_LSP_TIMINGS", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|error| format!("cannot start `{program}`: {error}"))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (sender, messages) = channel();
        // With `EDITOR_LOG` set, the server's log messages (its timings among them) go to
        // stderr, to see where an analysis spends its time.
        let echo = std::env::var_os("EDITOR_LOG").is_some();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if echo
                    && message.get("method").and_then(Value::as_str) == Some("window/logMessage")
                    && let Some(text) = message.pointer("/params/message").and_then(Value::as_str)
                {
                    eprintln!("server: {text}");
                }
                if sender.send(Received { at: Instant::now(), message }).is_err() {
                    break;
                }
            }
        });
        Ok(Client { child, stdin, messages, next_id: 0 })
    }

    /// The server's process id, for reading its memory from `/proc`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends one message; returns the moment it was written.
    pub fn send(&mut self, message: &Value) -> Result<Instant, String> {
        let body = message.to_string();
        let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        let at = Instant::now();
        self.stdin
            .write_all(frame.as_bytes())
            .and_then(|()| self.stdin.flush())
            .map_err(|error| format!("cannot write to the server: {error}"))?;
        Ok(at)
    }

    pub fn notify(&mut self, method: &str, params: Value) -> Result<Instant, String> {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}))
    }

    /// Sends a request and waits for its response.
    pub fn request(&mut self, method: &str, params: Value, timeout: Duration) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))?;
        let received = self.wait(timeout, &format!("the response to `{method}`"), |message| {
            message.get("id") == Some(&json!(id)) && message.get("method").is_none()
        })?;
        Ok(received.message)
    }

    /// Waits for the first message that `wanted` accepts, answering the server's own
    /// requests (registrations, configuration) with `null` meanwhile.
    pub fn wait(
        &mut self,
        timeout: Duration,
        what: &str,
        mut wanted: impl FnMut(&Value) -> bool,
    ) -> Result<Received, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let received = match self.messages.recv_timeout(left) {
                Ok(received) => received,
                Err(RecvTimeoutError::Timeout) => {
                    return Err(format!("waited {timeout:?} for {what} in vain"));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(format!("the server exited while we waited for {what}"));
                }
            };
            if let (Some(id), Some(_)) = (received.message.get("id"), received.message.get("method")) {
                let answer = json!({"jsonrpc": "2.0", "id": id, "result": null});
                self.send(&answer)?;
                continue;
            }
            if wanted(&received.message) {
                return Ok(received);
            }
        }
    }

    /// Asks the server to shut down and exit, and reaps it.
    pub fn shutdown(mut self) -> Result<(), String> {
        self.request("shutdown", Value::Null, Duration::from_secs(60))?;
        self.notify("exit", Value::Null)?;
        self.child.wait().map_err(|error| format!("cannot wait for the server: {error}"))?;
        Ok(())
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // A server left behind by a failed measurement would go on using memory and CPU.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Reads one framed message; `None` at the end of the stream or on a malformed frame.
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
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// Whether `message` publishes diagnostics for `uri` (at `version`, when given).
pub fn is_publication(message: &Value, uri: &str, version: Option<i64>) -> bool {
    message.get("method").and_then(Value::as_str) == Some("textDocument/publishDiagnostics")
        && message.pointer("/params/uri").and_then(Value::as_str) == Some(uri)
        && version
            .is_none_or(|version| message.pointer("/params/version").and_then(Value::as_i64) == Some(version))
}

/// Whether `message` is the log line the server writes at the end of a whole-workspace pass.
pub fn is_pass_end(message: &Value) -> bool {
    message.get("method").and_then(Value::as_str) == Some("window/logMessage")
        && message
            .pointer("/params/message")
            .and_then(Value::as_str)
            .is_some_and(|text| text.starts_with("analysis of generation"))
}

/// The resident memory of process `pid` in KiB (`VmRSS`, or `VmHWM` for the peak).
pub fn memory_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().trim_end_matches("kB").trim().parse().ok()
    })
}

/// The `q` quantile (0 to 1) of `samples` by the nearest-rank method; `None` when empty.
pub fn quantile(samples: &[Duration], q: f64) -> Option<Duration> {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1));
    sorted.get(rank - 1).copied()
}
