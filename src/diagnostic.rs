//! The one presentation-neutral diagnostic type, and the built-in diagnostic codes.
//!
//! Every stage reports problems as [`Diagnostic`]s; the CLI renderers, the JSON and SARIF
//! writers and the language server all convert from it. Nothing here knows about
//! terminals or editors.

use crate::source::Span;
use serde::{Deserialize, Serialize};

/// How bad a finding is. Ordered from least to most severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The diagnostics Charter itself reports, as opposed to rule violations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum BuiltinCode {
    Syntax,
    UnknownReference,
    WrongKind,
    DuplicateId,
    UnknownField,
    DuplicateField,
    MissingField,
    TypeMismatch,
    Cycle,
    UseNotFound,
    RuleError,
    WaiverExpired,
    WaiverUnused,
    WaiverExpiring,
    Config,
    InvalidReading,
}

impl BuiltinCode {
    pub const ALL: [BuiltinCode; 16] = [
        BuiltinCode::Syntax,
        BuiltinCode::UnknownReference,
        BuiltinCode::WrongKind,
        BuiltinCode::DuplicateId,
        BuiltinCode::UnknownField,
        BuiltinCode::DuplicateField,
        BuiltinCode::MissingField,
        BuiltinCode::TypeMismatch,
        BuiltinCode::Cycle,
        BuiltinCode::UseNotFound,
        BuiltinCode::RuleError,
        BuiltinCode::WaiverExpired,
        BuiltinCode::WaiverUnused,
        BuiltinCode::WaiverExpiring,
        BuiltinCode::Config,
        BuiltinCode::InvalidReading,
    ];

