//! Random valid Charter documents for the formatter's property tests.
//!
//! A document is generated as a list of tokens and gaps; proptest chooses the structure
//! (declarations, fields, values, expressions) and shrinks it, and a seed lays the gaps
//! out: spaces, newlines, blank lines, optional commas and comments of every kind
//! (trailing, own-line, doc comments before documentable nodes).

use proptest::prelude::*;

/// A piece of a document: a token, or the whitespace between two tokens.
#[derive(Clone, Debug)]
pub enum Piece {
    Token(String),
    /// Whitespace that may be empty (`[a,b]`) or must not be (`project p`).
    Gap {
        required: bool,
    },
    /// A gap before a declaration, member or field declaration: a doc comment fits here.
    DocGap,
    /// A comma that may be left out.
    OptionalComma,
}

use Piece::{DocGap, OptionalComma, Token};

fn token(text: &str) -> Piece {
    Token(text.to_string())
}

fn gap() -> Piece {
    Piece::Gap { required: false }
}

fn space() -> Piece {
    Piece::Gap { required: true }
}

/// Names that are valid everywhere, including names that start like keywords.
const NAMES: &[&str] = &[
    "a",
    "alice",
    "bob",
    "checkout_revamp",
    "increase",
    "on_hold",
    "inside",
    "order",
    "notes",
    "nothing",
    "android",
    "x1",
    "_private",
    "team",
    "rule_name",
    "p",
];

const KINDS: &[&str] =
    &["project", "person", "team", "objective", "metric", "waiver", "milestone", "risk", "custom_kind"];

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(NAMES).prop_map(str::to_string)
}

fn kind() -> impl Strategy<Value = String> {
    prop::sample::select(KINDS).prop_map(str::to_string)
}

fn string_literal() -> impl Strategy<Value = String> {
    prop::sample::select(
        &[
            "\"\"",
            "\"Checkout revamp\"",
            "\"tab\\tquote\\\" backslash\\\\ \\u{1F600}\"",
            "\"http://example.com // not a comment\"",
            "\"{p} has {{braces}}\"",
            "\"\"\"\n  A text block.\n    Indented // not a comment\n  \"\"\"",
            "\"\"\"one line\"\"\"",
            "\"ünïcødé ✓\"",
        ][..],
    )
    .prop_map(str::to_string)
}

fn number() -> impl Strategy<Value = String> {
    prop::sample::select(&["0", "42", "-3.5", "1_200_000", "1.2M", "800k", "2B", "0.5"][..])
        .prop_map(str::to_string)
}

fn leaf_value() -> impl Strategy<Value = Vec<Piece>> {
    prop_oneof![
        number().prop_map(|n| vec![Token(n)]),
        number().prop_map(|n| vec![Token(format!("{n}%"))]),
        (number(), prop::sample::select(&[" ", "   ", "\t"][..]), prop::sample::select(&["USD", "EUR"][..]))
            .prop_map(|(n, space, code)| vec![Token(format!("{n}{space}{code}"))]),
        prop::sample::select(&["2026-01-15", "2026-02-30", "1999-12-31"][..]).prop_map(|d| vec![token(d)]),
        prop::sample::select(&["30d", "6w", "3mo", "1y"][..]).prop_map(|d| vec![token(d)]),
        (number(), prop::sample::select(&["%", "", " USD"][..])).prop_map(|(n, unit)| vec![
            Token(format!("{n}{unit}")),
            gap(),
            token("@"),
            gap(),
            token("2025-06-30"),
        ]),
        prop::sample::select(&["true", "false", "none"][..]).prop_map(|b| vec![token(b)]),
        name().prop_map(|n| vec![Token(n)]),
        (name(), name()).prop_map(|(a, b)| vec![Token(format!("{a}.{b}"))]),
        Just(vec![token("charter::missing_field")]),
        string_literal().prop_map(|s| vec![Token(s)]),
    ]
}

fn value() -> impl Strategy<Value = Vec<Piece>> {
    leaf_value().prop_recursive(3, 24, 6, |inner| {
        (prop::collection::vec(inner, 0..6), any::<bool>()).prop_map(|(items, trailing)| {
            let mut pieces = vec![token("["), gap()];
            let count = items.len();
            for (index, item) in items.into_iter().enumerate() {
                pieces.extend(item);
                if index + 1 < count || trailing {
                    pieces.extend([gap(), token(","), gap()]);
                }
            }
            pieces.extend([gap(), token("]")]);
            pieces
        })
    })
}

