//! The whole workspace from anywhere, and `charter.toml` checked like source, through the
//! real binary: paths narrow what `check` reports, never what it loads; every mistake in
//! `charter.toml` is a `charter::config` finding at its span, in every format.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use insta_cmd::assert_cmd_snapshot;
use std::path::{Path, PathBuf};
use support::{charter, transcript as run, workspace};

/// `tests/fixtures/config/workspace`: `charter.toml` at the root, people in
/// `portfolio/`, projects (which name the people) in `portfolio/projects/`.
fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/workspace")
}

const PORTFOLIO: &str = "person alice \"Alice\" { executive: true }\n";

/// `charter.toml` (numbered), then `charter check` in human and json.
fn config(toml: &str) -> String {
    let directory = workspace(&[("charter.toml", toml), ("a.charter", PORTFOLIO)]);
    let numbered: String =
        toml.lines().enumerate().map(|(index, line)| format!("{:>3} | {line}\n", index + 1)).collect();
    format!(
        "--- charter.toml\n{numbered}--- human\n{}--- json\n{}",
        run(charter(directory.path()).args(["check"])),
        run(charter(directory.path()).args(["check", "--format", "json"]))
    )
}

// ── paths narrow what is reported, never what is loaded ──────────────────────────────

#[test]
fn the_root_reports_the_whole_workspace() {
    assert_cmd_snapshot!(charter(&fixture()).args(["check", "--format", "short"]));
}

#[test]
fn a_run_from_a_subdirectory_loads_the_whole_workspace() {
    // `alice` is declared in `portfolio/people.charter`, above the current directory, so
    // `checkout`'s sponsor resolves; only findings in `portfolio/projects/` are shown.
    assert_cmd_snapshot!(charter(&fixture().join("portfolio/projects")).args(["check", "--format", "short"]));
}

#[test]
fn a_run_from_a_subdirectory_in_json() {
    assert_cmd_snapshot!(charter(&fixture().join("portfolio/projects")).args(["check", "--format", "json"]));
}

#[test]
fn a_directory_argument_narrows_the_report() {
    assert_cmd_snapshot!(charter(&fixture()).args(["check", "portfolio/projects/", "--format", "short"]));
}

#[test]
fn a_file_argument_narrows_the_report_to_that_file() {
    assert_cmd_snapshot!(charter(&fixture()).args([
        "check",
        "portfolio/projects/checkout.charter",
        "--format",
        "short"
    ]));
}

#[test]
fn the_exit_status_counts_only_reported_findings() {
    // `people.charter` holds a warning only; the errors are in `projects/`.
    assert_cmd_snapshot!(charter(&fixture()).args([
        "check",
        "portfolio/people.charter",
        "--format",
        "short"
    ]));
}

#[test]
fn a_file_argument_narrows_every_format() {
    for format in ["human", "json", "sarif", "github"] {
        let output = charter(&fixture())
            .args(["check", "portfolio/projects/checkout.charter", "--format", format])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(1), "{format}: {stdout}");
        assert!(stdout.contains("actve"), "{format}: {stdout}");
        assert!(!stdout.contains("alicia") && !stdout.contains("colour"), "{format}: {stdout}");
    }
}

