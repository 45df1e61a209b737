import { dec, InvalidDecimalError, parsePrice, parseQuantity, type Dec } from '../money';
import {
  PRICE_MODEL_TYPES,
  type PriceModel,
  type PriceModelType,
  type PriceTier,
  type QuantityValue,
} from './price-model';
import { fieldPath, InvalidPricingInputError, type FieldError } from './pricing-errors';

/** A tier with exact values and its lower bound (exclusive) made explicit. */
export interface ParsedTier {
  index: number;
  /** Exclusive lower bound: the previous tier's `upTo`, 0 for the first tier. */
  from: Dec;
  /** Inclusive upper bound; null for the unbounded last tier. */
  upTo: Dec | null;
  unitPrice: Dec;
  flatFee: Dec;
}

/** A validated price model with exact values, used by the pricing functions. */
export type ParsedPriceModel =
  | { type: 'per_unit'; freeUnits: Dec; unitPrice: Dec }
  | { type: 'graduated' | 'volume'; freeUnits: Dec; tiers: ParsedTier[] }
  | { type: 'package'; freeUnits: Dec; packageSize: Dec; packagePrice: Dec };

export type PriceModelValidation = { ok: true; model: PriceModel } | { ok: false; errors: FieldError[] };

const ALLOWED_KEYS: Record<PriceModelType, readonly string[]> = {
  per_unit: ['type', 'freeUnits', 'unitPrice'],
  graduated: ['type', 'freeUnits', 'tiers'],
  volume: ['type', 'freeUnits', 'tiers'],
  package: ['type', 'freeUnits', 'packageSize', 'packagePrice'],
};
const TIER_KEYS = ['upTo', 'unitPrice', 'flatFee'];

/**
 * Checks untrusted input against the price model rules and returns either the model (numbers given for
 * quantity-like fields are turned into decimal strings) or every error, each naming its field relative to
 * `path` (e.g. `tiers[2].upTo`, or `plan.prices.requests.tiers[2].upTo` with that path).
 */
export function validatePriceModel(input: unknown, path = ''): PriceModelValidation {
  const errors: FieldError[] = [];
  const parsed = readPriceModel(input, path, errors);
  if (parsed === undefined || errors.length > 0) {
    return { ok: false, errors };
  }
  return { ok: true, model: toPriceModel(parsed) };
}

/** Parses a price model to exact values, or throws {@link InvalidPricingInputError} listing every error. */
export function parsePriceModel(input: unknown, path = ''): ParsedPriceModel {
  const errors: FieldError[] = [];
  const parsed = readPriceModel(input, path, errors);
  if (parsed === undefined || errors.length > 0) {
    throw new InvalidPricingInputError(errors);
  }
  return parsed;
}

/** Reads a price model, appending problems to `errors`; returns undefined when it cannot be read at all. */
export function readPriceModel(
  input: unknown,
  path: string,
  errors: FieldError[],
): ParsedPriceModel | undefined {
  if (!isRecord(input)) {
    errors.push({ field: path === '' ? 'model' : path, message: 'must be an object' });
    return undefined;
  }
  const type = input.type;
  if (typeof type !== 'string' || !(PRICE_MODEL_TYPES as readonly string[]).includes(type)) {
    errors.push({
      field: fieldPath(path, 'type'),
      message: `must be one of ${PRICE_MODEL_TYPES.join(', ')}`,
    });
    return undefined;
  }
  const modelType = type as PriceModelType;
  rejectUnknownKeys(input, ALLOWED_KEYS[modelType], path, errors);
  const freeUnits =
    input.freeUnits === undefined
      ? dec(0)
      : read(errors, () => parseQuantity(input.freeUnits, fieldPath(path, 'freeUnits')));

  switch (modelType) {
    case 'per_unit': {
      const unitPrice = readRequired(input, 'unitPrice', path, errors, parsePrice);
      return freeUnits && unitPrice ? { type: modelType, freeUnits, unitPrice } : undefined;
    }
    case 'graduated':
    case 'volume': {
      const tiers = readTiers(input.tiers, fieldPath(path, 'tiers'), errors);
      return freeUnits && tiers ? { type: modelType, freeUnits, tiers } : undefined;
    }
    case 'package': {
      const packageSize = readRequired(input, 'packageSize', path, errors, parsePackageSize);
      const packagePrice = readRequired(input, 'packagePrice', path, errors, parsePrice);
      return freeUnits && packageSize && packagePrice
        ? { type: modelType, freeUnits, packageSize, packagePrice }
        : undefined;
    }
  }
}

