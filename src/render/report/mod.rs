//! `charter report`: the alignment dashboard, for leadership rather than for CI.
//!
//! [`Dashboard::build`] gathers what the dashboard shows from the resolved portfolio and
//! the findings of a check: the objective tree (by `parent`) with owners, status and
//! horizon; each objective's KPIs (baseline → actual → target, progress, on or off track)
//! and supporting projects (status, executive sponsor, budget); the budget allocation
//! per objective against its `allocation` target; the projects that support no
//! objective; the risk heat map, the milestone roadmap and the dependencies at risk
//! (`steering`); and the findings by rule and severity. The renderers (`markdown`, `html`,
//! and JSON through serde) only lay that data out.

pub mod html;
pub mod markdown;
pub mod steering;
mod steering_html;
mod steering_markdown;

use rust_decimal::Decimal;
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};

use super::json::VERSION;
use super::{Counts, locate};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::currency::Rates;
use crate::model::value::{Money, Value, format_decimal, format_money, format_percent};
use crate::model::{EntityId, Portfolio, Workspace};

/// How far (in points of the total budget) an objective's received share may stray from
/// its `allocation` target and still count as on target, as std's `allocation_on_target`.
pub const ALLOCATION_TOLERANCE: Decimal = Decimal::from_parts(10, 0, 0, false, 2);

/// Everything the dashboard shows.
#[derive(Clone, Debug, Serialize)]
pub struct Dashboard {
    pub version: u32,
    pub title: String,
    /// `[report] subtitle`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    /// The evaluation date, `YYYY-MM-DD`.
    pub today: String,
    pub summary: Summary,
    /// The root objectives; each holds its children.
    pub objectives: Vec<ObjectiveNode>,
    pub allocation: Allocation,
    /// Live projects that support no objective.
    pub unaligned: Vec<ProjectRow>,
    pub risks: steering::RiskMap,
    pub roadmap: steering::Roadmap,
    /// Live projects waiting on a project that is late, on hold or cancelled.
    pub dependencies_at_risk: Vec<steering::DependencyAtRisk>,
    pub burn: steering::Burn,
    pub waivers: steering::Waivers,
    pub findings: Findings,
}

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub objectives: usize,
    pub projects: usize,
    pub live_projects: usize,
    pub metrics: usize,
    pub metrics_on_track: usize,
    pub metrics_off_track: usize,
    /// Total budget of the live projects in the reporting currency (its amount is `null`
    /// when the total is beyond the range of numbers).
    pub live_budget: Option<Total>,
    /// The live budget per currency, when it is in several and `charter.toml` has no
    /// `[money]` rates to total it (`live_budget` is then `None`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub live_budget_by_currency: Vec<Total>,
    pub unaligned_projects: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

