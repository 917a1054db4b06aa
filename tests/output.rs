//! What `charter check` and `charter test` print, through the real binary: the rule's
//! source only with `--verbose`, collapsed snippets, `--quiet`, `--color` and the color
//! environment variables, the closing summary line, and the CI formats `junit` (for
//! `check` and `test`) and `gitlab`, each validated against its schema.
//!
//! Fixtures: `tests/fixtures/output/portfolio` (`std = false`, so nothing here moves
//! with the std library) and `tests/fixtures/output/tested` (two tests, std on).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic
)]

mod support;

use insta_cmd::assert_cmd_snapshot;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{bare, charter, output as run, stderr, stdout};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/output").join(name)
}

const ESCAPE: &str = "\u{1b}[";

// ── human output ──────────────────────────────────────────────────────────────────────

/// No `Advice:` block by default; the second finding on `teams` of `checkout` points at
/// the snippet of the first instead of repeating it.
#[test]
fn default_output_hides_the_rule_source_and_collapses_repeated_snippets() {
    assert_cmd_snapshot!(charter(&fixture("portfolio")).args(["check"]));
}

#[test]
fn verbose_shows_the_rule_source() {
    let output = run(charter(&fixture("portfolio")).args(["check", "--verbose"]));
    let text = stdout(&output);
    assert_eq!(text.matches("required by `three_teams`").count(), 2, "{text}");
    assert_eq!(text.matches("required by `two_teams`").count(), 1, "{text}");
    assert!(!stdout(&run(charter(&fixture("portfolio")).args(["check"]))).contains("required by"));
    assert_cmd_snapshot!(charter(&fixture("portfolio")).args(["check", "-v"]));
}

#[test]
fn explain_still_prints_the_rule_source() {
    let output = run(charter(&fixture("portfolio")).args(["explain", "two_teams"]));
    assert!(stdout(&output).contains("require p.teams.count() >= 2"), "{}", stdout(&output));
}

#[test]
fn quiet_shows_only_errors_and_the_summary() {
    assert_cmd_snapshot!(charter(&fixture("portfolio")).args(["check", "--quiet"]));
}

#[test]
fn quiet_short_output_lists_errors_and_sums_up_on_stderr() {
    assert_cmd_snapshot!(charter(&fixture("portfolio")).args(["check", "-q", "--format", "short"]));
}

#[test]
fn summary_line_says_no_findings_when_clean() {
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(directory.path().join("charter.toml"), "[check]\nstd = false\n").unwrap();
    std::fs::write(directory.path().join("a.charter"), "person ada \"Ada\" {}\n").unwrap();
    let output = run(charter(directory.path()).args(["check"]));
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "no findings\n");
    let short = run(charter(directory.path()).args(["check", "--format", "short"]));
    assert_eq!((stdout(&short).as_str(), stderr(&short).as_str()), ("", "no findings\n"));
}

/// Machine formats keep stdout to the format: no summary line in them, none on stderr.
#[test]
fn machine_formats_carry_no_summary_line() {
    for format in ["json", "sarif", "junit", "gitlab"] {
        let output = run(charter(&fixture("portfolio")).args(["check", "--format", format]));
        assert!(!stdout(&output).contains("3 errors, 1 warning"), "{format}: {}", stdout(&output));
        assert_eq!(stderr(&output), "", "{format}");
    }
}

// ── color ─────────────────────────────────────────────────────────────────────────────

fn colored(configure: impl FnOnce(&mut Command)) -> bool {
    let mut command = bare(&fixture("portfolio"));
    command.args(["check"]);
    configure(&mut command);
    stdout(&run(&mut command)).contains(ESCAPE)
}

#[test]
fn color_always_writes_escape_codes() {
    assert_cmd_snapshot!(bare(&fixture("portfolio")).args(["check", "--color", "always", "--quiet"]));
}

#[test]
fn color_auto_is_off_outside_a_terminal() {
    assert!(!colored(|_| {}));
    assert!(!colored(|command| {
        command.args(["--color", "auto"]);
    }));
}

#[test]
fn force_color_and_clicolor_force_turn_color_on_in_a_log() {
    assert!(colored(|command| {
        command.env("FORCE_COLOR", "1");
    }));
    assert!(colored(|command| {
        command.env("CLICOLOR_FORCE", "1");
    }));
    assert!(!colored(|command| {
        command.env("FORCE_COLOR", "0");
    }));
}

