//! Diagnostics end to end: what the server publishes for a workspace, after edits, for
//! garbage, for files changed on disk — and that it agrees exactly with `charter check`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod support;

use std::collections::BTreeSet;

use serde_json::{Value, json};
use support::Harness;

const FILES: [&str; 4] = [
    "portfolio/people.charter",
    "portfolio/strategy.charter",
    "portfolio/projects.charter",
    "rules/custom.charter",
];

/// The diagnostics of every file, keyed by file, redacted.
async fn all_diagnostics(harness: &mut Harness) -> Value {
    harness.wait_for_files(&FILES).await;
    let mut files = serde_json::Map::new();
    for file in FILES {
        let params = harness.diagnostics(file, None).await;
        files.insert(file.to_string(), harness.redact(&params["diagnostics"]));
    }
    Value::Object(files)
}

#[tokio::test]
async fn every_file_of_the_workspace_gets_diagnostics_on_startup() {
    let mut harness = Harness::start("basic").await;
    let diagnostics = all_diagnostics(&mut harness).await;
    insta::assert_json_snapshot!(diagnostics);
    harness.shutdown().await;
}

/// A finding as `(file, start byte, end byte, code, severity, message)`.
type Finding = (String, usize, usize, String, String, String);

/// Every finding `charter check` reports for `workspace`.
fn expected_findings(workspace: &charter::Workspace) -> BTreeSet<Finding> {
    let today = workspace.config.check.today.unwrap();
    charter::check(workspace, today)
        .iter()
        .map(|finding| {
            let file = workspace.sources.get(finding.span().file).unwrap();
            (
                file.name.clone(),
                finding.span().start as usize,
                finding.span().end as usize,
                finding.code.to_string(),
                finding.severity.to_string(),
                finding.message.clone(),
            )
        })
        .collect()
}

/// The findings of one `publishDiagnostics` of `file`, whose text is `text`.
fn published_findings(file: &str, text: &str, params: &Value) -> BTreeSet<Finding> {
    let mut published = BTreeSet::new();
    for diagnostic in params["diagnostics"].as_array().unwrap() {
        let range = &diagnostic["range"];
        let start = support::offset(text, &range["start"]);
        let end = support::offset(text, &range["end"]);
        let severity = match diagnostic["severity"].as_u64().unwrap() {
            1 => "error",
            2 => "warning",
            _ => "info",
        };
        let message = diagnostic["message"].as_str().unwrap().lines().next().unwrap().to_string();
        published.insert((
            file.to_string(),
            start,
            end,
            diagnostic["code"].as_str().unwrap().to_string(),
            severity.to_string(),
            message,
        ));
    }
    published
}

#[tokio::test]
async fn diagnostics_agree_exactly_with_charter_check() {
    let mut harness = Harness::start("basic").await;
    harness.wait_for_files(&FILES).await;
    let workspace = charter::load(&[harness.root.clone()]).unwrap();
    let expected = expected_findings(&workspace);
    assert!(!expected.is_empty());
    let mut published = BTreeSet::new();
    for file in FILES {
        let text = std::fs::read_to_string(harness.path(file)).unwrap();
        let params = harness.diagnostics(file, None).await;
        published.extend(published_findings(file, &text, &params));
    }
    assert_eq!(published, expected);
}

/// Edits of every kind the server handles incrementally or not — a value, a declared id,
/// a declaration broken and repaired, a declaration added, a list emptied — in a file with
/// non-ASCII text: afterwards every file's diagnostics are still exactly `charter check`'s
/// on the edited text.
#[tokio::test]
async fn after_a_series_of_edits_diagnostics_still_agree_with_charter_check() {
    let mut harness = Harness::start("basic").await;
    harness.wait_for_files(&FILES).await;
    let edited = "portfolio/projects.charter";
    let mut text = harness.open(edited).await;
    harness.diagnostics(edited, Some(1)).await;
    // The last edits keep the file's shape, so the final diagnostics come from the
    // incremental path.
    let edits: [(&str, &str); 8] = [
        ("budget: 1.2M USD", "budget: 2M USD"),
        ("project mobile_app ", "project mobile_apps "),
        (
            "project data_platform \"Data platform\" {",
            "project data_platform \"Data platform\" {\n  status: ,",
        ),
        ("  status: ,\n", ""),
        (
            "project mobile_apps ",
            "project late_addition \"Late\" { status: proposed }\n\nproject mobile_app ",
        ),
        ("kpis: [cart_abandonment]", "kpis: []"),
        ("budget: 2M USD", "budget: 3M USD"),
        ("project late_addition ", "project later_addition "),
    ];
    for (from, to) in edits {
        let at = text.find(from).unwrap_or_else(|| panic!("`{from}` not found"));
        let (start_line, start_character) = support::utf16_position(&text, at);
        let (end_line, end_character) = support::utf16_position(&text, at + from.len());
        let version = harness
            .change(
                edited,
                json!([{
                    "range": {
                        "start": {"line": start_line, "character": start_character},
                        "end": {"line": end_line, "character": end_character},
                    },
                    "text": to,
                }]),
            )
            .await;
        text.replace_range(at..at + from.len(), to);
        harness.diagnostics(edited, Some(version)).await;
    }
    let edited_path = harness.path(edited);
    let final_text = text.clone();
    let overlay = move |path: &std::path::Path| (path == edited_path).then(|| final_text.clone());
    let workspace = charter::model::Workspace::load_with(&[harness.root.clone()], &overlay).unwrap();
    let expected = expected_findings(&workspace);
    for file in FILES {
        let file_text =
            if file == edited { text.clone() } else { std::fs::read_to_string(harness.path(file)).unwrap() };
        let wanted: BTreeSet<Finding> =
            expected.iter().filter(|finding| finding.0 == file).cloned().collect();
        let params = harness
            .diagnostics_until(file, |params| published_findings(file, &file_text, params) == wanted)
            .await;
        assert_eq!(published_findings(file, &file_text, &params), wanted, "{file}");
    }
}

