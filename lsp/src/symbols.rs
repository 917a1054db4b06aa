//! Document symbols (entities with their nested entities and fields, rules, tests,
//! `extend`s, `use`s) and workspace symbols (every entity and rule, by fuzzy name).

use charter::source::Span;
use charter::syntax::ast;
use tower_lsp_server::ls_types as lsp;

use crate::analysis::{FileRef, Snapshot};
use crate::convert::{self, Encoding, Text};
use crate::describe;

pub fn kind_symbol(kind: &str) -> lsp::SymbolKind {
    match kind {
        "person" => lsp::SymbolKind::OBJECT,
        "team" => lsp::SymbolKind::NAMESPACE,
        "objective" => lsp::SymbolKind::CLASS,
        "metric" => lsp::SymbolKind::NUMBER,
        "project" => lsp::SymbolKind::MODULE,
        "milestone" => lsp::SymbolKind::EVENT,
        "risk" => lsp::SymbolKind::ENUM_MEMBER,
        "change" => lsp::SymbolKind::STRING,
        "waiver" => lsp::SymbolKind::KEY,
        _ => lsp::SymbolKind::STRUCT,
    }
}

struct Builder<'a> {
    text: Text<'a>,
    encoding: Encoding,
}

impl Builder<'_> {
    fn range(&self, span: Span) -> lsp::Range {
        self.text.span_range(span, self.encoding)
    }

    #[expect(deprecated, reason = "`deprecated` is a required field of the LSP type")]
    fn symbol(
        &self,
        name: String,
        detail: Option<String>,
        kind: lsp::SymbolKind,
        span: Span,
        selection: Span,
        children: Vec<lsp::DocumentSymbol>,
    ) -> lsp::DocumentSymbol {
        let range = self.range(span);
        let mut selection_range = self.range(selection);
        // The selection must lie inside the range, even for odd spans.
        if selection_range.start < range.start || selection_range.end > range.end {
            selection_range = range;
        }
        lsp::DocumentSymbol {
            name,
            detail,
            kind,
            tags: None,
            deprecated: None,
            range,
            selection_range,
            children: (!children.is_empty()).then_some(children),
        }
    }

    fn entity(&self, entity: &ast::Entity) -> lsp::DocumentSymbol {
        let mut children: Vec<lsp::DocumentSymbol> = entity
            .fields
            .iter()
            .map(|field| {
                self.symbol(
                    field.name.name.to_string(),
                    None,
                    lsp::SymbolKind::FIELD,
                    field.span,
                    field.name.span,
                    Vec::new(),
                )
            })
            .collect();
        children.extend(entity.children.iter().map(|child| self.entity(child)));
        children.sort_by_key(|child| (child.range.start.line, child.range.start.character));
        let detail = match &entity.title {
            Some(title) => format!("{} · {}", entity.kind.name, title.value),
            None => entity.kind.name.to_string(),
        };
        self.symbol(
            entity.id.name.to_string(),
            Some(detail),
            kind_symbol(&entity.kind.name),
            entity.span,
            entity.id.span,
            children,
        )
    }

    fn item(&self, item: &ast::Item) -> Option<lsp::DocumentSymbol> {
        Some(match item {
            ast::Item::Entity(entity) => self.entity(entity),
            ast::Item::Rule(rule) => {
                let children = rule
                    .lets
                    .iter()
                    .map(|binding| {
                        self.symbol(
                            binding.name.name.to_string(),
                            Some("let".to_string()),
                            lsp::SymbolKind::VARIABLE,
                            binding.span,
                            binding.name.span,
                            Vec::new(),
                        )
                    })
                    .collect();
                self.symbol(
                    rule.name.name.to_string(),
                    Some("rule".to_string()),
                    lsp::SymbolKind::FUNCTION,
                    rule.span,
                    rule.name.span,
                    children,
                )
            }
            ast::Item::Test(test) => {
                let children = test.entities.iter().map(|entity| self.entity(entity)).collect();
                self.symbol(
                    test.name.name.to_string(),
                    Some("test".to_string()),
                    lsp::SymbolKind::METHOD,
                    test.span,
                    test.name.span,
                    children,
                )
            }
            ast::Item::Extend(extend) => {
                let children = extend
                    .fields
                    .iter()
                    .map(|field| {
                        self.symbol(
                            field.name.name.to_string(),
                            Some(type_text(&field.ty)),
                            lsp::SymbolKind::FIELD,
                            field.span,
                            field.name.span,
                            Vec::new(),
                        )
                    })
                    .collect();
                self.symbol(
                    format!("extend {}", extend.kind.name),
                    None,
                    lsp::SymbolKind::INTERFACE,
                    extend.span,
                    extend.kind.span,
                    children,
                )
            }
            ast::Item::Use(item) => self.symbol(
                item.path.value.to_string(),
                Some("use".to_string()),
                lsp::SymbolKind::FILE,
                item.span,
                item.path.span,
                Vec::new(),
            ),
            ast::Item::Broken(broken) => {
                let name = broken.name.as_ref()?;
                let kind = broken.keyword.as_ref().map_or("", |keyword| keyword.name.as_str());
                self.symbol(
                    name.name.to_string(),
                    Some(format!("{kind} (does not parse)")),
                    kind_symbol(kind),
                    broken.span,
                    name.span,
                    Vec::new(),
                )
            }
        })
    }
}