    /// The stable name, as users write it in `charter.toml`, tests and waivers.
    pub fn as_str(self) -> &'static str {
        match self {
            BuiltinCode::Syntax => "charter::syntax",
            BuiltinCode::UnknownReference => "charter::unknown_reference",
            BuiltinCode::WrongKind => "charter::wrong_kind",
            BuiltinCode::DuplicateId => "charter::duplicate_id",
            BuiltinCode::UnknownField => "charter::unknown_field",
            BuiltinCode::DuplicateField => "charter::duplicate_field",
            BuiltinCode::MissingField => "charter::missing_field",
            BuiltinCode::TypeMismatch => "charter::type_mismatch",
            BuiltinCode::Cycle => "charter::cycle",
            BuiltinCode::UseNotFound => "charter::use_not_found",
            BuiltinCode::RuleError => "charter::rule_error",
            BuiltinCode::WaiverExpired => "charter::waiver_expired",
            BuiltinCode::WaiverUnused => "charter::waiver_unused",
            BuiltinCode::WaiverExpiring => "charter::waiver_expiring",
            BuiltinCode::Config => "charter::config",
            BuiltinCode::InvalidReading => "charter::invalid_reading",
        }
    }

    pub fn parse(text: &str) -> Option<BuiltinCode> {
        BuiltinCode::ALL.into_iter().find(|code| code.as_str() == text)
    }

    /// The severity a finding of this code has unless `charter.toml` overrides it.
    pub fn default_severity(self) -> Severity {
        match self {
            BuiltinCode::UnknownField | BuiltinCode::WaiverUnused => Severity::Warning,
            BuiltinCode::WaiverExpiring => Severity::Info,
            _ => Severity::Error,
        }
    }

    /// What the code means, as `charter explain CODE` prints it.
    pub fn explanation(self) -> &'static str {
        match self {
            BuiltinCode::Syntax => {
                "A declaration does not parse. Parsing resumes at the next top-level declaration (a line that starts in column 0), so the rest of the file and the other files are still checked. A broken declaration whose kind and id parsed still declares its id, so references to it do not cascade into unknown_reference findings."
            }
            BuiltinCode::UnknownReference => {
                "A reference names no entity, or an entity names an unknown kind. The help suggests the closest id of the kind the field expects."
            }
            BuiltinCode::WrongKind => {
                "A reference names an entity of the wrong kind, for example a person in a project's `supports` list, which expects objectives."
            }
            BuiltinCode::DuplicateId => {
                "Two declarations share an id. Top-level ids are unique across all kinds; nested ids are unique within their parent; rules and tests share a namespace with the std rules. Both spans are shown."
            }
            BuiltinCode::UnknownField => {
                "A field the schema lacks for this kind of entity. Declare it with `extend KIND { field: TYPE }` if your organization needs it; the help suggests the closest known field."
            }
            BuiltinCode::DuplicateField => "A field given twice in one entity. Only the first value is kept.",
            BuiltinCode::MissingField => {
                "A required field is absent: `reason`, `approved_by` and `expires` of a waiver, or a field an `extend` block marks `required`."
            }
            BuiltinCode::TypeMismatch => {
                "A value of the wrong type for its field: a string where a date is expected, an enum value the field does not allow (the help lists the valid ones), an impossible date such as 2026-02-30, or money whose currency is no ISO 4217 code (`1.2M UDS`: did you mean `USD`?). Also a value out of range: a number beyond 28 significant digits (±79,228,162,514,264,337,593,543,950,335), or a computed field (`progress`, `on_track`, `roi`) whose arithmetic leaves that range; the labels show the values it combines."
            }
            BuiltinCode::Cycle => {
                "A `parent` or `depends_on` chain that comes back to where it started. One finding per cycle; every member is labelled."
            }
            BuiltinCode::UseNotFound => {
                "A `use` names a file that does not exist, an absolute path, or something Charter does not read: a directory, FIFO, device or socket, a file whose name does not end in `.charter` (`.env`, `/proc/self/environ`), a symbolic link to such a file, a file larger than 8 MiB, or a file that is not UTF-8. `use` paths are relative to the importing file. The finding names the path and never quotes what the file holds."
            }
            BuiltinCode::RuleError => {
                "A rule fails its type check (unknown field, unknown enum value, wrong operand types, unknown method, wrong number of arguments) or fails while evaluating (money of two currencies mixed without a `[money]` rate in `charter.toml` for one of them: the message names the subject and the rate to add; arithmetic beyond the range of numbers, or the rule exceeded its evaluation budget of 10,000,000 steps or 64 MiB of memory on one subject). The other rules still run."
            }
            BuiltinCode::WaiverExpired => {
                "A waiver's `expires` date has passed. It no longer suppresses anything, and the violations it waived are reported again."
            }
            BuiltinCode::WaiverUnused => {
                "An unexpired waiver lists an entity for which its rule reports nothing. Remove the entry, or the waiver."
            }
            BuiltinCode::WaiverExpiring => {
                "A waiver expires within 30 days. Renew it with a fresh approval, or fix what it waives."
            }
            BuiltinCode::InvalidReading => {
                "A reading in a metric's `history` that cannot be one of its earlier readings: it is dated on or after `actual` (which is the latest reading), or on the same date as another reading. `history` is then present but invalid, and so are `readings` and `trend`, which are built from it; the rules that read them skip the metric. Make the latest reading the `actual`, move the previous one into `history`, and keep one reading per date."
            }
            BuiltinCode::Config => {
                "A mistake in `charter.toml`, shown at its key or value: an unknown section or key (the help suggests the closest one: `[check]` holds `today`, `deny_warnings` and `std`; `[rules]` maps rule names and built-in codes to severities; `[money]` holds `base`, `rates` and `rates_as_of`; `[report]` holds `title` and `subtitle`), a currency in `[money]` that is no ISO 4217 code, a rate that is zero, negative or not a number, a rate for the base currency itself, `rates` without a `base`, a name under `[rules]` that is no rule of the workspace, of std or built-in code, a severity other than `error`, `warning`, `info` or `off` (`\"warn\"`: did you mean `warning`?), an impossible date (`today = \"2026-13-01\"`; both `today = 2026-11-26` and `today = \"2026-11-26\"` are dates), or a value of the wrong type (`std = \"false\"`). The entry is ignored, its default is used, and the check goes on. Only a file that is not TOML at all stops the command (exit status 2), with the position where parsing stopped."
            }
        }
    }
}

impl std::fmt::Display for BuiltinCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A diagnostic code: a built-in one or the name of the rule that was violated.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Code {
    Builtin(BuiltinCode),
    Rule(String),
}

impl Code {
    pub fn as_str(&self) -> &str {
        match self {
            Code::Builtin(code) => code.as_str(),
            Code::Rule(name) => name,
        }
    }

    /// The rule name, for a rule violation.
    pub fn rule(&self) -> Option<&str> {
        match self {
            Code::Builtin(_) => None,
            Code::Rule(name) => Some(name),
        }
    }
}

impl From<BuiltinCode> for Code {
    fn from(code: BuiltinCode) -> Code {
        Code::Builtin(code)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A span with an optional message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub span: Span,
    pub message: Option<String>,
}

impl Label {
    pub fn new(span: Span, message: impl Into<String>) -> Label {
        Label { span, message: Some(message.into()) }
    }

    pub fn bare(span: Span) -> Label {
        Label { span, message: None }
    }
}

/// One finding: a built-in problem or a rule violation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// Lowercase, no final period, user input in backticks.
    pub message: String,
    pub primary: Label,
    /// Further places that explain the finding (the other duplicate, the rule's `require`).
    pub secondary: Vec<Label>,
    pub help: Option<String>,
    /// The id of the entity the finding is about, when there is one.
    pub entity: Option<String>,
    /// A link to the rule's documentation (`url:` in the rule).
    pub url: Option<String>,
    /// A machine-applicable fix, when one is knowable.
    pub fix: Option<Fix>,
}

