// The extension's wiring, with fake `vscode` and `vscode-languageclient/node` modules: a
// failed start is reported, then fixing `charter.server.path` or running the restart
// command starts the server.
import { strict as assert } from "node:assert";
import Module from "node:module";
import { test } from "node:test";

type Listener = (event: { affectsConfiguration(section: string): boolean }) => unknown;

const settings: Record<string, unknown> = { "server.path": "/opt/missing/charter-lsp", "server.extraArgs": [] };
const errors: string[] = [];
const commands = new Map<string, () => unknown>();
const configurationListeners: Listener[] = [];
const clients: FakeLanguageClient[] = [];

// Behaves like vscode-languageclient 9: `stop()` throws unless the client runs.
class FakeLanguageClient {
  state = "initial";
  readonly command: string;
  readonly args: string[];

  constructor(_id: string, _name: string, server: { command: string; args: string[] }, _options: unknown) {
    this.command = server.command;
    this.args = server.args;
    clients.push(this);
  }

  async start(): Promise<void> {
    if (this.command.includes("missing")) {
      this.state = "startFailed";
      throw new Error(`spawn ${this.command} ENOENT`);
    }
    this.state = "running";
  }

  async stop(): Promise<void> {
    if (this.state !== "running") {
      throw new Error(`Client is not running and can't be stopped. It's current state is: ${this.state}`);
    }
    this.state = "stopped";
  }

  isRunning(): boolean {
    return this.state === "running";
  }
}

const disposable = { dispose() {} };
const fakeVscode = {
  workspace: {
    getConfiguration: () => ({ get: (key: string) => settings[key] }),
    createFileSystemWatcher: () => disposable,
    onDidChangeConfiguration: (listener: Listener) => {
      configurationListeners.push(listener);
      return disposable;
    },
  },
  window: {
    createOutputChannel: () => ({ appendLine() {}, dispose() {} }),
    showErrorMessage: (message: string) => {
      errors.push(message);
      return Promise.resolve(undefined);
    },
  },
  commands: {
    registerCommand: (id: string, run: () => unknown) => {
      commands.set(id, run);
      return disposable;
    },
    executeCommand: () => Promise.resolve(undefined),
  },
};
const fakeClientModule = { LanguageClient: FakeLanguageClient, TransportKind: { stdio: 0 } };

// Serve the fakes to the compiled extension's `require` calls.
const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
const load = loader._load;
loader._load = function (request: string, parent: unknown, isMain: boolean) {
  if (request === "vscode") {
    return fakeVscode;
  }
  if (request === "vscode-languageclient/node") {
    return fakeClientModule;
  }
  return load.call(this, request, parent, isMain);
};

const extension = require("../../src/extension") as typeof import("../../src/extension");

const changed = (setting: string) => ({
  affectsConfiguration: (section: string) => setting === section || setting.startsWith(`${section}.`),
});
const fire = async (setting: string) => {
  await Promise.all(configurationListeners.map((listener) => listener(changed(setting))));
};
const running = () => clients.filter((client) => client.isRunning());

test("a failed start is reported, and fixing the path or restarting starts the server", async () => {
  const context = { subscriptions: [] as { dispose(): unknown }[] };
  await extension.activate(context as never);
  assert.equal(errors.length, 1);
  assert.match(errors[0] ?? "", /could not start charter-lsp \(spawn \/opt\/missing\/charter-lsp ENOENT\).*charter\.server\.path/);
  assert.equal(running().length, 0);

  // Restarting with the path still wrong fails again, without a throw.
  const restart = commands.get("charter.restartServer");
  assert.ok(restart);
  await restart();
  assert.equal(errors.length, 2);

  // Fixing the setting starts the server.
  settings["server.path"] = "/usr/local/bin/charter-lsp";
  await fire("charter.server.path");
  assert.deepEqual(running().map((client) => client.command), ["/usr/local/bin/charter-lsp"]);

  // An unrelated setting leaves it alone; extra arguments restart it.
  await fire("charter.trace.server");
  assert.equal(clients.length, 3);
  settings["server.extraArgs"] = ["--log", "debug"];
  await fire("charter.server.extraArgs");
  assert.equal(clients.length, 4);
  assert.deepEqual(running().map((client) => client.args), [["--log", "debug"]]);

  // The restart command replaces the running server.
  await restart();
  assert.equal(clients.length, 5);
  assert.equal(running().length, 1);
  assert.equal(running()[0], clients[4]);

  await extension.deactivate();
  assert.equal(running().length, 0);
  assert.equal(errors.length, 2);
});
