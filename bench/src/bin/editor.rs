//! `editor SERVER WORKSPACE [EDITS]`: client-side latencies of `charter-lsp` on a workspace.
//!
//! Opens one project file, times `didOpen` to its first diagnostics, then sends `EDITS`
//! full-text `didChange`s (1,000 by default) cycling through six kinds of edit, each applied
//! and then undone, and times every edit to the edited file's diagnostics and to the end of
//! the whole-workspace pass. Prints a Markdown table (median and p95 per kind) and the
//! server's resident memory before and after the edits. See bench/README.md.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use charter_bench::lsp::{Client, is_pass_end, is_publication, memory_kib, quantile};
use serde_json::json;

/// The file that is opened and edited: the first of the project files `synth` writes.
const FILE: &str = "projects/projects_00.charter";

/// How long one step may take before the measurement gives up; generous, since a loaded
/// machine is slow, but finite, so a server that never answers fails the run.
const PATIENCE: Duration = Duration::from_secs(120);

/// One kind of edit: a name for the table, and the edited text made from the original.
struct Kind {
    name: &'static str,
    undo_name: &'static str,
    edited: String,
}

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let (Some(server), Some(workspace)) = (arguments.first(), arguments.get(1)) else {
        eprintln!("usage: editor SERVER WORKSPACE [EDITS]");
        return ExitCode::from(2);
    };
    let edits = match arguments.get(2).map(|count| count.parse::<usize>()) {
        None => 1000,
        Some(Ok(count)) => count,
        Some(Err(_)) => {
            eprintln!("editor: the number of edits must be a whole number");
            return ExitCode::from(2);
        }
    };
    match run(server, Path::new(workspace), edits) {
        Ok(table) => {
            print!("{table}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("editor: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(server: &str, workspace: &Path, edits: usize) -> Result<String, String> {
    let root: PathBuf = workspace
        .canonicalize()
        .map_err(|error| format!("cannot find `{}`: {error}", workspace.display()))?;
    let path = root.join(FILE);
    let original = std::fs::read_to_string(&path)
        .map_err(|error| format!("cannot read `{}`: {error}", path.display()))?;
    let kinds = kinds(&original)?;
    let root_uri = format!("file://{}", root.display());
    let uri = format!("file://{}", path.display());

    let mut client = Client::spawn(server)?;
    let capabilities = json!({
        "textDocument": {"publishDiagnostics": {"versionSupport": true}},
        "workspace": {"workspaceFolders": true}
    });
    client.request(
        "initialize",
        json!({
            "processId": std::process::id(),
            "rootUri": root_uri,
            "capabilities": capabilities,
            "workspaceFolders": [{"uri": root_uri, "name": "workspace"}]
        }),
        PATIENCE,
    )?;
    client.notify("initialized", json!({}))?;
    let opened = client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "charter", "version": 1, "text": original}}),
    )?;
    let first = client.wait(PATIENCE, "the opened file's first diagnostics", |message| {
        is_publication(message, &uri, None)
    })?;
    let first_diagnostics = first.at.duration_since(opened);
    let settled = client.wait(PATIENCE, "the end of the first workspace pass", is_pass_end)?;
    let first_pass = settled.at.duration_since(opened);
    let pid = client.pid();
    let before = memory_kib(pid, "VmRSS").ok_or("cannot read the server's VmRSS")?;

    let mut file_times: Vec<Vec<Duration>> = vec![Vec::new(); kinds.len() * 2];
    let mut pass_times: Vec<Vec<Duration>> = vec![Vec::new(); kinds.len() * 2];
    for edit in 0..edits {
        // Edits go apply, undo, apply, undo, ... so each kind starts from the original text.
        let step = edit % (kinds.len() * 2);
        let kind = kinds.get(step / 2).ok_or("no such kind of edit")?;
        let text = if step % 2 == 0 { &kind.edited } else { &original };
        let version = 2 + edit as i64;
        let sent = client.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": text}]
            }),
        )?;
        let (file, pass) = until_published(&mut client, &uri, version)?;
        if let Some(samples) = file_times.get_mut(step) {
            samples.push(file.duration_since(sent));
        }
        if let Some(samples) = pass_times.get_mut(step) {
            samples.push(pass.duration_since(sent));
        }
    }
    let after = memory_kib(pid, "VmRSS").ok_or("cannot read the server's VmRSS")?;
    let peak = memory_kib(pid, "VmHWM").ok_or("cannot read the server's VmHWM")?;
    client.shutdown()?;

    let mut table = String::new();
    table.push_str("| editor (client side, stdio) | runs | to the file's diagnostics, median | p95 | to the end of the workspace pass, median | p95 |\n");
    table.push_str("|---|---|---|---|---|---|\n");
    table.push_str(&format!(
        "| open the file (`didOpen`) | 1 | {} | | {} | |\n",
        milliseconds(Some(first_diagnostics)),
        milliseconds(Some(first_pass))
    ));
    for (step, (files, passes)) in file_times.iter().zip(&pass_times).enumerate() {
        if files.is_empty() {
            continue;
        }
        let Some(kind) = kinds.get(step / 2) else { continue };
        let name = if step % 2 == 0 { kind.name } else { kind.undo_name };
        table.push_str(&format!(
            "| {name} | {} | {} | {} | {} | {} |\n",
            files.len(),
            milliseconds(quantile(files, 0.5)),
            milliseconds(quantile(files, 0.95)),
            milliseconds(quantile(passes, 0.5)),
            milliseconds(quantile(passes, 0.95)),
        ));
    }
    table.push_str(&format!(
        "\nServer memory (VmRSS): {} MiB after the first pass, {} MiB after {edits} edits; peak (VmHWM) {} MiB.\n",
        mebibytes(before),
        mebibytes(after),
        mebibytes(peak)
    ));
    Ok(table)
}

