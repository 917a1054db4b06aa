//! A metric's readings: the checks of `history` against `actual`, and the computed fields
//! built from them (`readings`, `last_measured`, `trend`, `expected`, `reading_due`).

use jiff::ToSpan;
use rust_decimal::{Decimal, RoundingStrategy};
use std::sync::Arc;

use super::computed::{OutOfRange, amount, line};
use super::schema::TREND;
use super::value::{EnumValue, Measurement, Money, Value, format_decimal, format_money, format_percent};
use super::{EntityId, Portfolio};
use crate::diagnostic::{BuiltinCode, Diagnostic, Edit, Fix};
use crate::source::Span;
use crate::syntax::ast;

/// Checks the readings in a metric's `history`: each is of the type of the metric's
/// other measurements, dated before `actual`, and on a date of its own. Reports one
/// finding per reading that is not, at the reading, and returns whether there was one:
/// `history` is then present but invalid, and so is every computed field built from it.
pub(super) fn check(declaration: &ast::Entity, entity_id: &str, diagnostics: &mut Vec<Diagnostic>) -> bool {
    let given = |name: &str| declaration.fields.iter().find(|field| field.name.name == name);
    let Some(ast::ValueKind::List(items)) = given("history").map(|field| &field.value.kind) else {
        return false;
    };
    let actual = given("actual").and_then(|field| Reading::of(&field.value));
    // The kind every reading must have: the actual's, else the baseline's, else the target's.
    let reference = ["actual", "baseline", "target"].into_iter().find_map(|name| {
        let field = given(name)?;
        Reading::of(&field.value).map(|reading| (name, reading, field.value.span))
    });
    // Readings that do not convert were reported where they are written.
    let readings: Vec<(usize, &ast::Value, Reading)> = items
        .iter()
        .enumerate()
        .filter_map(|(position, item)| Reading::of(item).map(|reading| (position, item, reading)))
        .collect();
    // The one reading dated after every other, if there is one: the swap with `actual` is
    // then the fix.
    let mut dates: Vec<jiff::civil::Date> = readings.iter().map(|(_, _, reading)| reading.date).collect();
    dates.sort_unstable();
    let latest = match dates.as_slice() {
        [.., before, last] if before < last => Some(*last),
        [only] => Some(*only),
        _ => None,
    };
    let mut found = false;
    // The first valid reading on each date, by its index in `readings`.
    let mut seen: rustc_hash::FxHashMap<jiff::civil::Date, usize> = rustc_hash::FxHashMap::default();
    for (index, (position, item, reading)) in readings.iter().enumerate() {
        let position = *position;
        let finding = if let Some((name, other, span)) =
            reference.as_ref().filter(|(_, other, _)| other.kind != reading.kind)
        {
            Some(wrong_kind(reading, item, (name, other, *span), entity_id))
        } else if let Some(actual) = actual.as_ref().filter(|actual| reading.date >= actual.date) {
            let actual_span = given("actual").map_or(item.span, |field| field.value.span);
            Some(if reading.date == actual.date {
                same_date(reading, item, actual_span, "`actual` is on the same date", entity_id)
                    .with_duplicate_removed(reading, actual, items, position)
            } else {
                let finding = after_actual(reading, item, actual, actual_span, entity_id);
                if latest == Some(reading.date) {
                    finding.with_swap(reading, item.span, actual, actual_span)
                } else {
                    finding
                }
            })
        } else {
            seen.get(&reading.date).and_then(|first| readings.get(*first)).map(|(_, earlier, other)| {
                same_date(reading, item, earlier.span, "first reading on this date", entity_id)
                    .with_duplicate_removed(reading, other, items, position)
            })
        };
        match finding {
            Some(finding) => {
                diagnostics.push(finding);
                found = true;
            }
            None => {
                seen.entry(reading.date).or_insert(index);
            }
        }
    }
    found
}

/// A reading as written: its kind of value, its value shown as a person reads it, and its
/// date.
struct Reading {
    kind: Kind,
    shown: String,
    /// The reading as source text that parses back: `61% @ 2026-09-30`.
    written: String,
    date: jiff::civil::Date,
}

#[derive(PartialEq, Eq)]
enum Kind {
    Number,
    Percent,
    Money(String),
}

impl Kind {
    fn describe(&self) -> String {
        match self {
            Kind::Number => "a number".into(),
            Kind::Percent => "a percent".into(),
            Kind::Money(currency) => format!("money in {currency}"),
        }
    }
}

impl Reading {
    /// The reading a measurement is, unless its value or date does not convert.
    fn of(value: &ast::Value) -> Option<Reading> {
        let ast::ValueKind::Measurement { value, date } = &value.kind else {
            return None;
        };
        // Numbers are written back without the thousands separators people read.
        let (kind, shown, written) = match &value.kind {
            ast::ValueKind::Number(number) => {
                (Kind::Number, format_decimal(*number), number.normalize().to_string())
            }
            ast::ValueKind::Percent(number) => {
                (Kind::Percent, format_percent(*number), format_percent(*number))
            }
            ast::ValueKind::Money { amount, currency } => (
                Kind::Money(currency.to_string()),
                format_money(&Money { amount: *amount, currency: Arc::from(currency.as_str()) }),
                format!("{} {currency}", amount.normalize()),
            ),
            _ => return None,
        };
        Some(Reading { kind, shown, written: format!("{written} @ {date}"), date: date.date()? })
    }

