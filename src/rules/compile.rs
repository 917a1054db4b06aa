//! The rule type checker: checks each rule against the schema (built-in and extended)
//! and lowers it to the resolved form of [`super::ir`] that the evaluator runs.
//!
//! Every problem is a `charter::rule_error` at the exact span, with a suggestion when a
//! close name exists. Checking goes on after an error (the broken part gets the type
//! `Unknown`), so one pass reports every problem of a rule; a rule with any error does
//! not run, and never stops the other rules.

use std::sync::Arc;

use super::ir::{
    GLOBALS, Global, LIST_METHODS, Member, Method, NUMBER_METHODS, Node, NodeKind, STRING_METHODS, Slot, bit,
};
use super::template::{self, Template};
use super::types::{Ty, comparable, orderable};
use crate::diagnostic::{BuiltinCode, Diagnostic, Severity, closest, did_you_mean};
use crate::model::schema::Schema;
use crate::model::value::{EnumValue, Money, Value};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{self, BinaryOp, ExprKind, UnaryOp, ValueKind};

/// A rule, checked and resolved.
#[derive(Clone, Debug)]
pub struct CompiledRule {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub file: FileId,
    /// Part of the std library.
    pub std: bool,
    pub doc: Option<String>,
    /// The severity the rule declares (before `charter.toml` overrides).
    pub severity: Severity,
    pub summary: Option<String>,
    pub url: Option<String>,
    pub(crate) message: Option<Template>,
    pub(crate) summary_template: Option<Template>,
    pub(crate) help: Option<Template>,
    /// The primary label of a violation: the fact that breaks the rule, in words.
    pub(crate) label: Option<Template>,
    pub(crate) subject: CompiledSubject,
    pub(crate) lets: Vec<CompiledLet>,
    pub(crate) requires: Vec<CompiledRequire>,
    /// How many slots the environment needs.
    pub(crate) slots: usize,
    /// How many hoisted (subject-independent) values the rule caches.
    pub(crate) hoisted: usize,
    /// The rule checked without errors and can run.
    pub ok: bool,
}

#[derive(Clone, Debug)]
pub(crate) enum CompiledSubject {
    /// `for KIND VAR [where EXPR]`; the subject lives in slot 0.
    Kind {
        kind: Arc<str>,
        var: String,
        filter: Option<Node>,
    },
    Portfolio,
    /// No valid `for` (reported).
    Missing,
}

#[derive(Clone, Debug)]
pub(crate) struct CompiledLet {
    pub name: String,
    pub slot: Slot,
    pub value: Node,
}

#[derive(Clone, Debug)]
pub(crate) struct CompiledRequire {
    pub condition: Node,
    pub message: Option<Template>,
    pub span: Span,
    /// The first `VAR.field` of the condition, in source order.
    pub first_field: Option<Arc<str>>,
}

impl CompiledRule {
    /// The kind of the rule's subjects, or `None` for `for portfolio` rules.
    pub fn subject_kind(&self) -> Option<&str> {
        match &self.subject {
            CompiledSubject::Kind { kind, .. } => Some(kind),
            _ => None,
        }
    }

    pub fn is_portfolio(&self) -> bool {
        matches!(self.subject, CompiledSubject::Portfolio)
    }
}

/// The rule settings and what they hold.
const SETTINGS: [&str; 6] = ["severity", "summary", "message", "label", "help", "url"];

/// Checks and lowers one rule. Problems go to `diagnostics`.
pub fn compile_rule(
    rule: &ast::Rule,
    file: FileId,
    std: bool,
    schema: &Schema,
    sources: &SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
) -> CompiledRule {
    let mut checker = Checker { schema, sources, scope: Vec::new(), next_slot: 0, errors: Vec::new() };
    let mut compiled = CompiledRule {
        name: rule.name.name.to_string(),
        name_span: rule.name.span,
        span: rule.span,
        file,
        std,
        doc: rule.doc.as_ref().map(|doc| doc.text.clone()),
        severity: Severity::Warning,
        summary: None,
        url: None,
        message: None,
        summary_template: None,
        help: None,
        label: None,
        subject: CompiledSubject::Missing,
        lets: Vec::new(),
        requires: Vec::new(),
        slots: 0,
        hoisted: 0,
        ok: false,
    };
    let mut template_settings: Vec<(&str, ast::StringLit)> = Vec::new();
    checker.settings(rule, &mut compiled, &mut template_settings);
    checker.subject(rule, &mut compiled);
    for binding in &rule.lets {
        let value = checker.expr(&binding.value, None);
        let name = binding.name.name.to_string();
        if checker.check_new_name(&binding.name) {
            let slot = checker.bind(&name, value.ty.clone(), value.free, binding.name.span);
            compiled.lets.push(CompiledLet { name, slot, value });
        }
    }
    let var = match &compiled.subject {
        CompiledSubject::Kind { var, .. } => Some(var.clone()),
        _ => None,
    };
    for require in &rule.requires {
        let condition = checker.expr(&require.condition, None);
        checker.expect_bool(&condition, "`require`");
        let message = require.message.as_ref().and_then(|text| checker.template(text));
        compiled.requires.push(CompiledRequire {
            condition,
            message,
            span: require.span,
            first_field: var.as_deref().and_then(|var| first_field(&require.condition, var)),
        });
    }
    if rule.requires.is_empty() {
        checker.error(
            rule.name.span,
            format!("rule `{}` has no `require`", rule.name.name),
            "this rule checks nothing",
            "add `require EXPR else \"message\"`; a rule needs at least one requirement",
        );
    }
    for (setting, text) in template_settings {
        let compiled_template = checker.template(&text);
        match setting {
            "message" => compiled.message = compiled_template,
            "summary" => compiled.summary_template = compiled_template,
            "label" => compiled.label = compiled_template,
            _ => compiled.help = compiled_template,
        }
    }
    compiled.slots = usize::from(checker.next_slot).max(1);
    compiled.ok = checker.errors.is_empty();
    diagnostics.append(&mut checker.errors);
    if compiled.ok && matches!(compiled.subject, CompiledSubject::Kind { .. }) {
        compiled.hoisted = hoist(&mut compiled);
    }
    compiled
}

