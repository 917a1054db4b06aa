//! The stdio transport: reads frames with [`crate::framing`], hands valid messages to the
//! tower-lsp-server service, and writes every outgoing message through one writer task.
//!
//! tower-lsp-server's own transport answers a malformed message and then stops reading,
//! and polls every handler on its main task, so one panic ends the process. Here a
//! malformed message is answered and the next one read; requests run on tasks of their
//! own, and a handler that panics is answered with an internal error (`-32603`) and
//! logged. Notifications are handled in the order they arrive, before the next message is
//! read, so edits apply in order and a request sees every edit sent before it.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::{FutureExt, SinkExt, StreamExt};
use serde_json::json;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tower::{Service, ServiceExt};
use tower_lsp_server::jsonrpc::{Error, Id, Response};
use tower_lsp_server::{ClientSocket, LanguageServer, LspService};

use crate::framing::{Decoder, Frame, Incoming, classify, parse_error};

/// How many requests may run at once; further ones wait to be read, so a client that
/// floods requests without reading answers cannot grow memory without bound.
const MAX_IN_FLIGHT: usize = 64;

/// How the session ended, for the process's exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// `exit` after `shutdown`: exit code 0.
    Clean,
    /// `exit` without `shutdown`, or the input closed: exit code 1, as the protocol says.
    Abrupt,
}

impl Ending {
    pub fn code(self) -> i32 {
        match self {
            Ending::Clean => 0,
            Ending::Abrupt => 1,
        }
    }
}

/// Serves `service` over `input` and `output` until `exit` or the end of the input.
pub async fn serve<S, I, O>(
    mut input: I,
    output: O,
    mut service: LspService<S>,
    socket: ClientSocket,
) -> Ending
where
    S: LanguageServer,
    I: AsyncRead + Unpin,
    O: AsyncWrite + Unpin + Send + 'static,
{
    let (sender, receiver) = mpsc::channel::<Vec<u8>>(256);
    let writer = tokio::spawn(write_all(output, receiver));
    let (mut server_requests, mut client_responses) = socket.split();
    let forward = sender.clone();
    let forwarder = tokio::spawn(async move {
        while let Some(request) = server_requests.next().await {
            if let Ok(body) = serde_json::to_vec(&request)
                && forward.send(body).await.is_err()
            {
                break;
            }
        }
    });
    let limit = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut in_flight = JoinSet::new();
    let mut decoder = Decoder::default();
    let mut chunk = vec![0; 64 * 1024];
    let mut shutdown = false;
    let mut ending = Ending::Abrupt;
    'serving: loop {
        while let Some(frame) = decoder.next_frame() {
            let incoming = match frame {
                Frame::Body(body) => classify(&body),
                Frame::Malformed(message) => Incoming::Invalid(parse_error(message)),
            };
            match incoming {
                Incoming::Invalid(response) => {
                    if let Some(error) = response.error() {
                        eprintln!("charter-lsp: refused a message: {}", error.message);
                    }
                    send(&sender, &response).await;
                }
                Incoming::Ignored(reason) => eprintln!("charter-lsp: {reason}"),
                Incoming::Response(response) => {
                    if client_responses.send(response).await.is_err() {
                        eprintln!("charter-lsp: a response from the client could not be delivered");
                    }
                }
                Incoming::Notification(notification) => {
                    let exit = notification.method() == "exit";
                    let method = notification.method().to_string();
                    if service.ready().await.is_err() {
                        break 'serving;
                    }
                    let future = service.call(notification);
                    if let Err(panic) = AssertUnwindSafe(future).catch_unwind().await {
                        log_panic(&sender, &method, panic).await;
                    }
                    if exit {
                        ending = if shutdown { Ending::Clean } else { Ending::Abrupt };
                        break 'serving;
                    }
                }
                Incoming::Request(request) => {
                    let method = request.method().to_string();
                    let id = request.id().cloned().unwrap_or(Id::Null);
                    shutdown |= method == "shutdown";
                    if service.ready().await.is_err() {
                        break 'serving;
                    }
                    let Ok(permit) = limit.clone().acquire_owned().await else {
                        break 'serving;
                    };
                    let answer = answer(service.call(request), id, method.clone(), sender.clone());
                    if method == "initialize" {
                        // The service takes no other message until it is initialized.
                        answer.await;
                        drop(permit);
                    } else {
                        in_flight.spawn(async move {
                            answer.await;
                            drop(permit);
                        });
                    }
                }
            }
        }
        while in_flight.try_join_next().is_some() {}
        match input.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(read) => decoder.feed(chunk.get(..read).unwrap_or_default()),
        }
    }
    // The client is gone or said `exit`: nobody waits for the answers still running.
    in_flight.shutdown().await;
    forwarder.abort();
    let _ = forwarder.await;
    drop(sender);
    let _ = writer.await;
    ending
}

/// Runs one request's handler and sends its response; a panic is answered as an
/// internal error and logged.
async fn answer(
    future: impl Future<Output = Result<Option<Response>, tower_lsp_server::ExitedError>>,
    id: Id,
    method: String,
    sender: mpsc::Sender<Vec<u8>>,
) {
    match AssertUnwindSafe(future).catch_unwind().await {
        Ok(Ok(Some(response))) => send(&sender, &response).await,
        Ok(Ok(None) | Err(_)) => {}
        Err(panic) => {
            log_panic(&sender, &method, panic).await;
            let mut error = Error::internal_error();
            error.message = format!("`{method}` failed unexpectedly; the server goes on").into();
            send(&sender, &Response::from_error(id, error)).await;
        }
    }
}

/// Reports a panic on stderr and to the client's log.
async fn log_panic(sender: &mpsc::Sender<Vec<u8>>, method: &str, panic: Box<dyn std::any::Any + Send>) {
    let reason = panic
        .downcast_ref::<&str>()
        .map(|reason| (*reason).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no reason given".to_string());
    let message = format!("the `{method}` handler panicked ({reason}); the server goes on");
    eprintln!("charter-lsp: {message}");
    let notification = json!({
        "jsonrpc": "2.0",
        "method": "window/logMessage",
        "params": {"type": 1, "message": message},
    });
    send(sender, &notification).await;
}

async fn send(sender: &mpsc::Sender<Vec<u8>>, message: &impl serde::Serialize) {
    if let Ok(body) = serde_json::to_vec(message) {
        // A closed channel means the session is over: there is nobody left to tell.
        let _ = sender.send(body).await;
    }
}

/// Writes each message with its `Content-Length` header, flushing whenever no other
/// message is waiting.
async fn write_all<O: AsyncWrite + Unpin>(mut output: O, mut receiver: mpsc::Receiver<Vec<u8>>) {
    while let Some(body) = receiver.recv().await {
        let header = format!("Content-Length: {}\r\n\r\n", body.len());
        if output.write_all(header.as_bytes()).await.is_err() || output.write_all(&body).await.is_err() {
            return;
        }
        if receiver.is_empty() && output.flush().await.is_err() {
            return;
        }
    }
    let _ = output.flush().await;
}
