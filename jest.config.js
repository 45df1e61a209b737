// Three projects: pure unit tests, adapter integration tests (real Kafka, Postgres, chDB)
// and app e2e tests over HTTP. The global setup starts the shared infrastructure once; it belongs to the
// integration and e2e projects, so jest runs it only when one of their tests is selected (a run of unit
// tests alone starts no broker), and the second project's setup finds the first one's broker.
const moduleNameMapper = {
  '^@keymeter/(.*)$': '<rootDir>/libs/$1/src',
};
const transform = { '^.+\\.ts$': ['ts-jest', {}] };
const common = { rootDir: __dirname, testEnvironment: 'node', moduleNameMapper, transform };
const infrastructure = {
  globalSetup: '<rootDir>/test/global-setup.js',
  globalTeardown: '<rootDir>/test/global-teardown.js',
};

module.exports = {
  maxWorkers: 2,
  // Project-level testTimeout is ignored by jest; integration and e2e tests start real services.
  testTimeout: 180000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,bench,scripts,test}/**/*.spec.ts'] },
    {
      ...common,
      ...infrastructure,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,test}/**/*.int-spec.ts'],
    },
    {
      ...common,
      ...infrastructure,
      displayName: 'e2e',
      testMatch: ['<rootDir>/{apps,test}/**/*.e2e-spec.ts'],
    },
  ],
};