#[test]
fn no_color_wins_over_forcing_but_not_over_the_flag() {
    assert!(!colored(|command| {
        command.env("NO_COLOR", "1").env("FORCE_COLOR", "1").env("CLICOLOR_FORCE", "1");
    }));
    assert!(colored(|command| {
        command.env("NO_COLOR", "1").args(["--color", "always"]);
    }));
    assert!(!colored(|command| {
        command.env("FORCE_COLOR", "1").args(["--color", "never"]);
    }));
}

#[test]
fn color_applies_to_charter_test() {
    let output = run(bare(&fixture("tested")).args(["test", "--color", "always"]));
    assert!(stdout(&output).contains("\u{1b}[32mok\u{1b}[0m"), "{}", stdout(&output));
    let output = run(bare(&fixture("tested")).args(["test"]).env("NO_COLOR", "1"));
    assert!(!stdout(&output).contains(ESCAPE));
}

// ── JUnit ─────────────────────────────────────────────────────────────────────────────

/// Checks the JUnit layout GitLab, Jenkins and the Ant schema expect: a `testsuites` root
/// whose `tests` and `failures` add up, suites with `name`, `tests`, `failures` and
/// `errors`, cases with `name` and `classname`, failures with `message` and `type`.
/// Returns `(case name, failure message)` of every case.
fn validate_junit(xml: &str) -> Vec<(String, Option<String>)> {
    let document = roxmltree::Document::parse(xml).expect("JUnit output is well-formed XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let number = |node: roxmltree::Node, name: &str| -> usize {
        node.attribute(name)
            .unwrap_or_else(|| panic!("<{}> lacks `{name}`", node.tag_name().name()))
            .parse()
            .unwrap()
    };
    let mut cases = Vec::new();
    let (mut tests, mut failures) = (0, 0);
    for suite in root.children().filter(roxmltree::Node::is_element) {
        assert_eq!(suite.tag_name().name(), "testsuite");
        assert!(suite.attribute("name").is_some_and(|name| !name.is_empty()));
        assert_eq!(number(suite, "errors"), 0);
        let (mut suite_tests, mut suite_failures) = (0, 0);
        for case in suite.children().filter(roxmltree::Node::is_element) {
            assert_eq!(case.tag_name().name(), "testcase");
            let name = case.attribute("name").expect("testcase name").to_string();
            assert!(case.attribute("classname").is_some_and(|name| !name.is_empty()), "{name}");
            suite_tests += 1;
            let mut failure_message = None;
            for child in case.children().filter(roxmltree::Node::is_element) {
                match child.tag_name().name() {
                    "failure" => {
                        assert!(child.attribute("type").is_some());
                        failure_message =
                            Some(child.attribute("message").expect("failure message").to_string());
                        suite_failures += 1;
                    }
                    "system-out" => {}
                    other => panic!("unexpected <{other}> in a testcase"),
                }
            }
            cases.push((name, failure_message));
        }
        assert_eq!(number(suite, "tests"), suite_tests);
        assert_eq!(number(suite, "failures"), suite_failures);
        tests += suite_tests;
        failures += suite_failures;
    }
    assert_eq!(number(root, "tests"), tests);
    assert_eq!(number(root, "failures"), failures);
    cases
}

#[test]
fn junit_for_check_has_a_case_per_finding_and_a_passing_case_per_quiet_rule() {
    let output = run(charter(&fixture("portfolio")).args(["check", "--format", "junit"]));
    assert_eq!(output.status.code(), Some(1));
    let xml = stdout(&output);
    let cases = validate_junit(&xml);
    let failed: Vec<&str> = cases.iter().filter_map(|(_, failure)| failure.as_deref()).collect();
    assert_eq!(failed.len(), 3, "three errors fail: {failed:?}");
    // The message's `<`, `&` and `'` survive escaping.
    assert!(failed.contains(&"project `checkout` is staffed by fewer than three teams (<3 & not 'enough')"));
    assert!(cases.iter().any(|(name, failure)| name == "no findings" && failure.is_none()));
    insta::assert_snapshot!("junit_check", xml);
}

