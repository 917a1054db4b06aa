//! Same answers from the server and the CLI: after opening a file and after every kind of
//! edit (a value, an id renamed and back, a declaration added and removed, the syntax
//! broken and repaired), the diagnostics the server has published for every file equal
//! what the real `charter check --format json` binary reports for the same texts — on
//! `examples/acme` and on a generated portfolio (`charter::synth::portfolio`); and so they
//! do through sequences of edits that build on each other (declarations added then
//! removed, the syntax broken, edited elsewhere while broken and repaired, a link cut).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use support::Harness;

/// A finding as the user sees it: file, start and end byte, code, severity, message (with
/// its help, as the server shows it).
type Finding = (String, usize, usize, String, String, String);

/// The `charter` binary of this build (built first if the tests run alone).
fn charter_binary() -> PathBuf {
    let test = std::env::current_exe().unwrap();
    let profile = test.parent().and_then(Path::parent).unwrap().to_path_buf();
    let binary = profile.join(format!("charter{}", std::env::consts::EXE_SUFFIX));
    if !binary.exists() {
        let mut build = std::process::Command::new(env!("CARGO"));
        build.args(["build", "--quiet", "-p", "charter", "--bin", "charter", "--target-dir"]);
        build.arg(profile.parent().unwrap());
        if profile.file_name().is_some_and(|name| name == "release") {
            build.arg("--release");
        }
        assert!(build.status().unwrap().success(), "cannot build the `charter` binary");
    }
    binary
}

/// What `charter check --format json` reports for the workspace at `root`.
fn cli_findings(root: &Path) -> BTreeSet<Finding> {
    let output = std::process::Command::new(charter_binary())
        .args(["check", "--format", "json"])
        .arg(root)
        .current_dir(root)
        .output()
        .unwrap();
    assert!(output.status.code().is_some_and(|code| code <= 1), "{output:?}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            let mut message = finding["message"].as_str().unwrap().to_string();
            if let Some(help) = finding["help"].as_str() {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            (
                finding["file"].as_str().unwrap().to_string(),
                finding["span"]["start"]["offset"].as_u64().unwrap() as usize,
                finding["span"]["end"]["offset"].as_u64().unwrap() as usize,
                finding["code"].as_str().unwrap().to_string(),
                finding["severity"].as_str().unwrap().to_string(),
                message,
            )
        })
        .collect()
}

/// Every finding the server has published, by the files of `texts` (relative name → text).
fn server_findings(harness: &Harness, texts: &BTreeMap<String, String>) -> BTreeSet<Finding> {
    let mut findings = BTreeSet::new();
    for (file, text) in texts {
        let Some(params) = harness.latest.get(&harness.uri(file)) else { continue };
        for diagnostic in params["diagnostics"].as_array().unwrap() {
            let severity = match diagnostic["severity"].as_u64().unwrap() {
                1 => "error",
                2 => "warning",
                _ => "info",
            };
            findings.insert((
                file.clone(),
                support::offset(text, &diagnostic["range"]["start"]),
                support::offset(text, &diagnostic["range"]["end"]),
                diagnostic["code"].as_str().unwrap().to_string(),
                severity.to_string(),
                diagnostic["message"].as_str().unwrap().to_string(),
            ));
        }
    }
    findings
}

