//! Findings raised where the user can fix nothing — a std rule, a rule library `use`d
//! from outside the workspace — are reported at the user's entity that triggered them,
//! with the rule's place as related information, in every output format.
//!
//! Fixture: `tests/fixtures/foreign/workspace`, a USD portfolio with one EUR project, which
//! `use`s `tests/fixtures/foreign/library/house.charter` from outside its root.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use serde_json::Value;
use support::{charter, fixture, output, stdout};

fn check(format: &str) -> String {
    stdout(&output(charter(&fixture("foreign/workspace")).args(["check", "--format", format])))
}

#[test]
fn human_output_points_at_the_entity_and_shows_the_rule_after_it() {
    insta::assert_snapshot!(check("human"));
}

#[test]
fn github_annotations_are_in_the_workspace_only() {
    let annotations = check("github");
    insta::assert_snapshot!(annotations);
    let commands: Vec<&str> = annotations.lines().filter(|line| line.starts_with("::")).collect();
    assert_eq!(commands.len(), 4, "{annotations}");
    for line in commands {
        assert!(line.contains("file=tests/fixtures/foreign/workspace/portfolio.charter,"), "{line}");
    }
}

#[test]
fn sarif_results_are_located_in_the_workspace_with_the_rule_as_a_related_location() {
    let sarif: Value = serde_json::from_str(&check("sarif")).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let errors: Vec<&Value> =
        results.iter().filter(|result| result["ruleId"] == "charter::rule_error").collect();
    assert_eq!(errors.len(), 3, "{results:#?}");
    for result in results {
        let location = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(location["uri"], "tests/fixtures/foreign/workspace/portfolio.charter", "{result:#}");
    }
    let related: Vec<String> = errors
        .iter()
        .map(|result| {
            let location = &result["relatedLocations"][0];
            format!(
                "{} {}:{} — {}",
                location["physicalLocation"]["artifactLocation"]["uriBaseId"].as_str().unwrap_or("-"),
                location["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap(),
                location["physicalLocation"]["region"]["startLine"],
                location["message"]["text"].as_str().unwrap()
            )
        })
        .collect();
    insta::assert_snapshot!(related.join("\n"));
}

#[test]
fn json_names_the_subject_entity_of_each_rule_error() {
    let json: Value = serde_json::from_str(&check("json")).unwrap();
    let errors: Vec<String> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["code"] == "charter::rule_error")
        .map(|finding| {
            format!("{} {} {}", finding["entity"], finding["file"], finding["span"]["start"]["line"])
        })
        .collect();
    insta::assert_snapshot!(errors.join("\n"));
}
