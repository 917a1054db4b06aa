//! Feeds bytes to `charter-lsp`, in-process, in one of two ways:
//!
//! - [`serve`]: the bytes are the server's standard input, read through Charter's own
//!   transport (`charter_lsp::transport`: framing, message checks, panic catching) exactly
//!   as `main.rs` wires it (an in-memory reader for stdin, a sink for stdout). This is what
//!   a hostile byte stream meets; requests are handled concurrently, as they come.
//! - [`call_each`]: the bytes are NUL-separated message bodies, each decoded and passed
//!   to the `LspService` only after the previous one was answered, as a well-behaved
//!   client does. The fuzzer then reaches the handlers (hover, completion, rename, ...)
//!   on an initialized server without having to get headers and lengths right.
//!
//! Workspace folders and documents live in one sandbox directory: in `call_each` every
//! `file:` URI is moved into it, so that a fuzzed URI never makes the server walk the
//! real file system (a document at `/` would make it read every `.charter` file of the
//! machine). With `CHARTER_FUZZ_ECHO` set, what the server answers goes to standard
//! error, to see what a reproducer does.

use std::path::PathBuf;
use std::sync::OnceLock;

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tower::{Service, ServiceExt};
use tower_lsp_server::jsonrpc::{Request, Response};
use tower_lsp_server::LspService;

/// The directory documents and folders are moved into: it holds a `charter.toml`, so
/// that the server's root search stops there.
pub fn sandbox() -> &'static PathBuf {
    static SANDBOX: OnceLock<PathBuf> = OnceLock::new();
    SANDBOX.get_or_init(|| {
        let directory = std::env::temp_dir().join("charter-fuzz-lsp");
        // A sandbox that cannot be written is still a directory the URIs point into.
        let _ = std::fs::create_dir_all(&directory);
        let _ = std::fs::write(directory.join("charter.toml"), "");
        directory
    })
}

fn echo() -> bool {
    std::env::var_os("CHARTER_FUZZ_ECHO").is_some()
}

fn runtime() -> Option<tokio::runtime::Runtime> {
    sandbox();
    tokio::runtime::Builder::new_current_thread().enable_all().build().ok()
}

/// Runs one server with `input` as its standard input, until it has answered everything
/// it read.
pub fn serve(input: &[u8]) {
    let Some(runtime) = runtime() else {
        return;
    };
    runtime.block_on(async {
        let (service, socket) = LspService::new(charter_lsp::Server::new);
        if echo() {
            charter_lsp::transport::serve(input, tokio::io::stderr(), service, socket).await;
        } else {
            charter_lsp::transport::serve(input, tokio::io::sink(), service, socket).await;
        }
    });
}

/// Passes every NUL-separated part of `input` that decodes as a JSON-RPC request or
/// notification to one server, waiting for each answer before the next message. The
/// server's own requests to the client are answered with `null`.
pub fn call_each(input: &[u8]) {
    let Some(runtime) = runtime() else {
        return;
    };
    let echo = echo();
    runtime.block_on(async {
        let (mut service, socket) = LspService::new(charter_lsp::Server::new);
        let (mut requests, mut responses) = socket.split();
        tokio::spawn(async move {
            while let Some(request) = requests.next().await {
                if echo {
                    eprintln!("server: {}", serde_json::to_string(&request).unwrap_or_default());
                }
                if let Some(id) = request.id().cloned() {
                    let _ = responses.send(Response::from_ok(id, Value::Null)).await;
                }
            }
        });
        for part in input.split(|byte| *byte == 0) {
            let Ok(mut message) = serde_json::from_slice::<Value>(part) else {
                continue;
            };
            sandbox_uris(&mut message);
            let Ok(request) = serde_json::from_value::<Request>(message) else {
                continue;
            };
            let Ok(ready) = service.ready().await else {
                break;
            };
            let answer = ready.call(request).await;
            if echo {
                eprintln!("answer: {}", serde_json::to_string(&answer.ok().flatten()).unwrap_or_default());
            }
        }
    });
}

/// Moves every `file:` URI of a message into the sandbox, keeping only its last path
/// segment (made of plain characters, never `.` or `..`).
fn sandbox_uris(value: &mut Value) {
    match value {
        Value::String(text) if text.starts_with("file:") => {
            let name: String = text
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                .collect();
            let name = if name.chars().all(|c| c == '.') { format!("dots{name}.charter") } else { name };
            *text = format!("file://{}/{name}", sandbox().display());
        }
        Value::Array(items) => items.iter_mut().for_each(sandbox_uris),
        Value::Object(fields) => fields.values_mut().for_each(sandbox_uris),
        _ => {}
    }
}
