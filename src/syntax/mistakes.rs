//! Common mistakes recognized after a failed parse, each reported with its fix.
//!
//! pest says which rules it tried where it stopped; that is enough for "expected `:`",
//! not for "remove this `;`" or "write `4M USD`". This module looks at the source around
//! the error with small byte scans, run only after a parse has failed (so valid input
//! pays nothing), and recognizes what people write by habit: punctuation from other
//! languages, money written the way it is spoken, a `:` or `,` left out, a bracket left
//! open or closed once too often. Where the fix is mechanical it is attached as a
//! [`Fix`](crate::diagnostic::Fix), which editors offer as a quick fix.

use super::errors::{Chunk, describe, previous_token_at};
use super::grammar::Rule;
use super::recover;
use crate::diagnostic::{BuiltinCode, Diagnostic};
use std::ops::Range;

/// Where and how a parse failed.
pub(crate) struct Failure<'t> {
    pub chunk: &'t Chunk<'t>,
    /// The rules pest tried at `pos`.
    pub positives: &'t [Rule],
    pub pos: usize,
    /// The token at `pos` (empty at the end of the declaration).
    pub token: Range<usize>,
    pub found: &'t str,
    pub at_end: bool,
}

impl Failure<'_> {
    fn has(&self, rule: Rule) -> bool {
        self.positives.contains(&rule)
    }

    fn text(&self) -> &str {
        self.chunk.text
    }

    fn get(&self, range: Range<usize>) -> &str {
        self.chunk.text.get(range).unwrap_or("")
    }

    fn syntax(&self, range: Range<usize>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::builtin(BuiltinCode::Syntax, self.chunk.span(range), message)
    }

    /// The token before `pos`: its range and text.
    fn previous(&self) -> Option<(Range<usize>, &str)> {
        before(self.text(), self.pos)
    }

    /// Whether a value can start at the error: pest tried a value or an expression.
    fn value_expected(&self) -> bool {
        self.has(Rule::value) || self.expression_expected()
    }

    fn expression_expected(&self) -> bool {
        self.has(Rule::paren) || self.has(Rule::expr_number) || self.has(Rule::op_neg)
    }

    /// Whether an operator could continue an expression at the error.
    fn operator_expected(&self) -> bool {
        self.has(Rule::op_eq) || self.has(Rule::op_or) || self.has(Rule::op_add)
    }
}

/// The token before `pos` in `text`, with its range, skipping `//` comments.
fn before(text: &str, pos: usize) -> Option<(Range<usize>, &str)> {
    let mut pos = pos;
    loop {
        let (start, token) = previous_token_at(text, pos)?;
        match comment_start(text, start) {
            Some(comment) => pos = comment,
            None => return Some((start..start + token.len(), token)),
        }
    }
}

/// Where the `//` comment holding `at` starts, if `at` is in one: the first `//` on its
/// line outside a string.
fn comment_start(text: &str, at: usize) -> Option<usize> {
    let head = text.get(..at)?;
    let line_start = head.rfind(['\n', '\r']).map_or(0, |index| index + 1);
    let bytes = head.get(line_start..)?.as_bytes();
    let mut in_string = false;
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'\\' if in_string => index += 1,
            b'"' => in_string = !in_string,
            b'/' if !in_string && bytes.get(index + 1) == Some(&b'/') => return Some(line_start + index),
            _ => {}
        }
        index += 1;
    }
    None
}

/// Whether `text[from..to]` holds no line end.
fn same_line(text: &str, from: usize, to: usize) -> bool {
    text.get(from.min(to)..to.max(from)).is_some_and(|between| !between.contains(['\n', '\r']))
}

fn is_word(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
}

fn is_name(token: &str) -> bool {
    is_word(token) && token.bytes().next().is_some_and(|byte| !byte.is_ascii_digit())
}

/// Whether a token could start a value or an operand.
fn starts_value(token: &str) -> bool {
    token.bytes().next().is_some_and(|byte| byte.is_ascii_alphanumeric() || b"_\"[(-".contains(&byte))
}

