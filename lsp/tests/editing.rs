//! Completion, code actions, formatting, semantic tokens and inlay hints, end to end.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod support;

use serde_json::{Value, json};
use support::Harness;

const PROJECTS: &str = "portfolio/projects.charter";
const STRATEGY: &str = "portfolio/strategy.charter";
const SCRATCH: &str = "portfolio/scratch.charter";

/// The labels (and details) offered at the end of `text`, typed into a new file.
async fn complete(text: &str) -> Value {
    let mut harness = Harness::start("basic").await;
    harness.open_text(SCRATCH, text).await;
    harness.diagnostics(SCRATCH, Some(1)).await;
    let (line, character) = support::utf16_position(text, text.len());
    let result = harness
        .result(
            "textDocument/completion",
            json!({"textDocument": {"uri": harness.uri(SCRATCH)}, "position": {"line": line, "character": character}}),
        )
        .await;
    let items: Vec<Value> = result["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| json!({"label": item["label"], "kind": item["kind"], "detail": item["detail"], "newText": item["textEdit"]["newText"]}))
        .collect();
    Value::Array(items)
}

#[tokio::test]
async fn completion_of_field_names_for_the_entity_kind() {
    insta::assert_json_snapshot!(complete("project p \"P\" {\n  status: active\n  sp").await);
}

#[tokio::test]
async fn completion_of_ids_filtered_by_the_fields_reference_kind() {
    insta::assert_json_snapshot!(complete("project p {\n  supports: [grow_share, ").await);
}

#[tokio::test]
async fn completion_of_people_for_sponsor() {
    insta::assert_json_snapshot!(complete("project p {\n  sponsor: a").await);
}

#[tokio::test]
async fn completion_of_enum_values() {
    insta::assert_json_snapshot!(complete("project p {\n  milestone m { status: ").await);
}

#[tokio::test]
async fn completion_of_keywords_at_the_top_level() {
    insta::assert_json_snapshot!(complete("/// doc\n").await);
}

#[tokio::test]
async fn completion_of_fields_after_a_dot_in_a_rule() {
    insta::assert_json_snapshot!(complete("rule r {\n  for project p\n  require p.supports.").await);
}

#[tokio::test]
async fn completion_of_lambda_variable_members_in_a_rule() {
    insta::assert_json_snapshot!(
        complete("rule r {\n  for objective o\n  require o.projects.all(x, x.spon").await
    );
}

#[tokio::test]
async fn completion_of_enum_values_after_a_comparison_in_a_rule() {
    insta::assert_json_snapshot!(complete("rule r {\n  for project p where p.methodology == ").await);
}

#[tokio::test]
async fn completion_of_rule_names_for_a_waiver() {
    let items = complete("waiver w {\n  rule: proj").await;
    let labels: Vec<&str> =
        items.as_array().unwrap().iter().map(|item| item["label"].as_str().unwrap()).collect();
    assert!(labels.contains(&"project_has_sponsor"));
    assert!(labels.contains(&"spend_under_control"));
}

#[tokio::test]
async fn completion_inside_a_string_offers_nothing() {
    assert_eq!(complete("project p { title: \"Che").await, json!([]));
}

async fn actions_at(file: &str, text_override: Option<&str>, needle: &str) -> (Harness, Value) {
    let mut harness = Harness::start("basic").await;
    let text = match text_override {
        Some(text) => {
            harness.open_text(file, text).await;
            text.to_string()
        }
        None => harness.open(file).await,
    };
    let diagnostics = harness.diagnostics(file, Some(1)).await;
    let at = harness.at(file, &text, needle, 0, 0);
    let params = json!({
        "textDocument": at["textDocument"],
        "range": {"start": at["position"], "end": at["position"]},
        "context": {"diagnostics": diagnostics["diagnostics"]}
    });
    let result = harness.result("textDocument/codeAction", params).await;
    let summary: Vec<Value> = result
        .as_array()
        .unwrap()
        .iter()
        .map(|action| json!({"title": action["title"], "preferred": action["isPreferred"], "code": action["diagnostics"][0]["code"], "edit": action["edit"]}))
        .collect();
    let redacted = harness.redact(&Value::Array(summary));
    (harness, redacted)
}

#[tokio::test]
async fn code_actions_for_an_unknown_reference_offer_the_closest_ids() {
    let (_, actions) = actions_at(PROJECTS, None, "checkout_revmap").await;
    insta::assert_json_snapshot!(actions);
}

#[tokio::test]
async fn code_actions_for_a_missing_sponsor_insert_the_field_or_a_waiver() {
    let (_, actions) = actions_at(PROJECTS, None, "mobile_app").await;
    insta::assert_json_snapshot!(actions);
}

#[tokio::test]
async fn code_action_inserts_a_field_into_a_one_line_entity() {
    let text = "project tiny \"Tiny\" { status: active, budget: 1k USD }\n";
    let (_, actions) = actions_at(SCRATCH, Some(text), "tiny").await;
    let titles: Vec<&str> =
        actions.as_array().unwrap().iter().map(|action| action["title"].as_str().unwrap()).collect();
    insta::assert_json_snapshot!(titles);
    let sponsor =
        actions.as_array().unwrap().iter().find(|action| action["title"] == "add `sponsor: alice`").unwrap();
    insta::assert_json_snapshot!("one_line_sponsor_edit", sponsor["edit"]);
}

#[tokio::test]
async fn formatting_returns_a_minimal_edit_and_none_for_broken_files() {
    let mut harness = Harness::start("basic").await;
    let text = "project   p \"P\"{status:active\n   budget: 1k USD}\n";
    harness.open_text(SCRATCH, text).await;
    harness.diagnostics(SCRATCH, Some(1)).await;
    let options = json!({"tabSize": 2, "insertSpaces": true});
    let edits = harness
        .result(
            "textDocument/formatting",
            json!({"textDocument": {"uri": harness.uri(SCRATCH)}, "options": options}),
        )
        .await;
    let version = harness.change_all(SCRATCH, "project p {{{").await;
    harness.diagnostics(SCRATCH, Some(version)).await;
    let broken = harness
        .result(
            "textDocument/formatting",
            json!({"textDocument": {"uri": harness.uri(SCRATCH)}, "options": options}),
        )
        .await;
    insta::assert_json_snapshot!(json!({"edits": edits, "broken": broken}));
}

#[tokio::test]
async fn range_formatting_touches_only_the_declarations_in_range() {
    let mut harness = Harness::start("basic").await;
    let text = "person a {role:\"x\"}\n\nperson b {role:\"y\"}\n";
    harness.open_text(SCRATCH, text).await;
    harness.diagnostics(SCRATCH, Some(1)).await;
    let edits = harness
        .result(
            "textDocument/rangeFormatting",
            json!({"textDocument": {"uri": harness.uri(SCRATCH)}, "range": {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 3}}, "options": {"tabSize": 2, "insertSpaces": true}}),
        )
        .await;
    insta::assert_json_snapshot!(edits);
}

