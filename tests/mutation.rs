//! A short, deterministic fuzz run inside `cargo test`: every file of the corpus
//! (examples, fixtures, std, the `charter init` template) mutated by a seeded generator
//! (token and byte insertions, deletions, duplications, splices of other files, unicode,
//! `\r`, deep nesting, long numbers and the largest decimals), and every mutant held to
//! the invariants the fuzz targets check (`fuzz/src/invariants.rs`): parsing, formatting
//! and checking never panic, formatting is idempotent and keeps every comment and the
//! tree, and parsing incrementally after an edit equals parsing from scratch.
//!
//! A failure prints every failing input as an escaped string, ready to paste into a
//! regression test or a fuzz artifact.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

// The fuzz targets' own checks; `Edit::from_bytes` is only for the fuzzers.
#[path = "../fuzz/src/invariants.rs"]
#[allow(dead_code)]
mod invariants;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Mutex;

use invariants::Edit;

/// How many mutants each corpus file yields.
const MUTANTS_PER_FILE: usize = 40;

/// Every `CHECK_EVERY`-th mutant is also checked, and every `CHECK_WITH_STD_EVERY`-th
/// with the std library: compiling the std rules is the slowest step in a debug build.
const CHECK_EVERY: usize = 3;
const CHECK_WITH_STD_EVERY: usize = 12;

/// The longest stretch of a file a mutant starts from: larger files (the std library, the
/// `init` template) are mutated in windows of whole lines, as the fuzzers' `-max_len`
/// does, which keeps the run fast.
const WINDOW: usize = 3000;

/// The longest run of digits a mutation writes: past the 28 digits a decimal holds.
const LONGEST_NUMBER: usize = 40;

/// The largest decimal, which a mutation writes (with either sign) in place of a number.
const LARGEST: &str = "79228162514264337593543950335";

/// The deepest bracket nesting a mutation writes: past the parser's cap of 64, which
/// turns deeper nesting into a diagnostic.
const DEEPEST_NESTING: usize = 80;

/// Snippets a mutation inserts: keywords, punctuation, unbalanced brackets and quotes,
/// comments, line ends of every kind, literals and unusual unicode.
const TOKENS: &[&str] = &[
    "person",
    "team",
    "objective",
    "metric",
    "project",
    "risk",
    "milestone",
    "rule",
    "test",
    "extend",
    "waiver",
    "use",
    "portfolio",
    "for",
    "in",
    "where",
    "require",
    "expect",
    "let",
    "and",
    "or",
    "not",
    "none",
    "true",
    "false",
    "today",
    "enum",
    "ref",
    "title",
    " ",
    "\t",
    "\n",
    "\n\n",
    "\r",
    "\r\n",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "::",
    ".",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "%",
    "\"",
    "\"\"\"",
    "\\",
    "//",
    "///",
    "// note\n",
    "/// Doc.\n",
    "@",
    "x",
    "a.b",
    "0",
    "1.5",
    "-3",
    "42%",
    "5k USD",
    "1.2M EUR",
    "2026-02-30",
    "2026-01-01",
    "3mo",
    "10d",
    "status: active",
    "owner: alice",
    "budget: 5k USD\n",
    "\nproject p \"P\" {\n  status: active\n}\n",
    ".all(x => x)",
    ".count()",
    ".sum()",
    "é",
    "日本",
    "\u{1F600}",
    "\u{202E}",
    "\u{FEFF}",
    "\u{200B}",
    "\u{0301}",
    "\0",
];

