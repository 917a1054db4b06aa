//! Rules: type checking, evaluation, waivers, tests, `why`, coverage and the catalog.
//!
//! Each test checks a small workspace written inline (std off unless said otherwise, today
//! fixed at 2026-11-26) and snapshots what a user sees: the source, then every finding as
//! `line:col severity[code]: message` with its labels and help.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use charter::Diagnostic;
use charter::model::{Config, Workspace};
use std::fmt::Write;
use std::path::PathBuf;

const TODAY: &str = "2026-11-26";

fn today() -> jiff::civil::Date {
    TODAY.parse().unwrap()
}

/// A workspace of one file `main.charter` holding `source`, with `charter.toml` text.
fn workspace_with(source: &str, toml: &str) -> Workspace {
    let root = PathBuf::from("/ws");
    let config = Config::parse(toml).unwrap();
    Workspace::from_texts(
        root.clone(),
        config,
        vec![(root.join("main.charter"), source.to_string())],
        &|_| None,
    )
}

fn workspace(source: &str) -> Workspace {
    workspace_with(source, "[check]\nstd = false\n")
}

fn render(workspace: &Workspace, findings: &[Diagnostic]) -> String {
    let mut out = String::new();
    let position = |span: charter::source::Span| {
        let (file, start, _) = charter::render::locate(&workspace.sources, span);
        if file == "main.charter" {
            format!("{}:{}", start.line, start.column)
        } else {
            format!("{file}:{}:{}", start.line, start.column)
        }
    };
    for finding in findings {
        let _ = writeln!(
            out,
            "{} {}[{}]: {}",
            position(finding.span()),
            finding.severity,
            finding.code,
            finding.message
        );
        if let Some(label) = &finding.primary.message {
            let text = workspace.sources.slice(finding.span());
            let _ = writeln!(out, "  --> `{text}`: {label}");
        }
        for label in &finding.secondary {
            let _ = writeln!(out, "  {} {}", position(label.span), label.message.as_deref().unwrap_or(""));
        }
        if let Some(help) = &finding.help {
            let _ = writeln!(out, "  help: {help}");
        }
        if let Some(entity) = &finding.entity {
            let _ = writeln!(out, "  entity: {entity}");
        }
    }
    if findings.is_empty() {
        out.push_str("(no findings)\n");
    }
    out
}

/// The source followed by every finding of `charter check`.
fn check_with(source: &str, toml: &str) -> String {
    let workspace = workspace_with(source, toml);
    let findings = charter::check(&workspace, today());
    format!("{}\n----\n{}", source.trim(), render(&workspace, &findings))
}

fn check(source: &str) -> String {
    check_with(source, "[check]\nstd = false\n")
}

macro_rules! snapshot {
    ($name:ident, $source:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(check($source));
        }
    };
    ($name:ident, $source:expr, toml = $toml:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(check_with($source, $toml));
        }
    };
}

const PEOPLE: &str = r#"
person alice "Alice Chen" { executive: true }
person bob "Bob Ray" { }
"#;

fn with_people(source: &str) -> String {
    format!("{PEOPLE}{source}")
}

// ── type checking ────────────────────────────────────────────────────────────────────

snapshot!(
    typeck_unknown_field,
    r#"
rule r {
  for project p
  require p.sponsr != none
}
"#
);

snapshot!(
    typeck_unknown_field_lists_computed,
    r#"
rule r {
  for metric m
  require m.zzzzzzzz != none
}
"#
);

snapshot!(
    typeck_unknown_enum_value,
    r#"
rule r {
  for project p
  require p.status == actve
}
"#
);

snapshot!(
    typeck_unknown_enum_value_in_list,
    r#"
rule r {
  for project p where p.status not in [done, canceled]
  require p.sponsor != none
}
"#
);

snapshot!(
    typeck_operand_types,
    r#"
rule r {
  for project p
  require p.budget > p.start
  require p.sponsor and p.kpis.count() > 0
  require p.budget > 100
}
"#
);

snapshot!(
    typeck_unknown_method_and_arity,
    r#"
rule r {
  for project p
  require p.kpis.size() > 0
  require p.kpis.filter(k) == []
  require p.title.len(1) > 0
  require p.start.foo() == none
}
"#
);

