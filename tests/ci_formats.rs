//! CI integration: `charter check --format sarif|github` and baselines, through the real
//! binary on `tests/fixtures/ci/portfolio` (built-in findings only, `std = false`, so
//! the snapshots do not move with the std library), plus fingerprint properties on
//! hand-made diagnostics.
//!
//! The SARIF output is validated against the official SARIF 2.1.0 JSON schema, shipped
//! as `tests/schemas/sarif-2.1.0.json` (the OASIS schema as published on SchemaStore,
//! draft-07, which GitHub code scanning documents; taken from the `serde-sarif` crate).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::string_slice)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use charter::diagnostic::{Code, Diagnostic, Label, Severity};
use charter::render::baseline::{Baseline, fingerprints};
use charter::source::{FileId, SourceFile, SourceMap, Span};
use serde_json::Value;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ci/portfolio")
}

fn charter(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_charter"))
        .args(arguments)
        .env("NO_COLOR", "1")
        .output()
        .expect("the charter binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn sarif_of(path: &Path) -> Value {
    let output = charter(&["check", path.to_str().expect("utf-8 path"), "--format", "sarif"]);
    assert!(matches!(output.status.code(), Some(0 | 1)), "check failed to run: {}", stderr(&output));
    serde_json::from_slice(&output.stdout).expect("SARIF output is JSON")
}

fn validate_sarif(document: &Value) {
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-2.1.0.json");
    let mut schema: Value = serde_json::from_str(&std::fs::read_to_string(schema_path).expect("schema file"))
        .expect("schema is JSON");
    // The official schema's `language` patterns (of `run` and `toolComponent`) have a
    // stray `]` (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`), which the validator rejects
    // as an invalid ECMA-262 regex while compiling the schema. The file stays as
    // published; the pattern is replaced here by the one intended. Charter never writes
    // `language`.
    let replaced = replace_strings(&mut schema, BROKEN_LANGUAGE_PATTERN, "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
    assert_eq!(replaced, 2, "the schema has the two `language` patterns");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF output violates the schema:\n{}", errors.join("\n"));
}

const BROKEN_LANGUAGE_PATTERN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";

/// Replaces every string equal to `from` in `value`; returns how many.
fn replace_strings(value: &mut Value, from: &str, to: &str) -> usize {
    match value {
        Value::String(text) if text == from => {
            *text = to.to_string();
            1
        }
        Value::Array(items) => items.iter_mut().map(|item| replace_strings(item, from, to)).sum(),
        Value::Object(members) => members.values_mut().map(|member| replace_strings(member, from, to)).sum(),
        _ => 0,
    }
}

#[test]
fn sarif_validates_against_the_official_schema() {
    validate_sarif(&sarif_of(&fixture()));
}

#[test]
fn sarif_of_the_acme_example_validates_too() {
    let acme = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/acme");
    if !acme.join("charter.toml").is_file() {
        eprintln!("skipped: examples/acme is not there");
        return;
    }
    validate_sarif(&sarif_of(&acme));
}

#[test]
fn sarif_results_snapshot() {
    // A copy outside any git repository, so that paths start at the workspace root.
    let directory = scratch();
    let document = sarif_of(directory.path());
    let run = &document["runs"][0];
    insta::assert_json_snapshot!("sarif_results", &run["results"]);
}

#[test]
fn sarif_driver_describes_every_rule_a_result_names() {
    let document = sarif_of(&fixture());
    let driver = &document["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "charter");
    let rules = driver["rules"].as_array().expect("rules");
    for result in document["runs"][0]["results"].as_array().expect("results") {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"], "ruleIndex points at the rule");
    }
    let unknown_reference = rules
        .iter()
        .find(|rule| rule["id"] == "charter::unknown_reference")
        .expect("built-in codes are described");
    insta::assert_json_snapshot!("sarif_rule_descriptor", unknown_reference);
}

#[test]
fn sarif_locations_are_relative_to_the_workspace_root() {
    let directory = scratch();
    let document = sarif_of(directory.path());
    let run = &document["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    for result in run["results"].as_array().expect("results") {
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let uri = location["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(!uri.starts_with('/') && !uri.contains(':'), "relative uri: {uri}");
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(location["region"][key].as_u64().is_some_and(|value| value >= 1), "{key} in {location}");
        }
        assert!(result["partialFingerprints"]["charterFinding/v1"].is_string());
    }
}

#[test]
fn github_annotations_snapshot() {
    let directory = scratch();
    let output = charter(&["check", directory.path().to_str().expect("utf-8"), "--format", "github"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("github_annotations", stdout(&output));
}

/// A copy of the fixture to edit.
fn scratch() -> tempfile::TempDir {
    let directory = tempfile::tempdir().expect("temporary directory");
    for entry in std::fs::read_dir(fixture()).expect("fixture") {
        let path = entry.expect("entry").path();
        // The fixture's files, not the `.charter_cache/` a check of it leaves.
        if path.is_file() {
            std::fs::copy(&path, directory.path().join(path.file_name().expect("name"))).expect("copy");
        }
    }
    directory
}

fn edit(path: &Path, change: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(path).expect("read");
    std::fs::write(path, change(text)).expect("write");
}

#[test]
fn baseline_accepts_todays_findings_and_survives_moved_lines() {
    let workspace = scratch();
    let root = workspace.path().to_str().expect("utf-8").to_string();
    let baseline = workspace.path().join("baseline.json");
    let baseline_arg = baseline.to_str().expect("utf-8");

    let written = charter(&["check", &root, "--write-baseline", baseline_arg]);
    assert_eq!(written.status.code(), Some(0), "{}", stderr(&written));
    assert!(stdout(&written).is_empty());
    assert!(stderr(&written).contains("wrote 3 errors, 1 warning to the baseline"), "{}", stderr(&written));

    let clean = charter(&["check", &root, "--baseline", baseline_arg, "--format", "short"]);
    assert_eq!(clean.status.code(), Some(0), "{}{}", stdout(&clean), stderr(&clean));
    assert_eq!(stdout(&clean), "");
    assert!(stderr(&clean).contains("4 findings recorded in the baseline"), "{}", stderr(&clean));

    // Unrelated edits: lines inserted above every finding, one entity moved to another file.
    for file in ["projects.charter", "unsorted.charter"] {
        edit(&workspace.path().join(file), |text| {
            format!("// reviewed in the Q4 steering committee\n\n{text}")
        });
    }
    edit(&workspace.path().join("projects.charter"), |text| {
        let start = text.find("project crm_upgrade").expect("crm_upgrade");
        let end = start + text[start..].find("\n}\n").expect("end of crm_upgrade") + 3;
        std::fs::write(workspace.path().join("crm.charter"), &text[start..end]).expect("write crm.charter");
        format!("{}{}", &text[..start], &text[end..])
    });
    let moved = charter(&["check", &root, "--baseline", baseline_arg, "--format", "short"]);
    assert_eq!(moved.status.code(), Some(0), "{}{}", stdout(&moved), stderr(&moved));
    assert_eq!(stdout(&moved), "");
}

#[test]
fn baseline_reports_only_new_findings_and_counts_fixed_ones() {
    let workspace = scratch();
    let root = workspace.path().to_str().expect("utf-8").to_string();
    let baseline = workspace.path().join("baseline.json");
    let baseline_arg = baseline.to_str().expect("utf-8");
    assert_eq!(charter(&["check", &root, "--write-baseline", baseline_arg]).status.code(), Some(0));

    edit(&workspace.path().join("projects.charter"), |text| {
        text.replace("  budjet: 100k USD\n", "").replace(
            "project cloud_move \"Cloud migration\" {",
            "project cloud_move \"Cloud migration\" {\n  managr: bob",
        )
    });
    let output = charter(&["check", &root, "--baseline", baseline_arg, "--format", "short"]);
    assert_eq!(output.status.code(), Some(0), "a new warning does not fail: {}", stderr(&output));
    insta::assert_snapshot!("baseline_new_findings", stdout(&output));
    assert!(stderr(&output).contains("1 baseline entry is fixed"), "{}", stderr(&output));

    let denied =
        charter(&["check", &root, "--baseline", baseline_arg, "--deny-warnings", "--format", "short"]);
    assert_eq!(denied.status.code(), Some(1));
}

#[test]
fn baseline_flags_exclude_each_other_and_bad_files_are_usage_errors() {
    let root = fixture();
    let root = root.to_str().expect("utf-8");
    let both = charter(&["check", root, "--baseline", "a.json", "--write-baseline", "b.json"]);
    assert_eq!(both.status.code(), Some(2));

    let missing = charter(&["check", root, "--baseline", "/nonexistent/baseline.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("cannot read the baseline"), "{}", stderr(&missing));

    let directory = tempfile::tempdir().expect("temporary directory");
    let garbage = directory.path().join("baseline.json");
    std::fs::write(&garbage, "{\"version\": 99, \"findings\": []}").expect("write");
    let wrong = charter(&["check", root, "--baseline", garbage.to_str().expect("utf-8")]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(stderr(&wrong).contains("baseline version 99 is not supported"), "{}", stderr(&wrong));
}

/// A one-file source map and a maker of diagnostics on it.
fn sources(text: &str) -> SourceMap {
    let mut sources = SourceMap::default();
    sources.add(SourceFile::new(PathBuf::from("/w/p.charter"), "p.charter".into(), text));
    sources
}

fn finding(code: &str, entity: Option<&str>, message: &str, span: (usize, usize)) -> Diagnostic {
    Diagnostic {
        code: Code::Rule(code.into()),
        severity: Severity::Error,
        message: message.into(),
        primary: Label::bare(Span::new(FileId(0), span.0, span.1)),
        secondary: Vec::new(),
        help: None,
        entity: entity.map(str::to_string),
        url: None,
        fix: None,
    }
}

#[test]
fn fingerprints_ignore_figures_positions_and_files_of_entity_findings() {
    let before = sources("project p { spent: 900k USD }\n");
    let after = sources("\n\n// moved\nproject p {\n  spent: 950k USD\n}\n");
    let over = |spent: &str, span| {
        finding(
            "project_over_budget",
            Some("p"),
            &format!("project `p` spent {spent} USD of 800,000 USD"),
            span,
        )
    };
    assert_eq!(
        fingerprints(&before, &[over("900,000", (12, 26))]),
        fingerprints(&after, &[over("950,000", (30, 44))])
    );
    let other_entity =
        finding("project_over_budget", Some("q"), "project `q` spent 900,000 USD of 800,000 USD", (12, 26));
    assert_ne!(fingerprints(&before, &[over("900,000", (12, 26))]), fingerprints(&before, &[other_entity]));
}

#[test]
fn fingerprints_of_findings_without_entity_use_the_text_under_the_label() {
    let before = sources("rule r {\n  require broken(\n}\n");
    let after = sources("// a comment\n\nrule r {\n  require broken(\n}\n");
    let at = |text: &str| {
        let start = text.find("broken(").expect("present");
        finding("charter::syntax", None, "expected an expression", (start, start + 7))
    };
    assert_eq!(
        fingerprints(&before, &[at("rule r {\n  require broken(\n}\n")]),
        fingerprints(&after, &[at("// a comment\n\nrule r {\n  require broken(\n}\n")])
    );
    // Two findings that look the same still get two fingerprints.
    let twice = fingerprints(
        &before,
        &[at("rule r {\n  require broken(\n}\n"), at("rule r {\n  require broken(\n}\n")],
    );
    assert_ne!(twice[0], twice[1]);
}

#[test]
fn baselines_round_trip_through_json() {
    let map = sources("project p { }\n");
    let baseline = Baseline::record(
        &map,
        &[finding("project_has_sponsor", Some("p"), "project `p` has no sponsor", (8, 9))],
    );
    let parsed = Baseline::parse(&baseline.to_json()).expect("parses");
    assert_eq!(parsed, baseline);
    let comparison = parsed
        .compare(&map, vec![finding("project_has_sponsor", Some("p"), "project `p` has no sponsor", (0, 7))]);
    assert_eq!((comparison.new.len(), comparison.known, comparison.fixed), (0, 1, 0));
}

#[test]
#[should_panic(expected = "violates the schema")]
fn the_schema_check_rejects_an_invalid_log() {
    let mut document = sarif_of(&fixture());
    document["runs"][0]["results"][0]["level"] = Value::from("fatal");
    validate_sarif(&document);
}

/// A workspace below the root of a git repository: SARIF and annotations name files from
/// the repository root, as GitHub resolves them, unless `--path-prefix` says otherwise.
#[test]
fn paths_start_at_the_repository_root() {
    let repository = tempfile::tempdir().expect("temporary directory");
    std::fs::create_dir(repository.path().join(".git")).expect(".git");
    let workspace = repository.path().join("governance/portfolio");
    std::fs::create_dir_all(&workspace).expect("workspace");
    for entry in std::fs::read_dir(fixture()).expect("fixture") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            std::fs::copy(&path, workspace.join(path.file_name().expect("name"))).expect("copy");
        }
    }
    let workspace = workspace.to_str().expect("utf-8");
    let uris = |extra: &[&str]| -> Vec<String> {
        let mut arguments = vec!["check", workspace, "--format", "sarif"];
        arguments.extend_from_slice(extra);
        let document: Value = serde_json::from_slice(&charter(&arguments).stdout).expect("sarif");
        document["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|result| {
                result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .expect("uri")
                    .to_string()
            })
            .collect()
    };
    let found = uris(&[]);
    assert!(!found.is_empty());
    assert!(found.iter().all(|uri| uri.starts_with("governance/portfolio/")), "{found:?}");
    let given = uris(&["--path-prefix", "elsewhere/"]);
    assert!(
        given.iter().all(|uri| uri.starts_with("elsewhere/") && !uri.contains("governance")),
        "{given:?}"
    );
    let none = uris(&["--path-prefix", ""]);
    assert!(none.iter().all(|uri| !uri.contains('/') || uri.starts_with("..")), "{none:?}");
    let annotations = stdout(&charter(&["check", workspace, "--format", "github"]));
    let files: Vec<&str> = annotations
        .lines()
        .filter_map(|line| line.split("file=").nth(1))
        .filter_map(|rest| rest.split(',').next())
        .collect();
    assert!(!files.is_empty());
    assert!(files.iter().all(|file| file.starts_with("governance/portfolio/")), "{files:?}");
}

#[test]
fn baseline_entries_match_findings_reworded_by_another_version() {
    let workspace = scratch();
    let root = workspace.path().to_str().expect("utf-8").to_string();
    let baseline = workspace.path().join("baseline.json");
    let baseline_arg = baseline.to_str().expect("utf-8");
    assert_eq!(charter(&["check", &root, "--write-baseline", baseline_arg]).status.code(), Some(0));

    // An older Charter worded every message differently, so no fingerprint matches; the
    // entries that name an entity still match the one finding of their code on it.
    let mut recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).expect("baseline")).expect("json");
    let findings = recorded["findings"].as_array_mut().expect("findings");
    let about_entities = findings.iter().filter(|entry| entry["entity"].is_string()).count();
    assert!(about_entities >= 2, "the fixture has findings about entities: {findings:?}");
    assert!(about_entities < findings.len(), "and findings about no entity: {findings:?}");
    for (index, entry) in findings.iter_mut().enumerate() {
        entry["fingerprint"] = serde_json::json!(format!("{index:016x}"));
        entry["message"] = serde_json::json!("worded by an older version");
    }
    std::fs::write(&baseline, serde_json::to_string_pretty(&recorded).expect("json")).expect("write");

    let output = charter(&["check", &root, "--baseline", baseline_arg, "--format", "short"]);
    let shown = stdout(&output);
    let reported: Vec<&str> = shown.lines().collect();
    let total = findings_len(&recorded);
    assert_eq!(
        reported.len(),
        total - about_entities,
        "only the findings about no entity are new: {reported:?}"
    );
    assert!(
        stderr(&output).contains(&format!("{about_entities} findings recorded in the baseline")),
        "{}",
        stderr(&output)
    );
}

fn findings_len(baseline: &serde_json::Value) -> usize {
    baseline["findings"].as_array().map_or(0, Vec::len)
}
