//! Parsing: pest grammar → spanned syntax tree, with error recovery.
//!
//! [`parse`] never fails as a whole. It returns the tree of every declaration that parsed,
//! a [`ast::Broken`] item for every one that did not, and one `charter::syntax`
//! diagnostic per broken declaration.
//!
//! A file is first parsed in one pest call. Only when that fails is it cut into
//! top-level declarations ([`recover`]) and each parsed alone, so one mistake costs one
//! declaration. The grammar lives in `grammar/charter.pest`; `docs/syntax.md` records its
//! design decisions.

pub mod ast;
mod errors;
mod grammar;
mod lower;
mod recover;
mod strings;

use crate::diagnostic::{BuiltinCode, Diagnostic};
use crate::source::{FileId, Span};
use grammar::{CharterParser, Rule};
use pest::Parser;
use pest::iterators::Pair;

/// Parse one file. Spans in the tree and the diagnostics point into `text` under `file`.
pub fn parse(file: FileId, text: &str) -> (ast::SourceFile, Vec<Diagnostic>) {
    let mut items = Vec::new();
    let mut diagnostics = Vec::new();
    let scan = recover::scan(text);
    // Declaration by declaration: small pest inputs are faster than one large one, and a
    // mistake costs only its own declaration.
    for range in recover::declarations(text, &scan.starts) {
        let Some(chunk) = text.get(range.clone()) else {
            continue;
        };
        let chunk =
            errors::Chunk { file, base: range.start, text: chunk, ends_file: range.end == text.len() };
        parse_declaration(&chunk, scan.too_deep.is_some(), &mut items, &mut diagnostics);
    }
    // A declaration whose body has lines in column 0 was cut in pieces; if the file parses
    // as a whole, it had no error after all.
    if items.iter().any(|item| matches!(item, ast::Item::Broken(_)))
        && scan.too_deep.is_none()
        && let Ok(mut pairs) = CharterParser::parse(Rule::file, text)
    {
        items.clear();
        diagnostics.clear();
        if let Some(root) = pairs.next() {
            lower_items(file, 0, root, &mut items, &mut diagnostics);
        }
    }
    (ast::SourceFile { items }, diagnostics)
}

/// Parse one expression, as found in a message template (`{p.budget}`). `offset` is where
/// `text` starts in `file`, so spans point into the file. Like [`parse`], it never fails as
/// a whole: the expression is `None` when it does not parse, and the diagnostics say why.
pub fn parse_expression(file: FileId, text: &str, offset: usize) -> (Option<ast::Expr>, Vec<Diagnostic>) {
    let scan = recover::scan(text);
    let chunk = errors::Chunk { file, base: offset, text, ends_file: true };
    if let Some(deep) = scan.too_deep {
        return (None, vec![too_deeply_nested(&chunk, deep)]);
    }
    let pairs = match CharterParser::parse(Rule::expression, text) {
        Ok(pairs) => pairs,
        Err(error) => return (None, vec![errors::diagnostic(&chunk, &scan, &error)]),
    };
    let mut diagnostics = Vec::new();
    let mut lower = lower::Lower { file, base: offset, diagnostics: &mut diagnostics };
    let expr = pairs.flatten().find(|pair| pair.as_rule() == Rule::expr).map(|pair| lower.expression(pair));
    match expr {
        Some(Ok(expr)) => (Some(expr), diagnostics),
        Some(Err(fatal)) => {
            diagnostics
                .push(Diagnostic::builtin(BuiltinCode::Syntax, fatal.span, fatal.message).with_label("here"));
            (None, diagnostics)
        }
        None => (None, diagnostics),
    }
}

