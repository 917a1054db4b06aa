//! Files changed outside the editor, for a client that cannot register file watchers
//! (Neovim on Linux, Helix): the server watches the workspace itself. Every wait is
//! bounded by the harness and polls for the publication it needs; nothing depends on how
//! long the disk takes to report.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod support;

use serde_json::{Value, json};
use support::{Harness, default_capabilities};

const PEOPLE: &str = "portfolio/people.charter";
const PROJECTS: &str = "portfolio/projects.charter";
const NEW: &str = "portfolio/new.charter";

/// A server whose client declares no support for `workspace/didChangeWatchedFiles`, once
/// every file of the workspace has its first diagnostics.
async fn without_client_watchers() -> Harness {
    let mut capabilities = default_capabilities();
    capabilities["workspace"] = json!({});
    let mut harness = Harness::start_with("basic", capabilities).await;
    harness.wait_for_files(&[PEOPLE, PROJECTS]).await;
    harness
}

fn codes(params: &Value) -> Vec<String> {
    params["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|diagnostic| diagnostic["code"].as_str().unwrap().to_string())
        .collect()
}

fn has_code(code: &'static str) -> impl Fn(&Value) -> bool {
    move |params| codes(params).iter().any(|given| given == code)
}

#[tokio::test]
async fn the_server_does_not_ask_a_client_without_watcher_support_to_watch() {
    let harness = without_client_watchers().await;
    let registrations: Vec<&Value> =
        harness.received.iter().filter(|message| message["method"] == "client/registerCapability").collect();
    assert!(registrations.is_empty(), "{registrations:?}");
    harness.shutdown().await;
}

#[tokio::test]
async fn a_file_created_changed_and_deleted_on_disk_is_seen() {
    let mut harness = without_client_watchers().await;
    // Created: an unknown sponsor.
    std::fs::write(harness.path(NEW), "project late \"Late\" { status: active, sponsor: nobody }\n").unwrap();
    let created = harness.diagnostics_until(NEW, has_code("charter::unknown_reference")).await;
    insta::assert_json_snapshot!("created", codes(&created));
    // Changed: the sponsor exists now.
    std::fs::write(harness.path(NEW), "project late \"Late\" { status: active, sponsor: alice }\n").unwrap();
    let changed =
        harness.diagnostics_until(NEW, |params| !has_code("charter::unknown_reference")(params)).await;
    insta::assert_json_snapshot!("changed", codes(&changed));
    // Deleted: its diagnostics are cleared.
    std::fs::remove_file(harness.path(NEW)).unwrap();
    harness.diagnostics_until(NEW, |params| params["diagnostics"] == json!([])).await;
    harness.shutdown().await;
}

#[tokio::test]
async fn a_rename_in_a_shell_moves_the_diagnostics() {
    let mut harness = without_client_watchers().await;
    std::fs::write(harness.path(NEW), "project late \"Late\" { status: active, sponsor: nobody }\n").unwrap();
    harness.diagnostics_until(NEW, has_code("charter::unknown_reference")).await;
    let renamed = "portfolio/renamed.charter";
    std::fs::rename(harness.path(NEW), harness.path(renamed)).unwrap();
    harness.diagnostics_until(renamed, has_code("charter::unknown_reference")).await;
    harness.diagnostics_until(NEW, |params| params["diagnostics"] == json!([])).await;
    harness.shutdown().await;
}

#[tokio::test]
async fn a_directory_moved_in_a_shell_is_walked_again() {
    let mut harness = without_client_watchers().await;
    let outside = harness.root.parent().unwrap().join("elsewhere");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(
        outside.join("late.charter"),
        "project late \"Late\" { status: active, sponsor: nobody }\n",
    )
    .unwrap();
    // A directory moved into the workspace reports only itself, not its files.
    std::fs::rename(&outside, harness.path("moved")).unwrap();
    harness.diagnostics_until("moved/late.charter", has_code("charter::unknown_reference")).await;
    // A file created in it afterwards is seen too: the new directory is watched.
    std::fs::write(harness.path("moved/later.charter"), "project later \"Later\" { sponsor: nobody }\n")
        .unwrap();
    harness.diagnostics_until("moved/later.charter", has_code("charter::unknown_reference")).await;
    harness.shutdown().await;
}

#[tokio::test]
async fn an_open_document_keeps_the_editors_text_when_its_file_changes() {
    let mut harness = without_client_watchers().await;
    let text = harness.open(PROJECTS).await;
    let opened = harness.diagnostics(PROJECTS, Some(1)).await;
    // The editor owns the text: what is written to disk behind its back is not read.
    std::fs::write(harness.path(PROJECTS), "project broken {{{\n").unwrap();
    // A change of another file, seen after the one above, shows that the analysis
    // that followed both still has the editor's text.
    std::fs::write(harness.path(NEW), "project late \"Late\" { status: active, sponsor: nobody }\n").unwrap();
    harness.diagnostics_until(NEW, has_code("charter::unknown_reference")).await;
    let now = harness.latest.get(&harness.uri(PROJECTS)).cloned().unwrap();
    assert_eq!(codes(&now), codes(&opened));
    assert!(text.contains("checkout_revamp"));
    harness.shutdown().await;
}

/// Helix accepts watcher registrations but reports only its own writes, so the server
/// watches the disk for it too, and asks it to watch nothing.
#[tokio::test]
async fn helix_gets_the_servers_own_watcher() {
    let mut harness =
        Harness::start_as("basic", default_capabilities(), json!({"name": "helix", "version": "25.7.1"}))
            .await;
    harness.wait_for_files(&[PEOPLE, PROJECTS]).await;
    let registrations: Vec<&Value> =
        harness.received.iter().filter(|message| message["method"] == "client/registerCapability").collect();
    assert!(registrations.is_empty(), "{registrations:?}");
    std::fs::write(harness.path(NEW), "project late \"Late\" { status: active, sponsor: nobody }\n").unwrap();
    harness.diagnostics_until(NEW, has_code("charter::unknown_reference")).await;
    harness.shutdown().await;
}
