// Bundles the dashboard (apps/billing/dashboard) into dist/dashboard: the front-end TypeScript and uPlot into
// one app.js, uPlot's stylesheet and ours into app.css, and the page. Run by `npm run build`; the billing app
// serves the result under /dashboard with no network access at run time (docs/dashboard.md).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'apps', 'billing', 'dashboard');
const out = join(root, 'dist', 'dashboard');
const require = createRequire(import.meta.url);

mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: [join(source, 'src', 'main.ts')],
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'iife',
  target: ['chrome110', 'firefox110', 'safari16'],
  outfile: join(out, 'app.js'),
  metafile: true,
  logLevel: 'warning',
});
const uplotCss = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
writeFileSync(join(out, 'app.css'), `${uplotCss}\n${readFileSync(join(source, 'styles.css'), 'utf8')}`);
copyFileSync(join(source, 'index.html'), join(out, 'index.html'));
const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
process.stdout.write(`dashboard: dist/dashboard (${Math.round(bytes / 1024)} kB with source map)\n`);
