//! The evaluator: runs resolved expressions over a portfolio.
//!
//! Evaluation always terminates: the language has no recursion and iterates only over
//! finite lists. Sub-expressions that do not depend on the subject are computed once per
//! rule and cached (see [`Node::hoisted`]). Finite is not the same as fast, though: nested
//! iterations multiply, so every evaluation of a rule on a subject runs under a
//! [`Budget`] of steps and memory, and stops with an error when it runs out.

use rust_decimal::Decimal;
use std::borrow::Cow;
use std::sync::Arc;

use super::ir::{Global, Member, Method, Node, NodeKind};
use super::ops::{self, OpError, RateNote, truthy};
use super::template::{Piece, Template};
use crate::model::currency::Rates;
use crate::model::given::{FieldIndex, Given, KindLists};
use crate::model::value::{Value, format_decimal, format_money, format_percent};
use crate::model::{EntityId, Portfolio};
use crate::source::Span;
use crate::syntax::ast::{BinaryOp, DurationUnit, UnaryOp};

/// An expression that could not be evaluated (money of two currencies mixed), or an
/// evaluation that ran out of budget or was cancelled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EvalError {
    pub span: Span,
    pub message: String,
    pub kind: ErrorKind,
    /// Money of two currencies met without a rate: what `charter.toml` lacks.
    pub rate: Option<Box<RateNote>>,
}

impl EvalError {
    /// A budget error is about the part of the rule that ran out (its `where`, a `let`, a
    /// `require`), not about the node where the last step happened to be spent.
    pub(crate) fn within(mut self, span: Span) -> EvalError {
        if matches!(self.kind, ErrorKind::Budget(_)) {
            self.span = span;
        }
        self
    }
}

/// Why an evaluation stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    /// A value the operation does not accept (the message says which).
    Value,
    /// The rule used up one of its budgets on the subject.
    Budget(Limit),
    /// The caller asked to stop (see [`super::Cancelled`]).
    Cancelled,
    /// The rule read a field that is present but invalid ([`Portfolio::invalid`]): the
    /// subject is skipped without a finding, since the field's own finding is the one
    /// to fix.
    Invalid,
}

/// The number of steps one rule may take on one subject: every expression node evaluated
/// and every item a method visits is a step. The std rules take at most a few thousand
/// steps per subject on a 10,000-project portfolio; a release build runs this many in
/// well under a second.
pub const STEP_LIMIT: u64 = 10_000_000;

/// The memory one rule may allocate on one subject, in bytes: every list item built (by a
/// literal, `filter`, `map` or a member of a list) counts as [`ITEM_BYTES`], every string
/// built (by `+` or a template) counts its length.
pub const MEMORY_LIMIT: u64 = 64 * 1024 * 1024;

/// What one list item counts against [`MEMORY_LIMIT`]: the size of a value.
pub const ITEM_BYTES: u64 = std::mem::size_of::<Value>() as u64;

/// How often (in steps) a long evaluation asks whether it has been cancelled.
const CANCEL_INTERVAL: u64 = 1 << 16;

/// Which budget an evaluation ran out of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Limit {
    Steps,
    Memory,
}

impl Limit {
    /// The budget as messages name it: "10,000,000 steps", "64 MiB of memory".
    pub(crate) fn describe(self) -> String {
        match self {
            Limit::Steps => format!("{} steps", group_digits(STEP_LIMIT)),
            Limit::Memory => format!("{} MiB of memory", MEMORY_LIMIT / (1024 * 1024)),
        }
    }
}

