import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { typescriptSourceLoader } from '@keymeter/event-log';

/** How to start a worker module of this directory: its compiled file, or its TypeScript source. */
export interface WorkerEntry {
  readonly filename: string;
  /** `filename` is code to evaluate (the TypeScript loader), not a path. */
  readonly eval: boolean;
}

/**
 * The built `<name>.js` next to this file; when running from the TypeScript sources (the test runner),
 * a small loader that transpiles on load and maps `@keymeter/<lib>` to `libs/<lib>/src` (as the test
 * children of the event log do). The loader needs the `typescript` package, a development dependency.
 */
export function workerEntry(name: string): WorkerEntry {
  const built = join(__dirname, `${name}.js`);
  if (existsSync(built)) return { filename: built, eval: false };
  const source = join(__dirname, `${name}.ts`);
  const root = resolve(__dirname, '..', '..', '..', '..');
  return {
    eval: true,
    filename: `${typescriptSourceLoader(root)}
require(${JSON.stringify(source)});
`,
  };
}