snapshot!(
    typeck_unbound_variable,
    r#"
rule r {
  for project p
  require q.sponsor != none
}
"#
);

snapshot!(
    typeck_shadowing,
    r#"
rule r {
  for project p
  let p = 1
  require projects.all(p, p.sponsor != none)
}
"#
);

snapshot!(
    typeck_templates,
    r#"
rule r1 {
  for project p
  require p.sponsor != none else "project {p has no sponsor"
}
rule r2 {
  for project p
  require p.sponsor != none else "project {q} has no sponsor"
}
rule r3 {
  for project p
  require p.sponsor != none else "project } has no sponsor"
}
rule r4 {
  for project p
  message: "{p.sponsr}"
  require p.sponsor != none
}
"#
);

snapshot!(
    typeck_missing_and_duplicate_clauses,
    r#"
rule no_subject {
  require true
}
rule no_require {
  for project p
}
"#
);

snapshot!(
    typeck_severity_and_settings,
    r#"
rule r {
  severity: fatal
  sumary: "x"
  for project p
  require p.sponsor != none
}
"#
);

snapshot!(
    typeck_unknown_kind,
    r#"
rule r {
  for projet p
  require p.sponsor != none
}
"#
);

snapshot!(
    typeck_invalid_regex,
    r#"
rule r {
  for project p
  require p.title.matches("[a-")
}
"#
);

snapshot!(
    typeck_measurement_compared_directly,
    r#"
rule r {
  for metric m
  require m.actual >= m.target
}
"#
);

snapshot!(
    typeck_duplicate_rule_names,
    r#"
rule twice {
  for project p
  require p.sponsor != none
}
rule twice {
  for project p
  require p.manager != none
}
"#
);

snapshot!(
    typeck_broken_rule_does_not_stop_others,
    r#"
project p1 { status: active }
rule broken {
  for project p
  require p.nope == 1
}
rule works {
  for project p
  require p.sponsor != none else "{p} has no sponsor"
}
"#
);

snapshot!(
    typeck_extended_fields,
    r#"
extend project {
  data_classification: enum [public, internal, confidential, restricted]
  cost_center: string
}
project p1 { data_classification: restricted }
project p2 { data_classification: public, cost_center: "CC-1" }
rule restricted_needs_cost_center {
  for project p where p.data_classification >= confidential
  require p.cost_center != none else "{p} is {p.data_classification} but names no cost center"
}
rule typo {
  for project p
  require p.data_classification == secret
}
"#
);

// ── operators, none, methods ─────────────────────────────────────────────────────────

snapshot!(
    eval_none_semantics,
    r#"
project p1 { }
rule ordering_with_none_is_false {
  for project p
  require p.budget > 0 else "{p}: none > 0 is false"
}
rule none_equals_none {
  for project p
  require p.budget == none else "never reported"
}
rule member_of_none_is_none {
  for project p
  require p.sponsor.executive == none else "never reported"
}
rule missing_list_is_empty {
  for project p
  require p.kpis == [] and p.kpis.count() == 0 else "never reported"
}
rule arithmetic_with_none_is_none {
  for project p
  require p.budget + 1 USD == none else "never reported"
}
rule none_in_boolean_position_fails {
  for project p
  require p.sponsor.executive else "{p}: a none require fails"
}
rule not_none_is_true {
  for project p
  require not p.sponsor.executive else "never reported"
}
rule in_with_none_is_false {
  for project p
  require not (p.methodology in [agile, hybrid]) else "never reported"
}
"#
);

snapshot!(
    eval_enum_order,
    r#"
project p1 {
  risk r1 { impact: high }
  risk r2 { impact: low }
  risk r3 { impact: critical, mitigation: "plan" }
}
rule high_risks_mitigated {
  for risk r where r.impact >= high
  require r.mitigation != none else "{r} ({r.impact}) has no mitigation"
}
"#
);

