import type { AppStarter, OpenOptions, RunningHttpApp } from '@keymeter/platform';
import { startBilling } from '../../billing/src/start-billing';
import { startGateway } from '../../gateway/src/start-gateway';
import { startIngestor } from '../../ingestor/src/start-ingestor';

/** What the three apps need, opened once and shared. */
export const ALL_APPS_NEED: OpenOptions = { eventLog: true, clickhouse: true, database: true };

/**
 * The three apps in start order. An admin token generated at first start is printed at once (it must
 * never be lost, even if something fails later) and also handed to `onAdminToken` for the first-run hints.
 */
export function allApps(onAdminToken: (plaintext: string) => void): AppStarter[] {
  return [
    startGateway,
    startIngestor,
    (infra) =>
      startBilling(infra, {
        showAdminTokenOnce: (plaintext) => {
          process.stdout.write(`admin token (shown once): ${plaintext}\n`);
          onAdminToken(plaintext);
        },
      }),
  ];
}

/** The base URL of one of the running apps. */
export function appUrl(apps: readonly RunningHttpApp[], name: string): string {
  const app = apps.find((a) => a.name === name);
  if (app === undefined) throw new Error(`${name} is not running`);
  return app.url;
}
