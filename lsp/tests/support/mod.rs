//! An in-process LSP client for end-to-end tests: it speaks JSON-RPC to the real
//! `LspService`, answers the server's requests, collects its notifications, and
//! redacts temporary paths so that snapshots are stable.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use charter_lsp::Server;
use charter_lsp::paths::PathMap;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tower::{Service, ServiceExt};
use tower_lsp_server::jsonrpc::{Request, Response};
use tower_lsp_server::{ClientSocket, LspService};

pub struct Harness {
    service: LspService<Server<tower_lsp_server::Client>>,
    notifications: mpsc::UnboundedReceiver<Value>,
    /// Every notification received so far, in order.
    pub received: Vec<Value>,
    /// The latest `publishDiagnostics` params per URI.
    pub latest: HashMap<String, Value>,
    next_id: i64,
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    std_dir: PathBuf,
    versions: HashMap<String, i32>,
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Starts the real `charter-lsp` binary of `command`, its stdin and stdout piped for a
/// JSON-RPC client, its stderr dropped, killed when the child is dropped.
pub fn spawn_server(command: &mut tokio::process::Command) -> tokio::process::Child {
    command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn answer_server_requests(socket: ClientSocket, sender: mpsc::UnboundedSender<Value>) {
    let (mut requests, mut responses) = socket.split();
    tokio::spawn(async move {
        while let Some(request) = requests.next().await {
            let value = serde_json::to_value(&request).unwrap();
            if let Some(id) = request.id().cloned() {
                let _ = responses.send(Response::from_ok(id, Value::Null)).await;
            }
            let _ = sender.send(value);
        }
    });
}

pub fn default_capabilities() -> Value {
    json!({
        "general": {"positionEncodings": ["utf-16"]},
        "textDocument": {
            "completion": {"completionItem": {"snippetSupport": true}},
            "hover": {"contentFormat": ["markdown", "plaintext"]},
            "documentSymbol": {"hierarchicalDocumentSymbolSupport": true}
        },
        "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}
    })
}

impl Harness {
    /// A server on a copy of `tests/fixtures/NAME`, initialized with it as the folder.
    pub async fn start(name: &str) -> Harness {
        Harness::start_with(name, default_capabilities()).await
    }

    pub async fn start_with(name: &str, capabilities: Value) -> Harness {
        Harness::start_as(name, capabilities, Value::Null).await
    }

    /// [`Harness::start_with`], with `clientInfo` as an editor sends it (`null`: none).
    pub async fn start_as(name: &str, capabilities: Value, client_info: Value) -> Harness {
        let source = (!name.is_empty()).then(|| fixture(name));
        Harness::start_from(source.as_deref(), capabilities, client_info).await
    }

    /// A server on a copy of the workspace at `source` (any directory).
    pub async fn start_in(source: &Path) -> Harness {
        Harness::start_from(Some(source), default_capabilities(), Value::Null).await
    }

    async fn start_from(source: Option<&Path>, capabilities: Value, client_info: Value) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap().join("workspace");
        match source {
            None => std::fs::create_dir_all(&root).unwrap(),
            Some(source) => copy_dir(source, &root),
        }
        let std_dir = dir.path().canonicalize().unwrap().join("std");
        let paths = PathMap::with_std_in(std_dir.clone());
        let (service, socket) = LspService::new(move |client| Server::with_paths(client, paths));
        let (sender, notifications) = mpsc::unbounded_channel();
        answer_server_requests(socket, sender);
        let mut harness = Harness {
            service,
            notifications,
            received: Vec::new(),
            latest: HashMap::new(),
            next_id: 0,
            _dir: dir,
            root,
            std_dir,
            versions: HashMap::new(),
        };
        let root_uri = harness.uri("");
        let result = harness
            .request(
                "initialize",
                json!({
                    "processId": null,
                    "rootUri": root_uri,
                    "capabilities": capabilities,
                    "clientInfo": client_info,
                    "workspaceFolders": [{"uri": root_uri, "name": "workspace"}]
                }),
            )
            .await;
        assert!(result.get("result").is_some(), "initialize failed: {result}");
        harness.notify("initialized", json!({})).await;
        harness
    }

    pub fn uri(&self, relative: &str) -> String {
        let path = if relative.is_empty() { self.root.clone() } else { self.root.join(relative) };
        format!("file://{}", path.display())
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    async fn call(&mut self, message: Value) -> Option<Response> {
        let request: Request = serde_json::from_value(message).unwrap();
        let service = self.service.ready().await.unwrap();
        let future = service.call(request);
        tokio::time::timeout(Duration::from_secs(30), future)
            .await
            .expect("the server did not answer")
            .unwrap()
    }

    /// Sends a request and returns the whole response (`result` or `error`).
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let response =
            self.call(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})).await;
        let value = serde_json::to_value(response.expect("a request gets a response")).unwrap();
        self.drain();
        value
    }

    /// Sends a request and returns its `result`.
    pub async fn result(&mut self, method: &str, params: Value) -> Value {
        let response = self.request(method, params).await;
        match response.get("result") {
            Some(result) => result.clone(),
            None => panic!("`{method}` failed: {response}"),
        }
    }

    /// Starts a request without waiting: the future answers it.
    pub fn start_request(
        &mut self,
        method: &str,
        params: Value,
    ) -> (i64, impl std::future::Future<Output = Option<Response>> + use<>) {
        self.next_id += 1;
        let id = self.next_id;
        let request: Request =
            serde_json::from_value(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
                .unwrap();
        let future = self.service.call(request);
        (id, async move { future.await.ok().flatten() })
    }

    pub async fn notify(&mut self, method: &str, params: Value) {
        let response = self.call(json!({"jsonrpc": "2.0", "method": method, "params": params})).await;
        assert!(response.is_none());
        self.drain();
    }

    fn record(&mut self, notification: Value) {
        if notification["method"] == "textDocument/publishDiagnostics" {
            let uri = notification["params"]["uri"].as_str().unwrap().to_string();
            self.latest.insert(uri, notification["params"].clone());
        }
        self.received.push(notification);
    }

    fn drain(&mut self) {
        while let Ok(notification) = self.notifications.try_recv() {
            self.record(notification);
        }
    }

    /// Waits for the next notification, up to 20 s.
    async fn next_notification(&mut self) -> Value {
        let notification = tokio::time::timeout(Duration::from_secs(20), self.notifications.recv())
            .await
            .expect("timed out waiting for a notification")
            .expect("the server hung up");
        self.record(notification.clone());
        notification
    }

    /// Records the next notification if one arrives within `timeout`; false if none did.
    pub async fn next_within(&mut self, timeout: Duration) -> bool {
        match tokio::time::timeout(timeout, self.notifications.recv()).await {
            Ok(Some(notification)) => {
                self.record(notification);
                true
            }
            Ok(None) | Err(_) => false,
        }
    }

    /// The diagnostics of a file, once published for `version` (any version: `None`).
    pub async fn diagnostics(&mut self, relative: &str, version: Option<i32>) -> Value {
        let uri = self.uri(relative);
        self.drain();
        loop {
            if let Some(latest) = self.latest.get(&uri) {
                let matches = version.is_none_or(|version| latest["version"] == json!(version));
                if matches {
                    return latest.clone();
                }
            }
            self.next_notification().await;
        }
    }

    /// The diagnostics of a file, once a publication satisfies `wanted`. Files other than
    /// the edited document are published after it, once the whole workspace is checked.
    pub async fn diagnostics_until(&mut self, relative: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        let uri = self.uri(relative);
        self.drain();
        loop {
            if let Some(latest) = self.latest.get(&uri)
                && wanted(latest)
            {
                return latest.clone();
            }
            self.next_notification().await;
        }
    }

    /// Waits until every file of `files` has diagnostics published.
    pub async fn wait_for_files(&mut self, files: &[&str]) {
        for file in files {
            self.diagnostics(file, None).await;
        }
    }

    pub async fn open(&mut self, relative: &str) -> String {
        let text = std::fs::read_to_string(self.path(relative)).unwrap_or_default();
        self.open_text(relative, &text).await;
        text
    }

    pub async fn open_text(&mut self, relative: &str, text: &str) {
        let uri = self.uri(relative);
        self.versions.insert(uri.clone(), 1);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "charter", "version": 1, "text": text}}),
        )
        .await;
    }

    /// Replaces the whole text of an open document; returns the new version.
    pub async fn change_all(&mut self, relative: &str, text: &str) -> i32 {
        self.change(relative, json!([{"text": text}])).await
    }

    /// Sends content changes; returns the new version.
    pub async fn change(&mut self, relative: &str, changes: Value) -> i32 {
        let uri = self.uri(relative);
        let version = self.versions.get(&uri).copied().unwrap_or(0) + 1;
        self.versions.insert(uri.clone(), version);
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        )
        .await;
        version
    }

    /// `{textDocument, position}` for the `nth` occurrence of `needle` in a file's current
    /// text on disk or as given, at `shift` UTF-16 units into the needle.
    pub fn at(&self, relative: &str, text: &str, needle: &str, nth: usize, shift: u32) -> Value {
        let offset = text.match_indices(needle).nth(nth).unwrap_or_else(|| panic!("`{needle}` not found")).0;
        let (line, character) = utf16_position(text, offset);
        json!({"textDocument": {"uri": self.uri(relative)}, "position": {"line": line, "character": character + shift}})
    }

    /// Replaces the temporary root and std directory with stable names.
    pub fn redact(&self, value: &Value) -> Value {
        let text = value.to_string();
        // The std files are served from the workspace's cache when it can be written.
        let cache = PathMap::workspace_std_dir(&self.root);
        let text = text
            .replace(&format!("file://{}", cache.display()), "file:///[std]")
            .replace(&cache.display().to_string(), "[std]")
            .replace(&format!("file://{}", self.std_dir.display()), "file:///[std]")
            .replace(&format!("file://{}", self.root.display()), "file:///[root]")
            .replace(&self.std_dir.display().to_string(), "[std]")
            .replace(&self.root.display().to_string(), "[root]");
        let mut value: Value = serde_json::from_str(&text).unwrap();
        hide_std_ranges(&mut value);
        value
    }

    pub async fn shutdown(mut self) {
        let response = self.request("shutdown", Value::Null).await;
        assert_eq!(response["result"], Value::Null);
        self.notify("exit", Value::Null).await;
    }
}

pub fn utf16_position(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    let character = before[line_start..].encode_utf16().count() as u32;
    (line, character)
}

/// Ranges inside the std library change whenever std is edited: snapshots show only which
/// std file a location is in.
fn hide_std_ranges(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let in_std =
                map.get("uri").and_then(Value::as_str).is_some_and(|uri| uri.starts_with("file:///[std]"));
            if in_std {
                for key in ["range", "targetRange", "targetSelectionRange"] {
                    if let Some(range) = map.get_mut(key) {
                        *range = Value::String("[std range]".to_string());
                    }
                }
            }
            for child in map.values_mut() {
                hide_std_ranges(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(hide_std_ranges),
        _ => {}
    }
}

/// The byte offset of an LSP position (UTF-16 columns, the default encoding) in `text`.
pub fn offset(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().unwrap() as usize;
    let character = position["character"].as_u64().unwrap();
    let line_start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut units = 0u64;
    for (index, here) in text[line_start..].char_indices() {
        if units >= character || here == '\n' {
            return line_start + index;
        }
        units += here.len_utf16() as u64;
    }
    text.len()
}