snapshot!(
    eval_collection_methods_fail,
    r#"
metric m1 { }
project p1 { kpis: [m1], budget: 100 USD, spent: 150 USD }
project p2 { budget: 300 USD }
rule each_require_fails {
  for portfolio
  require projects.all(p, p.spent != none)
  require projects.any(p, p.budget > 1k USD)
  require projects.filter(p, p.kpis.is_empty()).count() == 0
  require projects.map(p, p.budget).sum() < 400 USD
  require projects.count(p, p.spent == none) > 1
  require projects.map(p, p.budget).max() < projects.map(p, p.budget).min()
  require projects.map(p, p.budget).avg() != 200 USD
  require [].avg() != none or [].min() != none or [].sum() != 0
  require projects.kpis.map(k, k.id).contains("m1") == false
}
"#
);

snapshot!(
    eval_methods_all_pass,
    r#"
person alice "Alice Chen" { executive: true }
metric m1 { owner: alice }
metric m2 { }
objective o1 { measured_by: [m1, m2], owner: alice }
project p1 { supports: [o1], kpis: [m1, m2], budget: 100 USD, spent: 150 USD }
project p2 { supports: [o1], budget: 300 USD }
rule collections {
  for portfolio
  require projects.all(p, p.budget > 0)
  require projects.any(p, p.kpis.is_empty())
  require projects.filter(p, p.kpis.is_empty()).count() == 1
  require projects.map(p, p.budget).sum() == 400 USD
  require projects.count(p, p.spent != none) == 1
  require projects.map(p, p.budget).min() == 100 USD
  require projects.map(p, p.budget).max() == 300 USD
  require projects.map(p, p.budget).avg() == 200 USD
  require projects.map(p, p.spent).sum() == 150 USD
  require [1, 2, 3].sum() == 6 and [1, 2].min() == 1 and [3, 5].max() == 5 and [1, 2].avg() == 1.5
  require [1, 2].contains(2) and not [1, 2].contains(3)
  require metrics.map(m, m.owner).count() == 1
}
rule members_map_over_lists {
  for portfolio
  require projects.supports.owner.map(x, x.id) == ["alice", "alice"]
  require projects.kpis.owner.map(x, x.id) == ["alice"]
  require projects.kpis.count() == 2
}
rule strings {
  for person x where x.executive
  require x.title.len() == 10
  require x.title.contains("Chen") and x.title.starts_with("Ali") and x.title.ends_with("hen")
  require x.title.matches("^[A-Z][a-z]+ [A-Z]")
  require not x.title.matches("^\\d")
  require x.id == "alice" and x.entity_kind == "person"
}
rule arithmetic {
  for portfolio
  require 1 + 2 * 3 == 7 and (1 + 2) * 3 == 9 and 7 - 2 - 1 == 4 and -2 + 5 == 3
  require 10 / 4 == 2.5 and 1 / 0 == none
  require 10% * 200 USD == 20 USD and 200 USD * 10% == 20 USD
  require 300 USD / 200 USD == 1.5 and 300 USD / 3 == 100 USD and 300 USD / 0 == none
  require 10% + 5% == 15% and 50% * 50% == 25% and 15% == 0.15
  require 100 USD - 100 USD == 0 and 100 USD + 0 == 100 USD
  require 1 < 2 and 2 <= 2 and 3 > 2 and 3 >= 3 and 1 != 2
  require 2 in [1, 2] and 3 not in [1, 2]
  require true or false and false
  require not false
}
rule dates {
  for portfolio
  require 2026-03-01 - 2026-02-01 == 28d
  require 2026-01-31 + 1mo == 2026-02-28
  require 2024-01-31 + 1mo == 2024-02-29
  require 2026-03-31 - 1mo == 2026-02-28
  require 2026-01-01 + 1y == 2027-01-01 and 2026-01-01 + 2w == 2026-01-15
  require 1w == 7d and 1mo == 30d and 1y == 365d and 1mo > 4w and 1y < 53w
  require today == 2026-11-26 and today - 30d < today
}
"#
);

snapshot!(
    eval_money_mixing_currencies,
    r#"
project p1 { budget: 100 USD, spent: 90 EUR }
project p2 { budget: 100 USD, spent: 120 USD }
project p3 { budget: 100 USD, spent: 80 USD }
rule project_over_budget {
  severity: error
  for project p
  require p.spent <= p.budget else "{p} spent {p.spent} of {p.budget}"
}
"#
);

