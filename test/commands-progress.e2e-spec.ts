import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBillingServices, InMemoryUsageSource, type BillingServices } from '@keymeter/billing';
import { openDatabase, runDatabaseMigrations, type DatabaseHandle } from '@keymeter/database';
import { createEmbeddedEventLog, type EventLog } from '@keymeter/event-log';
import { createKeyManagement } from '@keymeter/keys';
import { createTestDatabase, REPO_ROOT, type TestDatabase } from '@keymeter/testing';

/**
 * The finance commands as an operator runs them (built output, real Postgres, chDB): each shows its
 * progress on stderr — plain lines here, since stderr is a pipe — and keeps stdout for its result.
 */

const SYSTEM = { type: 'system', label: 'commands e2e' } as const;
const PERIOD = '2026-10';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function command(file: string, args: string[], env: Record<string, string>): Promise<Ran> {
  const entry = join(REPO_ROOT, 'dist', 'libs', 'billing', 'src', 'cli', file);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('billing commands show progress', () => {
  let db: TestDatabase;
  let dataDir: string;
  let handle: DatabaseHandle;
  let eventLog: EventLog;
  let billing: BillingServices;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'km-commands-'));
    handle = await openDatabase({ url: db.url });
    await runDatabaseMigrations(handle);
    eventLog = createEmbeddedEventLog({ dataDir: join(dataDir, 'event-log') });
    const keys = createKeyManagement({
      dataSource: handle.dataSource,
      eventLog,
      registryTopic: 'key-registry',
    });
    // No usage in the period: the commands read ClickHouse (empty), this process an empty usage source.
    billing = createBillingServices({
      dataSource: handle.dataSource,
      usage: new InMemoryUsageSource(() => new Date()),
      finalizeGraceMs: 0,
    });
    const plan = await billing.plans.create({
      name: 'Base',
      currency: 'USD',
      fixedFee: '20.00',
      meters: { requests: { type: 'per_unit', unitPrice: '0.01' } },
    });
    for (const name of ['Alpha', 'Beta', 'Gamma']) {
      const customer = await keys.customers.create(
        { name, email: `${name.toLowerCase()}-${Date.now()}@example.com`, timezone: 'UTC', currency: 'USD' },
        SYSTEM,
      );
      await billing.subscriptions.subscribe(customer.id, {
        planId: plan.id,
        startsAt: '2026-10-01T00:00:00Z',
      });
    }
    env = {
      DATABASE_URL: db.url,
      KEYMETER_DATA_DIR: dataDir,
      CHDB_PATH: join(dataDir, 'chdb'),
      LOG_LEVEL: 'warn',
    };
  });

  afterAll(async () => {
    await handle?.close();
    await eventLog?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('billing:run: progress lines with counts by outcome on stderr, the result as JSON on stdout', async () => {
    const ran = await command('run-invoices.js', [PERIOD], env);
    expect(ran.code).toBe(0);
    expect(ran.stderr).toMatch(
      /^invoices 2026-10 \[\.*#*\.*\] \d+% 1\/3 customers, [\d.]+\/s, ETA \S+ · created 1$/m,
    );
    expect(ran.stderr).toMatch(
      /^invoices 2026-10 \[#{30}\] 100% 3\/3 customers, [\d.]+\/s, done · created 3$/m,
    );
    expect(ran.stderr).toContain('done: {"created":3}');
    expect(ran.stderr).not.toContain('\r');
    const results = JSON.parse(ran.stdout) as { outcome: string; total: string }[];
    expect(results.map((r) => [r.outcome, r.total])).toEqual([
      ['created', '20.00'],
      ['created', '20.00'],
      ['created', '20.00'],
    ]);
  });

  it('billing:rederive --period: every finalized invoice of the period, with progress', async () => {
    for (const invoice of await billing.invoices.list({ period: PERIOD }))
      await billing.invoices.finalize(invoice.id);
    const ran = await command('rederive.js', ['--period', PERIOD], env);
    expect(ran.code).toBe(0);
    expect(ran.stderr).toMatch(
      /^re-derive 2026-10 \[#{30}\] 100% 3\/3 invoices, [\d.]+\/s, done · identical 3, differ 0$/m,
    );
    expect(ran.stderr).toContain('3 finalized invoices of 2026-10: 0 differ');
  });

  it('reports:export: progress on stderr, the rows in the file', async () => {
    const file = join(dataDir, 'report.csv');
    const ran = await command('export-report.js', [PERIOD, file], env);
    expect(ran.code).toBe(0);
    expect(ran.stderr).toMatch(/^report 2026-10 \[#{30}\] 100% \d+\/\d+ customers, [\d.]+\/s, done$/m);
    expect(ran.stderr).toMatch(/wrote \d+ rows to .*report\.csv/);
    expect(readFileSync(file, 'utf8')).toContain('Alpha');
  });
});
