//! `charter fmt`: snapshots of every construct, comment preservation, idempotence and
//! "the tree does not change" over examples, fixtures, comment insertions at every
//! offset, generated portfolios and random documents.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

#[path = "fmt/generate.rs"]
mod generate;

// The fuzz targets' checks; this file uses their comment scan.
#[path = "../fuzz/src/invariants.rs"]
#[allow(dead_code)]
mod invariants;

use invariants::{comments, scan};

use std::path::{Path, PathBuf};

use charter::fmt::{format_range, format_source};
use charter::source::FileId;
use charter::syntax::parse;
use proptest::prelude::*;

// ── invariants ─────────────────────────────────────────────────────────────────────────

/// Formats `input`, checking the formatter's invariants on the way.
fn fmt(input: &str) -> String {
    let output = match format_source(input) {
        Ok(output) => output,
        Err(diagnostics) => panic!("input does not parse: {diagnostics:#?}\n{input}"),
    };
    assert_invariants(input, &output);
    output
}

/// The output parses without error to the same tree as the input, holds the same
/// comments in the same order, and formatting it again changes nothing.
fn assert_invariants(input: &str, output: &str) {
    let (before, _) = parse(FileId(0), input);
    let (after, diagnostics) = parse(FileId(0), output);
    assert!(
        diagnostics.is_empty(),
        "formatted output does not parse: {diagnostics:#?}\n--- input\n{input}\n--- output\n{output}"
    );
    assert_eq!(before, after, "formatting changed the tree\n--- input\n{input}\n--- output\n{output}");
    assert_eq!(
        comments(input),
        comments(output),
        "formatting lost, changed or reordered a comment\n--- input\n{input}\n--- output\n{output}"
    );
    let again = format_source(output).expect("formatted output parses");
    assert_eq!(
        output, again,
        "formatting is not idempotent\n--- input\n{input}\n--- first\n{output}\n--- second\n{again}"
    );
    assert!(
        output.is_empty() || (output.ends_with('\n') && !output.ends_with("\n\n")),
        "output ends with exactly one newline\n{output}"
    );
    let (_, text_blocks) = scan(output);
    let mut line_start = 0;
    for line in output.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let line_end = line_start + content.len();
        let kept = content.trim_start().starts_with("///")
            || text_blocks.iter().any(|block| block.contains(&line_end));
        assert!(kept || content == content.trim_end(), "trailing whitespace on `{content}`\n{output}");
        line_start += line.len();
    }
}

fn parses_cleanly(text: &str) -> bool {
    let (file, diagnostics) = parse(FileId(0), text);
    charter::fmt::is_formattable(&file, &diagnostics)
}

/// Snapshots the input with its formatted form.
fn check(name: &str, input: &str) {
    let output = fmt(input);
    insta::assert_snapshot!(name, format!("{input}\n──────── formatted ────────\n{output}"));
}

macro_rules! snapshots {
    ($($name:ident: $input:expr;)*) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name), $input);
            }
        )*
    };
}

// ── every construct ────────────────────────────────────────────────────────────────────

