//! Completion. The text being typed rarely parses, so the context comes from a forgiving
//! lexer over the declaration around the cursor: which block the cursor is in (an entity
//! of some kind, a rule, a test, an `extend`), and whether it is at a field name, in a
//! field's value, after a `.` in a rule expression or after a comparison.

use charter::model::Workspace;
use charter::model::schema::{FieldDef, Type};
use tower_lsp_server::ls_types as lsp;

use crate::analysis::{FileRef, Snapshot};
use crate::describe;
use crate::lexer::{Token, TokenKind, is_ident_char, tokens};
use crate::rule_scope::{self, GLOBALS, METHODS, Ty};

/// Where the cursor is.
#[derive(Clone, Debug, PartialEq)]
enum Context {
    TopLevel,
    FieldName { kind: String, given: Vec<String> },
    FieldValue { kind: String, field: String },
    Rule(RuleContext),
    Test { after_expect: bool },
    ExtendType,
    Nothing,
}

#[derive(Clone, Debug, PartialEq)]
enum RuleContext {
    /// After `chain.`
    Member {
        chain: String,
    },
    /// After `chain ==` or `chain in [`.
    Compare {
        chain: String,
    },
    Severity,
    /// After `for`.
    Kind,
    Anywhere,
}

#[derive(Clone, Debug)]
enum Block {
    Entity { kind: String },
    Rule,
    Test,
    Extend,
    Other,
}

