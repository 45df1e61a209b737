import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtEntry, runToExit, startAppProcess, type AppProcess } from '@keymeter/testing';

const APPS = ['gateway', 'ingestor', 'billing'];

interface HealthBody {
  app: string;
  status: string;
  dependencies: Record<string, { up: boolean; adapter: string }>;
}

async function health(url: string): Promise<{ status: number; body: HealthBody }> {
  const response = await fetch(`${url}/health`);
  return { status: response.status, body: (await response.json()) as HealthBody };
}

describe('npm start (all three apps, embedded defaults)', () => {
  let dataDir: string;
  let running: AppProcess | undefined;
  const env = (): Record<string, string> => ({
    KEYMETER_DATA_DIR: dataDir,
    GATEWAY_PORT: '0',
    INGESTOR_PORT: '0',
    BILLING_PORT: '0',
    LOG_LEVEL: 'warn',
  });

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'km-standalone-'));
  });
  afterEach(async () => {
    await running?.stop('SIGKILL');
    running = undefined;
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves /health on every app with every dependency up and embedded, and stops cleanly on SIGTERM', async () => {
    running = await startAppProcess(builtEntry('standalone'), env(), APPS);
    const gateway = await health(running.urls.gateway);
    expect(gateway).toEqual({
      status: 200,
      body: {
        app: 'gateway',
        status: 'ok',
        dependencies: { 'event-log': expect.objectContaining({ up: true, adapter: 'embedded' }) },
      },
    });
    const ingestor = await health(running.urls.ingestor);
    expect(ingestor.status).toBe(200);
    expect(ingestor.body.dependencies).toEqual({
      'event-log': expect.objectContaining({ up: true, adapter: 'embedded' }),
      clickhouse: { up: true, adapter: 'chdb' },
      ingestion: expect.objectContaining({ up: true, adapter: 'consumer' }),
    });
    const billing = await health(running.urls.billing);
    expect(billing.status).toBe(200);
    expect(billing.body.dependencies).toEqual({
      postgres: { up: true, adapter: 'pglite' },
      clickhouse: { up: true, adapter: 'chdb' },
    });
    expect(running.output()).toContain('ready (event log: embedded, clickhouse: chdb, postgres: pglite)');
    const code = await running.stop('SIGTERM');
    running = undefined;
    expect(code).toBe(0);
  });

  it('starts again on the same data directory (migrations already applied)', async () => {
    running = await startAppProcess(builtEntry('standalone'), env(), APPS);
    expect((await health(running.urls.billing)).status).toBe(200);
  });

  it('serves JSON errors for unknown paths', async () => {
    running = await startAppProcess(builtEntry('standalone'), env(), APPS);
    const response = await fetch(`${running.urls.billing}/v1/nothing-here`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: 'not_found', message: expect.stringContaining('/v1/nothing-here') },
    });
  });

  it.each([
    ['KAFKA_BROKERS', 'not a broker list'],
    ['GATEWAY_PORT', 'eighty'],
    ['DATABASE_URL', 'mysql://root:pw@db/x'],
  ])('refuses a bad %s: exits non-zero naming the variable', async (variable, value) => {
    const result = await runToExit(builtEntry('standalone'), { ...env(), [variable]: value });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(`${variable}:`);
    expect(result.stderr).not.toContain('pw@');
  });
});