/// One objective and, recursively, its children.
#[derive(Clone, Debug, Serialize)]
pub struct ObjectiveNode {
    pub id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub owner: Option<PersonRef>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub horizon: Option<String>,
    /// Target share of the portfolio budget (`allocation`), as a fraction.
    #[serde(serialize_with = "optional_decimal")]
    pub allocation_target: Option<Decimal>,
    /// Share of the live budget its supporting projects receive, as a fraction.
    #[serde(serialize_with = "optional_decimal")]
    pub allocation_received: Option<Decimal>,
    pub metrics: Vec<MetricRow>,
    pub projects: Vec<ProjectRow>,
    pub findings: FindingCount,
    pub children: Vec<ObjectiveNode>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PersonRef {
    pub id: String,
    pub name: String,
    pub executive: bool,
}

/// A KPI: where it started, where it is, where it must get to.
#[derive(Clone, Debug, Serialize)]
pub struct MetricRow {
    pub id: String,
    pub title: String,
    pub owner: Option<PersonRef>,
    pub direction: Option<String>,
    pub unit: Option<String>,
    pub baseline: Option<Reading>,
    pub actual: Option<Reading>,
    pub target: Option<Reading>,
    /// `(actual - baseline) / (target - baseline)`, as a fraction.
    #[serde(serialize_with = "optional_decimal")]
    pub progress: Option<Decimal>,
    /// `None` when it cannot be told (missing data, `maintain`).
    pub on_track: Option<bool>,
    /// `improving`, `worsening` or `flat`, from the last two readings.
    pub trend: Option<String>,
    /// When the next reading is due (`reading_due`).
    pub reading_due: Option<String>,
    /// The next reading was due before today: the actual is stale.
    pub stale: bool,
    /// Every reading (`history` and `actual`, by date), baseline and target, and the value
    /// the straight line expects today, as numbers for the trend chart.
    pub trajectory: Option<Trajectory>,
    /// The computed fields (`progress`, `on_track`) whose arithmetic leaves the range of
    /// numbers: not available, rather than unknown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub out_of_range: Vec<&'static str>,
    pub findings: FindingCount,
}

impl MetricRow {
    /// Whether `field` cannot be computed for this metric (its values are too large).
    pub fn out_of_range(&self, field: &str) -> bool {
        self.out_of_range.contains(&field)
    }
}

/// A KPI's path: where it started, where it must be, every reading, and where the
/// straight line from baseline to target (linear in days) expects it today.
#[derive(Clone, Debug, Serialize)]
pub struct Trajectory {
    pub baseline: Point,
    pub target: Point,
    pub readings: Vec<Point>,
    /// The straight line's value today (the baseline before it, the target after it).
    pub expected_today: Option<Point>,
}

/// A dated value, shown and as a number (a percent as its fraction, money as its amount).
#[derive(Clone, Debug, Serialize)]
pub struct Point {
    pub date: String,
    pub value: String,
    #[serde(serialize_with = "decimal")]
    pub number: Decimal,
}

/// A measurement, shown as the KPI's unit reads it.
#[derive(Clone, Debug, Serialize)]
pub struct Reading {
    /// `61%`, `4.2`, `1,200,000 USD`.
    pub value: String,
    pub date: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProjectRow {
    pub id: String,
    pub title: String,
    pub status: Option<String>,
    pub sponsor: Option<PersonRef>,
    pub budget: Option<Amount>,
    /// The budget in the base currency of `[money]`, when it is in another.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_in_base: Option<Amount>,
    pub spent: Option<Amount>,
    pub end: Option<String>,
    pub findings: FindingCount,
}

impl ProjectRow {
    /// `2,000,000 EUR (2,160,000 USD)`, or `—` without a budget.
    pub fn budget_text(&self) -> String {
        match (&self.budget, &self.budget_in_base) {
            (Some(budget), Some(base)) => format!("{} ({})", budget.display(), base.display()),
            (Some(budget), None) => budget.display(),
            (None, _) => "—".to_string(),
        }
    }
}

/// An amount of money.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Amount {
    #[serde(serialize_with = "decimal")]
    pub amount: Decimal,
    pub currency: String,
}

impl Amount {
    fn of(money: &Money) -> Amount {
        Amount { amount: money.amount, currency: money.currency.to_string() }
    }

    /// `1,200,000 USD`.
    pub fn display(&self) -> String {
        format!("{} {}", format_decimal(self.amount), self.currency)
    }
}

/// A sum of money that may not fit a number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Total {
    #[serde(serialize_with = "optional_decimal")]
    pub amount: Option<Decimal>,
    pub currency: String,
}

impl Total {
    /// `1,200,000 USD`, or `n/a` when the sum is out of range.
    pub fn display(&self) -> String {
        match self.amount {
            Some(amount) => format!("{} {}", format_decimal(amount), self.currency),
            None => NOT_AVAILABLE.to_string(),
        }
    }
}

/// What a report shows for a value that cannot be computed (it is out of range).
pub const NOT_AVAILABLE: &str = "n/a";

/// Errors and warnings about one entity.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct FindingCount {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl FindingCount {
    pub fn total(&self) -> usize {
        self.errors + self.warnings + self.infos
    }
}

