//! Rule expressions: operators, method chains, calls and parentheses.
//!
//! Parentheses are printed exactly where they were written (the tree keeps them), so the
//! printed expression parses to the same tree. A chain of operators of one precedence
//! breaks before each operator; a method chain with two or more calls breaks before each
//! call; arguments and lists break one per line.

use super::print::Printer;
use crate::syntax::ast::{self, Expr, ExprKind, UnaryOp};

impl<'a> Printer<'a> {
    /// An expression that starts a clause (`where`, `let`, `require`): the continuation
    /// lines of an operator or method chain are indented two levels, so they stand apart
    /// from an `else` line.
    pub(super) fn clause_expr(&mut self, expr: &'a Expr) {
        let deeper = match &expr.kind {
            ExprKind::Binary { .. } => true,
            ExprKind::Member { .. } | ExprKind::Call { .. } => calls(expr) >= 2,
            _ => false,
        };
        if deeper {
            self.doc.indent();
        }
        self.expr(expr);
        if deeper {
            self.doc.dedent();
        }
    }

    pub(super) fn expr(&mut self, expr: &'a Expr) {
        match &expr.kind {
            ExprKind::Literal(ast::ValueKind::Money { .. }) => self.money(expr.span),
            ExprKind::Literal(_) => self.source(expr.span),
            ExprKind::Name(ident) => self.doc.text(ident.name.as_str()),
            ExprKind::List(items) => {
                let close = self.closing(expr.span);
                self.delimited(("[", "]"), expr.span.start as usize, close, items, Printer::expr);
            }
            ExprKind::Member { .. } | ExprKind::Call { .. } => self.chain(expr),
            ExprKind::Unary { op, operand } => {
                self.doc.text(match op {
                    UnaryOp::Not => "not ",
                    UnaryOp::Neg => "-",
                });
                self.loose(operand.span.start as usize);
                self.expr(operand);
            }
            ExprKind::Binary { .. } => self.binary(expr),
            ExprKind::Paren(inner) => self.paren(expr, inner),
        }
    }

    /// `(inner)`: flat when it fits, else the inner expression on lines of its own.
    fn paren(&mut self, expr: &'a Expr, inner: &'a Expr) {
        let open = expr.span.start as usize;
        let close = self.closing(expr.span);
        let mark = self.doc.start_group(false);
        self.doc.text("(");
        let before = self.comments.gap(open + 1, inner.span.start as usize);
        if let Some(comment) = before.trailing {
            self.suffix(comment);
        }
        self.doc.indent();
        self.doc.soft_line();
        for leading in &before.leading {
            self.comment(leading.comment);
            self.doc.hard_line();
        }
        self.expr(inner);
        let after = self.comments.gap(self.end(inner.span), close);
        if let Some(comment) = after.trailing {
            self.suffix(comment);
        }
        for leading in &after.leading {
            self.doc.line_start();
            self.comment(leading.comment);
        }
        self.doc.dedent();
        self.doc.soft_line();
        self.doc.text(")");
        self.doc.end_group(mark);
    }

    /// `a and b and c`: operators of one precedence are one chain that breaks before
    /// every operator, or not at all.
    fn binary(&mut self, expr: &'a Expr) {
        let ExprKind::Binary { op, .. } = &expr.kind else {
            return self.expr(expr);
        };
        let precedence = op.precedence();
        let mut rights = Vec::new();
        let mut current = expr;
        while let ExprKind::Binary { op, left, right } = &current.kind
            && op.precedence() == precedence
        {
            rights.push((*op, right.as_ref()));
            current = left;
        }
        let mark = self.doc.start_group(false);
        self.doc.indent();
        self.expr(current);
        let mut previous_end = self.end(current.span);
        for (op, right) in rights.into_iter().rev() {
            let gap = self.comments.gap(previous_end, right.span.start as usize);
            if let Some(comment) = gap.trailing {
                self.suffix(comment);
            }
            self.doc.line();
            for leading in &gap.leading {
                self.comment(leading.comment);
                self.doc.hard_line();
            }
            self.doc.text(op.as_str());
            self.doc.text(" ");
            self.expr(right);
            previous_end = self.end(right.span);
        }
        self.doc.dedent();
        self.doc.end_group(mark);
    }

    /// `a.b.c(x).d(y)`: member accesses stay together; with two or more calls the chain
    /// breaks before every call when it does not fit.
    fn chain(&mut self, expr: &'a Expr) {
        let mut links = Vec::new();
        let mut current = expr;
        while let ExprKind::Member { target, .. } | ExprKind::Call { target, .. } = &current.kind {
            links.push(current);
            current = target;
        }
        let breaks = calls(expr) >= 2;
        let mark = breaks.then(|| self.doc.start_group(false));
        self.expr(current);
        let mut previous_end = self.end(current.span);
        let mut in_units = false;
        for link in links.into_iter().rev() {
            let (name, args) = match &link.kind {
                ExprKind::Member { member, .. } => (member, None),
                ExprKind::Call { method, args, .. } => (method, Some(args)),
                _ => continue,
            };
            if breaks && args.is_some() {
                if !in_units {
                    self.doc.indent();
                    in_units = true;
                }
                let gap = self.comments.gap(previous_end, name.span.start as usize);
                if let Some(comment) = gap.trailing {
                    self.suffix(comment);
                }
                self.doc.soft_line();
                for leading in &gap.leading {
                    self.comment(leading.comment);
                    self.doc.hard_line();
                }
            } else {
                self.loose(name.span.start as usize);
            }
            self.doc.text(".");
            self.doc.text(name.name.as_str());
            if let Some(args) = args {
                let open = self.comments.next_token(name.span.end as usize);
                self.loose(open);
                let close = self.closing(link.span);
                self.delimited(("(", ")"), open, close, args, Printer::expr);
            }
            previous_end = self.end(link.span);
        }
        if in_units {
            self.doc.dedent();
        }
        if let Some(mark) = mark {
            self.doc.end_group(mark);
        }
    }
}

/// The number of method calls in the postfix chain `expr` ends.
fn calls(expr: &Expr) -> usize {
    let mut count = 0;
    let mut current = expr;
    loop {
        match &current.kind {
            ExprKind::Member { target, .. } => current = target,
            ExprKind::Call { target, .. } => {
                count += 1;
                current = target;
            }
            _ => return count,
        }
    }
}
