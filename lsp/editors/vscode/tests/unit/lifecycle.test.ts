// The server's start, stop and restart logic, driven with fake clients that behave like
// vscode-languageclient 9's `LanguageClient` (no VS Code needed).
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { ServerLifecycle, ServerClient } from "../../src/lifecycle";

type State = "initial" | "starting" | "running" | "startFailed" | "stopped";

// A fake `LanguageClient`: `start()` fails when told to, and `stop()` throws unless the
// client runs, as the real one does in the state `startFailed`.
class FakeClient implements ServerClient {
  state: State = "initial";
  stops = 0;

  constructor(
    readonly command: string,
    private readonly failStart: boolean,
    private readonly log: string[],
  ) {}

  async start(): Promise<void> {
    this.log.push(`start ${this.command}`);
    this.state = "starting";
    await Promise.resolve();
    if (this.failStart) {
      this.state = "startFailed";
      throw new Error(`spawn ${this.command} ENOENT`);
    }
    this.state = "running";
  }

  async stop(): Promise<void> {
    if (this.state !== "running") {
      throw new Error(`Client is not running and can't be stopped. It's current state is: ${this.state}`);
    }
    this.log.push(`stop ${this.command}`);
    this.stops += 1;
    await Promise.resolve();
    this.state = "stopped";
  }

  isRunning(): boolean {
    return this.state === "running";
  }
}

// A host whose `charter.server.path` setting the test changes; a path containing
// `missing` fails to start.
function harness(path: string) {
  const log: string[] = [];
  const settings = { path };
  const clients: FakeClient[] = [];
  const failures: string[] = [];
  const lifecycle = new ServerLifecycle<FakeClient>({
    createClient: () => {
      const client = new FakeClient(settings.path, settings.path.includes("missing"), log);
      clients.push(client);
      return client;
    },
    startFailed: (error) => failures.push(error instanceof Error ? error.message : String(error)),
    stopFailed: (error) => failures.push(`stop: ${error instanceof Error ? error.message : String(error)}`),
  });
  return { log, settings, clients, failures, lifecycle };
}

const running = (clients: FakeClient[]) => clients.filter((client) => client.isRunning()).length;

test("a failed start is reported and leaves no server running", async () => {
  const { lifecycle, failures, clients } = harness("/opt/missing/charter-lsp");
  assert.equal(await lifecycle.start(), false);
  assert.deepEqual(failures, ["spawn /opt/missing/charter-lsp ENOENT"]);
  assert.equal(running(clients), 0);
});

test("restart works after a failed start", async () => {
  const { lifecycle, settings, clients, failures, log } = harness("/opt/missing/charter-lsp");
  assert.equal(await lifecycle.start(), false);
  settings.path = "/usr/local/bin/charter-lsp";
  assert.equal(await lifecycle.restart(), true);
  assert.equal(failures.length, 1, "only the first start failed; the failed client is not stopped");
  assert.equal(clients.length, 2, "the failed client is not reused");
  assert.equal(lifecycle.current, clients[1]);
  assert.equal(running(clients), 1);
  assert.deepEqual(log, ["start /opt/missing/charter-lsp", "start /usr/local/bin/charter-lsp"]);
});

test("restarting again after a failed start keeps trying", async () => {
  const { lifecycle, settings, clients } = harness("/opt/missing/charter-lsp");
  await lifecycle.start();
  assert.equal(await lifecycle.restart(), false);
  settings.path = "charter-lsp";
  assert.equal(await lifecycle.restart(), true);
  assert.equal(clients.length, 3);
  assert.equal(running(clients), 1);
});

test("changing charter.server.path restarts with the new path", async () => {
  const { lifecycle, settings, clients, log } = harness("/opt/missing/charter-lsp");
  await lifecycle.start();
  settings.path = "/usr/local/bin/charter-lsp";
  const affected = (section: string) => "charter.server.path".startsWith(section);
  assert.equal(await lifecycle.configurationChanged(affected), true);
  assert.equal(lifecycle.current?.command, "/usr/local/bin/charter-lsp");
  assert.equal(running(clients), 1);

  // A second change stops the running server before starting the next one.
  settings.path = "/home/me/.cargo/bin/charter-lsp";
  assert.equal(await lifecycle.configurationChanged(affected), true);
  assert.deepEqual(log.slice(-2), ["stop /usr/local/bin/charter-lsp", "start /home/me/.cargo/bin/charter-lsp"]);
  assert.equal(running(clients), 1);
});

test("a setting outside charter.server does not restart", async () => {
  const { lifecycle, clients } = harness("charter-lsp");
  await lifecycle.start();
  const affected = (section: string) => "charter.trace.server".startsWith(section);
  assert.equal(await lifecycle.configurationChanged(affected), undefined);
  assert.equal(clients.length, 1);
  assert.equal(running(clients), 1);
});

test("start does not start a second server while one runs", async () => {
  const { lifecycle, clients } = harness("charter-lsp");
  assert.equal(await lifecycle.start(), true);
  assert.equal(await lifecycle.start(), true);
  assert.equal(clients.length, 1);
});

test("restarts asked for at once run one after another", async () => {
  const { lifecycle, clients } = harness("charter-lsp");
  await lifecycle.start();
  const results = await Promise.all([lifecycle.restart(), lifecycle.restart(), lifecycle.restart()]);
  assert.deepEqual(results, [true, true, true]);
  assert.equal(clients.length, 4);
  assert.equal(running(clients), 1);
  assert.ok(clients.slice(0, 3).every((client) => client.stops === 1), "each earlier server stopped once");
});

test("a server that does not stop cleanly is reported and the next one starts", async () => {
  const { lifecycle, clients, failures } = harness("charter-lsp");
  await lifecycle.start();
  const first = clients[0];
  assert.ok(first);
  first.stop = async () => {
    throw new Error("Stopping the server timed out");
  };
  assert.equal(await lifecycle.restart(), true);
  assert.deepEqual(failures, ["stop: Stopping the server timed out"]);
  assert.equal(lifecycle.current, clients[1]);
});

test("stop stops the running server, and is harmless after a failed start", async () => {
  const ok = harness("charter-lsp");
  await ok.lifecycle.start();
  await ok.lifecycle.stop();
  assert.equal(running(ok.clients), 0);
  assert.equal(ok.lifecycle.current, undefined);

  const failed = harness("/opt/missing/charter-lsp");
  await failed.lifecycle.start();
  await failed.lifecycle.stop();
  assert.deepEqual(failed.failures, ["spawn /opt/missing/charter-lsp ENOENT"]);
});