/// A small, fast, seeded generator (splitmix64): the same mutants on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `bound` (0 when `bound` is 0).
    fn below(&mut self, bound: usize) -> usize {
        if bound == 0 { 0 } else { (self.next() % bound as u64) as usize }
    }

    /// A character boundary of `text`.
    fn boundary(&mut self, text: &str) -> usize {
        let mut at = self.below(text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    }

    /// A range of `text` of at most `longest` bytes, on character boundaries.
    fn range(&mut self, text: &str, longest: usize) -> (usize, usize) {
        let start = self.boundary(text);
        let mut end = (start + self.below(longest + 1)).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        (start, end)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// One random mutation of `text`; `others` are the corpus files a splice takes from.
fn mutate(random: &mut Random, text: &str, others: &[String]) -> String {
    let replace = |start: usize, end: usize, inserted: &str| {
        Edit { start, end, inserted: inserted.to_string() }.apply(text)
    };
    match random.below(10) {
        0 | 1 => {
            let at = random.boundary(text);
            replace(at, at, random.pick(TOKENS))
        }
        2 => {
            let (start, end) = random.range(text, 32);
            replace(start, end, "")
        }
        3 => {
            let (start, end) = random.range(text, 200);
            let at = random.boundary(text);
            replace(at, at, &text[start..end])
        }
        4 => {
            let other = &others[random.below(others.len())];
            let (start, end) = random.range(other, 400);
            let (at, until) = random.range(text, 100);
            replace(at, until, &other[start..end])
        }
        5 => {
            let depth = 1 + random.below(DEEPEST_NESTING);
            let (open, close) = [("(", ")"), ("[", "]"), ("{", "}")][random.below(3)];
            let nested = format!("{}1{}", open.repeat(depth), close.repeat(depth));
            let at = random.boundary(text);
            replace(at, at, &nested)
        }
        6 => {
            // A long number in place of a digit of the text, where one is, else anywhere.
            let digits = 1 + random.below(LONGEST_NUMBER);
            let mut number: String = (0..digits).map(|_| char::from(b'0' + random.below(10) as u8)).collect();
            if random.below(4) == 0 {
                number = format!("{}{LARGEST}", ["", "-"][random.below(2)]);
            }
            let digit_at: Vec<usize> = text
                .bytes()
                .enumerate()
                .filter(|(_, byte)| byte.is_ascii_digit())
                .map(|(at, _)| at)
                .collect();
            let at = if digit_at.is_empty() {
                random.boundary(text)
            } else {
                digit_at[random.below(digit_at.len())]
            };
            let end = if digit_at.is_empty() { at } else { at + 1 };
            replace(at, end, &number)
        }
        7 if random.below(3) == 0 => {
            // Every number that is a field value in a region (`baseline: 2.1% @ …`) becomes
            // the largest decimal, signs alternating: a baseline and a target the whole
            // range apart, to overflow the arithmetic of computed fields.
            let (start, end) = random.range(text, 600);
            let mut negative = false;
            let mut region = String::new();
            let mut rest = &text[start..end];
            while let Some(at) = rest.find(": ") {
                let (before, after) = rest.split_at(at + 2);
                region.push_str(before);
                let unsigned = after.strip_prefix('-').unwrap_or(after);
                let length =
                    unsigned.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(unsigned.len());
                if length > 0 && unsigned.starts_with(|c: char| c.is_ascii_digit()) {
                    region.push_str(if negative { "-" } else { "" });
                    region.push_str(LARGEST);
                    negative = !negative;
                    rest = &unsigned[length..];
                } else {
                    rest = after;
                }
            }
            region.push_str(rest);
            replace(start, end, &region)
        }
        7 => {
            // Every line end of a region becomes `\r` or `\r\n`.
            let (start, end) = random.range(text, 300);
            let ending = if random.below(2) == 0 { "\r" } else { "\r\n" };
            replace(start, end, &text[start..end].replace('\n', ending))
        }
        8 => {
            let at = random.boundary(text);
            let byte = char::from(0x20 + random.below(0x5F) as u8);
            let mut end = (at + 1).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            replace(at, end, &byte.to_string())
        }
        _ => {
            // A line moved to column 0, or indented: declarations start in column 0.
            let at = random.boundary(text);
            let line_start = text[..at].rfind('\n').map_or(0, |found| found + 1);
            let indent = text[line_start..].len() - text[line_start..].trim_start_matches([' ', '\t']).len();
            if indent > 0 {
                replace(line_start, line_start + indent, "")
            } else {
                replace(line_start, line_start, "  ")
            }
        }
    }
}

/// `text`, or a random window of at most [`WINDOW`] bytes of it, from a line start to a
/// line end.
fn window(random: &mut Random, text: &str) -> String {
    if text.len() <= WINDOW {
        return text.to_string();
    }
    let mut start = random.below(text.len() - WINDOW);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let start = text[..start].rfind('\n').map_or(0, |found| found + 1);
    let mut end = start + WINDOW;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let end = text[..end].rfind('\n').map_or(end, |found| found + 1);
    text[start..end].to_string()
}

/// A random edit of `text` for the incremental parse.
fn random_edit(random: &mut Random, text: &str) -> Edit {
    let (start, end) = random.range(text, 40);
    Edit { start, end, inserted: random.pick(TOKENS).to_string() }
}

/// Every `.charter` file of the corpus, sorted so that the run is deterministic.
fn corpus() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for directory in ["examples", "tests/fixtures", "src/stdlib", "src/init"] {
        let mut paths = Vec::new();
        collect(&root.join(directory), &mut paths);
        for path in paths {
            let name = path.strip_prefix(root).unwrap().display().to_string();
            files.push((name, std::fs::read_to_string(&path).unwrap()));
        }
    }
    files.sort();
    files
}

fn collect(directory: &Path, paths: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, paths);
        } else if path.extension().is_some_and(|extension| extension == "charter") {
            paths.push(path);
        }
    }
}