pub fn complete(
    snapshot: &Snapshot,
    file: FileRef<'_>,
    offset: usize,
    snippets: bool,
) -> Vec<lsp::CompletionItem> {
    let text: &str = &file.source.text;
    let offset = floor_boundary(text, offset.min(text.len()));
    let before = text.get(..offset).unwrap_or("");
    let word_start = before.trim_end_matches(is_ident_char).len();
    let dotted_start =
        before.trim_end_matches(|character: char| is_ident_char(character) || character == '.').len();
    let context = match context(before, word_start) {
        // Fields set after the cursor are not offered either.
        Context::FieldName { kind, mut given } => {
            given.extend(fields_after(text.get(offset..).unwrap_or("")));
            Context::FieldName { kind, given }
        }
        other => other,
    };
    let workspace = file.workspace();
    let view = file.text();
    let range_from = |start: usize| view.range(start, offset, snapshot.encoding);
    let mut items = Vec::new();
    let mut add = |label: String,
                   kind: lsp::CompletionItemKind,
                   detail: Option<String>,
                   documentation: Option<String>,
                   insert: Option<String>,
                   start: usize| {
        let is_snippet = snippets && insert.as_deref().is_some_and(|insert| insert.contains('$'));
        let new_text = match insert {
            Some(insert) if is_snippet => insert,
            Some(insert) => strip_snippet(&insert),
            None => label.clone(),
        };
        // Clients that filter on their own (Neovim's built-in completion) match the text
        // in the edit's range against `filterText`, else against the label.
        items.push(lsp::CompletionItem {
            filter_text: Some(label.clone()),
            label,
            kind: Some(kind),
            detail,
            documentation: documentation.map(|value| {
                lsp::Documentation::MarkupContent(lsp::MarkupContent {
                    kind: lsp::MarkupKind::Markdown,
                    value,
                })
            }),
            insert_text_format: Some(if is_snippet {
                lsp::InsertTextFormat::SNIPPET
            } else {
                lsp::InsertTextFormat::PLAIN_TEXT
            }),
            text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit::new(range_from(start), new_text))),
            ..lsp::CompletionItem::default()
        });
    };
    let schema = &workspace.portfolio.schema;
    match context {
        Context::TopLevel => {
            for kind in schema.kinds.iter().filter(|kind| kind.nested_in.is_none()) {
                let insert = format!("{} ${{1:id}} \"${{2:Title}}\" {{\n  $0\n}}", kind.name);
                add(
                    kind.name.clone(),
                    lsp::CompletionItemKind::KEYWORD,
                    Some("entity".to_string()),
                    Some(kind.doc.clone()),
                    Some(insert),
                    word_start,
                );
            }
            for (keyword, insert, doc) in [
                (
                    "rule",
                    "rule ${1:name} {\n  severity: ${2:warning}\n  summary: \"$3\"\n  for ${4:project} ${5:p}\n  require $0\n}",
                    "A governance rule.",
                ),
                ("test", "test ${1:name} {\n  $0\n}", "A test of the rules, on its own entities."),
                (
                    "extend",
                    "extend ${1:project} {\n  ${2:field}: ${3:string}\n}",
                    "Adds fields to an entity kind.",
                ),
                ("use", "use \"$1\"", "Loads another file, relative to this one."),
            ] {
                add(
                    keyword.to_string(),
                    lsp::CompletionItemKind::KEYWORD,
                    None,
                    Some(doc.to_string()),
                    Some(insert.to_string()),
                    word_start,
                );
            }
        }
        Context::FieldName { kind, given } => {
            if let Some(definition) = schema.kind(&kind) {
                for field in definition.writable().filter(|field| !given.contains(&field.name)) {
                    let insert = match &field.ty {
                        Type::List(_) => format!("{}: [$0]", field.name),
                        Type::String => format!("{}: \"$0\"", field.name),
                        _ => format!("{}: $0", field.name),
                    };
                    add(
                        field.name.clone(),
                        lsp::CompletionItemKind::FIELD,
                        Some(field.ty.describe()),
                        Some(field_doc(field)),
                        Some(insert),
                        word_start,
                    );
                }
            }
            for nested in
                schema.kinds.iter().filter(|nested| nested.nested_in.as_deref() == Some(kind.as_str()))
            {
                let insert = format!("{} ${{1:id}} \"${{2:Title}}\" {{ $0 }}", nested.name);
                add(
                    nested.name.clone(),
                    lsp::CompletionItemKind::KEYWORD,
                    Some("nested entity".to_string()),
                    Some(nested.doc.clone()),
                    Some(insert),
                    word_start,
                );
            }
        }
        Context::FieldValue { kind, field } => {
            let Some(definition) = schema.field(&kind, &field) else {
                return items;
            };
            match definition.ty.item() {
                Type::Ref(target) => {
                    for entity in
                        workspace.portfolio.entities().filter(|entity| !entity.in_test && !entity.broken)
                    {
                        if &**target != "any" && entity.kind != *target {
                            continue;
                        }
                        add(
                            entity.id.clone(),
                            lsp::CompletionItemKind::REFERENCE,
                            Some(format!("{} · {}", entity.kind, entity.display_title())),
                            entity.doc.clone(),
                            None,
                            dotted_start,
                        );
                    }
                }
                Type::Enum(enumeration) => {
                    for value in &enumeration.values {
                        let detail =
                            (definition.default == Some(value.as_str())).then(|| "default".to_string());
                        add(
                            value.clone(),
                            lsp::CompletionItemKind::ENUM_MEMBER,
                            detail,
                            None,
                            None,
                            word_start,
                        );
                    }
                }
                Type::Bool => {
                    for value in ["true", "false"] {
                        add(value.to_string(), lsp::CompletionItemKind::VALUE, None, None, None, word_start);
                    }
                }
                Type::RuleName => {
                    for info in describe::rules(workspace) {
                        add(
                            info.name().to_string(),
                            lsp::CompletionItemKind::FUNCTION,
                            info.summary.clone(),
                            info.doc().map(str::to_string),
                            None,
                            word_start,
                        );
                    }
                }
                Type::Date => {
                    let today = jiff::Zoned::now().date().to_string();
                    add(
                        today,
                        lsp::CompletionItemKind::VALUE,
                        Some("today".to_string()),
                        None,
                        None,
                        word_start,
                    );
                }
                _ => {}
            }
        }
        Context::Rule(rule) => complete_rule(workspace, before, rule, &mut add, word_start),
        Context::Test { after_expect } => {
            if after_expect {
                for info in describe::rules(workspace) {
                    add(
                        info.name().to_string(),
                        lsp::CompletionItemKind::FUNCTION,
                        info.summary.clone(),
                        info.doc().map(str::to_string),
                        None,
                        word_start,
                    );
                }
                for keyword in ["no", "clean"] {
                    add(keyword.to_string(), lsp::CompletionItemKind::KEYWORD, None, None, None, word_start);
                }
            } else {
                for kind in schema.kinds.iter().filter(|kind| kind.name != "waiver") {
                    let insert = format!("{} ${{1:id}} {{ $0 }}", kind.name);
                    add(
                        kind.name.clone(),
                        lsp::CompletionItemKind::KEYWORD,
                        Some("entity".to_string()),
                        Some(kind.doc.clone()),
                        Some(insert),
                        word_start,
                    );
                }
                for keyword in ["expect", "today"] {
                    add(keyword.to_string(), lsp::CompletionItemKind::KEYWORD, None, None, None, word_start);
                }
            }
        }
        Context::ExtendType => {
            for name in [
                "string",
                "bool",
                "number",
                "percent",
                "money",
                "date",
                "measurement",
                "ref",
                "enum",
                "required",
            ] {
                add(name.to_string(), lsp::CompletionItemKind::TYPE_PARAMETER, None, None, None, word_start);
            }
        }
        Context::Nothing => {}
    }
    items
}

