import type { ClickHouseClient } from '@clickhouse/client';
import { NOT_A_LANDING_MARK } from '@keymeter/clickhouse';
import { decodeUsageEvent } from '@keymeter/contracts';
import type { EventLog } from '@keymeter/event-log';
import { readPartitionRanges, type PartitionRange } from '../topic-range';
import { cleanSampleBound, planSample, sampleSize, type SampleWindow } from './sample-plan';

export interface SampledReconcileSettings {
  /** Offsets per window. Default 10 000. */
  readonly windowRecords?: number;
  /** Probability that the sample catches a discrepancy spread over at least `tolerance` of the windows. Default 0.99. */
  readonly confidence?: number;
  /** Share of windows with a discrepancy the sample must catch. Default 0.01. */
  readonly tolerance?: number;
  /** Seed of the draw (reported, so a run can be repeated). Default: drawn from the clock. */
  readonly seed?: number;
}

export interface SampleReport {
  windowRecords: number;
  /** Windows the log window was cut into, and how many were drawn. */
  windows: number;
  sampledWindows: number;
  confidence: number;
  tolerance: number;
  seed: number;
  /** Log records read in the drawn windows. */
  recordsChecked: number;
  /**
   * With a clean sample: at the stated confidence, fewer than this share of windows holds a missing or
   * doubled event (0 when every window was drawn).
   */
  badWindowShareBelow: number;
  /** Missing and doubled ids found in the sample, scaled by windows / sampledWindows. */
  estimatedMissing: number;
  estimatedDuplicates: number;
  /** Checked over the whole range in ClickHouse, day by day: rows minus distinct ids. */
  duplicateRowsInRange: number;
}

export interface SampledFindings {
  readonly sample: SampleReport;
  readonly partitionRecords: Map<number, number>;
  readonly partitionEvents: Map<number, { events: number; ids: Set<string>; invalid: number }>;
  readonly idsInRange: Set<string>;
  readonly resent: number;
  readonly held: Map<string, number>;
  readonly recordsRead: number;
}

const ID_LOOKUP_CHUNK = 10_000;
const DAY_MS = 86_400_000;

/**
 * The sampled reconciliation: draws windows of consecutive offsets (per partition) and checks every
 * event of the drawn windows against ClickHouse by id; the rest of the log window is read past without
 * decoding (the event-log port has no seek). ClickHouse is asked only about the drawn ids, plus one
 * duplicate count per UTC day of the range.
 */
