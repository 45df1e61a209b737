// The repository resolves modules the classic Node way, which ignores package.json "exports";
// `chdb/connection` exists only there. Point its types at the file the export map names.
declare module 'chdb/connection' {
  export * from 'chdb/dist/connection';
}
