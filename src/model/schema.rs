//! The schema: which kinds of entity exist, which fields each has and of which type.
//!
//! The built-in schema is LANGUAGE.md §3; `extend` blocks add fields to it. Computed fields
//! (reverse links, `roi`, `progress`, ...) are listed here too, so the rule checker, hover
//! and completion know them; the model computes their values.

use std::sync::Arc;

/// The type of a field or of a rule expression's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    String,
    Bool,
    Number,
    Percent,
    Money,
    Date,
    Duration,
    Measurement,
    /// A reference to an entity of the named kind; `"any"` accepts every kind.
    Ref(Arc<str>),
    List(Box<Type>),
    Enum(Arc<EnumType>),
    /// A rule name (a waiver's `rule:`).
    RuleName,
}

impl Type {
    /// How the type is written in `extend` blocks and shown on hover.
    pub fn describe(&self) -> String {
        match self {
            Type::String => "string".into(),
            Type::Bool => "bool".into(),
            Type::Number => "number".into(),
            Type::Percent => "percent".into(),
            Type::Money => "money".into(),
            Type::Date => "date".into(),
            Type::Duration => "duration".into(),
            Type::Measurement => "measurement".into(),
            Type::Ref(kind) => format!("ref {kind}"),
            Type::List(item) => format!("[{}]", item.describe()),
            Type::Enum(enumeration) => format!("enum [{}]", enumeration.values.join(", ")),
            Type::RuleName => "rule name".into(),
        }
    }

    pub fn is_list(&self) -> bool {
        matches!(self, Type::List(_))
    }

    /// The type of a list's items, or the type itself.
    pub fn item(&self) -> &Type {
        match self {
            Type::List(item) => item,
            other => other,
        }
    }
}

/// An enumeration; values compare by their order here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumType {
    pub values: Vec<String>,
}

impl EnumType {
    pub fn new(values: &[&str]) -> Arc<EnumType> {
        Arc::new(EnumType { values: values.iter().map(|value| (*value).to_string()).collect() })
    }

    pub fn index_of(&self, value: &str) -> Option<usize> {
        self.values.iter().position(|candidate| candidate == value)
    }
}

/// One field of a kind.
#[derive(Clone, Debug)]
pub struct FieldDef {
    pub name: String,
    pub ty: Type,
    pub required: bool,
    /// The value assumed when the field is absent (an enum value's name, `false`).
    pub default: Option<&'static str>,
    /// Computed fields are read-only: the model derives them.
    pub computed: bool,
    pub doc: String,
    /// Where an `extend` declared the field; `None` for built-in fields.
    pub declared_at: Option<crate::source::Span>,
}

/// One kind of entity.
#[derive(Clone, Debug)]
pub struct KindDef {
    pub name: String,
    /// For nested kinds (`milestone`, `risk`, `change`): the kind they live in.
    pub nested_in: Option<String>,
    pub doc: String,
    pub fields: Vec<FieldDef>,
}

impl KindDef {
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|field| field.name == name)
    }

    /// Fields a user writes (not computed).
    pub fn writable(&self) -> impl Iterator<Item = &FieldDef> {
        self.fields.iter().filter(|field| !field.computed)
    }
}

/// Every kind, built-in and extended.
#[derive(Clone, Debug)]
pub struct Schema {
    pub kinds: Vec<KindDef>,
}

/// The values of a metric's computed `trend`, in their order.
pub const TREND: [&str; 3] = ["improving", "worsening", "flat"];

/// The kinds of the portfolio, for iteration in a stable order.
pub const KINDS: [&str; 9] =
    ["person", "team", "objective", "metric", "project", "milestone", "risk", "change", "waiver"];

impl Schema {
    pub fn kind(&self, name: &str) -> Option<&KindDef> {
        self.kinds.iter().find(|kind| kind.name == name)
    }

    pub fn kind_mut(&mut self, name: &str) -> Option<&mut KindDef> {
        self.kinds.iter_mut().find(|kind| kind.name == name)
    }

    pub fn field(&self, kind: &str, field: &str) -> Option<&FieldDef> {
        self.kind(kind)?.field(field)
    }

    pub fn kind_names(&self) -> impl Iterator<Item = &str> {
        self.kinds.iter().map(|kind| kind.name.as_str())
    }

