//! `extend KIND { ... }` blocks: adding organization-specific fields to the schema.

use rustc_hash::{FxHashMap, FxHashSet};
use std::sync::Arc;

use super::schema::{EnumType, FieldDef, Schema, Type};
use crate::diagnostic::{BuiltinCode, Diagnostic, did_you_mean};
use crate::syntax::ast;

/// Adds the fields of every `extend` block to `schema`, reporting unknown kinds and types
/// and fields that are already defined.
pub(super) fn apply<'a>(
    schema: &mut Schema,
    blocks: impl IntoIterator<Item = &'a ast::Extend>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    // Per kind, the position of each field by name: hashed, so that thousands of
    // extended fields do not cost a scan each.
    let mut positions: FxHashMap<String, FxHashMap<String, usize>> = FxHashMap::default();
    for block in blocks {
        let kind_name = block.kind.name.as_str();
        if schema.kind(kind_name).is_none() {
            let mut diagnostic = Diagnostic::builtin(
                BuiltinCode::UnknownReference,
                block.kind.span,
                format!("`extend` names unknown entity kind `{kind_name}`"),
            )
            .with_label("no such kind");
            diagnostic.help = Some(did_you_mean(kind_name, schema.kind_names()).unwrap_or_else(|| {
                format!("the kinds are {}", schema.kind_names().collect::<Vec<_>>().join(", "))
            }));
            diagnostics.push(diagnostic);
            continue;
        }
        for declaration in &block.fields {
            let Some(ty) = lower_type(schema, &declaration.ty, diagnostics) else {
                continue;
            };
            let Some(kind) = schema.kind_mut(kind_name) else {
                continue;
            };
            let known = positions.entry(kind_name.to_string()).or_insert_with(|| {
                // Reversed, so that the first of two equal names wins.
                kind.fields
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(index, field)| (field.name.clone(), index))
                    .collect()
            });
            if let Some(existing) =
                known.get(declaration.name.name.as_str()).and_then(|index| kind.fields.get(*index))
            {
                let origin = match (existing.computed, existing.declared_at) {
                    (true, _) => "a computed field",
                    (false, None) => "a built-in field",
                    (false, Some(_)) => "already declared by another `extend`",
                };
                let mut diagnostic = Diagnostic::builtin(
                    BuiltinCode::DuplicateField,
                    declaration.name.span,
                    format!("`{kind_name}.{}` is {origin}", declaration.name.name),
                )
                .with_label("declared again here")
                .with_help("choose another name; extended fields cannot redefine existing ones");
                if let Some(span) = existing.declared_at {
                    diagnostic = diagnostic.with_secondary(span, "first declared here");
                }
                diagnostics.push(diagnostic);
                continue;
            }
            known.insert(declaration.name.name.to_string(), kind.fields.len());
            kind.fields.push(FieldDef {
                name: declaration.name.name.to_string(),
                ty,
                required: declaration.required,
                default: None,
                computed: false,
                doc: declaration.doc.as_ref().map(|doc| doc.text.clone()).unwrap_or_default(),
                declared_at: Some(declaration.name.span),
            });
        }
    }
}

const TYPE_NAMES: [&str; 7] = ["string", "bool", "number", "percent", "money", "date", "measurement"];

fn lower_type(schema: &Schema, ty: &ast::TypeExpr, diagnostics: &mut Vec<Diagnostic>) -> Option<Type> {
    match &ty.kind {
        ast::TypeExprKind::Named(name) => match name.name.as_str() {
            "string" => Some(Type::String),
            "bool" => Some(Type::Bool),
            "number" => Some(Type::Number),
            "percent" => Some(Type::Percent),
            "money" => Some(Type::Money),
            "date" => Some(Type::Date),
            "measurement" => Some(Type::Measurement),
            other => {
                let help = did_you_mean(other, TYPE_NAMES).unwrap_or_else(|| {
                    "the types are string, bool, number, percent, money, date, measurement, `ref KIND`, `[T]` and `enum [a, b]`".into()
                });
                diagnostics.push(
                    Diagnostic::builtin(
                        BuiltinCode::TypeMismatch,
                        name.span,
                        format!("unknown type `{other}`"),
                    )
                    .with_label("not a type")
                    .with_help(help),
                );
                None
            }
        },
        ast::TypeExprKind::Ref(kind) => {
            if kind.name == "any" || schema.kind(&kind.name).is_some() {
                Some(Type::Ref(Arc::from(kind.name.as_str())))
            } else {
                let help = did_you_mean(&kind.name, schema.kind_names()).unwrap_or_else(|| {
                    format!("the kinds are {}", schema.kind_names().collect::<Vec<_>>().join(", "))
                });
                diagnostics.push(
                    Diagnostic::builtin(
                        BuiltinCode::UnknownReference,
                        kind.span,
                        format!("unknown entity kind `{}`", kind.name),
                    )
                    .with_label("no such kind")
                    .with_help(help),
                );
                None
            }
        }
        ast::TypeExprKind::List(item) => {
            lower_type(schema, item, diagnostics).map(|item| Type::List(Box::new(item)))
        }
        ast::TypeExprKind::Enum(values) => {
            let mut seen: FxHashSet<&str> = FxHashSet::default();
            let mut names: Vec<String> = Vec::with_capacity(values.len());
            for value in values {
                if !seen.insert(value.name.as_str()) {
                    diagnostics.push(
                        Diagnostic::builtin(
                            BuiltinCode::DuplicateId,
                            value.span,
                            format!("enum value `{}` listed twice", value.name),
                        )
                        .with_label("listed again here"),
                    );
                } else {
                    names.push(value.name.to_string());
                }
            }
            Some(Type::Enum(Arc::new(EnumType { values: names })))
        }
    }
}
