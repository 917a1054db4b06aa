// Starts charter-lsp for .charter files: the path comes from `charter.server.path`,
// else `charter-lsp` is looked up on PATH. When the server runs is decided in
// lifecycle.ts; this file only connects it to VS Code.
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";
import { ServerLifecycle } from "./lifecycle";

let lifecycle: ServerLifecycle<LanguageClient> | undefined;

function serverOptions(): ServerOptions {
  const config = vscode.workspace.getConfiguration("charter");
  const configured = config.get<string | null>("server.path");
  const command = configured && configured.trim() !== "" ? configured : "charter-lsp";
  const args = config.get<string[]>("server.extraArgs") ?? [];
  return { command, args, transport: TransportKind.stdio };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  // One output channel and one set of watchers for every client, so restarts neither
  // add output channels nor leak watchers.
  const outputChannel = vscode.window.createOutputChannel("Charter");
  const watchers = [
    vscode.workspace.createFileSystemWatcher("**/*.charter"),
    vscode.workspace.createFileSystemWatcher("**/charter.toml"),
  ];
  context.subscriptions.push(outputChannel, ...watchers);

  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "charter" }],
    synchronize: { fileEvents: watchers },
    outputChannel,
  };

  const current = new ServerLifecycle<LanguageClient>({
    createClient: () => new LanguageClient("charter", "Charter", serverOptions(), clientOptions),
    startFailed: (error) => {
      void vscode.window
        .showErrorMessage(
          `Charter: could not start charter-lsp (${message(error)}). Install it (cargo install --path lsp) or set "charter.server.path".`,
          "Open Settings",
        )
        .then((choice) => {
          if (choice === "Open Settings") {
            void vscode.commands.executeCommand("workbench.action.openSettings", "charter.server.path");
          }
        });
    },
    stopFailed: (error) => {
      outputChannel.appendLine(`charter-lsp did not stop cleanly: ${message(error)}`);
    },
  });
  lifecycle = current;

  context.subscriptions.push(
    vscode.commands.registerCommand("charter.restartServer", () => current.restart()),
    vscode.workspace.onDidChangeConfiguration((event) =>
      current.configurationChanged((section) => event.affectsConfiguration(section)),
    ),
    { dispose: () => void current.stop() },
  );
  await current.start();
}

export async function deactivate(): Promise<void> {
  await lifecycle?.stop();
}