/// The first non-blank offset of the line holding `pos`, and whether only blanks come
/// before `pos` on it.
fn alone_on_line(text: &str, pos: usize) -> bool {
    let Some(head) = text.get(..pos) else {
        return false;
    };
    let line_start = head.rfind(['\n', '\r']).map_or(0, |index| index + 1);
    head.get(line_start..).is_some_and(|line| line.trim().is_empty())
}

/// The number written at `at`: digits, `_` and `.`, and a `k`, `M` or `B` after them.
fn number_at(text: &str, at: usize) -> Option<Range<usize>> {
    let bytes = text.as_bytes();
    if !bytes.get(at).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let mut end = at;
    while bytes.get(end).is_some_and(|byte| byte.is_ascii_digit() || matches!(byte, b'_' | b'.')) {
        end += 1;
    }
    if bytes.get(end).is_some_and(|byte| matches!(byte, b'k' | b'M' | b'B'))
        && !bytes.get(end + 1).is_some_and(|byte| byte.is_ascii_alphanumeric() || *byte == b'_')
    {
        end += 1;
    }
    Some(at..end)
}

/// The header words (`project checkout`) of the declaration whose `{` is at `open`.
fn header_before(text: &str, open: usize) -> Option<String> {
    let head = text.get(..open)?;
    let line_start = head.rfind(['\n', '\r']).map_or(0, |index| index + 1);
    let words: Vec<&str> =
        head.get(line_start..)?.split_whitespace().take_while(|word| is_name(word)).collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// Recognizes the mistake behind a failed parse, if it is one of the common ones.
pub(crate) fn recognize(failure: &Failure<'_>) -> Option<Diagnostic> {
    let checks: [fn(&Failure<'_>) -> Option<Diagnostic>; 17] = [
        semicolon,
        foreign_operator,
        equals_for_colon,
        missing_else,
        currency_symbol,
        currency_before_amount,
        number_suffix,
        percent,
        single_quotes,
        short_date,
        for_in,
        colon_after_name,
        extra_brace,
        missing_colon,
        missing_equals,
        missing_id,
        unclosed_or_missing_comma,
    ];
    checks.iter().find_map(|check| check(failure))
}

/// `sponsor: okafor;`: Charter has no terminators.
fn semicolon(failure: &Failure<'_>) -> Option<Diagnostic> {
    (failure.found == ";").then(|| {
        failure
            .syntax(failure.token.clone(), "unexpected `;`")
            .with_label("remove this `;`")
            .with_help(
                "Charter has no statement terminators: a field, setting or clause ends where its value ends; separate items with a new line or `,`",
            )
            .with_fix("remove this `;`", failure.chunk.span(failure.token.clone()), "")
    })
}

/// `&&`, `||`, `!x` and `=` in a condition, the operators of other languages.
fn foreign_operator(failure: &Failure<'_>) -> Option<Diagnostic> {
    let rest = failure.text().get(failure.pos..)?;
    let (written, ours) = if rest.starts_with("&&") && failure.operator_expected() {
        ("&&", "and")
    } else if rest.starts_with("||") && failure.operator_expected() {
        ("||", "or")
    } else if rest.starts_with('!')
        && !rest.starts_with("!=")
        && (failure.expression_expected()
            || failure
                .previous()
                .is_some_and(|(_, token)| matches!(token, "require" | "where" | "and" | "or" | "(")))
    {
        ("!", "not ")
    } else if rest.starts_with('=') && !rest.starts_with("==") && failure.operator_expected() {
        ("=", "==")
    } else {
        return None;
    };
    let range = failure.pos..failure.pos + written.len();
    let shown = ours.trim_end();
    let help = match written {
        "=" => "`==` compares; Charter has no assignment in conditions (`let NAME = EXPR` names a value)",
        _ => "conditions are written with `and`, `or` and `not`: `p.budget != none and not p.on_hold`",
    };
    Some(
        failure
            .syntax(range.clone(), format!("write `{shown}` instead of `{written}`"))
            .with_label(format!("replace with `{shown}`"))
            .with_help(help)
            .with_fix(format!("replace `{written}` with `{shown}`"), failure.chunk.span(range), ours),
    )
}

/// `budget = 4M USD` for a field, `let x: 3` for a `let`.
fn equals_for_colon(failure: &Failure<'_>) -> Option<Diagnostic> {
    let (written, ours, help) = match failure.found {
        "=" if failure.has(Rule::colon) => {
            ("=", ":", "fields and settings are written `name: value`, as in `budget: 4M USD`")
        }
        ":" if failure.has(Rule::equals) => (":", "=", "a `let` is written `let NAME = EXPR`"),
        _ => return None,
    };
    let (name_range, name) = failure.previous()?;
    // `budget = 4M` becomes `budget: 4M`, `let x: 3` becomes `let x = 3`.
    let (edit, replacement) = if ours == ":" && same_line(failure.text(), name_range.end, failure.pos) {
        (name_range.end..failure.token.end, ":")
    } else {
        (failure.token.clone(), ours)
    };
    let replacement = if ours == "=" && edit.start == name_range.end { " =" } else { replacement };
    Some(
        failure
            .syntax(failure.token.clone(), format!("expected `{ours}` after `{name}`, found `{written}`"))
            .with_label(format!("replace with `{ours}`"))
            .with_help(help)
            .with_fix(format!("replace `{written}` with `{ours}`"), failure.chunk.span(edit), replacement),
    )
}

/// `require CONDITION "message"`: the message needs `else`.
fn missing_else(failure: &Failure<'_>) -> Option<Diagnostic> {
    if !(failure.has(Rule::kw_else) && failure.found.starts_with('"')) {
        return None;
    }
    let at = failure.token.start..failure.token.start;
    Some(
        failure
            .syntax(failure.token.clone(), "expected `else` before the message")
            .with_label("add `else` before this message")
            .with_help("a `require` clause is written `require CONDITION else \"message\"`")
            .with_fix("insert `else`", failure.chunk.span(at), "else "),
    )
}

/// The ISO 4217 code for a currency symbol people write, as far as one is likely.
fn currency_code(symbol: &str) -> Option<&'static str> {
    match symbol {
        "$" => Some("USD"),
        "€" => Some("EUR"),
        "£" => Some("GBP"),
        "¥" => Some("JPY"),
        _ => None,
    }
}

fn money_help() -> &'static str {
    "money is an amount, a space and a three-letter ISO 4217 code in capitals: `4M USD`, `250k EUR`"
}

