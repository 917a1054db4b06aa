//! pest errors → `charter::syntax` diagnostics in the user's words.
//!
//! pest reports the furthest position it reached and the rules it tried there (its
//! "positives"). The grammar names its punctuation so those sets say what was expected;
//! this module turns them into sentences, spans the offending token, and first looks
//! for the few mistakes pest describes badly: an unterminated string, a currency code
//! that is not three capital letters, a doc comment with nothing to document.

use super::grammar::Rule;
use super::mistakes;
use super::recover::Scan;
use crate::diagnostic::{BuiltinCode, Diagnostic};
use crate::source::{FileId, Span};
use pest::error::{Error, ErrorVariant, InputLocation};
use std::ops::Range;

const VALUE: &str = "expected a value (string, number, date, reference or list)";

/// Where a chunk of text sits: its file, its offset in the file, and whether it runs to
/// the end of the file.
pub(crate) struct Chunk<'t> {
    pub file: FileId,
    pub base: usize,
    pub text: &'t str,
    pub ends_file: bool,
}

impl Chunk<'_> {
    /// The file span of `range`, an offset range in the chunk.
    pub fn span(&self, range: Range<usize>) -> Span {
        Span::new(self.file, self.base + range.start, self.base + range.end)
    }
}

/// The diagnostic for a failed parse of `chunk`.
pub(crate) fn diagnostic(chunk: &Chunk<'_>, scan: &Scan, error: &Error<Rule>) -> Diagnostic {
    let pos = match error.location {
        InputLocation::Pos(pos) => pos,
        InputLocation::Span((start, _)) => start,
    };
    let span = |range: Range<usize>| Span::new(chunk.file, chunk.base + range.start, chunk.base + range.end);
    let syntax =
        |range: Range<usize>, message: String| Diagnostic::builtin(BuiltinCode::Syntax, span(range), message);

    if let Some(string) = scan.unterminated.clone().filter(|string| string.start <= pos) {
        let block = chunk.text.get(string.clone()).is_some_and(|text| text.starts_with("\"\"\""));
        return if block {
            syntax(string.start..string.start + 3, "unterminated string".to_owned())
                .with_label("this `\"\"\"` block is never closed")
                .with_help("close the block with `\"\"\"`")
        } else {
            let end = string.end;
            syntax(string, "unterminated string".to_owned())
                .with_label("this string has no closing quote")
                .with_fix("close the string", span(end..end), "\"")
                .with_help(
                    "a `\"...\"` string ends on the line it starts; use `\"\"\"` for text that spans lines",
                )
        };
    }

    let positives: &[Rule] = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives,
        ErrorVariant::CustomError { .. } => {
            return syntax(token_at(chunk.text, pos), "the declaration is nested too deeply".to_owned())
                .with_label("the parser gave up here");
        }
    };
    let has = |rule: Rule| positives.contains(&rule);
    let end = scan.last_token_end.unwrap_or(0);
    let at_end = pos >= end;
    let token = if at_end { end..end } else { token_at(chunk.text, pos) };
    let found = chunk.text.get(token.clone()).unwrap_or("");
    let label = if at_end {
        if chunk.ends_file { "the file ends here".to_owned() } else { "the declaration ends here".to_owned() }
    } else {
        format!("unexpected {}", describe(found))
    };

    if let Some(word) = bad_currency(chunk.text, pos) {
        let written = chunk.text.get(word.clone()).unwrap_or("");
        if written.len() == 3 {
            let code = written.to_ascii_uppercase();
            return syntax(word.clone(), "currency codes are written in capitals".to_owned())
                .with_label(format!("write `{code}`"))
                .with_help("money is an amount and a three-letter ISO 4217 code in capitals: `4M USD`")
                .with_fix(format!("write `{code}`"), span(word), code);
        }
        return syntax(word, "money needs a three-letter currency code such as `USD`".to_owned())
            .with_label("not a currency code")
            .with_help("write the ISO 4217 code in capitals on the same line as the amount: `1.2M USD`");
    }
    if let Some(doc) = preceding_doc(chunk.text, pos)
        && (has(Rule::ident) || has(Rule::item) || has(Rule::EOI))
    {
        return syntax(doc, "a doc comment must be followed by what it documents".to_owned())
            .with_label("this doc comment documents nothing")
            .with_secondary(span(token), label)
            .with_help(
                "`///` documents the declaration or field below it; use `//` for an ordinary comment",
            );
    }
    if let Some((keyword_at, keyword)) =
        previous_token_at(chunk.text, pos).filter(|(_, word)| matches!(*word, "for" | "let" | "require"))
        && let Some(doc) = preceding_doc(chunk.text, keyword_at)
    {
        return syntax(doc, format!("a doc comment cannot document a `{keyword}` clause"))
            .with_label("doc comment")
            .with_secondary(span(keyword_at..keyword_at + keyword.len()), format!("`{keyword}` clause"))
            .with_help(
                "use `//` for an ordinary comment; `///` documents declarations, fields and settings",
            );
    }
    if has(Rule::ident) && matches!(found, "none" | "true" | "false") {
        return syntax(token, format!("`{found}` is reserved and cannot be used as a name"))
            .with_label("reserved word")
            .with_help("`true`, `false` and `none` are values; choose another name");
    }
    if let Some(keyword) = keyword_as_kind(chunk.text, pos) {
        return syntax(keyword.clone(), format!("`{}` cannot be an entity kind", chunk.text.get(keyword).unwrap_or("")))
            .with_label("this keyword starts a declaration of its own")
            .with_help("`use`, `extend`, `rule` and `test` begin their own declarations (`use \"people.charter\"`, `rule NAME { ... }`); give the kind another name");
    }
    let failure = mistakes::Failure { chunk, positives, pos, token: token.clone(), found, at_end };
    if let Some(diagnostic) = mistakes::recognize(&failure) {
        return diagnostic;
    }

    let message = expectation(positives, chunk.text, pos).unwrap_or_else(|| {
        if at_end {
            "unexpected end of the declaration".to_owned()
        } else {
            format!("unexpected {}", describe(found))
        }
    });
    // Something is missing at the end of a line: point there, not at the next line.
    if !at_end
        && message.starts_with("expected")
        && let Some((previous, text)) = previous_token_at(chunk.text, pos)
        && chunk.text.get(previous + text.len()..pos).is_some_and(|gap| gap.contains(['\n', '\r']))
        && !gap_has_comment(chunk.text, previous + text.len(), pos)
    {
        let end = previous + text.len();
        let short = message.split(" (").next().unwrap_or(&message);
        let diagnostic = syntax(end..end, message.clone())
            .with_label(format!("{short} here"))
            .with_secondary(span(token), format!("found {}", describe(found)));
        // `project p "Title"` and a body on the next lines: the `{` is the fix.
        return if message == "expected `{`" {
            diagnostic.with_fix("insert `{`", span(end..end), " {")
        } else {
            diagnostic
        };
    }
    syntax(token, message).with_label(label)
}

