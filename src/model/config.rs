//! `charter.toml`: the workspace's settings, read with spans so that every mistake in it
//! is a `charter::config` finding at the key or value that is wrong.
//!
//! A bad entry is ignored (its default is used) and the rest of the file still counts;
//! only text that is not TOML at all is a [`ConfigSyntaxError`], which stops the command.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use toml_edit::{Item, TableLike};

use rust_decimal::Decimal;

use super::currency::{self, Rates};
use crate::diagnostic::{Severity, closest};

/// A rule's severity as `[rules]` sets it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleLevel {
    Error,
    Warning,
    Info,
    Off,
}

impl RuleLevel {
    /// The words `[rules]` accepts, in the order the help lists them.
    pub const NAMES: [&'static str; 4] = ["error", "warning", "info", "off"];

    /// The severity, or `None` for `off`.
    pub fn severity(self) -> Option<Severity> {
        match self {
            RuleLevel::Error => Some(Severity::Error),
            RuleLevel::Warning => Some(Severity::Warning),
            RuleLevel::Info => Some(Severity::Info),
            RuleLevel::Off => None,
        }
    }

    pub fn parse(text: &str) -> Option<RuleLevel> {
        match text {
            "error" => Some(RuleLevel::Error),
            "warning" => Some(RuleLevel::Warning),
            "info" => Some(RuleLevel::Info),
            "off" => Some(RuleLevel::Off),
            _ => None,
        }
    }
}

/// The settings of a workspace; [`Config::default`] when there is no `charter.toml`.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub check: CheckConfig,
    /// Per-rule (or built-in code) severity overrides.
    pub rules: BTreeMap<String, RuleLevel>,
    /// Where each name under `[rules]` is written, so that names no rule has can be
    /// reported once the workspace's rules are known.
    pub rule_names: Vec<(String, Range<usize>)>,
    /// `[money]`: the base currency and exchange rates.
    pub money: Rates,
    /// `[report]`: what `charter report` calls the dashboard.
    pub report: ReportConfig,
    /// The mistakes found in the text; each entry named here was ignored.
    pub problems: Vec<ConfigProblem>,
    /// The file itself, when it was read from the disk: its findings are shown in it.
    pub file: Option<ConfigFile>,
}

/// The `charter.toml` a [`Config`] was read from.
#[derive(Clone, Debug)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub text: Arc<str>,
}

/// `[report]`: the dashboard's `title` (default: the workspace directory's name) and an
/// optional `subtitle`.
#[derive(Clone, Debug, Default)]
pub struct ReportConfig {
    pub title: Option<String>,
    pub subtitle: Option<String>,
}

#[derive(Clone, Debug)]
pub struct CheckConfig {
    /// A fixed evaluation date, `YYYY-MM-DD`.
    pub today: Option<jiff::civil::Date>,
    pub deny_warnings: bool,
    pub std: bool,
}

impl Default for CheckConfig {
    fn default() -> CheckConfig {
        CheckConfig { today: None, deny_warnings: false, std: true }
    }
}

/// One mistake in `charter.toml`, at a byte range of its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigProblem {
    pub range: Range<usize>,
    /// Lowercase, no final period, user input in backticks.
    pub message: String,
    pub label: String,
    pub help: Option<String>,
    /// Text that replaces `range` to fix the mistake, when it is knowable.
    pub replacement: Option<String>,
}

/// `charter.toml` is not TOML: the parser's message and where it stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigSyntaxError {
    pub message: String,
    pub range: Option<Range<usize>>,
}

impl std::fmt::Display for ConfigSyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The sections `charter.toml` may hold.
const SECTIONS: [&str; 4] = ["check", "money", "report", "rules"];
/// The keys of `[report]`.
const REPORT_KEYS: [&str; 2] = ["title", "subtitle"];
/// The keys of `[money]`.
const MONEY_KEYS: [&str; 3] = ["base", "rates", "rates_as_of"];
/// The keys of `[check]`.
const CHECK_KEYS: [&str; 3] = ["today", "deny_warnings", "std"];
/// Words people write to switch a rule off, which all mean `off`.
const OFF_WORDS: [&str; 8] = ["allow", "ignore", "disable", "disabled", "none", "false", "no", "silent"];