type Add<'a> =
    dyn FnMut(String, lsp::CompletionItemKind, Option<String>, Option<String>, Option<String>, usize) + 'a;

fn complete_rule(
    workspace: &Workspace,
    before: &str,
    context: RuleContext,
    add: &mut Add<'_>,
    word_start: usize,
) {
    let schema = &workspace.portfolio.schema;
    let rule_text = rule_text(before);
    match context {
        RuleContext::Member { chain } => {
            let ty = chain_type(workspace, rule_text, &chain, 0);
            if let Some(kind) = ty.kind().and_then(|kind| schema.kind(kind)) {
                for field in &kind.fields {
                    add(
                        field.name.clone(),
                        lsp::CompletionItemKind::FIELD,
                        Some(field.ty.describe()),
                        Some(field_doc(field)),
                        None,
                        word_start,
                    );
                }
            }
            let methods: &[&str] = match &ty {
                Ty::List(_) => &[
                    "all", "any", "filter", "map", "count", "sum", "min", "max", "avg", "is_empty",
                    "contains",
                ],
                Ty::Value(Type::String) => &["len", "contains", "starts_with", "ends_with", "matches"],
                Ty::Value(Type::Measurement) => &["value", "date"],
                Ty::Value(Type::Number) => &["plural"],
                _ => &[],
            };
            for name in methods {
                let Some((_, signature, meaning)) = METHODS.iter().find(|(method, ..)| method == name) else {
                    continue;
                };
                let insert = match *name {
                    "value" | "date" => name.to_string(),
                    "all" | "any" | "filter" | "map" => format!("{name}(${{1:x}}, $0)"),
                    "count" | "sum" | "min" | "max" | "avg" | "is_empty" | "len" => format!("{name}()"),
                    _ => format!("{name}($0)"),
                };
                add(
                    name.to_string(),
                    lsp::CompletionItemKind::METHOD,
                    Some(signature.to_string()),
                    Some(meaning.to_string()),
                    Some(insert),
                    word_start,
                );
            }
        }
        RuleContext::Compare { chain } => {
            if let Ty::Value(Type::Enum(enumeration)) = chain_type(workspace, rule_text, &chain, 0).element()
            {
                for value in &enumeration.values {
                    add(value.clone(), lsp::CompletionItemKind::ENUM_MEMBER, None, None, None, word_start);
                }
            }
        }
        RuleContext::Severity => {
            for value in ["error", "warning", "info"] {
                add(value.to_string(), lsp::CompletionItemKind::ENUM_MEMBER, None, None, None, word_start);
            }
        }
        RuleContext::Kind => {
            for kind in &schema.kinds {
                add(
                    kind.name.clone(),
                    lsp::CompletionItemKind::CLASS,
                    None,
                    Some(kind.doc.clone()),
                    None,
                    word_start,
                );
            }
            add(
                "portfolio".to_string(),
                lsp::CompletionItemKind::KEYWORD,
                None,
                Some("A rule about the portfolio as a whole.".to_string()),
                None,
                word_start,
            );
        }
        RuleContext::Anywhere => {
            for keyword in [
                "for", "where", "let", "require", "else", "and", "or", "not", "in", "none", "true", "false",
                "today",
            ] {
                add(keyword.to_string(), lsp::CompletionItemKind::KEYWORD, None, None, None, word_start);
            }
            for setting in ["severity", "summary", "message", "help", "url"] {
                add(
                    setting.to_string(),
                    lsp::CompletionItemKind::PROPERTY,
                    Some("rule setting".to_string()),
                    None,
                    Some(format!("{setting}: $0")),
                    word_start,
                );
            }
            for (global, kind) in GLOBALS {
                add(
                    global.to_string(),
                    lsp::CompletionItemKind::VARIABLE,
                    Some(format!("[{kind}]")),
                    None,
                    None,
                    word_start,
                );
            }
            if let Some((variable, kind)) = subject(rule_text) {
                add(variable, lsp::CompletionItemKind::VARIABLE, Some(kind), None, None, word_start);
            }
        }
    }
}