/// Marks the largest sub-expressions that do not depend on the subject (or any other
/// variable) so the evaluator computes them once per rule.
fn hoist(rule: &mut CompiledRule) -> usize {
    let mut next = 0u32;
    rule.for_each_root(&mut |node: &mut Node| mark(node, &mut next));
    next as usize
}

impl CompiledRule {
    /// Calls `visit` on the root of every expression of the rule: `where`, `let`s,
    /// `require`s and templates.
    pub(crate) fn for_each_root(&mut self, visit: &mut dyn FnMut(&mut Node)) {
        if let CompiledSubject::Kind { filter: Some(filter), .. } = &mut self.subject {
            visit(filter);
        }
        for binding in &mut self.lets {
            visit(&mut binding.value);
        }
        for require in &mut self.requires {
            visit(&mut require.condition);
            if let Some(message) = &mut require.message {
                message.for_each_node(visit);
            }
        }
        for template in [&mut self.message, &mut self.summary_template, &mut self.help, &mut self.label]
            .into_iter()
            .flatten()
        {
            template.for_each_node(visit);
        }
    }
}

fn mark(node: &mut Node, next: &mut u32) {
    let trivial = matches!(node.kind, NodeKind::Const(_) | NodeKind::Slot(_) | NodeKind::Global(_));
    if node.free == 0 && !trivial {
        node.hoisted = Some(*next);
        *next += 1;
        return;
    }
    match &mut node.kind {
        NodeKind::Const(_) | NodeKind::Slot(_) | NodeKind::Global(_) => {}
        NodeKind::List(items) => items.iter_mut().for_each(|item| mark(item, next)),
        NodeKind::Member { target, .. } => mark(target, next),
        NodeKind::Call { target, args, .. } => {
            mark(target, next);
            args.iter_mut().for_each(|arg| mark(arg, next));
        }
        NodeKind::Unary { operand, .. } => mark(operand, next),
        NodeKind::Binary { left, right, .. } => {
            mark(left, next);
            mark(right, next);
        }
    }
}

/// The first `VAR.field` of an expression, in source order.
fn first_field(expr: &ast::Expr, var: &str) -> Option<Arc<str>> {
    match &expr.kind {
        ExprKind::Member { target, member } => match &target.kind {
            ExprKind::Name(name) if name.name == var => Some(Arc::from(member.name.as_str())),
            _ => first_field(target, var),
        },
        ExprKind::Call { target, args, .. } => {
            first_field(target, var).or_else(|| args.iter().find_map(|arg| first_field(arg, var)))
        }
        ExprKind::Unary { operand, .. } => first_field(operand, var),
        ExprKind::Binary { left, right, .. } => first_field(left, var).or_else(|| first_field(right, var)),
        ExprKind::Paren(inner) => first_field(inner, var),
        ExprKind::List(items) => items.iter().find_map(|item| first_field(item, var)),
        ExprKind::Literal(_) | ExprKind::Name(_) => None,
    }
}

struct Binding {
    name: String,
    slot: Slot,
    ty: Ty,
    /// What the variable's value depends on (a `let` inherits its value's dependencies).
    free: u64,
    span: Span,
}

