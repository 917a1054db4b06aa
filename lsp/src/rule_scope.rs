//! Just enough typing of rule expressions for editor features: which kind of entity a
//! variable or member chain holds, so hover can explain `p.sponsor`, go to definition can
//! find an extended field and completion can list the fields after `p.`.
//!
//! The rule checker in `src/rules/` is the authority on types; this is a lenient view that
//! never reports anything and answers `Unknown` when unsure.

use charter::model::schema::{Schema, Type};
use charter::syntax::ast;

/// What an expression holds, as far as the editor needs to know.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    Entity(String),
    List(Box<Ty>),
    Value(Type),
    Unknown,
}

impl Ty {
    fn from_type(ty: &Type) -> Ty {
        match ty {
            Type::Ref(kind) => Ty::Entity(kind.to_string()),
            Type::List(item) => Ty::List(Box::new(Ty::from_type(item))),
            other => Ty::Value(other.clone()),
        }
    }

    /// The items of a list, or the value itself.
    pub fn element(&self) -> Ty {
        match self {
            Ty::List(item) => (**item).clone(),
            other => other.clone(),
        }
    }

    /// The kind of entity the expression holds (or whose list it holds).
    pub fn kind(&self) -> Option<&str> {
        match self {
            Ty::Entity(kind) => Some(kind),
            Ty::List(item) => item.kind(),
            _ => None,
        }
    }
}

/// The global names of rule expressions and what they hold.
pub const GLOBALS: [(&str, &str); 9] = [
    ("projects", "project"),
    ("objectives", "objective"),
    ("metrics", "metric"),
    ("people", "person"),
    ("teams", "team"),
    ("milestones", "milestone"),
    ("risks", "risk"),
    ("changes", "change"),
    ("waivers", "waiver"),
];

/// Methods of collections and strings, with a one-line signature and meaning.
pub const METHODS: [(&str, &str, &str); 18] = [
    ("all", "all(x, pred)", "whether `pred` holds for every item"),
    ("any", "any(x, pred)", "whether `pred` holds for some item"),
    ("filter", "filter(x, pred)", "the items for which `pred` holds"),
    ("map", "map(x, expr)", "`expr` for every item"),
    ("count", "count() / count(x, pred)", "the number of items (for which `pred` holds)"),
    ("sum", "sum()", "the sum of the items, skipping `none`; `0` when empty"),
    ("min", "min()", "the smallest item; `none` when empty"),
    ("max", "max()", "the largest item; `none` when empty"),
    ("avg", "avg()", "the average of the items; `none` when empty"),
    ("is_empty", "is_empty()", "whether the list is empty"),
    ("contains", "contains(v)", "whether the list holds `v` (strings: whether it contains the text)"),
    ("len", "len()", "the length of a string"),
    ("starts_with", "starts_with(s)", "whether the string starts with `s`"),
    ("ends_with", "ends_with(s)", "whether the string ends with `s`"),
    ("matches", "matches(\"regex\")", "whether the string matches the regular expression"),
    ("plural", "plural(\"word\")", "the number and the word agreeing with it: `1 team`, `2 teams`"),
    ("value", ".value", "a measurement's value"),
    ("date", ".date", "a measurement's date"),
];

/// The type of a global name.
pub fn global(name: &str) -> Option<Ty> {
    if name == "today" {
        return Some(Ty::Value(Type::Date));
    }
    GLOBALS
        .iter()
        .find(|(global, _)| *global == name)
        .map(|(_, kind)| Ty::List(Box::new(Ty::Entity((*kind).to_string()))))
}

/// The type of `target.name`: field access maps over lists, flattening one level.
pub fn member(schema: &Schema, target: &Ty, name: &str) -> Ty {
    match target {
        Ty::Entity(kind) => schema.field(kind, name).map_or(Ty::Unknown, |field| Ty::from_type(&field.ty)),
        Ty::List(item) => match member(schema, item, name) {
            Ty::Unknown => Ty::Unknown,
            Ty::List(inner) => Ty::List(inner),
            other => Ty::List(Box::new(other)),
        },
        Ty::Value(Type::Measurement) => match name {
            "date" => Ty::Value(Type::Date),
            _ => Ty::Unknown,
        },
        _ => Ty::Unknown,
    }
}

