//! The protocol itself: position encodings, edit storms, cancellation, garbage input,
//! shutdown and exit — in process, and over stdio against the real binary.

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
use support::{Harness, default_capabilities};

const PEOPLE: &str = "portfolio/people.charter";
const SCRATCH: &str = "portfolio/scratch.charter";

#[tokio::test]
async fn initialize_advertises_the_capabilities() {
    let mut harness = Harness::start("basic").await;
    let response = harness.request("initialize", json!({"capabilities": {}})).await;
    // A second `initialize` is refused; the first one's answer is what clients saw.
    assert!(response.get("error").is_some());
    let capabilities =
        serde_json::to_value(charter_lsp::server::capabilities_for(charter_lsp::convert::Encoding::Utf16))
            .unwrap();
    insta::assert_json_snapshot!(capabilities);
}

/// A line with non-ASCII text before a mistake: `executive` expects a bool.
const NON_ASCII: &str =
    "person zoë_free \"Zoë 😀\" { role: \"café\" }\nperson ana \"Ana — 😀😀\" { executive: maybe }\n";

#[tokio::test]
async fn positions_are_utf16_by_default() {
    let mut harness = Harness::start("basic").await;
    let text = "person ana \"Ana — 😀😀\" { executive: maybe }\n";
    harness.open_text(SCRATCH, text).await;
    let params = harness.diagnostics(SCRATCH, Some(1)).await;
    let mismatch = params["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|diagnostic| diagnostic["code"] == "charter::type_mismatch")
        .unwrap();
    // `maybe` starts after 4 + 2 (two surrogate pairs) UTF-16 units of non-ASCII text.
    let expected = support::utf16_position(text, text.find("maybe").unwrap());
    assert_eq!(mismatch["range"]["start"], json!({"line": expected.0, "character": expected.1}));
    assert_eq!(expected.1, 37);
}

#[tokio::test]
async fn positions_are_utf8_when_the_client_offers_it() {
    let mut capabilities = default_capabilities();
    capabilities["general"]["positionEncodings"] = json!(["utf-8", "utf-16"]);
    let mut harness = Harness::start_with("basic", capabilities).await;
    harness.open_text(SCRATCH, NON_ASCII).await;
    let params = harness.diagnostics(SCRATCH, Some(1)).await;
    let mismatch = params["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|diagnostic| diagnostic["code"] == "charter::type_mismatch")
        .unwrap();
    let line_start = NON_ASCII.find("person ana").unwrap();
    let byte_column = NON_ASCII.find("maybe").unwrap() - line_start;
    assert_eq!(mismatch["range"]["start"], json!({"line": 1, "character": byte_column}));
    // Requests take byte columns too: hover on `ana` after the multi-byte title.
    let hover = harness
        .result(
            "textDocument/hover",
            json!({"textDocument": {"uri": harness.uri(SCRATCH)}, "position": {"line": 1, "character": 8}}),
        )
        .await;
    assert!(hover["contents"]["value"].as_str().unwrap().contains("person ana"));
    insta::assert_json_snapshot!(
        json!({"diagnostic_range": mismatch["range"], "hover_range": hover["range"]})
    );
}

#[tokio::test]
async fn incremental_edits_after_non_ascii_text_apply_in_utf16() {
    let mut harness = Harness::start("basic").await;
    let text = "person ana \"😀\" { role: \"x\" }\n";
    harness.open_text(SCRATCH, text).await;
    // Replace `x` (after a surrogate pair) with `CFO`.
    let (line, character) = support::utf16_position(text, text.find("x\"").unwrap());
    let version = harness
        .change(SCRATCH, json!([{"range": {"start": {"line": line, "character": character}, "end": {"line": line, "character": character + 1}}, "text": "CFO"}]))
        .await;
    harness.diagnostics(SCRATCH, Some(version)).await;
    let hover = harness
        .result(
            "textDocument/hover",
            json!({"textDocument": {"uri": harness.uri(SCRATCH)}, "position": {"line": 0, "character": 8}}),
        )
        .await;
    assert!(hover["contents"]["value"].as_str().unwrap().contains("\"CFO\""), "{hover}");
}

#[tokio::test]
async fn requests_during_an_edit_storm_are_answered_and_the_last_version_wins() {
    let mut harness = Harness::start("basic").await;
    let mut text = String::from("person storm \"Storm\" {\n  role: \"\"\n}\n");
    harness.open_text(SCRATCH, &text).await;
    let mut answered = 0;
    let mut version = 1;
    for index in 0..60 {
        // Type one character into the role, as a fast typist would.
        let insert_at = text.find("\"\n").unwrap();
        let (line, character) = support::utf16_position(&text, insert_at);
        let letter = if index % 7 == 0 { "é" } else { "a" };
        text.insert_str(insert_at, letter);
        version = harness
            .change(SCRATCH, json!([{"range": {"start": {"line": line, "character": character}, "end": {"line": line, "character": character}}, "text": letter}]))
            .await;
        if index % 5 == 0 {
            let hover = harness
                .request("textDocument/hover", json!({"textDocument": {"uri": harness.uri(SCRATCH)}, "position": {"line": 0, "character": 8}}))
                .await;
            assert!(hover.get("result").is_some(), "{hover}");
            answered += 1;
        }
    }
    assert_eq!(answered, 12);
    let last = harness.diagnostics(SCRATCH, Some(version)).await;
    assert_eq!(last["version"], json!(61));
    let hover = harness
        .result(
            "textDocument/hover",
            json!({"textDocument": {"uri": harness.uri(SCRATCH)}, "position": {"line": 0, "character": 8}}),
        )
        .await;
    let role = text.lines().nth(1).unwrap().trim().trim_start_matches("role: ");
    assert!(hover["contents"]["value"].as_str().unwrap().contains(role), "{hover}");
}

#[tokio::test]
async fn stale_changes_are_ignored() {
    let mut harness = Harness::start("basic").await;
    harness.open_text(SCRATCH, "person a {}\n").await;
    let uri = harness.uri(SCRATCH);
    harness
        .notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 5}, "contentChanges": [{"text": "person b {}\n"}]}))
        .await;
    harness
        .notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"text": "person c {}\n"}]}))
        .await;
    harness.diagnostics(SCRATCH, Some(5)).await;
    let symbols = harness.result("textDocument/documentSymbol", json!({"textDocument": {"uri": uri}})).await;
    assert_eq!(symbols[0]["name"], "b");
}

