import { ConfigError, loadConfig } from '@keymeter/config';

function errorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('chooses every embedded adapter when no service is configured', () => {
    const config = loadConfig({});
    expect(config.eventLog.adapter).toBe('embedded');
    expect(config.clickhouse.adapter).toBe('chdb');
    expect(config.database.adapter).toBe('pglite');
    expect(config.rateLimitStore.adapter).toBe('in-process');
    expect(config.ports).toEqual({ gateway: 8080, ingestor: 8081, billing: 8082 });
    expect(config.topics.usageEvents).toEqual({ name: 'usage-events', partitions: 6 });
  });

  it('chooses the real services when their variables are set', () => {
    const config = loadConfig({
      KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092',
      CLICKHOUSE_URL: 'http://clickhouse:8123',
      CLICKHOUSE_PASSWORD: 's3cret',
      DATABASE_URL: 'postgres://app@db:5432/keymeter',
      REDIS_URL: 'redis://redis:6379',
    });
    expect(config.eventLog).toEqual({
      adapter: 'kafka',
      brokers: ['kafka-1:9092', 'kafka-2:9092'],
      clientId: 'keymeter',
    });
    expect(config.clickhouse).toMatchObject({
      adapter: 'server',
      url: 'http://clickhouse:8123',
      password: 's3cret',
    });
    expect(config.database).toEqual({ adapter: 'postgres', url: 'postgres://app@db:5432/keymeter' });
    expect(config.rateLimitStore).toEqual({ adapter: 'redis', url: 'redis://redis:6379' });
  });

  it('names the variable of a malformed broker list', () => {
    const error = errorOf({ KAFKA_BROKERS: 'not a broker list' });
    expect(error.issues.map((i) => i.variable)).toEqual(['KAFKA_BROKERS']);
    expect(error.message).toContain('KAFKA_BROKERS: expected a comma-separated list of host:port');
    expect(error.message).toContain('"not a broker list"');
  });

  it('names every bad variable at once', () => {
    const error = errorOf({ GATEWAY_PORT: '70000', LOG_LEVEL: 'loud', USAGE_EVENTS_PARTITIONS: '0' });
    expect(error.issues.map((i) => i.variable).sort()).toEqual([
      'GATEWAY_PORT',
      'LOG_LEVEL',
      'USAGE_EVENTS_PARTITIONS',
    ]);
  });

  it('never echoes a value that may hold a secret', () => {
    const error = errorOf({ DATABASE_URL: 'mysql://user:hunter2@db/x' });
    expect(error.issues[0]?.variable).toBe('DATABASE_URL');
    expect(error.message).not.toContain('hunter2');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ KAFKA_BROKERS: '', DATABASE_URL: ' ' }).eventLog.adapter).toBe('embedded');
  });

  it('reads the invoice finalization grace period in seconds, one hour by default', () => {
    expect(loadConfig({}).invoiceFinalizeGraceMs).toBe(3_600_000);
    expect(loadConfig({ INVOICE_FINALIZE_GRACE_SECONDS: '0' }).invoiceFinalizeGraceMs).toBe(0);
    expect(errorOf({ INVOICE_FINALIZE_GRACE_SECONDS: '1h' }).issues.map((i) => i.variable)).toEqual([
      'INVOICE_FINALIZE_GRACE_SECONDS',
    ]);
  });

  it('reads the late-usage look-back in billing periods, three by default, zero turning it off', () => {
    expect(loadConfig({}).invoiceLateUsageLookbackPeriods).toBe(3);
    expect(loadConfig({ INVOICE_LATE_USAGE_LOOKBACK_PERIODS: '0' }).invoiceLateUsageLookbackPeriods).toBe(0);
    expect(loadConfig({ INVOICE_LATE_USAGE_LOOKBACK_PERIODS: '24' }).invoiceLateUsageLookbackPeriods).toBe(
      24,
    );
    for (const bad of ['-1', '121', '3 months', '1.5']) {
      expect(errorOf({ INVOICE_LATE_USAGE_LOOKBACK_PERIODS: bad }).issues.map((i) => i.variable)).toEqual([
        'INVOICE_LATE_USAGE_LOOKBACK_PERIODS',
      ]);
    }
  });
});
