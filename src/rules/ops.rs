//! Operations on values at run time: equality, ordering and arithmetic with the `none`,
//! money, percent, date and duration semantics of LANGUAGE.md §4.
//!
//! Operations never panic. Money of two currencies meets through the base currency of
//! `charter.toml`'s `[money]` when both have a rate (see [`crate::model::currency`]);
//! without a rate, mixing currencies (and the few combinations the type checker cannot
//! rule out statically) is an [`OpError`], which the evaluator turns into a
//! `charter::rule_error` at the expression.

use rust_decimal::Decimal;
use std::cmp::Ordering;
use std::sync::Arc;

use crate::model::currency::{ConvertError, Rates};
use crate::model::value::{Money, Value};
use crate::syntax::ast::{BinaryOp, Duration, DurationUnit};

/// Why an operation has no value: a sentence naming what was mixed, and, when a rate
/// was missing, what `charter.toml` lacks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OpError(pub String, pub Option<Box<RateNote>>);

/// Money of two currencies met without a rate to convert one into the other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RateNote {
    /// "charter.toml has no rate for `EUR`".
    pub detail: String,
    /// What to add to `charter.toml`.
    pub fix: String,
}

impl OpError {
    fn new(message: impl Into<String>) -> OpError {
        OpError(message.into(), None)
    }
}

type OpResult<T> = Result<T, OpError>;

/// Whether a value counts as true in a boolean position (`none` counts as false).
pub(crate) fn truthy(value: &Value) -> bool {
    matches!(value, Value::Bool(true))
}

/// `a == b`. `none` equals only `none`.
pub(crate) fn equals(left: &Value, right: &Value, rates: &Rates) -> OpResult<bool> {
    use Value as V;
    Ok(match (left, right) {
        (V::None, V::None) => true,
        (V::None, _) | (_, V::None) => false,
        (V::Number(a) | V::Percent(a), V::Number(b) | V::Percent(b)) => a == b,
        (V::Money(a), V::Money(b)) => {
            let (a, b, _) = align(a, b, "compare", rates)?;
            a == b
        }
        (V::Money(money), V::Number(number)) | (V::Number(number), V::Money(money)) => {
            zero_with_money(*number, money, "compare")?;
            money.amount.is_zero()
        }
        // Values of one enum type (the type checker sees to that) differ when their
        // indexes do; the names are compared only to confirm, as they live apart.
        (V::Enum(a), V::Enum(b)) => a.index == b.index && a.name == b.name,
        (V::Entity(a), V::Entity(b)) => a == b,
        (V::String(a) | V::RuleName(a), V::String(b) | V::RuleName(b)) => a == b,
        (V::Duration(a), V::Duration(b)) => days(*a)? == days(*b)?,
        (V::List(a), V::List(b)) => {
            if a.len() != b.len() {
                return Ok(false);
            }
            for (x, y) in a.iter().zip(b.iter()) {
                if !equals(x, y, rates)? {
                    return Ok(false);
                }
            }
            true
        }
        (a, b) => a == b,
    })
}

/// The order of `a` and `b`, or `None` when either is `none`.
pub(crate) fn compare(left: &Value, right: &Value, rates: &Rates) -> OpResult<Option<Ordering>> {
    use Value as V;
    Ok(Some(match (left, right) {
        (V::None, _) | (_, V::None) => return Ok(None),
        (V::Number(a) | V::Percent(a), V::Number(b) | V::Percent(b)) => a.cmp(b),
        (V::Money(a), V::Money(b)) => {
            let (a, b, _) = align(a, b, "compare", rates)?;
            a.cmp(&b)
        }
        (V::Money(money), V::Number(number)) => {
            zero_with_money(*number, money, "compare")?;
            money.amount.cmp(number)
        }
        (V::Number(number), V::Money(money)) => {
            zero_with_money(*number, money, "compare")?;
            number.cmp(&money.amount)
        }
        (V::Date(a), V::Date(b)) => a.cmp(b),
        (V::Duration(a), V::Duration(b)) => days(*a)?.cmp(&days(*b)?),
        (V::Enum(a), V::Enum(b)) => a.index.cmp(&b.index),
        (V::String(a), V::String(b)) => a.cmp(b),
        (a, b) => return Err(OpError::new(format!("cannot order {} and {}", kind(a), kind(b)))),
    }))
}