/// `$4M` and `4M$`: money with a symbol instead of a currency code.
fn currency_symbol(failure: &Failure<'_>) -> Option<Diagnostic> {
    let code = currency_code(failure.found)?;
    let text = failure.text();
    let (range, amount) = if let Some(amount) = number_at(text, failure.token.end)
        && failure.value_expected()
    {
        (failure.token.start..amount.end, failure.get(amount))
    } else if let Some((previous, amount)) = failure.previous()
        && previous.end == failure.token.start
        && number_at(text, previous.start).is_some_and(|number| number == previous)
    {
        (previous.start..failure.token.end, amount)
    } else {
        return None;
    };
    let written = failure.get(range.clone());
    let money = format!("{amount} {code}");
    Some(
        failure
            .syntax(range.clone(), format!("write `{written}` as `{money}`"))
            .with_label(format!("write `{money}`"))
            .with_help(money_help())
            .with_fix(format!("write `{money}`"), failure.chunk.span(range), money),
    )
}

/// `USD 4M`: the code before the amount.
fn currency_before_amount(failure: &Failure<'_>) -> Option<Diagnostic> {
    let amount = number_at(failure.text(), failure.token.start)?;
    let (code_range, code) = failure.previous()?;
    let is_code = code.len() == 3 && code.bytes().all(|byte| byte.is_ascii_uppercase());
    let after_colon = before(failure.text(), code_range.start).is_some_and(|(_, token)| token == ":");
    if !(is_code && after_colon && same_line(failure.text(), code_range.end, amount.start)) {
        return None;
    }
    let range = code_range.start..amount.end;
    let money = format!("{} {code}", failure.get(amount));
    Some(
        failure
            .syntax(range.clone(), format!("write the amount before the currency: `{money}`"))
            .with_label(format!("write `{money}`"))
            .with_help(money_help())
            .with_fix(format!("write `{money}`"), failure.chunk.span(range), money),
    )
}

