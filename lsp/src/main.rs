//! `charter-lsp`: the Charter language server over stdio.

use tower_lsp_server::LspService;

fn main() {
    if std::env::args().skip(1).any(|argument| argument == "--version" || argument == "-V") {
        println!("charter-lsp {}", env!("CARGO_PKG_VERSION"));
        return;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("charter-lsp: cannot start: {error}");
            std::process::exit(2);
        }
    };
    let ending = runtime.block_on(async {
        let (service, socket) = LspService::new(charter_lsp::Server::new);
        charter_lsp::transport::serve(tokio::io::stdin(), tokio::io::stdout(), service, socket).await
    });
    // An analysis still running on a blocking thread (a slow rule) must not hold the exit
    // up: the runtime is not waited for.
    std::process::exit(ending.code());
}
