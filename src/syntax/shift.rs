//! Moving a parsed declaration to another offset of its file: what lets an edit re-parse
//! only the declarations it touched ([`super::reparse`]) and reuse the others, shifted by
//! the number of bytes inserted or removed before them.
//!
//! Every impl destructures its node completely, so a new field that holds a span cannot be
//! forgotten: it does not compile until it is shifted (or said to hold none).

use super::ast::*;
use crate::diagnostic::{Diagnostic, Edit, Fix, Label};
use crate::source::Span;

/// Adds `delta` bytes to every span.
pub(crate) trait Shift {
    fn shift(&mut self, delta: i64);
}

impl Shift for Span {
    fn shift(&mut self, delta: i64) {
        let moved = |offset: u32| u32::try_from(i64::from(offset) + delta).unwrap_or(offset);
        self.start = moved(self.start);
        self.end = moved(self.end);
    }
}

impl<T: Shift> Shift for Option<T> {
    fn shift(&mut self, delta: i64) {
        if let Some(inner) = self {
            inner.shift(delta);
        }
    }
}

impl<T: Shift> Shift for Vec<T> {
    fn shift(&mut self, delta: i64) {
        for item in self {
            item.shift(delta);
        }
    }
}

impl<T: Shift> Shift for Box<T> {
    fn shift(&mut self, delta: i64) {
        (**self).shift(delta);
    }
}

impl Shift for Item {
    fn shift(&mut self, delta: i64) {
        match self {
            Item::Use(item) => item.shift(delta),
            Item::Entity(item) => item.shift(delta),
            Item::Extend(item) => item.shift(delta),
            Item::Rule(item) => item.shift(delta),
            Item::Test(item) => item.shift(delta),
            Item::Broken(item) => item.shift(delta),
        }
    }
}

impl Shift for Ident {
    fn shift(&mut self, delta: i64) {
        let Ident { name: _, span } = self;
        span.shift(delta);
    }
}

impl Shift for Path {
    fn shift(&mut self, delta: i64) {
        let Path { name: _, span } = self;
        span.shift(delta);
    }
}

impl Shift for Doc {
    fn shift(&mut self, delta: i64) {
        let Doc { text: _, span } = self;
        span.shift(delta);
    }
}

impl Shift for StringLit {
    fn shift(&mut self, delta: i64) {
        let StringLit { value: _, span } = self;
        span.shift(delta);
    }
}

impl Shift for DateLit {
    fn shift(&mut self, delta: i64) {
        let DateLit { year: _, month: _, day: _, span } = self;
        span.shift(delta);
    }
}

impl Shift for Use {
    fn shift(&mut self, delta: i64) {
        let Use { path, span } = self;
        path.shift(delta);
        span.shift(delta);
    }
}

impl Shift for Entity {
    fn shift(&mut self, delta: i64) {
        let Entity { doc, kind, id, title, fields, children, span } = self;
        doc.shift(delta);
        kind.shift(delta);
        id.shift(delta);
        title.shift(delta);
        fields.shift(delta);
        children.shift(delta);
        span.shift(delta);
    }
}

impl Shift for Field {
    fn shift(&mut self, delta: i64) {
        let Field { doc, name, value, span } = self;
        doc.shift(delta);
        name.shift(delta);
        value.shift(delta);
        span.shift(delta);
    }
}

impl Shift for Value {
    fn shift(&mut self, delta: i64) {
        let Value { kind, span } = self;
        kind.shift(delta);
        span.shift(delta);
    }
}

impl Shift for ValueKind {
    fn shift(&mut self, delta: i64) {
        match self {
            ValueKind::Date(date) => date.shift(delta),
            ValueKind::Measurement { value, date } => {
                value.shift(delta);
                date.shift(delta);
            }
            ValueKind::List(items) => items.shift(delta),
            ValueKind::String(_)
            | ValueKind::Number(_)
            | ValueKind::Percent(_)
            | ValueKind::Money { .. }
            | ValueKind::Duration(_)
            | ValueKind::Bool(_)
            | ValueKind::None
            | ValueKind::Name(_) => {}
        }
    }
}

impl Shift for Extend {
    fn shift(&mut self, delta: i64) {
        let Extend { doc, kind, fields, span } = self;
        doc.shift(delta);
        kind.shift(delta);
        fields.shift(delta);
        span.shift(delta);
    }
}

