//! The std library's sources: "go to definition" into std opens a read-only file in the
//! workspace's `.charter_cache`, which the same server answers for — hover, definition,
//! semantic tokens and document symbols work inside it, and it is never checked as a
//! workspace file.

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

const RULES: &str = "rules/custom.charter";

/// The std file a definition of `project_has_budget` leads to, relative to the root, and
/// its text.
async fn std_file_of_a_waivers_rule(harness: &mut Harness) -> (String, String) {
    let text = harness.open(RULES).await;
    harness.diagnostics(RULES, Some(1)).await;
    let result =
        harness.result("textDocument/definition", harness.at(RULES, &text, "project_has_budget", 0, 3)).await;
    let uri = result[0]["uri"].as_str().unwrap().to_string();
    let prefix = harness.uri("");
    let relative =
        uri.strip_prefix(&format!("{prefix}/")).unwrap_or_else(|| panic!("{uri} is not below the root"));
    let text = std::fs::read_to_string(harness.path(relative)).unwrap();
    (relative.to_string(), text)
}

#[tokio::test]
async fn definition_into_std_opens_a_read_only_file_in_the_workspace_cache() {
    let mut harness = Harness::start("basic").await;
    let (relative, text) = std_file_of_a_waivers_rule(&mut harness).await;
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(relative, format!(".charter_cache/std/{version}/delivery.charter"));
    let (_, embedded) =
        charter::stdlib::FILES.iter().find(|(name, _)| name.ends_with("delivery.charter")).unwrap();
    assert_eq!(text, *embedded);
    let permissions = std::fs::metadata(harness.path(&relative)).unwrap().permissions();
    assert!(permissions.readonly(), "{permissions:?}");
    assert_eq!(std::fs::read_to_string(harness.path(".charter_cache/.gitignore")).unwrap(), "*\n");
    harness.shutdown().await;
}

#[tokio::test]
async fn hover_definition_tokens_and_symbols_answer_inside_std() {
    let mut harness = Harness::start("basic").await;
    let (relative, text) = std_file_of_a_waivers_rule(&mut harness).await;
    harness.open_text(&relative, &text).await;
    let uri = harness.uri(&relative);

    let hover = harness.result("textDocument/hover", harness.at(&relative, &text, "p.start", 0, 2)).await;
    assert!(hover["contents"]["value"].as_str().is_some_and(|value| value.contains("start")), "{hover}");

    // From a test's `expect` to the rule it names, in the same std file.
    let definition = harness
        .result("textDocument/definition", harness.at(&relative, &text, "expect project_dates_ordered", 0, 7))
        .await;
    assert_eq!(definition[0]["uri"], json!(uri), "{definition}");
    let line = definition[0]["range"]["start"]["line"].as_u64().unwrap() as usize;
    assert!(text.lines().nth(line).unwrap().starts_with("rule project_dates_ordered"));

    let tokens =
        harness.result("textDocument/semanticTokens/full", json!({"textDocument": {"uri": uri}})).await;
    assert!(tokens["data"].as_array().is_some_and(|data| !data.is_empty()), "{tokens}");

    let symbols = harness.result("textDocument/documentSymbol", json!({"textDocument": {"uri": uri}})).await;
    let names: Vec<&str> =
        symbols.as_array().unwrap().iter().map(|symbol| symbol["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"project_dates_ordered"), "{names:?}");
    harness.shutdown().await;
}

#[tokio::test]
async fn an_open_std_file_is_not_a_workspace_file() {
    let mut harness = Harness::start("basic").await;
    let (relative, text) = std_file_of_a_waivers_rule(&mut harness).await;
    harness.open_text(&relative, &text).await;
    // Opening the std file changes nothing the workspace reports: its rules are not
    // duplicates of themselves, and it gets no findings of its own. An edit of the rules
    // file, published after the std file was opened, shows the analysis that saw it.
    let rules_text = std::fs::read_to_string(harness.path(RULES)).unwrap();
    let version = harness.change_all(RULES, &format!("{rules_text}\n")).await;
    let rules = harness.diagnostics(RULES, Some(version)).await;
    let codes: Vec<&Value> =
        rules["diagnostics"].as_array().unwrap().iter().map(|diagnostic| &diagnostic["code"]).collect();
    assert!(
        !codes.iter().any(|code| code.as_str().is_some_and(|code| code.contains("duplicate"))),
        "{codes:?}"
    );
    let std_uri = harness.uri(&relative);
    let std_diagnostics = harness.latest.get(&std_uri).map(|params| params["diagnostics"].clone());
    assert!(
        std_diagnostics.as_ref().is_none_or(|diagnostics| *diagnostics == json!([])),
        "{std_diagnostics:?}"
    );
    harness.shutdown().await;
}