/// How the live budget is spread over the objectives, against their targets.
#[derive(Clone, Debug, Serialize)]
pub struct Allocation {
    /// The currency shares are computed in: the base currency of `[money]`, else the one
    /// holding the most live budget.
    pub currency: Option<String>,
    /// "Amounts in USD; EUR at 1.08 USD (rates as of 2026-11-01)", with `[money]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rates: Option<String>,
    /// Without `[money]` rates, when the live budget is in several currencies: its total
    /// per currency (and `total` and every share are `None`: they cannot be computed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by_currency: Vec<Total>,
    /// `None` (and every share with it) when the sum is beyond the range of numbers.
    #[serde(serialize_with = "optional_decimal")]
    pub total: Option<Decimal>,
    pub objectives: Vec<AllocationRow>,
    /// Share of the live budget funding projects that support no objective.
    #[serde(serialize_with = "optional_decimal")]
    pub unaligned_share: Option<Decimal>,
    /// Live projects whose budget is in another currency, left out of the shares.
    pub other_currency_projects: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AllocationRow {
    pub id: String,
    pub title: String,
    /// `None` when the sum is beyond the range of numbers.
    #[serde(serialize_with = "optional_decimal")]
    pub received: Option<Decimal>,
    #[serde(serialize_with = "optional_decimal")]
    pub share: Option<Decimal>,
    #[serde(serialize_with = "optional_decimal")]
    pub target: Option<Decimal>,
    /// Within ±10 points of the target; `None` without a target.
    pub on_target: Option<bool>,
}

/// The findings of the check, by rule and in full.
#[derive(Clone, Debug, Serialize)]
pub struct Findings {
    pub by_rule: Vec<RuleCount>,
    pub list: Vec<FindingRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RuleCount {
    pub code: String,
    pub severity: Severity,
    pub count: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct FindingRow {
    pub code: String,
    pub severity: Severity,
    pub message: String,
    pub entity: Option<String>,
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl FindingRow {
    /// `portfolio/projects.charter:12:9`.
    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.file, self.line, self.column)
    }
}

impl Dashboard {
    /// The dashboard of `workspace` with the `findings` of a check on `today`.
    pub fn build(workspace: &Workspace, findings: &[Diagnostic], today: jiff::civil::Date) -> Dashboard {
        let portfolio = &workspace.portfolio;
        let rates = &workspace.config.money;
        let context = Context::new(portfolio, findings, today, rates);
        let allocation = allocation(portfolio, rates);
        let mut objectives: Vec<ObjectiveNode> = roots(portfolio)
            .into_iter()
            .filter_map(|id| context.objective(id, &allocation, &mut BTreeSet::new()))
            .collect();
        // Objectives on a `parent` cycle have no root above them; show each cycle once,
        // from its first member, rather than not at all.
        let mut shown = BTreeSet::new();
        collect_ids(&objectives, &mut shown);
        for id in visible(portfolio, "objective") {
            let Some(entity) = portfolio.entity(id) else { continue };
            if shown.contains(&entity.id) {
                continue;
            }
            if let Some(node) = context.objective(id, &allocation, &mut BTreeSet::new()) {
                collect_ids(std::slice::from_ref(&node), &mut shown);
                objectives.push(node);
            }
        }
        let projects = visible(portfolio, "project");
        let live: Vec<EntityId> = projects.iter().copied().filter(|id| is_live(portfolio, *id)).collect();
        let unaligned: Vec<ProjectRow> = live
            .iter()
            .filter(|id| portfolio.get(**id, "supports").as_list().is_empty())
            .map(|id| context.project(*id))
            .collect();
        let metrics = visible(portfolio, "metric");
        let on_track = |wanted: bool| {
            metrics.iter().filter(|id| portfolio.get(**id, "on_track") == Value::Bool(wanted)).count()
        };
        let counts = Counts::of(findings);
        // `[report] title` as written, else "Alignment dashboard: " and the directory's name.
        let waivers = steering::Waivers::build(&context, today);
        let title = workspace.config.report.title.clone().unwrap_or_else(|| {
            let name = workspace
                .root
                .file_name()
                .map_or_else(|| "Portfolio".to_string(), |name| name.to_string_lossy().into_owned());
            format!("Alignment dashboard: {name}")
        });
        Dashboard {
            version: VERSION,
            title,
            subtitle: workspace.config.report.subtitle.clone(),
            today: today.to_string(),
            summary: Summary {
                objectives: visible(portfolio, "objective").len(),
                projects: projects.len(),
                live_projects: live.len(),
                metrics: metrics.len(),
                metrics_on_track: on_track(true),
                metrics_off_track: on_track(false),
                live_budget: allocation
                    .currency
                    .clone()
                    .filter(|_| allocation.by_currency.is_empty())
                    .map(|currency| Total { amount: allocation.total, currency }),
                live_budget_by_currency: allocation.by_currency.clone(),
                unaligned_projects: unaligned.len(),
                errors: counts.errors,
                warnings: counts.warnings,
                infos: counts.infos,
            },
            objectives,
            allocation,
            unaligned,
            risks: steering::RiskMap::build(&context),
            roadmap: steering::Roadmap::build(portfolio, today),
            dependencies_at_risk: steering::DependencyAtRisk::build(portfolio, today),
            burn: steering::Burn::build(&context, &waivers),
            waivers,
            findings: findings_of(workspace, findings),
        }
    }

