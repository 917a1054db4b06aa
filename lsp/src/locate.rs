//! "What is at this offset?": the one question hover, definition, references and rename
//! all start from. Answers come from the file's syntax tree (so they work in files with
//! errors) and the resolved portfolio.

use std::path::PathBuf;

use charter::model::{EntityId, Portfolio};
use charter::source::Span;
use charter::syntax::ast;

use crate::analysis::FileRef;
use crate::rule_scope::{self, Event, Ty};

/// Something the cursor can be on.
#[derive(Clone, Debug)]
pub enum Target {
    /// An entity: its declared id, or a reference to it. `span` covers the name as written
    /// up to the segment under the cursor (`checkout_revamp` in `checkout_revamp.beta` when
    /// the cursor is on the first part).
    Entity { id: EntityId, span: Span },
    /// A reference that names no entity.
    Unresolved { name: String, span: Span },
    /// A field name: in an entity, an `extend` or a rule expression (`p.sponsor`).
    Field { kind: String, field: String, span: Span },
    /// A rule name: its declaration, a waiver's `rule:`, a test's `expect`.
    Rule { name: String, span: Span },
    /// An entity kind: `project` in a declaration, `for project p`, `extend project`.
    Kind { name: String, span: Span },
    /// The path of a `use`.
    Use { path: PathBuf, span: Span },
    /// A method in a rule expression.
    Method { name: String, span: Span },
}

impl Target {
    pub fn span(&self) -> Span {
        match self {
            Target::Entity { span, .. }
            | Target::Unresolved { span, .. }
            | Target::Field { span, .. }
            | Target::Rule { span, .. }
            | Target::Kind { span, .. }
            | Target::Use { span, .. }
            | Target::Method { span, .. } => *span,
        }
    }
}