snapshots! {
    empty_file: "";
    only_whitespace: "  \n\n\t\n";
    only_comments: "\n\n// one\n\n\n// two\n// three   \n\n";
    entity_multi_line_stays_multi_line: "person alice \"Alice Chen\" {\n  role: \"CFO\"\n    executive: true\n}";
    entity_one_line_stays_one_line: "team marketing \"Marketing\" {kind: department,lead: alice}";
    entity_one_line_without_commas_gets_commas: "team marketing { kind: department lead: alice }";
    entity_one_line_too_long_breaks: "risk vendor_delay \"Payment vendor slips\" { impact: high, likelihood: medium, mitigation: \"second vendor on standby\", owner: bob }";
    entity_newline_after_brace_means_multi_line: "team t {\n kind: squad }";
    entity_multi_line_drops_commas: "team t {\n  kind: squad,\n  lead: alice,\n}";
    entity_empty_body: "team a { }\nteam b {\n\n}\nteam c{}";
    entity_without_title: "person bob{role:\"x\"}";
    entity_header_on_several_lines: "person\n  carol\n  \"Carol\"\n  { role: \"Analyst\" }";
    entity_nested_always_multi_line: "project p { status: active, milestone m { date: 2026-01-01 } }";
    entity_nested_blank_lines_kept: "project p {\n  status: active\n\n\n\n  milestone m { date: 2026-01-01 }\n  risk r { impact: high }\n}";
    entity_blank_line_after_brace_dropped: "project p {\n\n  status: active\n\n}";
    declarations_separated_by_one_blank_line: "person a {\n role: \"x\"\n}\nperson b {\n role: \"y\"\n}\n\n\n\nperson c { role: \"z\" }";
    one_line_declarations_keep_the_author_grouping: "person a { role: \"x\" }\nperson b { role: \"y\" }\n\n\nperson c { role: \"z\" }";
    uses_stay_together: "use \"a.charter\"\nuse   \"b.charter\"\n\n\nuse \"c.charter\"";
    numbers_print_as_written: "metric m { a: 1_200_000, b: -3.5, c: 1.2M, d: 800k, e: 2B, f: 0.50, g: 007 }";
    money_spacing_normalized: "project p {\n  budget: 1.2M   USD\n  spent: 450_000\tEUR\n  benefit: 3M USD\n}";
    percent_and_measurement: "metric m {\n  allocation:15%\n  baseline: 68%   @   2025-06-30\n  target:54%@2026-12-31\n  money: 2M USD @ 2026-01-01\n}";
    dates_and_durations: "project p { start: 2026-01-15, impossible: 2026-02-30, window: 3mo }";
    booleans_and_none: "person p { executive: true, intern: false, team: none }";
    references_and_codes: "waiver w { applies_to: [checkout_revamp.beta, a], rule: charter::missing_field }";
    strings_keep_their_escapes: "person p { title: \"tab\\tquote\\\" backslash\\\\ \\u{1F600}\", url: \"http://x // not a comment\" }";
    text_blocks_are_byte_exact: "objective o {\n      description: \"\"\"\n    Keeps   its spacing,\n      indentation // and no comment\n   and \\\"\"\" escapes.\n    \"\"\"\n  owner: alice\n}";
    lists_short_stay_flat: "project p { teams: [ a,b , c, ], none_yet: [ ], nested: [[1,2],[],[3]] }";
    lists_long_break_one_item_per_line: "project p {\n  depends_on: [payments_api, identity_service, notification_hub, analytics_pipeline, search_index, b]\n}";
    lists_nested_long: "project p {\n  matrix: [[first_long_value_name, second_long_value_name], [third_long_value_name, fourth_long_value_name, fifth]]\n}";
    extend_block: "extend project {\n  data_classification: enum [public, internal, confidential, restricted] required\n  cost_center: string,\n  owners: [ ref   person ]\n  reviewers: [[ref person]] required\n}";
    extend_one_line: "extend team { budget_code: string }";
    extend_long_enum_breaks: "extend metric {\n  tier: enum [gold, silver, bronze, a_very_long_value_name, another_very_long_value_name, yet_another_value] required\n}";
    rule_clauses_one_per_line: "rule r { severity: error, summary: \"S\" for project p where p.a require p.b else \"m\" help: \"h\" }";
    rule_portfolio: "rule r {\n  for portfolio\n  require projects.count() > 0\n}";
    rule_lets: "rule r {\n  for project p\n  let spend=p.spent/p.budget\n  let late   =   today-p.end > 30d\n  require spend < 1 and not late\n}";
    rule_empty: "rule r {}";
    expr_operators_spaced: "rule r {\n  for project p\n  require p.a==1 and p.b!=2 and p.c<3 and p.d<=4 and p.e>5 and p.f>=6 or p.g+1-2*3/4 > 0\n}";
    expr_not_in_and_in: "rule r {\n  for project p where p.status not   in [done,cancelled] and p.kind in [a]\n  require true\n}";
    expr_unary: "rule r {\n  for project p\n  require not p.done and - p.x < -3 and not not p.y\n}";
    expr_parentheses_kept: "rule r {\n  for project p\n  require ((p.a)) and (p.b or p.c) and (1 + 2) * 3 > (4)\n}";
    expr_money_and_percent: "rule r {\n  for project p\n  require p.spent <= 10% * p.budget + 1.2M   USD\n}";
    expr_methods: "rule r {\n  for project p\n  require p.name.matches(\"^[a-z_]+$\") and p.teams.count(t, t.kind == squad) < 10 and p.x.is_empty()\n}";
    expr_lists: "rule r {\n  for project p\n  require [] == [] and [1,2,3,].contains(2)\n}";
    expr_long_or_chain_breaks: "rule r {\n  for project p\n  require p.a == 1 or p.b == 2 and p.c == 3 and p.d == 4 and p.e == 5 and p.f == 6 and p.g == 7 and p.h == 8 or p.i == 9\n}";
    expr_long_method_chain_breaks: "rule r {\n  for project p\n  require p.milestones.filter(m, m.status == done).map(m, m.date).filter(d, d > today).count() > 1000\n}";
    expr_long_call_arguments_break: "rule r {\n  for portfolio\n  require projects.all(q, q.sponsor != none and q.manager != none and q.status != cancelled and q.budget > 0 USD)\n}";
    expr_long_parenthesis_breaks: "rule r {\n  for project p\n  require p.x and (p.first_long_field_name == first_long_value or p.second_long_field_name == second_value)\n}";
    require_long_message_goes_to_next_line: "rule r {\n  for project p\n  require p.milestones.count() > 0 else \"project {p} has no milestones; add at least one milestone\"\n}";
    require_long_expression_and_message: "rule unaligned_budget_share {\n  severity: warning\n  for portfolio\n  require projects.filter(p, p.supports.is_empty()).map(p, p.budget).sum()\n          <= 10% * projects.map(p, p.budget).sum()\n     else \"more than 10% of the budget funds projects that support no objective\"\n}";
    where_long_filter_breaks: "rule r {\n  for project p where p.status == active and p.methodology == agile and p.budget > 1M USD and p.spent < p.budget\n  require true\n}";
    test_block: "test t {\n  today:2026-06-01\n  project p1 { status: active }, project p2 { status: cancelled }\n  expect project_has_sponsor on p1\n  expect   no   project_has_sponsor   on   p2\n  expect charter::missing_field on p1.m\n  expect clean\n  expect portfolio_rule\n}";
    test_empty: "test t { }";
    doc_comments_on_everything: "/// Doc of p.\n/// Second line.\nproject p {\n  /// Doc of status.\n  status: active\n  /// Doc of m.\n  milestone m { date: 2026-01-01 }\n}\n/// Doc of r.\nrule r {\n  /// Doc of severity.\n  severity: error\n  for portfolio\n  require true\n}\n/// Doc of e.\nextend project {\n  /// Doc of f.\n  f: string\n}\n/// Doc of t.\ntest t {\n  /// Doc of x.\n  person x {}\n}";
    doc_comment_trailing_spaces_are_doc_text: "///  indented doc   \nperson p {}";
    crlf_line_endings: "person p {\r\n  role: \"x\" // comment\r\n  /// doc\r\n  team: t\r\n}\r\n";
    unicode_widths: "project p { title: \"ünïcødé ✓ ünïcødé ✓ ünïcødé ✓ ünïcødé ✓ ünïcødé ✓ ünïcødé\", x: [e, b] }";
    byte_order_mark_dropped: "\u{feff}person p {}";
}