    /// The dashboard as pretty-printed JSON, with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// Lookups shared while building the dashboard.
struct Context<'a> {
    portfolio: &'a Portfolio,
    today: jiff::civil::Date,
    by_entity: BTreeMap<&'a str, FindingCount>,
    rates: &'a Rates,
}

impl<'a> Context<'a> {
    fn new(
        portfolio: &'a Portfolio,
        findings: &'a [Diagnostic],
        today: jiff::civil::Date,
        rates: &'a Rates,
    ) -> Context<'a> {
        let mut by_entity: BTreeMap<&str, FindingCount> = BTreeMap::new();
        for finding in findings {
            if let Some(entity) = &finding.entity {
                let count = by_entity.entry(entity.as_str()).or_default();
                match finding.severity {
                    Severity::Error => count.errors += 1,
                    Severity::Warning => count.warnings += 1,
                    Severity::Info => count.infos += 1,
                }
            }
        }
        Context { portfolio, today, by_entity, rates }
    }

    fn findings(&self, id: &str) -> FindingCount {
        self.by_entity.get(id).copied().unwrap_or_default()
    }

    fn objective(
        &self,
        id: EntityId,
        allocation: &Allocation,
        path: &mut BTreeSet<EntityId>,
    ) -> Option<ObjectiveNode> {
        // A `parent` cycle is reported by the checker; here it must only not recurse forever.
        if !path.insert(id) {
            return None;
        }
        let portfolio = self.portfolio;
        let entity = portfolio.entity(id)?;
        let children = portfolio
            .get(id, "children")
            .as_list()
            .iter()
            .filter_map(Value::as_entity)
            .filter_map(|child| self.objective(child, allocation, path))
            .collect();
        path.remove(&id);
        let row = allocation.objectives.iter().find(|row| row.id == entity.id);
        Some(ObjectiveNode {
            id: entity.id.clone(),
            title: entity.display_title().to_string(),
            description: text(portfolio, id, "description").map(|text| text.trim().to_string()),
            owner: self.person(portfolio.get(id, "owner")),
            status: text(portfolio, id, "status"),
            priority: text(portfolio, id, "priority"),
            horizon: date(portfolio, id, "horizon"),
            allocation_target: percent(portfolio, id, "allocation"),
            allocation_received: row.and_then(|row| row.share),
            metrics: entities(portfolio, id, "measured_by")
                .map(|metric| self.metric(metric, self.today))
                .collect(),
            projects: entities(portfolio, id, "projects").map(|project| self.project(project)).collect(),
            findings: self.findings(&entity.id),
            children,
        })
    }

