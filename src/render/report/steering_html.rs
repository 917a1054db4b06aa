//! The steering sections of the HTML dashboard: the risk heat map and register, the
//! milestone roadmap and the dependencies at risk.
//!
//! Every picture has its words: the heat map is a table of counts, each roadmap row lists
//! its milestones in text beside the (decorative) timeline, and overdue or unmitigated
//! items carry a tag, never a colour alone.

use std::fmt::Write;

use super::html::escape;
use super::steering::{DependencyAtRisk, LEVELS, RiskMap, Timeline, plural};
use super::{Dashboard, MetricRow, PersonRef, Point, Trajectory, share_text};
use crate::model::value::format_decimal;

/// The width of a roadmap timeline, in SVG units.
const TIMELINE_WIDTH: f64 = 560.0;

pub(super) fn risks(out: &mut String, dashboard: &Dashboard) {
    let map = &dashboard.risks;
    let _ = writeln!(out, "<section id=\"risks\" aria-labelledby=\"risks-heading\">");
    let _ = writeln!(out, "<h2 id=\"risks-heading\">Risks</h2>");
    if map.risks.is_empty() {
        let _ = writeln!(out, "<p>No project records a risk.</p>\n</section>");
        return;
    }
    let mut summary = format!(
        "{} recorded across the live and finished projects",
        plural(map.risks.len(), "risk", "risks")
    );
    if map.unmitigated_severe > 0 {
        let _ = write!(
            summary,
            "; <span class=\"tag bad\">{} of high or critical impact without mitigation</span>",
            map.unmitigated_severe
        );
    }
    if map.unassessed > 0 {
        let _ =
            write!(summary, "; {} not assessed for impact and likelihood (not on the grid)", map.unassessed);
    }
    let _ = writeln!(out, "<p>{summary}.</p>");
    heat_map(out, map);
    register(out, map);
    let _ = writeln!(out, "</section>");
}

fn heat_map(out: &mut String, map: &RiskMap) {
    let _ = writeln!(
        out,
        "<table class=\"heatmap\">\n<caption>Risks by impact (rows) and likelihood (columns); each number links to the register</caption>\n<thead><tr><th scope=\"col\">Impact \\ likelihood</th>"
    );
    for level in LEVELS {
        let _ = write!(out, "<th scope=\"col\">{level}</th>");
    }
    let _ = writeln!(out, "</tr></thead>\n<tbody>");
    for (row, impact) in LEVELS.iter().enumerate().rev() {
        let _ = write!(out, "<tr><th scope=\"row\">{impact}</th>");
        for (column, likelihood) in LEVELS.iter().enumerate() {
            let count = map.grid.get(row).and_then(|cells| cells.get(column)).copied().unwrap_or(0);
            let heat = row + column;
            if count == 0 {
                let _ = write!(out, "<td class=\"heat heat-{heat} none\">0</td>");
            } else {
                let _ = write!(
                    out,
                    "<td class=\"heat heat-{heat}\"><a href=\"#risk-register\" aria-label=\"{count} {impact}-impact {likelihood}-likelihood {}\">{count}</a></td>",
                    if count == 1 { "risk" } else { "risks" }
                );
            }
        }
        let _ = writeln!(out, "</tr>");
    }
    let _ = writeln!(out, "</tbody>\n</table>");
}

fn register(out: &mut String, map: &RiskMap) {
    let _ = writeln!(
        out,
        "<table class=\"risks\" id=\"risk-register\">\n<caption>Risk register, most severe first</caption>\n<thead><tr><th scope=\"col\">Risk</th><th scope=\"col\">Project</th><th scope=\"col\">Impact</th><th scope=\"col\">Likelihood</th><th scope=\"col\">Owner</th><th scope=\"col\">Mitigation</th></tr></thead>\n<tbody>"
    );
    for risk in &map.risks {
        let mitigation = match (&risk.mitigation, risk.unmitigated_severe) {
            (Some(text), _) => escape(text),
            (None, true) => "<span class=\"tag bad\">unmitigated</span>".to_string(),
            (None, false) => "<span class=\"empty\">none stated</span>".to_string(),
        };
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{} <code>{}</code></th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{mitigation}</td></tr>",
            escape(&risk.title),
            escape(risk.id.rsplit('.').next().unwrap_or(&risk.id)),
            escape(&risk.project.title),
            risk.impact.as_deref().map_or_else(|| "—".to_string(), escape),
            risk.likelihood.as_deref().map_or_else(|| "—".to_string(), escape),
            owner(risk.owner.as_ref()),
        );
    }
    let _ = writeln!(out, "</tbody>\n</table>");
}

