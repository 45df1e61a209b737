import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  builtEntry,
  createTestDatabase,
  runToExit,
  startAppProcess,
  type AppProcess,
} from '@keymeter/testing';

interface HealthBody {
  status: string;
  dependencies: Record<string, { up: boolean; adapter: string }>;
}

async function dependencies(url: string): Promise<Record<string, { up: boolean; adapter: string }>> {
  const response = await fetch(`${url}/health`);
  expect(response.status).toBe(200);
  const body = (await response.json()) as HealthBody;
  expect(body.status).toBe('ok');
  return body.dependencies;
}

describe('each app alone, against the real services (npm run start:<app>)', () => {
  let database: { url: string; drop: () => Promise<void> };
  let chdbDir: string;
  let env: Record<string, string>;
  const running: AppProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    chdbDir = mkdtempSync(join(tmpdir(), 'km-apps-chdb-'));
    const brokers = process.env.KAFKA_BROKERS;
    if (!brokers) throw new Error('the jest global setup provides KAFKA_BROKERS');
    env = {
      KAFKA_BROKERS: brokers,
      DATABASE_URL: database.url,
      CHDB_PATH: chdbDir,
      KEYMETER_DATA_DIR: chdbDir,
      GATEWAY_PORT: '0',
      INGESTOR_PORT: '0',
      BILLING_PORT: '0',
      LOG_LEVEL: 'warn',
    };
  });

  afterAll(async () => {
    await Promise.all(running.map((app) => app.stop('SIGKILL')));
    await database.drop();
    rmSync(chdbDir, { recursive: true, force: true });
  });

  it('migrate applies the Postgres migrations and creates the topics', async () => {
    const result = await runToExit(builtEntry('standalone', 'migrate.js'), env, 120_000);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'customers'",
      );
      expect(tables.rows).toEqual([{ table_name: 'customers' }]);
    } finally {
      await client.end();
    }
  });

  it('the gateway runs alone on Kafka', async () => {
    const gateway = await startAppProcess(builtEntry('gateway'), env, ['gateway']);
    running.push(gateway);
    expect(await dependencies(gateway.urls.gateway)).toMatchObject({ kafka: { up: true, adapter: 'kafka' } });
    expect(await gateway.stop('SIGTERM')).toBe(0);
  });

  it('the billing service runs alone on Postgres', async () => {
    const billing = await startAppProcess(builtEntry('billing'), env, ['billing']);
    running.push(billing);
    expect(await dependencies(billing.urls.billing)).toMatchObject({
      postgres: { up: true, adapter: 'postgres' },
      clickhouse: { up: true, adapter: 'chdb' },
    });
    expect(await billing.stop('SIGTERM')).toBe(0);
  });

  it('the ingestor runs alone on Kafka', async () => {
    const ingestor = await startAppProcess(builtEntry('ingestor'), env, ['ingestor']);
    running.push(ingestor);
    expect(await dependencies(ingestor.urls.ingestor)).toMatchObject({
      kafka: { up: true, adapter: 'kafka' },
    });
    expect(await ingestor.stop('SIGTERM')).toBe(0);
  });
});
