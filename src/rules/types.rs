//! The static types of rule expressions and the compatibility rules between them.

use std::sync::Arc;

use crate::model::schema::{EnumType, Type};

/// The type of a rule expression, as the checker infers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    /// Not known statically (after an error, or a `none` literal's partner): everything
    /// is accepted and the evaluator decides at run time.
    Unknown,
    /// The `none` literal: compatible with every type.
    None,
    Bool,
    Number,
    Percent,
    Money,
    Date,
    Duration,
    Measurement,
    /// A measurement's `.value`: a number, a percent or money.
    Quantity,
    String,
    Enum(Arc<EnumType>),
    /// An entity of the named kind (`"any"`: of any kind).
    Entity(Arc<str>),
    RuleName,
    List(Box<Ty>),
}

impl Ty {
    /// The type of a schema field's value.
    pub(crate) fn of_field(ty: &Type) -> Ty {
        match ty {
            Type::String => Ty::String,
            Type::Bool => Ty::Bool,
            Type::Number => Ty::Number,
            Type::Percent => Ty::Percent,
            Type::Money => Ty::Money,
            Type::Date => Ty::Date,
            Type::Duration => Ty::Duration,
            Type::Measurement => Ty::Measurement,
            Type::Ref(kind) => Ty::Entity(kind.clone()),
            Type::List(item) => Ty::List(Box::new(Ty::of_field(item))),
            Type::Enum(enumeration) => Ty::Enum(enumeration.clone()),
            Type::RuleName => Ty::RuleName,
        }
    }

    pub(crate) fn list(item: Ty) -> Ty {
        Ty::List(Box::new(item))
    }

    /// How the type is named in error messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Ty::Unknown => "unknown".into(),
            Ty::None => "none".into(),
            Ty::Bool => "bool".into(),
            Ty::Number => "number".into(),
            Ty::Percent => "percent".into(),
            Ty::Money => "money".into(),
            Ty::Date => "date".into(),
            Ty::Duration => "duration".into(),
            Ty::Measurement => "measurement".into(),
            Ty::Quantity => "number, percent or money".into(),
            Ty::String => "string".into(),
            Ty::Enum(enumeration) => format!("enum [{}]", enumeration.values.join(", ")),
            Ty::Entity(kind) if &**kind == "any" => "entity".into(),
            Ty::Entity(kind) => kind.to_string(),
            Ty::RuleName => "rule name".into(),
            Ty::List(item) => format!("[{}]", item.describe()),
        }
    }

    /// Unknown or none: anything goes.
    pub(crate) fn is_open(&self) -> bool {
        matches!(self, Ty::Unknown | Ty::None)
    }

    pub(crate) fn is_numeric(&self) -> bool {
        matches!(self, Ty::Number | Ty::Percent | Ty::Quantity)
    }

    /// The item type of a list, `Unknown` for open types, `None` for non-lists.
    pub(crate) fn item(&self) -> Option<Ty> {
        match self {
            Ty::List(item) => Some((**item).clone()),
            Ty::Unknown | Ty::None => Some(Ty::Unknown),
            _ => None,
        }
    }

    /// The enum type this type carries (directly or as list items), to type bare names.
    pub(crate) fn enumeration(&self) -> Option<&Arc<EnumType>> {
        match self {
            Ty::Enum(enumeration) => Some(enumeration),
            Ty::List(item) => item.enumeration(),
            _ => None,
        }
    }
}

/// Whether values of the two types may be compared with `==` and `!=`.
pub(crate) fn comparable(left: &Ty, right: &Ty) -> bool {
    if left.is_open() || right.is_open() {
        return true;
    }
    match (left, right) {
        (Ty::Quantity, Ty::Number | Ty::Percent | Ty::Money | Ty::Quantity)
        | (Ty::Number | Ty::Percent | Ty::Money, Ty::Quantity) => true,
        (a, b) if a.is_numeric() && b.is_numeric() => true,
        (Ty::Money, Ty::Money) => true,
        (Ty::Enum(a), Ty::Enum(b)) => a == b,
        (Ty::Entity(a), Ty::Entity(b)) => a == b || &**a == "any" || &**b == "any",
        (Ty::String | Ty::RuleName, Ty::String | Ty::RuleName) => true,
        (Ty::List(a), Ty::List(b)) => comparable(a, b),
        (a, b) => a == b,
    }
}

/// Whether values of the two types may be ordered with `< <= > >=`.
pub(crate) fn orderable(left: &Ty, right: &Ty) -> bool {
    let ordered = |ty: &Ty| {
        matches!(
            ty,
            Ty::Unknown
                | Ty::None
                | Ty::Number
                | Ty::Percent
                | Ty::Quantity
                | Ty::Money
                | Ty::Date
                | Ty::Duration
                | Ty::Enum(_)
                | Ty::String
        )
    };
    ordered(left) && ordered(right) && comparable(left, right)
}
