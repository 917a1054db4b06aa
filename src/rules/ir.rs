//! The resolved form of rule expressions that the evaluator runs: variables are slots,
//! fields and methods are resolved, enum values are typed, regexes are compiled, and every
//! node knows which variables it depends on, so that subject-independent sub-expressions
//! are evaluated once per rule instead of once per subject.

use std::sync::Arc;

use super::types::Ty;
use crate::model::Value;
use crate::source::Span;
use crate::syntax::ast::{BinaryOp, UnaryOp};

/// A slot in the evaluation environment: the subject, a `let`, or a lambda's variable.
pub(crate) type Slot = u16;

/// One resolved expression node.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub kind: NodeKind,
    pub ty: Ty,
    pub span: Span,
    /// The slots the node's value depends on, as a bit set (bit 63: "slot 63 or above").
    pub free: u64,
    /// When the node does not depend on the subject: its index in the rule's cache of
    /// values computed once.
    pub hoisted: Option<u32>,
}

#[derive(Clone, Debug)]
pub(crate) enum NodeKind {
    Const(Value),
    Slot(Slot),
    Global(Global),
    List(Vec<Node>),
    Member { target: Box<Node>, member: Member },
    Call { target: Box<Node>, method: Method, args: Vec<Node> },
    Unary { op: UnaryOp, operand: Box<Node> },
    Binary { op: BinaryOp, left: Box<Node>, right: Box<Node> },
}

/// What a member access reads.
#[derive(Clone, Debug)]
pub(crate) enum Member {
    /// A field of an entity (given, default or computed); `key` indexes the engine's
    /// field names, so the evaluator finds given fields without comparing strings.
    Field { name: Arc<str>, key: u16 },
    /// A measurement's `.value`.
    MeasurementValue,
    /// A measurement's `.date`.
    MeasurementDate,
    /// Money's `.amount`, a number.
    MoneyAmount,
    /// Money's `.currency`, its ISO 4217 code as a string.
    MoneyCurrency,
}

/// A global name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Global {
    /// Every (non-broken) entity of a kind.
    Kind(&'static str),
    Today,
}

/// The global names and what they hold.
pub(crate) const GLOBALS: [(&str, Global); 10] = [
    ("projects", Global::Kind("project")),
    ("objectives", Global::Kind("objective")),
    ("metrics", Global::Kind("metric")),
    ("people", Global::Kind("person")),
    ("teams", Global::Kind("team")),
    ("milestones", Global::Kind("milestone")),
    ("risks", Global::Kind("risk")),
    ("changes", Global::Kind("change")),
    ("waivers", Global::Kind("waiver")),
    ("today", Global::Today),
];

/// A resolved method. Methods taking a variable carry the slot it binds; the body is the
/// call's only argument.
#[derive(Clone, Debug)]
pub(crate) enum Method {
    All(Slot),
    Any(Slot),
    Filter(Slot),
    Map(Slot),
    Count,
    CountWhere(Slot),
    Sum,
    Min,
    Max,
    Avg,
    IsEmpty,
    ListContains,
    Len,
    StringContains,
    StartsWith,
    EndsWith,
    Matches(Arc<regex::Regex>),
    /// `n.plural("team")`: "1 team", "2 teams"; the second word is the plural.
    Plural(Arc<str>, Arc<str>),
    /// `money.convert("EUR")`: the amount in that currency, through the base.
    Convert(Arc<str>),
    /// `money.convert()`: the amount in the base currency of `[money]`; unchanged
    /// without one, so a rule can total budgets whether or not a portfolio has rates.
    ConvertToBase,
}

/// The collection and string methods, with their variable-taking flag and arity, for
/// checking and suggestions.
pub(crate) const LIST_METHODS: [&str; 11] =
    ["all", "any", "filter", "map", "count", "sum", "min", "max", "avg", "is_empty", "contains"];
pub(crate) const STRING_METHODS: [&str; 5] = ["len", "contains", "starts_with", "ends_with", "matches"];
pub(crate) const NUMBER_METHODS: [&str; 1] = ["plural"];

impl Node {
    pub(crate) fn new(kind: NodeKind, ty: Ty, span: Span, free: u64) -> Node {
        Node { kind, ty, span, free, hoisted: None }
    }

    /// Calls `visit` on this node and every node below it, mutably.
    pub(crate) fn walk_mut(&mut self, visit: &mut dyn FnMut(&mut Node)) {
        visit(self);
        match &mut self.kind {
            NodeKind::Const(_) | NodeKind::Slot(_) | NodeKind::Global(_) => {}
            NodeKind::List(items) => items.iter_mut().for_each(|item| item.walk_mut(visit)),
            NodeKind::Member { target, .. } => target.walk_mut(visit),
            NodeKind::Call { target, args, .. } => {
                target.walk_mut(visit);
                args.iter_mut().for_each(|arg| arg.walk_mut(visit));
            }
            NodeKind::Unary { operand, .. } => operand.walk_mut(visit),
            NodeKind::Binary { left, right, .. } => {
                left.walk_mut(visit);
                right.walk_mut(visit);
            }
        }
    }

    /// Calls `visit` on this node and every node below it, in source order (pre-order,
    /// left to right). Lambda bodies are included; `in_lambda` tells them apart.
    pub(crate) fn walk<'a>(&'a self, in_lambda: bool, visit: &mut dyn FnMut(&'a Node, bool)) {
        visit(self, in_lambda);
        match &self.kind {
            NodeKind::Const(_) | NodeKind::Slot(_) | NodeKind::Global(_) => {}
            NodeKind::List(items) => {
                for item in items {
                    item.walk(in_lambda, visit);
                }
            }
            NodeKind::Member { target, .. } => target.walk(in_lambda, visit),
            NodeKind::Call { target, method, args } => {
                target.walk(in_lambda, visit);
                let binds = method.binds().is_some();
                for arg in args {
                    arg.walk(in_lambda || binds, visit);
                }
            }
            NodeKind::Unary { operand, .. } => operand.walk(in_lambda, visit),
            NodeKind::Binary { left, right, .. } => {
                left.walk(in_lambda, visit);
                right.walk(in_lambda, visit);
            }
        }
    }
}

impl Method {
    /// The slot the method binds for its body, if it takes a variable.
    pub(crate) fn binds(&self) -> Option<Slot> {
        match self {
            Method::All(slot)
            | Method::Any(slot)
            | Method::Filter(slot)
            | Method::Map(slot)
            | Method::CountWhere(slot) => Some(*slot),
            _ => None,
        }
    }
}

/// The bit of a slot in a [`Node::free`] set.
pub(crate) fn bit(slot: Slot) -> u64 {
    1u64 << u32::from(slot).min(63)
}
