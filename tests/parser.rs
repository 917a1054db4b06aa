//! Parser tests: source in, a readable dump of the tree (valid input) or the rendered
//! syntax diagnostics (invalid input) out, as insta snapshots.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use charter::diagnostic::Diagnostic;
use charter::source::{FileId, LineIndex, Span};
use charter::syntax::ast::*;
use charter::syntax::{parse, parse_expression};
use std::fmt::Write;

// ── helpers ─────────────────────────────────────────────────────────────────────────────

/// Parses valid input: asserts there is no diagnostic and that every span is exact, and
/// returns the dump of the tree.
fn ok(source: &str) -> String {
    let (file, diagnostics) = parse(FileId(0), source);
    assert!(diagnostics.is_empty(), "unexpected diagnostics:\n{}", render_diagnostics(source, &diagnostics));
    check_spans(source, &file);
    dump(source, &file)
}

/// Parses invalid input: returns the source, every diagnostic, and the items that survived.
fn err(source: &str) -> String {
    let (file, diagnostics) = parse(FileId(0), source);
    assert!(!diagnostics.is_empty(), "expected a syntax error");
    check_spans(source, &file);
    let mut out = String::new();
    for (number, line) in source.lines().enumerate() {
        writeln!(out, "{:>3} | {line}", number + 1).unwrap();
    }
    writeln!(out, "\n── diagnostics ──").unwrap();
    out.push_str(&render_diagnostics(source, &diagnostics));
    writeln!(out, "\n── items ──").unwrap();
    for item in &file.items {
        match item {
            Item::Broken(broken) => writeln!(
                out,
                "broken keyword={:?} name={:?} {}",
                broken.keyword.as_ref().map(|ident| ident.name.as_str()),
                broken.name.as_ref().map(|ident| ident.name.as_str()),
                at(source, broken.span)
            )
            .unwrap(),
            Item::Entity(entity) => writeln!(out, "entity {} {}", entity.kind.name, entity.id.name).unwrap(),
            Item::Rule(rule) => writeln!(out, "rule {}", rule.name.name).unwrap(),
            Item::Test(test) => writeln!(out, "test {}", test.name.name).unwrap(),
            Item::Extend(extend) => writeln!(out, "extend {}", extend.kind.name).unwrap(),
            Item::Use(use_) => writeln!(out, "use {:?}", use_.path.value).unwrap(),
        }
    }
    out
}

/// `line:col: message`, the line, and a caret line under the span with the label.
fn render_diagnostics(source: &str, diagnostics: &[Diagnostic]) -> String {
    let index = LineIndex::new(source);
    let mut out = String::new();
    for diagnostic in diagnostics {
        let labels = std::iter::once(&diagnostic.primary).chain(&diagnostic.secondary);
        let start = index.position(source, diagnostic.span().start as usize);
        writeln!(out, "{}:{}: {} [{}]", start.line, start.column, diagnostic.message, diagnostic.code)
            .unwrap();
        for (number, label) in labels.enumerate() {
            let from = index.position(source, label.span.start as usize);
            let to = index.position(source, label.span.end as usize);
            let line_text = source.lines().nth(from.line as usize - 1).unwrap_or("");
            let width = if to.line == from.line { (to.column - from.column).max(1) } else { 1 };
            let marker = if number == 0 { "^" } else { "-" };
            writeln!(out, "    | {line_text}").unwrap();
            writeln!(
                out,
                "    | {}{} {}",
                " ".repeat(from.column as usize - 1),
                marker.repeat(width as usize),
                label.message.as_deref().unwrap_or("")
            )
            .unwrap();
        }
        if let Some(help) = &diagnostic.help {
            writeln!(out, "    = help: {help}").unwrap();
        }
    }
    out
}

fn at(source: &str, span: Span) -> String {
    format!("@{}..{} {:?}", span.start, span.end, &source[span.range()])
}

// ── a readable dump of the tree ─────────────────────────────────────────────────────────

fn dump(source: &str, file: &SourceFile) -> String {
    let mut out = String::new();
    for item in &file.items {
        dump_item(&mut out, source, item);
    }
    out
}

fn line(out: &mut String, depth: usize, text: impl AsRef<str>) {
    writeln!(out, "{}{}", "  ".repeat(depth), text.as_ref()).unwrap();
}

fn dump_doc(out: &mut String, depth: usize, doc: Option<&Doc>) {
    if let Some(doc) = doc {
        line(out, depth, format!("doc {:?}", doc.text));
    }
}