fn type_text(ty: &ast::TypeExpr) -> String {
    match &ty.kind {
        ast::TypeExprKind::Named(name) => name.name.to_string(),
        ast::TypeExprKind::Ref(kind) => format!("ref {}", kind.name),
        ast::TypeExprKind::List(item) => format!("[{}]", type_text(item)),
        ast::TypeExprKind::Enum(values) => {
            let names: Vec<&str> = values.iter().map(|value| value.name.as_str()).collect();
            format!("enum [{}]", names.join(", "))
        }
    }
}

/// The symbols of one file: a tree when the client supports it, else a flat list.
pub fn document(snapshot: &Snapshot, file: FileRef<'_>, hierarchical: bool) -> lsp::DocumentSymbolResponse {
    let builder = Builder { text: file.text(), encoding: snapshot.encoding };
    let symbols: Vec<lsp::DocumentSymbol> =
        file.parsed.ast.items.iter().filter_map(|item| builder.item(item)).collect();
    if hierarchical {
        return lsp::DocumentSymbolResponse::Nested(symbols);
    }
    let uri = snapshot.paths.uri(&file.source.path);
    let mut flat = Vec::new();
    if let Some(uri) = uri {
        flatten(&symbols, None, &uri, &mut flat);
    }
    lsp::DocumentSymbolResponse::Flat(flat)
}

#[expect(deprecated, reason = "`deprecated` is a required field of the LSP type")]
fn flatten(
    symbols: &[lsp::DocumentSymbol],
    container: Option<&str>,
    uri: &lsp::Uri,
    out: &mut Vec<lsp::SymbolInformation>,
) {
    for symbol in symbols {
        if symbol.kind == lsp::SymbolKind::FIELD {
            continue;
        }
        out.push(lsp::SymbolInformation {
            name: symbol.name.clone(),
            kind: symbol.kind,
            tags: None,
            deprecated: None,
            location: lsp::Location::new(uri.clone(), symbol.range),
            container_name: container.map(str::to_string),
        });
        if let Some(children) = &symbol.children {
            flatten(children, Some(&symbol.name), uri, out);
        }
    }
}

/// How well `query` matches `name`: `None` when it does not; lower is better. Matches
/// are case-insensitive subsequences; prefixes and substrings rank first.
pub fn fuzzy_score(query: &str, name: &str) -> Option<usize> {
    let query = query.to_lowercase();
    let name_lower = name.to_lowercase();
    if query.is_empty() {
        return Some(3);
    }
    if name_lower.starts_with(&query) {
        return Some(0);
    }
    if name_lower.contains(&query) {
        return Some(1);
    }
    let mut rest = name_lower.chars();
    let subsequence = query.chars().all(|wanted| rest.any(|character| character == wanted));
    subsequence.then_some(2)
}

const WORKSPACE_LIMIT: usize = 500;

/// Entities and rules of every workspace whose id matches `query`.
pub fn workspace(snapshot: &Snapshot, query: &str) -> lsp::WorkspaceSymbolResponse {
    let mut found: Vec<(usize, String, lsp::WorkspaceSymbol)> = Vec::new();
    for analysis in &snapshot.analyses {
        let workspace = &analysis.workspace;
        let location =
            |span: Span| convert::location(&workspace.sources, &snapshot.paths, span, snapshot.encoding);
        for entity in workspace.portfolio.entities().filter(|entity| !entity.in_test) {
            let Some(score) = fuzzy_score(query, &entity.id) else {
                continue;
            };
            let Some(location) = location(entity.id_span) else {
                continue;
            };
            found.push((
                score,
                entity.id.clone(),
                lsp::WorkspaceSymbol {
                    name: entity.id.clone(),
                    kind: kind_symbol(&entity.kind),
                    tags: None,
                    container_name: Some(entity.kind.to_string()),
                    location: lsp::OneOf::Left(location),
                    data: None,
                },
            ));
        }
        for info in describe::rules(workspace) {
            let Some(score) = fuzzy_score(query, info.name()) else {
                continue;
            };
            let Some(location) = location(info.name_span()) else {
                continue;
            };
            found.push((
                score,
                info.name().to_string(),
                lsp::WorkspaceSymbol {
                    name: info.name().to_string(),
                    kind: lsp::SymbolKind::FUNCTION,
                    tags: None,
                    container_name: Some(if info.std {
                        "rule (std)".to_string()
                    } else {
                        "rule".to_string()
                    }),
                    location: lsp::OneOf::Left(location),
                    data: None,
                },
            ));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    found.dedup_by(|a, b| a.1 == b.1 && a.2.location == b.2.location);
    lsp::WorkspaceSymbolResponse::Nested(
        found.into_iter().take(WORKSPACE_LIMIT).map(|(_, _, symbol)| symbol).collect(),
    )
}