/// Whether `item` is in `list` (`false` when either is `none`).
pub(crate) fn contains(list: &Value, item: &Value, rates: &Rates) -> OpResult<bool> {
    if item.is_none() {
        return Ok(false);
    }
    match list {
        Value::List(items) => {
            for candidate in items.iter() {
                if equals(candidate, item, rates)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Value::String(text) => Ok(item.as_str().is_some_and(|needle| text.contains(needle))),
        _ => Ok(false),
    }
}

/// `a + b`, `a - b`, `a * b`, `a / b`. `none` operands and division by zero give `none`;
/// a result beyond the range of numbers (or of dates) is an [`OpError`], never a wrong
/// number.
pub(crate) fn arithmetic(op: BinaryOp, left: &Value, right: &Value, rates: &Rates) -> OpResult<Value> {
    use Value as V;
    if left.is_none() || right.is_none() {
        return Ok(V::None);
    }
    let symbol = op.as_str();
    let result = match (op, left, right) {
        (_, V::Number(_) | V::Percent(_), V::Number(_) | V::Percent(_)) => numeric(op, left, right)?,
        (BinaryOp::Add | BinaryOp::Sub, V::Money(a), V::Money(b)) => {
            let (a, b, currency) = align(a, b, if op == BinaryOp::Add { "add" } else { "subtract" }, rates)?;
            decimal(op, a, b)?.map(|amount| money(amount, &currency))
        }
        (BinaryOp::Add | BinaryOp::Sub, V::Money(m), V::Number(n)) => {
            zero_with_money(*n, m, "add")?;
            Some(left.clone())
        }
        (BinaryOp::Add, V::Number(n), V::Money(m)) => {
            zero_with_money(*n, m, "add")?;
            Some(right.clone())
        }
        (BinaryOp::Sub, V::Number(n), V::Money(m)) => {
            zero_with_money(*n, m, "subtract")?;
            Some(money(-m.amount, &m.currency))
        }
        (BinaryOp::Mul, V::Money(m), V::Number(n) | V::Percent(n))
        | (BinaryOp::Mul, V::Number(n) | V::Percent(n), V::Money(m)) => {
            decimal(op, m.amount, *n)?.map(|amount| money(amount, &m.currency))
        }
        (BinaryOp::Div, V::Money(a), V::Money(b)) => {
            let (a, b, _) = align(a, b, "divide", rates)?;
            decimal(op, a, b)?.map(V::Number)
        }
        (BinaryOp::Div, V::Money(m), V::Number(n) | V::Percent(n)) => {
            decimal(op, m.amount, *n)?.map(|amount| money(amount, &m.currency))
        }
        // The `0` of an empty `sum()` stands for money of any currency: 0 ÷ money = 0.
        (BinaryOp::Div, V::Number(n), V::Money(m)) => {
            zero_with_money(*n, m, "divide")?;
            decimal(op, *n, m.amount)?.map(V::Number)
        }
        (BinaryOp::Sub, V::Date(a), V::Date(b)) => Some(V::Duration(Duration {
            amount: i64::from(b.until(*a).map_or(0, |span| span.get_days())),
            unit: DurationUnit::Days,
        })),
        (BinaryOp::Add, V::Date(date), V::Duration(duration))
        | (BinaryOp::Add, V::Duration(duration), V::Date(date)) => Some(shift(*date, *duration, 1, symbol)?),
        (BinaryOp::Sub, V::Date(date), V::Duration(duration)) => Some(shift(*date, *duration, -1, symbol)?),
        (BinaryOp::Add | BinaryOp::Sub, V::Duration(a), V::Duration(b)) => {
            let (a, b) = (days(*a)?, days(*b)?);
            let amount = if op == BinaryOp::Add { a.checked_add(b) } else { a.checked_sub(b) };
            let amount = amount.ok_or_else(|| overflow(symbol, Range::Durations))?;
            Some(V::Duration(Duration { amount, unit: DurationUnit::Days }))
        }
        (BinaryOp::Add, V::String(a), V::String(b)) => Some(V::String(Arc::from(format!("{a}{b}")))),
        (_, a, b) => {
            return Err(OpError::new(format!("cannot apply `{symbol}` to {} and {}", kind(a), kind(b))));
        }
    };
    Ok(result.unwrap_or(V::None))
}

/// Negation of numbers, percents, money and durations. Decimals are symmetric around
/// zero, so only a duration can fall out of range.
pub(crate) fn negate(value: &Value) -> OpResult<Value> {
    Ok(match value {
        Value::None => Value::None,
        Value::Number(number) => Value::Number(-*number),
        Value::Percent(number) => Value::Percent(-*number),
        Value::Money(m) => money(-m.amount, &m.currency),
        Value::Duration(duration) => Value::Duration(Duration {
            amount: duration.amount.checked_neg().ok_or_else(|| overflow("-", Range::Durations))?,
            unit: duration.unit,
        }),
        other => return Err(OpError::new(format!("cannot negate {}", kind(other)))),
    })
}

/// Numbers and percents: a percent operand makes the result a percent, except that a
/// ratio of two percents (or a number over a percent) is a number.
fn numeric(op: BinaryOp, left: &Value, right: &Value) -> OpResult<Option<Value>> {
    let (Value::Number(a) | Value::Percent(a), Value::Number(b) | Value::Percent(b)) = (left, right) else {
        return Ok(None);
    };
    let left_percent = matches!(left, Value::Percent(_));
    let right_percent = matches!(right, Value::Percent(_));
    let percent = match op {
        BinaryOp::Div => left_percent && !right_percent,
        _ => left_percent || right_percent,
    };
    Ok(decimal(op, *a, *b)?
        .map(|result| if percent { Value::Percent(result) } else { Value::Number(result) }))
}

/// `a op b` on decimals: `None` for a division by zero (which gives `none`), an error
/// when the result is out of range.
fn decimal(op: BinaryOp, a: Decimal, b: Decimal) -> OpResult<Option<Decimal>> {
    let result = match op {
        BinaryOp::Add => a.checked_add(b),
        BinaryOp::Sub => a.checked_sub(b),
        BinaryOp::Mul => a.checked_mul(b),
        BinaryOp::Div if b.is_zero() => return Ok(None),
        BinaryOp::Div => a.checked_div(b),
        _ => return Ok(None),
    };
    result.map(Some).ok_or_else(|| overflow(op.as_str(), Range::Numbers))
}

/// The error of an operation whose result does not fit. It names the operator and the
/// range, not the operands, so that one rule's overflows on many subjects read alike.
fn overflow(symbol: &str, range: Range) -> OpError {
    let beyond = match range {
        Range::Numbers => "beyond ±79,228,162,514,264,337,593,543,950,335, the largest number",
        Range::Dates => "a date outside the calendar (years -9999 to 9999)",
        Range::Durations => "a duration too long to count in days",
    };
    OpError::new(format!("`{symbol}` overflows: the result is {beyond}"))
}

/// What an overflowing result left.
#[derive(Clone, Copy)]
enum Range {
    Numbers,
    Dates,
    Durations,
}

fn money(amount: Decimal, currency: &Arc<str>) -> Value {
    Value::Money(Money { amount, currency: currency.clone() })
}

/// The amounts of `a` and `b` in one currency: their own when they share it, else both
/// converted to the base currency (each rounded to its minor unit).
fn align(a: &Money, b: &Money, verb: &str, rates: &Rates) -> OpResult<(Decimal, Decimal, Arc<str>)> {
    if a.currency == b.currency {
        return Ok((a.amount, b.amount, a.currency.clone()));
    }
    let failed = |error: ConvertError| match error {
        ConvertError::Overflow => overflow("×", Range::Numbers),
        ConvertError::Missing(_) => OpError(
            format!("cannot {verb} money in `{}` and `{}`", a.currency, b.currency),
            Some(Box::new(rate_note(rates, [&a.currency, &b.currency]))),
        ),
    };
    let left = rates.to_base(a).map_err(failed)?;
    let right = rates.to_base(b).map_err(failed)?;
    Ok((left.amount, right.amount, left.currency))
}

/// `money` in the currency `to`, for `money.convert("EUR")`.
pub(crate) fn convert(money: &Money, to: &Arc<str>, rates: &Rates) -> OpResult<Value> {
    match rates.convert(money, to) {
        Ok(converted) => Ok(Value::Money(converted)),
        Err(ConvertError::Overflow) => Err(overflow("×", Range::Numbers)),
        Err(ConvertError::Missing(_)) => Err(OpError(
            format!("cannot convert money in `{}` to `{to}`", money.currency),
            Some(Box::new(rate_note(rates, [&money.currency, to]))),
        )),
    }
}

/// What `charter.toml` lacks to convert between two currencies: their missing rates, and
/// the `[money]` to add (with the first currency as its base when there is none).
fn rate_note(rates: &Rates, currencies: [&Arc<str>; 2]) -> RateNote {
    let [first, _] = currencies;
    let base = rates.base.clone().unwrap_or_else(|| first.clone());
    let missing = rates.missing(currencies);
    let missing: Vec<&Arc<str>> = missing.iter().filter(|code| **code != base).collect();
    let names: Vec<String> = missing.iter().map(|code| format!("`{code}`")).collect();
    let detail = match names.split_last() {
        Some((last, [])) => format!("charter.toml has no rate for {last}"),
        Some((last, rest)) => format!("charter.toml has no rates for {} and {last}", rest.join(", ")),
        None => "charter.toml has no `[money]` base currency".to_string(),
    };
    let entries: Vec<String> =
        missing.iter().map(|code| format!("{code} = <value of 1 {code} in {base}>")).collect();
    let fix = if rates.is_set() {
        format!("add `{}` to `rates` under `[money]` in charter.toml", entries.join(", "))
    } else {
        format!(
            "add `[money]` with `base = \"{base}\"` and `rates = {{ {} }}` to charter.toml",
            entries.join(", ")
        )
    };
    RateNote { detail, fix }
}

/// Only the number `0` mixes with money.
fn zero_with_money(number: Decimal, money: &Money, verb: &str) -> OpResult<()> {
    if number.is_zero() {
        Ok(())
    } else {
        Err(OpError::new(format!(
            "cannot {verb} money in `{}` and the plain number {}",
            money.currency,
            number.normalize()
        )))
    }
}

/// A duration in days: 1w = 7d, 1mo = 30d, 1y = 365d; an error when that many days do
/// not fit 64 bits.
pub(crate) fn days(duration: Duration) -> OpResult<i64> {
    let factor = match duration.unit {
        DurationUnit::Days => 1,
        DurationUnit::Weeks => 7,
        DurationUnit::Months => 30,
        DurationUnit::Years => 365,
    };
    duration
        .amount
        .checked_mul(factor)
        .ok_or_else(|| OpError::new(format!("the duration `{}` is too long to count in days", duration)))
}

/// `date ± duration`, calendar-aware: adding a month clamps to the month's end. A date
/// beyond the calendar's range (years -9999 to 9999) is an error.
fn shift(date: jiff::civil::Date, duration: Duration, sign: i64, symbol: &str) -> OpResult<Value> {
    let out_of_range = || overflow(symbol, Range::Dates);
    let amount = duration.amount.checked_mul(sign).ok_or_else(out_of_range)?;
    let span = match duration.unit {
        DurationUnit::Days => jiff::Span::new().try_days(amount),
        DurationUnit::Weeks => jiff::Span::new().try_weeks(amount),
        DurationUnit::Months => jiff::Span::new().try_months(amount),
        DurationUnit::Years => jiff::Span::new().try_years(amount),
    }
    .map_err(|_| out_of_range())?;
    date.checked_add(span).map(Value::Date).map_err(|_| out_of_range())
}

/// The kind of a value, for error messages.
pub(crate) fn kind(value: &Value) -> String {
    match value {
        Value::None => "`none`".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(_) => "a number".into(),
        Value::Percent(_) => "a percent".into(),
        Value::Money(m) => format!("money in `{}`", m.currency),
        Value::Date(_) => "a date".into(),
        Value::Duration(_) => "a duration".into(),
        Value::Measurement(_) => "a measurement".into(),
        Value::String(_) => "a string".into(),
        Value::Enum(_) => "an enum value".into(),
        Value::Entity(_) => "an entity".into(),
        Value::RuleName(_) => "a rule name".into(),
        Value::List(_) => "a list".into(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::str::FromStr;

    fn equals(left: &Value, right: &Value) -> OpResult<bool> {
        super::equals(left, right, &Rates::default())
    }

    fn compare(left: &Value, right: &Value) -> OpResult<Option<Ordering>> {
        super::compare(left, right, &Rates::default())
    }

    fn arithmetic(op: BinaryOp, left: &Value, right: &Value) -> OpResult<Value> {
        super::arithmetic(op, left, right, &Rates::default())
    }

    fn number(text: &str) -> Value {
        Value::Number(Decimal::from_str(text).unwrap())
    }

    fn usd(text: &str) -> Value {
        money(Decimal::from_str(text).unwrap(), &Arc::from("USD"))
    }

    fn date(text: &str) -> Value {
        Value::Date(text.parse().unwrap())
    }

    fn duration(amount: i64, unit: DurationUnit) -> Value {
        Value::Duration(Duration { amount, unit })
    }

    #[test]
    fn none_compares_false_and_equals_only_none() {
        assert_eq!(compare(&Value::None, &number("1")).unwrap(), None);
        assert!(equals(&Value::None, &Value::None).unwrap());
        assert!(!equals(&Value::None, &number("0")).unwrap());
        assert_eq!(arithmetic(BinaryOp::Add, &Value::None, &number("1")).unwrap(), Value::None);
    }

    #[test]
    fn division_by_zero_is_none() {
        assert_eq!(arithmetic(BinaryOp::Div, &number("1"), &number("0")).unwrap(), Value::None);
        assert_eq!(arithmetic(BinaryOp::Div, &usd("10"), &number("0")).unwrap(), Value::None);
    }

    #[test]
    fn overflow_is_an_error_not_none() {
        let max = number("79228162514264337593543950335");
        let error = arithmetic(BinaryOp::Add, &max, &number("1")).unwrap_err();
        assert!(error.0.starts_with("`+` overflows"), "{error:?}");
        assert!(arithmetic(BinaryOp::Mul, &usd("79228162514264337593543950335"), &number("2")).is_err());
        assert!(arithmetic(BinaryOp::Div, &max, &number("0.5")).is_err());
        assert!(arithmetic(BinaryOp::Sub, &usd("-79228162514264337593543950335"), &usd("1")).is_err());
        let far = arithmetic(BinaryOp::Add, &date("2026-01-01"), &duration(10_000, DurationUnit::Years));
        assert!(far.unwrap_err().0.contains("calendar"));
        let shortest = duration(i64::MIN, DurationUnit::Days);
        assert!(negate(&shortest).is_err());
        let longest = duration(i64::MAX, DurationUnit::Years);
        assert!(compare(&longest, &duration(1, DurationUnit::Days)).is_err());
    }

    #[test]
    fn money_mixes_only_with_its_currency_and_zero() {
        let eur = money(Decimal::ONE, &Arc::from("EUR"));
        let error = arithmetic(BinaryOp::Add, &usd("1"), &eur).unwrap_err();
        assert!(error.0.contains("`USD` and `EUR`"), "{error:?}");
        assert_eq!(arithmetic(BinaryOp::Add, &usd("5"), &number("0")).unwrap(), usd("5"));
        assert!(arithmetic(BinaryOp::Add, &usd("5"), &number("1")).is_err());
        assert_eq!(arithmetic(BinaryOp::Div, &usd("5"), &usd("10")).unwrap(), number("0.5"));
        assert_eq!(
            arithmetic(BinaryOp::Mul, &Value::Percent(Decimal::from_str("0.1").unwrap()), &usd("50"))
                .unwrap(),
            usd("5.0")
        );
    }

    #[test]
    fn months_clamp_to_the_month_end() {
        let shifted =
            arithmetic(BinaryOp::Add, &date("2026-01-31"), &duration(1, DurationUnit::Months)).unwrap();
        assert_eq!(shifted, date("2026-02-28"));
        let back =
            arithmetic(BinaryOp::Sub, &date("2024-03-31"), &duration(1, DurationUnit::Months)).unwrap();
        assert_eq!(back, date("2024-02-29"));
        let between = arithmetic(BinaryOp::Sub, &date("2026-03-01"), &date("2026-02-01")).unwrap();
        assert_eq!(between, duration(28, DurationUnit::Days));
    }

    #[test]
    fn durations_compare_by_days() {
        let month = duration(1, DurationUnit::Months);
        assert!(equals(&month, &duration(30, DurationUnit::Days)).unwrap());
        assert_eq!(
            compare(&duration(1, DurationUnit::Years), &duration(52, DurationUnit::Weeks)).unwrap(),
            Some(Ordering::Greater)
        );
    }

    #[test]
    fn percents_win_over_numbers_except_in_ratios() {
        let ten = Value::Percent(Decimal::from_str("0.1").unwrap());
        assert!(matches!(arithmetic(BinaryOp::Add, &ten, &number("0.05")).unwrap(), Value::Percent(_)));
        assert!(matches!(arithmetic(BinaryOp::Div, &ten, &ten).unwrap(), Value::Number(_)));
        assert!(equals(&ten, &number("0.1")).unwrap());
    }
}
