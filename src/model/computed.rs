//! Computed fields that are not reverse links: defaults, `id`, `title`, `entity_kind`,
//! `duration`, `roi`, `progress`, `on_track` and the nested-entity lists, and the
//! `charter::type_mismatch` of a computed field whose arithmetic overflows. The fields
//! built from a metric's readings are in `history.rs`.

use rust_decimal::Decimal;
use std::sync::Arc;

use super::schema::Type;
use super::value::{EnumValue, Measurement, Value};
use super::{Entity, EntityId, Portfolio, history};
use crate::diagnostic::{BuiltinCode, Diagnostic};
use crate::syntax::ast::{Duration, DurationUnit};

/// The value of a field the entity does not give: a default, a computed field, or
/// `none` (`[]` for lists).
pub(super) fn value(portfolio: &Portfolio, id: EntityId, entity: &Entity, field: &str) -> Value {
    match field {
        "id" => return Value::String(Arc::from(entity.id.as_str())),
        "local_id" => {
            let local = entity.id.rsplit('.').next().unwrap_or(entity.id.as_str());
            return Value::String(Arc::from(local));
        }
        "title" => return Value::String(Arc::from(entity.display_title())),
        "entity_kind" => return Value::String(entity.kind.clone()),
        _ => {}
    }
    match (&*entity.kind, field) {
        ("project", "milestones") => return children(portfolio, entity, "milestone"),
        ("project", "risks") => return children(portfolio, entity, "risk"),
        ("project", "changes") => return children(portfolio, entity, "change"),
        ("project", "duration") => return duration(portfolio, id),
        ("project", "roi") => return roi(portfolio, id).unwrap_or_default(),
        ("metric", "progress") => return progress(portfolio, id).unwrap_or_default(),
        ("metric", "on_track") => return on_track(portfolio, id).unwrap_or_default(),
        ("metric", "readings") => return history::readings(portfolio, id),
        ("metric", "last_measured") => return history::last_measured(portfolio, id),
        ("metric", "trend") => return history::trend(portfolio, id),
        ("metric", "expected") => return history::expected(portfolio, id).unwrap_or_default(),
        ("metric", "reading_due") => return history::reading_due(portfolio, id),
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

/// The given fields a computed field of `kind` is computed from: when one of them is
/// present but invalid, so is the computed field.
pub(super) fn inputs(kind: &str, field: &str) -> &'static [&'static str] {
    match (kind, field) {
        ("project", "duration") => &["start", "end"],
        ("project", "roi") => &["budget", "expected_benefit"],
        ("metric", "progress") => &["baseline", "target", "actual"],
        ("metric", "on_track" | "expected") => &["direction", "baseline", "target", "actual"],
        ("metric", "readings") => &["history", "actual"],
        ("metric", "last_measured") => &["actual"],
        ("metric", "trend") => &["history", "actual", "direction", "target"],
        ("metric", "reading_due") => &["actual", "cadence"],
        _ => &[],
    }
}

/// Whether a computed field's inputs are given but too large for its arithmetic.
pub(super) fn out_of_range(portfolio: &Portfolio, id: EntityId, entity: &Entity, field: &str) -> bool {
    let result = match (&*entity.kind, field) {
        ("project", "roi") => roi(portfolio, id),
        ("metric", "progress") => progress(portfolio, id),
        ("metric", "on_track") => on_track(portfolio, id),
        ("metric", "expected") => history::expected(portfolio, id),
        _ => return false,
    };
    result.is_err() && entity.field(field).is_none()
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

/// A computed field whose inputs are all given but whose arithmetic leaves the range of
/// numbers: the field is `none`, and [`report`] says why at the inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct OutOfRange {
    /// The step that overflowed, as the field's documentation writes it.
    step: &'static str,
    /// The given fields that step combines, the first one first.
    inputs: &'static [&'static str],
}

type Computed = Result<Value, OutOfRange>;

/// `result` of `step`, or the overflow of `step`.
fn fits(
    result: Option<Decimal>,
    step: &'static str,
    inputs: &'static [&'static str],
) -> Result<Decimal, OutOfRange> {
    result.ok_or(OutOfRange { step, inputs })
}

