//! The steering sections of the Markdown dashboard: the same facts as the HTML's risk
//! heat map and register, milestone roadmap and dependencies at risk, as tables.

use std::fmt::Write;

use super::markdown::escape;
use super::steering::{LEVELS, plural};
use super::{Dashboard, share_text};
use crate::model::value::format_decimal;

pub(super) fn risks(out: &mut String, dashboard: &Dashboard) {
    let map = &dashboard.risks;
    let _ = writeln!(out, "## Risks\n");
    if map.risks.is_empty() {
        let _ = writeln!(out, "No project records a risk.\n");
        return;
    }
    let mut summary = format!("{} recorded", plural(map.risks.len(), "risk", "risks"));
    if map.unmitigated_severe > 0 {
        let _ =
            write!(summary, "; **{} of high or critical impact without mitigation**", map.unmitigated_severe);
    }
    if map.unassessed > 0 {
        let _ = write!(summary, "; {} not assessed for impact and likelihood", map.unassessed);
    }
    let _ = writeln!(out, "{summary}.\n");
    let _ = writeln!(out, "| impact ↓ likelihood → | {} |", LEVELS.join(" | "));
    let _ = writeln!(out, "|---|{}", "---:|".repeat(LEVELS.len()));
    for (row, impact) in LEVELS.iter().enumerate().rev() {
        let cells: Vec<String> = (0..LEVELS.len())
            .map(|column| {
                map.grid.get(row).and_then(|cells| cells.get(column)).copied().unwrap_or(0).to_string()
            })
            .collect();
        let _ = writeln!(out, "| {impact} | {} |", cells.join(" | "));
    }
    let _ = writeln!(
        out,
        "\n| risk | project | impact | likelihood | owner | mitigation |\n|---|---|---|---|---|---|"
    );
    for risk in &map.risks {
        let mitigation = match (&risk.mitigation, risk.unmitigated_severe) {
            (Some(text), _) => escape(text),
            (None, true) => "**unmitigated**".to_string(),
            (None, false) => "none stated".to_string(),
        };
        let _ = writeln!(
            out,
            "| {} (`{}`) | {} | {} | {} | {} | {mitigation} |",
            escape(&risk.title),
            risk.id,
            escape(&risk.project.title),
            risk.impact.as_deref().unwrap_or("—"),
            risk.likelihood.as_deref().unwrap_or("—"),
            risk.owner.as_ref().map_or_else(|| "no owner".to_string(), |owner| escape(&owner.name)),
        );
    }
    out.push('\n');
}