#[tokio::test]
async fn an_edit_republishes_with_the_document_version() {
    let mut harness = Harness::start("basic").await;
    let file = "portfolio/projects.charter";
    let text = harness.open(file).await;
    let before = harness.diagnostics(file, Some(1)).await;
    assert!(before.to_string().contains("charter::unknown_reference"));
    // Fix the typo `checkout_revmap` with an incremental change.
    let position = harness.at(file, &text, "checkout_revmap", 0, 0);
    let start = position["position"].clone();
    let end = json!({"line": start["line"], "character": start["character"].as_u64().unwrap() + 15});
    let version = harness
        .change(file, json!([{"range": {"start": start, "end": end}, "text": "checkout_revamp"}]))
        .await;
    let after = harness.diagnostics(file, Some(version)).await;
    insta::assert_json_snapshot!(harness.redact(&after));
}

#[tokio::test]
async fn an_edit_in_one_file_updates_the_diagnostics_of_another() {
    let mut harness = Harness::start("basic").await;
    harness.wait_for_files(&FILES).await;
    let file = "portfolio/strategy.charter";
    let text = harness.open(file).await;
    // Renaming the objective breaks the `supports` of two projects in another file.
    let version =
        harness.change_all(file, &text.replace("objective grow_share", "objective grow_shares")).await;
    harness.diagnostics(file, Some(version)).await;
    let projects = harness
        .diagnostics_until("portfolio/projects.charter", |published| {
            published.to_string().contains("grow_shares")
        })
        .await;
    let unknown: Vec<&str> = projects["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|diagnostic| diagnostic["code"] == "charter::unknown_reference")
        .map(|diagnostic| diagnostic["message"].as_str().unwrap())
        .collect();
    insta::assert_json_snapshot!(unknown);
}

/// The edited document's diagnostics are published as soon as its own findings are known,
/// before the other files', and not sent again when the whole workspace is checked.
#[tokio::test]
async fn the_edited_document_is_published_first_and_once() {
    let mut harness = Harness::start("basic").await;
    harness.wait_for_files(&FILES).await;
    let file = "portfolio/strategy.charter";
    let text = harness.open(file).await;
    harness.diagnostics(file, Some(1)).await;
    let mark = harness.received.len();
    let version =
        harness.change_all(file, &text.replace("objective grow_share", "objective grow_shares")).await;
    harness
        .diagnostics_until("portfolio/projects.charter", |published| {
            published.to_string().contains("grow_shares")
        })
        .await;
    let edited = harness.uri(file);
    let publications: Vec<(String, Value, bool)> = harness.received[mark..]
        .iter()
        .filter(|notification| notification["method"] == "textDocument/publishDiagnostics")
        .map(|notification| {
            let params = &notification["params"];
            let uri = params["uri"].as_str().unwrap().to_string();
            (uri, params["version"].clone(), params.to_string().contains("grow_shares"))
        })
        .collect();
    let edited_at =
        publications.iter().position(|(uri, published, _)| *uri == edited && *published == json!(version));
    let others_at = publications.iter().position(|(uri, _, renamed)| *uri != edited && *renamed);
    assert!(edited_at.is_some() && edited_at < others_at, "{publications:#?}");
    let edited_count = publications
        .iter()
        .filter(|(uri, published, _)| *uri == edited && *published == json!(version))
        .count();
    assert_eq!(edited_count, 1, "{publications:#?}");
}

#[tokio::test]
async fn open_documents_override_the_disk_and_closing_returns_to_it() {
    let mut harness = Harness::start("basic").await;
    harness.wait_for_files(&FILES).await;
    let file = "portfolio/people.charter";
    harness.open(file).await;
    let version = harness.change_all(file, "person alice \"Alice\" { executive: maybe }\n").await;
    let edited = harness.diagnostics(file, Some(version)).await;
    assert!(edited.to_string().contains("charter::type_mismatch"), "{edited}");
    harness.notify("textDocument/didClose", json!({"textDocument": {"uri": harness.uri(file)}})).await;
    loop {
        let params = harness.diagnostics(file, None).await;
        if params["version"].is_null() && !params.to_string().contains("type_mismatch") {
            assert_eq!(params["diagnostics"], json!([]));
            break;
        }
        harness.latest.remove(&harness.uri(file));
    }
}

#[tokio::test]
async fn garbage_gets_syntax_diagnostics_and_the_rest_is_still_checked() {
    let mut harness = Harness::start("basic").await;
    let file = "portfolio/garbage.charter";
    let garbage =
        "}}}{{ project ??? \u{0}\u{1F600} \"unterminated\n\nproject ok_one { status: actve }\n@@@ \n";
    harness.open_text(file, garbage).await;
    let params = harness.diagnostics(file, Some(1)).await;
    insta::assert_json_snapshot!(harness.redact(&params));
}

#[tokio::test]
async fn files_changed_outside_the_editor_are_picked_up() {
    let mut harness = Harness::start("basic").await;
    harness.wait_for_files(&FILES).await;
    let file = "portfolio/new.charter";
    std::fs::write(harness.path(file), "project late \"Late\" { status: active, sponsor: nobody }\n")
        .unwrap();
    harness
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": harness.uri(file), "type": 1}]}),
        )
        .await;
    let params = harness.diagnostics(file, None).await;
    let codes: Vec<&str> = params["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|diagnostic| diagnostic["code"].as_str().unwrap())
        .collect();
    insta::assert_json_snapshot!(codes);
    // Deleting it clears its diagnostics.
    std::fs::remove_file(harness.path(file)).unwrap();
    harness.latest.remove(&harness.uri(file));
    harness
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": harness.uri(file), "type": 3}]}),
        )
        .await;
    let cleared = harness.diagnostics(file, None).await;
    assert_eq!(cleared["diagnostics"], json!([]));
}

