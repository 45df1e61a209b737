// Jest global setup: shared infrastructure for the integration and e2e projects.
// - Kafka: when KAFKA_BROKERS is unset, start a single-node broker on a test port with its own data
//   dir (a developer's broker on 9092 is left alone). Workers inherit process.env.
// - Postgres: the admin URL from which per-test-file databases are created.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..');
const TEST_KAFKA_PORT = process.env.KEYMETER_TEST_KAFKA_PORT || '19092';

function kafkaEnv() {
  return {
    ...process.env,
    KAFKA_PORT: TEST_KAFKA_PORT,
    KAFKA_DATA_DIR: path.join(repoRoot, '.kafka', `test-${TEST_KAFKA_PORT}`),
  };
}

/**
 * Runs scripts/kafka.sh. Progress goes straight to the console unless `capture` is set, in which
 * case the printed lines are returned (`start` ends with the broker address).
 */
function runKafkaScript(command, { capture = false } = {}) {
  const result = spawnSync('bash', [path.join(repoRoot, 'scripts', 'kafka.sh'), command], {
    cwd: repoRoot,
    env: kafkaEnv(),
    stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
    encoding: 'utf8',
  });
  const lines = (result.stdout || '').split('\n').filter((line) => line.trim() !== '');
  if (result.status !== 0) {
    if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
    throw new Error(`scripts/kafka.sh ${command} failed (exit ${result.status ?? result.signal})`);
  }
  return lines;
}

/** Only unit tests selected: no infrastructure needed. */
function onlyUnitProjects(globalConfig) {
  const selected = globalConfig && globalConfig.selectProjects;
  return Array.isArray(selected) && selected.length > 0 && selected.every((name) => name === 'unit');
}

function startKafka() {
  runKafkaScript('fetch');
  const lines = runKafkaScript('start', { capture: true });
  const address = lines.pop();
  lines.forEach((line) => process.stdout.write(`${line}\n`));
  if (!address || !/^[\w.-]+:\d+$/.test(address)) {
    throw new Error(`scripts/kafka.sh start printed no broker address (got: ${JSON.stringify(address)})`);
  }
  process.env.KAFKA_BROKERS = address;
  process.env.KEYMETER_TEST_KAFKA_STARTED = '1';
}

module.exports = async (globalConfig) => {
  if (!process.env.KEYMETER_TEST_PG_ADMIN_URL) {
    process.env.KEYMETER_TEST_PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/test';
  }
  if (onlyUnitProjects(globalConfig)) return;
  if (!process.env.KAFKA_BROKERS) {
    process.stdout.write('\n');
    startKafka();
  }
};

module.exports.kafkaEnv = kafkaEnv;
module.exports.runKafkaScript = runKafkaScript;