/// `10000000` as `10,000,000`.
fn group_digits(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// What is left of a rule's budget on the current subject.
#[derive(Clone, Copy, Debug)]
struct Budget {
    steps: u64,
    memory: u64,
    /// Steps until the next cancellation check.
    until_cancel_check: u64,
}

impl Budget {
    fn full() -> Budget {
        Budget { steps: STEP_LIMIT, memory: MEMORY_LIMIT, until_cancel_check: CANCEL_INTERVAL }
    }
}

pub(crate) type EvalResult = Result<Value, EvalError>;

/// A value borrowed from the portfolio, the rule or the globals where possible: reading a
/// field clones nothing (cloning touched reference counts in cold memory and dominated
/// evaluation on large portfolios).
pub(crate) type Val<'a> = Cow<'a, Value>;

type ValResult<'a> = Result<Val<'a>, EvalError>;

/// What every rule of one evaluation shares: the global lists of the portfolio (every
/// non-broken entity of each kind) and the index of given fields, both the portfolio's
/// own ([`Portfolio::field_index`]), and the rates of `charter.toml`.
#[derive(Debug)]
pub(crate) struct Globals {
    lists: Arc<KindLists>,
    fields: Arc<FieldIndex>,
    /// `[money]` of `charter.toml`: how money of two currencies meets.
    rates: Rates,
}

impl Globals {
    /// `fields` are the field names the rules read (see [`super::Engine`]).
    pub(crate) fn new(portfolio: &Portfolio, fields: &[Arc<str>], rates: &Rates) -> Globals {
        Globals { lists: portfolio.kind_lists(), fields: portfolio.field_index(fields), rates: rates.clone() }
    }

    fn get(&self, kind: &str) -> Val<'_> {
        self.lists.get(kind).map_or_else(|| Cow::Owned(Value::List(Arc::from(Vec::new()))), Cow::Borrowed)
    }
}

/// The entities a `for KIND VAR` rule examines: every non-broken entity of the kind.
pub(crate) fn subjects<'a>(portfolio: &'a Portfolio, kind: &str) -> impl Iterator<Item = EntityId> + 'a {
    portfolio
        .of_kind(kind)
        .iter()
        .copied()
        .filter(move |id| portfolio.entity(*id).is_some_and(|entity| !entity.broken))
}

/// Evaluates the expressions of one rule; holds its variables, its cache and what is left
/// of its budget on the current subject.
pub(crate) struct Evaluator<'a> {
    pub portfolio: &'a Portfolio,
    globals: &'a Globals,
    today: jiff::civil::Date,
    pub slots: Vec<Value>,
    cache: Vec<Option<EvalResult>>,
    budget: Budget,
    cancelled: Option<super::Cancelled<'a>>,
}