    fn metric(&self, id: EntityId, today: jiff::civil::Date) -> MetricRow {
        let portfolio = self.portfolio;
        let (entity_id, title) = names(portfolio, id);
        let reading = |field: &str| match portfolio.get(id, field) {
            Value::Measurement(measurement) => {
                Some(Reading { value: display(&measurement.value), date: measurement.date.to_string() })
            }
            _ => None,
        };
        MetricRow {
            findings: self.findings(&entity_id),
            id: entity_id,
            title,
            owner: self.person(portfolio.get(id, "owner")),
            direction: text(portfolio, id, "direction"),
            unit: text(portfolio, id, "unit"),
            baseline: reading("baseline"),
            actual: reading("actual"),
            target: reading("target"),
            progress: match portfolio.get(id, "progress") {
                Value::Percent(value) | Value::Number(value) => Some(value),
                _ => None,
            },
            on_track: match portfolio.get(id, "on_track") {
                Value::Bool(flag) => Some(flag),
                _ => None,
            },
            trend: text(portfolio, id, "trend"),
            reading_due: date(portfolio, id, "reading_due"),
            stale: portfolio.get(id, "reading_due").as_date().is_some_and(|due| due < today),
            trajectory: trajectory(portfolio, id, today),
            out_of_range: ["progress", "on_track"]
                .into_iter()
                .filter(|field| portfolio.out_of_range(id, field))
                .collect(),
        }
    }

    fn project(&self, id: EntityId) -> ProjectRow {
        let portfolio = self.portfolio;
        let (entity_id, title) = names(portfolio, id);
        let money = |field: &str| portfolio.get(id, field).as_money().map(Amount::of);
        ProjectRow {
            findings: self.findings(&entity_id),
            id: entity_id,
            title,
            status: text(portfolio, id, "status"),
            sponsor: self.person(portfolio.get(id, "sponsor")),
            budget: money("budget"),
            budget_in_base: portfolio
                .get(id, "budget")
                .as_money()
                .filter(|budget| self.rates.base.as_ref().is_some_and(|base| *base != budget.currency))
                .and_then(|budget| self.rates.to_base(budget).ok())
                .map(|converted| Amount::of(&converted)),
            spent: money("spent"),
            end: date(portfolio, id, "end"),
        }
    }