snapshot!(
    eval_money_mixing_in_sum,
    r#"
project p1 { budget: 100 USD }
project p2 { budget: 100 EUR }
rule total {
  for portfolio
  require projects.map(p, p.budget).sum() < 1M USD
}
"#
);

snapshot!(
    eval_percent_math,
    r#"
objective o1 { allocation: 40% }
objective o2 { allocation: 10% }
project p1 { supports: [o1], budget: 300 USD, status: active }
project p2 { supports: [o1, o2], budget: 200 USD, status: active }
project p3 { budget: 500 USD, status: active }
objective o3 { allocation: 30% }
rule allocation_on_target {
  for objective o where o.allocation != none
  let live = projects.filter(p, p.status not in [done, cancelled])
  let total = live.map(p, p.budget).sum()
  let received = o.projects.filter(p, p.status not in [done, cancelled]).map(p, p.budget / p.supports.count()).sum()
  let share = received / total
  require share >= o.allocation - 10% and share <= o.allocation + 10% else "{o} receives {share * 100}% of the budget, target {o.allocation}"
}
"#
);

snapshot!(
    eval_message_templates,
    r#"
person alice { }
project p1 "Checkout" { budget: 1.2M USD, start: 2026-01-15, sponsor: alice, teams: [] }
objective o1 { allocation: 15% }
rule r1 {
  for project p
  require false else "{p} {p.title} {p.budget} {p.start} {p.sponsor} {p.status} {p.kpis} {p.budget * 2} {{literal}} {p.start + 1mo}"
}
rule r2 {
  for objective o
  require false else "{o.allocation} {o.measured_by} {o.priority}"
}
"#
);

snapshot!(
    eval_labels_plurals_local_ids_and_durations,
    r#"
team web { }
team ops { }
project solo { teams: [web], status: active, end: 2026-06-30 }
project pair { teams: [web, ops], status: active, end: 2026-06-30 }
project none_at_all { status: active, end: 2026-06-30 }
project p1 { milestone m1 { date: 2026-08-01 } }
rule too_few_teams {
  for project p where p.status == active
  let involved = p.teams.count().plural("team")
  let staff = p.teams.count().plural("person", "people")
  require p.teams.count() >= 3 else "project {p} involves {involved} ({staff} on call)"
  label: "{involved} involved; at least 3 needed"
}
rule ended {
  for project p where p.end != none
  require p.end >= today else "project `{p}` ended {today - p.end} ago; `{p.teams}` and {p.teams}"
}
rule nested_names {
  for milestone ms
  require false else "milestone `{ms.local_id}` of project {ms.project}, {ms.id}, {ms.project.local_id}"
  label: "due {ms.date}"
}
"#
);

snapshot!(
    typeck_plural_needs_words,
    r#"
project p1 { }
rule r1 {
  for project p
  let a = p.teams.count().plural()
  let b = p.teams.count().plural(p.title)
  let c = p.title.plural("x")
  require a == b and b == c
}
"#
);

snapshot!(
    eval_default_messages,
    r#"
project p1 { }
rule with_else {
  summary: "summary text"
  message: "message for {p}"
  for project p
  require false else "else for {p}"
}
rule with_message {
  summary: "summary text"
  message: "message for {p}"
  for project p
  require false
}
rule with_summary {
  summary: "summary text"
  for project p
  require false
}
rule with_nothing {
  for project p
  require p.sponsor   !=   none
}
"#
);

snapshot!(
    eval_primary_label_placement,
    r#"
person alice { }
project p1 { sponsor: alice, status: active }
project p2 { status: active }
project p3 { kpis: [] , status: active }
rule sponsor_is_executive {
  for project p
  require p.sponsor.executive else "{p}: sponsor not an executive"
  help: "make {p.sponsor} an executive"
  url: "https://example.invalid/rules/sponsor"
}
rule no_var_field {
  for project p
  let s = p.sponsor
  require s != none else "{p}: no sponsor"
}
rule needs_kpis {
  for project p
  require p.kpis.count() > 0 else "{p}: no kpis"
}
"#
);

