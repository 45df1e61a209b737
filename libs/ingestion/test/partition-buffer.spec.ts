import type { LogRecord } from '@keymeter/event-log';
import fc from 'fast-check';
import { deduplicationTokenOf, PartitionBuffer, type BatchCut } from '../src';

const rules = { maxBatchEvents: 3, maxBatchWaitMs: 100 };
const GRACE_MS = 3_600_000;

function recordsAt(...offsets: number[]): LogRecord[] {
  return offsets.map((offset) => ({
    topic: 't',
    partition: 0,
    offset: String(offset),
    key: 'k',
    value: Buffer.from('x'),
    timestamp: 0,
    headers: {},
  }));
}

/** The offsets of a cut's records (these records are not events, so each comes back as a dead letter). */
const offsetsIn = (buffer: PartitionBuffer, cut: BatchCut | undefined): number[] | undefined =>
  cut && buffer.prepared(cut).deadLetters.map((letter) => Number(letter.record.offset));

const range = (cut: { firstOffset: bigint; lastOffset: bigint } | undefined): string | undefined =>
  cut && `${cut.firstOffset}-${cut.lastOffset}`;

describe('PartitionBuffer', () => {
  it('closes a batch at the size limit, and a partial one only once its oldest record waited long enough', () => {
    const buffer = new PartitionBuffer(GRACE_MS);
    buffer.append(recordsAt(0, 1, 2, 3, 4), 1000);
    const full = buffer.nextCut(rules, 1000);
    expect(range(full)).toBe('0-2');
    buffer.consumed(full!, 1010);
    expect(buffer.nextCut(rules, 1050)).toBeUndefined();
    expect(range(buffer.nextCut(rules, 1110))).toBe('3-4');
    expect(range(buffer.nextCut(rules, 1050, true))).toBe('3-4');
  });

  it('under a backlog, lets a partial batch wait for records already in the log, up to the backlog wait', () => {
    const backlogRules = { ...rules, maxBacklogWaitMs: 400 };
    const buffer = new PartitionBuffer(GRACE_MS);
    // Offsets 0-1 delivered; the log already holds up to offset 9 (next offset to write: 10).
    buffer.append(recordsAt(0, 1), 1000, 10n);
    expect(buffer.dueAtMs(backlogRules)).toBe(1400);
    expect(buffer.nextCut(backlogRules, 1150)).toBeUndefined();
    buffer.append(recordsAt(2, 3), 1160, 10n);
    expect(range(buffer.nextCut(backlogRules, 1160))).toBe('0-2');

    const stalled = new PartitionBuffer(GRACE_MS);
    stalled.append(recordsAt(0, 1), 1000, 10n);
    expect(stalled.nextCut(backlogRules, 1399)).toBeUndefined();
    expect(range(stalled.nextCut(backlogRules, 1400))).toBe('0-1');
  });

  it('closes a partial batch at the normal wait once everything in the log is buffered', () => {
    const backlogRules = { ...rules, maxBacklogWaitMs: 400 };
    const buffer = new PartitionBuffer(GRACE_MS);
    buffer.append(recordsAt(0, 1), 1000, 2n);
    expect(buffer.dueAtMs(backlogRules)).toBe(1100);
    expect(range(buffer.nextCut(backlogRules, 1100))).toBe('0-1');
    // Without the log's end, as before.
    const unknown = new PartitionBuffer(GRACE_MS);
    unknown.append(recordsAt(0, 1), 1000);
    expect(range(unknown.nextCut(backlogRules, 1100))).toBe('0-1');
  });

  it('is caught up after a batch only when nothing later is buffered or known to be in the log', () => {
    const buffer = new PartitionBuffer(GRACE_MS);
    buffer.append(recordsAt(0, 1, 2, 3), 1000, 4n);
    expect(buffer.isCaughtUpAfter(2n)).toBe(false); // offset 3 is buffered
    expect(buffer.isCaughtUpAfter(3n)).toBe(true);
    const behind = new PartitionBuffer(GRACE_MS);
    behind.append(recordsAt(0, 1), 1000, 10n);
    expect(behind.isCaughtUpAfter(1n)).toBe(false); // offsets 2-9 are in the log, not fetched yet
    const unknown = new PartitionBuffer(GRACE_MS);
    unknown.append(recordsAt(0, 1), 1000);
    expect(unknown.isCaughtUpAfter(1n)).toBe(false); // the log's end is not known
  });

  it('re-forms a recorded plan exactly, waiting for all of its records, whatever the size rule says', () => {
    const buffer = new PartitionBuffer(GRACE_MS);
    buffer.setPlans([{ firstOffset: 10n, lastOffset: 14n }]);
    buffer.append(recordsAt(10, 11, 12), 0);
    expect(buffer.nextCut(rules, 10_000, true)).toBeUndefined();
    buffer.append(recordsAt(13, 14, 15), 0);
    const cut = buffer.nextCut(rules, 0);
    expect(range(cut)).toBe('10-14');
    expect(cut?.replanned).toBe(true);
  });

  it('never runs a new batch into a later plan', () => {
    const buffer = new PartitionBuffer(GRACE_MS);
    buffer.setPlans([{ firstOffset: 12n, lastOffset: 13n }]);
    buffer.append(recordsAt(10, 11, 12, 13), 0);
    const cut = buffer.nextCut({ maxBatchEvents: 100, maxBatchWaitMs: 1000 }, 0);
    expect(range(cut)).toBe('10-11');
    buffer.consumed(cut!, 0);
    expect(range(buffer.nextCut(rules, 0))).toBe('12-13');
  });

  it('re-forms a plan and stops a new batch before a later plan, over offsets with gaps', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 60 }),
        fc.nat(),
        fc.integer({ min: 0, max: 250 }),
        fc.nat(),
        (gaps, planStart, planLength, laterStart) => {
          const offsets: number[] = [];
          let offset = 1_000;
          for (const gap of gaps) {
            offset += gap;
            offsets.push(offset);
          }
          const first = offsets[planStart % offsets.length];
          // A plan may end in a gap of the log (compaction, transaction markers) or past the buffer.
          const last = first + planLength;
          const buffer = new PartitionBuffer(GRACE_MS);
          buffer.setPlans([{ firstOffset: BigInt(first), lastOffset: BigInt(last) }]);
          buffer.append(recordsAt(...offsets.filter((at) => at >= first)), 0);
          const cut = buffer.nextCut(rules, 0, true);
          const inPlan = offsets.filter((at) => at >= first && at <= last);
          if (last > offsets[offsets.length - 1]) {
            expect(cut).toBeUndefined(); // the plan's records are not all buffered yet
            return;
          }
          expect(offsetsIn(buffer, cut)).toEqual(inPlan);
          expect(cut?.replanned).toBe(true);

          const later = offsets[laterStart % offsets.length];
          const fresh = new PartitionBuffer(GRACE_MS);
          fresh.setPlans([{ firstOffset: BigInt(later), lastOffset: BigInt(later) }]);
          fresh.append(recordsAt(...offsets), 0);
          const before = fresh.nextCut({ maxBatchEvents: 1_000, maxBatchWaitMs: 1_000 }, 0, true);
          const expected = offsets.filter((at) => at < later);
          if (expected.length === 0) expect(before?.replanned).toBe(true);
          else expect(offsetsIn(fresh, before)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('takes the first recorded of two plans for the same offset', () => {
    const buffer = new PartitionBuffer(GRACE_MS);
    buffer.setPlans([
      { firstOffset: 0n, lastOffset: 1n },
      { firstOffset: 0n, lastOffset: 3n },
    ]);
    buffer.append(recordsAt(0, 1, 2, 3), 0);
    expect(range(buffer.nextCut(rules, 0))).toBe('0-1');
  });

  it('names a batch by its topic, partition and offset range only', () => {
    expect(
      deduplicationTokenOf({ topic: 'usage-events', partition: 3, firstOffset: 100n, lastOffset: 199n }),
    ).toBe('usage-events/3/100-199');
  });
});
