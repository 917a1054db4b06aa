//! Lowering: pest pairs of one declaration → the spanned syntax tree.
//!
//! The grammar has already checked the shape, so lowering only converts: it decodes
//! strings, computes exact decimals, climbs operator precedences and builds spans. The few
//! problems the grammar cannot see (a bad escape, a number too large for a decimal) are
//! reported here; they do not break the declaration. Trees deeper than
//! [`MAX_EXPR_DEPTH`] do, because every later stage walks trees recursively.

use super::ast::{
    BinaryOp, DateLit, Doc, Duration, DurationUnit, Entity, Expect, ExpectKind, Expr, ExprKind, Extend,
    Field, FieldDecl, Ident, Item, Let, Path, Require, Rule as RuleDecl, RuleClause, StringLit, Subject,
    Test, TypeExpr, TypeExprKind, UnaryOp, Use, Value, ValueKind,
};
use super::grammar::Rule;
use super::strings;
use crate::diagnostic::{BuiltinCode, Diagnostic};
use crate::source::{FileId, Span};
use compact_str::CompactString;
use pest::iterators::Pair;
use rust_decimal::Decimal;

/// The deepest expression tree lowering builds. Deeper trees are syntax errors: the
/// type checker, the evaluator and the formatter all recurse over expressions.
pub(crate) const MAX_EXPR_DEPTH: usize = 200;

/// A problem that makes the whole declaration unusable.
pub(crate) struct Fatal {
    pub span: Span,
    pub message: String,
}

/// Converts pairs into tree nodes, shifting every span by `base`.
pub(crate) struct Lower<'d> {
    pub file: FileId,
    /// The offset of the parsed text in the file.
    pub base: usize,
    /// Non-fatal problems found while lowering.
    pub diagnostics: &'d mut Vec<Diagnostic>,
}

type Lowered<T> = Result<T, Fatal>;

