//! Parsing and resolving benchmarks. Run with `cargo bench --bench parse`.
//!
//! The target (issue "parse and resolve at scale"): the 10,000-project workspace of
//! `charter::synth` (about 8 MB in 20 files) parsed and resolved in under 80 ms on two
//! cores. `parse_*` measure `syntax::parse` alone on one thread; `load` measures
//! `Workspace::from_texts`, which parses files in parallel and then resolves names.

use charter::model::{Config, Workspace};
use charter::source::FileId;
use std::path::PathBuf;

fn main() {
    divan::main();
}

fn files(projects: usize) -> (Vec<(String, String)>, usize) {
    let files = charter::synth::portfolio(projects);
    let bytes = files.iter().map(|(_, text)| text.len()).sum();
    (files, bytes)
}

/// Every file of the 10,000-project portfolio, one after the other on one thread.
#[divan::bench(sample_count = 10)]
fn parse_portfolio_one_thread(bencher: divan::Bencher) {
    let (files, bytes) = files(10_000);
    bencher.counter(divan::counter::BytesCount::new(bytes)).bench(|| {
        files
            .iter()
            .enumerate()
            .map(|(index, (_, text))| {
                let (file, diagnostics) =
                    charter::syntax::parse(FileId(index as u32), divan::black_box(text));
                file.items.len() + diagnostics.len()
            })
            .sum::<usize>()
    });
}

/// The largest single file of the portfolio (the projects), alone.
#[divan::bench(sample_count = 10)]
fn parse_largest_file(bencher: divan::Bencher) {
    let (files, _) = files(10_000);
    let text = files.into_iter().map(|(_, text)| text).max_by_key(String::len).unwrap_or_default();
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| charter::syntax::parse(FileId(0), divan::black_box(&text)));
}

/// The same file with one error every 100 declarations: the recovery path.
#[divan::bench(sample_count = 10)]
fn parse_with_errors(bencher: divan::Bencher) {
    let (files, _) = files(10_000);
    let text = files.into_iter().map(|(_, text)| text).max_by_key(String::len).unwrap_or_default();
    let mut broken = String::with_capacity(text.len() + 1024);
    for (index, declaration) in text.split_inclusive("\n}\n").enumerate() {
        broken.push_str(declaration);
        if index % 100 == 99 {
            broken.push_str("project broken {\n  status: ,\n}\n");
        }
    }
    bencher
        .counter(divan::counter::BytesCount::new(broken.len()))
        .bench(|| charter::syntax::parse(FileId(0), divan::black_box(&broken)));
}

/// Parse and resolve a whole workspace (files in parallel), as `charter check` loads it.
#[divan::bench(args = [1_000, 10_000, 50_000], sample_count = 10)]
fn load(bencher: divan::Bencher, projects: usize) {
    let root = PathBuf::from("/synthetic");
    let (files, bytes) = files(projects);
    bencher
        .counter(divan::counter::BytesCount::new(bytes))
        .with_inputs(|| files.iter().map(|(name, text)| (root.join(name), text.clone())).collect::<Vec<_>>())
        .bench_values(|texts| Workspace::from_texts(root.clone(), Config::default(), texts, &|_| None));
}