/// `1.2X USD`, `1.2m USD`, `4MUSD`: a number with letters glued to it.
fn number_suffix(failure: &Failure<'_>) -> Option<Diagnostic> {
    if !failure.value_expected() {
        return None;
    }
    let text = failure.text();
    let bytes = text.as_bytes();
    let mut digits_end = failure.pos;
    while bytes.get(digits_end).is_some_and(|byte| byte.is_ascii_digit() || matches!(byte, b'_' | b'.')) {
        digits_end += 1;
    }
    let mut letters_end = digits_end;
    while bytes.get(letters_end).is_some_and(u8::is_ascii_alphabetic) {
        letters_end += 1;
    }
    if digits_end == failure.pos
        || letters_end == digits_end
        || !bytes.get(failure.pos).is_some_and(u8::is_ascii_digit)
    {
        return None;
    }
    let digits = failure.get(failure.pos..digits_end);
    let letters = failure.get(digits_end..letters_end);
    // What follows on the same line, for a currency code after the number.
    let rest = text.get(letters_end..).unwrap_or("");
    let rest = rest.get(..rest.find(['\n', '\r']).unwrap_or(rest.len())).unwrap_or("");
    let code = rest.split_whitespace().next().filter(|word| {
        word.len() == 3 && word.bytes().all(|byte| byte.is_ascii_uppercase()) && rest.starts_with([' ', '\t'])
    });
    let glued_code = |multiplier: &str, code: &str| {
        (code.len() == 3 && code.bytes().all(|byte| byte.is_ascii_uppercase()))
            .then(|| format!("{digits}{multiplier} {code}"))
    };
    let whole = failure.pos..letters_end;
    let fixed = match (letters, code) {
        (_, None) if letters.len() == 3 => glued_code("", letters),
        (_, None) if letters.len() == 4 && matches!(letters.get(..1), Some("k" | "M" | "B")) => {
            glued_code(letters.get(..1).unwrap_or(""), letters.get(1..).unwrap_or(""))
        }
        ("m" | "mm" | "mn" | "mil", Some(_)) => Some(format!("{digits}M")),
        ("K" | "thousand", Some(_)) => Some(format!("{digits}k")),
        ("b" | "bn" | "bil", Some(_)) => Some(format!("{digits}B")),
        _ => None,
    };
    let written = failure.get(whole.clone());
    let diagnostic = match fixed {
        Some(fixed) if fixed.contains(' ') => failure
            .syntax(whole.clone(), format!("write `{written}` as `{fixed}`"))
            .with_label("the currency code needs a space before it")
            .with_help(money_help())
            .with_fix(format!("write `{fixed}`"), failure.chunk.span(whole), fixed),
        Some(fixed) => failure
            .syntax(digits_end..letters_end, format!("`{letters}` is not a number suffix"))
            .with_label(format!("write `{fixed}`"))
            .with_help("numbers take `k` (thousands), `M` (millions) or `B` (billions), in that case: `1.2M USD`")
            .with_fix(format!("write `{fixed}`"), failure.chunk.span(whole), fixed),
        None => failure
            .syntax(digits_end..letters_end, format!("`{letters}` is not a number suffix"))
            .with_label("unknown suffix")
            .with_help(
                "numbers take `k` (thousands), `M` (millions) or `B` (billions), as in `1.2M USD`; durations take `d`, `w`, `mo` or `y`, as in `6mo`",
            ),
    };
    Some(diagnostic)
}