impl Lower<'_> {
    /// Lowers an `item` pair (an optional doc comment and one declaration).
    pub fn item(&mut self, pair: Pair<'_, Rule>) -> Lowered<Item> {
        let mut doc = None;
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::doc => doc = Some(self.doc(child)),
                Rule::use_decl => return Ok(Item::Use(self.use_decl(child))),
                Rule::entity => return Ok(Item::Entity(self.entity(doc, child))),
                Rule::extend_decl => return Ok(Item::Extend(self.extend(doc, child))),
                Rule::rule_decl => return Ok(Item::Rule(Box::new(self.rule(doc, child)?))),
                Rule::test_decl => return Ok(Item::Test(self.test(doc, child))),
                _ => {}
            }
        }
        Err(Fatal {
            span: Span::new(self.file, self.base, self.base),
            message: "expected a declaration".to_owned(),
        })
    }

    /// Lowers an `expr` pair on its own (templates).
    pub fn expression(&mut self, pair: Pair<'_, Rule>) -> Lowered<Expr> {
        self.expr(pair, 0).map(|(expr, _)| expr)
    }

    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let span = pair.as_span();
        Span::new(self.file, self.base + span.start(), self.base + span.end())
    }

    /// The span of a composite pair without the whitespace and comments pest lets a
    /// non-atomic rule end with: from its start to the end of its last token.
    fn content_span(&self, pair: &Pair<'_, Rule>) -> Span {
        let start = pair.as_span().start();
        let mut end = pair.as_span().end();
        // `next_back` jumps to the last child; `last` would walk every child.
        let mut current = pair.clone().into_inner().next_back();
        while let Some(last) = current {
            end = last.as_span().end();
            current = last.into_inner().next_back();
        }
        Span::new(self.file, self.base + start, self.base + end)
    }

    fn ident(&self, pair: &Pair<'_, Rule>) -> Ident {
        Ident { name: CompactString::new(pair.as_str()), span: self.span(pair) }
    }

    fn doc(&self, pair: Pair<'_, Rule>) -> Doc {
        let span = self.content_span(&pair);
        let lines: Vec<&str> = pair
            .into_inner()
            .map(|line| {
                let text = line.as_str().trim_end_matches('\r');
                let text = text.strip_prefix("///").unwrap_or(text);
                text.strip_prefix(' ').unwrap_or(text)
            })
            .collect();
        Doc { text: lines.join("\n"), span }
    }

    fn string(&mut self, pair: &Pair<'_, Rule>) -> StringLit {
        let span = self.span(pair);
        let (value, problems) = match pair.as_rule() {
            Rule::text_block => strings::decode_block(pair.as_str()),
            _ => strings::decode_line(pair.as_str()),
        };
        for problem in problems {
            let span = Span::new(
                self.file,
                span.start as usize + problem.range.start,
                span.start as usize + problem.range.end,
            );
            self.diagnostics.push(
                Diagnostic::builtin(BuiltinCode::Syntax, span, problem.message)
                    .with_label("in this string")
                    .with_help("the escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{1F600}`"),
            );
        }
        // Inline when it fits; a longer value keeps the decoded string's buffer.
        let value = if value.len() <= 24 { CompactString::new(&value) } else { CompactString::from(value) };
        StringLit { value, span }
    }

    fn use_decl(&mut self, pair: Pair<'_, Rule>) -> Use {
        let span = self.content_span(&pair);
        let path = pair
            .into_inner()
            .find(|child| matches!(child.as_rule(), Rule::string | Rule::text_block))
            .map_or_else(|| StringLit { value: CompactString::default(), span }, |child| self.string(&child));
        Use { path, span }
    }

    /// Lowers `entity`, `nested` and the entities of tests: `KIND ID ["title"] { ... }`.
    fn entity(&mut self, doc: Option<Doc>, pair: Pair<'_, Rule>) -> Entity {
        // An entity ends with the `}` of its body: its pair has no trailing whitespace.
        let span = self.span(&pair);
        let mut idents = Vec::with_capacity(2);
        let mut title = None;
        let mut fields = Vec::new();
        let mut children = Vec::new();
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::ident => idents.push(self.ident(&child)),
                Rule::string | Rule::text_block => title = Some(self.string(&child)),
                Rule::entity_body => {
                    let members = child.clone().into_inner();
                    // Every member but the braces is a field, or now and then a nested
                    // entity: sized once, the list holds no spare capacity for its life.
                    fields.reserve_exact(members.len().saturating_sub(2));
                    for member in child.into_inner() {
                        if member.as_rule() == Rule::member {
                            self.member(member, &mut fields, &mut children);
                        }
                    }
                }
                _ => {}
            }
        }
        let mut idents = idents.into_iter();
        let missing = || Ident { name: CompactString::default(), span };
        let kind = idents.next().unwrap_or_else(missing);
        let id = idents.next().unwrap_or_else(missing);
        if !children.is_empty() {
            fields.shrink_to_fit();
            children.shrink_to_fit();
        }
        Entity { doc, kind, id, title, fields, children, span }
    }

    fn member(&mut self, pair: Pair<'_, Rule>, fields: &mut Vec<Field>, children: &mut Vec<Entity>) {
        let mut doc = None;
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::doc => doc = Some(self.doc(child)),
                Rule::field => fields.push(self.field(doc.take(), child)),
                Rule::nested => children.push(self.entity(doc.take(), child)),
                _ => {}
            }
        }
    }

    /// Lowers `field` (`name: value`) and rule settings; `doc` may come from outside.
    fn field(&mut self, mut doc: Option<Doc>, pair: Pair<'_, Rule>) -> Field {
        let mut name = None;
        let mut value = None;
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::doc => doc = Some(self.doc(child)),
                Rule::ident => name = Some(self.ident(&child)),
                Rule::value => value = Some(self.value(child)),
                _ => {}
            }
        }
        let name = name.unwrap_or_else(|| Ident {
            name: CompactString::default(),
            span: Span::new(self.file, self.base, self.base),
        });
        let value = value.unwrap_or(Value { kind: ValueKind::None, span: name.span });
        Field { doc: doc.map(Box::new), span: name.span.to(value.span), name, value }
    }

    fn value(&mut self, pair: Pair<'_, Rule>) -> Value {
        let whole = self.span(&pair);
        let Some(inner) = pair.into_inner().next() else {
            return Value { kind: ValueKind::None, span: whole };
        };
        // Every alternative but `quantity` (which finds its own span) is one pair that
        // starts where the value does and ends with its last token (a list with its
        // `]`), so its span is the value's without a walk to the last token.
        let span = self.span(&inner);
        let kind = match inner.as_rule() {
            Rule::list => {
                let children = inner.into_inner();
                // The brackets are the only pairs besides the values (commas are silent).
                let mut values = Vec::with_capacity(children.len().saturating_sub(2));
                for child in children.filter(|child| child.as_rule() == Rule::value) {
                    values.push(self.value(child));
                }
                ValueKind::List(values)
            }
            Rule::string | Rule::text_block => ValueKind::String(self.string(&inner).value),
            Rule::date => ValueKind::Date(self.date(&inner)),
            Rule::duration => ValueKind::Duration(self.duration(&inner)),
            Rule::quantity => return self.quantity(inner),
            Rule::boolean => ValueKind::Bool(inner.as_str() == "true"),
            Rule::name => ValueKind::Name(CompactString::new(inner.as_str())),
            _ => ValueKind::None,
        };
        Value { kind, span }
    }

    /// A number, percent or money, possibly measured at a date (`68% @ 2025-06-30`).
    fn quantity(&mut self, pair: Pair<'_, Rule>) -> Value {
        let span = self.content_span(&pair);
        let mut scalar = None;
        let mut date = None;
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::date => date = Some(self.date(&child)),
                _ => {
                    scalar = Some(Value { kind: self.scalar(&child), span: self.span(&child) });
                }
            }
        }
        let scalar = scalar.unwrap_or(Value { kind: ValueKind::None, span });
        match date {
            Some(date) => Value { kind: ValueKind::Measurement { value: Box::new(scalar), date }, span },
            None => scalar,
        }
    }

    /// Converts a number, percent or money token into its value.
    fn scalar(&mut self, pair: &Pair<'_, Rule>) -> ValueKind {
        let text = pair.as_str();
        match pair.as_rule() {
            Rule::money | Rule::expr_money => {
                let (amount, currency) = text.trim_end().rsplit_once([' ', '\t']).unwrap_or((text, ""));
                ValueKind::Money {
                    amount: self.decimal(amount.trim_end(), pair),
                    currency: CompactString::new(currency),
                }
            }
            Rule::percent | Rule::expr_percent => {
                let number = self.decimal(text.trim_end_matches('%'), pair);
                // A percent is stored as its fraction; dividing by 100 rounds away digits
                // past the 28th decimal place, which must not pass silently.
                let fraction = number.checked_div(Decimal::ONE_HUNDRED).unwrap_or_default();
                if fraction.checked_mul(Decimal::ONE_HUNDRED) != Some(number) {
                    let span = self.span(pair);
                    self.diagnostics.push(
                        Diagnostic::builtin(BuiltinCode::TypeMismatch, span, format!("percent `{text}` is out of range"))
                            .with_label("too precise")
                            .with_help("a percent is the fraction it stands for, an exact decimal of at most 28 decimal places: `15%` is 0.15"),
                    );
                }
                ValueKind::Percent(fraction.normalize())
            }
            _ => ValueKind::Number(self.decimal(text, pair)),
        }
    }

    /// An exact decimal from `-1_200.5k`-style text; out of range (too large or too
    /// precise) → a `charter::type_mismatch` and zero.
    fn decimal(&mut self, text: &str, pair: &Pair<'_, Rule>) -> Decimal {
        let (digits, factor) = match text.as_bytes().last() {
            Some(b'k') => (text.get(..text.len() - 1).unwrap_or(text), 1_000_i64),
            Some(b'M') => (text.get(..text.len() - 1).unwrap_or(text), 1_000_000),
            Some(b'B') => (text.get(..text.len() - 1).unwrap_or(text), 1_000_000_000),
            _ => (text, 1),
        };
        let value = small_decimal(digits)
            .or_else(|| Decimal::from_str_exact(&digits.replace('_', "")).ok())
            .and_then(|value| value.checked_mul(Decimal::from(factor)))
            .map(|value| if factor == 1 { value } else { value.normalize() });
        value.unwrap_or_else(|| {
            let span = self.span(pair);
            self.diagnostics.push(
                Diagnostic::builtin(BuiltinCode::TypeMismatch, span, format!("number `{text}` is out of range"))
                    .with_label("too large or too precise")
                    .with_help(
                        "numbers are exact decimals of at most 28 significant digits, up to ±79,228,162,514,264,337,593,543,950,335",
                    ),
            );
            Decimal::ZERO
        })
    }

    fn date(&self, pair: &Pair<'_, Rule>) -> DateLit {
        let mut parts = pair.as_str().splitn(3, '-');
        let year = parts.next().and_then(|part| part.parse().ok()).unwrap_or(0);
        let month = parts.next().and_then(|part| part.parse().ok()).unwrap_or(0);
        let day = parts.next().and_then(|part| part.parse().ok()).unwrap_or(0);
        DateLit { year, month, day, span: self.span(pair) }
    }

    fn duration(&mut self, pair: &Pair<'_, Rule>) -> Duration {
        let text = pair.as_str();
        let split = text.find(|character: char| !character.is_ascii_digit()).unwrap_or(text.len());
        let (amount, unit) = text.split_at_checked(split).unwrap_or((text, ""));
        let unit = match unit {
            "d" => DurationUnit::Days,
            "w" => DurationUnit::Weeks,
            "mo" => DurationUnit::Months,
            _ => DurationUnit::Years,
        };
        let amount = amount.parse().unwrap_or_else(|_| {
            let span = self.span(pair);
            self.diagnostics.push(
                Diagnostic::builtin(BuiltinCode::Syntax, span, format!("duration `{text}` is too large"))
                    .with_label("this duration"),
            );
            0
        });
        Duration { amount, unit }
    }

    fn extend(&mut self, doc: Option<Doc>, pair: Pair<'_, Rule>) -> Extend {
        let span = self.content_span(&pair);
        let mut kind = None;
        let mut fields = Vec::new();
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::ident => kind = Some(self.ident(&child)),
                Rule::field_decl => fields.push(self.field_decl(child)),
                _ => {}
            }
        }
        Extend { doc, kind: kind.unwrap_or(Ident { name: CompactString::default(), span }), fields, span }
    }

    fn field_decl(&mut self, pair: Pair<'_, Rule>) -> FieldDecl {
        let end = self.content_span(&pair);
        let mut doc = None;
        let mut name = None;
        let mut ty = None;
        let mut required = false;
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::doc => doc = Some(self.doc(child)),
                Rule::ident => name = Some(self.ident(&child)),
                Rule::type_expr => ty = Some(self.type_expr(child)),
                Rule::kw_required => required = true,
                _ => {}
            }
        }
        let name = name.unwrap_or(Ident { name: CompactString::default(), span: end });
        let ty = ty.unwrap_or_else(|| TypeExpr { kind: TypeExprKind::Named(name.clone()), span: name.span });
        FieldDecl { doc, span: Span { end: end.end, ..name.span }, name, ty, required }
    }

    fn type_expr(&mut self, pair: Pair<'_, Rule>) -> TypeExpr {
        let span = self.content_span(&pair);
        let fallback =
            || TypeExpr { kind: TypeExprKind::Named(Ident { name: CompactString::default(), span }), span };
        let Some(inner) = pair.into_inner().next() else {
            return fallback();
        };
        let kind = match inner.as_rule() {
            Rule::list_type => match inner.into_inner().find(|child| child.as_rule() == Rule::type_expr) {
                Some(element) => TypeExprKind::List(Box::new(self.type_expr(element))),
                None => return fallback(),
            },
            Rule::enum_type => TypeExprKind::Enum(
                inner
                    .into_inner()
                    .filter(|child| child.as_rule() == Rule::ident)
                    .map(|child| self.ident(&child))
                    .collect(),
            ),
            Rule::ref_type => match inner.into_inner().find(|child| child.as_rule() == Rule::ident) {
                Some(kind) => TypeExprKind::Ref(self.ident(&kind)),
                None => return fallback(),
            },
            _ => match inner.into_inner().next() {
                Some(name) => TypeExprKind::Named(self.ident(&name)),
                None => return fallback(),
            },
        };
        TypeExpr { kind, span }
    }

    fn rule(&mut self, doc: Option<Doc>, pair: Pair<'_, Rule>) -> Lowered<RuleDecl> {
        let span = self.content_span(&pair);
        let mut rule = RuleDecl {
            doc,
            name: Ident { name: CompactString::default(), span },
            settings: Vec::new(),
            subject: None,
            lets: Vec::new(),
            requires: Vec::new(),
            clauses: Vec::new(),
            span,
        };
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::ident => rule.name = self.ident(&child),
                Rule::setting => {
                    rule.clauses.push(RuleClause::Setting(rule.settings.len()));
                    rule.settings.push(self.field(None, child));
                }
                Rule::subject => {
                    let subject = self.subject(child)?;
                    if let Some(first) = &rule.subject {
                        self.diagnostics.push(
                            Diagnostic::builtin(
                                BuiltinCode::Syntax,
                                subject.span(),
                                "a rule has exactly one `for` clause",
                            )
                            .with_label("second `for` clause")
                            .with_secondary(first.span(), "first `for` clause"),
                        );
                    } else {
                        rule.clauses.push(RuleClause::Subject);
                        rule.subject = Some(subject);
                    }
                }
                Rule::let_clause => {
                    let clause_span = self.content_span(&child);
                    let mut name = None;
                    let mut value = None;
                    for part in child.into_inner() {
                        match part.as_rule() {
                            Rule::ident => name = Some(self.ident(&part)),
                            Rule::expr => value = Some(self.expr(part, 0)?.0),
                            _ => {}
                        }
                    }
                    if let (Some(name), Some(value)) = (name, value) {
                        rule.clauses.push(RuleClause::Let(rule.lets.len()));
                        rule.lets.push(Let { name, value, span: clause_span });
                    }
                }
                Rule::require_clause => {
                    let clause_span = self.content_span(&child);
                    let mut condition = None;
                    let mut message = None;
                    for part in child.into_inner() {
                        match part.as_rule() {
                            Rule::expr => condition = Some(self.expr(part, 0)?.0),
                            Rule::string | Rule::text_block => message = Some(self.string(&part)),
                            _ => {}
                        }
                    }
                    if let Some(condition) = condition {
                        rule.clauses.push(RuleClause::Require(rule.requires.len()));
                        rule.requires.push(Require { condition, message, span: clause_span });
                    }
                }
                _ => {}
            }
        }
        Ok(rule)
    }

    fn subject(&mut self, pair: Pair<'_, Rule>) -> Lowered<Subject> {
        let span = self.content_span(&pair);
        let mut idents = Vec::with_capacity(2);
        let mut filter = None;
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::kw_portfolio => return Ok(Subject::Portfolio { span }),
                Rule::ident => idents.push(self.ident(&child)),
                Rule::expr => filter = Some(self.expr(child, 0)?.0),
                _ => {}
            }
        }
        let mut idents = idents.into_iter();
        let missing = || Ident { name: CompactString::default(), span };
        Ok(Subject::Kind {
            kind: idents.next().unwrap_or_else(missing),
            var: idents.next().unwrap_or_else(missing),
            filter,
            span,
        })
    }

    fn test(&mut self, doc: Option<Doc>, pair: Pair<'_, Rule>) -> Test {
        let span = self.content_span(&pair);
        let mut test = Test {
            doc,
            name: Ident { name: CompactString::default(), span },
            today: None,
            entities: Vec::new(),
            expects: Vec::new(),
            span,
        };
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::ident => test.name = self.ident(&child),
                Rule::today => {
                    let Some(date) = child.into_inner().find(|part| part.as_rule() == Rule::date) else {
                        continue;
                    };
                    let date = self.date(&date);
                    if let Some(first) = &test.today {
                        self.diagnostics.push(
                            Diagnostic::builtin(BuiltinCode::Syntax, date.span, "`today` is given twice")
                                .with_label("second `today`")
                                .with_secondary(first.span, "first `today`"),
                        );
                    } else {
                        test.today = Some(date);
                    }
                }
                Rule::expect => test.expects.push(self.expect(child)),
                Rule::test_entity => {
                    let mut doc = None;
                    for part in child.into_inner() {
                        match part.as_rule() {
                            Rule::doc => doc = Some(self.doc(part)),
                            Rule::nested => test.entities.push(self.entity(doc.take(), part)),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        test
    }

    fn expect(&self, pair: Pair<'_, Rule>) -> Expect {
        let span = self.content_span(&pair);
        let mut negated = false;
        let mut clean = false;
        let mut paths = Vec::with_capacity(2);
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::kw_clean => clean = true,
                Rule::kw_no => negated = true,
                Rule::path => paths.push(Path { name: child.as_str().to_owned(), span: self.span(&child) }),
                _ => {}
            }
        }
        let mut paths = paths.into_iter();
        let kind = match (clean, paths.next()) {
            (false, Some(rule)) => ExpectKind::Finding { negated, rule, on: paths.next() },
            _ => ExpectKind::Clean,
        };
        Expect { kind, span }
    }
}

