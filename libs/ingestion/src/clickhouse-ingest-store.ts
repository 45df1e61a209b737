import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { deduplicationTokenOf, type BatchRange } from './batch-range';
import { LandingRepairer } from './clickhouse-landing';
import type { BatchWatermark, IngestStore, LandingRepair } from './ingest-store';
import { distinctDays, landingMarksBody } from './landing-marks';
import type { PlannedRange } from './partition-buffer';
import { RAW_EVENT_COLUMNS } from './raw-event-body';
import { rawEventBodyOf, type RawEventBody } from './raw-event-body-writer';
import type { RawEventRow } from './raw-event-row';

/**
 * Ids per lookup. A server receives query parameters in the URL: 20 000 ULIDs are ~0.7 MB URL-encoded,
 * under ClickHouse's default 1 MiB URI limit. Fewer, larger lookups are cheaper (docs/benchmarks.md).
 */
const DEFAULT_ID_LOOKUP_CHUNK = 20_000;

export interface ClickHouseIngestStoreOptions {
  /** Ids per lookup query (default 20 000). Lower it if the server's http_max_uri_size is smaller. */
  readonly idLookupChunk?: number;
}

/**
 * Settings of every event insert. Async inserts stay off: an acknowledged insert must be on disk, and
 * async inserts would merge blocks and defeat per-batch tokens.
 */
function insertSettings(token: string): Record<string, string | number> {
  return {
    insert_deduplicate: 1,
    insert_deduplication_token: token,
    deduplicate_blocks_in_dependent_materialized_views: 1,
    async_insert: 0,
  };
}