/// `allocation: %` (no number) and `50 %` (a space before `%`).
fn percent(failure: &Failure<'_>) -> Option<Diagnostic> {
    if failure.found != "%" {
        return None;
    }
    if let Some((previous, number)) = failure.previous()
        && number_at(failure.text(), previous.start).is_some_and(|range| range == previous)
        && previous.end < failure.token.start
        && same_line(failure.text(), previous.end, failure.token.start)
    {
        let gap = previous.end..failure.token.start;
        return Some(
            failure
                .syntax(gap.clone(), format!("write `{number}%` without a space"))
                .with_label("remove this space")
                .with_help("a percent is a number followed directly by `%`: `50%`")
                .with_fix(format!("write `{number}%`"), failure.chunk.span(gap), ""),
        );
    }
    failure.value_expected().then(|| {
        failure
            .syntax(failure.token.clone(), "expected a number before `%`")
            .with_label("a percent needs its number")
            .with_help("write the share as a number followed by `%`, as in `allocation: 50%`")
    })
}

/// `'Checkout'`: strings take double quotes.
fn single_quotes(failure: &Failure<'_>) -> Option<Diagnostic> {
    if failure.found != "'" {
        return None;
    }
    let rest = failure.text().get(failure.token.end..)?;
    let line = rest.get(..rest.find(['\n', '\r']).unwrap_or(rest.len()))?;
    let close = line.find('\'')?;
    let body = line.get(..close)?;
    let range = failure.token.start..failure.token.end + close + 1;
    let mut diagnostic = failure
        .syntax(range.clone(), "strings are written in double quotes")
        .with_label(format!("write `\"{body}\"`"))
        .with_help("Charter strings are `\"...\"`, or `\"\"\"...\"\"\"` for text over several lines");
    if !body.contains(['"', '\\']) {
        diagnostic =
            diagnostic.with_fix("use double quotes", failure.chunk.span(range), format!("\"{body}\""));
    }
    Some(diagnostic)
}

/// `2026-3-31`: a date needs two-digit months and days.
fn short_date(failure: &Failure<'_>) -> Option<Diagnostic> {
    let (previous, year) = failure.previous()?;
    if !(year.len() == 4 && year.bytes().all(|byte| byte.is_ascii_digit()) && failure.found == "-") {
        return None;
    }
    let rest = failure.text().get(previous.start..)?;
    let length =
        rest.find(|character: char| !(character.is_ascii_digit() || character == '-')).unwrap_or(rest.len());
    let written = rest.get(..length)?;
    let parts: Vec<&str> = written.split('-').collect();
    let [_, month, day] = parts.as_slice() else {
        return None;
    };
    if !(1..=2).contains(&month.len()) || !(1..=2).contains(&day.len()) {
        return None;
    }
    let fixed = format!("{year}-{month:0>2}-{day:0>2}");
    let range = previous.start..previous.start + length;
    Some(
        failure
            .syntax(range.clone(), format!("write the date `{written}` as `{fixed}`"))
            .with_label(format!("write `{fixed}`"))
            .with_help("dates are written `YYYY-MM-DD`, with two-digit months and days")
            .with_fix(format!("write `{fixed}`"), failure.chunk.span(range), fixed),
    )
}

/// `for p in projects`: a loop where the rule's subject belongs.
fn for_in(failure: &Failure<'_>) -> Option<Diagnostic> {
    let text = failure.text();
    // Either pest stopped at the collection, or it read `for p in` as a subject and
    // stopped after the collection, at the next clause.
    let (last, collection) = match failure.previous() {
        Some((range, word)) if word != "in" => (range, word),
        _ => (failure.token.clone(), failure.found),
    };
    let (in_range, word) = before(text, last.start)?;
    let (variable_range, variable) = before(text, in_range.start)?;
    let (_, keyword) = before(text, variable_range.start)?;
    if !(word == "in" && keyword == "for" && is_name(variable) && is_name(collection)) {
        return None;
    }
    let kind = collection
        .strip_suffix("ies")
        .map(|stem| format!("{stem}y"))
        .or_else(|| collection.strip_suffix('s').map(str::to_owned))
        .unwrap_or_else(|| collection.to_owned());
    let fixed = format!("{kind} {variable}");
    let range = variable_range.start..last.end;
    Some(
        failure
            .syntax(range.clone(), format!("a rule's subject is written `for {fixed}`"))
            .with_label(format!("write `for {fixed}`"))
            .with_help(
                "a rule runs once per entity of a kind: `for KIND VAR [where CONDITION]`, or `for portfolio`",
            )
            .with_fix(format!("write `for {fixed}`"), failure.chunk.span(range), fixed),
    )
}