impl Config {
    /// Parses `charter.toml` strictly: the first mistake, as a sentence for the user, is
    /// an error. The language server and tests use this; `charter check` reads the file
    /// with [`Config::read`] and reports every mistake.
    pub fn parse(text: &str) -> Result<Config, String> {
        let config = Config::read(text).map_err(|error| error.message)?;
        match config.problems.first() {
            Some(problem) => Err(match &problem.help {
                Some(help) => format!("{}; {help}", problem.message),
                None => problem.message.clone(),
            }),
            None => Ok(config),
        }
    }

    /// Reads `charter.toml`, collecting every mistake in [`Config::problems`]; only text
    /// that is not TOML is an error.
    pub fn read(text: &str) -> Result<Config, ConfigSyntaxError> {
        let document = toml_edit::ImDocument::parse(text).map_err(|error| ConfigSyntaxError {
            message: syntax_message(error.message()),
            range: error.span(),
        })?;
        let mut config = Config::default();
        let root = document.as_table();
        for (name, item) in root.iter() {
            let key = root.key(name).and_then(toml_edit::Key::span);
            let at = key.clone().or_else(|| item.span()).unwrap_or(0..0);
            match name {
                "check" | "rules" | "money" | "report" => match item.as_table_like() {
                    Some(table) if name == "check" => config.read_check(table),
                    Some(table) if name == "report" => config.read_report(table),
                    Some(table) if name == "money" => config.read_money(table, text, key.unwrap_or(at)),
                    Some(table) => config.read_rules(table),
                    None => config.problems.push(ConfigProblem {
                        range: item.span().unwrap_or(at),
                        message: format!("`{name}` must be a section, not {}", article(item.type_name())),
                        label: "expected a section".to_string(),
                        help: Some(format!("write the section header `[{name}]` and its keys below it")),
                        replacement: None,
                    }),
                },
                _ if CHECK_KEYS.contains(&name) => config.problems.push(ConfigProblem {
                    range: at,
                    message: format!("`{name}` belongs in the `[check]` section"),
                    label: "outside `[check]`".to_string(),
                    help: Some(format!("move `{name}` below the `[check]` header")),
                    replacement: None,
                }),
                _ => config.problems.push(unknown(name, at, "section", "", &SECTIONS)),
            }
        }
        Ok(config)
    }

    /// The level `[rules]` sets for a rule or built-in code, if any.
    pub fn level(&self, code: &str) -> Option<RuleLevel> {
        self.rules.get(code).copied()
    }

    fn read_check(&mut self, table: &dyn TableLike) {
        for (name, item) in table.iter() {
            let key = table.get_key_value(name).and_then(|(key, _)| key.span());
            let at = item.span().or_else(|| key.clone()).unwrap_or(0..0);
            match name {
                "today" => match date_value("today", item) {
                    Ok(date) => self.check.today = Some(date),
                    Err(problem) => self.problems.push(problem.at(at)),
                },
                "deny_warnings" | "std" => match boolean(name, item) {
                    Ok(value) if name == "std" => self.check.std = value,
                    Ok(value) => self.check.deny_warnings = value,
                    Err(problem) => self.problems.push(problem.at(at)),
                },
                _ => {
                    self.problems.push(unknown(name, key.unwrap_or(at), "key", " in `[check]`", &CHECK_KEYS))
                }
            }
        }
    }

