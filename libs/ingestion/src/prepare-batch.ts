import { decodeUsageEvent } from '@keymeter/contracts';
import type { LogRecord } from '@keymeter/event-log';
import { toRawEventRow, type RawEventRow } from './raw-event-row';

export interface DeadLetter {
  readonly record: LogRecord;
  /** Why the record was refused, naming the fields (`status: must be ...; units: ...`). */
  readonly reason: string;
}

export interface PreparedBatch {
  /** One row per distinct event id, in offset order (the first copy of an id within the batch wins). */
  readonly rows: readonly RawEventRow[];
  readonly deadLetters: readonly DeadLetter[];
  /** Copies of an id already seen earlier in the same batch. */
  readonly duplicatesInBatch: number;
  readonly lateEvents: number;
  /** Largest occurred_at among the rows, epoch ms (undefined for a batch without valid events). */
  readonly maxOccurredAtMs: number | undefined;
}

const MAX_REASON_LENGTH = 1000;

/** Decodes and validates a batch's records. Pure: the same records always give the same result. */
export function prepareBatch(records: readonly LogRecord[], lateGraceMs: number): PreparedBatch {
  const rows: RawEventRow[] = [];
  const deadLetters: DeadLetter[] = [];
  const seen = new Set<string>();
  let duplicatesInBatch = 0;
  let lateEvents = 0;
  let maxOccurredAtMs: number | undefined;
  for (const record of records) {
    const decoded = decodeUsageEvent(record.value);
    if (!decoded.ok) {
      const reason = decoded.errors.map((e) => (e.field === '' ? e.reason : `${e.field}: ${e.reason}`));
      deadLetters.push({ record, reason: reason.join('; ').slice(0, MAX_REASON_LENGTH) });
      continue;
    }
    const event = decoded.event;
    if (seen.has(event.id)) {
      duplicatesInBatch += 1;
      continue;
    }
    seen.add(event.id);
    const row = toRawEventRow(event, record, lateGraceMs);
    if (row.late === 1) lateEvents += 1;
    const occurredMs = Date.parse(event.occurredAt);
    if (maxOccurredAtMs === undefined || occurredMs > maxOccurredAtMs) maxOccurredAtMs = occurredMs;
    rows.push(row);
  }
  return { rows, deadLetters, duplicatesInBatch, lateEvents, maxOccurredAtMs };
}
