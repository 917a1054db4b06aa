//! Rule evaluation over synthetic portfolios: every std rule, after loading (parsing and
//! resolving are not measured). Run with `cargo bench --bench rules`.

use charter::model::{Config, Workspace};
use std::path::PathBuf;

fn main() {
    divan::main();
}

fn load(projects: usize) -> Workspace {
    let root = PathBuf::from("/synthetic");
    let texts =
        charter::synth::portfolio(projects).into_iter().map(|(name, text)| (root.join(name), text)).collect();
    let config = Config::parse("[check]\ntoday = \"2026-11-26\"\n").unwrap_or_default();
    Workspace::from_texts(root, config, texts, &|_| None)
}

fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 26)
}

/// Type-checking and evaluating every std rule, with waivers and severities.
#[divan::bench(args = [1_000, 10_000, 50_000], sample_count = 10)]
fn check_rules(bencher: divan::Bencher, projects: usize) {
    let workspace = load(projects);
    bencher.bench(|| charter::rules::check(divan::black_box(&workspace), today()));
}

/// Type-checking alone (independent of the portfolio's size).
#[divan::bench(sample_count = 20)]
fn compile_std(bencher: divan::Bencher) {
    let workspace = load(10);
    bencher.bench(|| charter::rules::Engine::new(divan::black_box(&workspace)));
}