/// The target at `offset` of `file`.
pub fn target_at(file: FileRef<'_>, offset: usize) -> Option<Target> {
    let portfolio = &file.workspace().portfolio;
    if let Some(reference) = portfolio.reference_at(file.id, offset) {
        return Some(reference_target(portfolio, &reference.name, reference.span, offset));
    }
    for item in &file.parsed.ast.items {
        if !item.span().contains(offset) {
            continue;
        }
        let found = match item {
            ast::Item::Use(item) => item
                .path
                .span
                .contains(offset)
                .then(|| Target::Use { path: use_path(file, &item.path.value), span: item.path.span }),
            ast::Item::Entity(entity) => entity_target(file, entity, None, offset),
            ast::Item::Extend(extend) => extend_target(extend, offset),
            ast::Item::Rule(rule) => rule_target(file, rule, offset),
            ast::Item::Test(test) => test_target(file, test, offset),
            ast::Item::Broken(broken) => broken_target(portfolio, broken, offset),
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// The file a `use` path names, relative to the file that holds it.
pub fn use_path(file: FileRef<'_>, written: &str) -> PathBuf {
    let directory = file.source.path.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
    charter::model::workspace::normalize(&directory.join(written))
}

/// A dotted name under the cursor: the entity named by the segments up to the cursor.
pub fn reference_target(portfolio: &Portfolio, name: &str, span: Span, offset: usize) -> Target {
    let relative = offset.saturating_sub(span.start as usize);
    let mut end = 0;
    for segment in name.split('.') {
        end += segment.len();
        if relative <= end || end >= name.len() {
            break;
        }
        end += 1;
    }
    let prefix = name.get(..end).unwrap_or(name);
    let prefix_span = Span::new(span.file, span.start as usize, span.start as usize + prefix.len());
    match portfolio.lookup(prefix) {
        Some(id) => Target::Entity { id, span: prefix_span },
        None => Target::Unresolved { name: name.to_string(), span },
    }
}

fn full_id(parent: Option<&str>, id: &str) -> String {
    match parent {
        Some(parent) => format!("{parent}.{id}"),
        None => id.to_string(),
    }
}

fn entity_target(
    file: FileRef<'_>,
    entity: &ast::Entity,
    parent: Option<&str>,
    offset: usize,
) -> Option<Target> {
    if !entity.span.contains(offset) {
        return None;
    }
    let portfolio = &file.workspace().portfolio;
    let id = full_id(parent, &entity.id.name);
    if entity.kind.span.contains(offset) {
        return Some(Target::Kind { name: entity.kind.name.to_string(), span: entity.kind.span });
    }
    if entity.id.span.contains(offset) {
        return Some(match portfolio.lookup(&id) {
            Some(found) => Target::Entity { id: found, span: entity.id.span },
            None => Target::Unresolved { name: id, span: entity.id.span },
        });
    }
    for field in &entity.fields {
        if field.name.span.contains(offset) {
            return Some(Target::Field {
                kind: entity.kind.name.to_string(),
                field: field.name.name.to_string(),
                span: field.name.span,
            });
        }
        if field.value.span.contains(offset)
            && entity.kind.name == "waiver"
            && field.name.name == "rule"
            && let ast::ValueKind::Name(name) = &field.value.kind
        {
            return Some(Target::Rule { name: name.to_string(), span: field.value.span });
        }
    }
    entity.children.iter().find_map(|child| entity_target(file, child, Some(&id), offset))
}

fn extend_target(extend: &ast::Extend, offset: usize) -> Option<Target> {
    if extend.kind.span.contains(offset) {
        return Some(Target::Kind { name: extend.kind.name.to_string(), span: extend.kind.span });
    }
    extend.fields.iter().find(|field| field.name.span.contains(offset)).map(|field| Target::Field {
        kind: extend.kind.name.to_string(),
        field: field.name.name.to_string(),
        span: field.name.span,
    })
}

fn rule_target(file: FileRef<'_>, rule: &ast::Rule, offset: usize) -> Option<Target> {
    if rule.name.span.contains(offset) {
        return Some(Target::Rule { name: rule.name.name.to_string(), span: rule.name.span });
    }
    if let Some(ast::Subject::Kind { kind, var, .. }) = &rule.subject
        && (kind.span.contains(offset) || var.span.contains(offset))
    {
        return Some(Target::Kind {
            name: kind.name.to_string(),
            span: if kind.span.contains(offset) { kind.span } else { var.span },
        });
    }
    let schema = &file.workspace().portfolio.schema;
    let mut found = None;
    rule_scope::visit_rule(schema, rule, &mut |event| {
        if found.is_some() {
            return;
        }
        found = match event {
            Event::Member { target, member, .. } if member.span.contains(offset) => {
                target.kind().map(|kind| Target::Field {
                    kind: kind.to_string(),
                    field: member.name.to_string(),
                    span: member.span,
                })
            }
            Event::Method { method, .. } if method.span.contains(offset) => {
                Some(Target::Method { name: method.name.to_string(), span: method.span })
            }
            Event::Name { ident, ty: Ty::Entity(kind) } if ident.span.contains(offset) => {
                Some(Target::Kind { name: kind, span: ident.span })
            }
            _ => None,
        };
    });
    found
}

fn test_target(file: FileRef<'_>, test: &ast::Test, offset: usize) -> Option<Target> {
    for expect in &test.expects {
        if let ast::ExpectKind::Finding { rule, .. } = &expect.kind
            && rule.span.contains(offset)
        {
            return Some(Target::Rule { name: rule.name.clone(), span: rule.span });
        }
    }
    test.entities.iter().find_map(|entity| {
        let found = entity_target(file, entity, None, offset)?;
        // Test entities live in the test's own portfolio: only their kinds and fields
        // mean the same thing as in the workspace.
        match found {
            Target::Kind { .. } | Target::Field { .. } => Some(found),
            _ => None,
        }
    })
}

fn broken_target(portfolio: &Portfolio, broken: &ast::Broken, offset: usize) -> Option<Target> {
    let name = broken.name.as_ref()?;
    if !name.span.contains(offset) {
        return None;
    }
    portfolio.lookup(&name.name).map(|id| Target::Entity { id, span: name.span })
}