/// Replace `span` with `replacement`, as an editor's quick fix or `--fix` would.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

impl Diagnostic {
    /// A built-in finding with its default severity.
    pub fn builtin(code: BuiltinCode, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code: Code::Builtin(code),
            severity: code.default_severity(),
            message: message.into(),
            primary: Label::bare(span),
            secondary: Vec::new(),
            help: None,
            entity: None,
            url: None,
            fix: None,
        }
    }

    pub fn with_label(mut self, message: impl Into<String>) -> Diagnostic {
        self.primary.message = Some(message.into());
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label::new(span, message));
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_entity(mut self, entity: impl Into<String>) -> Diagnostic {
        self.entity = Some(entity.into());
        self
    }

    pub fn with_fix(
        mut self,
        title: impl Into<String>,
        span: Span,
        replacement: impl Into<String>,
    ) -> Diagnostic {
        self.fix =
            Some(Fix { title: title.into(), edits: vec![Edit { span, replacement: replacement.into() }] });
        self
    }

    pub fn span(&self) -> Span {
        self.primary.span
    }

    /// The builtin code, when this is not a rule violation.
    pub fn builtin_code(&self) -> Option<BuiltinCode> {
        match self.code {
            Code::Builtin(code) => Some(code),
            Code::Rule(_) => None,
        }
    }
}

/// Words and candidates longer than this many characters are never compared: typos are
/// suggested for names people type, and comparing two strings costs the product of their
/// lengths (two 40,000-character ids took seconds).
pub const SUGGESTION_MAX_LENGTH: usize = 64;

/// At most this many candidates are compared per lookup, so that a file with thousands of
/// unknown names against thousands of ids stays fast; a realistic portfolio has fewer
/// ids of one kind within the length window a typo allows.
pub const SUGGESTION_MAX_CANDIDATES: usize = 10_000;

/// The closest candidate to `word` by edit distance, if it is close enough to be a
/// plausible typo.
///
/// A candidate is plausible when its Jaro-Winkler similarity is at least 0.8 or its
/// Levenshtein distance is at most a third of the word's length (at least 1). Candidates
/// whose length differs by more than that distance are skipped without being compared,
/// and so are words and candidates longer than [`SUGGESTION_MAX_LENGTH`]; at most
/// [`SUGGESTION_MAX_CANDIDATES`] candidates are compared. The most similar by
/// Jaro-Winkler wins; the first of equals.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let length = word.chars().count();
    if length > SUGGESTION_MAX_LENGTH {
        return None;
    }
    let allowed = allowed_distance(length);
    let shortest = length.saturating_sub(allowed);
    let longest = (length + allowed).min(SUGGESTION_MAX_LENGTH);
    let mut best: Option<(f64, &str)> = None;
    let mut compared = 0usize;
    for candidate in candidates {
        // A character takes one to four bytes: the byte length bounds the character count
        // from both sides without counting.
        let bytes = candidate.len();
        if bytes < shortest || bytes > longest.saturating_mul(4) {
            continue;
        }
        let candidate_length = candidate.chars().count();
        if candidate_length < shortest || candidate_length > longest {
            continue;
        }
        if compared == SUGGESTION_MAX_CANDIDATES {
            break;
        }
        compared += 1;
        let score = jaro_winkler(word, candidate);
        if best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, candidate));
        }
    }
    let (score, candidate) = best?;
    let plausible = score >= 0.8 || within_distance(word, candidate, allowed);
    plausible.then_some(candidate)
}

/// Jaro-Winkler similarity, exactly as `strsim::jaro_winkler` computes it (the same
/// matches and transpositions, the same arithmetic), several times faster for the words
/// suggestions compare: ASCII of at most 64 bytes, where a byte is a character and the
/// flags of matched characters fit in one word each instead of a heap allocation. Other
/// words go to `strsim`.
fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !a.is_ascii() || !b.is_ascii() || x.len() > 64 || y.len() > 64 {
        return strsim::jaro_winkler(a, b);
    }
    let (x_length, y_length) = (x.len(), y.len());
    let similarity = if x_length == 0 && y_length == 0 {
        1.0
    } else if x_length == 0 || y_length == 0 {
        0.0
    } else {
        let range = (x_length.max(y_length) / 2).saturating_sub(1);
        let (mut x_flags, mut y_flags) = (0u64, 0u64);
        let mut matches = 0usize;
        for (i, left) in x.iter().enumerate() {
            let end = y_length.min(i + range + 1);
            for j in i.saturating_sub(range)..end {
                if y_flags & (1 << j) == 0 && y.get(j) == Some(left) {
                    x_flags |= 1 << i;
                    y_flags |= 1 << j;
                    matches += 1;
                    break;
                }
            }
        }
        if matches == 0 {
            0.0
        } else {
            let mut transpositions = 0usize;
            let mut matched_y = (0..y_length).filter(|j| y_flags & (1 << j) != 0);
            for (i, left) in x.iter().enumerate() {
                if x_flags & (1 << i) != 0
                    && let Some(j) = matched_y.next()
                    && y.get(j) != Some(left)
                {
                    transpositions += 1;
                }
            }
            transpositions /= 2;
            ((matches as f64 / x_length as f64)
                + (matches as f64 / y_length as f64)
                + ((matches - transpositions) as f64 / matches as f64))
                / 3.0
        }
    };
    if similarity > 0.7 {
        let prefix = x.iter().take(4).zip(y).take_while(|(left, right)| left == right).count();
        similarity + 0.1 * prefix as f64 * (1.0 - similarity)
    } else {
        similarity
    }
}

