//! Hostile byte streams against the real `charter-lsp` binary over stdio: every malformed
//! message gets its JSON-RPC error and the server goes on serving; the transport catches
//! a panicking handler; lone `\r` ends a line in positions.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tower_lsp_server::ls_types as lsp;

/// One end of a JSON-RPC conversation over raw bytes.
struct Peer<W, R> {
    input: W,
    output: BufReader<R>,
    next_id: i64,
    /// Notifications and server requests seen while waiting for responses.
    notifications: Vec<Value>,
}

impl<W: AsyncWrite + Unpin, R: AsyncRead + Unpin> Peer<W, R> {
    fn new(input: W, output: R) -> Self {
        Peer { input, output: BufReader::new(output), next_id: 1000, notifications: Vec::new() }
    }

    async fn send_raw(&mut self, bytes: &[u8]) {
        self.input.write_all(bytes).await.unwrap();
        self.input.flush().await.unwrap();
    }

    /// Sends `body` as one well-framed message.
    async fn send_body(&mut self, body: &[u8]) {
        let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        frame.extend_from_slice(body);
        self.send_raw(&frame).await;
    }

    async fn send(&mut self, message: Value) {
        self.send_body(message.to_string().as_bytes()).await;
    }

    async fn receive(&mut self) -> Value {
        let read = async {
            let mut length = 0;
            loop {
                let mut line = String::new();
                let read = self.output.read_line(&mut line).await.unwrap();
                assert!(read > 0, "the server closed its output");
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(value) = line.strip_prefix("Content-Length: ") {
                    length = value.parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            self.output.read_exact(&mut body).await.unwrap();
            serde_json::from_slice::<Value>(&body).unwrap()
        };
        tokio::time::timeout(Duration::from_secs(20), read).await.expect("the server did not answer")
    }

    /// The next response (a message without `method`), keeping notifications aside.
    async fn response(&mut self) -> Value {
        loop {
            let message = self.receive().await;
            if message.get("method").is_none() {
                return message;
            }
            self.notifications.push(message);
        }
    }

    /// Sends a request and returns its response.
    async fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})).await;
        let response = self.response().await;
        assert_eq!(response["id"], json!(id), "{response}");
        response
    }

    async fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params})).await;
    }
}

struct Binary {
    child: tokio::process::Child,
    peer: Peer<tokio::process::ChildStdin, tokio::process::ChildStdout>,
    _dir: tempfile::TempDir,
    uri: String,
}

const TEXT: &str =
    "person ana \"Ana\" { executive: true }\nproject alpha \"Alpha\" { status: active, sponsor: ana }\n";

/// The binary, initialized on a workspace with one file, `a.charter`, open.
async fn start() -> Binary {
    start_with(TEXT).await
}

/// The binary, initialized on a workspace with one file, `a.charter`, open with `text`.
async fn start_with(text: &str) -> Binary {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("charter.toml"), "[check]\ntoday = \"2026-11-26\"\n").unwrap();
    std::fs::write(root.join("a.charter"), text).unwrap();
    let mut child =
        support::spawn_server(&mut tokio::process::Command::new(env!("CARGO_BIN_EXE_charter-lsp")));
    let mut peer = Peer::new(child.stdin.take().unwrap(), child.stdout.take().unwrap());
    let root_uri = format!("file://{}", root.display());
    let initialize = peer
        .request(
            "initialize",
            json!({"capabilities": {}, "rootUri": root_uri, "workspaceFolders": [{"uri": root_uri, "name": "w"}]}),
        )
        .await;
    assert_eq!(initialize["result"]["serverInfo"]["name"], "charter-lsp");
    peer.notify("initialized", json!({})).await;
    let uri = format!("{root_uri}/a.charter");
    peer.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "charter", "version": 1, "text": text}}),
    )
    .await;
    Binary { child, peer, _dir: dir, uri }
}

impl Binary {
    /// The names of the document's symbols: proof that the server still serves, and of
    /// which text it holds.
    async fn symbols(&mut self) -> Vec<String> {
        let uri = self.uri.clone();
        let response =
            self.peer.request("textDocument/documentSymbol", json!({"textDocument": {"uri": uri}})).await;
        let symbols = response["result"].as_array().unwrap_or_else(|| panic!("no symbols: {response}"));
        symbols.iter().map(|symbol| symbol["name"].as_str().unwrap().to_string()).collect()
    }

    /// The diagnostics published for the document at `version`.
    async fn diagnostics(&mut self, version: i32) -> Value {
        loop {
            let found = self.peer.notifications.iter().rev().find(|message| {
                message["method"] == "textDocument/publishDiagnostics"
                    && message["params"]["uri"] == self.uri.as_str()
                    && message["params"]["version"] == version
            });
            if let Some(found) = found {
                return found["params"]["diagnostics"].clone();
            }
            let message = self.peer.receive().await;
            self.peer.notifications.push(message);
        }
    }

