//! Hostile numbers and lines through the real `charter` binary: values at the edge of the
//! decimal range and lines past 65,535 columns never crash a command (exit 101); an
//! overflow is a diagnostic, and a report shows what cannot be computed as `n/a`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use insta::assert_snapshot;
use insta_cmd::get_cargo_bin;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::workspace;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile/arith").join(name)
}

/// Runs `charter ARGS` in `directory`; the exit code, then stdout and stderr.
fn run(directory: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(get_cargo_bin("charter"))
        .current_dir(directory)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    let code = output.status.code().expect("charter was killed by a signal");
    (code, String::from_utf8(output.stdout).unwrap(), String::from_utf8(output.stderr).unwrap())
}

/// The exit code and both streams, as one snapshot.
fn transcript(directory: &Path, args: &[&str]) -> String {
    let (code, stdout, stderr) = run(directory, args);
    format!("exit: {code}\n--- stdout\n{stdout}--- stderr\n{stderr}")
}

/// The lines of `text` that mention any of `words`, trimmed: the part of a large output
/// a test is about.
fn lines_with(text: &str, words: &[&str]) -> String {
    text.lines()
        .filter(|line| words.iter().any(|word| line.contains(word)))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
}

const CONFIG: &str = "[check]\ntoday = \"2026-11-26\"\nstd = false\n";

#[test]
fn overflowing_metric_is_a_type_mismatch_in_check() {
    assert_snapshot!(transcript(&fixture("overflow"), &["check"]));
}

#[test]
fn overflowing_metric_exports_without_its_computed_fields() {
    let (code, stdout, stderr) = run(&fixture("overflow"), &["export"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let export: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let entity = |id: &str| {
        export["entities"].as_array().unwrap().iter().find(|entity| entity["id"] == id).unwrap().clone()
    };
    let huge = entity("huge");
    let big = entity("big");
    assert_snapshot!(
        serde_json::to_string_pretty(&serde_json::json!({
            "huge.fields": huge["fields"],
            "huge.computed": huge["computed"],
            "big.fields.budget": big["fields"]["budget"],
            "big.computed": big["computed"],
        }))
        .unwrap()
    );
}

#[test]
fn overflowing_values_are_not_available_in_the_markdown_report() {
    let (code, stdout, stderr) = run(&fixture("overflow"), &["report", "--format", "markdown", "."]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_snapshot!(lines_with(
        &stdout,
        &["Huge", "Live budget", "| 1 |", "Grow (`grow`) |", "Unaligned", "live budget ("]
    ));
}

#[test]
fn overflowing_values_are_not_available_in_the_html_report() {
    let (code, stdout, stderr) = run(&fixture("overflow"), &["report", "--format", "html", "."]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(!stdout.contains("<figure class=\"chart\">"), "no chart without shares");
    assert_snapshot!(lines_with(&stdout, &["n/a", "<code>huge</code>"]));
}

#[test]
fn overflowing_values_are_null_in_the_json_report() {
    let (code, stdout, stderr) = run(&fixture("overflow"), &["report", "--format", "json", "."]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let objective = &report["objectives"][0];
    assert_snapshot!(
        serde_json::to_string_pretty(&serde_json::json!({
            "summary.live_budget": report["summary"]["live_budget"],
            "allocation": report["allocation"],
            "grow.allocation_received": objective["allocation_received"],
            "huge": objective["metrics"][0],
            "big.budget": objective["projects"][0]["budget"],
        }))
        .unwrap()
    );
}

#[test]
fn overflowing_metric_draws_in_the_graph() {
    let (code, stdout, stderr) = run(&fixture("overflow"), &["graph", "--format", "dot", "."]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(stdout.contains("huge"), "{stdout}");
    assert_snapshot!(transcript(&fixture("overflow"), &["graph", "--format", "mermaid", "."]));
}

#[test]
fn overflowing_metric_explains_in_why() {
    assert_snapshot!(transcript(&fixture("overflow"), &["why", "huge"]));
}

#[test]
fn rule_arithmetic_overflow_is_a_rule_error() {
    assert_snapshot!(transcript(&fixture("rules"), &["check"]));
}

/// A person whose title is 70,000 characters long, with `team:` naming an unknown team
/// after it (an error at column 70,025), and a second long line with the error in its
/// middle.
fn long_lines() -> String {
    format!(
        "person alice \"{}\" {{ team: nosuch }}\nperson bob \"{}\" {{ team: noteam, role: \"{}\" }}\n",
        "x".repeat(70_000),
        "y".repeat(35_000),
        "z".repeat(35_000)
    )
}

#[test]
fn errors_on_long_lines_render_clipped_in_check() {
    let directory = workspace(&[("charter.toml", CONFIG), ("a.charter", &long_lines())]);
    assert_snapshot!(transcript(directory.path(), &["check"]));
}

#[test]
fn multibyte_long_lines_clip_on_character_boundaries() {
    let text = format!("person alice \"{}\" {{ team: nosuch }}\n", "é€😀".repeat(9_000));
    let directory = workspace(&[("charter.toml", CONFIG), ("a.charter", &text)]);
    assert_snapshot!(transcript(directory.path(), &["check"]));
}

#[test]
fn a_span_longer_than_the_window_is_clipped() {
    // The string where a bool belongs is 70,000 characters wide.
    let text = format!("person alice {{\n  executive: \"{}\"\n}}\n", "x".repeat(70_000));
    let directory = workspace(&[("charter.toml", CONFIG), ("a.charter", &text)]);
    assert_snapshot!(transcript(directory.path(), &["check"]));
}

#[test]
fn syntax_errors_on_long_lines_render_clipped_in_fmt() {
    let text = format!(
        "person alice \"{}\" {{ role: \"r\" }} }}\nperson bob \"{}\" {{ role: @ \"{}\" }}\n",
        "x".repeat(70_000),
        "y".repeat(35_000),
        "z".repeat(35_000)
    );
    let directory = workspace(&[("charter.toml", CONFIG), ("a.charter", &text)]);
    assert_snapshot!(transcript(directory.path(), &["fmt", "a.charter"]));
    assert_eq!(std::fs::read_to_string(directory.path().join("a.charter")).unwrap(), text);
}

#[test]
fn literals_beyond_the_range_are_type_mismatches() {
    let text = "person alice \"Alice\" { executive: true }\n\
        objective grow { owner: alice, allocation: 99999999999999999999999999999999% }\n\
        project p { sponsor: alice, budget: 79228162514264337593543950335k USD, spent: 0.00000000000000000000000000001 USD }\n\
        objective tiny { owner: alice, allocation: 0.0000000000000000000000000001% }\n";
    let directory = workspace(&[("charter.toml", CONFIG), ("a.charter", text)]);
    assert_snapshot!(transcript(directory.path(), &["check", "--format", "short"]));
}

#[test]
fn labels_far_apart_on_long_lines_render_as_separate_snippets() {
    // `alice` is declared twice, 40 lines apart, both times on a 70,000-column line: the
    // duplicate's snippet and the first declaration's each keep their own line numbers.
    let long = format!("person alice \"{}\" {{}}\n", "x".repeat(70_000));
    let filler: String = (0..40).map(|index| format!("person p{index} {{}}\n")).collect();
    let directory = workspace(&[("charter.toml", CONFIG), ("a.charter", &format!("{long}{filler}{long}"))]);
    assert_snapshot!(transcript(directory.path(), &["check"]));
}
