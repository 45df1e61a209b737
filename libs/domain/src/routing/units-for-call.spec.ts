import fc from 'fast-check';
import { formatMicroCredits, parseCreditAmount, toMicroCredits } from './credits';
import { unitsForCall } from './units-for-call';

const route = { creditsPerCall: '2' };

describe('unitsForCall', () => {
  it('uses the route cost without the header', () => {
    expect(unitsForCall(route, undefined)).toEqual({ units: '2', source: 'route' });
  });

  it.each([
    ['0', '0'],
    ['17', '17'],
    ['0.5', '0.5'],
    ['1.250000', '1.25'],
    ['3.000001', '3.000001'],
    [' 42 ', '42'],
  ])('takes a valid X-Usage-Units %j as %s', (header, units) => {
    expect(unitsForCall(route, header)).toEqual({ units, source: 'upstream' });
  });

  it.each([
    '',
    '-1',
    '1e3',
    '0.0000001',
    '01',
    '.5',
    '5.',
    'NaN',
    'Infinity',
    '1,5',
    '10, 20',
    '0x10',
    '1 000',
  ])('falls back to the route cost for an invalid header %j and reports it', (header) => {
    const result = unitsForCall(route, header);
    expect(result.units).toBe('2');
    expect(result.source).toBe('route');
    expect(result.invalidHeader?.header).toBe('X-Usage-Units');
    expect(result.invalidHeader?.reason).toMatch(/^X-Usage-Units /);
  });
});

describe('credit amounts', () => {
  it('round-trip through micro-credits in canonical form', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }), (micro) => {
        const text = formatMicroCredits(micro);
        expect(parseCreditAmount(text)).toEqual({ ok: true, amount: text });
        expect(toMicroCredits(text)).toBe(micro);
      }),
    );
  });

  it('rejects more than 12 integer digits', () => {
    expect(parseCreditAmount('1000000000000').ok).toBe(false);
    expect(parseCreditAmount('999999999999.999999').ok).toBe(true);
  });

  it('formats negative amounts too', () => {
    expect(formatMicroCredits(-1_500_000n)).toBe('-1.5');
  });
});
