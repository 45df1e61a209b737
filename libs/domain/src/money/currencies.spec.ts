import { currencyExponent, isKnownCurrency, knownCurrencies, UnknownCurrencyError } from '@keymeter/domain';

describe('currencyExponent', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['GBP', 2],
    ['CHF', 2],
    ['CAD', 2],
    ['AUD', 2],
    ['INR', 2],
    ['BRL', 2],
    ['CNY', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['CLP', 0],
    ['VND', 0],
    ['ISK', 0],
    ['UGX', 0],
    ['XOF', 0],
    ['KWD', 3],
    ['BHD', 3],
    ['JOD', 3],
    ['OMR', 3],
    ['TND', 3],
    ['IQD', 3],
    ['LYD', 3],
    ['CLF', 4],
  ])('%s has %i minor-unit digits', (code, exponent) => {
    expect(currencyExponent(code)).toBe(exponent);
  });

  it.each(['usd', 'XXX', 'ABC', '', 'USDT', 'toString', '__proto__'])(
    'rejects %j with an error naming the currency',
    (code) => {
      expect(() => currencyExponent(code)).toThrow(UnknownCurrencyError);
      expect(() => currencyExponent(code)).toThrow(`unknown currency ${JSON.stringify(code)}`);
    },
  );

  it('names the field the code came from', () => {
    expect(() => currencyExponent('EURO', 'customer.currency')).toThrow(
      /^customer\.currency: unknown currency "EURO"/,
    );
  });

  it('lists only three-letter upper-case codes', () => {
    const codes = knownCurrencies();
    expect(codes.length).toBeGreaterThan(150);
    for (const code of codes) {
      expect(code).toMatch(/^[A-Z]{3}$/);
      expect(isKnownCurrency(code)).toBe(true);
    }
  });
});
