//! Runs test/corpus/*.txt like `tree-sitter test`, without the CLI: each input parses to
//! the expected tree (compared without field names and whitespace, as the CLI does when
//! the expectation names no fields), and an `:error` case holds an error node.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;

struct Case {
    file: String,
    name: String,
    input: String,
    expected: String,
    error: bool,
}

fn is_rule(line: &str, character: char) -> bool {
    line.len() >= 3 && line.chars().all(|c| c == character)
}

fn cases() -> Vec<Case> {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("test/corpus");
    let mut files: Vec<_> =
        std::fs::read_dir(&directory).unwrap().map(|entry| entry.unwrap().path()).collect();
    files.sort();
    let mut cases = Vec::new();
    for path in files {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        // Split on `\n` only: a lone `\r` inside an input is part of the test.
        let lines: Vec<&str> = text.split('\n').collect();
        let mut index = 0;
        while index < lines.len() {
            if !is_rule(lines[index], '=') {
                index += 1;
                continue;
            }
            let name = lines[index + 1].to_owned();
            let mut attributes = index + 2;
            let mut error = false;
            while !is_rule(lines[attributes], '=') {
                error |= lines[attributes].trim() == ":error";
                attributes += 1;
            }
            let start = attributes + 1;
            let divider = (start..lines.len()).find(|&line| is_rule(lines[line], '-')).unwrap();
            let end = (divider..lines.len()).find(|&line| is_rule(lines[line], '=')).unwrap_or(lines.len());
            let input = lines[start..divider].join("\n").trim_matches('\n').to_owned() + "\n";
            let expected = lines[divider + 1..end].join("\n");
            cases.push(Case { file: file.clone(), name, input, expected, error });
            index = end;
        }
    }
    cases
}

/// The tree as one line: no field names, single spaces, no space before `)`.
fn normalize(tree: &str) -> String {
    let mut words = Vec::new();
    for word in tree.split_whitespace() {
        if word.ends_with(':') && !word.starts_with('(') {
            continue;
        }
        words.push(word);
    }
    words.join(" ").replace(" )", ")")
}

#[test]
fn corpus() {
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&tree_sitter_charter::LANGUAGE.into()).unwrap();
    let cases = cases();
    assert!(cases.len() > 30, "found only {} corpus cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let tree = parser.parse(&case.input, None).unwrap();
        let root = tree.root_node();
        if case.error {
            if !root.has_error() {
                failures.push(format!("{} `{}`: expected an error node, got none", case.file, case.name));
            }
            continue;
        }
        let got = normalize(&root.to_sexp());
        let expected = normalize(&case.expected);
        if got != expected {
            failures.push(format!("{} `{}`:\n  expected {expected}\n  got      {got}", case.file, case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} corpus cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
