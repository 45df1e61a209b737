import fc from 'fast-check';
import {
  ALL_CORRUPTIONS,
  corrupt,
  corruptionArb,
  validUsageEventArb,
} from '../../test/usage-event.arbitraries';
import { decodeUsageEvent, encodeUsageEvent, isBillable, parseUsageEvent } from '..';

describe('UsageEvent v1 properties', () => {
  it('accepts every valid event unchanged', () => {
    fc.assert(
      fc.property(validUsageEventArb, (event) => {
        expect(parseUsageEvent(event)).toEqual({ ok: true, event });
      }),
    );
  });

  it('round-trips every valid event through encode and decode', () => {
    fc.assert(
      fc.property(validUsageEventArb, (event) => {
        expect(decodeUsageEvent(encodeUsageEvent(event))).toEqual({ ok: true, event });
      }),
    );
  });

  it('decodes the keyed JSON form to the same event as the compact form', () => {
    fc.assert(
      fc.property(validUsageEventArb, (event) => {
        expect(decodeUsageEvent(Buffer.from(JSON.stringify(event)))).toEqual({ ok: true, event });
      }),
    );
  });

  it('names the corrupted field whatever else the event holds', () => {
    fc.assert(
      fc.property(validUsageEventArb, corruptionArb, (event, corruption) => {
        const result = parseUsageEvent(corrupt(event, corruption));
        expect(result.ok).toBe(false);
        const fields = result.ok ? [] : result.errors.map((error) => error.field);
        expect(
          fields.some((field) => field === corruption.field || field.startsWith(`${corruption.field}.`)),
        ).toBe(true);
      }),
    );
  });

  it('refuses the same corruption after a round trip through the compact encoding', () => {
    // Encoding does not validate, so a producer bug is still caught on the consumer side.
    fc.assert(
      fc.property(
        validUsageEventArb,
        fc.constantFrom(...ALL_CORRUPTIONS.filter((corruption) => corruption.field !== 'v')),
        (event, corruption) => {
          const tampered = corrupt(event, corruption) as unknown as Parameters<typeof encodeUsageEvent>[0];
          const result = decodeUsageEvent(encodeUsageEvent(tampered));
          expect(result.ok).toBe(false);
        },
      ),
    );
  });

  it('refuses a billable flag that disagrees with outcome and status', () => {
    fc.assert(
      fc.property(validUsageEventArb, (event) => {
        const result = parseUsageEvent({ ...event, billable: !event.billable });
        expect(result).toEqual({
          ok: false,
          errors: [
            {
              field: 'billable',
              reason: 'must be true exactly when outcome is forwarded and status is below 500',
            },
          ],
        });
        expect(event.billable).toBe(isBillable(event.outcome, event.status));
      }),
    );
  });
});