/// `project checkout: {`: a `:` in an entity's header.
fn colon_after_name(failure: &Failure<'_>) -> Option<Diagnostic> {
    if !(failure.found == ":" && failure.has(Rule::lbrace) && !failure.has(Rule::colon)) {
        return None;
    }
    let (_, name) = failure.previous()?;
    is_name(name).then(|| {
        failure
            .syntax(failure.token.clone(), format!("unexpected `:` after `{name}`"))
            .with_label("remove this `:`")
            .with_help("an entity is written `KIND ID \"Title\" { ... }`, with no `:` in its header")
            .with_fix("remove this `:`", failure.chunk.span(failure.token.clone()), "")
    })
}

/// A `}` with nothing to close, or one that closed a declaration before its end.
fn extra_brace(failure: &Failure<'_>) -> Option<Diagnostic> {
    let text = failure.text();
    let head = recover::brackets(text.get(..failure.pos)?);
    if !head.open.is_empty() {
        return None;
    }
    // The last declaration that closed before the error, `{` to `}`.
    let closed = head.pairs.iter().copied().filter(|&(open, _)| {
        // A pair is a declaration's when no other pair encloses it.
        !head.pairs.iter().any(|&(outer_open, outer_close)| outer_open < open && open < outer_close)
    });
    let last = closed.max_by_key(|&(_, close)| close);
    let what = last.and_then(|(open, _)| header_before(text, open));
    if failure.found == "}" && !failure.has(Rule::rbrace) {
        let mut diagnostic = failure
            .syntax(failure.token.clone(), "unexpected `}`")
            .with_label("remove this `}`")
            .with_fix("remove this `}`", failure.chunk.span(failure.token.clone()), "");
        diagnostic = match (last, &what) {
            (Some((_, close)), Some(what)) => diagnostic
                .with_secondary(failure.chunk.span(close..close + 1), format!("`{what}` already ends here"))
                .with_help("nothing is open here: every `{` before this `}` is already closed"),
            _ => diagnostic.with_help("nothing is open here: there is no `{` for this `}` to close"),
        };
        return Some(diagnostic);
    }
    // `milestone beta { ... } }` in the middle of `project checkout`: the declaration
    // ended early, and a `}` further down has nothing to close.
    let (_, close) = last?;
    let what = what?;
    let rest = recover::brackets(text.get(failure.pos..)?);
    let stray = rest.unmatched.first().map(|&offset| failure.pos + offset)?;
    Some(
        failure
            .syntax(close..close + 1, format!("this `}}` ends `{what}` too early"))
            .with_label("remove this `}`")
            .with_secondary(failure.chunk.span(failure.token.clone()), format!("this is outside `{what}`"))
            .with_secondary(failure.chunk.span(stray..stray + 1), format!("`{what}` was meant to end here"))
            .with_help(
                "a `}` closes the innermost open `{`; this one closes the declaration, not a nested entity",
            )
            .with_fix("remove this `}`", failure.chunk.span(close..close + 1), ""),
    )
}