/// Waits until both the edited file's diagnostics at `version` and the end of the
/// whole-workspace pass have arrived; returns when each arrived.
fn until_published(client: &mut Client, uri: &str, version: i64) -> Result<(Instant, Instant), String> {
    let mut file = None;
    let mut pass = None;
    while file.is_none() || pass.is_none() {
        let received = client.wait(PATIENCE, "the diagnostics of an edit", |message| {
            is_publication(message, uri, Some(version)) || is_pass_end(message)
        })?;
        if is_pass_end(&received.message) {
            // The pass that follows an edit publishes the edited file first, if at all in
            // it: a pass ending before that publication belongs to an earlier generation.
            if file.is_some() {
                pass = Some(received.at);
            }
        } else {
            file = Some(received.at);
        }
    }
    match (file, pass) {
        (Some(file), Some(pass)) => Ok((file, pass)),
        _ => Err("lost track of an edit".to_string()),
    }
}

/// The kinds of edit, each made once from the original text of the file.
fn kinds(original: &str) -> Result<Vec<Kind>, String> {
    let value = replace_line_after(original, "\n  budget: ", "\n  budget: 999999k USD")
        .ok_or("the file has no `budget:` to change")?;
    let rename = original.replacen("project project_0 \"", "project project_0_renamed \"", 1).to_string();
    if rename == original {
        return Err("the file has no `project_0` to rename".to_string());
    }
    let added = format!(
        "{original}project bench_added \"Added by the benchmark\" {{\n  status: active\n  budget: 10k USD\n}}\n"
    );
    let broken = original.replacen("\n  status: ", "\n  status:: ", 1);
    if broken == original {
        return Err("the file has no `status:` to break".to_string());
    }
    Ok(vec![
        Kind { name: "change a value", undo_name: "change it back", edited: value },
        Kind { name: "rename an id (breaks references)", undo_name: "rename it back", edited: rename },
        Kind { name: "add a declaration", undo_name: "remove the declaration", edited: added },
        Kind { name: "break the syntax", undo_name: "repair the syntax", edited: broken },
    ])
}

/// `text` with the first line starting at `marker` (which begins with a newline) replaced
/// by `replacement`.
fn replace_line_after(text: &str, marker: &str, replacement: &str) -> Option<String> {
    let start = text.find(marker)?;
    let (head, rest) = text.split_at(start);
    let tail = rest.get(1..)?;
    let end = tail.find('\n').map_or(tail.len(), |end| end + 1);
    let remainder = tail.get(end..)?;
    Some(format!("{head}{replacement}\n{remainder}"))
}

fn milliseconds(duration: Option<Duration>) -> String {
    match duration {
        Some(duration) => format!("{:.0} ms", duration.as_secs_f64() * 1000.0),
        None => "n/a".to_string(),
    }
}

fn mebibytes(kib: u64) -> String {
    format!("{:.0}", kib as f64 / 1024.0)
}
