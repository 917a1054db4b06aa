//! Semantic tokens: the lexer finds every word, string, number and comment (so broken
//! text is still colored); the syntax tree and the schema say what each word means
//! (a kind, an entity id, a field, an enum value, a rule, a variable).

use std::collections::HashMap;

use charter::model::schema::{Schema, Type};
use charter::source::Span;
use charter::syntax::ast;
use tower_lsp_server::ls_types as lsp;

use crate::analysis::{FileRef, Snapshot};
use crate::lexer::{self, TokenKind};
use crate::rule_scope::{self, Event, Ty};

const TYPES: [lsp::SemanticTokenType; 12] = [
    lsp::SemanticTokenType::KEYWORD,
    lsp::SemanticTokenType::TYPE,
    lsp::SemanticTokenType::VARIABLE,
    lsp::SemanticTokenType::PROPERTY,
    lsp::SemanticTokenType::ENUM_MEMBER,
    lsp::SemanticTokenType::FUNCTION,
    lsp::SemanticTokenType::PARAMETER,
    lsp::SemanticTokenType::METHOD,
    lsp::SemanticTokenType::STRING,
    lsp::SemanticTokenType::NUMBER,
    lsp::SemanticTokenType::COMMENT,
    lsp::SemanticTokenType::OPERATOR,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Keyword = 0,
    Type = 1,
    Variable = 2,
    Property = 3,
    EnumMember = 4,
    Function = 5,
    Parameter = 6,
    Method = 7,
    String = 8,
    Number = 9,
    Comment = 10,
}

const DECLARATION: u32 = 1;
const DOCUMENTATION: u32 = 2;
const DEFAULT_LIBRARY: u32 = 4;

pub fn legend() -> lsp::SemanticTokensLegend {
    lsp::SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: vec![
            lsp::SemanticTokenModifier::DECLARATION,
            lsp::SemanticTokenModifier::DOCUMENTATION,
            lsp::SemanticTokenModifier::DEFAULT_LIBRARY,
        ],
    }
}

const KEYWORDS: [&str; 25] = [
    "use",
    "extend",
    "rule",
    "test",
    "for",
    "where",
    "let",
    "require",
    "else",
    "expect",
    "no",
    "on",
    "clean",
    "today",
    "required",
    "ref",
    "enum",
    "portfolio",
    "and",
    "or",
    "not",
    "in",
    "true",
    "false",
    "none",
];

/// What the syntax tree says each word (by start offset) is.
struct Classes<'a> {
    schema: &'a Schema,
    by_start: HashMap<u32, (Kind, u32)>,
}

impl Classes<'_> {
    fn mark(&mut self, span: Span, kind: Kind, modifiers: u32) {
        self.by_start.insert(span.start, (kind, modifiers));
    }

    fn entity(&mut self, entity: &ast::Entity) {
        self.mark(entity.kind.span, Kind::Type, 0);
        self.mark(entity.id.span, Kind::Variable, DECLARATION);
        for field in &entity.fields {
            self.mark(field.name.span, Kind::Property, 0);
            let ty = self
                .schema
                .field(&entity.kind.name, &field.name.name)
                .map(|definition| definition.ty.clone());
            self.value(&field.value, ty.as_ref());
        }
        for child in &entity.children {
            self.entity(child);
        }
    }

    fn value(&mut self, value: &ast::Value, ty: Option<&Type>) {
        match &value.kind {
            ast::ValueKind::Name(_) => {
                let kind = match ty.map(Type::item) {
                    Some(Type::Enum(_)) => Kind::EnumMember,
                    Some(Type::RuleName) => Kind::Function,
                    _ => Kind::Variable,
                };
                self.mark(value.span, kind, 0);
            }
            ast::ValueKind::List(items) => {
                for item in items {
                    self.value(item, ty.map(Type::item));
                }
            }
            _ => {}
        }
    }

    fn item(&mut self, item: &ast::Item) {
        match item {
            ast::Item::Entity(entity) => self.entity(entity),
            ast::Item::Extend(extend) => {
                self.mark(extend.kind.span, Kind::Type, 0);
                for field in &extend.fields {
                    self.mark(field.name.span, Kind::Property, DECLARATION);
                    self.type_expr(&field.ty);
                }
            }
            ast::Item::Rule(rule) => self.rule(rule),
            ast::Item::Test(test) => {
                self.mark(test.name.span, Kind::Function, DECLARATION);
                for entity in &test.entities {
                    self.entity(entity);
                }
                for expect in &test.expects {
                    if let ast::ExpectKind::Finding { rule, on, .. } = &expect.kind {
                        self.mark(rule.span, Kind::Function, 0);
                        if let Some(on) = on {
                            self.mark(on.span, Kind::Variable, 0);
                        }
                    }
                }
            }
            ast::Item::Use(_) | ast::Item::Broken(_) => {}
        }
    }

    fn type_expr(&mut self, ty: &ast::TypeExpr) {
        match &ty.kind {
            ast::TypeExprKind::Named(name) => self.mark(name.span, Kind::Type, DEFAULT_LIBRARY),
            ast::TypeExprKind::Ref(kind) => self.mark(kind.span, Kind::Type, 0),
            ast::TypeExprKind::List(item) => self.type_expr(item),
            ast::TypeExprKind::Enum(values) => {
                for value in values {
                    self.mark(value.span, Kind::EnumMember, DECLARATION);
                }
            }
        }
    }

    fn rule(&mut self, rule: &ast::Rule) {
        self.mark(rule.name.span, Kind::Function, DECLARATION);
        for setting in &rule.settings {
            self.mark(setting.name.span, Kind::Property, 0);
            if setting.name.name == "severity" {
                self.mark(setting.value.span, Kind::EnumMember, 0);
            }
        }
        if let Some(ast::Subject::Kind { kind, var, .. }) = &rule.subject {
            self.mark(kind.span, Kind::Type, 0);
            self.mark(var.span, Kind::Parameter, DECLARATION);
        }
        let schema = self.schema;
        let mut marks = Vec::new();
        rule_scope::visit_rule(schema, rule, &mut |event| match event {
            Event::Name { ident, ty } => {
                let global = rule_scope::global(&ident.name).is_some();
                let (kind, modifiers) = match ty {
                    _ if KEYWORDS.contains(&ident.name.as_str()) => (Kind::Keyword, 0),
                    _ if global => (Kind::Variable, DEFAULT_LIBRARY),
                    Ty::Unknown => (Kind::EnumMember, 0),
                    _ => (Kind::Parameter, 0),
                };
                marks.push((ident.span, kind, modifiers));
            }
            Event::Member { member, .. } => marks.push((member.span, Kind::Property, 0)),
            Event::Method { method, .. } => marks.push((method.span, Kind::Method, DEFAULT_LIBRARY)),
            Event::Binding { ident, .. } => marks.push((ident.span, Kind::Parameter, DECLARATION)),
        });
        for (span, kind, modifiers) in marks {
            self.mark(span, kind, modifiers);
        }
    }
}