#[tokio::test]
async fn a_cancelled_request_answers_request_cancelled() {
    let mut harness = Harness::start("basic").await;
    harness.open(PEOPLE).await;
    harness.change_all(PEOPLE, "person a {}\n").await;
    let (id, pending) = harness.start_request(
        "textDocument/hover",
        json!({"textDocument": {"uri": harness.uri(PEOPLE)}, "position": {"line": 0, "character": 8}}),
    );
    harness.notify("$/cancelRequest", json!({"id": id})).await;
    let response =
        serde_json::to_value(tokio::time::timeout(Duration::from_secs(10), pending).await.unwrap().unwrap())
            .unwrap();
    assert_eq!(response["error"]["code"], json!(-32800), "{response}");
}

/// A small deterministic generator, so that failures reproduce.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() as usize) % items.len()]
    }
}

#[tokio::test]
async fn no_input_crashes_the_server() {
    let mut harness = Harness::start("basic").await;
    let pieces = [
        "project",
        "person",
        "rule",
        "test",
        "extend",
        "use",
        "waiver",
        "milestone",
        " ",
        "\n",
        "{",
        "}",
        "[",
        "]",
        "(",
        ")",
        ":",
        ",",
        ".",
        "\"",
        "\"\"\"",
        "///",
        "//",
        "p",
        "alice",
        "grow_share",
        "status",
        "active",
        "for",
        "require",
        "where",
        "let",
        "=",
        "==",
        "1.2M USD",
        "15%",
        "2026-02-30",
        "@",
        "😀",
        "é",
        "\t",
        "\r\n",
        "none",
        "not in",
        "expect",
        "on",
        "\\",
        "\u{0}",
        "9999999999999999999999",
        "-",
        "x.",
    ];
    let mut random = Random(7);
    let uri = harness.uri(SCRATCH);
    harness.open_text(SCRATCH, "").await;
    let mut text = String::new();
    for round in 0..120 {
        let length = (random.next() % 40) as usize;
        let mut piece = String::new();
        for _ in 0..length {
            piece.push_str(random.pick(&pieces));
        }
        if round % 10 == 0 {
            text = piece;
        } else {
            text.push_str(&piece);
        }
        let version = harness.change_all(SCRATCH, &text).await;
        let lines = text.lines().count().max(1) as u64;
        let position = json!({"line": random.next() % (lines + 1), "character": random.next() % 60});
        let at = json!({"textDocument": {"uri": uri}, "position": position});
        for method in [
            "textDocument/hover",
            "textDocument/completion",
            "textDocument/definition",
            "textDocument/prepareRename",
            "textDocument/documentHighlight",
        ] {
            let response = harness.request(method, at.clone()).await;
            assert!(
                response.get("result").is_some() || method == "textDocument/documentHighlight",
                "{method} failed on {text:?}: {response}"
            );
        }
        let mut references = at.clone();
        references["context"] = json!({"includeDeclaration": true});
        assert!(harness.request("textDocument/references", references).await.get("result").is_some());
        let mut rename = at.clone();
        rename["newName"] = json!("renamed");
        harness.request("textDocument/rename", rename).await;
        let document = json!({"textDocument": {"uri": uri}});
        for method in ["textDocument/documentSymbol", "textDocument/semanticTokens/full"] {
            assert!(
                harness.request(method, document.clone()).await.get("result").is_some(),
                "{method} on {text:?}"
            );
        }
        let range = json!({"start": {"line": 0, "character": 0}, "end": position});
        assert!(
            harness
                .request("textDocument/inlayHint", json!({"textDocument": {"uri": uri}, "range": range}))
                .await
                .get("result")
                .is_some()
        );
        assert!(
            harness
                .request(
                    "textDocument/codeAction",
                    json!({"textDocument": {"uri": uri}, "range": range, "context": {"diagnostics": []}})
                )
                .await
                .get("result")
                .is_some()
        );
        assert!(
            harness
                .request(
                    "textDocument/formatting",
                    json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}})
                )
                .await
                .get("result")
                .is_some()
        );
        if round % 20 == 0 {
            harness.diagnostics(SCRATCH, Some(version)).await;
        }
    }
    // Positions far outside the document and URIs the server does not know.
    let far = json!({"textDocument": {"uri": uri}, "position": {"line": 999999, "character": 999999}});
    assert!(harness.request("textDocument/hover", far).await.get("result").is_some());
    let unknown =
        json!({"textDocument": {"uri": "untitled:Untitled-1"}, "position": {"line": 0, "character": 0}});
    assert_eq!(harness.result("textDocument/hover", unknown).await, Value::Null);
    harness.shutdown().await;
}

