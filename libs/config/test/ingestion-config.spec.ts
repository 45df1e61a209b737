import { ConfigError, loadConfig } from '@keymeter/config';

describe('ingestion configuration', () => {
  it('defaults to a one-hour grace, batches of 50 000 events or 500 ms, and a dead-letter topic', () => {
    const config = loadConfig({ USAGE_EVENTS_PARTITIONS: '12' });
    expect(config.ingestion).toEqual({ lateGraceMs: 3_600_000, batchMaxEvents: 50_000, batchMaxWaitMs: 500 });
    expect(config.topics.usageEventsDeadLetter).toEqual({ name: 'usage-events-dlq', partitions: 12 });
  });

  it('reads the variables', () => {
    const config = loadConfig({
      INGEST_LATE_GRACE_SECONDS: '0',
      INGEST_BATCH_MAX_EVENTS: '250',
      INGEST_BATCH_MAX_WAIT_MS: '20',
    });
    expect(config.ingestion).toEqual({ lateGraceMs: 0, batchMaxEvents: 250, batchMaxWaitMs: 20 });
  });

  it('names each malformed variable', () => {
    let error: unknown;
    try {
      loadConfig({
        INGEST_LATE_GRACE_SECONDS: '-1',
        INGEST_BATCH_MAX_EVENTS: '0',
        INGEST_BATCH_MAX_WAIT_MS: 'soon',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.variable).sort()).toEqual([
      'INGEST_BATCH_MAX_EVENTS',
      'INGEST_BATCH_MAX_WAIT_MS',
      'INGEST_LATE_GRACE_SECONDS',
    ]);
  });
});
