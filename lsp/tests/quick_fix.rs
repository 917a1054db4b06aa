//! The "add a missing field" quick fix puts the field after the entity's last field,
//! before its nested entities (milestones, risks) and their doc comments. Snapshots show
//! the text after the fix is applied.

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

/// `text` with the edits of the code action titled `title` on `needle` applied.
async fn fixed(text: &str, needle: &str, title: &str) -> String {
    let mut harness = Harness::start("basic").await;
    harness.open_text(SCRATCH, text).await;
    let diagnostics = harness.diagnostics(SCRATCH, Some(1)).await;
    let at = harness.at(SCRATCH, text, needle, 0, 0);
    let params = json!({
        "textDocument": at["textDocument"],
        "range": {"start": at["position"], "end": at["position"]},
        "context": {"diagnostics": diagnostics["diagnostics"]}
    });
    let actions = harness.result("textDocument/codeAction", params).await;
    let titles: Vec<&Value> = actions.as_array().unwrap().iter().map(|action| &action["title"]).collect();
    let action = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|action| action["title"] == title)
        .unwrap_or_else(|| panic!("no `{title}` among {titles:?}"));
    let mut edits: Vec<Value> = action["edit"]["changes"][harness.uri(SCRATCH)].as_array().unwrap().clone();
    edits.sort_by_key(|edit| std::cmp::Reverse(offset(text, &edit["range"]["start"])));
    let mut result = text.to_string();
    for edit in edits {
        let start = offset(text, &edit["range"]["start"]);
        let end = offset(text, &edit["range"]["end"]);
        result.replace_range(start..end, edit["newText"].as_str().unwrap());
    }
    harness.shutdown().await;
    result
}

#[tokio::test]
async fn a_missing_field_goes_after_the_last_field_before_milestones_and_risks() {
    let text = "project launch \"Launch\" {
  status: active
  budget: 10k USD // approved in May
  supports: [grow_share]
  kpis: [market_share]

  milestone alpha \"Alpha\" { date: 2026-03-01, status: planned }
  /// The part most likely to slip.
  risk churn \"Churn\" { impact: low, likelihood: low }
}
";
    insta::assert_snapshot!(fixed(text, "launch", "add `sponsor: alice`").await);
}

#[tokio::test]
async fn a_missing_field_of_an_entity_with_only_nested_entities_goes_above_them() {
    let text = "project bare \"Bare\" {
  /// The first one.
  milestone alpha \"Alpha\" { date: 2026-03-01, status: planned }
}
";
    insta::assert_snapshot!(fixed(text, "bare", "add `sponsor: alice`").await);
}

#[tokio::test]
async fn a_missing_field_of_a_one_line_entity_follows_its_fields() {
    let text = "project tiny \"Tiny\" { status: active, budget: 1k USD }\n";
    insta::assert_snapshot!(fixed(text, "tiny", "add `sponsor: alice`").await);
}
