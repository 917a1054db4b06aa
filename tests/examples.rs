//! The shipped examples check as their READMEs say, through the real binary, and the std
//! library is what LANGUAGE.md §6 lists, every rule documented.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use insta_cmd::{assert_cmd_snapshot, get_cargo_bin};
use std::path::Path;
use std::process::Command;

fn charter() -> Command {
    let mut command = Command::new(get_cargo_bin("charter"));
    command.current_dir(env!("CARGO_MANIFEST_DIR")).env("NO_COLOR", "1");
    command
}

#[test]
fn acme_checks_with_warnings_only() {
    assert_cmd_snapshot!(charter().args(["check", "examples/acme", "--format", "short"]));
}

#[test]
fn acme_human_output() {
    assert_cmd_snapshot!(charter().args(["check", "examples/acme"]));
}

#[test]
fn acme_tests_pass() {
    let output = charter().args(["test", "examples/acme"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}

#[test]
fn broken_reports_every_builtin_diagnostic() {
    assert_cmd_snapshot!(charter().args(["check", "examples/broken", "--format", "short"]));
}

/// Each `examples/broken/CODE.charter` reports `charter::CODE` in that file.
#[test]
fn each_broken_file_shows_its_code() {
    let output = charter().args(["check", "examples/broken", "--format", "short"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/broken");
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|extension| extension != "charter") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let code = path.file_stem().unwrap().to_string_lossy().trim_end_matches("_multiple").to_string();
        let expected = format!("[charter::{code}]");
        assert!(
            stdout.lines().any(|line| line.starts_with(&format!("{name}:")) && line.contains(&expected)),
            "{name} does not report {expected}:\n{stdout}"
        );
    }
}

#[test]
fn std_library_is_the_specified_one() {
    // An empty directory: `charter rules` and `explain` fall back to the std library alone.
    let empty = tempfile::tempdir().unwrap();
    let output = charter().args(["rules", "--format", "table"]).current_dir(empty.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let table = String::from_utf8_lossy(&output.stdout);
    let expected = [
        ("project_has_sponsor", "error"),
        ("sponsor_is_executive", "warning"),
        ("project_links_kpi", "error"),
        ("project_supports_objective", "error"),
        ("kpi_traces_to_objective", "warning"),
        ("supports_live_objective", "error"),
        ("objective_has_owner", "warning"),
        ("objective_is_measured", "warning"),
        ("objective_has_projects", "warning"),
        ("metric_has_baseline_and_target", "error"),
        ("metric_target_direction", "error"),
        ("kpi_off_track", "warning"),
        ("kpi_stale", "warning"),
        ("project_dates_ordered", "error"),
        ("milestone_within_project", "warning"),
        ("milestone_overdue", "warning"),
        ("project_past_end", "warning"),
        ("project_has_budget", "warning"),
        ("project_over_budget", "error"),
        ("scope_change_has_rationale", "warning"),
        ("high_risk_mitigated", "warning"),
        ("cross_functional_team", "info"),
        ("allocation_on_target", "warning"),
    ];
    for (rule, severity) in expected {
        let line = table.lines().find(|line| line.split_whitespace().next() == Some(rule));
        let line = line.unwrap_or_else(|| panic!("std rule `{rule}` is missing:\n{table}"));
        assert_eq!(line.split_whitespace().nth(1), Some(severity), "{line}");
        let explained = charter().args(["explain", rule]).current_dir(empty.path()).output().unwrap();
        assert_eq!(explained.status.code(), Some(0), "`charter explain {rule}` failed");
        assert!(
            String::from_utf8_lossy(&explained.stdout).lines().count() > 5,
            "{rule} has no documentation"
        );
    }
}

#[test]
fn every_builtin_code_is_explained() {
    let empty = tempfile::tempdir().unwrap();
    for code in charter::diagnostic::BuiltinCode::ALL {
        let output = charter().args(["explain", code.as_str()]).current_dir(empty.path()).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "`charter explain {code}` failed");
    }
}

/// The shipped Charter sources are in the canonical layout of `charter fmt` (the broken
/// examples with syntax errors are left as they are, and say so on stderr).
#[test]
fn shipped_sources_are_formatted() {
    let output =
        charter().args(["fmt", "--check", "examples/acme", "src/stdlib", "src/init"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
}
