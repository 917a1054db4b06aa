//! Decoding string literals: escapes, and the dedent of `"""` text blocks.
//!
//! The grammar accepts a backslash before any character, so a bad escape does not break
//! the declaration; decoding reports it at the escape's exact range instead.

use std::ops::Range;

/// A bad escape: its byte range within the literal (quotes included) and a message.
pub(crate) struct Problem {
    pub range: Range<usize>,
    pub message: String,
}

/// Decodes a `"..."` literal, quotes included.
pub(crate) fn decode_line(literal: &str) -> (String, Vec<Problem>) {
    let inner = literal.strip_prefix('"').and_then(|rest| rest.strip_suffix('"')).unwrap_or(literal);
    if !inner.contains('\\') {
        // Most strings have no escape: one copy, no decoding.
        return (inner.to_owned(), Vec::new());
    }
    let mut problems = Vec::new();
    let value = unescape(inner, 1, &mut problems);
    (value, problems)
}

/// Decodes a `"""..."""` block, quotes included: the newline right after the opening
/// quotes is dropped, then the indentation common to every non-blank line (and to the
/// closing quotes' line) is removed, then escapes are decoded. Line ends become `\n`.
pub(crate) fn decode_block(literal: &str) -> (String, Vec<Problem>) {
    let inner =
        literal.strip_prefix("\"\"\"").and_then(|rest| rest.strip_suffix("\"\"\"")).unwrap_or(literal);
    let mut problems = Vec::new();
    // Report escapes against the raw text, where the offsets are known.
    unescape(inner, 3, &mut problems);
    let body = inner.strip_prefix("\r\n").or_else(|| inner.strip_prefix(['\n', '\r'])).unwrap_or(inner);
    // `\r\n` and a lone `\r` end a line like `\n` (LANGUAGE.md §2).
    let body = body.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = body.split('\n').collect();
    let last = lines.len().saturating_sub(1);
    let indent = lines
        .iter()
        .enumerate()
        .filter(|(index, line)| *index == last || !line.trim().is_empty())
        .map(|(_, line)| line.len() - line.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    let dedented: Vec<&str> = lines
        .iter()
        .map(|line| if line.trim().is_empty() { "" } else { line.get(indent..).unwrap_or(line) })
        .collect();
    let value = unescape(&dedented.join("\n"), 0, &mut Vec::new());
    (value, problems)
}

/// Decodes escapes in `text`; `offset` is where `text` starts within the literal.
fn unescape(text: &str, offset: usize, problems: &mut Vec<Problem>) -> String {
    let mut value = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((start, character)) = chars.next() {
        if character != '\\' {
            value.push(character);
            continue;
        }
        let Some((escape_at, escape)) = chars.next() else {
            problems.push(Problem {
                range: offset + start..offset + start + 1,
                message: "a string cannot end with a lone `\\`".to_owned(),
            });
            break;
        };
        let escape_end = escape_at + escape.len_utf8();
        match escape {
            '"' => value.push('"'),
            '\\' => value.push('\\'),
            'n' => value.push('\n'),
            't' => value.push('\t'),
            'u' => {
                let rest = text.get(escape_end..).unwrap_or("");
                let decoded = rest
                    .strip_prefix('{')
                    .and_then(|rest| rest.split_once('}'))
                    .filter(|(hex, _)| {
                        (1..=6).contains(&hex.len()) && hex.chars().all(|c| c.is_ascii_hexdigit())
                    })
                    .map(|(hex, _)| (hex.len(), u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)));
                match decoded {
                    Some((hex_len, Some(decoded))) => {
                        value.push(decoded);
                        // Skip `{`, the digits and `}`.
                        for _ in 0..hex_len + 2 {
                            chars.next();
                        }
                    }
                    Some((hex_len, None)) => {
                        let end = escape_end + hex_len + 2;
                        problems.push(Problem {
                            range: offset + start..offset + end,
                            message: format!(
                                "`{}` is not a unicode scalar value",
                                text.get(start..end).unwrap_or("\\u")
                            ),
                        });
                        for _ in 0..hex_len + 2 {
                            chars.next();
                        }
                    }
                    None => problems.push(Problem {
                        range: offset + start..offset + escape_end,
                        message: "a unicode escape is written `\\u{1F600}` (1 to 6 hex digits)".to_owned(),
                    }),
                }
            }
            other => problems.push(Problem {
                range: offset + start..offset + escape_end,
                message: format!("unknown escape `\\{other}`"),
            }),
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_decode() {
        let (value, problems) = decode_line(r#""a\"b\\c\nd\te\u{1F600}""#);
        assert_eq!(value, "a\"b\\c\nd\te\u{1F600}");
        assert!(problems.is_empty());
    }

    #[test]
    fn bad_escapes_are_located() {
        let (_, problems) = decode_line(r#""ab\qc\u{D800}\u{zz}""#);
        let ranges: Vec<_> = problems.iter().map(|problem| problem.range.clone()).collect();
        assert_eq!(ranges, vec![3..5, 6..14, 14..16]);
    }

    #[test]
    fn blocks_drop_the_first_newline_and_the_common_indent() {
        let (value, _) = decode_block("\"\"\"\n    one\n      two\n\n    three\n    \"\"\"");
        assert_eq!(value, "one\n  two\n\nthree\n");
        let (value, _) = decode_block("\"\"\"inline\"\"\"");
        assert_eq!(value, "inline");
    }
}
