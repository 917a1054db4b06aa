//! Completion as a client that filters on its own sees it (Neovim's built-in completion):
//! every item has a `filterText` and a `textEdit` whose range covers the typed prefix,
//! and the client keeps the items whose `filterText` starts with the text in that range.
//! Nothing is offered after a finished value and a space, and fields the entity already
//! sets are not offered.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod support;

use serde_json::{Value, json};
use support::{Harness, offset};

const SCRATCH: &str = "portfolio/scratch.charter";

/// The labels a filtering client shows at the `|` in `text` (which is removed), with the
/// text each would insert.
async fn shown(text: &str) -> Vec<Value> {
    let cursor = text.find('|').unwrap();
    let text = text.replacen('|', "", 1);
    let mut harness = Harness::start("basic").await;
    harness.open_text(SCRATCH, &text).await;
    harness.diagnostics(SCRATCH, Some(1)).await;
    let (line, character) = support::utf16_position(&text, cursor);
    let result = harness
        .result(
            "textDocument/completion",
            json!({"textDocument": {"uri": harness.uri(SCRATCH)}, "position": {"line": line, "character": character}}),
        )
        .await;
    harness.shutdown().await;
    let items = result["items"].as_array().cloned().unwrap_or_default();
    items
        .iter()
        .filter(|item| {
            let edit = &item["textEdit"];
            let (start, end) = (offset(&text, &edit["range"]["start"]), offset(&text, &edit["range"]["end"]));
            assert_eq!(end, cursor, "the edit of {item} does not end at the cursor");
            let typed = &text[start..end];
            let filter = item["filterText"].as_str().unwrap_or_else(|| panic!("no filterText in {item}"));
            filter.starts_with(typed)
        })
        .map(|item| json!({"label": item["label"], "newText": item["textEdit"]["newText"]}))
        .collect()
}

fn labels(items: &[Value]) -> Vec<&str> {
    items.iter().map(|item| item["label"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn a_typed_reference_prefix_keeps_only_the_matching_people() {
    let items = shown("project p \"P\" {\n  sponsor: al|\n}\n").await;
    insta::assert_json_snapshot!(items);
}

#[tokio::test]
async fn a_typed_field_prefix_keeps_only_the_matching_fields() {
    let items = shown("project p \"P\" {\n  status: active\n  sp|\n}\n").await;
    assert!(labels(&items).iter().all(|label| label.starts_with("sp")), "{items:?}");
    insta::assert_json_snapshot!(items);
}

#[tokio::test]
async fn an_id_in_a_list_replaces_only_its_own_prefix() {
    let items = shown("project p \"P\" {\n  supports: [grow_share, dig|]\n}\n").await;
    assert_eq!(labels(&items), ["digital_first"]);
}

#[tokio::test]
async fn nothing_is_offered_after_a_finished_value_and_a_space() {
    assert_eq!(shown("project p \"P\" {\n  budget: 1.2M USD |\n}\n").await, Vec::<Value>::new());
    assert_eq!(shown("project p \"P\" {\n  status: active |\n}\n").await, Vec::<Value>::new());
}

#[tokio::test]
async fn fields_the_entity_already_sets_are_not_offered() {
    let items = shown("project p \"P\" {\n  s|\n  status: active\n  sponsor: alice\n  milestone m \"M\" { start: 2026-01-01 }\n}\n").await;
    let offered = labels(&items);
    assert!(!offered.contains(&"status") && !offered.contains(&"sponsor"), "{offered:?}");
    // A field only a nested entity sets is still offered.
    assert!(offered.contains(&"start"), "{offered:?}");
    insta::assert_json_snapshot!(offered);
}