    fn read_report(&mut self, table: &dyn TableLike) {
        for (name, item) in table.iter() {
            let key = table.get_key_value(name).and_then(|(key, _)| key.span());
            let at = item.span().or_else(|| key.clone()).unwrap_or(0..0);
            if !REPORT_KEYS.contains(&name) {
                self.problems.push(unknown(name, key.unwrap_or(at), "key", " in `[report]`", &REPORT_KEYS));
                continue;
            }
            match item.as_str().map(str::trim) {
                Some(text) if !text.is_empty() => {
                    let text = Some(text.to_string());
                    if name == "title" { self.report.title = text } else { self.report.subtitle = text }
                }
                found => self.problems.push(ConfigProblem {
                    range: at,
                    message: match found {
                        Some(_) => format!("`{name}` is empty"),
                        None => format!("`{name}` expects a string, not {}", article(item.type_name())),
                    },
                    label: "expected text in quotes".to_string(),
                    help: Some(format!(
                        "write `{name} = \"...\"`, for example `title = \"Portfolio review, Q4 2026\"`"
                    )),
                    replacement: None,
                }),
            }
        }
    }

    fn read_rules(&mut self, table: &dyn TableLike) {
        for (name, item) in table.iter() {
            let key = table.get_key_value(name).and_then(|(key, _)| key.span()).unwrap_or(0..0);
            let at = item.span().unwrap_or_else(|| key.clone());
            if name == "charter::syntax" {
                self.problems.push(ConfigProblem {
                    range: key,
                    message: "the severity of `charter::syntax` cannot be changed".to_string(),
                    label: "always an error".to_string(),
                    help: Some("remove this line: a file that does not parse cannot be checked".to_string()),
                    replacement: None,
                });
                continue;
            }
            match level(item) {
                Ok(level) => {
                    self.rules.insert(name.to_string(), level);
                    self.rule_names.push((name.to_string(), key));
                }
                Err(problem) => {
                    // The name is still checked: both a bad name and a bad level are shown.
                    self.rule_names.push((name.to_string(), key));
                    self.problems.push(problem.at(at));
                }
            }
        }
    }
}

impl Config {
    /// `[money]`: `base`, `rates` and `rates_as_of`. A rate is read from its source text,
    /// so that `1.08` is exactly 1.08, never the float nearest to it.
    fn read_money(&mut self, table: &dyn TableLike, text: &str, header: Range<usize>) {
        let mut rates_at: Option<Range<usize>> = None;
        // A `base` given but wrong has its own finding; the rates then wait for it.
        let base_given = table.contains_key("base");
        let mut rates: Vec<(String, Range<usize>, Range<usize>, &Item)> = Vec::new();
        for (name, item) in table.iter() {
            let key = table.get_key_value(name).and_then(|(key, _)| key.span());
            let at = item.span().or_else(|| key.clone()).unwrap_or(0..0);
            match name {
                "base" => match currency_code(item) {
                    Ok(code) => self.money.base = Some(Arc::from(code.as_str())),
                    Err(problem) => self.problems.push(problem.at(at)),
                },
                "rates_as_of" => match date_value("rates_as_of", item) {
                    Ok(date) => self.money.as_of = Some(date),
                    Err(problem) => self.problems.push(problem.at(at)),
                },
                "rates" => match item.as_table_like() {
                    Some(entries) => {
                        rates_at = Some(key.unwrap_or(at));
                        for (code, value) in entries.iter() {
                            let code_at = entries
                                .get_key_value(code)
                                .and_then(|(key, _)| key.span())
                                .or_else(|| value.span())
                                .unwrap_or(0..0);
                            let value_at = value.span().unwrap_or_else(|| code_at.clone());
                            rates.push((code.to_string(), code_at, value_at, value));
                        }
                    }
                    None => self.problems.push(ConfigProblem {
                        range: at,
                        message: format!("`rates` is a table of currencies, not {}", article(item.type_name())),
                        label: "expected a table".to_string(),
                        help: Some("write `rates = { EUR = 1.08, GBP = 1.27 }`: the value of one unit of each currency in the base currency".to_string()),
                        replacement: None,
                    }),
                },
                _ => self.problems.push(unknown(name, key.unwrap_or(at), "key", " in `[money]`", &MONEY_KEYS)),
            }
        }
        let base = self.money.base.clone();
        for (code, code_at, value_at, value) in rates {
            if !currency::is_known(&code) {
                self.problems.push(unknown_currency(&code, code_at, false));
                continue;
            }
            if base.as_deref() == Some(code.as_str()) {
                self.problems.push(ConfigProblem {
                    range: code_at,
                    message: format!("`{code}` is the base currency: it has no rate"),
                    label: "one unit of the base is worth 1".to_string(),
                    help: Some(
                        "remove this entry; `rates` gives the value of the other currencies in the base"
                            .to_string(),
                    ),
                    replacement: None,
                });
                continue;
            }
            let source = text.get(value_at.clone()).unwrap_or("");
            match rate(&code, value, source, base.as_deref()) {
                Ok(rate) => self.money.rates.push((Arc::from(code.as_str()), rate)),
                Err(problem) => self.problems.push(problem.at(value_at)),
            }
        }
        if base.is_none() {
            if base_given {
                // Its own finding says what is wrong with it.
            } else if let Some(at) = rates_at {
                self.problems.push(ConfigProblem {
                    range: at,
                    message: "`rates` needs a `base` currency".to_string(),
                    label: "rates in which currency?".to_string(),
                    help: Some("add `base = \"USD\"` (or the code of the currency the rates are given in) to `[money]`".to_string()),
                    replacement: None,
                });
            } else if self.money.as_of.is_some() {
                self.problems.push(ConfigProblem {
                    range: header,
                    message: "`[money]` needs a `base` currency".to_string(),
                    label: "no `base`".to_string(),
                    help: Some(
                        "add `base = \"USD\"` (the currency of totals and reports) to `[money]`".to_string(),
                    ),
                    replacement: None,
                });
            }
            self.money.rates.clear();
        }
    }
}

