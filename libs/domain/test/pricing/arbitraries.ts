import fc from 'fast-check';
import type { PriceModel, PriceTier } from '@keymeter/domain';

/** mantissa / 10^scale as a plain decimal string ("1234", 3 → "1.234"). */
export function scaled(mantissa: bigint, scale: number): string {
  const digits = mantissa.toString().padStart(scale + 1, '0');
  if (scale === 0) {
    return digits;
  }
  return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** Unit prices from 0 to 1000 with up to 12 fractional digits, biased towards small ones. */
export const unitPrice: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.bigInt({ min: 0n, max: 10n ** 6n }), fc.integer({ min: 0, max: 12 }))
    .map(([m, s]) => scaled(m, s)),
  fc.constantFrom('0', '0.000001', '0.000001234567', '0.005', '0.01', '1'),
);

export const flatFee: fc.Arbitrary<string | undefined> = fc.option(
  fc
    .tuple(fc.bigInt({ min: 0n, max: 10n ** 5n }), fc.integer({ min: 0, max: 4 }))
    .map(([m, s]) => scaled(m, s)),
  { nil: undefined },
);

/** Whole-unit quantities up to 10^15 (beyond 2^53 is covered by the table tests). */
export const quantity: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: 2000n }),
  fc.bigInt({ min: 0n, max: 10n ** 15n }),
);

export const freeUnits: fc.Arbitrary<string | undefined> = fc.option(
  fc.bigInt({ min: 0n, max: 1500n }).map(String),
  { nil: undefined },
);

/** Tiers with strictly increasing whole-unit bounds and an unbounded last tier. */
export const tiers: fc.Arbitrary<PriceTier[]> = fc
  .uniqueArray(fc.bigInt({ min: 1n, max: 3000n }), { maxLength: 4 })
  .chain((bounds) => {
    const upTos = [...bounds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return fc.tuple(
      ...[...upTos.map(String), null].map((upTo) =>
        fc.record({ unitPrice, flatFee }).map(({ unitPrice: price, flatFee: fee }): PriceTier => {
          const tier: PriceTier = { upTo, unitPrice: price };
          if (fee !== undefined) {
            tier.flatFee = fee;
          }
          return tier;
        }),
      ),
    );
  });

function withAllowance<T extends PriceModel>(model: T, free: string | undefined): T {
  return free === undefined ? model : { ...model, freeUnits: free };
}

export const graduatedModel: fc.Arbitrary<PriceModel> = fc
  .tuple(tiers, freeUnits)
  .map(([modelTiers, free]) => withAllowance({ type: 'graduated', tiers: modelTiers }, free));

export const volumeModel: fc.Arbitrary<PriceModel> = fc
  .tuple(tiers, freeUnits)
  .map(([modelTiers, free]) => withAllowance({ type: 'volume', tiers: modelTiers }, free));

export const perUnitModel: fc.Arbitrary<PriceModel> = fc
  .tuple(unitPrice, freeUnits)
  .map(([price, free]) => withAllowance({ type: 'per_unit', unitPrice: price }, free));

export const packageModel: fc.Arbitrary<PriceModel> = fc
  .tuple(fc.bigInt({ min: 1n, max: 5000n }), unitPrice, freeUnits)
  .map(([size, price, free]) =>
    withAllowance({ type: 'package', packageSize: size.toString(), packagePrice: price }, free),
  );

export const anyModel: fc.Arbitrary<PriceModel> = fc.oneof(
  graduatedModel,
  volumeModel,
  perUnitModel,
  packageModel,
);

/** Models that can be priced continuously across parts (volume cannot). */
export const continuableModel: fc.Arbitrary<PriceModel> = fc.oneof(
  graduatedModel,
  perUnitModel,
  packageModel,
);

export const currency: fc.Arbitrary<string> = fc.constantFrom('USD', 'JPY', 'KWD', 'EUR', 'BHD', 'KRW');