/// One element of an expression's flat operator/operand list.
enum Token {
    Prefix(UnaryOp, Span),
    Operand(Expr, usize),
    Infix(BinaryOp),
}

/// The binding strength of `not`: looser than comparisons, tighter than `and`.
const NOT_PRECEDENCE: u8 = 3;

impl Lower<'_> {
    /// Lowers an `expr` pair; returns the tree and its height.
    fn expr(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Lowered<(Expr, usize)> {
        let span = self.content_span(&pair);
        if depth > MAX_EXPR_DEPTH {
            return Err(too_deep(span));
        }
        let mut tokens = Vec::new();
        for child in pair.into_inner() {
            let token = match child.as_rule() {
                Rule::op_not => Token::Prefix(UnaryOp::Not, self.span(&child)),
                Rule::op_neg => Token::Prefix(UnaryOp::Neg, self.span(&child)),
                Rule::postfix => {
                    let Some(Token::Operand(target, height)) = tokens.pop() else {
                        continue;
                    };
                    let (expr, height) = self.postfix(target, height, child, depth)?;
                    Token::Operand(expr, height)
                }
                rule => match binary_op(rule) {
                    Some(op) => Token::Infix(op),
                    None => {
                        let (expr, height) = self.primary(child, depth)?;
                        Token::Operand(expr, height)
                    }
                },
            };
            tokens.push(token);
        }
        let mut climber = Climber { tokens: tokens.into_iter().peekable(), span };
        climber.expression(0, 0)
    }

    fn primary(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Lowered<(Expr, usize)> {
        let span = self.content_span(&pair);
        let kind = match pair.as_rule() {
            Rule::paren => {
                let Some(inner) = pair.into_inner().find(|child| child.as_rule() == Rule::expr) else {
                    return Err(Fatal { span, message: "expected an expression".to_owned() });
                };
                let (inner, height) = self.expr(inner, depth + 1)?;
                return Ok((Expr { kind: ExprKind::Paren(Box::new(inner)), span }, height + 1));
            }
            Rule::expr_list => {
                let mut elements = Vec::new();
                let mut height = 0;
                for child in pair.into_inner().filter(|child| child.as_rule() == Rule::expr) {
                    let (element, element_height) = self.expr(child, depth + 1)?;
                    height = height.max(element_height);
                    elements.push(element);
                }
                return Ok((Expr { kind: ExprKind::List(elements), span }, height + 1));
            }
            Rule::ident => ExprKind::Name(self.ident(&pair)),
            Rule::string | Rule::text_block => ExprKind::Literal(ValueKind::String(self.string(&pair).value)),
            Rule::date => ExprKind::Literal(ValueKind::Date(self.date(&pair))),
            Rule::duration => ExprKind::Literal(ValueKind::Duration(self.duration(&pair))),
            Rule::boolean => ExprKind::Literal(ValueKind::Bool(pair.as_str() == "true")),
            Rule::none => ExprKind::Literal(ValueKind::None),
            _ => ExprKind::Literal(self.scalar(&pair)),
        };
        Ok((Expr { kind, span }, 1))
    }

    /// `.member` or `.method(args)` applied to `target`.
    fn postfix(
        &mut self,
        target: Expr,
        height: usize,
        pair: Pair<'_, Rule>,
        depth: usize,
    ) -> Lowered<(Expr, usize)> {
        let span = target.span.to(self.content_span(&pair));
        if height >= MAX_EXPR_DEPTH {
            return Err(too_deep(span));
        }
        let mut member = None;
        let mut args = None;
        let mut args_height = 0;
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::ident => member = Some(self.ident(&child)),
                Rule::call_args => {
                    let mut list = Vec::new();
                    for arg in child.into_inner().filter(|arg| arg.as_rule() == Rule::expr) {
                        let (arg, arg_height) = self.expr(arg, depth + 1)?;
                        args_height = args_height.max(arg_height);
                        list.push(arg);
                    }
                    args = Some(list);
                }
                _ => {}
            }
        }
        let member = member.unwrap_or(Ident { name: CompactString::default(), span });
        let target = Box::new(target);
        let kind = match args {
            Some(args) => ExprKind::Call { target, method: member, args },
            None => ExprKind::Member { target, member },
        };
        Ok((Expr { kind, span }, height.max(args_height) + 1))
    }
}