/// Whether a `//` comment lies between `from` and `to`: then the token before the gap
/// is the comment's last word, not code.
fn gap_has_comment(text: &str, from: usize, to: usize) -> bool {
    let line_start = text.get(..from).and_then(|head| head.rfind(['\n', '\r'])).map_or(0, |index| index + 1);
    text.get(line_start..to).is_some_and(|between| between.contains("//"))
}

/// `use checkout {`: a declaration keyword written as an entity kind (`KEYWORD ID {` or
/// `KEYWORD ID "Title"`), its range.
fn keyword_as_kind(text: &str, pos: usize) -> Option<Range<usize>> {
    let start = text.len() - text.trim_start().len();
    let rest = text.get(start..)?;
    let keyword = ["use", "rule", "test"]
        .into_iter()
        .find(|keyword| rest.strip_prefix(keyword).is_some_and(|after| after.starts_with([' ', '\t'])))?;
    let after = rest.get(keyword.len()..)?.trim_start();
    let id_length = after.find(|character: char| !(character.is_ascii_alphanumeric() || character == '_'))?;
    let following = after.get(id_length..)?.trim_start_matches([' ', '\t']);
    let entity_shaped = id_length > 0
        && match keyword {
            "use" => following.starts_with(['{', '"']),
            _ => following.starts_with(|character: char| character.is_ascii_alphabetic()),
        };
    let keyword_end = start + keyword.len();
    (entity_shaped && pos > keyword_end).then_some(start..keyword_end)
}

