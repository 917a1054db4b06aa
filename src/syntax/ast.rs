//! The spanned syntax tree of one `.charter` file.
//!
//! Every node carries a [`Span`]; spans compare equal, so trees compare structurally
//! (the formatter's tests compare trees before and after formatting). Comments are not
//! in the tree except doc comments (`///`), which belong to the declaration or field
//! that follows them; the formatter recovers ordinary comments from the source text
//! between node spans.
//!
//! Trees are serde types so that `charter check` can keep them in its cache
//! ([`crate::cache`]). Every field through which a node holds a node of its own kind is
//! read through [`crate::cache::codec::nested`], which bounds how deeply a cache file
//! may nest them: a new recursive field needs that attribute too.

use crate::source::Span;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A parsed file: its declarations, in source order, including the broken ones.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SourceFile {
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Item {
    Use(Use),
    Entity(Entity),
    Extend(Extend),
    /// Boxed: a rule is the largest declaration, and a file of entities holds many items.
    Rule(Box<Rule>),
    Test(Test),
    /// A declaration that did not parse. Its syntax error has been reported.
    Broken(Broken),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Use(item) => item.span,
            Item::Entity(item) => item.span,
            Item::Extend(item) => item.span,
            Item::Rule(item) => item.span,
            Item::Test(item) => item.span,
            Item::Broken(item) => item.span,
        }
    }
}

/// An identifier with its span.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ident {
    /// Inline up to 24 bytes: ids, kinds and field names never allocate.
    pub name: compact_str::CompactString,
    pub span: Span,
}

/// A dotted name: `checkout_revamp.beta`, `charter::missing_field`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Path {
    /// The name as written, segments joined with `.` (or `::` for built-in codes).
    pub name: String,
    pub span: Span,
}

/// The text of consecutive `///` lines, without the slashes and one leading space.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Doc {
    pub text: String,
    pub span: Span,
}

/// `use "path/to/file.charter"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Use {
    pub path: StringLit,
    pub span: Span,
}

/// `KIND ID ["title"] { fields and nested entities }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    pub doc: Option<Doc>,
    pub kind: Ident,
    pub id: Ident,
    pub title: Option<StringLit>,
    pub fields: Vec<Field>,
    #[serde(deserialize_with = "crate::cache::codec::nested")]
    pub children: Vec<Entity>,
    pub span: Span,
}

/// `name: value`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// Boxed: rare on a field, and a file holds many fields (32 bytes less each).
    pub doc: Option<Box<Doc>>,
    pub name: Ident,
    pub value: Value,
    pub span: Span,
}

/// A literal value, a reference or a list of them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ValueKind {
    String(compact_str::CompactString),
    /// An exact decimal; multipliers `k M B` applied.
    Number(#[serde(with = "crate::cache::codec::decimal")] Decimal),
    /// `15%` is stored as `0.15`.
    Percent(#[serde(with = "crate::cache::codec::decimal")] Decimal),
    Money {
        #[serde(with = "crate::cache::codec::decimal")]
        amount: Decimal,
        currency: compact_str::CompactString,
    },
    /// A date of the right shape; it may still be impossible (`2026-02-30`).
    Date(DateLit),
    Duration(Duration),
    /// `68% @ 2025-06-30`.
    Measurement {
        #[serde(deserialize_with = "crate::cache::codec::nested")]
        value: Box<Value>,
        date: DateLit,
    },
    Bool(bool),
    None,
    /// An identifier or dotted path: a reference, an enum value or a rule name,
    /// depending on the field's type. Inline up to 24 bytes, like [`Ident`].
    Name(compact_str::CompactString),
    List(#[serde(deserialize_with = "crate::cache::codec::nested")] Vec<Value>),
}

/// `YYYY-MM-DD` as written. `date` is `None` when the date is impossible.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateLit {
    pub year: i16,
    pub month: i8,
    pub day: i8,
    pub span: Span,
}

impl DateLit {
    /// The calendar date, unless the written date does not exist.
    pub fn date(&self) -> Option<jiff::civil::Date> {
        jiff::civil::Date::new(self.year, self.month, self.day).ok()
    }
}

impl std::fmt::Display for DateLit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// `30d`, `6w`, `3mo`, `1y`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Duration {
    pub amount: i64,
    pub unit: DurationUnit,
}

/// `30d`, as written in the language.
impl std::fmt::Display for Duration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.amount, self.unit.suffix())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DurationUnit {
    Days,
    Weeks,
    Months,
    Years,
}

