//! Money in many currencies, through the real binary: ISO 4217 codes checked where a file
//! gives one (fields, measurements, `extend`ed fields, rule literals, `convert`), the
//! `[money]` section of `charter.toml`, arithmetic and comparison across currencies
//! through the base, and reports and `export` that total in the base and say so.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use support::{charter, fixture, transcript as run, workspace};

/// A fixture under `tests/fixtures/money/`.
fn money(name: &str) -> std::path::PathBuf {
    fixture("money").join(name)
}

/// The text of a fixture file, to copy into a throwaway workspace.
fn read(name: &str, file: &str) -> String {
    std::fs::read_to_string(money(name).join(file)).unwrap()
}

/// A file (numbered) and what `charter check` says about it, in human form.
fn numbered(text: &str) -> String {
    text.lines().enumerate().map(|(index, line)| format!("{:>3} | {line}\n", index + 1)).collect()
}

// ── ISO 4217 codes ───────────────────────────────────────────────────────────────────

#[test]
fn unknown_codes_in_fields_measurements_and_extended_fields() {
    insta::assert_snapshot!(run(charter(&money("codes")).args(["check"])));
}

#[test]
fn unknown_codes_carry_a_machine_applicable_fix() {
    let output = run(charter(&money("codes")).args(["check", "--format", "json"]));
    insta::assert_snapshot!(output);
}

#[test]
fn lowercase_and_symbols_are_still_syntax_fixes() {
    let text = "project a \"A\" { budget: 4M usd }\nproject b \"B\" { budget: $4M }\nproject c \"C\" { budget: 4M$ }\n";
    let directory = workspace(&[("charter.toml", "[check]\nstd = false\n"), ("a.charter", text)]);
    insta::assert_snapshot!(run(charter(directory.path()).args(["check", "--format", "short"])));
}

#[test]
fn unknown_codes_and_members_in_rules() {
    let text = r#"project a "A" { budget: 1M USD }

rule big {
  severity: warning
  for project p where p.budget.curency == "EUR"
  require p.budget < 5M UDS and p.budget.convert("EUT") > 0 and p.budget.convert("XYZ") > 0
    else "project {p} is big"
}

rule shapes {
  severity: warning
  for project p
  require p.budget.round() > 0 and p.budget.convert(p.title) > 0 and p.budget.convert("EUR", "USD") > 0
    else "project {p}"
}
"#;
    let directory = workspace(&[("charter.toml", "[check]\nstd = false\n"), ("a.charter", text)]);
    insta::assert_snapshot!(format!(
        "{}--- check\n{}",
        numbered(text),
        run(charter(directory.path()).args(["check"]))
    ));
}

// ── [money] in charter.toml ──────────────────────────────────────────────────────────

fn config(toml: &str) -> String {
    let directory =
        workspace(&[("charter.toml", toml), ("a.charter", "project a \"A\" { budget: 1M USD }\n")]);
    format!("{}--- check\n{}", numbered(toml), run(charter(directory.path()).args(["check"])))
}

#[test]
fn config_mistakes_in_money() {
    insta::assert_snapshot!(config(
        "[check]\nstd = false\n\n[money]\nbase = \"UDS\"\nrates = { EUR = 1.08, GPB = 1.27, CHF = 0, JPY = -0.0067, SEK = true, NOK = \"about ten\" }\nrates_as_of = \"2026-13-01\"\ncurrency = \"USD\"\n"
    ));
}

#[test]
fn a_rate_for_the_base_and_rates_without_a_base() {
    insta::assert_snapshot!(config("[check]\nstd = false\n\n[money]\nrates = { EUR = 1.08 }\n"));
    insta::assert_snapshot!(config("[check]\nstd = false\n\n[money]\nbase = \"USD\"\nrates = { USD = 1 }\n"));
}

#[test]
fn rates_are_exact_whether_integers_floats_or_strings() {
    // 0.1 + 0.2 is not 0.3 in floating point; read from the text, the rates are exact.
    let toml = "[check]\nstd = false\n\n[money]\nbase = \"USD\"\nrates = { EUR = 0.1, GBP = \"0.2\", CHF = 1_000, JPY = 6.7e-3 }\n";
    let text = r#"project a "A" { budget: 1 EUR, spent: 1 GBP }
project b "B" { budget: 1 CHF }
project c "C" { budget: 1000 JPY }
rule sums {
  severity: info
  for project p where p.spent != none
  let both = p.budget + p.spent
  let francs = projects.filter(q, q.id == "b").map(q, q.budget.convert()).sum()
  let yen = projects.filter(q, q.id == "c").map(q, q.budget.convert()).sum()
  require false else "{both}; {francs}; {yen}"
}
"#;
    let directory = workspace(&[("charter.toml", toml), ("a.charter", text)]);
    insta::assert_snapshot!(run(charter(directory.path()).args(["check", "--format", "short"])));
}

// ── rules across currencies ──────────────────────────────────────────────────────────

#[test]
fn a_mixed_portfolio_with_rates() {
    insta::assert_snapshot!(run(charter(&money("mixed")).args(["check"])));
}

