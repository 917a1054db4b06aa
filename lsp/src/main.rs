//! `charter-lsp`: the Charter language server over stdio.

use tower_lsp_server::LspService;

fn main() {
    if std::env::args().skip(1).any(|argument| argument == "--version" || argument == "-V") {
        println!("charter-lsp {}", env!("CARGO_PKG_VERSION"));
        return;
    }
    one_malloc_arena();
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

/// With glibc, every thread that allocates gets a malloc arena of its own, up to eight per
/// core, and an arena returns memory to the system only from its top. The tokio workers
/// that read messages and answer requests allocate beside the analysis thread and rayon's
/// workers, so pieces of every workspace stay pinned in some arena: at 10,000 projects the
/// server grew from 227 MiB to 352 MiB over 300 edits; with one arena, from 213 MiB to
/// 249 MiB (with two, to 293 MiB), at no cost in latency that could be told from noise.
/// glibc reads its arena limit only at startup (the `mallopt` call that sets it later
/// needs `unsafe`, which the workspace forbids), so the server starts itself again, once,
/// with `MALLOC_ARENA_MAX=1` — as the same process: `exec` keeps the id, the arguments
/// and the standard streams. A limit the user set (`MALLOC_ARENA_MAX`, `GLIBC_TUNABLES`)
/// is left alone, and when `exec` fails the server simply goes on as it is.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn one_malloc_arena() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() || std::env::var_os("GLIBC_TUNABLES").is_some() {
        return;
    }
    let Ok(executable) = std::env::current_exe() else {
        return;
    };
    let mut arguments = std::env::args_os();
    let mut command = std::process::Command::new(executable);
    if let Some(name) = arguments.next() {
        command.arg0(name);
    }
    // `exec` returns only when it failed.
    let _failed = command.args(arguments).env("MALLOC_ARENA_MAX", "1").exec();
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn one_malloc_arena() {}
