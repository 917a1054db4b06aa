//! The dashboard as GitHub-flavoured Markdown: fits a job summary
//! (`$GITHUB_STEP_SUMMARY`) or a pull-request comment. Tables only, no HTML but a
//! `<details>` around the full list of findings; progress bars are Unicode blocks.

use rust_decimal::Decimal;
use std::fmt::Write;

use super::{
    Amount, Dashboard, FindingCount, MetricRow, NOT_AVAILABLE, ObjectiveNode, PersonRef, ProjectRow, Reading,
    optional_amount_text, optional_share_text, share_text, total_text,
};
use crate::diagnostic::Severity;
use crate::model::value::format_percent;

pub fn render(dashboard: &Dashboard) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", escape(&dashboard.title));
    if let Some(subtitle) = &dashboard.subtitle {
        let _ = writeln!(out, "_{}_\n", escape(subtitle));
    }
    summary(&mut out, dashboard);
    let _ = writeln!(out, "## Strategy tree\n");
    if dashboard.objectives.is_empty() {
        let _ = writeln!(out, "No objectives are declared.\n");
    } else {
        for objective in &dashboard.objectives {
            tree(&mut out, objective, 0);
        }
        out.push('\n');
    }
    let mut all = Vec::new();
    flatten(&dashboard.objectives, &mut all);
    if !all.is_empty() {
        let _ = writeln!(out, "## Objectives\n");
        for objective in all {
            objective_section(&mut out, objective);
        }
    }
    allocation(&mut out, dashboard);
    unaligned(&mut out, dashboard);
    super::steering_markdown::risks(&mut out, dashboard);
    super::steering_markdown::roadmap(&mut out, dashboard);
    super::steering_markdown::dependencies(&mut out, dashboard);
    super::steering_markdown::burn(&mut out, dashboard);
    super::steering_markdown::waivers(&mut out, dashboard);
    findings(&mut out, dashboard);
    out
}

fn summary(out: &mut String, dashboard: &Dashboard) {
    let summary = &dashboard.summary;
    let _ = writeln!(out, "As of **{}**.\n", dashboard.today);
    let _ = writeln!(
        out,
        "| Objectives | Live projects | KPIs on track | KPIs off track | Live budget | Unaligned projects | Findings |"
    );
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|---|");
    let _ = writeln!(
        out,
        "| {} | {} of {} | {} of {} | {} | {} | {} | {} |\n",
        summary.objectives,
        summary.live_projects,
        summary.projects,
        summary.metrics_on_track,
        summary.metrics,
        summary.metrics_off_track,
        super::live_budget_text(summary),
        summary.unaligned_projects,
        counts_text(summary.errors, summary.warnings, summary.infos),
    );
}

fn counts_text(errors: usize, warnings: usize, infos: usize) -> String {
    if errors + warnings + infos == 0 {
        return "none".to_string();
    }
    let mut parts = Vec::new();
    for (count, word) in [(errors, "error"), (warnings, "warning"), (infos, "info")] {
        if count > 0 {
            parts.push(format!("{count} {word}{}", if count == 1 { "" } else { "s" }));
        }
    }
    parts.join(", ")
}

fn tree(out: &mut String, objective: &ObjectiveNode, depth: usize) {
    let indent = "  ".repeat(depth);
    let mut facts = Vec::new();
    if let Some(owner) = &objective.owner {
        facts.push(format!("owner {}", escape(&owner.name)));
    }
    if let Some(status) = &objective.status {
        facts.push(status.clone());
    }
    if let Some(horizon) = &objective.horizon {
        facts.push(format!("horizon {horizon}"));
    }
    let _ = writeln!(
        out,
        "{indent}- **{}** (`{}`){}{}",
        escape(&objective.title),
        objective.id,
        if facts.is_empty() { String::new() } else { format!(": {}", facts.join(" · ")) },
        badge(objective.findings)
    );
    for child in &objective.children {
        tree(out, child, depth + 1);
    }
}

fn flatten<'a>(objectives: &'a [ObjectiveNode], all: &mut Vec<&'a ObjectiveNode>) {
    for objective in objectives {
        all.push(objective);
        flatten(&objective.children, all);
    }
}

