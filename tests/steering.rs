//! The steering sections of `charter report` (risk heat map and register, milestone
//! roadmap, dependencies at risk) through the real binary, on
//! `tests/fixtures/steering/portfolio` and on examples/acme: the numbers from the JSON
//! format, the Markdown tables as a snapshot, and the HTML's words for every colour.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::string_slice)]

mod support;

use serde_json::Value;
use support::{charter, fixture, output, stdout};

fn report(root: &std::path::Path, format: &str) -> String {
    let result = output(charter(root).args(["report", ".", "--format", format]));
    assert_eq!(result.status.code(), Some(0), "{}", support::stderr(&result));
    stdout(&result)
}

fn json(root: &std::path::Path) -> Value {
    serde_json::from_str(&report(root, "json")).unwrap()
}

fn steering() -> std::path::PathBuf {
    fixture("steering/portfolio")
}

#[test]
fn the_heat_map_counts_risks_by_impact_and_likelihood() {
    let dashboard = json(&steering());
    let risks = &dashboard["risks"];
    // grid[impact][likelihood], low → critical: critical×high, high×medium, low×medium.
    assert_eq!(risks["grid"], serde_json::json!([[0, 1, 0, 0], [0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]));
    assert_eq!(risks["unassessed"], 1, "the risk without impact or likelihood is not on the grid");
    assert_eq!(risks["unmitigated_severe"], 1);
    let ids: Vec<&str> =
        risks["risks"].as_array().unwrap().iter().map(|risk| risk["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "pos_rollout.vendor_capacity",
            "pos_rollout.training",
            "store_wifi.low_signal",
            "pos_rollout.unassessed"
        ],
        "most severe first, unassessed last"
    );
    let first = &risks["risks"][0];
    assert_eq!(first["unmitigated_severe"], true);
    assert_eq!(first["owner"]["name"], "Programme Manager");
    assert_eq!(first["project"]["id"], "pos_rollout");
}

#[test]
fn the_roadmap_marks_overdue_milestones_and_projects_past_their_end() {
    let dashboard = json(&steering());
    let roadmap = &dashboard["roadmap"];
    assert_eq!(roadmap["from"], "2026-01-05");
    assert_eq!(roadmap["to"], "2027-09-30");
    let projects = roadmap["projects"].as_array().unwrap();
    let ids: Vec<&str> = projects.iter().map(|row| row["project"]["id"].as_str().unwrap()).collect();
    // Live projects only (not the cancelled bridge or the done inventory), by start date.
    assert_eq!(ids, ["network_refresh", "payment_terminals", "pos_rollout", "store_wifi"]);
    let terminals = &projects[1];
    assert_eq!(terminals["past_end"], true);
    let pos = &projects[2];
    let states: Vec<(String, bool)> = pos["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|milestone| {
            (milestone["status"].as_str().unwrap().to_string(), milestone["overdue"].as_bool().unwrap())
        })
        .collect();
    assert_eq!(
        states,
        [
            ("done".into(), false),
            ("missed".into(), false),
            ("planned".into(), true),
            ("planned".into(), false)
        ]
    );
    assert_eq!(pos["milestones"][3]["reviews"], serde_json::json!(["store_uptime"]));
}

#[test]
fn dependencies_at_risk_name_the_problem() {
    let dashboard = json(&steering());
    let rows: Vec<(String, String, String)> = dashboard["dependencies_at_risk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["dependency"]["id"].as_str().unwrap().to_string(),
                row["problem"].as_str().unwrap().to_string(),
                row["detail"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("network_refresh".into(), "on_hold".into(), "on hold".into()),
            ("legacy_bridge".into(), "cancelled".into(), "cancelled".into()),
            ("payment_terminals".into(), "late".into(), "planned end 2026-10-30 has passed".into()),
            (
                "store_wifi".into(),
                "late".into(),
                "milestone \u{201c}Site surveys complete\u{201d} was due on 2026-09-30".into()
            ),
        ],
        "the done dependency is not at risk"
    );
}

#[test]
fn markdown_has_the_same_tables() {
    let markdown = report(&steering(), "markdown");
    let start = markdown.find("## Risks").unwrap();
    let end = markdown.find("## Findings").unwrap();
    insta::assert_snapshot!("steering_markdown", &markdown[start..end]);
}

#[test]
fn html_tells_every_state_in_words() {
    let html = report(&steering(), "html");
    for section in ["id=\"risks\"", "id=\"risk-register\"", "id=\"roadmap\"", "id=\"dependencies\""] {
        assert!(html.contains(section), "missing {section}");
    }
    for words in [
        "<span class=\"tag bad\">unmitigated</span>",
        "<span class=\"tag bad\">overdue</span>",
        "<span class=\"tag bad\">past its end</span>",
        "<span class=\"tag bad\">on hold</span>",
        "<span class=\"tag bad\">cancelled</span>",
        "<span class=\"tag warn\">late</span>",
        "1 of high or critical impact without mitigation",
        "1 not assessed for impact and likelihood",
    ] {
        assert!(html.contains(words), "missing {words}");
    }
    // Timelines are decorative: the milestones are in the row's text.
    assert!(html.contains("<svg viewBox=\"-8 0 576 28\" width=\"576\" height=\"28\" aria-hidden=\"true\""));
    assert!(html.contains("Site surveys complete"));
    assert!(!html.contains("<script"), "no script in the report");
}

