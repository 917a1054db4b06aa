//! The real `charter` binary: exit codes, formats and messages.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use insta_cmd::assert_cmd_snapshot;
use support::{charter, workspace};

const CONFIG: &str = "[check]\ntoday = \"2026-11-26\"\nstd = false\n";

#[test]
fn missing_path_is_exit_2() {
    let directory = workspace(&[]);
    assert_cmd_snapshot!(charter(directory.path()).args(["check", "no/such/dir"]));
}

#[test]
fn directory_without_charter_files_is_exit_2() {
    let directory = workspace(&[("notes.txt", "nothing here")]);
    assert_cmd_snapshot!(charter(directory.path()).args(["check", "."]));
}

#[test]
fn invalid_utf8_is_exit_2() {
    let directory = workspace(&[("charter.toml", CONFIG)]);
    std::fs::write(directory.path().join("bad.charter"), b"person \xff\xfe {}").unwrap();
    assert_cmd_snapshot!(charter(directory.path()).args(["check"]));
}

#[test]
fn invalid_config_is_exit_2() {
    let directory = workspace(&[("charter.toml", "[check\ntoday = 42\n"), ("a.charter", "person a {}")]);
    assert_cmd_snapshot!(charter(directory.path()).args(["check"]));
}

#[test]
fn invalid_today_is_exit_2() {
    let directory = workspace(&[("charter.toml", CONFIG), ("a.charter", "person a {}")]);
    assert_cmd_snapshot!(charter(directory.path()).args(["check", "--today", "2026-13-01"]));
}

#[test]
fn clean_workspace_is_exit_0() {
    let directory =
        workspace(&[("charter.toml", CONFIG), ("a.charter", "person alice \"Alice\" { executive: true }\n")]);
    assert_cmd_snapshot!(charter(directory.path()).args(["check"]));
}

#[test]
fn errors_are_exit_1_in_short_format() {
    let directory = workspace(&[
        ("charter.toml", CONFIG),
        ("people.charter", "person alice \"Alice\" { executive: true }\n"),
        (
            "projects.charter",
            "project checkout {\n  sponsor: alicia\n  status: actve\n}\n\nproject broken {\n  budget 12\n}\n",
        ),
    ]);
    assert_cmd_snapshot!(charter(directory.path()).args(["check", "--format", "short"]));
}

#[test]
fn warnings_fail_only_with_deny_warnings() {
    let files = [("charter.toml", CONFIG), ("a.charter", "person alice \"Alice\" { colour: \"blue\" }\n")];
    let directory = workspace(&files);
    let status = charter(directory.path()).args(["check", "--format", "short"]).status().unwrap();
    assert_eq!(status.code(), Some(0));
    assert_cmd_snapshot!(charter(directory.path()).args(["check", "--format", "short", "--deny-warnings"]));
}

#[test]
fn deny_warnings_from_config() {
    let config = "[check]\nstd = false\ndeny_warnings = true\n";
    let directory =
        workspace(&[("charter.toml", config), ("a.charter", "person alice { colour: \"blue\" }\n")]);
    let status = charter(directory.path()).args(["check"]).status().unwrap();
    assert_eq!(status.code(), Some(1));
}

#[test]
fn json_format_is_versioned_and_sorted() {
    let directory = workspace(&[
        ("charter.toml", CONFIG),
        ("b.charter", "project late { sponsor: nobody }\n"),
        ("a.charter", "person alice { colour: \"blue\" }\n"),
    ]);
    let output = charter(directory.path()).args(["check", "--format", "json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    insta::assert_json_snapshot!(report);
}

#[test]
fn severity_override_of_builtin_code() {
    let config = "[check]\nstd = false\n\n[rules]\n\"charter::unknown_field\" = \"error\"\n";
    let directory =
        workspace(&[("charter.toml", config), ("a.charter", "person alice { colour: \"blue\" }\n")]);
    assert_cmd_snapshot!(charter(directory.path()).args(["check", "--format", "short"]));
}

#[test]
fn human_format_shows_source_and_help() {
    let directory = workspace(&[
        ("charter.toml", CONFIG),
        (
            "a.charter",
            "person alice \"Alice\" { executive: true }\nproject checkout {\n  sponsor: alicee\n}\n",
        ),
    ]);
    assert_cmd_snapshot!(charter(directory.path()).args(["check"]));
}

#[test]
fn init_creates_a_workspace_that_checks_clean() {
    let directory = workspace(&[]);
    let status = charter(directory.path()).args(["init", "portfolio"]).status().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(directory.path().join("portfolio/charter.toml").is_file());
    let output =
        charter(directory.path()).args(["check", "portfolio", "--format", "short"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    assert_eq!(output.status.code(), Some(0));
}

/// The sample KPI's readings are dated from the day `init` runs, so a workspace created
/// later is not stale on its first check.
#[test]
fn init_dates_the_sample_readings_from_the_day_it_runs() {
    let directory = workspace(&[]);
    let status = charter(directory.path()).args(["init", "later", "--today", "2027-06-15"]).status().unwrap();
    assert_eq!(status.code(), Some(0));
    let text = std::fs::read_to_string(directory.path().join("later/portfolio.charter")).unwrap();
    assert!(text.contains("history: [11 @ 2027-03-31, 10 @ 2027-04-30]"), "{text}");
    assert!(text.contains("actual: 9 @ 2027-05-31"), "{text}");
    let output = charter(directory.path())
        .args(["check", "later", "--today", "2027-06-15", "--format", "short"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn init_refuses_to_overwrite() {
    let directory = workspace(&[("charter.toml", "# mine\n")]);
    assert_cmd_snapshot!(charter(directory.path()).args(["init", "."]));
    assert_eq!(std::fs::read_to_string(directory.path().join("charter.toml")).unwrap(), "# mine\n");
}

#[test]
fn export_prints_the_resolved_portfolio() {
    let directory = workspace(&[
        ("charter.toml", CONFIG),
        (
            "a.charter",
            "person alice \"Alice\" { executive: true }\nobjective grow { owner: alice }\nproject checkout { sponsor: alice, supports: [grow], budget: 1.2M USD, expected_benefit: 3M USD }\n",
        ),
    ]);
    let output = charter(directory.path()).args(["export"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    insta::assert_json_snapshot!(document);
}

/// `charter export | head`: the reader closes the pipe after a few bytes. Export streams
/// its document, so it meets the closed pipe mid-way: exit 2, no panic, nothing on stderr.
#[test]
fn export_into_a_closed_pipe_is_exit_2() {
    use std::io::Read;
    let files = charter::synth::portfolio(1000);
    let files: Vec<(&str, &str)> = files.iter().map(|(name, text)| (name.as_str(), text.as_str())).collect();
    let directory = workspace(&files);
    let mut child = charter(directory.path())
        .arg("export")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 64];
    child.stdout.take().unwrap().read_exact(&mut head).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(String::from_utf8_lossy(&head).starts_with("{\n  \"entities\": ["));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}
