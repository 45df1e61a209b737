import { loadConfigOrExit } from '@keymeter/config';
import { createLogger } from '../logging/logger';
import type { RunningHttpApp } from '../http/start-http-app';
import type { Infrastructure } from '../infrastructure/infrastructure';
import { openInfrastructure, type OpenOptions } from '../infrastructure/open-infrastructure';
import { exitOnSignals } from './shutdown';

export type AppStarter = (infra: Infrastructure) => Promise<RunningHttpApp>;

function describeAdapters(infra: Infrastructure): string {
  const parts: string[] = [];
  if (infra.eventLog) parts.push(`event log: ${infra.eventLog.adapter}`);
  if (infra.clickhouse) parts.push(`clickhouse: ${infra.clickhouse.adapter}`);
  if (infra.database) parts.push(`postgres: ${infra.database.adapter}`);
  return parts.join(', ');
}

/**
 * An entry point: read the config once, open the shared infrastructure, start the apps, print where
 * each listens, and shut everything down in order on SIGTERM (apps stop accepting first, then the
 * infrastructure flushes and closes).
 */
export async function runApps(
  processName: string,
  needs: OpenOptions,
  starters: readonly AppStarter[],
): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, processName);
  let infra: Infrastructure;
  try {
    infra = await openInfrastructure(config, logger, needs);
  } catch (error) {
    logger.fatal({ err: error }, 'could not open the infrastructure');
    process.exit(1);
  }
  const apps: RunningHttpApp[] = [];
  exitOnSignals(logger, () => [
    ...apps.map((app) => ({ name: app.name, run: () => app.close() })),
    { name: 'infrastructure', run: () => infra.close() },
  ]);
  try {
    for (const start of starters) apps.push(await start(infra));
  } catch (error) {
    logger.fatal({ err: error }, 'could not start');
    for (const app of apps) await app.close().catch(() => undefined);
    await infra.close().catch(() => undefined);
    process.exit(1);
  }
  const lines = apps.map((app) => `  ${app.name.padEnd(9)} ${app.url}   (health: ${app.url}/health)`);
  process.stdout.write(`keymeter ${processName} ready (${describeAdapters(infra)})\n${lines.join('\n')}\n`);
}