/// Decodes semantic tokens into `(line, start, text, type, modifiers)` rows.
fn decode(text: &str, data: &Value, legend: &Value) -> Vec<String> {
    let numbers: Vec<u64> = data.as_array().unwrap().iter().map(|number| number.as_u64().unwrap()).collect();
    let lines: Vec<&str> = text.lines().collect();
    let mut line = 0u64;
    let mut start = 0u64;
    let mut rows = Vec::new();
    for chunk in numbers.chunks(5) {
        if chunk[0] > 0 {
            line += chunk[0];
            start = chunk[1];
        } else {
            start += chunk[1];
        }
        let units: Vec<u16> = lines[line as usize].encode_utf16().collect();
        let word = String::from_utf16_lossy(&units[start as usize..(start + chunk[2]) as usize]);
        let kind = legend["tokenTypes"][chunk[3] as usize].as_str().unwrap();
        let modifiers: Vec<&str> = (0..3)
            .filter(|bit| chunk[4] & (1 << bit) != 0)
            .map(|bit| legend["tokenModifiers"][bit].as_str().unwrap())
            .collect();
        rows.push(format!("{line}:{start} {word:?} {kind} {}", modifiers.join(",")).trim_end().to_string());
    }
    rows
}

#[tokio::test]
async fn semantic_tokens_classify_kinds_ids_fields_references_and_rules() {
    let mut harness = Harness::start("basic").await;
    let legend = json!({
        "tokenTypes": ["keyword", "type", "variable", "property", "enumMember", "function", "parameter", "method", "string", "number", "comment", "operator"],
        "tokenModifiers": ["declaration", "documentation", "defaultLibrary"]
    });
    let text = std::fs::read_to_string(harness.path("rules/custom.charter")).unwrap();
    let extra = "/// Zoë's café 😀\nproject cafe_free \"Café — ☕\" { status: active, teams: [it] } // ok\n";
    harness.open("rules/custom.charter").await;
    harness.open_text(SCRATCH, extra).await;
    harness.diagnostics(SCRATCH, Some(1)).await;
    let rules = harness
        .result(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": harness.uri("rules/custom.charter")}}),
        )
        .await;
    let scratch = harness
        .result("textDocument/semanticTokens/full", json!({"textDocument": {"uri": harness.uri(SCRATCH)}}))
        .await;
    insta::assert_json_snapshot!(
        json!({"rules": decode(&text, &rules["data"], &legend), "non_ascii": decode(extra, &scratch["data"], &legend)})
    );
}

#[tokio::test]
async fn inlay_hints_show_metric_progress_and_objective_links() {
    let mut harness = Harness::start("basic").await;
    harness.open(STRATEGY).await;
    harness.diagnostics(STRATEGY, Some(1)).await;
    let hints = harness
        .result(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": harness.uri(STRATEGY)}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 100, "character": 0}}}),
        )
        .await;
    insta::assert_json_snapshot!(hints);
}
