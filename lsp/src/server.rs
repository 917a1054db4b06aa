//! The language server: LSP notifications update the [`State`], a background worker
//! re-analyzes and publishes diagnostics, and requests read the latest [`Snapshot`].
//!
//! The core is generic over a small [`Client`] trait — what the server sends to the editor
//! — so that tests and benchmarks drive it in-process. Handlers run concurrently: every
//! change bumps a generation, a request waits for a snapshot of at least the generation
//! it saw (so positions and text agree), and diagnostics are published with the version
//! of the document they were computed from, only while that generation is current. No
//! handler ever waits on a reply from the client.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{Notify, watch};
use tower_lsp_server::LanguageServer;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types as lsp;
use tower_lsp_server::ls_types::Uri;

use crate::analysis::{FileRef, Snapshot, prepare};
use crate::convert::Encoding;
use crate::parse_cache::ParseCache;
use crate::paths::PathMap;
use crate::publish::Publisher;
use crate::state::{Document, State};
use crate::watch::DiskWatcher;
use crate::{
    code_actions, completion, definition, formatting, hover, inlay_hints, references, rename,
    semantic_tokens, symbols,
};

/// How long a request waits for the snapshot of the latest change before it is answered
/// from the latest snapshot there is.
pub const REQUEST_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Clients (by `clientInfo.name`) that accept file-watcher registrations but report only
/// the changes they make themselves: Helix 25.07 sends `didChangeWatchedFiles` for its
/// own writes and renames, never for a `git pull` or an edit in a shell. For them the
/// server watches the disk itself, as for a client that cannot register watchers.
const REPORTS_ONLY_ITS_OWN_WRITES: [&str; 1] = ["helix"];

/// What the server sends to the editor.
pub trait Client: Clone + Send + Sync + 'static {
    fn publish_diagnostics(
        &self,
        uri: Uri,
        diagnostics: Vec<lsp::Diagnostic>,
        version: Option<i32>,
    ) -> impl Future<Output = ()> + Send;
    fn log(&self, kind: lsp::MessageType, message: String) -> impl Future<Output = ()> + Send;
    /// Asks the client to report changes of `.charter` files and `charter.toml`.
    fn watch_files(&self) -> impl Future<Output = ()> + Send;
}

impl Client for tower_lsp_server::Client {
    async fn publish_diagnostics(&self, uri: Uri, diagnostics: Vec<lsp::Diagnostic>, version: Option<i32>) {
        tower_lsp_server::Client::publish_diagnostics(self, uri, diagnostics, version).await;
    }

    async fn log(&self, kind: lsp::MessageType, message: String) {
        self.log_message(kind, message).await;
    }

    async fn watch_files(&self) {
        let watchers = ["**/*.charter", "**/charter.toml"]
            .into_iter()
            .map(|glob| lsp::FileSystemWatcher {
                glob_pattern: lsp::GlobPattern::String(glob.to_string()),
                kind: None,
            })
            .collect();
        let options = lsp::DidChangeWatchedFilesRegistrationOptions { watchers };
        let registration = lsp::Registration {
            id: "charter-watch".to_string(),
            method: "workspace/didChangeWatchedFiles".to_string(),
            register_options: serde_json::to_value(options).ok(),
        };
        // The reply is awaited on a task of its own, never by a handler.
        let client = self.clone();
        tokio::spawn(async move {
            let _ = client.register_capability(vec![registration]).await;
        });
    }
}

/// What the client said it supports, as far as the server cares.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientSupport {
    pub snippets: bool,
    pub markdown: bool,
    pub hierarchical_symbols: bool,
    pub watch_files: bool,
}

struct Shared {
    state: Mutex<State>,
    support: Mutex<ClientSupport>,
    snapshot: watch::Sender<Arc<Snapshot>>,
    dirty: Notify,
    worker: std::sync::Once,
    /// The server's own watches, when the client cannot register file watchers.
    watcher: Mutex<Option<DiskWatcher>>,
}

/// The server core.
pub struct Server<C: Client> {
    client: C,
    shared: Arc<Shared>,
}

impl<C: Client> Server<C> {
    pub fn new(client: C) -> Server<C> {
        Server::with_paths(client, PathMap::with_std_in(PathMap::default_std_dir()))
    }