// ── comments ───────────────────────────────────────────────────────────────────────────

snapshots! {
    comment_file_header_kept_apart: "// Header.\n\n// About p.\nperson p {}\n";
    comment_trailing_after_field: "person p {\n  role: \"x\"     // after role\n  team: t//tight\n}";
    comment_trailing_after_declaration: "person p { role: \"x\" } // one-line body stays one line\nperson q {} // q";
    comment_after_open_brace: "person p { // after the brace\n  role: \"x\"\n}";
    comment_in_one_line_body_breaks_it: "person p { role: \"x\", // why\n team: t }";
    comment_own_line_between_fields: "person p {\n  role: \"x\"\n  // about team\n  team: t\n}";
    comment_floating_with_blank_lines: "person p {\n  role: \"x\"\n\n\n  // floating\n\n\n  team: t\n}";
    comment_last_in_body: "person p {\n  role: \"x\"\n  // last\n\n  // really last\n}";
    comment_only_in_body: "person p { // nothing yet\n}\nperson q {\n  // nothing here either\n}";
    comment_in_entity_header_moves_before_it: "project // kind\n  p // id\n  \"P\" // title\n  { status: active }";
    comment_between_field_name_and_value: "project p {\n  budget: // why\n    1.2M USD\n  teams: // which\n    [a, b]\n}";
    comment_inside_measurement: "metric m {\n  baseline: 68% // the value\n    @ 2025-06-30\n  list: [1 // one\n    , 2]\n}";
    comment_inside_lists: "project p {\n  teams: [ // after bracket\n    a, // after a\n    // before b\n    b,\n    c // after c\n    // dangling\n  ]\n  empty: [\n    // only a comment\n  ]\n  empty_trailing: [ // trailing\n  ]\n}";
    comment_in_short_list_breaks_it: "project p { teams: [a, // why a\n b] }";
    comment_in_rule_clauses: "rule r { // after brace\n  // before severity\n  severity: error // after severity\n  for project p // after for\n  // before let\n  let x = p.c // after let\n  require x // after x\n  // last\n}";
    comment_in_where: "rule r {\n  for project p where // after where\n    p.a // after p.a\n    and p.b\n  require true\n}";
    comment_in_expression_chain: "rule r {\n  for project p\n  require p.a // after a\n    // before or\n    or p.b and // after and\n    p.c\n}";
    comment_before_else: "rule r {\n  for project p\n  require p.a // after a\n    // before else\n    else \"message\" // after message\n}";
    comment_after_not_and_minus: "rule r {\n  for project p\n  require not // after not\n    p.a and - // after minus\n    p.b < 0\n}";
    comment_between_not_and_in: "rule r {\n  for project p\n  require p.a not // inside not in\n    in [x]\n}";
    comment_in_member_access: "rule r {\n  for project p\n  require p // after p\n    .a. // after dot\n    b == 1\n}";
    comment_in_call_arguments: "rule r {\n  for project p\n  require p.list.filter(x, // after comma\n    x.y) // after call\n      .count() > 0\n  require p.f( // after paren\n  ) == 0\n}";
    comment_in_method_chain: "rule r {\n  for project p\n  require p.list // head\n    .filter(x, x.y) // after filter\n    // before map\n    .map(x, x.z)\n    .count() > 0\n}";
    comment_in_parentheses: "rule r {\n  for project p\n  require ( // after paren\n    p.a // before close\n    // own line before close\n  ) and (p.b)\n}";
    comment_in_test: "test t {\n  // before today\n  today: // inside today\n    2026-01-01 // after today\n  project x { } // after x\n  expect // inside expect\n    no r on // more\n    x // after expect\n}";
    comment_in_extend: "extend project { // after brace\n  a: string // after a\n  b: enum [ // after bracket\n    x, // after x\n    y\n  ] required // after required\n  c: // before type\n    ref person\n}";
    comment_before_doc_comment: "// plain\n/// doc\n// plain between\n/// more doc\nperson p {}";
    comment_doc_after_field_on_same_line: "person p {\n  role: \"x\" /// doc of team\n  team: t\n}";
    comment_at_end_of_file_without_newline: "person p {}\n// last";
    comment_that_looks_like_code: "person p {\n  // role: \"x\" }\n  team: t // } ]\n}";
    comment_with_trailing_whitespace_trimmed: "// trailing spaces   \t\nperson p {} // more   ";
    comment_empty: "//\nperson p { //\n}";
}

