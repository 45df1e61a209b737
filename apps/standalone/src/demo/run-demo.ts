import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigOrExit } from '@keymeter/config';
import { runApps } from '@keymeter/platform';
import { ALL_APPS_NEED, allApps } from '../all-apps';
import { writeDemoRoutes } from './demo-routes';
import { startMarketDataUpstream } from './market-data-upstream';
import { playDemo } from './play-demo';

/**
 * `npm run demo` (`npm start -- --demo`): the product as `npm start` runs it, on a data directory of its
 * own (`<KEYMETER_DATA_DIR>/demo`, emptied at each start so every demo begins from a fresh install),
 * plus the sample market-data API behind the gateway, then the demo itself. Runs until SIGINT/SIGTERM.
 */
export async function runDemo(durationSeconds: number): Promise<void> {
  const base = loadConfigOrExit();
  const dataDir = join(base.dataDir, 'demo');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const upstream = await startMarketDataUpstream(base.host);
  const routesFile = writeDemoRoutes(dataDir, upstream.url);
  // The same validated configuration, pointed at the demo's directory and routes; quieter logs unless
  // LOG_LEVEL says otherwise, so the demo's own lines stay readable.
  const config = loadConfigOrExit({
    LOG_LEVEL: 'warn',
    ...process.env,
    KEYMETER_DATA_DIR: dataDir,
    GATEWAY_ROUTES_FILE: routesFile,
  });
  process.stdout.write(`demo: sample market-data API at ${upstream.url}, data in ${dataDir}\n`);
  let generated: string | undefined;
  await runApps(
    'demo',
    ALL_APPS_NEED,
    allApps((plaintext) => (generated = plaintext)),
    {
      config,
      cleanup: [{ name: 'sample upstream', run: () => upstream.close() }],
      onReady: (context) => playDemo(context, { upstream, durationSeconds, adminToken: () => generated }),
    },
  );
}