    /// The built-in schema of LANGUAGE.md §3.
    pub fn builtin() -> Schema {
        let level = EnumType::new(&["low", "medium", "high", "critical"]);
        let mut kinds = vec![
            KindDef {
                name: "person".into(),
                nested_in: None,
                doc: "A person: sponsors, managers, owners, approvers.".into(),
                fields: vec![
                    field("title", Type::String, "The person's name."),
                    field("role", Type::String, "Job title, such as `CFO`."),
                    field("email", Type::String, "Contact address."),
                    field(
                        "executive",
                        Type::Bool,
                        "Whether the person may sponsor projects as an executive.",
                    )
                    .default("false"),
                    field("team", reference("team"), "The team the person belongs to."),
                ],
            },
            KindDef {
                name: "team".into(),
                nested_in: None,
                doc: "A department, squad, committee or vendor that works on projects.".into(),
                fields: vec![
                    field("title", Type::String, "The team's name."),
                    field(
                        "kind",
                        Type::Enum(EnumType::new(&["department", "squad", "committee", "vendor"])),
                        "What sort of team it is.",
                    )
                    .default("department"),
                    field("lead", reference("person"), "Who leads the team."),
                    field("members", list(reference("person")), "The team's members."),
                ],
            },
            KindDef {
                name: "objective".into(),
                nested_in: None,
                doc: "A strategic objective that projects support and metrics measure.".into(),
                fields: vec![
                    field("title", Type::String, "The objective as leadership states it."),
                    field("description", Type::String, "Longer explanation."),
                    field("owner", reference("person"), "The executive accountable for the objective."),
                    field("parent", reference("objective"), "The broader objective this one refines."),
                    field("horizon", Type::Date, "When the objective should be achieved."),
                    field(
                        "status",
                        Type::Enum(EnumType::new(&["draft", "active", "achieved", "retired"])),
                        "Lifecycle: retired objectives should no longer be supported by live projects.",
                    )
                    .default("active"),
                    field("priority", Type::Enum(level.clone()), "Relative priority."),
                    field("allocation", Type::Percent, "Target share of the total portfolio budget."),
                    field(
                        "measured_by",
                        list(reference("metric")),
                        "The KPIs that measure progress toward the objective.",
                    ),
                ],
            },
            KindDef {
                name: "metric".into(),
                nested_in: None,
                doc: "A metric (KPI) with a baseline, a target and the latest actual value.".into(),
                fields: vec![
                    field("title", Type::String, "What is measured."),
                    field("description", Type::String, "How it is measured."),
                    field("unit", Type::String, "The unit of the values."),
                    field("source", Type::String, "Where the numbers come from."),
                    field("owner", reference("person"), "Who reports the metric."),
                    field(
                        "direction",
                        Type::Enum(EnumType::new(&["increase", "decrease", "maintain"])),
                        "Which way is better.",
                    ),
                    field("baseline", Type::Measurement, "The starting value and its date."),
                    field("target", Type::Measurement, "The value to reach and by when."),
                    field("actual", Type::Measurement, "The latest observed value and its date."),
                    field(
                        "history",
                        list(Type::Measurement),
                        "Earlier readings, each dated before `actual`; `actual` stays the latest.",
                    ),
                    field(
                        "cadence",
                        Type::Enum(EnumType::new(&["weekly", "monthly", "quarterly", "yearly"])),
                        "How often the metric is reported.",
                    ),
                ],
            },
            KindDef {
                name: "project".into(),
                nested_in: None,
                doc: "A project or programme of the portfolio.".into(),
                fields: vec![
                    field("title", Type::String, "The project's name."),
                    field("description", Type::String, "What the project delivers."),
                    field("sponsor", reference("person"), "The executive who champions the project."),
                    field("manager", reference("person"), "Who runs the project day to day."),
                    field("teams", list(reference("team")), "The teams that work on the project."),
                    field(
                        "status",
                        Type::Enum(EnumType::new(&[
                            "proposed",
                            "approved",
                            "active",
                            "on_hold",
                            "done",
                            "cancelled",
                        ])),
                        "Lifecycle status; a project is live unless done or cancelled.",
                    )
                    .default("proposed"),
                    field(
                        "methodology",
                        Type::Enum(EnumType::new(&["agile", "hybrid", "waterfall", "kanban"])),
                        "How the project is run.",
                    ),
                    field("start", Type::Date, "Planned or actual start."),
                    field("end", Type::Date, "Planned end."),
                    field("budget", Type::Money, "Approved budget."),
                    field("spent", Type::Money, "Spent so far."),
                    field("expected_benefit", Type::Money, "Projected benefit, for ROI."),
                    field("supports", list(reference("objective")), "The objectives the project furthers."),
                    field("kpis", list(reference("metric")), "The metrics that show the project's effect."),
                    field("depends_on", list(reference("project")), "Projects that must deliver first."),
                ],
            },
            KindDef {
                name: "milestone".into(),
                nested_in: Some("project".into()),
                doc: "A checkpoint of a project: a delivery, a steering review.".into(),
                fields: vec![
                    field("title", Type::String, "What is reached."),
                    field("date", Type::Date, "When."),
                    field(
                        "status",
                        Type::Enum(EnumType::new(&["planned", "done", "missed"])),
                        "Whether it was reached.",
                    )
                    .default("planned"),
                    field("reviews", list(reference("metric")), "The metrics reviewed at this checkpoint."),
                ],
            },
            KindDef {
                name: "risk".into(),
                nested_in: Some("project".into()),
                doc: "A risk to a project, with its assessment and mitigation.".into(),
                fields: vec![
                    field("title", Type::String, "The risk."),
                    field("mitigation", Type::String, "What reduces it."),
                    field("impact", Type::Enum(level.clone()), "How bad it would be."),
                    field("likelihood", Type::Enum(level), "How likely it is."),
                    field("owner", reference("person"), "Who watches it."),
                ],
            },
            KindDef {
                name: "change".into(),
                nested_in: Some("project".into()),
                doc: "A scope change of a project, with its rationale.".into(),
                fields: vec![
                    field("title", Type::String, "The change."),
                    field("rationale", Type::String, "Why the scope changed."),
                    field("date", Type::Date, "When it was decided."),
                ],
            },
            KindDef {
                name: "waiver".into(),
                nested_in: None,
                doc: "An approved, expiring exception to one rule.".into(),
                fields: vec![
                    field("title", Type::String, "A name for the waiver."),
                    field("rule", Type::RuleName, "The rule it suppresses."),
                    field(
                        "applies_to",
                        list(reference("any")),
                        "The entities it covers; none for a `for portfolio` rule.",
                    ),
                    field("reason", Type::String, "Why the exception is acceptable.").required(),
                    field("approved_by", reference("person"), "Who approved it.").required(),
                    field("expires", Type::Date, "The last day it applies.").required(),
                ],
            },
        ];
        add_computed(&mut kinds);
        Schema { kinds }
    }
}

