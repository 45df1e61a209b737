import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { lockDataDir, type DirLock } from './pglite-dir-lock';

const LOOPBACK_HOST = '127.0.0.1';
const IN_MEMORY_PREFIX = 'memory://';

export interface PgliteServer {
  /** postgres:// URL for the pg driver. PGlite accepts any user without a password. */
  readonly url: string;
  /** host:port/database, for logs. */
  readonly endpoint: string;
  /** Why the server is gone, when it stopped without being asked to; undefined while it runs. */
  failure(): string | undefined;
  stop(): Promise<void>;
}

export interface PgliteServerOptions {
  readonly dir: string;
  readonly port: number;
}

interface WorkerData {
  readonly pglitePath: string;
  readonly socketPath: string;
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
}

type WorkerMessage =
  | { readonly type: 'listening'; readonly address: string }
  | { readonly type: 'stopped' }
  | { readonly type: 'failed'; readonly message: string };

/**
 * Runs inside the worker thread. Plain JavaScript so that it runs unchanged from the TypeScript
 * sources (tests) and from the compiled build; the modules are resolved by the parent.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglitePath);
const { PGLiteSocketServer } = require(workerData.socketPath);
const describe = (error) => (error && error.stack) || String(error);
(async () => {
  const db = await PGlite.create(workerData.dataDir);
  const server = new PGLiteSocketServer({ db, host: workerData.host, port: workerData.port, maxConnections: 1 });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  parentPort.on('message', (message) => {
    if (message !== 'stop') return;
    (async () => {
      try {
        await server.stop();
      } finally {
        await db.close();
      }
    })().then(
      () => { parentPort.postMessage({ type: 'stopped' }); parentPort.close(); },
      (error) => { parentPort.postMessage({ type: 'failed', message: describe(error) }); parentPort.close(); },
    );
  });
  parentPort.postMessage({ type: 'listening', address: server.getServerConn() });
})().catch((error) => {
  parentPort.postMessage({ type: 'failed', message: describe(error) });
  parentPort.close();
});
`;

function nextMessage<T extends WorkerMessage['type']>(
  worker: Worker,
  expected: T,
): Promise<Extract<WorkerMessage, { type: T }>> {
  return new Promise((resolveMessage, reject) => {
    const onMessage = (message: WorkerMessage): void => {
      cleanup();
      if (message.type === expected) resolveMessage(message as Extract<WorkerMessage, { type: T }>);
      else if (message.type === 'failed') reject(new Error(`PGlite: ${message.message}`));
      else reject(new Error(`PGlite worker sent ${message.type} while ${expected} was expected`));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new Error(`PGlite worker exited with code ${code} before it was ${expected}`));
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/**
 * Opens PGlite on a data directory and serves it on a loopback port with the Postgres wire
 * protocol, so the application talks to it with the same driver as to a real server.
 *
 * PGlite and its socket server run in a worker thread: query execution (WebAssembly) then does
 * not block the application's event loop, and PGlite's own module loading happens outside any
 * module sandbox (such as Jest's). The server accepts a single connection: a second one is
 * refused, not queued, hence the single-connection pool in openDatabase.
 */
export async function startPgliteServer(options: PgliteServerOptions): Promise<PgliteServer> {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new Error(`pglitePort must be an integer between 0 and 65535, got ${options.port}`);
  }
  const inMemory = options.dir.startsWith(IN_MEMORY_PREFIX);
  const dataDir = inMemory ? options.dir : resolve(options.dir);
  let lock: DirLock | undefined;
  if (!inMemory) {
    await mkdir(dataDir, { recursive: true });
    lock = await lockDataDir(dataDir);
  }

  const workerData: WorkerData = {
    pglitePath: require.resolve('@electric-sql/pglite'),
    socketPath: require.resolve('@electric-sql/pglite-socket'),
    dataDir,
    host: LOOPBACK_HOST,
    port: options.port,
  };
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
  // Kept for the worker's whole life: without an 'error' listener a crash in PGlite would take the
  // application down; instead the connection fails and health() reports why.
  let crash: string | undefined;
  let stopRequested = false;
  let running = true;
  const exited = new Promise<void>((resolveExit) =>
    worker.once('exit', (code) => {
      running = false;
      if (!stopRequested) crash ??= `PGlite worker exited with code ${code}`;
      resolveExit();
    }),
  );
  worker.on('error', (error) => {
    crash = `PGlite worker failed: ${error.message}`;
  });

  let address: string;
  try {
    ({ address } = await nextMessage(worker, 'listening'));
  } catch (error) {
    stopRequested = true;
    await worker.terminate();
    await lock?.release();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    stopRequested = true;
    try {
      if (!running) return;
      const stopped = nextMessage(worker, 'stopped');
      worker.postMessage('stop');
      try {
        await stopped;
      } catch (error) {
        // PGlite did not close cleanly; make sure the thread ends.
        await worker.terminate();
        throw error;
      }
      await exited;
    } finally {
      await lock?.release();
    }
  };
  return {
    url: `postgres://postgres@${address}/postgres`,
    endpoint: `${address}/postgres`,
    failure: () => crash,
    stop: () => (stopping ??= stop()),
  };
}