/// The message of the last panic, from any thread (rayon's included), and where it
/// happened: the hook replaces the default one, which would print every caught panic.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Runs `step` on `input`, turning a panic into a failure that names the step and holds
/// the input.
fn run(failures: &mut Vec<String>, step: &str, name: &str, input: &str, work: impl FnOnce()) {
    if catch_unwind(AssertUnwindSafe(work)).is_err() {
        let message = LAST_PANIC.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        failures.push(format!(
            "{step} failed on a mutant of {name}:\n  input: {input:?}\n  panic: {}",
            message.unwrap_or_default()
        ));
    }
}

#[test]
fn mutants_of_the_corpus_keep_every_invariant() {
    std::panic::set_hook(Box::new(|info| {
        *LAST_PANIC.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(info.to_string());
    }));
    let files = corpus();
    assert!(files.len() > 40, "the corpus lost files: {}", files.len());
    let texts: Vec<String> = files.iter().map(|(_, text)| text.clone()).collect();
    let mut random = Random(0x00C4_A27E_5EED);
    let mut failures = Vec::new();
    let (mut mutants, mut formatted, mut checked) = (0, 0, 0);
    for (name, text) in &files {
        for _ in 0..MUTANTS_PER_FILE {
            let mut input = window(&mut random, text);
            for _ in 0..1 + random.below(3) {
                input = mutate(&mut random, &input, &texts);
            }
            let edit = random_edit(&mut random, &input);
            run(&mut failures, "incremental parse", name, &input, || {
                invariants::incremental_agrees(&input, &edit)
            });
            run(&mut failures, "fmt round trip", name, &input, || {
                if invariants::format_round_trips(&input) {
                    formatted += 1;
                }
            });
            if mutants % CHECK_EVERY == 0 {
                let std = mutants % CHECK_WITH_STD_EVERY == 0;
                run(&mut failures, "check", name, &input, || {
                    invariants::check_one_file(&input, std);
                });
                checked += 1;
            }
            mutants += 1;
        }
    }
    let _ = std::panic::take_hook();
    assert!(
        failures.is_empty(),
        "{} of {mutants} mutants broke an invariant:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    // A mutation mix that never formats or never checks would test nothing.
    assert!(formatted > mutants / 10, "only {formatted} of {mutants} mutants were formattable");
    assert!(checked > 0);
}