fn dump_item(out: &mut String, source: &str, item: &Item) {
    match item {
        Item::Use(use_) => {
            line(out, 0, format!("use {:?} @{}..{}", use_.path.value, use_.span.start, use_.span.end))
        }
        Item::Entity(entity) => dump_entity(out, source, 0, entity),
        Item::Extend(extend) => {
            dump_doc(out, 0, extend.doc.as_ref());
            line(out, 0, format!("extend {} @{}..{}", extend.kind.name, extend.span.start, extend.span.end));
            for decl in &extend.fields {
                dump_doc(out, 1, decl.doc.as_ref());
                line(
                    out,
                    1,
                    format!(
                        "{}: {}{}  {}",
                        decl.name.name,
                        type_text(&decl.ty),
                        if decl.required { " required" } else { "" },
                        at(source, decl.span)
                    ),
                );
            }
        }
        Item::Rule(rule) => {
            dump_doc(out, 0, rule.doc.as_ref());
            line(out, 0, format!("rule {} @{}..{}", rule.name.name, rule.span.start, rule.span.end));
            for clause in &rule.clauses {
                match clause {
                    RuleClause::Setting(index) => {
                        let setting = &rule.settings[*index];
                        dump_doc(out, 1, setting.doc.as_deref());
                        line(
                            out,
                            1,
                            format!("setting {} = {}", setting.name.name, value_text(&setting.value)),
                        );
                    }
                    RuleClause::Subject => match rule.subject.as_ref().unwrap() {
                        Subject::Kind { kind, var, filter, span } => {
                            line(out, 1, format!("for {} {}  {}", kind.name, var.name, at(source, *span)));
                            if let Some(filter) = filter {
                                line(out, 2, format!("where {}", expr_text(filter)));
                            }
                        }
                        Subject::Portfolio { span } => {
                            line(out, 1, format!("for portfolio  {}", at(source, *span)))
                        }
                    },
                    RuleClause::Let(index) => {
                        let let_ = &rule.lets[*index];
                        line(out, 1, format!("let {} = {}", let_.name.name, expr_text(&let_.value)));
                        line(out, 2, at(source, let_.span));
                    }
                    RuleClause::Require(index) => {
                        let require = &rule.requires[*index];
                        line(out, 1, format!("require {}", expr_text(&require.condition)));
                        if let Some(message) = &require.message {
                            line(out, 2, format!("else {:?}", message.value));
                        }
                        line(out, 2, at(source, require.span));
                    }
                }
            }
        }
        Item::Test(test) => {
            dump_doc(out, 0, test.doc.as_ref());
            line(out, 0, format!("test {} @{}..{}", test.name.name, test.span.start, test.span.end));
            if let Some(today) = &test.today {
                line(out, 1, format!("today {today}"));
            }
            for entity in &test.entities {
                dump_entity(out, source, 1, entity);
            }
            for expect in &test.expects {
                let text = match &expect.kind {
                    ExpectKind::Clean => "clean".to_owned(),
                    ExpectKind::Finding { negated, rule, on } => format!(
                        "{}{}{}",
                        if *negated { "no " } else { "" },
                        rule.name,
                        on.as_ref().map(|on| format!(" on {}", on.name)).unwrap_or_default()
                    ),
                };
                line(out, 1, format!("expect {text}  {}", at(source, expect.span)));
            }
        }
        Item::Broken(broken) => line(out, 0, format!("broken {broken:?}")),
    }
}

fn dump_entity(out: &mut String, source: &str, depth: usize, entity: &Entity) {
    dump_doc(out, depth, entity.doc.as_ref());
    let title = entity.title.as_ref().map(|title| format!(" {:?}", title.value)).unwrap_or_default();
    line(
        out,
        depth,
        format!("{} {}{title} @{}..{}", entity.kind.name, entity.id.name, entity.span.start, entity.span.end),
    );
    for field in &entity.fields {
        dump_doc(out, depth + 1, field.doc.as_deref());
        line(
            out,
            depth + 1,
            format!("{}: {}  {}", field.name.name, value_text(&field.value), at(source, field.value.span)),
        );
    }
    for child in &entity.children {
        dump_entity(out, source, depth + 1, child);
    }
}

fn type_text(ty: &TypeExpr) -> String {
    match &ty.kind {
        TypeExprKind::Named(name) => name.name.to_string(),
        TypeExprKind::Ref(kind) => format!("ref {}", kind.name),
        TypeExprKind::List(element) => format!("[{}]", type_text(element)),
        TypeExprKind::Enum(values) => {
            format!(
                "enum [{}]",
                values.iter().map(|value| value.name.as_str()).collect::<Vec<_>>().join(", ")
            )
        }
    }
}

fn value_kind_text(kind: &ValueKind) -> String {
    match kind {
        ValueKind::String(text) => format!("string {text:?}"),
        ValueKind::Number(number) => format!("number {number}"),
        ValueKind::Percent(number) => format!("percent {number}"),
        ValueKind::Money { amount, currency } => format!("money {amount} {currency}"),
        ValueKind::Date(date) => format!("date {}-{}-{}", date.year, date.month, date.day),
        ValueKind::Duration(duration) => format!("duration {}{}", duration.amount, duration.unit.suffix()),
        ValueKind::Measurement { value, date } => format!("measurement ({}) @ {date}", value_text(value)),
        ValueKind::Bool(value) => format!("bool {value}"),
        ValueKind::None => "none".to_owned(),
        ValueKind::Name(name) => format!("name {name}"),
        ValueKind::List(values) => {
            format!("[{}]", values.iter().map(value_text).collect::<Vec<_>>().join(", "))
        }
    }
}

fn value_text(value: &Value) -> String {
    value_kind_text(&value.kind)
}