/// The decimal of `-1_200.5`-style text with at most 18 digits, without allocating; `None`
/// for anything else (the caller falls back to `Decimal::from_str_exact`, which gives the
/// same mantissa and scale).
fn small_decimal(text: &str) -> Option<Decimal> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut mantissa: i64 = 0;
    let mut digits = 0;
    let mut scale = None;
    for byte in unsigned.bytes() {
        match byte {
            b'0'..=b'9' => {
                digits += 1;
                if digits > 18 {
                    return None;
                }
                mantissa = mantissa * 10 + i64::from(byte - b'0');
                scale = scale.map(|scale: u32| scale + 1);
            }
            b'_' => {}
            b'.' if scale.is_none() => scale = Some(0),
            _ => return None,
        }
    }
    if digits == 0 || (negative && mantissa == 0) {
        return None;
    }
    let mut value = Decimal::new(mantissa, scale.unwrap_or(0));
    value.set_sign_negative(negative);
    Some(value)
}

fn too_deep(span: Span) -> Fatal {
    Fatal { span, message: format!("expression is nested too deeply (more than {MAX_EXPR_DEPTH} levels)") }
}

fn binary_op(rule: Rule) -> Option<BinaryOp> {
    Some(match rule {
        Rule::op_or => BinaryOp::Or,
        Rule::op_and => BinaryOp::And,
        Rule::op_not_in => BinaryOp::NotIn,
        Rule::op_in => BinaryOp::In,
        Rule::op_eq => BinaryOp::Eq,
        Rule::op_ne => BinaryOp::Ne,
        Rule::op_le => BinaryOp::Le,
        Rule::op_lt => BinaryOp::Lt,
        Rule::op_ge => BinaryOp::Ge,
        Rule::op_gt => BinaryOp::Gt,
        Rule::op_add => BinaryOp::Add,
        Rule::op_sub => BinaryOp::Sub,
        Rule::op_mul => BinaryOp::Mul,
        Rule::op_div => BinaryOp::Div,
        _ => return None,
    })
}

