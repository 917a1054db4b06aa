//! One cause, one finding: a field written with a value that does not resolve or convert
//! is reported where it is written, and the rules that read it skip the entity instead of
//! reporting its consequences. Each case under `tests/fixtures/cascade/` is the clean
//! workspace `base/` with one mistake (the files of the case replace those of `base/`),
//! checked by the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::path::{Path, PathBuf};
use support::session;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cascade")
}

fn copy_into(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// The base workspace with the files of `case` over it.
fn workspace(case: &str) -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    copy_into(&fixtures().join("base"), directory.path());
    if case != "base" {
        copy_into(&fixtures().join(case), directory.path());
    }
    directory
}

/// The findings of `charter check` in `directory`, from its JSON report.
fn findings(directory: &Path) -> Vec<serde_json::Value> {
    let output = support::output(support::charter(directory).args(["check", "--format", "json"]));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    report["diagnostics"].as_array().unwrap().clone()
}

/// Asserts that `case` yields exactly one finding, with `code`, and snapshots what the
/// user sees in the short and the human format.
fn one_finding(case: &str, code: &str) {
    let directory = workspace(case);
    let found = findings(directory.path());
    let codes: Vec<&str> = found.iter().map(|finding| finding["code"].as_str().unwrap()).collect();
    assert_eq!(codes, [code], "{case}: expected one finding, got {found:#?}");
    let shown = format!(
        "{}\n{}",
        session(directory.path(), &["check", "--format", "short"]),
        session(directory.path(), &["check"])
    );
    insta::assert_snapshot!(case, shown);
}

#[test]
fn base_workspace_is_clean() {
    let directory = workspace("base");
    assert_eq!(findings(directory.path()), Vec::<serde_json::Value>::new());
}

#[test]
fn unknown_sponsor() {
    one_finding("unknown_sponsor", "charter::unknown_reference");
}

#[test]
fn metric_where_an_objective_is_expected() {
    one_finding("metric_as_objective", "charter::wrong_kind");
}

#[test]
fn misspelled_kind_with_references_to_it() {
    one_finding("misspelled_kind", "charter::unknown_reference");
}

#[test]
fn unknown_kind_with_references_to_it() {
    one_finding("unknown_kind", "charter::unknown_reference");
}

#[test]
fn unknown_team() {
    one_finding("unknown_team", "charter::unknown_reference");
}

#[test]
fn unknown_metric_in_kpis() {
    one_finding("unknown_kpi", "charter::unknown_reference");
}

#[test]
fn bad_date() {
    one_finding("bad_date", "charter::type_mismatch");
}

#[test]
fn bad_money() {
    one_finding("bad_money", "charter::type_mismatch");
}

#[test]
fn bad_enum_value() {
    one_finding("bad_status", "charter::type_mismatch");
}

#[test]
fn wrong_kind_in_a_list_alongside_valid_ones() {
    one_finding("wrong_kind_in_list", "charter::wrong_kind");
}

#[test]
fn misspelled_field_name() {
    one_finding("misspelled_field", "charter::unknown_field");
}

#[test]
fn json_report_of_a_wrong_kind() {
    let directory = workspace("metric_as_objective");
    insta::assert_snapshot!(session(directory.path(), &["check", "--format", "json"]));
}

#[test]
fn why_says_which_rules_did_not_check_the_entity() {
    let directory = workspace("unknown_sponsor");
    insta::assert_snapshot!(session(directory.path(), &["why", "dc_exit"]));
}

#[test]
fn declaration_that_does_not_parse_is_its_syntax_error_only() {
    // The objective does not parse: it is still declared, and the rules that would read
    // its fields through the project (`kpi_traces_to_objective`) skip the project. The
    // syntax error's wording is the parser's, so only the codes are asserted.
    let directory = workspace("broken_objective");
    let found = findings(directory.path());
    let codes: Vec<&str> = found.iter().map(|finding| finding["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["charter::syntax"], "{found:#?}");
}
