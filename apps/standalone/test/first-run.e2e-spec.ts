import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtEntry, startAppProcess, type AppProcess } from '@keymeter/testing';

/**
 * `npm start` on an empty install: the generated admin token is shown at the first start only, and the
 * first steps (copy-pasteable commands with the real ports) until the first customer exists.
 */

const APPS = ['gateway', 'ingestor', 'billing'];

/** Runs a printed shell command with the given environment; its stdout. */
function shell(command: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      'bash',
      ['-c', command],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (error: Error | null, stdout: string) => (error ? reject(error) : resolve(stdout)),
    ),
  );
}

/** The command printed under the numbered comment `# n.`. */
function step(output: string, n: number): string {
  const lines = output.split('\n');
  const at = lines.findIndex((line) => line.trim().startsWith(`# ${n}.`));
  const command = lines[at + 1]?.trim();
  if (at < 0 || !command?.startsWith('curl ')) throw new Error(`no step ${n} in:\n${output}`);
  return command;
}

/** Waits for what the process prints after its ready lines: the first steps, or the customer count. */
async function settled(running: AppProcess): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (!/npm run demo|customers? on this install/.test(running.output())) {
    if (Date.now() > deadline) throw new Error(`nothing after the ready lines:\n${running.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return running.output();
}

describe('npm start on an empty install', () => {
  let dataDir: string;
  let running: AppProcess | undefined;
  const env = (): Record<string, string> => ({
    KEYMETER_DATA_DIR: dataDir,
    GATEWAY_PORT: '0',
    INGESTOR_PORT: '0',
    BILLING_PORT: '0',
    LOG_LEVEL: 'warn',
  });
  let adminToken = '';

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'km-first-run-'));
  });
  afterEach(async () => {
    await running?.stop('SIGTERM');
    running = undefined;
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('first start: prints the generated admin token once and the first steps with the real ports', async () => {
    running = await startAppProcess(builtEntry('standalone'), env(), APPS);
    const output = await settled(running);
    const tokens = output.match(/km_admin_[0-9A-Za-z]{39}/g) ?? [];
    expect(tokens.length).toBeGreaterThan(0);
    adminToken = tokens[0]!;
    expect(new Set(tokens)).toEqual(new Set([adminToken])); // one token, never a second one
    expect(output).toContain(`admin token (shown once): ${adminToken}`);
    expect(output).toContain('First steps: this install has no customers yet.');
    expect(output).toContain(`export ADMIN_TOKEN=${adminToken}`);
    expect(step(output, 1)).toContain(`${running.urls.billing}/v1/customers `);
    expect(step(output, 3)).toContain(`${running.urls.gateway}/`);
    // The printed token is the admin token: accepted by the admin API.
    const response = await fetch(
      `${running.urls.billing}/v1/customers/00000000-0000-4000-8000-000000000000`,
      {
        headers: { Authorization: `Bearer ${adminToken}` },
      },
    );
    expect(response.status).toBe(404);
  });

  it('second start: no token again; the printed commands create the first customer and key', async () => {
    running = await startAppProcess(builtEntry('standalone'), env(), APPS);
    const output = await settled(running);
    expect(output).not.toMatch(/km_admin_[0-9A-Za-z]/);
    expect(output).toContain('the admin token printed at the first start');
    const customer = JSON.parse(await shell(step(output, 1), { ADMIN_TOKEN: adminToken })) as { id: string };
    expect(customer.id).toMatch(/^[0-9a-f-]{36}$/);
    const key = JSON.parse(
      await shell(step(output, 2).replace('CUSTOMER_ID', customer.id), { ADMIN_TOKEN: adminToken }),
    ) as { key: string };
    expect(key.key).toMatch(/^km_live_/);
  });

  it('once a customer exists: neither the token nor the first steps', async () => {
    running = await startAppProcess(builtEntry('standalone'), env(), APPS);
    const output = await settled(running);
    expect(output).not.toMatch(/km_admin_[0-9A-Za-z]/);
    expect(output).not.toContain('First steps');
    expect(output).toContain(`1 customer on this install: admin API at ${running.urls.billing}/v1`);
  });
});
