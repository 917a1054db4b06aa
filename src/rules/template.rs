//! Message templates: `"project {p} names no sponsor"`. `{expr}` interpolates an
//! expression of the rule's scope; `{{` and `}}` are literal braces; string literals are
//! not allowed inside `{}` (so a `}` in a string can never end an interpolation).

use super::ir::Node;
use crate::source::{SourceMap, Span};
use crate::syntax::ast;

/// A checked template.
#[derive(Clone, Debug)]
pub(crate) struct Template {
    pub pieces: Vec<Piece>,
}

#[derive(Clone, Debug)]
pub(crate) enum Piece {
    Text(String),
    Expr(Node),
}

impl Template {
    pub(crate) fn for_each_node(&mut self, visit: &mut dyn FnMut(&mut Node)) {
        for piece in &mut self.pieces {
            if let Piece::Expr(node) = piece {
                visit(node);
            }
        }
    }
}

/// A template split into text and parsed (unchecked) expressions.
#[derive(Debug)]
pub(crate) enum Raw {
    Text(String),
    Expr(ast::Expr),
}

/// A malformed template.
#[derive(Debug)]
pub(crate) struct TemplateError {
    pub span: Span,
    pub message: String,
    pub label: String,
    pub help: String,
}

/// Splits a template into text and expressions.
pub(crate) fn parse(literal: &ast::StringLit, sources: &SourceMap) -> Result<Vec<Raw>, TemplateError> {
    let text = literal.value.as_str();
    // Map offsets of the decoded text to the source when the literal has no escapes.
    let raw = sources.slice(literal.span);
    let exact = raw.len() == text.len() + 2 && raw.get(1..raw.len().saturating_sub(1)) == Some(text);
    let base = literal.span.start as usize + 1;
    let span_of = |start: usize, end: usize| {
        if exact { Span::new(literal.span.file, base + start, base + end) } else { literal.span }
    };
    let error = |start: usize, end: usize, message: &str, label: &str, help: &str| TemplateError {
        span: span_of(start, end),
        message: message.to_string(),
        label: label.to_string(),
        help: help.to_string(),
    };
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((index, character)) = chars.next() {
        match character {
            '{' if chars.peek().is_some_and(|(_, next)| *next == '{') => {
                chars.next();
                current.push('{');
            }
            '}' if chars.peek().is_some_and(|(_, next)| *next == '}') => {
                chars.next();
                current.push('}');
            }
            '}' => {
                return Err(error(
                    index,
                    index + 1,
                    "unmatched `}` in message template",
                    "no `{` opens this",
                    "write `}}` for a literal brace",
                ));
            }
            '{' => {
                let start = index + 1;
                let mut end = None;
                for (inner, next) in chars.by_ref() {
                    match next {
                        '}' => {
                            end = Some(inner);
                            break;
                        }
                        '{' => {
                            return Err(error(
                                index,
                                inner + 1,
                                "`{` inside `{...}` in message template",
                                "nested brace",
                                "interpolations do not nest; write `{{` for a literal brace",
                            ));
                        }
                        '"' => {
                            return Err(error(
                                inner,
                                inner + 1,
                                "string literal inside `{...}` in message template",
                                "not allowed here",
                                "move the text outside the braces",
                            ));
                        }
                        _ => {}
                    }
                }
                let Some(end) = end else {
                    return Err(error(
                        index,
                        text.len(),
                        "unclosed `{` in message template",
                        "this `{` is never closed",
                        "close it with `}`, or write `{{` for a literal brace",
                    ));
                };
                let source = text.get(start..end).unwrap_or("");
                if source.trim().is_empty() {
                    return Err(error(
                        index,
                        end + 1,
                        "empty `{}` in message template",
                        "nothing to interpolate",
                        "write an expression such as `{p}` or `{p.budget}`, or `{{}}` for literal braces",
                    ));
                }
                if !current.is_empty() {
                    pieces.push(Raw::Text(std::mem::take(&mut current)));
                }
                let expr = parse_expression(
                    literal.span.file,
                    source,
                    if exact { base + start } else { literal.span.start as usize },
                )
                .map_err(|message| {
                    error(
                        start,
                        end,
                        &format!("invalid expression in message template: {message}"),
                        "does not parse",
                        "write an expression such as `{p}` or `{p.budget}`",
                    )
                })?;
                let expr = if exact { expr } else { respan(expr, literal.span) };
                pieces.push(Raw::Expr(expr));
            }
            other => current.push(other),
        }
    }
    if !current.is_empty() {
        pieces.push(Raw::Text(current));
    }
    Ok(pieces)
}

/// Parses the expression of one interpolation, with spans starting at `base`.
fn parse_expression(file: crate::source::FileId, text: &str, base: usize) -> Result<ast::Expr, String> {
    match crate::syntax::parse_expression(file, text, base) {
        (Some(expr), diagnostics) if diagnostics.is_empty() => Ok(expr),
        (_, diagnostics) => Err(diagnostics
            .into_iter()
            .next()
            .map_or_else(|| "it does not parse".to_string(), |diagnostic| diagnostic.message)),
    }
}

/// Gives every node of `expr` the span `span` (when the template's offsets are unknown).
fn respan(mut expr: ast::Expr, span: Span) -> ast::Expr {
    fn walk(expr: &mut ast::Expr, span: Span) {
        expr.span = span;
        match &mut expr.kind {
            ast::ExprKind::Literal(_) => {}
            ast::ExprKind::Name(name) => name.span = span,
            ast::ExprKind::List(items) => items.iter_mut().for_each(|item| walk(item, span)),
            ast::ExprKind::Member { target, member } => {
                member.span = span;
                walk(target, span);
            }
            ast::ExprKind::Call { target, method, args } => {
                method.span = span;
                walk(target, span);
                args.iter_mut().for_each(|arg| walk(arg, span));
            }
            ast::ExprKind::Unary { operand, .. } => walk(operand, span),
            ast::ExprKind::Binary { left, right, .. } => {
                walk(left, span);
                walk(right, span);
            }
            ast::ExprKind::Paren(inner) => walk(inner, span),
        }
    }
    walk(&mut expr, span);
    expr
}