// ── fixtures and the corpus ────────────────────────────────────────────────────────────

#[test]
fn fixtures() {
    insta::glob!("fixtures/fmt/*.charter", |path| {
        let input = std::fs::read_to_string(path).unwrap();
        let output = fmt(&input);
        insta::assert_snapshot!(output);
    });
}

/// Every `.charter` file under a directory.
fn charter_files(directory: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(directory) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(charter_files(&path));
        } else if path.extension().is_some_and(|extension| extension == "charter") {
            found.push(path);
        }
    }
    found.sort();
    found
}

fn corpus() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for directory in ["examples", "tests/fixtures", "src/stdlib"] {
        for path in charter_files(&root.join(directory)) {
            let text = std::fs::read_to_string(&path).unwrap();
            files.push((path, text));
        }
    }
    files
}

#[test]
fn every_example_fixture_and_std_file_formats_losslessly_and_idempotently() {
    let mut formatted = 0;
    for (path, text) in corpus() {
        if parses_cleanly(&text) {
            let output = format_source(&text).unwrap_or_else(|_| panic!("{} parses", path.display()));
            assert_invariants(&text, &output);
            formatted += 1;
        } else {
            assert!(format_source(&text).is_err(), "{} has syntax errors", path.display());
        }
    }
    assert!(formatted >= 10, "only {formatted} files formatted");
}

