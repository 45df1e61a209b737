import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The gateway routes of the demo (GATEWAY_ROUTES_FILE format, docs/gateway.md): both endpoints of the
 * sample API at 1 credit per call, which the upstream overrides with the data points it returned.
 */
export function demoRoutes(upstreamUrl: string): unknown[] {
  return [
    {
      id: 'quotes',
      method: 'GET',
      pattern: '/v1/quotes/:symbol',
      upstream: upstreamUrl,
      creditsPerCall: '1',
    },
    {
      id: 'history',
      method: 'GET',
      pattern: '/v1/history/:symbol',
      upstream: upstreamUrl,
      creditsPerCall: '1',
    },
  ];
}

/** Writes the routes file into the demo's data directory and returns its path. */
export function writeDemoRoutes(dataDir: string, upstreamUrl: string): string {
  const file = join(dataDir, 'demo-routes.json');
  writeFileSync(file, `${JSON.stringify(demoRoutes(upstreamUrl), null, 2)}\n`);
  return file;
}