/// Parses one declaration chunk.
///
/// The chunk is scanned again only when that can matter: before parsing when the whole
/// file nests too deeply somewhere (a chunk nests no deeper than the file does at the same
/// place, so otherwise no chunk can), and after a failed parse for the diagnostic. A chunk
/// of only whitespace and comments parses as an empty file.
fn parse_declaration(
    chunk: &errors::Chunk<'_>,
    file_too_deep: bool,
    items: &mut Vec<ast::Item>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut scan = None;
    if file_too_deep {
        let chunk_scan = recover::scan(chunk.text);
        if chunk_scan.last_token_end.is_none() {
            return;
        }
        if let Some(deep) = chunk_scan.too_deep {
            diagnostics.push(too_deeply_nested(chunk, deep));
            let end = chunk_scan.last_token_end.unwrap_or(chunk.text.len());
            items.push(ast::Item::Broken(broken(chunk.file, chunk.base, chunk.text, end)));
            return;
        }
        scan = Some(chunk_scan);
    }
    let error = match CharterParser::parse(Rule::file, chunk.text) {
        Ok(mut pairs) => {
            if let Some(root) = pairs.next() {
                lower_items(chunk.file, chunk.base, root, items, diagnostics);
            }
            return;
        }
        Err(error) => error,
    };
    let scan = scan.unwrap_or_else(|| recover::scan(chunk.text));
    // Stray text after complete declarations (`}` on a line of its own): keep the
    // declarations before it.
    let mut broken_from = 0;
    if let Some(at) = between_declarations(&error)
        && let Some(Ok(mut pairs)) = chunk.text.get(..at).map(|head| CharterParser::parse(Rule::file, head))
        && let Some(root) = pairs.next()
    {
        lower_items(chunk.file, chunk.base, root, items, diagnostics);
        broken_from = at;
    }
    diagnostics.push(errors::diagnostic(chunk, &scan, &error));
    let end = scan.last_token_end.unwrap_or(chunk.text.len()).max(broken_from);
    let rest = chunk.text.get(broken_from..).unwrap_or("");
    items.push(ast::Item::Broken(broken(chunk.file, chunk.base + broken_from, rest, end - broken_from)));
}

/// Where a failed parse stopped, when it stopped between two declarations.
fn between_declarations(error: &pest::error::Error<Rule>) -> Option<usize> {
    let pest::error::ErrorVariant::ParsingError { positives, .. } = &error.variant else {
        return None;
    };
    let pest::error::InputLocation::Pos(at) = error.location else {
        return None;
    };
    (at > 0 && positives.contains(&Rule::EOI)).then_some(at)
}

fn too_deeply_nested(chunk: &errors::Chunk<'_>, at: usize) -> Diagnostic {
    Diagnostic::builtin(
        BuiltinCode::Syntax,
        Span::new(chunk.file, chunk.base + at, chunk.base + at + 1),
        format!("brackets are nested too deeply (more than {} levels)", recover::MAX_NESTING),
    )
    .with_label("too deep")
}

/// Lowers every `item` of a parsed `file` pair; a declaration lowering rejects becomes
/// broken, with its diagnostic.
fn lower_items(
    file: FileId,
    base: usize,
    root: Pair<'_, Rule>,
    items: &mut Vec<ast::Item>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for pair in root.into_inner().filter(|pair| pair.as_rule() == Rule::item) {
        let item_start = pair.as_span().start();
        let item_text = pair.as_str();
        let mut lower = lower::Lower { file, base, diagnostics };
        match lower.item(pair) {
            Ok(item) => items.push(item),
            Err(fatal) => {
                diagnostics.push(
                    Diagnostic::builtin(BuiltinCode::Syntax, fatal.span, fatal.message).with_label("here"),
                );
                let end = item_text.trim_end().len();
                items.push(ast::Item::Broken(broken(file, base + item_start, item_text, end)));
            }
        }
    }
}

/// A broken declaration covering `text[..end]` (at `base` in the file), keeping the
/// keyword and the name after it when they parse.
fn broken(file: FileId, base: usize, text: &str, end: usize) -> ast::Broken {
    let mut idents = CharterParser::parse(Rule::header, text)
        .ok()
        .into_iter()
        .flatten()
        .flat_map(Pair::into_inner)
        .filter(|pair| pair.as_rule() == Rule::ident)
        .map(|pair| ast::Ident {
            name: pair.as_str().to_owned(),
            span: Span::new(file, base + pair.as_span().start(), base + pair.as_span().end()),
        });
    let keyword = idents.next();
    let name = idents.next();
    let start = keyword
        .as_ref()
        .map_or_else(|| base + (text.len() - text.trim_start().len()), |keyword| keyword.span.start as usize);
    ast::Broken { keyword, name, span: Span::new(file, start, (base + end).max(start)) }
}
