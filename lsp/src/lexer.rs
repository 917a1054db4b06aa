//! A forgiving lexer for editor features that must work on text that does not parse:
//! completion reads the context before the cursor with it, semantic tokens classify
//! every word with it. It never fails; unknown characters become punctuation.

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Ident,
    /// A number, percent, date, duration or money amount (the currency is an `Ident`).
    Number,
    String,
    Comment,
    DocComment,
    Newline,
    Punct(char),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        source.get(self.start..self.end).unwrap_or("")
    }
}

pub fn is_ident_char(character: char) -> bool {
    character.is_ascii_alphanumeric() || character == '_'
}

/// Every token of `source`, whitespace other than newlines left out.
pub fn tokens(source: &str) -> Vec<Token> {
    let mut result = Vec::new();
    let mut characters = source.char_indices().peekable();
    while let Some((start, character)) = characters.next() {
        let rest = source.get(start..).unwrap_or("");
        // `\n`, `\r\n` and a lone `\r` each end a line (the `\r` of `\r\n` is whitespace).
        let lone_return = character == '\r' && characters.peek().is_none_or(|(_, next)| *next != '\n');
        let kind = if character == '\n' || lone_return {
            TokenKind::Newline
        } else if character.is_whitespace() {
            continue;
        } else if rest.starts_with("//") {
            let doc = rest.starts_with("///");
            while characters.next_if(|(_, next)| !matches!(next, '\n' | '\r')).is_some() {}
            if doc { TokenKind::DocComment } else { TokenKind::Comment }
        } else if rest.starts_with("\"\"\"") {
            characters.next();
            characters.next();
            let mut closed = false;
            while let Some((index, next)) = characters.next() {
                if next == '\\' {
                    characters.next();
                } else if source.get(index..).is_some_and(|tail| tail.starts_with("\"\"\"")) {
                    characters.next();
                    characters.next();
                    closed = true;
                    break;
                }
            }
            let _ = closed;
            TokenKind::String
        } else if character == '"' {
            while let Some((_, next)) = characters.next() {
                match next {
                    '\\' => {
                        characters.next_if(|(_, escaped)| !matches!(escaped, '\n' | '\r'));
                    }
                    '"' => break,
                    '\n' | '\r' => break,
                    _ => {}
                }
            }
            TokenKind::String
        } else if character.is_ascii_digit() {
            while characters
                .next_if(|(_, next)| next.is_ascii_alphanumeric() || matches!(next, '_' | '.' | '-' | '%'))
                .is_some()
            {}
            TokenKind::Number
        } else if is_ident_char(character) {
            while characters.next_if(|(_, next)| is_ident_char(*next)).is_some() {}
            TokenKind::Ident
        } else {
            TokenKind::Punct(character)
        };
        let end = characters.peek().map_or(source.len(), |(index, _)| *index);
        // A newline that ends a line comment is its own token.
        let end = if kind == TokenKind::Newline { start + 1 } else { end };
        result.push(Token { kind, start, end });
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_comments_and_numbers_are_single_tokens() {
        let source = "a: \"x // y\" // c\nb: 1.2M USD, c: 2026-01-02\n\"\"\"\nz\n\"\"\"";
        let kinds: Vec<TokenKind> = tokens(source).iter().map(|token| token.kind).collect();
        assert_eq!(
            kinds,
            vec![
                TokenKind::Ident,
                TokenKind::Punct(':'),
                TokenKind::String,
                TokenKind::Comment,
                TokenKind::Newline,
                TokenKind::Ident,
                TokenKind::Punct(':'),
                TokenKind::Number,
                TokenKind::Ident,
                TokenKind::Punct(','),
                TokenKind::Ident,
                TokenKind::Punct(':'),
                TokenKind::Number,
                TokenKind::Newline,
                TokenKind::String,
            ]
        );
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line_and_a_comment() {
        let kinds: Vec<TokenKind> = tokens("// c\rperson b\r\nx").iter().map(|token| token.kind).collect();
        assert_eq!(
            kinds,
            [
                TokenKind::Comment,
                TokenKind::Newline,
                TokenKind::Ident,
                TokenKind::Ident,
                TokenKind::Newline,
                TokenKind::Ident
            ]
        );
    }
}
