import { loadConfigOrExit, type AppConfig } from '@keymeter/config';
import { createLogger } from '../logging/logger';
import type { RunningHttpApp } from '../http/start-http-app';
import type { Infrastructure } from '../infrastructure/infrastructure';
import { openInfrastructure, type OpenOptions } from '../infrastructure/open-infrastructure';
import { exitOnSignals, type ShutdownStep } from './shutdown';

export type AppStarter = (infra: Infrastructure) => Promise<RunningHttpApp>;

/** What runs once every app listens (the first-run hints, the demo). */
export interface ReadyContext {
  readonly infra: Infrastructure;
  readonly apps: readonly RunningHttpApp[];
  /** Aborted when the process starts shutting down: long work stops early. */
  readonly signal: AbortSignal;
}

export interface RunAppsOptions {
  /** The configuration to run with; by default the environment's, loaded and validated here. */
  readonly config?: AppConfig;
  /** Runs after the ready lines; if it fails the process shuts down in order and exits 1. */
  readonly onReady?: (context: ReadyContext) => Promise<void>;
  /** Shutdown steps after the apps stopped and before the infrastructure closes. */
  readonly cleanup?: readonly ShutdownStep[];
}

function describeAdapters(infra: Infrastructure): string {
  const parts: string[] = [];
  if (infra.eventLog) parts.push(`event log: ${infra.eventLog.adapter}`);
  if (infra.clickhouse) parts.push(`clickhouse: ${infra.clickhouse.adapter}`);
  if (infra.database) parts.push(`postgres: ${infra.database.adapter}`);
  return parts.join(', ');
}

/** `  gateway   http://127.0.0.1:8080   ready (health: …/health, API: …/docs)`; tests read the name and URL. */
function readyLine(app: RunningHttpApp): string {
  return `  ${app.name.padEnd(9)} ${app.url}   ready (health: ${app.url}/health, API: ${app.url}/docs)\n`;
}

/**
 * An entry point: read the config once, open the shared infrastructure, start the apps (printing a line as
 * each one is ready), and shut everything down in order on SIGTERM/SIGINT (long work is aborted, apps
 * stop accepting, cleanup steps run, then the infrastructure flushes and closes).
 */
export async function runApps(
  processName: string,
  needs: OpenOptions,
  starters: readonly AppStarter[],
  options: RunAppsOptions = {},
): Promise<void> {
  const config = options.config ?? loadConfigOrExit();
  const logger = createLogger(config.logLevel, processName);
  let infra: Infrastructure;
  try {
    infra = await openInfrastructure(config, logger, needs);
  } catch (error) {
    logger.fatal({ err: error }, 'could not open the infrastructure');
    process.exit(1);
  }
  const apps: RunningHttpApp[] = [];
  const aborter = new AbortController();
  const shutDown = exitOnSignals(logger, () => [
    { name: 'abort', run: async () => aborter.abort() },
    ...apps.map((app) => ({ name: app.name, run: () => app.close() })),
    ...(options.cleanup ?? []),
    { name: 'infrastructure', run: () => infra.close() },
  ]);
  const adapters = describeAdapters(infra);
  process.stdout.write(`keymeter ${processName} starting (${adapters})\n`);
  try {
    for (const start of starters) {
      const app = await start(infra);
      apps.push(app);
      process.stdout.write(readyLine(app));
    }
  } catch (error) {
    logger.fatal({ err: error }, 'could not start');
    for (const app of apps) await app.close().catch(() => undefined);
    for (const step of options.cleanup ?? []) await step.run().catch(() => undefined);
    await infra.close().catch(() => undefined);
    process.exit(1);
  }
  process.stdout.write(`keymeter ${processName} ready (${adapters})\n`);
  if (options.onReady === undefined) return;
  try {
    await options.onReady({ infra, apps, signal: aborter.signal });
  } catch (error) {
    if (aborter.signal.aborted) return; // stopped on purpose
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    shutDown('failed after start-up', 1);
  }
}
