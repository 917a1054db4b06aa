//! Edit → diagnostics latency on a large workspace: 10,000 projects across 20 files (plus
//! people, objectives and metrics). The server core is driven in-process through its
//! `Client` trait; the time measured runs from `didChange` to the `publishDiagnostics`
//! of the edited document's new version.
//!
//! `cargo bench -p charter-lsp --bench edit_latency [-- PROJECTS FILES EDITS]`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use charter_lsp::paths::PathMap;
use charter_lsp::{Client, Server};
use tokio::sync::mpsc;
use tower_lsp_server::LanguageServer;
use tower_lsp_server::ls_types as lsp;

#[derive(Clone)]
struct Recorder {
    published: mpsc::UnboundedSender<(String, Option<i32>, usize, Instant)>,
}

impl Client for Recorder {
    async fn publish_diagnostics(
        &self,
        uri: lsp::Uri,
        diagnostics: Vec<lsp::Diagnostic>,
        version: Option<i32>,
    ) {
        let _ = self.published.send((uri.as_str().to_string(), version, diagnostics.len(), Instant::now()));
    }

    async fn log(&self, _: lsp::MessageType, message: String) {
        eprintln!("server: {message}");
    }

    async fn watch_files(&self) {}
}

/// A deterministic portfolio: `projects` projects over `files` files.
fn generate(root: &Path, projects: usize, files: usize) {
    std::fs::create_dir_all(root.join("portfolio")).unwrap();
    std::fs::write(root.join("charter.toml"), "[check]\ntoday = \"2026-11-26\"\n").unwrap();
    let people = 200;
    let objectives = 100;
    let metrics = 200;
    let mut text = String::new();
    for index in 0..people {
        let executive = index % 10 == 0;
        writeln!(
            text,
            "person person_{index} \"Person {index}\" {{ role: \"Role\", executive: {executive} }}\n"
        )
        .unwrap();
    }
    std::fs::write(root.join("portfolio/people.charter"), &text).unwrap();
    text.clear();
    for index in 0..objectives {
        writeln!(
            text,
            "objective objective_{index} \"Objective {index}\" {{\n  owner: person_{}\n  priority: high\n  measured_by: [metric_{}, metric_{}]\n}}\n",
            (index * 10) % people,
            index % metrics,
            (index + 100) % metrics
        )
        .unwrap();
    }
    for index in 0..metrics {
        writeln!(
            text,
            "metric metric_{index} \"Metric {index}\" {{\n  owner: person_{}\n  direction: increase\n  baseline: 10% @ 2025-01-01\n  target: 40% @ 2027-12-31\n  actual: {}% @ 2026-06-30\n  cadence: monthly\n}}\n",
            index % people,
            15 + index % 20
        )
        .unwrap();
    }
    std::fs::write(root.join("portfolio/strategy.charter"), &text).unwrap();
    let per_file = projects / files;
    for file in 0..files {
        text.clear();
        for local in 0..per_file {
            let index = file * per_file + local;
            let status = ["active", "approved", "proposed", "done"][index % 4];
            let depends = if index > 0 && index.is_multiple_of(3) {
                format!("\n  depends_on: [project_{}]", index - 1)
            } else {
                String::new()
            };
            writeln!(
                text,
                "/// Project {index}.\nproject project_{index} \"Project {index}\" {{\n  sponsor: person_{}\n  manager: person_{}\n  status: {status}\n  start: 2026-01-01\n  end: 2027-06-30\n  budget: {}k USD\n  spent: {}k USD\n  supports: [objective_{}]\n  kpis: [metric_{}]{depends}\n\n  milestone m1 \"First\" {{ date: 2026-06-01, status: done }}\n}}\n",
                (index * 10) % 200,
                (index * 7) % 200,
                100 + index % 900,
                index % 100,
                index % 100,
                index % 200,
            )
            .unwrap();
        }
        std::fs::write(root.join(format!("portfolio/projects_{file:02}.charter")), &text).unwrap();
    }
}

