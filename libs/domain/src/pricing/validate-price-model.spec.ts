import { validatePriceModel, type FieldError } from '@keymeter/domain';

function errorsOf(input: unknown, path?: string): FieldError[] {
  const result = validatePriceModel(input, path);
  if (result.ok) {
    throw new Error('expected the model to be rejected');
  }
  return result.errors;
}

describe('validatePriceModel', () => {
  it('accepts each model type and returns its canonical form', () => {
    expect(validatePriceModel({ type: 'per_unit', unitPrice: '0.000001' })).toEqual({
      ok: true,
      model: { type: 'per_unit', unitPrice: '0.000001' },
    });
    expect(
      validatePriceModel({
        type: 'graduated',
        freeUnits: 1000,
        tiers: [
          { upTo: 10000, unitPrice: '0.001', flatFee: '0' },
          { upTo: '100000', unitPrice: '0.0008', flatFee: '5.00' },
          { upTo: null, unitPrice: '0.0005' },
        ],
      }),
    ).toEqual({
      ok: true,
      model: {
        type: 'graduated',
        freeUnits: '1000',
        tiers: [
          { upTo: '10000', unitPrice: '0.001' },
          { upTo: '100000', unitPrice: '0.0008', flatFee: '5' },
          { upTo: null, unitPrice: '0.0005' },
        ],
      },
    });
    expect(validatePriceModel({ type: 'volume', tiers: [{ upTo: null, unitPrice: '1' }] }).ok).toBe(true);
    expect(validatePriceModel({ type: 'package', packageSize: 1000, packagePrice: '2.50' })).toEqual({
      ok: true,
      model: { type: 'package', packageSize: '1000', packagePrice: '2.5' },
    });
  });

  it('names every offending tier field', () => {
    expect(
      errorsOf({
        type: 'graduated',
        tiers: [
          { upTo: 100, unitPrice: '0.1' },
          { upTo: 500, unitPrice: '0.05', flatFee: '-1' },
          { upTo: 400, unitPrice: '0.01' },
          { upTo: 900, unitPrice: 0.01 },
        ],
      }).map((error) => error.field),
    ).toEqual(['tiers[1].flatFee', 'tiers[2].upTo', 'tiers[3].upTo', 'tiers[3].unitPrice']);
  });

  it.each([
    [{ type: 'graduated', tiers: [] }, 'tiers', 'must be a non-empty array of tiers'],
    [
      { type: 'graduated', tiers: [{ upTo: 10, unitPrice: '1' }] },
      'tiers[0].upTo',
      'the last tier must be unbounded',
    ],
    [
      {
        type: 'graduated',
        tiers: [
          { upTo: null, unitPrice: '1' },
          { upTo: null, unitPrice: '1' },
        ],
      },
      'tiers[0].upTo',
      'only the last tier may be unbounded',
    ],
    [
      { type: 'volume', tiers: [{ unitPrice: '1' }, { upTo: null, unitPrice: '1' }] },
      'tiers[0].upTo',
      'is required',
    ],
    [
      {
        type: 'volume',
        tiers: [
          { upTo: 0, unitPrice: '1' },
          { upTo: null, unitPrice: '1' },
        ],
      },
      'tiers[0].upTo',
      'must be greater than 0',
    ],
    [
      {
        type: 'volume',
        tiers: [
          { upTo: 5, unitPrice: '1' },
          { upTo: 5, unitPrice: '1' },
          { upTo: null, unitPrice: '1' },
        ],
      },
      'tiers[1].upTo',
      "must be greater than the previous tier's upTo (5)",
    ],
    [{ type: 'volume', tiers: [{ upTo: null }] }, 'tiers[0].unitPrice', 'is required'],
    [{ type: 'volume', tiers: ['x'] }, 'tiers[0]', 'must be an object'],
    [
      { type: 'graduated', tiers: [{ up_to: null, upTo: null, unitPrice: '1' }] },
      'tiers[0].up_to',
      'is not a known field',
    ],
    [{ type: 'per_unit' }, 'unitPrice', 'is required'],
    [{ type: 'per_unit', unitPrice: '1e-6' }, 'unitPrice', 'plain decimal string'],
    [{ type: 'per_unit', unitPrice: '0.0000000000001' }, 'unitPrice', 'at most 12 allowed'],
    [{ type: 'per_unit', unitPrice: '1', freeUnits: -5 }, 'freeUnits', 'must not be negative'],
    [{ type: 'per_unit', unitPrice: '1', tiers: [] }, 'tiers', 'is not a known field'],
    [{ type: 'package', packageSize: 0, packagePrice: '1' }, 'packageSize', 'at least 1'],
    [{ type: 'package', packageSize: '2.5', packagePrice: '1' }, 'packageSize', 'whole number'],
    [{ type: 'package', packageSize: 10 }, 'packagePrice', 'is required'],
    [{ type: 'flat' }, 'type', 'must be one of per_unit, graduated, volume, package'],
    [{}, 'type', 'must be one of'],
    [null, 'model', 'must be an object'],
    [[], 'model', 'must be an object'],
  ])('%j → %s', (input, field, message) => {
    const errors = errorsOf(input);
    expect(errors).toContainEqual({ field, message: expect.stringContaining(message) as string });
  });

  it('prefixes fields with the given path', () => {
    const errors = errorsOf(
      {
        type: 'volume',
        tiers: [
          { upTo: 5, unitPrice: '1' },
          { upTo: 5, unitPrice: '1' },
        ],
      },
      'prices.requests',
    );
    expect(errors.map((error) => error.field)).toEqual(['prices.requests.tiers[1].upTo']);
  });
});
