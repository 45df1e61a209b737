import fc from 'fast-check';
import { decodeTime, isValid } from 'ulid';
import { eventIdTimeMs, isEventId, newEventId, normalizeEventId } from '..';

const bytes = (fill: number) => (count: number) => new Uint8Array(count).fill(fill);

describe('event ids', () => {
  it('encodes time and randomness as a ULID', () => {
    expect(newEventId(0, bytes(0))).toBe('00000000000000000000000000');
    expect(newEventId(2 ** 48 - 1, bytes(255))).toBe('7ZZZZZZZZZZZZZZZZZZZZZZZZZ');
    // 2026-03-01T00:00:00.000Z; time part as printed by the ulid package's encodeTime.
    expect(newEventId(1_772_323_200_000, bytes(0))).toBe('01KJKB3Q000000000000000000');
  });

  it('agrees with the ulid package on every time and random source', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 48 - 1 }),
        fc.uint8Array({ minLength: 10, maxLength: 10 }),
        (nowMs, random) => {
          const id = newEventId(nowMs, () => random);
          expect(isValid(id)).toBe(true);
          expect(isEventId(id)).toBe(true);
          expect(decodeTime(id)).toBe(nowMs);
          expect(eventIdTimeMs(id)).toBe(nowMs);
        },
      ),
    );
  });

  it('gives different ids for different random bytes in the same millisecond', () => {
    const first = newEventId(1_772_323_200_000, bytes(1));
    const second = newEventId(1_772_323_200_000, bytes(2));
    expect(first).not.toBe(second);
    expect(first.slice(0, 10)).toBe(second.slice(0, 10));
  });

  it('refuses a clock outside the ULID range and a short random source', () => {
    expect(() => newEventId(-1, bytes(0))).toThrow('nowMs');
    expect(() => newEventId(1.5, bytes(0))).toThrow('nowMs');
    expect(() => newEventId(2 ** 48, bytes(0))).toThrow('nowMs');
    expect(() => newEventId(0, () => new Uint8Array(9))).toThrow('random');
  });

  it('normalises letter case and refuses non-ULIDs', () => {
    expect(normalizeEventId('01kjkb3q000000000000000000')).toBe('01KJKB3Q000000000000000000');
    expect(normalizeEventId('01KJKB3Q00000000000000000O')).toBeUndefined();
    expect(normalizeEventId('81KJKB3Q000000000000000000')).toBeUndefined();
    expect(() => eventIdTimeMs('nope')).toThrow('id: must be a ULID');
  });
});