/// The workspace's files (relative name → text): every `.charter` file and `charter.toml`.
fn workspace_texts(root: &Path) -> BTreeMap<String, String> {
    let mut texts = BTreeMap::new();
    let mut directories = vec![root.to_path_buf()];
    while let Some(directory) = directories.pop() {
        for entry in std::fs::read_dir(&directory).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with('.') {
                continue;
            }
            if path.is_dir() {
                directories.push(path);
            } else if name.ends_with(".charter") || name == "charter.toml" {
                let relative = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                texts.insert(relative, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    texts
}

/// Waits until the server's diagnostics equal the CLI's on `cli_root` (which holds the
/// same texts as the editor), then asserts it; `step` names the edit.
async fn agree(harness: &mut Harness, cli_root: &Path, step: &str) {
    let expected = cli_findings(cli_root);
    assert!(!expected.is_empty(), "{step}: the CLI reports findings to compare");
    let texts = workspace_texts(cli_root);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while server_findings(harness, &texts) != expected && tokio::time::Instant::now() < deadline {
        harness.next_within(Duration::from_millis(200)).await;
    }
    let published = server_findings(harness, &texts);
    let missing: Vec<&Finding> = expected.difference(&published).collect();
    let extra: Vec<&Finding> = published.difference(&expected).collect();
    assert!(missing.is_empty() && extra.is_empty(), "{step}: missing {missing:#?}\nextra {extra:#?}");
}

/// The edits, each from the previous text: `(what, text of the file after it)`.
fn edits(original: &str, id: &str) -> Vec<(&'static str, String)> {
    let budget = original.find("\n  budget: ").unwrap() + "\n  budget: ".len();
    let value = format!("{}9{}", &original[..budget], &original[budget..]);
    let declaration = format!("project {id} \"");
    assert!(original.contains(&declaration), "`{id}` is declared in the file");
    let renamed = original.replacen(&declaration, &format!("project {id}_renamed \""), 1);
    let added = format!(
        "{original}\nproject agreement_added \"Added\" {{\n  status: active\n  budget: 10k USD\n}}\n"
    );
    let broken = original.replacen("\n  status: ", "\n  status:: ", 1);
    assert_ne!(broken, original);
    vec![
        ("change a value", value),
        ("change it back", original.to_string()),
        ("rename an id", renamed),
        ("rename it back", original.to_string()),
        ("add a declaration", added),
        ("remove the declaration", original.to_string()),
        ("break the syntax", broken),
        ("repair the syntax", original.to_string()),
    ]
}

/// Edits that build on each other, so that what the server carries from one edit to the
/// next (its portfolio, its reverse links, its parse of the file) is what it relies on:
/// `(what, text of the file after it)`, each from the previous text.
fn sequence(original: &str, id: &str) -> Vec<(&'static str, String)> {
    let added = |text: &str, name: &str| {
        format!("{text}\nproject {name} \"Added\" {{\n  status: active\n  budget: 10k USD\n}}\n")
    };
    let one = added(original, "sequence_one");
    let two = added(&one, "sequence_two");
    let without_one =
        two.replacen("\nproject sequence_one \"Added\" {\n  status: active\n  budget: 10k USD\n}\n", "", 1);
    let broken = original.replacen("\n  status: ", "\n  status:: ", 1);
    let budget = broken.rfind("\n  budget: ").unwrap() + "\n  budget: ".len();
    let broken_and_edited = format!("{}7{}", &broken[..budget], &broken[budget..]);
    let repaired = broken_and_edited.replacen("\n  status:: ", "\n  status: ", 1);
    let declaration = format!("project {id} \"");
    let renamed = repaired.replacen(&declaration, &format!("project {id}_renamed \""), 1);
    let unlinked = renamed.replacen("\n  supports: [", "\n  supports: [], was: [", 1);
    vec![
        ("add a declaration", one),
        ("add another", two.clone()),
        ("remove the first", without_one),
        ("remove the second", original.to_string()),
        ("break the syntax", broken),
        ("edit a value while broken", broken_and_edited),
        ("repair the syntax", repaired),
        ("rename an id", renamed),
        ("unlink what a project supports", unlinked),
        ("back to the original", original.to_string()),
    ]
}

/// The steps of an edit list: `(what, text of the file after it)`, from the original text
/// of the file and the id of a project in it.
type Steps = fn(&str, &str) -> Vec<(&'static str, String)>;

/// Opens `file` of the workspace in `source`, checks agreement, then applies `steps`
/// ([`edits`] or [`sequence`]), checking agreement after every one.
async fn agree_through(source: &Path, file: &str, id: &str, steps: Steps) {
    let mut harness = Harness::start_in(source).await;
    let cli = tempfile::tempdir().unwrap();
    let cli_root = cli.path().join("workspace");
    support::copy_dir(source, &cli_root);
    let original = harness.open(file).await;
    harness.diagnostics(file, Some(1)).await;
    agree(&mut harness, &cli_root, "open").await;
    for (step, text) in steps(&original, id) {
        assert_ne!(text, std::fs::read_to_string(cli_root.join(file)).unwrap(), "{step} changes the text");
        let version = harness.change_all(file, &text).await;
        std::fs::write(cli_root.join(file), &text).unwrap();
        harness.diagnostics(file, Some(version)).await;
        agree(&mut harness, &cli_root, step).await;
    }
    harness.shutdown().await;
}

/// A generated portfolio, written to a temporary directory: `(directory, its root, the
/// first projects file)`.
fn generated(projects: usize) -> (tempfile::TempDir, PathBuf, String) {
    let generated = tempfile::tempdir().unwrap();
    let root = generated.path().join("portfolio");
    for (name, text) in charter::synth::portfolio(projects) {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    std::fs::write(root.join("charter.toml"), "[check]\ntoday = \"2026-11-26\"\n").unwrap();
    let file = charter::synth::portfolio(projects)
        .into_iter()
        .map(|(name, _)| name)
        .find(|name| name.starts_with("projects/"))
        .unwrap();
    (generated, root, file)
}

#[tokio::test]
async fn the_server_and_the_cli_agree_on_acme_through_a_sequence_of_edits() {
    let acme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/acme");
    agree_through(&acme, "projects/cloud.charter", "cloud_wave1", sequence).await;
}

#[tokio::test]
async fn the_server_and_the_cli_agree_on_a_generated_portfolio_through_a_sequence_of_edits() {
    let (_directory, root, file) = generated(300);
    agree_through(&root, &file, "project_0", sequence).await;
}

#[tokio::test]
async fn the_server_and_the_cli_agree_on_acme_through_every_kind_of_edit() {
    let acme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/acme");
    agree_through(&acme, "projects/cloud.charter", "cloud_wave1", edits).await;
}

#[tokio::test]
async fn the_server_and_the_cli_agree_on_a_generated_portfolio_through_every_kind_of_edit() {
    let (_directory, root, file) = generated(300);
    agree_through(&root, &file, "project_0", edits).await;
}
