/**
 * The ingestor's batch preparation on its main thread, per event: the full path (`decodeUsageEvent`, an event
 * object, a row object, the TabSeparated line) against `prepareBatch` (our producers' payloads read in place and
 * copied into the body), on the same records, interleaved round by round so both meet the same machine.
 *
 *   npm run bench:prepare-batch
 *
 * Environment: BENCH_EVENTS (records per batch, default 20 000: the ingestor's batch), BENCH_ROUNDS (default
 * 15). Prints per path the median and range of wall and CPU time per event (CPU of the process: garbage
 * collection included); checks first that both paths write the same bytes.
 */
import { decodeUsageEvent, encodeUsageEvent } from '@keymeter/contracts';
import type { LogRecord } from '@keymeter/event-log';
import { prepareBatch, rawEventBodyOf, toRawEventRow, type RawEventBody } from '@keymeter/ingestion';
import { pipelineBenchEvent } from './pipeline-bench-event';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const GRACE_MS = 3_600_000;

/** The pipeline benchmark's events as records of one partition, their times over the last minute. */
function record(index: number, nowMs: number): LogRecord {
  const event = pipelineBenchEvent(index, nowMs, nowMs - (index % 600) * 100);
  return {
    topic: 'usage-events',
    partition: 3,
    offset: String(1_000_000 + index),
    key: event.keyId,
    value: encodeUsageEvent(event),
    timestamp: nowMs,
    headers: {},
  };
}

function fullPath(records: readonly LogRecord[]): RawEventBody {
  const rows = [];
  const seen = new Set<string>();
  for (const record of records) {
    const decoded = decodeUsageEvent(record.value);
    if (!decoded.ok || seen.has(decoded.event.id)) continue;
    seen.add(decoded.event.id);
    rows.push(toRawEventRow(decoded.event, record, GRACE_MS));
  }
  return rawEventBodyOf(rows);
}

const paths: Record<string, (records: readonly LogRecord[]) => RawEventBody> = {
  'full path (decode, objects, line)': fullPath,
  'prepareBatch (in place)': (records) => prepareBatch(records, GRACE_MS).body,
};

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1];
const range = (values: readonly number[]): string =>
  `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`;

function main(): void {
  const now = Date.now();
  const records = Array.from({ length: EVENTS }, (_, index) => record(index, now));
  const [full, fast] = Object.values(paths).map((path) => path(records));
  if (!full.bytes.equals(fast.bytes) || full.rowCount !== EVENTS) {
    throw new Error('the two paths wrote different bodies');
  }
  process.stdout.write(
    `${EVENTS} records of ~${records[0].value.length} bytes, ${ROUNDS} rounds, interleaved\n`,
  );
  const wall: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? Object.keys(paths) : Object.keys(paths).reverse();
    for (const name of order) {
      const cpuBefore = process.cpuUsage();
      const started = process.hrtime.bigint();
      paths[name](records);
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const used = process.cpuUsage(cpuBefore);
      (wall[name] ??= []).push((wallMs * 1000) / EVENTS);
      (cpu[name] ??= []).push((used.user + used.system) / EVENTS);
    }
  }
  for (const name of Object.keys(paths)) {
    process.stdout.write(
      `${name.padEnd(36)} wall ${median(wall[name]).toFixed(2)} µs/event (${range(wall[name])}), ` +
        `CPU ${median(cpu[name]).toFixed(2)} µs/event (${range(cpu[name])})\n`,
    );
  }
  const [fullName, fastName] = Object.keys(paths);
  process.stdout.write(
    `in place / full path: wall ${(median(wall[fastName]) / median(wall[fullName])).toFixed(2)}, ` +
      `CPU ${(median(cpu[fastName]) / median(cpu[fullName])).toFixed(2)}\n`,
  );
}

main();
