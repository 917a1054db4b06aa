//! Declarations, bodies and values: the syntax tree written into a [`Doc`], with every
//! comment placed where it was written.
//!
//! The printer never adds, drops or reorders a token (only the optional commas between
//! members change), so reparsing the output gives the same tree. Literals are printed
//! from their source text, so `1_200_000`, escapes and `"""` text blocks survive
//! byte for byte.

use super::comments::{Comment, Comments, Gap, Leading};
use super::doc::{self, Doc};
use crate::source::Span;
use crate::syntax::ast;

/// One top-level declaration, laid out, with where it came from and where it went.
pub struct Laid {
    /// The declaration's text in the source: from its first token (after the comments
    /// on the lines before it) to its end, including a trailing comment.
    pub source: std::ops::Range<usize>,
    /// The same declaration in the output.
    pub output: std::ops::Range<usize>,
}

/// Formats a parsed file whose tree is `file`. Returns the text and each declaration's
/// place in the source and in the output.
pub fn format_file(text: &str, file: &ast::SourceFile) -> (String, Vec<Laid>) {
    let mut comments = Comments::new(text);
    comments.split_division_operators(&expression_ranges(file));
    let mut printer = Printer { text, comments, doc: Doc::default() };
    let result = printer.file(file);
    debug_assert_eq!(printer.comments.taken(), printer.comments.len(), "every comment is printed");
    result
}

/// `expr`, a tree of `text`, printed on one line without its comments.
pub fn expression_line(text: &str, expr: &ast::Expr) -> String {
    let mut comments = Comments::new(text);
    comments.split_division_operators(&[expr.span.range()]);
    comments.silence();
    let mut printer = Printer { text, comments, doc: Doc::default() };
    printer.expr(expr);
    let mut out = String::with_capacity(expr.span.range().len());
    doc::render_in(&printer.doc, &mut out, usize::MAX);
    out
}

/// The byte ranges of every rule expression of the file.
fn expression_ranges(file: &ast::SourceFile) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    for item in &file.items {
        if let ast::Item::Rule(rule) = item {
            if let Some(ast::Subject::Kind { filter: Some(filter), .. }) = &rule.subject {
                ranges.push(filter.span.range());
            }
            ranges.extend(rule.lets.iter().map(|binding| binding.value.span.range()));
            ranges.extend(rule.requires.iter().map(|require| require.condition.span.range()));
        }
    }
    ranges
}

pub(super) struct Printer<'a> {
    pub(super) text: &'a str,
    pub(super) comments: Comments<'a>,
    /// The declaration being printed.
    pub(super) doc: Doc<'a>,
}

