//! Rendering many findings over a large workspace: 10,000 diagnostics over the ~8 MB
//! generated 10,000-project portfolio, in every text format. Run with
//! `cargo bench --bench render`.

use charter::diagnostic::{BuiltinCode, Diagnostic};
use charter::model::{Config, Workspace};
use charter::render;
use std::path::PathBuf;
use std::sync::LazyLock;

fn main() {
    divan::main();
}

/// The workspace and one finding per project, each with a label, a secondary label in
/// another file and a help line, the way rule violations look.
static FIXTURE: LazyLock<(Workspace, Vec<Diagnostic>)> = LazyLock::new(|| {
    let root = PathBuf::from("/synthetic");
    let texts =
        charter::synth::portfolio(10_000).into_iter().map(|(name, text)| (root.join(name), text)).collect();
    let workspace = Workspace::from_texts(root, Config::default(), texts, &|_| None);
    let portfolio = &workspace.portfolio;
    let anchor =
        portfolio.of_kind("person").first().and_then(|id| portfolio.entity(*id)).map(|person| person.id_span);
    let findings = portfolio
        .of_kind("project")
        .iter()
        .filter_map(|id| portfolio.entity(*id))
        .take(10_000)
        .map(|project| {
            let mut finding = Diagnostic::builtin(
                BuiltinCode::RuleError,
                project.id_span,
                format!("project {} needs attention", project.id),
            )
            .with_label("this project")
            .with_help("add `sponsor: <person>`; the sponsor should be an executive")
            .with_entity(project.id.clone());
            if let Some(anchor) = anchor {
                finding = finding.with_secondary(anchor, "related person");
            }
            finding
        })
        .collect();
    (workspace, findings)
});

#[divan::bench(sample_count = 10)]
fn human(bencher: divan::Bencher) {
    let (workspace, findings) = &*FIXTURE;
    bencher.bench(|| render::human::render(&workspace.sources, divan::black_box(findings), false));
}

#[divan::bench(sample_count = 10)]
fn short(bencher: divan::Bencher) {
    let (workspace, findings) = &*FIXTURE;
    bencher.bench(|| render::short::render(&workspace.sources, divan::black_box(findings)));
}

#[divan::bench(sample_count = 10)]
fn json(bencher: divan::Bencher) {
    let (workspace, findings) = &*FIXTURE;
    bencher.bench(|| {
        render::json::render(&workspace.sources, divan::black_box(findings), charter::totals(workspace))
    });
}