fn objective_section(out: &mut String, objective: &ObjectiveNode) {
    let _ = writeln!(out, "### {} (`{}`)\n", escape(&objective.title), objective.id);
    if let Some(description) = &objective.description {
        let _ = writeln!(out, "{}\n", escape(description));
    }
    let mut facts = vec![format!("**Owner:** {}", person(objective.owner.as_ref()))];
    facts.push(format!("**Status:** {}", objective.status.as_deref().unwrap_or("—")));
    if let Some(priority) = &objective.priority {
        facts.push(format!("**Priority:** {priority}"));
    }
    facts.push(format!("**Horizon:** {}", objective.horizon.as_deref().unwrap_or("—")));
    if let Some(target) = objective.allocation_target {
        facts.push(format!(
            "**Budget allocation:** {} received of a {} target",
            optional_share_text(objective.allocation_received),
            format_percent(target)
        ));
    }
    let _ = writeln!(out, "{}\n", facts.join(" · "));
    if objective.metrics.is_empty() {
        let _ = writeln!(out, "_No KPI measures this objective._\n");
    } else {
        let _ = writeln!(out, "| KPI | Owner | Baseline → Actual → Target | Progress | Track | Trend |");
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        for metric in &objective.metrics {
            metric_row(out, metric);
        }
        out.push('\n');
    }
    if objective.projects.is_empty() {
        let _ = writeln!(out, "_No project supports this objective._\n");
    } else {
        project_table(out, &objective.projects);
    }
}

fn metric_row(out: &mut String, metric: &MetricRow) {
    let _ = writeln!(
        out,
        "| {} (`{}`){} | {} | {} → {} → {} | {} | {} | {} |",
        escape(&metric.title),
        metric.id,
        badge(metric.findings),
        person(metric.owner.as_ref()),
        reading(metric.baseline.as_ref()),
        reading(metric.actual.as_ref()),
        reading(metric.target.as_ref()),
        match metric.progress {
            Some(progress) => format!("`{}` {}", bar(progress, 10), share_text(progress)),
            None if metric.out_of_range("progress") => NOT_AVAILABLE.to_string(),
            None => "—".to_string(),
        },
        if metric.out_of_range("on_track") { NOT_AVAILABLE } else { track(metric.on_track) },
        trend(metric),
    );
}

/// The readings in order, the value expected today, the trend, and whether the actual is
/// stale: the words of the HTML's trend chart.
fn trend(metric: &MetricRow) -> String {
    let Some(trajectory) = &metric.trajectory else { return "—".to_string() };
    let mut parts = Vec::new();
    if trajectory.readings.len() > 1 {
        parts.push(
            trajectory.readings.iter().map(|reading| escape(&reading.value)).collect::<Vec<_>>().join(" → "),
        );
    }
    if let Some(expected) = &trajectory.expected_today {
        parts.push(format!("expected today {}", escape(&expected.value)));
    }
    if let Some(trend) = &metric.trend {
        parts.push(trend.clone());
    }
    if let (Some(due), true) = (&metric.reading_due, metric.stale) {
        parts.push(format!("**stale**: a reading was due by {due}"));
    }
    if parts.is_empty() { "—".to_string() } else { parts.join("; ") }
}

fn project_table(out: &mut String, projects: &[ProjectRow]) {
    let _ = writeln!(out, "| Project | Status | Executive sponsor | Budget | Spent |");
    let _ = writeln!(out, "|---|---|---|---:|---:|");
    for project in projects {
        let _ = writeln!(
            out,
            "| {} (`{}`){} | {} | {} | {} | {} |",
            escape(&project.title),
            project.id,
            badge(project.findings),
            project.status.as_deref().unwrap_or("—"),
            sponsor(project.sponsor.as_ref()),
            project.budget_text(),
            project.spent.as_ref().map_or_else(|| "—".to_string(), Amount::display),
        );
    }
    out.push('\n');
}

