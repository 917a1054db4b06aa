// Starts charter-lsp for .charter files: the path comes from `charter.server.path`,
// else `charter-lsp` is looked up on PATH.
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;

function serverOptions(): ServerOptions {
  const config = vscode.workspace.getConfiguration("charter");
  const configured = config.get<string | null>("server.path");
  const command = configured && configured.trim() !== "" ? configured : "charter-lsp";
  const args = config.get<string[]>("server.extraArgs") ?? [];
  return { command, args, transport: TransportKind.stdio };
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "charter" }],
    synchronize: {
      fileEvents: [
        vscode.workspace.createFileSystemWatcher("**/*.charter"),
        vscode.workspace.createFileSystemWatcher("**/charter.toml"),
      ],
    },
  };
  client = new LanguageClient("charter", "Charter", serverOptions(), clientOptions);
  try {
    await client.start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(
      `Charter: could not start charter-lsp (${message}). Install it (cargo install --path lsp) or set "charter.server.path".`,
    );
  }
  context.subscriptions.push({ dispose: () => void client?.stop() });
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("charter.restartServer", async () => {
      await client?.stop();
      await start(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("charter.server")) {
        await client?.stop();
        await start(context);
      }
    }),
  );
  await start(context);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