    /// A server that maps the std files with `paths`.
    pub fn with_paths(client: C, paths: PathMap) -> Server<C> {
        let state = State { paths, ..State::default() };
        let (snapshot, _) = watch::channel(Arc::new(Snapshot::default()));
        Server {
            client,
            shared: Arc::new(Shared {
                state: Mutex::new(state),
                support: Mutex::new(ClientSupport::default()),
                snapshot,
                dirty: Notify::new(),
                worker: std::sync::Once::new(),
                watcher: Mutex::new(None),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.shared.state)
    }

    fn support(&self) -> ClientSupport {
        *lock(&self.shared.support)
    }

    /// Asks the worker for a new analysis, starting it on first use.
    fn schedule(&self) {
        schedule(&self.shared, &self.client);
    }

    /// Starts watching the workspace from the server, for a client that cannot register
    /// file watchers; a failure (no inotify instance left) is logged, and only what the
    /// editor reports is seen.
    async fn watch_disk(&self) {
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        match DiskWatcher::new(sender) {
            Ok(watcher) => {
                *lock(&self.shared.watcher) = Some(watcher);
                self.watch_new_roots();
                tokio::spawn(apply_disk_events(self.shared.clone(), self.client.clone(), receiver));
            }
            Err(error) => {
                let message =
                    format!("cannot watch the workspace for changes made outside the editor: {error}");
                self.client.log(lsp::MessageType::WARNING, message).await;
            }
        }
    }

    /// Watches every root not watched yet, when the server watches the disk itself.
    fn watch_new_roots(&self) {
        let roots: Vec<PathBuf> = self.state().roots.iter().map(|root| root.path.clone()).collect();
        if let Some(watcher) = lock(&self.shared.watcher).as_mut() {
            for root in roots {
                watcher.watch_root(&root);
            }
        }
    }

    /// The latest snapshot that reflects every change seen so far — or, when loading
    /// that takes longer than [`REQUEST_WAIT`] (a hostile workspace), the latest one
    /// there is: a slow analysis never blocks requests.
    pub async fn snapshot(&self) -> Arc<Snapshot> {
        let wanted = self.state().generation;
        let mut receiver = self.shared.snapshot.subscribe();
        if !self.shared.worker.is_completed() {
            self.schedule();
        }
        let current = receiver.wait_for(|snapshot| snapshot.generation >= wanted);
        match tokio::time::timeout(REQUEST_WAIT, current).await {
            Ok(Ok(snapshot)) => snapshot.clone(),
            Ok(Err(_)) | Err(_) => self.shared.snapshot.borrow().clone(),
        }
    }

    /// The latest snapshot once the whole workspace is checked for every change seen so
    /// far (requests do not wait for this; benchmarks and tests do).
    pub async fn settled(&self) -> Arc<Snapshot> {
        let wanted = self.state().generation;
        let mut receiver = self.shared.snapshot.subscribe();
        if !self.shared.worker.is_completed() {
            self.schedule();
        }
        match receiver.wait_for(|snapshot| snapshot.generation >= wanted && snapshot.complete()).await {
            Ok(snapshot) => snapshot.clone(),
            Err(_) => self.shared.snapshot.borrow().clone(),
        }
    }

    fn path(&self, uri: &Uri) -> Option<PathBuf> {
        self.state().paths.path(uri)
    }

    /// The snapshot, the file and the byte offset of a position in a document.
    async fn locate(&self, uri: &Uri, position: lsp::Position) -> Option<(Arc<Snapshot>, PathBuf, usize)> {
        let path = self.path(uri)?;
        let snapshot = self.snapshot().await;
        let file = snapshot.file(&path)?;
        let offset = file.text().offset(position, snapshot.encoding);
        Some((snapshot, path, offset))
    }

    async fn with_file<T>(
        &self,
        uri: &Uri,
        action: impl FnOnce(&Snapshot, FileRef<'_>) -> Option<T>,
    ) -> Option<T> {
        let path = self.path(uri)?;
        let snapshot = self.snapshot().await;
        let file = snapshot.file(&path)?;
        action(&snapshot, file)
    }

    async fn at_position<T>(
        &self,
        uri: &Uri,
        position: lsp::Position,
        action: impl FnOnce(&Snapshot, FileRef<'_>, usize) -> Option<T>,
    ) -> Option<T> {
        let (snapshot, path, offset) = self.locate(uri, position).await?;
        let file = snapshot.file(&path)?;
        action(&snapshot, file, offset)
    }
}

/// Asks the worker for a new analysis, starting it on first use.
fn schedule<C: Client>(shared: &Arc<Shared>, client: &C) {
    let worker_shared = shared.clone();
    let client = client.clone();
    shared.worker.call_once(move || {
        tokio::spawn(worker(worker_shared, client));
    });
    shared.dirty.notify_one();
}

/// Applies what the server's own watches report, a batch at a time: `.charter` files and
/// `charter.toml` are read again — except documents open in the editor, whose text the
/// editor owns — and a directory that appeared, went or was renamed has its root walked
/// again.
async fn apply_disk_events<C: Client>(
    shared: Arc<Shared>,
    client: C,
    mut receiver: tokio::sync::mpsc::UnboundedReceiver<crate::watch::Event>,
) {
    while let Some(batch) = crate::watch::next_batch(&mut receiver).await {
        let changed = {
            let mut state = lock(&shared.state);
            if state.shutting_down {
                return;
            }
            let mut watcher = lock(&shared.watcher);
            let mut files = Vec::new();
            let mut rescan = Vec::new();
            for event in batch {
                let Some(index) = state.root_of(&event.path) else {
                    continue;
                };
                let Some(root) = state.roots.get(index).map(|root| root.path.clone()) else {
                    continue;
                };
                if crate::watch::relevant(&root, &event.path) {
                    if !state.documents.contains_key(&event.path) {
                        files.push(event.path);
                    }
                    continue;
                }
                let Some(watcher) = watcher.as_mut() else {
                    continue;
                };
                if !event.structural || !crate::watch::visible(&root, &event.path) {
                    continue;
                }
                let moved = if event.path.is_dir() {
                    watcher.watch_tree(&event.path)
                } else if watcher.is_directory(&event.path) {
                    watcher.forget(&event.path);
                    true
                } else {
                    false
                };
                if moved {
                    rescan.push(index);
                }
            }
            drop(watcher);
            for index in &rescan {
                if let Some(root) = state.roots.get_mut(*index) {
                    root.stale = true;
                }
            }
            if files.is_empty() && rescan.is_empty() {
                false
            } else {
                state.files_changed(&files);
                true
            }
        };
        if changed {
            schedule(&shared, &client);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Re-analyzes whenever something changed, and publishes the diagnostics of a snapshot
/// that is still current: first those of the document edited last, then, unless a newer
/// change has arrived meanwhile, those of the whole workspace.
///
/// Every analysis runs on one thread of its own ([`Analyst`]), and the snapshots it
/// replaces are freed there too. With a thread from tokio's blocking pool per analysis,
/// each new pool thread got a malloc arena of its own and left pieces of a workspace in
/// it: at 10,000 projects the server grew from 250 MiB to 450 MiB over 30 edits.
async fn worker<C: Client>(shared: Arc<Shared>, client: C) {
    let mut cache: HashMap<PathBuf, ParseCache> = HashMap::new();
    let mut publisher = Publisher::default();
    let timings = std::env::var_os("CHARTER_LSP_TIMINGS").is_some();
    let analyst = Analyst::start();
    loop {
        shared.dirty.notified().await;
        let seen = std::time::Instant::now();
        let (inputs, encoding, paths) = {
            let mut state = lock(&shared.state);
            if state.shutting_down {
                return;
            }
            (state.inputs(), state.encoding, state.paths.clone())
        };
        let previous = shared.snapshot.borrow().clone();
        let earlier = previous.clone();
        let loaded_shared = shared.clone();
        let prepared = analyst
            .run(move || {
                let mut failures = Vec::new();
                let mut prepared = prepare(&inputs, encoding, &paths, &earlier, &mut cache, &mut failures);
                // Requests go on with the loaded workspace while the edited document's
                // rules are evaluated, however long that takes.
                let retired = replace_snapshot(&loaded_shared, prepared.partial());
                let focused = prepared.focused();
                let partial = prepared.partial();
                drop((retired, earlier, inputs));
                (prepared, focused, partial, cache, failures)
            })
            .await;
        let Ok((prepared, focused, partial, returned, failures)) = prepared else {
            cache = HashMap::new();
            client
                .log(
                    lsp::MessageType::ERROR,
                    "the analysis failed unexpectedly; the previous diagnostics stay".to_string(),
                )
                .await;
            // Requests waiting for this generation are answered from the previous one.
            let generation = lock(&shared.state).generation;
            analyst.retire(replace_snapshot(&shared, previous.carried_over(generation)));
            analyst.retire(previous);
            continue;
        };
        cache = returned;
        for failure in failures {
            client.log(lsp::MessageType::ERROR, failure).await;
        }
        let generation = prepared.generation();
        let current = || lock(&shared.state).generation == generation;
        if let Some(focused) = focused
            && current()
            && publisher.record(&focused.path, &focused.uri, focused.version, focused.fingerprint)
        {
            client.publish_diagnostics(focused.uri, focused.diagnostics, focused.version).await;
        }
        let focused_at = seen.elapsed();
        // Requests go on with the loaded workspace while the rest is checked.
        analyst.retire(replace_snapshot(&shared, partial));
        if !current() {
            // A newer change: its analysis checks the whole workspace.
            analyst.retire((prepared, previous));
            continue;
        }
        let task_shared = shared.clone();
        let finished = analyst
            .run(move || {
                let mut failures = Vec::new();
                let outdated = || lock(&task_shared.state).generation != generation;
                let snapshot = prepared.finish(&previous, &mut cache, &mut failures, &outdated);
                let changes = match &snapshot {
                    Some(snapshot) if !outdated() => publisher.changes(snapshot),
                    _ => Vec::new(),
                };
                drop(previous);
                (snapshot, changes, cache, publisher, failures)
            })
            .await;
        let Ok((snapshot, changes, returned, returned_publisher, failures)) = finished else {
            cache = HashMap::new();
            publisher = Publisher::default();
            client
                .log(
                    lsp::MessageType::ERROR,
                    "the analysis failed unexpectedly; the previous diagnostics stay".to_string(),
                )
                .await;
            continue;
        };
        cache = returned;
        publisher = returned_publisher;
        for failure in failures {
            client.log(lsp::MessageType::ERROR, failure).await;
        }
        let Some(snapshot) = snapshot else {
            // A newer change arrived during the check: its analysis checks the workspace.
            continue;
        };
        let (elapsed, phases) = (snapshot.elapsed, snapshot.phases);
        analyst.retire(replace_snapshot(&shared, snapshot));
        for (uri, diagnostics, version) in changes {
            client.publish_diagnostics(uri, diagnostics, version).await;
        }
        if timings {
            let message = format!(
                "analysis of generation {generation} took {elapsed:?} ({phases:?}); the edited document was published {focused_at:?} and the workspace {:?} after the change was seen",
                seen.elapsed()
            );
            client.log(lsp::MessageType::LOG, message).await;
        }
    }
}

/// Makes `snapshot` the one requests read; returns the one it replaces, for the caller to
/// free off the threads that serve requests (a large workspace takes a while to free).
fn replace_snapshot(shared: &Shared, snapshot: Snapshot) -> Arc<Snapshot> {
    shared.snapshot.send_replace(Arc::new(snapshot))
}

/// An analysis job panicked (or the analysis thread is gone).
struct Panicked;

/// A piece of work for the analysis thread.
type Job = Box<dyn FnOnce() + Send>;

/// The thread every analysis runs on, one after the other. It ends when the worker that
/// owns it does (the job channel closes). When no thread can be started, jobs run on
/// tokio's blocking pool instead.
struct Analyst {
    jobs: Option<std::sync::mpsc::Sender<Job>>,
}

impl Analyst {
    fn start() -> Analyst {
        let (jobs, receiver) = std::sync::mpsc::channel::<Job>();
        let started = std::thread::Builder::new().name("charter-analysis".to_string()).spawn(move || {
            while let Ok(job) = receiver.recv() {
                // A job that panics (freeing a snapshot included) leaves the thread serving.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            }
        });
        Analyst { jobs: started.ok().map(|_| jobs) }
    }

    /// Runs `work` on the analysis thread; `Err` when it panicked.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> std::result::Result<T, Panicked> {
        let Some(jobs) = &self.jobs else {
            return tokio::task::spawn_blocking(work).await.map_err(|_| Panicked);
        };
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            let _ = sender.send(outcome);
        });
        jobs.send(job).map_err(|_| Panicked)?;
        match receiver.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_)) | Err(_) => Err(Panicked),
        }
    }

    /// Frees `value` on the analysis thread, after the work already queued.
    fn retire<T: Send + 'static>(&self, value: T) {
        match &self.jobs {
            Some(jobs) => {
                let _ = jobs.send(Box::new(move || drop(value)));
            }
            None => drop(tokio::task::spawn_blocking(move || drop(value))),
        }
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::invalid_params(message.into())
}

impl<C: Client> LanguageServer for Server<C> {
    async fn initialize(&self, params: lsp::InitializeParams) -> Result<lsp::InitializeResult> {
        let capabilities = &params.capabilities;
        let offered = capabilities.general.as_ref().and_then(|general| general.position_encodings.as_deref());
        let encoding = Encoding::negotiate(offered);
        let text_document = capabilities.text_document.as_ref();
        let support = ClientSupport {
            snippets: text_document
                .and_then(|text| text.completion.as_ref())
                .and_then(|completion| completion.completion_item.as_ref())
                .and_then(|item| item.snippet_support)
                .unwrap_or(false),
            markdown: text_document
                .and_then(|text| text.hover.as_ref())
                .and_then(|hover| hover.content_format.as_ref())
                .is_none_or(|formats| formats.contains(&lsp::MarkupKind::Markdown)),
            hierarchical_symbols: text_document
                .and_then(|text| text.document_symbol.as_ref())
                .and_then(|symbols| symbols.hierarchical_document_symbol_support)
                .unwrap_or(false),
            watch_files: capabilities
                .workspace
                .as_ref()
                .and_then(|workspace| workspace.did_change_watched_files.as_ref())
                .and_then(|watched| watched.dynamic_registration)
                .unwrap_or(false)
                && !params
                    .client_info
                    .as_ref()
                    .is_some_and(|info| REPORTS_ONLY_ITS_OWN_WRITES.contains(&info.name.as_str())),
        };
        *lock(&self.shared.support) = support;
        {
            let mut state = self.state();
            state.encoding = encoding;
            let mut folders: Vec<PathBuf> = params
                .workspace_folders
                .iter()
                .flatten()
                .filter_map(|folder| state.paths.path(&folder.uri))
                .collect();
            #[expect(deprecated, reason = "older clients send only `rootUri`")]
            if folders.is_empty() {
                folders.extend(params.root_uri.as_ref().and_then(|uri| state.paths.path(uri)));
            }
            for folder in folders {
                state.add_folder(folder);
            }
            // The std files are served from the first root when it can be written, so
            // that an editor opening one stays with this server.
            if let Some(root) = state.roots.first().map(|root| root.path.clone()) {
                state.paths.use_workspace_std(&root);
            }
            state.bump();
        }
        Ok(lsp::InitializeResult {
            capabilities: capabilities_for(encoding),
            server_info: Some(lsp::ServerInfo {
                name: "charter-lsp".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: lsp::InitializedParams) {
        if self.support().watch_files {
            self.client.watch_files().await;
        } else {
            self.watch_disk().await;
        }
        self.schedule();
    }

    async fn shutdown(&self) -> Result<()> {
        self.state().shutting_down = true;
        self.shared.dirty.notify_one();
        Ok(())
    }

    async fn did_open(&self, params: lsp::DidOpenTextDocumentParams) {
        let document = params.text_document;
        let Some(path) = self.path(&document.uri) else {
            return;
        };
        self.state().open(
            path,
            Document { uri: document.uri, version: document.version, text: Arc::from(document.text) },
        );
        self.watch_new_roots();
        self.schedule();
    }

    async fn did_change(&self, params: lsp::DidChangeTextDocumentParams) {
        let Some(path) = self.path(&params.text_document.uri) else {
            return;
        };
        // Applied before the first await, so changes apply in the order they arrived.
        let applied = self.state().change(&path, params.text_document.version, params.content_changes);
        if applied {
            self.schedule();
        }
    }

    async fn did_close(&self, params: lsp::DidCloseTextDocumentParams) {
        let Some(path) = self.path(&params.text_document.uri) else {
            return;
        };
        self.state().close(&path);
        self.schedule();
    }

    async fn did_change_watched_files(&self, params: lsp::DidChangeWatchedFilesParams) {
        let paths: Vec<PathBuf> = {
            let state = self.state();
            params.changes.iter().filter_map(|change| state.paths.path(&change.uri)).collect()
        };
        self.state().files_changed(&paths);
        self.schedule();
    }

    async fn did_change_workspace_folders(&self, params: lsp::DidChangeWorkspaceFoldersParams) {
        {
            let mut state = self.state();
            for removed in &params.event.removed {
                if let Some(path) = state.paths.path(&removed.uri) {
                    state.remove_folder(&path);
                }
            }
            for added in &params.event.added {
                if let Some(path) = state.paths.path(&added.uri) {
                    state.add_folder(path);
                }
            }
            state.bump();
        }
        self.watch_new_roots();
        self.schedule();
    }

    async fn hover(&self, params: lsp::HoverParams) -> Result<Option<lsp::Hover>> {
        let position = params.text_document_position_params;
        let markdown = self.support().markdown;
        Ok(self
            .at_position(&position.text_document.uri, position.position, |snapshot, file, offset| {
                hover::hover(snapshot, file, offset, markdown)
            })
            .await)
    }

    async fn goto_definition(
        &self,
        params: lsp::GotoDefinitionParams,
    ) -> Result<Option<lsp::GotoDefinitionResponse>> {
        let position = params.text_document_position_params;
        let locations = self
            .at_position(&position.text_document.uri, position.position, |snapshot, file, offset| {
                Some(definition::definition(snapshot, file, offset))
            })
            .await
            .unwrap_or_default();
        Ok((!locations.is_empty()).then_some(lsp::GotoDefinitionResponse::Array(locations)))
    }

    async fn references(&self, params: lsp::ReferenceParams) -> Result<Option<Vec<lsp::Location>>> {
        let position = params.text_document_position;
        let include_declaration = params.context.include_declaration;
        Ok(self
            .at_position(&position.text_document.uri, position.position, |snapshot, file, offset| {
                references::references(snapshot, file, offset, include_declaration)
            })
            .await)
    }

    async fn prepare_rename(
        &self,
        params: lsp::TextDocumentPositionParams,
    ) -> Result<Option<lsp::PrepareRenameResponse>> {
        Ok(self
            .at_position(&params.text_document.uri, params.position, |snapshot, file, offset| {
                rename::prepare(snapshot, file, offset)
            })
            .await)
    }

    async fn rename(&self, params: lsp::RenameParams) -> Result<Option<lsp::WorkspaceEdit>> {
        let position = params.text_document_position;
        let new_name = params.new_name;
        let outcome = self
            .at_position(&position.text_document.uri, position.position, |snapshot, file, offset| {
                Some(rename::rename(snapshot, file, offset, &new_name))
            })
            .await;
        match outcome {
            None => Ok(None),
            Some(Ok(edit)) => Ok(edit),
            Some(Err(message)) => Err(invalid(message)),
        }
    }

    async fn document_symbol(
        &self,
        params: lsp::DocumentSymbolParams,
    ) -> Result<Option<lsp::DocumentSymbolResponse>> {
        let hierarchical = self.support().hierarchical_symbols;
        Ok(self
            .with_file(&params.text_document.uri, |snapshot, file| {
                Some(symbols::document(snapshot, file, hierarchical))
            })
            .await)
    }

    async fn symbol(
        &self,
        params: lsp::WorkspaceSymbolParams,
    ) -> Result<Option<lsp::WorkspaceSymbolResponse>> {
        let snapshot = self.snapshot().await;
        Ok(Some(symbols::workspace(&snapshot, &params.query)))
    }

    async fn completion(&self, params: lsp::CompletionParams) -> Result<Option<lsp::CompletionResponse>> {
        let position = params.text_document_position;
        let snippets = self.support().snippets;
        Ok(self
            .at_position(&position.text_document.uri, position.position, |snapshot, file, offset| {
                let items = completion::complete(snapshot, file, offset, snippets);
                Some(lsp::CompletionResponse::List(lsp::CompletionList { is_incomplete: false, items }))
            })
            .await)
    }

    async fn code_action(&self, params: lsp::CodeActionParams) -> Result<Option<lsp::CodeActionResponse>> {
        let Some(path) = self.path(&params.text_document.uri) else {
            return Ok(None);
        };
        let snapshot = self.snapshot().await;
        // Before the whole workspace is checked, the findings of the file are computed
        // now, which evaluates rules: off the threads that serve the other requests.
        let actions = tokio::task::spawn_blocking(move || {
            let file = snapshot.file(&path)?;
            let text = file.text();
            let start = text.offset(params.range.start, snapshot.encoding);
            let end = text.offset(params.range.end, snapshot.encoding);
            let actions = code_actions::actions(&snapshot, file, start..end);
            (!actions.is_empty()).then_some(actions)
        });
        actions.await.map_err(|_| Error::internal_error())
    }

    async fn formatting(&self, params: lsp::DocumentFormattingParams) -> Result<Option<Vec<lsp::TextEdit>>> {
        let outcome = self
            .with_file(&params.text_document.uri, |snapshot, file| {
                Some(formatting::format(snapshot, file, None))
            })
            .await;
        Ok(outcome.flatten())
    }

    async fn range_formatting(
        &self,
        params: lsp::DocumentRangeFormattingParams,
    ) -> Result<Option<Vec<lsp::TextEdit>>> {
        let range = params.range;
        let outcome = self
            .with_file(&params.text_document.uri, |snapshot, file| {
                Some(formatting::format(snapshot, file, Some(range)))
            })
            .await;
        Ok(outcome.flatten())
    }

    async fn semantic_tokens_full(
        &self,
        params: lsp::SemanticTokensParams,
    ) -> Result<Option<lsp::SemanticTokensResult>> {
        Ok(self
            .with_file(&params.text_document.uri, |snapshot, file| {
                Some(lsp::SemanticTokensResult::Tokens(semantic_tokens::tokens(snapshot, file, None)))
            })
            .await)
    }

    async fn semantic_tokens_range(
        &self,
        params: lsp::SemanticTokensRangeParams,
    ) -> Result<Option<lsp::SemanticTokensRangeResult>> {
        let range = params.range;
        Ok(self
            .with_file(&params.text_document.uri, |snapshot, file| {
                Some(lsp::SemanticTokensRangeResult::Tokens(semantic_tokens::tokens(
                    snapshot,
                    file,
                    Some(range),
                )))
            })
            .await)
    }

    async fn inlay_hint(&self, params: lsp::InlayHintParams) -> Result<Option<Vec<lsp::InlayHint>>> {
        let range = params.range;
        Ok(self
            .with_file(&params.text_document.uri, |snapshot, file| {
                Some(inlay_hints::hints(snapshot, file, range))
            })
            .await)
    }
}

/// What the server offers.
pub fn capabilities_for(encoding: Encoding) -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        position_encoding: Some(encoding.kind()),
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(lsp::TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(lsp::TextDocumentSyncKind::INCREMENTAL),
            ..lsp::TextDocumentSyncOptions::default()
        })),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        rename_provider: Some(lsp::OneOf::Right(lsp::RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: lsp::WorkDoneProgressOptions::default(),
        })),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        workspace_symbol_provider: Some(lsp::OneOf::Left(true)),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some([".", ":", "[", ",", " "].into_iter().map(String::from).collect()),
            ..lsp::CompletionOptions::default()
        }),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Options(lsp::CodeActionOptions {
            code_action_kinds: Some(vec![lsp::CodeActionKind::QUICKFIX]),
            ..lsp::CodeActionOptions::default()
        })),
        document_formatting_provider: Some(lsp::OneOf::Left(true)),
        document_range_formatting_provider: Some(lsp::OneOf::Left(true)),
        semantic_tokens_provider: Some(lsp::SemanticTokensServerCapabilities::SemanticTokensOptions(
            lsp::SemanticTokensOptions {
                legend: semantic_tokens::legend(),
                range: Some(true),
                full: Some(lsp::SemanticTokensFullOptions::Bool(true)),
                work_done_progress_options: lsp::WorkDoneProgressOptions::default(),
            },
        )),
        inlay_hint_provider: Some(lsp::OneOf::Left(true)),
        workspace: Some(lsp::WorkspaceServerCapabilities {
            workspace_folders: Some(lsp::WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(lsp::OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..lsp::ServerCapabilities::default()
    }
}