pub(super) fn roadmap(out: &mut String, dashboard: &Dashboard, today: &str) {
    let roadmap = &dashboard.roadmap;
    let _ = writeln!(out, "<section id=\"roadmap\" aria-labelledby=\"roadmap-heading\">");
    let _ = writeln!(out, "<h2 id=\"roadmap-heading\">Milestone roadmap</h2>");
    let (Some(from), Some(to)) = (day(roadmap.from.as_deref()), day(roadmap.to.as_deref())) else {
        let _ = writeln!(out, "<p>No live project has dates.</p>\n</section>");
        return;
    };
    if roadmap.projects.is_empty() {
        let _ = writeln!(out, "<p>No live project has dates.</p>\n</section>");
        return;
    }
    let span = (to - from).max(1) as f64;
    let x = |date: Option<i64>| {
        date.map(|date| ((date - from) as f64 / span * TIMELINE_WIDTH).clamp(0.0, TIMELINE_WIDTH))
    };
    let today_x = x(day(Some(today)));
    let _ = writeln!(
        out,
        "<p>Live projects from {} to {}; the dashed line is today, {}. Milestones: <span class=\"glyph\" aria-hidden=\"true\">●</span> done, <span class=\"glyph\" aria-hidden=\"true\">◇</span> planned, <span class=\"glyph\" aria-hidden=\"true\">✕</span> missed, <span class=\"glyph overdue\" aria-hidden=\"true\">◆</span> overdue.</p>",
        escape(roadmap.from.as_deref().unwrap_or("")),
        escape(roadmap.to.as_deref().unwrap_or("")),
        escape(today)
    );
    let _ = writeln!(
        out,
        "<table class=\"roadmap\">\n<caption>Milestones of the live projects, by start date</caption>\n<thead><tr><th scope=\"col\">Project</th><th scope=\"col\">Timeline<br>{}</th><th scope=\"col\">Milestones</th></tr></thead>\n<tbody>",
        axis_svg(from, to, &x)
    );
    for timeline in &roadmap.projects {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{} <code>{}</code><br><small>{} to {}{}</small></th><td class=\"timeline\">{}</td><td>{}</td></tr>",
            escape(&timeline.project.title),
            escape(&timeline.project.id),
            escape(timeline.start.as_deref().unwrap_or("?")),
            escape(timeline.end.as_deref().unwrap_or("?")),
            if timeline.past_end { " <span class=\"tag bad\">past its end</span>" } else { "" },
            timeline_svg(timeline, &x, today_x),
            milestone_list(timeline),
        );
    }
    let _ = writeln!(out, "</tbody>\n</table>\n</section>");
}

