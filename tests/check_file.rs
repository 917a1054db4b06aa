//! `charter::check_file` — what the language server publishes first after an edit — is
//! exactly `charter::check` restricted to one file, for every file of the shipped
//! examples, the diagnostic fixtures, a generated portfolio and workspaces built to cross
//! files: waivers listing subjects elsewhere, portfolio rules, rules with evaluation
//! errors.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use charter::Diagnostic;
use charter::model::{Config, Workspace};
use std::path::{Path, PathBuf};

fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 26)
}

/// A finding with its places spelled out (spans compare equal whatever their offsets).
fn describe(workspace: &Workspace, finding: &Diagnostic) -> String {
    let place = |span: charter::source::Span| {
        let name = workspace.sources.get(span.file).map_or("?", |file| file.name.as_str());
        format!("{name}:{}..{}", span.start, span.end)
    };
    let labels: Vec<String> = std::iter::once(&finding.primary)
        .chain(&finding.secondary)
        .map(|label| format!("{} {:?}", place(label.span), label.message))
        .collect();
    format!(
        "{:?} {} {:?}: {} [{}] help={:?} entity={:?}",
        finding.severity,
        finding.code.as_str(),
        finding.fix.as_ref().map(|fix| &fix.title),
        finding.message,
        labels.join("; "),
        finding.help,
        finding.entity
    )
}

/// Asserts the agreement for every file of `workspace`; returns how many findings the
/// workspace has, so that callers can check they tested something.
fn assert_agrees(workspace: &Workspace) -> usize {
    let all = charter::check(workspace, today());
    for parsed in workspace.files.iter().filter(|parsed| !parsed.std) {
        let expected: Vec<String> = all
            .iter()
            .filter(|finding| finding.span().file == parsed.file)
            .map(|finding| describe(workspace, finding))
            .collect();
        let actual: Vec<String> = charter::check_file(workspace, today(), parsed.file)
            .iter()
            .map(|finding| describe(workspace, finding))
            .collect();
        let name = &workspace.sources.get(parsed.file).unwrap().name;
        assert_eq!(actual, expected, "findings of `{name}` differ from `charter check`'s");
    }
    all.len()
}

fn load(path: &str) -> Workspace {
    charter::load(&[Path::new(env!("CARGO_MANIFEST_DIR")).join(path)]).unwrap()
}

fn inline(files: &[(&str, &str)], toml: &str) -> Workspace {
    let root = PathBuf::from("/ws");
    let texts = files.iter().map(|(name, text)| (root.join(name), (*text).to_string())).collect();
    Workspace::from_texts(root, Config::parse(toml).unwrap(), texts, &|_| None)
}

#[test]
fn acme() {
    assert!(assert_agrees(&load("examples/acme")) > 0);
}

#[test]
fn broken() {
    assert!(assert_agrees(&load("examples/broken")) > 10);
}

/// Rule errors of std and of a library outside the workspace are located at their subjects.
#[test]
fn findings_moved_out_of_std_and_libraries() {
    assert!(assert_agrees(&load("tests/fixtures/foreign/workspace")) >= 3);
}

#[test]
fn diagnostic_fixtures() {
    assert!(assert_agrees(&load("tests/fixtures/diagnostics")) > 10);
}

#[test]
fn generated_portfolio() {
    let root = PathBuf::from("/synthetic");
    let texts =
        charter::synth::portfolio(400).into_iter().map(|(name, text)| (root.join(name), text)).collect();
    let workspace = Workspace::from_texts(root, Config::default(), texts, &|_| None);
    assert!(assert_agrees(&workspace) > 100);
}

const PEOPLE: &str = r#"
person ana "Ana" { executive: true }
person ben "Ben" { executive: false }
"#;

const PROJECTS: &str = r#"
project alpha "Alpha" { status: active, sponsor: ben, budget: 100k USD }
project beta "Beta" { status: active, budget: 50k EUR }
project gamma "Gamma" { status: active, sponsor: ana, budget: 10k USD }
"#;

const RULES: &str = r#"
rule executive_sponsor {
  severity: error
  for project p where p.sponsor != none
  require p.sponsor.executive else "project {p} has a sponsor who is not an executive"
}

rule funded {
  severity: warning
  for project p
  require p.sponsor != none
}

rule one_currency {
  severity: warning
  for portfolio
  require projects.map(p, p.budget).sum() < 1M USD
}

rule small_portfolio {
  severity: info
  for portfolio
  require projects.count() < 2 else "more than one project"
}
"#;

/// Waivers in one file listing subjects of another: whether an entry was used depends on
/// the verdicts on those subjects.
const WAIVERS: &str = r#"
waiver ben_is_fine {
  rule: executive_sponsor
  applies_to: [alpha, gamma]
  reason: "interim sponsor"
  approved_by: ana
  expires: 2027-01-31
}

waiver many_projects {
  rule: small_portfolio
  reason: "we run several projects"
  approved_by: ana
  expires: 2026-12-10
}

waiver stale {
  rule: funded
  applies_to: [beta]
  reason: "funding review"
  approved_by: ana
  expires: 2026-01-01
}
"#;

#[test]
fn waivers_rules_and_evaluation_errors_across_files() {
    let workspace = inline(
        &[
            ("people.charter", PEOPLE),
            ("projects.charter", PROJECTS),
            ("rules.charter", RULES),
            ("waivers.charter", WAIVERS),
        ],
        "[check]\nstd = true\n",
    );
    let findings = charter::check(&workspace, today());
    let codes: Vec<&str> = findings.iter().map(|finding| finding.code.as_str()).collect();
    // The workspace exercises what the focus has to get right.
    for code in [
        "charter::waiver_unused",
        "charter::waiver_expired",
        "charter::waiver_expiring",
        "charter::rule_error",
        "funded",
    ] {
        assert!(codes.contains(&code), "expected a `{code}` finding, got {codes:?}");
    }
    assert_agrees(&workspace);
}

#[test]
fn turned_off_rules_and_overridden_severities() {
    let workspace = inline(
        &[
            ("people.charter", PEOPLE),
            ("projects.charter", PROJECTS),
            ("rules.charter", RULES),
            ("waivers.charter", WAIVERS),
        ],
        "[rules]\nexecutive_sponsor = \"off\"\nfunded = \"error\"\n\"charter::waiver_expired\" = \"warning\"\n",
    );
    assert!(assert_agrees(&workspace) > 0);
}

/// A check asked to stop gives up rather than returning partial findings; one never asked
/// gives exactly `charter::check`.
#[test]
fn a_cancelled_check_returns_nothing() {
    let workspace = load("examples/acme");
    let engine = charter::rules::Engine::new(&workspace);
    assert!(charter::check_until(&engine, &workspace, today(), &|| true).is_none());
    let whole = charter::check_until(&engine, &workspace, today(), &|| false).unwrap();
    let expected = charter::check(&workspace, today());
    let describe_all =
        |findings: &[Diagnostic]| findings.iter().map(|f| describe(&workspace, f)).collect::<Vec<_>>();
    assert_eq!(describe_all(&whole), describe_all(&expected));
}
