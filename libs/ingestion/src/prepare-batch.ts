import {
  decodeUsageEvent,
  scanCompactUsageEvent,
  scannedEventId,
  scannedOccurredAtMs,
} from '@keymeter/contracts';
import type { LogRecord } from '@keymeter/event-log';
import { RawEventBodyWriter, type RawEventBody } from './raw-event-body-writer';
import { toRawEventRow } from './raw-event-row';

export interface DeadLetter {
  readonly record: LogRecord;
  /** Why the record was refused, naming the fields (`status: must be ...; units: ...`). */
  readonly reason: string;
}

export interface PreparedBatch {
  /** One row per distinct event id, in offset order (the first copy of an id within the batch wins). */
  readonly body: RawEventBody;
  /** The event id of each row of `body`, in the same order. */
  readonly ids: readonly string[];
  readonly deadLetters: readonly DeadLetter[];
  /** Copies of an id already seen earlier in the same batch. */
  readonly duplicatesInBatch: number;
  readonly lateEvents: number;
  /** Largest occurred_at among the rows, epoch ms (undefined for a batch without valid events). */
  readonly maxOccurredAtMs: number | undefined;
}

const MAX_REASON_LENGTH = 1000;
/** A row's columns beyond the payload's text: topic (its own length), partition, offset, late, tabs. */
const ROW_BYTES_BEYOND_PAYLOAD = 48;

/**
 * Room for the body of our producers' payloads: a row of one is never longer than the payload plus the source
 * columns (the payload's quotes, commas and brackets become fewer tabs). A batch that needs more grows it; a
 * body that grows copies itself and touches fresh pages, which was ~5 % of the main thread under a backlog.
 */
function bodyBytesFor(records: readonly LogRecord[]): number {
  let bytes = 0;
  for (const record of records) {
    bytes += record.value.length + record.topic.length + ROW_BYTES_BEYOND_PAYLOAD;
  }
  return bytes;
}

/**
 * Decodes and validates a batch's records. Pure: the same records always give the same result.
 *
 * Records in the form our producers write (canonical values, printable ASCII) are read in place by
 * `scanCompactUsageEvent` and copied into the body; every other record goes through `decodeUsageEvent`
 * and `toRawEventRow`, which give the same line for a record both can read (property-tested).
 */
export function prepareBatch(records: readonly LogRecord[], lateGraceMs: number): PreparedBatch {
  const body = new RawEventBodyWriter(bodyBytesFor(records));
  const ids: string[] = [];
  const deadLetters: DeadLetter[] = [];
  const seen = new Set<string>();
  let duplicatesInBatch = 0;
  let lateEvents = 0;
  let maxOccurredAtMs = Number.NEGATIVE_INFINITY;
  for (const record of records) {
    const value = record.value;
    let id: string;
    let occurredMs: number;
    if (scanCompactUsageEvent(value, 0, value.length)) {
      id = scannedEventId(value);
      occurredMs = scannedOccurredAtMs();
      if (seen.has(id)) {
        duplicatesInBatch += 1;
        continue;
      }
      body.appendScanned(value, record, lateGraceMs);
    } else {
      const decoded = decodeUsageEvent(value);
      if (!decoded.ok) {
        const reason = decoded.errors.map((e) => (e.field === '' ? e.reason : `${e.field}: ${e.reason}`));
        deadLetters.push({ record, reason: reason.join('; ').slice(0, MAX_REASON_LENGTH) });
        continue;
      }
      id = decoded.event.id;
      occurredMs = Date.parse(decoded.event.occurredAt);
      if (seen.has(id)) {
        duplicatesInBatch += 1;
        continue;
      }
      body.appendRow(toRawEventRow(decoded.event, record, lateGraceMs));
    }
    seen.add(id);
    ids.push(id);
    if (record.timestamp - occurredMs > lateGraceMs) lateEvents += 1;
    if (occurredMs > maxOccurredAtMs) maxOccurredAtMs = occurredMs;
  }
  return {
    body: body.finish(),
    ids,
    deadLetters,
    duplicatesInBatch,
    lateEvents,
    maxOccurredAtMs: ids.length === 0 ? undefined : maxOccurredAtMs,
  };
}