/// What the rules pest tried at the error say was expected, in words.
fn expectation(positives: &[Rule], text: &str, pos: usize) -> Option<String> {
    let has = |rule: Rule| positives.contains(&rule);
    let message = if has(Rule::value) {
        VALUE.to_owned()
    } else if has(Rule::op_neg) || has(Rule::paren) || has(Rule::expr_number) {
        "expected an expression".to_owned()
    } else if has(Rule::type_expr) {
        "expected a type (`string`, `bool`, `number`, `percent`, `money`, `date`, `measurement`, `ref KIND`, `[TYPE]` or `enum [a, b]`)".to_owned()
    } else if has(Rule::member) {
        "expected a field name or `}`".to_owned()
    } else if has(Rule::field_decl) {
        "expected a field declaration (`name: TYPE`) or `}`".to_owned()
    } else if has(Rule::kw_for) || has(Rule::kw_require) || has(Rule::setting) {
        "expected `for`, `let`, `require`, a setting such as `severity: error`, or `}`".to_owned()
    } else if has(Rule::kw_expect) || has(Rule::test_entity) {
        "expected `today:`, `expect`, an entity or `}`".to_owned()
    } else if has(Rule::kw_clean) {
        "expected a rule name or `clean` after `expect`".to_owned()
    } else if has(Rule::path) {
        "expected an entity id after `on`".to_owned()
    } else if has(Rule::kw_portfolio) {
        "expected an entity kind and a variable (`for project p`) or `portfolio`".to_owned()
    } else if has(Rule::item) || has(Rule::EOI) || has(Rule::kw_extend) {
        "expected a declaration (`use`, `extend`, `rule`, `test` or `KIND ID { ... }`)".to_owned()
    } else if has(Rule::lbrace) {
        match field_written_as_nested(text, pos) {
            Some((name, value)) => {
                format!("expected `:` between `{name}` and `{value}`, or `{{` to open a nested `{name}`")
            }
            None => "expected `{`".to_owned(),
        }
    } else if has(Rule::colon) {
        match previous_token(text, pos) {
            Some(token) => format!("expected `:` after `{token}`"),
            None => "expected `:`".to_owned(),
        }
    } else if has(Rule::equals) {
        "expected `=`".to_owned()
    } else if has(Rule::rbracket) {
        "expected `,` or `]`".to_owned()
    } else if has(Rule::rparen) {
        "expected `,` or `)`".to_owned()
    } else if has(Rule::rbrace) {
        "expected `}`".to_owned()
    } else if has(Rule::date) {
        "expected a date such as `2026-03-31`".to_owned()
    } else if has(Rule::string) {
        "expected a string".to_owned()
    } else if has(Rule::ident) || has(Rule::doc) {
        match previous_token(text, pos) {
            Some(token) => format!("expected a name after `{token}`"),
            None => "expected a name".to_owned(),
        }
    } else {
        return None;
    };
    Some(message)
}

/// The extent of the token at `pos`: a word, a string, or one character.
fn token_at(text: &str, pos: usize) -> Range<usize> {
    let rest = text.get(pos..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return pos..pos;
    };
    let length = if first.is_ascii_alphanumeric() || first == '_' {
        rest.find(|character: char| !(character.is_ascii_alphanumeric() || character == '_'))
            .unwrap_or(rest.len())
    } else if first == '"' {
        rest.get(1..).and_then(|body| body.find(['"', '\n', '\r'])).map_or(rest.len(), |close| close + 2)
    } else {
        first.len_utf8()
    };
    pos..pos + length
}

/// `` `word` `` for a short token, a shortened form for a long one, and escapes for
/// invisible characters.
pub(super) fn describe(token: &str) -> String {
    let mut shown: String = token.chars().take(30).collect();
    if shown.len() < token.len() {
        shown.push('…');
    }
    if shown.chars().any(char::is_control) {
        shown = shown.escape_default().to_string();
    }
    if shown.contains('`') { format!("'{shown}'") } else { format!("`{shown}`") }
}

/// The word or punctuation character that ends right before `pos`, skipping whitespace.
fn previous_token(text: &str, pos: usize) -> Option<&str> {
    previous_token_at(text, pos).map(|(_, token)| token)
}

