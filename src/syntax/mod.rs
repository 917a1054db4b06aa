//! Parsing: pest grammar → spanned syntax tree, with error recovery.
//!
//! [`parse`] never fails as a whole. It returns the tree of every declaration that parsed,
//! a [`ast::Broken`] item for every one that did not, and one `charter::syntax`
//! diagnostic per broken declaration.
//!
//! A file is cut into top-level declarations ([`recover`]) and each is parsed alone, so
//! one mistake costs one declaration; when one is broken, the whole file is tried once
//! more in one piece, in case a declaration was only cut at a line in column 0.
//! [`parse_incremental`] parses again only the declarations an edit touched. The grammar
//! lives in `grammar/charter.pest`; `docs/syntax.md` records its design decisions.

pub mod ast;
mod errors;
mod grammar;
mod lower;
mod mistakes;
mod recover;
mod shift;
mod strings;

use crate::diagnostic::{BuiltinCode, Diagnostic};
use crate::source::{FileId, Span};
use grammar::{CharterParser, Rule};
use pest::Parser;
use pest::iterators::Pair;
pub(crate) use shift::Shift;

/// Parse one file. Spans in the tree and the diagnostics point into `text` under `file`.
pub fn parse(file: FileId, text: &str) -> (ast::SourceFile, Vec<Diagnostic>) {
    // Like `parse_parts` without keeping the parts: declarations lower straight into the
    // file's one list of items, a group of them per pest call ([`parse_group`]).
    let scan = recover::scan(text);
    let too_deep = scan.too_deep.is_some();
    let ranges = recover::declarations(text, &scan.starts);
    let mut items = Vec::with_capacity(ranges.len());
    let mut diagnostics = Vec::new();
    let mut rest = ranges.as_slice();
    while !rest.is_empty() {
        // A file nested too deeply somewhere is parsed one declaration at a time, each
        // scanned for its depth first.
        let mut count = 0;
        let mut size = 0;
        for range in rest {
            if count > 0 && (too_deep || size + range.len() > GROUP_BYTES) {
                break;
            }
            size += range.len();
            count += 1;
        }
        let (group, after) = rest.split_at(count.min(rest.len()));
        rest = after;
        if group.len() > 1 && parse_group(file, text, group, &mut items, &mut diagnostics) {
            continue;
        }
        for range in group {
            let Some(chunk) = text.get(range.clone()) else {
                continue;
            };
            let chunk =
                errors::Chunk { file, base: range.start, text: chunk, ends_file: range.end == text.len() };
            parse_declaration(&chunk, too_deep, &mut items, &mut diagnostics);
        }
    }
    items.shrink_to_fit();
    retry_whole(file, text, too_deep, items, diagnostics)
}

/// How many bytes of consecutive declarations [`parse`] hands to pest at once: enough
/// that setting up a parse and growing its token queue from nothing costs little per
/// declaration, few enough that the queue (over 20 bytes per source byte) stays small.
const GROUP_BYTES: usize = 16 * 1024;

/// Parses consecutive declaration chunks in one pest call and lowers their items, when
/// that gives exactly what parsing each chunk alone would: the group parses, and no item
/// runs across the start of a chunk. An item's parse reads nothing past its own end (a
/// `}` or a string's closing quote), and between items there is only whitespace and
/// comments, which never run across a line start; so each chunk would have parsed alone
/// into the same items. Otherwise (a syntax error, or a body cut at a line in column 0)
/// nothing is added and the caller parses the chunks one by one.
fn parse_group(
    file: FileId,
    text: &str,
    group: &[std::ops::Range<usize>],
    items: &mut Vec<ast::Item>,
    diagnostics: &mut Vec<Diagnostic>,
) -> bool {
    let (Some(first), Some(last)) = (group.first(), group.last()) else {
        return false;
    };
    let Some(group_text) = text.get(first.start..last.end) else {
        return false;
    };
    let Ok(mut pairs) = CharterParser::parse(Rule::file, group_text) else {
        return false;
    };
    let Some(root) = pairs.next() else {
        return false;
    };
    let mut starts = group.iter().skip(1).map(|range| range.start - first.start).peekable();
    for item in root.clone().into_inner().filter(|pair| pair.as_rule() == Rule::item) {
        let span = item.as_span();
        while starts.next_if(|&start| start <= span.start()).is_some() {}
        if starts.peek().is_some_and(|&start| start < span.end()) {
            return false;
        }
    }
    lower_items(file, first.start, root, items, diagnostics);
    true
}

/// A file parsed declaration by declaration, kept so that the next version of its text
/// can be parsed again incrementally ([`parse_incremental`]).
#[derive(Debug, Default)]
pub struct Parts {
    text: String,
    too_deep: bool,
    parts: Vec<Part>,
    reused: usize,
}

impl Parts {
    /// How many declarations were taken from the previous parts rather than parsed.
    pub fn reused(&self) -> usize {
        self.reused
    }

    /// How many declaration chunks the text has.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }
}