/// The quarters of the roadmap's window, labelled, above the timelines.
fn axis_svg(from: i64, to: i64, x: &dyn Fn(Option<i64>) -> Option<f64>) -> String {
    let mut svg = format!(
        "<svg class=\"axis\" viewBox=\"-8 0 {} 18\" width=\"{}\" height=\"18\" aria-hidden=\"true\" focusable=\"false\">",
        TIMELINE_WIDTH + 16.0,
        TIMELINE_WIDTH + 16.0
    );
    let epoch = jiff::civil::date(1970, 1, 1);
    let first = jiff::Span::new().try_days(from).ok().and_then(|span| epoch.checked_add(span).ok());
    let Some(first) = first else { return String::new() };
    // The first day of the quarter after `from`, then every quarter up to `to`.
    let mut month = (first.month() - 1) / 3 * 3 + 4;
    let mut year = first.year();
    if month > 12 {
        month -= 12;
        year += 1;
    }
    for _ in 0..200 {
        let Ok(tick) = jiff::civil::Date::new(year, month, 1) else { break };
        let Some(days) = day(Some(&tick.to_string())) else { break };
        if days > to {
            break;
        }
        if let Some(at) = x(Some(days)) {
            let label = match month {
                1 => year.to_string(),
                4 => "Apr".to_string(),
                7 => "Jul".to_string(),
                _ => "Oct".to_string(),
            };
            let _ = write!(
                svg,
                "<line class=\"tick\" x1=\"{at:.1}\" y1=\"12\" x2=\"{at:.1}\" y2=\"18\"/><text class=\"tick-label\" x=\"{at:.1}\" y=\"10\" text-anchor=\"middle\">{label}</text>"
            );
        }
        month += 3;
        if month > 12 {
            month -= 12;
            year += 1;
        }
    }
    svg.push_str("</svg>");
    svg
}

/// The decorative timeline of one project: its run as a bar, its milestones as glyphs,
/// today as a dashed line. The same facts are in the row's text.
fn timeline_svg(timeline: &Timeline, x: &dyn Fn(Option<i64>) -> Option<f64>, today: Option<f64>) -> String {
    let mut svg = format!(
        "<svg viewBox=\"-8 0 {} 28\" width=\"{}\" height=\"28\" aria-hidden=\"true\" focusable=\"false\">",
        TIMELINE_WIDTH + 16.0,
        TIMELINE_WIDTH + 16.0
    );
    let start = x(day(timeline.start.as_deref()));
    let end = x(day(timeline.end.as_deref()));
    if let (Some(start), Some(end)) = (start, end) {
        let class = if timeline.past_end { "run late" } else { "run" };
        let _ = write!(
            svg,
            "<rect class=\"{class}\" x=\"{start:.1}\" y=\"11\" width=\"{:.1}\" height=\"6\" rx=\"3\"/>",
            (end - start).max(2.0)
        );
    }
    if let Some(today) = today {
        let _ = write!(svg, "<line class=\"today\" x1=\"{today:.1}\" y1=\"0\" x2=\"{today:.1}\" y2=\"28\"/>");
    }
    for milestone in &timeline.milestones {
        let Some(at) = x(day(milestone.date.as_deref())) else { continue };
        let shape = match (milestone.status.as_str(), milestone.overdue) {
            (_, true) => format!("<path class=\"milestone overdue\" d=\"M{at:.1} 6 l8 8 l-8 8 l-8 -8 z\"/>"),
            ("done", _) => format!("<circle class=\"milestone done\" cx=\"{at:.1}\" cy=\"14\" r=\"5\"/>"),
            ("missed", _) => {
                format!("<path class=\"milestone missed\" d=\"M{:.1} 9 l10 10 m0 -10 l-10 10\"/>", at - 5.0)
            }
            _ => format!("<path class=\"milestone planned\" d=\"M{at:.1} 7 l7 7 l-7 7 l-7 -7 z\"/>"),
        };
        svg.push_str(&shape);
    }
    svg.push_str("</svg>");
    svg
}

