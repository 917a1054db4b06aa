//! Benchmarks `charter fmt` on the generated 10,000-project workspace (`charter::synth`).
//!
//! `cargo bench --bench fmt`. The target (issue "charter fmt"): the whole workspace formats
//! in under 200 ms. `workspace_parallel` is what `charter fmt` does (files in parallel);
//! the other benchmarks split the cost into parsing and printing, on one thread.

use charter::source::FileId;
use rayon::prelude::*;

fn main() {
    divan::main();
}

fn workspace() -> (Vec<(String, String)>, usize) {
    let files = charter::synth::portfolio(10_000);
    let bytes = files.iter().map(|(_, text)| text.len()).sum();
    (files, bytes)
}

/// Parse and format every file, files in parallel (as `charter fmt` does).
#[divan::bench(sample_count = 10)]
fn workspace_parallel(bencher: divan::Bencher) {
    let (files, bytes) = workspace();
    bencher.counter(divan::counter::BytesCount::new(bytes)).bench(|| {
        files
            .par_iter()
            .map(|(_, text)| charter::fmt::format_source(text).map_or(0, |out| out.len()))
            .sum::<usize>()
    });
}

/// Parse and format every file on one thread.
#[divan::bench(sample_count = 10)]
fn workspace_one_thread(bencher: divan::Bencher) {
    let (files, bytes) = workspace();
    bencher.counter(divan::counter::BytesCount::new(bytes)).bench(|| {
        files
            .iter()
            .map(|(_, text)| charter::fmt::format_source(text).map_or(0, |out| out.len()))
            .sum::<usize>()
    });
}

/// Only the printing: every file already parsed, one thread.
#[divan::bench(sample_count = 10)]
fn print_only_one_thread(bencher: divan::Bencher) {
    let (files, bytes) = workspace();
    let parsed: Vec<(String, charter::syntax::ast::SourceFile)> = files
        .into_iter()
        .map(|(_, text)| {
            let (file, _) = charter::syntax::parse(FileId(0), &text);
            (text, file)
        })
        .collect();
    bencher.counter(divan::counter::BytesCount::new(bytes)).bench(|| {
        parsed.iter().map(|(text, file)| charter::fmt::format_parsed(text, file).len()).sum::<usize>()
    });
}

/// Only the parsing, for comparison: every file, one thread.
#[divan::bench(sample_count = 10)]
fn parse_only_one_thread(bencher: divan::Bencher) {
    let (files, bytes) = workspace();
    bencher.counter(divan::counter::BytesCount::new(bytes)).bench(|| {
        files.iter().map(|(_, text)| charter::syntax::parse(FileId(0), text).0.items.len()).sum::<usize>()
    });
}
