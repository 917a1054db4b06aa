//! Hostile rules and inputs through the real `charter` binary: evaluation stops at its
//! budget with a diagnostic at the rule, and huge inputs cost near-linear time.
//!
//! The inputs are generated here into a temporary directory, so the repository holds no
//! big files. Huge outputs are summarized: their first lines and their count.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use insta_cmd::assert_cmd_snapshot;
use std::fmt::Write;
use std::path::Path;
use support::{charter, workspace};

const CONFIG: &str = "[check]\ntoday = \"2026-11-26\"\nstd = false\n";

/// `[0, 1, ..., count - 1]`.
fn numbers(count: usize) -> String {
    let items: Vec<String> = (0..count).map(|number| number.to_string()).collect();
    format!("[{}]", items.join(", "))
}

/// A rule that passes, next to the hostile one: the rest of the check goes on.
const ORDINARY: &str = "rule projects_have_a_budget {\n  for project p\n  require p.budget != none\n}\n";

/// Runs `check` and returns the exit code, the first `lines` lines of stdout and how many
/// lines it printed.
fn summary(directory: &Path, format: &str, lines: usize) -> String {
    let output = charter(directory).args(["check", "--format", format]).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut out = format!("exit: {:?}\nlines: {}\n", output.status.code(), stdout.lines().count());
    for line in stdout.lines().take(lines) {
        let _ = writeln!(out, "{line}");
    }
    out
}

#[test]
fn nested_all_stops_at_the_step_budget() {
    // Each innermost `in` visits a 1,000-item list: 10^9 steps in all.
    let rule = format!(
        "rule nested_all {{\n  for project p\n  let big = {}\n  require big.all(a, big.all(b, a in big))\n}}\n",
        numbers(1000)
    );
    let files = format!("project a \"A\" {{}}\n\n{rule}\n{ORDINARY}");
    let directory = workspace(&[("charter.toml", CONFIG), ("main.charter", &files)]);
    assert_cmd_snapshot!(charter(directory.path()).args(["check", "--format", "short"]));
}

#[test]
fn deeply_nested_small_all_stops_at_the_step_budget() {
    // The shape of the report in issue 10: nested `.all` over ten-item literals, whose
    // body depends on the subject so nothing is computed once for all subjects.
    let mut condition = "p.title.len() + v0 + v1 + v2 + v3 + v4 + v5 + v6 >= 0".to_string();
    for variable in (0..7).rev() {
        condition = format!("{}.all(v{variable}, {condition})", numbers(10));
    }
    let files =
        format!("project a \"A\" {{}}\n\nrule nested_all {{\n  for project p\n  require {condition}\n}}\n");
    let directory = workspace(&[("charter.toml", CONFIG), ("main.charter", &files)]);
    let output = charter(directory.path()).args(["check", "--format", "short"]).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout
            .contains("rule `nested_all` exceeded its evaluation budget of 10,000,000 steps on project `a`"),
        "{stdout}"
    );
}

#[test]
fn nested_map_stops_at_the_memory_budget() {
    // Each innermost `map` builds a 200-item list: 8,000,000 items in all. The bodies
    // depend on the outer variables, so nothing is computed once and shared.
    let rule = format!(
        "rule nested_map {{\n  for project p\n  let big = {}\n  require big.map(a, big.map(b, big.map(c, a))).count() > 0\n}}\n",
        numbers(200)
    );
    let files = format!("project a \"A\" {{}}\n\n{rule}\n{ORDINARY}");
    let directory = workspace(&[("charter.toml", CONFIG), ("main.charter", &files)]);
    assert_cmd_snapshot!(charter(directory.path()).args(["check"]));
}

#[test]
fn doubling_strings_stop_at_the_memory_budget() {
    let mut rule = "rule doubling {\n  for project p\n  let s0 = p.title\n".to_string();
    for index in 1..40 {
        let _ = writeln!(rule, "  let s{index} = s{} + s{}", index - 1, index - 1);
    }
    rule.push_str("  require s39.len() > 0\n}\n");
    let files = format!("project a \"A\" {{}}\n\n{rule}");
    let directory = workspace(&[("charter.toml", CONFIG), ("main.charter", &files)]);
    let output = charter(directory.path()).args(["check", "--format", "short"]).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout.contains("rule `doubling` exceeded its evaluation budget of 64 MiB of memory on project `a`"),
        "{stdout}"
    );
}

#[test]
fn a_rule_stops_at_the_first_subject_out_of_budget() {
    // `a` passes at once, `b` runs out, `c` is not examined; the ordinary rule still
    // runs on all three.
    let rule = format!(
        "rule nested_all {{\n  for project p\n  let big = {}\n  require p.title == \"A\" or big.all(a, big.all(b, a in big and p.title != \"\"))\n}}\n",
        numbers(1000)
    );
    let files =
        format!("project a \"A\" {{}}\nproject b \"B\" {{}}\nproject c \"C\" {{}}\n\n{rule}\n{ORDINARY}");
    let directory = workspace(&[("charter.toml", CONFIG), ("main.charter", &files)]);
    assert_cmd_snapshot!(charter(directory.path()).args(["check"]));
}

