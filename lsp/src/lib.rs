//! `charter-lsp`: the Charter language server.
//!
//! [`server`] speaks LSP and owns the concurrency; [`state`] and [`analysis`] hold the
//! documents and the checked workspaces; one module per editor feature turns a snapshot
//! into LSP answers. Only this crate knows LSP types.

pub mod analysis;
pub mod code_actions;
pub mod completion;
pub mod convert;
pub mod definition;
pub mod describe;
pub mod formatting;
pub mod framing;
pub mod hover;
pub mod inlay_hints;
pub mod lexer;
pub mod locate;
pub mod parse_cache;
pub mod paths;
pub mod publish;
pub mod references;
pub mod rename;
pub mod rule_scope;
pub mod semantic_tokens;
pub mod server;
pub mod state;
pub mod symbols;
pub mod transport;
pub mod watch;

pub use server::{Client, Server};