fn field() -> impl Strategy<Value = Vec<Piece>> {
    (name(), value()).prop_map(|(name, value)| {
        let mut pieces = vec![DocGap, Token(name), gap(), token(":"), gap()];
        pieces.extend(value);
        pieces.push(OptionalComma);
        pieces
    })
}

fn entity_body(members: impl Strategy<Value = Vec<Vec<Piece>>>) -> impl Strategy<Value = Vec<Piece>> {
    members.prop_map(|members| {
        let mut pieces = vec![token("{")];
        for member in members {
            pieces.push(space());
            pieces.extend(member);
        }
        pieces.extend([gap(), token("}")]);
        pieces
    })
}

fn header(kind: String, id: String, title: Option<String>) -> Vec<Piece> {
    let mut pieces = vec![DocGap, Token(kind), space(), Token(id)];
    if let Some(title) = title {
        pieces.push(gap());
        pieces.push(Token(title));
    }
    pieces.push(gap());
    pieces
}

fn entity() -> impl Strategy<Value = Vec<Piece>> {
    let nested = (
        kind(),
        name(),
        prop::option::of(string_literal()),
        entity_body(prop::collection::vec(field(), 0..4)),
    )
        .prop_map(|(kind, id, title, body)| {
            let mut pieces = header(kind, id, title);
            pieces.extend(body);
            pieces
        });
    let member = prop_oneof![4 => field(), 1 => nested];
    (kind(), name(), prop::option::of(string_literal()), entity_body(prop::collection::vec(member, 0..7)))
        .prop_map(|(kind, id, title, body)| {
            let mut pieces = header(kind, id, title);
            pieces.extend(body);
            pieces
        })
}

/// Names usable as expression variables (not `and`, `or`, `not`, `in`).
fn variable() -> impl Strategy<Value = String> {
    prop::sample::select(&["p", "q", "projects", "today", "active", "increase", "order", "notes"][..])
        .prop_map(str::to_string)
}

fn leaf_expr() -> impl Strategy<Value = Vec<Piece>> {
    prop_oneof![
        4 => variable().prop_map(|v| vec![Token(v)]),
        1 => prop::sample::select(&["42", "1_000", "1.5M", "15%", "1.2M USD", "2M   EUR", "30d", "3mo", "2026-01-01", "true", "none"][..])
            .prop_map(|literal| vec![token(literal)]),
        1 => string_literal().prop_map(|s| vec![Token(s)]),
    ]
}

fn expr() -> impl Strategy<Value = Vec<Piece>> {
    leaf_expr().prop_recursive(5, 48, 4, |inner| {
        prop_oneof![
            3 => (inner.clone(), prop::sample::select(&["or", "and", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "+", "-", "*", "/"][..]), inner.clone())
                .prop_map(|(left, op, right)| {
                    let mut pieces = left;
                    let word = op.starts_with(|c: char| c.is_ascii_alphabetic());
                    pieces.push(if word { space() } else { gap() });
                    if op == "not in" {
                        pieces.extend([token("not"), space(), token("in")]);
                    } else {
                        pieces.push(token(op));
                    }
                    pieces.push(if word { space() } else { gap() });
                    pieces.extend(right);
                    pieces
                }),
            1 => inner.clone().prop_map(|operand| {
                let mut pieces = vec![token("not"), space()];
                pieces.extend(operand);
                pieces
            }),
            1 => inner.clone().prop_map(|operand| {
                let mut pieces = vec![token("-"), gap()];
                pieces.extend(operand);
                pieces
            }),
            2 => inner.clone().prop_map(|operand| {
                let mut pieces = vec![token("("), gap()];
                pieces.extend(operand);
                pieces.extend([gap(), token(")")]);
                pieces
            }),
            2 => (inner.clone(), name()).prop_map(|(target, member)| {
                let mut pieces = vec![token("(")];
                pieces.extend(target);
                pieces.extend([token(")"), gap(), token("."), gap(), Token(member)]);
                pieces
            }),
            2 => (variable(), name(), prop::sample::select(&["filter", "map", "all", "count", "sum", "contains", "is_empty"][..]), prop::collection::vec(inner.clone(), 0..3), any::<bool>())
                .prop_map(|(target, member, method, args, trailing)| {
                    let mut pieces = vec![Token(target), gap(), token("."), gap(), Token(member), gap(), token("."), gap(), token(method), gap(), token("("), gap()];
                    let count = args.len();
                    for (index, arg) in args.into_iter().enumerate() {
                        pieces.extend(arg);
                        if index + 1 < count || trailing {
                            pieces.extend([gap(), token(","), gap()]);
                        }
                    }
                    pieces.extend([gap(), token(")")]);
                    pieces
                }),
            1 => prop::collection::vec(inner, 0..4).prop_map(|items| {
                let mut pieces = vec![token("["), gap()];
                let count = items.len();
                for (index, item) in items.into_iter().enumerate() {
                    pieces.extend(item);
                    if index + 1 < count {
                        pieces.extend([gap(), token(","), gap()]);
                    }
                }
                pieces.extend([gap(), token("]")]);
                pieces
            }),
        ]
    })
}