/// "unknown currency code `UDS`", suggesting the closest ISO 4217 code; `quoted` when
/// the code is written in quotes (the replacement keeps them).
fn unknown_currency(code: &str, range: Range<usize>, quoted: bool) -> ConfigProblem {
    let suggestion = currency::closest(code);
    ConfigProblem {
        range,
        message: format!("unknown currency code `{code}`"),
        label: "not an ISO 4217 code".to_string(),
        help: Some(match suggestion {
            Some(candidate) => format!("did you mean `{candidate}`?"),
            None => "write the three-letter ISO 4217 code of the currency, such as `USD`, `EUR` or `GBP`"
                .to_string(),
        }),
        replacement: suggestion
            .map(|candidate| if quoted { format!("\"{candidate}\"") } else { candidate.to_string() }),
    }
}

/// The value of `base`: a quoted ISO 4217 code.
fn currency_code(item: &Item) -> Result<String, Mistake> {
    let Some(code) = item.as_str() else {
        return Err(Mistake {
            message: format!("`base` is a currency code in quotes, not {}", article(item.type_name())),
            label: "expected a currency code".to_string(),
            help: Some("write `base = \"USD\"`".to_string()),
            replacement: None,
        });
    };
    if currency::is_known(code) {
        return Ok(code.to_string());
    }
    let problem = unknown_currency(code, 0..0, true);
    Err(Mistake {
        message: problem.message,
        label: problem.label,
        help: problem.help,
        replacement: problem.replacement,
    })
}

