//! `charter.toml`: the workspace's settings.

use serde::Deserialize;
use std::collections::BTreeMap;

use crate::diagnostic::Severity;

/// A rule's severity as `[rules]` sets it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    Error,
    Warning,
    Info,
    Off,
}

impl RuleLevel {
    /// The severity, or `None` for `off`.
    pub fn severity(self) -> Option<Severity> {
        match self {
            RuleLevel::Error => Some(Severity::Error),
            RuleLevel::Warning => Some(Severity::Warning),
            RuleLevel::Info => Some(Severity::Info),
            RuleLevel::Off => None,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub check: CheckConfig,
    /// Per-rule (or built-in code) severity overrides.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleLevel>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    /// A fixed evaluation date, `YYYY-MM-DD`.
    pub today: Option<jiff::civil::Date>,
    #[serde(default)]
    pub deny_warnings: bool,
    #[serde(default = "yes")]
    pub std: bool,
}

impl Default for CheckConfig {
    fn default() -> CheckConfig {
        CheckConfig { today: None, deny_warnings: false, std: true }
    }
}

fn yes() -> bool {
    true
}

impl Config {
    /// Parses `charter.toml`; the error is a sentence for the user.
    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|error| error.to_string())
    }

    /// The level `[rules]` sets for a rule or built-in code, if any.
    pub fn level(&self, code: &str) -> Option<RuleLevel> {
        self.rules.get(code).copied()
    }
}