/// An S-expression: `(== (. p sponsor) none)`.
fn expr_text(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Literal(kind) => value_kind_text(kind),
        ExprKind::Name(name) => name.name.to_string(),
        ExprKind::List(items) => format!("[{}]", items.iter().map(expr_text).collect::<Vec<_>>().join(", ")),
        ExprKind::Member { target, member } => format!("(. {} {})", expr_text(target), member.name),
        ExprKind::Call { target, method, args } => {
            let args: Vec<_> = args.iter().map(expr_text).collect();
            format!("(call {} {} [{}])", expr_text(target), method.name, args.join(", "))
        }
        ExprKind::Unary { op, operand } => {
            format!("({} {})", if *op == UnaryOp::Not { "not" } else { "neg" }, expr_text(operand))
        }
        ExprKind::Binary { op, left, right } => {
            format!("({} {} {})", op.as_str(), expr_text(left), expr_text(right))
        }
        ExprKind::Paren(inner) => format!("(paren {})", expr_text(inner)),
    }
}

// ── span invariants: every span is exact ────────────────────────────────────────────────

/// Every node span lies inside its parent's, is not empty, and neither starts nor ends
/// with whitespace or a comment, so the formatter can find comments between spans.
fn check_spans(source: &str, file: &SourceFile) {
    let exact = |span: Span, what: &str| {
        let text = source.get(span.range()).unwrap_or_else(|| panic!("{what} span {span:?} is out of range"));
        assert!(!text.is_empty(), "{what} span is empty");
        assert_eq!(text, text.trim(), "{what} span {span:?} has surrounding whitespace");
        let last_line = text.lines().last().unwrap_or("");
        assert!(
            !last_line.contains("//") || last_line.contains('"'),
            "{what} span ends in a comment: {text:?}"
        );
    };
    let inside = |inner: Span, outer: Span, what: &str| {
        assert!(outer.start <= inner.start && inner.end <= outer.end, "{what} {inner:?} escapes {outer:?}");
    };
    fn entity(source: &str, entity_: &Entity, exact: &dyn Fn(Span, &str), inside: &dyn Fn(Span, Span, &str)) {
        exact(entity_.span, "entity");
        assert!(source[entity_.span.range()].starts_with(entity_.kind.name.as_str()));
        assert!(source[entity_.span.range()].ends_with('}'));
        if let Some(doc) = &entity_.doc {
            assert!(source[doc.span.range()].starts_with("///"));
            assert!(doc.span.end <= entity_.span.start);
        }
        for field in &entity_.fields {
            exact(field.span, "field");
            inside(field.span, entity_.span, "field");
            value(&field.value, exact, inside);
            inside(field.value.span, field.span, "value");
            assert!(source[field.span.range()].starts_with(field.name.name.as_str()));
        }
        for child in &entity_.children {
            inside(child.span, entity_.span, "child");
            entity(source, child, exact, inside);
        }
    }
    fn value(value_: &Value, exact: &dyn Fn(Span, &str), inside: &dyn Fn(Span, Span, &str)) {
        exact(value_.span, "value");
        match &value_.kind {
            ValueKind::List(items) => {
                for item in items {
                    inside(item.span, value_.span, "list element");
                    value(item, exact, inside);
                }
            }
            ValueKind::Measurement { value: inner, date } => {
                inside(inner.span, value_.span, "measured value");
                inside(date.span, value_.span, "measurement date");
                value(inner, exact, inside);
            }
            _ => {}
        }
    }
    fn expr(expr_: &Expr, exact: &dyn Fn(Span, &str), inside: &dyn Fn(Span, Span, &str)) {
        exact(expr_.span, "expression");
        let children: Vec<&Expr> = match &expr_.kind {
            ExprKind::List(items) => items.iter().collect(),
            ExprKind::Member { target, .. } => vec![target],
            ExprKind::Call { target, args, .. } => std::iter::once(&**target).chain(args).collect(),
            ExprKind::Unary { operand, .. } => vec![operand],
            ExprKind::Binary { left, right, .. } => vec![left, right],
            ExprKind::Paren(inner) => vec![inner],
            ExprKind::Literal(_) | ExprKind::Name(_) => vec![],
        };
        for child in children {
            inside(child.span, expr_.span, "subexpression");
            expr(child, exact, inside);
        }
    }
    for item in &file.items {
        if !matches!(item, Item::Broken(_)) {
            exact(item.span(), "item");
        }
        match item {
            Item::Entity(entity_) => entity(source, entity_, &exact, &inside),
            Item::Extend(extend) => {
                for decl in &extend.fields {
                    exact(decl.span, "field declaration");
                    assert!(source[decl.span.range()].starts_with(decl.name.name.as_str()));
                    inside(decl.span, extend.span, "field declaration");
                    exact(decl.ty.span, "type");
                }
            }
            Item::Rule(rule) => {
                for setting in &rule.settings {
                    exact(setting.span, "setting");
                    assert!(source[setting.span.range()].starts_with(setting.name.name.as_str()));
                    value(&setting.value, &exact, &inside);
                }
                if let Some(subject) = &rule.subject {
                    exact(subject.span(), "subject");
                    if let Subject::Kind { filter: Some(filter), .. } = subject {
                        expr(filter, &exact, &inside);
                    }
                }
                for let_ in &rule.lets {
                    exact(let_.span, "let");
                    expr(&let_.value, &exact, &inside);
                }
                for require in &rule.requires {
                    exact(require.span, "require");
                    inside(require.condition.span, require.span, "condition");
                    expr(&require.condition, &exact, &inside);
                }
            }
            Item::Test(test) => {
                for entity_ in &test.entities {
                    entity(source, entity_, &exact, &inside);
                }
                for expect in &test.expects {
                    exact(expect.span, "expect");
                }
            }
            Item::Use(_) | Item::Broken(_) => {}
        }
    }
}