/// One rate, exactly as written: a TOML integer or float, or a string holding a decimal.
fn rate(code: &str, item: &Item, source: &str, base: Option<&str>) -> Result<Decimal, Mistake> {
    let per = match base {
        Some(base) => format!("the value of 1 {code} in {base}"),
        None => format!("the value of 1 {code} in the base currency"),
    };
    let written = if let Some(text) = item.as_str() {
        Some(text.trim().to_string())
    } else if item.as_integer().is_some() || item.as_float().is_some() {
        Some(source.trim().replace('_', ""))
    } else {
        None
    };
    let Some(written) = written else {
        return Err(Mistake {
            message: format!("the rate of `{code}` is a number, not {}", article(item.type_name())),
            label: "expected a number".to_string(),
            help: Some(format!("write `{code} = 1.08`: {per}")),
            replacement: None,
        });
    };
    let parsed = written
        .parse::<Decimal>()
        .ok()
        .or_else(|| Decimal::from_scientific(&written).ok())
        .or_else(|| written.strip_prefix('+').and_then(|rest| rest.parse::<Decimal>().ok()));
    match parsed {
        Some(value) if value > Decimal::ZERO => Ok(value),
        Some(_) => Err(Mistake {
            message: format!("the rate of `{code}` must be more than zero, not `{written}`"),
            label: "not a rate".to_string(),
            help: Some(format!("give {per}, such as `{code} = 1.08`")),
            replacement: None,
        }),
        None => Err(Mistake {
            message: format!("`{written}` is not a rate"),
            label: "expected an exact decimal".to_string(),
            help: Some(format!("give {per} as a decimal, such as `{code} = 1.08`")),
            replacement: None,
        }),
    }
}

/// A problem before its place is known.
struct Mistake {
    message: String,
    label: String,
    help: Option<String>,
    replacement: Option<String>,
}

impl Mistake {
    fn at(self, range: Range<usize>) -> ConfigProblem {
        ConfigProblem {
            range,
            message: self.message,
            label: self.label,
            help: self.help,
            replacement: self.replacement,
        }
    }
}

/// "unknown section `chek`" or "unknown key `todya` in `[check]`", suggesting the closest
/// known name.
fn unknown(name: &str, range: Range<usize>, what: &str, place: &str, known: &[&str]) -> ConfigProblem {
    let suggestion = closest(name, known.iter().copied());
    let help = match suggestion {
        Some(candidate) => format!("did you mean `{candidate}`?"),
        None => format!("`charter.toml` knows {}", listed(known)),
    };
    ConfigProblem {
        range,
        message: format!("unknown {what} `{name}`{place}"),
        label: format!("unknown {what}"),
        help: Some(help),
        replacement: suggestion.map(str::to_string),
    }
}