export async function reconcileSample(input: {
  readonly eventLog: EventLog;
  readonly client: ClickHouseClient;
  readonly topic: string;
  readonly from: Date;
  readonly to: Date;
  readonly ranges: readonly PartitionRange[];
  readonly groupId: string;
  readonly settings: SampledReconcileSettings;
  readonly onProgress?: (read: number, total: number) => void;
}): Promise<SampledFindings> {
  const { settings } = input;
  const windowRecords = settings.windowRecords ?? 10_000;
  const confidence = settings.confidence ?? 0.99;
  const tolerance = settings.tolerance ?? 0.01;
  const seed = settings.seed ?? Date.now() % 2_147_483_647;
  const plan = planSample(input.ranges, windowRecords, (w) => sampleSize(w, confidence, tolerance), seed);
  const drawn = new Map<number, SampleWindow[]>();
  for (const window of plan.sampled) {
    const list = drawn.get(window.partition) ?? [];
    list.push(window);
    drawn.set(window.partition, list);
  }
  const inDrawnWindow = (partition: number, offset: bigint): boolean =>
    (drawn.get(partition) ?? []).some((w) => offset >= w.from && offset < w.to);

  const fromMs = input.from.getTime();
  const toMs = input.to.getTime();
  const total = input.ranges.reduce((sum, r) => sum + Number(r.to - r.from), 0);
  const seenOffsets = new Map<number, Set<string>>();
  const partitionRecords = new Map<number, number>();
  const partitionEvents = new Map<number, { events: number; ids: Set<string>; invalid: number }>();
  const idsInRange = new Set<string>();
  let resent = 0;
  let read = 0;
  let checked = 0;
  input.onProgress?.(0, total);
  await readPartitionRanges(
    input.eventLog,
    input.topic,
    input.ranges,
    input.groupId,
    (partition, records) => {
      const seen = seenOffsets.get(partition) ?? new Set<string>();
      seenOffsets.set(partition, seen);
      const stats = partitionEvents.get(partition) ?? { events: 0, ids: new Set<string>(), invalid: 0 };
      partitionEvents.set(partition, stats);
      for (const record of records) {
        read += 1;
        if (!inDrawnWindow(partition, BigInt(record.offset)) || seen.has(record.offset)) continue;
        seen.add(record.offset); // a record redelivered after a rebalance counts once
        checked += 1;
        partitionRecords.set(partition, (partitionRecords.get(partition) ?? 0) + 1);
        const decoded = decodeUsageEvent(record.value);
        if (!decoded.ok) {
          stats.invalid += 1;
          continue;
        }
        const at = Date.parse(decoded.event.occurredAt);
        if (at < fromMs || at >= toMs) continue;
        stats.events += 1;
        if (idsInRange.has(decoded.event.id)) resent += 1;
        idsInRange.add(decoded.event.id);
        stats.ids.add(decoded.event.id);
      }
      input.onProgress?.(Math.min(read, total), total);
    },
  );

  const held = await heldCounts(input.client, [...idsInRange], input.from, input.to);
  const duplicateRowsInRange = await duplicateRows(input.client, fromMs, toMs);
  const missing = [...idsInRange].filter((id) => !held.has(id)).length;
  const doubled = [...held.values()].filter((n) => n > 1).length;
  const scale = plan.sampled.length === 0 ? 0 : plan.windows / plan.sampled.length;
  return {
    sample: {
      windowRecords,
      windows: plan.windows,
      sampledWindows: plan.sampled.length,
      confidence,
      tolerance,
      seed,
      recordsChecked: checked,
      badWindowShareBelow: cleanSampleBound(plan.sampled.length, plan.windows, confidence),
      estimatedMissing: Math.round(missing * scale),
      estimatedDuplicates: Math.round(doubled * scale),
      duplicateRowsInRange,
    },
    partitionRecords,
    partitionEvents,
    idsInRange,
    resent,
    held,
    recordsRead: read,
  };
}

/** How many rows usage_events_raw holds per id (ids it does not hold are absent), within the range. */
async function heldCounts(
  client: ClickHouseClient,
  ids: readonly string[],
  from: Date,
  to: Date,
): Promise<Map<string, number>> {
  const held = new Map<string, number>();
  for (let start = 0; start < ids.length; start += ID_LOOKUP_CHUNK) {
    const result = await client.query({
      // The bloom filter on event_id skips most granules; occurred_at prunes months.
      query: `SELECT event_id, toString(count()) AS n FROM usage_events_raw
              WHERE event_id IN {ids:Array(String)}
                AND occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {to:DateTime64(3, 'UTC')}
              GROUP BY event_id`,
      query_params: { ids: ids.slice(start, start + ID_LOOKUP_CHUNK), from, to },
      format: 'JSONEachRow',
    });
    for (const row of await result.json<{ event_id: string; n: string }>())
      held.set(row.event_id, Number(row.n));
  }
  return held;
}

/**
 * Rows minus distinct ids over the range, one UTC day at a time (copies of an event share its
 * occurred_at, so they fall on the same day; a day's ids fit in memory where a month's may not).
 */
async function duplicateRows(client: ClickHouseClient, fromMs: number, toMs: number): Promise<number> {
  let total = 0;
  for (let start = fromMs; start < toMs; start = Math.floor(start / DAY_MS) * DAY_MS + DAY_MS) {
    const end = Math.min(toMs, Math.floor(start / DAY_MS) * DAY_MS + DAY_MS);
    const result = await client.query({
      query: `SELECT toString(count() - uniqExact(event_id)) AS extra FROM usage_events_raw
              WHERE occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {to:DateTime64(3, 'UTC')}
                AND ${NOT_A_LANDING_MARK}`,
      query_params: { from: new Date(start), to: new Date(end) },
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ extra: string }>();
    total += Number(row?.extra ?? 0);
  }
  return total;
}