// ── meaning ────────────────────────────────────────────────────────────────────────────

/// What `charter check` finds in a set of files: code, severity, message and entity of
/// every finding, in order (positions move when the layout changes).
fn findings(root: &Path, files: &[(PathBuf, String)]) -> Vec<(String, String, String, Option<String>)> {
    let workspace = charter::Workspace::from_texts(
        root.to_path_buf(),
        charter::model::Config::default(),
        files.to_vec(),
        &|_| None,
    );
    let today = jiff::civil::date(2026, 6, 1);
    charter::check(&workspace, today)
        .into_iter()
        .map(|finding| {
            (finding.code.to_string(), finding.severity.to_string(), finding.message, finding.entity)
        })
        .collect()
}

fn formatted(files: &[(PathBuf, String)]) -> Vec<(PathBuf, String)> {
    files.iter().map(|(path, text)| (path.clone(), fmt(text))).collect()
}

#[test]
fn generated_portfolios_format_losslessly_and_check_the_same() {
    let root = PathBuf::from("/synthetic");
    for projects in [1, 12, 150] {
        let files: Vec<(PathBuf, String)> = charter::synth::portfolio(projects)
            .into_iter()
            .map(|(name, text)| (root.join(name), text))
            .collect();
        let after = formatted(&files);
        let before_findings = findings(&root, &files);
        assert!(!before_findings.is_empty(), "the generated portfolio has findings to compare");
        assert_eq!(before_findings, findings(&root, &after));
    }
}

#[test]
fn the_example_workspace_checks_the_same_after_formatting() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/acme");
    let files: Vec<(PathBuf, String)> = charter_files(&root)
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path, text)
        })
        .collect();
    assert!(!files.is_empty());
    assert_eq!(findings(&root, &files), findings(&root, &formatted(&files)));
}

#[test]
fn default_messages_quote_the_require_the_same_after_formatting() {
    // A rule without `message:` or `summary:` reports "`RULE`: `<require source>` is
    // false"; reformatting the expression must not change that message.
    let root = PathBuf::from("/messages");
    let files = vec![(
        root.join("rules.charter"),
        "project p {status:active}\nrule budget_set { for project q\n  require q.budget!=none and   // why\n    q.status==active and q.kpis.count()>=1\n}\n".to_string(),
    )];
    let before = findings(&root, &files);
    assert!(before.iter().any(|finding| finding.0 == "budget_set"), "{before:?}");
    assert_eq!(before, findings(&root, &formatted(&files)));
}

#[test]
fn syntax_errors_are_reported_not_formatted() {
    let diagnostics = format_source("person p { role: }\nperson q {   }").unwrap_err();
    assert!(!diagnostics.is_empty());
    assert!(format_source("project p { a: 1 ?").is_err());
    assert!(format_source("rule r { for project p require p.a == }").is_err());
}

// ── a comment anywhere ─────────────────────────────────────────────────────────────────