/** ClickHouse DateTime64(3) text for epoch milliseconds. */
export function clickHouseTime(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/**
 * The ingestor's store on ClickHouse (server or chDB), tables from libs/clickhouse/migrations.
 *
 * Given several clients (on chDB: handles, i.e. sessions, on the same data directory), each partition
 * always uses the same one (`partition % clients.length`), so partitions insert in parallel while each
 * partition's calls stay in order. One chDB session runs one statement at a time.
 */
export class ClickHouseIngestStore implements IngestStore {
  private readonly clients: readonly ClickHouseClient[];
  private readonly idLookupChunk: number;

  constructor(
    clients: ClickHouseClient | readonly ClickHouseClient[],
    options: ClickHouseIngestStoreOptions = {},
  ) {
    this.clients = Array.isArray(clients) ? clients : [clients as ClickHouseClient];
    if (this.clients.length === 0)
      throw new RangeError('clients: at least one ClickHouse client is required');
    this.idLookupChunk = options.idLookupChunk ?? DEFAULT_ID_LOOKUP_CHUNK;
    if (!Number.isInteger(this.idLookupChunk) || this.idLookupChunk < 1) {
      throw new RangeError(`idLookupChunk: must be a positive integer, got ${options.idLookupChunk}`);
    }
  }

  private client(partition: number): ClickHouseClient {
    return this.clients[partition % this.clients.length];
  }

  async loadPlans(topic: string, partition: number, fromOffset: bigint): Promise<PlannedRange[]> {
    const result = await this.client(partition).query({
      query: `SELECT first_offset, last_offset FROM ingest_batches
              WHERE topic = {topic:String} AND partition = {partition:UInt32} AND first_offset >= {from:UInt64}
              ORDER BY planned_at, first_offset, last_offset`,
      query_params: { topic, partition, from: fromOffset.toString() },
      format: 'JSONEachRow',
    });
    const rows = await result.json<{ first_offset: string; last_offset: string }>();
    return rows.map((row) => ({
      firstOffset: BigInt(row.first_offset),
      lastOffset: BigInt(row.last_offset),
    }));
  }

  async findIdsStoredElsewhere(
    eventIds: readonly string[],
    range: BatchRange,
    reformed = true,
  ): Promise<Set<string>> {
    const found = new Set<string>();
    const ownRange = reformed
      ? `AND NOT (source_topic = {topic:String} AND source_partition = {partition:UInt32}
                  AND source_offset BETWEEN {first:UInt64} AND {last:UInt64})`
      : '';
    for (let start = 0; start < eventIds.length; start += this.idLookupChunk) {
      const ids = eventIds.slice(start, start + this.idLookupChunk);
      const result = await this.client(range.partition).query({
        query: `SELECT DISTINCT event_id FROM usage_event_ids WHERE event_id IN {ids:Array(String)} ${ownRange}`,
        query_params: {
          ids,
          ...(reformed
            ? {
                topic: range.topic,
                partition: range.partition,
                first: range.firstOffset.toString(),
                last: range.lastOffset.toString(),
              }
            : {}),
        },
        format: 'JSONEachRow',
      });
      for (const row of await result.json<{ event_id: string }>()) found.add(row.event_id);
    }
    return found;
  }

  /**
   * One INSERT of the batch as TabSeparated (ClickHouse parses it several times faster than keyed JSON;
   * docs/benchmarks.md), followed by the batch's landing marks (one row per day). ClickHouse squashes the
   * statement into one block, so each table gets one part per partition, holding rows and mark together.
   */
  async insertRawEvents(body: RawEventBody, range: BatchRange): Promise<void> {
    if (body.rowCount === 0) return;
    const marks = landingMarksBody(range, distinctDays(body.rowDays));
    await this.client(range.partition).insert({
      table: 'usage_events_raw',
      columns: [...RAW_EVENT_COLUMNS],
      values: Readable.from([body.bytes, marks], { objectMode: false }),
      format: 'TabSeparated',
      clickhouse_settings: insertSettings(deduplicationTokenOf(range)),
    });
  }

  completeLanding(body: RawEventBody, range: BatchRange): Promise<readonly LandingRepair[]> {
    return new LandingRepairer(this.client(range.partition)).complete(body, range);
  }

  /** The same insert for rows built one by one (tests, seeding, benchmarks). */
  insertEvents(rows: readonly RawEventRow[], range: BatchRange): Promise<void> {
    return this.insertRawEvents(rawEventBodyOf(rows), range);
  }

  async recordWatermarks(watermarks: readonly BatchWatermark[]): Promise<void> {
    if (watermarks.length === 0) return;
    const updatedAt = clickHouseTime(Date.now());
    await this.client(watermarks[0].partition).insert({
      table: 'ingest_watermarks',
      values: watermarks.map((watermark) => ({
        topic: watermark.topic,
        partition: watermark.partition,
        last_offset: watermark.lastOffset.toString(),
        last_log_time: clickHouseTime(watermark.lastLogTimeMs),
        max_occurred_at: clickHouseTime(watermark.maxOccurredAtMs ?? 0),
        updated_at: updatedAt,
      })),
      format: 'JSONEachRow',
      clickhouse_settings: { async_insert: 0 },
    });
  }
}

export interface IngestWatermark {
  readonly topic: string;
  readonly partition: number;
  /** Every record of the partition up to this offset is counted in ClickHouse. */
  readonly lastOffset: string;
  /** ISO time the record at lastOffset reached the log. */
  readonly lastLogTime: string;
  /** ISO time of the latest event (by occurred_at) ingested from the partition. */
  readonly maxOccurredAt: string;
  readonly updatedAt: string;
}

/** The ingestion watermark of every partition of `topic` (for invoice cut-offs and lag reports). */
export async function readIngestWatermarks(
  client: ClickHouseClient,
  topic: string,
): Promise<IngestWatermark[]> {
  const result = await client.query({
    query: `SELECT topic, partition, toString(max(last_offset)) AS last_offset,
                   max(last_log_time) AS last_log_time, max(max_occurred_at) AS max_occurred_at,
                   max(updated_at) AS updated_at
            FROM ingest_watermarks WHERE topic = {topic:String}
            GROUP BY topic, partition ORDER BY partition`,
    query_params: { topic },
    format: 'JSONEachRow',
  });
  const rows = await result.json<{
    topic: string;
    partition: number;
    last_offset: string;
    last_log_time: string;
    max_occurred_at: string;
    updated_at: string;
  }>();
  const iso = (text: string): string => `${text.replace(' ', 'T')}Z`;
  return rows.map((row) => ({
    topic: row.topic,
    partition: Number(row.partition),
    lastOffset: row.last_offset,
    lastLogTime: iso(row.last_log_time),
    maxOccurredAt: iso(row.max_occurred_at),
    updatedAt: iso(row.updated_at),
  }));
}
