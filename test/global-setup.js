// Jest global setup: shared infrastructure for the integration and e2e projects.
// - Kafka: when KAFKA_BROKERS is unset, start a single-node broker for this run on a free test port
//   (19092, 19102, ...) with its own data dir, so a developer's broker on 9092 and concurrent test
//   runs on the same machine are left alone. Workers inherit process.env.
// - Postgres: the admin URL from which per-test-file databases are created.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..');
const FIRST_TEST_KAFKA_PORT = Number(process.env.KEYMETER_TEST_KAFKA_PORT || 19092);
/** Each broker takes two ports (client, controller); candidates are spaced by this. */
const PORT_STEP = 10;
const PORT_CANDIDATES = 20;
/** kafka.sh exit status when the port or data dir is taken. */
const EXIT_TAKEN = 4;

function kafkaEnv(port) {
  return {
    ...process.env,
    KAFKA_PORT: String(port),
    KAFKA_DATA_DIR: path.join(repoRoot, '.kafka', `test-${port}`),
    KAFKA_START_EXCLUSIVE: '1',
  };
}

/**
 * Runs scripts/kafka.sh for the broker on `port`. Progress goes straight to the console unless
 * `capture` is set, in which case the printed lines are returned.
 */
function runKafkaScript(command, port, { capture = false } = {}) {
  const result = spawnSync('bash', [path.join(repoRoot, 'scripts', 'kafka.sh'), command], {
    cwd: repoRoot,
    env: kafkaEnv(port),
    stdio: ['ignore', capture ? 'pipe' : 'inherit', capture ? 'pipe' : 'inherit'],
    encoding: 'utf8',
  });
  const lines = (result.stdout || '').split('\n').filter((line) => line.trim() !== '');
  return { status: result.status, signal: result.signal, lines, stderr: result.stderr || '' };
}

function print(lines) {
  for (const line of lines) process.stdout.write(`${line}\n`);
}

/** `jest --selectProjects unit` (npm run test:unit) needs no infrastructure. */
function onlyUnitProjectsSelected(argv) {
  const selected = [];
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i].startsWith('--selectProjects=')) selected.push(argv[i].slice('--selectProjects='.length));
    if (argv[i] === '--selectProjects') {
      for (i += 1; i < argv.length && !argv[i].startsWith('-'); i += 1) selected.push(argv[i]);
      i -= 1;
    }
  }
  return selected.length > 0 && selected.every((name) => name === 'unit');
}

/** File in a test broker's data dir naming the jest process that started it. */
const OWNER_FILE = 'jest-owner.pid';

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Stops test brokers of this checkout whose jest run died without its teardown (e.g. Ctrl-C). */
function stopOrphanedBrokers() {
  const root = path.join(repoRoot, '.kafka');
  const dirs = fs.existsSync(root) ? fs.readdirSync(root).filter((name) => /^test-\d+$/.test(name)) : [];
  for (const dir of dirs) {
    let owner;
    try {
      owner = Number(fs.readFileSync(path.join(root, dir, OWNER_FILE), 'utf8'));
    } catch {
      continue; // starting right now, or not made by this setup
    }
    if (!Number.isInteger(owner) || owner <= 0 || isAlive(owner)) continue;
    const port = Number(dir.slice('test-'.length));
    process.stdout.write(`kafka: stopping the broker left on port ${port} by an interrupted test run\n`);
    runKafkaScript('stop', port);
  }
}

function startKafka() {
  stopOrphanedBrokers();
  const fetch = runKafkaScript('fetch', FIRST_TEST_KAFKA_PORT);
  if (fetch.status !== 0)
    throw new Error(`scripts/kafka.sh fetch failed (exit ${fetch.status ?? fetch.signal})`);

  for (let n = 0; n < PORT_CANDIDATES; n += 1) {
    const port = FIRST_TEST_KAFKA_PORT + n * PORT_STEP;
    const start = runKafkaScript('start', port, { capture: true });
    if (start.status === EXIT_TAKEN) continue; // another run's broker (or another service) is there
    if (start.status !== 0) {
      print(start.lines);
      process.stderr.write(start.stderr);
      throw new Error(`scripts/kafka.sh start failed on port ${port} (exit ${start.status ?? start.signal})`);
    }
    const address = start.lines.pop();
    print(start.lines);
    if (!address || !/^[\w.-]+:\d+$/.test(address)) {
      throw new Error(`scripts/kafka.sh start printed no broker address (got: ${JSON.stringify(address)})`);
    }
    fs.writeFileSync(path.join(kafkaEnv(port).KAFKA_DATA_DIR, OWNER_FILE), String(process.pid));
    process.env.KAFKA_BROKERS = address;
    process.env.KEYMETER_TEST_KAFKA_STARTED = '1';
    process.env.KEYMETER_TEST_KAFKA_STARTED_PORT = String(port);
    return;
  }
  throw new Error(
    `no free port for a test broker among ${PORT_CANDIDATES} candidates from ${FIRST_TEST_KAFKA_PORT}`,
  );
}

module.exports = async () => {
  if (!process.env.KEYMETER_TEST_PG_ADMIN_URL) {
    process.env.KEYMETER_TEST_PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/test';
  }
  if (onlyUnitProjectsSelected(process.argv)) return;
  if (!process.env.KAFKA_BROKERS) {
    process.stdout.write('\n');
    startKafka();
  }
};

module.exports.runKafkaScript = runKafkaScript;
