//! Hover, go to definition, find references, rename and symbols, end to end.

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
const PEOPLE: &str = "portfolio/people.charter";
const RULES: &str = "rules/custom.charter";

async fn opened(file: &str) -> (Harness, String) {
    let mut harness = Harness::start("basic").await;
    let text = harness.open(file).await;
    harness.diagnostics(file, Some(1)).await;
    (harness, text)
}

async fn hover_at(file: &str, needle: &str, nth: usize, shift: u32) -> Value {
    let (mut harness, text) = opened(file).await;
    let params = harness.at(file, &text, needle, nth, shift);
    let result = harness.result("textDocument/hover", params).await;
    harness.redact(&result)
}

#[tokio::test]
async fn hover_on_a_project_reference_shows_kind_title_fields_and_referrers() {
    insta::assert_json_snapshot!(hover_at(PROJECTS, "checkout_revamp]", 0, 2).await);
}

#[tokio::test]
async fn hover_on_a_metric_shows_progress_and_on_track() {
    insta::assert_json_snapshot!(hover_at(STRATEGY, "metric market_share", 0, 8).await);
}

#[tokio::test]
async fn hover_on_a_person_with_non_ascii_title_and_doc() {
    insta::assert_json_snapshot!(hover_at(PEOPLE, "person zoe", 0, 8).await);
}

#[tokio::test]
async fn hover_on_a_field_shows_its_type_and_meaning() {
    insta::assert_json_snapshot!(hover_at(PROJECTS, "sponsor:", 0, 1).await);
}

#[tokio::test]
async fn hover_on_a_waived_rule_shows_its_summary_and_doc() {
    insta::assert_json_snapshot!(hover_at(RULES, "project_has_budget", 0, 1).await);
}

#[tokio::test]
async fn hover_on_a_rule_declaration_shows_its_settings() {
    insta::assert_json_snapshot!(hover_at(RULES, "spend_under_control", 0, 0).await);
}

#[tokio::test]
async fn hover_on_a_member_in_a_rule_explains_the_field() {
    insta::assert_json_snapshot!(hover_at(RULES, "p.budget", 0, 3).await);
}

#[tokio::test]
async fn hover_on_a_nested_entity_reference_segment() {
    let (mut harness, _) = opened(PROJECTS).await;
    let text = "project extra { status: done, depends_on: [checkout_revamp] }\nwaiver w { rule: milestone_overdue, applies_to: [checkout_revamp.beta], reason: \"x\", approved_by: alice, expires: 2027-01-01 }\n";
    let file = "portfolio/extra.charter";
    harness.open_text(file, text).await;
    harness.diagnostics(file, Some(1)).await;
    let on_parent =
        harness.result("textDocument/hover", harness.at(file, text, "checkout_revamp.beta", 0, 2)).await;
    let on_child =
        harness.result("textDocument/hover", harness.at(file, text, "checkout_revamp.beta", 0, 17)).await;
    assert!(on_parent["contents"]["value"].as_str().unwrap().contains("project checkout_revamp"));
    assert!(on_child["contents"]["value"].as_str().unwrap().contains("milestone checkout_revamp.beta"));
    insta::assert_json_snapshot!(json!([on_parent["range"], on_child["range"]]));
}

#[tokio::test]
async fn hover_on_nothing_is_null() {
    let (mut harness, text) = opened(PROJECTS).await;
    let result = harness.result("textDocument/hover", harness.at(PROJECTS, &text, "\n\n", 0, 0)).await;
    assert_eq!(result, Value::Null);
}

#[tokio::test]
async fn definition_of_a_reference_in_another_file() {
    let (mut harness, text) = opened(PROJECTS).await;
    let result =
        harness.result("textDocument/definition", harness.at(PROJECTS, &text, "grow_share", 0, 3)).await;
    insta::assert_json_snapshot!(harness.redact(&result));
}

#[tokio::test]
async fn definition_of_a_waivers_rule_opens_the_std_library() {
    let (mut harness, text) = opened(RULES).await;
    let result =
        harness.result("textDocument/definition", harness.at(RULES, &text, "project_has_budget", 0, 3)).await;
    let redacted = harness.redact(&result);
    let uri = redacted[0]["uri"].as_str().unwrap();
    assert!(uri.starts_with("file:///[std]/"), "{uri}");
    let name = uri.trim_start_matches("file:///[std]/");
    let (_, std_text) = charter::stdlib::FILES.iter().find(|(file, _)| file.ends_with(name)).unwrap();
    let line = std_text.lines().nth(result[0]["range"]["start"]["line"].as_u64().unwrap() as usize).unwrap();
    assert!(line.contains("rule project_has_budget"), "{line}");
    insta::assert_json_snapshot!(redacted);
}

