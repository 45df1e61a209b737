import { InvalidDecimalError, parseAmount, parseDecimal, parsePrice, parseQuantity } from '@keymeter/domain';

describe('parsePrice', () => {
  it.each([
    ['0', '0'],
    ['0.000001', '0.000001'],
    ['0.000001234567', '0.000001234567'],
    ['12.5', '12.5'],
    ['1000000', '1000000'],
    ['0.100000000000', '0.1'],
  ])('accepts %j', (input, value) => {
    expect(parsePrice(input, 'unitPrice').toFixed()).toBe(value);
  });

  it.each([
    ['1e-6', /plain decimal string/],
    ['1E3', /plain decimal string/],
    ['NaN', /plain decimal string/],
    ['Infinity', /plain decimal string/],
    ['-0.01', /must not be negative/],
    ['+1', /plain decimal string/],
    [' 1', /plain decimal string/],
    ['1 ', /plain decimal string/],
    ['01', /plain decimal string/],
    ['.5', /plain decimal string/],
    ['5.', /plain decimal string/],
    ['1,5', /plain decimal string/],
    ['0x10', /plain decimal string/],
    ['', /plain decimal string/],
    ['0.0000000000001', /13 fractional digits, at most 12 allowed/],
    ['1234567890123456789', /too large/],
  ])('rejects %j naming the field', (input, reason) => {
    expect(() => parsePrice(input, 'tiers[2].unitPrice')).toThrow(InvalidDecimalError);
    expect(() => parsePrice(input, 'tiers[2].unitPrice')).toThrow(/^tiers\[2\]\.unitPrice: /);
    expect(() => parsePrice(input, 'tiers[2].unitPrice')).toThrow(reason);
  });

  it('rejects JavaScript numbers so a binary float never carries a price', () => {
    expect(() => parsePrice(0.1, 'unitPrice')).toThrow(
      'unitPrice: must be a decimal string, got the number 0.1',
    );
    expect(() => parsePrice(1, 'unitPrice')).toThrow('unitPrice: must be a decimal string');
  });

  it('rejects non-strings', () => {
    expect(() => parsePrice(null, 'flatFee')).toThrow('flatFee: must be a decimal string, got null');
    expect(() => parsePrice({}, 'flatFee')).toThrow('flatFee: must be a decimal string, got object');
  });

  it('reports the field on the error object', () => {
    try {
      parsePrice('abc', 'packagePrice');
      throw new Error('expected a rejection');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidDecimalError);
      expect((error as InvalidDecimalError).field).toBe('packagePrice');
    }
  });
});

describe('parseQuantity', () => {
  it('accepts safe integers, bigints and decimal strings beyond 2^53', () => {
    expect(parseQuantity(42, 'quantity').toFixed()).toBe('42');
    expect(parseQuantity(9007199254740993n, 'quantity').toFixed()).toBe('9007199254740993');
    expect(parseQuantity('123456789012345678901234567890', 'quantity').toFixed()).toBe(
      '123456789012345678901234567890',
    );
    expect(parseQuantity('0.5', 'quantity').toFixed()).toBe('0.5');
  });

  it('rejects unsafe or fractional numbers, negatives and absurd sizes', () => {
    expect(() => parseQuantity(2 ** 53, 'quantity')).toThrow(
      'quantity: must be a safe integer or a decimal string',
    );
    expect(() => parseQuantity(1.5, 'quantity')).toThrow(
      'quantity: must be a safe integer or a decimal string',
    );
    expect(() => parseQuantity(-1, 'quantity')).toThrow('quantity: must not be negative');
    expect(() => parseQuantity(-1n, 'quantity')).toThrow('quantity: must not be negative');
    expect(() => parseQuantity('1'.repeat(31), 'quantity')).toThrow('quantity: is too large');
  });
});

describe('parseAmount', () => {
  it('allows at most the currency exponent of fractional digits', () => {
    expect(parseAmount('10.50', 'USD', 'fixedFee').toFixed()).toBe('10.5');
    expect(parseAmount('1000', 'JPY', 'fixedFee').toFixed()).toBe('1000');
    expect(parseAmount('1.250', 'KWD', 'fixedFee').toFixed()).toBe('1.25');
    expect(() => parseAmount('10.501', 'USD', 'fixedFee')).toThrow(
      'fixedFee: has 3 fractional digits, at most 2',
    );
    expect(() => parseAmount('1.5', 'JPY', 'fixedFee')).toThrow(
      'fixedFee: has 1 fractional digits, at most 0',
    );
  });

  it('allows negatives only when asked', () => {
    expect(() => parseAmount('-1.00', 'USD', 'amount')).toThrow('amount: must not be negative');
    expect(parseAmount('-1.00', 'USD', 'amount', { allowNegative: true }).toFixed()).toBe('-1');
    expect(parseAmount('-0', 'USD', 'amount', { allowNegative: true }).toFixed()).toBe('0');
  });
});

describe('parseDecimal', () => {
  it('can require whole numbers', () => {
    const rules = { maxFractionDigits: 12, maxIntegerDigits: 10, integerOnly: true };
    expect(parseDecimal('12', 'packageSize', rules).toFixed()).toBe('12');
    expect(() => parseDecimal('1.5', 'packageSize', rules)).toThrow('packageSize: must be a whole number');
  });
});