struct Checker<'a> {
    schema: &'a Schema,
    sources: &'a SourceMap,
    scope: Vec<Binding>,
    next_slot: Slot,
    errors: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn error(
        &mut self,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        let help = help.into();
        let mut diagnostic = Diagnostic::builtin(BuiltinCode::RuleError, span, message).with_label(label);
        if !help.is_empty() {
            diagnostic = diagnostic.with_help(help);
        }
        self.errors.push(diagnostic);
    }

    fn unknown(&self, span: Span) -> Node {
        Node::new(NodeKind::Const(Value::None), Ty::Unknown, span, 0)
    }

    /// Binds a variable whose value depends on itself (the subject, a lambda's item).
    fn bind_self(&mut self, name: &str, ty: Ty, span: Span) -> Slot {
        let slot = self.bind(name, ty, 0, span);
        if let Some(binding) = self.scope.last_mut() {
            binding.free = bit(slot);
        }
        slot
    }

    fn bind(&mut self, name: &str, ty: Ty, free: u64, span: Span) -> Slot {
        let slot = self.next_slot;
        self.next_slot = self.next_slot.saturating_add(1);
        self.scope.push(Binding { name: name.to_string(), slot, ty, free, span });
        slot
    }

    /// Reports a new variable that shadows a variable or a global; `true` when the name is
    /// free to use.
    fn check_new_name(&mut self, name: &ast::Ident) -> bool {
        if let Some(existing) = self.scope.iter().rev().find(|binding| binding.name == name.name) {
            let span = existing.span;
            let diagnostic = Diagnostic::builtin(
                BuiltinCode::RuleError,
                name.span,
                format!("`{}` is already a variable", name.name),
            )
            .with_label("shadows the earlier variable")
            .with_secondary(span, "first bound here")
            .with_help("shadowing is an error in rules; choose another name");
            self.errors.push(diagnostic);
            return false;
        }
        if GLOBALS.iter().any(|(global, _)| *global == name.name) {
            self.error(
                name.span,
                format!("`{}` is a global and cannot be rebound", name.name),
                "shadows a global",
                "choose another name",
            );
            return false;
        }
        true
    }

    fn settings(
        &mut self,
        rule: &ast::Rule,
        compiled: &mut CompiledRule,
        templates: &mut Vec<(&'static str, ast::StringLit)>,
    ) {
        let mut seen: Vec<(&str, Span)> = Vec::new();
        for setting in &rule.settings {
            let name = setting.name.name.as_str();
            let Some(known) = SETTINGS.iter().copied().find(|known| *known == name) else {
                let help = did_you_mean(name, SETTINGS).unwrap_or_else(|| {
                    "the settings are `severity`, `summary`, `message`, `label`, `help` and `url`".into()
                });
                self.error(
                    setting.name.span,
                    format!("unknown rule setting `{name}`"),
                    "not a rule setting",
                    help,
                );
                continue;
            };
            if let Some((_, first)) = seen.iter().find(|(seen, _)| *seen == known) {
                let first = *first;
                self.errors.push(
                    Diagnostic::builtin(
                        BuiltinCode::RuleError,
                        setting.name.span,
                        format!("`{known}` is set twice"),
                    )
                    .with_label("set again here")
                    .with_secondary(first, "first set here")
                    .with_help("keep one of them"),
                );
                continue;
            }
            seen.push((known, setting.name.span));
            match (known, &setting.value.kind) {
                ("severity", ValueKind::Name(level)) => match Severity::parse(level) {
                    Some(severity) => compiled.severity = severity,
                    None => {
                        let help = match closest(level, ["error", "warning", "info"]) {
                            Some(suggestion) => format!("did you mean `{suggestion}`? a rule's severity is `error`, `warning` or `info`"),
                            None => "a rule's severity is `error`, `warning` or `info`; turn a rule off in `charter.toml` instead".into(),
                        };
                        self.error(
                            setting.value.span,
                            format!("invalid severity `{level}`"),
                            "expected `error`, `warning` or `info`",
                            help,
                        );
                    }
                },
                ("severity", _) => self.error(
                    setting.value.span,
                    "invalid severity",
                    "expected `error`, `warning` or `info`",
                    "write `severity: error`, `severity: warning` or `severity: info`",
                ),
                (_, ValueKind::String(text)) => {
                    let literal = ast::StringLit { value: text.clone(), span: setting.value.span };
                    match known {
                        "url" => compiled.url = Some(text.to_string()),
                        "summary" => {
                            compiled.summary = Some(text.to_string());
                            templates.push(("summary", literal));
                        }
                        "message" => templates.push(("message", literal)),
                        "label" => templates.push(("label", literal)),
                        _ => templates.push(("help", literal)),
                    }
                }
                _ => self.error(
                    setting.value.span,
                    format!("`{known}` expects a string"),
                    "expected a quoted string",
                    format!("write `{known}: \"...\"`"),
                ),
            }
        }
    }

    fn subject(&mut self, rule: &ast::Rule, compiled: &mut CompiledRule) {
        let count = rule.clauses.iter().filter(|clause| matches!(clause, ast::RuleClause::Subject)).count();
        if count > 1 {
            self.error(
                rule.name.span,
                format!("rule `{}` has {count} `for` clauses", rule.name.name),
                "more than one subject",
                "a rule has exactly one `for KIND VAR` or `for portfolio`; split it into several rules",
            );
        }
        match &rule.subject {
            None => self.error(
                rule.name.span,
                format!("rule `{}` has no `for` clause", rule.name.name),
                "what does this rule check?",
                "add `for KIND VAR [where EXPR]` (for example `for project p`) or `for portfolio`",
            ),
            Some(ast::Subject::Portfolio { .. }) => compiled.subject = CompiledSubject::Portfolio,
            Some(ast::Subject::Kind { kind, var, filter, .. }) => {
                if self.schema.kind(&kind.name).is_none() {
                    let help = did_you_mean(&kind.name, self.schema.kind_names())
                        .unwrap_or_else(|| format!("the kinds are {}", ticked(self.schema.kind_names())));
                    self.error(
                        kind.span,
                        format!("unknown entity kind `{}`", kind.name),
                        "no such kind",
                        help,
                    );
                    // Bind the variable anyway, so its uses do not cascade into more errors.
                    self.bind_self(&var.name, Ty::Unknown, var.span);
                    return;
                }
                if !self.check_new_name(var) {
                    return;
                }
                self.bind_self(&var.name, Ty::Entity(Arc::from(kind.name.as_str())), var.span);
                let filter = filter.as_ref().map(|filter| {
                    let node = self.expr(filter, None);
                    self.expect_bool(&node, "`where`");
                    node
                });
                compiled.subject = CompiledSubject::Kind {
                    kind: Arc::from(kind.name.as_str()),
                    var: var.name.to_string(),
                    filter,
                };
            }
        }
    }

    fn template(&mut self, text: &ast::StringLit) -> Option<Template> {
        match template::parse(text, self.sources) {
            Ok(pieces) => {
                let mut compiled = Vec::with_capacity(pieces.len());
                for piece in pieces {
                    compiled.push(match piece {
                        template::Raw::Text(text) => template::Piece::Text(text),
                        template::Raw::Expr(expr) => template::Piece::Expr(self.expr(&expr, None)),
                    });
                }
                Some(Template { pieces: compiled })
            }
            Err(error) => {
                self.error(error.span, error.message, error.label, error.help);
                None
            }
        }
    }

    fn expect_bool(&mut self, node: &Node, position: &str) {
        if matches!(node.ty, Ty::Bool | Ty::Unknown | Ty::None) {
            return;
        }
        let source = self.sources.slice(node.span).to_string();
        let help = match &node.ty {
            Ty::Entity(_)
            | Ty::String
            | Ty::Date
            | Ty::Money
            | Ty::Number
            | Ty::Percent
            | Ty::Enum(_)
            | Ty::Measurement
            | Ty::Quantity
            | Ty::Duration => {
                format!("compare it, for example `{source} != none`")
            }
            Ty::List(_) => format!("test the list, for example `not {source}.is_empty()`"),
            _ => String::new(),
        };
        self.error(
            node.span,
            format!(
                "{position} needs a condition that is true or false, but this is a {}",
                node.ty.describe()
            ),
            format!("this is a {}", node.ty.describe()),
            help,
        );
    }

    /// Checks and lowers an expression. `hint` types bare enum names (`p.status == active`).
    fn expr(&mut self, expr: &ast::Expr, hint: Option<&Ty>) -> Node {
        let span = expr.span;
        match &expr.kind {
            ExprKind::Paren(inner) => {
                let mut node = self.expr(inner, hint);
                node.span = span;
                node
            }
            ExprKind::Literal(literal) => self.literal(literal, span),
            ExprKind::Name(name) => self.name(name, hint),
            ExprKind::List(items) => {
                let item_hint = hint.and_then(Ty::item);
                let mut nodes = Vec::with_capacity(items.len());
                let mut item_ty: Option<Ty> = None;
                for item in items {
                    let node = self.expr(item, item_hint.as_ref().or(item_ty.as_ref()));
                    match &item_ty {
                        None if !node.ty.is_open() => item_ty = Some(node.ty.clone()),
                        Some(existing) if !comparable(existing, &node.ty) => {
                            let message = format!(
                                "a list of {} cannot hold a {}",
                                existing.describe(),
                                node.ty.describe()
                            );
                            self.error(
                                node.span,
                                message,
                                "different type",
                                "the items of a list have one type",
                            );
                        }
                        _ => {}
                    }
                    nodes.push(node);
                }
                let free = nodes.iter().fold(0, |free, node| free | node.free);
                Node::new(NodeKind::List(nodes), Ty::list(item_ty.unwrap_or(Ty::Unknown)), span, free)
            }
            ExprKind::Member { target, member } => {
                let target = self.expr(target, None);
                self.member(target, member, span)
            }
            ExprKind::Call { target, method, args } => {
                let target = self.expr(target, None);
                self.call(target, method, args, span)
            }
            ExprKind::Unary { op, operand } => {
                let operand = self.expr(operand, None);
                let ty = match op {
                    UnaryOp::Not => {
                        self.expect_bool(&operand, "`not`");
                        Ty::Bool
                    }
                    UnaryOp::Neg => match &operand.ty {
                        ty @ (Ty::Number
                        | Ty::Percent
                        | Ty::Quantity
                        | Ty::Money
                        | Ty::Duration
                        | Ty::Unknown
                        | Ty::None) => ty.clone(),
                        other => {
                            let message = format!("cannot negate a {}", other.describe());
                            self.error(
                                operand.span,
                                message,
                                format!("this is a {}", other.describe()),
                                "`-` applies to numbers, percents, money and durations",
                            );
                            Ty::Unknown
                        }
                    },
                };
                let free = operand.free;
                Node::new(NodeKind::Unary { op: *op, operand: Box::new(operand) }, ty, span, free)
            }
            ExprKind::Binary { op, left, right } => self.binary(*op, left, right, span),
        }
    }

    fn literal(&mut self, literal: &ValueKind, span: Span) -> Node {
        let (value, ty) = match literal {
            ValueKind::String(text) => (Value::String(Arc::from(text.as_str())), Ty::String),
            ValueKind::Number(number) => (Value::Number(*number), Ty::Number),
            ValueKind::Percent(number) => (Value::Percent(*number), Ty::Percent),
            ValueKind::Money { amount, currency } => {
                if !crate::model::currency::is_known(currency) {
                    self.unknown_currency(
                        currency,
                        Span { start: span.end.saturating_sub(3).max(span.start), ..span },
                    );
                    return self.unknown(span);
                }
                (Value::Money(Money { amount: *amount, currency: Arc::from(currency.as_str()) }), Ty::Money)
            }
            ValueKind::Date(date) => match date.date() {
                Some(valid) => (Value::Date(valid), Ty::Date),
                None => {
                    self.error(
                        span,
                        format!("`{date}` is not a valid date"),
                        "no such day",
                        "write a calendar date as `YYYY-MM-DD`",
                    );
                    return self.unknown(span);
                }
            },
            ValueKind::Duration(duration) => (Value::Duration(*duration), Ty::Duration),
            ValueKind::Bool(flag) => (Value::Bool(*flag), Ty::Bool),
            ValueKind::None => (Value::None, Ty::None),
            ValueKind::Measurement { .. } | ValueKind::Name(_) | ValueKind::List(_) => {
                self.error(span, "this value cannot be written in a rule", "unexpected value", "");
                return self.unknown(span);
            }
        };
        Node::new(NodeKind::Const(value), ty, span, 0)
    }

    fn name(&mut self, name: &ast::Ident, hint: Option<&Ty>) -> Node {
        let span = name.span;
        if let Some(binding) = self.scope.iter().rev().find(|binding| binding.name == name.name) {
            return Node::new(NodeKind::Slot(binding.slot), binding.ty.clone(), span, binding.free);
        }
        if let Some((_, global)) = GLOBALS.iter().find(|(global, _)| *global == name.name) {
            let ty = match global {
                Global::Kind(kind) => Ty::list(Ty::Entity(Arc::from(*kind))),
                Global::Today => Ty::Date,
            };
            return Node::new(NodeKind::Global(*global), ty, span, 0);
        }
        if let Some(enumeration) = hint.and_then(Ty::enumeration) {
            if let Some(index) = enumeration.index_of(&name.name) {
                let value = Value::Enum(EnumValue {
                    index: u16::try_from(index).unwrap_or(u16::MAX),
                    name: Arc::from(name.name.as_str()),
                });
                return Node::new(NodeKind::Const(value), Ty::Enum(enumeration.clone()), span, 0);
            }
            let valid = ticked(enumeration.values.iter().map(String::as_str));
            let help = match closest(&name.name, enumeration.values.iter().map(String::as_str)) {
                Some(suggestion) => format!("did you mean `{suggestion}`? the values are {valid}"),
                None => format!("the values are {valid}"),
            };
            let mut diagnostic =
                Diagnostic::builtin(BuiltinCode::RuleError, span, format!("unknown value `{}`", name.name))
                    .with_label("not a value of this enum")
                    .with_help(help);
            if let Some(suggestion) = closest(&name.name, enumeration.values.iter().map(String::as_str)) {
                diagnostic = diagnostic.with_fix(format!("replace with `{suggestion}`"), span, suggestion);
            }
            self.errors.push(diagnostic);
            return self.unknown(span);
        }
        let candidates: Vec<&str> = self
            .scope
            .iter()
            .map(|binding| binding.name.as_str())
            .chain(GLOBALS.iter().map(|(global, _)| *global))
            .collect();
        let variables: Vec<&str> = self.scope.iter().map(|binding| binding.name.as_str()).collect();
        let help = match did_you_mean(&name.name, candidates.iter().copied()) {
            Some(suggestion) => suggestion,
            None if variables.is_empty() => "a bare name is a variable, a global (`projects`, `today`, ...) or an enum value compared with an enum field".into(),
            None => format!(
                "a bare name is a variable ({}), a global (`projects`, `today`, ...) or an enum value compared with an enum field",
                ticked(variables.iter().copied())
            ),
        };
        self.error(
            span,
            format!("unknown name `{}`", name.name),
            "not a variable, global or enum value here",
            help,
        );
        self.unknown(span)
    }

    fn member(&mut self, target: Node, member: &ast::Ident, span: Span) -> Node {
        let name = member.name.as_str();
        let ty = match self.member_type(&target.ty, name, member.span) {
            Some(ty) => ty,
            None => return self.unknown(span),
        };
        let resolved = match (&target.ty, name) {
            (Ty::Measurement, "value") => Member::MeasurementValue,
            (Ty::Measurement, "date") => Member::MeasurementDate,
            (Ty::Money, "amount") => Member::MoneyAmount,
            (Ty::Money, "currency") => Member::MoneyCurrency,
            _ => Member::Field { name: Arc::from(name), key: u16::MAX },
        };
        let free = target.free;
        Node::new(NodeKind::Member { target: Box::new(target), member: resolved }, ty, span, free)
    }

    /// The type of `target.name`, or `None` after reporting an error.
    fn member_type(&mut self, target: &Ty, name: &str, span: Span) -> Option<Ty> {
        match target {
            Ty::Unknown | Ty::None => Some(Ty::Unknown),
            Ty::Entity(kind) if &**kind == "any" => match name {
                "id" | "local_id" | "title" | "entity_kind" => Some(Ty::String),
                _ => {
                    self.error(
                        span,
                        format!("an entity of any kind has no field `{name}`"),
                        "unknown field",
                        "only `id`, `local_id`, `title` and `entity_kind` are known for every kind; filter by `entity_kind` first",
                    );
                    None
                }
            },
            Ty::Entity(kind) => {
                let Some(definition) = self.schema.kind(kind) else {
                    return Some(Ty::Unknown);
                };
                if let Some(field) = definition.field(name) {
                    return Some(Ty::of_field(&field.ty));
                }
                let names = definition.fields.iter().map(|field| field.name.as_str());
                let computed: Vec<&str> = definition
                    .fields
                    .iter()
                    .filter(|field| field.computed)
                    .map(|field| field.name.as_str())
                    .collect();
                let help = match did_you_mean(name, names) {
                    Some(suggestion) => suggestion,
                    None => format!(
                        "the fields of `{kind}` are {}; computed: {}",
                        ticked(definition.writable().map(|field| field.name.as_str())),
                        ticked(computed.iter().copied())
                    ),
                };
                let mut diagnostic = Diagnostic::builtin(
                    BuiltinCode::RuleError,
                    span,
                    format!("`{kind}` has no field `{name}`"),
                )
                .with_label("unknown field")
                .with_help(help);
                if let Some(suggestion) =
                    closest(name, definition.fields.iter().map(|field| field.name.as_str()))
                {
                    diagnostic = diagnostic.with_fix(format!("rename to `{suggestion}`"), span, suggestion);
                }
                self.errors.push(diagnostic);
                None
            }
            Ty::List(item) => {
                let ty = self.member_type(item, name, span)?;
                Some(match ty {
                    Ty::List(inner) => Ty::List(inner),
                    Ty::Unknown => Ty::Unknown,
                    other => Ty::list(other),
                })
            }
            Ty::Money => match name {
                "amount" => Some(Ty::Number),
                "currency" => Some(Ty::String),
                _ => {
                    let suggestion = closest(name, ["amount", "currency"]);
                    let help = did_you_mean(name, ["amount", "currency"]).unwrap_or_else(|| {
                        "money has `.amount` (a number) and `.currency` (its ISO 4217 code), and `.convert(\"EUR\")`".into()
                    });
                    let mut diagnostic = Diagnostic::builtin(
                        BuiltinCode::RuleError,
                        span,
                        format!("money has no member `{name}`"),
                    )
                    .with_label("unknown member")
                    .with_help(help);
                    if let Some(suggestion) = suggestion {
                        diagnostic =
                            diagnostic.with_fix(format!("rename to `{suggestion}`"), span, suggestion);
                    }
                    self.errors.push(diagnostic);
                    None
                }
            },
            Ty::Measurement => match name {
                "value" => Some(Ty::Quantity),
                "date" => Some(Ty::Date),
                _ => {
                    let help = did_you_mean(name, ["value", "date"])
                        .unwrap_or_else(|| "a measurement has `.value` and `.date`".into());
                    self.error(span, format!("a measurement has no member `{name}`"), "unknown member", help);
                    None
                }
            },
            other => {
                let help = if matches!(other, Ty::String) {
                    format!(
                        "string methods are called with parentheses: {}",
                        ticked(STRING_METHODS.iter().copied())
                    )
                } else {
                    String::new()
                };
                self.error(
                    span,
                    format!("a {} has no field `{name}`", other.describe()),
                    "no such field",
                    help,
                );
                None
            }
        }
    }

    fn call(&mut self, target: Node, method: &ast::Ident, args: &[ast::Expr], span: Span) -> Node {
        let name = method.name.as_str();
        if matches!(target.ty, Ty::Money) {
            return self.money_call(target, method, args, span);
        }
        let is_list = matches!(target.ty, Ty::List(_));
        let is_string = matches!(target.ty, Ty::String | Ty::RuleName);
        let open = target.ty.is_open();
        let is_number = matches!(target.ty, Ty::Number);
        let known = (is_list || open) && LIST_METHODS.contains(&name)
            || (is_string || open) && STRING_METHODS.contains(&name)
            || (is_number || open) && NUMBER_METHODS.contains(&name);
        if !known {
            let candidates: Vec<&str> = if is_list {
                LIST_METHODS.to_vec()
            } else if is_string {
                STRING_METHODS.to_vec()
            } else if is_number {
                NUMBER_METHODS.to_vec()
            } else {
                Vec::new()
            };
            let help = match did_you_mean(name, candidates.iter().copied()) {
                Some(suggestion) => suggestion,
                None if candidates.is_empty() => "only lists, strings and numbers have methods".into(),
                None => format!(
                    "the methods of {} are {}",
                    with_article(&target.ty),
                    ticked(candidates.iter().copied())
                ),
            };
            let message = format!("{} has no method `{name}`", with_article(&target.ty));
            self.error(method.span, message, "unknown method", help);
            return self.unknown(span);
        }
        let item = target.ty.item().unwrap_or(Ty::Unknown);
        let takes_variable =
            matches!(name, "all" | "any" | "filter" | "map") || (name == "count" && !args.is_empty());
        if takes_variable {
            return self.lambda(target, method, args, item, span);
        }
        if name == "plural" {
            return self.plural(target, method, args, span);
        }
        let arity = match name {
            "contains" | "starts_with" | "ends_with" | "matches" => 1,
            _ => 0,
        };
        if args.len() != arity {
            let expected = if arity == 0 { "no arguments".to_string() } else { "one argument".to_string() };
            let usage = match name {
                "count" => "write `count()` or `count(x, condition)`".to_string(),
                "matches" => "write `matches(\"regex\")`".to_string(),
                _ if arity == 1 => format!("write `{name}(value)`"),
                _ => format!("write `{name}()`"),
            };
            self.error(
                method.span,
                format!("`{name}` takes {expected}, but {} given", plural_arguments(args.len())),
                "wrong number of arguments",
                usage,
            );
            return self.unknown(span);
        }
        let mut free = target.free;
        let (resolved, ty, nodes) = match name {
            "count" => (Method::Count, Ty::Number, Vec::new()),
            "len" => (Method::Len, Ty::Number, Vec::new()),
            "is_empty" => (Method::IsEmpty, Ty::Bool, Vec::new()),
            "sum" | "min" | "max" | "avg" => {
                let allowed = match name {
                    "sum" => matches!(
                        item,
                        Ty::Number
                            | Ty::Percent
                            | Ty::Quantity
                            | Ty::Money
                            | Ty::Duration
                            | Ty::Unknown
                            | Ty::None
                    ),
                    "avg" => matches!(
                        item,
                        Ty::Number | Ty::Percent | Ty::Quantity | Ty::Money | Ty::Unknown | Ty::None
                    ),
                    _ => orderable(&item, &item),
                };
                if !allowed {
                    let what = if name == "min" || name == "max" {
                        "numbers, percents, money, dates, durations, enum values or strings"
                    } else {
                        "numbers, percents or money"
                    };
                    self.error(
                        method.span,
                        format!("`{name}()` needs a list of {what}, but this list holds {}", item.describe()),
                        "cannot aggregate these items",
                        "`map` the list to a number first, for example `.map(x, x.budget).sum()`",
                    );
                    return self.unknown(span);
                }
                let method = match name {
                    "sum" => Method::Sum,
                    "min" => Method::Min,
                    "max" => Method::Max,
                    _ => Method::Avg,
                };
                let ty = if name == "sum" && item.is_open() { Ty::Unknown } else { item.clone() };
                (method, ty, Vec::new())
            }
            "contains" if is_list || (open && !is_string) => {
                let Some(arg) = args.first() else { return self.unknown(span) };
                let node = self.expr(arg, Some(&item));
                if !comparable(&item, &node.ty) {
                    let message =
                        format!("a list of {} cannot contain a {}", item.describe(), node.ty.describe());
                    self.error(node.span, message, "wrong type", "");
                }
                free |= node.free;
                (Method::ListContains, Ty::Bool, vec![node])
            }
            "contains" | "starts_with" | "ends_with" => {
                let Some(arg) = args.first() else { return self.unknown(span) };
                let node = self.expr(arg, None);
                if !matches!(node.ty, Ty::String | Ty::RuleName | Ty::Unknown | Ty::None) {
                    let message = format!("`{name}` expects a string, found a {}", node.ty.describe());
                    self.error(node.span, message, "expected a string", "");
                }
                free |= node.free;
                let method = match name {
                    "contains" => Method::StringContains,
                    "starts_with" => Method::StartsWith,
                    _ => Method::EndsWith,
                };
                (method, Ty::Bool, vec![node])
            }
            _ => {
                let Some(arg) = args.first() else { return self.unknown(span) };
                let ExprKind::Literal(ValueKind::String(pattern)) = &arg.kind else {
                    self.error(
                        arg.span,
                        "`matches` expects a string literal",
                        "not a literal",
                        "write the regular expression in quotes: `matches(\"^[A-Z]{3}-\\\\d+$\")`",
                    );
                    return self.unknown(span);
                };
                match regex::Regex::new(pattern) {
                    Ok(regex) => (Method::Matches(Arc::new(regex)), Ty::Bool, Vec::new()),
                    Err(error) => {
                        let detail = error.to_string();
                        let last =
                            detail.lines().last().unwrap_or("invalid regular expression").trim().to_string();
                        self.error(
                            arg.span,
                            "invalid regular expression",
                            last,
                            "the syntax is that of the Rust `regex` crate",
                        );
                        return self.unknown(span);
                    }
                }
            }
        };
        Node::new(NodeKind::Call { target: Box::new(target), method: resolved, args: nodes }, ty, span, free)
    }

    /// `n.plural("team")` or `n.plural("person", "people")`: the number and the word that
    /// agrees with it, so that messages never need "team(s)".
    fn plural(&mut self, target: Node, method: &ast::Ident, args: &[ast::Expr], span: Span) -> Node {
        let words: Vec<&str> = args
            .iter()
            .filter_map(|arg| match &arg.kind {
                ExprKind::Literal(ValueKind::String(word)) => Some(word.as_str()),
                _ => None,
            })
            .collect();
        let (singular, plural) = match (words.as_slice(), args.len()) {
            ([singular], 1) => (Arc::from(*singular), Arc::from(format!("{singular}s"))),
            ([singular, plural], 2) => (Arc::from(*singular), Arc::from(*plural)),
            _ => {
                self.error(
                    method.span,
                    "`plural` takes the word in quotes, and its plural when it is not the word and an `s`",
                    "expected one or two string literals",
                    "write `plural(\"team\")` or `plural(\"person\", \"people\")`",
                );
                return self.unknown(span);
            }
        };
        let free = target.free;
        Node::new(
            NodeKind::Call {
                target: Box::new(target),
                method: Method::Plural(singular, plural),
                args: Vec::new(),
            },
            Ty::String,
            span,
            free,
        )
    }

    /// A method of money: only `convert("EUR")`, whose argument is a string literal
    /// holding an ISO 4217 code (checked here, so a misspelled code never waits for a
    /// subject to fail), or `convert()`, to the base currency.
    fn money_call(&mut self, target: Node, method: &ast::Ident, args: &[ast::Expr], span: Span) -> Node {
        let name = method.name.as_str();
        if name != "convert" {
            let help = did_you_mean(name, ["convert"]).unwrap_or_else(|| {
                "money has one method, `convert(\"EUR\")`, and the members `.amount` and `.currency`".into()
            });
            self.error(method.span, format!("money has no method `{name}`"), "unknown method", help);
            return self.unknown(span);
        }
        let usage = "write `convert(\"EUR\")` with the ISO 4217 code of the currency to convert to, or `convert()` for the base currency of `[money]`";
        let free = target.free;
        let arg = match args {
            [] => {
                return Node::new(
                    NodeKind::Call {
                        target: Box::new(target),
                        method: Method::ConvertToBase,
                        args: Vec::new(),
                    },
                    Ty::Money,
                    span,
                    free,
                );
            }
            [arg] => arg,
            _ => {
                let message = format!(
                    "`convert` takes one argument or none, but {} given",
                    plural_arguments(args.len())
                );
                self.error(method.span, message, "wrong number of arguments", usage);
                return self.unknown(span);
            }
        };
        let ExprKind::Literal(ValueKind::String(code)) = &arg.kind else {
            self.error(
                arg.span,
                "`convert` expects a currency code in quotes",
                "not a string literal",
                usage,
            );
            return self.unknown(span);
        };
        if !crate::model::currency::is_known(code) {
            // The code sits between the quotes.
            let inner = Span {
                start: arg.span.start.saturating_add(1),
                end: arg.span.end.saturating_sub(1).max(arg.span.start),
                ..arg.span
            };
            self.unknown_currency(code, inner);
            return self.unknown(span);
        }
        Node::new(
            NodeKind::Call {
                target: Box::new(target),
                method: Method::Convert(Arc::from(code.as_str())),
                args: Vec::new(),
            },
            Ty::Money,
            span,
            free,
        )
    }

    /// "unknown currency code `UDS`" at the code, with the closest ISO 4217 code as a fix.
    fn unknown_currency(&mut self, code: &str, span: Span) {
        let mut diagnostic =
            Diagnostic::builtin(BuiltinCode::RuleError, span, format!("unknown currency code `{code}`"))
                .with_label("not an ISO 4217 code");
        diagnostic = match crate::model::currency::closest(code) {
            Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")).with_fix(
                format!("replace with `{suggestion}`"),
                span,
                suggestion,
            ),
            None => diagnostic.with_help(
                "write the three-letter ISO 4217 code of the currency, such as `USD`, `EUR` or `GBP`",
            ),
        };
        self.errors.push(diagnostic);
    }

    /// `all any filter map count` with a variable: `list.filter(x, condition)`.
    fn lambda(
        &mut self,
        target: Node,
        method: &ast::Ident,
        args: &[ast::Expr],
        item: Ty,
        span: Span,
    ) -> Node {
        let name = method.name.as_str();
        let usage = if name == "map" {
            format!("write `{name}(x, expression)`, where `x` names each item")
        } else {
            format!("write `{name}(x, condition)`, where `x` names each item")
        };
        let (Some(variable), Some(body), 2) = (args.first(), args.get(1), args.len()) else {
            let message = format!(
                "`{name}` takes a variable and an expression, but {} given",
                plural_arguments(args.len())
            );
            self.error(method.span, message, "wrong number of arguments", usage);
            return self.unknown(span);
        };
        let ExprKind::Name(variable) = &variable.kind else {
            let message = format!("the first argument of `{name}` must be a new variable name");
            self.error(variable.span, message, "not a variable name", usage);
            return self.unknown(span);
        };
        if !self.check_new_name(variable) {
            return self.unknown(span);
        }
        let slot = self.bind_self(&variable.name, item, variable.span);
        let body = self.expr(body, None);
        self.scope.pop();
        let (resolved, ty) = match name {
            "all" => (Method::All(slot), Ty::Bool),
            "any" => (Method::Any(slot), Ty::Bool),
            "filter" => (Method::Filter(slot), target.ty.clone()),
            "map" => (Method::Map(slot), Ty::list(body.ty.clone())),
            _ => (Method::CountWhere(slot), Ty::Number),
        };
        if name != "map" {
            self.expect_bool(&body, &format!("`{name}`"));
        }
        let free = target.free | (body.free & !bit(slot));
        Node::new(
            NodeKind::Call { target: Box::new(target), method: resolved, args: vec![body] },
            ty,
            span,
            free,
        )
    }

    fn is_unbound_name(&self, expr: &ast::Expr) -> bool {
        match &expr.kind {
            ExprKind::Name(name) => {
                !self.scope.iter().any(|binding| binding.name == name.name)
                    && !GLOBALS.iter().any(|(global, _)| *global == name.name)
            }
            ExprKind::List(items) => items.iter().any(|item| self.is_unbound_name(item)),
            ExprKind::Paren(inner) => self.is_unbound_name(inner),
            _ => false,
        }
    }

    fn binary(&mut self, op: BinaryOp, left: &ast::Expr, right: &ast::Expr, span: Span) -> Node {
        // Type bare enum names from the other operand: `p.status == active`, `active == p.status`.
        let (left, right) = if self.is_unbound_name(left)
            && !self.is_unbound_name(right)
            && op != BinaryOp::In
            && op != BinaryOp::NotIn
        {
            let right = self.expr(right, None);
            let left = self.expr(left, Some(&right.ty));
            (left, right)
        } else {
            let left = self.expr(left, None);
            let hint = match op {
                BinaryOp::In | BinaryOp::NotIn => Ty::list(left.ty.clone()),
                _ => left.ty.clone(),
            };
            let right = self.expr(right, Some(&hint));
            (left, right)
        };
        let ty = self.binary_type(op, &left, &right, span);
        let free = left.free | right.free;
        Node::new(NodeKind::Binary { op, left: Box::new(left), right: Box::new(right) }, ty, span, free)
    }

    fn binary_type(&mut self, op: BinaryOp, left: &Node, right: &Node, span: Span) -> Ty {
        let (l, r) = (&left.ty, &right.ty);
        let symbol = op.as_str();
        match op {
            BinaryOp::And | BinaryOp::Or => {
                self.expect_bool(left, &format!("`{symbol}`"));
                self.expect_bool(right, &format!("`{symbol}`"));
                Ty::Bool
            }
            BinaryOp::Eq | BinaryOp::Ne => {
                if !comparable(l, r) && !money_and_zero(left, right) {
                    self.mismatch(span, symbol, l, r);
                }
                Ty::Bool
            }
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                if matches!(l, Ty::Measurement) || matches!(r, Ty::Measurement) {
                    self.error(
                        span,
                        "measurements cannot be compared directly",
                        "compares measurements",
                        "compare their `.value` or `.date`",
                    );
                } else if !orderable(l, r) && !money_and_zero(left, right) {
                    self.mismatch(span, symbol, l, r);
                }
                Ty::Bool
            }
            BinaryOp::In | BinaryOp::NotIn => {
                match r.item() {
                    Some(item) => {
                        if !comparable(l, &item) {
                            let message =
                                format!("a {} cannot be in a list of {}", l.describe(), item.describe());
                            self.error(span, message, "types differ", "");
                        }
                    }
                    None => self.error(
                        right.span,
                        format!("`{symbol}` needs a list on its right, found a {}", r.describe()),
                        "not a list",
                        "for strings, use `.contains(...)`",
                    ),
                }
                Ty::Bool
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => {
                match arithmetic(op, left, right) {
                    Some(ty) => ty,
                    None => {
                        let message =
                            format!("cannot apply `{symbol}` to {} and {}", with_article(l), with_article(r));
                        let help = match (l, r, op) {
                            (Ty::Money, Ty::Number, BinaryOp::Add | BinaryOp::Sub)
                            | (Ty::Number, Ty::Money, BinaryOp::Add | BinaryOp::Sub) => {
                                "write the amount with its currency, for example `100k USD`".to_string()
                            }
                            (Ty::Money, Ty::Money, BinaryOp::Mul) => {
                                "money multiplies with numbers and percents".to_string()
                            }
                            (Ty::Measurement, _, _) | (_, Ty::Measurement, _) => {
                                "use the measurement's `.value`".to_string()
                            }
                            _ => String::new(),
                        };
                        self.error(span, message, "incompatible operands", help);
                        Ty::Unknown
                    }
                }
            }
        }
    }

    fn mismatch(&mut self, span: Span, symbol: &str, left: &Ty, right: &Ty) {
        let help = match (left, right) {
            (Ty::Money, Ty::Number) | (Ty::Number, Ty::Money) => {
                "write the amount with its currency, for example `100k USD`; only `0` compares with money"
                    .to_string()
            }
            (Ty::Entity(_), Ty::String) | (Ty::String, Ty::Entity(_)) => {
                "compare the entity's `.id` with a string".to_string()
            }
            _ => String::new(),
        };
        self.error(
            span,
            format!("cannot compare {} with {} using `{symbol}`", with_article(left), with_article(right)),
            "types differ",
            help,
        );
    }
}

