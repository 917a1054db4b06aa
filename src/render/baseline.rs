//! Finding fingerprints and baselines: how a large existing portfolio adopts Charter.
//!
//! `charter check --write-baseline FILE` records today's findings; `--baseline FILE`
//! reports (and fails on) only the findings that are not in it. Findings are matched by
//! [`fingerprints`], which are also SARIF's `partialFingerprints`, so GitHub code scanning
//! and the baseline agree on what "the same finding" means.
//!
//! A fingerprint must survive unrelated edits: lines inserted above a finding, the entity
//! moved to another file, a figure in the message updated. It is a hash of:
//!
//! - the code (`project_has_sponsor`, `charter::syntax`);
//! - for a finding about an entity: the entity's id, which is unique across the
//!   workspace, so the file and the position do not matter at all;
//! - for a finding about no entity (syntax errors, cycles, rule errors, `for portfolio`
//!   rules): the file name and the text under the primary label, whitespace collapsed;
//! - the message with every number replaced by `#`, so "spent 900,000 USD" and "spent
//!   950,000 USD" are one finding, while the names in a message still tell two findings
//!   apart (two unknown references of one entity);
//! - an occurrence number when several findings would otherwise share a fingerprint.
//!
//! Line and column numbers are never part of a fingerprint. When the wording of a
//! message changes (a new Charter version, a renamed entity in the message), a finding
//! still matches its baseline entry when it is the only one of its code on its entity on
//! both sides ([`Baseline::compare`]).

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use super::locate;
use crate::diagnostic::Diagnostic;
use crate::source::SourceMap;

/// The version of the baseline file format.
pub const BASELINE_VERSION: u32 = 1;

/// One fingerprint per diagnostic, in the same order.
pub fn fingerprints(sources: &SourceMap, diagnostics: &[Diagnostic]) -> Vec<String> {
    let mut seen: BTreeMap<u64, u32> = BTreeMap::new();
    diagnostics
        .iter()
        .map(|diagnostic| {
            let base = base_hash(sources, diagnostic);
            let occurrence = seen.entry(base).or_insert(0);
            let hash = if *occurrence == 0 {
                base
            } else {
                let mut hasher = Fnv::new();
                hasher.write(&base.to_le_bytes());
                hasher.write(&occurrence.to_le_bytes());
                hasher.finish()
            };
            *occurrence += 1;
            format!("{hash:016x}")
        })
        .collect()
}

fn base_hash(sources: &SourceMap, diagnostic: &Diagnostic) -> u64 {
    let mut hasher = Fnv::new();
    hasher.field(diagnostic.code.as_str());
    match &diagnostic.entity {
        Some(entity) => {
            hasher.field("entity");
            hasher.field(entity);
        }
        None => {
            let (file, _, _) = locate(sources, diagnostic.span());
            hasher.field("file");
            hasher.field(&file);
            hasher.field(&collapse_whitespace(sources.slice(diagnostic.span())));
        }
    }
    hasher.field(&without_numbers(&diagnostic.message));
    hasher.finish()
}

/// Replaces every number (digits with the `.`, `,`, `_` and `-` between them, so money,
/// percents and dates too) by `#`. Digits inside a word (`p2`, `q3_launch`) are part of
/// a name and stay.
pub fn without_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_word = false;
    while let Some(character) = chars.next() {
        if !character.is_ascii_digit() || in_word {
            out.push(character);
            in_word = character.is_alphanumeric() || character == '_';
            continue;
        }
        // Consume separators only when a digit follows them: "3, and" keeps its comma.
        loop {
            match chars.peek() {
                Some(next) if next.is_ascii_digit() => {
                    chars.next();
                }
                Some('.' | ',' | '_' | '-') => {
                    let mut lookahead = chars.clone();
                    lookahead.next();
                    if lookahead.peek().is_some_and(char::is_ascii_digit) {
                        chars.next();
                    } else {
                        break;
                    }
                }
                _ => break,
            }
        }
        out.push('#');
        in_word = false;
    }
    out
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// 64-bit FNV-1a: tiny, and stable across Rust versions and platforms, unlike
/// `std::hash::DefaultHasher`, whose output may change between releases.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// Writes a field and a separator, so `("ab", "c")` and `("a", "bc")` differ.
    fn field(&mut self, text: &str) {
        self.write(text.as_bytes());
        self.write(&[0]);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A baseline file: the findings a team has accepted for now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

/// One recorded finding. Only `fingerprint` is used for matching; the rest tells a
/// reviewer of the baseline file what was accepted. Lines are left out so that the file
/// does not change when it is rewritten after unrelated edits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    pub code: String,
    /// `error`, `warning` or `info`, as the finding had when it was recorded.
    pub severity: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    pub file: String,
    pub message: String,
}

