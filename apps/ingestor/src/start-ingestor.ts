import { chdbEngineUse } from '@keymeter/clickhouse';
import {
  ClickHouseIngestStore,
  INGESTOR_GROUP_ID,
  IngestionEngine,
  IngestMetrics,
} from '@keymeter/ingestion';
import {
  clickhouseCheck,
  eventLogCheck,
  requireClickHouse,
  requireEventLog,
  startHttpApp,
  type DependencyCheck,
  type Infrastructure,
  type RunningHttpApp,
} from '@keymeter/platform';
import { IngestorModule } from './ingestor.module';

/** Ids per lookup on chDB: at least the largest batch (INGEST_BATCH_MAX_EVENTS allows up to 100 000). */
const CHDB_ID_LOOKUP_CHUNK = 100_000;

function ingestionCheck(engine: IngestionEngine): DependencyCheck {
  return {
    name: 'ingestion',
    check: () => {
      const status = engine.status();
      const failing = status.partitions.filter((p) => p.consecutiveFailures > 0);
      return Promise.resolve({
        up: status.state === 'running' && failing.length === 0,
        adapter: 'consumer',
        detail:
          failing.length === 0
            ? `${status.state}`
            : `retrying partitions ${failing.map((p) => `${p.partition} (${p.lastError ?? 'error'})`).join(', ')}`,
      });
    },
  };
}

export async function startIngestor(infra: Infrastructure): Promise<RunningHttpApp> {
  const eventLog = requireEventLog(infra);
  const clickhouse = requireClickHouse(infra);
  const { topics, ingestion } = infra.config;
  await eventLog.ensureTopics([topics.usageEvents, topics.usageEventsDeadLetter]);

  const metrics = new IngestMetrics();
  if (clickhouse.adapter === 'chdb') metrics.watchEngine(chdbEngineUse);
  const logger = infra.logger.child({ app: 'ingestor' });
  const engine = new IngestionEngine({
    eventLog,
    // A server takes the ids in the URL (20 000 per query fit its default limit); chDB reads them from a
    // file, so one query covers a whole batch.
    store: new ClickHouseIngestStore(
      clickhouse.client,
      clickhouse.adapter === 'chdb' ? { idLookupChunk: CHDB_ID_LOOKUP_CHUNK } : {},
    ),
    topic: topics.usageEvents.name,
    groupId: INGESTOR_GROUP_ID,
    deadLetterTopic: topics.usageEventsDeadLetter.name,
    maxBatchEvents: ingestion.batchMaxEvents,
    maxBatchWaitMs: ingestion.batchMaxWaitMs,
    lateGraceMs: ingestion.lateGraceMs,
    metrics,
    log: (level, message, fields) => logger[level](fields ?? {}, message),
  });

  const checks = [eventLogCheck(eventLog), clickhouseCheck(clickhouse), ingestionCheck(engine)];
  const http = await startHttpApp(IngestorModule.register({ checks, metrics }), {
    name: 'ingestor',
    host: infra.config.host,
    port: infra.config.ports.ingestor,
    logger: infra.logger,
  });
  try {
    await engine.start();
  } catch (error) {
    await http.close().catch(() => undefined);
    throw error;
  }
  return {
    ...http,
    // SIGTERM: finish and commit the batch in flight, leave the group, then stop serving HTTP.
    close: async () => {
      await engine.stop();
      await http.close();
    },
  };
}
