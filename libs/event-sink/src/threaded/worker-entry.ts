import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

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
    filename: `
const Module = require('module');
const path = require('path');
const fs = require('fs');
const root = ${JSON.stringify(root)};
const ts = require(require.resolve('typescript', { paths: [root] }));
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request.startsWith('@keymeter/')) {
    const [lib, ...sub] = request.slice('@keymeter/'.length).split('/');
    request = path.join(root, 'libs', lib, 'src', ...sub);
  }
  return resolveFilename.call(this, request, ...rest);
};
Module._extensions['.ts'] = function (module, filename) {
  const output = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
    },
  });
  module._compile(output.outputText, filename);
};
require(${JSON.stringify(source)});
`,
  };
}