fn uri(path: &Path) -> lsp::Uri {
    lsp::Uri::from_file_path(path).unwrap()
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

type Published = mpsc::UnboundedReceiver<(String, Option<i32>, usize, Instant)>;

/// When diagnostics of `uri` were published with a version `wanted` accepts.
async fn published_at(published: &mut Published, uri: &str, wanted: impl Fn(Option<i32>) -> bool) -> Instant {
    loop {
        let (published_uri, version, _, at) = published.recv().await.unwrap();
        if published_uri == uri && wanted(version) {
            return at;
        }
    }
}

/// Replaces `range` of the document at `path` with `text` as `version`; returns when the
/// change was sent and how long its diagnostics took.
async fn edit(
    server: &Server<Recorder>,
    published: &mut Published,
    path: &Path,
    version: i32,
    range: lsp::Range,
    text: &str,
) -> (Instant, Duration) {
    let started = Instant::now();
    server
        .did_change(lsp::DidChangeTextDocumentParams {
            text_document: lsp::VersionedTextDocumentIdentifier::new(uri(path), version),
            content_changes: vec![lsp::TextDocumentContentChangeEvent {
                range: Some(range),
                range_length: None,
                text: text.to_string(),
            }],
        })
        .await;
    let at = published_at(published, uri(path).as_str(), |published| published == Some(version)).await;
    (started, at - started)
}

fn summary(latencies: &mut [Duration]) -> String {
    latencies.sort();
    let total: Duration = latencies.iter().sum();
    format!(
        "min {:?}, median {:?}, p95 {:?}, max {:?}, mean {:?}",
        latencies[0],
        percentile(latencies, 0.5),
        percentile(latencies, 0.95),
        latencies[latencies.len() - 1],
        total / latencies.len() as u32
    )
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let arguments: Vec<usize> =
        std::env::args().skip(1).filter_map(|argument| argument.parse().ok()).collect();
    let projects = arguments.first().copied().unwrap_or(10_000);
    let files = arguments.get(1).copied().unwrap_or(20);
    let edits = arguments.get(2).copied().unwrap_or(30);
    let dir = tempfile::tempdir().unwrap();
    let root: PathBuf = dir.path().canonicalize().unwrap();
    generate(&root, projects, files);

    // The pipeline stages on their own, for the breakdown.
    let started = Instant::now();
    let workspace = charter::load(std::slice::from_ref(&root)).unwrap();
    let load = started.elapsed();
    let started = Instant::now();
    let findings = charter::check(&workspace, jiff::civil::date(2026, 11, 26));
    let check = started.elapsed();
    let edited_path = root.join("portfolio/projects_07.charter");
    let edited_text = std::fs::read_to_string(&edited_path).unwrap();
    let started = Instant::now();
    let _ = charter::syntax::parse(charter::source::FileId(0), &edited_text);
    let parse_one = started.elapsed();
    println!(
        "workspace: {projects} projects in {files} files, {} entities, {} findings",
        workspace.portfolio.entities().count(),
        findings.len()
    );
    println!("full load (parse all + resolve): {load:?}; check: {check:?}; parse of one file: {parse_one:?}");

    let (sender, mut published) = mpsc::unbounded_channel();
    let server = Server::with_paths(Recorder { published: sender }, PathMap::with_std_in(root.join(".std")));
    let folder = lsp::WorkspaceFolder { uri: uri(&root), name: "bench".to_string() };
    server
        .initialize(lsp::InitializeParams {
            workspace_folders: Some(vec![folder]),
            ..lsp::InitializeParams::default()
        })
        .await
        .unwrap();
    let started = Instant::now();
    server.initialized(lsp::InitializedParams {}).await;
    let edited_uri = uri(&edited_path).as_str().to_string();
    published_at(&mut published, &edited_uri, |_| true).await;
    println!("initial analysis and publication: {:?}", started.elapsed());
    server
        .did_open(lsp::DidOpenTextDocumentParams {
            text_document: lsp::TextDocumentItem::new(
                uri(&edited_path),
                "charter".to_string(),
                1,
                edited_text.clone(),
            ),
        })
        .await;
    published_at(&mut published, &edited_uri, |version| version == Some(1)).await;
    // Each edit retypes a budget in the middle of the file: a model-level change that the
    // rules see. Two cadences: edits that each wait for the previous analysis to settle
    // (typing with pauses), and edits sent as soon as the previous edit's diagnostics
    // arrive (a burst, where the whole-workspace check of one edit may be skipped for the
    // next).
    let anchor = edited_text.find("budget: ").unwrap() + "budget: ".len();
    let lines = charter::source::LineIndex::new(&edited_text);
    let line = lines.line_of(anchor) as u32;
    let character = (anchor - lines.line_start(line as usize)) as u32;
    let mut version = 1;
    for settle in [true, false] {
        let mut latencies = Vec::with_capacity(edits);
        let mut settled = Vec::with_capacity(edits);
        for edit in 0..edits {
            if settle {
                server.settled().await;
            }
            version += 1;
            let range =
                lsp::Range::new(lsp::Position::new(line, character), lsp::Position::new(line, character + 3));
            let replacement = format!("{}", 100 + edit % 9);
            let (started, latency) =
                self::edit(&server, &mut published, &edited_path, version, range, &replacement).await;
            latencies.push(latency);
            if settle {
                server.settled().await;
                settled.push(started.elapsed());
            }
        }
        let cadence = if settle { "one at a time" } else { "in a burst" };
        println!(
            "edit → diagnostics of the edited file, {edits} edits {cadence}: {}",
            summary(&mut latencies)
        );
        if settle {
            println!("edit → whole workspace checked, {edits} edits {cadence}: {}", summary(&mut settled));
        }
    }
    // Edits of a declared id (it gains and loses a letter, as when typing a new id): the
    // index changes, and entities that name the id are lowered again.
    let declaration = edited_text.find("\nproject ").unwrap() + "\nproject ".len();
    let name_end = declaration + edited_text[declaration..].find(' ').unwrap();
    let line = lines.line_of(name_end) as u32;
    let character = (name_end - lines.line_start(line as usize)) as u32;
    let mut latencies = Vec::with_capacity(edits);
    for edit in 0..edits {
        server.settled().await;
        version += 1;
        let end = if edit % 2 == 0 { character } else { character + 1 };
        let range = lsp::Range::new(lsp::Position::new(line, character), lsp::Position::new(line, end));
        let text = if edit % 2 == 0 { "x" } else { "" };
        latencies.push(self::edit(&server, &mut published, &edited_path, version, range, text).await.1);
    }
    println!(
        "edit → diagnostics of the edited file, {edits} edits of a declared id one at a time: {}",
        summary(&mut latencies)
    );
    // Edits that add a declaration and remove it again: every later entity's id moves.
    let end_line = lines.line_of(edited_text.len()) as u32;
    let added = "project added_now \"Added\" { status: proposed }\n";
    let mut latencies = Vec::with_capacity(edits);
    for edit in 0..edits {
        server.settled().await;
        version += 1;
        let start = lsp::Position::new(end_line, 0);
        let (range, text) = if edit % 2 == 0 {
            (lsp::Range::new(start, start), added)
        } else {
            (lsp::Range::new(start, lsp::Position::new(end_line + 1, 0)), "")
        };
        latencies.push(self::edit(&server, &mut published, &edited_path, version, range, text).await.1);
    }
    println!(
        "edit → diagnostics of the edited file, {edits} edits adding or removing a declaration: {}",
        summary(&mut latencies)
    );
    let snapshot = server.settled().await;
    println!("last analysis took {:?}: {:?}", snapshot.elapsed, snapshot.phases);
}
