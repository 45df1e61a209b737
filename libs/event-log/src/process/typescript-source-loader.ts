/**
 * Node code that lets a plain `node` process or worker thread load this repository's TypeScript sources:
 * `.ts` files transpiled on load, `@keymeter/<lib>` mapped to `libs/<lib>/src` under `repoRoot`. For running
 * from the sources (the test runner) without a build; it needs the `typescript` development dependency.
 * Append the code that requires the entry module.
 */
export function typescriptSourceLoader(repoRoot: string): string {
  return `
const Module = require('module');
const path = require('path');
const fs = require('fs');
const root = ${JSON.stringify(repoRoot)};
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
`;
}