    fn describe(&self) -> String {
        format!("{} @ {}", self.shown, self.date)
    }
}

/// `other` is the measurement the reading disagrees with: its field's name, its reading and
/// where it is written.
fn wrong_kind(
    reading: &Reading,
    item: &ast::Value,
    other: (&str, &Reading, Span),
    entity_id: &str,
) -> Diagnostic {
    let (name, other, other_span) = other;
    let help = match (&reading.kind, &other.kind) {
        (_, Kind::Money(currency)) => {
            format!(
                "record every reading of a metric in one currency: write this one in {currency}, like `{name}`"
            )
        }
        (_, Kind::Percent) => format!(
            "record every reading of a metric in one unit: write this one as a percent, like `{name}`, for example `{}%`",
            reading.shown
        ),
        (_, Kind::Number) => {
            format!("record every reading of a metric in one unit: write this one as a number, like `{name}`")
        }
    };
    Diagnostic::builtin(
        BuiltinCode::TypeMismatch,
        item.span,
        format!(
            "reading `{}` in `history` is {}, but `{name}` is {}",
            reading.describe(),
            reading.kind.describe(),
            other.kind.describe()
        ),
    )
    .with_label(format!("expected {}", other.kind.describe()))
    .with_secondary(other_span, format!("`{name}` is {}", other.describe()))
    .with_help(help)
    .with_entity(entity_id)
}

fn after_actual(
    reading: &Reading,
    item: &ast::Value,
    actual: &Reading,
    actual_span: Span,
    entity_id: &str,
) -> Diagnostic {
    Diagnostic::builtin(
        BuiltinCode::InvalidReading,
        item.span,
        format!("reading `{}` in `history` is later than `actual`", reading.describe()),
    )
    .with_label("dated after the latest reading")
    .with_secondary(actual_span, format!("`actual` is {}", actual.describe()))
    .with_help(format!(
        "`actual` is the latest reading and `history` holds the earlier ones: if `{}` is the latest, make it the `actual` and move `{}` into `history`; otherwise correct its date",
        reading.describe(),
        actual.describe()
    ))
    .with_entity(entity_id)
}

fn same_date(
    reading: &Reading,
    item: &ast::Value,
    other_span: Span,
    other_label: &str,
    entity_id: &str,
) -> Diagnostic {
    Diagnostic::builtin(
        BuiltinCode::InvalidReading,
        item.span,
        format!("metric `{entity_id}` has two readings on {}", reading.date),
    )
    .with_label("a second reading on this date")
    .with_secondary(other_span, other_label)
    .with_help("a metric has one reading per date: remove one of them from `history`, or correct its date")
    .with_entity(entity_id)
}

/// A builder used only here.
trait ReadingFinding {
    fn with_duplicate_removed(
        self,
        reading: &Reading,
        other: &Reading,
        items: &[ast::Value],
        position: usize,
    ) -> Diagnostic;
    fn with_swap(
        self,
        reading: &Reading,
        reading_span: Span,
        actual: &Reading,
        actual_span: Span,
    ) -> Diagnostic;
}

impl ReadingFinding for Diagnostic {
    /// The latest reading, written into `history` by mistake, trades places with `actual`.
    fn with_swap(
        mut self,
        reading: &Reading,
        reading_span: Span,
        actual: &Reading,
        actual_span: Span,
    ) -> Diagnostic {
        self.fix = Some(Fix {
            title: format!(
                "make `{}` the `actual` and move `{}` into `history`",
                reading.describe(),
                actual.describe()
            ),
            edits: vec![
                Edit { span: actual_span, replacement: reading.written.clone() },
                Edit { span: reading_span, replacement: actual.written.clone() },
            ],
        });
        self
    }

    /// A reading that repeats another exactly (same value, same date) can simply go: the
    /// fix removes it from the list, with its comma.
    fn with_duplicate_removed(
        mut self,
        reading: &Reading,
        other: &Reading,
        items: &[ast::Value],
        position: usize,
    ) -> Diagnostic {
        if reading.kind != other.kind || reading.shown != other.shown {
            return self;
        }
        let Some(item) = items.get(position) else {
            return self;
        };
        // Remove from the end of the previous item, or else up to the start of the next one.
        let span =
            match (position.checked_sub(1).and_then(|before| items.get(before)), items.get(position + 1)) {
                (Some(before), _) => {
                    Span { file: item.span.file, start: before.span.end, end: item.span.end }
                }
                (None, Some(after)) => {
                    Span { file: item.span.file, start: item.span.start, end: after.span.start }
                }
                (None, None) => item.span,
            };
        self.fix = Some(Fix {
            title: format!("remove the repeated reading `{}`", reading.describe()),
            edits: vec![Edit { span, replacement: String::new() }],
        });
        self
    }
}