/// `` `a`, `b` or `c` ``.
pub fn listed(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// "an integer", "a string".
fn article(type_name: &str) -> String {
    let vowel = type_name.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {type_name}", if vowel { "an" } else { "a" })
}

/// The value of `today` or `rates_as_of`: a TOML local date (`2026-11-26`) or a string
/// holding one.
fn date_value(name: &str, item: &Item) -> Result<jiff::civil::Date, Mistake> {
    let example = format!("write it as `{name} = 2026-11-26` (a TOML date) or `{name} = \"2026-11-26\"`");
    let example = example.as_str();
    if let Some(datetime) = item.as_datetime() {
        return match (datetime.date, datetime.time, datetime.offset) {
            (Some(date), None, None) => {
                let year = i16::try_from(date.year).unwrap_or(i16::MAX);
                let month = i8::try_from(date.month).unwrap_or(i8::MAX);
                let day = i8::try_from(date.day).unwrap_or(i8::MAX);
                jiff::civil::Date::new(year, month, day).map_err(|_| Mistake {
                    message: format!("`{datetime}` is not a date"),
                    label: "no such day".to_string(),
                    help: Some(example.to_string()),
                    replacement: None,
                })
            }
            (Some(date), _, _) => Err(Mistake {
                message: format!("`{name}` is a date, not a date and time"),
                label: "a time is given".to_string(),
                help: Some(format!("write the date alone: `{date}`")),
                replacement: Some(date.to_string()),
            }),
            (None, _, _) => Err(Mistake {
                message: format!("`{name}` is a date, not a time"),
                label: "a time".to_string(),
                help: Some(example.to_string()),
                replacement: None,
            }),
        };
    }
    match item.as_str() {
        Some(text) => text.trim().parse::<jiff::civil::Date>().map_err(|_| Mistake {
            message: format!("`{text}` is not a date"),
            label: "expected YYYY-MM-DD".to_string(),
            help: Some(example.to_string()),
            replacement: None,
        }),
        None => Err(Mistake {
            message: format!("`{name}` expects a date, not {}", article(item.type_name())),
            label: "expected a date".to_string(),
            help: Some(example.to_string()),
            replacement: None,
        }),
    }
}

fn boolean(name: &str, item: &Item) -> Result<bool, Mistake> {
    if let Some(value) = item.as_bool() {
        return Ok(value);
    }
    let quoted = item.as_str().map(str::trim).filter(|text| *text == "true" || *text == "false");
    Err(Mistake {
        message: format!("`{name}` expects `true` or `false`, not {}", article(item.type_name())),
        label: "expected `true` or `false`".to_string(),
        help: Some(match quoted {
            Some(word) => format!("write `{word}` without quotes"),
            None => format!("write `{name} = true` or `{name} = false`"),
        }),
        replacement: quoted.map(str::to_string),
    })
}

fn level(item: &Item) -> Result<RuleLevel, Mistake> {
    let valid = listed(&RuleLevel::NAMES);
    let Some(text) = item.as_str() else {
        let off = item.as_bool() == Some(false);
        return Err(Mistake {
            message: format!("a rule's severity is a string, not {}", article(item.type_name())),
            label: "expected a severity".to_string(),
            help: Some(if off {
                "write `\"off\"` to switch the rule off".to_string()
            } else {
                format!("write one of {valid}, in quotes")
            }),
            replacement: off.then(|| "\"off\"".to_string()),
        });
    };
    if let Some(level) = RuleLevel::parse(text) {
        return Ok(level);
    }
    let lower = text.trim().to_lowercase();
    let suggestion = RuleLevel::parse(&lower)
        .map(|_| lower.as_str())
        .or_else(|| OFF_WORDS.contains(&lower.as_str()).then_some("off"))
        .or_else(|| closest(&lower, RuleLevel::NAMES))
        .or_else(|| lower.starts_with("warn").then_some("warning"));
    Err(Mistake {
        message: format!("unknown severity `{text}`"),
        label: "not a severity".to_string(),
        help: Some(match suggestion {
            Some(word) => format!("did you mean `{word}`?"),
            None => format!("a rule's severity is {valid}"),
        }),
        replacement: suggestion.map(|word| format!("\"{word}\"")),
    })
}

/// The parser's message as one lowercase line without a final period.
fn syntax_message(message: &str) -> String {
    let joined: Vec<&str> = message.lines().map(str::trim).filter(|line| !line.is_empty()).collect();
    let joined = joined.join("; ");
    let joined = joined.trim_end_matches('.');
    let mut characters = joined.chars();
    match characters.next() {
        Some(first) => first.to_lowercase().chain(characters).collect(),
        None => "not valid TOML".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_accepted_quoted_or_not() {
        let quoted = Config::parse("[check]\ntoday = \"2026-11-26\"\n").unwrap();
        let bare = Config::parse("[check]\ntoday = 2026-11-26\n").unwrap();
        assert_eq!(quoted.check.today, bare.check.today);
        assert!(bare.check.today.is_some());
    }

    #[test]
    fn a_bad_entry_is_ignored_and_the_rest_kept() {
        let config = Config::read(
            "[check]\ntoday = \"2026-13-01\"\nstd = false\n[rules]\na = \"warn\"\nb = \"off\"\n",
        )
        .unwrap();
        assert_eq!(config.problems.len(), 2);
        assert!(!config.check.std);
        assert_eq!(config.check.today, None);
        assert_eq!(config.level("b"), Some(RuleLevel::Off));
        assert_eq!(config.level("a"), None);
        assert_eq!(config.problems[1].help.as_deref(), Some("did you mean `warning`?"));
    }
}