#[tokio::test]
async fn definition_of_a_use_path_opens_the_file() {
    let mut harness = Harness::start("basic").await;
    let file = "portfolio/uses.charter";
    let text = "use \"../rules/custom.charter\"\n";
    harness.open_text(file, text).await;
    harness.diagnostics(file, Some(1)).await;
    let result = harness.result("textDocument/definition", harness.at(file, text, "custom", 0, 0)).await;
    insta::assert_json_snapshot!(harness.redact(&result));
}

#[tokio::test]
async fn references_across_files_with_and_without_the_declaration() {
    let (mut harness, text) = opened(PEOPLE).await;
    let mut params = harness.at(PEOPLE, &text, "person alice", 0, 8);
    params["context"] = json!({"includeDeclaration": true});
    let with = harness.result("textDocument/references", params.clone()).await;
    params["context"] = json!({"includeDeclaration": false});
    let without = harness.result("textDocument/references", params).await;
    assert_eq!(with.as_array().unwrap().len(), without.as_array().unwrap().len() + 1);
    insta::assert_json_snapshot!(harness.redact(&with));
}

#[tokio::test]
async fn references_of_a_rule_include_waivers() {
    let (mut harness, text) = opened(RULES).await;
    let mut params = harness.at(RULES, &text, "project_has_budget", 0, 0);
    params["context"] = json!({"includeDeclaration": true});
    let result = harness.result("textDocument/references", params).await;
    insta::assert_json_snapshot!(harness.redact(&result));
}

#[tokio::test]
async fn prepare_rename_gives_the_id_and_refuses_keywords() {
    let (mut harness, text) = opened(PROJECTS).await;
    let on_id = harness
        .result("textDocument/prepareRename", harness.at(PROJECTS, &text, "checkout_revamp", 0, 3))
        .await;
    let on_kind =
        harness.result("textDocument/prepareRename", harness.at(PROJECTS, &text, "project", 0, 1)).await;
    insta::assert_json_snapshot!(json!({"on_id": on_id, "on_kind": on_kind}));
}

#[tokio::test]
async fn rename_an_entity_across_files() {
    let (mut harness, text) = opened(STRATEGY).await;
    let mut params = harness.at(STRATEGY, &text, "objective grow_share", 0, 12);
    params["newName"] = json!("win_market");
    let result = harness.result("textDocument/rename", params).await;
    insta::assert_json_snapshot!(harness.redact(&result), {".changes" => insta::sorted_redaction()});
}

#[tokio::test]
async fn rename_a_project_renames_references_to_its_nested_entities() {
    let mut harness = Harness::start("basic").await;
    let file = "portfolio/extra.charter";
    let text = "waiver w { rule: milestone_overdue, applies_to: [checkout_revamp.beta], reason: \"x\", approved_by: alice, expires: 2027-01-01 }\n";
    harness.open_text(file, text).await;
    harness.diagnostics(file, Some(1)).await;
    let mut params = harness.at(file, text, "checkout_revamp", 0, 1);
    params["newName"] = json!("checkout");
    let result = harness.result("textDocument/rename", params).await;
    insta::assert_json_snapshot!(harness.redact(&result), {".changes" => insta::sorted_redaction()});
}

#[tokio::test]
async fn rename_refuses_invalid_and_taken_ids() {
    let (mut harness, text) = opened(PROJECTS).await;
    let mut params = harness.at(PROJECTS, &text, "mobile_app", 0, 1);
    params["newName"] = json!("1bad-id");
    let invalid = harness.request("textDocument/rename", params.clone()).await;
    params["newName"] = json!("data_platform");
    let taken = harness.request("textDocument/rename", params).await;
    insta::assert_json_snapshot!(json!({"invalid": invalid["error"], "taken": taken["error"]}));
}

#[tokio::test]
async fn document_symbols_are_hierarchical() {
    let (mut harness, _) = opened(PROJECTS).await;
    let result = harness
        .result("textDocument/documentSymbol", json!({"textDocument": {"uri": harness.uri(PROJECTS)}}))
        .await;
    insta::assert_json_snapshot!(result);
}

#[tokio::test]
async fn document_symbols_are_flat_for_older_clients() {
    let mut harness = Harness::start_with("basic", json!({})).await;
    harness.open(RULES).await;
    harness.diagnostics(RULES, Some(1)).await;
    let result = harness
        .result("textDocument/documentSymbol", json!({"textDocument": {"uri": harness.uri(RULES)}}))
        .await;
    insta::assert_json_snapshot!(harness.redact(&result));
}

#[tokio::test]
async fn workspace_symbols_match_fuzzily_across_files_and_rules() {
    let (mut harness, _) = opened(PROJECTS).await;
    let result = harness.result("workspace/symbol", json!({"query": "chk"})).await;
    let sponsor = harness.result("workspace/symbol", json!({"query": "sponsor"})).await;
    insta::assert_json_snapshot!(harness.redact(&json!({"chk": result, "sponsor": sponsor})));
}