/// The type of `target.method(...)`.
pub fn call(target: &Ty, method: &str) -> Ty {
    match method {
        "filter" => target.clone(),
        "all" | "any" | "is_empty" | "contains" | "starts_with" | "ends_with" | "matches" => {
            Ty::Value(Type::Bool)
        }
        "count" | "len" => Ty::Value(Type::Number),
        "plural" => Ty::Value(Type::String),
        "sum" | "min" | "max" | "avg" => target.element(),
        _ => Ty::Unknown,
    }
}

/// Variables in scope, innermost last.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub vars: Vec<(String, Ty)>,
}

impl Scope {
    /// The scope at the start of a rule: its subject variable.
    pub fn of_rule(rule: &ast::Rule) -> Scope {
        let mut scope = Scope::default();
        if let Some(ast::Subject::Kind { kind, var, .. }) = &rule.subject {
            scope.vars.push((var.name.to_string(), Ty::Entity(kind.name.to_string())));
        }
        scope
    }

    pub fn lookup(&self, name: &str) -> Ty {
        self.vars
            .iter()
            .rev()
            .find(|(var, _)| var == name)
            .map(|(_, ty)| ty.clone())
            .or_else(|| global(name))
            .unwrap_or(Ty::Unknown)
    }
}

/// What [`visit`] reports for each name, member and method of an expression.
pub enum Event<'a> {
    Name {
        ident: &'a ast::Ident,
        ty: Ty,
    },
    Member {
        target: Ty,
        member: &'a ast::Ident,
        ty: Ty,
    },
    Method {
        target: Ty,
        method: &'a ast::Ident,
    },
    /// A variable introduced by `all any filter map count`.
    Binding {
        ident: &'a ast::Ident,
        ty: Ty,
    },
}

/// Walks an expression in source order, typing as it goes, and returns its type.
pub fn visit<'a>(
    schema: &Schema,
    expr: &'a ast::Expr,
    scope: &mut Scope,
    on: &mut dyn FnMut(Event<'a>),
) -> Ty {
    use ast::ExprKind as E;
    match &expr.kind {
        E::Literal(_) => Ty::Unknown,
        E::Name(ident) => {
            let ty = scope.lookup(&ident.name);
            on(Event::Name { ident, ty: ty.clone() });
            ty
        }
        E::List(items) => {
            let mut item_ty = Ty::Unknown;
            for item in items {
                item_ty = visit(schema, item, scope, on);
            }
            Ty::List(Box::new(item_ty))
        }
        E::Member { target, member: name } => {
            let target_ty = visit(schema, target, scope, on);
            let ty = member(schema, &target_ty, &name.name);
            on(Event::Member { target: target_ty, member: name, ty: ty.clone() });
            ty
        }
        E::Call { target, method, args } => {
            let target_ty = visit(schema, target, scope, on);
            on(Event::Method { target: target_ty.clone(), method });
            let binds = matches!(method.name.as_str(), "all" | "any" | "filter" | "map" | "count");
            let mut arguments = args.iter();
            let mut bound = false;
            if binds
                && args.len() == 2
                && let Some(ast::Expr { kind: E::Name(ident), .. }) = arguments.next()
            {
                let ty = target_ty.element();
                on(Event::Binding { ident, ty: ty.clone() });
                scope.vars.push((ident.name.to_string(), ty));
                bound = true;
            }
            let mut last = Ty::Unknown;
            for argument in arguments {
                last = visit(schema, argument, scope, on);
            }
            if bound {
                scope.vars.pop();
            }
            match method.name.as_str() {
                "map" => Ty::List(Box::new(last)),
                name => call(&target_ty, name),
            }
        }
        E::Unary { operand, .. } => visit(schema, operand, scope, on),
        E::Binary { left, right, .. } => {
            visit(schema, left, scope, on);
            visit(schema, right, scope, on);
            Ty::Unknown
        }
        E::Paren(inner) => visit(schema, inner, scope, on),
    }
}

/// Walks every expression of a rule in source order: the `where` filter, the `let`s
/// (which join the scope) and the `require`s.
pub fn visit_rule<'a>(schema: &Schema, rule: &'a ast::Rule, on: &mut dyn FnMut(Event<'a>)) {
    let mut scope = Scope::of_rule(rule);
    if let Some(ast::Subject::Kind { filter: Some(filter), .. }) = &rule.subject {
        visit(schema, filter, &mut scope, on);
    }
    for binding in &rule.lets {
        let ty = visit(schema, &binding.value, &mut scope, on);
        on(Event::Binding { ident: &binding.name, ty: ty.clone() });
        scope.vars.push((binding.name.name.to_string(), ty));
    }
    for require in &rule.requires {
        visit(schema, &require.condition, &mut scope, on);
    }
}