impl<'a> Evaluator<'a> {
    pub(crate) fn new(
        portfolio: &'a Portfolio,
        globals: &'a Globals,
        today: jiff::civil::Date,
        slots: usize,
        hoisted: usize,
    ) -> Evaluator<'a> {
        Evaluator {
            portfolio,
            globals,
            today,
            slots: vec![Value::None; slots.max(1)],
            cache: vec![None; hoisted],
            budget: Budget::full(),
            cancelled: None,
        }
    }

    /// Makes long evaluations ask `cancelled` every so often, and stop when it says so.
    pub(crate) fn with_cancel(mut self, cancelled: super::Cancelled<'a>) -> Evaluator<'a> {
        self.cancelled = Some(cancelled);
        self
    }

    /// Gives the evaluator a full budget: called before each subject.
    pub(crate) fn refill(&mut self) {
        self.budget = Budget::full();
    }

    /// Spends `steps` steps of the budget; fails at `node` when it runs out, or when the
    /// caller has cancelled.
    fn spend(&mut self, node: &Node, steps: u64) -> Result<(), EvalError> {
        let Some(left) = self.budget.steps.checked_sub(steps) else {
            self.budget.steps = 0;
            return Err(Self::exhausted(node, Limit::Steps));
        };
        self.budget.steps = left;
        match self.budget.until_cancel_check.checked_sub(steps) {
            Some(left) => self.budget.until_cancel_check = left,
            None => {
                self.budget.until_cancel_check = CANCEL_INTERVAL;
                if self.cancelled.is_some_and(|cancelled| cancelled()) {
                    return Err(EvalError {
                        span: node.span,
                        message: "cancelled".into(),
                        kind: ErrorKind::Cancelled,
                        rate: None,
                    });
                }
            }
        }
        Ok(())
    }

    /// Spends `bytes` of the memory budget, before allocating them.
    fn allocate(&mut self, node: &Node, bytes: u64) -> Result<(), EvalError> {
        match self.budget.memory.checked_sub(bytes) {
            Some(left) => {
                self.budget.memory = left;
                Ok(())
            }
            None => {
                self.budget.memory = 0;
                Err(Self::exhausted(node, Limit::Memory))
            }
        }
    }

    /// Spends the memory of `items` list items.
    fn allocate_items(&mut self, node: &Node, items: usize) -> Result<(), EvalError> {
        self.allocate(node, ITEM_BYTES.saturating_mul(count(items)))
    }

    fn exhausted(node: &Node, limit: Limit) -> EvalError {
        EvalError {
            span: node.span,
            message: format!("exceeded its evaluation budget of {}", limit.describe()),
            kind: ErrorKind::Budget(limit),
            rate: None,
        }
    }

    pub(crate) fn set(&mut self, slot: u16, value: Value) {
        if let Some(entry) = self.slots.get_mut(usize::from(slot)) {
            *entry = value;
        }
    }

    /// Evaluates a node to an owned value.
    pub(crate) fn eval(&mut self, node: &'a Node) -> EvalResult {
        self.value(node).map(Cow::into_owned)
    }

    /// Evaluates a node, using the rule's cache for hoisted nodes.
    fn value(&mut self, node: &'a Node) -> ValResult<'a> {
        self.spend(node, 1)?;
        if let Some(index) = node.hoisted {
            let index = index as usize;
            if let Some(Some(cached)) = self.cache.get(index) {
                return cached.clone().map(Cow::Owned);
            }
            let result = self.compute(node).map(Cow::into_owned);
            if let Some(entry) = self.cache.get_mut(index) {
                *entry = Some(result.clone());
            }
            return result.map(Cow::Owned);
        }
        self.compute(node)
    }

    /// Evaluates a node in a boolean position: `none` counts as false.
    pub(crate) fn condition(&mut self, node: &'a Node) -> Result<bool, EvalError> {
        self.value(node).map(|value| truthy(&value))
    }

    fn fail(node: &Node, error: OpError) -> EvalError {
        EvalError { span: node.span, message: error.0, kind: ErrorKind::Value, rate: error.1 }
    }

    fn compute(&mut self, node: &'a Node) -> ValResult<'a> {
        match &node.kind {
            NodeKind::Const(value) => Ok(Cow::Borrowed(value)),
            NodeKind::Slot(slot) => {
                Ok(Cow::Owned(self.slots.get(usize::from(*slot)).cloned().unwrap_or_default()))
            }
            NodeKind::Global(Global::Today) => Ok(Cow::Owned(Value::Date(self.today))),
            NodeKind::Global(Global::Kind(kind)) => Ok(self.globals.get(kind)),
            NodeKind::List(items) => {
                self.allocate_items(node, items.len())?;
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(self.eval(item)?);
                }
                Ok(Cow::Owned(Value::List(Arc::from(values))))
            }
            NodeKind::Member { target, member } => {
                let target = self.value(target)?;
                // The subject lives in a slot, owned; its fields are still borrowed.
                if let (Value::Entity(id), Member::Field { key, .. }) = (&*target, member)
                    && let Some(value) = self.given(node, *id, *key)?
                {
                    return Ok(Cow::Borrowed(value));
                }
                // A member of a list builds a list as long as its items' members together.
                if let Value::List(items) = &*target {
                    self.spend(node, count(items.len()))?;
                }
                let value = match target {
                    Cow::Borrowed(value) => self.member_of(node, value, member)?,
                    Cow::Owned(value) => Cow::Owned(self.member(node, &value, member)?),
                };
                if let Value::List(items) = &*value {
                    self.allocate_items(node, items.len())?;
                }
                Ok(value)
            }
            NodeKind::Call { target, method, args } => {
                let target_value = self.value(target)?;
                self.call(node, target_value, method, args).map(Cow::Owned)
            }
            NodeKind::Unary { op, operand } => {
                let value = self.value(operand)?;
                match op {
                    UnaryOp::Not => Ok(Cow::Owned(Value::Bool(!truthy(&value)))),
                    UnaryOp::Neg => {
                        ops::negate(&value).map(Cow::Owned).map_err(|error| Self::fail(node, error))
                    }
                }
            }
            NodeKind::Binary { op, left, right } => self.binary(node, *op, left, right).map(Cow::Owned),
        }
    }

    /// The value of a field the entity gives, borrowed from the portfolio; an error when
    /// the field is present but invalid.
    fn given(&self, node: &Node, id: EntityId, key: u16) -> Result<Option<&'a Value>, EvalError> {
        let portfolio: &'a Portfolio = self.portfolio;
        match self.globals.fields.lookup(id, key) {
            Some(Given::At(position)) => Ok(portfolio
                .entity(id)
                .and_then(|entity| entity.fields.get(position))
                .map(|field| &field.value)),
            Some(Given::Invalid) => Err(invalid(node)),
            Some(Given::Absent) | None => Ok(None),
        }
    }

    /// `target.member` for a borrowed target: a given field is borrowed, not cloned.
    fn member_of(&self, node: &Node, target: &'a Value, member: &Member) -> ValResult<'a> {
        match (target, member) {
            (Value::Entity(id), Member::Field { key, .. }) => match self.given(node, *id, *key)? {
                Some(value) => Ok(Cow::Borrowed(value)),
                None => self.member(node, target, member).map(Cow::Owned),
            },
            (Value::Measurement(measurement), Member::MeasurementValue) => {
                Ok(Cow::Borrowed(&measurement.value))
            }
            _ => self.member(node, target, member).map(Cow::Owned),
        }
    }

    fn binary(&mut self, node: &'a Node, op: BinaryOp, left: &'a Node, right: &'a Node) -> EvalResult {
        match op {
            BinaryOp::And => {
                if !self.condition(left)? {
                    return Ok(Value::Bool(false));
                }
                return self.condition(right).map(Value::Bool);
            }
            BinaryOp::Or => {
                if self.condition(left)? {
                    return Ok(Value::Bool(true));
                }
                return self.condition(right).map(Value::Bool);
            }
            _ => {}
        }
        let a = self.value(left)?;
        let b = self.value(right)?;
        // Comparing and searching visit the operands' items or characters: charge them
        // before doing it. Concatenating strings copies both into a new one: that is
        // memory, charged to the memory budget instead.
        if let (BinaryOp::Add, Value::String(first), Value::String(second)) = (op, &*a, &*b) {
            self.allocate(node, count(first.len().saturating_add(second.len())))?;
        } else {
            self.spend(node, count(length(&a).saturating_add(length(&b))))?;
        }
        let fail = |error| Self::fail(node, error);
        let rates = &self.globals.rates;
        let ordered = |test: fn(std::cmp::Ordering) -> bool| -> EvalResult {
            Ok(Value::Bool(ops::compare(&a, &b, rates).map_err(fail)?.is_some_and(test)))
        };
        match op {
            BinaryOp::Eq => Ok(Value::Bool(ops::equals(&a, &b, rates).map_err(fail)?)),
            BinaryOp::Ne => Ok(Value::Bool(!ops::equals(&a, &b, rates).map_err(fail)?)),
            BinaryOp::Lt => ordered(std::cmp::Ordering::is_lt),
            BinaryOp::Le => ordered(std::cmp::Ordering::is_le),
            BinaryOp::Gt => ordered(std::cmp::Ordering::is_gt),
            BinaryOp::Ge => ordered(std::cmp::Ordering::is_ge),
            BinaryOp::In => Ok(Value::Bool(ops::contains(&b, &a, rates).map_err(fail)?)),
            BinaryOp::NotIn => Ok(Value::Bool(!ops::contains(&b, &a, rates).map_err(fail)?)),
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => {
                ops::arithmetic(op, &a, &b, rates).map_err(fail)
            }
            BinaryOp::And | BinaryOp::Or => Ok(Value::None),
        }
    }

    /// `target.member`: a field of an entity, a measurement's `.value` or `.date`, or,
    /// on a list, the member of every item, flattened one level, without `none`s. Reading
    /// a field that is present but invalid is an [`ErrorKind::Invalid`] error at `node`.
    pub(crate) fn member(&self, node: &Node, target: &Value, member: &Member) -> EvalResult {
        Ok(match (target, member) {
            (Value::Entity(id), Member::Field { name, key }) => match self.globals.fields.lookup(*id, *key) {
                Some(Given::At(position)) => self
                    .portfolio
                    .entity(*id)
                    .and_then(|entity| entity.fields.get(position))
                    .map_or(Value::None, |field| field.value.clone()),
                Some(Given::Invalid) => return Err(invalid(node)),
                Some(Given::Absent) => self.portfolio.get(*id, name),
                None if self.portfolio.invalid(*id, name) => return Err(invalid(node)),
                None => self.portfolio.get(*id, name),
            },
            (Value::Measurement(measurement), Member::MeasurementValue) => measurement.value.clone(),
            (Value::Measurement(measurement), Member::MeasurementDate) => Value::Date(measurement.date),
            (Value::Money(money), Member::MoneyAmount) => Value::Number(money.amount),
            (Value::Money(money), Member::MoneyCurrency) => Value::String(money.currency.clone()),
            (Value::Measurement(measurement), Member::Field { name, .. }) => match &**name {
                "value" => measurement.value.clone(),
                "date" => Value::Date(measurement.date),
                _ => Value::None,
            },
            (Value::List(items), _) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items.iter() {
                    match self.member(node, item, member)? {
                        Value::None => {}
                        Value::List(inner) => {
                            values.extend(inner.iter().filter(|value| !value.is_none()).cloned())
                        }
                        value => values.push(value),
                    }
                }
                Value::List(Arc::from(values))
            }
            _ => Value::None,
        })
    }

    fn call(&mut self, node: &'a Node, target: Val<'a>, method: &Method, args: &'a [Node]) -> EvalResult {
        if target.is_none() {
            return Ok(Value::None);
        }
        let fail = |error| Self::fail(node, error);
        let rates = &self.globals.rates;
        let target: &Value = &target;
        let items: &[Value] = match target {
            Value::List(items) => items,
            _ => &[],
        };
        let body = args.first();
        // Every method visits at most every item (or character) of its target once.
        self.spend(node, count(length(target)))?;
        Ok(match method {
            Method::All(slot)
            | Method::Any(slot)
            | Method::Filter(slot)
            | Method::Map(slot)
            | Method::CountWhere(slot) => {
                let Some(body) = body else { return Ok(Value::None) };
                match method {
                    Method::All(_) => {
                        for item in items {
                            self.set(*slot, item.clone());
                            if !self.condition(body)? {
                                return Ok(Value::Bool(false));
                            }
                        }
                        Value::Bool(true)
                    }
                    Method::Any(_) => {
                        for item in items {
                            self.set(*slot, item.clone());
                            if self.condition(body)? {
                                return Ok(Value::Bool(true));
                            }
                        }
                        Value::Bool(false)
                    }
                    Method::Filter(_) => {
                        let mut kept = Vec::new();
                        for item in items {
                            self.set(*slot, item.clone());
                            if self.condition(body)? {
                                self.allocate_items(node, 1)?;
                                kept.push(item.clone());
                            }
                        }
                        Value::List(Arc::from(kept))
                    }
                    Method::Map(_) => {
                        self.allocate_items(node, items.len())?;
                        let mut mapped = Vec::with_capacity(items.len());
                        for item in items {
                            self.set(*slot, item.clone());
                            mapped.push(self.eval(body)?);
                        }
                        Value::List(Arc::from(mapped))
                    }
                    _ => {
                        let mut count = 0u64;
                        for item in items {
                            self.set(*slot, item.clone());
                            if self.condition(body)? {
                                count += 1;
                            }
                        }
                        Value::Number(Decimal::from(count))
                    }
                }
            }
            Method::Count => match target {
                Value::List(items) => {
                    Value::Number(Decimal::from(items.iter().filter(|item| !item.is_none()).count()))
                }
                _ => Value::None,
            },
            Method::Len => match target {
                Value::String(text) | Value::RuleName(text) => {
                    Value::Number(Decimal::from(text.chars().count()))
                }
                Value::List(items) => Value::Number(Decimal::from(items.len())),
                _ => Value::None,
            },
            Method::Plural(singular, plural) => match target {
                Value::Number(number) => {
                    let word = if *number == Decimal::ONE { singular } else { plural };
                    Value::String(Arc::from(format!("{} {word}", format_decimal(*number))))
                }
                _ => Value::None,
            },
            Method::IsEmpty => match target {
                Value::List(items) => Value::Bool(items.is_empty()),
                Value::String(text) => Value::Bool(text.is_empty()),
                _ => Value::None,
            },
            Method::Sum => {
                let mut total: Option<Value> = None;
                for item in items.iter().filter(|item| !item.is_none()) {
                    total = Some(match total {
                        None => item.clone(),
                        Some(sum) => ops::arithmetic(BinaryOp::Add, &sum, item, rates).map_err(fail)?,
                    });
                }
                total.unwrap_or(Value::Number(Decimal::ZERO))
            }
            Method::Min | Method::Max => {
                let mut best: Option<&Value> = None;
                for item in items.iter().filter(|item| !item.is_none()) {
                    best = Some(match best {
                        None => item,
                        Some(current) => {
                            let order = ops::compare(item, current, rates).map_err(fail)?;
                            let better = match method {
                                Method::Min => order.is_some_and(std::cmp::Ordering::is_lt),
                                _ => order.is_some_and(std::cmp::Ordering::is_gt),
                            };
                            if better { item } else { current }
                        }
                    });
                }
                best.cloned().unwrap_or(Value::None)
            }
            Method::Avg => {
                let present: Vec<&Value> = items.iter().filter(|item| !item.is_none()).collect();
                let Some((first, rest)) = present.split_first() else {
                    return Ok(Value::None);
                };
                let mut total = (*first).clone();
                for item in rest {
                    total = ops::arithmetic(BinaryOp::Add, &total, item, rates).map_err(fail)?;
                }
                ops::arithmetic(BinaryOp::Div, &total, &Value::Number(Decimal::from(present.len())), rates)
                    .map_err(fail)?
            }
            Method::ListContains | Method::StringContains | Method::StartsWith | Method::EndsWith => {
                let Some(arg) = body else { return Ok(Value::None) };
                let needle = self.value(arg)?;
                match (method, target) {
                    (Method::ListContains | Method::StringContains, Value::List(_)) => {
                        Value::Bool(ops::contains(target, &needle, rates).map_err(fail)?)
                    }
                    (_, Value::String(text) | Value::RuleName(text)) => {
                        let Some(needle) = needle.as_str() else { return Ok(Value::None) };
                        Value::Bool(match method {
                            Method::StartsWith => text.starts_with(needle),
                            Method::EndsWith => text.ends_with(needle),
                            _ => text.contains(needle),
                        })
                    }
                    _ => Value::None,
                }
            }
            Method::Convert(to) => match target {
                Value::Money(money) => ops::convert(money, to, rates).map_err(fail)?,
                _ => Value::None,
            },
            Method::ConvertToBase => match (target, &rates.base) {
                (Value::Money(money), Some(base)) => ops::convert(money, base, rates).map_err(fail)?,
                (Value::Money(_), None) => target.clone(),
                _ => Value::None,
            },
            Method::Matches(regex) => match target {
                Value::String(text) | Value::RuleName(text) => Value::Bool(regex.is_match(text)),
                _ => Value::None,
            },
        })
    }

    /// Renders a template with the current variables.
    pub(crate) fn render(&mut self, template: &'a Template) -> Result<String, EvalError> {
        let mut out = String::new();
        for (index, piece) in template.pieces.iter().enumerate() {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Expr(node) => {
                    let value = self.value(node)?;
                    // Showing a list visits every item: charge it before building the text.
                    self.spend(node, count(length(&value)))?;
                    // An author who already wrote "`{p}`" gets no second pair of backticks.
                    let ticked = out.ends_with('`')
                        || matches!(template.pieces.get(index + 1), Some(Piece::Text(next)) if next.starts_with('`'));
                    let text =
                        if ticked { display(self.portfolio, &value) } else { quoted(self.portfolio, &value) };
                    self.allocate(node, count(text.len()))?;
                    out.push_str(&text);
                }
            }
        }
        Ok(out)
    }
}