/// A line of a body: a field, a nested entity, a rule clause, a test item.
#[derive(Clone, Copy)]
enum Member<'a> {
    Field(&'a ast::Field),
    Entity(&'a ast::Entity),
    FieldDecl(&'a ast::FieldDecl),
    Subject(&'a ast::Subject),
    Let(&'a ast::Let),
    Require(&'a ast::Require),
    Today(&'a ast::DateLit),
    Expect(&'a ast::Expect),
}

/// Where a member starts, up to where comments are moved before it (its header), and
/// where it ends.
struct Bounds {
    start: usize,
    hoist_until: usize,
    end: usize,
}

/// Writes laid-out declarations with the comments and blank lines between them.
struct Assembler {
    out: String,
    laid: Vec<Laid>,
    previous_multiline: bool,
    /// A declaration's text, laid out before the separator in front of it is known.
    scratch: String,
}

impl Assembler {
    /// Appends one declaration: the comments on the lines before it (`gap`), then its
    /// text, laid out from `doc`.
    fn push(&mut self, gap: &Gap, comments: &Comments<'_>, doc: &Doc<'_>, source: std::ops::Range<usize>) {
        self.scratch.clear();
        let multiline = doc::render(doc, &mut self.scratch);
        let first = self.laid.is_empty();
        for (position, leading) in gap.leading.iter().enumerate() {
            if !first || position > 0 {
                let blank = leading.blank_before || (position == 0 && (self.previous_multiline || multiline));
                self.out.push_str(if blank { "\n\n" } else { "\n" });
            }
            self.out.push_str(comments.text_of(leading.comment));
        }
        if !gap.leading.is_empty() {
            self.out.push_str(if gap.blank_after { "\n\n" } else { "\n" });
        } else if !first {
            let blank = gap.blank_after || self.previous_multiline || multiline;
            self.out.push_str(if blank { "\n\n" } else { "\n" });
        }
        let start = self.out.len();
        self.out.push_str(&self.scratch);
        self.laid.push(Laid { source, output: start..self.out.len() });
        self.previous_multiline = multiline;
    }
}

impl<'a> Printer<'a> {
    fn file(&mut self, file: &'a ast::SourceFile) -> (String, Vec<Laid>) {
        let mut assembler = Assembler {
            out: String::with_capacity(self.text.len() + self.text.len() / 8),
            laid: Vec::with_capacity(file.items.len()),
            previous_multiline: false,
            scratch: String::with_capacity(1024),
        };
        // The declaration printed last, waiting for its trailing comment.
        let mut pending: Option<(Gap, std::ops::Range<usize>)> = None;
        let mut previous_end = 0;
        for item in &file.items {
            let bounds = self.item_bounds(item);
            let mut gap = self.comments.gap(previous_end, bounds.start);
            match pending.take() {
                Some((before, mut source)) => {
                    if let Some(comment) = gap.trailing.take() {
                        self.doc.suffix(self.comments.text_of(comment));
                        source.end = comment.end;
                    }
                    assembler.push(&before, &self.comments, &self.doc, source);
                }
                None => {
                    // Nothing precedes the first declaration: a comment on its line is
                    // the first line of the file.
                    if let Some(comment) = gap.trailing.take() {
                        gap.leading.insert(0, Leading { comment, blank_before: false });
                    }
                }
            }
            self.doc.clear();
            for comment in self.comments.hoist(bounds.hoist_until) {
                self.doc.comment(self.comments.text_of(comment));
                self.doc.hard_line();
            }
            self.item(item);
            pending = Some((gap, bounds.start..bounds.end));
            previous_end = bounds.end;
        }
        let mut closing = self.comments.gap(previous_end, self.text.len() + 1);
        match pending.take() {
            Some((before, mut source)) => {
                if let Some(comment) = closing.trailing.take() {
                    self.doc.suffix(self.comments.text_of(comment));
                    source.end = comment.end;
                }
                assembler.push(&before, &self.comments, &self.doc, source);
            }
            None => {
                if let Some(comment) = closing.trailing.take() {
                    closing.leading.insert(0, Leading { comment, blank_before: false });
                }
            }
        }
        let Assembler { mut out, laid, .. } = assembler;
        for (position, leading) in closing.leading.iter().enumerate() {
            if !out.is_empty() {
                let blank = leading.blank_before && !(laid.is_empty() && position == 0);
                out.push_str(if blank { "\n\n" } else { "\n" });
            }
            out.push_str(self.comments.text_of(leading.comment));
        }
        if !out.is_empty() {
            out.push('\n');
        }
        (out, laid)
    }

    fn item_bounds(&self, item: &'a ast::Item) -> Bounds {
        match item {
            ast::Item::Use(item) => {
                let end = self.end(item.span);
                Bounds { start: item.path.span.start as usize, hoist_until: end, end }
            }
            ast::Item::Entity(entity) => self.entity_bounds(entity),
            ast::Item::Extend(extend) => Bounds {
                start: extend.kind.span.start as usize,
                hoist_until: self.comments.next_token(extend.kind.span.end as usize),
                end: self.end(extend.span),
            },
            ast::Item::Rule(rule) => Bounds {
                start: rule.name.span.start as usize,
                hoist_until: self.comments.next_token(rule.name.span.end as usize),
                end: self.end(rule.span),
            },
            ast::Item::Test(test) => Bounds {
                start: test.name.span.start as usize,
                hoist_until: self.comments.next_token(test.name.span.end as usize),
                end: self.end(test.span),
            },
            ast::Item::Broken(broken) => {
                let end = self.end(broken.span);
                Bounds { start: broken.span.start as usize, hoist_until: end, end }
            }
        }
    }

    fn item(&mut self, item: &'a ast::Item) {
        match item {
            ast::Item::Use(item) => {
                self.doc.text("use ");
                self.source(item.path.span);
            }
            ast::Item::Entity(entity) => self.entity(entity),
            ast::Item::Extend(extend) => {
                let open = self.comments.next_token(extend.kind.span.end as usize);
                let close = self.closing(extend.span);
                let members: Vec<Member<'a>> = extend.fields.iter().map(Member::FieldDecl).collect();
                self.doc.text("extend ");
                self.doc.text(extend.kind.name.as_str());
                self.doc.text(" ");
                self.block(open, close, &members, true);
            }
            ast::Item::Rule(rule) => {
                let open = self.comments.next_token(rule.name.span.end as usize);
                let close = self.closing(rule.span);
                let members: Vec<Member<'a>> = rule
                    .clauses
                    .iter()
                    .filter_map(|clause| match *clause {
                        ast::RuleClause::Setting(index) => rule.settings.get(index).map(Member::Field),
                        ast::RuleClause::Subject => rule.subject.as_ref().map(Member::Subject),
                        ast::RuleClause::Let(index) => rule.lets.get(index).map(Member::Let),
                        ast::RuleClause::Require(index) => rule.requires.get(index).map(Member::Require),
                    })
                    .collect();
                self.doc.text("rule ");
                self.doc.text(rule.name.name.as_str());
                self.doc.text(" ");
                self.block(open, close, &members, false);
            }
            ast::Item::Test(test) => {
                let open = self.comments.next_token(test.name.span.end as usize);
                let close = self.closing(test.span);
                let mut members: Vec<(usize, Member<'a>)> = Vec::new();
                members.extend(test.today.iter().map(|date| (date.span.start as usize, Member::Today(date))));
                members.extend(
                    test.entities
                        .iter()
                        .map(|entity| (entity.kind.span.start as usize, Member::Entity(entity))),
                );
                members.extend(
                    test.expects.iter().map(|expect| (expect.span.start as usize, Member::Expect(expect))),
                );
                members.sort_by_key(|(start, _)| *start);
                let members: Vec<Member<'a>> = members.into_iter().map(|(_, member)| member).collect();
                self.doc.text("test ");
                self.doc.text(test.name.name.as_str());
                self.doc.text(" ");
                self.block(open, close, &members, false);
            }
            // Files with broken declarations are never formatted; print them as written.
            ast::Item::Broken(broken) => self.source(broken.span),
        }
    }

    fn entity_bounds(&self, entity: &'a ast::Entity) -> Bounds {
        Bounds {
            start: entity.kind.span.start as usize,
            hoist_until: self.comments.next_token(header_end(entity)),
            end: self.end(entity.span),
        }
    }

    /// `KIND ID ["title"] { ... }`.
    fn entity(&mut self, entity: &'a ast::Entity) {
        self.doc.text(entity.kind.name.as_str());
        self.doc.text(" ");
        self.doc.text(entity.id.name.as_str());
        if let Some(title) = &entity.title {
            self.doc.text(" ");
            self.source(title.span);
        }
        let open = self.comments.next_token(header_end(entity));
        let close = self.closing(entity.span);
        let members: Vec<Member<'a>> = if entity.children.is_empty() {
            entity.fields.iter().map(Member::Field).collect()
        } else {
            let mut members: Vec<(usize, Member<'a>)> = entity
                .fields
                .iter()
                .map(|field| (field.name.span.start as usize, Member::Field(field)))
                .chain(
                    entity
                        .children
                        .iter()
                        .map(|child| (child.kind.span.start as usize, Member::Entity(child))),
                )
                .collect();
            members.sort_by_key(|(start, _)| *start);
            members.into_iter().map(|(_, member)| member).collect()
        };
        self.doc.text(" ");
        self.block(open, close, &members, true);
    }

    fn bounds(&self, member: Member<'a>) -> Bounds {
        match member {
            Member::Field(field) => {
                let end = self.end(field.value.span);
                Bounds {
                    start: field.name.span.start as usize,
                    hoist_until: match field.value.kind {
                        ast::ValueKind::List(_) => field.value.span.start as usize,
                        _ => end,
                    },
                    end,
                }
            }
            Member::Entity(entity) => self.entity_bounds(entity),
            Member::FieldDecl(decl) => {
                let end = self.end(decl.span);
                Bounds {
                    start: decl.name.span.start as usize,
                    hoist_until: match decl.ty.kind {
                        ast::TypeExprKind::Enum(_) => self.enum_open(&decl.ty),
                        _ => end,
                    },
                    end,
                }
            }
            Member::Subject(subject) => {
                let end = self.end(subject.span());
                let hoist_until = match subject {
                    ast::Subject::Kind { filter: Some(filter), .. } => filter.span.start as usize,
                    _ => end,
                };
                Bounds { start: subject.span().start as usize, hoist_until, end }
            }
            Member::Let(binding) => Bounds {
                start: binding.span.start as usize,
                hoist_until: binding.value.span.start as usize,
                end: self.end(binding.span),
            },
            Member::Require(require) => Bounds {
                start: require.span.start as usize,
                hoist_until: require.condition.span.start as usize,
                end: self.end(require.span),
            },
            Member::Today(date) => {
                let end = self.end(date.span);
                Bounds { start: date.span.start as usize, hoist_until: end, end }
            }
            Member::Expect(expect) => {
                let end = self.end(expect.span);
                Bounds { start: expect.span.start as usize, hoist_until: end, end }
            }
        }
    }

    fn member(&mut self, member: Member<'a>) {
        match member {
            Member::Field(field) => {
                self.doc.text(field.name.name.as_str());
                self.doc.text(": ");
                self.value(&field.value);
            }
            Member::Entity(entity) => self.entity(entity),
            Member::FieldDecl(decl) => {
                self.doc.text(decl.name.name.as_str());
                self.doc.text(": ");
                self.type_expr(&decl.ty);
                if decl.required {
                    self.doc.text(" required");
                }
            }
            Member::Subject(subject) => self.subject(subject),
            Member::Let(binding) => {
                self.doc.text("let ");
                self.doc.text(binding.name.name.as_str());
                self.doc.text(" = ");
                self.clause_expr(&binding.value);
            }
            Member::Require(require) => self.require(require),
            Member::Today(date) => {
                self.doc.text("today: ");
                self.source(date.span);
            }
            Member::Expect(expect) => match &expect.kind {
                ast::ExpectKind::Clean => self.doc.text("expect clean"),
                ast::ExpectKind::Finding { negated, rule, on } => {
                    self.doc.text(if *negated { "expect no " } else { "expect " });
                    self.doc.text(rule.name.as_str());
                    if let Some(on) = on {
                        self.doc.text(" on ");
                        self.doc.text(on.name.as_str());
                    }
                }
            },
        }
    }

    /// A `{ ... }` body: one member per line, or `{ a: 1, b: 2 }` when `flat_allowed`, the
    /// author wrote it on one line, it holds no comment and no nested entity, and it fits.
    fn block(&mut self, open: usize, close: usize, members: &[Member<'a>], flat_allowed: bool) {
        let has_comments = self.comments.next_before(close);
        if members.is_empty() && !has_comments {
            self.doc.text("{}");
            return;
        }
        let nested = members.iter().any(|member| matches!(member, Member::Entity(_)));
        let first_start = members.first().map_or(close, |member| start(*member));
        let written_on_lines = self
            .text
            .as_bytes()
            .get(open..first_start)
            .is_some_and(|between| between.iter().any(|byte| crate::source::is_line_end(*byte)));
        if flat_allowed && !has_comments && !nested && !written_on_lines {
            let mark = self.doc.start_group(false);
            self.doc.text("{");
            self.doc.indent();
            self.doc.line();
            for (index, member) in members.iter().enumerate() {
                if index > 0 {
                    self.doc.if_break("", ",");
                    self.doc.line();
                }
                self.member(*member);
            }
            self.doc.dedent();
            self.doc.line();
            self.doc.text("}");
            self.doc.end_group(mark);
            return;
        }

        self.doc.text("{");
        self.doc.indent();
        let mut previous_end = open + 1;
        for (index, member) in members.iter().enumerate() {
            let first = index == 0;
            let bounds = self.bounds(*member);
            let gap = self.comments.gap(previous_end, bounds.start);
            if let Some(comment) = gap.trailing {
                self.suffix(comment);
            }
            for (position, leading) in gap.leading.iter().enumerate() {
                self.doc.separator(leading.blank_before && !(first && position == 0));
                self.comment(leading.comment);
            }
            let hoisted = self.comments.hoist(bounds.hoist_until);
            for comment in &hoisted {
                self.doc.hard_line();
                self.comment(*comment);
            }
            let blank = hoisted.is_empty() && gap.blank_after && !(first && gap.leading.is_empty());
            self.doc.separator(blank);
            self.member(*member);
            previous_end = bounds.end;
        }
        let closing = self.comments.gap(previous_end, close);
        if let Some(comment) = closing.trailing {
            self.suffix(comment);
        }
        for (position, leading) in closing.leading.iter().enumerate() {
            self.doc.separator(leading.blank_before && !(members.is_empty() && position == 0));
            self.comment(leading.comment);
        }
        self.doc.dedent();
        self.doc.hard_line();
        self.doc.text("}");
    }

    fn subject(&mut self, subject: &'a ast::Subject) {
        match subject {
            ast::Subject::Portfolio { .. } => self.doc.text("for portfolio"),
            ast::Subject::Kind { kind, var, filter, .. } => {
                self.doc.text("for ");
                self.doc.text(kind.name.as_str());
                self.doc.text(" ");
                self.doc.text(var.name.as_str());
                if let Some(filter) = filter {
                    self.doc.text(" where ");
                    self.clause_expr(filter);
                }
            }
        }
    }

    /// `require EXPR [else "message"]`; when it does not fit, `else` starts a new line.
    fn require(&mut self, require: &'a ast::Require) {
        let mark = self.doc.start_group(false);
        self.doc.text("require ");
        self.clause_expr(&require.condition);
        if let Some(message) = &require.message {
            let gap = self.comments.gap(self.end(require.condition.span), message.span.start as usize);
            self.doc.indent();
            if let Some(comment) = gap.trailing {
                self.suffix(comment);
            }
            self.doc.line();
            for leading in &gap.leading {
                self.comment(leading.comment);
                self.doc.hard_line();
            }
            self.doc.text("else ");
            self.source(message.span);
            self.doc.dedent();
        }
        self.doc.end_group(mark);
    }

    fn type_expr(&mut self, ty: &'a ast::TypeExpr) {
        match &ty.kind {
            ast::TypeExprKind::Named(name) => self.doc.text(name.name.as_str()),
            ast::TypeExprKind::Ref(kind) => {
                self.doc.text("ref ");
                self.doc.text(kind.name.as_str());
            }
            ast::TypeExprKind::List(inner) => {
                self.doc.text("[");
                self.type_expr(inner);
                self.doc.text("]");
            }
            ast::TypeExprKind::Enum(values) => {
                let open = self.enum_open(ty);
                let close = self.closing(ty.span);
                self.doc.text("enum ");
                self.loose(open);
                self.delimited(("[", "]"), open, close, values, |printer, ident| {
                    printer.doc.text(ident.name.as_str());
                });
            }
        }
    }

    /// The `[` of `enum [a, b]`.
    fn enum_open(&self, ty: &ast::TypeExpr) -> usize {
        self.comments.next_token(ty.span.start as usize + "enum".len())
    }

    pub(super) fn value(&mut self, value: &'a ast::Value) {
        match &value.kind {
            ast::ValueKind::List(items) => {
                let close = self.closing(value.span);
                self.delimited(("[", "]"), value.span.start as usize, close, items, Printer::value);
            }
            ast::ValueKind::Money { .. } => self.money(value.span),
            ast::ValueKind::Measurement { value: inner, date } => {
                self.value(inner);
                if self.comments.next_before(date.span.start as usize) {
                    self.loose(date.span.start as usize);
                    self.doc.text("@ ");
                } else {
                    self.doc.text(" @ ");
                }
                self.source(date.span);
            }
            _ => self.source(value.span),
        }
    }

    /// A bracketed, comma-separated list: `[a, b]` when it fits, else one item per line
    /// with a trailing comma. Comments after an item stay after it; comments on lines of
    /// their own stay before the item that follows them.
    pub(super) fn delimited<T: Spanned>(
        &mut self,
        (open_text, close_text): (&'static str, &'static str),
        open: usize,
        close: usize,
        items: &'a [T],
        print: impl Fn(&mut Printer<'a>, &'a T),
    ) {
        if items.is_empty() && !self.comments.next_before(close) {
            self.doc.text(open_text);
            self.doc.text(close_text);
            return;
        }
        let mark = self.doc.start_group(false);
        self.doc.text(open_text);
        let mut previous_end = open + 1;
        for (index, item) in items.iter().enumerate() {
            let span = item.span();
            let gap = self.comments.gap(previous_end, span.start as usize);
            if index > 0 {
                self.doc.text(",");
            }
            if let Some(comment) = gap.trailing {
                self.suffix(comment);
            }
            if index == 0 {
                self.doc.indent();
                self.doc.soft_line();
            } else {
                self.doc.line();
            }
            for leading in &gap.leading {
                self.comment(leading.comment);
                self.doc.hard_line();
            }
            print(self, item);
            previous_end = self.end(span);
        }
        let closing = self.comments.gap(previous_end, close);
        if items.is_empty() {
            if let Some(comment) = closing.trailing {
                self.suffix(comment);
            }
            self.doc.indent();
        } else {
            self.doc.if_break(",", "");
            if let Some(comment) = closing.trailing {
                self.suffix(comment);
            }
        }
        for leading in &closing.leading {
            self.doc.line_start();
            self.comment(leading.comment);
        }
        self.doc.dedent();
        self.doc.soft_line();
        self.doc.text(close_text);
        self.doc.end_group(mark);
    }

    /// Comments before `until` that sit where no line break is planned (inside `a.b`,
    /// after `not`): each goes on a line of its own.
    pub(super) fn loose(&mut self, until: usize) {
        for comment in self.comments.hoist(until) {
            self.doc.line_start();
            self.comment(comment);
            self.doc.hard_line();
        }
    }

    /// Money with its currency: the amount as written, one space, the code.
    pub(super) fn money(&mut self, span: Span) {
        let written = self.slice(span);
        if !written.contains("  ") && !written.contains('\t') {
            self.doc.text(written);
            return;
        }
        let mut normalized = String::with_capacity(written.len());
        for (index, word) in written.split_whitespace().enumerate() {
            if index > 0 {
                normalized.push(' ');
            }
            normalized.push_str(word);
        }
        self.doc.text(normalized);
    }

    pub(super) fn comment(&mut self, comment: Comment) {
        self.doc.comment(self.comments.text_of(comment));
    }

    pub(super) fn suffix(&mut self, comment: Comment) {
        self.doc.suffix(self.comments.text_of(comment));
    }

    /// The source text of a token, without trailing trivia.
    pub(super) fn source(&mut self, span: Span) {
        let slice = self.slice(span);
        self.doc.text(slice);
    }

    fn slice(&self, span: Span) -> &'a str {
        let end = self.end(span);
        self.text.get(span.start as usize..end).unwrap_or("")
    }

    /// The exact end of a span, without trailing whitespace and comments.
    pub(super) fn end(&self, span: Span) -> usize {
        self.comments.trim_end(span.start as usize, span.end as usize)
    }

    /// The offset of the last character of a span: its closing bracket.
    pub(super) fn closing(&self, span: Span) -> usize {
        self.end(span).saturating_sub(1)
    }
}

/// Where an entity's header (`KIND ID "title"`) ends.
fn header_end(entity: &ast::Entity) -> usize {
    entity.title.as_ref().map_or(entity.id.span.end, |title| title.span.end) as usize
}

/// Where a member's first token starts.
fn start(member: Member<'_>) -> usize {
    let start = match member {
        Member::Field(field) => field.name.span.start,
        Member::Entity(entity) => entity.kind.span.start,
        Member::FieldDecl(decl) => decl.name.span.start,
        Member::Subject(subject) => subject.span().start,
        Member::Let(binding) => binding.span.start,
        Member::Require(require) => require.span.start,
        Member::Today(date) => date.span.start,
        Member::Expect(expect) => expect.span.start,
    };
    start as usize
}

/// A node with a span, for [`Printer::delimited`].
pub(super) trait Spanned {
    fn span(&self) -> Span;
}

impl Spanned for ast::Value {
    fn span(&self) -> Span {
        self.span
    }
}

impl Spanned for ast::Expr {
    fn span(&self) -> Span {
        self.span
    }
}

impl Spanned for ast::Ident {
    fn span(&self) -> Span {
        self.span
    }
}