    fn person(&self, value: Value) -> Option<PersonRef> {
        let id = value.as_entity()?;
        let (entity_id, name) = names(self.portfolio, id);
        Some(PersonRef {
            id: entity_id,
            name,
            executive: self.portfolio.get(id, "executive") == Value::Bool(true),
        })
    }
}

/// The numbers of a metric's trend chart; `None` without a numeric baseline and target
/// of one kind (a percent, a number, or money of one currency).
fn trajectory(portfolio: &Portfolio, id: EntityId, today: jiff::civil::Date) -> Option<Trajectory> {
    let point = |value: &Value| -> Option<Point> {
        let Value::Measurement(measurement) = value else { return None };
        let number = match &measurement.value {
            Value::Percent(number) | Value::Number(number) => *number,
            Value::Money(money) => money.amount,
            _ => return None,
        };
        Some(Point { date: measurement.date.to_string(), value: display(&measurement.value), number })
    };
    let (baseline_value, target_value) = (portfolio.get(id, "baseline"), portfolio.get(id, "target"));
    let (Value::Measurement(start), Value::Measurement(end)) = (&baseline_value, &target_value) else {
        return None;
    };
    if std::mem::discriminant(&start.value) != std::mem::discriminant(&end.value) {
        return None;
    }
    let baseline = point(&baseline_value)?;
    let target = point(&target_value)?;
    let mut readings: Vec<Point> = portfolio.get(id, "readings").as_list().iter().filter_map(point).collect();
    if readings.is_empty() {
        readings.extend(point(&portfolio.get(id, "actual")));
    }
    // The straight line at today; before the baseline date, the baseline itself.
    let expected_today = portfolio.metric_line_at(id, today.max(start.date)).map(|number| {
        let shown = match &start.value {
            Value::Percent(_) => format_percent(number.round_dp(3)),
            Value::Money(money) => {
                format_money(&Money { amount: number.round_dp(2), currency: money.currency.clone() })
            }
            _ => format_decimal(number.round_dp(1)),
        };
        Point { date: today.to_string(), value: shown, number }
    });
    Some(Trajectory { baseline, target, readings, expected_today })
}

/// The entities of a kind that belong to the portfolio: not in a test, and not a broken
/// declaration (its syntax error is among the findings; its fields are unknown).
fn visible(portfolio: &Portfolio, kind: &str) -> Vec<EntityId> {
    portfolio
        .of_kind(kind)
        .iter()
        .copied()
        .filter(|id| portfolio.entity(*id).is_some_and(|entity| !entity.in_test && !entity.broken))
        .collect()
}

fn collect_ids(objectives: &[ObjectiveNode], ids: &mut BTreeSet<String>) {
    for objective in objectives {
        ids.insert(objective.id.clone());
        collect_ids(&objective.children, ids);
    }
}

/// Objectives whose `parent` is not an objective of the portfolio.
fn roots(portfolio: &Portfolio) -> Vec<EntityId> {
    visible(portfolio, "objective")
        .into_iter()
        .filter(|id| {
            portfolio
                .get(*id, "parent")
                .as_entity()
                .and_then(|parent| portfolio.entity(parent))
                .is_none_or(|parent| &*parent.kind != "objective")
        })
        .collect()
}

/// A project is live unless it is done or cancelled.
pub fn is_live(portfolio: &Portfolio, id: EntityId) -> bool {
    !matches!(portfolio.get(id, "status").as_str(), Some("done" | "cancelled"))
}

fn entities<'a>(portfolio: &'a Portfolio, id: EntityId, field: &str) -> impl Iterator<Item = EntityId> + 'a {
    let mut ids: Vec<EntityId> = portfolio
        .get(id, field)
        .as_list()
        .iter()
        .filter_map(Value::as_entity)
        .filter(|target| portfolio.entity(*target).is_some_and(|entity| !entity.in_test))
        .collect();
    let mut seen = BTreeSet::new();
    ids.retain(|id| seen.insert(*id));
    ids.into_iter()
}

fn names(portfolio: &Portfolio, id: EntityId) -> (String, String) {
    portfolio
        .entity(id)
        .map(|entity| (entity.id.clone(), entity.display_title().to_string()))
        .unwrap_or_default()
}

fn text(portfolio: &Portfolio, id: EntityId, field: &str) -> Option<String> {
    portfolio.get(id, field).as_str().map(str::to_string)
}

fn date(portfolio: &Portfolio, id: EntityId, field: &str) -> Option<String> {
    portfolio.get(id, field).as_date().map(|date| date.to_string())
}

fn percent(portfolio: &Portfolio, id: EntityId, field: &str) -> Option<Decimal> {
    match portfolio.get(id, field) {
        Value::Percent(value) => Some(value),
        _ => None,
    }
}

/// A value as a reader expects it: `61%`, `4.2`, `1,200,000 USD`.
pub fn display(value: &Value) -> String {
    match value {
        Value::Percent(value) => format_percent(*value),
        Value::Number(value) => format_decimal(*value),
        Value::Money(money) => format_money(money),
        Value::Date(date) => date.to_string(),
        Value::Bool(flag) => flag.to_string(),
        other => other.as_str().unwrap_or("").to_string(),
    }
}

