//! The editor queries compile against the grammar, and the highlight queries give the
//! expected capture to each kind of token.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use tree_sitter::{Parser, Query, QueryCursor, StreamingIterator};

fn language() -> tree_sitter::Language {
    tree_sitter_charter::LANGUAGE.into()
}

#[test]
fn every_query_compiles() {
    for (name, source) in [
        ("highlights.scm", tree_sitter_charter::HIGHLIGHTS_QUERY),
        ("folds.scm", tree_sitter_charter::FOLDS_QUERY),
        ("indents.scm", tree_sitter_charter::INDENTS_QUERY),
        ("textobjects.scm", tree_sitter_charter::TEXTOBJECTS_QUERY),
        ("helix/highlights.scm", tree_sitter_charter::HELIX_HIGHLIGHTS_QUERY),
        ("helix/indents.scm", tree_sitter_charter::HELIX_INDENTS_QUERY),
        ("helix/textobjects.scm", tree_sitter_charter::HELIX_TEXTOBJECTS_QUERY),
    ] {
        if let Err(error) = Query::new(&language(), source) {
            panic!("queries/{name}: {error}");
        }
    }
}

const SAMPLE: &str = r#"/// Doc.
person alice "Alice" { executive: true, budget: 1.2M USD, team: none } // note
rule r {
  for project p where p.status not in [done]
  require p.kpis.all(k, k.owner != none) else "{p} has {p.budget}"
}
"#;

/// The capture that wins on the first node spanning `needle` exactly (the `occurrence`-th
/// time it appears): in Neovim the last matching pattern, in Helix the first.
fn winning_capture(query_source: &str, needle: &str, occurrence: usize, last_wins: bool) -> String {
    let mut parser = Parser::new();
    parser.set_language(&language()).unwrap();
    let tree = parser.parse(SAMPLE, None).unwrap();
    let query = Query::new(&language(), query_source).unwrap();
    let start = SAMPLE.match_indices(needle).nth(occurrence).unwrap().0;
    let range = start..start + needle.len();
    let mut best: Option<(usize, String)> = None;
    let mut cursor = QueryCursor::new();
    let mut captures = cursor.captures(&query, tree.root_node(), SAMPLE.as_bytes());
    while let Some((found, index)) = captures.next() {
        let capture = found.captures()[*index];
        if capture.node.byte_range() != range {
            continue;
        }
        let name = query.capture_names()[capture.index as usize];
        if name.starts_with('_') || name == "spell" {
            continue;
        }
        let better = match &best {
            None => true,
            Some((pattern, _)) => {
                if last_wins {
                    found.pattern_index >= *pattern
                } else {
                    found.pattern_index < *pattern
                }
            }
        };
        if better {
            best = Some((found.pattern_index, name.to_owned()));
        }
    }
    best.map(|(_, name)| name).unwrap_or_else(|| format!("no capture on `{needle}`"))
}

#[test]
fn highlight_captures() {
    let cases: &[(&str, usize, &str, &str)] = &[
        ("/// Doc.", 0, "comment.documentation", "comment.line.documentation"),
        ("person", 0, "type", "type"),
        ("alice", 0, "constant", "constant"),
        ("\"Alice\"", 0, "string", "string"),
        ("executive", 0, "property", "variable.other.member"),
        ("true", 0, "boolean", "constant.builtin.boolean"),
        ("1.2M USD", 0, "number", "constant.numeric"),
        ("none", 0, "constant.builtin", "constant.builtin"),
        ("// note", 0, "comment", "comment.line"),
        ("rule", 0, "keyword.function", "keyword.function"),
        ("r", 3, "function", "function"),
        ("for", 0, "keyword", "keyword.control.repeat"),
        ("project", 0, "type", "type"),
        ("p", 2, "variable.parameter", "variable.parameter"),
        ("status", 0, "variable.member", "variable.other.member"),
        ("not", 1, "keyword.operator", "keyword.operator"),
        ("done", 0, "variable", "variable"),
        ("all", 0, "function.method.call", "function.method"),
        ("k", 1, "variable.parameter", "variable.parameter"),
        ("!=", 0, "operator", "operator"),
        ("else", 0, "keyword.conditional", "keyword.control.conditional"),
        ("{", 2, "punctuation.special", "punctuation.special"),
        ("\"{p} has {p.budget}\"", 0, "string", "string"),
    ];
    let mut wrong = Vec::new();
    for &(needle, occurrence, neovim, helix) in cases {
        let got = winning_capture(tree_sitter_charter::HIGHLIGHTS_QUERY, needle, occurrence, true);
        if got != neovim {
            wrong.push(format!("neovim `{needle}`#{occurrence}: {got}, expected {neovim}"));
        }
        let got = winning_capture(tree_sitter_charter::HELIX_HIGHLIGHTS_QUERY, needle, occurrence, false);
        if got != helix {
            wrong.push(format!("helix `{needle}`#{occurrence}: {got}, expected {helix}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
