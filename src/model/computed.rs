//! Computed fields that are not reverse links: defaults, `id`, `title`, `entity_kind`,
//! `duration`, `roi`, `progress`, `on_track` and the nested-entity lists.

use rust_decimal::Decimal;
use std::sync::Arc;

use super::schema::Type;
use super::value::{EnumValue, Measurement, Value};
use super::{Entity, EntityId, Portfolio};
use crate::syntax::ast::{Duration, DurationUnit};

/// The value of a field the entity does not give: a default, a computed field, or
/// `none` (`[]` for lists).
pub(super) fn value(portfolio: &Portfolio, id: EntityId, entity: &Entity, field: &str) -> Value {
    match field {
        "id" => return Value::String(Arc::from(entity.id.as_str())),
        "title" => return Value::String(Arc::from(entity.display_title())),
        "entity_kind" => return Value::String(entity.kind.clone()),
        _ => {}
    }
    match (&*entity.kind, field) {
        ("project", "milestones") => return children(portfolio, entity, "milestone"),
        ("project", "risks") => return children(portfolio, entity, "risk"),
        ("project", "changes") => return children(portfolio, entity, "change"),
        ("project", "duration") => return duration(portfolio, id),
        ("project", "roi") => return roi(portfolio, id),
        ("metric", "progress") => return progress(portfolio, id),
        ("metric", "on_track") => return on_track(portfolio, id),
        ("milestone" | "risk" | "change", "project") => {
            return entity.parent.map_or(Value::None, Value::Entity);
        }
        _ => {}
    }
    let Some(definition) = portfolio.schema.field(&entity.kind, field) else {
        return Value::None;
    };
    match (&definition.ty, definition.default) {
        (Type::Enum(enumeration), Some(default)) => {
            enumeration.index_of(default).map_or(Value::None, |index| {
                Value::Enum(EnumValue { index: index as u16, name: Arc::from(default) })
            })
        }
        (Type::Bool, Some(default)) => Value::Bool(default == "true"),
        (Type::List(_), _) => Value::List(Arc::from(Vec::new())),
        _ => Value::None,
    }
}

fn children(portfolio: &Portfolio, entity: &Entity, kind: &str) -> Value {
    let items: Vec<Value> = entity
        .children
        .iter()
        .filter(|child| portfolio.entity(**child).is_some_and(|child| &*child.kind == kind))
        .map(|child| Value::Entity(*child))
        .collect();
    Value::List(Arc::from(items))
}

fn duration(portfolio: &Portfolio, id: EntityId) -> Value {
    let (Some(start), Some(end)) = (portfolio.get(id, "start").as_date(), portfolio.get(id, "end").as_date())
    else {
        return Value::None;
    };
    match end.since(start) {
        Ok(span) => {
            Value::Duration(Duration { amount: i64::from(span.get_days()), unit: DurationUnit::Days })
        }
        Err(_) => Value::None,
    }
}

fn roi(portfolio: &Portfolio, id: EntityId) -> Value {
    let budget = portfolio.get(id, "budget");
    let benefit = portfolio.get(id, "expected_benefit");
    let (Some(budget), Some(benefit)) = (budget.as_money(), benefit.as_money()) else {
        return Value::None;
    };
    if budget.currency != benefit.currency || budget.amount.is_zero() {
        return Value::None;
    }
    (benefit.amount - budget.amount).checked_div(budget.amount).map_or(Value::None, Value::Percent)
}

/// The numeric value of a measurement and its currency, if it is money.
fn amount(value: &Value) -> Option<(Decimal, Option<&str>)> {
    match value {
        Value::Number(number) | Value::Percent(number) => Some((*number, None)),
        Value::Money(money) => Some((money.amount, Some(&money.currency))),
        _ => None,
    }
}

struct Series {
    baseline: (Decimal, jiff::civil::Date),
    target: (Decimal, jiff::civil::Date),
    actual: (Decimal, jiff::civil::Date),
}

fn series(portfolio: &Portfolio, id: EntityId) -> Option<Series> {
    let measurement = |name| match portfolio.get(id, name) {
        Value::Measurement(measurement) => Some(measurement),
        _ => None,
    };
    let baseline: Box<Measurement> = measurement("baseline")?;
    let target = measurement("target")?;
    let actual = measurement("actual")?;
    let (baseline_value, baseline_currency) = amount(&baseline.value)?;
    let (target_value, target_currency) = amount(&target.value)?;
    let (actual_value, actual_currency) = amount(&actual.value)?;
    if baseline_currency != target_currency || target_currency != actual_currency {
        return None;
    }
    Some(Series {
        baseline: (baseline_value, baseline.date),
        target: (target_value, target.date),
        actual: (actual_value, actual.date),
    })
}

fn progress(portfolio: &Portfolio, id: EntityId) -> Value {
    let Some(series) = series(portfolio, id) else {
        return Value::None;
    };
    let span = series.target.0 - series.baseline.0;
    (series.actual.0 - series.baseline.0).checked_div(span).map_or(Value::None, Value::Percent)
}

fn days_between(from: jiff::civil::Date, to: jiff::civil::Date) -> Option<i64> {
    to.since(from).ok().map(|span| i64::from(span.get_days()))
}

/// Whether the actual value lies on or beyond the straight line from baseline to target,
/// in the metric's direction, at the actual's date.
fn on_track(portfolio: &Portfolio, id: EntityId) -> Value {
    let increase = match portfolio.get(id, "direction").as_str() {
        Some("increase") => true,
        Some("decrease") => false,
        _ => return Value::None,
    };
    let Some(series) = series(portfolio, id) else {
        return Value::None;
    };
    let (baseline, baseline_date) = series.baseline;
    let (target, target_date) = series.target;
    let (actual, actual_date) = series.actual;
    let Some(total_days) = days_between(baseline_date, target_date).filter(|days| *days != 0) else {
        return Value::None;
    };
    let expected = if actual_date >= target_date {
        target
    } else {
        let Some(elapsed) = days_between(baseline_date, actual_date) else {
            return Value::None;
        };
        let fraction = Decimal::from(elapsed).checked_div(Decimal::from(total_days)).unwrap_or(Decimal::ZERO);
        baseline + (target - baseline) * fraction
    };
    Value::Bool(if increase { actual >= expected } else { actual <= expected })
}