fn add_computed(kinds: &mut [KindDef]) {
    for kind in kinds.iter_mut() {
        let mut fields = vec![
            computed("id", Type::String, "The full id (`parent.child` for nested entities)."),
            computed(
                "local_id",
                Type::String,
                "The id within the parent (`beta` for `checkout_revamp.beta`); the id itself for top-level entities.",
            ),
            computed("entity_kind", Type::String, "The kind's name."),
        ];
        fields.extend(match kind.name.as_str() {
            "project" => vec![
                computed("milestones", list(reference("milestone")), "The project's milestones."),
                computed("risks", list(reference("risk")), "The project's risks."),
                computed("changes", list(reference("change")), "The project's scope changes."),
                computed("dependents", list(reference("project")), "Projects whose `depends_on` names this one."),
                computed("duration", Type::Duration, "`end - start`, in days."),
                computed("roi", Type::Percent, "`(expected_benefit - budget) / budget`."),
            ],
            "objective" => vec![
                computed("projects", list(reference("project")), "Projects whose `supports` names this objective."),
                computed("children", list(reference("objective")), "Objectives whose `parent` is this one."),
            ],
            "metric" => vec![
                computed("objectives", list(reference("objective")), "Objectives whose `measured_by` names this metric."),
                computed("projects", list(reference("project")), "Projects whose `kpis` names this metric."),
                computed("progress", Type::Percent, "`(actual - baseline) / (target - baseline)`."),
                computed("on_track", Type::Bool, "Whether the actual value is on the straight line from baseline to target, or better; none when it cannot be told."),
                computed("readings", list(Type::Measurement), "`history` and `actual`, by date."),
                computed("last_measured", Type::Date, "The date of `actual`."),
                computed(
                    "trend",
                    Type::Enum(EnumType::new(&TREND)),
                    "`improving`, `worsening` or `flat`, from the last two readings and `direction` (`maintain`: nearer the target is improving); none with fewer than two readings or no direction.",
                ),
                computed("expected", Type::Measurement, "The value the straight line from baseline to target expects at the actual's date (after the target date: the target); none when `on_track` is none."),
                computed("reading_due", Type::Date, "When the next reading is due: the actual's date plus the cadence (weekly 7 days, monthly 31, quarterly 92, yearly 366)."),
            ],
            "person" => vec![
                computed("sponsored", list(reference("project")), "Projects the person sponsors."),
                computed("managed", list(reference("project")), "Projects the person manages."),
                computed("owned_objectives", list(reference("objective")), "Objectives the person owns."),
                computed("owned_metrics", list(reference("metric")), "Metrics the person owns."),
                computed("owned_risks", list(reference("risk")), "Risks the person owns."),
            ],
            "team" => vec![computed("projects", list(reference("project")), "Projects the team works on.")],
            "milestone" | "risk" | "change" => vec![computed("project", reference("project"), "The enclosing project.")],
            _ => Vec::new(),
        });
        kind.fields.extend(fields);
    }
}

fn field(name: &str, ty: Type, doc: &str) -> FieldDef {
    FieldDef {
        name: name.into(),
        ty,
        required: false,
        default: None,
        computed: false,
        doc: doc.into(),
        declared_at: None,
    }
}

fn computed(name: &str, ty: Type, doc: &str) -> FieldDef {
    FieldDef { computed: true, ..field(name, ty, doc) }
}

impl FieldDef {
    fn default(mut self, value: &'static str) -> FieldDef {
        self.default = Some(value);
        self
    }

    fn required(mut self) -> FieldDef {
        self.required = true;
        self
    }
}

fn reference(kind: &str) -> Type {
    Type::Ref(Arc::from(kind))
}

fn list(item: Type) -> Type {
    Type::List(Box::new(item))
}
