//! `charter-lsp`: the Charter language server over stdio.

use tower_lsp_server::{LspService, Server};

#[tokio::main]
async fn main() {
    if std::env::args().skip(1).any(|argument| argument == "--version" || argument == "-V") {
        println!("charter-lsp {}", env!("CARGO_PKG_VERSION"));
        return;
    }
    let (stdin, stdout) = (tokio::io::stdin(), tokio::io::stdout());
    let (service, socket) = LspService::new(charter_lsp::Server::new);
    Server::new(stdin, stdout, socket).serve(service).await;
}