fn expr(source: &str) -> String {
    let text = format!("rule r {{ for project p require {source} }}");
    let (file, diagnostics) = parse(FileId(0), &text);
    assert!(diagnostics.is_empty(), "{}", render_diagnostics(&text, &diagnostics));
    check_spans(&text, &file);
    let Item::Rule(rule) = &file.items[0] else { panic!("not a rule") };
    expr_text(&rule.requires[0].condition)
}

fn value(source: &str) -> String {
    let text = format!("x y {{ v: {source} }}");
    let (file, diagnostics) = parse(FileId(0), &text);
    assert!(diagnostics.is_empty(), "{}", render_diagnostics(&text, &diagnostics));
    check_spans(&text, &file);
    let Item::Entity(entity) = &file.items[0] else { panic!("not an entity") };
    value_text(&entity.fields[0].value)
}

// ── literals ────────────────────────────────────────────────────────────────────────────

#[test]
fn literal_values() {
    let cases = [
        r#""plain""#,
        r#""esc \" \\ \n \t \u{1F600} end""#,
        r#""""#,
        "42",
        "-3.5",
        "1_200_000",
        "1.2M",
        "800k",
        "3B",
        "0.000001",
        "15%",
        "-2.5%",
        "1.2M USD",
        "450_000 EUR",
        "-3 CHF",
        "2026-03-31",
        "2026-02-30",
        "30d",
        "6w",
        "3mo",
        "1y",
        "68% @ 2025-06-30",
        "1.2M USD @ 2026-01-01",
        "42 @ 2026-01-01",
        "true",
        "false",
        "none",
        "alice",
        "checkout_revamp.beta",
        "charter::missing_field",
        "[]",
        "[a, b,]",
        "[1, 15%, \"s\", [x]]",
        "[\n  a,\n  b, // comment\n  c,\n]",
    ];
    let out: Vec<String> = cases.iter().map(|case| format!("{case:<40} => {}", value(case))).collect();
    insta::assert_snapshot!(out.join("\n"));
}

#[test]
fn keyword_prefixes_are_names() {
    let cases =
        ["increase", "on_hold", "index", "nothing", "nonesuch", "true_north", "falsehood", "in", "not"];
    let out: Vec<String> = cases.iter().map(|case| format!("{case:<12} => {}", value(case))).collect();
    insta::assert_snapshot!(out.join("\n"));
}

