//! Typed values of the resolved model, shared with the rule evaluator.

use rust_decimal::Decimal;
use std::sync::Arc;

use super::EntityId;
use crate::syntax::ast::Duration;

/// An amount of money in one currency.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Money {
    pub amount: Decimal,
    pub currency: Arc<str>,
}

/// A value observed at a date: `68% @ 2025-06-30`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measurement {
    pub value: Value,
    pub date: jiff::civil::Date,
}

/// One value of an enumeration; values of one enum compare by `index`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EnumValue {
    pub index: u16,
    pub name: Arc<str>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Value {
    #[default]
    None,
    Bool(bool),
    Number(Decimal),
    /// `15%` is `0.15`.
    Percent(Decimal),
    Money(Money),
    Date(jiff::civil::Date),
    Duration(Duration),
    Measurement(Box<Measurement>),
    String(Arc<str>),
    Enum(EnumValue),
    Entity(EntityId),
    /// A waiver's `rule:`.
    RuleName(Arc<str>),
    List(Arc<[Value]>),
}

impl Value {
    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    pub fn as_entity(&self) -> Option<EntityId> {
        match self {
            Value::Entity(id) => Some(*id),
            _ => None,
        }
    }

    pub fn as_list(&self) -> &[Value] {
        match self {
            Value::List(items) => items,
            _ => &[],
        }
    }

    pub fn as_date(&self) -> Option<jiff::civil::Date> {
        match self {
            Value::Date(date) => Some(*date),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) | Value::RuleName(text) => Some(text),
            Value::Enum(value) => Some(&value.name),
            _ => None,
        }
    }

    pub fn as_money(&self) -> Option<&Money> {
        match self {
            Value::Money(money) => Some(money),
            _ => None,
        }
    }
}

/// `1200000` → `1,200,000`; `-3.50` → `-3.5`. Exact: no float ever shows.
pub fn format_decimal(value: Decimal) -> String {
    let normalized = value.normalize();
    let text = normalized.abs().to_string();
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole.to_string(), Some(fraction.to_string())),
        None => (text, None),
    };
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if normalized.is_sign_negative() && !normalized.is_zero() { "-" } else { "" };
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}

/// `0.15` → `15%`.
///
/// The decimal point moves two places in the digits rather than the value being
/// multiplied by 100, which would overflow for the largest percents.
pub fn format_percent(value: Decimal) -> String {
    let normalized = value.normalize();
    let text = normalized.abs().to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut moved: Vec<char> = fraction.chars().chain(std::iter::repeat('0')).take(2).collect();
    let rest: String = fraction.chars().skip(2).collect();
    moved.splice(0..0, whole.chars());
    let whole: String = moved.into_iter().collect();
    let whole = match whole.trim_start_matches('0') {
        "" => "0",
        digits => digits,
    };
    let rest = rest.trim_end_matches('0');
    let sign = if normalized.is_sign_negative() && !normalized.is_zero() { "-" } else { "" };
    if rest.is_empty() { format!("{sign}{whole}%") } else { format!("{sign}{whole}.{rest}%") }
}

pub fn format_money(money: &Money) -> String {
    format!("{} {}", format_decimal(money.amount), money.currency)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn decimals_render_exactly_with_grouping() {
        let parse = |text: &str| Decimal::from_str(text).unwrap();
        assert_eq!(format_decimal(parse("1200000")), "1,200,000");
        assert_eq!(format_decimal(parse("-3.50")), "-3.5");
        assert_eq!(format_decimal(parse("999")), "999");
        assert_eq!(format_percent(parse("0.15")), "15%");
        assert_eq!(format_percent(parse("0.125")), "12.5%");
        assert_eq!(format_percent(parse("0")), "0%");
        assert_eq!(format_percent(parse("1")), "100%");
        assert_eq!(format_percent(parse("-0.005")), "-0.5%");
        assert_eq!(format_percent(parse("0.0000000000000000000000000001")), "0.00000000000000000000000001%");
        assert_eq!(format_percent(parse("12.3")), "1230%");
        assert_eq!(
            format_percent(parse("-79228162514264337593543950335")),
            "-7922816251426433759354395033500%"
        );
    }
}