fn measurement(portfolio: &Portfolio, id: EntityId, field: &str) -> Option<Box<Measurement>> {
    match portfolio.get(id, field) {
        Value::Measurement(measurement) => Some(measurement),
        _ => None,
    }
}

/// `history` and `actual`, by date.
pub(super) fn readings(portfolio: &Portfolio, id: EntityId) -> Value {
    let mut readings: Vec<Value> = portfolio.get(id, "history").as_list().to_vec();
    if let Some(actual) = measurement(portfolio, id, "actual") {
        readings.push(Value::Measurement(actual));
    }
    // A stable sort keeps readings written in order in that order.
    readings.sort_by_key(|reading| match reading {
        Value::Measurement(measurement) => Some(measurement.date),
        _ => None,
    });
    Value::List(Arc::from(readings))
}

/// The date of `actual`.
pub(super) fn last_measured(portfolio: &Portfolio, id: EntityId) -> Value {
    measurement(portfolio, id, "actual").map_or(Value::None, |actual| Value::Date(actual.date))
}

/// `improving`, `worsening` or `flat`, from the last two readings and the direction.
pub(super) fn trend(portfolio: &Portfolio, id: EntityId) -> Value {
    let readings = readings(portfolio, id);
    let [.., Value::Measurement(earlier), Value::Measurement(later)] = readings.as_list() else {
        return Value::None;
    };
    let (Some((earlier, earlier_currency)), Some((later, later_currency))) =
        (amount(&earlier.value), amount(&later.value))
    else {
        return Value::None;
    };
    if earlier_currency != later_currency {
        return Value::None;
    }
    let better = match portfolio.get(id, "direction").as_str() {
        Some("increase") => later.cmp(&earlier),
        Some("decrease") => earlier.cmp(&later),
        // Holding a level: nearer the target than before is improving.
        Some("maintain") => {
            let Some(target) = measurement(portfolio, id, "target") else {
                return Value::None;
            };
            let Some((target, target_currency)) = amount(&target.value) else {
                return Value::None;
            };
            if target_currency != later_currency {
                return Value::None;
            }
            let distance = |value: Decimal| value.checked_sub(target).map(|difference| difference.abs());
            match (distance(earlier), distance(later)) {
                (Some(before), Some(now)) => before.cmp(&now),
                _ => return Value::None,
            }
        }
        _ => return Value::None,
    };
    let name = match better {
        std::cmp::Ordering::Greater => "improving",
        std::cmp::Ordering::Less => "worsening",
        std::cmp::Ordering::Equal => "flat",
    };
    TREND
        .iter()
        .position(|value| *value == name)
        .map_or(Value::None, |index| Value::Enum(EnumValue { index: index as u16, name: Arc::from(name) }))
}

/// The value the straight line from baseline to target expects at the actual's date,
/// rounded for people: one decimal place more than the finer of baseline and target
/// (trailing zeros not counted; percents in percentage points), half away from zero.
/// After the target date it is the target itself.
pub(super) fn expected(portfolio: &Portfolio, id: EntityId) -> Result<Value, OutOfRange> {
    let Some(line) = line(portfolio, id)? else {
        return Ok(Value::None);
    };
    let (Some(baseline), Some(target)) =
        (measurement(portfolio, id, "baseline"), measurement(portfolio, id, "target"))
    else {
        return Ok(Value::None);
    };
    let (_, actual_date) = line.series.actual;
    let (_, target_date) = line.series.target;
    if actual_date >= target_date {
        return Ok(Value::Measurement(Box::new(Measurement { value: target.value, date: actual_date })));
    }
    let places = decimal_places(&baseline.value).max(decimal_places(&target.value)).saturating_add(1).min(28);
    let value =
        line.expected.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero).normalize();
    let value = match &baseline.value {
        Value::Percent(_) => Value::Percent(value),
        Value::Money(money) => Value::Money(Money { amount: value, currency: money.currency.clone() }),
        _ => Value::Number(value),
    };
    Ok(Value::Measurement(Box::new(Measurement { value, date: actual_date })))
}

/// The decimal places of a value as shown (a percent in percentage points, so `68%` has
/// none and `99.95%` two), counted in the stored fraction.
fn decimal_places(value: &Value) -> u32 {
    match value {
        // A percent is stored as its fraction: 2 places more than it shows.
        Value::Percent(number) => number.normalize().scale().max(2),
        Value::Number(number) => number.normalize().scale(),
        Value::Money(money) => money.amount.normalize().scale(),
        _ => 0,
    }
}

/// The actual's date plus the cadence: weekly 7 days, monthly 31, quarterly 92, yearly 366.
pub(super) fn reading_due(portfolio: &Portfolio, id: EntityId) -> Value {
    let Some(actual) = measurement(portfolio, id, "actual") else {
        return Value::None;
    };
    let days: i64 = match portfolio.get(id, "cadence").as_str() {
        Some("weekly") => 7,
        Some("monthly") => 31,
        Some("quarterly") => 92,
        Some("yearly") => 366,
        _ => return Value::None,
    };
    actual.date.checked_add(days.days()).map_or(Value::None, Value::Date)
}