/// The findings of a check split against a baseline.
#[derive(Clone, Debug, Default)]
pub struct Comparison {
    /// Findings the baseline does not hold: these are reported and decide the exit status.
    pub new: Vec<Diagnostic>,
    /// How many findings the baseline holds (reported no more).
    pub known: usize,
    /// How many baseline entries no longer occur: fixed since the baseline was written.
    pub fixed: usize,
}

impl Baseline {
    /// Records `diagnostics` as a baseline.
    pub fn record(sources: &SourceMap, diagnostics: &[Diagnostic]) -> Baseline {
        let mut findings: Vec<Entry> = diagnostics
            .iter()
            .zip(fingerprints(sources, diagnostics))
            .map(|(diagnostic, fingerprint)| {
                let (file, _, _) = locate(sources, diagnostic.span());
                Entry {
                    fingerprint,
                    code: diagnostic.code.as_str().to_string(),
                    severity: diagnostic.severity.as_str().to_string(),
                    entity: diagnostic.entity.clone(),
                    file,
                    message: diagnostic.message.clone(),
                }
            })
            .collect();
        findings.sort_by(|a, b| {
            (&a.file, &a.code, &a.entity, &a.message, &a.fingerprint).cmp(&(
                &b.file,
                &b.code,
                &b.entity,
                &b.message,
                &b.fingerprint,
            ))
        });
        Baseline { version: BASELINE_VERSION, findings }
    }

    /// Reads a baseline file's text; the error is a sentence for the user.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let baseline: Baseline =
            serde_json::from_str(text).map_err(|error| format!("not a Charter baseline: {error}"))?;
        if baseline.version != BASELINE_VERSION {
            return Err(format!(
                "baseline version {} is not supported (this Charter writes version {BASELINE_VERSION}); rewrite it with `--write-baseline`",
                baseline.version
            ));
        }
        Ok(baseline)
    }

    /// The baseline as pretty-printed JSON, with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Splits `diagnostics` into those the baseline holds and the new ones.
    ///
    /// A finding whose fingerprint is not recorded still matches an entry that is the only
    /// unmatched one of its code on its entity, when the finding is the only unmatched one
    /// of that code on that entity too: the same finding, worded differently by another
    /// Charter version (or with a changed name in its message), is not new.
    pub fn compare(&self, sources: &SourceMap, diagnostics: Vec<Diagnostic>) -> Comparison {
        let recorded: BTreeSet<&str> = self.findings.iter().map(|entry| entry.fingerprint.as_str()).collect();
        let current = fingerprints(sources, &diagnostics);
        let occurring: BTreeSet<&str> = current.iter().map(String::as_str).collect();
        // Unmatched entries and findings about an entity, by code and entity.
        let mut entries: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for entry in self.findings.iter().filter(|entry| !occurring.contains(entry.fingerprint.as_str())) {
            if let Some(entity) = &entry.entity {
                *entries.entry((entry.code.as_str(), entity.as_str())).or_insert(0) += 1;
            }
        }
        let mut findings: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for (diagnostic, fingerprint) in diagnostics.iter().zip(&current) {
            if let (false, Some(entity)) = (recorded.contains(fingerprint.as_str()), &diagnostic.entity) {
                *findings.entry((diagnostic.code.as_str(), entity.as_str())).or_insert(0) += 1;
            }
        }
        let reworded: Vec<bool> = diagnostics
            .iter()
            .map(|diagnostic| {
                diagnostic.entity.as_deref().is_some_and(|entity| {
                    let key = (diagnostic.code.as_str(), entity);
                    entries.get(&key) == Some(&1) && findings.get(&key) == Some(&1)
                })
            })
            .collect();
        let mut fixed = recorded.difference(&occurring).count();
        let mut new = Vec::new();
        let mut known = 0;
        for ((diagnostic, fingerprint), reworded) in diagnostics.into_iter().zip(&current).zip(reworded) {
            if recorded.contains(fingerprint.as_str()) {
                known += 1;
            } else if reworded {
                known += 1;
                fixed = fixed.saturating_sub(1);
            } else {
                new.push(diagnostic);
            }
        }
        Comparison { new, known, fixed }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_dates_and_money_become_hashes() {
        assert_eq!(without_numbers("spent 1,200,000 USD of 800k USD"), "spent # USD of #k USD");
        assert_eq!(without_numbers("expired on 2026-01-31, renew"), "expired on #, renew");
        assert_eq!(without_numbers("3, and 15%"), "#, and #%");
        assert_eq!(without_numbers("project `p2` names no sponsor"), "project `p2` names no sponsor");
    }
}
