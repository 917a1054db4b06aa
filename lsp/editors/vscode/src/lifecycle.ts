// When the language server starts, stops and restarts. This module knows nothing of VS
// Code, so the tests drive it with a fake client.
//
// vscode-languageclient 9 cannot reuse a client whose start failed: `stop()` and
// `dispose()` throw in the state `startFailed` ("Client is not running and can't be
// stopped"), and `start()` only returns the failed promise again. So every start builds a
// new client (which also picks up a changed `charter.server.path`), and an old client is
// stopped only while it runs.

/** The part of vscode-languageclient's `LanguageClient` this module uses. */
export interface ServerClient {
  start(): Promise<void>;
  stop(): Promise<void>;
  isRunning(): boolean;
}

/** How the lifecycle builds clients and tells the user about failures. */
export interface LifecycleHost<C extends ServerClient> {
  /** Builds a client from the current settings; it is started right after. */
  createClient(): C;
  /** The client could not start (`charter-lsp` missing, not executable, crashed at once). */
  startFailed(error: unknown): void;
  /** The previous server did not stop cleanly; the next one starts anyway. */
  stopFailed(error: unknown): void;
}

/** The settings section whose change restarts the server (path, extra arguments). */
export const SERVER_SECTION = "charter.server";

export class ServerLifecycle<C extends ServerClient> {
  private client: C | undefined;
  // Starts, stops and restarts run one after another, in the order asked, so two quick
  // setting changes never leave two servers running.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly host: LifecycleHost<C>) {}

  /** The client of the latest start, running or not. */
  get current(): C | undefined {
    return this.client;
  }

  /** Starts a server unless one runs; true when a server runs afterwards. */
  start(): Promise<boolean> {
    return this.enqueue(async () => {
      if (this.client?.isRunning()) {
        return true;
      }
      return this.startNew();
    });
  }

  /** Stops the running server, if any. */
  stop(): Promise<void> {
    return this.enqueue(() => this.stopCurrent());
  }

  /** Stops the server (whatever state it is in) and starts a new one from the settings. */
  restart(): Promise<boolean> {
    return this.enqueue(async () => {
      await this.stopCurrent();
      return this.startNew();
    });
  }

  /**
   * Restarts when a `charter.server.*` setting changed; `affects` is VS Code's
   * `ConfigurationChangeEvent.affectsConfiguration`. Resolves to undefined when nothing
   * relevant changed.
   */
  async configurationChanged(affects: (section: string) => boolean): Promise<boolean | undefined> {
    if (!affects(SERVER_SECTION)) {
      return undefined;
    }
    return this.restart();
  }

  private enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation, operation);
    // A failed operation must not stop the ones queued after it.
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async startNew(): Promise<boolean> {
    const client = this.host.createClient();
    this.client = client;
    try {
      await client.start();
      return true;
    } catch (error) {
      this.host.startFailed(error);
      return false;
    }
  }

  private async stopCurrent(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    // A client that never got running (start failed, or not started) has no server to stop,
    // and asking it to stop would throw.
    if (client === undefined || !client.isRunning()) {
      return;
    }
    try {
      await client.stop();
    } catch (error) {
      this.host.stopFailed(error);
    }
  }
}