/// Money compared with, or added to, the literal `0`.
fn money_and_zero(left: &Node, right: &Node) -> bool {
    let zero = |node: &Node| matches!(&node.kind, NodeKind::Const(Value::Number(number)) if number.is_zero());
    (matches!(left.ty, Ty::Money) && zero(right)) || (matches!(right.ty, Ty::Money) && zero(left))
}

/// The result type of an arithmetic operator, or `None` when the operands do not mix.
fn arithmetic(op: BinaryOp, left: &Node, right: &Node) -> Option<Ty> {
    use Ty as T;
    let (l, r) = (&left.ty, &right.ty);
    if matches!(l, T::None) || matches!(r, T::None) {
        return Some(T::None);
    }
    if matches!(l, T::Unknown) || matches!(r, T::Unknown) {
        return Some(T::Unknown);
    }
    let numeric_result = |l: &Ty, r: &Ty| -> Ty {
        if matches!(l, T::Quantity) || matches!(r, T::Quantity) {
            T::Quantity
        } else if matches!(l, T::Percent) || matches!(r, T::Percent) {
            T::Percent
        } else {
            T::Number
        }
    };
    match op {
        BinaryOp::Add | BinaryOp::Sub => match (l, r) {
            (a, b) if a.is_numeric() && b.is_numeric() => Some(numeric_result(a, b)),
            (T::Money, T::Money) => Some(T::Money),
            (T::Money, T::Quantity) | (T::Quantity, T::Money) => Some(T::Unknown),
            (T::Money, T::Number) | (T::Number, T::Money) if money_and_zero(left, right) => Some(T::Money),
            (T::Date, T::Date) if op == BinaryOp::Sub => Some(T::Duration),
            (T::Date, T::Duration) => Some(T::Date),
            (T::Duration, T::Date) if op == BinaryOp::Add => Some(T::Date),
            (T::Duration, T::Duration) => Some(T::Duration),
            (T::String, T::String) if op == BinaryOp::Add => Some(T::String),
            _ => None,
        },
        BinaryOp::Mul => match (l, r) {
            (a, b) if a.is_numeric() && b.is_numeric() => {
                Some(if matches!((a, b), (T::Percent, T::Percent)) {
                    T::Percent
                } else {
                    numeric_result(a, b)
                })
            }
            (T::Money, b) if b.is_numeric() => Some(T::Money),
            (a, T::Money) if a.is_numeric() => Some(T::Money),
            _ => None,
        },
        BinaryOp::Div => match (l, r) {
            (T::Percent, T::Percent) | (T::Number, T::Number | T::Percent) | (T::Money, T::Money) => {
                Some(T::Number)
            }
            (T::Percent, T::Number) => Some(T::Percent),
            (a, b) if a.is_numeric() && b.is_numeric() => Some(T::Unknown),
            (T::Money, b) if b.is_numeric() => Some(T::Money),
            (T::Quantity, T::Money) | (T::Money, T::Quantity) => Some(T::Unknown),
            _ => None,
        },
        _ => None,
    }
}

fn with_article(ty: &Ty) -> String {
    match ty {
        Ty::Money => "money".into(),
        Ty::None => "`none`".into(),
        Ty::List(item) => format!("a list of {}", item.describe()),
        Ty::Enum(_) => format!("an {}", ty.describe()),
        other => {
            let name = other.describe();
            let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
            format!("{article} {name}")
        }
    }
}

fn plural_arguments(count: usize) -> String {
    match count {
        0 => "none were".to_string(),
        1 => "1 was".to_string(),
        count => format!("{count} were"),
    }
}

/// `` `a`, `b`, `c` ``.
pub(crate) fn ticked<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.map(|item| format!("`{item}`")).collect::<Vec<_>>().join(", ")
}
