//! KPI history: a metric's earlier readings in `history`, the findings about readings that
//! cannot be earlier ones, the computed fields built from them (`readings`, `last_measured`,
//! `trend`, `expected`, `reading_due`), `kpi_stale` and the trajectory `kpi_off_track`
//! states. Each case is one file of `tests/fixtures/history/GROUP/` with that group's
//! `charter.toml`, checked by the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use std::path::{Path, PathBuf};
use support::session;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/history")
}

/// A workspace holding `GROUP/charter.toml` and `GROUP/FILE`.
fn workspace(group: &str, file: &str) -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    for name in ["charter.toml", file] {
        std::fs::copy(fixtures().join(group).join(name), directory.path().join(name)).unwrap();
    }
    directory
}

/// The codes of the findings of `charter check` in `directory`, from its JSON report.
fn codes(directory: &Path) -> Vec<String> {
    let output = support::output(support::charter(directory).args(["check", "--format", "json"]));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["code"].as_str().unwrap().to_string())
        .collect()
}

/// The source of `GROUP/FILE` followed by what `charter check` shows for it, in the short
/// and the human format.
fn checked(group: &str, file: &str) -> String {
    let directory = workspace(group, file);
    let source = std::fs::read_to_string(fixtures().join(group).join(file)).unwrap();
    format!(
        "{source}\n{}\n{}",
        session(directory.path(), &["check", "--format", "short"]),
        session(directory.path(), &["check"])
    )
}

/// A mistake in `history` is one finding, with `code`, and nothing else.
fn one_reading_finding(file: &str, code: &str) {
    let directory = workspace("readings", file);
    assert_eq!(codes(directory.path()), [code], "{file}");
    insta::assert_snapshot!(file.trim_end_matches(".charter"), checked("readings", file));
}

#[test]
fn a_reading_after_the_actual_is_an_invalid_reading() {
    one_reading_finding("reading_after_actual.charter", "charter::invalid_reading");
}

#[test]
fn a_reading_on_the_actual_date_is_an_invalid_reading() {
    one_reading_finding("reading_on_actual_date.charter", "charter::invalid_reading");
}

#[test]
fn two_readings_on_one_date_are_an_invalid_reading() {
    one_reading_finding("two_readings_one_date.charter", "charter::invalid_reading");
}

#[test]
fn a_number_among_percents_is_a_type_mismatch() {
    one_reading_finding("reading_of_another_type.charter", "charter::type_mismatch");
}

#[test]
fn a_reading_in_another_currency_is_a_type_mismatch() {
    one_reading_finding("reading_in_another_currency.charter", "charter::type_mismatch");
}

#[test]
fn an_invalid_history_is_one_finding_and_the_trajectory_is_still_judged() {
    let file = "invalid_history_no_cascade.charter";
    let directory = workspace("readings", file);
    let mut found = codes(directory.path());
    found.sort();
    // The user rule reading `trend` skips the metric; `kpi_off_track` reads no history.
    assert_eq!(found, ["charter::invalid_reading", "kpi_off_track"]);
    insta::assert_snapshot!("invalid_history_no_cascade", checked("readings", file));
}

/// The one finding of `readings/FILE`, its fix applied: the fix's title and the fixed
/// source. The fixed file must check clean.
fn fixed(file: &str) -> String {
    let directory = workspace("readings", file);
    let workspace = charter::load(&[directory.path().to_path_buf()]).unwrap();
    let findings = charter::check(&workspace, jiff::civil::date(2026, 11, 26));
    let [finding] = findings.as_slice() else { panic!("one finding expected: {findings:#?}") };
    let fix = finding.fix.as_ref().expect("a fix");
    let path = directory.path().join(file);
    let mut text = std::fs::read_to_string(&path).unwrap();
    let mut edits = fix.edits.clone();
    edits.sort_by_key(|edit| std::cmp::Reverse(edit.span.start));
    for edit in edits {
        text.replace_range(edit.span.start as usize..edit.span.end as usize, &edit.replacement);
    }
    std::fs::write(&path, &text).unwrap();
    assert_eq!(codes(directory.path()), Vec::<String>::new(), "the fixed {file} is clean:\n{text}");
    format!("fix: {}\n{text}", fix.title)
}

#[test]
fn repeating_the_actual_in_history_comes_with_the_fix_that_removes_it() {
    insta::assert_snapshot!("reading_on_actual_date_fixed", fixed("reading_on_actual_date.charter"));
}

#[test]
fn the_latest_reading_in_history_comes_with_the_fix_that_makes_it_the_actual() {
    insta::assert_snapshot!("reading_after_actual_fixed", fixed("reading_after_actual.charter"));
}

#[test]
fn readings_trend_expected_and_reading_due_as_rules_see_them() {
    let directory = workspace("computed", "computed.charter");
    insta::assert_snapshot!("computed", session(directory.path(), &["check", "--format", "short"]));
}

#[test]
fn charter_why_shows_the_computed_fields_of_a_failing_require() {
    let directory = workspace("computed", "computed.charter");
    insta::assert_snapshot!("why_conversion", session(directory.path(), &["why", "conversion"]));
}

#[test]
fn kpi_stale_for_every_cadence_on_the_due_day_and_one_day_late() {
    let directory = workspace("kpis", "stale.charter");
    let found = codes(directory.path());
    assert_eq!(found, ["kpi_stale"; 5], "four late readings and one metric never measured");
    insta::assert_snapshot!("stale", checked("kpis", "stale.charter"));
}

#[test]
fn kpi_off_track_states_the_expected_value_or_the_passed_target_date() {
    let directory = workspace("kpis", "off_track.charter");
    assert_eq!(codes(directory.path()), ["kpi_off_track"; 2]);
    insta::assert_snapshot!("off_track", checked("kpis", "off_track.charter"));
}

#[test]
fn a_multi_line_history_with_comments_is_formatted_as_written() {
    for (group, file) in [("computed", "computed.charter"), ("readings", "two_readings_one_date.charter")] {
        let directory = workspace(group, file);
        let before = std::fs::read_to_string(directory.path().join(file)).unwrap();
        let output = session(directory.path(), &["fmt", file]);
        let after = std::fs::read_to_string(directory.path().join(file)).unwrap();
        assert_eq!(before, after, "{file} is in canonical form: {output}");
    }
}

#[test]
fn charter_explain_describes_invalid_reading() {
    let directory = tempfile::tempdir().unwrap();
    insta::assert_snapshot!("explain", session(directory.path(), &["explain", "charter::invalid_reading"]));
}

#[test]
fn a_long_history_is_checked_in_one_pass() {
    // Twenty thousand daily readings and one repeated date: one finding, found without
    // comparing every reading with every other.
    let directory = tempfile::tempdir().unwrap();
    std::fs::copy(fixtures().join("readings/charter.toml"), directory.path().join("charter.toml")).unwrap();
    let start = jiff::civil::date(1960, 1, 1);
    let mut readings: Vec<String> = (0..20_000)
        .map(|day| format!("{} @ {}", day % 97, start.checked_add(jiff::Span::new().days(day)).unwrap()))
        .collect();
    readings.push(format!("5 @ {}", start.checked_add(jiff::Span::new().days(100)).unwrap()));
    let source = format!(
        "metric long \"Long history\" {{\n  direction: increase\n  baseline: 0 @ 1959-12-31\n  target: 100 @ 2030-12-31\n  actual: 50 @ 2026-09-30\n  history: [{}]\n}}\n",
        readings.join(", ")
    );
    std::fs::write(directory.path().join("long.charter"), source).unwrap();
    assert_eq!(codes(directory.path()), ["charter::invalid_reading"]);
}