/// The edit distance a word of `length` characters may be from a plausible suggestion.
fn allowed_distance(length: usize) -> usize {
    length.max(3) / 3
}

/// Whether the Levenshtein distance of `a` and `b` is at most `bound`: one row of the
/// distance matrix at a time, giving up as soon as a whole row exceeds the bound.
fn within_distance(a: &str, b: &str, bound: usize) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > bound {
        return false;
    }
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current: Vec<usize> = vec![0; b.len() + 1];
    for (row, left) in a.iter().enumerate() {
        let mut smallest = row + 1;
        if let Some(first) = current.first_mut() {
            *first = row + 1;
        }
        for (column, right) in b.iter().enumerate() {
            let substitute =
                previous.get(column).map_or(usize::MAX, |cost| cost + usize::from(left != right));
            let delete = previous.get(column + 1).map_or(usize::MAX, |cost| cost + 1);
            let insert = current.get(column).map_or(usize::MAX, |cost| cost + 1);
            let cost = substitute.min(delete).min(insert);
            if let Some(cell) = current.get_mut(column + 1) {
                *cell = cost;
            }
            smallest = smallest.min(cost);
        }
        if smallest > bound {
            return false;
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous.last().is_some_and(|distance| *distance <= bound)
}

/// `did you mean `x`?`, when a close candidate exists.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(word, candidates).map(|candidate| format!("did you mean `{candidate}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_typos_and_ignores_strangers() {
        let ids = ["checkout_revamp", "cloud_migration", "erp_phase_out"];
        assert_eq!(closest("checkout_revmap", ids), Some("checkout_revamp"));
        assert_eq!(closest("zzz", ids), None);
    }

    #[test]
    fn bounded_distance_agrees_with_levenshtein() {
        let words =
            ["", "a", "kitten", "sitting", "checkout_revamp", "checkout_revmap", "ünïcödé", "unicode"];
        for a in words {
            for b in words {
                let distance = strsim::levenshtein(a, b);
                for bound in 0..8 {
                    assert_eq!(within_distance(a, b, bound), distance <= bound, "{a} {b} {bound}");
                }
            }
        }
    }

    proptest::proptest! {
        /// The fast Jaro-Winkler gives exactly `strsim`'s score, bit for bit, on ASCII
        /// words (its own path) and on others (which it hands to `strsim`).
        #[test]
        fn jaro_winkler_is_strsims(a in "[a-e_.]{0,70}", b in "[a-e_.]{0,70}", c in "[aé]{0,6}") {
            for (left, right) in [(&a, &b), (&b, &a), (&a, &a), (&a, &c), (&c, &b)] {
                proptest::prop_assert_eq!(
                    jaro_winkler(left, right).to_bits(),
                    strsim::jaro_winkler(left, right).to_bits(),
                    "{} {}", left, right
                );
            }
        }
    }

    #[test]
    fn jaro_winkler_agrees_on_ids() {
        let ids =
            ["project_0", "project_0_renamed", "project_10", "checkout_revamp", "checkout_revmap", "", "a"];
        for a in ids {
            for b in ids {
                assert_eq!(jaro_winkler(a, b).to_bits(), strsim::jaro_winkler(a, b).to_bits(), "{a} {b}");
            }
        }
    }

    #[test]
    fn closest_skips_long_words_and_far_lengths() {
        let long = "a".repeat(SUGGESTION_MAX_LENGTH + 1);
        let near = format!("{}b", "a".repeat(SUGGESTION_MAX_LENGTH));
        assert_eq!(closest(&long, [near.as_str()]), None);
        assert_eq!(closest("budget", ["budget_total_in_usd"]), None);
        assert_eq!(closest("budgte", ["budget_total_in_usd", "budget"]), Some("budget"));
    }

    #[test]
    fn every_builtin_code_round_trips() {
        for code in BuiltinCode::ALL {
            assert_eq!(BuiltinCode::parse(code.as_str()), Some(code));
        }
    }
}
