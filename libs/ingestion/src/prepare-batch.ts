import type { LogRecord } from '@keymeter/event-log';
import { PreparedRecords, type PreparedBatch } from './prepared-records';

export type { DeadLetter, PreparedBatch } from './prepared-records';

/**
 * Decodes and validates a batch's records (invalid ones become dead letters, repeated ids within the batch are
 * left out) and writes the raw table's body. Pure: the same records always give the same result. The ingestor
 * prepares records as they arrive (`PreparedRecords`); this is the same for records in hand.
 */
export function prepareBatch(records: readonly LogRecord[], lateGraceMs: number): PreparedBatch {
  const prepared = new PreparedRecords(lateGraceMs);
  for (const record of records) prepared.append(record);
  return prepared.batch(records.length);
}