/// Inserts a comment at every token boundary of a fixture, in several shapes; wherever
/// the result still parses, formatting must keep every comment and the tree.
fn insert_comments_everywhere(fixture: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fmt").join(fixture);
    let text = std::fs::read_to_string(path).unwrap();
    let shapes =
        [" // inserted\n", "\n// inserted\n", "\n\n// inserted\n\n", "//inserted\n", "\n/// inserted doc\n"];
    let mut checked = 0;
    // Declarations are tried one at a time (with the comments before them), which keeps
    // every reparse small; the gaps between declarations are the edges of each piece.
    for base in pieces(&text) {
        for offset in boundaries(base) {
            for shape in shapes {
                let input = format!("{}{shape}{}", &base[..offset], &base[offset..]);
                if parses_cleanly(&input) {
                    let output = format_source(&input).unwrap();
                    assert_invariants(&input, &output);
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > text.len() / 4, "only {checked} insertions parsed in {fixture}");
}

/// A file cut before each declaration (and the comments on the lines above it).
fn pieces(text: &str) -> Vec<&str> {
    let (file, _) = parse(FileId(0), text);
    let mut cuts = vec![0];
    for item in file.items.iter().skip(1) {
        let start = item.span().start as usize;
        let line_start = text[..start].rfind('\n').map_or(0, |at| at + 1);
        // Back over the comment lines right above the declaration.
        let mut cut = line_start;
        while cut > 0 {
            let previous = text[..cut - 1].rfind('\n').map_or(0, |at| at + 1);
            if text[previous..cut].trim_start().starts_with("//") {
                cut = previous;
            } else {
                break;
            }
        }
        cuts.push(cut.max(*cuts.last().unwrap()));
    }
    cuts.push(text.len());
    cuts.windows(2).map(|pair| &text[pair[0]..pair[1]]).filter(|piece| !piece.trim().is_empty()).collect()
}

/// The offsets between two tokens, or at the edges and line breaks of whitespace,
/// outside strings, text blocks and comments: every place a comment could go, once.
fn boundaries(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut skip = vec![false; bytes.len() + 1];
    let mut index = 0;
    while index < bytes.len() {
        let start = index;
        if bytes[index..].starts_with(b"\"\"\"") {
            index += 3;
            while index < bytes.len() && !bytes[index..].starts_with(b"\"\"\"") {
                index += if bytes[index] == b'\\' { 2 } else { 1 };
            }
            index = (index + 3).min(bytes.len());
        } else if bytes[index] == b'"' {
            index += 1;
            while index < bytes.len() && bytes[index] != b'"' {
                index += if bytes[index] == b'\\' { 2 } else { 1 };
            }
            index = (index + 1).min(bytes.len());
        } else if bytes[index..].starts_with(b"//") {
            index = text[index..].find('\n').map_or(bytes.len(), |at| index + at);
        } else {
            index += 1;
            continue;
        }
        for inside in skip.iter_mut().take(index).skip(start + 1) {
            *inside = true;
        }
    }
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let space = |c: Option<char>| c.is_some_and(|c| c == ' ' || c == '\t' || c == '\r');
    (0..=text.len())
        .filter(|&offset| text.is_char_boundary(offset) && !skip[offset])
        .filter(|&offset| {
            let before = text[..offset].chars().next_back();
            let after = text[offset..].chars().next();
            let inside_word = word(before) && word(after);
            let inside_space = space(before) && space(after);
            !inside_word && !inside_space
        })
        .collect()
}

#[test]
fn a_comment_anywhere_in_values_survives() {
    insert_comments_everywhere("values.charter");
}

#[test]
fn a_comment_anywhere_in_entities_survives() {
    insert_comments_everywhere("entities.charter");
}

#[test]
fn a_comment_anywhere_in_rules_survives() {
    insert_comments_everywhere("rules.charter");
}

#[test]
fn a_comment_anywhere_in_tests_and_extends_survives() {
    insert_comments_everywhere("tests_extends.charter");
}

#[test]
fn a_comment_anywhere_among_comments_survives() {
    insert_comments_everywhere("comments.charter");
}

#[test]
fn a_comment_anywhere_in_long_layouts_survives() {
    insert_comments_everywhere("layout.charter");
}

// ── generated documents ────────────────────────────────────────────────────────────────

proptest! {
    #![proptest_config(ProptestConfig {
        // `PROPTEST_CASES=5000 cargo test --test fmt random` for a longer run.
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(256),
        max_global_rejects: 100_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_documents_format_losslessly_and_idempotently(document in generate::document()) {
        prop_assume!(parses_cleanly(&document));
        let output = format_source(&document).unwrap();
        assert_invariants(&document, &output);
    }
}

/// The generator is only useful if what it writes parses: most documents must.
#[test]
fn random_documents_mostly_parse() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = generate::document();
    let total = 200;
    let mut parsed = 0;
    let mut failures = Vec::new();
    for _ in 0..total {
        let document = strategy.new_tree(&mut runner).unwrap().current();
        if parses_cleanly(&document) {
            parsed += 1;
        } else if failures.len() < 3 {
            failures.push(document);
        }
    }
    assert!(
        parsed * 10 >= total * 9,
        "only {parsed} of {total} parse; for example:\n{}",
        failures.join("\n-----\n")
    );
}

// ── ranges ─────────────────────────────────────────────────────────────────────────────

#[test]
fn a_range_formats_the_declarations_it_touches() {
    let input =
        "person a {role:\"x\"}\n\n// about b\nperson   b {role:\"y\"} // b\n\nperson c {role:\"z\"}\n";
    let start = input.find("role:\"y\"").unwrap();
    let (range, replacement) = format_range(input, start..start + 1).unwrap();
    assert_eq!(&input[range.clone()], "person   b {role:\"y\"} // b");
    assert_eq!(replacement, "person b { role: \"y\" } // b");

    let (range, replacement) = format_range(input, 0..input.len()).unwrap();
    let mut edited = input.to_string();
    edited.replace_range(range, &replacement);
    assert_eq!(edited, format_source(input).unwrap());
}

#[test]
fn a_range_between_declarations_is_an_empty_edit() {
    let input = "person a {}\n\n\n\nperson b {}\n";
    let (range, replacement) = format_range(input, 13..13).unwrap();
    assert!(range.is_empty());
    assert!(replacement.is_empty());
}

#[test]
fn a_range_in_a_broken_file_is_an_error() {
    assert!(format_range("person a { role: }", 0..1).is_err());
}

// ── expressions on one line ────────────────────────────────────────────────────────────

#[test]
fn an_expression_on_one_line_is_canonical_and_drops_comments() {
    use charter::fmt::expression_on_one_line;
    assert_eq!(
        expression_on_one_line("q.budget!=none and   // why\n    q.status==active").as_deref(),
        Some("q.budget != none and q.status == active")
    );
    assert_eq!(expression_on_one_line("p.spent ///inserted\n 2").as_deref(), Some("p.spent / 2"));
    let long = "projects.filter(p, p.supports.is_empty()).map(p, p.budget).sum() <= 10% * projects.map(p, p.budget).sum() and projects.count() > 1000";
    assert_eq!(expression_on_one_line(long).as_deref(), Some(long));
    assert_eq!(expression_on_one_line("p.a ==").as_deref(), None);
}

#[test]
fn the_style_guide_examples_are_formatted() {
    let guide =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/formatting.md")).unwrap();
    let mut checked = 0;
    for block in guide.split("```charter\n").skip(1) {
        let block = block.split("```").next().unwrap();
        let lines: Vec<&str> = block.lines().collect();
        let margin = lines
            .iter()
            .filter(|line| !line.trim().is_empty())
            .map(|line| line.len() - line.trim_start().len())
            .min()
            .unwrap_or(0);
        let example: String =
            lines.iter().map(|line| format!("{}\n", line.get(margin..).unwrap_or(""))).collect();
        let example = format!("{}\n", example.trim_end());
        if parses_cleanly(&example)
            && example.starts_with(|c: char| c.is_ascii_lowercase())
            && !example.starts_with("depends_on")
        {
            assert_eq!(fmt(&example), example, "docs/formatting.md shows unformatted code");
            checked += 1;
        }
    }
    assert!(checked >= 3, "only {checked} examples checked");
}

// ── the command line ───────────────────────────────────────────────────────────────────

/// Runs `charter ARGS` in `directory`, with `stdin` as standard input.
fn charter(directory: &Path, args: &[&str], stdin: &str) -> (i32, String, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_charter"))
        .args(args)
        .current_dir(directory)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

const UGLY: &str = "person a {role:\"x\"}\n";
const PRETTY: &str = "person a { role: \"x\" }\n";

fn workspace_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = directory.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    directory
}

#[test]
fn cli_rewrites_files_in_place_and_keeps_their_permissions() {
    let directory = workspace_with(&[("a.charter", UGLY), ("sub/b.charter", PRETTY), ("notes.txt", UGLY)]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(directory.path().join("a.charter"), std::fs::Permissions::from_mode(0o640))
            .unwrap();
    }
    let (code, stdout, stderr) = charter(directory.path(), &["fmt"], "");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("1 file reformatted, 1 already formatted"), "{stderr}");
    assert_eq!(std::fs::read_to_string(directory.path().join("a.charter")).unwrap(), PRETTY);
    assert_eq!(std::fs::read_to_string(directory.path().join("notes.txt")).unwrap(), UGLY);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(directory.path().join("a.charter")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }
    let leftovers: Vec<_> =
        std::fs::read_dir(directory.path()).unwrap().flatten().map(|entry| entry.file_name()).collect();
    assert_eq!(leftovers.len(), 3, "no temporary file is left behind: {leftovers:?}");
}

#[test]
fn cli_check_lists_the_files_that_would_change_and_changes_nothing() {
    let directory = workspace_with(&[("a.charter", UGLY), ("b.charter", PRETTY)]);
    let (code, stdout, _) = charter(directory.path(), &["fmt", "--check"], "");
    assert_eq!(code, 1);
    assert_eq!(stdout, "a.charter\n");
    assert_eq!(std::fs::read_to_string(directory.path().join("a.charter")).unwrap(), UGLY);
    let (code, stdout, _) = charter(directory.path(), &["fmt", "--check", "b.charter"], "");
    assert_eq!((code, stdout.as_str()), (0, ""));
}

#[test]
fn cli_diff_prints_a_unified_diff_and_changes_nothing() {
    let directory = workspace_with(&[("a.charter", UGLY)]);
    let (code, stdout, _) = charter(directory.path(), &["fmt", "--diff"], "");
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "--- a/a.charter\n+++ b/a.charter\n@@ -1 +1 @@\n-person a {role:\"x\"}\n+person a { role: \"x\" }\n"
    );
    assert_eq!(std::fs::read_to_string(directory.path().join("a.charter")).unwrap(), UGLY);
}