fn field_doc(field: &FieldDef) -> String {
    format!("`{}`\n\n{}", describe::field_signature(field), field.doc)
}

/// Removes snippet syntax: `${1:id}` → `id`, `$0` → ``.
fn strip_snippet(text: &str) -> String {
    let mut result = String::with_capacity(text.len());
    let mut characters = text.chars().peekable();
    while let Some(character) = characters.next() {
        if character != '$' {
            result.push(character);
            continue;
        }
        if characters.peek() == Some(&'{') {
            characters.next();
            while characters.next_if(char::is_ascii_digit).is_some() {}
            characters.next_if_eq(&':');
            for inner in characters.by_ref() {
                if inner == '}' {
                    break;
                }
                result.push(inner);
            }
        } else {
            while characters.next_if(char::is_ascii_digit).is_some() {}
        }
    }
    result
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The start of the declaration around the end of `before`: the last line that starts
/// with a word in column 0.
fn declaration_start(before: &str) -> usize {
    let mut start = before.len();
    loop {
        let line_start =
            before.get(..start).and_then(|head| head.rfind(['\n', '\r'])).map_or(0, |index| index + 1);
        let line = before.get(line_start..).unwrap_or("");
        if line.chars().next().is_some_and(|first| is_ident_char(first) || first == '/') {
            return line_start;
        }
        if line_start == 0 {
            return 0;
        }
        start = line_start - 1;
    }
}

fn context(before: &str, word_start: usize) -> Context {
    let head = before.get(..word_start).unwrap_or("");
    let start = declaration_start(head);
    let region = head.get(start..).unwrap_or("");
    let all = tokens(region);
    if all.iter().any(|token| {
        matches!(token.kind, TokenKind::Comment | TokenKind::DocComment)
            && token.end >= region.len()
            && !region.ends_with(['\n', '\r'])
    }) {
        return Context::Nothing;
    }
    // Inside an unterminated string: nothing to complete.
    if let Some(last) = all.last()
        && last.kind == TokenKind::String
        && last.end >= region.len()
        && !closed_string(last.text(region))
    {
        return Context::Nothing;
    }
    let mut stack: Vec<(Block, usize)> = Vec::new();
    let mut boundary = 0;
    let mut top_level_from = 0;
    for (index, token) in all.iter().enumerate() {
        match token.kind {
            TokenKind::Punct('{') => {
                let header: Vec<&str> = all
                    .get(boundary..index)
                    .unwrap_or(&[])
                    .iter()
                    .filter(|token| token.kind == TokenKind::Ident)
                    .map(|token| token.text(region))
                    .collect();
                let block = match (stack.last().map(|(block, _)| block), header.first().copied()) {
                    (None, Some("rule")) => Block::Rule,
                    (None, Some("test")) => Block::Test,
                    (None, Some("extend")) => Block::Extend,
                    (None | Some(Block::Entity { .. }) | Some(Block::Test), Some(kind)) => {
                        Block::Entity { kind: kind.to_string() }
                    }
                    _ => Block::Other,
                };
                stack.push((block, index + 1));
                boundary = index + 1;
            }
            TokenKind::Punct('}') => {
                stack.pop();
                boundary = index + 1;
                if stack.is_empty() {
                    top_level_from = index + 1;
                }
            }
            TokenKind::Newline | TokenKind::Punct(',') => boundary = index + 1,
            _ => {}
        }
    }
    let Some((block, scope_start)) = stack.last() else {
        let words: Vec<&Token> = all
            .iter()
            .skip(top_level_from)
            .filter(|token| {
                !matches!(token.kind, TokenKind::Newline | TokenKind::Comment | TokenKind::DocComment)
            })
            .collect();
        return if words.is_empty() { Context::TopLevel } else { Context::Nothing };
    };
    let scope = scope_tokens(&all, *scope_start);
    match block {
        Block::Entity { kind } => {
            entity_context(kind, &scope, region, before.get(word_start..).unwrap_or(""))
        }
        Block::Rule => Context::Rule(rule_context(&scope, region, before.get(..word_start).unwrap_or(""))),
        Block::Test => {
            let last: Vec<&str> = scope
                .iter()
                .rev()
                .filter(|token| token.kind != TokenKind::Newline)
                .take(2)
                .map(|token| token.text(region))
                .collect();
            Context::Test { after_expect: matches!(last.as_slice(), ["expect", ..] | ["no", "expect"]) }
        }
        Block::Extend => {
            let after_colon = scope
                .iter()
                .rev()
                .find(|token| token.kind != TokenKind::Newline)
                .is_some_and(|token| token.kind == TokenKind::Punct(':'));
            if after_colon { Context::ExtendType } else { Context::Nothing }
        }
        Block::Other => Context::Nothing,
    }
}

/// The names of the fields set after the cursor in the same entity, up to its closing
/// brace (fields of nested entities left out). The word under the cursor, being edited,
/// does not count.
fn fields_after(rest: &str) -> Vec<String> {
    let rest = rest.trim_start_matches(is_ident_char);
    let all = tokens(rest);
    let mut names = Vec::new();
    let mut depth = 0usize;
    // A field name starts a line or follows a comma.
    let mut line_start = false;
    for (index, token) in all.iter().enumerate() {
        match token.kind {
            TokenKind::Punct('{') => depth += 1,
            TokenKind::Punct('}') if depth == 0 => break,
            TokenKind::Punct('}') => depth -= 1,
            TokenKind::Ident if depth == 0 && line_start => {
                let colon = all.get(index + 1).is_some_and(|next| next.kind == TokenKind::Punct(':'));
                if colon {
                    names.push(token.text(rest).to_string());
                }
            }
            _ => {}
        }
        line_start = matches!(token.kind, TokenKind::Newline | TokenKind::Punct(','));
    }
    names
}

fn closed_string(text: &str) -> bool {
    if let Some(body) = text.strip_prefix("\"\"\"") {
        return body.len() >= 3 && body.ends_with("\"\"\"");
    }
    text.len() >= 2 && text.ends_with('"') && !text.ends_with("\\\"")
}

/// The tokens of the innermost block, with nested closed blocks left out.
fn scope_tokens(all: &[Token], start: usize) -> Vec<Token> {
    let mut depth = 0usize;
    let mut result = Vec::new();
    for token in all.iter().skip(start) {
        match token.kind {
            TokenKind::Punct('{') => depth += 1,
            TokenKind::Punct('}') => depth = depth.saturating_sub(1),
            _ if depth == 0 => result.push(*token),
            _ => {}
        }
    }
    result
}

fn entity_context(kind: &str, scope: &[Token], region: &str, typing: &str) -> Context {
    let mut given = Vec::new();
    let mut field: Option<String> = None;
    let mut depth = 0i32;
    let mut has_value = false;
    let mut pending: Option<String> = None;
    for token in scope {
        match (&field, token.kind) {
            (None, TokenKind::Ident) => pending = Some(token.text(region).to_string()),
            (None, TokenKind::Punct(':')) => {
                if let Some(name) = pending.take() {
                    given.push(name.clone());
                    field = Some(name);
                    depth = 0;
                    has_value = false;
                }
            }
            (None, _) => pending = None,
            (Some(_), TokenKind::Punct('[')) => {
                depth += 1;
                has_value = true;
            }
            (Some(_), TokenKind::Punct(']')) => depth -= 1,
            (Some(_), TokenKind::Punct(',')) if depth <= 0 => field = None,
            (Some(_), TokenKind::Newline) if depth <= 0 && has_value => field = None,
            (Some(_), TokenKind::Newline | TokenKind::Comment) => {}
            (Some(_), _) => has_value = true,
        }
    }
    // A value ends at whitespace after it on the same line: `status: active |` starts
    // the next field (commas are optional).
    let ended_by_space = field.is_some() && depth <= 0 && has_value && region.ends_with([' ', '\t']);
    match field {
        Some(field) if !ended_by_space => Context::FieldValue { kind: kind.to_string(), field },
        // Right after a finished value and a space (`budget: 1.2M |`, where the space
        // triggered completion) nothing is asked for yet: a field name comes once a
        // letter is typed.
        Some(_) if typing.is_empty() => Context::Nothing,
        _ => Context::FieldName { kind: kind.to_string(), given },
    }
}

fn rule_context(scope: &[Token], region: &str, head: &str) -> RuleContext {
    let meaningful: Vec<&Token> =
        scope.iter().filter(|token| !matches!(token.kind, TokenKind::Newline | TokenKind::Comment)).collect();
    let last_text = |back: usize| meaningful.iter().rev().nth(back).map_or("", |token| token.text(region));
    if head.ends_with('.') {
        let chain = chain_before(head.get(..head.len() - 1).unwrap_or(""));
        if !chain.is_empty() {
            return RuleContext::Member { chain };
        }
    }
    if last_text(0) == ":" && last_text(1) == "severity" {
        return RuleContext::Severity;
    }
    if last_text(0) == "for" {
        return RuleContext::Kind;
    }
    let trimmed = head.trim_end();
    let comparison = ["==", "!=", "<=", ">=", "<", ">"].into_iter().find_map(|op| trimmed.strip_suffix(op));
    let membership = trimmed
        .strip_suffix('[')
        .map(str::trim_end)
        .and_then(|rest| rest.strip_suffix("in"))
        .filter(|rest| rest.ends_with(char::is_whitespace))
        .map(|rest| {
            let rest = rest.trim_end();
            rest.strip_suffix("not").filter(|rest| rest.ends_with(char::is_whitespace)).unwrap_or(rest)
        });
    if let Some(left) = comparison.or(membership) {
        let chain = chain_before(left.trim_end());
        if !chain.is_empty() {
            return RuleContext::Compare { chain };
        }
    }
    RuleContext::Anywhere
}

/// The member chain that ends `text`: `p.supports.filter(o, o.status == active)`.
fn chain_before(text: &str) -> String {
    let mut depth = 0i32;
    let mut start = text.len();
    for (index, character) in text.char_indices().rev() {
        match character {
            ')' => depth += 1,
            '(' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            character if is_ident_char(character) || character == '.' => {}
            _ => break,
        }
        start = index;
    }
    text.get(start..).unwrap_or("").trim_start_matches('.').to_string()
}

/// The text of the rule around the cursor, from `rule` on.
fn rule_text(before: &str) -> &str {
    let start = declaration_start(before);
    before.get(start..).unwrap_or("")
}

/// The subject variable and its kind: `for project p` → `("p", "project")`.
fn subject(rule_text: &str) -> Option<(String, String)> {
    let words: Vec<&str> = rule_text
        .split(|character: char| !is_ident_char(character))
        .filter(|word| !word.is_empty())
        .collect();
    let position = words.iter().position(|word| *word == "for")?;
    let kind = words.get(position + 1)?;
    let variable = words.get(position + 2)?;
    (*kind != "portfolio").then(|| (variable.to_string(), kind.to_string()))
}

/// Where the last `.all(name,` (or `any filter map count`) that binds `name` starts.
fn binding_site(rule_text: &str, name: &str) -> Option<usize> {
    let mut found = None;
    for method in ["all", "any", "filter", "map", "count"] {
        let opening = format!(".{method}(");
        for (index, _) in rule_text.match_indices(&opening) {
            let rest = rule_text.get(index + opening.len()..).unwrap_or("").trim_start();
            let Some(after) = rest.strip_prefix(name) else {
                continue;
            };
            if after.trim_start().starts_with(',') && found.is_none_or(|previous| index > previous) {
                found = Some(index);
            }
        }
    }
    found
}

/// Splits a chain at its top-level dots: `a.b(x.y).c` → `a`, `b(x.y)`, `c`.
fn segments(chain: &str) -> Vec<&str> {
    let mut result = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (index, character) in chain.char_indices() {
        match character {
            '(' => depth += 1,
            ')' => depth -= 1,
            '.' if depth == 0 => {
                result.push(chain.get(start..index).unwrap_or(""));
                start = index + 1;
            }
            _ => {}
        }
    }
    result.push(chain.get(start..).unwrap_or(""));
    result
}

/// The type of a member chain in a rule, from the subject, globals, `let`s and the
/// variables of enclosing `all any filter map count`.
fn chain_type(workspace: &Workspace, rule_text: &str, chain: &str, depth: usize) -> Ty {
    let schema = &workspace.portfolio.schema;
    let parts = segments(chain);
    let Some((first, rest)) = parts.split_first() else {
        return Ty::Unknown;
    };
    let mut ty = variable_type(workspace, rule_text, first, depth);
    for part in rest {
        ty = match part.split_once('(') {
            Some(("filter", _)) => ty,
            Some((method, _)) => rule_scope::call(&ty, method),
            None => rule_scope::member(schema, &ty, part),
        };
    }
    ty
}

fn variable_type(workspace: &Workspace, rule_text: &str, name: &str, depth: usize) -> Ty {
    if depth > 4 {
        return Ty::Unknown;
    }
    if let Some((variable, kind)) = subject(rule_text)
        && variable == name
    {
        return Ty::Entity(kind);
    }
    // `receiver.filter(name, ...` binds `name` to the receiver's items.
    if let Some(index) = binding_site(rule_text, name) {
        let receiver = chain_before(rule_text.get(..index).unwrap_or(""));
        return chain_type(workspace, rule_text, &receiver, depth + 1).element();
    }
    if let Some(index) = rule_text.rfind(&format!("let {name} =")) {
        let value =
            rule_text.get(index..).and_then(|rest| rest.split_once('=')).map_or("", |(_, value)| value);
        let line = value.lines().next().unwrap_or("").trim();
        return chain_type(workspace, rule_text, &chain_before(line), depth + 1);
    }
    rule_scope::global(name).unwrap_or(Ty::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context_of(text: &str) -> Context {
        let word_start = text.trim_end_matches(is_ident_char).len();
        context(text, word_start)
    }

    #[test]
    fn contexts() {
        assert_eq!(context_of("pro"), Context::TopLevel);
        assert_eq!(
            context_of("project p {\n  status: active\n  spo"),
            Context::FieldName { kind: "project".into(), given: vec!["status".into()] }
        );
        assert_eq!(
            context_of("project p {\n  teams: [a, "),
            Context::FieldValue { kind: "project".into(), field: "teams".into() }
        );
        assert_eq!(
            context_of("project p {\n  milestone m { status: pl"),
            Context::FieldValue { kind: "milestone".into(), field: "status".into() }
        );
        assert_eq!(
            context_of("rule r {\n  for project p\n  require p.sup"),
            Context::Rule(RuleContext::Member { chain: "p".into() })
        );
        assert_eq!(
            context_of("rule r {\n  for project p where p.status == "),
            Context::Rule(RuleContext::Compare { chain: "p.status".into() })
        );
        assert_eq!(context_of("project p { title: \"abc"), Context::Nothing);
        assert_eq!(context_of("project p {}\n"), Context::TopLevel);
        assert_eq!(context_of("project p {\n  budget: 1.2M "), Context::Nothing);
        assert_eq!(
            context_of("project p {\n  budget: 1.2M sp"),
            Context::FieldName { kind: "project".into(), given: vec!["budget".into()] }
        );
    }

    #[test]
    fn fields_after_the_cursor_of_the_same_entity() {
        let rest = "or\n  status: active, sponsor: ana\n  milestone m { due: 2026-01-01 }\n  teams: []\n}\nproject q { budget: 1 }";
        assert_eq!(fields_after(rest), ["status", "sponsor", "teams"]);
    }

    #[test]
    fn snippets_strip_to_plain_text() {
        assert_eq!(strip_snippet("project ${1:id} {\n  $0\n}"), "project id {\n  \n}");
    }
}
