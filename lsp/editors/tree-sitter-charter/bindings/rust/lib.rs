//! The Charter grammar for the [tree-sitter] parsing library: the parser that editors
//! (Neovim, Helix) use for highlighting, folds, indents and text objects.
//!
//! ```
//! let mut parser = tree_sitter::Parser::new();
//! parser.set_language(&tree_sitter_charter::LANGUAGE.into()).unwrap();
//! let tree = parser.parse("person alice \"Alice Chen\" { executive: true }", None).unwrap();
//! assert!(!tree.root_node().has_error());
//! ```
//!
//! [tree-sitter]: https://tree-sitter.github.io/

use tree_sitter_language::LanguageFn;

unsafe extern "C" {
    fn tree_sitter_charter() -> *const ();
}

/// The tree-sitter [`LanguageFn`] of Charter.
// SAFETY: `tree_sitter_charter` is the generated parser's entry point, which returns a
// pointer to a static `TSLanguage`.
pub const LANGUAGE: LanguageFn = unsafe { LanguageFn::from_raw(tree_sitter_charter) };

/// The content of the grammar's `node-types.json`.
pub const NODE_TYPES: &str = include_str!("../../src/node-types.json");

/// The highlight query, with nvim-treesitter's capture names.
pub const HIGHLIGHTS_QUERY: &str = include_str!("../../queries/highlights.scm");

/// The fold query (Neovim).
pub const FOLDS_QUERY: &str = include_str!("../../queries/folds.scm");

/// The indent query, with nvim-treesitter's capture names.
pub const INDENTS_QUERY: &str = include_str!("../../queries/indents.scm");

/// The text-object query, with nvim-treesitter-textobjects' capture names.
pub const TEXTOBJECTS_QUERY: &str = include_str!("../../queries/textobjects.scm");

/// The highlight query, with Helix's capture names.
pub const HELIX_HIGHLIGHTS_QUERY: &str = include_str!("../../queries/helix/highlights.scm");

/// The indent query, with Helix's capture names.
pub const HELIX_INDENTS_QUERY: &str = include_str!("../../queries/helix/indents.scm");

/// The text-object query, with Helix's capture names.
pub const HELIX_TEXTOBJECTS_QUERY: &str = include_str!("../../queries/helix/textobjects.scm");