/// The tokens of a file (of a range of it, when given).
pub fn tokens_of(
    snapshot: &Snapshot,
    file: FileRef<'_>,
    range: Option<lsp::Range>,
) -> Vec<(usize, usize, u32, u32)> {
    let mut classes = Classes { schema: &file.workspace().portfolio.schema, by_start: HashMap::new() };
    for item in &file.parsed.ast.items {
        classes.item(item);
    }
    let text: &str = &file.source.text;
    let view = file.text();
    let (from, to) = match range {
        Some(range) => {
            (view.offset(range.start, snapshot.encoding), view.offset(range.end, snapshot.encoding))
        }
        None => (0, text.len()),
    };
    let mut result = Vec::new();
    for token in lexer::tokens(text) {
        if token.end < from || token.start > to {
            continue;
        }
        let word = token.text(text);
        let class = match token.kind {
            TokenKind::Ident => {
                let start = u32::try_from(token.start).unwrap_or(u32::MAX);
                match classes.by_start.get(&start) {
                    Some(class) => Some(*class),
                    None if KEYWORDS.contains(&word) => Some((Kind::Keyword, 0)),
                    None => None,
                }
            }
            TokenKind::Number => Some((Kind::Number, 0)),
            TokenKind::String => Some((Kind::String, 0)),
            TokenKind::Comment => Some((Kind::Comment, 0)),
            TokenKind::DocComment => Some((Kind::Comment, DOCUMENTATION)),
            TokenKind::Newline | TokenKind::Punct(_) => None,
        };
        let Some((kind, modifiers)) = class else {
            continue;
        };
        // Tokens cannot span lines: split multi-line strings.
        let mut start = token.start;
        for line in crate::convert::lines_inclusive(word) {
            let content = line.trim_end_matches(['\n', '\r']);
            if !content.is_empty() {
                result.push((start, start + content.len(), kind as u32, modifiers));
            }
            start += line.len();
        }
    }
    result
}

pub fn tokens(snapshot: &Snapshot, file: FileRef<'_>, range: Option<lsp::Range>) -> lsp::SemanticTokens {
    let view = file.text();
    let mut data = Vec::new();
    let mut previous = lsp::Position::new(0, 0);
    for (start, end, kind, modifiers) in tokens_of(snapshot, file, range) {
        let position = view.position(start, snapshot.encoding);
        let end_position = view.position(end, snapshot.encoding);
        let length = end_position.character.saturating_sub(position.character);
        let delta_line = position.line.saturating_sub(previous.line);
        let delta_start = if delta_line == 0 {
            position.character.saturating_sub(previous.character)
        } else {
            position.character
        };
        data.push(lsp::SemanticToken {
            delta_line,
            delta_start,
            length,
            token_type: kind,
            token_modifiers_bitset: modifiers,
        });
        previous = position;
    }
    lsp::SemanticTokens { result_id: None, data }
}