snapshot!(
    eval_portfolio_rule,
    r#"
project p1 { budget: 100 USD }
project p2 { budget: 900 USD, supports: [] }
rule unaligned_budget_share {
  severity: warning
  for portfolio
  require projects.filter(p, p.supports.is_empty()).map(p, p.budget).sum()
          <= 10% * projects.map(p, p.budget).sum()
     else "more than 10% of the budget funds projects that support no objective"
}
"#
);

snapshot!(
    eval_multiple_requires,
    r#"
project p1 { }
rule two {
  for project p
  require p.sponsor != none else "{p}: no sponsor"
  require p.manager != none else "{p}: no manager"
}
"#
);

snapshot!(
    eval_nested_subjects_and_lets,
    r#"
project p1 {
  start: 2026-01-01
  end: 2026-06-30
  milestone m1 { date: 2026-08-01 }
  milestone m2 { date: 2026-03-01, status: done }
  milestone m3 { date: 2026-02-01 }
}
rule milestone_within_project {
  for milestone m where m.date != none
  let project = m.project
  require m.date >= project.start and m.date <= project.end else "{m} on {m.date} lies outside {project} ({project.start} to {project.end})"
}
rule milestone_overdue {
  for milestone m where m.status == planned
  require m.date >= today else "{m} was due on {m.date}, {today - m.date} ago"
}
"#
);

// ── severities ───────────────────────────────────────────────────────────────────────

snapshot!(
    config_severity_override_and_off,
    r#"
project p1 { }
rule becomes_info {
  severity: error
  for project p
  require p.sponsor != none
}
rule turned_off {
  severity: error
  for project p
  require p.manager != none
}
"#,
    toml = "[check]\nstd = false\n[rules]\nbecomes_info = \"info\"\nturned_off = \"off\"\n"
);

// ── waivers ──────────────────────────────────────────────────────────────────────────

const WAIVER_RULES: &str = r#"
rule project_has_sponsor {
  severity: error
  for project p
  require p.sponsor != none else "project {p} names no sponsor"
}
rule unaligned {
  for portfolio
  require projects.count() < 2 else "too many projects"
}
"#;

fn waivers(source: &str) -> String {
    check(&format!("{PEOPLE}{WAIVER_RULES}{source}"))
}

#[test]
fn waiver_suppresses_listed_entities_only() {
    insta::assert_snapshot!(waivers(
        r#"
project p1 { milestone beta { } }
project p2 { }
waiver w { rule: project_has_sponsor, applies_to: [p1], reason: "legacy", approved_by: alice, expires: 2027-06-30 }
"#
    ));
}

#[test]
fn waiver_expired_reappears() {
    insta::assert_snapshot!(waivers(
        r#"
project p1 { }
waiver w { rule: project_has_sponsor, applies_to: [p1], reason: "legacy", approved_by: alice, expires: 2026-11-25 }
"#
    ));
}

#[test]
fn waiver_expiring_and_last_day() {
    insta::assert_snapshot!(waivers(
        r#"
project p1 { }
project p2 { }
waiver soon { rule: project_has_sponsor, applies_to: [p1], reason: "legacy", approved_by: alice, expires: 2026-12-20 }
waiver today_last { rule: project_has_sponsor, applies_to: [p2], reason: "legacy", approved_by: alice, expires: 2026-11-26 }
"#
    ));
}

#[test]
fn waiver_unused_entries() {
    insta::assert_snapshot!(waivers(
        r#"
person carol { }
project p1 { sponsor: carol }
project p2 { }
waiver w { rule: project_has_sponsor, applies_to: [p1, p2], reason: "legacy", approved_by: alice, expires: 2027-06-30 }
waiver none_listed { rule: project_has_sponsor, reason: "legacy", approved_by: alice, expires: 2027-06-30 }
"#
    ));
}

#[test]
fn waiver_for_portfolio_rule() {
    insta::assert_snapshot!(waivers(
        r#"
person carol { }
project p1 { sponsor: carol }
project p2 { sponsor: carol }
waiver w { rule: unaligned, reason: "migration year", approved_by: alice, expires: 2027-06-30 }
"#
    ));
}

