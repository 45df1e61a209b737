/**
 * A Kafka broker of the test's own (scripts/kafka.sh on a private port and data dir), which the test
 * may stop and start again mid-traffic. `scripts/kafka.sh start` always formats fresh storage, so a
 * restart that keeps the topic's data runs the broker's JVM directly on the same server.properties,
 * with the same options the script uses; `stop()` then goes through the script, which removes the dir.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, readFileSync, writeFileSync, closeSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '../../..');
const SCRIPT = join(REPO_ROOT, 'scripts', 'kafka.sh');
/** kafka.sh: port or data dir taken. */
const EXIT_TAKEN = 4;

export class OwnKafkaBroker {
  /** The JVM started by `resume`: a child of this process, so it must be reaped here, not polled by pid. */
  private restarted: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly parentDir: string,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /**
   * Starts a fresh broker on the first free port from `firstPort` (spaced by 10). The default stays below
   * Linux's ephemeral range (32768+), where any outgoing connection may hold the port at any moment.
   */
  static start(firstPort = 18092): OwnKafkaBroker {
    for (let attempt = 0; attempt < 10; attempt++) {
      const port = firstPort + attempt * 10;
      const parentDir = mkdtempSync(join(tmpdir(), 'keymeter-sink-kafka-'));
      const dataDir = join(parentDir, 'broker');
      const result = runScript('start', port, dataDir);
      const lostBindRace = `${result.stdout}${result.stderr}`.includes('Address already in use');
      if (result.status === EXIT_TAKEN || (result.status !== 0 && lostBindRace)) {
        rmSync(parentDir, { recursive: true, force: true });
        continue;
      }
      if (result.status !== 0) {
        rmSync(parentDir, { recursive: true, force: true });
        throw new Error(`scripts/kafka.sh start on port ${port} failed: ${result.stdout}${result.stderr}`);
      }
      return new OwnKafkaBroker(port, dataDir, parentDir);
    }
    throw new Error(`no free port for a private Kafka broker from ${firstPort}`);
  }

  /** SIGTERM to the broker, waiting until it exited; its data stays. */
  async halt(): Promise<void> {
    const child = this.restarted;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
      child.kill('SIGTERM');
      await exited;
      return;
    }
    const pid = this.pid();
    if (pid === undefined) return;
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 60_000;
    while (alive(pid)) {
      if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
      await sleep(100);
    }
  }

  /** Starts the broker again on the same data dir and waits until it serves. */
  async resume(): Promise<void> {
    const logDir = join(this.dataDir, 'logs');
    const serverLog = join(logDir, 'server.log');
    const startsBefore = countStarts(serverLog);
    const out = openSync(join(logDir, 'stdout.log'), 'a');
    const child = spawn(
      'java',
      [
        '-Xms128m',
        '-Xmx512m',
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        `-Dlog4j2.configurationFile=${join(REPO_ROOT, 'infra', 'kafka', 'log4j2.xml')}`,
        `-Dkafka.logs.dir=${logDir}`,
        '-Djava.awt.headless=true',
        '-cp',
        `${join(REPO_ROOT, 'infra', 'kafka', 'lib')}/*`,
        'kafka.Kafka',
        join(this.dataDir, 'server.properties'),
      ],
      { detached: true, stdio: ['ignore', out, out] },
    );
    closeSync(out);
    this.restarted = child;
    writeFileSync(join(this.dataDir, 'broker.pid'), String(child.pid));
    const deadline = Date.now() + 90_000;
    while (!(countStarts(serverLog) > startsBefore && (await portOpen(this.port)))) {
      if (child.exitCode !== null) throw new Error(`the restarted broker exited (${child.exitCode})`);
      if (Date.now() > deadline) throw new Error(`the restarted broker did not serve on ${this.address}`);
      await sleep(200);
    }
  }

  /** Stops the broker (through the script, which also removes its data dir). */
  async stop(): Promise<void> {
    await this.halt();
    runScript('stop', this.port, this.dataDir);
    rmSync(this.parentDir, { recursive: true, force: true });
  }

  private pid(): number | undefined {
    const file = join(this.dataDir, 'broker.pid');
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && alive(pid) ? pid : undefined;
  }
}

function runScript(
  command: string,
  port: number,
  dataDir: string,
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('bash', [SCRIPT, command], {
    cwd: REPO_ROOT,
    env: { ...process.env, KAFKA_PORT: String(port), KAFKA_DATA_DIR: dataDir, KAFKA_START_EXCLUSIVE: '1' },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

function countStarts(serverLog: string): number {
  if (!existsSync(serverLog)) return 0;
  return readFileSync(serverLog, 'utf8').split('Kafka Server started').length - 1;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolvePort(true);
    });
    socket.once('error', () => resolvePort(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}
