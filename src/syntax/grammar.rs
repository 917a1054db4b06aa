//! The pest parser generated from `grammar/charter.pest`.

use pest_derive::Parser;

/// The derived parser; its `Rule` enum names every grammar rule.
#[derive(Parser)]
#[grammar = "grammar/charter.pest"]
pub(crate) struct CharterParser;