#[test]
fn thousands_of_subjects_out_of_budget_stop_after_the_first() {
    // Each subject would take a whole budget: one per subject would take minutes.
    let mut condition = "p.title.len() + v0 + v1 + v2 + v3 + v4 + v5 + v6 >= 0".to_string();
    for variable in (0..7).rev() {
        condition = format!("{}.all(v{variable}, {condition})", numbers(10));
    }
    let mut files = String::new();
    for index in 0..2000 {
        let _ = writeln!(files, "project p{index} \"P{index}\" {{}}");
    }
    let _ = write!(files, "\nrule nested_all {{\n  for project p\n  require {condition}\n}}\n");
    let directory = workspace(&[("charter.toml", CONFIG), ("main.charter", &files)]);
    insta::assert_snapshot!(summary(directory.path(), "short", 3));
}

#[test]
fn why_reports_the_budget() {
    let rule = format!(
        "rule nested_all {{\n  for project p\n  let big = {}\n  require big.all(a, big.all(b, a in big))\n}}\n",
        numbers(1000)
    );
    let files = format!("project a \"A\" {{}}\n\n{rule}\n{ORDINARY}");
    let directory = workspace(&[("charter.toml", CONFIG), ("main.charter", &files)]);
    assert_cmd_snapshot!(charter(directory.path()).args(["why", "a"]));
}

#[test]
fn tests_report_the_budget() {
    let rule = format!(
        "rule nested_all {{\n  for project p\n  let big = {}\n  require big.all(a, big.all(b, a in big))\n}}\n",
        numbers(1000)
    );
    let test = "test nested_all_cases {\n  project a \"A\" {}\n  expect nested_all on a\n}\n";
    let files = format!("{rule}\n{test}");
    let directory = workspace(&[("charter.toml", CONFIG), ("main.charter", &files)]);
    assert_cmd_snapshot!(charter(directory.path()).args(["test"]));
}

#[test]
fn cancellation_stops_a_runaway_rule() {
    let rule = format!(
        "rule nested_all {{\n  for project p\n  let big = {}\n  require big.all(a, big.all(b, a in big and p.title != \"\"))\n}}\n",
        numbers(1000)
    );
    let files = format!("project a \"A\" {{}}\n\n{rule}");
    let directory = workspace(&[("charter.toml", CONFIG), ("main.charter", &files)]);
    let workspace = charter::load(&[directory.path().to_path_buf()]).unwrap();
    let engine = charter::rules::Engine::new(&workspace);
    let today = jiff::civil::date(2026, 11, 26);
    let asked = std::sync::atomic::AtomicUsize::new(0);
    // Cancelled from the second question on: the first is asked before any evaluation,
    // the next ones only from inside the runaway rule.
    let cancelled = || asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= 1;
    assert!(charter::check_until(&engine, &workspace, today, &cancelled).is_none());
    assert!(asked.load(std::sync::atomic::Ordering::SeqCst) >= 2);
}

#[test]
fn eighty_thousand_duplicate_fields() {
    let mut text = "person p \"P\" {\n".to_string();
    for _ in 0..80_000 {
        text.push_str("  role: \"r\"\n");
    }
    text.push_str("}\n");
    let directory = workspace(&[("charter.toml", CONFIG), ("main.charter", &text)]);
    insta::assert_snapshot!(summary(directory.path(), "short", 3));
}

#[test]
fn eighty_thousand_unknown_references() {
    let mut text =
        "objective growth \"Growth\" {}\nobjective grow \"Grow\" {}\n\nproject p \"P\" {\n  supports: [\n"
            .to_string();
    for index in 0..80_000 {
        let _ = writeln!(text, "    growt{index},");
    }
    text.push_str("    growt,\n  ]\n}\n");
    let directory = workspace(&[("charter.toml", CONFIG), ("main.charter", &text)]);
    let json = charter(directory.path()).args(["check", "--format", "json"]).output().unwrap();
    let findings: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let all = findings["diagnostics"].as_array().unwrap();
    let mut output = format!("exit: {:?}\nfindings: {}\n", json.status.code(), all.len());
    for finding in all.iter().take(3) {
        let _ = writeln!(output, "{}", finding["message"].as_str().unwrap());
    }
    // Every lookup still gets its suggestion: the last one, and one of the first.
    let help = |message: &str| {
        let finding = findings["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|finding| finding["message"] == message)
            .unwrap();
        format!("{message}\n  help: {}", finding["help"].as_str().unwrap())
    };
    let first = help("`supports` names unknown objective `growt0`");
    let last = help("`supports` names unknown objective `growt`");
    insta::assert_snapshot!(format!("{output}...\n{first}\n{last}"));
}

#[test]
fn two_ids_of_forty_thousand_characters() {
    let first = "a".repeat(40_000);
    let second = format!("{}b", "a".repeat(39_999));
    let text = format!("project {first} \"A\" {{}}\nproject q \"Q\" {{\n  depends_on: [{second}]\n}}\n");
    let directory = workspace(&[("charter.toml", CONFIG), ("main.charter", &text)]);
    let output = charter(directory.path()).args(["check", "--format", "json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let findings: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let text = serde_json::to_string(&findings).unwrap();
    // Too long to be a typo: no suggestion, and no id is compared with the other.
    assert!(text.contains("charter::unknown_reference"), "{}", text.chars().take(400).collect::<String>());
    assert!(!text.contains("did you mean"));
}

#[test]
fn many_distinct_enum_values_in_an_extend() {
    let values: Vec<String> = (0..40_000).map(|index| format!("v{index}")).collect();
    let text = format!(
        "extend project {{\n  tier: enum [{}, v7]\n}}\n\nproject p \"P\" {{ tier: v1 }}\n",
        values.join(", ")
    );
    let directory = workspace(&[("charter.toml", CONFIG), ("main.charter", &text)]);
    insta::assert_snapshot!(summary(directory.path(), "short", 3));
}