/// The received share of every objective (LANGUAGE.md §6): over the live projects that
/// support it, each project's budget divided by the number of objectives it supports,
/// over the total budget of all live projects.
///
/// Sums are checked: one that leaves the range of numbers makes the amounts and shares
/// built on it `None` (shown as not available), never a wrong number.
fn allocation(portfolio: &Portfolio, rates: &Rates) -> Allocation {
    let live: Vec<EntityId> =
        visible(portfolio, "project").into_iter().filter(|id| is_live(portfolio, *id)).collect();
    // A currency whose sum overflows holds more than any other.
    let mut per_currency: BTreeMap<String, Option<Decimal>> = BTreeMap::new();
    for id in &live {
        if let Some(money) = portfolio.get(*id, "budget").as_money() {
            let sum = per_currency.entry(money.currency.to_string()).or_insert(Some(Decimal::ZERO));
            *sum = sum.and_then(|sum| sum.checked_add(money.amount));
        }
    }
    let currency = match &rates.base {
        Some(base) if !per_currency.is_empty() => Some(base.to_string()),
        _ => per_currency
            .iter()
            .max_by(|a, b| a.1.is_none().cmp(&b.1.is_none()).then(a.1.cmp(b.1)).then(b.0.cmp(a.0)))
            .map(|(currency, _)| currency.clone()),
    };
    // Without rates, budgets in several currencies have no total: each currency's sum is
    // shown instead, and no share is computed (a share of one currency's total would
    // show every objective funded in another as receiving nothing).
    let unconvertible = !rates.is_set() && per_currency.len() > 1;
    let by_currency: Vec<Total> = if unconvertible {
        per_currency
            .iter()
            .map(|(currency, amount)| Total { amount: *amount, currency: currency.clone() })
            .collect()
    } else {
        Vec::new()
    };
    let used: Vec<std::sync::Arc<str>> =
        per_currency.keys().map(|code| std::sync::Arc::from(code.as_str())).collect();
    // `Err(())`: the budget is in a currency that cannot be counted in `currency`.
    let budget_in = |id: EntityId| -> Result<Decimal, ()> {
        match portfolio.get(id, "budget").as_money() {
            _ if unconvertible => Err(()),
            Some(money) if Some(money.currency.as_ref()) == currency.as_deref() => Ok(money.amount),
            Some(money) if rates.is_set() => {
                rates.to_base(money).map(|converted| converted.amount).map_err(|_| ())
            }
            Some(_) => Err(()),
            None => Ok(Decimal::ZERO),
        }
    };
    let total = live
        .iter()
        .filter_map(|id| budget_in(*id).ok())
        .try_fold(Decimal::ZERO, |sum, amount| sum.checked_add(amount))
        .filter(|_| !unconvertible);
    let share = |amount: Option<Decimal>| -> Option<Decimal> {
        let (amount, total) = (amount?, total?);
        if total.is_zero() { Some(Decimal::ZERO) } else { amount.checked_div(total) }
    };
    let mut received: BTreeMap<EntityId, Option<Decimal>> = BTreeMap::new();
    let mut unaligned = Some(Decimal::ZERO);
    let mut other_currency_projects = Vec::new();
    for id in &live {
        let Ok(budget) = budget_in(*id) else {
            if !unconvertible {
                other_currency_projects.push(names(portfolio, *id).0);
            }
            continue;
        };
        let supported: Vec<EntityId> = entities(portfolio, *id, "supports").collect();
        if supported.is_empty() {
            unaligned = unaligned.and_then(|sum| sum.checked_add(budget));
            continue;
        }
        let part = budget.checked_div(Decimal::from(supported.len()));
        for objective in supported {
            let sum = received.entry(objective).or_insert(Some(Decimal::ZERO));
            *sum = sum.zip(part).and_then(|(sum, part)| sum.checked_add(part));
        }
    }
    let objectives = visible(portfolio, "objective")
        .into_iter()
        .map(|id| {
            let amount = received.get(&id).copied().unwrap_or(Some(Decimal::ZERO)).filter(|_| !unconvertible);
            let share = share(amount).map(|share| share.round_dp(4));
            let target = percent(portfolio, id, "allocation");
            let (entity_id, title) = names(portfolio, id);
            AllocationRow {
                id: entity_id,
                title,
                received: amount.map(|amount| amount.round_dp(2)),
                share,
                target,
                on_target: share.zip(target).and_then(|(share, target)| {
                    share.checked_sub(target).map(|gap| gap.abs() <= ALLOCATION_TOLERANCE)
                }),
            }
        })
        .collect();
    Allocation {
        rates: rates.statement(&used).filter(|_| currency.is_some()),
        by_currency,
        currency,
        total,
        objectives,
        unaligned_share: share(unaligned).map(|share| share.round_dp(4)).filter(|_| !unconvertible),
        other_currency_projects,
    }
}

