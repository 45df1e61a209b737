import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Files the build writes to dist/dashboard (scripts/build-dashboard.mjs); nothing else is served. */
export const DASHBOARD_FILES: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.js.map': 'application/json; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/**
 * dist/dashboard of the repository this code runs from: the first folder up from here holding a
 * package.json. Works from the built output (dist/apps/billing/src/dashboard) and from the sources (tests).
 */
export function dashboardAssetsDir(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return join(from, 'dashboard');
    dir = parent;
  }
  return join(dir, 'dist', 'dashboard');
}
