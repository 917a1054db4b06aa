//! What a steering committee reviews beyond alignment: the risk heat map and register,
//! the milestone roadmap, the live projects whose dependencies are at risk, budget and
//! burn, and the waivers in force.
//!
//! Only the data is built here; `html` and `markdown` lay it out, and JSON is the same
//! structures through serde.

use serde::Serialize;

use rust_decimal::Decimal;

use super::{Amount, Context, PersonRef, is_live, names, text, visible};
use crate::model::{EntityId, Portfolio, Value};

/// The levels of a risk's `impact` and `likelihood`, lowest first (LANGUAGE.md §3).
pub const LEVELS: [&str; 4] = ["low", "medium", "high", "critical"];

/// Every risk of the portfolio, assessed or not, and how they spread over the grid.
#[derive(Clone, Debug, Serialize)]
pub struct RiskMap {
    /// `grid[impact][likelihood]`: how many risks have that assessment, by [`LEVELS`].
    pub grid: [[usize; 4]; 4],
    /// The risks, most severe first: by impact, then likelihood, then project and id.
    pub risks: Vec<RiskRow>,
    /// How many risks lack an `impact` or a `likelihood` (they are not on the grid).
    pub unassessed: usize,
    /// How many risks of high or critical impact state no mitigation.
    pub unmitigated_severe: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct RiskRow {
    /// The full id, `project.risk`.
    pub id: String,
    pub title: String,
    pub project: ProjectLink,
    pub impact: Option<String>,
    pub likelihood: Option<String>,
    pub owner: Option<PersonRef>,
    pub mitigation: Option<String>,
    /// High or critical impact and no mitigation: what the committee must act on.
    pub unmitigated_severe: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProjectLink {
    pub id: String,
    pub title: String,
    pub status: Option<String>,
}

/// The timeline of every live project with dates, on a common window.
#[derive(Clone, Debug, Serialize)]
pub struct Roadmap {
    /// The first and last date shown: every start, end and milestone, and today.
    pub from: Option<String>,
    pub to: Option<String>,
    pub projects: Vec<Timeline>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Timeline {
    pub project: ProjectLink,
    pub start: Option<String>,
    pub end: Option<String>,
    /// Live and past its planned `end`.
    pub past_end: bool,
    pub milestones: Vec<MilestoneRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct MilestoneRow {
    pub id: String,
    pub title: String,
    pub date: Option<String>,
    /// `planned`, `done` or `missed`.
    pub status: String,
    /// Still planned and dated before today.
    pub overdue: bool,
    /// The KPIs reviewed at this checkpoint (a steering review).
    pub reviews: Vec<String>,
}

/// A live project that waits on a project that is late, on hold or cancelled.
#[derive(Clone, Debug, Serialize)]
pub struct DependencyAtRisk {
    pub project: ProjectLink,
    pub dependency: ProjectLink,
    /// `on_hold`, `cancelled` or `late`.
    pub problem: &'static str,
    /// The fact in words: "on hold", "planned end 2026-10-31 has passed".
    pub detail: String,
}

/// Spent against budget for every live project with a budget, overspend marked.
#[derive(Clone, Debug, Serialize)]
pub struct Burn {
    pub projects: Vec<BurnRow>,
    /// The currency of the totals: `[money]`'s base, else the one currency of the budgets.
    pub currency: Option<String>,
    #[serde(serialize_with = "super::optional_decimal")]
    pub total_budget: Option<Decimal>,
    #[serde(serialize_with = "super::optional_decimal")]
    pub total_spent: Option<Decimal>,
    pub overspent: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct BurnRow {
    pub project: ProjectLink,
    pub budget: Amount,
    pub spent: Option<Amount>,
    /// Spent over budget, as a fraction (`1.065` is 6.5% over).
    #[serde(serialize_with = "super::optional_decimal")]
    pub burn: Option<Decimal>,
    pub overspent: bool,
    /// The expiry of a waiver in force of `project_over_budget` on the project.
    pub waived_until: Option<String>,
    /// The computed `roi`: `(expected_benefit - budget) / budget`, as a fraction.
    #[serde(serialize_with = "super::optional_decimal")]
    pub roi: Option<Decimal>,
}

impl Burn {
    pub(super) fn build(context: &Context<'_>, waivers: &Waivers) -> Burn {
        let portfolio = context.portfolio;
        let rates = context.rates;
        let mut projects = Vec::new();
        let mut currencies = std::collections::BTreeSet::new();
        let (mut total_budget, mut total_spent) = (Some(Decimal::ZERO), Some(Decimal::ZERO));
        for id in visible(portfolio, "project").into_iter().filter(|id| is_live(portfolio, *id)) {
            let Some(budget) = portfolio.get(id, "budget").as_money().cloned() else { continue };
            let spent = portfolio.get(id, "spent").as_money().cloned();
            // Both in the base (or in the budget's currency without `[money]`).
            let base = |money: &crate::model::value::Money| match &rates.base {
                Some(_) => rates.to_base(money).ok(),
                None => Some(money.clone()),
            };
            let budget_base = base(&budget);
            let spent_base = spent.as_ref().and_then(base);
            let burn = match (&budget_base, &spent_base) {
                (Some(budget), Some(spent)) if budget.currency == spent.currency => {
                    spent.amount.checked_div(budget.amount)
                }
                _ => None,
            };
            if let Some(budget) = &budget_base {
                currencies.insert(budget.currency.to_string());
                total_budget = total_budget.and_then(|total| total.checked_add(budget.amount));
            }
            if let Some(spent) = &spent_base {
                total_spent = total_spent.and_then(|total| total.checked_add(spent.amount));
            }
            let roi = match portfolio.get(id, "roi") {
                Value::Percent(value) | Value::Number(value) => Some(value),
                _ => None,
            };
            let project = link(portfolio, id);
            let waived_until = waivers
                .in_force
                .iter()
                .find(|waiver| {
                    waiver.rule.as_deref() == Some("project_over_budget")
                        && waiver.applies_to.contains(&project.id)
                })
                .map(|waiver| waiver.expires.clone());
            projects.push(BurnRow {
                project,
                waived_until,
                budget: Amount::of(&budget),
                spent: spent.as_ref().map(Amount::of),
                overspent: burn.is_some_and(|burn| burn > Decimal::ONE),
                burn,
                roi,
            });
        }
        let currency = match (&rates.base, currencies.len()) {
            (Some(base), _) => Some(base.to_string()),
            (None, 1) => currencies.into_iter().next(),
            _ => None,
        };
        let totals = currency.is_some();
        Burn {
            overspent: projects.iter().filter(|row| row.overspent).count(),
            projects,
            currency,
            total_budget: total_budget.filter(|_| totals),
            total_spent: total_spent.filter(|_| totals),
        }
    }
}

/// The exceptions to the rules that are in force today, soonest to expire first.
#[derive(Clone, Debug, Serialize)]
pub struct Waivers {
    pub in_force: Vec<WaiverRow>,
    /// Waivers whose `expires` has passed (each is a `charter::waiver_expired` finding).
    pub expired: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct WaiverRow {
    pub id: String,
    pub title: String,
    pub rule: Option<String>,
    pub applies_to: Vec<String>,
    pub reason: Option<String>,
    pub approved_by: Option<PersonRef>,
    pub expires: String,
    /// Days from today to `expires`, today counting as 0.
    pub days_left: i64,
    /// Within the 30 days in which `charter::waiver_expiring` is reported.
    pub expiring_soon: bool,
}

impl Waivers {
    pub(super) fn build(context: &Context<'_>, today: jiff::civil::Date) -> Waivers {
        let portfolio = context.portfolio;
        let mut in_force = Vec::new();
        let mut expired = 0;
        for id in visible(portfolio, "waiver") {
            let Some(entity) = portfolio.entity(id) else { continue };
            let Some(expires) = portfolio.get(id, "expires").as_date() else { continue };
            if expires < today {
                expired += 1;
                continue;
            }
            let days_left =
                today.until((jiff::Unit::Day, expires)).map_or(0, |span| i64::from(span.get_days()));
            in_force.push(WaiverRow {
                id: entity.id.clone(),
                title: entity.display_title().to_string(),
                rule: text(portfolio, id, "rule"),
                applies_to: portfolio
                    .get(id, "applies_to")
                    .as_list()
                    .iter()
                    .filter_map(Value::as_entity)
                    .map(|target| names(portfolio, target).0)
                    .collect(),
                reason: text(portfolio, id, "reason"),
                approved_by: context.person(portfolio.get(id, "approved_by")),
                expires: expires.to_string(),
                days_left,
                expiring_soon: days_left <= i64::from(crate::rules::waivers::EXPIRING_DAYS),
            });
        }
        in_force.sort_by(|a, b| (a.days_left, &a.id).cmp(&(b.days_left, &b.id)));
        Waivers { in_force, expired }
    }
}

impl RiskMap {
    pub(super) fn build(context: &Context<'_>) -> RiskMap {
        let portfolio = context.portfolio;
        let mut grid = [[0usize; 4]; 4];
        let mut unassessed = 0;
        let mut risks: Vec<(Option<usize>, Option<usize>, RiskRow)> = Vec::new();
        for id in visible(portfolio, "risk") {
            let Some(entity) = portfolio.entity(id) else { continue };
            let impact = text(portfolio, id, "impact");
            let likelihood = text(portfolio, id, "likelihood");
            let level = |value: &Option<String>| {
                value.as_deref().and_then(|name| LEVELS.iter().position(|l| *l == name))
            };
            let (impact_level, likelihood_level) = (level(&impact), level(&likelihood));
            match (impact_level, likelihood_level) {
                (Some(row), Some(column)) => {
                    if let Some(cell) = grid.get_mut(row).and_then(|cells| cells.get_mut(column)) {
                        *cell += 1;
                    }
                }
                _ => unassessed += 1,
            }
            let mitigation = text(portfolio, id, "mitigation").filter(|text| !text.trim().is_empty());
            let project = portfolio.get(id, "project").as_entity().map(|project| link(portfolio, project));
            risks.push((
                impact_level,
                likelihood_level,
                RiskRow {
                    id: entity.id.clone(),
                    title: entity.display_title().to_string(),
                    project: project.unwrap_or_else(|| ProjectLink {
                        id: String::new(),
                        title: String::new(),
                        status: None,
                    }),
                    unmitigated_severe: impact_level.is_some_and(|level| level >= 2) && mitigation.is_none(),
                    impact,
                    likelihood,
                    owner: context.person(portfolio.get(id, "owner")),
                    mitigation,
                },
            ));
        }
        risks.sort_by(|(ai, al, a), (bi, bl, b)| {
            (bi, bl).cmp(&(ai, al)).then_with(|| (&a.project.id, &a.id).cmp(&(&b.project.id, &b.id)))
        });
        let risks: Vec<RiskRow> = risks.into_iter().map(|(_, _, row)| row).collect();
        let unmitigated_severe = risks.iter().filter(|risk| risk.unmitigated_severe).count();
        RiskMap { grid, risks, unassessed, unmitigated_severe }
    }
}

impl Roadmap {
    pub(super) fn build(portfolio: &Portfolio, today: jiff::civil::Date) -> Roadmap {
        let mut dates = vec![today];
        let mut projects = Vec::new();
        for id in visible(portfolio, "project").into_iter().filter(|id| is_live(portfolio, *id)) {
            let start = portfolio.get(id, "start").as_date();
            let end = portfolio.get(id, "end").as_date();
            let mut milestones: Vec<(Option<jiff::civil::Date>, MilestoneRow)> = portfolio
                .get(id, "milestones")
                .as_list()
                .iter()
                .filter_map(Value::as_entity)
                .filter_map(|milestone| {
                    let entity = portfolio.entity(milestone)?;
                    let when = portfolio.get(milestone, "date").as_date();
                    let status =
                        text(portfolio, milestone, "status").unwrap_or_else(|| "planned".to_string());
                    let reviews = portfolio
                        .get(milestone, "reviews")
                        .as_list()
                        .iter()
                        .filter_map(Value::as_entity)
                        .map(|metric| names(portfolio, metric).0)
                        .collect();
                    Some((
                        when,
                        MilestoneRow {
                            id: entity.id.rsplit('.').next().unwrap_or(&entity.id).to_string(),
                            title: entity.display_title().to_string(),
                            date: when.map(|when| when.to_string()),
                            overdue: status == "planned" && when.is_some_and(|when| when < today),
                            status,
                            reviews,
                        },
                    ))
                })
                .collect();
            if start.is_none() && end.is_none() && milestones.iter().all(|(when, _)| when.is_none()) {
                continue;
            }
            milestones.sort_by_key(|(when, _)| *when);
            dates.extend(start.into_iter().chain(end).chain(milestones.iter().filter_map(|(when, _)| *when)));
            projects.push((
                start.or(end),
                Timeline {
                    project: link(portfolio, id),
                    start: start.map(|start| start.to_string()),
                    end: end.map(|end| end.to_string()),
                    past_end: end.is_some_and(|end| end < today),
                    milestones: milestones.into_iter().map(|(_, row)| row).collect(),
                },
            ));
        }
        projects.sort_by(|(a, timeline_a), (b, timeline_b)| {
            a.cmp(b).then_with(|| timeline_a.project.id.cmp(&timeline_b.project.id))
        });
        Roadmap {
            from: dates.iter().min().map(ToString::to_string),
            to: dates.iter().max().map(ToString::to_string),
            projects: projects.into_iter().map(|(_, timeline)| timeline).collect(),
        }
    }
}

impl DependencyAtRisk {
    pub(super) fn build(portfolio: &Portfolio, today: jiff::civil::Date) -> Vec<DependencyAtRisk> {
        let mut rows = Vec::new();
        for id in visible(portfolio, "project").into_iter().filter(|id| is_live(portfolio, *id)) {
            for dependency in portfolio.get(id, "depends_on").as_list().iter().filter_map(Value::as_entity) {
                if portfolio.entity(dependency).is_none_or(|entity| entity.in_test) {
                    continue;
                }
                let status = text(portfolio, dependency, "status");
                let (problem, detail) = match status.as_deref() {
                    Some("on_hold") => ("on_hold", "on hold".to_string()),
                    Some("cancelled") => ("cancelled", "cancelled".to_string()),
                    Some("done") => continue,
                    _ => match late(portfolio, dependency, today) {
                        Some(detail) => ("late", detail),
                        None => continue,
                    },
                };
                rows.push(DependencyAtRisk {
                    project: link(portfolio, id),
                    dependency: link(portfolio, dependency),
                    problem,
                    detail,
                });
            }
        }
        rows
    }
}

/// Why a live project counts as late, if it does: its planned end has passed, or one of
/// its milestones is overdue.
fn late(portfolio: &Portfolio, id: EntityId, today: jiff::civil::Date) -> Option<String> {
    if let Some(end) = portfolio.get(id, "end").as_date().filter(|end| *end < today) {
        return Some(format!("planned end {end} has passed"));
    }
    portfolio.get(id, "milestones").as_list().iter().filter_map(Value::as_entity).find_map(|milestone| {
        let when = portfolio.get(milestone, "date").as_date()?;
        let planned = portfolio.get(milestone, "status").as_str().is_none_or(|status| status == "planned");
        (planned && when < today).then(|| {
            let name = names(portfolio, milestone).1;
            format!("milestone \u{201c}{name}\u{201d} was due on {when}")
        })
    })
}

fn link(portfolio: &Portfolio, id: EntityId) -> ProjectLink {
    let (id_text, title) = names(portfolio, id);
    ProjectLink { id: id_text, title, status: text(portfolio, id, "status") }
}

/// `1 risk`, `3 risks`: the count and the word that agrees with it.
pub(super) fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

impl Waivers {
    /// The sentence on expired waivers, with a leading space; empty when there is none.
    pub(super) fn expired_note(&self) -> String {
        match self.expired {
            0 => String::new(),
            1 => " 1 waiver has expired and no longer suppresses its findings.".to_string(),
            count => format!(" {count} waivers have expired and no longer suppress their findings."),
        }
    }
}