impl DurationUnit {
    pub fn suffix(self) -> &'static str {
        match self {
            DurationUnit::Days => "d",
            DurationUnit::Weeks => "w",
            DurationUnit::Months => "mo",
            DurationUnit::Years => "y",
        }
    }
}

/// A string literal: its decoded value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StringLit {
    /// Inline up to 24 bytes, like [`Ident`]: most titles are short.
    pub value: compact_str::CompactString,
    pub span: Span,
}

/// `extend KIND { field: TYPE [required] ... }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extend {
    pub doc: Option<Doc>,
    pub kind: Ident,
    pub fields: Vec<FieldDecl>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDecl {
    pub doc: Option<Doc>,
    pub name: Ident,
    pub ty: TypeExpr,
    pub required: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TypeExprKind {
    /// `string bool number percent money date measurement` (checked by the model).
    Named(Ident),
    /// `ref KIND`.
    Ref(Ident),
    /// `[T]`.
    List(#[serde(deserialize_with = "crate::cache::codec::nested")] Box<TypeExpr>),
    /// `enum [a, b]`.
    Enum(Vec<Ident>),
}

/// `rule NAME { ... }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub doc: Option<Doc>,
    pub name: Ident,
    /// `severity: error`, `summary: "..."`, `message:`, `help:`, `url:`, in source order.
    pub settings: Vec<Field>,
    /// `None` when the rule has no `for` clause (reported by the rule checker).
    pub subject: Option<Subject>,
    pub lets: Vec<Let>,
    pub requires: Vec<Require>,
    /// Every clause in source order, for the formatter and for order checks.
    pub clauses: Vec<RuleClause>,
    pub span: Span,
}

/// Which list a rule clause lives in, by index, in source order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RuleClause {
    Setting(usize),
    Subject,
    Let(usize),
    Require(usize),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Subject {
    /// `for KIND VAR [where EXPR]`.
    Kind { kind: Ident, var: Ident, filter: Option<Expr>, span: Span },
    /// `for portfolio`.
    Portfolio { span: Span },
}

impl Subject {
    pub fn span(&self) -> Span {
        match self {
            Subject::Kind { span, .. } | Subject::Portfolio { span } => *span,
        }
    }
}

/// `let NAME = EXPR`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Let {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// `require EXPR [else "message"]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Require {
    pub condition: Expr,
    pub message: Option<StringLit>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExprKind {
    /// A literal other than a name or list: string, number, percent, money, date,
    /// duration, bool, none.
    Literal(ValueKind),
    /// A variable, a global or an enum value typed by context.
    Name(Ident),
    List(#[serde(deserialize_with = "crate::cache::codec::nested")] Vec<Expr>),
    /// `a.b`.
    Member {
        #[serde(deserialize_with = "crate::cache::codec::nested")]
        target: Box<Expr>,
        member: Ident,
    },
    /// `a.f(args)`.
    Call {
        #[serde(deserialize_with = "crate::cache::codec::nested")]
        target: Box<Expr>,
        method: Ident,
        #[serde(deserialize_with = "crate::cache::codec::nested")]
        args: Vec<Expr>,
    },
    Unary {
        op: UnaryOp,
        #[serde(deserialize_with = "crate::cache::codec::nested")]
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        #[serde(deserialize_with = "crate::cache::codec::nested")]
        left: Box<Expr>,
        #[serde(deserialize_with = "crate::cache::codec::nested")]
        right: Box<Expr>,
    },
    /// `( expr )`, kept so the formatter can print what was written.
    Paren(#[serde(deserialize_with = "crate::cache::codec::nested")] Box<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::NotIn => "not in",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
        }
    }

    /// Binding strength: higher binds tighter.
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::In
            | BinaryOp::NotIn => 4,
            BinaryOp::Add | BinaryOp::Sub => 5,
            BinaryOp::Mul | BinaryOp::Div => 6,
        }
    }
}

/// `test NAME { today: DATE, entities..., expect ... }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Test {
    pub doc: Option<Doc>,
    pub name: Ident,
    pub today: Option<DateLit>,
    pub entities: Vec<Entity>,
    pub expects: Vec<Expect>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expect {
    pub kind: ExpectKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExpectKind {
    /// `expect [no] RULE [on ID]`.
    Finding { negated: bool, rule: Path, on: Option<Path> },
    /// `expect clean`.
    Clean,
}

/// A declaration that did not parse, with as much of its header as did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Broken {
    /// The first word (`project`, `rule`, ...), when there is one.
    pub keyword: Option<Ident>,
    /// The id or name after it, when it parsed.
    pub name: Option<Ident>,
    pub span: Span,
}