fn setting() -> impl Strategy<Value = Vec<Piece>> {
    (prop::sample::select(&["severity", "summary", "help", "url", "message"][..]), value()).prop_map(
        |(name, value)| {
            let mut pieces = vec![DocGap, token(name), gap(), token(":"), gap()];
            pieces.extend(value);
            pieces.push(OptionalComma);
            pieces
        },
    )
}

fn rule() -> impl Strategy<Value = Vec<Piece>> {
    let subject = prop_oneof![
        Just(vec![token("for"), space(), token("portfolio")]),
        (kind(), variable(), prop::option::of(expr())).prop_map(|(kind, var, filter)| {
            let mut pieces = vec![token("for"), space(), Token(kind), space(), Token(var)];
            if let Some(filter) = filter {
                pieces.extend([space(), token("where"), space()]);
                pieces.extend(filter);
            }
            pieces
        }),
    ];
    let binding = (name(), expr()).prop_map(|(name, value)| {
        let mut pieces = vec![token("let"), space(), Token(name), gap(), token("="), gap()];
        pieces.extend(value);
        pieces
    });
    let require = (expr(), prop::option::of(string_literal())).prop_map(|(condition, message)| {
        let mut pieces = vec![token("require"), space()];
        pieces.extend(condition);
        if let Some(message) = message {
            pieces.extend([space(), token("else"), space(), Token(message)]);
        }
        pieces
    });
    (
        name(),
        prop::collection::vec(setting(), 0..3),
        subject,
        prop::collection::vec(binding, 0..2),
        prop::collection::vec(require, 1..3),
        prop::collection::vec(setting(), 0..2),
    )
        .prop_map(|(name, before, subject, lets, requires, after)| {
            let mut pieces = vec![DocGap, token("rule"), space(), Token(name), gap(), token("{")];
            for clause in
                before.into_iter().chain(std::iter::once(subject)).chain(lets).chain(requires).chain(after)
            {
                pieces.push(space());
                pieces.extend(clause);
            }
            pieces.extend([gap(), token("}")]);
            pieces
        })
}

fn type_expr() -> impl Strategy<Value = Vec<Piece>> {
    let leaf = prop_oneof![
        prop::sample::select(&["string", "bool", "number", "percent", "money", "date", "measurement"][..])
            .prop_map(|name| vec![token(name)]),
        kind().prop_map(|kind| vec![token("ref"), space(), Token(kind)]),
        prop::collection::vec(name(), 1..5).prop_map(|values| {
            let mut pieces = vec![token("enum"), gap(), token("["), gap()];
            let count = values.len();
            for (index, value) in values.into_iter().enumerate() {
                pieces.push(Token(value));
                if index + 1 < count {
                    pieces.extend([gap(), token(","), gap()]);
                }
            }
            pieces.extend([gap(), token("]")]);
            pieces
        }),
    ];
    leaf.prop_recursive(2, 4, 1, |inner| {
        inner.prop_map(|inner| {
            let mut pieces = vec![token("["), gap()];
            pieces.extend(inner);
            pieces.extend([gap(), token("]")]);
            pieces
        })
    })
}

fn extend() -> impl Strategy<Value = Vec<Piece>> {
    let decl = (name(), type_expr(), any::<bool>()).prop_map(|(name, ty, required)| {
        let mut pieces = vec![DocGap, Token(name), gap(), token(":"), gap()];
        pieces.extend(ty);
        if required {
            pieces.extend([space(), token("required")]);
        }
        pieces.push(OptionalComma);
        pieces
    });
    (kind(), prop::collection::vec(decl, 0..4)).prop_map(|(kind, decls)| {
        let mut pieces = vec![DocGap, token("extend"), space(), Token(kind), gap(), token("{")];
        for decl in decls {
            pieces.push(space());
            pieces.extend(decl);
        }
        pieces.extend([gap(), token("}")]);
        pieces
    })
}