#[tokio::test]
async fn shutdown_then_exit_is_clean() {
    let mut harness = Harness::start("basic").await;
    let response = harness.request("shutdown", Value::Null).await;
    assert_eq!(response["result"], Value::Null);
    // After shutdown, requests are refused.
    let refused = harness
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": harness.uri(PEOPLE)}, "position": {"line": 0, "character": 0}}),
        )
        .await;
    assert_eq!(refused["error"]["code"], json!(-32600), "{refused}");
}

mod stdio {
    //! The real binary, spoken to over stdin and stdout.

    use super::*;
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

    async fn send(stdin: &mut tokio::process::ChildStdin, message: Value) {
        let body = message.to_string();
        stdin.write_all(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes()).await.unwrap();
        stdin.flush().await.unwrap();
    }

    async fn receive(stdout: &mut BufReader<tokio::process::ChildStdout>) -> Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            stdout.read_line(&mut line).await.unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("Content-Length: ") {
                length = value.parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        stdout.read_exact(&mut body).await.unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    /// The environment of the running server, as `/proc` shows it, once it has answered
    /// `initialize` (so after it started itself again, if it does).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    async fn server_environment(arena_max: Option<&str>) -> Vec<String> {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_charter-lsp"));
        command.env_remove("MALLOC_ARENA_MAX").env_remove("GLIBC_TUNABLES");
        if let Some(value) = arena_max {
            command.env("MALLOC_ARENA_MAX", value);
        }
        let mut child = support::spawn_server(&mut command);
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        send(
            &mut stdin,
            json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}),
        )
        .await;
        let initialized = tokio::time::timeout(Duration::from_secs(20), receive(&mut stdout)).await.unwrap();
        assert_eq!(initialized["result"]["serverInfo"]["name"], "charter-lsp");
        let environ = std::fs::read(format!("/proc/{}/environ", child.id().unwrap())).unwrap();
        environ.split(|byte| *byte == 0).map(|entry| String::from_utf8_lossy(entry).into_owned()).collect()
    }

    /// glibc's malloc arenas kept pieces of old workspaces around; the server runs with one
    /// arena (see `main.rs`), unless the user chose a limit.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[tokio::test]
    async fn the_binary_runs_with_one_malloc_arena_unless_told_otherwise() {
        let arenas = |environment: &[String]| {
            environment
                .iter()
                .filter(|entry| entry.starts_with("MALLOC_ARENA_MAX="))
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(arenas(&server_environment(None).await), ["MALLOC_ARENA_MAX=1"]);
        assert_eq!(arenas(&server_environment(Some("4")).await), ["MALLOC_ARENA_MAX=4"]);
    }

    #[tokio::test]
    async fn the_binary_serves_diagnostics_over_stdio_and_exits_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("charter.toml"), "[check]\ntoday = \"2026-11-26\"\n").unwrap();
        std::fs::write(root.join("a.charter"), "project p { status: actve }\n").unwrap();
        let mut child =
            support::spawn_server(&mut tokio::process::Command::new(env!("CARGO_BIN_EXE_charter-lsp")));
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let root_uri = format!("file://{}", root.display());
        send(&mut stdin, json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}, "rootUri": root_uri, "workspaceFolders": [{"uri": root_uri, "name": "w"}]}})).await;
        let initialized = tokio::time::timeout(Duration::from_secs(20), receive(&mut stdout)).await.unwrap();
        assert_eq!(initialized["result"]["serverInfo"]["name"], "charter-lsp");
        send(&mut stdin, json!({"jsonrpc": "2.0", "method": "initialized", "params": {}})).await;
        let diagnostics = loop {
            let message = tokio::time::timeout(Duration::from_secs(20), receive(&mut stdout)).await.unwrap();
            if message["method"] == "textDocument/publishDiagnostics" {
                break message;
            }
        };
        let codes: Vec<&str> = diagnostics["params"]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|diagnostic| diagnostic["code"].as_str().unwrap())
            .collect();
        assert!(codes.contains(&"charter::type_mismatch"), "{codes:?}");
        send(&mut stdin, json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})).await;
        let shutdown = loop {
            let message = tokio::time::timeout(Duration::from_secs(20), receive(&mut stdout)).await.unwrap();
            if message["id"] == json!(2) {
                break message;
            }
        };
        assert_eq!(shutdown["result"], Value::Null);
        send(&mut stdin, json!({"jsonrpc": "2.0", "method": "exit"})).await;
        let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.unwrap().unwrap();
        assert!(status.success(), "{status}");
    }
}