/// `sponsor okafor` (read as the header of a nested entity), `severity error` and
/// `title "Checkout"`: a field or setting without its `:`.
fn missing_colon(failure: &Failure<'_>) -> Option<Diagnostic> {
    let text = failure.text();
    let nested = failure.has(Rule::lbrace);
    let (name, value) = if let Some((value_range, value)) = failure.previous()
        && failure.has(Rule::lbrace)
        && let Some((name_range, name)) = before(text, value_range.start)
        && is_name(name)
        && is_word(value)
        && alone_on_line(text, name_range.start)
        && same_line(text, name_range.end, value_range.start)
        && (!same_line(text, value_range.end, failure.pos) || failure.at_end || failure.found == "}")
    {
        (name_range, value_range)
    } else if let Some((name_range, name)) = failure.previous()
        && (failure.has(Rule::colon) || (failure.has(Rule::ident) && alone_on_line(text, name_range.start)))
        && is_name(name)
        && !failure.at_end
        && starts_value(failure.found)
        && same_line(text, name_range.end, failure.token.start)
        && !recover::brackets(text.get(..failure.pos)?).open.is_empty()
        // `milestone "Beta" {` lacks an id, not a `:`.
        && !text.get(failure.token.end..).is_some_and(|rest| {
            rest.get(..rest.find(['\n', '\r']).unwrap_or(rest.len())).is_some_and(|line| line.contains('{'))
        })
    {
        (name_range, failure.token.clone())
    } else {
        return None;
    };
    let name_text = failure.get(name.clone());
    if in_rule_body(failure) && !SETTINGS.contains(&name_text) {
        return Some(unknown_clause(failure, name, name_text));
    }
    let value_text = if nested { failure.get(value.clone()) } else { rest_of_line(text, value.start) };
    let written = format!("{name_text}: {value_text}");
    let gap = name.end..value.start;
    let help = if nested {
        format!(
            "a field is written `name: value`; `{name_text} {value_text} {{ ... }}` would declare a nested `{name_text}`"
        )
    } else {
        format!("fields and settings are written `name: value`, as in `{written}`")
    };
    Some(
        failure
            .syntax(name.clone(), format!("expected `:` after `{name_text}`"))
            .with_label(format!("write `{written}`"))
            .with_help(help)
            .with_fix(format!("write `{written}`"), failure.chunk.span(gap), ": "),
    )
}

/// A `(`, `[` or `{` that is never closed, or list items without the `,` between them.
fn unclosed_or_missing_comma(failure: &Failure<'_>) -> Option<Diagnostic> {
    let text = failure.text();
    let head = recover::brackets(text.get(..failure.pos)?);
    let &open = head.open.last()?;
    let opener = text.get(open..open + 1)?;
    let closer = match opener {
        "(" => ")",
        "[" => "]",
        _ => "}",
    };
    let wanted = match closer {
        ")" => Rule::rparen,
        "]" => Rule::rbracket,
        _ => Rule::rbrace,
    };
    if !failure.has(wanted) {
        return None;
    }
    let (previous, _) = failure.previous()?;
    let end = previous.end;
    let call = open > 0 && text.get(open - 1..open).is_some_and(is_word);
    if opener != "{"
        && (opener == "[" || call)
        && !failure.at_end
        && starts_value(failure.found)
        && same_line(text, end, failure.token.start)
    {
        let between = if call { "arguments" } else { "list items" };
        return Some(
            failure
                .syntax(end..end, format!("expected `,` between {between}"))
                .with_label("add `,` here")
                .with_secondary(
                    failure.chunk.span(failure.token.clone()),
                    format!("next {}", describe_item(call)),
                )
                .with_fix("insert `,`", failure.chunk.span(end..end), ","),
        );
    }
    // Closed later by the right bracket: something else is wrong.
    let whole = recover::brackets(text);
    let closed_by = whole.pairs.iter().find(|&&(start, _)| start == open).map(|&(_, close)| close);
    if closed_by.is_some_and(|close| text.get(close..close + 1) == Some(closer)) {
        return None;
    }
    let (insert, title) = if closer == "}" {
        let line_start = text.get(..open)?.rfind(['\n', '\r']).map_or(0, |index| index + 1);
        let indent: String =
            text.get(line_start..)?.chars().take_while(|character| matches!(character, ' ' | '\t')).collect();
        (format!("\n{indent}}}"), "insert `}`")
    } else {
        (closer.to_owned(), if closer == ")" { "insert `)`" } else { "insert `]`" })
    };
    let mut diagnostic = failure
        .syntax(end..end, format!("unclosed `{opener}`"))
        .with_label(format!("expected `{closer}` here"))
        .with_secondary(failure.chunk.span(open..open + 1), format!("unclosed `{opener}` opened here"));
    if !failure.at_end && !same_line(text, end, failure.token.start) {
        diagnostic = diagnostic.with_secondary(
            failure.chunk.span(failure.token.clone()),
            format!("found {}", describe(failure.found)),
        );
    }
    Some(diagnostic.with_help(format!("close it with `{closer}`")).with_fix(
        title,
        failure.chunk.span(end..end),
        insert,
    ))
}