    /// `shutdown` then `exit`: the server exits with 0.
    async fn finish(mut self) {
        let shutdown = self.peer.request("shutdown", Value::Null).await;
        assert_eq!(shutdown["result"], Value::Null);
        self.peer.notify("exit", Value::Null).await;
        let status = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await.unwrap().unwrap();
        assert!(status.success(), "{status}");
    }
}

/// What a malformed frame makes the server say: `-32700` for bytes that are no JSON
/// message, `-32600` for JSON that is no request, notification or response.
enum Bad {
    /// Raw bytes, framing included.
    Raw(&'static [u8]),
    /// A body in a correct frame.
    Body(&'static [u8]),
}

const CASES: &[(&str, Bad)] = &[
    ("invalid JSON", Bad::Body(br#"{"jsonrpc": "2.0", "id": 1, "#)),
    ("invalid UTF-8", Bad::Body(b"{\"jsonrpc\": \"2.0\", \"method\": \"\xff\xfe\"}")),
    ("nesting deeper than serde_json allows", Bad::Body(&[b'['; 200])),
    ("an empty object", Bad::Body(b"{}")),
    ("null", Bad::Body(b"null")),
    ("an empty array", Bad::Body(b"[]")),
    ("a batch", Bad::Body(br#"[{"jsonrpc": "2.0", "id": 3, "method": "shutdown"}]"#)),
    ("a number", Bad::Body(b"42")),
    ("a string", Bad::Body(br#""hello""#)),
    ("an object id", Bad::Body(br#"{"jsonrpc": "2.0", "id": {"a": 1}, "method": "textDocument/hover"}"#)),
    ("an array id", Bad::Body(br#"{"jsonrpc": "2.0", "id": [1], "method": "shutdown"}"#)),
    ("a boolean id", Bad::Body(br#"{"jsonrpc": "2.0", "id": true, "method": "shutdown"}"#)),
    ("a fractional id", Bad::Body(br#"{"jsonrpc": "2.0", "id": 1.5, "method": "shutdown"}"#)),
    ("no method", Bad::Body(br#"{"jsonrpc": "2.0", "id": 7}"#)),
    ("a method that is no string", Bad::Body(br#"{"jsonrpc": "2.0", "id": 8, "method": 5}"#)),
    ("the wrong jsonrpc version", Bad::Body(br#"{"jsonrpc": "1.0", "id": 9, "method": "shutdown"}"#)),
    ("no jsonrpc member", Bad::Body(br#"{"id": 10, "method": "shutdown"}"#)),
    (
        "params that are a string",
        Bad::Body(br#"{"jsonrpc": "2.0", "id": 11, "method": "workspace/symbol", "params": "x"}"#),
    ),
    ("no Content-Length", Bad::Raw(b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n")),
    ("a Content-Length that is no number", Bad::Raw(b"Content-Length: twelve\r\n\r\n")),
    ("a negative Content-Length", Bad::Raw(b"Content-Length: -5\r\n\r\n{}")),
    ("header garbage", Bad::Raw(b"hello world\r\n\r\n")),
    ("garbage glued to a header", Bad::Raw(b"junkContent-Length: 2\r\n\r\n{}")),
    (
        "a Content-Length past the limit",
        Bad::Raw(b"Content-Length: 99999999999\r\n\r\n{\"jsonrpc\": \"2.0\"}"),
    ),
];

/// Every malformed message class gets its error reply, and the next request is
/// answered as if nothing had happened.
#[tokio::test]
async fn every_malformed_message_is_answered_and_the_server_goes_on() {
    let mut binary = start().await;
    let expected = binary.symbols().await;
    let mut replies = Vec::new();
    for (name, bad) in CASES {
        match bad {
            Bad::Raw(bytes) => binary.peer.send_raw(bytes).await,
            Bad::Body(body) => binary.peer.send_body(body).await,
        }
        let mut case = vec![binary.peer.response().await];
        if *name == "garbage glued to a header" {
            // The `{}` after the garbage is read too, and refused on its own.
            case.push(binary.peer.response().await);
        }
        replies.push(json!({"case": name, "replies": case}));
        assert_eq!(binary.symbols().await, expected, "after {name}");
    }
    insta::assert_json_snapshot!(replies);
    binary.finish().await;
}

/// A `didChange` whose text holds a lone surrogate cannot be decoded: it is refused as a
/// parse error, the document keeps its previous text, and later edits apply.
#[tokio::test]
async fn a_lone_surrogate_in_an_edit_keeps_the_previous_text() {
    let mut binary = start().await;
    assert_eq!(binary.symbols().await, ["ana", "alpha"]);
    let uri = binary.uri.clone();
    let body = format!(
        r#"{{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {{"textDocument": {{"uri": "{uri}", "version": 2}}, "contentChanges": [{{"text": "person zed \"\ud800x\" {{}}\n"}}]}}}}"#
    );
    binary.peer.send_body(body.as_bytes()).await;
    let reply = binary.peer.response().await;
    insta::assert_json_snapshot!(reply);
    assert_eq!(binary.symbols().await, ["ana", "alpha"]);
    binary
        .peer
        .notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": "person zed \"Zed\" {}\n"}]}),
        )
        .await;
    assert_eq!(binary.symbols().await, ["zed"]);
    binary.finish().await;
}

/// `exit` without `shutdown`, and the end of the input, end the server with exit code 1.
#[tokio::test]
async fn exit_without_shutdown_and_closed_input_exit_with_1() {
    let mut binary = start().await;
    binary.peer.notify("exit", Value::Null).await;
    let status = tokio::time::timeout(Duration::from_secs(10), binary.child.wait()).await.unwrap().unwrap();
    assert_eq!(status.code(), Some(1));
    let binary = start().await;
    let Binary { mut child, peer, .. } = binary;
    drop(peer);
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.unwrap().unwrap();
    assert_eq!(status.code(), Some(1));
}

/// A rule whose evaluation takes minutes without an evaluation budget: nine nested
/// `all` over ten numbers.
fn slow_rule() -> String {
    let mut condition = "a + b + c + d + e + f + g + h + i > 0".to_string();
    for variable in ["i", "h", "g", "f", "e", "d", "c", "b", "a"] {
        condition = format!("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all({variable}, {condition})");
    }
    format!(
        "rule slow {{\n  severity: warning\n  summary: \"every sum is positive\"\n  for person p\n  require {condition}\n}}\n"
    )
}

/// While a slow rule is evaluated, requests are answered from the loaded workspace, and
/// after a further edit (whose analysis waits for the slow one) from the latest snapshot.
#[tokio::test]
async fn a_slow_analysis_does_not_block_requests() {
    let text = format!("{TEXT}{}", slow_rule());
    let mut binary = start_with(&text).await;
    assert_eq!(binary.symbols().await, ["ana", "alpha", "slow"]);
    let uri = binary.uri.clone();
    let hover = binary
        .peer
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 8}}),
        )
        .await;
    assert!(hover["result"]["contents"]["value"].as_str().unwrap().contains("ana"), "{hover}");
    let edited = format!("person zed \"Zed\" {{}}\n{text}");
    binary
        .peer
        .notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": edited}]}),
        )
        .await;
    let symbols = binary.symbols().await;
    assert!(symbols.ends_with(&["ana".to_string(), "alpha".to_string(), "slow".to_string()]), "{symbols:?}");
    binary.finish().await;
}

/// `\n`, `\r\n` and a lone `\r` all end lines in LSP positions: after `// c\r` the
/// person is declared on line 1, its diagnostic is there, and a hover there finds it.
#[tokio::test]
async fn a_lone_carriage_return_ends_a_line_in_positions() {
    let text = "// c\rperson b \"B\" { executive: maybe }\r\nperson d \"D\" {}\rperson e \"E\" {}\n";
    let mut binary = start_with(text).await;
    assert_eq!(binary.symbols().await, ["b", "d", "e"]);
    let diagnostics = binary.diagnostics(1).await;
    let mismatch = diagnostics
        .as_array()
        .unwrap()
        .iter()
        .find(|diagnostic| diagnostic["code"] == "charter::type_mismatch")
        .unwrap_or_else(|| panic!("no type mismatch: {diagnostics}"));
    let column = "person b \"B\" { executive: ".len();
    assert_eq!(mismatch["range"]["start"], json!({"line": 1, "character": column}));
    let uri = binary.uri.clone();
    for (line, name) in [(1, "b"), (2, "d"), (3, "e")] {
        let hover = binary
            .peer
            .request(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": 7}}),
            )
            .await;
        let contents = hover["result"]["contents"]["value"].as_str().unwrap_or_default();
        assert!(contents.contains(&format!("person {name}")), "line {line}: {hover}");
    }
    binary.finish().await;
}

/// A FIFO reported as a changed `.charter` file, or as `charter.toml`, is never opened
/// (it would block the server): the server goes on serving, and says the config is
/// unreadable.
#[cfg(unix)]
#[tokio::test]
async fn a_fifo_reported_as_changed_is_not_read() {
    let mut binary = start().await;
    let root = binary.uri.trim_start_matches("file://").trim_end_matches("/a.charter").to_string();
    let root = std::path::Path::new(&root);
    for name in ["pipe.charter", "charter.toml"] {
        let path = root.join(name);
        let _ = std::fs::remove_file(&path);
        let made = std::process::Command::new("mkfifo").arg(&path).status().unwrap();
        assert!(made.success());
    }
    let changes: Vec<Value> = ["pipe.charter", "charter.toml"]
        .iter()
        .map(|name| json!({"uri": format!("file://{}", root.join(name).display()), "type": 2}))
        .collect();
    binary.peer.notify("workspace/didChangeWatchedFiles", json!({"changes": changes})).await;
    assert_eq!(binary.symbols().await, ["ana", "alpha"]);
    let config = loop {
        let message = binary.peer.receive().await;
        if message["method"] == "textDocument/publishDiagnostics"
            && message["params"]["uri"].as_str().unwrap().ends_with("charter.toml")
        {
            break message["params"]["diagnostics"][0]["message"].as_str().unwrap().to_string();
        }
    };
    assert!(config.contains("a named pipe (FIFO), not a regular file"), "{config}");
    binary.finish().await;
}

/// Hovering a metric whose progress overflows `Decimal` (it used to kill the server) is
/// answered — with the hover, or with an internal error if its computation panics — and
/// the server goes on.
#[tokio::test]
async fn hover_on_an_overflowing_metric_is_answered() {
    let text = "person ana \"Ana\" { executive: true }\nmetric m \"M\" {\n  owner: ana\n  direction: increase\n  baseline: -79228162514264337593543950335 @ 2025-01-01\n  target: 79228162514264337593543950335 @ 2027-12-31\n  actual: 5 @ 2026-06-30\n  cadence: quarterly\n}\n";
    let mut binary = start_with(text).await;
    let uri = binary.uri.clone();
    let hover = binary
        .peer
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 7}}),
        )
        .await;
    assert!(hover.get("result").is_some() || hover["error"]["code"] == -32603, "{hover}");
    assert_eq!(binary.symbols().await, ["ana", "m"]);
    binary.finish().await;
}

/// A server whose handlers panic, to drive the transport in process.
struct Panicking;

impl tower_lsp_server::LanguageServer for Panicking {
    async fn initialize(
        &self,
        _: lsp::InitializeParams,
    ) -> tower_lsp_server::jsonrpc::Result<lsp::InitializeResult> {
        Ok(lsp::InitializeResult::default())
    }

    async fn shutdown(&self) -> tower_lsp_server::jsonrpc::Result<()> {
        Ok(())
    }

    async fn hover(&self, _: lsp::HoverParams) -> tower_lsp_server::jsonrpc::Result<Option<lsp::Hover>> {
        panic!("hover exploded")
    }

    async fn did_change(&self, _: lsp::DidChangeTextDocumentParams) {
        panic!("the edit exploded")
    }
}

/// A request whose handler panics is answered with an internal error; a notification
/// whose handler panics is logged; both are logged to the client, and the server goes on.
#[tokio::test]
async fn a_panicking_handler_is_answered_logged_and_survived() {
    let (client, server) = tokio::io::duplex(1 << 16);
    let (server_read, server_write) = tokio::io::split(server);
    let (service, socket) = tower_lsp_server::LspService::new(|_| Panicking);
    let serving = tokio::spawn(charter_lsp::transport::serve(server_read, server_write, service, socket));
    let (client_read, client_write) = tokio::io::split(client);
    let mut peer = Peer::new(client_write, client_read);
    let initialize = peer.request("initialize", json!({"capabilities": {}})).await;
    assert!(initialize.get("result").is_some(), "{initialize}");
    peer.notify("initialized", json!({})).await;
    let position =
        json!({"textDocument": {"uri": "file:///a.charter"}, "position": {"line": 0, "character": 0}});
    let hover = peer.request("textDocument/hover", position).await;
    peer.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": "file:///a.charter", "version": 2}, "contentChanges": [{"text": ""}]}),
    )
    .await;
    let shutdown = peer.request("shutdown", Value::Null).await;
    assert_eq!(shutdown["result"], Value::Null);
    peer.notify("exit", Value::Null).await;
    let ending = tokio::time::timeout(Duration::from_secs(10), serving).await.unwrap().unwrap();
    assert_eq!(ending, charter_lsp::transport::Ending::Clean);
    let logs: Vec<&Value> =
        peer.notifications.iter().filter(|message| message["method"] == "window/logMessage").collect();
    insta::assert_json_snapshot!(json!({"hover": hover, "logs": logs}));
}
