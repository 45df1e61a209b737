import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtEntry, startAppProcess, type AppProcess } from './app-process';

/** Writes a gateway routes file with one route, GET /v1/quotes/:symbol at 1 credit a call, and returns its path. */
export function writeQuotesRoute(dir: string, upstreamPort: number): string {
  const routesFile = join(dir, 'routes.json');
  writeFileSync(
    routesFile,
    JSON.stringify([
      {
        id: 'quotes',
        method: 'GET',
        pattern: '/v1/quotes/:symbol',
        upstream: `http://127.0.0.1:${upstreamPort}`,
        creditsPerCall: '1',
      },
    ]),
  );
  return routesFile;
}

/**
 * Starts the built product (all three apps in one process) on free ports with the given data directory
 * and admin token; `env` adds or overrides variables. Resolves when every app is listening.
 */
export function startProduct(
  dataDir: string,
  adminToken: string,
  env: Record<string, string> = {},
): Promise<AppProcess> {
  return startAppProcess(
    builtEntry('standalone'),
    {
      KEYMETER_DATA_DIR: dataDir,
      GATEWAY_PORT: '0',
      INGESTOR_PORT: '0',
      BILLING_PORT: '0',
      LOG_LEVEL: 'warn',
      ADMIN_TOKEN: adminToken,
      ...env,
    },
    ['gateway', 'ingestor', 'billing'],
  );
}