fn allocation(out: &mut String, dashboard: &Dashboard) {
    let allocation = &dashboard.allocation;
    let _ = writeln!(out, "## Budget allocation\n");
    let Some(currency) = &allocation.currency else {
        let _ = writeln!(out, "No live project declares a budget.\n");
        return;
    };
    if !allocation.by_currency.is_empty() {
        let _ = writeln!(out, "{}.\n", super::several_currencies_note(&allocation.by_currency));
        return;
    }
    let _ = writeln!(
        out,
        "Share of the live budget ({}) each objective receives, against its `allocation` target (on target within ±10 points).\n",
        total_text(allocation.total, currency)
    );
    if let Some(rates) = &allocation.rates {
        let _ = writeln!(out, "{rates}.\n");
    }
    let _ = writeln!(out, "| Objective | Received | Share | Target | | Status |");
    let _ = writeln!(out, "|---|---:|---:|---:|---|---|");
    for row in &allocation.objectives {
        let status = match row.on_target {
            Some(true) => "🟢 on target",
            Some(false) => "🔴 off target",
            None if row.target.is_some() => NOT_AVAILABLE,
            None => "no target",
        };
        let _ = writeln!(
            out,
            "| {} (`{}`) | {} {currency} | {} | {} | `{}` | {status} |",
            escape(&row.title),
            row.id,
            optional_amount_text(row.received),
            optional_share_text(row.share),
            row.target.map_or_else(|| "—".to_string(), format_percent),
            optional_bar(row.share, 20),
        );
    }
    let _ = writeln!(
        out,
        "| _Unaligned projects_ | | {} | | `{}` | |\n",
        optional_share_text(allocation.unaligned_share),
        optional_bar(allocation.unaligned_share, 20)
    );
    if !allocation.other_currency_projects.is_empty() {
        let _ = writeln!(
            out,
            "Left out of the shares ({}): {}.\n",
            super::left_out_reason(allocation, currency),
            allocation
                .other_currency_projects
                .iter()
                .map(|id| format!("`{id}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

fn unaligned(out: &mut String, dashboard: &Dashboard) {
    let _ = writeln!(out, "## Unaligned projects\n");
    if dashboard.unaligned.is_empty() {
        let _ = writeln!(out, "Every live project supports at least one objective.\n");
        return;
    }
    let _ = writeln!(out, "Live projects that support no objective:\n");
    project_table(out, &dashboard.unaligned);
}

fn findings(out: &mut String, dashboard: &Dashboard) {
    let _ = writeln!(out, "## Findings\n");
    let findings = &dashboard.findings;
    if findings.list.is_empty() {
        let _ = writeln!(out, "`charter check` reports no findings.");
        return;
    }
    let _ = writeln!(out, "| Rule | Severity | Findings |");
    let _ = writeln!(out, "|---|---|---:|");
    for rule in &findings.by_rule {
        let _ = writeln!(out, "| `{}` | {} | {} |", rule.code, severity(rule.severity), rule.count);
    }
    let _ = writeln!(out, "\n<details><summary>All {} findings</summary>\n", findings.list.len());
    let _ = writeln!(out, "| Severity | Rule | Entity | Location | Message |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    for finding in &findings.list {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | `{}` | {} |",
            severity(finding.severity),
            finding.code,
            finding.entity.as_ref().map_or_else(String::new, |entity| format!("`{entity}`")),
            finding.location(),
            escape_message(&finding.message)
        );
    }
    let _ = writeln!(out, "\n</details>");
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "🔴 error",
        Severity::Warning => "🟠 warning",
        Severity::Info => "🔵 info",
    }
}

fn track(on_track: Option<bool>) -> &'static str {
    match on_track {
        Some(true) => "🟢 on track",
        Some(false) => "🔴 off track",
        None => "⚪ not known",
    }
}

fn badge(findings: FindingCount) -> String {
    match (findings.errors, findings.warnings) {
        (0, 0) => String::new(),
        (0, warnings) => format!(" 🟠 {warnings}"),
        (errors, 0) => format!(" 🔴 {errors}"),
        (errors, warnings) => format!(" 🔴 {errors} 🟠 {warnings}"),
    }
}

fn person(person: Option<&PersonRef>) -> String {
    person.map_or_else(|| "—".to_string(), |person| escape(&person.name))
}

fn sponsor(person: Option<&PersonRef>) -> String {
    match person {
        Some(person) if person.executive => escape(&person.name),
        Some(person) => format!("{} (not an executive)", escape(&person.name)),
        None => "**none**".to_string(),
    }
}

fn reading(reading: Option<&Reading>) -> String {
    reading.map_or_else(|| "—".to_string(), |reading| escape(&reading.value))
}

/// A bar of `width` cells for a fraction (clamped to 0..=1).
pub fn bar(fraction: Decimal, width: u32) -> String {
    let filled = super::cells(fraction, width);
    let mut text = "█".repeat(filled as usize);
    text.push_str(&"░".repeat((width - filled) as usize));
    text
}

/// [`bar`], or empty cells for a share that cannot be computed.
fn optional_bar(fraction: Option<Decimal>, width: u32) -> String {
    fraction.map_or_else(|| " ".repeat(width as usize), |fraction| bar(fraction, width))
}

/// Escapes a diagnostic message for a table cell, keeping its `code spans` as code.
fn escape_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for (index, part) in message.split('`').enumerate() {
        if index > 0 {
            out.push('`');
        }
        if index % 2 == 1 {
            out.push_str(&part.replace('|', "\\|"));
        } else {
            out.push_str(&escape(part));
        }
    }
    out
}

/// Escapes what Markdown would read as formatting or a table cell boundary.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '|' | '*' | '_' | '`' | '[' | ']' | '\\' | '#' => {
                out.push('\\');
                out.push(character);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' => out.push(' '),
            other => out.push(other),
        }
    }
    out
}