fn milestone_list(timeline: &Timeline) -> String {
    if timeline.milestones.is_empty() {
        return "<span class=\"empty\">no milestones</span>".to_string();
    }
    let mut list = String::from("<ul class=\"milestones\">");
    for milestone in &timeline.milestones {
        let state = if milestone.overdue {
            "<span class=\"tag bad\">overdue</span>".to_string()
        } else {
            let class = match milestone.status.as_str() {
                "done" => "ok",
                "missed" => "bad",
                _ => "neutral",
            };
            format!("<span class=\"tag {class}\">{}</span>", escape(&milestone.status))
        };
        let reviews = if milestone.reviews.is_empty() {
            String::new()
        } else {
            format!(
                " <small>reviews {}</small>",
                milestone
                    .reviews
                    .iter()
                    .map(|id| format!("<code>{}</code>", escape(id)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let _ = write!(
            list,
            "<li><time datetime=\"{0}\">{0}</time> {1} {state}{reviews}</li>",
            escape(milestone.date.as_deref().unwrap_or("no date")),
            escape(&milestone.title)
        );
    }
    list.push_str("</ul>");
    list
}

pub(super) fn dependencies(out: &mut String, dashboard: &Dashboard) {
    let _ = writeln!(out, "<section id=\"dependencies\" aria-labelledby=\"dependencies-heading\">");
    let _ = writeln!(out, "<h2 id=\"dependencies-heading\">Dependencies at risk</h2>");
    let rows: &[DependencyAtRisk] = &dashboard.dependencies_at_risk;
    if rows.is_empty() {
        let _ = writeln!(
            out,
            "<p>No live project depends on a project that is late, on hold or cancelled.</p>\n</section>"
        );
        return;
    }
    let _ = writeln!(
        out,
        "<table class=\"dependencies\">\n<caption>Live projects waiting on a project that is late, on hold or cancelled</caption>\n<thead><tr><th scope=\"col\">Project</th><th scope=\"col\">Depends on</th><th scope=\"col\">Problem</th></tr></thead>\n<tbody>"
    );
    for row in rows {
        let class = if row.problem == "late" { "warn" } else { "bad" };
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\"><a href=\"#roadmap\">{}</a> <code>{}</code></th><td>{} <code>{}</code></td><td><span class=\"tag {class}\">{}</span>{}</td></tr>",
            escape(&row.project.title),
            escape(&row.project.id),
            escape(&row.dependency.title),
            escape(&row.dependency.id),
            row.problem.replace('_', " "),
            if row.problem == "late" { format!(" {}", escape(&row.detail)) } else { String::new() },
        );
    }
    let _ = writeln!(out, "</tbody>\n</table>\n</section>");
}

pub(super) fn burn(out: &mut String, dashboard: &Dashboard) {
    let burn = &dashboard.burn;
    let _ = writeln!(out, "<section id=\"burn\" aria-labelledby=\"burn-heading\">");
    let _ = writeln!(out, "<h2 id=\"burn-heading\">Budget and burn</h2>");
    if burn.projects.is_empty() {
        let _ = writeln!(out, "<p>No live project declares a budget.</p>\n</section>");
        return;
    }
    if let (Some(currency), Some(budget), Some(spent)) = (&burn.currency, burn.total_budget, burn.total_spent)
    {
        let share =
            spent.checked_div(budget).map_or_else(String::new, |share| format!(" ({})", share_text(share)));
        let _ = write!(
            out,
            "<p>The live projects have spent {} {currency} of {} {currency}{share}",
            format_decimal(spent.round_dp(2)),
            format_decimal(budget.round_dp(2))
        );
    } else {
        let _ = write!(out, "<p>Budgets in several currencies and no <code>[money]</code> rates: no total");
    }
    match burn.overspent {
        0 => {
            let _ = writeln!(out, "; none is over budget.</p>");
        }
        count => {
            let _ = writeln!(
                out,
                "; <span class=\"tag bad\">{} over budget</span>.</p>",
                plural(count, "project", "projects")
            );
        }
    }
    let _ = writeln!(
        out,
        "<table class=\"burn\">\n<caption>Spent against budget per live project</caption>\n<thead><tr><th scope=\"col\">Project</th><th scope=\"col\" class=\"number\">Budget</th><th scope=\"col\" class=\"number\">Spent</th><th scope=\"col\">Burn</th><th scope=\"col\" class=\"number\">ROI</th></tr></thead>\n<tbody>"
    );
    for row in &burn.projects {
        let burn_cell = match row.burn {
            Some(fraction) => {
                let waived = row.waived_until.as_deref().map_or_else(String::new, |until| {
                    format!(" <small>waived until {}</small>", escape(until))
                });
                let over = if row.overspent {
                    format!(
                        " <span class=\"tag bad\">over budget by {}</span>{waived}",
                        fraction.checked_sub(rust_decimal::Decimal::ONE).map_or_else(String::new, share_text)
                    )
                } else {
                    String::new()
                };
                format!(
                    "<span class=\"progress\">{}<span class=\"number\">{}</span></span>{over}",
                    super::html::bar_svg(fraction, 100),
                    share_text(fraction)
                )
            }
            None => "—".to_string(),
        };
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{} <code>{}</code></th><td class=\"number\">{}</td><td class=\"number\">{}</td><td>{burn_cell}</td><td class=\"number\">{}</td></tr>",
            escape(&row.project.title),
            escape(&row.project.id),
            escape(&row.budget.display()),
            row.spent.as_ref().map_or_else(|| "—".to_string(), |spent| escape(&spent.display())),
            row.roi.map_or_else(|| "—".to_string(), share_text),
        );
    }
    let _ = writeln!(out, "</tbody>\n</table>\n</section>");
}

pub(super) fn waivers(out: &mut String, dashboard: &Dashboard) {
    let waivers = &dashboard.waivers;
    let _ = writeln!(out, "<section id=\"waivers\" aria-labelledby=\"waivers-heading\">");
    let _ = writeln!(out, "<h2 id=\"waivers-heading\">Waivers in force</h2>");
    let expired = waivers.expired_note();
    if waivers.in_force.is_empty() {
        let _ = writeln!(out, "<p>No waiver is in force.{expired}</p>\n</section>");
        return;
    }
    let _ = writeln!(
        out,
        "<p>Approved exceptions to the rules, soonest to expire first; those within 30 days are marked.{expired}</p>"
    );
    let _ = writeln!(
        out,
        "<table class=\"waivers\">\n<caption>Waivers in force</caption>\n<thead><tr><th scope=\"col\">Waiver</th><th scope=\"col\">Rule</th><th scope=\"col\">Applies to</th><th scope=\"col\">Reason</th><th scope=\"col\">Approved by</th><th scope=\"col\">Expires</th></tr></thead>\n<tbody>"
    );
    for waiver in &waivers.in_force {
        let applies: Vec<String> =
            waiver.applies_to.iter().map(|id| format!("<code>{}</code>", escape(id))).collect();
        let soon = if waiver.expiring_soon {
            format!(
                " <span class=\"tag warn\">expires in {}</span>",
                plural(usize::try_from(waiver.days_left).unwrap_or(0), "day", "days")
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{title}<code>{id}</code></th><td>{rule}</td><td>{applies}</td><td>{reason}</td><td>{approver}</td><td><time datetime=\"{expires}\">{expires}</time>{soon}</td></tr>",
            // A waiver without a title is named by its id alone.
            title =
                if waiver.title == waiver.id { String::new() } else { format!("{} ", escape(&waiver.title)) },
            id = escape(&waiver.id),
            expires = escape(&waiver.expires),
            rule = waiver
                .rule
                .as_deref()
                .map_or_else(|| "—".to_string(), |rule| format!("<code>{}</code>", escape(rule))),
            applies = if applies.is_empty() { "the whole portfolio".to_string() } else { applies.join(", ") },
            reason = waiver.reason.as_deref().map_or_else(|| "—".to_string(), escape),
            approver = owner(waiver.approved_by.as_ref()),
        );
    }
    let _ = writeln!(out, "</tbody>\n</table>\n</section>");
}

fn owner(person: Option<&PersonRef>) -> String {
    person.map_or_else(|| "<span class=\"empty\">no owner</span>".to_string(), |person| escape(&person.name))
}

/// Days since the epoch of a `YYYY-MM-DD` date.
fn day(text: Option<&str>) -> Option<i64> {
    let date: jiff::civil::Date = text?.parse().ok()?;
    let epoch = jiff::civil::date(1970, 1, 1);
    epoch.until((jiff::Unit::Day, date)).ok().map(|span| i64::from(span.get_days()))
}

/// The trend cell of a KPI row: its readings against the straight line from baseline
/// to target, the target marked, the value expected today, and a stale actual flagged.
/// The chart is an image whose label says all of it; the words below repeat the
/// expected value, the trend and staleness.
pub(super) fn trend_cell(metric: &MetricRow, today: &str) -> String {
    let Some(trajectory) = &metric.trajectory else { return "—".to_string() };
    let mut words = Vec::new();
    if let Some(expected) = &trajectory.expected_today {
        words.push(format!("expected today {}", escape(&expected.value)));
    }
    if let Some(trend) = &metric.trend {
        words.push(escape(trend));
    }
    let stale = match (&metric.reading_due, metric.stale) {
        (Some(due), true) => {
            format!(
                "<br><span class=\"tag warn\">stale</span> <small>a reading was due by {}</small>",
                escape(due)
            )
        }
        _ => String::new(),
    };
    format!("{}<br><small>{}</small>{stale}", sparkline(metric, trajectory, today), words.join(" · "))
}

fn sparkline(metric: &MetricRow, trajectory: &Trajectory, today: &str) -> String {
    use rust_decimal::prelude::ToPrimitive;
    let (width, height, pad) = (150.0_f64, 44.0_f64, 6.0_f64);
    let mut points: Vec<&Point> = vec![&trajectory.baseline, &trajectory.target];
    points.extend(trajectory.readings.iter());
    points.extend(trajectory.expected_today.iter());
    let days: Vec<i64> = points.iter().filter_map(|point| day(Some(&point.date))).collect();
    let numbers: Vec<f64> = points.iter().filter_map(|point| point.number.to_f64()).collect();
    let (Some(first), Some(last)) = (days.iter().min().copied(), days.iter().max().copied()) else {
        return String::new();
    };
    let low = numbers.iter().copied().fold(f64::INFINITY, f64::min);
    let high = numbers.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (low, high) = if (high - low).abs() < f64::EPSILON { (low - 1.0, high + 1.0) } else { (low, high) };
    let span = (last - first).max(1) as f64;
    let at = |point: &Point| -> Option<(f64, f64)> {
        let x = pad + (day(Some(&point.date))? - first) as f64 / span * (width - 2.0 * pad);
        let y = pad + (high - point.number.to_f64()?) / (high - low) * (height - 2.0 * pad);
        Some((x, y))
    };
    let describe: Vec<String> =
        trajectory.readings.iter().map(|reading| format!("{} on {}", reading.value, reading.date)).collect();
    let mut label = format!(
        "{}: readings {}; the straight line runs from {} on {} to the target {} on {}",
        metric.title,
        if describe.is_empty() { "none".to_string() } else { describe.join(", ") },
        trajectory.baseline.value,
        trajectory.baseline.date,
        trajectory.target.value,
        trajectory.target.date
    );
    if let Some(expected) = &trajectory.expected_today {
        let _ = write!(label, "; it expects {} today, {today}", expected.value);
    }
    if metric.stale {
        let _ = write!(label, "; the latest reading is stale");
    }
    let mut svg = format!(
        "<svg class=\"trend\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        escape(&label)
    );
    if let (Some((x1, y1)), Some((x2, y2))) = (at(&trajectory.baseline), at(&trajectory.target)) {
        let _ = write!(
            svg,
            "<line class=\"trajectory\" x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\"/>"
        );
        let _ = write!(
            svg,
            "<rect class=\"target-mark\" x=\"{:.1}\" y=\"{:.1}\" width=\"7\" height=\"7\"/>",
            x2 - 3.5,
            y2 - 3.5
        );
    }
    let path: Vec<String> =
        trajectory.readings.iter().filter_map(&at).map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
    if path.len() > 1 {
        let _ = write!(svg, "<polyline class=\"readings\" points=\"{}\"/>", path.join(" "));
    }
    let count = trajectory.readings.len();
    for (index, reading) in trajectory.readings.iter().enumerate() {
        let Some((x, y)) = at(reading) else { continue };
        let class = if index + 1 == count && metric.stale { "reading stale" } else { "reading" };
        let _ = write!(svg, "<circle class=\"{class}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.8\"/>");
    }
    if let Some((x, y)) = trajectory.expected_today.as_ref().and_then(&at) {
        let _ = write!(svg, "<path class=\"expected\" d=\"M{x:.1} {:.1} l4 4 l-4 4 l-4 -4 z\"/>", y - 4.0);
    }
    svg.push_str("</svg>");
    svg
}