fn findings_of(workspace: &Workspace, findings: &[Diagnostic]) -> Findings {
    let mut by_rule: BTreeMap<(std::cmp::Reverse<Severity>, String), usize> = BTreeMap::new();
    for finding in findings {
        *by_rule
            .entry((std::cmp::Reverse(finding.severity), finding.code.as_str().to_string()))
            .or_default() += 1;
    }
    let list = findings
        .iter()
        .map(|finding| {
            let (file, start, _) = locate(&workspace.sources, finding.span());
            FindingRow {
                code: finding.code.as_str().to_string(),
                severity: finding.severity,
                message: finding.message.clone(),
                entity: finding.entity.clone(),
                file,
                line: start.line,
                column: start.column,
            }
        })
        .collect();
    Findings {
        by_rule: by_rule
            .into_iter()
            .map(|((severity, code), count)| RuleCount { code, severity: severity.0, count })
            .collect(),
        list,
    }
}

fn decimal<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    super::export::exact_number(*value).serialize(serializer)
}

fn optional_decimal<S: Serializer>(value: &Option<Decimal>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => decimal(value, serializer),
        None => serializer.serialize_none(),
    }
}

/// A fraction as a whole-ish percent for display: `0.4167` → `41.7%`.
pub fn share_text(value: Decimal) -> String {
    format_percent(value.round_dp(3))
}

/// [`share_text`], or `n/a` for a share that cannot be computed.
pub fn optional_share_text(value: Option<Decimal>) -> String {
    value.map_or_else(|| NOT_AVAILABLE.to_string(), share_text)
}

/// The live budget: `1,200,000 USD`, or why there is no total.
pub fn total_text(total: Option<Decimal>, currency: &str) -> String {
    match total {
        Some(total) => format!("{} {currency}", format_decimal(total)),
        None => format!("{NOT_AVAILABLE}: the total in {currency} is beyond the largest number"),
    }
}

/// The summary's live budget: `1,200,000 USD`, each currency's total when they cannot
/// be added, or `none`.
pub fn live_budget_text(summary: &Summary) -> String {
    match &summary.live_budget {
        Some(total) => total.display(),
        None if !summary.live_budget_by_currency.is_empty() => {
            summary.live_budget_by_currency.iter().map(Total::display).collect::<Vec<_>>().join(" + ")
        }
        None => "none".to_string(),
    }
}

/// Why the allocation has no shares: "The live budget is in 2 currencies (2,000,000 EUR
/// and 3,000,000 USD); totals and shares need `[money]` rates in charter.toml".
pub fn several_currencies_note(by_currency: &[Total]) -> String {
    let amounts: Vec<String> = by_currency.iter().map(Total::display).collect();
    let listed = match amounts.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    };
    format!(
        "The live budget is in {} currencies ({listed}); totals and shares need a `[money]` section in charter.toml with a `base` currency and the `rates` of the others",
        by_currency.len()
    )
}

/// Why projects are left out of the shares: their budget is in another currency, or
/// (with `[money]`) in one without a rate.
pub fn left_out_reason(allocation: &Allocation, currency: &str) -> String {
    if allocation.rates.is_some() {
        "no rate for their currency under `[money]` in charter.toml".to_string()
    } else {
        format!("budget not in {currency}")
    }
}

/// An amount with grouping, or `n/a` for one that cannot be computed.
pub fn optional_amount_text(value: Option<Decimal>) -> String {
    value.map_or_else(|| NOT_AVAILABLE.to_string(), format_decimal)
}

/// How many of `width` cells a fraction fills (clamped to 0..=1, rounded).
pub fn cells(fraction: Decimal, width: u32) -> u32 {
    use rust_decimal::prelude::ToPrimitive;
    let filled = (fraction.clamp(Decimal::ZERO, Decimal::ONE) * Decimal::from(width)).round();
    filled.to_u32().unwrap_or(0).min(width)
}