#[test]
fn cli_formats_standard_input_to_standard_output() {
    let directory = workspace_with(&[]);
    assert_eq!(charter(directory.path(), &["fmt", "-"], UGLY), (0, PRETTY.to_string(), String::new()));
    let (code, stdout, _) = charter(directory.path(), &["fmt", "--check", "-"], UGLY);
    assert_eq!((code, stdout.as_str()), (1, "<stdin>\n"));
    let (code, _, stderr) = charter(directory.path(), &["fmt", "-"], "person a { role: }");
    assert_eq!(code, 1);
    assert!(stderr.contains("charter::syntax"), "{stderr}");
}

#[test]
fn cli_leaves_a_file_with_syntax_errors_untouched_and_prints_its_diagnostics() {
    let broken = "person a {role:\"x\"}\nperson b { role: }\n";
    let directory = workspace_with(&[("broken.charter", broken), ("a.charter", UGLY)]);
    let (code, _, stderr) = charter(directory.path(), &["fmt"], "");
    assert_eq!(code, 1);
    assert!(stderr.contains("charter::syntax") && stderr.contains("broken.charter"), "{stderr}");
    assert_eq!(std::fs::read_to_string(directory.path().join("broken.charter")).unwrap(), broken);
    assert_eq!(std::fs::read_to_string(directory.path().join("a.charter")).unwrap(), PRETTY);
}

#[test]
fn cli_a_missing_path_cannot_run() {
    let directory = workspace_with(&[]);
    let (code, _, stderr) = charter(directory.path(), &["fmt", "nowhere"], "");
    assert_eq!(code, 2);
    assert!(stderr.contains("nowhere"), "{stderr}");
}