/// `name value` alone on its line before `pos`: a field whose `:` is missing, which the
/// grammar reads as the header of a nested entity.
fn field_written_as_nested(text: &str, pos: usize) -> Option<(&str, &str)> {
    let (value_start, value) = previous_token_at(text, pos)?;
    let (name_start, name) = previous_token_at(text, value_start)?;
    let is_word =
        |word: &str| word.chars().all(|character| character.is_ascii_alphanumeric() || character == '_');
    let line_start = text.get(..name_start)?.rfind(['\n', '\r']).map_or(0, |index| index + 1);
    let alone = text.get(line_start..name_start)?.trim().is_empty()
        && !text.get(name_start..value_start + value.len())?.contains(['\n', '\r']);
    (alone && is_word(name) && is_word(value)).then_some((name, value))
}

/// [`previous_token`] with its offset.
pub(super) fn previous_token_at(text: &str, pos: usize) -> Option<(usize, &str)> {
    let before = text.get(..pos)?.trim_end();
    let last = before.chars().last()?;
    let start = if last.is_ascii_alphanumeric() || last == '_' {
        before
            .rfind(|character: char| !(character.is_ascii_alphanumeric() || character == '_'))
            .map_or(0, |index| index + 1)
    } else {
        before.len() - last.len_utf8()
    };
    Some((start, before.get(start..)?))
}

/// The doc comment line right before `pos` (only whitespace between), if there is one.
fn preceding_doc(text: &str, pos: usize) -> Option<Range<usize>> {
    let before = text.get(..pos)?.trim_end();
    let line_start = before.rfind(['\n', '\r']).map_or(0, |index| index + 1);
    let line = before.get(line_start..)?;
    let doc_start = line_start + (line.len() - line.trim_start().len());
    let line = text.get(doc_start..)?;
    (line.starts_with("///") && !line.starts_with("////")).then_some(doc_start..before.len())
}

/// A word after a number on the same line that looks like a currency code but is not
/// one (`12 usd`, `12 US`), on the line of `pos` or the line before.
fn bad_currency(text: &str, pos: usize) -> Option<Range<usize>> {
    let before = text.get(..pos.min(text.len()))?;
    let line_start = before.rfind(['\n', '\r']).map_or(0, |index| index + 1);
    let window_start = before
        .get(..line_start.saturating_sub(1))
        // The line before ends in `\n`, `\r` or `\r\n`: drop the `\r` of a `\r\n` too.
        .map(|earlier| {
            if before.get(line_start.saturating_sub(1)..line_start) == Some("\n") {
                earlier.strip_suffix('\r').unwrap_or(earlier)
            } else {
                earlier
            }
        })
        .and_then(|earlier| earlier.rfind(['\n', '\r']))
        .map_or(0, |index| index + 1);
    let window_end =
        text.get(pos..).and_then(|rest| rest.find(['\n', '\r'])).map_or(text.len(), |index| pos + index);
    let window = text.get(window_start..window_end)?;
    let bytes = window.as_bytes();
    let mut found = None;
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        let starts_number = byte.is_ascii_digit()
            && !index.checked_sub(1).and_then(|previous| bytes.get(previous)).is_some_and(|previous| {
                previous.is_ascii_alphanumeric() || *previous == b'_' || *previous == b'.'
            });
        if !starts_number {
            index += 1;
            continue;
        }
        let mut end = index;
        while bytes.get(end).is_some_and(|byte| byte.is_ascii_digit() || matches!(byte, b'_' | b'.')) {
            end += 1;
        }
        if bytes.get(end).is_some_and(|byte| matches!(byte, b'k' | b'M' | b'B')) {
            end += 1;
        }
        let mut word_start = end;
        while bytes.get(word_start).is_some_and(|byte| matches!(byte, b' ' | b'\t')) {
            word_start += 1;
        }
        let mut word_end = word_start;
        while bytes.get(word_end).is_some_and(u8::is_ascii_alphabetic) {
            word_end += 1;
        }
        let word = window.get(word_start..word_end).unwrap_or("");
        let next = bytes.get(word_end).copied();
        let looks_like_currency = word_start > end
            && !next.is_some_and(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b':')
            && ((word.len() == 3 && word.bytes().any(|byte| byte.is_ascii_lowercase()))
                || (word.len() != 3
                    && !word.is_empty()
                    && word.bytes().all(|byte| byte.is_ascii_uppercase())));
        if looks_like_currency && window_start + word_start <= pos {
            found = Some(window_start + word_start..window_start + word_end);
        }
        index = word_end.max(end).max(index + 1);
    }
    found
}
