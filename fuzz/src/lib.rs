//! What the fuzz targets share: the invariants every input keeps ([`invariants`], also
//! included by `tests/mutation.rs`) and a way to feed bytes to the language server
//! ([`lsp`]).

pub mod invariants;
pub mod lsp;
