import fc from 'fast-check';
import { parseUsageEvent } from '@keymeter/contracts';
import { RAW_EVENT_COLUMNS, type BatchRange } from '../src';
import { distinctDays, landingMarkKey, landingMarksBody, landingMarkTag } from '../src/landing-marks';
import { makeEvent } from './usage-stream';

const range: BatchRange = { topic: 'usage-events', partition: 3, firstOffset: 100n, lastOffset: 199n };
/** 2026-04-01 is day 20544 since 1970-01-01. */
const APRIL_FIRST = 20544;

/** The body's lines as column → value records. */
function lines(body: Buffer): Array<Record<string, string>> {
  return body
    .toString('utf8')
    .split('\n')
    .slice(0, -1)
    .map((line) => {
      const values = line.split('\t');
      return Object.fromEntries(RAW_EVENT_COLUMNS.map((column, index) => [column, values[index]]));
    });
}

describe('landing marks', () => {
  it('tag the batch and the day', () => {
    expect(landingMarkTag(range, APRIL_FIRST)).toBe('~usage-events/3/100-199/20260401');
  });

  it('are rows no reader counts: customer ~, the tag as event id, the partition as key and client IP, at the day start', () => {
    const [mark] = lines(landingMarksBody(range, [APRIL_FIRST]));
    expect(mark).toMatchObject({
      event_id: '~usage-events/3/100-199/20260401',
      key_id: '~usage-events/3',
      client_ip: '~usage-events/3',
      customer_id: '~',
      occurred_at: '2026-04-01 00:00:00.000',
      outcome: 'rejected_auth',
      billable: '0',
      status: '0',
      source_topic: 'usage-events',
      source_partition: '3',
      source_offset: '100',
    });
  });

  it('cannot be mistaken for an event: the contract refuses `~` in every field a mark is found by', () => {
    const event = makeEvent({ keyIndex: 1, occurredAtMs: APRIL_FIRST * 86_400_000 });
    expect(parseUsageEvent(event).ok).toBe(true);
    const tag = landingMarkTag(range, APRIL_FIRST);
    const key = landingMarkKey(range);
    const marked = parseUsageEvent({ ...event, id: tag, keyId: key, customerId: '~', clientIp: key });
    expect(marked.ok).toBe(false);
    const fields = marked.ok ? [] : marked.errors.map((error) => error.field).sort();
    expect(fields).toEqual(['clientIp', 'customerId', 'id', 'keyId']);
  });

  it('one mark per distinct day of the rows, each at its own day', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40_000 }), { maxLength: 60 }), (rowDays) => {
        const days = distinctDays(rowDays);
        expect(new Set(days)).toEqual(new Set(rowDays));
        expect(days).toEqual([...days].sort((a, b) => a - b));
        const marks = lines(landingMarksBody(range, days));
        expect(marks).toHaveLength(new Set(rowDays).size);
        marks.forEach((mark, index) => {
          expect(Date.parse(`${mark.occurred_at.replace(' ', 'T')}Z`)).toBe(days[index] * 86_400_000);
          expect(mark.event_id).toBe(landingMarkTag(range, days[index]));
        });
      }),
    );
  });
});
