//! How trees and findings are encoded in the cache: the serde impls that cannot be
//! derived. A [`Span`] is written with its file, and read back into the file being
//! loaded ([`in_file`]), because file ids depend on load order; nesting is bounded
//! ([`nested`]); numbers are exact decimal text ([`decimal`]).
//!
//! Nothing here trusts the bytes it reads: the encoding is postcard, whose reader checks
//! every length against the bytes that remain, so no claimed length allocates more than
//! the file holds, and [`nested`] refuses trees deeper than any the parser makes before
//! the native stack could run out.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cell::Cell;

use crate::source::{FileId, Span};

/// The deepest nesting of nodes a cache file may hold. The parser makes expression trees
/// at most 200 levels high and nests brackets at most 64 deep (docs/syntax.md, Limits),
/// so a real tree stays below this; a deeper one is refused, and the file is parsed.
pub const MAX_NESTING: u32 = 256;

thread_local! {
    /// The file whose tree is being read, when spans are to be moved into it.
    static FILE: Cell<Option<FileId>> = const { Cell::new(None) };
    /// How many [`nested`] fields enclose the value being read.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Runs `read` with every span it deserializes placed in `file`: a tree is cached without
/// regard to the id its file had when it was written.
pub fn in_file<T>(file: FileId, read: impl FnOnce() -> T) -> T {
    let previous = FILE.with(|cell| cell.replace(Some(file)));
    let result = read();
    FILE.with(|cell| cell.set(previous));
    result
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (self.file.0, self.start, self.end).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Span, D::Error> {
        let (file, start, end) = <(u32, u32, u32)>::deserialize(deserializer)?;
        if end < start {
            return Err(D::Error::custom("a span that ends before it starts"));
        }
        let file = FILE.with(Cell::get).unwrap_or(FileId(file));
        Ok(Span { file, start, end })
    }
}

/// Reads a field that holds a node of the enclosing node's kind (an operand, a list's
/// items, an entity's children), refusing to go deeper than [`MAX_NESTING`]: a crafted
/// cache file could otherwise nest far enough to overflow the stack.
pub fn nested<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<T, D::Error> {
    let depth = DEPTH.with(Cell::get);
    if depth >= MAX_NESTING {
        return Err(D::Error::custom("the tree is nested too deeply"));
    }
    DEPTH.with(|cell| cell.set(depth + 1));
    let result = T::deserialize(deserializer);
    DEPTH.with(|cell| cell.set(depth));
    result
}

/// `Decimal` as its exact text (`1.50` keeps its scale): `rust_decimal`'s own serde
/// support reads through `deserialize_any`, which postcard cannot offer.
pub mod decimal {
    use rust_decimal::Decimal;
    use serde::de::{Error, Visitor};
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        struct Text;
        impl Visitor<'_> for Text {
            type Value = Decimal;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("a decimal number as text")
            }

            fn visit_str<E: Error>(self, text: &str) -> Result<Decimal, E> {
                text.parse::<Decimal>().map_err(|_| E::custom("not a decimal number"))
            }
        }
        deserializer.deserialize_str(Text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast;

    fn round_trip(text: &str) -> (ast::SourceFile, ast::SourceFile) {
        let (tree, _) = crate::syntax::parse(FileId(3), text);
        let bytes = postcard::to_stdvec(&tree).unwrap();
        let back: ast::SourceFile = in_file(FileId(9), || postcard::from_bytes(&bytes)).unwrap();
        (tree, back)
    }

    #[test]
    fn a_tree_reads_back_equal_with_its_spans_in_the_new_file() {
        let text = "project p \"P\" {\n  budget: 1.50M EUR\n  share: 15%\n  start: 2026-02-30\n  tags: [a, [b]]\n  owner: x\n  m: 68% @ 2025-06-30\n}\nrule r {\n  for project p where p.budget > 1 EUR and not (p.x in [1, 2])\n  require -p.a.b(1, 2) <= 3\n}\n";
        let (tree, back) = round_trip(text);
        assert_eq!(tree, back);
        let spans = |file: &ast::SourceFile| {
            file.items.iter().map(|item| (item.span().file, item.span().range())).collect::<Vec<_>>()
        };
        let moved: Vec<_> = spans(&tree).into_iter().map(|(_, range)| (FileId(9), range)).collect();
        assert_eq!(spans(&back), moved);
        // The exact decimal keeps its scale.
        let ast::Item::Entity(entity) = &back.items[0] else { panic!("an entity") };
        assert_eq!(
            entity.fields[0].value.kind,
            ast::ValueKind::Money { amount: "1500000".parse().unwrap(), currency: "EUR".into() }
        );
    }

    #[test]
    fn nesting_beyond_the_limit_is_refused_and_within_it_read() {
        fn deep(levels: u32) -> ast::Expr {
            let mut expr =
                ast::Expr { kind: ast::ExprKind::Literal(ast::ValueKind::Bool(true)), span: Span::default() };
            for _ in 0..levels {
                expr = ast::Expr { kind: ast::ExprKind::Paren(Box::new(expr)), span: Span::default() };
            }
            expr
        }
        let within = postcard::to_stdvec(&deep(MAX_NESTING)).unwrap();
        assert!(postcard::from_bytes::<ast::Expr>(&within).is_ok());
        let beyond = postcard::to_stdvec(&deep(MAX_NESTING + 1)).unwrap();
        assert!(postcard::from_bytes::<ast::Expr>(&beyond).is_err());
        // The count starts again for the next value.
        assert!(postcard::from_bytes::<ast::Expr>(&within).is_ok());
    }

    #[test]
    fn a_backwards_span_or_a_bad_number_is_an_error() {
        let bytes = postcard::to_stdvec(&(0u32, 5u32, 2u32)).unwrap();
        assert!(postcard::from_bytes::<Span>(&bytes).is_err());
        let bytes = postcard::to_stdvec(&ast::ValueKind::Number(rust_decimal::Decimal::ONE)).unwrap();
        let mut broken = bytes.clone();
        *broken.last_mut().unwrap() = b'x';
        assert!(postcard::from_bytes::<ast::ValueKind>(&broken).is_err());
    }
}