fn test_decl() -> impl Strategy<Value = Vec<Piece>> {
    let nested =
        (kind(), name(), entity_body(prop::collection::vec(field(), 0..3))).prop_map(|(kind, id, body)| {
            let mut pieces = header(kind, id, None);
            pieces.extend(body);
            pieces.push(OptionalComma);
            pieces
        });
    let expect = prop_oneof![
        Just(vec![token("expect"), space(), token("clean")]),
        (any::<bool>(), name(), prop::option::of(name())).prop_map(|(negated, rule, on)| {
            let mut pieces = vec![token("expect"), space()];
            if negated {
                pieces.extend([token("no"), space()]);
            }
            pieces.push(Token(rule));
            if let Some(on) = on {
                pieces.extend([space(), token("on"), space(), Token(on)]);
            }
            pieces
        }),
    ];
    let today = Just(vec![token("today"), gap(), token(":"), gap(), token("2026-06-01")]);
    (name(), prop::option::of(today), prop::collection::vec(prop_oneof![nested, expect], 0..5)).prop_map(
        |(name, today, items)| {
            let mut pieces = vec![DocGap, token("test"), space(), Token(name), gap(), token("{")];
            for item in today.into_iter().chain(items) {
                pieces.push(space());
                pieces.extend(item);
            }
            pieces.extend([gap(), token("}")]);
            pieces
        },
    )
}

fn declaration() -> impl Strategy<Value = Vec<Piece>> {
    prop_oneof![
        5 => entity(),
        3 => rule(),
        1 => extend(),
        1 => test_decl(),
        1 => string_literal()
            .prop_filter("one-line path", |path| !path.contains('\n'))
            .prop_map(|path| vec![token("use"), space(), Token(path)]),
    ]
}

/// A whole document: declarations, then a seed that lays the gaps out.
pub fn document() -> impl Strategy<Value = String> {
    (prop::collection::vec(declaration(), 0..6), any::<u64>()).prop_map(|(declarations, seed)| {
        let mut pieces = Vec::new();
        for declaration in declarations {
            pieces.push(gap());
            pieces.extend(declaration);
            pieces.push(space());
        }
        lay_out(&pieces, seed)
    })
}

/// Joins the pieces, choosing each gap's whitespace and comments from `seed`.
pub fn lay_out(pieces: &[Piece], seed: u64) -> String {
    let mut random = Random(seed | 1);
    let mut out = String::new();
    let mut comment = 0;
    for piece in pieces {
        match piece {
            Token(text) => out.push_str(text),
            Piece::Gap { required } => {
                let choice = random.below(20);
                match choice {
                    0..=5 if !required => {}
                    0..=8 => out.push(' '),
                    9..=11 => out.push('\n'),
                    12 => out.push_str("\n\n  "),
                    13 => out.push_str("\t "),
                    14 | 15 => {
                        comment += 1;
                        out.push_str(&format!(" // trailing {comment}\n"));
                    }
                    16 | 17 => {
                        comment += 1;
                        out.push_str(&format!("\n  // own line {comment}\n"));
                    }
                    18 => {
                        comment += 1;
                        out.push_str(&format!("\n\n// after a blank line {comment}\n\n"));
                    }
                    _ => {
                        comment += 1;
                        // After a `/` operator, `//` would make a `///` doc comment.
                        if out.ends_with('/') {
                            out.push(' ');
                        }
                        out.push_str(&format!("//tight {comment}\n"));
                    }
                }
            }
            DocGap => match random.below(6) {
                0 => {
                    comment += 1;
                    out.push_str(&format!("\n/// doc {comment}\n///   second line  \n"));
                }
                1 => {
                    comment += 1;
                    out.push_str(&format!("\n// comment {comment}\n/// doc {comment}\n"));
                }
                _ => {}
            },
            OptionalComma => match random.below(3) {
                0 => out.push(','),
                1 => out.push_str(" ,"),
                _ => {}
            },
        }
    }
    out
}

/// A small deterministic generator (xorshift), so a seed always lays out the same text.
struct Random(u64);

impl Random {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}