#[test]
fn junit_warnings_fail_only_with_deny_warnings() {
    let failures = |arguments: &[&str]| {
        let output = run(charter(&fixture("portfolio")).args(arguments));
        validate_junit(&stdout(&output)).into_iter().filter(|(_, failure)| failure.is_some()).count()
    };
    assert_eq!(failures(&["check", "--format", "junit"]), 3);
    assert_eq!(failures(&["check", "--format", "junit", "--deny-warnings"]), 4);
}

#[test]
fn junit_for_test_has_a_case_per_test() {
    let output = run(charter(&fixture("tested")).args(["test", "--format", "junit"]));
    assert_eq!(output.status.code(), Some(1));
    let xml = stdout(&output);
    let cases = validate_junit(&xml);
    assert_eq!(cases.len(), 2, "the workspace's own tests only");
    insta::assert_snapshot!("junit_test", xml);
}

#[test]
fn junit_for_test_with_std_holds_std_tests() {
    let output = run(charter(&fixture("tested")).args(["test", "--format", "junit", "--std"]));
    let cases = validate_junit(&stdout(&output));
    assert!(cases.len() > 10, "std has tests: {}", cases.len());
    assert_eq!(cases.iter().filter(|(_, failure)| failure.is_some()).count(), 1);
}

// ── charter test ──────────────────────────────────────────────────────────────────────

#[test]
fn charter_test_runs_the_workspace_tests_only() {
    assert_cmd_snapshot!(charter(&fixture("tested")).args(["test"]));
}

#[test]
fn charter_test_with_std_runs_std_tests_too() {
    let own = stdout(&run(charter(&fixture("tested")).args(["test"])));
    let all = run(charter(&fixture("tested")).args(["test", "--std"]));
    let text = stdout(&all);
    assert!(own.starts_with("running 2 tests\n"), "{own}");
    assert!(!text.starts_with("running 2 tests\n"), "{text}");
    assert!(text.contains("test project_has_sponsor_on_live_projects ... ok"), "{text}");
    assert!(!text.contains("were not run"), "{text}");
    assert_eq!(all.status.code(), Some(1), "the failing workspace test still fails");
}

// ── GitLab Code Quality ───────────────────────────────────────────────────────────────

fn validate_gitlab(document: &Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/gitlab-codequality.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::options().build(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "GitLab report violates the schema:\n{}", errors.join("\n"));
}

fn gitlab(directory: &Path) -> Value {
    let output = run(charter(directory).args(["check", "--format", "gitlab", "--path-prefix", "portfolio"]));
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).expect("the report is JSON")
}

#[test]
fn gitlab_report_matches_the_schema() {
    let report = gitlab(&fixture("portfolio"));
    validate_gitlab(&report);
    insta::assert_json_snapshot!("gitlab_check", report);
}

/// The fingerprints are the baseline's, so they survive lines inserted above a finding.
#[test]
fn gitlab_fingerprints_are_the_baseline_fingerprints_and_survive_edits() {
    let directory = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture("portfolio")).unwrap() {
        let path = entry.unwrap().path();
        // The fixture's files, not the `.charter_cache/` a check of it leaves.
        if path.is_file() {
            std::fs::copy(&path, directory.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    let fingerprints = |report: &Value| -> Vec<String> {
        report
            .as_array()
            .unwrap()
            .iter()
            .map(|issue| issue["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    let before = fingerprints(&gitlab(directory.path()));
    let baseline = directory.path().join("baseline.json");
    let written =
        run(charter(directory.path()).args(["check", "--write-baseline", baseline.to_str().unwrap()]));
    assert_eq!(written.status.code(), Some(0));
    let recorded = std::fs::read_to_string(&baseline).unwrap();
    for fingerprint in &before {
        assert!(recorded.contains(fingerprint.as_str()), "{fingerprint} is in the baseline:\n{recorded}");
    }
    let projects = directory.path().join("projects.charter");
    let text = std::fs::read_to_string(&projects).unwrap();
    std::fs::write(&projects, format!("// moved down\n\n\n{text}")).unwrap();
    let after = gitlab(directory.path());
    assert_eq!(fingerprints(&after), before);
    assert_eq!(after[0]["location"]["lines"]["begin"], 8);
}

#[test]
fn coverage_comes_before_the_summary_line() {
    let output = run(charter(&fixture("portfolio")).args(["check", "--coverage"]));
    let text = stdout(&output);
    assert!(text.contains("entities no rule examined"), "{text}");
    assert!(text.ends_with("\n\n3 errors, 1 warning\n"), "{text}");
}