#[test]
fn acme_has_its_risks_and_roadmap() {
    let acme = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/acme");
    let dashboard = json(&acme);
    let risks = &dashboard["risks"];
    let total: u64 = risks["grid"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap())
        .map(|cell| cell.as_u64().unwrap())
        .sum();
    assert_eq!(total, risks["risks"].as_array().unwrap().len() as u64);
    let overdue: Vec<&str> = dashboard["roadmap"]["projects"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row["milestones"].as_array().unwrap())
        .filter(|milestone| milestone["overdue"] == true)
        .map(|milestone| milestone["id"].as_str().unwrap())
        .collect();
    assert_eq!(overdue, ["soc2_type1"], "the one overdue milestone acme's check reports");
}

#[test]
fn waivers_in_force_soonest_first_with_the_expiring_marked() {
    let dashboard = json(&steering());
    let waivers = &dashboard["waivers"];
    assert_eq!(waivers["expired"], 1);
    let rows: Vec<(&str, i64, bool)> = waivers["in_force"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["id"].as_str().unwrap(),
                row["days_left"].as_i64().unwrap(),
                row["expiring_soon"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, [("pos_budget_pending", 14, true), ("wifi_single_team", 125, false)]);
    let first = &waivers["in_force"][0];
    assert_eq!(first["approved_by"]["name"], "Chief Information Officer");
    assert_eq!(first["applies_to"], serde_json::json!(["pos_rollout"]));
    let html = report(&steering(), "html");
    assert!(html.contains("<span class=\"tag warn\">expires in 14 days</span>"));
    assert!(html.contains("1 waiver has expired and no longer suppresses its findings."));
}

/// The acme numbers of examples/acme/README.md, in the base currency, from the JSON
/// report and from `charter export`.
#[test]
fn acme_totals_and_shares_are_in_the_base_currency() {
    let acme = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/acme");
    let dashboard = json(&acme);
    assert_eq!(
        dashboard["summary"]["live_budget"],
        serde_json::json!({"amount": 11358000, "currency": "USD"})
    );
    let allocation = &dashboard["allocation"];
    assert_eq!(allocation["rates"], "Amounts in USD; EUR at 1.08 USD (rates as of 2026-11-01)");
    let shares: Vec<(&str, f64)> = allocation["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| (row["id"].as_str().unwrap(), row["share"].as_f64().unwrap()))
        .collect();
    assert_eq!(
        shares,
        [
            ("grow_online", 0.1292),
            ("customer_loyalty", 0.162),
            ("cloud_secure", 0.2311),
            ("compliance", 0.1255),
            ("retire_erp", 0.3522),
            ("marketplace", 0.0),
        ]
    );
    let export: Value = serde_json::from_str(&stdout(&output(charter(&acme).args(["export", "."])))).unwrap();
    assert_eq!(
        export["money"],
        serde_json::json!({"base": "USD", "rates": {"EUR": 1.08}, "rates_as_of": "2026-11-01"})
    );
    let storefront =
        export["entities"].as_array().unwrap().iter().find(|entity| entity["id"] == "eu_storefront").unwrap();
    assert_eq!(
        storefront["fields"]["budget"],
        serde_json::json!({"amount": 350000, "currency": "EUR", "in_base": 378000})
    );
    let dependencies: Vec<(&str, &str)> = dashboard["dependencies_at_risk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| (row["project"]["id"].as_str().unwrap(), row["dependency"]["id"].as_str().unwrap()))
        .collect();
    assert_eq!(
        dependencies,
        [("eu_storefront", "compliance_cert")],
        "the late SOC 2 report puts the storefront at risk"
    );
}

#[test]
fn report_title_and_subtitle_come_from_charter_toml() {
    let acme = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/acme");
    let dashboard = json(&acme);
    assert_eq!(dashboard["title"], "Acme Retail: portfolio review");
    assert_eq!(dashboard["subtitle"], "November 2026 steering committee");
    let html = report(&acme, "html");
    assert!(html.contains("<title>Acme Retail: portfolio review</title>"));
    assert!(html.contains("<p class=\"subtitle\">November 2026 steering committee</p>"));
    assert!(
        report(&acme, "markdown")
            .starts_with("# Acme Retail: portfolio review\n\n_November 2026 steering committee_\n")
    );
    // Without `[report]`, the directory names the dashboard.
    assert_eq!(json(&steering())["title"], "Alignment dashboard: portfolio");
}

#[test]
fn report_settings_mistakes_are_config_findings() {
    let directory = support::workspace(&[
        ("charter.toml", "[report]\ntitle = 3\nsubtitle = \"  \"\ntitel = \"x\"\n"),
        ("a.charter", "person p \"P\" {}\n"),
    ]);
    let result = output(charter(directory.path()).args(["check", "--format", "short"]));
    insta::assert_snapshot!("report_settings_mistakes", stdout(&result));
}

#[test]
fn budget_and_burn_marks_the_overspend_and_totals_in_the_base() {
    let acme = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/acme");
    let dashboard = json(&acme);
    let burn = &dashboard["burn"];
    assert_eq!(burn["currency"], "USD");
    assert_eq!(burn["total_budget"], 11358000);
    // 2.45M + 455k + 800k + 140k EUR (151,200 USD) + 1.35M + 410k + 620k.
    assert_eq!(burn["total_spent"], 6236200);
    assert_eq!(burn["overspent"], 1);
    let over: Vec<&str> = burn["projects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["overspent"] == true)
        .map(|row| row["project"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(over, ["cloud_wave1"], "2,450,000 spent of 2,300,000 USD");
    let html = report(&acme, "html");
    assert!(html.contains("<span class=\"tag bad\">over budget by 6.5%</span>"));
    assert!(report(&acme, "markdown").contains("106.5% **over budget by 6.5%** (waived until 2026-12-31)"));
    assert_eq!(burn["projects"][0]["waived_until"], "2026-12-31");
}