fn describe_item(call: bool) -> &'static str {
    if call { "argument" } else { "item" }
}

/// `let b p.budget`: a `let` without its `=`.
fn missing_equals(failure: &Failure<'_>) -> Option<Diagnostic> {
    let (name, written) = failure.previous()?;
    if !(failure.has(Rule::equals)
        && is_name(written)
        && !failure.at_end
        && starts_value(failure.found)
        && same_line(failure.text(), name.end, failure.token.start))
    {
        return None;
    }
    let gap = name.end..failure.token.start;
    Some(
        failure
            .syntax(name.clone(), format!("expected `=` after `{written}`"))
            .with_label(format!(
                "write `let {written} = {}`",
                rest_of_line(failure.text(), failure.token.start)
            ))
            .with_help("a `let` is written `let NAME = EXPR`")
            .with_fix("insert `=`", failure.chunk.span(gap), " = "),
    )
}

/// `project { ... }` or `project "Title" { ... }`: an entity without its id.
fn missing_id(failure: &Failure<'_>) -> Option<Diagnostic> {
    let (kind_range, kind) = failure.previous()?;
    if !(failure.has(Rule::ident)
        && is_name(kind)
        && (failure.found == "{" || failure.found.starts_with('"'))
        && alone_on_line(failure.text(), kind_range.start)
        && !matches!(kind, "use" | "extend" | "rule" | "test"))
    {
        return None;
    }
    let at = kind_range.end..kind_range.end;
    Some(
        failure
            .syntax(at, format!("expected an id after `{kind}`"))
            .with_label("the id goes here")
            .with_help(format!(
                "every entity has an id that references use: `{kind} checkout \"Title\" {{ ... }}`"
            )),
    )
}

/// The text from `at` to the end of its line, without trailing blanks.
fn rest_of_line(text: &str, at: usize) -> &str {
    let rest = text.get(at..).unwrap_or("");
    rest.get(..rest.find(['\n', '\r']).unwrap_or(rest.len())).unwrap_or("").trim_end()
}

/// The settings a rule takes.
const SETTINGS: [&str; 5] = ["severity", "summary", "message", "help", "url"];

/// `ensure p.budget > 0` in a rule: a word that is neither a clause nor a setting.
fn unknown_clause(failure: &Failure<'_>, name: Range<usize>, written: &str) -> Diagnostic {
    let candidates = ["for", "let", "require"].into_iter().chain(SETTINGS);
    let diagnostic = failure
        .syntax(name.clone(), format!("`{written}` is neither a clause nor a setting of a rule"))
        .with_label("expected `for`, `let`, `require` or a setting")
        .with_help(
            "a rule's clauses are `for KIND VAR`, `let NAME = EXPR` and `require CONDITION`; its settings are `severity:`, `summary:`, `message:`, `help:` and `url:`",
        );
    // Other languages' words for a condition that must hold.
    let synonym = matches!(written, "ensure" | "assert" | "check" | "must" | "expect").then_some("require");
    match crate::diagnostic::closest(written, candidates).or(synonym) {
        Some(closest) => diagnostic.with_label(format!("did you mean `{closest}`?")).with_fix(
            format!("replace with `{closest}`"),
            failure.chunk.span(name),
            closest,
        ),
        None => diagnostic,
    }
}

/// Whether the error lies directly in the body of a `rule`, outside any bracket of its
/// clauses.
fn in_rule_body(failure: &Failure<'_>) -> bool {
    let text = failure.text();
    let Some(head) = text.get(..failure.pos) else {
        return false;
    };
    let open = recover::brackets(head).open;
    let first_word = text.trim_start().split(|character: char| !character.is_ascii_alphanumeric()).next();
    open.len() == 1 && first_word == Some("rule")
}