#[test]
fn export_from_a_subdirectory_holds_the_whole_portfolio() {
    let output = charter(&fixture().join("portfolio/projects")).args(["export"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("\"alice\"") && stdout.contains("\"checkout\""), "{stdout}");
}

#[test]
fn without_charter_toml_the_paths_are_the_workspace() {
    let directory = workspace(&[
        ("people.charter", PORTFOLIO),
        ("projects/checkout.charter", "project checkout {\n  sponsor: alice\n}\n"),
    ]);
    assert_cmd_snapshot!(charter(directory.path()).args(["check", "projects", "--format", "short"]));
}

// ── `charter.toml` is checked like source ────────────────────────────────────────────

#[test]
fn unknown_section() {
    insta::assert_snapshot!(config("[chek]\ntoday = \"2026-11-26\"\n\n[check]\nstd = false\n"));
}

#[test]
fn unknown_key() {
    insta::assert_snapshot!(config("[check]\nstd = false\ndeny_warning = true\n"));
}

#[test]
fn a_check_key_outside_its_section() {
    insta::assert_snapshot!(config("std = false\n\n[check]\ntoday = \"2026-11-26\"\n"));
}

#[test]
fn unknown_rule() {
    insta::assert_snapshot!(config("[check]\nstd = false\n\n[rules]\ncross_functional_teams = \"off\"\n"));
}

#[test]
fn unknown_builtin_code() {
    insta::assert_snapshot!(config(
        "[check]\nstd = false\n\n[rules]\n\"charter::unknown_refrence\" = \"off\"\n"
    ));
}

#[test]
fn a_workspace_rule_is_a_known_name() {
    let rule = "rule project_has_teams {\n  for project p\n  require p.teams.count() >= 1 else \"{p} has no team\"\n}\n";
    let directory = workspace(&[
        ("charter.toml", "[check]\nstd = false\n\n[rules]\nproject_has_teams = \"warning\"\n"),
        ("a.charter", "project solo \"Solo\" {}\n"),
        ("rules.charter", rule),
    ]);
    assert_cmd_snapshot!(charter(directory.path()).args(["check", "--format", "short"]));
}

#[test]
fn severity_warn() {
    insta::assert_snapshot!(config("[check]\nstd = false\n\n[rules]\nproject_has_sponsor = \"warn\"\n"));
}

#[test]
fn severity_allow_means_off() {
    insta::assert_snapshot!(config("[check]\nstd = false\n\n[rules]\nproject_has_sponsor = \"allow\"\n"));
}

#[test]
fn severity_that_is_not_a_string() {
    insta::assert_snapshot!(config("[check]\nstd = false\n\n[rules]\nproject_has_sponsor = false\n"));
}

#[test]
fn the_severity_of_syntax_errors_is_fixed() {
    insta::assert_snapshot!(config("[check]\nstd = false\n\n[rules]\n\"charter::syntax\" = \"off\"\n"));
}

#[test]
fn impossible_date() {
    insta::assert_snapshot!(config("[check]\ntoday = \"2026-13-01\"\nstd = false\n"));
}

#[test]
fn date_and_time_for_today() {
    insta::assert_snapshot!(config("[check]\ntoday = 2026-11-26T10:00:00\nstd = false\n"));
}

#[test]
fn wrong_value_types() {
    insta::assert_snapshot!(config("[check]\ntoday = 42\nstd = \"false\"\ndeny_warnings = 1\n"));
}

#[test]
fn a_section_that_is_a_value() {
    insta::assert_snapshot!(config("rules = \"off\"\n\n[check]\nstd = false\n"));
}

#[test]
fn toml_dates_are_accepted() {
    // Both spellings are the same date; neither is a finding, and `std = false` holds.
    for toml in
        ["[check]\ntoday = 2026-11-26\nstd = false\n", "[check]\ntoday = \"2026-11-26\"\nstd = false\n"]
    {
        let directory = workspace(&[("charter.toml", toml), ("a.charter", PORTFOLIO)]);
        let output = run(charter(directory.path()).args(["check", "--format", "short"]));
        assert_eq!(output, "exit: Some(0)\n----- stdout -----\n----- stderr -----\nno findings\n", "{toml}");
    }
}

#[test]
fn toml_date_sets_today() {
    // A waiver that expired on 2026-11-25 is reported on 2026-11-26 given as a TOML date.
    let directory = workspace(&[
        ("charter.toml", "[check]\ntoday = 2026-11-26\n"),
        (
            "a.charter",
            "person alice \"Alice\" { executive: true }\n\nwaiver old {\n  rule: project_has_sponsor\n  applies_to: []\n  reason: \"legacy\"\n  approved_by: alice\n  expires: 2026-11-25\n}\n",
        ),
    ]);
    assert_cmd_snapshot!(charter(directory.path()).args(["check", "--format", "short"]));
}

#[test]
fn config_findings_appear_in_every_format_and_the_rest_is_checked() {
    // `std = false` still applies, `[chek]` and `"warn"` are reported, and the portfolio's
    // own finding (`colour`) is reported too.
    let toml = "[chek]\n\n[check]\nstd = false\n\n[rules]\n\"charter::unknown_field\" = \"warn\"\n";
    let directory =
        workspace(&[("charter.toml", toml), ("a.charter", "person a \"A\" { colour: \"blue\" }\n")]);
    let mut snapshot = String::new();
    for format in ["short", "json", "sarif", "github"] {
        let output = run(charter(directory.path()).args(["check", "--path-prefix", "", "--format", format]));
        snapshot.push_str(&format!("=== {format}\n{output}"));
    }
    insta::assert_snapshot!(snapshot);
}

#[test]
fn config_findings_are_reported_when_the_paths_narrow() {
    let directory = workspace(&[
        ("charter.toml", "[check]\nstd = false\ndeny_warning = true\n"),
        ("a.charter", PORTFOLIO),
        ("sub/b.charter", "person b \"B\" {}\n"),
    ]);
    assert_cmd_snapshot!(charter(&directory.path().join("sub")).args(["check", "--format", "short"]));
}

#[test]
fn unparsable_toml_stops_with_a_span() {
    insta::assert_snapshot!(config("[check\ntoday = 2026-11-26\n"));
}

#[test]
fn an_impossible_toml_date_does_not_parse() {
    insta::assert_snapshot!(config("[check]\ntoday = 2026-13-01\n"));
}

#[test]
fn config_is_explained() {
    assert_cmd_snapshot!(charter(&fixture()).args(["explain", "charter::config"]));
}