function readTiers(input: unknown, path: string, errors: FieldError[]): ParsedTier[] | undefined {
  if (!Array.isArray(input) || input.length === 0) {
    errors.push({ field: path, message: 'must be a non-empty array of tiers' });
    return undefined;
  }
  const tiers: ParsedTier[] = [];
  let previousUpTo: Dec | null = dec(0);
  let complete = true;
  input.forEach((tierInput: unknown, index) => {
    const tierPath = fieldPath(path, index);
    const isLast = index === input.length - 1;
    if (!isRecord(tierInput)) {
      errors.push({ field: tierPath, message: 'must be an object' });
      complete = false;
      previousUpTo = null;
      return;
    }
    rejectUnknownKeys(tierInput, TIER_KEYS, tierPath, errors);
    const upTo = readUpTo(tierInput, tierPath, isLast, previousUpTo, errors);
    const unitPrice = readRequired(tierInput, 'unitPrice', tierPath, errors, parsePrice);
    const flatFee =
      tierInput.flatFee === undefined
        ? dec(0)
        : read(errors, () => parsePrice(tierInput.flatFee, fieldPath(tierPath, 'flatFee')));
    if (upTo === undefined || unitPrice === undefined || flatFee === undefined || previousUpTo === null) {
      complete = false;
    } else {
      tiers.push({ index, from: previousUpTo, upTo, unitPrice, flatFee });
    }
    // A later bound can only be checked against a known earlier one.
    previousUpTo = upTo === undefined ? null : upTo;
  });
  return complete ? tiers : undefined;
}

function readUpTo(
  tier: Record<string, unknown>,
  tierPath: string,
  isLast: boolean,
  previousUpTo: Dec | null,
  errors: FieldError[],
): Dec | null | undefined {
  const field = fieldPath(tierPath, 'upTo');
  if (!('upTo' in tier)) {
    errors.push({ field, message: 'is required (null for the last, unbounded tier)' });
    return undefined;
  }
  if (tier.upTo === null) {
    if (!isLast) {
      errors.push({ field, message: 'only the last tier may be unbounded (null)' });
      return undefined;
    }
    return null;
  }
  if (isLast) {
    errors.push({
      field,
      message: 'the last tier must be unbounded (null) so that every quantity has a price',
    });
    return undefined;
  }
  const upTo = read(errors, () => parseQuantity(tier.upTo, field));
  if (upTo === undefined) {
    return undefined;
  }
  if (previousUpTo !== null && upTo.lessThanOrEqualTo(previousUpTo)) {
    const bound = previousUpTo.isZero()
      ? 'greater than 0'
      : `greater than the previous tier's upTo (${previousUpTo.toFixed()})`;
    errors.push({ field, message: `must be ${bound}` });
    return undefined;
  }
  return upTo;
}

function parsePackageSize(value: unknown, field: string): Dec {
  const size = parseQuantity(value, field);
  if (!size.isInteger() || size.lessThan(1)) {
    throw new InvalidDecimalError(field, 'must be a whole number of units, at least 1');
  }
  return size;
}

function readRequired(
  input: Record<string, unknown>,
  key: string,
  path: string,
  errors: FieldError[],
  parse: (value: unknown, field: string) => Dec,
): Dec | undefined {
  const field = fieldPath(path, key);
  if (input[key] === undefined) {
    errors.push({ field, message: 'is required' });
    return undefined;
  }
  return read(errors, () => parse(input[key], field));
}

function read(errors: FieldError[], parse: () => Dec): Dec | undefined {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InvalidDecimalError) {
      errors.push({ field: error.field, message: error.reason });
      return undefined;
    }
    throw error;
  }
}

function rejectUnknownKeys(
  input: Record<string, unknown>,
  allowed: readonly string[],
  path: string,
  errors: FieldError[],
): void {
  for (const key of Object.keys(input)) {
    if (!allowed.includes(key)) {
      errors.push({
        field: fieldPath(path, key),
        message: `is not a known field (allowed: ${allowed.join(', ')})`,
      });
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: Dec): string {
  return value.toFixed();
}

/** The canonical JSON form of a parsed model (decimal strings throughout; zero defaults left out). */
export function toPriceModel(parsed: ParsedPriceModel): PriceModel {
  const allowance: { freeUnits?: QuantityValue } = parsed.freeUnits.isZero()
    ? {}
    : { freeUnits: text(parsed.freeUnits) };
  switch (parsed.type) {
    case 'per_unit':
      return { type: 'per_unit', ...allowance, unitPrice: text(parsed.unitPrice) };
    case 'graduated':
    case 'volume':
      return { type: parsed.type, ...allowance, tiers: parsed.tiers.map(toPriceTier) };
    case 'package':
      return {
        type: 'package',
        ...allowance,
        packageSize: text(parsed.packageSize),
        packagePrice: text(parsed.packagePrice),
      };
  }
}

function toPriceTier(tier: ParsedTier): PriceTier {
  return {
    upTo: tier.upTo === null ? null : text(tier.upTo),
    unitPrice: text(tier.unitPrice),
    ...(tier.flatFee.isZero() ? {} : { flatFee: text(tier.flatFee) }),
  };
}