/// What one declaration chunk parsed into.
#[derive(Clone, Debug)]
struct Part {
    range: std::ops::Range<usize>,
    items: Vec<ast::Item>,
    diagnostics: Vec<Diagnostic>,
}

/// Like [`parse`], reusing the declarations of `previous` (the parts of an earlier version
/// of the text) that the edit did not touch: only the declarations the changed bytes fall
/// in are parsed again, and the others are moved by the number of bytes inserted or
/// removed before them. The result is exactly what [`parse`] gives; the returned parts are
/// for the next edit.
pub fn parse_incremental(
    file: FileId,
    text: &str,
    previous: Option<&Parts>,
) -> (ast::SourceFile, Vec<Diagnostic>, Parts) {
    let (parts, too_deep, reused) = parse_parts(file, text, previous);
    let items = parts.iter().flat_map(|part| part.items.iter().cloned()).collect();
    let diagnostics = parts.iter().flat_map(|part| part.diagnostics.iter().cloned()).collect();
    let (tree, diagnostics) = retry_whole(file, text, too_deep, items, diagnostics);
    (tree, diagnostics, Parts { text: text.to_string(), too_deep, parts, reused })
}

/// Parses `text` declaration by declaration: small pest inputs are faster than one large
/// one, and a mistake costs only its own declaration. A declaration whose text, and whether
/// it ends the file, are those of one of `previous`'s is taken from there.
fn parse_parts(file: FileId, text: &str, previous: Option<&Parts>) -> (Vec<Part>, bool, usize) {
    let scan = recover::scan(text);
    let too_deep = scan.too_deep.is_some();
    let previous = previous.filter(|previous| previous.too_deep == too_deep);
    let unchanged = previous.map(|previous| Unchanged::between(&previous.text, text));
    let ranges = recover::declarations(text, &scan.starts);
    let mut parts = Vec::with_capacity(ranges.len());
    let mut reused = 0;
    for range in ranges {
        if let (Some(previous), Some(unchanged)) = (previous, &unchanged)
            && let Some(part) = unchanged.reuse(previous, &range, text.len())
        {
            parts.push(part);
            reused += 1;
            continue;
        }
        let Some(chunk) = text.get(range.clone()) else {
            continue;
        };
        let chunk =
            errors::Chunk { file, base: range.start, text: chunk, ends_file: range.end == text.len() };
        let mut part = Part { range, items: Vec::new(), diagnostics: Vec::new() };
        parse_declaration(&chunk, too_deep, &mut part.items, &mut part.diagnostics);
        parts.push(part);
    }
    (parts, too_deep, reused)
}

/// The bytes an edit left alone: a common prefix and a common suffix of two texts.
struct Unchanged {
    prefix: usize,
    suffix: usize,
    /// New length minus old length.
    delta: i64,
}

impl Unchanged {
    fn between(old: &str, new: &str) -> Unchanged {
        let (old, new) = (old.as_bytes(), new.as_bytes());
        let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
        let room = old.len().min(new.len()) - prefix;
        let suffix = old.iter().rev().zip(new.iter().rev()).take(room).take_while(|(a, b)| a == b).count();
        Unchanged { prefix, suffix, delta: new.len() as i64 - old.len() as i64 }
    }

    /// The part of `previous` for the new declaration `range`, moved into place, when the
    /// declaration lies in unchanged bytes and `previous` had it at the same place.
    fn reuse(&self, previous: &Parts, range: &std::ops::Range<usize>, length: usize) -> Option<Part> {
        let old_length = previous.text.len();
        let old_start = if range.end <= self.prefix {
            range.start
        } else if range.start >= length - self.suffix {
            usize::try_from(range.start as i64 - self.delta).ok()?
        } else {
            return None;
        };
        let old_end = old_start + range.len();
        let index = previous.parts.binary_search_by_key(&old_start, |part| part.range.start).ok()?;
        let part = previous.parts.get(index)?;
        if part.range.end != old_end || (old_end == old_length) != (range.end == length) {
            return None;
        }
        let mut part = part.clone();
        let moved = range.start as i64 - old_start as i64;
        if moved != 0 {
            part.items.shift(moved);
            part.diagnostics.shift(moved);
        }
        part.range = range.clone();
        Some(part)
    }
}

/// A declaration whose body has lines in column 0 was cut in pieces; if the file parses as
/// a whole, it had no error after all.
fn retry_whole(
    file: FileId,
    text: &str,
    too_deep: bool,
    mut items: Vec<ast::Item>,
    mut diagnostics: Vec<Diagnostic>,
) -> (ast::SourceFile, Vec<Diagnostic>) {
    if items.iter().any(|item| matches!(item, ast::Item::Broken(_)))
        && !too_deep
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
            name: compact_str::CompactString::new(pair.as_str()),
            span: Span::new(file, base + pair.as_span().start(), base + pair.as_span().end()),
        });
    let keyword = idents.next();
    let name = idents.next();
    let start = keyword
        .as_ref()
        .map_or_else(|| base + (text.len() - text.trim_start().len()), |keyword| keyword.span.start as usize);
    ast::Broken { keyword, name, span: Span::new(file, start, (base + end).max(start)) }
}