#[test]
fn triple_quoted_strings_are_dedented() {
    insta::assert_snapshot!(ok(r#"project p {
  description: """
    Replace the checkout.
      Mobile first, "quotes" and \t escapes.

    Then measure.
    """
  note: """inline"""
}
"#));
}

#[test]
fn money_does_not_join_across_lines() {
    insta::assert_snapshot!(ok("project p {\n  budget: 12\n  USD: 3\n}\n"));
}

#[test]
fn decimals_are_exact() {
    assert_eq!(value("0.1"), "number 0.1");
    assert_eq!(value("1.5k"), "number 1500");
    assert_eq!(value("12.5%"), "percent 0.125");
    assert_eq!(value("1.2M USD"), "money 1200000 USD");
}

// ── declarations ────────────────────────────────────────────────────────────────────────

#[test]
fn language_example_parses_cleanly() {
    let source = std::fs::read_to_string("tests/fixtures/parse/language_example.charter").unwrap();
    insta::assert_snapshot!(ok(&source));
}

#[test]
fn use_declarations() {
    insta::assert_snapshot!(ok("use \"lib/rules.charter\"\nuse \"../shared.charter\"\n"));
}

#[test]
fn entity_forms() {
    insta::assert_snapshot!(ok(r#"person alice "Alice Chen" { role: "CFO" }
team t {}
team u { kind: squad, lead: alice, }
team v { kind: squad lead: alice }
project p {
  milestone beta "Public beta" { date: 2026-05-01 }
  status: active
  risk r { impact: high }
}
"#));
}

#[test]
fn kinds_and_field_names_may_be_any_identifier() {
    insta::assert_snapshot!(ok("waiver w { rule: r, team: t, for: x, not: y, in: z }\nportfolio x {}\n"));
}

#[test]
fn doc_comments_attach_to_what_follows() {
    insta::assert_snapshot!(ok(r#"/// The CFO.
/// Chairs the committee.
person alice {
  /// Her job title.
  role: "CFO"
  // an ordinary comment
  //// four slashes make an ordinary comment
  team: finance
}

/// Project schema additions.
extend project {
  /// Who pays.
  cost_center: string
}

/// A rule.
rule r {
  /// How bad.
  severity: error
  for portfolio
  require true
}

/// A test.
test t {
  /// An entity in a test.
  project p {}
  expect clean
}
"#));
}

#[test]
fn extend_declarations() {
    insta::assert_snapshot!(ok(r#"extend project {
  data_classification: enum [public, internal, confidential, restricted] required
  cost_center: string
  compliance_reviewed: bool,
  reviewers: [ref person]
  deputy: ref person required
  budgets: [[money]]
  required: bool
  ratio: percent
}
"#));
}

#[test]
fn required_may_be_a_field_name() {
    insta::assert_snapshot!(ok("extend project {\n  a: string\n  required: bool\n}\n"));
}

#[test]
fn rule_with_every_clause() {
    insta::assert_snapshot!(ok(r#"rule every_clause {
  severity: error
  summary: "Summary"
  message: "project {p} fails"
  help: "fix it"
  url: "https://example.invalid/rules/every_clause"
  for project p where p.status not in [done, cancelled]
  let share = p.budget / total
  let total = projects.map(q, q.budget).sum()
  require p.sponsor != none else "no sponsor"
  require share <= 10%
}
"#));
}

#[test]
fn rule_clauses_in_any_order() {
    insta::assert_snapshot!(ok(r#"rule r {
  require x
  for portfolio
  severity: warning, summary: "s"
  let x = true
}
"#));
}

#[test]
fn tests_with_every_expect_form() {
    insta::assert_snapshot!(ok(r#"test t {
  today: 2026-11-26
  project p1 { status: active }
  project p2 "Two" {
    milestone m { date: 2026-01-01 }
  }
  expect project_has_sponsor on p1
  expect no project_has_sponsor on p2
  expect no milestone_overdue on p2.m
  expect unaligned_budget_share
  expect no unaligned_budget_share
  expect charter::missing_field on p1
  expect no_sponsor_rule
  expect clean
}
"#));
}

// ── expressions ─────────────────────────────────────────────────────────────────────────

#[test]
fn operator_precedence() {
    let cases = [
        "a or b and c",
        "a and b or c",
        "not a and b",
        "not a == b",
        "a and not b or c",
        "a == b and c != d",
        "a < b + c * d",
        "a + b * c - d / e",
        "a - b - c",
        "a / b * c",
        "-a * b",
        "- a.b.c",
        "a in [x, y]",
        "a not in [x, y]",
        "a not  // comment\n in b",
        "not a in b",
        "a <= b",
        "a >= b",
        "a < b",
        "a > b",
        "(a or b) and c",
        "((a))",
        "p.supports.owner",
        "p.end - p.start > 30d",
        "today + 6w >= m.date",
        "projects.filter(p, p.supports.is_empty()).map(p, p.budget).sum()",
        "f.count()",
        "x.all(p, p.budget > 1.2M USD,)",
        "10% * projects.map(p, p.budget).sum()",
        "s.matches(\"^[a-z]+$\")",
        "m.actual.value >= 50% and m.actual.date > 2026-01-01",
        "p.status == on_hold",
        "index in increase",
        "nothing or notable and andrew",
        "a == none",
        "-3.5 < -x",
        "[1, 2,] == []",
        "p.end.year",
        "a\n  and b\n  or c",
    ];
    let out: Vec<String> = cases.iter().map(|case| format!("{case:?}\n    => {}", expr(case))).collect();
    insta::assert_snapshot!(out.join("\n"));
}

#[test]
fn long_example_expression_spans_lines() {
    insta::assert_snapshot!(expr(
        "projects.filter(p, p.supports.is_empty()).map(p, p.budget).sum()\n          <= 10% * projects.map(p, p.budget).sum()"
    ));
}

#[test]
fn template_expressions_parse_alone() {
    let (expr, diagnostics) = parse_expression(FileId(3), "p.budget * 2", 100);
    let expr = expr.unwrap();
    assert!(diagnostics.is_empty());
    assert_eq!(expr_text(&expr), "(* (. p budget) number 2)");
    assert_eq!((expr.span.start, expr.span.end, expr.span.file), (100, 112, FileId(3)));
    let (expr, diagnostics) = parse_expression(FileId(0), "p.", 0);
    assert!(expr.is_none());
    assert_eq!(diagnostics[0].message, "expected a name after `.`");
    assert_eq!(parse_expression(FileId(0), "a b", 0).1.len(), 1);
}

// ── spans ───────────────────────────────────────────────────────────────────────────────

#[test]
fn spans_are_exact() {
    let source =
        "/// doc\nproject p \"T\" { // trailing\n  budget: 1.2M USD // money\n  teams: [a, b] ,\n}\n";
    let (file, _) = parse(FileId(0), source);
    let Item::Entity(entity) = &file.items[0] else { panic!() };
    let slice = |span: Span| &source[span.range()];
    assert_eq!(slice(entity.doc.as_ref().unwrap().span), "/// doc");
    assert!(slice(entity.span).starts_with("project p"));
    assert!(slice(entity.span).ends_with('}'));
    assert_eq!(slice(entity.fields[0].span), "budget: 1.2M USD");
    assert_eq!(slice(entity.fields[0].value.span), "1.2M USD");
    assert_eq!(slice(entity.fields[1].span), "teams: [a, b]");
    let ValueKind::List(items) = &entity.fields[1].value.kind else { panic!() };
    assert_eq!(slice(items[1].span), "b");
    assert_eq!(slice(entity.title.as_ref().unwrap().span), "\"T\"");
}

// ── errors ──────────────────────────────────────────────────────────────────────────────

#[test]
fn error_missing_value() {
    insta::assert_snapshot!(err("project p {\n  budget:\n}\n"));
}

#[test]
fn error_missing_field_name() {
    insta::assert_snapshot!(err("project p {\n  budget: 1, ? \n}\n"));
}

#[test]
fn error_unclosed_brace() {
    insta::assert_snapshot!(err("project p {\n  budget: 1\n\nperson alice {}\n"));
}

#[test]
fn error_unclosed_brace_at_end_of_file() {
    insta::assert_snapshot!(err("project p {\n  budget: 1\n"));
}

#[test]
fn error_missing_brace() {
    insta::assert_snapshot!(err("project p \"Title\"\n  budget: 1\n}\n"));
}

#[test]
fn error_unterminated_string() {
    insta::assert_snapshot!(err("project p {\n  title: \"Checkout\n  budget: 1\n}\nperson a {}\n"));
}

#[test]
fn error_unterminated_text_block() {
    insta::assert_snapshot!(err(
        "person a {}\nproject p {\n  description: \"\"\"\n    never closed\n}\nperson b {}\n"
    ));
}

#[test]
fn error_bad_escape() {
    insta::assert_snapshot!(err("project p {\n  title: \"a \\q b \\u{110000} c\"\n}\n"));
}

#[test]
fn error_lowercase_currency() {
    insta::assert_snapshot!(err("project p {\n  budget: 12 usd\n  spent: 3\n}\n"));
}

#[test]
fn error_two_letter_currency() {
    insta::assert_snapshot!(err("project p { budget: 1.2M US }\n"));
}

#[test]
fn error_missing_expression() {
    insta::assert_snapshot!(err("rule r {\n  for project p\n  require p.budget >\n}\n"));
}

#[test]
fn error_bad_rule_clause() {
    insta::assert_snapshot!(err("rule r {\n  for project p\n  ensure p.budget > 0\n}\n"));
}

#[test]
fn error_missing_for_kind() {
    insta::assert_snapshot!(err("rule r {\n  for\n  require true\n}\n"));
}

#[test]
fn error_let_without_equals() {
    insta::assert_snapshot!(err("rule r {\n  for portfolio\n  let x 3\n  require x\n}\n"));
}

#[test]
fn error_unclosed_call() {
    insta::assert_snapshot!(err("rule r {\n  for portfolio\n  require projects.map(p, p.budget\n}\n"));
}

#[test]
fn error_bad_expect() {
    insta::assert_snapshot!(err("test t {\n  expect\n}\n"));
}

#[test]
fn error_bad_test_item() {
    insta::assert_snapshot!(err("test t {\n  today 2026-01-01\n}\n"));
}

#[test]
fn error_bad_type() {
    insta::assert_snapshot!(err("extend project {\n  code: 42\n}\n"));
}

#[test]
fn error_list_without_commas() {
    insta::assert_snapshot!(err("project p { teams: [a b] }\n"));
}

#[test]
fn error_reserved_word_as_id() {
    insta::assert_snapshot!(err("project none {}\n"));
}

#[test]
fn error_dangling_doc_comment() {
    insta::assert_snapshot!(err("project p {\n  a: 1\n  /// documents nothing\n}\n"));
}

#[test]
fn error_doc_comment_before_a_clause() {
    insta::assert_snapshot!(err("rule r {\n  /// why\n  for portfolio\n  require true\n}\n"));
}

#[test]
fn error_second_for_clause() {
    insta::assert_snapshot!(err("rule r {\n  for portfolio\n  for project p\n  require true\n}\n"));
}

#[test]
fn error_number_too_large() {
    insta::assert_snapshot!(err("project p { budget: 99999999999999999999999999999999 USD }\n"));
}

#[test]
fn error_unknown_declaration_keyword_form() {
    insta::assert_snapshot!(err("use alice\nrule {}\nextend {}\n"));
}

#[test]
fn error_lone_closing_brace() {
    insta::assert_snapshot!(err("project p {}\n}\nperson a {}\n"));
}

#[test]
fn error_missing_id() {
    insta::assert_snapshot!(err("project {\n  budget: 1\n}\n"));
}

#[test]
fn error_broken_declaration_keeps_kind_and_id() {
    insta::assert_snapshot!(err(
        "project checkout {\n  budget: 1.2M USD\n  status: ???\n}\n\nproject other { depends_on: [checkout] }\n"
    ));
}

#[test]
fn error_several_in_one_file_are_all_reported() {
    insta::assert_snapshot!(err(r#"person alice {}

project one {
  budget: 1 2
}

rule r {
  for project p
  require p.x ==
}

team t { kind: squad }

test t2 {
  expect
}

person bob { role: "x" }
"#));
}

#[test]
fn error_impossible_input_characters() {
    insta::assert_snapshot!(err("project p {\n  a: \u{0}\n}\nperson é {}\n"));
}

#[test]
fn error_nothing_after_doc_comment() {
    insta::assert_snapshot!(err("person a {}\n/// trailing doc\n"));
}

#[test]
fn unindented_bodies_parse_when_the_file_is_valid() {
    insta::assert_snapshot!(ok("project p {\nbudget: 1\nmilestone m {}\n}\n"));
}

#[test]
fn several_declarations_on_one_line() {
    insta::assert_snapshot!(ok("person a {} person b {} rule r { for portfolio require true }\n"));
}

// ── adversarial input: never panic, never hang ──────────────────────────────────────────

fn survives(source: &str) -> Vec<Diagnostic> {
    let started = std::time::Instant::now();
    let (_, diagnostics) = parse(FileId(0), source);
    // Generous bound: only catches a hang or exponential backtracking, not slowness.
    assert!(started.elapsed().as_secs() < 20, "parsing took {:?}", started.elapsed());
    diagnostics
}

#[test]
fn deep_brackets_are_an_error_not_a_crash() {
    let diagnostics = survives(&format!("project p {{ a: {}1 }}\nperson b {{}}\n", "[".repeat(10_000)));
    assert_eq!(diagnostics.len(), 1);
    assert!(diagnostics[0].message.contains("nested too deeply"), "{}", diagnostics[0].message);
    let diagnostics = survives(&format!("rule r {{ for portfolio require {}x }}", "(".repeat(10_000)));
    assert_eq!(diagnostics.len(), 1);
    let diagnostics =
        survives(&format!("rule r {{ for portfolio require {}x{} }}", "(".repeat(60), ")".repeat(60)));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
}

#[test]
fn long_operator_chains_are_bounded() {
    let chain = vec!["a"; 5_000].join(" + ");
    let diagnostics = survives(&format!("rule r {{ for portfolio require {chain} }}\nperson b {{}}\n"));
    assert_eq!(diagnostics.len(), 1);
    assert!(diagnostics[0].message.contains("nested too deeply"));
    let nots = "not ".repeat(5_000);
    assert_eq!(survives(&format!("rule r {{ for portfolio require {nots} x }}")).len(), 1);
    let members = ".b".repeat(5_000);
    assert_eq!(survives(&format!("rule r {{ for portfolio require a{members} }}")).len(), 1);
    let short = vec!["a"; 100].join(" + ");
    assert!(survives(&format!("rule r {{ for portfolio require {short} }}")).is_empty());
}

#[test]
fn hostile_inputs_return_diagnostics() {
    let long_line = format!("project p {{ a: \"{}\" }}", "x".repeat(1_000_000));
    assert!(survives(&long_line).is_empty());
    let long_garbage = "@".repeat(1_000_000);
    assert_eq!(survives(&long_garbage).len(), 1);
    assert_eq!(survives("project p {\n  d: \"\"\"\n  never closed").len(), 1);
    assert!(!survives("\0\0\0").is_empty());
    assert!(!survives("}").is_empty());
    assert!(!survives("}}}}\n{{{{\n").is_empty());
    assert!(survives("").is_empty());
    assert!(survives("// only a comment").is_empty());
    assert!(survives("\u{FEFF}person a {}").is_empty());
    let long_list = format!("project p {{ a: [{}] }}", vec!["x"; 100_000].join(", "));
    assert!(survives(&long_list).is_empty());
    let many_errors = "project p { a: }\n".repeat(2_000);
    assert_eq!(survives(&many_errors).len(), 2_000);
    let quotes = "\"".repeat(10_001);
    assert!(!survives(&quotes).is_empty());
}

// ── throughput (run by hand: `cargo test --release --test parser -- --ignored --nocapture`) ─

/// A synthetic portfolio: `count` projects of 15 fields and a nested milestone each.
fn synthetic(count: usize) -> String {
    let mut text = String::new();
    for index in 0..count {
        write!(
            text,
            r#"/// Project number {index}.
project project_{index} "Project {index}" {{
  sponsor: person_{sponsor}
  manager: person_{manager}
  teams: [team_a, team_b, team_c]
  status: active // a comment
  methodology: agile
  start: 2026-01-15
  end: 2026-09-30
  budget: 1.2M USD
  spent: 800_000 USD
  expected_benefit: 3M USD
  supports: [objective_{objective}]
  kpis: [metric_a, metric_b]
  depends_on: [project_{previous}]
  description: "Replace the legacy system, step {index}"
  allocation: 12.5%
  milestone beta "Beta" {{ date: 2026-05-01, status: done }}
}}

"#,
            sponsor = index % 50,
            manager = index % 70,
            objective = index % 20,
            previous = index.saturating_sub(1),
        )
        .unwrap();
    }
    text
}

#[test]
#[ignore = "measures throughput; run in release mode by hand"]
fn throughput() {
    // `CHARTER_PROJECTS` and `CHARTER_RUNS` shrink the run, e.g. for callgrind.
    let setting = |name: &str, default: usize| {
        std::env::var(name).ok().and_then(|value| value.parse().ok()).unwrap_or(default)
    };
    let projects = setting("CHARTER_PROJECTS", 10_000);
    let runs = setting("CHARTER_RUNS", 5);
    let valid = synthetic(projects);
    let mut broken = valid.clone();
    // One error every 100 projects forces the recovery path.
    broken = broken.replace("  methodology: agile\n  start: 2026-01-15\n  end: 2026-09-30\n  budget: 1.2M USD\n  spent: 800_000 USD\n  expected_benefit: 3M USD\n  supports: [objective_1]", "  methodology: agile\n  start: 2026-01-15\n  end: 2026-09-30\n  budget: 1.2M USD\n  spent: 800_000 USD\n  expected_benefit: 3M USD\n  supports: [objective_1,,]");
    for (name, text) in [("valid", &valid), ("1% broken", &broken)] {
        let megabytes = text.len() as f64 / 1_000_000.0;
        let started = std::time::Instant::now();
        let mut diagnostics = 0;
        for _ in 0..runs {
            let (file, found) = parse(FileId(0), text);
            assert_eq!(file.items.len(), projects);
            diagnostics = found.len();
        }
        let seconds = started.elapsed().as_secs_f64() / runs as f64;
        println!(
            "{name}: {megabytes:.1} MB in {:.0} ms: {:.1} MB/s ({diagnostics} diagnostics)",
            seconds * 1000.0,
            megabytes / seconds
        );
    }
}

/// Writes the generated portfolio of `charter::synth` to `CHARTER_WORKSPACE_DIR` (with
/// `CHARTER_PROJECTS` projects, 10,000 by default), to time and measure `charter check`
/// on real files: `cargo test --release --test parser write_synthetic_workspace --
/// --ignored`.
#[test]
#[ignore = "writes files; run by hand"]
fn write_synthetic_workspace() {
    let Ok(dir) = std::env::var("CHARTER_WORKSPACE_DIR") else {
        return;
    };
    let projects =
        std::env::var("CHARTER_PROJECTS").ok().and_then(|value| value.parse().ok()).unwrap_or(10_000);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in charter::synth::portfolio(projects) {
        let path = std::path::Path::new(&dir).join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }
}

// ── incremental parsing ─────────────────────────────────────────────────────────────────

/// Snippets an edit inserts: plain text, new declarations, lines in column 0, unbalanced
/// brackets and quotes, doc comments.
const INSERTIONS: [&str; 14] = [
    "",
    "x",
    "\n",
    "\n\n",
    "\nproject inserted \"Inserted\" {\n  status: active\n}\n",
    "\nproject half {",
    "}",
    "{",
    "\"",
    "\"\"\"",
    "/// A doc.\n",
    ", ",
    "budget: 5k USD\n",
    "// comment\n",
];

/// Applies chains of pseudo-random edits to `text`, parsing each version incrementally from
/// the previous one, and checks every result against a parse from scratch.
/// Returns how many declarations were reused.
fn assert_incremental_agrees(name: &str, text: &str, seed: u64) -> usize {
    let mut state = seed;
    let mut next = |bound: usize| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 33) as usize) % bound.max(1)
    };
    let mut reused = 0;
    let mut current = text.to_string();
    let (_, _, mut parts) = charter::syntax::parse_incremental(FileId(3), &current, None);
    for step in 0..40 {
        let mut at = next(current.len() + 1);
        while !current.is_char_boundary(at) {
            at -= 1;
        }
        let mut end = (at + next(24)).min(current.len());
        while !current.is_char_boundary(end) {
            end -= 1;
        }
        let inserted = INSERTIONS[next(INSERTIONS.len())];
        let edited = format!("{}{inserted}{}", &current[..at], &current[end..]);
        let (tree, diagnostics, next_parts) =
            charter::syntax::parse_incremental(FileId(3), &edited, Some(&parts));
        let (expected_tree, expected_diagnostics) = parse(FileId(3), &edited);
        let context = format!("{name}, step {step}: replaced {at}..{end} with {inserted:?}");
        assert_eq!(format!("{tree:#?}"), format!("{expected_tree:#?}"), "{context}: trees differ");
        assert_eq!(
            format!("{diagnostics:#?}"),
            format!("{expected_diagnostics:#?}"),
            "{context}: diagnostics differ"
        );
        reused += next_parts.reused();
        current = edited;
        parts = next_parts;
    }
    reused
}

/// `parse` hands pest many declarations at once; a file whose groups hold a body cut at a
/// line in column 0, with or without a real error elsewhere, must give what parsing one
/// declaration at a time gives (`parse_incremental` without previous parts does that).
#[test]
fn grouped_parsing_agrees_with_parsing_declaration_by_declaration() {
    let people = |text: &mut String, from: usize| {
        for index in from..from + 700 {
            writeln!(text, "person p{index} {{\n  role: \"r\"\n}}").unwrap();
        }
    };
    for broken in [false, true] {
        let mut text = String::new();
        people(&mut text, 0);
        text.push_str("person cut {\nrole: \"in column 0\"\n}\n");
        people(&mut text, 1000);
        if broken {
            text.push_str("person broken { role: ??? }\n");
        }
        people(&mut text, 2000);
        assert!(text.len() > 60_000);
        let (tree, diagnostics) = parse(FileId(3), &text);
        let (expected_tree, expected_diagnostics, _) =
            charter::syntax::parse_incremental(FileId(3), &text, None);
        assert_eq!(format!("{tree:#?}"), format!("{expected_tree:#?}"), "broken: {broken}");
        assert_eq!(format!("{diagnostics:#?}"), format!("{expected_diagnostics:#?}"), "broken: {broken}");
        let cut =
            tree.items.iter().any(|item| matches!(item, Item::Entity(entity) if entity.id.name == "cut"));
        assert_eq!(cut, !broken, "the cut body is whole exactly when the file has no real error");
    }
}

#[test]
fn incremental_parsing_agrees_with_parsing_from_scratch() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<(String, String)> = Vec::new();
    for directory in ["examples/acme", "examples/broken", "tests/fixtures/diagnostics", "src/stdlib"] {
        for path in charter::model::workspace::charter_files(&root.join(directory)) {
            files.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
        }
    }
    files.extend(charter::synth::portfolio(30).into_iter().take(3));
    let mut checked = 0;
    for (index, (name, text)) in files.iter().enumerate() {
        checked += assert_incremental_agrees(name, text, index as u64 + 1);
    }
    assert!(checked > 10_000, "too few declarations were reused: {checked}");
}
