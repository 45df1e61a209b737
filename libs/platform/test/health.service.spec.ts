import { HealthService } from '@keymeter/platform';

describe('HealthService', () => {
  it('is ok when every dependency is up, and names each adapter', async () => {
    const service = new HealthService('billing', [
      { name: 'postgres', check: async () => ({ up: true, adapter: 'pglite' }) },
      { name: 'clickhouse', check: async () => ({ up: true, adapter: 'chdb' }) },
    ]);
    await expect(service.report()).resolves.toEqual({
      app: 'billing',
      status: 'ok',
      dependencies: { postgres: { up: true, adapter: 'pglite' }, clickhouse: { up: true, adapter: 'chdb' } },
    });
  });

  it('is degraded when a check fails, and reports why', async () => {
    const service = new HealthService('ingestor', [
      { name: 'kafka', check: async () => Promise.reject(new Error('connection refused')) },
      { name: 'clickhouse', check: async () => ({ up: true, adapter: 'server' }) },
    ]);
    const report = await service.report();
    expect(report.status).toBe('degraded');
    expect(report.dependencies.kafka).toEqual({
      up: false,
      adapter: 'unknown',
      detail: 'connection refused',
    });
    expect(report.dependencies.clickhouse?.up).toBe(true);
  });
});
