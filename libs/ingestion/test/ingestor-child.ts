/**
 * An ingestor in a child process for the kill test (loaded through ChildProcessRun, which compiles
 * TypeScript). Prints JSON lines: `ready`, then one `committed` line per batch. SIGTERM stops gracefully.
 */
import { openClickHouse, runClickHouseMigrations } from '@keymeter/clickhouse';
import { createKafkaEventLog } from '@keymeter/event-log';
import { ClickHouseIngestStore, IngestionEngine } from '../src';

const print = (line: object): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

/** Args: chdbPath, database, brokers, topic, dead-letter topic, group id. */
export async function runIngestorChild(args: readonly string[]): Promise<void> {
  const [chdbPath, database, brokers, topic, deadLetterTopic, groupId] = args;
  if (!groupId)
    throw new Error('runIngestorChild: expected <chdbPath> <database> <brokers> <topic> <dlq> <groupId>');
  const handle = await openClickHouse({ chdbPath, database });
  await runClickHouseMigrations(handle);
  const log = createKafkaEventLog({
    brokers: brokers.split(','),
    clientId: 'keymeter-ingestor-child',
    logSink: () => undefined,
    consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 },
  });
  const engine = new IngestionEngine({
    eventLog: log,
    store: new ClickHouseIngestStore(handle.client),
    topic,
    groupId,
    deadLetterTopic,
    maxBatchEvents: 300,
    maxBatchWaitMs: 50,
    lateGraceMs: 3_600_000,
    retryBaseDelayMs: 50,
    retryMaxDelayMs: 500,
    onBatchCommitted: (batch) =>
      print({
        event: 'committed',
        partition: batch.partition,
        first: String(batch.firstOffset),
        last: String(batch.lastOffset),
      }),
  });
  await engine.start();
  print({ event: 'ready' });
  process.once('SIGTERM', () => {
    void (async () => {
      await engine.stop();
      await log.close();
      await handle.close();
      print({ event: 'stopped' });
      process.exit(0);
    })();
  });
}