/// The error of reading a field that is present but invalid, at `node` (the member).
fn invalid(node: &Node) -> EvalError {
    let message = match &node.kind {
        NodeKind::Member { member: Member::Field { name, .. }, .. } => {
            format!("it reads `{name}`, which did not resolve")
        }
        _ => "it reads a field that did not resolve".to_string(),
    };
    EvalError { span: node.span, message, kind: ErrorKind::Invalid, rate: None }
}

/// The number of items of a list, or of bytes of a string: what visiting it costs.
fn length(value: &Value) -> usize {
    match value {
        Value::List(items) => items.len(),
        Value::String(text) | Value::RuleName(text) => text.len(),
        _ => 0,
    }
}

/// A length as a budget amount.
fn count(length: usize) -> u64 {
    u64::try_from(length).unwrap_or(u64::MAX)
}

/// A value as messages show it: entities as their id, money as `1,200,000 USD`, percents
/// as `15%`, dates in ISO form, lists as `a, b` (`[]` when empty).
pub fn display(portfolio: &Portfolio, value: &Value) -> String {
    match value {
        Value::None => "none".into(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => format_decimal(*number),
        Value::Percent(number) => format_percent(*number),
        Value::Money(money) => format_money(money),
        Value::Date(date) => date.to_string(),
        Value::Duration(duration) => duration.to_string(),
        Value::Measurement(measurement) => {
            format!("{} @ {}", display(portfolio, &measurement.value), measurement.date)
        }
        Value::String(text) | Value::RuleName(text) => text.to_string(),
        Value::Enum(value) => value.name.to_string(),
        Value::Entity(id) => {
            portfolio.entity(*id).map_or_else(|| "?".to_string(), |entity| entity.id.clone())
        }
        Value::List(items) if items.is_empty() => "[]".into(),
        Value::List(items) => {
            items.iter().map(|item| display(portfolio, item)).collect::<Vec<_>>().join(", ")
        }
    }
}

/// A value as a message shows it: like [`display`], but every entity's id in backticks
/// (`` `checkout_revamp` ``, `` `a`, `b` ``), as user input is in a diagnostic, and
/// durations in words (`12 days`).
pub fn quoted(portfolio: &Portfolio, value: &Value) -> String {
    match value {
        Value::Entity(_) => format!("`{}`", display(portfolio, value)),
        Value::Duration(duration) => {
            let (one, many) = match duration.unit {
                DurationUnit::Days => ("day", "days"),
                DurationUnit::Weeks => ("week", "weeks"),
                DurationUnit::Months => ("month", "months"),
                DurationUnit::Years => ("year", "years"),
            };
            let word = if duration.amount.unsigned_abs() == 1 { one } else { many };
            format!("{} {word}", duration.amount)
        }
        Value::List(items) if !items.is_empty() => {
            items.iter().map(|item| quoted(portfolio, item)).collect::<Vec<_>>().join(", ")
        }
        other => display(portfolio, other),
    }
}

/// A value as `charter why` shows it: like [`display`], but strings quoted and lists in
/// brackets, so `none`, `""` and `[]` are told apart.
pub fn show(portfolio: &Portfolio, value: &Value) -> String {
    match value {
        Value::String(text) => format!("{text:?}"),
        Value::List(items) => {
            format!("[{}]", items.iter().map(|item| show(portfolio, item)).collect::<Vec<_>>().join(", "))
        }
        other => display(portfolio, other),
    }
}