/// Precedence climbing over the flat token list of one `expr` pair. All binary operators
/// are left-associative (`a < b < c` is `(a < b) < c`, which the type checker rejects).
struct Climber<I: Iterator<Item = Token>> {
    tokens: std::iter::Peekable<I>,
    span: Span,
}

impl<I: Iterator<Item = Token>> Climber<I> {
    fn expression(&mut self, min_precedence: u8, depth: usize) -> Lowered<(Expr, usize)> {
        let (mut left, mut height) = self.unary(depth)?;
        while let Some(Token::Infix(op)) = self.tokens.peek() {
            let op = *op;
            if op.precedence() < min_precedence {
                break;
            }
            self.tokens.next();
            let (right, right_height) = self.expression(op.precedence() + 1, depth + 1)?;
            height = height.max(right_height) + 1;
            if height > MAX_EXPR_DEPTH {
                return Err(too_deep(left.span.to(right.span)));
            }
            left = Expr {
                span: left.span.to(right.span),
                kind: ExprKind::Binary { op, left: Box::new(left), right: Box::new(right) },
            };
        }
        Ok((left, height))
    }

    fn unary(&mut self, depth: usize) -> Lowered<(Expr, usize)> {
        if depth > MAX_EXPR_DEPTH {
            return Err(too_deep(self.span));
        }
        match self.tokens.next() {
            Some(Token::Operand(expr, height)) => Ok((expr, height)),
            Some(Token::Prefix(op, op_span)) => {
                let (operand, height) = match op {
                    UnaryOp::Not => self.expression(NOT_PRECEDENCE, depth + 1)?,
                    UnaryOp::Neg => self.unary(depth + 1)?,
                };
                Ok((
                    Expr {
                        span: op_span.to(operand.span),
                        kind: ExprKind::Unary { op, operand: Box::new(operand) },
                    },
                    height + 1,
                ))
            }
            Some(Token::Infix(_)) | None => {
                Err(Fatal { span: self.span, message: "expected an expression".to_owned() })
            }
        }
    }
}