#[test]
fn waiver_on_project_does_not_cover_nested() {
    insta::assert_snapshot!(check(&with_people(
        r#"
project p1 {
  risk r1 { impact: high }
}
rule high_risk_mitigated {
  for risk r where r.impact >= high
  require r.mitigation != none else "{r} has no mitigation"
}
waiver w { rule: high_risk_mitigated, applies_to: [p1], reason: "accepted", approved_by: alice, expires: 2027-06-30 }
"#
    )));
}

#[test]
fn waiver_on_nested_entity() {
    insta::assert_snapshot!(check(&with_people(
        r#"
project p1 {
  risk r1 { impact: high }
}
rule high_risk_mitigated {
  for risk r where r.impact >= high
  require r.mitigation != none else "{r} has no mitigation"
}
waiver w { rule: high_risk_mitigated, applies_to: [p1.r1], reason: "accepted", approved_by: alice, expires: 2027-06-30 }
"#
    )));
}

#[test]
fn waiver_unknown_rule_and_empty_reason() {
    insta::assert_snapshot!(waivers(
        r#"
person carol { }
project p1 { sponsor: carol }
waiver w1 { rule: project_has_sponsr, applies_to: [p1], reason: "x", approved_by: alice, expires: 2027-06-30 }
waiver w2 { rule: charter::unknown_field, applies_to: [p1], reason: "x", approved_by: alice, expires: 2027-06-30 }
waiver w3 { rule: project_has_sponsor, applies_to: [p1], reason: "  ", approved_by: alice, expires: 2027-06-30 }
"#
    ));
}

#[test]
fn waiver_of_rule_turned_off_is_not_unused() {
    insta::assert_snapshot!(check_with(
        &format!(
            "{PEOPLE}{WAIVER_RULES}{}",
            r#"
project p1 { }
waiver w { rule: project_has_sponsor, applies_to: [p1], reason: "x", approved_by: alice, expires: 2027-06-30 }
"#
        ),
        "[check]\nstd = false\n[rules]\nproject_has_sponsor = \"off\"\nunaligned = \"off\"\n"
    ));
}

// ── charter test ─────────────────────────────────────────────────────────────────────

fn run_tests(source: &str) -> String {
    let workspace = workspace(source);
    let report = charter::rules::run_tests(&workspace, today());
    format!("{}\n----\n{}", source.trim(), report.render(false))
}

#[test]
fn test_runner_pass_and_fail() {
    insta::assert_snapshot!(run_tests(
        r#"
rule project_has_sponsor {
  severity: error
  for project p where p.status not in [done, cancelled]
  require p.sponsor != none else "project {p} names no sponsor"
}
rule portfolio_small {
  for portfolio
  require projects.count() < 3 else "too many projects"
}
test passes {
  project p1 { status: active }
  project p2 { status: cancelled }
  expect project_has_sponsor on p1
  expect no project_has_sponsor on p2
  expect no portfolio_small
}
test fails {
  project p1 { status: active }
  project p2 { status: active }
  expect no project_has_sponsor on p1
  expect project_has_sponsor on p3
  expect project_has_sponsr on p1
  project p3 { status: done }
  expect clean
  expect portfolio_small
}
test builtin_codes {
  project p1 { sponsor: nobody, status: done }
  waiver w { rule: project_has_sponsor, applies_to: [p1] }
  expect charter::unknown_reference on p1
  expect charter::missing_field on w
  expect no project_has_sponsor
}
test today_override {
  today: 2020-01-01
  project p1 { status: done }
  expect clean
}
"#
    ));
}

#[test]
fn test_runner_runs_rules_turned_off() {
    let source = r#"
rule project_has_sponsor {
  for project p
  require p.sponsor != none
}
test off_rules_still_run {
  project p1 { }
  expect project_has_sponsor on p1
}
"#;
    let workspace = workspace_with(source, "[check]\nstd = false\n[rules]\nproject_has_sponsor = \"off\"\n");
    assert!(charter::check(&workspace, today()).is_empty());
    let report = charter::rules::run_tests(&workspace, today());
    assert!(report.passed(), "{}", report.render(false));
}

#[test]
fn std_tests_pass() {
    let workspace = workspace_with("", "");
    let report = charter::rules::run_tests(&workspace, today());
    assert!(report.outcomes.len() > 10, "std has tests");
    assert!(report.passed(), "{}", report.render(false));
}