impl Shift for FieldDecl {
    fn shift(&mut self, delta: i64) {
        let FieldDecl { doc, name, ty, required: _, span } = self;
        doc.shift(delta);
        name.shift(delta);
        ty.shift(delta);
        span.shift(delta);
    }
}

impl Shift for TypeExpr {
    fn shift(&mut self, delta: i64) {
        let TypeExpr { kind, span } = self;
        match kind {
            TypeExprKind::Named(name) | TypeExprKind::Ref(name) => name.shift(delta),
            TypeExprKind::List(item) => item.shift(delta),
            TypeExprKind::Enum(values) => values.shift(delta),
        }
        span.shift(delta);
    }
}

impl Shift for Rule {
    fn shift(&mut self, delta: i64) {
        let Rule { doc, name, settings, subject, lets, requires, clauses: _, span } = self;
        doc.shift(delta);
        name.shift(delta);
        settings.shift(delta);
        subject.shift(delta);
        lets.shift(delta);
        requires.shift(delta);
        span.shift(delta);
    }
}

impl Shift for Subject {
    fn shift(&mut self, delta: i64) {
        match self {
            Subject::Kind { kind, var, filter, span } => {
                kind.shift(delta);
                var.shift(delta);
                filter.shift(delta);
                span.shift(delta);
            }
            Subject::Portfolio { span } => span.shift(delta),
        }
    }
}

impl Shift for Let {
    fn shift(&mut self, delta: i64) {
        let Let { name, value, span } = self;
        name.shift(delta);
        value.shift(delta);
        span.shift(delta);
    }
}

impl Shift for Require {
    fn shift(&mut self, delta: i64) {
        let Require { condition, message, span } = self;
        condition.shift(delta);
        message.shift(delta);
        span.shift(delta);
    }
}

impl Shift for Expr {
    fn shift(&mut self, delta: i64) {
        let Expr { kind, span } = self;
        match kind {
            ExprKind::Literal(value) => value.shift(delta),
            ExprKind::Name(name) => name.shift(delta),
            ExprKind::List(items) => items.shift(delta),
            ExprKind::Member { target, member } => {
                target.shift(delta);
                member.shift(delta);
            }
            ExprKind::Call { target, method, args } => {
                target.shift(delta);
                method.shift(delta);
                args.shift(delta);
            }
            ExprKind::Unary { op: _, operand } => operand.shift(delta),
            ExprKind::Binary { op: _, left, right } => {
                left.shift(delta);
                right.shift(delta);
            }
            ExprKind::Paren(inner) => inner.shift(delta),
        }
        span.shift(delta);
    }
}

impl Shift for Test {
    fn shift(&mut self, delta: i64) {
        let Test { doc, name, today, entities, expects, span } = self;
        doc.shift(delta);
        name.shift(delta);
        today.shift(delta);
        entities.shift(delta);
        expects.shift(delta);
        span.shift(delta);
    }
}

impl Shift for Expect {
    fn shift(&mut self, delta: i64) {
        let Expect { kind, span } = self;
        match kind {
            ExpectKind::Finding { negated: _, rule, on } => {
                rule.shift(delta);
                on.shift(delta);
            }
            ExpectKind::Clean => {}
        }
        span.shift(delta);
    }
}

impl Shift for Broken {
    fn shift(&mut self, delta: i64) {
        let Broken { keyword, name, span } = self;
        keyword.shift(delta);
        name.shift(delta);
        span.shift(delta);
    }
}

impl Shift for Diagnostic {
    fn shift(&mut self, delta: i64) {
        let Diagnostic {
            code: _,
            severity: _,
            message: _,
            primary,
            secondary,
            help: _,
            entity: _,
            url: _,
            fix,
        } = self;
        primary.shift(delta);
        secondary.shift(delta);
        fix.shift(delta);
    }
}

impl Shift for Label {
    fn shift(&mut self, delta: i64) {
        let Label { span, message: _ } = self;
        span.shift(delta);
    }
}

impl Shift for Fix {
    fn shift(&mut self, delta: i64) {
        let Fix { title: _, edits } = self;
        edits.shift(delta);
    }
}

impl Shift for Edit {
    fn shift(&mut self, delta: i64) {
        let Edit { span, replacement: _ } = self;
        span.shift(delta);
    }
}