/// `a / b`: `none` when `b` is zero (the field has no value), an overflow otherwise.
fn ratio(a: Decimal, b: Decimal, step: &'static str, inputs: &'static [&'static str]) -> Computed {
    if b.is_zero() {
        return Ok(Value::None);
    }
    fits(a.checked_div(b), step, inputs).map(Value::Percent)
}

/// The computed fields [`report`] checks, by kind, in the order it checks them.
type Checked = (&'static str, fn(&Portfolio, EntityId) -> Computed);
const CHECKED: [(&str, &[Checked]); 2] =
    [("metric", &[("progress", progress), ("on_track", on_track)]), ("project", &[("roi", roi)])];

/// One `charter::type_mismatch` per metric or project whose computed fields cannot be
/// computed because its values are too large for exact arithmetic, with its entity: the
/// metrics', then the projects'. Rules then see the fields as `none`, and reports show
/// them as not available.
pub(super) fn report(portfolio: &Portfolio) -> Vec<(EntityId, Diagnostic)> {
    let mut found = Vec::new();
    for (kind, fields) in CHECKED {
        found.extend(portfolio.of_kind(kind).iter().filter_map(|id| check(portfolio, *id, fields)));
    }
    found
}

/// [`report`] after an update that changed only the entities `changed` (in order, each at
/// the id it had): the findings depend on each entity's own fields, so those of the
/// others are `previous`'s.
pub(super) fn report_again(
    portfolio: &Portfolio,
    previous: &Portfolio,
    changed: &[EntityId],
) -> Vec<(EntityId, Diagnostic)> {
    let mut found = Vec::with_capacity(previous.found.computed.len());
    for (kind, fields) in CHECKED {
        let of_kind = |id: EntityId, portfolio: &Portfolio| {
            portfolio.entity(id).is_some_and(|entity| &*entity.kind == kind)
        };
        let again: Vec<(EntityId, Diagnostic)> = changed
            .iter()
            .filter(|id| of_kind(**id, portfolio))
            .filter_map(|id| check(portfolio, *id, fields))
            .collect();
        let kept = previous
            .found
            .computed
            .iter()
            .filter(|(id, _)| of_kind(*id, previous) && changed.binary_search(id).is_err())
            .cloned();
        found.extend(super::resolve::merge(kept, again, |(id, _)| *id));
    }
    found
}

/// The finding of entity `id` about `fields`, if one of them is out of range.
fn check(portfolio: &Portfolio, id: EntityId, fields: &[Checked]) -> Option<(EntityId, Diagnostic)> {
    let entity = portfolio.entity(id).filter(|entity| !entity.broken)?;
    let failed: Vec<(&str, OutOfRange)> = fields
        .iter()
        .filter_map(|(field, compute)| compute(portfolio, id).err().map(|error| (*field, error)))
        .collect();
    diagnostic(entity, &failed).map(|diagnostic| (id, diagnostic))
}

fn diagnostic(entity: &Entity, failed: &[(&str, OutOfRange)]) -> Option<Diagnostic> {
    let (_, first) = failed.first()?;
    let names: Vec<String> = failed.iter().map(|(field, _)| format!("`{field}`")).collect();
    let (names, verb) = match names.as_slice() {
        [one] => (one.clone(), "is"),
        [rest @ .., last] => (format!("{} and {last}", rest.join(", ")), "are"),
        [] => return None,
    };
    let span_of = |field: &str| entity.field(field).map(|given| given.value_span);
    let primary = first.inputs.first().and_then(|field| span_of(field)).unwrap_or(entity.id_span);
    let mut diagnostic = Diagnostic::builtin(
        BuiltinCode::TypeMismatch,
        primary,
        format!("computed {names} of `{}` {verb} out of range", entity.id),
    )
    .with_label(format!("`{}` does not fit a number", first.step))
    .with_entity(entity.id.as_str());
    let mut labelled = vec![primary];
    for (_, error) in failed {
        for field in error.inputs {
            let Some(span) = span_of(field).filter(|span| !labelled.iter().any(|seen| seen.same_place(span)))
            else {
                continue;
            };
            labelled.push(span);
            diagnostic = diagnostic.with_secondary(span, format!("`{field}` is used in `{}`", error.step));
        }
    }
    // Fields that fail at the same step share a sentence.
    let mut steps: Vec<(&str, Vec<String>)> = Vec::new();
    for (field, error) in failed {
        match steps.iter_mut().find(|(step, _)| *step == error.step) {
            Some((_, fields)) => fields.push(format!("`{field}`")),
            None => steps.push((error.step, vec![format!("`{field}`")])),
        }
    }
    let needs: Vec<String> = steps
        .iter()
        .map(|(step, fields)| {
            let verb = if fields.len() == 1 { "needs" } else { "need" };
            format!("{} {verb} `{step}`", fields.join(" and "))
        })
        .collect();
    Some(diagnostic.with_help(format!(
        "{}, which is beyond ±79,228,162,514,264,337,593,543,950,335, the largest number: give these values in a larger unit (thousands, millions)",
        needs.join("; ")
    )))
}

fn roi(portfolio: &Portfolio, id: EntityId) -> Computed {
    let budget = portfolio.get(id, "budget");
    let benefit = portfolio.get(id, "expected_benefit");
    let (Some(budget), Some(benefit)) = (budget.as_money(), benefit.as_money()) else {
        return Ok(Value::None);
    };
    if budget.currency != benefit.currency {
        return Ok(Value::None);
    }
    const INPUTS: &[&str] = &["expected_benefit", "budget"];
    let gain = fits(benefit.amount.checked_sub(budget.amount), "expected_benefit - budget", INPUTS)?;
    ratio(gain, budget.amount, "(expected_benefit - budget) / budget", INPUTS)
}

/// The numeric value of a measurement and its currency, if it is money.
pub(super) fn amount(value: &Value) -> Option<(Decimal, Option<&str>)> {
    match value {
        Value::Number(number) | Value::Percent(number) => Some((*number, None)),
        Value::Money(money) => Some((money.amount, Some(&money.currency))),
        _ => None,
    }
}

/// The numeric values and dates of a metric's baseline, target and actual, all of one
/// currency.
pub(super) struct Series {
    pub(super) baseline: (Decimal, jiff::civil::Date),
    pub(super) target: (Decimal, jiff::civil::Date),
    pub(super) actual: (Decimal, jiff::civil::Date),
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

const SPAN: &str = "target - baseline";
const SPAN_INPUTS: &[&str] = &["target", "baseline"];

fn progress(portfolio: &Portfolio, id: EntityId) -> Computed {
    let Some(series) = series(portfolio, id) else {
        return Ok(Value::None);
    };
    let span = fits(series.target.0.checked_sub(series.baseline.0), SPAN, SPAN_INPUTS)?;
    let gained =
        fits(series.actual.0.checked_sub(series.baseline.0), "actual - baseline", &["actual", "baseline"])?;
    ratio(gained, span, "(actual - baseline) / (target - baseline)", &["actual", "baseline", "target"])
}

fn days_between(from: jiff::civil::Date, to: jiff::civil::Date) -> Option<i64> {
    to.since(from).ok().map(|span| i64::from(span.get_days()))
}

/// Whether the actual value lies on or beyond the straight line from baseline to target,
/// in the metric's direction, at the actual's date.
fn on_track(portfolio: &Portfolio, id: EntityId) -> Computed {
    Ok(match line(portfolio, id)? {
        Some(line) => Value::Bool(if line.increase {
            line.series.actual.0 >= line.expected
        } else {
            line.series.actual.0 <= line.expected
        }),
        None => Value::None,
    })
}

/// Where the straight line from baseline to target stands at the actual's date.
pub(super) struct Line {
    pub(super) series: Series,
    /// Whether the metric's `direction` is `increase` (else it is `decrease`).
    pub(super) increase: bool,
    /// The line's value at the actual's date; after the target date, the target itself.
    pub(super) expected: Decimal,
}

/// The straight line, linear in days, from baseline to target at the actual's date, for
/// an `increase` or `decrease` metric with all three measurements; `None` when it cannot
/// be told (the cases where `on_track` is `none`).
pub(super) fn line(portfolio: &Portfolio, id: EntityId) -> Result<Option<Line>, OutOfRange> {
    let increase = match portfolio.get(id, "direction").as_str() {
        Some("increase") => true,
        Some("decrease") => false,
        _ => return Ok(None),
    };
    let Some(series) = series(portfolio, id) else {
        return Ok(None);
    };
    let Some(expected) = line_at(series.baseline, series.target, series.actual.1)? else {
        return Ok(None);
    };
    Ok(Some(Line { series, increase, expected }))
}

/// The straight line, linear in days, from `baseline` to `target` (value and date) at
/// `date`: the target itself on and after the target date, the line extended before the
/// baseline date; `None` when both dates are one day.
pub(super) fn line_at(
    baseline: (Decimal, jiff::civil::Date),
    target: (Decimal, jiff::civil::Date),
    date: jiff::civil::Date,
) -> Result<Option<Decimal>, OutOfRange> {
    let ((start, start_date), (end, end_date)) = (baseline, target);
    let Some(total_days) = days_between(start_date, end_date).filter(|days| *days != 0) else {
        return Ok(None);
    };
    if date >= end_date {
        return Ok(Some(end));
    }
    let Some(elapsed) = days_between(start_date, date) else {
        return Ok(None);
    };
    let fraction = Decimal::from(elapsed).checked_div(Decimal::from(total_days)).unwrap_or(Decimal::ZERO);
    const LINE: &str = "baseline + (target - baseline) × elapsed time";
    let span = fits(end.checked_sub(start), SPAN, SPAN_INPUTS)?;
    let gained = fits(span.checked_mul(fraction), LINE, SPAN_INPUTS)?;
    Ok(Some(fits(start.checked_add(gained), LINE, SPAN_INPUTS)?))
}

/// [`line_at`] for a metric's `baseline` and `target` (numbers, percents or money of one
/// currency), whatever its `direction`; `None` when they are missing, of different kinds,
/// on one day, or out of range.
pub(super) fn metric_line_at(
    portfolio: &Portfolio,
    id: EntityId,
    date: jiff::civil::Date,
) -> Option<Decimal> {
    let point = |name| match portfolio.get(id, name) {
        Value::Measurement(measurement) => {
            let (value, currency) = amount(&measurement.value)?;
            Some((
                value,
                measurement.date,
                currency.map(str::to_string),
                std::mem::discriminant(&measurement.value),
            ))
        }
        _ => None,
    };
    let (start, start_date, start_currency, start_kind) = point("baseline")?;
    let (end, end_date, end_currency, end_kind) = point("target")?;
    if start_currency != end_currency || start_kind != end_kind {
        return None;
    }
    line_at((start, start_date), (end, end_date), date).ok().flatten()
}