#[test]
fn std_rules_type_check() {
    let workspace = workspace_with("", "");
    let engine = charter::rules::Engine::new(&workspace);
    let findings = render(&workspace, &engine.diagnostics);
    assert!(engine.diagnostics.is_empty(), "{findings}");
    assert!(engine.rules.iter().all(|rule| rule.ok));
}

// ── why, coverage, catalog ───────────────────────────────────────────────────────────

const WHY: &str = r#"
person alice { executive: true }
metric m1 { }
project checkout "Checkout revamp" { status: active, kpis: [], budget: 100 USD, spent: 120 USD }
project old { status: done }
rule project_has_sponsor {
  severity: error
  for project p where p.status not in [done, cancelled]
  require p.sponsor != none else "project {p} names no sponsor"
}
rule project_links_kpi {
  severity: error
  for project p where p.status not in [done, cancelled]
  require p.kpis.count() > 0 else "{p} links no kpi"
}
rule project_over_budget {
  for project p where p.spent != none and p.budget != none
  let ratio = p.spent / p.budget
  require ratio <= 1 else "{p} spent {ratio * 100}% of its budget"
}
rule cross_functional_team {
  severity: info
  for project p
  require p.teams.count() >= 2
}
rule waived_rule {
  for project p
  require p.manager != none
}
rule portfolio_wide {
  for portfolio
  require true
}
rule metric_rule {
  for metric m
  require m.owner != none
}
waiver w { rule: waived_rule, applies_to: [checkout], reason: "interim", approved_by: alice, expires: 2027-01-31 }
"#;

#[test]
fn why_explains_every_rule() {
    let workspace = workspace_with(WHY, "[check]\nstd = false\n[rules]\ncross_functional_team = \"off\"\n");
    insta::assert_snapshot!(charter::rules::why(&workspace, "checkout", today()).unwrap());
}

#[test]
fn why_filtered_out() {
    let workspace = workspace(WHY);
    insta::assert_snapshot!(charter::rules::why(&workspace, "old", today()).unwrap());
}

#[test]
fn why_unknown_entity() {
    let workspace = workspace(WHY);
    assert_eq!(
        charter::rules::why(&workspace, "checkot", today()).unwrap_err(),
        "no entity `checkot` in the workspace; did you mean `checkout`?"
    );
}

#[test]
fn coverage_lists_unmatched_rules_and_unexamined_entities() {
    let workspace = workspace(WHY);
    insta::assert_snapshot!(charter::rules::coverage(&workspace, today()).render());
}

#[test]
fn catalog_table_and_markdown() {
    let workspace = workspace_with(WHY, "[check]\nstd = false\n[rules]\ncross_functional_team = \"off\"\n");
    let rules = charter::rules::catalog(&workspace);
    insta::assert_snapshot!(format!(
        "{}\n{}",
        charter::rules::render_rules_table(&rules),
        charter::rules::render_rules_markdown(&rules[..2])
    ));
}

#[test]
fn explain_rules_and_builtin_codes() {
    let workspace = workspace(WHY);
    let rule = charter::rules::explain(&workspace, "project_over_budget").unwrap();
    assert!(rule.contains("project_over_budget  (warning, for project, main.charter)"), "{rule}");
    assert!(rule.contains("let ratio = p.spent / p.budget"), "{rule}");
    let code = charter::rules::explain(&workspace, "charter::waiver_unused").unwrap();
    assert!(code.starts_with("charter::waiver_unused  (built-in, warning)"), "{code}");
    assert!(charter::rules::explain(&workspace, "nope").is_none());
}

#[test]
fn std_catalog_lists_the_library() {
    let workspace = workspace_with("", "");
    let rules = charter::rules::catalog(&workspace);
    let names: Vec<&str> = rules.iter().map(|rule| rule.name.as_str()).collect();
    for expected in
        ["project_has_sponsor", "allocation_on_target", "kpi_traces_to_objective", "milestone_overdue"]
    {
        assert!(names.contains(&expected), "{names:?}");
    }
    assert!(rules.iter().all(|rule| rule.std && rule.summary.is_some()));
}