pub(super) fn roadmap(out: &mut String, dashboard: &Dashboard) {
    let roadmap = &dashboard.roadmap;
    let _ = writeln!(out, "## Milestone roadmap\n");
    if roadmap.projects.is_empty() {
        let _ = writeln!(out, "No live project has dates.\n");
        return;
    }
    let _ = writeln!(out, "Today is {}.\n", dashboard.today);
    let _ = writeln!(out, "| project | start | end | milestones |\n|---|---|---|---|");
    for timeline in &roadmap.projects {
        let milestones: Vec<String> = timeline
            .milestones
            .iter()
            .map(|milestone| {
                let state =
                    if milestone.overdue { "**overdue**".to_string() } else { milestone.status.clone() };
                format!(
                    "{} {} ({state})",
                    milestone.date.as_deref().unwrap_or("no date"),
                    escape(&milestone.title)
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "| {} (`{}`) | {} | {}{} | {} |",
            escape(&timeline.project.title),
            timeline.project.id,
            timeline.start.as_deref().unwrap_or("—"),
            timeline.end.as_deref().unwrap_or("—"),
            if timeline.past_end { " **past its end**" } else { "" },
            if milestones.is_empty() { "none".to_string() } else { milestones.join("<br>") },
        );
    }
    out.push('\n');
}

pub(super) fn dependencies(out: &mut String, dashboard: &Dashboard) {
    let _ = writeln!(out, "## Dependencies at risk\n");
    if dashboard.dependencies_at_risk.is_empty() {
        let _ = writeln!(out, "No live project depends on a project that is late, on hold or cancelled.\n");
        return;
    }
    let _ = writeln!(out, "| project | depends on | problem |\n|---|---|---|");
    for row in &dashboard.dependencies_at_risk {
        let _ = writeln!(
            out,
            "| {} (`{}`) | {} (`{}`) | {} |",
            escape(&row.project.title),
            row.project.id,
            escape(&row.dependency.title),
            row.dependency.id,
            if row.problem == "late" {
                format!("**late**: {}", escape(&row.detail))
            } else {
                format!("**{}**", escape(&row.detail))
            },
        );
    }
    out.push('\n');
}

pub(super) fn burn(out: &mut String, dashboard: &Dashboard) {
    let burn = &dashboard.burn;
    let _ = writeln!(out, "## Budget and burn\n");
    if burn.projects.is_empty() {
        let _ = writeln!(out, "No live project declares a budget.\n");
        return;
    }
    if let (Some(currency), Some(budget), Some(spent)) = (&burn.currency, burn.total_budget, burn.total_spent)
    {
        let _ = writeln!(
            out,
            "Spent {} {currency} of {} {currency}; {}.\n",
            format_decimal(spent.round_dp(2)),
            format_decimal(budget.round_dp(2)),
            match burn.overspent {
                0 => "none is over budget".to_string(),
                count => format!("**{} over budget**", plural(count, "project", "projects")),
            }
        );
    }
    let _ = writeln!(out, "| project | budget | spent | burn | ROI |\n|---|---:|---:|---|---:|");
    for row in &burn.projects {
        let burn_text = match row.burn {
            Some(fraction) if row.overspent => format!(
                "{} **over budget by {}**{}",
                share_text(fraction),
                fraction.checked_sub(rust_decimal::Decimal::ONE).map_or_else(String::new, share_text),
                row.waived_until
                    .as_deref()
                    .map_or_else(String::new, |until| format!(" (waived until {until})"))
            ),
            Some(fraction) => share_text(fraction),
            None => "—".to_string(),
        };
        let _ = writeln!(
            out,
            "| {} (`{}`) | {} | {} | {burn_text} | {} |",
            escape(&row.project.title),
            row.project.id,
            row.budget.display(),
            row.spent.as_ref().map_or_else(|| "—".to_string(), super::Amount::display),
            row.roi.map_or_else(|| "—".to_string(), share_text),
        );
    }
    out.push('\n');
}

pub(super) fn waivers(out: &mut String, dashboard: &Dashboard) {
    let waivers = &dashboard.waivers;
    let _ = writeln!(out, "## Waivers in force\n");
    let expired = waivers.expired_note();
    if waivers.in_force.is_empty() {
        let _ = writeln!(out, "No waiver is in force.{expired}\n");
        return;
    }
    if !expired.is_empty() {
        let _ = writeln!(out, "{}\n", expired.trim_start());
    }
    let _ = writeln!(
        out,
        "| waiver | rule | applies to | reason | approved by | expires |\n|---|---|---|---|---|---|"
    );
    for waiver in &waivers.in_force {
        let applies: Vec<String> = waiver.applies_to.iter().map(|id| format!("`{id}`")).collect();
        let soon = if waiver.expiring_soon {
            format!(
                " **expires in {}**",
                plural(usize::try_from(waiver.days_left).unwrap_or(0), "day", "days")
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {}{soon} |",
            if waiver.title == waiver.id {
                format!("`{}`", waiver.id)
            } else {
                format!("{} (`{}`)", escape(&waiver.title), waiver.id)
            },
            waiver.rule.as_deref().map_or_else(|| "—".to_string(), |rule| format!("`{rule}`")),
            if applies.is_empty() { "the whole portfolio".to_string() } else { applies.join(", ") },
            waiver.reason.as_deref().map_or_else(|| "—".to_string(), escape),
            waiver.approved_by.as_ref().map_or_else(|| "—".to_string(), |person| escape(&person.name)),
            waiver.expires,
        );
    }
    out.push('\n');
}