#[test]
fn the_same_portfolio_without_rates() {
    let toml = read("mixed", "charter.toml");
    let without: String = toml
        .lines()
        .filter(|line| !line.starts_with("base") && !line.starts_with("rates") && *line != "[money]")
        .map(|line| format!("{line}\n"))
        .collect();
    let directory =
        workspace(&[("charter.toml", &without), ("portfolio.charter", &read("mixed", "portfolio.charter"))]);
    insta::assert_snapshot!(run(charter(directory.path()).args(["check"])));
}

#[test]
fn members_convert_and_rounding() {
    insta::assert_snapshot!(run(charter(&money("rules")).args(["check", "--format", "short"])));
}

#[test]
fn one_currency_without_money_is_unchanged() {
    // The rates only add: a one-currency portfolio gives the same findings without them.
    let portfolio = "objective a \"A\" { allocation: 90% }\nproject p \"P\" { status: active, budget: 1M USD, supports: [a] }\nproject q \"Q\" { status: active, budget: 1M USD }\n";
    let rules = "[check]\ntoday = 2026-11-20\n[rules]\nobjective_has_owner = \"off\"\nobjective_is_measured = \"off\"\ncross_functional_team = \"off\"\nproject_has_sponsor = \"off\"\nproject_links_kpi = \"off\"\nproject_has_budget = \"off\"\n";
    let plain = workspace(&[("charter.toml", rules), ("a.charter", portfolio)]);
    let priced = workspace(&[
        ("charter.toml", &format!("{rules}[money]\nbase = \"USD\"\nrates = {{ EUR = 1.08 }}\n")),
        ("a.charter", portfolio),
    ]);
    let plain = run(charter(plain.path()).args(["check", "--format", "short"]));
    let priced = run(charter(priced.path()).args(["check", "--format", "short"]));
    assert_eq!(plain, priced);
    insta::assert_snapshot!(plain);
}

// ── reports and export ───────────────────────────────────────────────────────────────

#[test]
fn report_markdown_totals_in_the_base() {
    insta::assert_snapshot!(run(charter(&money("mixed")).args(["report", "--format", "markdown"])));
}

#[test]
fn report_json_totals_in_the_base() {
    let output = run(charter(&money("mixed")).args(["report", "--format", "json"]));
    let json: serde_json::Value = serde_json::from_str(
        output.split("----- stdout -----\n").nth(1).unwrap().split("----- stderr").next().unwrap(),
    )
    .unwrap();
    insta::assert_json_snapshot!(serde_json::json!({
        "summary": json["summary"],
        "allocation": json["allocation"],
        "eu_shop": json["objectives"][1]["projects"][0],
    }));
}

#[test]
fn report_html_states_the_rates() {
    let output = run(charter(&money("mixed")).args(["report", "--format", "html"]));
    assert!(
        output.contains("<p>Amounts in USD; EUR at 1.08 USD, GBP at 1.27 USD (rates as of 2026-11-01).</p>"),
        "{output}"
    );
    assert!(output.contains("2,500,000 EUR (2,700,000 USD)"), "{output}");
    assert!(output.contains("10,980,000 USD"), "{output}");
}

#[test]
fn report_without_rates_shows_each_currency() {
    let directory = workspace(&[
        ("charter.toml", "[check]\ntoday = 2026-11-20\n"),
        ("portfolio.charter", &read("mixed", "portfolio.charter")),
    ]);
    let markdown = run(charter(directory.path()).args(["report", "--format", "markdown"]));
    let allocation =
        markdown.split("## Budget allocation").nth(1).unwrap().split("## Unaligned").next().unwrap();
    insta::assert_snapshot!(allocation);
    let html = run(charter(directory.path()).args(["report", "--format", "html"]));
    assert!(
        html.contains("The live budget is in 3 currencies (2,500,000 EUR, 1,200,000 GBP and 6,756,000 USD)"),
        "{html}"
    );
}

#[test]
fn export_states_the_base_and_converts() {
    let output = run(charter(&money("mixed")).args(["export"]));
    let json: serde_json::Value = serde_json::from_str(
        output.split("----- stdout -----\n").nth(1).unwrap().split("----- stderr").next().unwrap(),
    )
    .unwrap();
    let shop = json["entities"].as_array().unwrap().iter().find(|entity| entity["id"] == "eu_shop").unwrap();
    insta::assert_json_snapshot!(serde_json::json!({
        "money": json["money"],
        "eu_shop": shop["fields"],
    }));
}

#[test]
fn why_names_the_missing_rate() {
    let directory = workspace(&[
        ("charter.toml", "[check]\ntoday = 2026-11-20\n"),
        ("portfolio.charter", &read("mixed", "portfolio.charter")),
    ]);
    let output = run(charter(directory.path()).args(["why", "uk_ops"]));
    let failed: Vec<&str> =
        output.lines().skip_while(|line| !line.contains("project_over_budget")).take(3).collect();
    insta::assert_snapshot!(failed.join("\n"));
}

#[test]
fn why_with_rates_compares_across_currencies() {
    let output = run(charter(&money("mixed")).args(["why", "us_growth"]));
    let failed: Vec<&str> =
        output.lines().skip_while(|line| !line.contains("project_over_budget")).take(4).collect();
    insta::assert_snapshot!(failed.join("\n"));
}