#[tokio::test]
async fn the_server_registers_file_watchers() {
    let mut harness = Harness::start("basic").await;
    harness.wait_for_files(&FILES).await;
    let registration = harness
        .received
        .iter()
        .find(|message| message["method"] == "client/registerCapability")
        .cloned()
        .expect("a registration");
    insta::assert_json_snapshot!(registration["params"]);
}

#[tokio::test]
async fn mistakes_in_charter_toml_are_findings_at_their_spans() {
    let mut harness = Harness::start("basic").await;
    harness.wait_for_files(&FILES).await;
    let toml = "[check]\ntoday = \"not a date\"\n\n[rules]\ncross_functional_teams = \"off\"\nproject_has_sponsor = \"warn\"\n";
    std::fs::write(harness.path("charter.toml"), toml).unwrap();
    harness
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": harness.uri("charter.toml"), "type": 2}]}),
        )
        .await;
    let params = harness
        .diagnostics_until("charter.toml", |params| {
            params["diagnostics"].as_array().is_some_and(|all| all.len() >= 3)
        })
        .await;
    let found: Vec<String> = params["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|diagnostic| {
            let start = &diagnostic["range"]["start"];
            let end = &diagnostic["range"]["end"];
            format!(
                "{}:{}-{}:{} {}: {}",
                start["line"],
                start["character"],
                end["line"],
                end["character"],
                diagnostic["code"].as_str().unwrap(),
                diagnostic["message"].as_str().unwrap()
            )
        })
        .collect();
    insta::assert_snapshot!(found.join("\n"));
}

#[tokio::test]
async fn a_charter_toml_that_is_not_toml_is_reported_on_it_and_defaults_are_used() {
    let mut harness = Harness::start("basic").await;
    harness.wait_for_files(&FILES).await;
    std::fs::write(harness.path("charter.toml"), "[check\ntoday = 2026-11-26\n").unwrap();
    harness
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": harness.uri("charter.toml"), "type": 2}]}),
        )
        .await;
    let params = harness
        .diagnostics_until("charter.toml", |params| {
            params["diagnostics"].as_array().is_some_and(|all| !all.is_empty())
        })
        .await;
    let message = params["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("invalid `"), "{message}");
    assert_eq!(params["diagnostics"][0]["code"], "charter::config");
}
